//! The client against the emulator (dojo-sandbox) over loopback: the seed's flow, and
//! the faults the outcome-unknown handling exists for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use dojo_core::charge::{NotCharged, Outcome, SettlePolicy};
use dojo_core::lifecycle::{ChargeState, PaymentIntentState, SetupIntentState};
use dojo_core::problem::ApiErrorKind;
use dojo_core::request::{CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest, Operation};
use dojo_core::{
    ApiKey, CaptureStatus, MerchantInitiatedTransactionType, Money, PaymentIntentId, PaymentIntentStatus,
    SetupIntentId, SetupIntentStatus,
};
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};
use dojo_ureq::Cause;
use dojo_ureq::{Client, Error, RetryPolicy, Timeouts};

/// Settling quickly: 100 ms between steps.
const QUICK_SETTLE: SettlePolicy =
    SettlePolicy { max_read_backs: 4, max_resends: 2, delay_ms: 100, horizon_ms: 10_000 };

fn start() -> (Sandbox, Client) {
    let sb = Sandbox::start(Config::default()).unwrap();
    let client = client_of(sb.base_url());
    (sb, client)
}

fn client_of(base_url: &str) -> Client {
    Client::builder(ApiKey::new("sk_sandbox_test").unwrap())
        .base_url(base_url)
        .settle(QUICK_SETTLE)
        .retry(RetryPolicy { max_retries: 3, base_delay_ms: 10, max_delay_ms: 50, max_retry_after_ms: 3000 })
        .timeouts(Timeouts { connect: Duration::from_secs(2), call: Duration::from_secs(5) })
        .build()
        .unwrap()
}

/// A setup intent for 10.00 GBP, authorized with the success card, and a payment intent
/// created from it.
fn authorized(sb: &Sandbox, client: &Client) -> (SetupIntentState, PaymentIntentState) {
    let body = CreateSetupIntentRequest::new(
        "Table 12, 8pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let answer = client.create_setup_intent(&body).unwrap();
    let mut setup = SetupIntentState::from_response(&answer.get());
    assert_eq!(setup.status(), SetupIntentStatus::Created);
    sb.authorize_setup_intent(setup.id().as_str(), TestCard::SUCCESS).unwrap();
    setup.observe_response(&client.get_setup_intent(&setup.id()).unwrap().get()).unwrap();
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), setup.id());
    let payment = PaymentIntentState::from_response(&client.create_payment_intent(&body).unwrap().get()).unwrap();
    assert_eq!(payment.status(), PaymentIntentStatus::Created);
    (setup, payment)
}

fn server_setup_status(client: &Client, id: &SetupIntentId) -> SetupIntentStatus {
    client.get_setup_intent(id).unwrap().get().status
}

fn server_payment_status(client: &Client, id: &PaymentIntentId) -> PaymentIntentStatus {
    client.get_payment_intent(id, true).unwrap().get().status
}

#[test]
fn the_seed_flow() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(report.charge_status, Some(CaptureStatus::Successful));
    assert!(!report.outcome_was_unknown);
    assert_eq!((report.sends, report.read_backs), (1, 0));
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    assert_eq!(server_setup_status(&client, &setup.id()), SetupIntentStatus::Completed);
    assert_eq!(server_payment_status(&client, &payment.id()), PaymentIntentStatus::Captured);
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
    // The lifecycle refuses a second charge before anything is sent.
    assert!(matches!(client.charge(&mut payment, &mut setup), Err(Error::Lifecycle(_))));
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 1);
}

#[test]
fn a_charge_dropped_after_commit_is_reconciled_and_captured_exactly_once() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropAfterCommit));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.outcome_was_unknown, "the answer was lost and reconciled");
    assert_eq!(report.payment_intent, payment.id());
    assert_eq!(report.setup_intent, Some(setup.id()));
    assert_eq!(report.outcome, Outcome::Charged, "read back: {:?}", report.read_back);
    assert_eq!(report.read_back, Some(PaymentIntentStatus::Captured));
    assert_eq!(payment.charge_state(), ChargeState::Succeeded);
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1, "exactly one capture");
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 1, "never retried");
}

#[test]
fn a_charge_whose_body_is_truncated_is_reconciled() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::TruncateBody));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.outcome_was_unknown);
    assert!(report.charged());
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 1);
}

#[test]
fn a_charge_dropped_before_commit_is_pending_then_resent_on_the_same_payment_intent() {
    // Before issue 9 a read-back of Created after the lost answer was reported "not
    // charged"; it is not proof (the charge may be queued): the charge is resent.
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.outcome_was_unknown);
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!((report.sends, report.read_backs), (2, 1));
    assert_eq!(report.charge_status, Some(CaptureStatus::Successful));
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
}

#[test]
fn a_charge_that_stays_lost_is_pending_with_its_ids_never_not_charged() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    sb.add_fault(Fault { times: None, ..Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit) });
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Pending);
    assert_eq!((report.sends, report.read_backs), (1 + QUICK_SETTLE.max_resends, QUICK_SETTLE.max_read_backs));
    assert_eq!((report.payment_intent, report.setup_intent), (payment.id(), Some(setup.id())));
    assert_eq!(payment.charge_state(), ChargeState::Pending);
    assert!(sb.captures(payment.id().as_str()).is_empty());
    // Later, the faults gone: settling resends and charges, once.
    sb.clear_faults();
    let report = client.reconcile_charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
}

/// A TCP proxy that keeps the server side of a connection open after the client hangs
/// up (issue 9's reproduction): a request the client gave up on still reaches the
/// emulator and commits late.
fn keep_open_proxy(upstream: std::net::SocketAddr) -> String {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().take(64) {
            let Ok(mut client) = client else { continue };
            let Ok(mut server) = TcpStream::connect(upstream) else { continue };
            let (mut client_r, mut server_w) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = client_r.read(&mut buf) {
                    if server_w.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                // The client hung up: the server side stays open (no shutdown).
            });
            std::thread::spawn(move || {
                server.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = server.read(&mut buf) {
                    let _ = client.write_all(&buf[..n]);
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_late_commit_is_never_reported_not_charged() {
    // The scenario: the charge is delayed 1.5 s, the client times out after
    // 0.5 s and reads back Created while the request still waits in the emulator.
    let (sb, direct) = start();
    let (mut setup, mut payment) = authorized(&sb, &direct);
    let upstream = sb.base_url().trim_start_matches("http://").parse().unwrap();
    let client = client_of(&keep_open_proxy(upstream))
        .with_timeouts(Timeouts { connect: Duration::from_secs(2), call: Duration::from_millis(500) })
        .with_settle_policy(SettlePolicy { delay_ms: 1_500, ..QUICK_SETTLE });
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Latency(Duration::from_millis(1_500))));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.outcome_was_unknown);
    assert_eq!(report.outcome, Outcome::Charged, "{report:?}");
    assert!(report.sends >= 2, "resent on the same payment intent: {report:?}");
    // Whichever of the two charges reached the state first captured it; the other was
    // refused: one capture.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sb.charge_attempts(payment.id().as_str()) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 2);
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1, "exactly one capture");
    assert_eq!(server_payment_status(&direct, &payment.id()), PaymentIntentStatus::Captured);
}

#[test]
fn a_charge_answered_503_is_read_back_then_resent_not_retried_blindly() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Status(503)));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.outcome_was_unknown);
    assert_eq!(report.read_back, Some(PaymentIntentStatus::Created));
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!((report.sends, report.read_backs), (2, 1), "resent only after reading back");
    assert_eq!(sb.captures(payment.id().as_str()).len(), 1);
}

#[test]
fn a_get_dropped_before_commit_is_retried_and_succeeds() {
    let (sb, client) = start();
    let (setup, _) = authorized(&sb, &client);
    sb.add_fault(Fault::once(Route::GetSetupIntent, FaultKind::DropBeforeCommit));
    let answer = client.get_setup_intent(&setup.id()).unwrap();
    assert_eq!(answer.attempts(), 2);
    assert_eq!(answer.get().status, SetupIntentStatus::Authorized);
}

#[test]
fn a_get_answered_5xx_is_retried_with_backoff_or_retry_after() {
    let (sb, client) = start();
    let (_, payment) = authorized(&sb, &client);
    sb.add_fault(Fault {
        route: Route::GetPaymentIntent,
        kind: FaultKind::Status(503),
        times: Some(2),
        probability: 1.0,
    });
    let answer = client.get_payment_intent(&payment.id(), false).unwrap();
    assert_eq!(answer.attempts(), 3);
    // With retries off, the 503 comes back with its ProblemDetails (and Retry-After when sent).
    sb.add_fault(Fault::once(Route::GetPaymentIntent, FaultKind::Status(503)));
    let err = client.with_retry(RetryPolicy::NONE).get_payment_intent(&payment.id(), false).unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!((api.status(), api.kind()), (503, ApiErrorKind::ServerError));
    assert!(api.problem().is_some(), "the ProblemDetails is kept");
}

#[test]
fn a_create_dropped_after_commit_is_outcome_unknown() {
    let (sb, client) = start();
    sb.add_fault(Fault::once(Route::CreateSetupIntent, FaultKind::DropAfterCommit));
    let body = CreateSetupIntentRequest::new("T", "Terms", MerchantInitiatedTransactionType::NoShow, Money::gbp(500));
    let err = client.create_setup_intent(&body).unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("{err:?}") };
    assert_eq!(u.operation, Operation::CreateSetupIntent);
    assert!(u.to_string().contains("may have executed"), "{u}");
}

#[test]
fn refunds_retry_with_the_same_idempotency_key_and_refund_once() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    assert!(client.charge(&mut payment, &mut setup).unwrap().charged());
    let refunded = |client: &Client| client.get_payment_intent(&payment.id(), true).unwrap().get().refunded_amount;
    // The first attempt is refunded but its answer lost; the retry carries the same key,
    // so the server returns the same refund instead of making a second one.
    sb.add_fault(Fault::once(Route::RefundPaymentIntent, FaultKind::DropAfterCommit));
    let answer = client.refund_payment_intent(&payment.id(), &CreateRefundRequest::new(400)).unwrap();
    assert_eq!(answer.attempts(), 2);
    assert!(answer.get().refund_id.is_some());
    assert_eq!(refunded(&client), Some(400), "refunded once");
    // The caller's own key, twice: one refund.
    let key = "dojo-rs-test-key-1";
    let a = client.refund_payment_intent_with_key(&payment.id(), key, &CreateRefundRequest::new(300)).unwrap();
    let b = client.refund_payment_intent_with_key(&payment.id(), key, &CreateRefundRequest::new(300)).unwrap();
    assert_eq!(a.get().refund_id, b.get().refund_id);
    assert_eq!(refunded(&client), Some(700));
    assert_eq!(server_payment_status(&client, &payment.id()), PaymentIntentStatus::Captured);
}

#[test]
fn error_answers_404_409_and_a_production_key() {
    let (sb, client) = start();
    let missing = SetupIntentId::new("si_sandbox_doesNotExist000000000000").unwrap();
    let err = client.get_setup_intent(&missing).unwrap_err();
    assert_eq!(err.api().map(|a| a.kind()), Some(ApiErrorKind::NotFound), "{err}");
    assert!(err.api().unwrap().trace_id().is_some(), "a traceId");

    let (mut setup, mut payment) = authorized(&sb, &client);
    assert!(client.charge(&mut payment, &mut setup).unwrap().charged());
    // The raw operation skips the lifecycle: the server refuses the second charge.
    let err = client.charge_payment_intent(&payment.id()).unwrap_err();
    assert_eq!(err.api().map(|a| a.kind()), Some(ApiErrorKind::Conflict), "{err}");

    let prod = Client::builder(ApiKey::new("sk_prod_nope").unwrap()).base_url(sb.base_url()).build().unwrap();
    let err = prod.get_setup_intent(&setup.id()).unwrap_err();
    let kind = err.api().map(|a| a.kind());
    assert!(matches!(kind, Some(ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden)), "{err}");
}

#[test]
fn connections_are_reused() {
    let (sb, client) = start();
    let (setup, _) = authorized(&sb, &client);
    let before = sb.connections_accepted();
    for _ in 0..200 {
        assert_eq!(client.get_setup_intent(&setup.id()).unwrap().attempts(), 1);
    }
    // Clones share the pool too.
    let clone = client.with_retry(RetryPolicy::NONE);
    for _ in 0..50 {
        clone.get_setup_intent(&setup.id()).unwrap();
    }
    let opened = sb.connections_accepted() - before;
    assert!(opened <= 1, "250 requests opened {opened} new connections");
}

#[test]
fn a_declined_card_is_not_charged_and_may_be_tried_again() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    sb.decline_setup_intent(setup.id().as_str()).unwrap();
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Declined(CaptureStatus::Declined)));
    assert!(!report.outcome_was_unknown);
    assert_eq!(payment.charge_state(), ChargeState::Declined(CaptureStatus::Declined));
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
    assert!(sb.captures(payment.id().as_str()).is_empty());
    // The lifecycle allows another attempt (the card still declines here).
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(!report.charged());
    assert_eq!(sb.charge_attempts(payment.id().as_str()), 2);
}

fn retry_after(status: u16, seconds: u64) -> FaultKind {
    FaultKind::StatusRetryAfter { status, retry_after: Duration::from_secs(seconds) }
}

#[test]
fn a_get_answered_503_with_retry_after_waits_for_it_then_succeeds() {
    let (sb, client) = start();
    let (_, payment) = authorized(&sb, &client);
    sb.add_fault(Fault::once(Route::GetPaymentIntent, retry_after(503, 1)));
    let before = sb.requests_served();
    let t = Instant::now();
    let answer = client.get_payment_intent(&payment.id(), false).unwrap();
    let waited = t.elapsed();
    assert_eq!(answer.attempts(), 2);
    assert_eq!(answer.get().status, PaymentIntentStatus::Created);
    assert_eq!(sb.requests_served() - before, 2);
    // The policy's own backoff is at most 50 ms here: only Retry-After explains a second.
    assert!(waited >= Duration::from_secs(1), "Retry-After: 1 honoured, waited {waited:?}");

    // With retries off, the 503 comes back carrying its Retry-After and ProblemDetails.
    sb.add_fault(Fault::once(Route::GetPaymentIntent, retry_after(503, 1)));
    let err = client.with_retry(RetryPolicy::NONE).get_payment_intent(&payment.id(), false).unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!((api.status(), api.kind()), (503, ApiErrorKind::ServerError));
    assert_eq!(api.retry_after(), Some(Duration::from_secs(1)));
    assert!(api.problem().is_some(), "the ProblemDetails is kept");

    // A Retry-After beyond the policy's `max_retry_after` (3 s) is returned, not waited for.
    sb.add_fault(Fault::once(Route::GetPaymentIntent, retry_after(503, 60)));
    let before = sb.requests_served();
    let err = client.get_payment_intent(&payment.id(), false).unwrap_err();
    assert_eq!(err.api().and_then(|a| a.retry_after()), Some(Duration::from_secs(60)), "{err}");
    assert_eq!(sb.requests_served() - before, 1, "not retried");
}

#[test]
fn a_charge_answered_503_with_retry_after_is_not_retried_blindly_but_settled() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    let pi = payment.id();
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, retry_after(503, 1)));
    // The charge alone, as is: a 5xx is outcome unknown, sent once.
    let err = client.charge_payment_intent(&pi).unwrap_err();
    let Error::OutcomeUnknown(unknown) = &err else { panic!("{err:?}") };
    assert_eq!(unknown.operation, Operation::ChargePaymentIntent);
    assert_eq!(unknown.attempts, 1, "sent once");
    let Cause::ServerError(api) = &unknown.cause else { panic!("{:?}", unknown.cause) };
    assert_eq!((api.status(), api.retry_after()), (503, Some(Duration::from_secs(1))));
    // The fault was used up by the first request: a resend would have reached the state.
    assert_eq!(sb.charge_attempts(pi.as_str()), 0, "never resent by the exchange");
    // The charge protocol reads back (Created: pending), then resends: charged once.
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, retry_after(503, 1)));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(report.read_back, Some(PaymentIntentStatus::Created));
    assert_eq!(sb.captures(pi.as_str()).len(), 1);
    assert_eq!(sb.charge_attempts(pi.as_str()), 1);
}

#[test]
fn a_charge_answered_429_with_retry_after_is_an_error_and_not_resent() {
    let (sb, client) = start();
    let (mut setup, mut payment) = authorized(&sb, &client);
    let pi = payment.id();
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, retry_after(429, 1)));
    let err = client.charge(&mut payment, &mut setup).unwrap_err();
    let api = err.api().expect("the 429 itself");
    assert_eq!((api.kind(), api.retry_after()), (ApiErrorKind::TooManyRequests, Some(Duration::from_secs(1))));
    assert_eq!(sb.charge_attempts(pi.as_str()), 0, "never resent");
    // The read-back released the in-flight mark: the caller may charge again, once.
    assert!(client.charge(&mut payment, &mut setup).unwrap().charged());
    assert_eq!(sb.captures(pi.as_str()).len(), 1);
}
