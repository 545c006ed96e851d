//! The host harness: the kiosk flow, exactly as the firmware runs it, through a std
//! `TcpStream` connection against dojo-sandbox on loopback, including its faults.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

use common::tcp::{HostError, TcpConnection};
use dojo_core::charge::{NotCharged, Outcome};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{Api, CreatePaymentIntentRequest, Operation};
use dojo_core::*;
use dojo_embedded_svc::error::{Cause, Phase};
use dojo_embedded_svc::kiosk::{FlowEnd, Kiosk, NoShowFee, NoShowReport, PollPolicy, Step, Waited};
use dojo_embedded_svc::{Client, Connect, Delay, Error, RetryPolicy, SettlePolicy};
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};

/// The work buffer the README recommends.
const BUF: usize = 4096;

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

const POLL: PollPolicy = PollPolicy { interval_ms: 5, max_polls: 50 };

fn sandbox() -> Sandbox {
    Sandbox::start(Config::default()).expect("the sandbox starts on 127.0.0.1:0")
}

fn addr(sb: &Sandbox) -> SocketAddr {
    sb.base_url().strip_prefix("http://").unwrap().parse().unwrap()
}

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_kiosk_secret").unwrap()
}

/// A client over TCP to the sandbox, retrying per the default policy and recording the
/// delays it waits (scaled down: the test sleeps a hundredth of each).
fn client<'k>(
    sb: &'k Sandbox,
    key: &'k ApiKey,
    delays: &Rc<RefCell<Vec<u32>>>,
) -> Client<'k, impl Connect<Connection = TcpConnection>, impl Delay> {
    let a = addr(sb);
    let d = delays.clone();
    Client::new(move || Ok::<_, HostError>(TcpConnection::new(a)), Api::new(key))
        .with_base_url(sb.base_url())
        .unwrap()
        .with_retries(RetryPolicy::DEFAULT, 0xC0FFEE, move |ms: u32| {
            d.borrow_mut().push(ms);
            std::thread::sleep(std::time::Duration::from_millis(u64::from(ms / 100)));
        })
}

/// The kiosk's screen, clock and customer: showing the link makes the sandbox's
/// "customer" authorize it (with `card`), as if they had scanned the QR code.
struct Screen<'s> {
    sb: &'s Sandbox,
    card: Option<TestCard>,
    links: Vec<String>,
    steps: Vec<Step>,
}

impl<'s> Screen<'s> {
    fn new(sb: &'s Sandbox, card: Option<TestCard>) -> Self {
        Screen { sb, card, links: Vec::new(), steps: Vec::new() }
    }
}

impl Kiosk for Screen<'_> {
    fn show_checkout(&mut self, link: &str) {
        self.links.push(link.to_string());
        if let Some(card) = self.card {
            let id = link.rsplit('/').next().unwrap();
            self.sb.authorize_setup_intent(id, card).unwrap();
        }
    }
    fn now(&mut self) -> Timestamp {
        self.sb.now()
    }
    fn wait_ms(&mut self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
    }
    fn progress(&mut self, step: Step) {
        self.steps.push(step);
    }
}

fn fault(route: Route, kind: FaultKind, times: u32) -> Fault {
    Fault { route, kind, times: Some(times), probability: 1.0 }
}

#[test]
fn the_kiosk_flow_charges_once_against_the_sandbox() {
    let sb = sandbox();
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Charged);
    assert_eq!(report.setup.unwrap().status(), SetupIntentStatus::Completed);
    let pi = report.payment.unwrap();
    assert_eq!(pi.status(), PaymentIntentStatus::Captured);
    assert!(!report.charge.unwrap().outcome_was_unknown);
    assert!(screen.links[0].starts_with("https://pay.dojo.tech/checkout/si_"));
    assert!(screen.steps.contains(&Step::Confirmed(SetupIntentStatus::Completed)));
    let captures = sb.captures(pi.id().as_str());
    assert_eq!(captures.len(), 1);
    assert_eq!(captures[0].amount, 1000);
    assert_eq!(sb.charge_attempts(pi.id().as_str()), 1);
    assert!(delays.borrow().is_empty(), "no fault, no retry");
}

#[test]
fn a_charge_dropped_after_commit_is_reconciled_and_captured_exactly_once() {
    let sb = sandbox();
    sb.add_fault(fault(Route::ChargePaymentIntent, FaultKind::DropAfterCommit, 1));
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Charged);
    let charge = report.charge.unwrap();
    assert!(charge.outcome_was_unknown, "the lost answer was reconciled");
    assert_eq!(charge.read_back, Some(PaymentIntentStatus::Captured));
    assert_eq!(report.setup.unwrap().status(), SetupIntentStatus::Completed);
    let pi = report.payment.unwrap();
    assert_eq!(sb.captures(pi.id().as_str()).len(), 1, "exactly one capture");
    assert_eq!(sb.charge_attempts(pi.id().as_str()), 1, "not resent: the read-back showed it charged");
}

#[test]
fn a_lost_charge_whose_read_backs_fail_is_pending_until_reconciled() {
    let sb = sandbox();
    sb.add_fault(fault(Route::ChargePaymentIntent, FaultKind::DropAfterCommit, 1));
    // Every read-back attempt of every settling step is dropped too.
    sb.add_fault(fault(Route::GetPaymentIntent, FaultKind::DropBeforeCommit, 1_000));
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Pending, "never \"not charged\"");
    let charge = report.charge.unwrap();
    assert_eq!((charge.outcome, charge.read_backs), (Outcome::Pending, SettlePolicy::DEFAULT.max_read_backs));
    assert!(screen.steps.contains(&Step::Charged(Outcome::Pending)));
    let (payment, setup) = (report.payment.as_mut().unwrap(), report.setup.as_mut().unwrap());
    assert_eq!(charge.payment_intent, payment.id());
    assert_eq!(payment.charge_state(), dojo_core::lifecycle::ChargeState::OutcomeUnknown);
    // A second charge is refused before anything is sent.
    assert!(matches!(client.charge(payment, setup, sb.now(), &mut buf), Err(Error::Lifecycle(_))));
    // Later, the read-back goes through: it was charged, once.
    sb.clear_faults();
    let settled = client.reconcile_charge(payment, setup, &mut buf).unwrap();
    assert_eq!(settled.outcome, Outcome::Charged);
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 1);
}

#[test]
fn a_truncated_charge_answer_is_reconciled_and_captured_exactly_once() {
    let sb = sandbox();
    sb.add_fault(fault(Route::ChargePaymentIntent, FaultKind::TruncateBody, 1));
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Charged);
    let charge = report.charge.unwrap();
    assert!(charge.outcome_was_unknown);
    assert_eq!(charge.read_back, Some(PaymentIntentStatus::Captured));
    let pi = report.payment.unwrap();
    assert_eq!(sb.captures(pi.id().as_str()).len(), 1);
}

#[test]
fn a_5xx_charge_is_read_back_pending_and_resent_once() {
    let sb = sandbox();
    sb.add_fault(fault(Route::ChargePaymentIntent, FaultKind::Status(503), 1));
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap();
    let charge = report.charge.unwrap();
    assert!(charge.outcome_was_unknown);
    assert_eq!(charge.read_back, Some(PaymentIntentStatus::Created), "pending, not \"not charged\"");
    assert_eq!(end, FlowEnd::Charged);
    assert_eq!((charge.sends, charge.read_backs), (2, 1));
    let payment = report.payment.unwrap();
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 1, "the 503 did not reach the state");
}

#[test]
fn polls_dropped_before_commit_are_retried_on_the_schedule() {
    let sb = sandbox();
    sb.add_fault(fault(Route::GetSetupIntent, FaultKind::DropBeforeCommit, 3));
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Charged);
    let d = delays.borrow();
    assert_eq!(d.len(), 3, "one backoff delay per dropped read: {d:?}");
    for (i, ms) in d.iter().enumerate() {
        assert!(*ms <= RetryPolicy::DEFAULT.ceiling_ms(i as u8), "{d:?}");
    }
    assert!(!screen.steps.iter().any(|s| matches!(s, Step::PollFailed { .. })), "retried inside the poll");
}

#[test]
fn a_read_that_keeps_failing_is_a_transport_error_after_the_schedule() {
    let sb = sandbox();
    let key = key();
    let mut buf = vec![0u8; BUF];
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let si = client.create_no_show(&FEE, &mut buf).unwrap();
    sb.add_fault(fault(Route::GetSetupIntent, FaultKind::DropBeforeCommit, 10));
    let err = client.get_setup_intent(&si.id(), &mut buf).unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!((t.operation, t.phase), (Operation::GetSetupIntent, Phase::Receive));
            assert!(matches!(t.cause, Cause::Io(_)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(delays.borrow().len(), usize::from(RetryPolicy::DEFAULT.max_retries));
}

#[test]
fn truncated_answers_are_typed_errors() {
    let sb = sandbox();
    let key = key();
    let mut buf = vec![0u8; BUF];
    let a = addr(&sb);
    // No retries: the read's typed error itself.
    let mut client = Client::new(move || Ok::<_, HostError>(TcpConnection::new(a)), Api::new(&key))
        .with_base_url(sb.base_url())
        .unwrap();
    let setup = client.create_no_show(&FEE, &mut buf).unwrap();
    sb.add_fault(fault(Route::GetSetupIntent, FaultKind::TruncateBody, 1));
    match client.get_setup_intent(&setup.id(), &mut buf).unwrap_err() {
        Error::Transport(t) => {
            assert_eq!(t.phase, Phase::Receive);
            assert!(matches!(t.cause, Cause::Truncated { expected, received } if received < expected as usize));
        }
        other => panic!("{other:?}"),
    }
    // A create cut short may have executed: outcome unknown, never resent.
    sb.add_fault(fault(Route::CreatePaymentIntent, FaultKind::TruncateBody, 1));
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), setup.id());
    match client.create_payment_intent(&body, &mut buf).unwrap_err() {
        Error::OutcomeUnknown(u) => {
            assert_eq!(u.operation, Operation::CreatePaymentIntent);
            assert!(matches!(u.cause, Cause::Truncated { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_larger_than_the_buffer_is_refused_whole() {
    let sb = sandbox();
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut buf = vec![0u8; BUF];
    let setup = client.create_no_show(&FEE, &mut buf).unwrap();
    let mut small = [0u8; 96];
    match client.get_setup_intent(&setup.id(), &mut small).unwrap_err() {
        Error::ResponseTooLarge(r) => {
            assert_eq!((r.status, r.capacity), (200, 96));
            assert!(r.content_length.unwrap() > 96);
        }
        other => panic!("{other:?}"),
    }
    // The client goes on with a new connection.
    assert!(client.get_setup_intent(&setup.id(), &mut buf).is_ok());
}

#[test]
fn a_declined_card_charges_nothing() {
    let sb = sandbox();
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut buf = vec![0u8; BUF];
    let mut screen = Screen::new(&sb, Some(TestCard::SUCCESS));
    let mut setup = client.create_no_show(&FEE, &mut buf).unwrap();
    screen.show_checkout(&format!("https://pay.dojo.tech/checkout/{}", setup.id()));
    assert_eq!(client.wait_for_authorization(&mut setup, POLL, &mut screen, &mut buf).unwrap(), Waited::Authorized);
    sb.decline_setup_intent(setup.id().as_str()).unwrap();
    let mut payment: PaymentIntentState = client.create_fee_payment_intent(&setup, "No-show", &mut buf).unwrap();
    let report = client.charge(&mut payment, &mut setup, sb.now(), &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Declined(CaptureStatus::Declined)));
    assert_eq!(sb.captures(payment.id().as_str()).len(), 0);
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
}

#[test]
fn an_unauthorized_setup_intent_times_out_and_nothing_is_charged() {
    let sb = sandbox();
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, None);
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let end = client
        .run_no_show(&FEE, PollPolicy { interval_ms: 1, max_polls: 3 }, &mut screen, &mut report, &mut buf)
        .unwrap();
    assert_eq!(end, FlowEnd::NotAuthorized(Waited::TimedOut));
    assert!(report.payment.is_none());
    // An expired one ends the wait by the lifecycle's clock check.
    sb.advance_clock(std::time::Duration::from_secs(30 * 24 * 3600));
    let mut setup: SetupIntentState = report.setup.unwrap();
    let waited = client.wait_for_authorization(&mut setup, POLL, &mut screen, &mut buf).unwrap();
    assert!(matches!(waited, Waited::Ended(SetupIntentStatus::Expired)), "{waited:?}");
}

#[test]
fn a_key_the_sandbox_refuses_is_the_servers_answer_with_its_problem() {
    let sb = sandbox();
    let key = ApiKey::new("sk_prod_not_for_the_sandbox").unwrap();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, &delays);
    let mut screen = Screen::new(&sb, None);
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let err = client.run_no_show(&FEE, POLL, &mut screen, &mut report, &mut buf).unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    // A production key on the sandbox: refused (403), nothing created.
    assert!(matches!(api.status, 401 | 403), "{api:?}");
    assert!(api.problem().is_some());
}
