//! The adapter against a scripted connection: every exchange's bytes, every error path,
//! the retry schedule, the once-only charge and its reconciliation, the kiosk flow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::mock::{MockError, Reply, Script};
use dojo_core::charge::{NotCharged, Outcome};
use dojo_core::lifecycle::{ChargeState, PaymentIntentState, SetupIntentState};
use dojo_core::problem::ApiErrorKind;
use dojo_core::request::{Api, CreateSetupIntentRequest, Operation};
use dojo_core::*;
use dojo_embedded_svc::embedded_svc::http::Method;
use dojo_embedded_svc::error::{Cause, Phase};
use dojo_embedded_svc::kiosk::{FlowEnd, Kiosk, NoShowFee, NoShowReport, PollPolicy, Step, Waited};
use dojo_embedded_svc::{Client, Error, RetryDecision, RetryPolicy, SettlePolicy};
use std::cell::RefCell;
use std::rc::Rc;

const BASE: &str = "https://api.example.test";
const SI_CREATED: &str = r#"{"id":"si_sandbox_1","status":"Created","intendedAmount":{"value":1000,"currencyCode":"GBP"},"expireAt":"2026-03-09T09:12:10Z"}"#;
const SI_AUTHORIZED: &str =
    r#"{"id":"si_sandbox_1","status":"Authorized","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;
const SI_COMPLETED: &str = r#"{"id":"si_sandbox_1","status":"Completed"}"#;
const PI_CREATED: &str = r#"{"id":"pi_sandbox_1","status":"Created","amount":{"value":1000,"currencyCode":"GBP"},"setupIntentId":"si_sandbox_1"}"#;
const PI_CAPTURED: &str = r#"{"id":"pi_sandbox_1","status":"Captured","amount":{"value":1000,"currencyCode":"GBP"},"setupIntentId":"si_sandbox_1"}"#;
const CHARGED: &str = r#"{"paymentIntentId":"pi_sandbox_1","status":"Successful","message":"DEPOSITED"}"#;
const DECLINED: &str = r#"{"paymentIntentId":"pi_sandbox_1","status":"Declined","message":"DECLINED"}"#;
const PROBLEM_409: &str = r#"{"title":"Conflict","status":409,"traceId":"00-abc-01"}"#;
const NOW: Timestamp = Timestamp::from_unix(1_772_400_000);

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_secret_c0ffee").unwrap()
}

/// A client with the default retry policy, recording the delays it is asked to wait.
macro_rules! client {
    ($key:expr, $script:expr, $delays:expr) => {{
        let delays = $delays.clone();
        Client::new($script.connector(), Api::new(&$key)).with_base_url(BASE).unwrap().with_retries(
            RetryPolicy::DEFAULT,
            7,
            move |ms| delays.borrow_mut().push(ms),
        )
    }};
}

fn delays() -> Rc<RefCell<Vec<u32>>> {
    Rc::new(RefCell::new(Vec::new()))
}

fn si_body() -> CreateSetupIntentRequest<'static> {
    CreateSetupIntentRequest::new("Table 12", "No-show fee", MerchantInitiatedTransactionType::NoShow, Money::gbp(1000))
}

fn authorized_setup() -> SetupIntentState {
    SetupIntentState::new(
        SetupIntentId::new("si_sandbox_1").unwrap(),
        SetupIntentStatus::Authorized,
        None,
        Some(Money::gbp(1000)),
    )
}

fn created_payment() -> PaymentIntentState {
    PaymentIntentState::new(
        PaymentIntentId::new("pi_sandbox_1").unwrap(),
        PaymentIntentStatus::Created,
        Money::gbp(1000),
        Some(SetupIntentId::new("si_sandbox_1").unwrap()),
    )
}

#[test]
fn a_post_sends_its_body_with_content_length_and_every_core_header() {
    let key = key();
    let script = Script::new([Reply::json(200, SI_CREATED)]);
    let d = delays();
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 1024];
    let si = client.create_setup_intent(&si_body(), &mut buf).unwrap();
    assert_eq!(si.status, SetupIntentStatus::Created);
    let seen = script.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.uri, "https://api.example.test/setup-intents");
    assert_eq!(req.header("Content-Length").unwrap(), req.body.len().to_string());
    assert_eq!(req.header("Authorization"), Some("Basic sk_sandbox_secret_c0ffee"));
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    assert!(req.header("version").is_some() && req.header("User-Agent").is_some());
    assert!(req.header("Transfer-Encoding").is_none(), "never chunked");
    assert!(std::str::from_utf8(&req.body).unwrap().starts_with(r#"{"reference":"Table 12""#));
}

#[test]
fn a_bodyless_post_sends_content_length_zero() {
    let key = key();
    let script = Script::new([Reply::json(200, CHARGED)]);
    let d = delays();
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let charge = client.charge_payment_intent(&PaymentIntentId::new("pi_sandbox_1").unwrap(), &mut buf).unwrap();
    assert_eq!(charge.status, CaptureStatus::Successful);
    let req = &script.seen()[0];
    assert_eq!(req.uri, "https://api.example.test/payment-intents/pi_sandbox_1/charge");
    assert_eq!(req.header("Content-Length"), Some("0"));
    assert!(req.body.is_empty() && req.header("Content-Type").is_none());
}

#[test]
fn an_answer_larger_than_the_buffer_is_a_typed_error_never_a_partial_parse() {
    let key = key();
    let d = delays();
    // Announced too large: refused before reading.
    let script = Script::new([Reply::json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 100];
    match client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf) {
        Err(Error::ResponseTooLarge(r)) => {
            assert_eq!((r.status, r.capacity, r.content_length), (200, 100, Some(SI_CREATED.len() as u64)));
            assert_eq!(r.operation, Operation::GetSetupIntent);
        }
        other => panic!("{other:?}"),
    }
    // Not announced: found by reading one byte past the buffer. Not retried.
    let script = Script::new([Reply::unsized_json(200, SI_CREATED), Reply::unsized_json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 100];
    let err = client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge(ref r) if r.content_length.is_none()), "{err:?}");
    assert_eq!(err.retry_decision(), RetryDecision::Stop);
    assert_eq!(script.remaining(), 1);
    // Exactly the buffer's size fits.
    let script = Script::new([Reply::unsized_json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    let mut buf = vec![0u8; SI_CREATED.len()];
    assert!(client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).is_ok());
}

#[test]
fn a_204_has_no_body_and_is_not_read() {
    let key = key();
    let d = delays();
    // No Content-Length, and reading would fail: the adapter must not read.
    let reply = Reply::Answer { status: 204, headers: vec![], body: b"junk".to_vec(), cut: Some((0, true)) };
    let script = Script::new([reply]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let req = Api::new(&key).cancel_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), false).unwrap();
    // A 204 is not a setup intent: dojo-core says the empty body does not decode, and for
    // a cancel (not idempotent) that is an outcome unknown, not a hang or a read error.
    let err = client.execute(&req, &mut buf).unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(ref u) if matches!(u.cause, Cause::Undecodable(_))), "{err:?}");
}

#[test]
fn a_buffer_too_small_for_the_request_is_core_buffer_too_small() {
    let key = key();
    let script = Script::new([]);
    let d = delays();
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 150];
    // The body fits, the URL after it does not.
    match client.create_setup_intent(&si_body(), &mut buf) {
        Err(Error::BufferTooSmall(b)) => assert!(b.needed > 150),
        other => panic!("{other:?}"),
    }
    assert!(script.seen().is_empty(), "nothing sent");
}

#[test]
fn a_read_dropped_before_its_answer_is_retried_on_the_backoff_schedule() {
    let key = key();
    let script =
        Script::new([Reply::ResponseFails, Reply::ConnectFails, Reply::InitiateFails, Reply::json(200, SI_AUTHORIZED)]);
    let d = delays();
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let si = client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).unwrap();
    assert_eq!(si.status, SetupIntentStatus::Authorized);
    // Three failures, three delays: the schedule of the client's seeded backoff.
    let got = d.borrow().clone();
    assert_eq!(got.len(), 3);
    for (i, ms) in got.iter().enumerate() {
        assert!(*ms <= RetryPolicy::DEFAULT.ceiling_ms(i as u8), "{got:?}");
    }
    // The connection left mid-request was replaced, not reused (it would panic).
    assert_eq!(script.connections(), 3);
}

#[test]
fn a_read_gives_up_when_the_schedule_is_spent() {
    let key = key();
    let script = Script::new(std::iter::repeat_n(Reply::ResponseFails, 4));
    let d = delays();
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let err = client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!((t.operation, t.phase), (Operation::GetSetupIntent, Phase::Receive));
            assert!(matches!(t.cause, Cause::Io(MockError(_))));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.retry_decision(), RetryDecision::Retry);
    assert_eq!(d.borrow().len(), 3, "DEFAULT allows 3 retries");
    assert_eq!(script.remaining(), 0);
}

#[test]
fn a_read_retries_5xx_and_429_honouring_retry_after() {
    let key = key();
    let script = Script::new([
        Reply::json(503, r#"{"title":"Unavailable","status":503}"#),
        Reply::json(429, r#"{"title":"Slow down","status":429}"#).with_header("Retry-After", "2"),
        Reply::json(200, SI_AUTHORIZED),
    ]);
    let d = delays();
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).unwrap();
    let got = d.borrow().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1], 2000, "Retry-After: 2 is at least 2 s");
    // Every attempt carried the full URL, though each answer overwrote the buffer.
    let uris: Vec<String> = script.seen().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris, vec!["https://api.example.test/setup-intents/si_sandbox_1".to_string(); 3]);
}

#[test]
fn a_429_to_a_create_is_not_resent_its_body_was_overwritten_by_the_answer() {
    let key = key();
    let d = delays();
    let script = Script::new([
        Reply::json(429, r#"{"title":"Slow down","status":429}"#).with_header("Retry-After", "1"),
        Reply::json(200, SI_CREATED),
    ]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 1024];
    let err = client.create_setup_intent(&si_body(), &mut buf).unwrap_err();
    assert!(matches!(err, Error::Api(ref a) if a.kind == ApiErrorKind::TooManyRequests));
    assert_eq!(err.retry_decision(), RetryDecision::Retry, "the caller rebuilds and resends");
    assert_eq!(script.remaining(), 1);
    // Resending builds the body again.
    assert!(client.create_setup_intent(&si_body(), &mut buf).is_ok());
    let seen = script.seen();
    assert_eq!(seen[0].body, seen[1].body);
}

#[test]
fn a_truncated_answer_is_typed_retried_for_a_read_and_unknown_for_a_create() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::truncated(200, SI_AUTHORIZED), Reply::json(200, SI_AUTHORIZED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    assert!(client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).is_ok());
    assert_eq!(d.borrow().len(), 1);

    let script = Script::new([Reply::truncated(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    match client.create_setup_intent(&si_body(), &mut buf) {
        Err(Error::OutcomeUnknown(u)) => {
            assert_eq!(u.operation, Operation::CreateSetupIntent);
            assert!(
                matches!(u.cause, Cause::Truncated { expected, received } if expected == SI_CREATED.len() as u64 && received == SI_CREATED.len() / 2)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(script.remaining(), 0, "a create is never resent");
}

#[test]
fn non_idempotent_requests_are_retried_only_when_the_connection_never_opened() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::InitiateFails, Reply::json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 1024];
    assert!(client.create_setup_intent(&si_body(), &mut buf).is_ok());
    assert_eq!(script.seen().len(), 2);

    // Failing while writing the body: never sent (the server cannot act on an
    // incomplete body, its length is declared), so repeated like a connect failure (the
    // body is still intact in the buffer); given up as a transport error.
    let script = Script::new([Reply::WriteFails, Reply::json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    assert!(client.create_setup_intent(&si_body(), &mut buf).is_ok());
    assert_eq!(script.remaining(), 0);
    let script = Script::new(std::iter::repeat_n(Reply::WriteFails, 4));
    let mut client = client!(key, script, d);
    match client.create_setup_intent(&si_body(), &mut buf) {
        Err(Error::Transport(t)) => assert_eq!(t.phase, Phase::Send),
        other => panic!("{other:?}"),
    }
    assert_eq!(script.remaining(), 0);

    // Dropped after the request went out: outcome unknown, never resent.
    let script = Script::new([Reply::ResponseFails, Reply::json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    let err = client.create_setup_intent(&si_body(), &mut buf).unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");
    assert_eq!(err.retry_decision(), RetryDecision::Reconcile);
    assert_eq!(script.remaining(), 1);

    // A 5xx to a create may have executed: an outcome unknown (as in the desktop
    // adapter), its problem still readable in the buffer; not resent.
    let script = Script::new([
        Reply::json(500, r#"{"title":"Oops","status":500,"traceId":"t-1"}"#),
        Reply::json(200, SI_CREATED),
    ]);
    let mut client = client!(key, script, d);
    let err = client.create_setup_intent(&si_body(), &mut buf).unwrap_err();
    assert!(err.may_have_executed());
    assert_eq!(err.class(), dojo_core::ErrorClass::OutcomeUnknown);
    let api = match &err {
        Error::OutcomeUnknown(u) => match u.cause {
            Cause::ServerError(api) => api,
            ref other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(api.kind, ApiErrorKind::ServerError);
    assert_eq!(api.problem().unwrap().trace_id.unwrap(), "t-1");
    assert_eq!(script.remaining(), 1);
}

#[test]
fn an_outcome_unknown_names_the_intent_of_its_path_whatever_its_query() {
    let key = key();
    let d = delays();
    let si = SetupIntentId::new("si_sandbox_1").unwrap();
    let pi = PaymentIntentId::new("pi_sandbox_1").unwrap();
    let mut buf = [0u8; 1024];
    // `DELETE /setup-intents/{id}?includeAuthorized=true`, its answer lost, then a 5xx.
    for reply in [Reply::ResponseFails, Reply::json(503, r#"{"traceId":"t-9"}"#)] {
        let script = Script::new([reply]);
        let mut client = client!(key, script, d);
        match client.cancel_setup_intent(&si, true, &mut buf).unwrap_err() {
            Error::OutcomeUnknown(u) => {
                assert_eq!(u.setup_intent(), Some(si));
                if let Cause::ServerError(api) = u.cause {
                    assert_eq!(api.trace_id().unwrap(), "t-9");
                }
            }
            other => panic!("{other:?}"),
        }
    }
    // `POST /payment-intents/{id}/charge`, its answer lost.
    let script = Script::new([Reply::ResponseFails]);
    let mut client = client!(key, script, d);
    match client.charge_payment_intent(&pi, &mut buf).unwrap_err() {
        Error::OutcomeUnknown(u) => assert_eq!(u.payment_intent(), Some(pi)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_undecodable_2xx_is_unknown_for_a_create_and_a_decode_error_for_a_read() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::json(200, "<html>proxy</html>"), Reply::json(200, "{\"id\":")]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 1024];
    let err = client.create_setup_intent(&si_body(), &mut buf).unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(ref u) if matches!(u.cause, Cause::Undecodable(_))), "{err:?}");
    let err = client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.retry_decision(), RetryDecision::Stop);
}

#[test]
fn a_4xx_is_the_servers_answer_with_its_problem_details() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::json(404, r#"{"title":"Not Found","status":404,"traceId":"00-xyz"}"#)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let err = client.get_setup_intent(&SetupIntentId::new("si_sandbox_1").unwrap(), &mut buf).unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.kind, ApiErrorKind::NotFound);
    assert_eq!(api.problem().unwrap().trace_id.unwrap(), "00-xyz");
    assert_eq!(err.retry_decision(), RetryDecision::Stop);
    assert!(d.borrow().is_empty());
}

#[test]
fn the_base_url_must_be_https_or_loopback() {
    let key = key();
    let script = Script::new([]);
    let api = Api::new(&key);
    assert!(Client::new(script.connector(), api).with_base_url("http://api.dojo.tech").is_err());
    assert!(Client::new(script.connector(), api).with_base_url("http://127.0.0.1.evil.test").is_err());
    assert!(Client::new(script.connector(), api).with_base_url("http://127.0.0.1:8080").is_ok());
    assert!(Client::new(script.connector(), api).with_base_url("http://localhost").is_ok());
    assert!(Client::new(script.connector(), api).with_base_url("https://api.dojo.tech").is_ok());
}

#[test]
fn a_charge_succeeds_once_and_a_second_is_refused_before_sending() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::json(200, CHARGED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!((report.outcome, report.outcome_was_unknown), (Outcome::Charged, false));
    assert_eq!((report.sends, report.read_backs), (1, 0));
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    let err = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap_err();
    assert!(matches!(err, Error::Lifecycle(_)), "{err:?}");
    assert_eq!(script.seen().len(), 1);
}

#[test]
fn a_declined_charge_is_not_charged_and_not_read_back() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::json(200, DECLINED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Declined(CaptureStatus::Declined)));
    assert_eq!(script.seen().len(), 1);
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
}

#[test]
fn a_charge_dropped_after_commit_is_reconciled_from_the_payment_intent() {
    let key = key();
    let d = delays();
    // The answer is lost; the read-back's first try is dropped too and retried.
    let script = Script::new([Reply::ResponseFails, Reply::ResponseFails, Reply::json(200, PI_CAPTURED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert!(report.outcome_was_unknown);
    assert_eq!((report.read_back, report.anomaly), (Some(PaymentIntentStatus::Captured), None));
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    let seen = script.seen();
    let charges = seen.iter().filter(|s| s.uri.ends_with("/charge")).count();
    assert_eq!(charges, 1, "the charge is not resent once the read-back shows it");
    assert!(seen[1].uri.ends_with("/payment-intents/pi_sandbox_1?returnCanceled=true"));
}

#[test]
fn a_lost_charge_read_back_created_is_resent_never_reported_uncharged() {
    // Before issue 9 this was "not charged": the charge may be queued, so it is resent on
    // the same payment intent (the API charges it at most once).
    let key = key();
    let d = delays();
    let script = Script::new([Reply::truncated(200, CHARGED), Reply::json(200, PI_CREATED), Reply::json(200, CHARGED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!((report.sends, report.read_backs), (2, 1));
    assert!(d.borrow().contains(&SettlePolicy::DEFAULT.delay_ms), "waited before resending: {:?}", d.borrow());
    let charges = script.seen().iter().filter(|s| s.uri.ends_with("/charge")).count();
    assert_eq!(charges, 2);
}

#[test]
fn a_charge_whose_read_back_fails_is_pending_until_reconciled() {
    let key = key();
    let d = delays();
    let mut replies = vec![Reply::ResponseFails];
    replies.extend(std::iter::repeat_n(Reply::ConnectFails, 1 + usize::from(RetryPolicy::DEFAULT.max_retries)));
    replies.push(Reply::json(200, PI_CAPTURED));
    let script = Script::new(replies);
    let mut client =
        client!(key, script, d).with_settle_policy(SettlePolicy { max_read_backs: 1, ..SettlePolicy::DEFAULT });
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::Pending);
    assert_eq!(report.payment_intent.as_str(), "pi_sandbox_1");
    assert_eq!(payment.charge_state(), ChargeState::OutcomeUnknown);
    let refused = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap_err();
    assert!(matches!(refused, Error::Lifecycle(_)));
    let report = client.reconcile_charge(&mut payment, &mut setup, &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(report.read_back, Some(PaymentIntentStatus::Captured));
}

#[test]
fn a_refused_charge_keeps_its_problem_and_a_409_of_an_earlier_charge_is_charged() {
    let key = key();
    let d = delays();
    // Refused, and read back uncharged: the error with its ProblemDetails (the read-back
    // went to the rest of the buffer).
    let script = Script::new([Reply::json(409, PROBLEM_409), Reply::json(200, PI_CREATED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let err = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.kind, ApiErrorKind::Conflict);
    assert_eq!(api.problem().unwrap().trace_id.unwrap(), "00-abc-01");
    assert_eq!(payment.charge_state(), ChargeState::NotAttempted, "the refusal did nothing");

    // Refused because an earlier charge went through: the read-back says so.
    let script = Script::new([Reply::json(409, PROBLEM_409), Reply::json(200, PI_CAPTURED)]);
    let mut client = client!(key, script, d);
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::Charged, "a 409 meant an earlier attempt went through");
}

#[test]
fn a_5xx_charge_and_an_unsettled_status_are_read_back() {
    let key = key();
    let d = delays();
    let script =
        Script::new([Reply::json(502, "bad gateway"), Reply::json(200, PI_CREATED), Reply::json(200, CHARGED)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert!(report.outcome_was_unknown);
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!((report.sends, report.read_backs), (2, 1));

    let script = Script::new([
        Reply::json(200, r#"{"paymentIntentId":"pi_sandbox_1","status":"Created"}"#),
        Reply::json(200, PI_CAPTURED),
    ]);
    let mut client = client!(key, script, d);
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let report = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap();
    assert_eq!(report.charge_status, Some(CaptureStatus::Created));
    assert_eq!(report.outcome, Outcome::Charged);
}

#[test]
fn a_charge_that_never_connected_is_a_transport_error_and_may_be_tried_again() {
    let key = key();
    let d = delays();
    let replies: Vec<Reply> =
        std::iter::repeat_n(Reply::ConnectFails, 1 + usize::from(RetryPolicy::DEFAULT.max_retries)).collect();
    let script = Script::new(replies);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let (mut payment, mut setup) = (created_payment(), authorized_setup());
    let err = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap_err();
    assert!(matches!(err, Error::Transport(ref t) if t.never_sent()), "{err:?}");
    assert_eq!(payment.charge_state(), ChargeState::NotAttempted);
    assert!(script.seen().iter().all(|s| !s.uri.ends_with("/charge")), "no charge request ever started");
}

#[test]
fn a_charge_the_lifecycle_refuses_sends_nothing() {
    let key = key();
    let d = delays();
    let script = Script::new([]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 512];
    let mut payment = created_payment();
    let mut setup = SetupIntentState::new(
        SetupIntentId::new("si_sandbox_1").unwrap(),
        SetupIntentStatus::Created,
        None,
        Some(Money::gbp(1000)),
    );
    let err = client.charge(&mut payment, &mut setup, NOW, &mut buf).unwrap_err();
    assert!(matches!(err, Error::Lifecycle(_)));
    assert_eq!(payment.charge_state(), ChargeState::NotAttempted);
    assert!(script.seen().is_empty());
}

#[derive(Default)]
struct TestKiosk {
    links: Vec<String>,
    waits: Vec<u32>,
    steps: Vec<Step>,
}

impl Kiosk for TestKiosk {
    fn show_checkout(&mut self, link: &str) {
        self.links.push(link.to_string());
    }
    fn now(&mut self) -> Timestamp {
        NOW
    }
    fn wait_ms(&mut self, ms: u32) {
        self.waits.push(ms);
    }
    fn progress(&mut self, step: Step) {
        self.steps.push(step);
    }
}

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

#[test]
fn the_kiosk_flow_runs_end_to_end() {
    let key = key();
    let d = delays();
    let script = Script::new([
        Reply::json(200, SI_CREATED),
        Reply::json(200, SI_CREATED),
        Reply::ResponseFails, // a poll's read is retried
        Reply::json(200, SI_AUTHORIZED),
        Reply::json(200, PI_CREATED),
        Reply::json(200, CHARGED),
        Reply::json(200, SI_COMPLETED),
    ]);
    let mut client = client!(key, script, d);
    let mut kiosk = TestKiosk::default();
    let mut buf = [0u8; 1024];
    let poll = PollPolicy { interval_ms: 1500, max_polls: 10 };
    let mut report = NoShowReport::default();
    let end = client.run_no_show(&FEE, poll, &mut kiosk, &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::Charged);
    assert_eq!(report.setup.unwrap().status(), SetupIntentStatus::Completed);
    assert_eq!(report.payment.unwrap().status(), PaymentIntentStatus::Captured);
    assert_eq!(kiosk.links, ["https://pay.dojo.tech/checkout/si_sandbox_1"]);
    assert_eq!(kiosk.waits, [1500, 1500]);
    assert!(kiosk.steps.contains(&Step::Confirmed(SetupIntentStatus::Completed)));
    assert_eq!(script.remaining(), 0);
    let seen = script.seen();
    let pi_body = std::str::from_utf8(&seen[4].body).unwrap();
    assert!(pi_body.contains(r#""setupIntentId":"si_sandbox_1""#) && pi_body.contains(r#""value":1000"#));
}

#[test]
fn the_kiosk_flow_stops_when_the_customer_never_authorizes() {
    let key = key();
    let d = delays();
    let expired = r#"{"id":"si_sandbox_1","status":"Expired"}"#;
    let script = Script::new([Reply::json(200, SI_CREATED), Reply::json(200, SI_CREATED), Reply::json(200, expired)]);
    let mut client = client!(key, script, d);
    let mut kiosk = TestKiosk::default();
    let mut buf = [0u8; 1024];
    let mut report = NoShowReport::default();
    let end = client
        .run_no_show(&FEE, PollPolicy { interval_ms: 1, max_polls: 10 }, &mut kiosk, &mut report, &mut buf)
        .unwrap();
    assert_eq!(end, FlowEnd::NotAuthorized(Waited::Ended(SetupIntentStatus::Expired)));
    assert!(report.payment.is_none());

    let script =
        Script::new([Reply::json(200, SI_CREATED), Reply::json(200, SI_CREATED), Reply::json(200, SI_CREATED)]);
    let mut client = client!(key, script, d);
    let mut report = NoShowReport::default();
    let end = client
        .run_no_show(&FEE, PollPolicy { interval_ms: 1, max_polls: 2 }, &mut kiosk, &mut report, &mut buf)
        .unwrap();
    assert_eq!(end, FlowEnd::NotAuthorized(Waited::TimedOut));
}

#[test]
fn the_kiosk_flow_reports_a_server_refusal_with_its_problem() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::json(401, r#"{"title":"Unauthorized","status":401,"traceId":"t-401"}"#)]);
    let mut client = client!(key, script, d);
    let mut kiosk = TestKiosk::default();
    let mut buf = [0u8; 1024];
    let mut report = NoShowReport::default();
    let err = client.run_no_show(&FEE, PollPolicy::DEFAULT, &mut kiosk, &mut report, &mut buf).unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.kind, ApiErrorKind::Unauthorized);
    assert_eq!(api.problem().unwrap().trace_id.unwrap(), "t-401");
}

#[test]
fn errors_never_show_the_key() {
    let key = key();
    let d = delays();
    let script = Script::new([Reply::ResponseFails, Reply::json(401, r#"{"title":"Unauthorized"}"#)]);
    let mut client = client!(key, script, d);
    let mut buf = [0u8; 1024];
    let e = client.create_setup_intent(&si_body(), &mut buf).unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("secret_c0ffee"), "{shown}");
    let e = client.create_setup_intent(&si_body(), &mut buf).unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("secret_c0ffee"), "{shown}");
}

#[test]
fn the_error_stays_small() {
    // An ESP32 task's stack is small: the error returned up it stays within clippy's
    // `result_large_err` bound. Most of it is an outcome unknown's subject: the intent's
    // id (51 bytes) and the idempotency key, as the desktop adapter's.
    let size = std::mem::size_of::<Error<'static, MockError>>();
    assert!(size <= 128, "{size} bytes");
}
