//! [`PaymentIntentState`]: what the client knows of a payment intent, its charge and its
//! captures and refunds, and what it may do.

use crate::enums::{CaptureMode, CaptureStatus, PaymentIntentStatus, SetupIntentStatus};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::Money;
use crate::payment_intent::{PaymentIntent, PaymentIntentSummary};
use crate::time::Timestamp;

use super::transitions::payment_intent_move;
use super::{Anomaly, AnomalyKind, LifecycleError, Observation, PaymentIntentCause, SetupIntentState};

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
    pub(super) id: PaymentIntentId,
    pub(super) status: PaymentIntentStatus,
    pub(super) amount: Money,
    pub(super) setup_intent_id: Option<SetupIntentId>,
    pub(super) capture_mode: Option<CaptureMode>,
    pub(super) charge: ChargeState,
    pub(super) captured: i64,
    pub(super) refunded: i64,
}

impl PaymentIntentState {
    /// A payment intent known to be `status`, for `amount`.
    // Out of line: the kiosk builds states in several places (a copy of it each, inlined).
    #[inline(never)]
    pub fn new(
        id: PaymentIntentId,
        status: PaymentIntentStatus,
        amount: Money,
        setup_intent_id: Option<SetupIntentId>,
    ) -> Self {
        let captured = if matches!(status, PaymentIntentStatus::Captured) { amount.value } else { 0 };
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

    /// The state of a payment intent just created from `setup_intent` for `amount`,
    /// as its decoded summary describes it: [`from_summary`](Self::from_summary), or,
    /// when the server omitted the amount, the one requested (and the setup intent
    /// `setup_intent` when it names none).
    pub fn from_created_summary(pi: &PaymentIntentSummary, amount: Money, setup_intent: &SetupIntentId) -> Self {
        let Some(amount) = pi.amount else {
            return Self::new(pi.id, pi.status, amount, Some(pi.setup_intent_id.unwrap_or(*setup_intent)));
        };
        let mut state = Self::new(pi.id, pi.status, amount, pi.setup_intent_id);
        state.capture_mode = pi.capture_mode;
        state
    }

    /// Its id.
    pub fn id(&self) -> PaymentIntentId {
        self.id
    }

    /// Its id, borrowed (no 52-byte copy).
    pub fn id_ref(&self) -> &PaymentIntentId {
        &self.id
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
        let from = self.status;
        match self.observe_in_place(&reported) {
            Ok(None) => Ok(Observation::Unchanged),
            Ok(Some(cause)) => Ok(Observation::Moved { from, to: reported, cause }),
            Err(kind) => Err(Anomaly { from, to: reported, kind }),
        }
    }

    /// [`observe`](Self::observe) of a status borrowed where it was decoded: the move's
    /// cause (`None`: unchanged), or the anomaly's kind. No status is moved but the one
    /// recorded (an open enum is 34 bytes, align 1).
    fn observe_in_place(&mut self, reported: &PaymentIntentStatus) -> Result<Option<PaymentIntentCause>, AnomalyKind> {
        // The same known status (a known status is its variant alone).
        if reported.is_known() && core::mem::discriminant(reported) == core::mem::discriminant(&self.status) {
            return Ok(None);
        }
        let Some(cause) = payment_intent_move(&self.status, reported) else {
            return Err(AnomalyKind::of(self.status.is_known(), reported.is_known()));
        };
        self.status = *reported;
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
        Ok(Some(cause))
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
        if self.setup_intent_id.as_ref() != Some(setup.id_ref()) {
            return Err(LifecycleError::NotFromThisSetupIntent);
        }
        // The setup's verdict borrowed in place (no amount or error moved out of it).
        match &setup.check_can_back_charge(now) {
            Err(e) => return Err(*e),
            Ok(expected) if *expected != self.amount => {
                return Err(LifecycleError::AmountMismatch { expected: *expected, requested: self.amount });
            }
            Ok(_) => {}
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
        self.record_charge_by(&ticket, status, setup)
    }

    /// [`record_charge`](Self::record_charge) with the ticket borrowed (the charge
    /// machine keeps its ticket in place: no copy of it moved in).
    pub(crate) fn record_charge_by(
        &mut self,
        ticket: &ChargeTicket,
        status: CaptureStatus,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeOutcome, LifecycleError> {
        self.check_ticket(ticket)?;
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
        self.record_charge_not_executed_by(&ticket)
    }

    /// [`record_charge_not_executed`](Self::record_charge_not_executed) with the ticket
    /// borrowed.
    pub(crate) fn record_charge_not_executed_by(&mut self, ticket: &ChargeTicket) -> Result<(), LifecycleError> {
        self.check_ticket(ticket)?;
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
        self.record_charge_outcome_unknown_by(&ticket)
    }

    /// [`record_charge_outcome_unknown`](Self::record_charge_outcome_unknown) with the
    /// ticket borrowed.
    pub(crate) fn record_charge_outcome_unknown_by(&mut self, ticket: &ChargeTicket) -> Result<(), LifecycleError> {
        self.check_ticket(ticket)?;
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
        let from = self.status;
        self.reconcile_in_place(&observed, setup).map_err(|kind| Anomaly { from, to: observed, kind })
    }

    /// [`reconcile`](Self::reconcile) of a status borrowed where it was decoded; an
    /// anomaly is its kind (the statuses are the one known, unchanged, and `observed`).
    pub(crate) fn reconcile_in_place(
        &mut self,
        observed: &PaymentIntentStatus,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeOutcome, AnomalyKind> {
        self.observe_in_place(observed)?;
        // Observed: the status is now `observed` (a charged one stays as it is).
        Ok(match observed {
            PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded | PaymentIntentStatus::Reversed => {
                self.charged(setup);
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
        if matches!(self.status, PaymentIntentStatus::Created) {
            self.status = PaymentIntentStatus::Captured;
        }
        self.captured = self.amount.value;
        if self.setup_intent_id.as_ref() != Some(setup.id_ref()) {
            return;
        }
        if matches!(setup.status, SetupIntentStatus::Authorized) {
            setup.status = SetupIntentStatus::Completed;
        }
        // Also when the server reported Completed before the charge was reconciled.
        if matches!(setup.status, SetupIntentStatus::Completed) && setup.completed_by.is_none() {
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

    /// Checks a capture of `amount`: positive and in the payment intent's currency; the
    /// payment intent is not known to be `Auto` capture, and is Authorized, or Captured
    /// with part of its amount still uncaptured (several partial captures are allowed);
    /// `amount` fits in what is left.
    pub fn check_capture(&self, amount: Money) -> Result<(), LifecycleError> {
        self.check_amount(amount)?;
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
        if amount.value > remaining {
            return Err(LifecycleError::CaptureExceedsRemaining { remaining });
        }
        Ok(())
    }

    /// Records a successful capture of `amount`.
    pub fn record_capture(&mut self, amount: Money) -> Result<(), LifecycleError> {
        self.check_capture(amount)?;
        self.captured = self.captured.saturating_add(amount.value);
        self.status = PaymentIntentStatus::Captured;
        Ok(())
    }

    /// What is left to capture: the amount less what was captured (zero or more).
    pub fn uncaptured(&self) -> Money {
        Money::new(self.amount.value.saturating_sub(self.captured).max(0), self.amount.currency)
    }

    /// Checks a refund of `amount`: positive and in the payment intent's currency; the
    /// payment intent is Captured and `amount` fits in what was captured and not yet
    /// refunded.
    pub fn check_refund(&self, amount: Money) -> Result<(), LifecycleError> {
        self.check_amount(amount)?;
        if !matches!(self.status, PaymentIntentStatus::Captured) {
            return Err(LifecycleError::NotRefundable { status: self.status });
        }
        let available = self.captured.saturating_sub(self.refunded);
        if amount.value > available {
            return Err(LifecycleError::RefundExceedsAvailable { available });
        }
        Ok(())
    }

    /// Records a successful refund of `amount`; refunding everything captured makes the
    /// payment intent Refunded.
    pub fn record_refund(&mut self, amount: Money) -> Result<(), LifecycleError> {
        self.check_refund(amount)?;
        self.refunded = self.refunded.saturating_add(amount.value);
        if self.refunded >= self.captured {
            self.status = PaymentIntentStatus::Refunded;
        }
        Ok(())
    }

    /// What is still refundable: what was captured less what was refunded (zero or more).
    pub fn refundable(&self) -> Money {
        Money::new(self.captured.saturating_sub(self.refunded).max(0), self.amount.currency)
    }

    /// A capture's or refund's amount: positive, in the payment intent's currency.
    fn check_amount(&self, amount: Money) -> Result<(), LifecycleError> {
        if amount.value <= 0 {
            return Err(LifecycleError::NonPositiveAmount);
        }
        if amount.currency != self.amount.currency {
            return Err(LifecycleError::CurrencyMismatch {
                expected: self.amount.currency,
                requested: amount.currency,
            });
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
