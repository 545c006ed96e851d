//! The high-level charge: dojo-core's lifecycle checks, one `/charge`, and reconciliation
//! when its outcome is unknown.

use dojo_core::lifecycle::{Anomaly, ChargeOutcome, PaymentIntentState, SetupIntentState};
use dojo_core::{CaptureStatus, PaymentIntentStatus};

use crate::client::Client;
use crate::error::{Error, OutcomeUnknown};

/// What [`Client::charge`] found out.
#[derive(Debug)]
#[non_exhaustive]
pub struct ChargeReport {
    /// Charged, not charged, or (only when even the read-back could not say) unknown.
    pub outcome: ChargeOutcome,
    /// The charge's own answer status, when it arrived.
    pub charge_status: Option<CaptureStatus>,
    /// The charge's answer message (e.g. `DEPOSITED`), when it arrived.
    pub message: Option<String>,
    /// Set when the charge's answer was lost and the outcome was settled by reading the
    /// payment intent back: why it was unknown.
    pub reconciled_from: Option<Box<OutcomeUnknown>>,
    /// The payment intent's status read back while reconciling.
    pub read_back: Option<PaymentIntentStatus>,
}

impl ChargeReport {
    /// Whether the card was charged.
    pub fn charged(&self) -> bool {
        self.outcome == ChargeOutcome::Charged
    }
}

impl Client {
    /// Charges `payment` (created from `setup`) once, the seed's way:
    ///
    /// 1. dojo-core's [`begin_charge`](PaymentIntentState::begin_charge) checks every rule
    ///    (the setup intent Authorized, the exact intended amount, no earlier charge)
    ///    before anything is sent; a refusal is [`Error::Lifecycle`].
    /// 2. `POST /payment-intents/{id}/charge`, never retried.
    /// 3. The answer is recorded with [`record_charge`](PaymentIntentState::record_charge):
    ///    `Successful` captures `payment` and completes `setup`.
    /// 4. When the answer is lost ([`Error::OutcomeUnknown`]: a timeout after sending, a
    ///    reset, a 5xx, an undecodable 2xx) or says nothing definite, the payment intent
    ///    is read back (a retried GET) and the outcome settled by dojo-core's
    ///    [`reconcile`](PaymentIntentState::reconcile): the report says truthfully whether
    ///    it was captured, and [`ChargeReport::reconciled_from`] says why it had to ask.
    ///
    /// When the read-back fails too, the original [`Error::OutcomeUnknown`] is returned and
    /// `payment` stays in "outcome unknown" (every further charge refused) until
    /// [`reconcile_charge`](Client::reconcile_charge) succeeds. An error answer to the
    /// charge (4xx) is returned after the payment intent was read back to release the
    /// in-flight mark.
    pub fn charge(
        &self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeReport, Error> {
        let ticket = payment.begin_charge(setup, self.now())?;
        let id = ticket.payment_intent();
        log::info!("dojo charge {id} ({})", ticket.amount());
        match self.charge_payment_intent(&id) {
            Ok(answer) => {
                let charge = answer.get();
                let status = charge.status;
                let message = charge.message.map(|m| m.to_string());
                let (outcome, read_back) = match payment.record_charge(ticket, status, setup) {
                    // The answer said nothing definite: ask the payment intent.
                    ChargeOutcome::Unknown => self.read_back(payment, setup).map(|(o, r)| (o, Some(r)))?,
                    definite => (definite, None),
                };
                Ok(ChargeReport { outcome, charge_status: Some(status), message, reconciled_from: None, read_back })
            }
            Err(Error::OutcomeUnknown(unknown)) => {
                payment.record_charge_outcome_unknown(ticket);
                match self.read_back(payment, setup) {
                    Ok((outcome, read_back)) => {
                        log::info!("dojo charge {id}: outcome was unknown; read back {read_back}: {outcome:?}");
                        Ok(ChargeReport {
                            outcome,
                            charge_status: None,
                            message: None,
                            reconciled_from: Some(unknown),
                            read_back: Some(read_back),
                        })
                    }
                    Err(e) => {
                        log::warn!("dojo charge {id}: could not reconcile: {e}");
                        Err(Error::OutcomeUnknown(unknown))
                    }
                }
            }
            Err(other) => {
                // The server refused (4xx) or the request never left: it did not execute,
                // but the lifecycle only learns that from a read-back.
                payment.record_charge_outcome_unknown(ticket);
                if let Err(e) = self.read_back(payment, setup) {
                    log::warn!("dojo charge {id}: could not read back after {other}: {e}");
                }
                Err(other)
            }
        }
    }

    /// Settles a charge whose outcome is unknown (or in flight) by reading the payment
    /// intent back; see [`PaymentIntentState::reconcile`].
    pub fn reconcile_charge(
        &self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeOutcome, Error> {
        self.read_back(payment, setup).map(|(outcome, _)| outcome)
    }

    fn read_back(
        &self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) -> Result<(ChargeOutcome, PaymentIntentStatus), Error> {
        let answer = self.get_payment_intent(&payment.id(), true)?;
        let status = answer.get().status;
        let outcome =
            payment.reconcile(status, setup).map_err(|Anomaly { from, to, .. }| Error::Anomaly { from, to })?;
        Ok((outcome, status))
    }
}
