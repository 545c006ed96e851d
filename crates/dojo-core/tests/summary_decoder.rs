//! The hand-written decoders of the kiosk flow's answers (`SetupIntentSummaryKind`,
//! `PaymentIntentSummaryKind` and `ChargeKind`'s `decode_ok`) give exactly what serde's path
//! (`json::from_slice`) gives: the same value, or the same error (kind, offset and
//! field), for the fixtures, every truncation of them, many corruptions, hand-picked
//! edge cases and generated objects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::json::from_slice;
use dojo_core::payment_intent::{ChargeResponse, PaymentIntentSummary};
use dojo_core::response::{ResponseKind, kind};
use dojo_core::setup_intent::SetupIntentSummary;
use proptest::prelude::*;

const FIXTURES: [&[u8]; 7] = [
    include_bytes!("fixtures/charge_declined.json"),
    include_bytes!("fixtures/setup_intent_created.json"),
    include_bytes!("fixtures/setup_intent_authorized.json"),
    include_bytes!("fixtures/setup_intent_completed.json"),
    include_bytes!("fixtures/payment_intent_created.json"),
    include_bytes!("fixtures/payment_intent_captured.json"),
    include_bytes!("fixtures/charge_successful.json"),
];

/// Small bodies holding every summary field, so that each corruption hits one.
const SMALL: [&str; 3] = [
    r#"{"paymentIntentId":"pi_1","status":"Declined","message":"NO \u0026 NO","z":{}}"#,
    r#"{"id":"si_1","status":"Created","intendedAmount":{"value":1000,"currencyCode":"GBP"},"expireAt":"2026-03-02T09:15:00Z","x":[1,{"a":null}]}"#,
    r#"{"id":"pi_1","status":"Captured","amount":{"value":"12","currencyCode":"EUR"},"setupIntentId":"si_2","captureMode":"Auto","y":"\u0041"}"#,
];

fn same(body: &[u8]) {
    let fast = kind::SetupIntentSummaryKind::decode_ok(body);
    let serde = from_slice::<SetupIntentSummary>(body);
    assert_eq!(fast, serde, "setup intent summary of {:?}", String::from_utf8_lossy(body));
    let fast = kind::PaymentIntentSummaryKind::decode_ok(body);
    let serde = from_slice::<PaymentIntentSummary>(body);
    assert_eq!(fast, serde, "payment intent summary of {:?}", String::from_utf8_lossy(body));
    let fast = kind::ChargeKind::decode_ok(body);
    let serde = from_slice::<ChargeResponse<'_>>(body);
    assert_eq!(fast, serde, "charge response of {:?}", String::from_utf8_lossy(body));
    // `Text` compares decoded characters: check the borrowed form is the same too.
    assert_eq!(message_form(&fast), message_form(&serde));
}

fn message_form<'a, E>(c: &Result<ChargeResponse<'a>, E>) -> Option<(&'a str, bool)> {
    c.as_ref().ok().and_then(|c| c.message).map(|t| (t.raw(), t.as_str().is_some()))
}

fn bodies() -> Vec<Vec<u8>> {
    FIXTURES.iter().map(|b| b.to_vec()).chain(SMALL.iter().map(|s| s.as_bytes().to_vec())).collect()
}

#[test]
fn fixtures_and_every_truncation() {
    for body in bodies() {
        // Each whole body is a value of one of the models, so the success path is compared
        // too (not only errors).
        assert!(
            kind::SetupIntentSummaryKind::decode_ok(&body).is_ok()
                || kind::PaymentIntentSummaryKind::decode_ok(&body).is_ok()
                || kind::ChargeKind::decode_ok(&body).is_ok(),
            "{:?} decodes as none of the models",
            String::from_utf8_lossy(&body)
        );
        for end in 0..=body.len() {
            same(&body[..end]);
        }
    }
}

#[test]
fn every_byte_replaced_inserted_or_deleted() {
    let small: Vec<Vec<u8>> = SMALL.iter().map(|s| s.as_bytes().to_vec()).collect();
    let replacements = b"\"{}[],:\\n0-9.eEtfux \x01\xff";
    for body in &small {
        for at in 0..body.len() {
            for &b in replacements {
                let mut v = body.clone();
                v[at] = b;
                same(&v);
                let mut v = body.clone();
                v.insert(at, b);
                same(&v);
            }
            let mut v = body.clone();
            v.remove(at);
            same(&v);
        }
    }
    // The fixtures, more coarsely: one replacement set, every position.
    for body in &FIXTURES {
        for at in 0..body.len() {
            for &b in b"\"}],:\\x" {
                let mut v = body.to_vec();
                v[at] = b;
                same(&v);
            }
        }
    }
}

#[test]
fn edge_cases() {
    let long_key = format!(r#"{{"{}":1,"id":"si_1","status":"Created"}}"#, r"\u0041".repeat(200));
    let long_id = format!(r#"{{"id":"si_{}","status":"Created"}}"#, "a".repeat(60));
    let long_enum = format!(r#"{{"id":"si_1","status":"{}"}}"#, r"\u0041".repeat(40));
    let long_amount = format!(
        r#"{{"id":"si_1","status":"Created","amount":{{"value":"{}","currencyCode":"GBP"}}}}"#,
        r"\u0031".repeat(200)
    );
    let deep = format!(r#"{{"id":"si_1","status":"Created","x":{}{}}}"#, "[".repeat(70), "]".repeat(70));
    let deep_ok = format!(r#"{{"id":"si_1","status":"Created","x":{}{}}}"#, "[".repeat(63), "]".repeat(63));
    let cases: Vec<String> = [
        "",
        " ",
        "x",
        "[]",
        "\"s\"",
        "1",
        "null",
        "true",
        "{}",
        "{} x",
        "{} ",
        " {\"id\":\"si_1\",\"status\":\"Created\"} ",
        r#"{"id":"si_1","status":"Created"}"#,
        r#"{"id":"pi_1","status":"Created"}"#,
        r#"{"id":"si_1","status":"Created","id":"si_2"}"#,
        r#"{"id":"si_1","status":"Created","expireAt":null,"expireAt":null}"#,
        r#"{"\u0069d":"si_1","st\u0061tus":"Cre\u0061ted"}"#,
        r#"{"id":"si\u005f1","status":"Created"}"#,
        r#"{"id":"si/1","status":"Created"}"#,
        r#"{"id":"","status":"Created"}"#,
        r#"{"id":null,"status":"Created"}"#,
        r#"{"id":1,"status":"Created"}"#,
        r#"{"id":"si_1","status":null}"#,
        r#"{"id":"si_1","status":"Whatever"}"#,
        r#"{"id":"si_1","status":"Created","expireAt":"yesterday"}"#,
        r#"{"id":"si_1","status":"Created","expireAt":"2026-03-02T09:15:00.1234567Z"}"#,
        r#"{"id":"si_1","status":"Created","expireAt":"2026-03-02T09:15:00\u005a"}"#,
        r#"{"id":"si_1","status":"Created","expireAt":5}"#,
        r#"{"id":"pi_1","status":"Created","setupIntentId":null,"captureMode":null,"amount":null}"#,
        r#"{"id":"pi_1","status":"Created","captureMode":"Manual","setupIntentId":"si_9"}"#,
        r#"{"id":"pi_1","status":"Created","captureMode":"Sideways"}"#,
        r#"{"id":"pi_1","status":"Created","captureMode":7}"#,
        r#"{"id":"pi_1","status":"Created","setupIntentId":"bad id"}"#,
        r#"{"status":"Successful"}"#,
        r#"{"message":"x"}"#,
        r#"{"status":"Successful","message":null,"paymentIntentId":null}"#,
        r#"{"status":"Successful","message":"\u00e9\ud83d\ude00","paymentIntentId":"pi_\u0031"}"#,
        r#"{"status":"Successful","message":"x","message":"y"}"#,
        r#"{"status":"Successful","message":7}"#,
        r#"{"status":"Successful","message":"\x"}"#,
        r#"{"status":"Successful","paymentIntentId":""}"#,
        r#"{"status":"Tentative"}"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([long_key, long_id, long_enum, long_amount, deep, deep_ok])
    .collect();
    let amounts = [
        r#"1000"#,
        r#"-5"#,
        r#"0"#,
        r#"-0"#,
        r#""1000""#,
        r#""-5""#,
        r#""\u0031""#,
        r#""""#,
        r#""1.5""#,
        r#"1.5"#,
        r#"1e3"#,
        r#"9223372036854775807"#,
        r#"9223372036854775808"#,
        r#"-9223372036854775808"#,
        r#"-9223372036854775809"#,
        r#"18446744073709551616"#,
        r#"null"#,
        r#"true"#,
        r#"false"#,
        r#"[]"#,
        r#"[1]"#,
        r#"{}"#,
        r#"{"a":1}"#,
        r#"nul"#,
        r#"+1"#,
        r#"01"#,
    ];
    let mut all = cases;
    for a in amounts {
        for (field, other) in [("intendedAmount", "si_1"), ("amount", "pi_1")] {
            all.push(format!(
                r#"{{"id":"{other}","status":"Created","{field}":{{"value":{a},"currencyCode":"GBP"}}}}"#
            ));
        }
    }
    for money in [
        r#"{"currencyCode":"GBP"}"#,
        r#"{"value":1}"#,
        r#"{"value":1,"value":2,"currencyCode":"GBP"}"#,
        r#"{"value":1,"currencyCode":"JPY"}"#,
        r#"{"value":1,"currencyCode":"ABCDEFGHIJK"}"#,
        r#"{"value":1,"currencyCode":"\u0047BP"}"#,
        r#"{"value":1,"currencyCode":null}"#,
        r#"{"value":1,"currencyCode":"GBP","extra":{"deep":[1,2,{"x":"y"}]}}"#,
        r#"{"value":1 "currencyCode":"GBP"}"#,
        r#"{"value":1,}"#,
        r#"[]"#,
        r#""GBP""#,
        r#"null"#,
    ] {
        for (field, other) in [("intendedAmount", "si_1"), ("amount", "pi_1")] {
            all.push(format!(r#"{{"id":"{other}","status":"Created","{field}":{money}}}"#));
        }
    }
    for body in &all {
        same(body.as_bytes());
    }
}

/// A JSON value from a small grammar around the summaries' fields.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("12".to_string()),
        Just("-3".to_string()),
        Just("1.5".to_string()),
        Just(r#""si_1""#.to_string()),
        Just(r#""pi_2""#.to_string()),
        Just(r#""Created""#.to_string()),
        Just(r#""Authorized""#.to_string()),
        Just(r#""Auto""#.to_string()),
        Just(r#""Successful""#.to_string()),
        Just(r#""GBP""#.to_string()),
        Just(r#""100""#.to_string()),
        Just(r#""2026-03-02T09:15:00Z""#.to_string()),
        Just(r#""a\u0062c""#.to_string()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..5).prop_map(|v| {
                let fields: Vec<String> = v.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "id",
        "status",
        "intendedAmount",
        "expireAt",
        "amount",
        "setupIntentId",
        "captureMode",
        "value",
        "currencyCode",
        "paymentIntentId",
        "message",
        "other",
        r"st\u0061tus",
    ])
}

proptest! {
    #[test]
    fn generated_objects_decode_the_same(fields in prop::collection::vec((key(), value()), 0..8), cut in 0usize..400) {
        let fields: Vec<String> = fields.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let body = format!("{{{}}}", fields.join(","));
        same(body.as_bytes());
        same(&body.as_bytes()[..cut.min(body.len())]);
    }
}

/// Both paths (serde's derive and the hand-written decoders) report a duplicate field at
/// its second key and a missing field at the closing brace, on the real models.
#[test]
fn duplicate_and_missing_fields_are_located_at_the_key_on_both_paths() {
    use dojo_core::json::{DecodeErrorKind, from_slice};
    use dojo_core::response::{ResponseKind, kind};
    use dojo_core::setup_intent::{SetupIntent, SetupIntentSummary};

    let body = br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Created","status":"Authorized"}"#;
    let at = 61;
    assert_eq!(body.get(at..at + 8), Some(&br#""status""#[..]));
    let full = from_slice::<SetupIntent<'_>>(body).unwrap_err();
    let summary = kind::SetupIntentSummaryKind::decode_ok(body).unwrap_err();
    let derived = from_slice::<SetupIntentSummary>(body).unwrap_err();
    for e in [full, summary, derived] {
        assert_eq!((e.kind, e.field, e.offset), (DecodeErrorKind::DuplicateField, Some("status"), at), "{e:?}");
    }

    let body = br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","intendedAmount":{"value":1000} }"#;
    let summary = kind::SetupIntentSummaryKind::decode_ok(body).unwrap_err();
    let derived = from_slice::<SetupIntentSummary>(body).unwrap_err();
    for e in [summary, derived] {
        assert_eq!((e.kind, e.field, e.offset), (DecodeErrorKind::MissingField, Some("currencyCode"), 72), "{e:?}");
    }
    let body = br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg" }"#;
    let summary = kind::SetupIntentSummaryKind::decode_ok(body).unwrap_err();
    let derived = from_slice::<SetupIntentSummary>(body).unwrap_err();
    let full = from_slice::<SetupIntent<'_>>(body).unwrap_err();
    for e in [summary, derived, full] {
        assert_eq!((e.kind, e.field, e.offset), (DecodeErrorKind::MissingField, Some("status"), 42), "{e:?}");
    }
}
