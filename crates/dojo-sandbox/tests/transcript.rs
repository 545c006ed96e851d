//! A recorded transcript of a fixed-seed session over raw TCP: every route, the error
//! statuses, the checkout page, the controls and every fault kind, one connection per
//! request, the response bytes exactly as sent (the `date` header and ISO 8601
//! timestamps masked, nothing else). The fixture `tests/fixtures/transcript.txt` was
//! recorded before the emulator's state and rules were split from the hyper shell; the
//! comparison proves the HTTP behaviour did not change. `UPDATE_TRANSCRIPT=1` rewrites
//! the fixture (only for an intended change of behaviour, reviewed in the diff).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use dojo_core::Timestamp;
use dojo_sandbox::{Config, Emulator, Outcome, Request, Sandbox};

const KEY: &str = "Basic sk_sandbox_transcript";
const VERSION: &str = "2026-02-27";

/// Where the session's requests go: over TCP to a [`Sandbox`], or straight into an
/// [`Emulator`] (its answers written out as hyper writes them).
enum Transport {
    Tcp,
    InProcess { emu: Box<Emulator>, wall: Timestamp },
}

struct Session {
    transport: Transport,
    addr: String,
    vars: HashMap<String, String>,
    out: String,
}

/// Replaces every `yyyy-mm-ddThh:mm:ss(.f+)?Z` with `<ts>`.
fn mask_timestamps(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let shape = b"dddd-dd-ddTdd:dd:dd";
    while i < b.len() {
        let fits = b.len() >= i + shape.len()
            && shape.iter().enumerate().all(|(k, c)| {
                let x = b[i + k];
                if *c == b'd' { x.is_ascii_digit() } else { x == *c }
            });
        if fits {
            let mut j = i + shape.len();
            if j < b.len() && b[j] == b'.' {
                j += 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if j < b.len() && b[j] == b'Z' {
                j += 1;
            }
            out.push_str("<ts>");
            i = j;
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

impl Session {
    fn subst(&self, s: &str) -> String {
        let mut s = s.to_owned();
        for (k, v) in &self.vars {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// Sends one request on a fresh connection and records it and its raw answer.
    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Option<serde_json::Value> {
        let path = self.subst(path);
        let body = self.subst(body);
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n", self.addr);
        for (n, v) in headers {
            req += &format!("{n}: {}\r\n", self.subst(v));
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            req += &format!("content-length: {}\r\n", body.len());
        }
        req += "\r\n";
        req += &body;
        let headers: Vec<(&str, String)> = headers.iter().map(|(n, v)| (*n, self.subst(v))).collect();
        let raw = match &mut self.transport {
            Transport::Tcp => {
                let mut stream = TcpStream::connect(&self.addr).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                stream.write_all(req.as_bytes()).unwrap();
                let mut raw = Vec::new();
                let _ = stream.read_to_end(&mut raw);
                raw
            }
            Transport::InProcess { emu, wall } => {
                let mut r = Request::new(method, path.clone())
                    .header("host", self.addr.as_bytes())
                    .header("connection", &b"close"[..]);
                for (n, v) in headers {
                    r = r.header(n.to_string(), v.clone().into_bytes());
                }
                if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
                    r = r.header("content-length", body.len().to_string().into_bytes());
                }
                r = r.body(body.clone().into_bytes());
                *wall = wall.add_seconds(1);
                emu.count_connection();
                let mut outcome = emu.handle(r, *wall);
                if let Outcome::Delayed(p) = outcome {
                    outcome = emu.resume(p, *wall);
                }
                let (resp, cut) = match outcome {
                    Outcome::Answer(r) => (r, false),
                    Outcome::Truncated(r) => (r, true),
                    _ => return self.record(&req, Vec::new()),
                };
                let reason = hyper::StatusCode::from_u16(resp.status).unwrap().canonical_reason().unwrap();
                let mut raw = format!("HTTP/1.1 {} {reason}\r\n", resp.status).into_bytes();
                for (n, v) in &resp.headers {
                    raw.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
                }
                raw.extend_from_slice(b"connection: close\r\ndate: x\r\n\r\n");
                let n = if cut { resp.body.len() / 2 } else { resp.body.len() };
                raw.extend_from_slice(&resp.body[..n]);
                raw
            }
        };
        self.record(&req, raw)
    }

    /// Writes a request and its raw answer into the transcript.
    fn record(&mut self, req: &str, raw: Vec<u8>) -> Option<serde_json::Value> {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, resp_body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
        let head: Vec<String> =
            head.split("\r\n")
                .filter(|l| !l.is_empty())
                .map(|l| {
                    if l.to_ascii_lowercase().starts_with("date:") { "date: <masked>".to_owned() } else { l.to_owned() }
                })
                .collect();
        let req = req.replace(&self.addr, "<addr>");
        let shown = if req.len() > 4096 { format!("{}…({} bytes)", &req[..1024], req.len()) } else { req };
        self.out += &format!(">>> {}\n", mask_timestamps(&shown.replace("\r\n", "\n")));
        if raw.is_empty() {
            self.out += "<<< (connection closed, no answer)\n\n";
            return None;
        }
        // Timestamps vary in length (trailing fractional digits): the announced length is
        // checked against the bytes received, and printed only when nothing was masked.
        let masked = mask_timestamps(resp_body);
        let mut cut = false;
        let head: Vec<String> = head
            .into_iter()
            .map(|l| match l.to_ascii_lowercase().strip_prefix("content-length:") {
                Some(n) => {
                    let n: usize = n.trim().parse().unwrap();
                    cut = n > resp_body.len();
                    if cut {
                        "content-length: <more than received: body cut short>".to_owned()
                    } else {
                        assert_eq!(n, resp_body.len(), "content-length matches the body");
                        if masked == resp_body { l } else { "content-length: <body length>".to_owned() }
                    }
                }
                None => l,
            })
            .collect();
        let shown = if cut { format!("{}<cut>", resp_body.get(..40).unwrap_or("")) } else { masked };
        let shown = shown.replace(&self.addr, "<addr>");
        self.out += &format!("<<< {}\n{}\n\n", head.join("\n"), shown);
        serde_json::from_str(resp_body).ok()
    }

    fn api(&mut self, method: &str, path: &str, body: Option<&str>) -> Option<serde_json::Value> {
        let mut h = vec![("authorization", KEY), ("version", VERSION)];
        if body.is_some() {
            h.push(("content-type", "application/json"));
        }
        self.send(method, path, &h, body.unwrap_or(""))
    }

    fn save(&mut self, name: &str, v: &Option<serde_json::Value>, pointer: &str) {
        let s = v.as_ref().and_then(|v| v.pointer(pointer)).and_then(|v| v.as_str()).unwrap_or("none").to_owned();
        self.vars.insert(name.to_owned(), s);
    }
}

const SI: &str = r#"{"reference":"Table <12> & 'friends'","terms":"A no-show fee of £10","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":"1000","currencyCode":"GBP"},"description":"naïve 🍣"}"#;

fn session(s: &mut Session) {
    // Setup intents and the request checks.
    let si = s.api("POST", "/setup-intents", Some(SI));
    s.save("si", &si, "/id");
    s.send("POST", "/setup-intents", &[("version", VERSION), ("content-type", "application/json")], SI);
    s.send("POST", "/setup-intents", &[("authorization", "Basic sk_prod_x"), ("version", VERSION)], SI);
    s.send("POST", "/setup-intents", &[("authorization", "Bearer x"), ("version", VERSION)], SI);
    s.send("POST", "/setup-intents", &[("authorization", KEY), ("content-type", "application/json")], SI);
    s.send("POST", "/setup-intents", &[("authorization", KEY), ("version", "2026-13-01")], SI);
    s.send(
        "POST",
        "/setup-intents",
        &[("authorization", KEY), ("version", VERSION), ("content-type", "text/plain")],
        SI,
    );
    s.api("POST", "/setup-intents", Some(""));
    s.api("POST", "/setup-intents", Some("{"));
    s.api("POST", "/setup-intents", Some(r#"{"reference":"x"}"#));
    s.api("POST", "/setup-intents", Some(r#"{"reference":"x","terms":"t","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":-5,"currencyCode":"GBP"}}"#));
    s.api("POST", "/setup-intents", Some(r#"{"reference":"x","terms":"t","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":5,"currencyCode":"USD"}}"#));
    let big = format!(r#"{{"reference":"{}"}}"#, "x".repeat(70_000));
    s.api("POST", "/setup-intents", Some(&big));
    s.api("GET", "/setup-intents/{si}", None);
    s.send("GET", "/setup-intents/public/{si}", &[("version", VERSION)], "");
    s.send("GET", "/setup-intents/public/{si}", &[("version", VERSION), ("authorization", "Basic nope")], "");
    s.api("POST", "/setup-intents/{si}/refresh-client-session-secret", None);
    s.send("POST", "/setup-intents/public/{si}/refresh-client-session-secret", &[("version", VERSION)], "");
    s.api("GET", "/setup-intents/si_sandbox_unknown", None);
    s.api("PUT", "/setup-intents/{si}", None);
    s.api("GET", "/nowhere", None);
    // Checkout of the setup intent: page, a refused card, a declined card, the success card.
    s.send("GET", "/checkout/{si}", &[], "");
    s.send("GET", "/checkout/si_sandbox_unknown", &[], "");
    let form = [("content-type", "application/x-www-form-urlencoded")];
    s.send("POST", "/checkout/{si}", &[("content-type", "text/plain")], "cardNumber=1");
    s.send("POST", "/checkout/{si}", &form, "cardNumber=1234&expiry=12%2F29&cvv=123&cardholderName=A");
    s.send("POST", "/checkout/{si}", &form, "cardNumber=4456530000001013&expiry=12%2F29&cvv=123&cardholderName=A");
    s.send(
        "POST",
        "/checkout/{si}",
        &form,
        "cardNumber=5200000000001005&expiry=12%2F29&cvv=123&cardholderName=Ann+%3Cb%3E",
    );
    s.send("GET", "/checkout/{si}", &[], "");
    s.api("DELETE", "/setup-intents/{si}", None);
    // A charge from it: wrong amount, right amount, second charge.
    let bad = s.api(
        "POST",
        "/payment-intents",
        Some(r#"{"amount":{"value":999,"currencyCode":"GBP"},"reference":"bad","setupIntentId":"{si}"}"#),
    );
    s.save("pi_bad", &bad, "/id");
    s.api("POST", "/payment-intents/{pi_bad}/charge", None);
    let pi = s.api(
        "POST",
        "/payment-intents",
        Some(r#"{"amount":{"value":"1000","currencyCode":"GBP"},"reference":"No-show","setupIntentId":"{si}"}"#),
    );
    s.save("pi", &pi, "/id");
    s.api("POST", "/payment-intents/{pi}/charge", None);
    s.api("POST", "/payment-intents/{pi}/charge", None);
    s.api("POST", "/payment-intents/pi_sandbox_unknown/charge", None);
    s.api("GET", "/payment-intents/{pi}", None);
    s.api("GET", "/setup-intents/{si}", None);
    s.send("GET", "/_sandbox/payment-intents/{pi}/captures", &[], "");
    s.send("GET", "/_sandbox/payment-intents/{pi}/charge-attempts", &[], "");
    // Refunds.
    let refund = r#"{"amount":300,"refundReason":"late","notes":"n"}"#;
    let mut h = vec![("authorization", KEY), ("version", VERSION), ("content-type", "application/json")];
    s.send("POST", "/payment-intents/{pi}/refunds", &h, refund);
    h.push(("idempotencyKey", "refund-key-0001"));
    let r = s.send("POST", "/payment-intents/{pi}/refunds", &h, refund);
    s.save("rf", &r, "/refundId");
    s.send("POST", "/payment-intents/{pi}/refunds", &h, refund);
    s.send("POST", "/payment-intents/{pi}/refunds", &h, r#"{"amount":5000}"#);
    s.api("GET", "/payment-intents/refunds/{rf}", None);
    s.api("GET", "/payment-intents/refunds/rfd_unknown", None);
    // Manual capture: checkout, partial captures, too much, reversal of another.
    let m = s.api("POST", "/payment-intents", Some(r#"{"amount":{"value":2000,"currencyCode":"EUR"},"tipsAmount":{"value":100,"currencyCode":"EUR"},"reference":"manual","captureMode":"Manual","autoExpireIn":"01:00:00","autoExpireAction":"Capture"}"#));
    s.save("pm", &m, "/id");
    s.api("POST", "/payment-intents/{pm}/captures", Some(r#"{"amount":500}"#));
    s.send("POST", "/_sandbox/payment-intents/{pm}/authorize", &[], "");
    s.api("POST", "/payment-intents/{pm}/captures", Some(r#"{"amount":500}"#));
    s.api("POST", "/payment-intents/{pm}/captures", Some(r#"{"amount":99999}"#));
    s.api("POST", "/payment-intents/{pm}/captures", Some(r#"{"amount":"x"}"#));
    let r2 = s.api(
        "POST",
        "/payment-intents",
        Some(r#"{"amount":{"value":700,"currencyCode":"GBP"},"reference":"rev","captureMode":"Manual"}"#),
    );
    s.save("pr", &r2, "/id");
    s.send(
        "POST",
        "/_sandbox/payment-intents/{pr}/authorize",
        &[],
        r#"{"cardNumber":"5200000000001096","expiry":"12/29","cardholderName":"Bo"}"#,
    );
    s.api("POST", "/payment-intents/{pr}/reversal", None);
    s.api("POST", "/payment-intents/{pr}/reversal", None);
    // Cancel, returnCanceled, refresh.
    let c = s.api(
        "POST",
        "/payment-intents",
        Some(
            r#"{"amount":{"value":10,"currencyCode":"GBP"},"reference":"cancel me","expireAt":"2030-01-01T00:00:00Z"}"#,
        ),
    );
    s.save("pc", &c, "/id");
    s.api("POST", "/payment-intents/{pc}/refresh-client-session-secret", None);
    s.api("DELETE", "/payment-intents/{pc}", None);
    s.api("DELETE", "/payment-intents/{pc}", None);
    s.api("GET", "/payment-intents/{pc}", None);
    s.api("GET", "/payment-intents/{pc}?returnCanceled=true", None);
    s.send("GET", "/checkout/{pc}", &[], "");
    // A payment intent paid at checkout, declined first.
    let p =
        s.api("POST", "/payment-intents", Some(r#"{"amount":{"value":1234,"currencyCode":"GBP"},"reference":"shop"}"#));
    s.save("pp", &p, "/id");
    s.send("GET", "/checkout/{pp}", &[], "");
    s.send("POST", "/checkout/{pp}", &form, "cardNumber=4456530000001013&expiry=12%2F29&cvv=1");
    s.send("POST", "/checkout/{pp}", &form, "cardNumber=5200000000001096&expiry=12%2F29&cvv=1");
    s.send("POST", "/_sandbox/payment-intents/{pp}/authorize", &[], "");
    // Search.
    s.api("POST", "/payment-intents/search", Some(r#"{}"#));
    s.api("POST", "/payment-intents/search", Some(r#"{"statuses":["Captured"],"cursor":{"limit":1}}"#));
    s.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"limit":2,"after":"{pi}"}}"#));
    s.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"limit":2,"before":"{pp}"}}"#));
    s.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"after":"pi_nope"}}"#));
    // Webhooks.
    s.api(
        "POST",
        "/webhooks",
        Some(r#"{"events":["payment_intent.created"],"url":"https://example.com/hook","description":"d"}"#),
    );
    let w = s.api(
        "POST",
        "/webhooks",
        Some(r#"{"events":["payment_intent.status_updated"],"url":"https://example.org/h"}"#),
    );
    s.save("wh", &w, "/id");
    s.api("POST", "/webhooks", Some(r#"{"events":[],"url":"https://example.org/h"}"#));
    s.api("POST", "/webhooks", Some(r#"{"events":["x"],"url":"ftp://example.org/h"}"#));
    s.api("POST", "/webhooks", Some(r#"{"url":"https://example.org/h"}"#));
    s.api("GET", "/webhooks", None);
    s.api("GET", "/webhooks/events", None);
    s.api("GET", "/webhooks/{wh}/secrets", None);
    let sec = s.api("POST", "/webhooks/{wh}/secrets", None);
    s.vars.insert(
        "sec".into(),
        sec.as_ref()
            .and_then(|v| v.as_array().or_else(|| v["secrets"].as_array()))
            .and_then(|a| a.last())
            .and_then(|v| v["id"].as_str())
            .unwrap_or("none")
            .into(),
    );
    s.api("PUT", "/webhooks/{wh}/secrets/{sec}/activate", None);
    s.api("PUT", "/webhooks/{wh}/secrets/sc_nope/activate", None);
    s.api("DELETE", "/webhooks/{wh}/secrets/{sec}", None);
    s.api("DELETE", "/webhooks/{wh}/secrets/{sec}", None);
    s.api("PATCH", "/webhooks/{wh}", Some("{}"));
    s.api("DELETE", "/webhooks/{wh}", None);
    s.api("DELETE", "/webhooks/{wh}", None);
    s.api("GET", "/webhooks/ws_nope/secrets", None);
    // Faults, through the controls.
    let fault = |s: &mut Session, body: &str| {
        s.send("POST", "/_sandbox/faults", &[("content-type", "application/json")], body);
    };
    fault(s, r#"{"route":"get_payment_intent","kind":"status","status":503,"times":1}"#);
    s.api("GET", "/payment-intents/{pi}", None);
    fault(s, r#"{"route":"any","kind":"status","status":429,"retryAfterSeconds":2,"times":1}"#);
    s.api("GET", "/payment-intents/{pi}", None);
    fault(s, r#"{"route":"get_setup_intent","kind":"latency","latencyMs":20,"times":1}"#);
    s.api("GET", "/setup-intents/{si}", None);
    fault(s, r#"{"route":"create_payment_intent","kind":"drop_before_commit","times":1}"#);
    s.api("POST", "/payment-intents", Some(r#"{"amount":{"value":1,"currencyCode":"GBP"},"reference":"lost"}"#));
    fault(s, r#"{"route":"create_payment_intent","kind":"drop_after_commit","times":1}"#);
    s.api("POST", "/payment-intents", Some(r#"{"amount":{"value":2,"currencyCode":"GBP"},"reference":"committed"}"#));
    fault(s, r#"{"route":"get_payment_intent","kind":"truncate_body","times":1}"#);
    s.api("GET", "/payment-intents/{pi}", None);
    fault(s, r#"{"route":"any","kind":"status","status":500,"probability":0.5,"times":3}"#);
    fault(s, r#"{"route":"nope","kind":"status"}"#);
    fault(s, r#"{"route":"any","kind":"latency","retryAfterSeconds":1}"#);
    fault(s, r#"{"route":"any","kind":"status","status":200}"#);
    s.send("GET", "/_sandbox/faults", &[], "");
    for _ in 0..4 {
        s.api("GET", "/payment-intents/{pi}", None);
    }
    s.send("DELETE", "/_sandbox/faults", &[], "");
    s.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"limit":100}}"#));
    // Controls and the clock: expiry of setup intents and unpaid payment intents, autoExpireIn.
    let si2 = s.api("POST", "/setup-intents", Some(SI));
    s.save("si2", &si2, "/id");
    s.send("POST", "/_sandbox/setup-intents/{si2}/decline", &[], "");
    s.send("POST", "/_sandbox/setup-intents/{si2}/authorize", &[], r#"{"cardNumber":"4456530000001013"}"#);
    s.send("POST", "/_sandbox/setup-intents/{si2}/authorize", &[], r#"{"cardNumber":"1"}"#);
    s.send("POST", "/_sandbox/setup-intents/si_nope/authorize", &[], "");
    s.send("POST", "/_sandbox/setup-intents/{si2}/authorize", &[], "");
    s.send("POST", "/_sandbox/setup-intents/{si2}/decline", &[], "");
    let d = s.api(
        "POST",
        "/payment-intents",
        Some(r#"{"amount":{"value":1000,"currencyCode":"GBP"},"reference":"declined","setupIntentId":"{si2}"}"#),
    );
    s.save("pd", &d, "/id");
    s.api("POST", "/payment-intents/{pd}/charge", None);
    let si3 = s.api("POST", "/setup-intents", Some(SI));
    s.save("si3", &si3, "/id");
    s.send("GET", "/_sandbox/clock", &[], "");
    s.send("POST", "/_sandbox/clock/advance", &[("content-type", "application/json")], r#"{"seconds":"x"}"#);
    s.send("POST", "/_sandbox/clock/advance", &[("content-type", "application/json")], r#"{"seconds":691200}"#);
    s.api("GET", "/setup-intents/{si3}", None);
    s.api("GET", "/payment-intents/{pm}", None);
    s.api("GET", "/payment-intents/{pp}", None);
    s.send("GET", "/_sandbox/payment-intents/{pm}/captures", &[], "");
    s.send("GET", "/_sandbox/nope", &[], "");
    s.send("DELETE", "/_sandbox/clock", &[], "");
    s.send("GET", "/_sandbox/stats", &[], "");
}

fn config() -> Config {
    Config { seed: 20261125, start_time: Some(Timestamp::from_unix(1_780_000_000)), ..Config::default() }
}

#[test]
fn http_behaviour_matches_the_recorded_transcript() {
    let sb = Sandbox::start(config()).unwrap();
    let addr = sb.base_url().trim_start_matches("http://").to_owned();
    let mut s = Session { transport: Transport::Tcp, addr, vars: HashMap::new(), out: String::new() };
    session(&mut s);
    compare(&s.out, true);
}

/// The same session straight into an [`Emulator`]: the same bytes as over HTTP.
#[test]
fn the_in_process_emulator_answers_the_same_bytes() {
    let mut emu = Box::new(Emulator::new(&config()));
    emu.set_base_url("http://127.0.0.1:9");
    let transport = Transport::InProcess { emu, wall: Timestamp::from_unix(1_780_000_000) };
    // The host header is echoed nowhere: any address will do.
    let mut s = Session { transport, addr: "127.0.0.1:9".into(), vars: HashMap::new(), out: String::new() };
    session(&mut s);
    compare(&s.out, false);
}

fn compare(got: &str, may_update: bool) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/transcript.txt");
    if may_update && std::env::var_os("UPDATE_TRANSCRIPT").is_some() {
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).unwrap();
        std::fs::write(path, got).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).expect("the recorded transcript (UPDATE_TRANSCRIPT=1 records it)");
    if expected != got {
        let _ = std::fs::write(std::env::temp_dir().join("dojo-sandbox-transcript.got"), got);
        let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
        let first = e.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
        let lo = first.saturating_sub(6);
        panic!(
            "the transcript differs at line {}:\n--- expected\n{}\n--- got\n{}",
            first + 1,
            e[lo..(first + 6).min(e.len())].join("\n"),
            g[lo..(first + 6).min(g.len())].join("\n")
        );
    }
}
