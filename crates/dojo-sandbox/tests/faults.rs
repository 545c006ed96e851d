//! Every fault kind, over real loopback HTTP, through the Rust API and the HTTP controls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use common::Client;
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};

/// An Authorized setup intent and a Created payment intent from it: `(si, pi)`.
fn chargeable(_sb: &Sandbox, c: &Client) -> (String, String) {
    let si = c.api(
        "POST",
        "/setup-intents",
        Some(r#"{"reference":"T1","terms":"fee","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":"1000","currencyCode":"GBP"}}"#),
    );
    assert_eq!(si.status, 200, "{}", si.text());
    let si = si.json()["id"].as_str().unwrap().to_owned();
    let a = c.raw(
        "POST",
        &format!("/_sandbox/setup-intents/{si}/authorize"),
        &[],
        br#"{"cardNumber":"5200000000001005","expiry":"12/29"}"#,
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["outcome"], "Authorized");
    let body = format!(r#"{{"amount":{{"value":1000,"currencyCode":"GBP"}},"reference":"r","setupIntentId":"{si}"}}"#);
    let pi = c.api("POST", "/payment-intents", Some(&body));
    assert_eq!(pi.status, 200, "{}", pi.text());
    (si, pi.json()["id"].as_str().unwrap().to_owned())
}

fn status_of(c: &Client, pi: &str) -> String {
    c.api("GET", &format!("/payment-intents/{pi}"), None).json()["status"].as_str().unwrap().to_owned()
}

fn charge(c: &Client, pi: &str) -> Result<common::Answer, ureq::Error> {
    let auth = format!("Basic {}", common::KEY);
    c.try_raw(
        "POST",
        &format!("/payment-intents/{pi}/charge"),
        &[("Authorization", &auth), ("version", "2026-02-27")],
        b"",
    )
}

#[test]
fn status_fault_leaves_state_untouched() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (_, pi) = chargeable(&sb, &c);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Status(503)));
    let a = charge(&c, &pi).unwrap();
    assert_eq!(a.status, 503);
    assert_eq!(a.json()["status"], 503);
    assert!(a.json()["traceId"].is_string());
    assert_eq!(status_of(&c, &pi), "Created");
    assert_eq!(sb.charge_attempts(&pi), 0);
    // Used up: the next charge goes through.
    assert_eq!(charge(&c, &pi).unwrap().status, 200);
    assert_eq!(sb.captures(&pi).len(), 1);
}

#[test]
fn drop_before_commit_changes_nothing() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (si, pi) = chargeable(&sb, &c);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit));
    assert!(charge(&c, &pi).is_err(), "no answer expected");
    assert_eq!(status_of(&c, &pi), "Created");
    assert_eq!(c.api("GET", &format!("/setup-intents/{si}"), None).json()["status"], "Authorized");
    assert!(sb.captures(&pi).is_empty());
    assert_eq!(sb.charge_attempts(&pi), 0);
}

#[test]
fn drop_after_commit_charges_once() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (si, pi) = chargeable(&sb, &c);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropAfterCommit));
    assert!(charge(&c, &pi).is_err(), "no answer expected");
    assert_eq!(status_of(&c, &pi), "Captured");
    assert_eq!(c.api("GET", &format!("/setup-intents/{si}"), None).json()["status"], "Completed");
    assert_eq!(sb.captures(&pi).len(), 1);
    // A blind retry is refused: no double charge.
    assert_eq!(charge(&c, &pi).unwrap().status, 409);
    assert_eq!(sb.captures(&pi).len(), 1);
    assert_eq!(sb.charge_attempts(&pi), 2);
}

#[test]
fn truncated_body_after_commit() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (_, pi) = chargeable(&sb, &c);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::TruncateBody));
    assert!(charge(&c, &pi).is_err(), "a short body must not read as complete");
    assert_eq!(status_of(&c, &pi), "Captured");
    assert_eq!(sb.captures(&pi).len(), 1);

    // On the wire: the full Content-Length, half the body, then the connection closes.
    use std::io::{Read, Write};
    sb.add_fault(Fault::once(Route::GetPaymentIntent, FaultKind::TruncateBody));
    let addr = sb.base_url().trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET /payment-intents/{pi} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic sk_sandbox_x\r\nversion: 2026-02-27\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body.len(), len / 2, "half of {len} bytes");
}

#[test]
fn latency_then_normal_answer() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (_, pi) = chargeable(&sb, &c);
    sb.add_fault(Fault::once(Route::Any, FaultKind::Latency(Duration::from_millis(300))));
    let t = Instant::now();
    assert_eq!(status_of(&c, &pi), "Created");
    assert!(t.elapsed() >= Duration::from_millis(300));
}

/// A real server finishes what it received: a client giving up at 0.5 s on a 1.5 s
/// latency fault finds the charge captured afterwards (a late commit).
#[test]
fn latency_fault_commits_after_the_client_gave_up() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (_, pi) = chargeable(&sb, &c);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Latency(Duration::from_millis(1500))));
    let impatient: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_millis(500)))
        .build()
        .into();
    let sent = agent_charge(&impatient, sb.base_url(), &pi);
    assert!(sent.is_err(), "the client timed out before the answer: {sent:?}");
    // Bounded wait (the machine may be loaded): the capture appears once the 1.5 s pass.
    let deadline = Instant::now() + Duration::from_secs(15);
    while sb.captures(&pi).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(sb.captures(&pi).len(), 1, "the charge committed after its client left");
    assert_eq!(status_of(&c, &pi), "Captured");
    assert_eq!(sb.charge_attempts(&pi), 1);
}

fn agent_charge(agent: &ureq::Agent, base: &str, pi: &str) -> Result<u16, ureq::Error> {
    agent
        .post(format!("{base}/payment-intents/{pi}/charge"))
        .header("Authorization", format!("Basic {}", common::KEY))
        .header("version", "2026-02-27")
        .send_empty()
        .map(|r| r.status().as_u16())
}

#[test]
fn times_probability_and_http_controls() {
    let counts: Vec<usize> = (0..2)
        .map(|_| {
            let sb = Sandbox::start(Config { seed: 42, ..Config::default() }).unwrap();
            let c = Client::new(sb.base_url());
            sb.add_fault(Fault { route: Route::Any, kind: FaultKind::Status(500), times: None, probability: 0.5 });
            (0..40).filter(|_| c.api("GET", "/setup-intents/si_x", None).status == 500).count()
        })
        .collect();
    assert_eq!(counts[0], counts[1], "same seed, same draws");
    assert!(counts[0] > 5 && counts[0] < 35, "{counts:?}");

    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let f = c.raw(
        "POST",
        "/_sandbox/faults",
        &[],
        br#"{"route":"get_setup_intent","kind":"status","status":502,"times":2,"probability":1.0}"#,
    );
    assert_eq!(f.status, 200, "{}", f.text());
    assert_eq!(c.raw("GET", "/_sandbox/faults", &[], b"").json()[0]["times"], 2);
    let statuses: Vec<u16> = (0..3).map(|_| c.api("GET", "/setup-intents/si_x", None).status).collect();
    assert_eq!(statuses, vec![502, 502, 404]);
    assert_eq!(c.raw("GET", "/_sandbox/faults", &[], b"").json(), serde_json::json!([]));
    c.raw("POST", "/_sandbox/faults", &[], br#"{"route":"any","kind":"drop_before_commit"}"#);
    assert!(c.try_raw("GET", "/setup-intents/si_x", &[], b"").is_err());
    let cleared = c.raw("DELETE", "/_sandbox/faults", &[], b"");
    assert_eq!(cleared.status, 204);
    assert_eq!(cleared.header("content-length"), None);
    assert_eq!(c.api("GET", "/setup-intents/si_x", None).status, 404);
    let bad = c.raw("POST", "/_sandbox/faults", &[], br#"{"route":"nope","kind":"status"}"#);
    assert_eq!(bad.status, 400);

    // Decline over HTTP: an Authorized setup intent's card then declines charges.
    let (si, pi) = chargeable(&sb, &c);
    assert_eq!(c.raw("POST", &format!("/_sandbox/setup-intents/{si}/decline"), &[], b"").status, 200);
    let a = charge(&c, &pi).unwrap();
    assert_eq!(a.json()["status"], "Declined");
    assert_eq!(sb.charge_attempts(&pi), 1);
    let caps = c.raw("GET", &format!("/_sandbox/payment-intents/{pi}/captures"), &[], b"");
    assert_eq!(caps.json(), serde_json::json!([]));
    let _ = TestCard::SUCCESS;
}

/// `(status, Retry-After, body)` of a raw GET, read off the socket.
fn raw_get(sb: &Sandbox, path: &str) -> (String, Option<String>, String) {
    use std::io::{Read, Write};
    let addr = sb.base_url().trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic sk_sandbox_x\r\nversion: 2026-02-27\r\n\r\n"
    )
    .unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    let text = String::from_utf8(got).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.lines().next().unwrap().to_owned();
    let retry_after = head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case("retry-after").then(|| v.trim().to_owned())
    });
    (status, retry_after, body.to_owned())
}

#[test]
fn status_with_retry_after_on_the_wire() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (si, pi) = chargeable(&sb, &c);

    // A read: 503, `Retry-After: 1`, a ProblemDetails; used up after one hit.
    sb.add_fault(Fault::once(
        Route::GetPaymentIntent,
        FaultKind::StatusRetryAfter { status: 503, retry_after: Duration::from_secs(1) },
    ));
    let (status, retry_after, body) = raw_get(&sb, &format!("/payment-intents/{pi}"));
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 503);
    assert!(problem["title"].is_string() && problem["type"].is_string(), "{problem}");
    assert!(problem["traceId"].is_string(), "{problem}");
    let (status, retry_after, _) = raw_get(&sb, &format!("/payment-intents/{pi}"));
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(retry_after, None, "no Retry-After on a normal answer");

    // A charge: 429 with `Retry-After`, the state untouched (no attempt reached it).
    sb.add_fault(Fault::once(
        Route::ChargePaymentIntent,
        FaultKind::StatusRetryAfter { status: 429, retry_after: Duration::from_millis(1500) },
    ));
    let a = charge(&c, &pi).unwrap();
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after"), Some("2"), "whole seconds, rounded up");
    assert_eq!(a.header("content-type"), Some("application/problem+json; charset=utf-8"));
    assert_eq!(a.json()["status"], 429);
    assert_eq!(status_of(&c, &pi), "Created");
    assert_eq!(c.api("GET", &format!("/setup-intents/{si}"), None).json()["status"], "Authorized");
    assert_eq!(sb.charge_attempts(&pi), 0);
    assert!(sb.captures(&pi).is_empty());
    // A plain `Status` fault still sends no Retry-After.
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Status(503)));
    let a = charge(&c, &pi).unwrap();
    assert_eq!(a.status, 503);
    assert_eq!(a.header("retry-after"), None);
    assert_eq!(charge(&c, &pi).unwrap().status, 200);
    assert_eq!(sb.captures(&pi).len(), 1);
}

#[test]
fn status_with_retry_after_over_the_http_controls() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let f = c.raw(
        "POST",
        "/_sandbox/faults",
        &[],
        br#"{"route":"get_setup_intent","kind":"status","status":503,"retryAfterSeconds":1}"#,
    );
    assert_eq!(f.status, 200, "{}", f.text());
    assert_eq!(f.json()["retryAfterSeconds"], 1);
    let listed = c.raw("GET", "/_sandbox/faults", &[], b"").json();
    assert_eq!((listed[0]["kind"].as_str(), listed[0]["status"].as_u64()), (Some("status"), Some(503)));
    assert_eq!(listed[0]["retryAfterSeconds"], 1);
    let a = c.api("GET", "/setup-intents/si_x", None);
    assert_eq!((a.status, a.header("retry-after")), (503, Some("1")));
    assert_eq!(a.json()["status"], 503);
    // `times` unset: every matching request, until cleared.
    assert_eq!(c.api("GET", "/setup-intents/si_x", None).status, 503);
    assert_eq!(c.raw("DELETE", "/_sandbox/faults", &[], b"").status, 204);
    assert_eq!(c.api("GET", "/setup-intents/si_x", None).status, 404);

    // The plain status fault's JSON is unchanged: no `retryAfterSeconds` key.
    let f = c.raw("POST", "/_sandbox/faults", &[], br#"{"route":"any","kind":"status","status":502,"times":1}"#);
    assert_eq!(f.json().get("retryAfterSeconds"), None, "{}", f.text());
    let a = c.api("GET", "/setup-intents/si_x", None);
    assert_eq!((a.status, a.header("retry-after")), (502, None));

    // Refused: Retry-After on a kind that sends no status, a status out of range.
    let bad = c.raw("POST", "/_sandbox/faults", &[], br#"{"route":"any","kind":"latency","retryAfterSeconds":1}"#);
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(bad.json()["errors"]["retryAfterSeconds"].is_array(), "{}", bad.text());
    let bad = c.raw(
        "POST",
        "/_sandbox/faults",
        &[],
        br#"{"route":"any","kind":"status","status":200,"retryAfterSeconds":1}"#,
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert_eq!(c.raw("GET", "/_sandbox/faults", &[], b"").json(), serde_json::json!([]));
}
