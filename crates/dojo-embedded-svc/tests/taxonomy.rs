//! One taxonomy: the same failures, run through the kiosk adapter (this crate, over the
//! test harness's std `TcpStream` connection) and the desktop adapter (dojo-ureq),
//! against dojo-sandbox on loopback, give the same dojo-core `ErrorClass` and the same
//! `RetryDecision`.
//!
//! Each scenario runs once per adapter, on intents of its own (a fault with `times: 1`
//! hits the next matching request, so the runs do not share one). Both clients retry
//! reads three times, 10–50 ms apart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use common::tcp::{HostError, TcpConnection};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::problem::ApiErrorKind;
use dojo_core::request::{Api, CreatePaymentIntentRequest, CreateSetupIntentRequest, Operation};
use dojo_core::{
    ApiKey, ErrorClass, MerchantInitiatedTransactionType, Money, PaymentIntentId, RetryDecision, SetupIntentStatus,
};
use dojo_embedded_svc::{Connect, Delay};
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};

const SANDBOX_KEY: &str = "sk_sandbox_taxonomy";
/// The sandbox refuses a production key (403).
const PROD_KEY: &str = "sk_prod_taxonomy";

/// The kiosk's connector: a new loopback TCP connection per request.
struct Tcp(SocketAddr);

impl Connect for Tcp {
    type Connection = TcpConnection;
    fn connect(&mut self) -> Result<TcpConnection, HostError> {
        Ok(TcpConnection::new(self.0))
    }
}

/// The kiosk's time source: really waits (the delays are a few ms).
struct Sleep;

impl Delay for Sleep {
    fn delay_ms(&mut self, ms: u32) {
        std::thread::sleep(Duration::from_millis(u64::from(ms)));
    }
}

type Kiosk<'k> = dojo_embedded_svc::Client<'k, Tcp, Sleep>;

/// What an adapter's failure came to: its class and the advice for it.
type Seen = Option<(ErrorClass, RetryDecision)>;

fn kiosk<'k>(base_url: &'k str, key: &'k ApiKey) -> Kiosk<'k> {
    let addr = base_url.strip_prefix("http://").unwrap().parse().unwrap();
    let policy = dojo_embedded_svc::RetryPolicy {
        max_retries: 3,
        base_delay_ms: 10,
        max_delay_ms: 50,
        max_retry_after_ms: 3_000,
    };
    dojo_embedded_svc::Client::new(Tcp(addr), Api::new(key))
        .with_base_url(base_url)
        .unwrap()
        .with_retries(policy, 7, Sleep)
}

fn desktop(base_url: &str, key: &str) -> dojo_ureq::Client {
    dojo_ureq::Client::builder(ApiKey::new(key).unwrap())
        .base_url(base_url)
        .retry(dojo_ureq::RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(3),
        })
        .timeouts(dojo_ureq::Timeouts { connect: Duration::from_secs(2), call: Duration::from_secs(5) })
        .build()
        .unwrap()
}

/// The kiosk's error, classified (before the buffer it borrows is released).
fn k<T>(operation: Operation, r: Result<T, dojo_embedded_svc::Error<'_, HostError>>) -> Seen {
    r.err().map(|e| {
        if let Some(op) = e.operation() {
            assert_eq!(op, operation, "{e:?}");
        }
        (e.class(), e.retry_decision(operation))
    })
}

/// The desktop's error, classified.
fn d<T>(r: Result<T, dojo_ureq::Error>) -> Seen {
    r.err().map(|e| (e.class(), e.retry_decision()))
}

/// Both adapters saw `expected`, with its class's retry decision.
#[track_caller]
fn same(scenario: &str, desktop: Seen, kiosk: Seen, expected: ErrorClass) {
    let want = Some((expected, expected.retry_decision()));
    assert_eq!(desktop, want, "{scenario}: desktop");
    assert_eq!(kiosk, want, "{scenario}: kiosk");
    println!("{scenario:<40} {:<30} {:?}", format!("{expected:?}"), expected.retry_decision());
}

/// A setup intent for 10.00 GBP authorized with the success card, and a payment intent
/// created from it (set up with the desktop client: the setup is not under test).
fn authorized(sb: &Sandbox, client: &dojo_ureq::Client) -> (SetupIntentState, PaymentIntentState) {
    let body = CreateSetupIntentRequest::new(
        "Table 12, 8pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let mut setup = SetupIntentState::from_response(&client.create_setup_intent(&body).unwrap().get());
    sb.authorize_setup_intent(setup.id().as_str(), TestCard::SUCCESS).unwrap();
    setup.observe_response(&client.get_setup_intent(&setup.id()).unwrap().get()).unwrap();
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), setup.id());
    let payment = PaymentIntentState::from_response(&client.create_payment_intent(&body).unwrap().get()).unwrap();
    (setup, payment)
}

fn fault(route: Route, kind: FaultKind, times: Option<u32>) -> Fault {
    Fault { route, kind, times, probability: 1.0 }
}

fn si_body() -> CreateSetupIntentRequest<'static> {
    CreateSetupIntentRequest::new(
        "Table 7, 9pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    )
}

#[test]
fn the_same_failures_have_the_same_class_on_desktop_and_kiosk() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let base = sb.base_url().to_string();
    let key = ApiKey::new(SANDBOX_KEY).unwrap();
    let desk = desktop(&base, SANDBOX_KEY);
    let mut kio = kiosk(&base, &key);
    let mut buf = [0u8; 4096];

    // The charge's answer is lost, cut short or a 5xx, after the request reached the
    // server: it may have executed, in both adapters.
    for (scenario, kind) in [
        ("charge dropped after commit", FaultKind::DropAfterCommit),
        ("charge dropped before commit", FaultKind::DropBeforeCommit),
        ("charge answered 503", FaultKind::Status(503)),
        ("charge answer cut short", FaultKind::TruncateBody),
    ] {
        let (_, pd) = authorized(&sb, &desk);
        let (_, pk) = authorized(&sb, &desk);
        sb.add_fault(fault(Route::ChargePaymentIntent, kind, Some(1)));
        let desk_result = desk.charge_payment_intent(&pd.id());
        assert_eq!(desk_result.as_ref().err().and_then(|e| e.operation()), Some(Operation::ChargePaymentIntent));
        let seen_d = d(desk_result);
        sb.add_fault(fault(Route::ChargePaymentIntent, kind, Some(1)));
        let seen_k = k(Operation::ChargePaymentIntent, kio.charge_payment_intent(&pk.id(), &mut buf));
        same(scenario, seen_d, seen_k, ErrorClass::OutcomeUnknown);
        sb.clear_faults();
    }

    // A create answered 5xx: the server may have created it.
    sb.add_fault(fault(Route::CreateSetupIntent, FaultKind::Status(503), Some(1)));
    let seen_d = d(desk.create_setup_intent(&si_body()));
    sb.add_fault(fault(Route::CreateSetupIntent, FaultKind::Status(503), Some(1)));
    let seen_k = k(Operation::CreateSetupIntent, kio.create_setup_intent(&si_body(), &mut buf));
    same("create setup intent answered 503", seen_d, seen_k, ErrorClass::OutcomeUnknown);
    sb.clear_faults();

    // Reads failing on every attempt: retried, then reported; nothing changed.
    let (_, p) = authorized(&sb, &desk);
    let id = p.id();
    for (scenario, kind, expected) in [
        ("read answered 503 every time", FaultKind::Status(503), ErrorClass::Api(ApiErrorKind::ServerError)),
        ("read answered 429 every time", FaultKind::Status(429), ErrorClass::Api(ApiErrorKind::TooManyRequests)),
        ("read cut short every time", FaultKind::TruncateBody, ErrorClass::Transport),
        ("read dropped every time", FaultKind::DropBeforeCommit, ErrorClass::Transport),
    ] {
        sb.add_fault(fault(Route::GetPaymentIntent, kind, None));
        let seen_d = d(desk.get_payment_intent(&id, false));
        let seen_k = k(Operation::GetPaymentIntent, kio.get_payment_intent(&id, false, &mut buf));
        same(scenario, seen_d, seen_k, expected);
        sb.clear_faults();
    }

    // The server's refusals.
    let unknown = PaymentIntentId::new("pi_sandbox_does_not_exist").unwrap();
    same(
        "unknown id (404)",
        d(desk.get_payment_intent(&unknown, false)),
        k(Operation::GetPaymentIntent, kio.get_payment_intent(&unknown, false, &mut buf)),
        ErrorClass::Api(ApiErrorKind::NotFound),
    );
    let (_, pd) = authorized(&sb, &desk);
    let (_, pk) = authorized(&sb, &desk);
    desk.charge_payment_intent(&pd.id()).unwrap();
    kio.charge_payment_intent(&pk.id(), &mut buf).unwrap();
    same(
        "second charge, sent as is (409)",
        d(desk.charge_payment_intent(&pd.id())),
        k(Operation::ChargePaymentIntent, kio.charge_payment_intent(&pk.id(), &mut buf)),
        ErrorClass::Api(ApiErrorKind::Conflict),
    );
    let prod = ApiKey::new(PROD_KEY).unwrap();
    same(
        "production key on the sandbox (403)",
        d(desktop(&base, PROD_KEY).get_payment_intent(&id, false)),
        k(Operation::GetPaymentIntent, kiosk(&base, &prod).get_payment_intent(&id, false, &mut buf)),
        ErrorClass::Api(ApiErrorKind::Forbidden),
    );

    // Refused before sending, by dojo-core: the same in both, by construction.
    let (mut sd, mut pd) = authorized(&sb, &desk);
    let (mut sk, mut pk) = authorized(&sb, &desk);
    desk.charge(&mut pd, &mut sd).unwrap();
    let now = desk.now();
    kio.charge(&mut pk, &mut sk, now, &mut buf).unwrap();
    let attempts = (sb.charge_attempts(pd.id().as_str()), sb.charge_attempts(pk.id().as_str()));
    same(
        "second charge through the lifecycle",
        d(desk.charge(&mut pd, &mut sd)),
        k(Operation::ChargePaymentIntent, kio.charge(&mut pk, &mut sk, now, &mut buf)),
        ErrorClass::Lifecycle,
    );
    assert_eq!((sb.charge_attempts(pd.id().as_str()), sb.charge_attempts(pk.id().as_str())), attempts);
    let zero = CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(0), sd.id());
    same(
        "zero amount",
        d(desk.create_payment_intent(&zero)),
        k(Operation::CreatePaymentIntent, kio.create_payment_intent(&zero, &mut buf)),
        ErrorClass::Invalid,
    );
    drop(sb);

    // Nothing listening: the request never left.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    same(
        "nothing listening",
        d(desktop(&closed, SANDBOX_KEY).with_retry(dojo_ureq::RetryPolicy::NONE).get_payment_intent(&id, false)),
        k(Operation::GetPaymentIntent, kiosk(&closed, &key).get_payment_intent(&id, false, &mut buf)),
        ErrorClass::Transport,
    );
}
