//! With the `log` feature: each exchange, retry and reconciliation is logged, and
//! nothing logged ever shows the key. (`cargo test -p dojo-embedded-svc --features log`)

#![cfg(feature = "log")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Mutex;

use common::mock::{Reply, Script};
use dojo_core::charge::Outcome;
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::Api;
use dojo_core::*;
use dojo_embedded_svc::{Client, RetryPolicy};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES.lock().unwrap().push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture;

#[test]
fn exchanges_retries_and_reconciliations_are_logged_without_the_key() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let key = ApiKey::new("sk_sandbox_TOPSECRET_c0ffee").unwrap();
    let pi = r#"{"id":"pi_sandbox_1","status":"Captured","amount":{"value":1000,"currencyCode":"GBP"},"setupIntentId":"si_sandbox_1"}"#;
    let script = Script::new([Reply::ResponseFails, Reply::ResponseFails, Reply::json(200, pi)]);
    let mut client = Client::new(script.connector(), Api::new(&key))
        .with_base_url("https://api.example.test")
        .unwrap()
        .with_retries(RetryPolicy::DEFAULT, 3, |_ms: u32| {});
    let mut setup = SetupIntentState::new(
        SetupIntentId::new("si_sandbox_1").unwrap(),
        SetupIntentStatus::Authorized,
        None,
        Some(Money::gbp(1000)),
    );
    let mut payment = PaymentIntentState::new(
        PaymentIntentId::new("pi_sandbox_1").unwrap(),
        PaymentIntentStatus::Created,
        Money::gbp(1000),
        Some(setup.id()),
    );
    let mut buf = [0u8; 1024];
    let report = client.charge(&mut payment, &mut setup, Timestamp::from_unix(1_772_400_000), &mut buf).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);

    let lines = LINES.lock().unwrap().clone();
    let all = lines.join("\n");
    assert!(all.contains("charge_payment_intent: attempt failed (Receive)"), "{all}");
    // A lost answer to a charge is not "nothing changed on the server".
    assert!(!all.contains("nothing changed"), "{all}");
    assert!(all.contains("retry 1"), "{all}");
    assert!(all.contains("GET /payment-intents/pi_sandbox_1 -> 200"), "{all}");
    assert!(all.contains("reconciled"), "{all}");
    assert!(!all.contains("TOPSECRET"), "the key leaked into the log:\n{all}");
    assert!(!all.contains("Authorization"), "{all}");
}
