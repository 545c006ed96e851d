//! The high-level charge: dojo-core's [`charge`](dojo_core::charge) machine, driven over
//! this client's exchanges. The protocol (when to read back, when to resend on the same
//! payment intent, when the outcome is pending) is dojo-core's; this file only moves
//! bytes and sleeps.

use std::time::Instant;

use dojo_core::charge::{Action, Charge, NotCharged, Outcome};
pub use dojo_core::charge::{ChargeReport, SettlePolicy};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};

use crate::client::Client;
use crate::error::Error;

impl Client {
    /// Charges `payment` (created from `setup`) once, and settles it:
    ///
    /// 1. dojo-core's [`begin_charge`](PaymentIntentState::begin_charge) checks every rule
    ///    (the setup intent Authorized, the exact intended amount, no earlier charge)
    ///    before anything is sent; a refusal is [`Error::Lifecycle`].
    /// 2. `POST /payment-intents/{id}/charge`, repeated only when it never reached the
    ///    server (dojo-core's [`exchange`](dojo_core::exchange)).
    /// 3. dojo-core's [`Charge`] decides the rest: `Successful` is charged, `Declined` /
    ///    `Failed` not charged; a lost, undecodable or 5xx answer is read back, and a
    ///    read-back of `Created` is **pending** (the charge may be queued), never "not
    ///    charged": the charge is resent on the same payment intent (the API charges it at
    ///    most once) and read back, within the client's [`SettlePolicy`]
    ///    ([`with_settle_policy`](Client::with_settle_policy); by default
    ///    [`SettlePolicy::DEFAULT`]). Past it the report is [`Outcome::Pending`] with the
    ///    ids: settle later with [`reconcile_charge`](Client::reconcile_charge).
    ///
    /// Errors: a 4xx refusal of the only charge whose read-back shows it uncharged is
    /// [`Error::Api`] (its ProblemDetails kept; a 409 whose read-back shows it Captured is
    /// a charged report); a charge that never reached the server is
    /// [`Error::Transport`]. A read-back the lifecycle does not allow is in
    /// [`ChargeReport::anomaly`] (outcome pending).
    pub fn charge(
        &self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeReport, Error> {
        let charge = Charge::begin(payment, setup, self.now(), self.settle_policy())?;
        log::info!("dojo charge {} ({})", charge.payment_intent(), payment.amount());
        self.drive(charge, payment, setup)
    }

    /// Settles a charge whose outcome is unknown or pending (after [`Outcome::Pending`],
    /// or after a restart): reads the payment intent back, resends the charge on it while
    /// it is uncharged, reads back again, within the [`SettlePolicy`] (dojo-core's
    /// [`Charge::settle`]).
    pub fn reconcile_charge(
        &self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeReport, Error> {
        let charge = Charge::settle(payment, self.now(), self.settle_policy());
        self.drive(charge, payment, setup)
    }

    /// The I/O loop over dojo-core's charge machine.
    fn drive(
        &self,
        mut charge: Charge,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) -> Result<ChargeReport, Error> {
        let started = Instant::now();
        // The time waited through the client's sleep: the clock when that is not
        // `thread::sleep` (an in-process emulator's hook), else about the time elapsed.
        let mut waited_ms: u64 = 0;
        let id = charge.payment_intent();
        // The charge's own error, returned when the report settles on it.
        let mut kept: Option<Error> = None;
        loop {
            let now_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX).max(waited_ms);
            match charge.poll(payment, setup, now_ms) {
                Action::SendCharge => {
                    kept = None;
                    match self.charge_payment_intent(&id) {
                        Ok(answer) => charge.handle_answer(answer.get().status, payment, setup),
                        Err(Error::OutcomeUnknown(unknown)) => {
                            log::warn!("dojo charge {id}: {unknown}");
                            charge.handle_unknown(payment);
                        }
                        Err(Error::Api(e)) => {
                            charge.handle_refused(e.status(), payment);
                            kept = Some(Error::Api(e));
                        }
                        Err(e @ Error::Transport(_)) => {
                            charge.handle_not_sent(payment);
                            kept = Some(e);
                        }
                        Err(other) => return Err(other),
                    }
                }
                Action::ReadBack => match self.get_payment_intent(&id, true) {
                    Ok(answer) => charge.handle_read_back(answer.get().status, payment, setup),
                    Err(e) => {
                        log::warn!("dojo charge {id}: read-back failed: {e}");
                        charge.handle_read_back_failed();
                    }
                },
                Action::Wait { ms } => {
                    self.pause(ms);
                    waited_ms = waited_ms.saturating_add(u64::from(ms));
                }
                Action::Settled => break,
            }
        }
        let report = charge.report();
        log::info!(
            "dojo charge {id}: {} (sent {}, read back {}{})",
            report.outcome,
            report.sends,
            report.read_backs,
            if report.outcome == Outcome::Pending { ": pending, not known yet" } else { "" }
        );
        match (report.outcome, kept) {
            (Outcome::NotCharged(NotCharged::Refused { .. } | NotCharged::NotSent), Some(e)) => Err(e),
            _ => Ok(report),
        }
    }
}
