//! [`SetupIntentState`]: what the client knows of a setup intent, and what it may do.

use crate::enums::SetupIntentStatus;
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::Money;
use crate::setup_intent::{SetupIntent, SetupIntentSummary};
use crate::time::Timestamp;

use super::transitions::setup_intent_move;
use super::{Anomaly, AnomalyKind, LifecycleError, Observation, SetupIntentCause};

/// What the client knows of a setup intent.
///
/// `Clone` but not `Copy`: a copy would be a second, silently diverging record of the
/// same intent (a charge recorded on one and not the other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupIntentState {
    id: SetupIntentId,
    pub(super) status: SetupIntentStatus,
    expire_at: Option<Timestamp>,
    intended_amount: Option<Money>,
    pub(super) completed_by: Option<PaymentIntentId>,
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

    /// Its id, borrowed (no 52-byte copy).
    pub fn id_ref(&self) -> &SetupIntentId {
        &self.id
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
    fn observe_in_place(&mut self, reported: &SetupIntentStatus) -> Result<Option<SetupIntentCause>, AnomalyKind> {
        // The same known status (a known status is its variant alone).
        if reported.is_known() && core::mem::discriminant(reported) == core::mem::discriminant(&self.status) {
            return Ok(None);
        }
        match setup_intent_move(&self.status, reported) {
            Some(cause) => {
                self.status = *reported;
                Ok(Some(cause))
            }
            None => Err(AnomalyKind::of(self.status.is_known(), reported.is_known())),
        }
    }

    /// Records a decoded setup intent (its status; and its expiry and intended amount,
    /// which the server may fill in later).
    pub fn observe_response(
        &mut self,
        si: &SetupIntent<'_>,
    ) -> Result<Observation<SetupIntentStatus, SetupIntentCause>, Anomaly<SetupIntentStatus>> {
        let observation = self.observe(si.status)?;
        self.merge(&si.expire_at, &si.intended_amount);
        Ok(observation)
    }

    /// Records a decoded [`SetupIntentSummary`], as
    /// [`observe_response`](Self::observe_response) does the full model.
    pub fn observe_summary(
        &mut self,
        si: &SetupIntentSummary,
    ) -> Result<Observation<SetupIntentStatus, SetupIntentCause>, Anomaly<SetupIntentStatus>> {
        let observation = self.observe(si.status)?;
        self.merge(&si.expire_at, &si.intended_amount);
        Ok(observation)
    }

    /// Records a decoded [`SetupIntentSummary`] as
    /// [`observe_summary`](Self::observe_summary) does, reading its status in place: on
    /// an [`Anomaly`] (nothing changed) the anomaly is written into `anomaly` (its
    /// statuses copied only then). For a poll loop on a small target, where the moves
    /// themselves are not needed.
    pub fn record_summary(&mut self, si: &SetupIntentSummary, anomaly: &mut Option<Anomaly<SetupIntentStatus>>) {
        match self.observe_in_place(&si.status) {
            Ok(_) => self.merge(&si.expire_at, &si.intended_amount),
            Err(kind) => *anomaly = Some(Anomaly { from: self.status, to: si.status, kind }),
        }
    }

    /// Takes the expiry and intended amount an answer carries (the server may fill them
    /// in later), keeping those known when it carries none. Each is copied once, only
    /// when the answer has it (`or` copies both ways).
    fn merge(&mut self, expire_at: &Option<Timestamp>, intended_amount: &Option<Money>) {
        if expire_at.is_some() {
            self.expire_at = *expire_at;
        }
        if intended_amount.is_some() {
            self.intended_amount = *intended_amount;
        }
    }

    /// Checks that it can back a charge at `now`: effectively Authorized, with a known
    /// intended amount.
    pub fn check_can_back_charge(&self, now: Timestamp) -> Result<Money, LifecycleError> {
        let status = self.effective_status(now);
        if !matches!(status, SetupIntentStatus::Authorized) {
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
