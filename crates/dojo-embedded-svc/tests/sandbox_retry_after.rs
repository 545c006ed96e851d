//! `Retry-After` through the kiosk adapter against dojo-sandbox over loopback
//! (`FaultKind::StatusRetryAfter`): the adapter has no clock, so what is checked is the
//! delay it asks the firmware's `Delay` for, never a measured time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::tcp::{HostError, TcpConnection};
use dojo_core::request::Api;
use dojo_core::{ApiKey, Money, PaymentIntentStatus, SetupIntentStatus};
use dojo_embedded_svc::kiosk::{FlowEnd, NoShowFee, NoShowReport, PollPolicy, Step};
use dojo_embedded_svc::{Client, Connect, Delay, Error, RetryDecision, RetryPolicy};
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};

const BUF: usize = 4096;

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_kiosk_secret").unwrap()
}

/// A client over TCP to the sandbox under `policy`, recording every delay it asks for
/// (and waiting none of it: the sandbox does not enforce `Retry-After`).
fn client<'k>(
    sb: &'k Sandbox,
    key: &'k ApiKey,
    policy: RetryPolicy,
    delays: &Rc<RefCell<Vec<u32>>>,
) -> Client<'k, impl Connect<Connection = TcpConnection>, impl Delay> {
    let a: SocketAddr = sb.base_url().strip_prefix("http://").unwrap().parse().unwrap();
    let d = delays.clone();
    Client::new(move || Ok::<_, HostError>(TcpConnection::new(a)), Api::new(key))
        .with_base_url(sb.base_url())
        .unwrap()
        .with_retries(policy, 0xC0FFEE, move |ms: u32| d.borrow_mut().push(ms))
}

fn retry_after(status: u16, seconds: u64) -> Fault {
    Fault::once(
        Route::GetSetupIntent,
        FaultKind::StatusRetryAfter { status, retry_after: Duration::from_secs(seconds) },
    )
}

#[test]
fn a_read_answered_503_with_retry_after_asks_for_at_least_that_delay() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, RetryPolicy::DEFAULT, &delays);
    let mut buf = vec![0u8; BUF];
    let id = client.create_no_show(&FEE, &mut buf).unwrap().id();
    assert!(delays.borrow().is_empty());

    // DEFAULT's first jittered delay is at most 250 ms: only Retry-After can ask for 1 s.
    sb.add_fault(retry_after(503, 1));
    let si = client.get_setup_intent(&id, &mut buf).unwrap();
    assert_eq!(si.status, SetupIntentStatus::Created);
    assert_eq!(delays.borrow().len(), 1, "one retry: {:?}", delays.borrow());
    assert!(delays.borrow()[0] >= 1000, "Retry-After: 1 asks for at least 1000 ms: {:?}", delays.borrow());

    // 429 as well, and the value is taken as given.
    delays.borrow_mut().clear();
    sb.add_fault(retry_after(429, 3));
    client.get_setup_intent(&id, &mut buf).unwrap();
    assert_eq!(delays.borrow().len(), 1);
    assert!(delays.borrow()[0] >= 3000, "{:?}", delays.borrow());
}

#[test]
fn a_retry_after_beyond_the_policy_ends_the_retries_with_the_answer() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let policy = RetryPolicy { max_retry_after_ms: 2_000, ..RetryPolicy::DEFAULT };
    let mut client = client(&sb, &key, policy, &delays);
    let mut buf = vec![0u8; BUF];
    let id = client.create_no_show(&FEE, &mut buf).unwrap().id();
    sb.add_fault(retry_after(503, 5));
    let before = sb.requests_served();
    let err = client.get_setup_intent(&id, &mut buf).unwrap_err();
    match &err {
        Error::Api(a) => assert_eq!(a.status, 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.retry_decision(), RetryDecision::Retry);
    assert!(delays.borrow().is_empty(), "not waited for: {:?}", delays.borrow());
    assert_eq!(sb.requests_served() - before, 1, "not retried");
    // The firmware learns how long the server asked it to wait.
    assert_eq!(client.last_retry_after_s(), Some(5));
    client.get_setup_intent(&id, &mut buf).unwrap();
    assert_eq!(client.last_retry_after_s(), None, "the next answer sent none");
}

#[test]
fn a_charge_answered_503_with_retry_after_is_read_back_then_resent_once() {
    struct Screen<'s>(&'s Sandbox);
    impl dojo_embedded_svc::kiosk::Kiosk for Screen<'_> {
        fn show_checkout(&mut self, link: &str) {
            self.0.authorize_setup_intent(link.rsplit('/').next().unwrap(), TestCard::SUCCESS).unwrap();
        }
        fn now(&mut self) -> dojo_core::Timestamp {
            self.0.now()
        }
        fn wait_ms(&mut self, _ms: u32) {}
        fn progress(&mut self, _step: Step) {}
    }

    let sb = Sandbox::start(Config::default()).unwrap();
    sb.add_fault(Fault::once(
        Route::ChargePaymentIntent,
        FaultKind::StatusRetryAfter { status: 503, retry_after: Duration::from_secs(1) },
    ));
    let key = key();
    let delays = Rc::new(RefCell::new(Vec::new()));
    let mut client = client(&sb, &key, RetryPolicy::DEFAULT, &delays);
    let mut buf = vec![0u8; BUF];
    let mut report = NoShowReport::default();
    let poll = PollPolicy { interval_ms: 5, max_polls: 50 };
    let end = client.run_no_show(&FEE, poll, &mut Screen(&sb), &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Charged, "pending after the 5xx, resent on the same payment intent");
    let charge = report.charge.unwrap();
    assert!(charge.outcome_was_unknown, "a 5xx to a charge is read back");
    assert_eq!(charge.read_back, Some(PaymentIntentStatus::Created));
    assert_eq!((charge.sends, charge.read_backs), (2, 1));
    let pi = report.payment.unwrap();
    // The fault was used up by the first request: only the resend reached the state.
    assert_eq!(sb.charge_attempts(pi.id().as_str()), 1, "resent once, after the read-back");
    assert_eq!(sb.captures(pi.id().as_str()).len(), 1);
    // No retry delay: only the settle policy's wait before the resend.
    assert_eq!(*delays.borrow(), [dojo_embedded_svc::SettlePolicy::DEFAULT.delay_ms], "{:?}", delays.borrow());
}
