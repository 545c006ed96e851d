//! The charge, as one state machine both adapters drive: begin, send, settle.
//!
//! A merchant-initiated charge (`POST /payment-intents/{id}/charge`) is the one request
//! whose lost answer costs money. [`Charge`] says what to do next ([`Charge::poll`]:
//! send the charge, read the payment intent back, wait, or report) and takes what
//! happened (`handle_*`); the adapter only moves bytes and keeps time (`now_ms`, any
//! monotonic milliseconds). It records every step in dojo-core's
//! [lifecycle](crate::lifecycle), which refuses what the rules forbid.
//!
//! ```text
//!  begin ─▶ SendCharge ─┬─ Successful ───────────────────────────────────────────────▶ Charged
//!   (lifecycle checks,  ├─ Declined / Failed ────────────────────────────────────────▶ NotCharged(Declined)
//!    ticket names the   ├─ never sent (first send) ──────────────────────────────────▶ NotCharged(NotSent)
//!    payment intent)    ├─ refused (4xx) ──▶ ReadBack ─┬─ Captured… ─────────────────▶ Charged
//!                       │                              ├─ Canceled ──────────────────▶ NotCharged(Canceled)
//!                       │                              └─ Created (first send) ──────▶ NotCharged(Refused)
//!                       └─ unknown (lost, 5xx, ──▶ ReadBack ─┬─ Captured… ───────────▶ Charged
//!                          undecodable, Created)             ├─ Canceled ────────────▶ NotCharged(Canceled)
//!                                                            └─ Created: PENDING
//!                                                                 │
//!              ┌──────────────────── Wait{delay_ms} ◀─────────────┘
//!              ▼
//!        resend on the same payment intent (while resends last; the API charges a
//!        payment intent at most once) ─▶ Successful: Charged · refused: ReadBack · …
//!        or read back again (while read-backs last)
//!              │
//!              └─ bound reached (read-backs, resends, horizon_ms) ──────────────────▶ Pending (ids kept)
//! ```
//!
//! # What settles a charge
//!
//! - **Charged**: a `Successful` answer, or a read-back showing the payment intent
//!   Captured (or Refunded or Reversed after it).
//! - **Not charged**, only when the server has shown it: a `Declined`/`Failed` answer, a
//!   Canceled payment intent, or, when no earlier attempt's outcome was unknown, a 4xx
//!   refusal of the only send confirmed by a read-back that is not Captured, or a send
//!   that never reached the server.
//! - **Pending** otherwise. After an unknown outcome a read-back of `Created` is **not**
//!   proof of "not charged": the request may still be in the server's queue (a late
//!   commit). The machine then resends the charge on the same payment intent, which is
//!   safe because the API charges a payment intent at most once: a charge that already
//!   landed makes the server refuse the resend (the emulator answers 409), and a
//!   read-back then shows it Captured. Past the [`SettlePolicy`]'s bound the outcome is
//!   [`Outcome::Pending`], with the payment intent's and setup intent's ids: settle it
//!   later ([`Charge::settle`]).
//!
//! (A `Declined` answer to a resend settles "not charged": the API serializes the
//! charges of one payment intent, so the earlier attempt was not charged when the resend
//! was declined.)
//!
//! # Example: a charge whose answer is lost
//!
//! ```
//! use dojo_core::charge::{Action, Charge, Outcome, SettlePolicy};
//! use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
//! use dojo_core::{CaptureStatus, Money, PaymentIntentId, PaymentIntentStatus, SetupIntentId, SetupIntentStatus, Timestamp};
//!
//! let now = Timestamp::from_unix(1_772_400_000);
//! let si = SetupIntentId::new("si_sandbox_1").unwrap();
//! let mut setup = SetupIntentState::new(si, SetupIntentStatus::Authorized, None, Some(Money::gbp(1000)));
//! let pi = PaymentIntentId::new("pi_sandbox_1").unwrap();
//! let mut payment = PaymentIntentState::new(pi, PaymentIntentStatus::Created, Money::gbp(1000), Some(si));
//!
//! let mut charge = Charge::begin(&mut payment, &setup, now, SettlePolicy::DEFAULT).unwrap();
//! let mut t = 0; // the adapter's monotonic clock, ms
//! assert_eq!(charge.poll(&mut payment, &setup, t), Action::SendCharge);
//! charge.handle_unknown(&mut payment); // the answer was lost: it may have executed
//! assert_eq!(charge.poll(&mut payment, &setup, t), Action::ReadBack);
//! charge.handle_read_back(PaymentIntentStatus::Created, &mut payment, &mut setup);
//! // Created is not proof: the charge may be queued. Wait, then resend on the same intent.
//! let Action::Wait { ms } = charge.poll(&mut payment, &setup, t) else { panic!() };
//! t += u64::from(ms);
//! assert_eq!(charge.poll(&mut payment, &setup, t), Action::SendCharge);
//! // The first charge had landed meanwhile: the server refuses the second (409).
//! charge.handle_refused(409, &mut payment);
//! assert_eq!(charge.poll(&mut payment, &setup, t), Action::ReadBack);
//! charge.handle_read_back(PaymentIntentStatus::Captured, &mut payment, &mut setup);
//! assert_eq!(charge.poll(&mut payment, &setup, t), Action::Settled);
//! let report = charge.report();
//! assert_eq!(report.outcome, Outcome::Charged);
//! assert_eq!((report.sends, report.read_backs), (2, 2));
//! assert!(report.outcome_was_unknown);
//! assert_eq!(setup.status(), SetupIntentStatus::Completed);
//! ```

use core::fmt;

use crate::enums::{CaptureStatus, PaymentIntentStatus};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::lifecycle::{
    AnomalyKind, ChargeOutcome, ChargeTicket, LifecycleError, PaymentIntentState, SetupIntentState,
};
use crate::time::Timestamp;

/// How long, and how many requests, a charge may take to settle after its first answer
/// did not settle it. Past any bound the outcome is [`Outcome::Pending`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SettlePolicy {
    /// Read-backs of the payment intent, at most (failed ones included).
    pub max_read_backs: u8,
    /// Resends of the charge on the same payment intent, at most (after a read-back
    /// showed it still uncharged following an unknown outcome).
    pub max_resends: u8,
    /// The wait before each settling step after the first read-back, ms (the first
    /// read-back is immediate).
    pub delay_ms: u32,
    /// No settling step starts later than this, ms after the first send.
    pub horizon_ms: u32,
}

impl SettlePolicy {
    /// 4 read-backs, 2 resends, 2 s apart, within 30 s of the first send.
    pub const DEFAULT: SettlePolicy =
        SettlePolicy { max_read_backs: 4, max_resends: 2, delay_ms: 2_000, horizon_ms: 30_000 };
}

impl Default for SettlePolicy {
    fn default() -> Self {
        SettlePolicy::DEFAULT
    }
}

/// Why a charge settled as not charged: each is something the server showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCharged {
    /// The charge's answer: `Declined` or `Failed`.
    Declined(CaptureStatus),
    /// The payment intent was read back Canceled.
    Canceled,
    /// The server refused the only charge sent (this HTTP status, 4xx), and the payment
    /// intent read back is not charged.
    Refused {
        /// The HTTP status.
        status: u16,
    },
    /// The only charge never reached the server complete (the connection failed before
    /// its last byte): nothing was sent to charge.
    NotSent,
}

/// How a charge settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The card was charged (once).
    Charged,
    /// The card was not charged, as the server showed.
    NotCharged(NotCharged),
    /// Not known yet: the charge may still land. Never tell the customer "not charged";
    /// settle it later from the report's ids.
    Pending,
}

impl Outcome {
    /// `"charged"`, `"not charged"` or `"pending"`.
    pub const fn name(&self) -> &'static str {
        match self {
            Outcome::Charged => "charged",
            Outcome::NotCharged(_) => "not charged",
            Outcome::Pending => "pending",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a charge established: one type for every adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargeReport {
    /// Charged, not charged (with the server's reason), or pending.
    pub outcome: Outcome,
    /// The payment intent charged.
    pub payment_intent: PaymentIntentId,
    /// The setup intent it was created from.
    pub setup_intent: Option<SetupIntentId>,
    /// The last charge answer's status, when one arrived.
    pub charge_status: Option<CaptureStatus>,
    /// The payment intent's status as last read back.
    pub read_back: Option<PaymentIntentStatus>,
    /// Charges sent (the first included).
    pub sends: u8,
    /// Read-backs made (failed ones included).
    pub read_backs: u8,
    /// Whether an attempt's outcome was unknown along the way (a lost answer, a 5xx, an
    /// undecodable answer, a `Created` answer).
    pub outcome_was_unknown: bool,
    /// Set when the last read-back ([`read_back`](Self::read_back)) is a status the
    /// lifecycle does not allow after the known one (still the payment intent state's
    /// `status()`): the known state was kept and the outcome is [`Outcome::Pending`].
    pub anomaly: Option<AnomalyKind>,
}

impl ChargeReport {
    /// Whether the card was charged.
    pub fn charged(&self) -> bool {
        self.outcome == Outcome::Charged
    }
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send `POST /payment-intents/{id}/charge` once (no retries but those of
    /// [`exchange`](crate::exchange) for a request never sent), then call
    /// [`Charge::handle_answer`], [`Charge::handle_refused`], [`Charge::handle_unknown`]
    /// or [`Charge::handle_not_sent`].
    SendCharge,
    /// Read the payment intent back (`GET /payment-intents/{id}?returnCanceled=true`),
    /// then call [`Charge::handle_read_back`] or [`Charge::handle_read_back_failed`].
    ReadBack,
    /// Wait this long, then poll again.
    Wait {
        /// Milliseconds.
        ms: u32,
    },
    /// Done: [`Charge::report`] says how it settled.
    Settled,
}

/// Where the machine stands: no ticket in it (the ticket is a field of [`Charge`], not
/// moved with the phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Send the charge (the ticket is held).
    Send,
    /// The charge was sent with the ticket held; its result is awaited.
    Sent,
    /// Read back.
    ReadBack,
    /// A read-back is awaited.
    ReadingBack,
    /// After `delay_ms`: resend, or read back.
    Next,
    /// Waiting until `until` ms after the first poll, then `Next`.
    Waiting { until: u32 },
    /// Settled.
    Done(Outcome),
    /// The lifecycle refused the ticket (a payment other than the one begun): pending.
    Lost,
}

/// One charge of one payment intent (see the [module docs](self)).
#[derive(Debug, PartialEq, Eq)]
pub struct Charge {
    phase: Phase,
    /// The ticket of the charge to send or sent ([`Phase::Send`], [`Phase::Sent`]).
    ticket: Option<ChargeTicket>,
    policy: SettlePolicy,
    begun_at: Timestamp,
    started_ms: Option<u64>,
    payment_intent: PaymentIntentId,
    setup_intent: Option<SetupIntentId>,
    charge_status: Option<CaptureStatus>,
    read_back: Option<PaymentIntentStatus>,
    refused: Option<u16>,
    sends: u8,
    resends_allowed: u8,
    read_backs: u8,
    unknown: bool,
    anomaly: Option<AnomalyKind>,
}

impl Charge {
    /// Begins a charge of `payment` (created from `setup`): dojo-core's
    /// [`begin_charge`](PaymentIntentState::begin_charge) checks every rule at `now`
    /// before anything is sent.
    pub fn begin(
        payment: &mut PaymentIntentState,
        setup: &SetupIntentState,
        now: Timestamp,
        policy: SettlePolicy,
    ) -> Result<Charge, LifecycleError> {
        let ticket = payment.begin_charge(setup, now)?;
        Ok(Self::with(Phase::Send, Some(ticket), payment, now, policy, false))
    }

    /// Settles an earlier charge of `payment` whose outcome is unknown or pending (after
    /// a crash, or a report of [`Outcome::Pending`]): reads it back first, then resends
    /// and reads back within `policy`, like a charge whose answer was lost.
    pub fn settle(payment: &PaymentIntentState, now: Timestamp, policy: SettlePolicy) -> Charge {
        Self::with(Phase::ReadBack, None, payment, now, policy, true)
    }

    fn with(
        phase: Phase,
        ticket: Option<ChargeTicket>,
        payment: &PaymentIntentState,
        now: Timestamp,
        policy: SettlePolicy,
        unknown: bool,
    ) -> Self {
        Charge {
            phase,
            ticket,
            policy,
            begun_at: now,
            started_ms: None,
            payment_intent: payment.id(),
            setup_intent: payment.setup_intent_id(),
            charge_status: None,
            read_back: None,
            refused: None,
            sends: 0,
            resends_allowed: policy.max_resends,
            read_backs: 0,
            unknown,
            anomaly: None,
        }
    }

    /// How it settled so far: [`Outcome::Pending`] until settled (the report's outcome,
    /// without the report).
    pub fn outcome(&self) -> Outcome {
        match self.phase {
            Phase::Done(outcome) => outcome,
            _ => Outcome::Pending,
        }
    }

    /// The report so far (its outcome [`Outcome::Pending`] until settled).
    pub fn report(&self) -> ChargeReport {
        ChargeReport {
            outcome: self.outcome(),
            payment_intent: self.payment_intent,
            setup_intent: self.setup_intent,
            charge_status: self.charge_status,
            read_back: self.read_back,
            sends: self.sends,
            read_backs: self.read_backs,
            outcome_was_unknown: self.unknown,
            anomaly: self.anomaly,
        }
    }

    /// The payment intent this charge is for.
    pub fn payment_intent(&self) -> PaymentIntentId {
        self.payment_intent
    }

    /// The payment intent this charge is for, borrowed (no copy of the id; e.g. to
    /// build the charge request with).
    pub fn payment_intent_ref(&self) -> &PaymentIntentId {
        &self.payment_intent
    }

    /// What to do next, at `now_ms` (any monotonic clock in ms, the same for every call;
    /// an adapter without a clock may count the time it waited). `payment` and `setup`
    /// are the states given to [`begin`](Self::begin): a resend begins the charge again
    /// on them. An action awaiting a `handle_*` call is repeated until it comes.
    pub fn poll(&mut self, payment: &mut PaymentIntentState, setup: &SetupIntentState, now_ms: u64) -> Action {
        let started = *self.started_ms.get_or_insert(now_ms);
        // The time since the first poll in 32 bits (the policy's bounds are): `None` past
        // `u32::MAX` ms, when every bound is past.
        let elapsed = u32::try_from(now_ms.saturating_sub(started)).ok();
        loop {
            match self.phase {
                Phase::Send => {
                    self.phase = Phase::Sent;
                    self.sends = self.sends.saturating_add(1);
                    return Action::SendCharge;
                }
                Phase::Sent => return Action::SendCharge,
                Phase::ReadBack => {
                    let past_horizon = elapsed.is_none_or(|e| e > self.policy.horizon_ms);
                    if self.read_backs >= self.policy.max_read_backs || past_horizon {
                        self.phase = Phase::Done(Outcome::Pending);
                        continue;
                    }
                    self.read_backs = self.read_backs.saturating_add(1);
                    self.phase = Phase::ReadingBack;
                    return Action::ReadBack;
                }
                Phase::ReadingBack => return Action::ReadBack,
                Phase::Next => {
                    // The wait's end, since the first poll: within the horizon, so 32 bits.
                    match elapsed.and_then(|e| e.checked_add(self.policy.delay_ms)) {
                        Some(until) if until <= self.policy.horizon_ms => self.phase = Phase::Waiting { until },
                        _ => self.phase = Phase::Done(Outcome::Pending),
                    }
                }
                Phase::Waiting { until } => match elapsed {
                    Some(e) if e < until => return Action::Wait { ms: until - e },
                    _ => self.phase = self.step_after_wait(payment, setup),
                },
                Phase::Done(_) | Phase::Lost => return Action::Settled,
            }
        }
    }

    /// After a wait: resend while resends last and the lifecycle allows it, else read
    /// back.
    fn step_after_wait(&mut self, payment: &mut PaymentIntentState, setup: &SetupIntentState) -> Phase {
        if self.resends_allowed > 0
            && matches!(self.read_back, Some(PaymentIntentStatus::Created))
            && let Ok(ticket) = payment.begin_charge(setup, self.begun_at)
        {
            self.resends_allowed -= 1;
            self.ticket = Some(ticket);
            return Phase::Send;
        }
        Phase::ReadBack
    }

    /// The ticket of the charge sent, when its result is awaited: the phase moves on
    /// ([`Phase::Lost`] until the handler decides), the ticket stays in place while the
    /// handler records with it.
    fn sent_ticket(&mut self) -> Option<&ChargeTicket> {
        if !matches!(self.phase, Phase::Sent) {
            return None;
        }
        self.phase = Phase::Lost;
        self.ticket.as_ref()
    }

    /// The charge was answered 2xx with `status`. `Successful` settles it charged;
    /// `Declined`/`Failed` not charged; anything else (`Created`, an unknown value) leaves
    /// it unknown: read back.
    pub fn handle_answer(
        &mut self,
        status: CaptureStatus,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) {
        let Some(ticket) = self.sent_ticket() else { return };
        let recorded = payment.record_charge_by(ticket, status, setup);
        self.ticket = None;
        self.charge_status = Some(status);
        self.phase = match recorded {
            Ok(ChargeOutcome::Charged) => Phase::Done(Outcome::Charged),
            Ok(ChargeOutcome::NotCharged(status)) => Phase::Done(Outcome::NotCharged(NotCharged::Declined(status))),
            Ok(ChargeOutcome::Unknown) => {
                self.unknown = true;
                Phase::ReadBack
            }
            // The machine holds only tickets of its own payment intent.
            Err(_) => Phase::Lost,
        };
    }

    /// The server refused the charge with a 4xx `http_status` (its body is the caller's
    /// to report): this attempt did nothing, but a 409 may mean an earlier one succeeded.
    /// Read back.
    pub fn handle_refused(&mut self, http_status: u16, payment: &mut PaymentIntentState) {
        let Some(ticket) = self.sent_ticket() else { return };
        let recorded = payment.record_charge_not_executed_by(ticket);
        self.ticket = None;
        self.refused = Some(http_status);
        self.phase = match recorded {
            Ok(()) => Phase::ReadBack,
            Err(_) => Phase::Lost,
        };
    }

    /// The charge's outcome is unknown ([`Next::OutcomeUnknown`](crate::exchange::Next::OutcomeUnknown):
    /// its answer was lost, a 5xx, undecodable or too large): it may have executed. Read
    /// back.
    pub fn handle_unknown(&mut self, payment: &mut PaymentIntentState) {
        let Some(ticket) = self.sent_ticket() else { return };
        let recorded = payment.record_charge_outcome_unknown_by(ticket);
        self.ticket = None;
        self.unknown = true;
        self.phase = match recorded {
            Ok(()) => Phase::ReadBack,
            Err(_) => Phase::Lost,
        };
    }

    /// The charge never reached the server complete, and the exchange gave up
    /// ([`TransportFailure::NotSent`](crate::exchange::TransportFailure::NotSent) until its
    /// retries ran out). The first send: settled not charged ([`NotCharged::NotSent`]); a
    /// resend: an earlier attempt may still land, so settling goes on.
    pub fn handle_not_sent(&mut self, payment: &mut PaymentIntentState) {
        let Some(ticket) = self.sent_ticket() else { return };
        let recorded = payment.record_charge_not_executed_by(ticket);
        self.ticket = None;
        self.phase = match recorded {
            Ok(()) if !self.unknown && self.refused.is_none() => Phase::Done(Outcome::NotCharged(NotCharged::NotSent)),
            Ok(()) => Phase::Next,
            Err(_) => Phase::Lost,
        };
    }

    /// The payment intent was read back with `observed`: dojo-core's
    /// [`reconcile`](PaymentIntentState::reconcile) settles it charged (Captured…), not
    /// charged (Canceled; or Created after a refusal of the only send), or leaves it
    /// pending (Created after an unknown outcome: wait, then resend or read back).
    pub fn handle_read_back(
        &mut self,
        observed: PaymentIntentStatus,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) {
        self.handle_read_back_in_place(&observed, payment, setup);
    }

    /// [`handle_read_back`](Self::handle_read_back) of a status borrowed where it was
    /// decoded (an open enum is 34 bytes, align 1: copied once, into the report).
    pub fn handle_read_back_in_place(
        &mut self,
        observed: &PaymentIntentStatus,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
    ) {
        if !matches!(self.phase, Phase::ReadingBack) {
            return;
        }
        self.read_back = Some(*observed);
        self.phase = match payment.reconcile_in_place(observed, setup) {
            Ok(ChargeOutcome::Charged) => Phase::Done(Outcome::Charged),
            Ok(_) if matches!(observed, PaymentIntentStatus::Canceled) => {
                Phase::Done(Outcome::NotCharged(NotCharged::Canceled))
            }
            Ok(ChargeOutcome::NotCharged(_)) => match self.refused {
                // The server refused the only charge, and shows it uncharged.
                Some(status) if !self.unknown && !payment.charge_unsettled() => {
                    Phase::Done(Outcome::NotCharged(NotCharged::Refused { status }))
                }
                _ => Phase::Next,
            },
            Ok(ChargeOutcome::Unknown) => Phase::Next,
            Err(kind) => {
                self.anomaly = Some(kind);
                Phase::Done(Outcome::Pending)
            }
        };
    }

    /// The read-back failed (its retries ran out, or its answer was refused or
    /// unreadable): wait, then try again within the policy.
    pub fn handle_read_back_failed(&mut self) {
        if matches!(self.phase, Phase::ReadingBack) {
            self.phase = Phase::Next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::SetupIntentStatus;
    use crate::lifecycle::ChargeState;
    use crate::money::Money;

    const NOW: Timestamp = Timestamp::from_unix(1_772_400_000);

    fn states() -> (PaymentIntentState, SetupIntentState) {
        let si = SetupIntentId::new("si_sandbox_1").unwrap();
        let setup = SetupIntentState::new(si, SetupIntentStatus::Authorized, None, Some(Money::gbp(1000)));
        let pi = PaymentIntentId::new("pi_sandbox_1").unwrap();
        (PaymentIntentState::new(pi, PaymentIntentStatus::Created, Money::gbp(1000), Some(si)), setup)
    }

    /// Drives a charge with scripted results: `results` answer each SendCharge/ReadBack
    /// in turn; waits advance the clock. Returns the report and the actions seen.
    fn run(
        policy: SettlePolicy,
        results: &[Step],
    ) -> (ChargeReport, Vec<Action>, PaymentIntentState, SetupIntentState) {
        let (mut payment, mut setup) = states();
        let mut charge = Charge::begin(&mut payment, &setup, NOW, policy).unwrap();
        let mut t = 0u64;
        let mut seen = Vec::new();
        let mut script = results.iter();
        loop {
            let action = charge.poll(&mut payment, &setup, t);
            seen.push(action);
            match action {
                Action::Wait { ms } => t += u64::from(ms),
                Action::Settled => return (charge.report(), seen, payment, setup),
                Action::SendCharge | Action::ReadBack => match *script.next().expect("script too short") {
                    Step::Answer(s) => charge.handle_answer(s, &mut payment, &mut setup),
                    Step::Refused(s) => charge.handle_refused(s, &mut payment),
                    Step::Unknown => charge.handle_unknown(&mut payment),
                    Step::NotSent => charge.handle_not_sent(&mut payment),
                    Step::Read(s) => charge.handle_read_back(s, &mut payment, &mut setup),
                    Step::ReadFailed => charge.handle_read_back_failed(),
                },
            }
            assert!(seen.len() < 100, "does not settle");
        }
    }

    #[derive(Clone, Copy)]
    enum Step {
        Answer(CaptureStatus),
        Refused(u16),
        Unknown,
        NotSent,
        Read(PaymentIntentStatus),
        ReadFailed,
    }
    use PaymentIntentStatus as P;
    use Step::*;

    #[test]
    fn successful_is_charged_at_once() {
        let (report, seen, payment, setup) = run(SettlePolicy::DEFAULT, &[Answer(CaptureStatus::Successful)]);
        assert_eq!(report.outcome, Outcome::Charged);
        assert_eq!((report.sends, report.read_backs, report.outcome_was_unknown), (1, 0, false));
        assert_eq!(seen.len(), 2);
        assert_eq!(payment.charge_state(), ChargeState::Succeeded);
        assert_eq!(setup.status(), SetupIntentStatus::Completed);
        assert_eq!(report.payment_intent.as_str(), "pi_sandbox_1");
        assert_eq!(report.setup_intent.map(|s| s.as_str().len()), Some(12));
    }

    #[test]
    fn declined_and_failed_are_not_charged() {
        for status in [CaptureStatus::Declined, CaptureStatus::Failed] {
            let (report, ..) = run(SettlePolicy::DEFAULT, &[Answer(status)]);
            assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Declined(status)));
            assert_eq!(report.charge_status, Some(status));
        }
    }

    #[test]
    fn never_sent_is_not_charged() {
        let (report, _, payment, _) = run(SettlePolicy::DEFAULT, &[NotSent]);
        assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::NotSent));
        assert_eq!(payment.charge_state(), ChargeState::NotAttempted, "another attempt is allowed");
    }

    #[test]
    fn a_refusal_is_read_back() {
        let (report, ..) = run(SettlePolicy::DEFAULT, &[Refused(400), Read(P::Created)]);
        assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Refused { status: 400 }));
        // A 409 because an earlier charge (another process's) landed.
        let (report, _, payment, setup) = run(SettlePolicy::DEFAULT, &[Refused(409), Read(P::Captured)]);
        assert_eq!(report.outcome, Outcome::Charged);
        assert_eq!((payment.charge_state(), setup.status()), (ChargeState::Succeeded, SetupIntentStatus::Completed));
        let (report, ..) = run(SettlePolicy::DEFAULT, &[Refused(409), Read(P::Canceled)]);
        assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Canceled));
    }

    #[test]
    fn lost_then_captured_is_charged() {
        let (report, seen, ..) = run(SettlePolicy::DEFAULT, &[Unknown, Read(P::Captured)]);
        assert_eq!(report.outcome, Outcome::Charged);
        assert_eq!(seen[..2], [Action::SendCharge, Action::ReadBack]);
        assert!(report.outcome_was_unknown);
    }

    #[test]
    fn lost_then_created_is_never_not_charged() {
        // The issue's late commit: read back Created, resend, refused as already charged.
        let (report, seen, ..) =
            run(SettlePolicy::DEFAULT, &[Unknown, Read(P::Created), Refused(409), Read(P::Captured)]);
        assert_eq!(report.outcome, Outcome::Charged);
        assert_eq!(
            seen,
            [
                Action::SendCharge,
                Action::ReadBack,
                Action::Wait { ms: 2_000 },
                Action::SendCharge,
                Action::ReadBack,
                Action::Settled
            ]
        );
        // Resend succeeds: charged once (the first never landed, or is refused).
        let (report, ..) = run(SettlePolicy::DEFAULT, &[Unknown, Read(P::Created), Answer(CaptureStatus::Successful)]);
        assert_eq!(report.outcome, Outcome::Charged);
        assert_eq!(report.sends, 2);
    }

    #[test]
    fn pending_past_the_bound_with_the_ids() {
        // Every answer lost, every read-back Created: 1 send + 2 resends, 4 read-backs.
        let script =
            [Unknown, Read(P::Created), Unknown, Read(P::Created), Unknown, Read(P::Created), Read(P::Created)];
        let (report, _, payment, _) = run(SettlePolicy::DEFAULT, &script);
        assert_eq!(report.outcome, Outcome::Pending);
        assert_eq!((report.sends, report.read_backs), (3, 4));
        assert_eq!(report.read_back, Some(P::Created));
        assert_eq!(payment.charge_state(), ChargeState::Pending);
        assert!(report.setup_intent.is_some());
        // Failed read-backs count too.
        let (report, ..) = run(SettlePolicy::DEFAULT, &[Unknown, ReadFailed, ReadFailed, ReadFailed, ReadFailed]);
        assert_eq!((report.outcome, report.read_backs), (Outcome::Pending, 4));
    }

    #[test]
    fn the_horizon_bounds_the_time() {
        let policy = SettlePolicy { max_read_backs: 100, max_resends: 0, delay_ms: 10_000, horizon_ms: 25_000 };
        let (report, seen, ..) = run(policy, &[Unknown, Read(P::Created), Read(P::Created), Read(P::Created)]);
        assert_eq!(report.outcome, Outcome::Pending);
        let waited: u32 = seen.iter().map(|a| if let Action::Wait { ms } = a { *ms } else { 0 }).sum();
        assert!(waited <= 25_000, "{waited}");
        assert_eq!(report.read_backs, 3);
    }

    #[test]
    fn the_clock_may_read_anything_at_the_first_poll_and_run_past_32_bits() {
        // The same waits whatever the clock reads at the first poll.
        for start in [0u64, 1 << 40, u64::MAX / 2] {
            let (mut payment, mut setup) = states();
            let mut charge = Charge::begin(&mut payment, &setup, NOW, SettlePolicy::DEFAULT).unwrap();
            assert_eq!(charge.poll(&mut payment, &setup, start), Action::SendCharge);
            charge.handle_unknown(&mut payment);
            assert_eq!(charge.poll(&mut payment, &setup, start), Action::ReadBack);
            charge.handle_read_back(P::Created, &mut payment, &mut setup);
            assert_eq!(charge.poll(&mut payment, &setup, start + 500), Action::Wait { ms: 2_000 });
            assert_eq!(charge.poll(&mut payment, &setup, start + 1_000), Action::Wait { ms: 1_500 });
            assert_eq!(charge.poll(&mut payment, &setup, start + 2_500), Action::SendCharge);
        }
        // Polled 2^33 ms (about 99 days) after the first poll, with the widest horizon:
        // past it, pending.
        let policy = SettlePolicy { horizon_ms: u32::MAX, ..SettlePolicy::DEFAULT };
        let (mut payment, setup) = states();
        let mut charge = Charge::begin(&mut payment, &setup, NOW, policy).unwrap();
        assert_eq!(charge.poll(&mut payment, &setup, 7), Action::SendCharge);
        charge.handle_unknown(&mut payment);
        assert_eq!(charge.poll(&mut payment, &setup, 7 + (1 << 33)), Action::Settled);
        assert_eq!(charge.report().outcome, Outcome::Pending);
        // A wait that ends past 32 bits of the horizon settles pending too; one polled
        // long after its end goes on.
        let policy = SettlePolicy { horizon_ms: u32::MAX, delay_ms: u32::MAX, ..SettlePolicy::DEFAULT };
        let (mut payment, mut setup) = states();
        let mut charge = Charge::begin(&mut payment, &setup, NOW, policy).unwrap();
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::SendCharge);
        charge.handle_unknown(&mut payment);
        assert_eq!(charge.poll(&mut payment, &setup, 1), Action::ReadBack);
        charge.handle_read_back(P::Created, &mut payment, &mut setup);
        assert_eq!(charge.poll(&mut payment, &setup, 1), Action::Settled);
        let policy = SettlePolicy { horizon_ms: 10_000, delay_ms: 1_000, ..SettlePolicy::DEFAULT };
        let (mut payment, mut setup) = states();
        let mut charge = Charge::begin(&mut payment, &setup, NOW, policy).unwrap();
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::SendCharge);
        charge.handle_unknown(&mut payment);
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::ReadBack);
        charge.handle_read_back(P::Created, &mut payment, &mut setup);
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::Wait { ms: 1_000 });
        assert_eq!(charge.poll(&mut payment, &setup, 1 << 33), Action::SendCharge, "the wait is over: resend");
    }

    #[test]
    fn an_anomaly_is_pending() {
        // Created → Refunded skips a step the client did not see: the lifecycle keeps the
        // known state and the charge stays pending (a person re-reads it).
        for odd in [P::Refunded, P::parse("Settled")] {
            let (report, _, payment, _) = run(SettlePolicy::DEFAULT, &[Unknown, Read(odd)]);
            assert_eq!(report.outcome, Outcome::Pending, "{odd}");
            assert_eq!(report.read_back, Some(odd));
            assert!(report.anomaly.is_some());
            assert!(payment.charge_unsettled());
        }
    }

    #[test]
    fn settle_reads_back_first_and_resends() {
        let (mut payment, mut setup) = states();
        let ticket = payment.begin_charge(&setup, NOW).unwrap();
        payment.record_charge_outcome_unknown(ticket).unwrap();
        let mut charge = Charge::settle(&payment, NOW, SettlePolicy::DEFAULT);
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::ReadBack);
        charge.handle_read_back(P::Created, &mut payment, &mut setup);
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::Wait { ms: 2_000 });
        assert_eq!(charge.poll(&mut payment, &setup, 2_000), Action::SendCharge);
        charge.handle_answer(CaptureStatus::Successful, &mut payment, &mut setup);
        assert_eq!(charge.poll(&mut payment, &setup, 2_000), Action::Settled);
        assert_eq!(charge.report().outcome, Outcome::Charged);
    }

    #[test]
    fn payment_intent_borrowed_is_the_one_copied() {
        let (mut payment, setup) = states();
        let charge = Charge::begin(&mut payment, &setup, NOW, SettlePolicy::DEFAULT).unwrap();
        assert_eq!(*charge.payment_intent_ref(), payment.id());
        let settle = Charge::settle(&payment, NOW, SettlePolicy::DEFAULT);
        assert_eq!(settle.payment_intent_ref().as_str(), "pi_sandbox_1");
    }

    #[test]
    fn handlers_out_of_turn_change_nothing() {
        let (mut payment, mut setup) = states();
        let mut charge = Charge::begin(&mut payment, &setup, NOW, SettlePolicy::DEFAULT).unwrap();
        // Before the send: no ticket out, nothing recorded.
        charge.handle_answer(CaptureStatus::Successful, &mut payment, &mut setup);
        charge.handle_read_back(P::Captured, &mut payment, &mut setup);
        assert_eq!(payment.charge_state(), ChargeState::InFlight);
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::SendCharge);
        assert_eq!(charge.poll(&mut payment, &setup, 0), Action::SendCharge, "repeated until handled");
        assert_eq!(charge.report().sends, 1);
        assert_eq!(charge.report().outcome, Outcome::Pending);
    }

    #[test]
    fn names() {
        assert_eq!(Outcome::Pending.to_string(), "pending");
        assert_eq!(Outcome::NotCharged(NotCharged::Canceled).name(), "not charged");
        assert_eq!(Outcome::Charged.name(), "charged");
    }
}
