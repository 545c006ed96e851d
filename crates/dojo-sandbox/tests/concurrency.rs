//! Many clients at once: no lost or duplicated intents, and no double charge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashSet;
use std::sync::Barrier;

use common::Client;
use dojo_sandbox::{Config, Sandbox};

const THREADS: usize = 16;
const FLOWS: usize = 20;

fn flow(c: &Client, n: usize) -> (String, String) {
    let si = c.api(
        "POST",
        "/setup-intents",
        Some(&format!(r#"{{"reference":"R{n}","terms":"t","merchantInitiatedTransactionType":"NoShow","intendedAmount":{{"value":{},"currencyCode":"GBP"}}}}"#, 100 + n)),
    );
    assert_eq!(si.status, 200, "{}", si.text());
    let si = si.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(c.raw("POST", &format!("/_sandbox/setup-intents/{si}/authorize"), &[], b"").status, 200);
    let body = format!(
        r#"{{"amount":{{"value":{},"currencyCode":"GBP"}},"reference":"P{n}","setupIntentId":"{si}"}}"#,
        100 + n
    );
    let pi = c.api("POST", "/payment-intents", Some(&body));
    assert_eq!(pi.status, 200, "{}", pi.text());
    let pi = pi.json()["id"].as_str().unwrap().to_owned();
    let ch = c.api("POST", &format!("/payment-intents/{pi}/charge"), None);
    assert_eq!(ch.status, 200, "{}", ch.text());
    assert_eq!(ch.json()["status"], "Successful");
    (si, pi)
}

#[test]
fn many_clients_create_and_charge() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let base = sb.base_url().to_owned();
    let results: Vec<(String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let base = base.clone();
                s.spawn(move || {
                    let c = Client::new(&base);
                    (0..FLOWS).map(|i| flow(&c, t * FLOWS + i)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let total = THREADS * FLOWS;
    let si: HashSet<&str> = results.iter().map(|(s, _)| s.as_str()).collect();
    let pi: HashSet<&str> = results.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!((si.len(), pi.len()), (total, total), "no duplicated ids");

    // Nothing lost: every one reads back, charged exactly once.
    let c = Client::new(&base);
    for (s, p) in &results {
        assert_eq!(c.api("GET", &format!("/setup-intents/{s}"), None).json()["status"], "Completed");
        assert_eq!(c.api("GET", &format!("/payment-intents/{p}"), None).json()["status"], "Captured");
        assert_eq!(sb.captures(p).len(), 1);
    }
    let mut seen = 0;
    let mut after: Option<String> = None;
    loop {
        let body = match &after {
            Some(a) => format!(r#"{{"cursor":{{"limit":100,"after":"{a}"}}}}"#),
            None => r#"{"cursor":{"limit":100}}"#.to_owned(),
        };
        let page = c.api("POST", "/payment-intents/search", Some(&body)).json();
        seen += page["data"].as_array().unwrap().len();
        match page["after"].as_str() {
            Some(a) => after = Some(a.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, total, "search finds every payment intent once");
}

#[test]
fn racing_charges_of_one_payment_intent_capture_once() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    for round in 0..5 {
        let si = c.api(
            "POST",
            "/setup-intents",
            Some(r#"{"reference":"R","terms":"t","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":500,"currencyCode":"GBP"}}"#),
        );
        let si = si.json()["id"].as_str().unwrap().to_owned();
        c.raw("POST", &format!("/_sandbox/setup-intents/{si}/authorize"), &[], b"");
        let body =
            format!(r#"{{"amount":{{"value":500,"currencyCode":"GBP"}},"reference":"P","setupIntentId":"{si}"}}"#);
        let pi = c.api("POST", "/payment-intents", Some(&body)).json()["id"].as_str().unwrap().to_owned();
        let barrier = Barrier::new(THREADS);
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (base, pi, barrier) = (sb.base_url(), &pi, &barrier);
                    s.spawn(move || {
                        let c = Client::new(base);
                        barrier.wait();
                        c.api("POST", &format!("/payment-intents/{pi}/charge"), None).status
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 1, "round {round}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|&&s| s == 409).count(), THREADS - 1, "round {round}: {statuses:?}");
        assert_eq!(sb.captures(&pi).len(), 1);
        assert_eq!(sb.charge_attempts(&pi), THREADS);
    }
}
