//! The high-level charge: at most once, checked by dojo-core's lifecycle, and
//! reconciled by reading the payment intent back whenever its answer is lost.

use dojo_core::lifecycle::{Anomaly, ChargeOutcome, PaymentIntentState, SetupIntentState};
#[cfg(feature = "log")]
use dojo_core::request::Operation;
use dojo_core::{CaptureStatus, PaymentIntentStatus, Timestamp};

use crate::client::{Client, ClientResult, ConnError, Connect, Fetched, Stop, decode_with};
use crate::error::{CauseKind, Error};
use crate::retry::Delay;

/// What a [`Client::charge`] or [`Client::reconcile_charge`] established.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargeReport {
    /// dojo-core's verdict: [`Charged`](ChargeOutcome::Charged) (the payment intent is
    /// Captured, the setup intent Completed), [`NotCharged`](ChargeOutcome::NotCharged)
    /// (declined or failed, or read back uncharged: another attempt is allowed), or
    /// [`Unknown`](ChargeOutcome::Unknown) (the payment intent's status does not settle
    /// it; see [`Reconciliation::anomaly`]).
    pub outcome: ChargeOutcome,
    /// Present when the charge's own answer did not settle it and the payment intent
    /// was read back.
    pub reconciled: Option<Reconciliation>,
}

/// Why and how a charge was reconciled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reconciliation {
    /// What left the outcome unknown.
    pub trigger: ReconcileTrigger,
    /// The payment intent's status as read back.
    pub observed: PaymentIntentStatus,
    /// Set when that status is not a move dojo-core's lifecycle allows: the state was
    /// left as it was and the outcome is [`ChargeOutcome::Unknown`].
    pub anomaly: Option<Anomaly<PaymentIntentStatus>>,
}

/// What left a charge's outcome unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ReconcileTrigger {
    /// The connection failed before the request was complete (nothing was charged by
    /// it, but the lifecycle is settled only by the server's word).
    NotSent(CauseKind),
    /// The request was sent and its answer was lost, cut short or undecodable.
    AnswerLost(CauseKind),
    /// The answer did not fit the buffer (its HTTP status).
    TooLarge(u16),
    /// The server failed (5xx) after the request reached it.
    ServerError(u16),
    /// The answer's status neither charged nor declined (e.g. `Created`, or unknown).
    Unsettled(CaptureStatus),
    /// [`Client::reconcile_charge`] was called for an earlier unknown outcome.
    Requested,
}

/// What the charge request established: settled, or what to reconcile (with the
/// charge's own error, returned if the read-back fails too).
enum Charged<E> {
    Settled(ChargeReport),
    Unsettled(ReconcileTrigger, Option<Stop<E>>),
}

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// Charges `payment` (created from `setup`) once.
    ///
    /// dojo-core checks every rule first ([`PaymentIntentState::begin_charge`]: the setup
    /// intent is Authorized at `now`, the amount is the intended amount, no charge
    /// succeeded or is unsettled); a refusal is [`Error::Core`] and nothing is sent.
    /// The charge is never resent. When its answer does not settle the outcome (the
    /// connection failed, the answer was lost, cut short, too large or undecodable, the
    /// server failed, or the status is neither success nor decline), the payment intent
    /// is read back (a retried read) and dojo-core reconciles: the report says what the
    /// server shows, with [`ChargeReport::reconciled`] set.
    ///
    /// Errors leave the charge unsettled (`payment.charge_state()` is `OutcomeUnknown`,
    /// and dojo-core refuses another charge) except a refusal before sending:
    /// - the read-back failed too: the charge's own error ([`Error::OutcomeUnknown`] or
    ///   [`Error::Transport`]), or the read-back's; call
    ///   [`reconcile_charge`](Self::reconcile_charge) later;
    /// - the server refused the charge (4xx, with its ProblemDetails): a 409 can mean an
    ///   earlier attempt succeeded, so call [`reconcile_charge`](Self::reconcile_charge)
    ///   before anything else.
    pub fn charge<'b>(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        now: Timestamp,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, ChargeReport, K> {
        match self.charge_once(payment, setup, now, buf) {
            Ok(report) => Ok(report),
            Err(stop) => Err(stop.into_error(buf)),
        }
    }

    /// Settles an unknown charge by reading the payment intent back (a retried read,
    /// canceled ones included) and letting dojo-core reconcile it.
    pub fn reconcile_charge<'b>(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, ChargeReport, K> {
        match self.read_back(payment, setup, ReconcileTrigger::Requested, buf) {
            Ok(report) => Ok(report),
            Err(stop) => Err(stop.into_error(buf)),
        }
    }

    /// The charge, then the read-back when its answer did not settle it. The two run
    /// one after the other (not nested), so the deep decoding of the read-back does not
    /// stack on the charge's frame.
    pub(crate) fn charge_once(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        now: Timestamp,
        buf: &mut [u8],
    ) -> Result<ChargeReport, Stop<ConnError<K>>> {
        match self.send_charge(payment, setup, now, buf)? {
            Charged::Settled(report) => Ok(report),
            Charged::Unsettled(trigger, early) => {
                self.read_back(payment, setup, trigger, buf).map_err(|read_back| early.unwrap_or(read_back))
            }
        }
    }

    #[inline(never)]
    fn send_charge(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        now: Timestamp,
        buf: &mut [u8],
    ) -> Result<Charged<ConnError<K>>, Stop<ConnError<K>>> {
        let req = self.api().charge_payment_intent(&payment.id())?;
        // The URL must fit before the charge is begun (a charge has no body).
        req.write_url(self.base_url(), buf)?;
        let ticket = payment.begin_charge(setup, now)?;
        let (trigger, early) = match self.exchange_with_retries(&req, buf) {
            Ok(raw) if raw.is_success() => match decode_with::<dojo_core::response::kind::ChargeKind, ConnError<K>, _>(
                Fetched::new(raw, req.operation()),
                buf,
                |c| c.status,
            ) {
                Ok(status) => match payment.record_charge(ticket, status, setup) {
                    ChargeOutcome::Unknown => (ReconcileTrigger::Unsettled(status), None),
                    outcome => return Ok(Charged::Settled(ChargeReport { outcome, reconciled: None })),
                },
                Err(stop) => {
                    payment.record_charge_outcome_unknown(ticket);
                    let cause = match &stop {
                        Stop::Failed(Error::OutcomeUnknown(u)) => u.cause.kind(),
                        _ => CauseKind::Io,
                    };
                    (ReconcileTrigger::AnswerLost(cause), Some(stop))
                }
            },
            Ok(raw) if (500..600).contains(&raw.status) => {
                payment.record_charge_outcome_unknown(ticket);
                (ReconcileTrigger::ServerError(raw.status), None)
            }
            Ok(raw) => {
                payment.record_charge_outcome_unknown(ticket);
                return Err(Stop::Refused(raw));
            }
            Err(e) => {
                payment.record_charge_outcome_unknown(ticket);
                let trigger = match &e {
                    Error::Transport(t) => ReconcileTrigger::NotSent(t.cause.kind()),
                    Error::OutcomeUnknown(u) => ReconcileTrigger::AnswerLost(u.cause.kind()),
                    Error::ResponseTooLarge(r) => ReconcileTrigger::TooLarge(r.status),
                    // Nothing else comes out of an exchange after the checks above.
                    Error::Core(_) => return Err(e.into()),
                };
                (trigger, Some(Stop::Failed(e)))
            }
        };
        Ok(Charged::Unsettled(trigger, early))
    }

    #[inline(never)]
    fn read_back(
        &mut self,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        trigger: ReconcileTrigger,
        buf: &mut [u8],
    ) -> Result<ChargeReport, Stop<ConnError<K>>> {
        let id = payment.id();
        let fetched = self.fetch_built(|api, _| api.get_payment_intent(&id, true).map(|r| r.summarized()), buf)?;
        let observed = decode_with(fetched, buf, |pi| pi.status)?;
        let (outcome, anomaly) = match payment.reconcile(observed, setup) {
            Ok(outcome) => (outcome, None),
            Err(anomaly) => (ChargeOutcome::Unknown, Some(anomaly)),
        };
        log_reconciled(trigger, observed, outcome);
        Ok(ChargeReport { outcome, reconciled: Some(Reconciliation { trigger, observed, anomaly }) })
    }
}

#[cfg(feature = "log")]
fn log_reconciled(trigger: ReconcileTrigger, observed: PaymentIntentStatus, outcome: ChargeOutcome) {
    log::info!(
        "dojo: {}: reconciled after {:?}: payment intent {}, {:?}",
        Operation::ChargePaymentIntent.name(),
        trigger,
        observed,
        outcome
    );
}

#[cfg(not(feature = "log"))]
fn log_reconciled(_: ReconcileTrigger, _: PaymentIntentStatus, _: ChargeOutcome) {}
