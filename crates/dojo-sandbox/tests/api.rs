//! Every route and every error status over real loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use common::{Answer, Client, KEY, VERSION};
use dojo_sandbox::{Config, Sandbox, TestCard, Timestamp};
use serde_json::{Value, json};

const SI_BODY: &str = r#"{"reference":"Booking 7","terms":"No-show fee","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;

fn assert_problem(a: &Answer, status: u16) -> Value {
    assert_eq!(a.status, status, "{}", a.text());
    assert!(a.header("content-type").unwrap().starts_with("application/problem+json"), "{:?}", a.headers);
    let p = a.json();
    assert_eq!(p["status"], status);
    assert!(p["type"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    assert!(p["traceId"].as_str().is_some_and(|t| t.starts_with("00-")), "{p}");
    p
}

fn create_si(c: &Client, body: &str) -> Value {
    let a = c.api("POST", "/setup-intents", Some(body));
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()
}

fn create_pi(c: &Client, extra: &str) -> Value {
    let body = format!(r#"{{"amount":{{"value":1000,"currencyCode":"GBP"}},"reference":"Order 1"{extra}}}"#);
    let a = c.api("POST", "/payment-intents", Some(&body));
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()
}

#[test]
fn authentication_and_version() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let path = "/setup-intents/si_sandbox_x";
    assert_problem(&c.raw("GET", path, &[("version", VERSION)], b""), 401);
    for bad in ["Bearer sk_sandbox_x", "Basic ", "Basic sk_test_x", "sk_sandbox_x", "Basic sk_sandbox_"] {
        assert_problem(&c.raw("GET", path, &[("Authorization", bad), ("version", VERSION)], b""), 401);
    }
    assert_problem(&c.raw("GET", path, &[("Authorization", "Basic sk_prod_x"), ("version", VERSION)], b""), 403);
    let auth = format!("Basic {KEY}");
    let p = assert_problem(&c.raw("GET", path, &[("Authorization", &auth)], b""), 400);
    assert!(p["errors"]["version"].is_array(), "{p}");
    for bad in ["2026-13-01", "yesterday", "2026-2-27"] {
        assert_problem(&c.raw("GET", path, &[("Authorization", &auth), ("version", bad)], b""), 400);
    }
    assert_problem(&c.raw("GET", path, &[("Authorization", &auth), ("version", VERSION)], b""), 404);
}

#[test]
fn routing_errors_and_bad_bodies() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    assert_problem(&c.api("GET", "/nope", None), 404);
    assert_problem(&c.api("GET", "/payment-intents/pi_sandbox_unknown", None), 404);
    assert_problem(&c.api("GET", "/payment-intents/refunds/rfd_unknown", None), 404);
    // The spec names 403 ("Not found") for an unknown payment intent's charge.
    assert_problem(&c.api("POST", "/payment-intents/pi_sandbox_unknown/charge", None), 403);
    let a = c.api("PUT", "/setup-intents/si_x", Some("{}"));
    assert_problem(&a, 405);
    assert_eq!(a.header("allow"), Some("GET, DELETE"));
    assert_problem(&c.api("GET", "/setup-intents", None), 405);

    // 415: not JSON.
    let auth = format!("Basic {KEY}");
    let h = [("Authorization", auth.as_str()), ("version", VERSION), ("Content-Type", "text/plain")];
    assert_problem(&c.raw("POST", "/setup-intents", &h, SI_BODY.as_bytes()), 415);
    assert_problem(&c.raw("POST", "/setup-intents", &h[..2], SI_BODY.as_bytes()), 415);
    // 413: too large (declared, and streamed).
    let big = format!(r#"{{"reference":"{}"}}"#, "x".repeat(70 * 1024));
    assert_problem(&c.api("POST", "/setup-intents", Some(&big)), 413);
    // 400: broken JSON, a missing field, a failed validation, a fractional amount.
    let p = assert_problem(&c.api("POST", "/setup-intents", Some("{\"reference\":")), 400);
    assert!(p["errors"].is_object(), "{p}");
    let p = assert_problem(&c.api("POST", "/setup-intents", Some(r#"{"reference":"r","terms":"t"}"#)), 400);
    assert!(p["errors"]["$.merchantInitiatedTransactionType"].is_array(), "{p}");
    let long = SI_BODY.replace("Booking 7", &"r".repeat(61));
    let p = assert_problem(&c.api("POST", "/setup-intents", Some(&long)), 400);
    assert!(p["errors"]["$.reference"].is_array(), "{p}");
    assert_eq!(p["title"], "One or more validation errors occurred.");
    let frac = SI_BODY.replace(r#""value":1000"#, r#""value":10.5"#);
    assert_problem(&c.api("POST", "/setup-intents", Some(&frac)), 400);
    assert_problem(&c.api("POST", "/setup-intents", Some("")), 400);
    let manual = SI_BODY.replace(r#""terms""#, r#""captureMode":"Manual","terms""#);
    assert_problem(&c.api("POST", "/setup-intents", Some(&manual)), 400);
    // The server still serves after all that.
    create_si(&c, SI_BODY);
}

#[test]
fn amounts_as_numbers_or_digit_strings_and_aspnet_escaping() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let si = create_si(&c, &SI_BODY.replace("1000", "\"1000\"").replace("Booking 7", "Caf\u{e9} & 'Bar' <+>"));
    assert_eq!(si["intendedAmount"], json!({"value": 1000, "currencyCode": "GBP"}));
    assert_eq!(si["reference"], "Caf\u{e9} & 'Bar' <+>");
    let a = c.api("GET", &format!("/setup-intents/{}", si["id"].as_str().unwrap()), None);
    let raw = a.text();
    assert!(raw.contains(r#""reference":"Caf\u00E9 \u0026 \u0027Bar\u0027 \u003C\u002B\u003E""#), "{raw}");
    assert!(raw.contains(r#""value":1000"#), "{raw}");
    assert!(a.header("content-type").unwrap().starts_with("application/json"));
}

#[test]
fn setup_intent_routes() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let si = create_si(&c, SI_BODY);
    let id = si["id"].as_str().unwrap();
    assert_eq!(si["status"], "Created");
    for field in ["createdAt", "updatedAt", "expireAt", "clientSessionSecret", "clientSessionSecretExpirationDate"] {
        let t = si[field].as_str().unwrap_or_else(|| panic!("{field}: {si}"));
        if field != "clientSessionSecret" {
            assert!(t.ends_with('Z') && Timestamp::parse(t).is_ok(), "{field} {t}");
        }
    }
    // Public get: no key, no setupEvents.
    let p = c.raw("GET", &format!("/setup-intents/public/{id}"), &[("version", VERSION)], b"");
    assert_eq!(p.status, 200, "{}", p.text());
    assert!(p.json().get("setupEvents").is_none());
    let public = format!("/setup-intents/public/{id}");
    assert_eq!(c.api("GET", &public, None).status, 200, "a good key is fine too");
    assert_problem(&c.raw("GET", &public, &[("Authorization", "Basic sk_prod_x"), ("version", VERSION)], b""), 403);
    assert_problem(&c.raw("GET", &public, &[], b""), 400);
    assert!(c.api("GET", &format!("/setup-intents/{id}"), None).json()["setupEvents"].is_array());
    // Refresh the secret (private and public).
    let r = c.api("POST", &format!("/setup-intents/{id}/refresh-client-session-secret"), None);
    assert_eq!(r.status, 200);
    assert_ne!(r.json()["clientSessionSecret"], si["clientSessionSecret"]);
    let r2 = c.raw(
        "POST",
        &format!("/setup-intents/public/{id}/refresh-client-session-secret"),
        &[("version", VERSION)],
        b"",
    );
    assert_eq!(r2.status, 200, "{}", r2.text());
    assert_ne!(r2.json()["clientSessionSecret"], r.json()["clientSessionSecret"]);
    // Cancel while Created.
    let a = c.api("DELETE", &format!("/setup-intents/{id}"), None);
    assert_eq!(a.json()["status"], "Canceled");
    assert_problem(&c.api("DELETE", &format!("/setup-intents/{id}"), None), 409);

    // Authorized: DELETE needs includeAuthorized, then Closed.
    let id = create_si(&c, SI_BODY)["id"].as_str().unwrap().to_owned();
    sb.authorize_setup_intent(&id, TestCard::SUCCESS).unwrap();
    let si = c.api("GET", &format!("/setup-intents/{id}"), None).json();
    assert_eq!(si["paymentDetails"]["card"]["last4PAN"], "1005");
    assert_problem(&c.api("DELETE", &format!("/setup-intents/{id}"), None), 409);
    let a = c.api("DELETE", &format!("/setup-intents/{id}?includeAuthorized=true"), None);
    assert_eq!(a.json()["status"], "Closed");

    // expireAt through the clock: default 7 days, or the one given.
    let id = create_si(&c, SI_BODY)["id"].as_str().unwrap().to_owned();
    let soon = sb.now().add_seconds(600);
    let body = SI_BODY.replace(r#""terms""#, &format!(r#""expireAt":"{soon}","terms""#));
    let soon_id = create_si(&c, &body)["id"].as_str().unwrap().to_owned();
    sb.advance_clock(Duration::from_secs(601));
    assert_eq!(c.api("GET", &format!("/setup-intents/{soon_id}"), None).json()["status"], "Expired");
    assert_eq!(c.api("GET", &format!("/setup-intents/{id}"), None).json()["status"], "Created");
    let clock = c.raw("POST", "/_sandbox/clock/advance", &[], br#"{"seconds":604800}"#).json();
    assert!(Timestamp::parse(clock["now"].as_str().unwrap()).unwrap() > soon);
    assert_eq!(c.api("GET", &format!("/setup-intents/{id}"), None).json()["status"], "Expired");
    assert!(sb.authorize_setup_intent(&id, TestCard::SUCCESS).is_err());
    assert!(c.raw("GET", "/_sandbox/clock", &[], b"").json()["now"].is_string());
}

#[test]
fn payment_intent_routes() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());

    // Cancel, then hidden unless returnCanceled.
    let pi = create_pi(&c, "");
    let id = pi["id"].as_str().unwrap();
    assert_eq!(pi["captureMode"], "Auto");
    assert_eq!(c.api("DELETE", &format!("/payment-intents/{id}"), None).json()["status"], "Canceled");
    assert_problem(&c.api("GET", &format!("/payment-intents/{id}"), None), 404);
    let a = c.api("GET", &format!("/payment-intents/{id}?returnCanceled=true"), None);
    assert_eq!(a.json()["status"], "Canceled");
    // Capture or cancel of a canceled one: 409.
    assert_problem(&c.api("POST", &format!("/payment-intents/{id}/captures"), Some(r#"{"amount":100}"#)), 409);
    assert_problem(&c.api("DELETE", &format!("/payment-intents/{id}"), None), 409);
    // Charge of one without a setup intent: 400.
    let plain = create_pi(&c, "")["id"].as_str().unwrap().to_owned();
    let p = assert_problem(&c.api("POST", &format!("/payment-intents/{plain}/charge"), None), 400);
    assert!(p["errors"]["setupIntentId"].is_array());
    // A setup intent that does not exist: 404.
    assert_problem(
        &c.api(
            "POST",
            "/payment-intents",
            Some(r#"{"amount":{"value":1,"currencyCode":"GBP"},"reference":"r","setupIntentId":"si_sandbox_none"}"#),
        ),
        404,
    );

    // Manual: authorized at checkout, captured in parts, refunded, idempotently.
    let m = create_pi(&c, r#","captureMode":"Manual","autoExpireIn":"01:00:00","autoExpireAction":"Release""#);
    let mid = m["id"].as_str().unwrap();
    let a = c.raw("POST", &format!("/_sandbox/payment-intents/{mid}/authorize"), &[], b"");
    assert_eq!(a.json()["outcome"], "Authorized");
    assert_eq!(c.api("GET", &format!("/payment-intents/{mid}"), None).json()["status"], "Authorized");
    let cap = c.api("POST", &format!("/payment-intents/{mid}/captures"), Some(r#"{"amount":400}"#));
    assert_eq!(cap.status, 200, "{}", cap.text());
    assert!(cap.json()["captureId"].is_string());
    assert_problem(&c.api("POST", &format!("/payment-intents/{mid}/captures"), Some(r#"{"amount":601}"#)), 400);
    assert_eq!(c.api("POST", &format!("/payment-intents/{mid}/captures"), Some(r#"{"amount":"600"}"#)).status, 200);
    assert_problem(&c.api("POST", &format!("/payment-intents/{mid}/captures"), Some(r#"{"amount":1}"#)), 409);
    let got = c.api("GET", &format!("/payment-intents/{mid}"), None).json();
    assert_eq!(got["status"], "Captured");
    assert_eq!(got["captures"].as_array().unwrap().len(), 2);
    assert_eq!(sb.captures(mid).iter().map(|c| c.amount).sum::<i64>(), 1000);

    let auth = format!("Basic {KEY}");
    let refund = |key: Option<&str>, body: &str| {
        let mut h = vec![("Authorization", auth.as_str()), ("version", VERSION), ("Content-Type", "application/json")];
        if let Some(k) = key {
            h.push(("idempotencyKey", k));
        }
        c.raw("POST", &format!("/payment-intents/{mid}/refunds"), &h, body.as_bytes())
    };
    assert_problem(&refund(None, r#"{"amount":100}"#), 400);
    let r1 = refund(Some("key-1"), r#"{"amount":300,"refundReason":"cold soup"}"#);
    assert_eq!(r1.status, 200, "{}", r1.text());
    let r1 = r1.json();
    let again = refund(Some("key-1"), r#"{"amount":300,"refundReason":"cold soup"}"#).json();
    assert_eq!(again["refundId"], r1["refundId"], "same key, same refund");
    assert_eq!(c.api("GET", &format!("/payment-intents/{mid}"), None).json()["refundedAmount"], 300);
    assert_problem(&refund(Some("key-2"), r#"{"amount":701}"#), 400);
    assert_eq!(refund(Some("key-2"), r#"{"amount":700}"#).status, 200);
    assert_eq!(c.api("GET", &format!("/payment-intents/{mid}"), None).json()["status"], "Refunded");
    assert_problem(&refund(Some("key-3"), r#"{"amount":1}"#), 409);
    let rid = r1["refundId"].as_str().unwrap();
    let got = c.api("GET", &format!("/payment-intents/refunds/{rid}"), None);
    assert_eq!(got.json()["refundReason"], "cold soup");

    // Reversal of an Auto one captured at checkout; twice is 409.
    let a = create_pi(&c, "")["id"].as_str().unwrap().to_owned();
    sb.authorize_payment_intent(&a, TestCard::SUCCESS).unwrap();
    assert_eq!(sb.captures(&a).len(), 1);
    let rev = c.api("POST", &format!("/payment-intents/{a}/reversal"), None);
    assert_eq!(rev.status, 200, "{}", rev.text());
    assert!(rev.json()["reversalId"].is_string());
    assert_problem(&c.api("POST", &format!("/payment-intents/{a}/reversal"), None), 409);
    // Refresh.
    let r = c.api("POST", &format!("/payment-intents/{a}/refresh-client-session-secret"), None);
    assert_eq!(r.status, 200, "{}", r.text());

    // expireAt cancels an unpaid one; autoExpireIn releases an uncaptured Manual one.
    let soon = sb.now().add_seconds(60);
    let e = create_pi(&c, &format!(r#","expireAt":"{soon}""#))["id"].as_str().unwrap().to_owned();
    let m2 = create_pi(&c, r#","captureMode":"Manual","autoExpireIn":"00:02:00","autoExpireAction":"Release""#);
    let m2 = m2["id"].as_str().unwrap().to_owned();
    sb.authorize_payment_intent(&m2, TestCard::SUCCESS).unwrap();
    sb.advance_clock(Duration::from_secs(121));
    assert_problem(&c.api("GET", &format!("/payment-intents/{e}"), None), 404);
    assert_eq!(c.api("GET", &format!("/payment-intents/{e}?returnCanceled=true"), None).json()["status"], "Canceled");
    assert_eq!(c.api("GET", &format!("/payment-intents/{m2}"), None).json()["status"], "Reversed");
}

#[test]
fn search_pages() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let ids: Vec<String> = (0..5).map(|_| create_pi(&c, "")["id"].as_str().unwrap().to_owned()).collect();
    c.api("DELETE", &format!("/payment-intents/{}", ids[4]), None);
    let page = c.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"limit":2}}"#)).json();
    let got: Vec<&str> = page["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(got, vec![ids[0].as_str(), ids[1].as_str()]);
    assert!(page.get("before").is_none());
    let after = page["after"].as_str().unwrap();
    let body = format!(r#"{{"cursor":{{"limit":2,"after":"{after}"}}}}"#);
    let page2 = c.api("POST", "/payment-intents/search", Some(&body)).json();
    let got: Vec<&str> = page2["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(got, vec![ids[2].as_str(), ids[3].as_str()]);
    assert_eq!(page2["before"], ids[2].as_str());
    let canceled = c.api("POST", "/payment-intents/search", Some(r#"{"statuses":["Canceled"]}"#)).json();
    assert_eq!(canceled["data"].as_array().unwrap().len(), 1);
    assert_problem(&c.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"limit":0}}"#)), 400);
    assert_problem(&c.api("POST", "/payment-intents/search", Some(r#"{"cursor":{"after":"pi_unknown"}}"#)), 400);
}

#[test]
fn checkout_form_posts() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let id = create_si(&c, SI_BODY)["id"].as_str().unwrap().to_owned();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let path = format!("/checkout/{id}");
    assert_eq!(c.raw("GET", "/checkout/si_sandbox_unknown", &[], b"").status, 404);
    let bad = c.raw("POST", &path, &form, b"cardNumber=4111111111111111&expiry=12%2F29&cvv=123");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("id=\"error\""));
    let declined = c.raw("POST", &path, &form, b"cardNumber=4456+5300+0000+1013&expiry=12%2F29&cvv=123");
    assert_eq!(declined.status, 402);
    assert_eq!(c.api("GET", &format!("/setup-intents/{id}"), None).json()["status"], "Created");
    let ok = c.raw("POST", &path, &form, b"cardholderName=A+B&cardNumber=5200+0000+0000+1096&expiry=12%2F29&cvv=123");
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("data-status=\"Authorized\""));
    let si = c.api("GET", &format!("/setup-intents/{id}"), None).json();
    assert_eq!(si["status"], "Authorized");
    assert_eq!(si["paymentDetails"]["card"]["cardName"], "A B");
    // Now the page only shows the status.
    let page = c.raw("GET", &path, &[], b"").text();
    assert!(page.contains("data-status=\"Authorized\"") && !page.contains("<form"));
}

#[test]
fn reads_do_not_change_the_ids_a_seed_gives() {
    let pi_body = r#"{"amount":{"value":1000,"currencyCode":"GBP"},"reference":"Seeded"}"#;
    let ids = |reads: usize| {
        let sb = Sandbox::start(Config { seed: 9, ..Config::default() }).unwrap();
        let c = Client::new(sb.base_url());
        let first = c.api("POST", "/payment-intents", Some(pi_body)).json()["id"].as_str().unwrap().to_owned();
        for _ in 0..reads {
            assert_eq!(c.api("GET", &format!("/payment-intents/{first}"), None).status, 200);
            assert_eq!(c.api("POST", "/payment-intents/search", Some("{}")).status, 200);
        }
        let second = c.api("POST", "/payment-intents", Some(pi_body)).json()["id"].as_str().unwrap().to_owned();
        (first, second)
    };
    assert_eq!(ids(0), ids(3), "polling a payment intent must not move the seed's id sequence");
}

#[test]
fn auto_expire_capture_captures_the_authorization() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let n = create_pi(&c, r#","captureMode":"Manual","autoExpireIn":"00:01:00","autoExpireAction":"Capture""#);
    let n = n["id"].as_str().unwrap().to_owned();
    sb.authorize_payment_intent(&n, TestCard::SUCCESS).unwrap();
    sb.advance_clock(Duration::from_secs(59));
    assert_eq!(c.api("GET", &format!("/payment-intents/{n}"), None).json()["status"], "Authorized");
    assert!(sb.captures(&n).is_empty());
    sb.advance_clock(Duration::from_secs(2));
    let got = c.api("GET", &format!("/payment-intents/{n}"), None).json();
    assert_eq!(got["status"], "Captured");
    let caps = sb.captures(&n);
    assert_eq!(caps.len(), 1);
    assert_eq!(caps[0].amount, 1000);
    assert!(got["captures"][0]["id"].as_str().is_some_and(|id| id.starts_with("cap_sandbox_")), "{got}");
}

/// Every payment intent carries `paymentLink`, shaped as the spec's
/// `https://pay.dojo.tech:443/checkout/pi_…` but on the emulator's own base, and it serves
/// the checkout page.
#[test]
fn payment_link_points_at_the_emulators_checkout_page() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let pi = create_pi(&c, "");
    let id = pi["id"].as_str().unwrap();
    let link = pi["paymentLink"].as_str().unwrap_or_else(|| panic!("no paymentLink in {pi}"));
    assert_eq!(link, sb.checkout_url(id));
    assert!(link.starts_with("http://127.0.0.1:") && link.ends_with(&format!("/checkout/{id}")));
    let got = c.api("GET", &format!("/payment-intents/{id}"), None).json();
    assert_eq!(got["paymentLink"], link);
    let page = c.raw("GET", link.trim_start_matches(sb.base_url()), &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("id=\"card-form\""));
}
