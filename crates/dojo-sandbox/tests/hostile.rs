//! Malformed requests never crash the sandbox: random bodies on every route that takes
//! one, deep nesting, broken UTF-8, garbage on the socket. Bounded in count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::Client;
use dojo_sandbox::{Config, Sandbox};

/// xorshift64*: a fixed sequence of test inputs.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        const JSONISH: &[u8] = br#"{}[]":,0123456789-.eE truefalsnul\u00"amountvaluecurrencyCodeGBPreference"#;
        let n = (self.next() % max as u64) as usize;
        (0..n)
            .map(|_| {
                let r = self.next();
                if r.is_multiple_of(4) { (r >> 8) as u8 } else { JSONISH[(r >> 8) as usize % JSONISH.len()] }
            })
            .collect()
    }
}

#[test]
fn random_bodies_get_4xx_and_the_server_lives() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let pi = c.api("POST", "/payment-intents", Some(r#"{"amount":{"value":5,"currencyCode":"GBP"},"reference":"r"}"#));
    let pi = pi.json()["id"].as_str().unwrap().to_owned();
    let routes = [
        "/setup-intents".to_owned(),
        "/payment-intents".to_owned(),
        "/payment-intents/search".to_owned(),
        format!("/payment-intents/{pi}/captures"),
        format!("/payment-intents/{pi}/refunds"),
        "/webhooks".to_owned(),
        "/_sandbox/faults".to_owned(),
        "/_sandbox/clock/advance".to_owned(),
    ];
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for i in 0..400 {
        let route = &routes[i % routes.len()];
        let body = g.bytes(300);
        let a = c.api("POST", route, Some(&String::from_utf8_lossy(&body)));
        assert!((200..500).contains(&a.status), "{route}: {} {}", a.status, a.text());
        // Raw bytes too (not always UTF-8).
        let auth = format!("Basic {}", common::KEY);
        let h = [("Authorization", auth.as_str()), ("version", "2026-02-27"), ("Content-Type", "application/json")];
        let a = c.raw("POST", route, &h, &body);
        assert!((200..500).contains(&a.status), "{route}: {} {}", a.status, a.text());
    }
    // Deep nesting is refused before any recursion.
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    assert_eq!(c.api("POST", "/setup-intents", Some(&deep)).status, 400);
    let deep_obj = format!(r#"{{"reference":{}1{}}}"#, r#"{"a":"#.repeat(5_000), "}".repeat(5_000));
    assert_eq!(c.api("POST", "/payment-intents", Some(&deep_obj)).status, 400);
    assert_eq!(c.api("POST", "/webhooks", Some(&deep)).status, 400);
    // Ids that are not ids.
    for id in ["%00", "..%2F..%2Fetc", &"x".repeat(5000), "si_sandbox_\u{e9}"] {
        let a = c.api("GET", &format!("/setup-intents/{id}"), None);
        assert_eq!(a.status, 404, "{id}");
    }
    assert_eq!(c.api("GET", &format!("/payment-intents/{pi}"), None).status, 200, "still serving");
}

#[test]
fn garbage_on_the_socket() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let addr = sb.base_url().trim_start_matches("http://").to_owned();
    let mut g = Gen(42);
    for i in 0..50 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let junk = match i % 3 {
            0 => g.bytes(200),
            1 => b"GET / HTTP/9.9\r\n\r\n".to_vec(),
            _ => b"POST /setup-intents HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n".to_vec(),
        };
        let _ = s.write_all(&junk);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
    }
    // Half-open connections that never finish a request do not block others.
    let idle: Vec<_> = (0..20).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    let c = Client::new(sb.base_url());
    assert_eq!(c.api("GET", "/setup-intents/si_x", None).status, 404);
    drop(idle);
}
