//! Hardening, each case reproduced over real loopback TCP: read timeouts, the connection
//! cap, clock overflow, and the checkout page's headers and wording.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Client;
use dojo_sandbox::{Config, Sandbox};

fn connect(sb: &Sandbox) -> TcpStream {
    let s = TcpStream::connect(sb.base_url().trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads until the server closes; panics if it does not within the read timeout.
fn read_until_closed(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn unfinished_headers_are_timed_out() {
    let sb = Sandbox::start(Config { header_read_timeout: Duration::from_millis(300), ..Config::default() }).unwrap();
    let mut s = connect(&sb);
    s.write_all(b"GET /setup-intents/x HTTP/1.1\r\nhost: a\r\n").unwrap();
    let t = Instant::now();
    read_until_closed(&mut s);
    assert!(t.elapsed() < Duration::from_secs(9));
}

#[test]
fn a_declared_but_unsent_body_is_timed_out_with_408() {
    let sb = Sandbox::start(Config { body_read_timeout: Duration::from_millis(300), ..Config::default() }).unwrap();
    let mut s = connect(&sb);
    let head = "POST /setup-intents HTTP/1.1\r\nhost: a\r\nauthorization: Basic sk_sandbox_x\r\nversion: 2026-02-27\r\n\
                content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"ref";
    s.write_all(head.as_bytes()).unwrap();
    let answer = read_until_closed(&mut s);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("\"status\":408"), "{answer}");
}

#[test]
fn connections_past_the_cap_wait_for_a_free_slot() {
    let sb = Sandbox::start(Config { max_connections: 2, ..Config::default() }).unwrap();
    let idle: Vec<TcpStream> = (0..2).map(|_| connect(&sb)).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sb.connections_accepted() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sb.connections_accepted(), 2);
    let mut third = connect(&sb);
    third.write_all(b"GET /_sandbox/clock HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sb.connections_accepted(), 2, "a third connection was taken past the cap");
    drop(idle);
    let answer = read_until_closed(&mut third);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert_eq!(sb.connections_accepted(), 3);
}

#[test]
fn a_clock_advance_that_would_overflow_is_refused_and_nothing_panics() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let h = [("Content-Type", "application/json")];
    let a = c.raw("POST", "/_sandbox/clock/advance", &h, br#"{"seconds":18446744073709551615}"#);
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(a.json()["errors"]["seconds"].is_array(), "{}", a.text());
    let si = r#"{"reference":"r","terms":"t","merchantInitiatedTransactionType":"NoShow"}"#;
    assert_eq!(c.api("POST", "/setup-intents", Some(si)).status, 200);
    // The Rust API saturates at the last second ISO 8601 can write.
    sb.advance_clock(Duration::MAX);
    assert_eq!(c.api("POST", "/setup-intents", Some(si)).status, 200);
    assert_eq!(c.raw("GET", "/_sandbox/clock", &[], b"").json()["now"], "9999-12-31T23:59:59Z");
}

#[test]
fn the_checkout_page_is_uncacheable_unframeable_and_plain_spoken() {
    let sb = Sandbox::start(Config { trading_name: "Café Nova".into(), ..Config::default() }).unwrap();
    let c = Client::new(sb.base_url());
    let long = "W".repeat(400);
    let body = format!(
        r#"{{"reference":"Table \u202e01.00","terms":"{long} \u2066fee\u2069","merchantInitiatedTransactionType":"NoShow","intendedAmount":{{"value":1000,"currencyCode":"GBP"}}}}"#
    );
    let si = c.api("POST", "/setup-intents", Some(&body)).json();
    let page = c.raw("GET", &format!("/checkout/{}", si["id"].as_str().unwrap()), &[], b"");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let csp = page.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let html = page.text();
    assert!(html.contains("overflow-wrap:anywhere"), "long words wrap");
    for bidi in ['\u{202E}', '\u{2066}', '\u{2069}'] {
        assert!(!html.contains(bidi), "bidi control {bidi:?} passed through");
    }
    assert!(html.contains("\u{FFFD}01.00"));
    assert!(html.contains("Nothing is charged now."), "{html}");
    assert!(
        html.contains("Later, Café Nova may charge this card, up to <strong id=\"amount\">10.00 GBP</strong>,"),
        "{html}"
    );
    assert!(html.contains("<strong id=\"merchant\"><bdi>Café Nova</bdi></strong>"));
    // Error pages carry the same headers.
    let missing = c.raw("GET", "/checkout/si_sandbox_nope", &[], b"");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
}

/// The store never grows past `Config::max_intents`: the oldest settled intent is
/// forgotten first, then the oldest, and each is counted.
#[test]
fn the_store_is_bounded_and_evicts_settled_intents_first() {
    let sb = Sandbox::start(Config { max_intents: 10, ..Config::default() }).unwrap();
    let c = Client::new(sb.base_url());
    let pi_body = r#"{"amount":{"value":5,"currencyCode":"GBP"},"reference":"r"}"#;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(c.api("POST", "/payment-intents", Some(pi_body)).json()["id"].as_str().unwrap().to_owned());
    }
    // The fifth is settled (Canceled): it goes first, though four are older.
    assert_eq!(c.api("DELETE", &format!("/payment-intents/{}", ids[4]), None).status, 200);
    let eleventh = c.api("POST", "/payment-intents", Some(pi_body));
    assert_eq!(eleventh.status, 200);
    assert_eq!(sb.evicted(), 1);
    assert_eq!(c.api("GET", &format!("/payment-intents/{}?returnCanceled=true", ids[4]), None).status, 404);
    assert_eq!(c.api("GET", &format!("/payment-intents/{}", ids[0]), None).status, 200);
    // None settled: the oldest goes.
    assert_eq!(c.api("POST", "/payment-intents", Some(pi_body)).status, 200);
    assert_eq!(c.api("GET", &format!("/payment-intents/{}", ids[0]), None).status, 404);
    let si = r#"{"reference":"r","terms":"t","merchantInitiatedTransactionType":"NoShow"}"#;
    for _ in 0..25 {
        assert_eq!(c.api("POST", "/setup-intents", Some(si)).status, 200);
    }
    let stats = c.raw("GET", "/_sandbox/stats", &[], b"").json();
    assert_eq!((stats["setupIntents"].as_u64(), stats["paymentIntents"].as_u64()), (Some(10), Some(10)), "{stats}");
    assert_eq!(stats["evicted"].as_u64(), Some(2 + 15));
    assert_eq!(sb.evicted(), 17);
    // Search still pages over what is kept.
    let page = c.api("POST", "/payment-intents/search", Some("{}")).json();
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
}

/// A declared-too-large body that the client sends anyway still gets its 413: the
/// sandbox reads (and drops) it first, instead of closing on unread data (the kernel then
/// resets the connection, and a client still writing the body loses the answer).
#[test]
fn a_too_large_body_is_answered_413_not_reset() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let big = format!(r#"{{"reference":"{}"}}"#, "x".repeat(300 * 1024));
    for i in 0..100 {
        let auth = format!("Basic {}", common::KEY);
        let h = [("Authorization", auth.as_str()), ("version", "2026-02-27"), ("Content-Type", "application/json")];
        match c.try_raw("POST", "/setup-intents", &h, big.as_bytes()) {
            Ok(a) => assert_eq!(a.status, 413, "{}", a.text()),
            Err(e) => panic!("attempt {i}: no answer: {e}"),
        }
    }
}

/// A connection that never sends a byte is closed too (and so is one idle after an answer).
#[test]
fn silent_and_idle_connections_are_closed() {
    let sb = Sandbox::start(Config { header_read_timeout: Duration::from_millis(300), ..Config::default() }).unwrap();
    let mut silent = connect(&sb);
    let t = Instant::now();
    read_until_closed(&mut silent);
    assert!(t.elapsed() < Duration::from_secs(9));
    let mut idle = connect(&sb);
    idle.write_all(b"GET /_sandbox/clock HTTP/1.1\r\nhost: a\r\n\r\n").unwrap();
    let answer = read_until_closed(&mut idle);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}
