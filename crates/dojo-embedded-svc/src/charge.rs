//! The high-level charge: dojo-core's [`charge`](dojo_core::charge) machine, driven over
//! this client's exchanges. The protocol (when to read back, when to resend on the same
//! payment intent, when the outcome is pending) is dojo-core's; this file only moves
//! bytes and waits.

use dojo_core::Timestamp;
use dojo_core::charge::{Action, Charge, ChargeReport, NotCharged, Outcome};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::response::kind::{ChargeKind, PaymentIntentSummaryKind};

use crate::client::{Call, Client, ClientResult, ConnError, Connect, Stop, Stopped, decode_with};
use crate::retry::Delay;
use dojo_core::client_error::ClientError;

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// Charges `payment` (created from `setup`) once, and settles it.
    ///
    /// dojo-core checks every rule first ([`PaymentIntentState::begin_charge`]: the setup
    /// intent is Authorized at `now`, the amount is the intended amount, no charge
    /// succeeded or is unsettled); a refusal is [`Error::Lifecycle`](ClientError::Lifecycle) and nothing is sent. Then
    /// dojo-core's [`Charge`] decides: a `Successful` answer is charged, `Declined` or
    /// `Failed` not charged; a lost, cut-short, too-large, undecodable or 5xx answer is
    /// read back, and a read-back of `Created` is **pending**, not "not charged" (the
    /// charge may be queued): the charge is resent on the same payment intent (the API
    /// charges it at most once) and read back, waiting with the client's [`Delay`], within
    /// the [`SettlePolicy`](crate::SettlePolicy) ([`with_settle_policy`](Self::with_settle_policy); by default
    /// [`SettlePolicy::DEFAULT`](crate::SettlePolicy::DEFAULT)). Past it the report's outcome is [`Outcome::Pending`]
    /// with the ids: settle later with [`reconcile_charge`](Self::reconcile_charge). This
    /// client has no clock: the horizon counts the time it waited.
    ///
    /// Errors:
    /// - the server refused the only charge (4xx, its ProblemDetails in the error) and the
    ///   payment intent, read back, is not charged: [`Error::Api`](ClientError::Api)
    ///   (a 409 whose read-back shows it Captured is a charged report instead);
    /// - the charge never reached the server ([`Error::Transport`](ClientError::Transport), or
    ///   [`Error::BufferTooSmall`](ClientError::BufferTooSmall) when its URL does not fit `buf`): nothing was
    ///   charged, and the lifecycle allows another attempt;
    /// - a read-back anomaly is reported in [`ChargeReport::anomaly`] (outcome pending).
    pub fn charge<'b>(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        now: Timestamp,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, ChargeReport, K> {
        match self.charge_once(payment, setup, now, buf) {
            Ok(report) => Ok(report),
            Err(_) => Err(self.take_error(buf)),
        }
    }

    /// Settles a charge whose outcome is unknown or pending (after
    /// [`Outcome::Pending`], or after a restart): reads the payment intent back, resends
    /// the charge on it when it is still uncharged, reads back again, within the
    /// [`SettlePolicy`](crate::SettlePolicy) (dojo-core's [`Charge::settle`]).
    pub fn reconcile_charge<'b>(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, ChargeReport, K> {
        // A resend needs the setup intent Authorized, which does not depend on the time
        // (only a Created one expires): no clock is needed.
        let mut charge = Charge::settle(payment, Timestamp::UNIX_EPOCH, self.settle_policy());
        match self.drive(&mut charge, payment, setup, buf) {
            Ok(report) => Ok(report),
            Err(_) => Err(self.take_error(buf)),
        }
    }

    pub(crate) fn charge_once(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        now: Timestamp,
        buf: &mut [u8],
    ) -> Result<ChargeReport, Stopped> {
        // Driven where it was made, borrowed in its `Result` (no copy of the machine or
        // of the refusal moved out of it).
        let mut begun = Charge::begin(payment, setup, now, self.settle_policy());
        match &mut begun {
            Ok(charge) => self.drive(charge, payment, setup, buf),
            Err(e) => Err(self.refused(e)),
        }
    }

    /// The I/O loop over dojo-core's charge machine.
    #[inline(never)]
    pub(crate) fn drive(
        &mut self,
        charge: &mut Charge,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        buf: &mut [u8],
    ) -> Result<ChargeReport, Stopped> {
        let mut waited_ms: u64 = 0;
        // The charge's own error, kept for a report that settles on it: a refusal's
        // answer stays at the start of `buf` (read-backs then use the rest), or the
        // transport failure of a charge never sent.
        let mut kept: Option<Stop<ConnError<K>>> = None;
        loop {
            match charge.poll(payment, setup, waited_ms) {
                Action::SendCharge => {
                    kept = None;
                    self.send_charge(charge, payment, setup, buf, &mut kept);
                }
                Action::ReadBack => {
                    let from = match &kept {
                        Some(Stop::Refused(raw)) => raw.len,
                        _ => 0,
                    };
                    self.read_back(charge, payment, setup, buf.get_mut(from..).unwrap_or(&mut []));
                }
                Action::Wait { ms } => {
                    self.delay_ms(ms);
                    waited_ms = waited_ms.saturating_add(u64::from(ms));
                }
                Action::Settled => break,
            }
        }
        log_settled(charge);
        // Settled on the charge's own error (refused, or never sent): that error. The
        // report is made where it is returned (no copy of it on the way).
        let on_kept = matches!(charge.outcome(), Outcome::NotCharged(NotCharged::Refused { .. } | NotCharged::NotSent));
        match kept {
            Some(stop) if on_kept => Err(self.stopped(stop)),
            _ => Ok(charge.report()),
        }
    }

    /// Sends the charge once (its exchange repeats it only when it never reached the
    /// server) and hands the result to `charge`.
    #[inline(never)]
    fn send_charge(
        &mut self,
        charge: &mut Charge,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        buf: &mut [u8],
        kept: &mut Option<Stop<ConnError<K>>>,
    ) {
        // Built in `fetch`'s frame, like every request of the flows: a non-2xx answer
        // is the slot's `Stop::Refused`.
        match self.fetch(Call::ChargePaymentIntent(charge.payment_intent_ref()), buf) {
            Ok(fetched) => {
                // A failure here is the charge's outcome unknown, nothing to keep.
                // The status handed over where it is decoded (not moved through a result).
                let mut ignored = None;
                let decoded = decode_with::<ChargeKind, ConnError<K>, _>(fetched, buf, &mut ignored, |c| {
                    charge.handle_answer(c.status, payment, setup)
                });
                if decoded.is_err() {
                    charge.handle_unknown(payment);
                }
            }
            Err(_) => match &self.stop {
                // A final non-2xx answer (the exchange already made a 5xx an outcome
                // unknown): refused, its answer kept.
                Some(Stop::Refused(raw)) => {
                    charge.handle_refused(raw.status, payment);
                    *kept = self.stop.take();
                }
                Some(Stop::Failed(ClientError::OutcomeUnknown(_) | ClientError::ResponseTooLarge(_))) => {
                    charge.handle_unknown(payment)
                }
                // Never sent: the exchange gave up before the server had it all, or the
                // URL did not fit the buffer.
                _ => {
                    charge.handle_not_sent(payment);
                    *kept = self.stop.take();
                }
            },
        }
    }

    /// Reads the payment intent back (a retried read) and hands its status to `charge`
    /// where it is decoded (the status is not moved through a result), or tells it the
    /// read failed.
    #[inline(never)]
    fn read_back(
        &mut self,
        charge: &mut Charge,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        buf: &mut [u8],
    ) {
        // Built in `fetch_built`'s frame: the request is gone before the answer is decoded.
        // The charge's own id (the payment's, copied when it began), borrowed: no copy.
        let read = match self.fetch(Call::GetPaymentIntent(charge.payment_intent_ref()), buf) {
            Ok(fetched) => {
                // A failure here is a failed read-back, nothing to keep.
                let mut ignored = None;
                decode_with::<PaymentIntentSummaryKind, ConnError<K>, _>(fetched, buf, &mut ignored, |pi| {
                    charge.handle_read_back_in_place(&pi.status, payment, setup)
                })
            }
            Err(stopped) => Err(stopped),
        };
        if read.is_err() {
            charge.handle_read_back_failed();
        }
    }
}

#[cfg(feature = "log")]
fn log_settled(charge: &Charge) {
    let report = charge.report();
    log::info!(
        "dojo: charge of {}: {} (sent {}, read back {}{}{})",
        report.payment_intent,
        report.outcome,
        report.sends,
        report.read_backs,
        if report.outcome_was_unknown { ", reconciled after an unknown outcome" } else { "" },
        if report.outcome == Outcome::Pending { ": pending, not known yet" } else { "" }
    );
}

#[cfg(not(feature = "log"))]
fn log_settled(_: &Charge) {}
