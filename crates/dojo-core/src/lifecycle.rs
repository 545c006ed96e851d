//! The lifecycles of setup intents and payment intents, as state machines that enforce
//! the seed's rules on the client side.
//!
//! ```text
//!  Setup intent                                 Payment intent
//!
//!              ┌──── customer authorizes ──┐                 ┌── DELETE ──▶ Canceled
//!              │                           ▼                 │
//!  Created ────┼── expireAt passes ─▶ Expired     Created ───┼── customer authorizes (Manual) ──▶ Authorized
//!              │                                             │                                     │   │
//!              └── DELETE ─────────▶ Canceled                └── charge / Auto capture ─▶ Captured ◀┘   │
//!                                                                 (capture)          │      │          │
//!  Authorized ─┬── PI charged ───────▶ Completed                                     │      │ reversal │
//!              ├── DELETE ?includeAuthorized ─▶ Closed             refund in full ◀──┘      ▼          │
//!              └── card expires ─────▶ CardExpired                   Refunded           Reversed ◀────┘
//! ```
//!
//! Completed, Expired, Canceled, Closed and CardExpired setup intents, and Refunded,
//! Reversed and Canceled payment intents, are terminal. Reporting the same status again
//! is never a change.
//!
//! The server decides statuses; these machines record what it reports
//! ([`SetupIntentState::observe`], [`PaymentIntentState::observe`]) and surface a move
//! the lifecycle says is impossible (e.g. Completed → Created) as an [`Anomaly`]
//! instead of accepting it. And they refuse, before anything is sent, what the seed's
//! rules forbid ([`LifecycleError`]): only an Authorized setup intent backs a charge; a
//! payment intent is charged at most once; for exactly the intended amount. Time is
//! passed in: a Created setup intent past its `expireAt` is effectively Expired.

use core::fmt;

use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::Money;
use crate::payment_intent::PaymentIntent;
use crate::setup_intent::SetupIntent;
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
    /// Authorized → CardExpired: the stored card expired before it was charged.
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
    /// Created → Canceled: the merchant canceled it (DELETE, allowed only while Created).
    Canceled,
    /// Authorized → Captured: the merchant captured it (`/captures`), or `autoExpireIn`
    /// ran out with `autoExpireAction: Capture`.
    Captured,
    /// Authorized → Reversed or Captured → Reversed: reversed before settlement.
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

/// A server-reported status that the lifecycle says cannot follow the known one. The
/// state is left unchanged: the caller decides (log it, re-read, alert a person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anomaly<S> {
    /// The status known before.
    pub from: S,
    /// The status the server reported.
    pub to: S,
}

impl<S: fmt::Display> fmt::Display for Anomaly<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server reported {} after {}, which the lifecycle does not allow", self.to, self.from)
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
    /// Only an Authorized payment intent with `Manual` capture can be captured.
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
            LifecycleError::NotFromThisSetupIntent => {
                f.write_str("the payment intent was not created from this setup intent")
            }
            LifecycleError::AmountMismatch { expected, requested } => {
                write!(f, "a charge must be for the intended {expected}, not {requested}")
            }
            LifecycleError::AlreadyCharged => f.write_str("the payment intent was already charged"),
            LifecycleError::ChargeInFlight => f.write_str("a charge of this payment intent is in flight"),
            LifecycleError::ChargeOutcomeUnknown => {
                f.write_str("an earlier charge may have executed: read the payment intent to reconcile first")
            }
            LifecycleError::PaymentIntentNotChargeable { status } => {
                write!(f, "the payment intent is {status}; only a Created one can be charged")
            }
            LifecycleError::SetupIntentNotCancelable { status } => {
                write!(f, "the setup intent is {status} and cannot be canceled")
            }
            LifecycleError::PaymentIntentNotCancelable { status } => {
                write!(f, "the payment intent is {status}; only a Created one can be canceled")
            }
            LifecycleError::NotCapturable { status } => {
                write!(f, "the payment intent is {status}; only an Authorized Manual one can be captured")
            }
            LifecycleError::CaptureExceedsRemaining { remaining } => {
                write!(f, "the capture exceeds the {remaining} minor units left to capture")
            }
            LifecycleError::NotRefundable { status } => {
                write!(f, "the payment intent is {status}; only a Captured one can be refunded")
            }
            LifecycleError::RefundExceedsAvailable { available } => {
                write!(f, "the refund exceeds the {available} minor units still refundable")
            }
            LifecycleError::NotReversible { status } => {
                write!(f, "the payment intent is {status}; only an Authorized or Captured one can be reversed")
            }
            LifecycleError::NonPositiveAmount => f.write_str("the amount must be greater than zero"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LifecycleError {}

/// What the client knows of a setup intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The payment intent whose charge completed it, when this machine saw it.
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

    /// Records a status reported by the server. An impossible move is an [`Anomaly`]
    /// and leaves the state unchanged.
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
            None => Err(Anomaly { from: self.status, to: reported }),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// Records a status reported by the server. An impossible move is an [`Anomaly`]
    /// and leaves the state unchanged.
    pub fn observe(
        &mut self,
        reported: PaymentIntentStatus,
    ) -> Result<Observation<PaymentIntentStatus, PaymentIntentCause>, Anomaly<PaymentIntentStatus>> {
        if reported == self.status && reported.is_known() {
            return Ok(Observation::Unchanged);
        }
        let cause =
            payment_intent_transition(self.status, reported).ok_or(Anomaly { from: self.status, to: reported })?;
        let from = core::mem::replace(&mut self.status, reported);
        match reported {
            PaymentIntentStatus::Captured => {
                if self.captured == 0 {
                    self.captured = self.amount.value;
                }
                if matches!(self.charge, ChargeState::InFlight | ChargeState::OutcomeUnknown) {
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
    /// succeeded, is in flight or has an unknown outcome.
    pub fn begin_charge(&mut self, setup: &SetupIntentState, now: Timestamp) -> Result<ChargeTicket, LifecycleError> {
        match self.charge {
            ChargeState::Succeeded => return Err(LifecycleError::AlreadyCharged),
            ChargeState::InFlight => return Err(LifecycleError::ChargeInFlight),
            ChargeState::OutcomeUnknown => return Err(LifecycleError::ChargeOutcomeUnknown),
            ChargeState::NotAttempted | ChargeState::Declined(_) => {}
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
        self.charge = ChargeState::InFlight;
        Ok(ChargeTicket { payment_intent: self.id, amount: self.amount })
    }

    /// Records the charge's answer. `Successful` captures this payment intent and
    /// completes `setup`; `Declined` and `Failed` charged nothing (another attempt is
    /// allowed); anything else leaves the outcome unknown.
    pub fn record_charge(
        &mut self,
        ticket: ChargeTicket,
        status: CaptureStatus,
        setup: &mut SetupIntentState,
    ) -> ChargeOutcome {
        let _ = ticket;
        match status {
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
        }
    }

    /// Records that the charge's answer was lost (a timeout after sending, a reset, an
    /// undecodable 2xx): it may have executed. Every further charge is refused until
    /// [`reconcile`](Self::reconcile).
    pub fn record_charge_outcome_unknown(&mut self, ticket: ChargeTicket) {
        let _ = ticket;
        self.charge = ChargeState::OutcomeUnknown;
    }

    /// Settles an unknown (or in-flight) charge from the payment intent's status as read
    /// back from the server: Captured means it was charged (and `setup` is completed);
    /// Created means it was not, and a new attempt is allowed. Another status is
    /// recorded as observed and the charge is not retried. An impossible status is an
    /// [`Anomaly`].
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
            PaymentIntentStatus::Created => {
                if matches!(self.charge, ChargeState::InFlight | ChargeState::OutcomeUnknown) {
                    self.charge = ChargeState::NotAttempted;
                }
                ChargeOutcome::NotCharged(CaptureStatus::Created)
            }
            _ => ChargeOutcome::Unknown,
        })
    }

    fn charged(&mut self, setup: &mut SetupIntentState) {
        self.charge = ChargeState::Succeeded;
        if self.status == PaymentIntentStatus::Created {
            self.status = PaymentIntentStatus::Captured;
        }
        self.captured = self.amount.value;
        if self.setup_intent_id == Some(setup.id()) && setup.status == SetupIntentStatus::Authorized {
            setup.status = SetupIntentStatus::Completed;
            setup.completed_by = Some(self.id);
        }
    }

    /// Checks a cancel (DELETE): only while Created, and not while a charge may have
    /// executed.
    pub fn check_cancel(&self) -> Result<(), LifecycleError> {
        if matches!(self.charge, ChargeState::InFlight | ChargeState::OutcomeUnknown) {
            return Err(LifecycleError::ChargeOutcomeUnknown);
        }
        match self.status {
            PaymentIntentStatus::Created => Ok(()),
            status => Err(LifecycleError::PaymentIntentNotCancelable { status }),
        }
    }

    /// Checks a capture of `amount` minor units: the payment intent is Authorized (and
    /// not known to be `Auto` capture) and `amount` fits in what is left.
    pub fn check_capture(&self, amount: i64) -> Result<(), LifecycleError> {
        if amount <= 0 {
            return Err(LifecycleError::NonPositiveAmount);
        }
        if self.status != PaymentIntentStatus::Authorized || self.capture_mode == Some(CaptureMode::Auto) {
            return Err(LifecycleError::NotCapturable { status: self.status });
        }
        let remaining = self.amount.value.saturating_sub(self.captured);
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

    fn si_id() -> SetupIntentId {
        SetupIntentId::new("si_sandbox_1").unwrap()
    }

    fn pi_id() -> PaymentIntentId {
        PaymentIntentId::new("pi_sandbox_1").unwrap()
    }

    fn authorized() -> SetupIntentState {
        SetupIntentState::new(
            si_id(),
            SetupIntentStatus::Authorized,
            Some(T0.add_seconds(3600)),
            Some(Money::gbp(1000)),
        )
    }

    fn created_pi() -> PaymentIntentState {
        PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, Money::gbp(1000), Some(si_id()))
    }

    #[test]
    fn setup_intent_transitions_are_exactly_the_documented_ones() {
        use SetupIntentStatus as S;
        let allowed = [
            (S::Created, S::Authorized, SetupIntentCause::CustomerAuthorized),
            (S::Created, S::Expired, SetupIntentCause::ExpireAtPassed),
            (S::Created, S::Canceled, SetupIntentCause::CanceledByMerchant),
            (S::Authorized, S::Completed, SetupIntentCause::Charged),
            (S::Authorized, S::Closed, SetupIntentCause::ClosedByMerchant),
            (S::Authorized, S::CardExpired, SetupIntentCause::CardExpired),
        ];
        for &from in S::KNOWN {
            for &to in S::KNOWN {
                let want = allowed.iter().find(|(f, t, _)| *f == from && *t == to).map(|(_, _, c)| *c);
                assert_eq!(setup_intent_transition(from, to), want, "{from} -> {to}");
            }
        }
        let unknown = S::Unknown(UnknownValue::new("Paused"));
        assert_eq!(setup_intent_transition(S::Created, unknown), None);
    }

    #[test]
    fn payment_intent_transitions_are_exactly_the_documented_ones() {
        use PaymentIntentStatus as P;
        let allowed = [
            (P::Created, P::Authorized),
            (P::Created, P::Captured),
            (P::Created, P::Canceled),
            (P::Authorized, P::Captured),
            (P::Authorized, P::Reversed),
            (P::Captured, P::Reversed),
            (P::Captured, P::Refunded),
        ];
        for &from in P::KNOWN {
            for &to in P::KNOWN {
                assert_eq!(
                    payment_intent_transition(from, to).is_some(),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn observing_records_moves_and_surfaces_anomalies() {
        let mut si = SetupIntentState::new(si_id(), SetupIntentStatus::Created, None, Some(Money::gbp(1000)));
        assert_eq!(si.observe(SetupIntentStatus::Created), Ok(Observation::Unchanged));
        assert_eq!(
            si.observe(SetupIntentStatus::Authorized),
            Ok(Observation::Moved {
                from: SetupIntentStatus::Created,
                to: SetupIntentStatus::Authorized,
                cause: SetupIntentCause::CustomerAuthorized
            })
        );
        si.observe(SetupIntentStatus::Completed).unwrap();
        let anomaly = si.observe(SetupIntentStatus::Created).unwrap_err();
        assert_eq!(anomaly, Anomaly { from: SetupIntentStatus::Completed, to: SetupIntentStatus::Created });
        assert_eq!(si.status(), SetupIntentStatus::Completed, "an anomaly changes nothing");
        assert!(anomaly.to_string().contains("Created after Completed"));
        let unknown = SetupIntentStatus::parse("Frozen");
        assert!(si.observe(unknown).is_err());
        let mut pi = created_pi();
        assert!(pi.observe(PaymentIntentStatus::Refunded).is_err());
        assert_eq!(pi.status(), PaymentIntentStatus::Created);
    }

    #[test]
    fn created_past_expire_at_is_effectively_expired() {
        let si = SetupIntentState::new(si_id(), SetupIntentStatus::Created, Some(T0), Some(Money::gbp(1000)));
        assert_eq!(si.effective_status(T0.add_seconds(-1)), SetupIntentStatus::Created);
        assert_eq!(si.effective_status(T0), SetupIntentStatus::Expired);
        assert_eq!(si.effective_status(T0.add_seconds(1)), SetupIntentStatus::Expired);
        assert_eq!(
            si.check_cancel(false, T0),
            Err(LifecycleError::SetupIntentNotCancelable { status: SetupIntentStatus::Expired })
        );
        // An Authorized one does not expire by `expireAt`.
        assert_eq!(authorized().effective_status(T0.add_seconds(10 * 3600)), SetupIntentStatus::Authorized);
    }

    #[test]
    fn the_seed_flow_charges_once() {
        let mut si = authorized();
        let mut pi = created_pi();
        si.check_payment_amount(Money::gbp(1000)).unwrap();
        let ticket = pi.begin_charge(&si, T0).unwrap();
        assert_eq!((ticket.payment_intent(), ticket.amount()), (pi_id(), Money::gbp(1000)));
        assert_eq!(pi.begin_charge(&si, T0), Err(LifecycleError::ChargeInFlight));
        assert_eq!(pi.record_charge(ticket, CaptureStatus::Successful, &mut si), ChargeOutcome::Charged);
        assert_eq!(pi.status(), PaymentIntentStatus::Captured);
        assert_eq!(si.status(), SetupIntentStatus::Completed);
        assert_eq!(si.completed_by(), Some(pi_id()));
        assert_eq!(pi.begin_charge(&si, T0), Err(LifecycleError::AlreadyCharged));
        // The server then reports the same: no anomaly.
        assert_eq!(si.observe(SetupIntentStatus::Completed), Ok(Observation::Unchanged));
        assert_eq!(pi.observe(PaymentIntentStatus::Captured), Ok(Observation::Unchanged));
    }

    #[test]
    fn a_declined_charge_may_be_retried_an_unknown_one_must_be_reconciled() {
        let mut si = authorized();
        let mut pi = created_pi();
        let t = pi.begin_charge(&si, T0).unwrap();
        assert_eq!(
            pi.record_charge(t, CaptureStatus::Declined, &mut si),
            ChargeOutcome::NotCharged(CaptureStatus::Declined)
        );
        assert_eq!(si.status(), SetupIntentStatus::Authorized);
        let t = pi.begin_charge(&si, T0).unwrap();
        pi.record_charge_outcome_unknown(t);
        assert_eq!(pi.begin_charge(&si, T0), Err(LifecycleError::ChargeOutcomeUnknown));
        assert_eq!(pi.check_cancel(), Err(LifecycleError::ChargeOutcomeUnknown));
        // Read back: still Created, so it did not execute.
        assert_eq!(
            pi.reconcile(PaymentIntentStatus::Created, &mut si),
            Ok(ChargeOutcome::NotCharged(CaptureStatus::Created))
        );
        let t = pi.begin_charge(&si, T0).unwrap();
        pi.record_charge_outcome_unknown(t);
        // Read back: Captured, so it did.
        assert_eq!(pi.reconcile(PaymentIntentStatus::Captured, &mut si), Ok(ChargeOutcome::Charged));
        assert_eq!(si.status(), SetupIntentStatus::Completed);
        assert_eq!(pi.begin_charge(&si, T0), Err(LifecycleError::AlreadyCharged));
        let t = ChargeTicket { payment_intent: pi_id(), amount: Money::gbp(1) };
        assert_eq!(pi.record_charge(t, CaptureStatus::Created, &mut si), ChargeOutcome::Unknown);
    }

    #[test]
    fn every_lifecycle_error() {
        let now = T0;
        let si = authorized();
        // SetupIntentNotAuthorized, including effectively expired.
        let created = SetupIntentState::new(si_id(), SetupIntentStatus::Created, Some(T0), Some(Money::gbp(1000)));
        assert_eq!(
            created_pi().begin_charge(&created, now),
            Err(LifecycleError::SetupIntentNotAuthorized { status: SetupIntentStatus::Expired })
        );
        // IntendedAmountUnknown
        let no_amount = SetupIntentState::new(si_id(), SetupIntentStatus::Authorized, None, None);
        assert_eq!(created_pi().begin_charge(&no_amount, now), Err(LifecycleError::IntendedAmountUnknown));
        assert_eq!(no_amount.check_payment_amount(Money::gbp(1)), Err(LifecycleError::IntendedAmountUnknown));
        // NotFromThisSetupIntent
        let mut other = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, Money::gbp(1000), None);
        assert_eq!(other.begin_charge(&si, now), Err(LifecycleError::NotFromThisSetupIntent));
        // AmountMismatch (value, then currency)
        let mut wrong = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, Money::gbp(999), Some(si_id()));
        assert_eq!(
            wrong.begin_charge(&si, now),
            Err(LifecycleError::AmountMismatch { expected: Money::gbp(1000), requested: Money::gbp(999) })
        );
        assert_eq!(
            si.check_payment_amount(Money::eur(1000)),
            Err(LifecycleError::AmountMismatch { expected: Money::gbp(1000), requested: Money::eur(1000) })
        );
        // AlreadyCharged, ChargeInFlight, ChargeOutcomeUnknown: in the tests above.
        // PaymentIntentNotChargeable
        let mut canceled =
            PaymentIntentState::new(pi_id(), PaymentIntentStatus::Canceled, Money::gbp(1000), Some(si_id()));
        assert_eq!(
            canceled.begin_charge(&si, now),
            Err(LifecycleError::PaymentIntentNotChargeable { status: PaymentIntentStatus::Canceled })
        );
        // SetupIntentNotCancelable / PaymentIntentNotCancelable
        assert_eq!(
            si.check_cancel(false, now),
            Err(LifecycleError::SetupIntentNotCancelable { status: SetupIntentStatus::Authorized })
        );
        assert_eq!(si.check_cancel(true, now), Ok(()));
        assert_eq!(
            canceled.check_cancel(),
            Err(LifecycleError::PaymentIntentNotCancelable { status: PaymentIntentStatus::Canceled })
        );
        // NotCapturable, CaptureExceedsRemaining, NonPositiveAmount
        let pi = created_pi();
        assert_eq!(pi.check_capture(10), Err(LifecycleError::NotCapturable { status: PaymentIntentStatus::Created }));
        let mut manual = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Authorized, Money::gbp(1000), None);
        assert_eq!(manual.check_capture(0), Err(LifecycleError::NonPositiveAmount));
        manual.record_capture(600).unwrap();
        let mut partly = PaymentIntentState { status: PaymentIntentStatus::Authorized, ..manual };
        assert_eq!(partly.check_capture(401), Err(LifecycleError::CaptureExceedsRemaining { remaining: 400 }));
        partly.record_capture(400).unwrap();
        // NotRefundable, RefundExceedsAvailable
        assert_eq!(pi.check_refund(1), Err(LifecycleError::NotRefundable { status: PaymentIntentStatus::Created }));
        let mut captured = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Captured, Money::gbp(1000), None);
        captured.record_refund(300).unwrap();
        assert_eq!(captured.check_refund(701), Err(LifecycleError::RefundExceedsAvailable { available: 700 }));
        captured.record_refund(700).unwrap();
        assert_eq!(captured.status(), PaymentIntentStatus::Refunded);
        // NotReversible
        assert_eq!(pi.check_reversal(), Err(LifecycleError::NotReversible { status: PaymentIntentStatus::Created }));
        assert_eq!(
            captured.check_reversal(),
            Err(LifecycleError::NotReversible { status: PaymentIntentStatus::Refunded })
        );
        // Every variant says what to do.
        assert!(LifecycleError::ChargeOutcomeUnknown.to_string().contains("reconcile"));
    }

    #[test]
    fn errors_stay_small() {
        assert!(core::mem::size_of::<LifecycleError>() <= 56, "{}", core::mem::size_of::<LifecycleError>());
    }
}
