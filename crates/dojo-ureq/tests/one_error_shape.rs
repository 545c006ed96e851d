//! One error shape (issue 9): the same failures, driven through both adapters — this
//! crate's client and dojo-embedded-svc's — give the same `ClientError` variant, the
//! same class, retry decision and operation, the same outcome-unknown subject (intent,
//! idempotency key, attempts) and the same words for the server's answer.
//!
//! Both run against the emulator in process (`dojo_sandbox::InProcess`: ureq through its
//! connector, the kiosk through its `embedded_svc` connection) with the same faults, and
//! against a loopback TCP server for what the emulator cannot say (a 2xx that does not
//! decode, a refused connection).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../../dojo-embedded-svc/tests/common/tcp.rs"]
#[allow(dead_code, unreachable_pub)]
mod tcp;

use std::fmt::{Debug, Display};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use dojo_core::client_error::{Answer, Cause, ClientError, Intent, Phase};
use dojo_core::exchange::RetryPolicy;
use dojo_core::request::{Api, CreateRefundRequest, CreateSetupIntentRequest, Operation};
use dojo_core::{
    ApiKey, ErrorClass, MerchantInitiatedTransactionType, Money, PaymentIntentId, RetryDecision, SetupIntentId,
};
use dojo_sandbox::inprocess::BASE_URL;
use dojo_sandbox::{Config, Fault, FaultKind, InProcess, Route};

/// The same policy on both: 3 retries, no wait (the desktop sleeps for real), a
/// `Retry-After` up to 30 s honoured.
const POLICY: RetryPolicy =
    RetryPolicy { max_retries: 3, base_delay_ms: 0, max_delay_ms: 0, max_retry_after_ms: 30_000 };

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_test").unwrap()
}

fn pi() -> PaymentIntentId {
    PaymentIntentId::new("pi_sandbox_shape1").unwrap()
}

fn si() -> SetupIntentId {
    SetupIntentId::new("si_sandbox_shape1").unwrap()
}

fn create_body() -> CreateSetupIntentRequest<'static> {
    CreateSetupIntentRequest::new("Table 12", "No-show fee", MerchantInitiatedTransactionType::NoShow, Money::gbp(1000))
}

/// What a caller matching the error sees, whatever the adapter.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    variant: &'static str,
    class: ErrorClass,
    decision: RetryDecision,
    operation: Option<Operation>,
    /// An outcome unknown's subject and cause; a transport error's phase and attempts.
    intent: Option<Intent>,
    key: Option<String>,
    attempts: Option<u8>,
    phase: Option<Phase>,
    cause: Option<String>,
    /// The server's answer (status and words, its trace id left out: each emulator
    /// makes its own).
    answer: Option<(u16, String)>,
    /// The message, but for the transport's own error in it.
    message: String,
}

fn words<A: Display>(a: &A) -> String {
    let text = a.to_string();
    match (text.find(" [traceId "), text.find("] —")) {
        (Some(at), Some(end)) => format!("{}{}", &text[..at], &text[end + 1..]),
        _ => text,
    }
}

/// A cause as the caller can tell it: the kiosk reads `Content-Length` itself and says
/// `Truncated`; ureq says so in its I/O error. Both are an answer lost after sending.
fn cause<A: Answer + Display, T>(c: &Cause<A, T>) -> String {
    match c {
        Cause::Io(_) | Cause::Truncated { .. } | Cause::WriteZero => "lost".into(),
        Cause::Undecodable(_) => "undecodable".into(),
        Cause::ServerError(a) => format!("server error {}: {}", a.status(), words(a)),
        Cause::TooLarge(r) => format!("too large {}", r.status),
        other => panic!("a cause this test does not know: {}", std::any::type_name_of_val(other)),
    }
}

fn shape<A: Answer + Display, T: Debug, K: Display>(e: &ClientError<A, T, K>) -> Shape {
    let mut s = Shape {
        variant: "",
        class: e.class(),
        decision: e.retry_decision(),
        operation: e.operation(),
        intent: None,
        key: None,
        attempts: None,
        phase: None,
        cause: None,
        answer: None,
        message: String::new(),
    };
    s.variant = match e {
        ClientError::Api(a) => {
            s.answer = Some((a.status(), words(a)));
            s.message = words(e);
            "Api"
        }
        ClientError::OutcomeUnknown(u) => {
            s.intent = u.intent;
            s.key = u.idempotency_key.as_ref().map(ToString::to_string);
            s.attempts = Some(u.attempts);
            s.cause = Some(cause(&u.cause));
            // The words around the cause (the cause names the transport's own error).
            let text = e.to_string();
            let head = text.split(" may have executed").next().unwrap_or_default().to_owned();
            let tail = text.rsplit(" — ").next().unwrap_or_default().to_owned();
            s.message = format!("{head} … {tail}");
            "OutcomeUnknown"
        }
        ClientError::Transport(t) => {
            s.phase = Some(t.phase);
            s.attempts = Some(t.attempts);
            s.cause = Some(cause(&t.cause));
            s.message = e.to_string().rsplit(" — ").next().unwrap_or_default().to_owned();
            "Transport"
        }
        ClientError::Decode { .. } => {
            s.message = e.to_string();
            "Decode"
        }
        ClientError::ResponseTooLarge(_) => "ResponseTooLarge",
        other => panic!("a variant this test does not expect: {other}"),
    };
    s
}

/// One failure, as each adapter reports it.
#[derive(Clone, Copy)]
enum Call {
    CreateSetupIntent,
    GetSetupIntent,
    GetPaymentIntent,
    Charge,
    Refund,
}

fn desktop(client: &dojo_ureq::Client, call: Call) -> Shape {
    let e = match call {
        Call::CreateSetupIntent => client.create_setup_intent(&create_body()).unwrap_err(),
        Call::GetSetupIntent => client.get_setup_intent(&si()).unwrap_err(),
        Call::GetPaymentIntent => client.get_payment_intent(&pi(), false).unwrap_err(),
        Call::Charge => client.charge_payment_intent(&pi()).unwrap_err(),
        Call::Refund => {
            client.refund_payment_intent_with_key(&pi(), "key-1", &CreateRefundRequest::new(100)).unwrap_err()
        }
    };
    shape(&e)
}

fn kiosk<C: dojo_embedded_svc::Connect, D: dojo_embedded_svc::Delay>(
    client: &mut dojo_embedded_svc::Client<'_, C, D>,
    call: Call,
) -> Shape {
    let mut buf = [0u8; 4096];
    match call {
        Call::CreateSetupIntent => shape(&client.create_setup_intent(&create_body(), &mut buf).unwrap_err()),
        Call::GetSetupIntent => shape(&client.get_setup_intent(&si(), &mut buf).unwrap_err()),
        Call::GetPaymentIntent => shape(&client.get_payment_intent(&pi(), false, &mut buf).unwrap_err()),
        Call::Charge => shape(&client.charge_payment_intent(&pi(), &mut buf).unwrap_err()),
        Call::Refund => {
            let body = CreateRefundRequest::new(100);
            shape(&client.refund_payment_intent(&pi(), "key-1", &body, &mut buf).unwrap_err())
        }
    }
}

/// Both adapters against a fresh in-process emulator with `faults`: their shapes, and
/// the `Retry-After` each kept (the desktop's in its answer, the kiosk's on its client).
fn in_process(faults: &[Fault], call: Call) -> (Shape, Shape, Option<u64>, Option<u64>) {
    let peer = InProcess::new(&Config::in_process());
    for f in faults {
        peer.with(|emu, _| emu.add_fault(*f));
    }
    let desktop_client = dojo_ureq::Client::builder(key())
        .base_url(BASE_URL)
        .transport(peer.ureq_connector(), peer.ureq_resolver())
        .retry(POLICY)
        .build()
        .unwrap();
    let d = desktop(&desktop_client, call);
    let desktop_retry_after = match call {
        Call::GetPaymentIntent => desktop_client.get_payment_intent(&pi(), false).err(),
        _ => None,
    };
    let desktop_retry_after =
        desktop_retry_after.and_then(|e| e.api().and_then(|a| a.retry_after())).map(|d| d.as_secs());

    let peer = InProcess::new(&Config::in_process());
    for f in faults {
        peer.with(|emu, _| emu.add_fault(*f));
    }
    let key = key();
    let clock = peer.clone();
    let mut kiosk_client = dojo_embedded_svc::Client::new(peer.connector(), Api::new(&key))
        .with_base_url(BASE_URL)
        .unwrap()
        .with_retries(POLICY, 7, move |ms: u32| clock.advance_clock(Duration::from_millis(u64::from(ms))));
    let k = kiosk(&mut kiosk_client, call);
    let kiosk_retry_after = match call {
        Call::GetPaymentIntent => {
            let mut buf = [0u8; 4096];
            let _ = kiosk_client.get_payment_intent(&pi(), false, &mut buf);
            kiosk_client.last_retry_after_s().map(u64::from)
        }
        _ => None,
    };
    (d, k, desktop_retry_after, kiosk_retry_after)
}

fn every(route: Route, kind: FaultKind) -> Fault {
    Fault { route, kind, times: None, probability: 1.0 }
}

/// Asserts both adapters agree, and returns the shape for scenario-specific checks.
fn same(faults: &[Fault], call: Call) -> Shape {
    let (d, k, _, _) = in_process(faults, call);
    assert_eq!(d, k, "desktop (left) and kiosk (right) disagree");
    d
}

#[test]
fn a_400_problem_is_the_same_api_error() {
    let s = same(&[Fault::once(Route::CreateSetupIntent, FaultKind::Status(400))], Call::CreateSetupIntent);
    assert_eq!((s.variant, s.class), ("Api", ErrorClass::Api(dojo_core::problem::ApiErrorKind::BadRequest)));
    assert_eq!(s.decision, RetryDecision::Stop);
    assert_eq!(s.answer.as_ref().map(|a| a.0), Some(400));
}

#[test]
fn a_404_is_the_same_api_error_with_the_same_words() {
    let s = same(&[], Call::GetPaymentIntent);
    assert_eq!((s.variant, s.class), ("Api", ErrorClass::Api(dojo_core::problem::ApiErrorKind::NotFound)));
    assert!(s.message.contains("check the id"), "{s:?}");
}

#[test]
fn a_409_to_a_charge_is_the_same_api_error() {
    let s = same(&[Fault::once(Route::ChargePaymentIntent, FaultKind::Status(409))], Call::Charge);
    assert_eq!((s.variant, s.class), ("Api", ErrorClass::Api(dojo_core::problem::ApiErrorKind::Conflict)));
    assert_eq!(s.decision, RetryDecision::Stop);
}

#[test]
fn a_read_answered_5xx_until_the_retries_run_out_is_the_same_api_error() {
    let s = same(&[every(Route::GetPaymentIntent, FaultKind::Status(503))], Call::GetPaymentIntent);
    assert_eq!((s.variant, s.decision), ("Api", RetryDecision::Retry));
    assert_eq!(s.answer.as_ref().map(|a| a.0), Some(503));
}

#[test]
fn a_5xx_to_a_charge_is_the_same_outcome_unknown_naming_the_payment_intent() {
    let s = same(&[Fault::once(Route::ChargePaymentIntent, FaultKind::Status(502))], Call::Charge);
    assert_eq!((s.variant, s.decision), ("OutcomeUnknown", RetryDecision::Reconcile));
    assert_eq!((s.intent, s.attempts, s.key.as_deref()), (Some(Intent::Payment(pi())), Some(1), None));
    assert!(s.cause.as_deref().unwrap().starts_with("server error 502"), "{s:?}");
    assert!(s.message.starts_with("outcome unknown: charge_payment_intent of pi_sandbox_shape1 …"), "{s:?}");
    assert!(s.message.ends_with("read pi_sandbox_shape1 back and reconcile before trying again"), "{s:?}");
}

#[test]
fn a_keyed_refund_answered_5xx_is_the_same_outcome_unknown_naming_its_key() {
    let s = same(&[every(Route::RefundPaymentIntent, FaultKind::Status(503))], Call::Refund);
    assert_eq!(s.variant, "OutcomeUnknown");
    assert_eq!((s.intent, s.key.as_deref()), (Some(Intent::Payment(pi())), Some("key-1")));
    assert_eq!(s.attempts, Some(POLICY.max_retries + 1), "repeated with its key, then unknown");
    assert!(s.message.contains("retry with the same idempotency key key-1"), "{s:?}");
}

#[test]
fn a_429_with_retry_after_is_the_same_api_error_and_both_keep_the_wait() {
    let slow_down = every(
        Route::GetPaymentIntent,
        FaultKind::StatusRetryAfter { status: 429, retry_after: Duration::from_secs(60) },
    );
    let (d, k, desktop_wait, kiosk_wait) = in_process(&[slow_down], Call::GetPaymentIntent);
    assert_eq!(d, k);
    assert_eq!((d.variant, d.decision), ("Api", RetryDecision::Retry));
    assert_eq!(d.answer.as_ref().map(|a| a.0), Some(429));
    assert_eq!((desktop_wait, kiosk_wait), (Some(60), Some(60)), "longer than the policy waits: handed to the caller");
    // Never repeated for a charge: refused, nothing happened.
    let charge = Fault::once(
        Route::ChargePaymentIntent,
        FaultKind::StatusRetryAfter { status: 429, retry_after: Duration::from_secs(1) },
    );
    let s = same(&[charge], Call::Charge);
    assert_eq!((s.variant, s.decision), ("Api", RetryDecision::Retry));
}

#[test]
fn a_charge_dropped_before_or_after_commit_is_the_same_outcome_unknown() {
    for kind in [FaultKind::DropBeforeCommit, FaultKind::DropAfterCommit, FaultKind::TruncateBody] {
        let s = same(&[Fault::once(Route::ChargePaymentIntent, kind)], Call::Charge);
        assert_eq!((s.variant, s.class), ("OutcomeUnknown", ErrorClass::OutcomeUnknown), "{kind:?}");
        assert_eq!((s.intent, s.cause.as_deref(), s.attempts), (Some(Intent::Payment(pi())), Some("lost"), Some(1)));
    }
}

#[test]
fn a_read_dropped_or_cut_short_every_time_is_the_same_transport_error() {
    for kind in [FaultKind::DropBeforeCommit, FaultKind::TruncateBody] {
        let s = same(&[every(Route::GetPaymentIntent, kind)], Call::GetPaymentIntent);
        assert_eq!((s.variant, s.decision), ("Transport", RetryDecision::Retry), "{kind:?}");
        assert_eq!((s.phase, s.attempts), (Some(Phase::Receive), Some(POLICY.max_retries + 1)));
        assert!(s.message.contains("nothing changed on the server"), "{s:?}");
    }
}

/// A loopback server answering every connection with `answer`, for `connections`
/// connections; its address.
fn serve(answer: &'static str, connections: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((stream, _)) = listener.accept() else { return };
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let _ = reader.get_mut().write_all(answer.as_bytes());
        }
    });
    addr
}

fn over_tcp(addr: SocketAddr, call: Call) -> (Shape, Shape) {
    let desktop_client =
        dojo_ureq::Client::builder(key()).base_url(&format!("http://{addr}")).retry(POLICY).build().unwrap();
    let d = desktop(&desktop_client, call);
    let key = key();
    let base = format!("http://{addr}");
    let mut kiosk_client = dojo_embedded_svc::Client::new(move || Ok(tcp::TcpConnection::new(addr)), Api::new(&key))
        .with_base_url(&base)
        .unwrap()
        .with_retries(POLICY, 7, dojo_embedded_svc::NoDelay);
    (d, kiosk(&mut kiosk_client, call))
}

#[test]
fn an_undecodable_2xx_is_the_same_outcome_unknown_for_a_create_and_decode_error_for_a_read() {
    const BAD: &str =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"id\":7}";
    let (d, k) = over_tcp(serve(BAD, 2), Call::CreateSetupIntent);
    assert_eq!(d, k);
    assert_eq!((d.variant, d.intent, d.cause.as_deref()), ("OutcomeUnknown", None, Some("undecodable")));
    assert!(d.message.ends_with("search for it before creating it again"), "{d:?}");
    let (d, k) = over_tcp(serve(BAD, 2), Call::GetSetupIntent);
    assert_eq!(d, k);
    assert_eq!((d.variant, d.class, d.operation), ("Decode", ErrorClass::Decode, Some(Operation::GetSetupIntent)));
}

#[test]
fn a_refused_connection_is_the_same_transport_error_never_sent() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let (d, k) = over_tcp(addr, Call::Charge);
    assert_eq!(d, k);
    assert_eq!((d.variant, d.phase, d.attempts), ("Transport", Some(Phase::Connect), Some(POLICY.max_retries + 1)));
    assert!(d.message.contains("never reached the server"), "{d:?}");
}
