//! `dojo webhooks …` and `dojo listen`, run as the built binary against the emulator on
//! 127.0.0.1:0: every management operation with its exit codes, and a listener
//! receiving real signed deliveries (retried by the emulator), a secret rotation
//! mid-stream, forged and altered deliveries, forwarding, and its subscription removed
//! on exit (Ctrl-C and `--for`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dojo_core::request::CreatePaymentIntentRequest;
use dojo_core::webhook::{SIGNATURE_LEN, sign};
use dojo_core::{CaptureMode, Money};
use dojo_sandbox::{Config, Sandbox, TestCard};
use serde_json::Value;

mod common;

use common::{KEY, client, dojo, dojo_on, finish, ok_json, run};

fn subscription_ids(sb: &Sandbox) -> Vec<String> {
    let v = ok_json(sb, &["webhooks", "list"]);
    v.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn every_management_operation() {
    let sb = Sandbox::start(Config::default()).unwrap();

    // Event types, text and JSON.
    let r = run(&sb, &["webhooks", "list-events"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("PaymentIntent: payment_intent.created, payment_intent.status_updated"), "{}", r.stdout);
    let v = ok_json(&sb, &["webhooks", "list-events"]);
    assert_eq!(v[0]["model"], "PaymentIntent");

    let r = run(&sb, &["webhooks", "list"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "no subscriptions"));

    // Create: every event type by default; loopback http is fine on the emulator.
    let sub = ok_json(&sb, &["webhooks", "create", "--url", "http://127.0.0.1:9/hook", "--description", "till"]);
    let id = sub["id"].as_str().unwrap().to_owned();
    assert_eq!(sub["events"], serde_json::json!(["payment_intent.created", "payment_intent.status_updated"]));
    let sub2 = ok_json(
        &sb,
        &["webhooks", "create", "--url", "https://shop.example/dojo", "--events", "payment_intent.created"],
    );
    assert_eq!(sub2["events"], serde_json::json!(["payment_intent.created"]));
    let id2 = sub2["id"].as_str().unwrap().to_owned();

    // Text shows secrets by id and state only.
    let r = run(&sb, &["webhooks", "list"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(&format!("subscription {id}")) && r.stdout.contains("(active)"), "{}", r.stdout);
    let value = sub["secrets"][0]["value"].as_str().unwrap();
    assert!(!r.stdout.contains(value), "list must not print secret values: {}", r.stdout);
    assert_eq!(subscription_ids(&sb), [id.clone(), id2.clone()]);

    // Update.
    let up = ok_json(
        &sb,
        &["webhooks", "update", &id, "--events", "payment_intent.status_updated", "--url", "http://localhost:10/h"],
    );
    assert_eq!(up["events"], serde_json::json!(["payment_intent.status_updated"]));
    assert_eq!(up["url"], "http://localhost:10/h");
    let r = run(&sb, &["webhooks", "update", &id, "--description", "till 2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("description      till 2"), "{}", r.stdout);

    // Secrets: list (values shown), generate, activate, delete the old.
    let s = ok_json(&sb, &["webhooks", "secrets", "list", &id]);
    let old = s["secrets"][0]["id"].as_str().unwrap().to_owned();
    let r = run(&sb, &["webhooks", "secrets", "list", &id]);
    assert!(r.stdout.contains(value) && r.stdout.contains("active"), "{}", r.stdout);
    let g = ok_json(&sb, &["webhooks", "secrets", "generate", &id]);
    let new = g["secrets"].as_array().unwrap().iter().find(|s| s["isActive"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = ok_json(&sb, &["webhooks", "secrets", "activate", &id, &new]);
    assert_eq!(a, serde_json::json!({"subscriptionId": id, "secretId": new, "activated": true}));
    let s = ok_json(&sb, &["webhooks", "secrets", "list", &id]);
    assert!(s["secrets"].as_array().unwrap().iter().all(|s| s["isActive"] == true), "{s}");
    let r = run(&sb, &["webhooks", "secrets", "delete", &id, &old]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), format!("deleted secret {old} of subscription {id}"));
    let s = ok_json(&sb, &["webhooks", "secrets", "list", &id]);
    assert_eq!(s["secrets"].as_array().unwrap().len(), 1);
    assert_eq!(s["secrets"][0]["id"], new.as_str());

    // Delete.
    let d = ok_json(&sb, &["webhooks", "delete", &id]);
    assert_eq!(d, serde_json::json!({"subscriptionId": id, "deleted": true}));
    assert_eq!(subscription_ids(&sb), std::slice::from_ref(&id2));

    // Errors and their exit codes: usage (2) before sending, API (3) after.
    for (args, code) in [
        (vec!["webhooks", "create", "--url", "http://example.com/hook"], 2),
        (vec!["webhooks", "create", "--url", "https://x.example", "--events", "bad name"], 2),
        (vec!["webhooks", "update", &id2], 2),
        (vec!["webhooks", "delete", "ws_1/../x"], 2),
        (vec!["webhooks", "delete", &id], 3),
        (vec!["webhooks", "secrets", "activate", &id2, "sc_nope"], 3),
        (vec!["webhooks", "secrets", "list", "ws_nope"], 3),
    ] {
        let r = run(&sb, &args);
        assert_eq!(r.code, code, "dojo {args:?}: {}{}", r.stdout, r.stderr);
    }
    let r = run(&sb, &["--json", "webhooks", "delete", &id]);
    assert_eq!(r.code, 3);
    let e: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(e["error"]["status"], 404);
}

/// A running `dojo listen`, its output collected line by line; killed if a test fails.
struct Listener {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    addr: SocketAddr,
    subscription: String,
}

fn collect(reader: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// Waits (bounded) until `f` holds.
fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Listener {
    fn start(sb: &Sandbox, args: &[&str]) -> Listener {
        let mut child = dojo_on(sb).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let mut ready = None;
        wait_for("the listener to be ready", Duration::from_secs(30), || {
            ready = stderr.lock().unwrap().iter().find(|l| l.starts_with("Ready: ")).cloned();
            ready.is_some()
        });
        // "Ready: receiving on http://127.0.0.1:PORT/webhooks as subscription ws_… (…)"
        let ready = ready.unwrap();
        let url = ready.split_whitespace().nth(3).unwrap();
        let addr = url.strip_prefix("http://").unwrap().split('/').next().unwrap().parse().unwrap();
        let subscription = ready.split_whitespace().nth(6).unwrap().to_owned();
        Listener { child, stdout, stderr, addr, subscription }
    }

    fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Sends SIGINT (Ctrl-C) and waits (bounded) for the exit code.
    fn interrupt(&mut self) -> i32 {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        self.wait()
    }

    fn wait(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers drain the pipes.
                std::thread::sleep(Duration::from_millis(100));
                return status.code().unwrap_or(-1);
            }
            assert!(start.elapsed() < Duration::from_secs(30), "dojo listen did not exit: {}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs raw bytes to the listener; the status it answers.
fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!("POST /webhooks HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    status_of(&mut s)
}

fn status_of(s: &mut TcpStream) -> u16 {
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn signed(body: &str, secret: &str) -> String {
    let mut out = [0u8; SIGNATURE_LEN];
    sign(body.as_bytes(), secret, &mut out).to_owned()
}

/// The deliveries the emulator made for `subscription`, once all are finished.
fn finished_deliveries(sb: &Sandbox, subscription: &str, at_least: usize) -> Vec<dojo_sandbox::Delivery> {
    let mut out = Vec::new();
    wait_for("the deliveries to finish", Duration::from_secs(30), || {
        out = sb.webhook_deliveries().into_iter().filter(|d| d.subscription_id == subscription).collect();
        out.len() >= at_least && out.iter().all(|d| d.finished)
    });
    out
}

fn active_secrets(sb: &Sandbox, subscription: &str) -> Vec<(String, String)> {
    let s = ok_json(sb, &["webhooks", "secrets", "list", subscription]);
    s["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["isActive"] == true)
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s["value"].as_str().unwrap().to_owned()))
        .collect()
}

/// A forward target that records what it gets and answers 500 to the first request.
/// What a forward target got: each request's signature header and body.
type Forwarded = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

fn forward_target() -> (SocketAddr, Forwarded) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = HashMap::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                let (k, v) = line.split_once(':').unwrap();
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
            let len: usize = headers.get("content-length").unwrap().parse().unwrap();
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            let first = {
                let mut got = sink.lock().unwrap();
                got.push((headers.get("dojo-signature").cloned(), body));
                got.len() == 1
            };
            let status = if first { "500 Internal Server Error" } else { "200 OK" };
            let _ = stream
                .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes());
        }
    });
    (addr, got)
}

fn payment_intent(client: &dojo_ureq::Client, reference: &str) -> String {
    let mut body = CreatePaymentIntentRequest::new(reference, Money::gbp(500));
    body.capture_mode = Some(CaptureMode::Auto);
    client.create_payment_intent(&body).unwrap().get().id.as_str().to_owned()
}

#[test]
fn listen_prints_each_event_once_through_retries_rotation_and_forgeries() {
    let sb = Sandbox::start(Config { webhook_max_attempts: 5, ..Config::default() }).unwrap();
    let api = client(&sb);
    let (forward, forwarded) = forward_target();
    let forward_url = format!("http://{forward}/in");
    let mut l =
        Listener::start(&sb, &["--json", "listen", "--fail-first", "2", "--for", "120", "--forward-to", &forward_url]);
    assert_eq!(subscription_ids(&sb), [l.subscription.clone()]);

    // 1. Three payment intents, one authorized: four events. The first two are answered
    // 500 after printing (a lost acknowledgement): the emulator retries them.
    let p1 = payment_intent(&api, "Order 1");
    let _p2 = payment_intent(&api, "Order 2");
    let _p3 = payment_intent(&api, "Order 3");
    sb.authorize_payment_intent(&p1, TestCard::SUCCESS).unwrap();
    let before = finished_deliveries(&sb, &l.subscription, 4);
    assert!(before.iter().all(|d| d.delivered), "{before:#?}");
    let retried = before.iter().filter(|d| d.attempts > 1).count();
    assert_eq!(retried, 2, "the emulator retried the two deliveries answered 500: {before:#?}");

    // 2. A rotation mid-stream: a new secret activated; the emulator signs with it, the
    // listener reads its active secrets again and verifies.
    let (old_id, old_value) = active_secrets(&sb, &l.subscription).remove(0);
    let g = ok_json(&sb, &["webhooks", "secrets", "generate", &l.subscription]);
    let new_id = g["secrets"].as_array().unwrap().iter().find(|s| s["isActive"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok_json(&sb, &["webhooks", "secrets", "activate", &l.subscription, &new_id]);
    let p4 = payment_intent(&api, "Order 4");
    sb.authorize_payment_intent(&p4, TestCard::SUCCESS).unwrap();
    let after = finished_deliveries(&sb, &l.subscription, 6);
    assert!(after.iter().all(|d| d.delivered), "{after:#?}");
    // Accepted at the first attempt: the listener read the new secret while handling it.
    assert!(after[4..].iter().all(|d| d.attempts == 1), "{after:#?}");
    let new_value = active_secrets(&sb, &l.subscription).into_iter().find(|(id, _)| *id == new_id).unwrap().1;
    assert!(after[4..].iter().all(|d| d.signature.as_deref() == Some(signed(&d.body, &new_value).as_str())));
    // While the old secret is active, a delivery signed with it still verifies.
    let old_signed =
        r#"{"id":"evt_signed_with_old","event":"payment_intent.created","accountId":"acc_sandbox","data":{}}"#;
    assert_eq!(post(l.addr, &[("dojo-signature", &signed(old_signed, &old_value))], old_signed.as_bytes()), 200);

    // 3. Bad deliveries: refused with 4xx, never printed, the listener goes on.
    let real = &after[0];
    let real_sig = real.signature.clone().unwrap();
    let altered = real.body.replacen("Created", "Captured", 1);
    assert_ne!(altered, real.body);
    let forged = r#"{"id":"evt_forged","event":"payment_intent.created","data":{}}"#;
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<u8>, u16);
    let cases: [Case<'_>; 6] = [
        ("replayed with changes", vec![("dojo-signature", real_sig.clone())], altered.into_bytes(), 401),
        ("forged", vec![("dojo-signature", signed(forged, "ws_not_the_secret"))], forged.as_bytes().to_vec(), 401),
        ("unsigned", vec![], forged.as_bytes().to_vec(), 401),
        ("malformed signature", vec![("dojo-signature", "sha256=zz".into())], forged.as_bytes().to_vec(), 400),
        ("signed, not JSON", vec![("dojo-signature", signed("not json", &new_value))], b"not json".to_vec(), 400),
        ("oversized", vec![("dojo-signature", real_sig.clone())], vec![b'x'; 300 * 1024], 413),
    ];
    for (what, headers, body, status) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(post(l.addr, &headers, &body), status, "{what}");
    }
    // Not a POST; a head that never ends is cut off.
    let mut s = TcpStream::connect(l.addr).unwrap();
    s.write_all(b"GET /webhooks HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    assert_eq!(status_of(&mut s), 405);
    // The exact delivery replayed: a duplicate, answered 200, not printed again.
    assert_eq!(post(l.addr, &[("dojo-signature", &real_sig)], real.body.as_bytes()), 200);

    // 4. Ctrl-C: the listener exits 0 and deletes its subscription.
    let code = l.interrupt();
    let stderr = l.stderr();
    assert_eq!(code, 0, "{stderr}");
    assert!(subscription_ids(&sb).is_empty(), "{stderr}");
    assert!(stderr.contains("deleted"), "{stderr}");

    // Every event exactly once, as one JSON object per line; nothing refused printed.
    let lines = l.stdout();
    let printed: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut ids: Vec<&str> = printed.iter().map(|v| v["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected: Vec<&str> = after.iter().map(|d| d.event_id.as_str()).collect();
    expected.push("evt_signed_with_old");
    expected.sort();
    assert_eq!(ids, expected, "{lines:#?}");
    for d in &after {
        let line = printed.iter().find(|v| v["id"] == d.event_id.as_str()).unwrap();
        assert_eq!(*line, serde_json::from_str::<Value>(&d.body).unwrap());
    }
    // Refusals are logged with their reasons, never with a body or a signature.
    for reason in [
        "signature matches no active secret",
        "unsigned",
        "malformed signature",
        "not a webhook event",
        "body too large",
        "not a POST",
    ] {
        assert!(stderr.contains(reason), "{reason}: {stderr}");
    }
    assert!(!stderr.contains(&real_sig) && !stderr.contains("evt_forged") && !stderr.contains("Captured"), "{stderr}");
    assert!(stderr.contains("rotation"), "{stderr}");

    // Forwarded: every new event, body and signature as delivered; the forward target's
    // 500 was logged, not fatal.
    let forwarded = forwarded.lock().unwrap().clone();
    assert_eq!(forwarded.len(), expected.len(), "{stderr}");
    for d in &after {
        assert!(
            forwarded.iter().any(|(sig, body)| sig.as_deref() == d.signature.as_deref() && body == d.body.as_bytes()),
            "{} not forwarded as delivered",
            d.event_id
        );
    }
    assert!(stderr.contains("it answered 500"), "{stderr}");
    let _ = old_id;
}

#[test]
fn listen_for_seconds_prints_text_and_unsubscribes() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let api = client(&sb);
    let mut l = Listener::start(&sb, &["listen", "--for", "5", "--events", "payment_intent.status_updated"]);
    let subs = ok_json(&sb, &["webhooks", "list"]);
    assert_eq!(subs[0]["events"], serde_json::json!(["payment_intent.status_updated"]));
    let pi = payment_intent(&api, "Text");
    sb.authorize_payment_intent(&pi, TestCard::SUCCESS).unwrap();
    finished_deliveries(&sb, &l.subscription, 1);
    let code = l.wait();
    assert_eq!(code, 0, "{}", l.stderr());
    assert!(subscription_ids(&sb).is_empty());
    let lines = l.stdout();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("payment_intent.status_updated") && lines[0].contains(&pi), "{lines:?}");
    assert!(lines[0].contains("Captured") || lines[0].contains("Authorized"), "{lines:?}");
}

#[test]
fn listen_against_the_real_api_needs_an_https_url() {
    let r = finish(dojo().env("DOJO_API_KEY", KEY).args(["listen", "--port", "4321"]).output().unwrap());
    let stderr = r.stderr;
    assert_eq!(r.code, 2, "{stderr}");
    assert!(stderr.contains("https://") && stderr.contains("127.0.0.1:4321") && stderr.contains("--url"), "{stderr}");
    // And a bad --forward-to is a usage error too.
    let sb = Sandbox::start(Config::default()).unwrap();
    let r = run(&sb, &["listen", "--forward-to", "localhost:3000"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(subscription_ids(&sb).is_empty());
}

#[test]
fn forged_deliveries_cannot_make_the_listener_hammer_the_api() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let l = Listener::start(&sb, &["listen", "--for", "60"]);
    let before = sb.requests_served();
    let started = Instant::now();
    let forged = r#"{"id":"evt_forged","event":"payment_intent.created","data":{}}"#;
    for i in 0..40 {
        let sig = signed(forged, &format!("ws_guess_{i}"));
        assert_eq!(post(l.addr, &[("dojo-signature", &sig)], forged.as_bytes()), 401);
    }
    // Each mismatch may read the secrets again, but at most once a second.
    let reads = sb.requests_served() - before;
    let allowed = 1 + started.elapsed().as_secs();
    assert!(reads >= 1 && reads <= allowed, "{reads} reads of the secrets in {:?}", started.elapsed());
    assert!(l.stdout().is_empty());
}

#[test]
fn concurrent_and_stalled_deliveries() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let mut l = Listener::start(&sb, &["--json", "listen", "--for", "60"]);
    let secret = active_secrets(&sb, &l.subscription).remove(0).1;
    // A sender that stalls mid-head holds one connection, not the listener.
    let mut stalled = TcpStream::connect(l.addr).unwrap();
    stalled.write_all(b"POST /webhooks HTTP/1.1\r\ncontent-le").unwrap();
    // 16 distinct events and one event sent 16 times, all at once.
    let body = |id: &str| format!(r#"{{"id":"{id}","event":"payment_intent.created","data":{{}}}}"#);
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let id = if i % 2 == 0 { format!("evt_distinct_{i}") } else { "evt_same".to_owned() };
            let b = body(&id);
            let sig = signed(&b, &secret);
            let addr = l.addr;
            std::thread::spawn(move || post(addr, &[("dojo-signature", &sig)], b.as_bytes()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    let code = l.interrupt();
    assert_eq!(code, 0, "{}", l.stderr());
    let mut ids: Vec<String> = l
        .stdout()
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..32).step_by(2).map(|i| format!("evt_distinct_{i}")).collect();
    expected.push("evt_same".into());
    expected.sort();
    assert_eq!(ids, expected);
    assert!(l.stderr().contains("15 repeated deliveries ignored"), "{}", l.stderr());
    assert!(subscription_ids(&sb).is_empty());
    drop(stalled);
}
