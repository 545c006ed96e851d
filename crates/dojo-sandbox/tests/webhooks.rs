//! Webhook subscriptions, secrets, and signed, retried deliveries to a receiver on
//! loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Client;
use dojo_core::PaymentIntentStatus;
use dojo_core::webhook::{WebhookEventName, verify, verify_and_decode};
use dojo_sandbox::{Config, Delivery, Sandbox, TestCard};

struct Received {
    signature: Option<String>,
    body: Vec<u8>,
}

/// A receiver answering each request with the next status of `script` (then 200), for
/// at most `max` requests or 30 seconds.
fn receiver(script: Vec<u16>, max: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/dojo", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut n = 0;
        while n < max && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut r = BufReader::new(stream);
            let (mut len, mut sig) = (0usize, None);
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or(("", ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => len = value.trim().parse().unwrap(),
                    "dojo-signature" => sig = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(Received { signature: sig, body });
            let status = script.get(n).copied().unwrap_or(200);
            let mut s = r.into_inner();
            write!(s, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
            n += 1;
        }
    });
    (url, got)
}

fn wait_finished(sb: &Sandbox, n: usize) -> Vec<Delivery> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = sb.webhook_deliveries();
        if d.len() >= n && d.iter().all(|d| d.finished) {
            return d;
        }
        assert!(Instant::now() < deadline, "deliveries not finished: {d:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn signed_deliveries_with_retries_and_rotation() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let (url, got) = receiver(vec![500], 10);

    let body = format!(r#"{{"events":["payment_intent.created","payment_intent.status_updated"],"url":"{url}"}}"#);
    let sub = c.api("POST", "/webhooks", Some(&body));
    assert_eq!(sub.status, 200, "{}", sub.text());
    let sub = sub.json();
    let sub_id = sub["id"].as_str().unwrap();
    let first_secret = sub["secrets"][0]["value"].as_str().unwrap().to_owned();
    assert_eq!(sub["secrets"][0]["isActive"], true);

    // Rotate: a new secret, activated, signs from now on.
    let secrets = c.api("POST", &format!("/webhooks/{sub_id}/secrets"), None).json();
    assert_eq!(secrets["id"], sub_id);
    let new = &secrets["secrets"].as_array().unwrap()[1];
    assert_eq!(new["isActive"], false);
    let (new_id, new_value) = (new["id"].as_str().unwrap(), new["value"].as_str().unwrap().to_owned());
    assert_eq!(c.api("PUT", &format!("/webhooks/{sub_id}/secrets/{new_id}/activate"), None).status, 204);
    assert_eq!(c.api("GET", &format!("/webhooks/{sub_id}/secrets"), None).json()["secrets"][1]["isActive"], true);
    assert_eq!(c.api("GET", "/webhooks", None).json().as_array().unwrap().len(), 1);

    // Two events: created, then status_updated (Captured at checkout).
    let pi =
        c.api("POST", "/payment-intents", Some(r#"{"amount":{"value":1000,"currencyCode":"GBP"},"reference":"W"}"#));
    let pi_id = pi.json()["id"].as_str().unwrap().to_owned();
    // Deliveries run concurrently: the created event's (500, then retried) is finished
    // first, so the receiver's scripted 500 cannot land on the status_updated one.
    wait_finished(&sb, 1);
    sb.authorize_payment_intent(&pi_id, TestCard::SUCCESS).unwrap();
    let deliveries = wait_finished(&sb, 2);
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d.delivered && d.last_status == Some(200)), "{deliveries:?}");
    assert_eq!(deliveries[0].attempts, 2, "the first answer was a 500: retried once");
    assert_eq!(deliveries[1].attempts, 1);

    let received = got.lock().unwrap();
    assert_eq!(received.len(), 3);
    let secrets = [first_secret.as_str(), new_value.as_str()];
    for r in received.iter() {
        let sig = r.signature.as_deref().unwrap();
        assert_eq!(verify(&r.body, sig, &secrets).unwrap(), 1, "signed with the newest active secret");
    }
    // Deliveries run concurrently: the retry of the first may arrive after the second.
    let events: Vec<_> = received
        .iter()
        .map(|r| verify_and_decode(&r.body, r.signature.as_deref().unwrap(), &secrets).unwrap())
        .collect();
    let created: Vec<usize> = (0..3).filter(|&i| events[i].event == WebhookEventName::PaymentIntentCreated).collect();
    assert_eq!(created.len(), 2);
    assert_eq!(received[created[0]].body, received[created[1]].body, "a retry resends the same event");
    let updated = (0..3).find(|i| !created.contains(i)).unwrap();
    assert_eq!(events[updated].event, WebhookEventName::PaymentIntentStatusUpdated);
    let data = events[updated].data.unwrap();
    assert_eq!(data.payment_intent_id.unwrap().as_str(), pi_id);
    assert_eq!(data.payment_status, Some(PaymentIntentStatus::Captured));
    assert_ne!(events[created[0]].id, events[updated].id);
    assert_eq!(deliveries[1].body.as_bytes(), received[updated].body.as_slice());

    // Over HTTP too.
    let listed = c.raw("GET", "/_sandbox/webhooks/deliveries", &[], b"").json();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Secret and subscription removal.
    assert_eq!(c.api("DELETE", &format!("/webhooks/{sub_id}/secrets/{new_id}"), None).status, 204);
    assert_eq!(c.api("DELETE", &format!("/webhooks/{sub_id}/secrets/{new_id}"), None).status, 404);
    assert_eq!(c.api("DELETE", &format!("/webhooks/{sub_id}"), None).status, 204);
    assert_eq!(c.api("DELETE", &format!("/webhooks/{sub_id}"), None).status, 404);
}

#[test]
fn bounded_retries_and_refused_subscriptions() {
    let sb = Sandbox::start(Config { webhook_max_attempts: 2, ..Config::default() }).unwrap();
    let c = Client::new(sb.base_url());
    // A port nobody listens on: every attempt fails to connect.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let body = format!(r#"{{"events":["payment_intent.created"],"url":"http://{dead}/x"}}"#);
    assert_eq!(c.api("POST", "/webhooks", Some(&body)).status, 200);
    let https = r#"{"events":["payment_intent.created"],"url":"https://example.com/hooks"}"#;
    assert_eq!(c.api("POST", "/webhooks", Some(https)).status, 200);
    c.api("POST", "/payment-intents", Some(r#"{"amount":{"value":1,"currencyCode":"GBP"},"reference":"W"}"#));
    let d = wait_finished(&sb, 2);
    for d in &d {
        assert!(!d.delivered && d.attempts == 2 && d.last_error.is_some(), "{d:?}");
    }
    assert!(d[1].last_error.as_deref().unwrap().contains("loopback"));

    for bad in [
        r#"{"events":["payment_intent.created"],"url":"http://example.com/x"}"#,
        r#"{"events":[],"url":"https://example.com/x"}"#,
        r#"{"url":"https://example.com/x"}"#,
    ] {
        let a = c.api("POST", "/webhooks", Some(bad));
        assert_eq!(a.status, 400, "{bad}: {}", a.text());
    }
    assert_eq!(c.api("PUT", "/webhooks/ws_none/secrets/sc_none/activate", None).status, 404);
    let _ = Read::bytes(std::io::empty());
}
