//! Where the 2026-02-27 OpenAPI document is explicit, the emulator answers as it says:
//! webhook management shapes, validation, response fields, statuses, `errors` keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::Client;
use dojo_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

const SI: &str = r#"{"reference":"r","terms":"t","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;

fn errors_keys(c: &Client, method: &str, path: &str, body: &str) -> Vec<String> {
    let a = c.api(method, path, Some(body));
    assert_eq!(a.status, 400, "{body}: {}", a.text());
    a.json()["errors"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn webhook_management_shapes() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let events = c.api("GET", "/webhooks/events", None).json();
    assert_eq!(
        events,
        json!([{"model": "PaymentIntent", "events": ["payment_intent.created", "payment_intent.status_updated"]}])
    );
    let sub =
        c.api("POST", "/webhooks", Some(r#"{"events":["payment_intent.created"],"url":"https://example.com/h"}"#));
    assert_eq!(sub.status, 200, "{}", sub.text());
    let id = sub.json()["id"].as_str().unwrap().to_owned();
    let list = c.api("GET", &format!("/webhooks/{id}/secrets"), None).json();
    assert_eq!(list["id"], id.as_str());
    assert_eq!(list["secrets"].as_array().unwrap().len(), 1);
    let more = c.api("POST", &format!("/webhooks/{id}/secrets"), None).json();
    assert_eq!(more["id"], id.as_str());
    assert_eq!(more["secrets"].as_array().unwrap().len(), 2);
    assert_eq!(more["secrets"][1]["isActive"], false);
    // PATCH changes what it names and keeps the rest.
    let patched = c.api(
        "PATCH",
        &format!("/webhooks/{id}"),
        Some(r#"{"events":["payment_intent.status_updated"],"description":"d"}"#),
    );
    assert_eq!(patched.status, 200, "{}", patched.text());
    let p = patched.json();
    assert_eq!(p["events"], json!(["payment_intent.status_updated"]));
    assert_eq!(p["url"], "https://example.com/h");
    assert_eq!(p["description"], "d");
    assert_eq!(c.api("GET", "/webhooks", None).json()[0]["events"], json!(["payment_intent.status_updated"]));
    assert_eq!(errors_keys(&c, "PATCH", &format!("/webhooks/{id}"), r#"{"url":"https:////x"}"#), ["$.url"]);
    assert_eq!(c.api("PATCH", "/webhooks/ws_nope", Some("{}")).status, 404);
}

#[test]
fn validation_as_strict_as_the_spec() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let usd = SI.replace("GBP", "USD");
    assert_eq!(errors_keys(&c, "POST", "/setup-intents", &usd), ["$.intendedAmount.currencyCode"]);
    let pi = r#"{"amount":{"value":5,"currencyCode":"JPY"},"reference":"r"}"#;
    assert_eq!(errors_keys(&c, "POST", "/payment-intents", pi), ["$.amount.currencyCode"]);
    assert_eq!(c.api("POST", "/payment-intents", Some(&pi.replace("JPY", "EUR"))).status, 200);
    assert_eq!(errors_keys(&c, "POST", "/payment-intents/search", r#"{"cursor":{"limit":101}}"#), ["$.cursor.limit"]);
    assert_eq!(errors_keys(&c, "POST", "/payment-intents/search", r#"{"cursor":{"limit":0}}"#), ["$.cursor.limit"]);
    for url in ["https://////x", "https://", "https:///path", "ftp://example.com/h"] {
        let body = format!(r#"{{"events":["payment_intent.created"],"url":"{url}"}}"#);
        assert_eq!(errors_keys(&c, "POST", "/webhooks", &body), ["$.url"], "{url}");
    }
}

#[test]
fn search_pages_default_to_50() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    for _ in 0..60 {
        assert_eq!(
            c.api("POST", "/payment-intents", Some(r#"{"amount":{"value":5,"currencyCode":"GBP"},"reference":"r"}"#))
                .status,
            200
        );
    }
    let page = c.api("POST", "/payment-intents/search", Some("{}")).json();
    assert_eq!(page["data"].as_array().unwrap().len(), 50);
    assert!(page["after"].is_string());
}

#[test]
fn setup_intent_answers_have_no_capture_mode() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let si: Value = c.api("POST", "/setup-intents", Some(SI)).json();
    assert!(si.get("captureMode").is_none(), "{si}");
    let id = si["id"].as_str().unwrap();
    assert!(c.api("GET", &format!("/setup-intents/{id}"), None).json().get("captureMode").is_none());
}

#[test]
fn errors_are_keyed_by_full_json_paths() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let bad_value = SI.replace(r#""value":1000"#, r#""value":"ten""#);
    assert_eq!(errors_keys(&c, "POST", "/setup-intents", &bad_value), ["$.intendedAmount.value"]);
    let negative = SI.replace(r#""value":1000"#, r#""value":-1"#);
    assert_eq!(errors_keys(&c, "POST", "/setup-intents", &negative), ["$.intendedAmount.value"]);
    let no_currency = SI.replace(r#","currencyCode":"GBP""#, "");
    assert_eq!(errors_keys(&c, "POST", "/setup-intents", &no_currency), ["$.intendedAmount.currencyCode"]);
    assert_eq!(errors_keys(&c, "POST", "/setup-intents", ""), ["$"]);
    let pi = c.api("POST", "/payment-intents", Some(r#"{"amount":{"value":5,"currencyCode":"GBP"},"reference":"r"}"#));
    let id = pi.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(errors_keys(&c, "POST", &format!("/payment-intents/{id}/captures"), r#"{"amount":"x"}"#), ["$.amount"]);
}
