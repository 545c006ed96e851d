//! serde-json-core 0.7 beside dojo-core's own JSON reader and writer
//! (docs/decisions/own-json-codec.md).
//!
//! 1. **The oracle.** On the inputs serde-json-core can decode (strings without escapes,
//!    amounts as numbers), both decoders must read the same values: the fixtures, and
//!    generated payment and setup intents. A disagreement is a bug on one side.
//! 2. **The measured reasons** dojo-core does not use it. Each test states what serde-json-core
//!    0.7 does with an input the API really sends (or a hostile peer may send), beside what
//!    dojo-core does. They assert serde-json-core's behaviour as measured: when a release
//!    changes it, the test fails and the decision record is due for a second look.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::json::{DecodeErrorKind, EncodeError, from_slice, to_slice};
use dojo_core::payment_intent::PaymentIntent;
use dojo_core::request::CreatePaymentIntentRequest;
use dojo_core::setup_intent::SetupIntent;
use dojo_core::{Money, SetupIntentId, Timestamp};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json_core::de::Error as SjcError;

/// The money object as serde-json-core reads it (borrowed strings, no allocation).
#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct SjcMoney<'a> {
    value: i64,
    currency_code: &'a str,
}

/// The payment intent's scalar fields, borrowed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SjcPaymentIntent<'a> {
    id: &'a str,
    status: &'a str,
    capture_mode: Option<&'a str>,
    #[serde(borrow)]
    amount: Option<SjcMoney<'a>>,
    #[serde(borrow)]
    total_amount: Option<SjcMoney<'a>>,
    refunded_amount: Option<i64>,
    reference: Option<&'a str>,
    description: Option<&'a str>,
    setup_intent_id: Option<&'a str>,
    card_holder_not_present: Option<bool>,
    client_session_secret: Option<&'a str>,
    client_session_secret_expiration_date: Option<&'a str>,
}

/// The setup intent's scalar fields, borrowed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SjcSetupIntent<'a> {
    id: &'a str,
    status: &'a str,
    reference: Option<&'a str>,
    description: Option<&'a str>,
    terms: Option<&'a str>,
    #[serde(borrow)]
    intended_amount: Option<SjcMoney<'a>>,
    merchant_initiated_transaction_type: Option<&'a str>,
    created_at: Option<&'a str>,
    updated_at: Option<&'a str>,
    expire_at: Option<&'a str>,
}

fn money(m: Option<Money>) -> Option<(i64, String)> {
    m.map(|m| (m.value, m.currency.as_str().to_owned()))
}

fn sjc_money(m: &Option<SjcMoney<'_>>) -> Option<(i64, String)> {
    m.as_ref().map(|m| (m.value, m.currency_code.to_owned()))
}

fn time(t: Option<&str>) -> Option<Timestamp> {
    t.map(|t| Timestamp::parse(t).unwrap())
}

/// Decodes `body` with both and compares every field both read.
fn same_payment_intent(body: &[u8]) {
    let ours = from_slice::<PaymentIntent<'_>>(body).unwrap();
    let (theirs, used) = serde_json_core::from_slice::<SjcPaymentIntent<'_>>(body).unwrap();
    assert_eq!(used, body.len(), "serde-json-core read it all");
    assert_eq!(ours.id.as_str(), theirs.id);
    assert_eq!(ours.status.to_string(), theirs.status);
    assert_eq!(ours.capture_mode.map(|c| c.to_string()).as_deref(), theirs.capture_mode);
    assert_eq!(money(ours.amount), sjc_money(&theirs.amount));
    assert_eq!(money(ours.total_amount), sjc_money(&theirs.total_amount));
    assert_eq!(ours.refunded_amount, theirs.refunded_amount);
    assert_eq!(ours.reference.map(|t| t.to_string()).as_deref(), theirs.reference);
    assert_eq!(ours.description.map(|t| t.to_string()).as_deref(), theirs.description);
    assert_eq!(ours.setup_intent_id.as_ref().map(|s| s.as_str()), theirs.setup_intent_id);
    assert_eq!(ours.card_holder_not_present, theirs.card_holder_not_present);
    assert_eq!(ours.client_session_secret.map(|s| s.expose().to_string()).as_deref(), theirs.client_session_secret);
    assert_eq!(ours.client_session_secret_expiration_date, time(theirs.client_session_secret_expiration_date));
}

fn same_setup_intent(body: &[u8]) {
    let ours = from_slice::<SetupIntent<'_>>(body).unwrap();
    let (theirs, _) = serde_json_core::from_slice::<SjcSetupIntent<'_>>(body).unwrap();
    assert_eq!(ours.id.as_str(), theirs.id);
    assert_eq!(ours.status.to_string(), theirs.status);
    assert_eq!(ours.reference.map(|t| t.to_string()).as_deref(), theirs.reference);
    assert_eq!(ours.description.map(|t| t.to_string()).as_deref(), theirs.description);
    assert_eq!(ours.terms.map(|t| t.to_string()).as_deref(), theirs.terms);
    assert_eq!(money(ours.intended_amount), sjc_money(&theirs.intended_amount));
    assert_eq!(
        ours.merchant_initiated_transaction_type.map(|m| m.to_string()).as_deref(),
        theirs.merchant_initiated_transaction_type
    );
    assert_eq!(ours.created_at, time(theirs.created_at));
    assert_eq!(ours.updated_at, time(theirs.updated_at));
    assert_eq!(ours.expire_at, time(theirs.expire_at));
}

#[test]
fn both_read_the_fixtures_they_can_decode_alike() {
    same_payment_intent(include_bytes!("fixtures/payment_intent_created.json"));
    // Not payment_intent_captured.json (amounts as strings of digits) nor the other setup
    // intents (escaped strings): serde-json-core cannot decode them (below).
    same_setup_intent(include_bytes!("fixtures/setup_intent_completed.json"));
}

/// Text serde-json-core borrows as it is: no `"` or `\` (which would be escaped), no
/// controls; any other character, written raw.
fn plain_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ !#-\\[\\]-~£éü€😀]{{1,{max}}}")).unwrap()
}

fn id(prefix: &'static str) -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{22}".prop_map(move |s| format!("{prefix}{s}"))
}

fn instant() -> impl Strategy<Value = String> {
    (2000u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60, 0u32..60, proptest::option::of(0u32..1000)).prop_map(
        |(y, mo, d, h, mi, s, ms)| match ms {
            Some(ms) => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
            None => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        },
    )
}

fn money_json() -> impl Strategy<Value = serde_json::Value> {
    (0i64..1_000_000_000_000, prop_oneof![Just("GBP"), Just("EUR")])
        .prop_map(|(v, c)| serde_json::json!({"value": v, "currencyCode": c}))
}

prop_compose! {
    fn payment_intent_json()(
        id in id("pi_sandbox_"),
        status in prop_oneof![Just("Created"), Just("Authorized"), Just("Captured"), Just("Reversed"),
                              Just("Refunded"), Just("Canceled")],
        capture in prop_oneof![Just("Auto"), Just("Manual")],
        amount in money_json(),
        total in proptest::option::of(money_json()),
        refunded in proptest::option::of(0i64..1_000_000),
        reference in plain_text(60),
        description in proptest::option::of(plain_text(200)),
        si in proptest::option::of(id("si_sandbox_")),
        cnp in proptest::option::of(any::<bool>()),
        expires in proptest::option::of(instant()),
        unknown in proptest::option::of(plain_text(20)),
    ) -> Vec<u8> {
        let mut v = serde_json::json!({
            "id": id, "status": status, "captureMode": capture, "amount": amount, "reference": reference,
        });
        let o = v.as_object_mut().unwrap();
        let mut put = |k: &str, x: Option<serde_json::Value>| if let Some(x) = x { o.insert(k.into(), x); };
        put("totalAmount", total);
        put("refundedAmount", refunded.map(Into::into));
        put("description", description.map(Into::into));
        put("setupIntentId", si.map(Into::into));
        put("cardHolderNotPresent", cnp.map(Into::into));
        put("clientSessionSecretExpirationDate", expires.map(Into::into));
        // A field neither reads, holding nested values: both must skip it.
        put("futureField", unknown.map(|u| serde_json::json!({"a": [1, {"b": u}], "c": null})));
        serde_json::to_vec(&v).unwrap()
    }
}

prop_compose! {
    fn setup_intent_json()(
        id in id("si_sandbox_"),
        status in prop_oneof![Just("Created"), Just("Authorized"), Just("Completed"), Just("Canceled"),
                              Just("Expired"), Just("Closed")],
        amount in proptest::option::of(money_json()),
        reference in plain_text(60),
        terms in proptest::option::of(plain_text(500)),
        created in instant(),
        expire in proptest::option::of(instant()),
    ) -> Vec<u8> {
        let mut v = serde_json::json!({
            "id": id, "status": status, "reference": reference, "createdAt": created,
            "merchantInitiatedTransactionType": "NoShow",
        });
        let o = v.as_object_mut().unwrap();
        let mut put = |k: &str, x: Option<serde_json::Value>| if let Some(x) = x { o.insert(k.into(), x); };
        put("intendedAmount", amount);
        put("terms", terms.map(Into::into));
        put("expireAt", expire.map(Into::into));
        serde_json::to_vec(&v).unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn both_read_generated_payment_intents_alike(body in payment_intent_json()) {
        same_payment_intent(&body);
    }

    #[test]
    fn both_read_generated_setup_intents_alike(body in setup_intent_json()) {
        same_setup_intent(&body);
    }
}

// ---------------------------------------------------------------------------------------
// 2. What serde-json-core 0.7 does with what the API sends (measured).

#[derive(Debug, Deserialize)]
struct Reference<'a> {
    reference: &'a str,
}

#[derive(Debug, Deserialize)]
struct OwnedReference {
    reference: heapless::String<64>,
}

/// ASP.NET escapes every non-ASCII character and `"&'<>+` (the server's own fixture:
/// `"Caf\u00E9 \u0026 Bar …"`). serde-json-core's `from_slice` hands the escapes over
/// undecoded, without an error: the kiosk would print `Caf\u00E9`.
#[test]
fn serde_json_core_from_slice_leaves_escapes_undecoded() {
    let body = br#"{"reference":"Caf\u00E9 \u0026 Bar"}"#;
    let (theirs, _) = serde_json_core::from_slice::<Reference<'_>>(body).unwrap();
    assert_eq!(theirs.reference, r"Caf\u00E9 \u0026 Bar");
    let ours = from_slice::<SetupIntent<'_>>(
        br#"{"id":"si_sandbox_x","status":"Created","reference":"Caf\u00E9 \u0026 Bar"}"#,
    )
    .unwrap();
    assert_eq!(ours.reference.unwrap(), "Café & Bar");
}

/// `from_slice_escaped` decodes into one shared scratch buffer, so an escaped string
/// cannot be borrowed: the field must be an owned fixed-capacity string.
#[test]
fn serde_json_core_decodes_escapes_only_into_owned_strings() {
    let body = br#"{"reference":"Caf\u00E9"}"#;
    let mut scratch = [0u8; 64];
    let borrowed = serde_json_core::from_slice_escaped::<Reference<'_>>(body, &mut scratch);
    assert!(borrowed.is_err(), "{borrowed:?}");
    let (owned, _) = serde_json_core::from_slice_escaped::<OwnedReference>(body, &mut scratch).unwrap();
    assert_eq!(owned.reference.as_str(), "Café");
}

/// A character outside the Basic Multilingual Plane arrives as a UTF-16 surrogate pair
/// (`\uD83D\uDE00`, the server's fixture). serde-json-core refuses it.
#[test]
fn serde_json_core_refuses_surrogate_pairs() {
    let body = br#"{"reference":"No-show fee \uD83D\uDE00 applies"}"#;
    let mut scratch = [0u8; 64];
    let theirs = serde_json_core::from_slice_escaped::<OwnedReference>(body, &mut scratch);
    assert_eq!(theirs.unwrap_err(), SjcError::InvalidEscapeSequence);
    let ours = from_slice::<SetupIntent<'_>>(
        br#"{"id":"si_sandbox_x","status":"Created","reference":"No-show fee \uD83D\uDE00 applies"}"#,
    )
    .unwrap();
    assert_eq!(ours.reference.unwrap(), "No-show fee 😀 applies");
}

#[derive(Debug, Deserialize)]
struct IdOnly<'a> {
    #[allow(dead_code)]
    id: &'a str,
}

/// Unknown fields are skipped by recursion, without a limit: 20,000 nested arrays are
/// accepted (on a thread given a large stack; on a kiosk's 8-16 KiB task stack far fewer
/// overflow it). dojo-core refuses anything deeper than `MAX_DEPTH` before recursing.
#[test]
fn serde_json_core_has_no_depth_limit() {
    const DEPTH: usize = 20_000;
    let body = format!(r#"{{"id":"si_sandbox_x","status":"Created","x":{}{}}}"#, "[".repeat(DEPTH), "]".repeat(DEPTH));
    let theirs = {
        let body = body.clone();
        std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(move || serde_json_core::from_slice::<IdOnly<'_>>(body.as_bytes()).map(|(_, n)| n))
            .unwrap()
            .join()
            .unwrap()
    };
    assert_eq!(theirs, Ok(body.len()), "accepted at any depth");
    let ours = from_slice::<SetupIntent<'_>>(body.as_bytes()).unwrap_err();
    assert_eq!(ours.kind, DecodeErrorKind::DepthLimit);
}

/// An amount that is a number or a string of digits (`"value":"1000"`: the API's own
/// examples send strings), read without allocation.
#[derive(Debug, PartialEq)]
struct Minor(i64);

impl<'de> Deserialize<'de> for Minor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Minor;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an amount")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Minor, E> {
                Ok(Minor(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Minor, E> {
                i64::try_from(v).map(Minor).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Minor, E> {
                v.parse().map(Minor).map_err(E::custom)
            }
        }
        // The only way to accept either type without buffering the value (which needs
        // alloc: serde's untagged enums) is to ask the format which one it holds.
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Amount {
    value: Minor,
}

#[test]
fn serde_json_core_cannot_take_a_number_or_a_string_without_alloc() {
    for body in [&br#"{"value":1000}"#[..], br#"{"value":"1000"}"#] {
        assert_eq!(serde_json_core::from_slice::<Amount>(body).unwrap_err(), SjcError::AnyIsUnsupported);
    }
    // dojo-core's money reads both.
    for body in [&br#"{"value":1000,"currencyCode":"GBP"}"#[..], br#"{"value":"1000","currencyCode":"GBP"}"#] {
        assert_eq!(from_slice::<Money>(body).unwrap(), Money::gbp(1000));
    }
}

/// serde-json-core's error says what, not where: the same error for a stray byte at
/// offset 6 and at offset 1,006. dojo-core's names the offset (and the field).
#[test]
fn serde_json_core_reports_no_offset() {
    let near = br#"{"id":x}"#.to_vec();
    let far = format!(r#"{{"pad":"{}","id":x}}"#, "p".repeat(1000)).into_bytes();
    let e_near = serde_json_core::from_slice::<IdOnly<'_>>(&near).unwrap_err();
    let e_far = serde_json_core::from_slice::<IdOnly<'_>>(&far).unwrap_err();
    assert_eq!(e_near, e_far, "nothing tells them apart");
    assert_eq!(e_near, SjcError::InvalidType);
    let ours_near = from_slice::<SetupIntent<'_>>(&near).unwrap_err();
    let ours_far = from_slice::<SetupIntent<'_>>(&far).unwrap_err();
    let at = |b: &[u8]| b.iter().position(|&c| c == b'x').unwrap();
    assert_eq!((ours_near.offset, ours_far.offset), (at(&near), at(&far)));
    assert_eq!((ours_near.field, ours_far.field), (Some("id"), Some("id")));
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SjcCreatePaymentIntent<'a> {
    amount: SjcMoney<'a>,
    reference: &'a str,
    setup_intent_id: &'a str,
}

/// A buffer too small: serde-json-core says `BufferFull`, dojo-core says how much is
/// needed (the caller can size the buffer once and retry, or log the figure).
#[test]
fn serde_json_core_reports_no_needed_size() {
    let si = SetupIntentId::new("si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").unwrap();
    let ours = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), si);
    let theirs = SjcCreatePaymentIntent {
        amount: SjcMoney { value: 1000, currency_code: "GBP" },
        reference: "No-show Table 12",
        setup_intent_id: si.as_str(),
    };
    let mut big = [0u8; 256];
    let n = to_slice(&ours, &mut big).unwrap();
    let mut big2 = [0u8; 256];
    let m = serde_json_core::to_slice(&theirs, &mut big2).unwrap();
    assert_eq!(big[..n], big2[..m], "the same bytes when the buffer is large enough");
    let mut small = [0u8; 32];
    assert_eq!(serde_json_core::to_slice(&theirs, &mut small), Err(serde_json_core::ser::Error::BufferFull));
    match to_slice(&ours, &mut small) {
        Err(EncodeError::BufferTooSmall(e)) => assert_eq!(e.needed, n),
        other => panic!("{other:?}"),
    }
}
