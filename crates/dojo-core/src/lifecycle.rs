//! The lifecycles of setup intents and payment intents, as state machines that enforce
//! the seed's rules on the client side.
//!
//! ```text
//! Setup intent
//!
//!   Created ── customer authorizes ──▶ Authorized ── its payment intent is charged ──▶ Completed
//!     │                                │
//!     ├── expireAt passes ──▶ Expired  ├── DELETE ?includeAuthorized=true ──▶ Closed
//!     │                                │
//!     └── DELETE ───────────▶ Canceled └── the stored card expires ──────────▶ CardExpired
//!
//! Payment intent
//!
//!   Created ── authorized (Manual) ──▶ Authorized ── capture ──▶ Captured ── refund in full ──▶ Refunded
//!     │                                │                          ▲    │
//!     ├── /charge or Auto capture ─────┼──────────────────────────┘    │
//!     │                                │                               │ reversal
//!     │                                └── reversal ──▶ Reversed ◀─────┘
//!     │
//!     └── DELETE ──▶ Canceled
//! ```
//!
//! Completed, Expired, Canceled, Closed and CardExpired setup intents, and Refunded,
//! Reversed and Canceled payment intents, are terminal. Each move's cause is a variant of
//! [`SetupIntentCause`] or [`PaymentIntentCause`]; [`setup_intent_transition`] and
//! [`payment_intent_transition`] are the tables.
//!
//! The server decides statuses; these machines record what it reports
//! ([`SetupIntentState::observe`], [`PaymentIntentState::observe`]). Reporting the same
//! status again is never a change. A move the lifecycle says is impossible (e.g.
//! Completed → Created), or a status this version of dojo-core does not know, is an
//! [`Anomaly`] (of [`AnomalyKind::ImpossibleMove`] or [`AnomalyKind::UnknownStatus`])
//! and leaves the state as it was: the caller decides. And the machines refuse, before
//! anything is sent, what the seed's rules forbid ([`LifecycleError`]): only an
//! Authorized setup intent backs a charge; a payment intent is charged at most once; for
//! exactly the intended amount. Time is passed in: a Created setup intent at or past its
//! `expireAt` is effectively Expired ([`SetupIntentState::effective_status`]).
//!
//! # Where the documentation is silent
//!
//! - **No Authorized → Canceled for payment intents.** DELETE is documented only for a
//!   Created payment intent; an Authorized one is released by a reversal (Dojo reverses
//!   an uncaptured `Manual` payment intent by itself after 7 days).
//! - **CardExpired only from Authorized** (the stored card expired before the charge).
//!   Dojo's flow diagram also draws Created → CardExpired (a card entered already past
//!   its expiry, as in tokenization); until the live API shows it, that move is reported
//!   as an anomaly.
//! - **Moves are single steps.** A status reached through one the client did not see
//!   (Created → Refunded between two reads) is an anomaly: re-read, and rebuild the state
//!   from the response if it is right ([`PaymentIntentState::from_response`]).
//! - **A declined or failed charge is not a charge.** The payment intent stays Created
//!   and may be charged again; only `Successful`, or a read-back Captured, counts.
//! - **Created after a lost answer is not "not charged".** A charge whose answer was lost
//!   may still be in the server's queue: reading the payment intent back as Created makes
//!   the charge [`ChargeState::Pending`], settled only by the server showing it charged,
//!   or by resending the charge on the same payment intent ([`crate::charge`]).
//! - **Partial captures** keep a payment intent capturable until its amount is captured,
//!   also after the server reports it Captured; **partial refunds** keep it Captured.

use core::fmt;

use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::Money;
use crate::payment_intent::{PaymentIntent, PaymentIntentSummary};
use crate::setup_intent::{SetupIntent, SetupIntentSummary};
use crate::status::{CaptureMode, CaptureStatus, PaymentIntentStatus, SetupIntentStatus};
use crate::time::Timestamp;

/// Why a setup intent moved from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupIntentCause {
    /// Created → Authorized: the customer authorized a card at checkout.
    CustomerAuthorized,
    /// Created → Expired: `expireAt` passed before the customer authorized.
    ExpireAtPassed,
    /// Created → Canceled: the merchant canceled it (DELETE).
    CanceledByMerchant,
    /// Authorized → Completed: a payment intent created from it was charged.
    Charged,
    /// Authorized → Closed: the merchant canceled it after authorization (DELETE with
    /// `includeAuthorized=true`).
    ClosedByMerchant,
    /// Authorized → CardExpired: the stored card passed its expiry date before it was
    /// charged.
    CardExpired,
}

/// The cause of a setup intent's move from `from` to `to`, or `None` if the lifecycle
/// does not allow it (including any move to or from an unknown status, and staying put).
pub fn setup_intent_transition(from: SetupIntentStatus, to: SetupIntentStatus) -> Option<SetupIntentCause> {
    use SetupIntentStatus as S;
    match (from, to) {
        (S::Created, S::Authorized) => Some(SetupIntentCause::CustomerAuthorized),
        (S::Created, S::Expired) => Some(SetupIntentCause::ExpireAtPassed),
        (S::Created, S::Canceled) => Some(SetupIntentCause::CanceledByMerchant),
        (S::Authorized, S::Completed) => Some(SetupIntentCause::Charged),
        (S::Authorized, S::Closed) => Some(SetupIntentCause::ClosedByMerchant),
        (S::Authorized, S::CardExpired) => Some(SetupIntentCause::CardExpired),
        _ => None,
    }
}

/// Why a payment intent moved from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentIntentCause {
    /// Created → Authorized: the customer authorized a `Manual` capture payment.
    Authorized,
    /// Created → Captured: an `Auto` capture payment was authorized, or the merchant
    /// charged it (`/charge`, merchant-initiated from a setup intent).
    CapturedOnAuthorization,
    /// Created → Canceled: the merchant canceled it (DELETE, allowed only while Created;
    /// there is no Authorized → Canceled, an Authorized one is reversed instead).
    Canceled,
    /// Authorized → Captured: the merchant captured it (`/captures`), or `autoExpireIn`
    /// ran out with `autoExpireAction: Capture`.
    Captured,
    /// Authorized → Reversed or Captured → Reversed: the merchant reversed it before
    /// settlement (`/reversal`), or Dojo released an uncaptured `Manual` one (after 7 days,
    /// or when `autoExpireIn` ran out with `autoExpireAction: Release`).
    Reversed,
    /// Captured → Refunded: refunded in full (partial refunds keep it Captured).
    Refunded,
}

/// The cause of a payment intent's move from `from` to `to`, or `None` if the lifecycle
/// does not allow it.
pub fn payment_intent_transition(from: PaymentIntentStatus, to: PaymentIntentStatus) -> Option<PaymentIntentCause> {
    use PaymentIntentStatus as P;
    match (from, to) {
        (P::Created, P::Authorized) => Some(PaymentIntentCause::Authorized),
        (P::Created, P::Captured) => Some(PaymentIntentCause::CapturedOnAuthorization),
        (P::Created, P::Canceled) => Some(PaymentIntentCause::Canceled),
        (P::Authorized, P::Captured) => Some(PaymentIntentCause::Captured),
        (P::Authorized | P::Captured, P::Reversed) => Some(PaymentIntentCause::Reversed),
        (P::Captured, P::Refunded) => Some(PaymentIntentCause::Refunded),
        _ => None,
    }
}

/// What observing a server-reported status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation<S, C> {
    /// The status is the one already known.
    Unchanged,
    /// The status moved, for `cause`.
    Moved {
        /// The status before.
        from: S,
        /// The status now.
        to: S,
        /// Why.
        cause: C,
    },
}

/// Which kind of [`Anomaly`] a server-reported status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Both statuses are known and the lifecycle has no move from one to the other
    /// (e.g. Completed → Created): a stale read, a skipped step, or a server fault.
    ImpossibleMove,
    /// The reported status, or the one known before, is a value this version of
    /// dojo-core does not know (the API adds values without notice). The machine does not
    /// guess where it belongs.
    UnknownStatus,
}

/// A server-reported status that the lifecycle says cannot follow the known one, or
/// that it does not know. The state is left unchanged: the caller decides (log it,
/// re-read, alert a person, or rebuild the state from the response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Anomaly<S> {
    /// The status known before.
    pub from: S,
    /// The status the server reported.
    pub to: S,
    /// Impossible, or unknown.
    pub kind: AnomalyKind,
}

impl<S> Anomaly<S> {
    fn new(from: S, to: S, both_known: bool) -> Self {
        let kind = if both_known { AnomalyKind::ImpossibleMove } else { AnomalyKind::UnknownStatus };
        Anomaly { from, to, kind }
    }
}

impl<S: fmt::Display> fmt::Display for Anomaly<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AnomalyKind::ImpossibleMove => write!(
                f,
                "the server reported {} after {}, which the lifecycle does not allow: the known state was kept; \
                 re-read before acting on it",
                self.to, self.from
            ),
            AnomalyKind::UnknownStatus => write!(
                f,
                "the server reported the status {} (known before: {}), which this version of dojo-core does not \
                 know: the known state was kept; update dojo-core",
                self.to, self.from
            ),
        }
    }
}

/// A lifecycle rule the requested operation would break. Nothing was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleError {
    /// Only an Authorized setup intent can back a charge; this one is effectively
    /// `status` (Expired when Created past its `expireAt`).
    SetupIntentNotAuthorized {
        /// The setup intent's effective status.
        status: SetupIntentStatus,
    },
    /// The setup intent's intended amount is not known, so the charge amount cannot be
    /// checked. Read the setup intent first.
    IntendedAmountUnknown,
    /// The payment intent was not created from this setup intent.
    NotFromThisSetupIntent,
    /// A charge must be for exactly the setup intent's intended amount.
    AmountMismatch {
        /// The intended amount.
        expected: Money,
        /// The amount asked for.
        requested: Money,
    },
    /// The payment intent was already charged successfully.
    AlreadyCharged,
    /// The charge ticket was issued for another payment intent: record a charge's answer
    /// on the payment intent whose [`begin_charge`](PaymentIntentState::begin_charge)
    /// issued its ticket.
    TicketForAnotherPaymentIntent,
    /// A charge of this payment intent is in flight.
    ChargeInFlight,
    /// An earlier charge may have executed: reconcile (read the payment intent) first.
    ChargeOutcomeUnknown,
    /// A payment intent can be charged only while Created.
    PaymentIntentNotChargeable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// A setup intent can be canceled only while Created (or closed while Authorized,
    /// with `includeAuthorized`).
    SetupIntentNotCancelable {
        /// Its effective status.
        status: SetupIntentStatus,
    },
    /// A payment intent can be canceled only while Created.
    PaymentIntentNotCancelable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// Only an Authorized payment intent with `Manual` capture, or one partly captured,
    /// can be captured.
    NotCapturable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// The capture exceeds what is left to capture.
    CaptureExceedsRemaining {
        /// Minor units left to capture.
        remaining: i64,
    },
    /// Only a Captured payment intent can be refunded.
    NotRefundable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// The refund exceeds what was captured and not yet refunded.
    RefundExceedsAvailable {
        /// Minor units still refundable.
        available: i64,
    },
    /// Only an Authorized or Captured payment intent can be reversed.
    NotReversible {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// An amount must be greater than zero.
    NonPositiveAmount,
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LifecycleError::SetupIntentNotAuthorized { status } => {
                write!(f, "the setup intent is {status}, not Authorized: the customer must authorize a card first")
            }
            LifecycleError::IntendedAmountUnknown => {
                f.write_str("the setup intent's intended amount is unknown: read the setup intent first")
            }
            LifecycleError::NotFromThisSetupIntent => f.write_str(
                "the payment intent was not created from this setup intent: charge the one created with its \
                 setupIntentId",
            ),
            LifecycleError::AmountMismatch { expected, requested } => write!(
                f,
                "a charge must be for the intended {expected}, not {requested}: create the payment intent for \
                 exactly {expected}"
            ),
            LifecycleError::AlreadyCharged => {
                f.write_str("the payment intent was already charged: never charge it again (refund it if it was wrong)")
            }
            LifecycleError::TicketForAnotherPaymentIntent => f.write_str(
                "the charge ticket names another payment intent: record the answer on the one that issued it",
            ),
            LifecycleError::ChargeInFlight => f.write_str(
                "a charge of this payment intent is in flight: record its answer, or that the answer was lost",
            ),
            LifecycleError::ChargeOutcomeUnknown => {
                f.write_str("an earlier charge may have executed: read the payment intent to reconcile first")
            }
            LifecycleError::PaymentIntentNotChargeable { status } => {
                write!(f, "the payment intent is {status}; only a Created one can be charged: read its state")
            }
            LifecycleError::SetupIntentNotCancelable { status } => {
                write!(
                    f,
                    "the setup intent is {status}: only a Created one can be canceled, or an Authorized one closed \
                     with includeAuthorized=true"
                )
            }
            LifecycleError::PaymentIntentNotCancelable { status } => {
                write!(f, "the payment intent is {status}; only a Created one can be canceled: reverse or refund it")
            }
            LifecycleError::NotCapturable { status } => {
                write!(
                    f,
                    "the payment intent is {status}; only an Authorized Manual one, or one partly captured, can be \
                     captured"
                )
            }
            LifecycleError::CaptureExceedsRemaining { remaining } => {
                write!(f, "the capture exceeds what is left to capture: capture at most {remaining} minor units")
            }
            LifecycleError::NotRefundable { status } => {
                write!(f, "the payment intent is {status}; only a Captured one can be refunded")
            }
            LifecycleError::RefundExceedsAvailable { available } => {
                write!(f, "the refund exceeds what is still refundable: refund at most {available} minor units")
            }
            LifecycleError::NotReversible { status } => {
                write!(
                    f,
                    "the payment intent is {status}; only an Authorized or Captured one can be reversed (cancel a \
                     Created one)"
                )
            }
            LifecycleError::NonPositiveAmount => {
                f.write_str("the amount must be greater than zero: pass a positive amount in minor units")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LifecycleError {}

/// What the client knows of a setup intent.
///
/// `Clone` but not `Copy`: a copy would be a second, silently diverging record of the
/// same intent (a charge recorded on one and not the other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupIntentState {
    id: SetupIntentId,
    status: SetupIntentStatus,
    expire_at: Option<Timestamp>,
    intended_amount: Option<Money>,
    completed_by: Option<PaymentIntentId>,
}

impl SetupIntentState {
    /// A setup intent known to be `status`.
    pub fn new(
        id: SetupIntentId,
        status: SetupIntentStatus,
        expire_at: Option<Timestamp>,
        intended_amount: Option<Money>,
    ) -> Self {
        SetupIntentState { id, status, expire_at, intended_amount, completed_by: None }
    }

    /// The state a decoded setup intent describes.
    pub fn from_response(si: &SetupIntent<'_>) -> Self {
        Self::new(si.id, si.status, si.expire_at, si.intended_amount)
    }

    /// The state a decoded [`SetupIntentSummary`] describes (the same as
    /// [`from_response`](Self::from_response) of the full model).
    pub fn from_summary(si: &SetupIntentSummary) -> Self {
        Self::new(si.id, si.status, si.expire_at, si.intended_amount)
    }

    /// Its id.
    pub fn id(&self) -> SetupIntentId {
        self.id
    }

    /// The status last reported by the server (or applied by this machine).
    pub fn status(&self) -> SetupIntentStatus {
        self.status
    }

    /// The amount the merchant intends to charge.
    pub fn intended_amount(&self) -> Option<Money> {
        self.intended_amount
    }

    /// When it expires if not authorized.
    pub fn expire_at(&self) -> Option<Timestamp> {
        self.expire_at
    }

    /// The payment intent whose charge completed it, when this machine recorded or
    /// reconciled that charge.
    pub fn completed_by(&self) -> Option<PaymentIntentId> {
        self.completed_by
    }

    /// The status at `now`: a Created setup intent at or past its `expireAt` is
    /// effectively Expired.
    pub fn effective_status(&self, now: Timestamp) -> SetupIntentStatus {
        match (self.status, self.expire_at) {
            (SetupIntentStatus::Created, Some(expire_at)) if now >= expire_at => SetupIntentStatus::Expired,
            (status, _) => status,
        }
    }

    /// Records a status reported by the server: the same status is
    /// [`Observation::Unchanged`]; a move in the table is recorded with its cause; an
    /// impossible move or an unknown status is an [`Anomaly`] and changes nothing.
    pub fn observe(
        &mut self,
        reported: SetupIntentStatus,
    ) -> Result<Observation<SetupIntentStatus, SetupIntentCause>, Anomaly<SetupIntentStatus>> {
        if reported == self.status && reported.is_known() {
            return Ok(Observation::Unchanged);
        }
        match setup_intent_transition(self.status, reported) {
            Some(cause) => {
                let from = core::mem::replace(&mut self.status, reported);
                Ok(Observation::Moved { from, to: reported, cause })
            }
            None => Err(Anomaly::new(self.status, reported, self.status.is_known() && reported.is_known())),
        }
    }

    /// Records a decoded setup intent (its status; and its expiry and intended amount,
    /// which the server may fill in later).
    pub fn observe_response(
        &mut self,
        si: &SetupIntent<'_>,
    ) -> Result<Observation<SetupIntentStatus, SetupIntentCause>, Anomaly<SetupIntentStatus>> {
        let observation = self.observe(si.status)?;
        self.expire_at = si.expire_at.or(self.expire_at);
        self.intended_amount = si.intended_amount.or(self.intended_amount);
        Ok(observation)
    }

    /// Records a decoded [`SetupIntentSummary`], as
    /// [`observe_response`](Self::observe_response) does the full model.
    pub fn observe_summary(
        &mut self,
        si: &SetupIntentSummary,
    ) -> Result<Observation<SetupIntentStatus, SetupIntentCause>, Anomaly<SetupIntentStatus>> {
        let observation = self.observe(si.status)?;
        self.expire_at = si.expire_at.or(self.expire_at);
        self.intended_amount = si.intended_amount.or(self.intended_amount);
        Ok(observation)
    }

    /// Checks that it can back a charge at `now`: effectively Authorized, with a known
    /// intended amount.
    pub fn check_can_back_charge(&self, now: Timestamp) -> Result<Money, LifecycleError> {
        let status = self.effective_status(now);
        if status != SetupIntentStatus::Authorized {
            return Err(LifecycleError::SetupIntentNotAuthorized { status });
        }
        self.intended_amount.ok_or(LifecycleError::IntendedAmountUnknown)
    }

    /// Checks a payment intent's amount before creating it from this setup intent: it
    /// must be exactly the intended amount.
    pub fn check_payment_amount(&self, amount: Money) -> Result<(), LifecycleError> {
        let expected = self.intended_amount.ok_or(LifecycleError::IntendedAmountUnknown)?;
        if amount != expected {
            return Err(LifecycleError::AmountMismatch { expected, requested: amount });
        }
        Ok(())
    }

    /// Checks a cancel (DELETE) at `now`: a Created setup intent can be canceled; an
    /// Authorized one only with `include_authorized` (it becomes Closed).
    pub fn check_cancel(&self, include_authorized: bool, now: Timestamp) -> Result<(), LifecycleError> {
        match self.effective_status(now) {
            SetupIntentStatus::Created => Ok(()),
            SetupIntentStatus::Authorized if include_authorized => Ok(()),
            status => Err(LifecycleError::SetupIntentNotCancelable { status }),
        }
    }
}

/// Where a payment intent's charge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChargeState {
    /// No charge attempted (or the last attempt was reconciled as not executed).
    NotAttempted,
    /// A charge was begun and its answer is awaited.
    InFlight,
    /// The last attempt may have executed: reconcile before anything else.
    OutcomeUnknown,
    /// An attempt's outcome was unknown and the payment intent, read back, is not (yet)
    /// charged. That is **not** proof that nothing was charged: the request may still be
    /// in the server's queue. Read it back again, or send the charge again on this same
    /// payment intent (safe: the API charges a payment intent at most once; a charge that
    /// already landed is refused, and a read-back then shows it Captured). Never report it
    /// as "not charged".
    Pending,
    /// The issuer declined, or processing failed: nothing was charged, and the charge may
    /// be attempted again.
    Declined(CaptureStatus),
    /// Charged.
    Succeeded,
}

/// Proof that [`PaymentIntentState::begin_charge`] passed every check; hand it back with
/// the outcome.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "record the charge's outcome with the ticket"]
pub struct ChargeTicket {
    payment_intent: PaymentIntentId,
    amount: Money,
    /// The charge state before this attempt, restored when the attempt provably did
    /// nothing ([`PaymentIntentState::record_charge_not_executed`]).
    before: ChargeState,
}

impl ChargeTicket {
    /// The payment intent to charge.
    pub fn payment_intent(&self) -> PaymentIntentId {
        self.payment_intent
    }

    /// The amount that will be charged.
    pub fn amount(&self) -> Money {
        self.amount
    }
}

/// What a recorded charge outcome means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// The card was charged; the payment intent is Captured and the setup intent
    /// Completed.
    Charged,
    /// Nothing was charged (declined or failed); another attempt is allowed.
    NotCharged(CaptureStatus),
    /// The answer does not say: reconcile by reading the payment intent.
    Unknown,
}

/// What the client knows of a payment intent.
///
/// `Clone` but not `Copy`, like [`SetupIntentState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentIntentState {
    id: PaymentIntentId,
    status: PaymentIntentStatus,
    amount: Money,
    setup_intent_id: Option<SetupIntentId>,
    capture_mode: Option<CaptureMode>,
    charge: ChargeState,
    captured: i64,
    refunded: i64,
}

impl PaymentIntentState {
    /// A payment intent known to be `status`, for `amount`.
    pub fn new(
        id: PaymentIntentId,
        status: PaymentIntentStatus,
        amount: Money,
        setup_intent_id: Option<SetupIntentId>,
    ) -> Self {
        let captured = if status == PaymentIntentStatus::Captured { amount.value } else { 0 };
        let charge = if captured > 0 { ChargeState::Succeeded } else { ChargeState::NotAttempted };
        PaymentIntentState { id, status, amount, setup_intent_id, capture_mode: None, charge, captured, refunded: 0 }
    }

    /// The state a decoded payment intent describes; `None` when it carries no amount.
    pub fn from_response(pi: &PaymentIntent<'_>) -> Option<Self> {
        let mut state = Self::new(pi.id, pi.status, pi.amount?, pi.setup_intent_id);
        state.capture_mode = pi.capture_mode;
        state.refunded = pi.refunded_amount.unwrap_or(0);
        if let Some(captures) = pi.captures {
            let sum: i64 = captures
                .iter()
                .filter(|c| c.status == Some(CaptureStatus::Successful))
                .filter_map(|c| c.amount)
                .fold(0i64, i64::saturating_add);
            if sum > 0 {
                state.captured = sum;
            }
        }
        Some(state)
    }

    /// The state a decoded [`PaymentIntentSummary`] describes; `None` when it carries no
    /// amount. A summary has no captures: a Captured payment intent counts as captured
    /// in full (use [`from_response`](Self::from_response) for partial captures), and
    /// none refunded.
    pub fn from_summary(pi: &PaymentIntentSummary) -> Option<Self> {
        let mut state = Self::new(pi.id, pi.status, pi.amount?, pi.setup_intent_id);
        state.capture_mode = pi.capture_mode;
        Some(state)
    }

    /// Its id.
    pub fn id(&self) -> PaymentIntentId {
        self.id
    }

    /// The status last reported by the server (or applied by this machine).
    pub fn status(&self) -> PaymentIntentStatus {
        self.status
    }

    /// Its amount.
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// The setup intent it was created from.
    pub fn setup_intent_id(&self) -> Option<SetupIntentId> {
        self.setup_intent_id
    }

    /// Where its charge stands.
    pub fn charge_state(&self) -> ChargeState {
        self.charge
    }

    /// Minor units captured.
    pub fn captured(&self) -> i64 {
        self.captured
    }

    /// Minor units refunded.
    pub fn refunded(&self) -> i64 {
        self.refunded
    }

    /// Records a status reported by the server: the same status is
    /// [`Observation::Unchanged`]; a move in the table is recorded with its cause; an
    /// impossible move or an unknown status is an [`Anomaly`] and changes nothing.
    pub fn observe(
        &mut self,
        reported: PaymentIntentStatus,
    ) -> Result<Observation<PaymentIntentStatus, PaymentIntentCause>, Anomaly<PaymentIntentStatus>> {
        if reported == self.status && reported.is_known() {
            return Ok(Observation::Unchanged);
        }
        let cause = payment_intent_transition(self.status, reported)
            .ok_or_else(|| Anomaly::new(self.status, reported, self.status.is_known() && reported.is_known()))?;
        let from = core::mem::replace(&mut self.status, reported);
        match reported {
            PaymentIntentStatus::Captured => {
                if self.captured == 0 {
                    self.captured = self.amount.value;
                }
                if self.charge_unsettled() {
                    self.charge = ChargeState::Succeeded;
                }
            }
            PaymentIntentStatus::Refunded => self.refunded = self.captured,
            _ => {}
        }
        Ok(Observation::Moved { from, to: reported, cause })
    }

    /// Checks every rule of the seed's charge and, if they hold, marks the charge in
    /// flight: the setup intent is effectively Authorized at `now`; this payment intent
    /// was created from it, is Created, and is for exactly the intended amount; no charge
    /// succeeded, is in flight or has an unknown outcome not yet read back. A
    /// [`Pending`](ChargeState::Pending) charge may be begun again (a resend on the same
    /// payment intent, which the API charges at most once).
    pub fn begin_charge(&mut self, setup: &SetupIntentState, now: Timestamp) -> Result<ChargeTicket, LifecycleError> {
        match self.charge {
            ChargeState::Succeeded => return Err(LifecycleError::AlreadyCharged),
            ChargeState::InFlight => return Err(LifecycleError::ChargeInFlight),
            ChargeState::OutcomeUnknown => return Err(LifecycleError::ChargeOutcomeUnknown),
            // A pending charge may be sent again on the same payment intent: the API
            // charges a payment intent at most once.
            ChargeState::NotAttempted | ChargeState::Declined(_) | ChargeState::Pending => {}
        }
        match self.status {
            PaymentIntentStatus::Created => {}
            PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded => {
                return Err(LifecycleError::AlreadyCharged);
            }
            status => return Err(LifecycleError::PaymentIntentNotChargeable { status }),
        }
        if self.setup_intent_id != Some(setup.id()) {
            return Err(LifecycleError::NotFromThisSetupIntent);
        }
        let expected = setup.check_can_back_charge(now)?;
        if self.amount != expected {
            return Err(LifecycleError::AmountMismatch { expected, requested: self.amount });
        }
        let before = core::mem::replace(&mut self.charge, ChargeState::InFlight);
        Ok(ChargeTicket { payment_intent: self.id, amount: self.amount, before })
    }

    /// Records the charge's answer. `Successful` captures this payment intent and
    /// completes `setup`; `Declined` and `Failed` charged nothing (another attempt is
    /// allowed); anything else leaves the outcome unknown. A ticket issued by another
    /// payment intent is refused ([`LifecycleError::TicketForAnotherPaymentIntent`]) and
    /// changes nothing.
    pub fn record_charge(
        &mut self,
        ticket: ChargeTicket,
        status: CaptureStatus,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeOutcome, LifecycleError> {
        self.check_ticket(&ticket)?;
        Ok(match status {
            CaptureStatus::Successful => {
                self.charged(setup);
                ChargeOutcome::Charged
            }
            CaptureStatus::Declined | CaptureStatus::Failed => {
                self.charge = ChargeState::Declined(status);
                ChargeOutcome::NotCharged(status)
            }
            _ => {
                self.charge = ChargeState::OutcomeUnknown;
                ChargeOutcome::Unknown
            }
        })
    }

    /// Records that this attempt provably did nothing: the server refused it with a 4xx
    /// answer, or it never reached the server complete. The charge state is what it was
    /// before [`begin_charge`](Self::begin_charge) (a [`Pending`](ChargeState::Pending)
    /// charge stays pending: an earlier attempt may still land). A 409 may mean an earlier
    /// charge succeeded: read the payment intent back ([`reconcile`](Self::reconcile)
    /// settles Captured as charged whatever the charge state). A ticket of another
    /// payment intent is refused.
    pub fn record_charge_not_executed(&mut self, ticket: ChargeTicket) -> Result<(), LifecycleError> {
        self.check_ticket(&ticket)?;
        self.charge = ticket.before;
        Ok(())
    }

    fn check_ticket(&self, ticket: &ChargeTicket) -> Result<(), LifecycleError> {
        if ticket.payment_intent == self.id { Ok(()) } else { Err(LifecycleError::TicketForAnotherPaymentIntent) }
    }

    /// Records that the charge's answer was lost (a timeout after sending, a reset, an
    /// undecodable 2xx, a 5xx) or refused in a way that does not settle it: it may have
    /// executed. Every further charge is refused until [`reconcile`](Self::reconcile).
    /// A ticket of another payment intent is refused, as in
    /// [`record_charge`](Self::record_charge).
    pub fn record_charge_outcome_unknown(&mut self, ticket: ChargeTicket) -> Result<(), LifecycleError> {
        self.check_ticket(&ticket)?;
        self.charge = ChargeState::OutcomeUnknown;
        Ok(())
    }

    /// Settles an unknown (or in-flight, or pending) charge from the payment intent's
    /// status as read back from the server: Captured (or Refunded, Reversed after it)
    /// means it was charged, and `setup` is completed; Canceled means it was not, and
    /// cannot be. Created (or Authorized) after an unknown outcome does **not** mean it
    /// was not: the charge may still be in the server's queue, so the charge becomes
    /// [`Pending`](ChargeState::Pending) and the outcome [`ChargeOutcome::Unknown`]
    /// (read back again, or resend on the same payment intent: see
    /// [`charge`](crate::charge)). With no charge of ours unsettled, Created is
    /// `NotCharged`. An impossible or unknown status is an [`Anomaly`] and changes
    /// nothing.
    pub fn reconcile(
        &mut self,
        observed: PaymentIntentStatus,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeOutcome, Anomaly<PaymentIntentStatus>> {
        self.observe(observed)?;
        Ok(match observed {
            PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded | PaymentIntentStatus::Reversed => {
                self.charged(setup);
                self.status = observed;
                ChargeOutcome::Charged
            }
            PaymentIntentStatus::Canceled => {
                if self.charge_unsettled() {
                    self.charge = ChargeState::NotAttempted;
                }
                ChargeOutcome::NotCharged(CaptureStatus::Created)
            }
            _ if self.charge_unsettled() => {
                self.charge = ChargeState::Pending;
                ChargeOutcome::Unknown
            }
            PaymentIntentStatus::Created => ChargeOutcome::NotCharged(CaptureStatus::Created),
            _ => ChargeOutcome::Unknown,
        })
    }

    /// Whether a charge of ours may have executed and is not settled (in flight,
    /// outcome unknown, or pending).
    pub fn charge_unsettled(&self) -> bool {
        matches!(self.charge, ChargeState::InFlight | ChargeState::OutcomeUnknown | ChargeState::Pending)
    }

    fn charged(&mut self, setup: &mut SetupIntentState) {
        self.charge = ChargeState::Succeeded;
        if self.status == PaymentIntentStatus::Created {
            self.status = PaymentIntentStatus::Captured;
        }
        self.captured = self.amount.value;
        if self.setup_intent_id != Some(setup.id()) {
            return;
        }
        if setup.status == SetupIntentStatus::Authorized {
            setup.status = SetupIntentStatus::Completed;
        }
        // Also when the server reported Completed before the charge was reconciled.
        if setup.status == SetupIntentStatus::Completed && setup.completed_by.is_none() {
            setup.completed_by = Some(self.id);
        }
    }

    /// Checks a cancel (DELETE): only while Created, and not while a charge may have
    /// executed.
    pub fn check_cancel(&self) -> Result<(), LifecycleError> {
        if self.charge_unsettled() {
            return Err(LifecycleError::ChargeOutcomeUnknown);
        }
        match self.status {
            PaymentIntentStatus::Created => Ok(()),
            status => Err(LifecycleError::PaymentIntentNotCancelable { status }),
        }
    }

    /// Checks a capture of `amount` minor units: the payment intent is not known to be
    /// `Auto` capture, and is Authorized, or Captured with part of its amount still
    /// uncaptured (several partial captures are allowed); `amount` fits in what is left.
    pub fn check_capture(&self, amount: i64) -> Result<(), LifecycleError> {
        if amount <= 0 {
            return Err(LifecycleError::NonPositiveAmount);
        }
        let remaining = self.amount.value.saturating_sub(self.captured);
        let capturable = self.capture_mode != Some(CaptureMode::Auto)
            && match self.status {
                PaymentIntentStatus::Authorized => true,
                PaymentIntentStatus::Captured => remaining > 0,
                _ => false,
            };
        if !capturable {
            return Err(LifecycleError::NotCapturable { status: self.status });
        }
        if amount > remaining {
            return Err(LifecycleError::CaptureExceedsRemaining { remaining });
        }
        Ok(())
    }

    /// Records a successful capture of `amount` minor units.
    pub fn record_capture(&mut self, amount: i64) -> Result<(), LifecycleError> {
        self.check_capture(amount)?;
        self.captured = self.captured.saturating_add(amount);
        self.status = PaymentIntentStatus::Captured;
        Ok(())
    }

    /// Checks a refund of `amount` minor units: the payment intent is Captured and
    /// `amount` fits in what was captured and not yet refunded.
    pub fn check_refund(&self, amount: i64) -> Result<(), LifecycleError> {
        if amount <= 0 {
            return Err(LifecycleError::NonPositiveAmount);
        }
        if self.status != PaymentIntentStatus::Captured {
            return Err(LifecycleError::NotRefundable { status: self.status });
        }
        let available = self.captured.saturating_sub(self.refunded);
        if amount > available {
            return Err(LifecycleError::RefundExceedsAvailable { available });
        }
        Ok(())
    }

    /// Records a successful refund of `amount` minor units; refunding everything
    /// captured makes the payment intent Refunded.
    pub fn record_refund(&mut self, amount: i64) -> Result<(), LifecycleError> {
        self.check_refund(amount)?;
        self.refunded = self.refunded.saturating_add(amount);
        if self.refunded >= self.captured {
            self.status = PaymentIntentStatus::Refunded;
        }
        Ok(())
    }

    /// Checks a reversal: only while Authorized or Captured (before settlement).
    pub fn check_reversal(&self) -> Result<(), LifecycleError> {
        match self.status {
            PaymentIntentStatus::Authorized | PaymentIntentStatus::Captured => Ok(()),
            status => Err(LifecycleError::NotReversible { status }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::UnknownValue;

    const T0: Timestamp = Timestamp::from_unix(1_772_400_000);
    const EXPIRE_AT: Timestamp = T0.add_seconds(3600);
    const INTENDED: Money = Money::gbp(1000);

    fn si_id() -> SetupIntentId {
        SetupIntentId::new("si_sandbox_1").unwrap()
    }

    fn pi_id() -> PaymentIntentId {
        PaymentIntentId::new("pi_sandbox_1").unwrap()
    }

    fn si(status: SetupIntentStatus) -> SetupIntentState {
        SetupIntentState::new(si_id(), status, Some(EXPIRE_AT), Some(INTENDED))
    }

    fn authorized() -> SetupIntentState {
        si(SetupIntentStatus::Authorized)
    }

    fn pi(status: PaymentIntentStatus, amount: Money) -> PaymentIntentState {
        PaymentIntentState::new(pi_id(), status, amount, Some(si_id()))
    }

    fn created_pi() -> PaymentIntentState {
        pi(PaymentIntentStatus::Created, INTENDED)
    }

    const SI_MOVES: [(SetupIntentStatus, SetupIntentStatus, SetupIntentCause); 6] = {
        use SetupIntentCause as C;
        use SetupIntentStatus as S;
        [
            (S::Created, S::Authorized, C::CustomerAuthorized),
            (S::Created, S::Expired, C::ExpireAtPassed),
            (S::Created, S::Canceled, C::CanceledByMerchant),
            (S::Authorized, S::Completed, C::Charged),
            (S::Authorized, S::Closed, C::ClosedByMerchant),
            (S::Authorized, S::CardExpired, C::CardExpired),
        ]
    };

    const PI_MOVES: [(PaymentIntentStatus, PaymentIntentStatus, PaymentIntentCause); 7] = {
        use PaymentIntentCause as C;
        use PaymentIntentStatus as P;
        [
            (P::Created, P::Authorized, C::Authorized),
            (P::Created, P::Captured, C::CapturedOnAuthorization),
            (P::Created, P::Canceled, C::Canceled),
            (P::Authorized, P::Captured, C::Captured),
            (P::Authorized, P::Reversed, C::Reversed),
            (P::Captured, P::Reversed, C::Reversed),
            (P::Captured, P::Refunded, C::Refunded),
        ]
    };

    // The tables.

    #[test]
    fn setup_intent_transitions_are_exactly_the_documented_ones() {
        for &from in SetupIntentStatus::KNOWN {
            for &to in SetupIntentStatus::KNOWN {
                let want = SI_MOVES.iter().find(|(f, t, _)| (*f, *t) == (from, to)).map(|m| m.2);
                assert_eq!(setup_intent_transition(from, to), want, "{from} -> {to}");
            }
        }
        let unknown = SetupIntentStatus::Unknown(UnknownValue::new("Paused"));
        assert_eq!(setup_intent_transition(SetupIntentStatus::Created, unknown), None);
        assert_eq!(setup_intent_transition(unknown, SetupIntentStatus::Authorized), None);
    }

    #[test]
    fn payment_intent_transitions_are_exactly_the_documented_ones() {
        for &from in PaymentIntentStatus::KNOWN {
            for &to in PaymentIntentStatus::KNOWN {
                let want = PI_MOVES.iter().find(|(f, t, _)| (*f, *t) == (from, to)).map(|m| m.2);
                assert_eq!(payment_intent_transition(from, to), want, "{from} -> {to}");
            }
        }
        let unknown = PaymentIntentStatus::parse("Settled");
        assert_eq!(payment_intent_transition(PaymentIntentStatus::Captured, unknown), None);
    }

    #[test]
    fn terminal_statuses_have_no_way_out() {
        use PaymentIntentStatus as P;
        use SetupIntentStatus as S;
        for from in [S::Completed, S::Expired, S::Canceled, S::Closed, S::CardExpired] {
            assert!(S::KNOWN.iter().all(|&to| setup_intent_transition(from, to).is_none()), "{from}");
        }
        for from in [P::Refunded, P::Reversed, P::Canceled] {
            assert!(P::KNOWN.iter().all(|&to| payment_intent_transition(from, to).is_none()), "{from}");
        }
    }

    // Observing the server.

    #[test]
    fn the_same_status_again_is_unchanged_never_an_anomaly() {
        for &status in SetupIntentStatus::KNOWN {
            let mut state = si(status);
            assert_eq!(state.observe(status), Ok(Observation::Unchanged), "{status}");
        }
        for &status in PaymentIntentStatus::KNOWN {
            let mut state = pi(status, INTENDED);
            assert_eq!(state.observe(status), Ok(Observation::Unchanged), "{status}");
        }
    }

    #[test]
    fn every_allowed_move_is_recorded_with_its_cause() {
        for (from, to, cause) in SI_MOVES {
            let mut state = si(from);
            assert_eq!(state.observe(to), Ok(Observation::Moved { from, to, cause }));
            assert_eq!(state.status(), to);
        }
        for (from, to, cause) in PI_MOVES {
            let mut state = pi(from, INTENDED);
            assert_eq!(state.observe(to), Ok(Observation::Moved { from, to, cause }));
            assert_eq!(state.status(), to);
        }
    }

    #[test]
    fn impossible_moves_are_anomalies_and_change_nothing() {
        for &from in SetupIntentStatus::KNOWN {
            for &to in SetupIntentStatus::KNOWN {
                if from == to || setup_intent_transition(from, to).is_some() {
                    continue;
                }
                let mut state = si(from);
                let before = state.clone();
                assert_eq!(state.observe(to), Err(Anomaly { from, to, kind: AnomalyKind::ImpossibleMove }));
                assert_eq!(state, before, "{from} -> {to} changed the state");
            }
        }
        for &from in PaymentIntentStatus::KNOWN {
            for &to in PaymentIntentStatus::KNOWN {
                if from == to || payment_intent_transition(from, to).is_some() {
                    continue;
                }
                let mut state = pi(from, INTENDED);
                let before = state.clone();
                assert_eq!(state.observe(to), Err(Anomaly { from, to, kind: AnomalyKind::ImpossibleMove }));
                assert_eq!(state, before, "{from} -> {to} changed the state");
            }
        }
        let mut done = si(SetupIntentStatus::Completed);
        let anomaly = done.observe(SetupIntentStatus::Created).unwrap_err();
        assert!(anomaly.to_string().contains("Created after Completed"), "{anomaly}");
    }

    #[test]
    fn an_unknown_status_is_an_anomaly_of_its_own() {
        let paused = SetupIntentStatus::parse("Paused");
        let mut state = si(SetupIntentStatus::Created);
        let anomaly = state.observe(paused).unwrap_err();
        assert_eq!(anomaly, Anomaly { from: SetupIntentStatus::Created, to: paused, kind: AnomalyKind::UnknownStatus });
        assert!(anomaly.to_string().contains("Paused"), "{anomaly}");
        assert!(anomaly.to_string().contains("update dojo-core"), "{anomaly}");
        assert_eq!(state.status(), SetupIntentStatus::Created);
        // Known to be unknown: whatever comes next is not guessed at, not even itself.
        let mut odd = si(paused);
        assert_eq!(odd.observe(paused).unwrap_err().kind, AnomalyKind::UnknownStatus);
        assert_eq!(odd.observe(SetupIntentStatus::Authorized).unwrap_err().kind, AnomalyKind::UnknownStatus);
        assert_eq!(odd.status(), paused);

        let settled = PaymentIntentStatus::parse("Settled");
        let mut payment = pi(PaymentIntentStatus::Captured, INTENDED);
        let before = payment.clone();
        assert_eq!(payment.observe(settled).unwrap_err().kind, AnomalyKind::UnknownStatus);
        let mut unknown_si = si(SetupIntentStatus::Authorized);
        assert_eq!(payment.reconcile(settled, &mut unknown_si).unwrap_err().kind, AnomalyKind::UnknownStatus);
        assert_eq!(payment, before);
        assert_eq!(unknown_si, si(SetupIntentStatus::Authorized));
    }

    #[test]
    fn observing_a_payment_intent_keeps_the_books() {
        let mut payment = created_pi();
        payment.observe(PaymentIntentStatus::Captured).unwrap();
        assert_eq!((payment.captured(), payment.refunded()), (1000, 0));
        assert_eq!(payment.charge_state(), ChargeState::NotAttempted, "captured by checkout, not by a charge of ours");
        assert_eq!(payment.begin_charge(&authorized(), T0), Err(LifecycleError::AlreadyCharged));
        payment.observe(PaymentIntentStatus::Refunded).unwrap();
        assert_eq!(payment.refunded(), 1000);
    }

    // Time.

    #[test]
    fn created_is_effectively_expired_at_expire_at_not_a_second_before() {
        let created = si(SetupIntentStatus::Created);
        let before = EXPIRE_AT.add_seconds(-1);
        assert_eq!(created.effective_status(before), SetupIntentStatus::Created);
        assert_eq!(created.effective_status(EXPIRE_AT), SetupIntentStatus::Expired);
        assert_eq!(created.effective_status(EXPIRE_AT.add_seconds(1)), SetupIntentStatus::Expired);
        assert_eq!(created.status(), SetupIntentStatus::Created, "the recorded status is the server's");
        assert_eq!(created.check_cancel(false, before), Ok(()));
        assert_eq!(
            created.check_cancel(false, EXPIRE_AT),
            Err(LifecycleError::SetupIntentNotCancelable { status: SetupIntentStatus::Expired })
        );
        // Without an expireAt it never expires by time; an Authorized one does not expire by it.
        let open = SetupIntentState::new(si_id(), SetupIntentStatus::Created, None, Some(INTENDED));
        assert_eq!(open.effective_status(EXPIRE_AT.add_seconds(1_000_000)), SetupIntentStatus::Created);
        let auth = authorized();
        assert_eq!(auth.effective_status(EXPIRE_AT.add_seconds(36_000)), SetupIntentStatus::Authorized);
        assert_eq!(auth.check_can_back_charge(EXPIRE_AT.add_seconds(36_000)), Ok(INTENDED));
    }

    // Charging.

    #[test]
    fn the_seed_flow_charges_once() {
        let mut setup = authorized();
        let mut payment = created_pi();
        setup.check_payment_amount(INTENDED).unwrap();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        assert_eq!((ticket.payment_intent(), ticket.amount()), (pi_id(), INTENDED));
        assert_eq!(payment.charge_state(), ChargeState::InFlight);
        assert_eq!(payment.record_charge(ticket, CaptureStatus::Successful, &mut setup), Ok(ChargeOutcome::Charged));
        assert_eq!(payment.status(), PaymentIntentStatus::Captured);
        assert_eq!(payment.charge_state(), ChargeState::Succeeded);
        assert_eq!(setup.status(), SetupIntentStatus::Completed);
        assert_eq!(setup.completed_by(), Some(pi_id()));
        assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::AlreadyCharged));
        // The server then reports the same: no anomaly.
        assert_eq!(setup.observe(SetupIntentStatus::Completed), Ok(Observation::Unchanged));
        assert_eq!(payment.observe(PaymentIntentStatus::Captured), Ok(Observation::Unchanged));
    }

    #[test]
    fn a_declined_charge_is_not_a_charge_and_may_be_retried() {
        for refusal in [CaptureStatus::Declined, CaptureStatus::Failed] {
            let mut setup = authorized();
            let mut payment = created_pi();
            let ticket = payment.begin_charge(&setup, T0).unwrap();
            assert_eq!(payment.record_charge(ticket, refusal, &mut setup), Ok(ChargeOutcome::NotCharged(refusal)));
            assert_eq!(payment.charge_state(), ChargeState::Declined(refusal));
            assert_eq!(
                (payment.status(), setup.status()),
                (PaymentIntentStatus::Created, SetupIntentStatus::Authorized)
            );
            let again = payment.begin_charge(&setup, T0).unwrap();
            assert_eq!(payment.record_charge(again, CaptureStatus::Successful, &mut setup), Ok(ChargeOutcome::Charged));
        }
    }

    #[test]
    fn an_unknown_outcome_read_back_created_is_pending_not_uncharged() {
        let mut setup = authorized();
        let mut payment = created_pi();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        payment.record_charge_outcome_unknown(ticket).unwrap();
        assert_eq!(payment.charge_state(), ChargeState::OutcomeUnknown);
        assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::ChargeOutcomeUnknown), "read back first");
        // Read back: still Created. The charge may be in the server's queue: pending,
        // never "not charged" (the bug of issue 9: a late commit reported as not charged).
        assert_eq!(payment.reconcile(PaymentIntentStatus::Created, &mut setup), Ok(ChargeOutcome::Unknown));
        assert_eq!(payment.charge_state(), ChargeState::Pending);
        assert!(payment.charge_unsettled());
        assert_eq!(payment.check_cancel(), Err(LifecycleError::ChargeOutcomeUnknown));
        // Pending may be resent on the same payment intent; a `Created` answer says nothing.
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        assert_eq!(payment.record_charge(ticket, CaptureStatus::Created, &mut setup), Ok(ChargeOutcome::Unknown));
        // Read back: Captured, so it did.
        assert_eq!(payment.reconcile(PaymentIntentStatus::Captured, &mut setup), Ok(ChargeOutcome::Charged));
        assert_eq!(setup.status(), SetupIntentStatus::Completed);
        assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::AlreadyCharged));
        // With no charge of ours unsettled, Created is simply not charged.
        let mut fresh = created_pi();
        assert_eq!(
            fresh.reconcile(PaymentIntentStatus::Created, &mut authorized()),
            Ok(ChargeOutcome::NotCharged(CaptureStatus::Created))
        );
        assert_eq!(fresh.charge_state(), ChargeState::NotAttempted);
    }

    #[test]
    fn a_pending_charge_seen_captured_is_charged() {
        let mut setup = authorized();
        let mut payment = created_pi();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        payment.record_charge_outcome_unknown(ticket).unwrap();
        payment.reconcile(PaymentIntentStatus::Created, &mut setup).unwrap();
        assert_eq!(payment.observe(PaymentIntentStatus::Captured).map(|_| ()), Ok(()));
        assert_eq!(payment.charge_state(), ChargeState::Succeeded);
    }

    #[test]
    fn error_ticket_for_another_payment_intent() {
        let mut setup = authorized();
        let mut mine = created_pi();
        let other_id = PaymentIntentId::new("pi_sandbox_2").unwrap();
        let mut other = PaymentIntentState::new(other_id, PaymentIntentStatus::Created, INTENDED, Some(si_id()));
        let ticket = mine.begin_charge(&setup, T0).unwrap();
        let theirs = other.begin_charge(&setup, T0).unwrap();
        assert_eq!(
            mine.record_charge(theirs, CaptureStatus::Successful, &mut setup),
            Err(LifecycleError::TicketForAnotherPaymentIntent)
        );
        assert_eq!(mine.charge_state(), ChargeState::InFlight, "a refused ticket changes nothing");
        assert_eq!(setup.status(), SetupIntentStatus::Authorized);
        assert_eq!(other.record_charge_outcome_unknown(ticket), Err(LifecycleError::TicketForAnotherPaymentIntent));
        assert_eq!(other.charge_state(), ChargeState::InFlight);
    }

    #[test]
    fn a_setup_intent_reported_completed_before_reconciling_names_its_charge() {
        let mut setup = authorized();
        let mut payment = created_pi();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        payment.record_charge_outcome_unknown(ticket).unwrap();
        setup.observe(SetupIntentStatus::Completed).unwrap();
        assert_eq!(setup.completed_by(), None);
        assert_eq!(payment.reconcile(PaymentIntentStatus::Captured, &mut setup), Ok(ChargeOutcome::Charged));
        assert_eq!(setup.completed_by(), Some(pi_id()));
    }

    #[test]
    fn a_payment_intent_canceled_meanwhile_was_not_charged() {
        let mut setup = authorized();
        let mut payment = created_pi();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        payment.record_charge_outcome_unknown(ticket).unwrap();
        assert_eq!(
            payment.reconcile(PaymentIntentStatus::Canceled, &mut setup),
            Ok(ChargeOutcome::NotCharged(CaptureStatus::Created))
        );
        assert_eq!(setup.status(), SetupIntentStatus::Authorized);
        assert_eq!(
            payment.begin_charge(&setup, T0),
            Err(LifecycleError::PaymentIntentNotChargeable { status: PaymentIntentStatus::Canceled })
        );
    }

    #[test]
    fn several_partial_captures_then_partial_and_full_refunds() {
        let mut payment = pi(PaymentIntentStatus::Authorized, INTENDED);
        payment.record_capture(600).unwrap();
        assert_eq!(payment.status(), PaymentIntentStatus::Captured);
        // The server reports Captured too: 400 may still be captured.
        assert_eq!(payment.observe(PaymentIntentStatus::Captured), Ok(Observation::Unchanged));
        payment.record_capture(400).unwrap();
        assert_eq!(payment.captured(), 1000);
        payment.record_refund(300).unwrap();
        assert_eq!(payment.status(), PaymentIntentStatus::Captured, "a partial refund keeps it Captured");
        payment.record_refund(700).unwrap();
        assert_eq!(payment.status(), PaymentIntentStatus::Refunded);
        assert_eq!(payment.refunded(), 1000);
    }

    // One test per LifecycleError variant, each from a real call.

    #[test]
    fn error_setup_intent_not_authorized() {
        let mut payment = created_pi();
        let created = si(SetupIntentStatus::Created);
        let not = |status| Err(LifecycleError::SetupIntentNotAuthorized { status });
        assert_eq!(payment.begin_charge(&created, T0).map(|_| ()), not(SetupIntentStatus::Created));
        assert_eq!(payment.begin_charge(&created, EXPIRE_AT).map(|_| ()), not(SetupIntentStatus::Expired));
        assert_eq!(
            payment.begin_charge(&si(SetupIntentStatus::CardExpired), T0).map(|_| ()),
            not(SetupIntentStatus::CardExpired)
        );
        assert_eq!(created.check_can_back_charge(EXPIRE_AT).map(|_| ()), not(SetupIntentStatus::Expired));
        assert_eq!(payment.charge_state(), ChargeState::NotAttempted, "a refusal changes nothing");
    }

    #[test]
    fn error_intended_amount_unknown() {
        let setup = SetupIntentState::new(si_id(), SetupIntentStatus::Authorized, None, None);
        assert_eq!(created_pi().begin_charge(&setup, T0), Err(LifecycleError::IntendedAmountUnknown));
        assert_eq!(setup.check_payment_amount(INTENDED), Err(LifecycleError::IntendedAmountUnknown));
        assert_eq!(setup.check_can_back_charge(T0), Err(LifecycleError::IntendedAmountUnknown));
    }

    #[test]
    fn error_not_from_this_setup_intent() {
        let setup = authorized();
        let mut none = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, INTENDED, None);
        assert_eq!(none.begin_charge(&setup, T0), Err(LifecycleError::NotFromThisSetupIntent));
        let other = SetupIntentId::new("si_sandbox_2").unwrap();
        let mut theirs = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, INTENDED, Some(other));
        assert_eq!(theirs.begin_charge(&setup, T0), Err(LifecycleError::NotFromThisSetupIntent));
    }

    #[test]
    fn error_amount_mismatch() {
        let setup = authorized();
        for requested in [Money::gbp(999), Money::gbp(1001), Money::eur(1000)] {
            let mismatch = LifecycleError::AmountMismatch { expected: INTENDED, requested };
            assert_eq!(setup.check_payment_amount(requested), Err(mismatch));
            assert_eq!(pi(PaymentIntentStatus::Created, requested).begin_charge(&setup, T0), Err(mismatch));
        }
    }

    #[test]
    fn error_already_charged() {
        let setup = authorized();
        for status in [PaymentIntentStatus::Captured, PaymentIntentStatus::Refunded] {
            assert_eq!(pi(status, INTENDED).begin_charge(&setup, T0), Err(LifecycleError::AlreadyCharged));
        }
    }

    #[test]
    fn error_charge_in_flight() {
        let setup = authorized();
        let mut payment = created_pi();
        let _ticket = payment.begin_charge(&setup, T0).unwrap();
        assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::ChargeInFlight));
    }

    #[test]
    fn error_charge_outcome_unknown() {
        let setup = authorized();
        let mut payment = created_pi();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        payment.record_charge_outcome_unknown(ticket).unwrap();
        assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::ChargeOutcomeUnknown));
        assert_eq!(payment.check_cancel(), Err(LifecycleError::ChargeOutcomeUnknown));
    }

    #[test]
    fn error_payment_intent_not_chargeable() {
        let setup = authorized();
        for status in [PaymentIntentStatus::Authorized, PaymentIntentStatus::Canceled, PaymentIntentStatus::Reversed] {
            assert_eq!(
                pi(status, INTENDED).begin_charge(&setup, T0),
                Err(LifecycleError::PaymentIntentNotChargeable { status })
            );
        }
    }

    #[test]
    fn error_setup_intent_not_cancelable() {
        let not = |status| Err(LifecycleError::SetupIntentNotCancelable { status });
        assert_eq!(authorized().check_cancel(false, T0), not(SetupIntentStatus::Authorized));
        assert_eq!(authorized().check_cancel(true, T0), Ok(()));
        assert_eq!(si(SetupIntentStatus::Completed).check_cancel(true, T0), not(SetupIntentStatus::Completed));
        assert_eq!(si(SetupIntentStatus::Created).check_cancel(true, EXPIRE_AT), not(SetupIntentStatus::Expired));
    }

    #[test]
    fn error_payment_intent_not_cancelable() {
        assert_eq!(created_pi().check_cancel(), Ok(()));
        for status in [PaymentIntentStatus::Authorized, PaymentIntentStatus::Captured, PaymentIntentStatus::Canceled] {
            assert_eq!(pi(status, INTENDED).check_cancel(), Err(LifecycleError::PaymentIntentNotCancelable { status }));
        }
    }

    #[test]
    fn error_not_capturable() {
        let not = |status| Err(LifecycleError::NotCapturable { status });
        assert_eq!(created_pi().check_capture(10), not(PaymentIntentStatus::Created));
        let auto = PaymentIntentState {
            capture_mode: Some(CaptureMode::Auto),
            ..pi(PaymentIntentStatus::Authorized, INTENDED)
        };
        assert_eq!(auto.check_capture(10), not(PaymentIntentStatus::Authorized));
        assert_eq!(pi(PaymentIntentStatus::Captured, INTENDED).check_capture(10), not(PaymentIntentStatus::Captured));
        let mut manual = pi(PaymentIntentStatus::Authorized, INTENDED);
        assert_eq!(manual.record_capture(10_000), Err(LifecycleError::CaptureExceedsRemaining { remaining: 1000 }));
        assert_eq!(manual.status(), PaymentIntentStatus::Authorized, "a refused capture changes nothing");
    }

    #[test]
    fn error_capture_exceeds_remaining() {
        let mut manual = pi(PaymentIntentStatus::Authorized, INTENDED);
        assert_eq!(manual.check_capture(1001), Err(LifecycleError::CaptureExceedsRemaining { remaining: 1000 }));
        manual.record_capture(600).unwrap();
        assert_eq!(manual.check_capture(401), Err(LifecycleError::CaptureExceedsRemaining { remaining: 400 }));
    }

    #[test]
    fn error_not_refundable() {
        for status in [PaymentIntentStatus::Created, PaymentIntentStatus::Authorized, PaymentIntentStatus::Refunded] {
            assert_eq!(pi(status, INTENDED).check_refund(1), Err(LifecycleError::NotRefundable { status }));
        }
    }

    #[test]
    fn error_refund_exceeds_available() {
        let mut captured = pi(PaymentIntentStatus::Captured, INTENDED);
        assert_eq!(captured.check_refund(1001), Err(LifecycleError::RefundExceedsAvailable { available: 1000 }));
        captured.record_refund(300).unwrap();
        assert_eq!(captured.record_refund(701), Err(LifecycleError::RefundExceedsAvailable { available: 700 }));
        assert_eq!(captured.refunded(), 300, "a refused refund changes nothing");
    }

    #[test]
    fn error_not_reversible() {
        assert_eq!(pi(PaymentIntentStatus::Authorized, INTENDED).check_reversal(), Ok(()));
        assert_eq!(pi(PaymentIntentStatus::Captured, INTENDED).check_reversal(), Ok(()));
        for status in [PaymentIntentStatus::Created, PaymentIntentStatus::Refunded, PaymentIntentStatus::Canceled] {
            assert_eq!(pi(status, INTENDED).check_reversal(), Err(LifecycleError::NotReversible { status }));
        }
    }

    #[test]
    fn error_non_positive_amount() {
        let manual = pi(PaymentIntentStatus::Authorized, INTENDED);
        assert_eq!(manual.check_capture(0), Err(LifecycleError::NonPositiveAmount));
        assert_eq!(
            pi(PaymentIntentStatus::Captured, INTENDED).check_refund(-1),
            Err(LifecycleError::NonPositiveAmount)
        );
    }

    #[test]
    fn every_error_says_something_of_its_own() {
        use LifecycleError as E;
        use PaymentIntentStatus as P;
        let all = [
            E::SetupIntentNotAuthorized { status: SetupIntentStatus::Created },
            E::IntendedAmountUnknown,
            E::NotFromThisSetupIntent,
            E::AmountMismatch { expected: INTENDED, requested: Money::gbp(1) },
            E::AlreadyCharged,
            E::TicketForAnotherPaymentIntent,
            E::ChargeInFlight,
            E::ChargeOutcomeUnknown,
            E::PaymentIntentNotChargeable { status: P::Canceled },
            E::SetupIntentNotCancelable { status: SetupIntentStatus::Completed },
            E::PaymentIntentNotCancelable { status: P::Captured },
            E::NotCapturable { status: P::Created },
            E::CaptureExceedsRemaining { remaining: 1 },
            E::NotRefundable { status: P::Created },
            E::RefundExceedsAvailable { available: 1 },
            E::NotReversible { status: P::Created },
            E::NonPositiveAmount,
        ];
        let texts: [String; 17] = all.map(|e| e.to_string());
        for (i, t) in texts.iter().enumerate() {
            assert!(!t.is_empty());
            assert!(texts.iter().skip(i + 1).all(|u| u != t), "{t}");
        }
        assert!(E::ChargeOutcomeUnknown.to_string().contains("reconcile"));
        assert!(all[3].to_string().contains("10.00 GBP"), "{}", all[3]);
    }

    #[test]
    fn errors_stay_small() {
        let size = core::mem::size_of::<LifecycleError>();
        // Two `Money` (AmountMismatch) and a tag; a status with room for an unknown value.
        assert!(size <= 56, "{size}");
    }
}
