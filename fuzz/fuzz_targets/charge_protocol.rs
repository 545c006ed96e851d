#![no_main]
//! dojo-core's `exchange` and `charge` machines, driven the way an adapter drives them,
//! against a reference model of the server fed arbitrary network and server behaviour:
//! answers lost before or after the server acted, charges that commit late (queued, the
//! issue 9 scenario), 5xx before or after acting, undecodable answers, refusals,
//! declines, a payment intent canceled meanwhile, read-backs that fail.
//!
//! The server model charges a payment intent at most once and processes the charges of
//! one payment intent in order (a queued charge commits before a later one is handled),
//! as the API does. After the machine settles, every queued charge is let commit, and
//! the report is checked against what the server did:
//! - never a send after a `Successful` answer reached the client;
//! - `Charged` only when the server captured (exactly once);
//! - `NotCharged` only when the card was never captured, even after the late commits;
//! - always settled or pending within the settle policy's bounds, and no panic.

use arbitrary::Arbitrary;
use dojo_core::charge::{Action, Charge, Outcome, SettlePolicy};
use dojo_core::exchange::{Exchange, Next, RetryPolicy, Subject, TransportFailure};
use dojo_core::lifecycle::{ChargeState, PaymentIntentState, SetupIntentState};
use dojo_core::request::Operation;
use dojo_core::{
    CaptureStatus, Money, PaymentIntentId, PaymentIntentStatus, SetupIntentId, SetupIntentStatus, Timestamp,
};
use libfuzzer_sys::fuzz_target;

/// What happens to one attempt of a request.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Wire {
    /// Delivered and answered.
    Answer,
    /// Never reached the server (refused connection, failed write).
    NotSent,
    /// Processed; the answer was lost.
    ProcessedAnswerLost,
    /// Queued: it commits later; the client times out.
    Queued,
    /// 503 before the server acted.
    ServerErrorBefore,
    /// 500 after the server acted.
    ServerErrorAfter,
    /// Processed; the 2xx answer does not decode.
    Undecodable,
    /// 429 before the server acted.
    TooMany,
}

#[derive(Debug, Clone, Arbitrary)]
struct Input {
    declines: bool,
    /// The SDK's `Arbitrary` policies (dojo-core's `arbitrary` feature), bounded below.
    retry: RetryPolicy,
    settle: SettlePolicy,
    /// Before each attempt: whether the server commits its queued charges first.
    commits: Vec<bool>,
    /// Before each attempt: whether someone cancels the payment intent meanwhile.
    cancels: Vec<bool>,
    wire: Vec<Wire>,
}

#[derive(Debug, Default)]
struct Server {
    status: Option<PaymentIntentStatus>,
    declines: bool,
    queued: u32,
    captures: u32,
}

impl Server {
    fn status(&self) -> PaymentIntentStatus {
        self.status.unwrap_or(PaymentIntentStatus::Created)
    }

    /// One charge handled now: its answer's status, or the HTTP refusal.
    fn charge(&mut self) -> Result<CaptureStatus, u16> {
        self.commit_queued();
        self.charge_now()
    }

    fn charge_now(&mut self) -> Result<CaptureStatus, u16> {
        match self.status() {
            PaymentIntentStatus::Created if self.declines => Ok(CaptureStatus::Declined),
            PaymentIntentStatus::Created => {
                self.status = Some(PaymentIntentStatus::Captured);
                self.captures += 1;
                Ok(CaptureStatus::Successful)
            }
            _ => Err(409),
        }
    }

    fn commit_queued(&mut self) {
        while self.queued > 0 {
            self.queued -= 1;
            let _ = self.charge_now();
        }
    }
}

struct Feed<'a> {
    input: &'a Input,
    at: usize,
}

impl Feed<'_> {
    fn next(&mut self) -> (Wire, bool, bool) {
        let i = self.at;
        self.at += 1;
        let wire = self.input.wire.get(i).copied().unwrap_or(Wire::Answer);
        let commit = self.input.commits.get(i).copied().unwrap_or(true);
        let cancel = self.input.cancels.get(i).copied().unwrap_or(false);
        (wire, commit, cancel)
    }
}

/// What one exchange of a charge ended in.
enum ChargeResult {
    Answer(CaptureStatus),
    Refused(u16),
    Unknown,
    NotSent,
}

fn subject(operation: Operation) -> Subject<'static> {
    Subject { operation, setup_intent: None, payment_intent: None, idempotency_key: None }
}

fn exchange_charge(server: &mut Server, feed: &mut Feed<'_>, policy: RetryPolicy, now_ms: &mut u64) -> ChargeResult {
    let mut x = Exchange::of(subject(Operation::ChargePaymentIntent), policy);
    loop {
        assert!(x.attempts() <= policy.max_retries.saturating_add(1), "retried past the policy");
        let (wire, commit, cancel) = feed.next();
        if commit {
            server.commit_queued();
        }
        if cancel && server.status() == PaymentIntentStatus::Created && server.queued == 0 {
            server.status = Some(PaymentIntentStatus::Canceled);
        }
        let (next, answer) = match wire {
            Wire::Answer => match server.charge() {
                Ok(status) => (x.handle_answer(200, None, 7), Some(Ok(status))),
                Err(http) => (x.handle_answer(http, None, 7), Some(Err(http))),
            },
            Wire::NotSent => (x.handle_failure(TransportFailure::NotSent, 7), None),
            Wire::ProcessedAnswerLost => {
                let _ = server.charge();
                (x.handle_failure(TransportFailure::Sent, 7), None)
            }
            Wire::Queued => {
                server.queued += 1;
                (x.handle_failure(TransportFailure::Sent, 7), None)
            }
            Wire::ServerErrorBefore => (x.handle_answer(503, None, 7), Some(Err(503))),
            Wire::ServerErrorAfter => {
                let _ = server.charge();
                (x.handle_answer(500, None, 7), Some(Err(500)))
            }
            Wire::Undecodable => {
                let _ = server.charge();
                assert_eq!(x.handle_answer(200, None, 7), Next::Done);
                (x.handle_undecodable(), None)
            }
            Wire::TooMany => (x.handle_answer(429, Some(1_000), 7), Some(Err(429))),
        };
        match next {
            Next::Retry { after_ms } => {
                assert!(matches!(wire, Wire::NotSent), "a charge is repeated only when never sent: {wire:?}");
                *now_ms += u64::from(after_ms);
            }
            Next::Done => {
                return match answer {
                    Some(Ok(status)) => ChargeResult::Answer(status),
                    Some(Err(http)) => {
                        assert!(http < 500, "a 5xx to a charge is never final");
                        ChargeResult::Refused(http)
                    }
                    None => unreachable!("Done without an answer"),
                };
            }
            Next::OutcomeUnknown(s) => {
                assert_eq!(s.operation, Operation::ChargePaymentIntent);
                return ChargeResult::Unknown;
            }
            Next::GiveUp(_) => {
                assert!(matches!(wire, Wire::NotSent), "given up on a charge that was sent: {wire:?}");
                return ChargeResult::NotSent;
            }
        }
    }
}

fn exchange_read(
    server: &mut Server,
    feed: &mut Feed<'_>,
    policy: RetryPolicy,
    now_ms: &mut u64,
) -> Option<PaymentIntentStatus> {
    let mut x = Exchange::of(subject(Operation::GetPaymentIntent), policy);
    loop {
        assert!(x.attempts() <= policy.max_retries.saturating_add(1), "retried past the policy");
        let (wire, commit, cancel) = feed.next();
        if commit {
            server.commit_queued();
        }
        if cancel && server.status() == PaymentIntentStatus::Created && server.queued == 0 {
            server.status = Some(PaymentIntentStatus::Canceled);
        }
        let next = match wire {
            Wire::Answer => {
                let status = server.status();
                match x.handle_answer(200, None, 9) {
                    Next::Done => return Some(status),
                    other => other,
                }
            }
            Wire::NotSent => x.handle_failure(TransportFailure::NotSent, 9),
            Wire::ProcessedAnswerLost | Wire::Queued => x.handle_failure(TransportFailure::Sent, 9),
            Wire::ServerErrorBefore | Wire::ServerErrorAfter => x.handle_answer(503, None, 9),
            Wire::Undecodable => x.handle_undecodable(),
            Wire::TooMany => x.handle_answer(429, Some(1_000), 9),
        };
        match next {
            Next::Retry { after_ms } => *now_ms += u64::from(after_ms),
            Next::OutcomeUnknown(_) => panic!("a read is never outcome unknown"),
            Next::Done | Next::GiveUp(_) => return None,
        }
    }
}

fuzz_target!(|input: Input| {
    let settle = SettlePolicy {
        max_read_backs: input.settle.max_read_backs % 6,
        max_resends: input.settle.max_resends % 4,
        delay_ms: input.settle.delay_ms % 5_000,
        horizon_ms: input.settle.horizon_ms % 65_536,
    };
    let retry = RetryPolicy { max_retries: input.retry.max_retries % 4, ..input.retry };
    let mut server = Server { declines: input.declines, ..Server::default() };
    let mut feed = Feed { input: &input, at: 0 };

    let now = Timestamp::from_unix(1_772_400_000);
    let si = SetupIntentId::new("si_sandbox_fuzz").unwrap();
    let mut setup = SetupIntentState::new(si, SetupIntentStatus::Authorized, None, Some(Money::gbp(1000)));
    let pi = PaymentIntentId::new("pi_sandbox_fuzz").unwrap();
    let mut payment = PaymentIntentState::new(pi, PaymentIntentStatus::Created, Money::gbp(1000), Some(si));
    let mut charge = Charge::begin(&mut payment, &setup, now, settle).unwrap();

    let mut now_ms: u64 = 0;
    let mut sends = 0u32;
    let mut read_backs = 0u32;
    let mut waited = 0u64;
    let mut success_seen = false;
    for _ in 0..10_000 {
        match charge.poll(&mut payment, &setup, now_ms) {
            Action::SendCharge => {
                assert!(!success_seen, "a send after a Successful answer");
                sends += 1;
                match exchange_charge(&mut server, &mut feed, retry, &mut now_ms) {
                    ChargeResult::Answer(status) => {
                        success_seen |= status == CaptureStatus::Successful;
                        charge.handle_answer(status, &mut payment, &mut setup);
                    }
                    ChargeResult::Refused(http) => charge.handle_refused(http, &mut payment),
                    ChargeResult::Unknown => charge.handle_unknown(&mut payment),
                    ChargeResult::NotSent => charge.handle_not_sent(&mut payment),
                }
            }
            Action::ReadBack => {
                read_backs += 1;
                match exchange_read(&mut server, &mut feed, retry, &mut now_ms) {
                    Some(status) => charge.handle_read_back(status, &mut payment, &mut setup),
                    None => charge.handle_read_back_failed(),
                }
            }
            Action::Wait { ms } => {
                assert!(ms > 0 && ms <= settle.delay_ms, "waits only the settle delay: {ms}");
                waited += u64::from(ms);
                now_ms += u64::from(ms);
            }
            Action::Settled => break,
        }
    }
    let report = charge.report();
    assert!(matches!(charge.poll(&mut payment, &setup, now_ms), Action::Settled), "did not settle: {report:?}");
    assert_eq!(u32::from(report.sends), sends);
    assert_eq!(u32::from(report.read_backs), read_backs);
    assert!(sends <= 1 + u32::from(settle.max_resends), "{report:?}");
    assert!(read_backs <= u32::from(settle.max_read_backs), "{report:?}");
    assert!(waited <= u64::from(settle.horizon_ms) + u64::from(settle.delay_ms), "waited {waited}");

    // Let every late commit land, then compare with what the server did.
    server.commit_queued();
    assert!(server.captures <= 1, "charged twice");
    match report.outcome {
        Outcome::Charged => {
            assert_eq!(server.captures, 1, "reported charged, not captured: {report:?}");
            assert_eq!(payment.charge_state(), ChargeState::Succeeded);
            assert_eq!(setup.status(), SetupIntentStatus::Completed);
        }
        Outcome::NotCharged(why) => {
            assert_eq!(server.captures, 0, "reported not charged ({why:?}), and the card was charged: {report:?}");
            assert!(!payment.charge_unsettled(), "{:?}", payment.charge_state());
        }
        // Pending is always allowed: "not known yet" is never a lie.
        Outcome::Pending => {}
    }
});
