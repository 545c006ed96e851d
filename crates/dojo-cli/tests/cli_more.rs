//! The commands that cover the rest of the adapters' operations (capture, reverse,
//! search, get-public, refresh-secret), run as the built `dojo` binary against the
//! emulator on 127.0.0.1:0, text and `--json`, with their exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::request::CreatePaymentIntentRequest;
use dojo_core::{CaptureMode, Money};
use dojo_sandbox::{Config, Sandbox, TestCard};

mod common;

use common::{client, ok_json, run};

/// A payment intent of `minor` GBP pence, created directly (the CLI creates only from
/// setup intents), `Manual` capture when asked.
fn payment_intent(sb: &Sandbox, minor: i64, manual: bool, reference: &str) -> String {
    let mut body = CreatePaymentIntentRequest::new(reference, Money::gbp(minor));
    if manual {
        body.capture_mode = Some(CaptureMode::Manual);
    }
    client(sb).create_payment_intent(&body).unwrap().get().id.as_str().to_owned()
}

#[test]
fn capture_in_parts_then_the_rest() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let pi = payment_intent(&sb, 1000, true, "Order 1");
    // Not authorized yet: the lifecycle refuses before anything is sent.
    let r = run(&sb, &["payment-intents", "capture", &pi]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(sb.captures(&pi).is_empty());

    sb.authorize_payment_intent(&pi, TestCard::SUCCESS).unwrap();
    let first = ok_json(&sb, &["payment-intents", "capture", &pi, "--amount", "4.00"]);
    assert!(first["captureId"].is_string(), "{first}");
    assert_eq!(sb.captures(&pi).len(), 1);
    // More than is left is refused (exit 1), in the currency's units.
    let r = run(&sb, &["payment-intents", "capture", &pi, "--amount", "6.01"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // The rest, by default, as text.
    let r = run(&sb, &["payment-intents", "capture", &pi]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("captured 6.00 GBP of payment intent"), "{}", r.stdout);
    assert_eq!(sb.captures(&pi).len(), 2);
    assert_eq!(ok_json(&sb, &["payment-intents", "get", &pi])["status"], "Captured");
    // Bad amounts are usage errors.
    assert_eq!(run(&sb, &["payment-intents", "capture", &pi, "--amount", "1.234"]).code, 2);
    assert_eq!(run(&sb, &["payment-intents", "capture", "si_wrong_kind"]).code, 2);
}

#[test]
fn reverse_an_authorized_payment() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let pi = payment_intent(&sb, 2500, true, "Order 2");
    // Created: nothing to reverse.
    assert_eq!(run(&sb, &["payment-intents", "reverse", &pi]).code, 1);
    sb.authorize_payment_intent(&pi, TestCard::SUCCESS).unwrap();
    let r = run(&sb, &["payment-intents", "reverse", &pi]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("reversed payment intent") && r.stdout.contains("25.00 GBP"), "{}", r.stdout);
    assert!(r.stdout.contains("reversal id"), "{}", r.stdout);
    assert_eq!(ok_json(&sb, &["payment-intents", "get", &pi, "--return-canceled"])["status"], "Reversed");
    // Twice is refused by the lifecycle.
    assert_eq!(run(&sb, &["payment-intents", "reverse", &pi]).code, 1);

    let pi = payment_intent(&sb, 700, true, "Order 3");
    sb.authorize_payment_intent(&pi, TestCard::SUCCESS).unwrap();
    let v = ok_json(&sb, &["payment-intents", "reverse", &pi]);
    assert!(v["reversalId"].is_string(), "{v}");
}

#[test]
fn search_follows_the_pages() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let created: Vec<String> = (0..5).map(|i| payment_intent(&sb, 100 + i, false, &format!("Orphan {i}"))).collect();
    let paid = payment_intent(&sb, 900, true, "Paid");
    sb.authorize_payment_intent(&paid, TestCard::SUCCESS).unwrap();

    // Two per page: three pages, every Created one once, the Authorized one not.
    let v = ok_json(&sb, &["payment-intents", "search", "--status", "Created", "--since", "2h", "--limit", "2"]);
    let ids: Vec<&str> = v["data"].as_array().unwrap().iter().map(|pi| pi["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    let mut expected: Vec<&str> = created.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(sorted, expected, "{v}");
    assert_eq!(v["pages"], 3, "{v}");
    assert!(v["after"].is_null());
    assert!(v["data"].as_array().unwrap().iter().all(|pi| pi["status"] == "Created"));

    // Fewer pages than there are: says where to go on.
    let v = ok_json(&sb, &["payment-intents", "search", "--status", "created", "--limit", "2", "--pages", "1"]);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let after = v["after"].as_str().expect("a cursor to continue from").to_owned();
    let rest = ok_json(&sb, &["payment-intents", "search", "--status", "Created", "--limit", "2", "--after", &after]);
    assert_eq!(rest["data"].as_array().unwrap().len(), 3);

    // Several statuses, text output.
    let r = run(&sb, &["payment-intents", "search", "--status", "Created", "--status", "Authorized"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&paid) && r.stdout.contains(&created[0]), "{}", r.stdout);
    assert!(r.stdout.contains("6 payment intent(s) in 1 page(s)"), "{}", r.stdout);

    // Nothing since a time in the future.
    let v = ok_json(&sb, &["payment-intents", "search", "--since", "2100-01-01T00:00:00Z"]);
    assert!(v["data"].as_array().unwrap().is_empty(), "{v}");

    // Usage errors: nothing sent.
    for bad in [
        &["payment-intents", "search", "--status", "Nope"][..],
        &["payment-intents", "search", "--since", "2 hours"],
        &["payment-intents", "search", "--since", "-2h"],
        &["payment-intents", "search", "--until", "yesterday"],
        &["payment-intents", "search", "--limit", "0"],
        &["payment-intents", "search", "--pages", "0"],
    ] {
        let r = run(&sb, bad);
        assert_eq!(r.code, 2, "{bad:?}: {}{}", r.stdout, r.stderr);
    }
}

#[test]
fn public_get_and_secret_refresh_of_a_setup_intent() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = ok_json(&sb, &["setup-intents", "create", "--amount", "12.50"]);
    let id = si["id"].as_str().unwrap().to_owned();
    let public = ok_json(&sb, &["setup-intents", "get-public", &id]);
    assert_eq!(public["id"], id.as_str());
    assert_eq!(public["status"], "Created");
    let r = run(&sb, &["setup-intents", "get-public", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("12.50 GBP"), "{}", r.stdout);

    let before = si["clientSessionSecret"].as_str().map(str::to_owned);
    let refreshed = ok_json(&sb, &["setup-intents", "refresh-secret", &id]);
    let after = refreshed["clientSessionSecret"].as_str().expect("a new secret").to_owned();
    assert_ne!(Some(after.clone()), before, "a new secret");
    let r = run(&sb, &["setup-intents", "refresh-secret", &id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("refreshed the client session secret"), "{}", r.stdout);

    assert_eq!(run(&sb, &["setup-intents", "get-public", "pi_wrong_kind"]).code, 2);
    assert_eq!(run(&sb, &["setup-intents", "refresh-secret", "si_does_not_exist"]).code, 3);
}

#[test]
fn get_a_refund_back() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let pi = payment_intent(&sb, 1500, true, "Order 4");
    sb.authorize_payment_intent(&pi, TestCard::SUCCESS).unwrap();
    ok_json(&sb, &["payment-intents", "capture", &pi]);
    let refund = ok_json(&sb, &["payment-intents", "refund", &pi, "--amount", "5.00", "--reason", "goodwill"]);
    let refund_id = refund["refundId"].as_str().unwrap().to_owned();

    let v = ok_json(&sb, &["payment-intents", "get-refund", &refund_id]);
    assert_eq!(v["refundId"], refund_id.as_str());
    assert_eq!(v["paymentIntentId"], pi.as_str());
    assert_eq!(v["refundReason"], "goodwill");
    let r = run(&sb, &["payment-intents", "get-refund", &refund_id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(&format!("refund {refund_id}")) && r.stdout.contains(&pi), "{}", r.stdout);

    assert_eq!(run(&sb, &["payment-intents", "get-refund", "rfnd_unknown"]).code, 3);
    assert_eq!(run(&sb, &["payment-intents", "get-refund", "not/an/id"]).code, 2);
}

#[test]
fn refresh_a_payment_intents_secret() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let pi = payment_intent(&sb, 300, false, "Order 5");
    let first = ok_json(&sb, &["payment-intents", "refresh-secret", &pi]);
    assert_eq!(first["id"], pi.as_str());
    let a = first["clientSessionSecret"].as_str().expect("a secret").to_owned();
    let second = ok_json(&sb, &["payment-intents", "refresh-secret", &pi]);
    assert_ne!(second["clientSessionSecret"].as_str().unwrap(), a, "a new one each time");
    let r = run(&sb, &["payment-intents", "refresh-secret", &pi]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("refreshed the client session secret of payment intent"), "{}", r.stdout);
    assert_eq!(run(&sb, &["payment-intents", "refresh-secret", "pi_missing"]).code, 3);
    assert_eq!(run(&sb, &["payment-intents", "refresh-secret", "si_wrong_kind"]).code, 2);
}

#[test]
fn server_text_is_printed_inert() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let pi = payment_intent(&sb, 100, false, "Evil \u{1b}[2J\r\nfake line");
    let r = run(&sb, &["payment-intents", "search", "--status", "Created"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(&pi), "{}", r.stdout);
    assert!(!r.stdout.contains('\u{1b}') && !r.stdout.contains('\r'), "{:?}", r.stdout);
    assert!(r.stdout.contains("Evil \\u{1b}[2J\\r\\nfake line"), "{:?}", r.stdout);
    // JSON keeps the API's text exactly (escaped by JSON itself).
    let v = ok_json(&sb, &["payment-intents", "search", "--status", "Created"]);
    assert_eq!(v["data"][0]["reference"], "Evil \u{1b}[2J\r\nfake line");
}
