//! The client against a scripted loopback server: each connection gets the next action
//! (answer, close, stall). Covers the transport rules without the emulator; the emulator
//! tests (`sandbox.rs`) cover them against real state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dojo_core::request::{CreateSetupIntentRequest, Operation};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money, PaymentIntentId, SetupIntentId};
use dojo_ureq::Cause;
use dojo_ureq::{Client, Error, RetryPolicy, Timeouts};

const SI: &str = r#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Created","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;

enum Action {
    /// Answer with this status, extra headers and body.
    Answer(u16, &'static str, &'static str),
    /// Answer 200 with a body of this many bytes.
    Big(usize),
    /// Write these bytes (a whole answer, head and body), then close.
    Raw(String),
    /// Read the request, then close without answering.
    Close,
    /// Read the request, then wait this long before closing.
    Stall(Duration),
}

struct Server {
    base: String,
    connections: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_request(s: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    loop {
        let Ok(n) = s.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let Ok(n) = s.read(&mut chunk) else { return };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return;
        }
    }
}

/// Serves `actions`, one per connection (each connection closes after its action), and
/// stops after the last or after 10 s.
fn serve(actions: Vec<Action>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let thread = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        for action in actions {
            let mut stream = loop {
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
                    Err(_) => return,
                }
            };
            stream.set_nonblocking(false).unwrap();
            count.fetch_add(1, Ordering::SeqCst);
            read_request(&mut stream);
            match action {
                Action::Answer(status, headers, body) => {
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body.as_bytes());
                }
                Action::Big(n) => {
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n");
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&vec![b' '; n]);
                }
                Action::Raw(bytes) => {
                    let _ = stream.write_all(bytes.as_bytes());
                }
                Action::Close => {}
                Action::Stall(d) => std::thread::sleep(d),
            }
        }
    });
    Server { base, connections, thread: Some(thread) }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy { max_retries: 2, base_delay_ms: 5, max_delay_ms: 20, max_retry_after_ms: 2000 }
}

fn client(base: &str) -> Client {
    Client::builder(ApiKey::new("sk_sandbox_test").unwrap())
        .base_url(base)
        .retry(quick_retry())
        .timeouts(Timeouts { connect: Duration::from_secs(2), call: Duration::from_secs(2) })
        .build()
        .unwrap()
}

fn si_id() -> SetupIntentId {
    SetupIntentId::new("si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").unwrap()
}

fn pi_id() -> PaymentIntentId {
    PaymentIntentId::new("pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ").unwrap()
}

fn create_body() -> CreateSetupIntentRequest<'static> {
    CreateSetupIntentRequest::new("Table 12", "No-show fee", MerchantInitiatedTransactionType::NoShow, Money::gbp(1000))
}

#[test]
fn connection_refused_is_retried_even_for_a_create_and_reported_as_never_sent() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"));
    let Err(Error::Transport(t)) = c.create_setup_intent(&create_body()) else { panic!("expected a transport error") };
    assert!(t.never_sent());
    assert_eq!(t.attempts, 3, "the first attempt and two retries");
    assert_eq!(t.operation, Operation::CreateSetupIntent);
    assert!(t.to_string().contains("never reached the server"), "{t}");
}

#[test]
fn a_dropped_read_is_retried_and_succeeds() {
    let server = serve(vec![Action::Close, Action::Answer(200, "", SI)]);
    let answer = client(&server.base).get_setup_intent(&si_id()).unwrap();
    assert_eq!(answer.attempts(), 2);
    assert_eq!(answer.get().id, si_id());
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
}

#[test]
fn a_dropped_charge_is_outcome_unknown_and_not_retried() {
    let server = serve(vec![Action::Close]);
    let err = client(&server.base).charge_payment_intent(&pi_id()).unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("expected outcome unknown, got {err:?}") };
    assert_eq!(u.operation, Operation::ChargePaymentIntent);
    assert_eq!(u.payment_intent(), Some(pi_id()));
    assert!(matches!(u.cause, Cause::Io(_)), "{:?}", u.cause);
    assert_eq!(u.attempts, 1);
    drop(server);
}

#[test]
fn a_charge_that_times_out_after_sending_is_outcome_unknown() {
    let server = serve(vec![Action::Stall(Duration::from_millis(1500))]);
    let c = client(&server.base)
        .with_timeouts(Timeouts { connect: Duration::from_secs(1), call: Duration::from_millis(300) });
    let started = Instant::now();
    let err = c.charge_payment_intent(&pi_id()).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1400), "the per-call timeout applied");
    let Error::OutcomeUnknown(u) = err else { panic!("expected outcome unknown, got {err:?}") };
    assert!(matches!(&u.cause, Cause::Io(e) if matches!(**e, ureq::Error::Timeout(_))), "{:?}", u.cause);
    assert!(u.to_string().contains("read pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ back"), "{u}");
}

#[test]
fn retry_after_is_honoured_for_reads() {
    let problem = r#"{"title":"Service Unavailable","status":503,"traceId":"00-t-01"}"#;
    let server = serve(vec![Action::Answer(503, "retry-after: 1\r\n", problem), Action::Answer(200, "", SI)]);
    let started = Instant::now();
    let answer = client(&server.base).get_setup_intent(&si_id()).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for Retry-After");
    assert_eq!(answer.attempts(), 2);
}

#[test]
fn a_retry_after_beyond_the_policy_is_returned_not_waited_for() {
    let problem = r#"{"title":"Too Many Requests","status":429}"#;
    let server = serve(vec![Action::Answer(429, "retry-after: 120\r\n", problem)]);
    let err = client(&server.base).get_setup_intent(&si_id()).unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status(), 429);
    assert_eq!(api.retry_after(), Some(Duration::from_secs(120)));
}

#[test]
fn a_5xx_to_a_create_is_outcome_unknown_with_the_problem_kept() {
    let problem = r#"{"title":"Internal Server Error","status":500,"traceId":"00-abc-01"}"#;
    let server = serve(vec![Action::Answer(500, "", problem)]);
    let err = client(&server.base).create_setup_intent(&create_body()).unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("expected outcome unknown, got {err:?}") };
    let Cause::ServerError(api) = &u.cause else { panic!("{:?}", u.cause) };
    assert_eq!(api.trace_id().as_deref(), Some("00-abc-01"));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[test]
fn a_2xx_that_does_not_decode() {
    let server = serve(vec![Action::Answer(200, "", "{\"status\":\"Created\"}"), Action::Answer(200, "", "<html>")]);
    let c = client(&server.base);
    let Err(Error::OutcomeUnknown(u)) = c.create_setup_intent(&create_body()) else { panic!("create") };
    assert!(matches!(u.cause, Cause::Undecodable(_)));
    let err = c.get_setup_intent(&si_id()).unwrap_err();
    assert!(matches!(err, Error::Decode { operation: Some(Operation::GetSetupIntent), .. }), "{err:?}");
}

#[test]
fn error_answers_keep_their_problem_details() {
    let problem = r#"{"type":"https://x/404","title":"Not Found","status":404,"traceId":"00-nf-01"}"#;
    let server = serve(vec![Action::Answer(404, "", problem)]);
    let err = client(&server.base).get_setup_intent(&si_id()).unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.kind(), dojo_core::problem::ApiErrorKind::NotFound);
    assert_eq!(api.title().as_deref(), Some("Not Found"));
    let text = err.to_string();
    assert!(text.contains("404") && text.contains("00-nf-01") && text.contains("check the id"), "{text}");
}

#[test]
fn the_key_is_never_printed() {
    let c = client("http://127.0.0.1:1");
    let debug = format!("{c:?}");
    assert!(!debug.contains("sk_sandbox_test"), "{debug}");
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    let key = || ApiKey::new("sk_sandbox_test").unwrap();
    assert!(matches!(Client::builder(key()).base_url("http://api.dojo.tech").build(), Err(Error::Config(_))));
    assert!(matches!(Client::builder(key()).base_url("http://192.168.1.2:8080").build(), Err(Error::Config(_))));
    assert!(Client::builder(key()).base_url("http://localhost:8080").build().is_ok());
    assert_eq!(Client::new(key()).unwrap().base_url(), "https://api.dojo.tech");
}

#[test]
fn idempotency_keys_are_fresh_and_valid() {
    let a = dojo_ureq::new_idempotency_key().unwrap();
    let b = dojo_ureq::new_idempotency_key().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 40);
    dojo_core::request::validate_idempotency_key(&a).unwrap();
}

#[test]
fn a_refund_answered_5xx_until_retries_run_out_is_outcome_unknown_with_its_key() {
    let problem = r#"{"title":"Bad Gateway","status":502}"#;
    let server = serve(vec![
        Action::Answer(502, "", problem),
        Action::Answer(502, "", problem),
        Action::Answer(502, "", problem),
    ]);
    let body = dojo_core::request::CreateRefundRequest::new(dojo_core::Money::gbp(100));
    let err = client(&server.base).refund_payment_intent_with_key(&pi_id(), "key-1", &body).unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("{err:?}") };
    assert_eq!((u.attempts, u.idempotency_key.as_deref()), (3, Some("key-1")), "retried with its key");
    assert!(matches!(u.cause, Cause::ServerError(_)));
    assert!(u.to_string().contains("retry with the same idempotency key key-1"), "{u}");
}

#[test]
fn an_answer_over_the_size_limit_is_never_taken_for_unsent() {
    let too_big = usize::try_from(dojo_ureq::MAX_RESPONSE_BYTES).unwrap() + 1;
    let server = serve(vec![Action::Big(too_big), Action::Big(too_big)]);
    let c = client(&server.base);
    let err = c.create_setup_intent(&create_body()).unwrap_err();
    let Error::OutcomeUnknown(u) = &err else { panic!("{err:?}") };
    assert!(matches!(u.cause, Cause::TooLarge(r) if r.status == 200), "{err:?}");
    // A read's answer too large is the kiosk's `ResponseTooLarge` (dojo-core's exchange:
    // repeating it would bring the same answer).
    let err = c.get_setup_intent(&si_id()).unwrap_err();
    let Error::ResponseTooLarge(r) = &err else { panic!("{err:?}") };
    assert_eq!((r.operation, r.status, r.capacity), (Operation::GetSetupIntent, 200, too_big - 1));
    assert_eq!(r.content_length, Some(u64::try_from(too_big).unwrap()), "the announced length is reported");
    assert_eq!(err.class(), dojo_core::ErrorClass::ResponseTooLarge);
}

/// The body is read into a buffer made for the announced length: an answer without one
/// (chunked), one announcing more than it sends, and one announcing far more than the
/// buffer made up front are read as before.
#[test]
fn answers_are_read_whatever_length_they_announce() {
    let chunked = |body: &str| {
        let (a, b) = body.split_at(body.len() / 2);
        format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        )
    };
    let short = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SI}", SI.len() + 10);
    let huge = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SI}", 1u64 << 40);
    let server =
        serve(vec![Action::Raw(chunked(SI)), Action::Raw(short.clone()), Action::Raw(short), Action::Raw(huge)]);
    let c = client(&server.base).with_retry(RetryPolicy { max_retries: 1, ..quick_retry() });
    let answer = c.get_setup_intent(&si_id()).unwrap();
    assert_eq!((answer.body(), answer.get().id), (SI.as_bytes(), si_id()));
    // Ten bytes short, twice (a read is retried once): the connection's end is an error.
    let err = c.get_setup_intent(&si_id()).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    // Announcing a terabyte, sending 120 bytes: no buffer of that size is made; the
    // connection's end is the error, as for any short answer (only bytes past the limit
    // make an answer too large).
    let err = c.with_retry(RetryPolicy { max_retries: 0, ..quick_retry() }).get_setup_intent(&si_id()).unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.attempts == 1), "{err:?}");
}

#[test]
fn send_with_decodes_once_and_names_the_intent_in_errors() {
    let server = serve(vec![Action::Answer(200, "", SI), Action::Close, Action::Close]);
    let c = client(&server.base);
    let id = si_id();
    let status = c.send_with(|api, _| api.get_setup_intent(&id), |si| si.status).unwrap();
    assert_eq!(status, dojo_core::SetupIntentStatus::Created);
    let pi = pi_id();
    let err = c.send_with(|api, _| api.charge_payment_intent(&pi), |charge| charge.status).unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("{err:?}") };
    assert_eq!(u.payment_intent(), Some(pi));
    let body = dojo_core::request::CreateRefundRequest::new(dojo_core::Money::gbp(100));
    let err = c
        .with_retry(RetryPolicy::NONE)
        .send_with(|api, buf| api.refund_payment_intent(&pi, "key-7", &body, buf), |r| r.refund_id.is_some())
        .unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("{err:?}") };
    assert_eq!((u.payment_intent(), u.idempotency_key.as_deref()), (Some(pi), Some("key-7")));
}

#[test]
fn a_dropped_create_payment_intent_names_the_setup_intent_from_its_body() {
    let server = serve(vec![Action::Close]);
    let body = dojo_core::request::CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), si_id());
    let err = client(&server.base).create_payment_intent(&body).unwrap_err();
    let Error::OutcomeUnknown(u) = err else { panic!("expected outcome unknown, got {err:?}") };
    assert_eq!(u.operation, Operation::CreatePaymentIntent);
    assert_eq!((u.setup_intent(), u.payment_intent()), (Some(si_id()), None));
    assert!(u.to_string().contains(si_id().as_str()), "{u}");
    drop(server);
}
