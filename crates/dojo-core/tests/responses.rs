//! Decoding every response kind from fixtures shaped like the spec's examples, plus the
//! ugly cases: escapes, unknown fields and enum values, string amounts, truncation,
//! huge values, non-JSON bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::json::{DecodeErrorKind, from_slice};
use dojo_core::problem::{ApiErrorKind, ProblemDetails};
use dojo_core::response::{ResponseKind, decode, kind};
use dojo_core::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/", $name))
    };
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

#[test]
fn setup_intent_created_like_the_spec_example() {
    let si = decode::<kind::SetupIntentKind>(200, fixture!("setup_intent_created.json")).unwrap();
    assert_eq!(si.id, "si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg");
    assert_eq!(si.status, SetupIntentStatus::Created);
    assert_eq!(si.intended_amount, Some(Money::gbp(1000)));
    assert_eq!(si.merchant_initiated_transaction_type, Some(MerchantInitiatedTransactionType::NoShow));
    assert_eq!(si.reference.unwrap(), "Harbour Bistro | Booking for Table 12");
    assert_eq!(
        si.terms.unwrap(),
        "If you do not arrive within 30 minutes of your booking, we will charge a no-show fee of £10.00."
    );
    assert_eq!(si.created_at, Some(ts("2026-03-02T09:12:10.4793099Z")));
    assert_eq!(si.expire_at, Some(ts("2026-03-09T09:12:10.4793099Z")));
    assert!(si.setup_events.unwrap().is_empty());
    assert_eq!(si.payment_methods.unwrap().iter().collect::<Vec<_>>(), [PaymentMethod::Card]);
    let meta = si.metadata.unwrap();
    assert_eq!(meta.find(|k| *k == "location-id").unwrap(), "4410028");
    assert_eq!(si.payment_source.unwrap(), "api");
    // The session secret is never printed.
    let debug = format!("{si:?}");
    assert!(!debug.contains("Zq8_wR2m"), "{debug}");
    assert!(si.client_session_secret.unwrap().expose().as_str().unwrap().starts_with("Zq8_wR2m"));
}

#[test]
fn setup_intent_authorized_with_escapes_string_amount_and_unknown_values() {
    let si = decode::<kind::SetupIntentKind>(200, fixture!("setup_intent_authorized.json")).unwrap();
    assert_eq!(si.status, SetupIntentStatus::Authorized);
    assert_eq!(si.reference.unwrap(), "Café & Bar 'Le Petit' <Table 4> + 2");
    assert_eq!(si.terms.unwrap(), "No-show fee 😀 applies");
    assert_eq!(si.intended_amount, Some(Money::gbp(1000)), "a digit-string amount decodes");
    let events: Vec<_> = si.setup_events.unwrap().iter().collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event_type, Some(PaymentEventType::Authorized));
    assert_eq!(events[0].card_number.unwrap(), "52000000****1005");
    let unknown = events[1].event_type.unwrap();
    assert!(!unknown.is_known());
    assert_eq!(unknown.as_str(), Some("SomethingNew"));
    let methods: Vec<_> = si.payment_methods.unwrap().iter().collect();
    assert_eq!(methods[..2], [PaymentMethod::Card, PaymentMethod::Wallet]);
    assert_eq!(methods[2].as_str(), Some("CryptoCoin"));
    assert_eq!(si.payment_details.unwrap().card.unwrap().last4_pan.unwrap(), "1005");
}

#[test]
fn setup_intent_completed() {
    let si = decode::<kind::SetupIntentKind>(200, fixture!("setup_intent_completed.json")).unwrap();
    assert_eq!(si.status, SetupIntentStatus::Completed);
    assert!(si.setup_events.is_none());
}

#[test]
fn payment_intents_created_and_captured() {
    let pi = decode::<kind::PaymentIntentKind>(200, fixture!("payment_intent_created.json")).unwrap();
    assert_eq!(pi.id, "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ");
    assert_eq!(pi.status, PaymentIntentStatus::Created);
    assert_eq!(pi.capture_mode, Some(CaptureMode::Auto));
    assert_eq!(pi.amount, Some(Money::gbp(1000)));
    assert_eq!(pi.refunded_amount, Some(0));
    assert_eq!(pi.setup_intent_id.unwrap(), "si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg");
    assert_eq!(pi.payment_link.unwrap(), "https://pay.dojo.tech:443/checkout/pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ");
    assert!(pi.captures.unwrap().is_empty());

    let pi = decode::<kind::PaymentIntentKind>(200, fixture!("payment_intent_captured.json")).unwrap();
    assert_eq!(pi.status, PaymentIntentStatus::Captured);
    assert_eq!(pi.total_amount, Some(Money::gbp(1000)));
    assert_eq!(pi.refunded_amount, Some(0), "a digit-string refundedAmount decodes");
    let details = pi.payment_details.unwrap();
    assert_eq!(details.message.unwrap(), "DEPOSITED");
    assert_eq!(details.card.unwrap().card_type.unwrap(), "MASTERCARD");
    let capture = pi.captures.unwrap().iter().next().unwrap();
    assert_eq!(capture.amount, Some(1000));
    assert_eq!(capture.tips_amount, None);
    assert_eq!(capture.status, Some(CaptureStatus::Successful));
    assert_eq!(pi.payment_events.unwrap().iter().next().unwrap().event_type, Some(PaymentEventType::Captured));
}

#[test]
fn charge_capture_refund_reversal_and_search() {
    let c = decode::<kind::ChargeKind>(200, fixture!("charge_successful.json")).unwrap();
    assert_eq!(c.status, CaptureStatus::Successful);
    assert_eq!(c.payment_intent_id.unwrap(), "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ");
    let c = decode::<kind::ChargeKind>(200, fixture!("charge_declined.json")).unwrap();
    assert_eq!(c.status, CaptureStatus::Declined);
    assert_eq!(c.message.unwrap(), "DECLINED & NOT AUTHORISED");

    let cap = decode::<kind::CaptureKind>(200, fixture!("capture.json")).unwrap();
    assert_eq!(cap.capture_id.unwrap(), "cap_sandbox_9f2k");
    let refund = decode::<kind::RefundKind>(200, fixture!("refund.json")).unwrap();
    assert_eq!(refund.refund_id.unwrap(), "rf_0b8c1d52-3a9e-4f61-8c3d-2e7a5b9f4d10");
    assert_eq!(refund.refund_reason.unwrap(), "Customer arrived late");
    let rev = decode::<kind::ReversalKind>(200, fixture!("reversal.json")).unwrap();
    assert_eq!(rev.reversal_id.unwrap(), "rv_sandbox_77Qa");

    let page = decode::<kind::PaymentIntentPageKind>(200, fixture!("search_page.json")).unwrap();
    assert!(page.before.is_none());
    assert_eq!(page.after.unwrap(), "cursor_2");
    let data = page.data.unwrap();
    assert_eq!(data.len(), 3);
    let all: Vec<_> = data.iter().map(Result::unwrap).collect();
    let statuses: Vec<_> = all.iter().map(|p| p.status).collect();
    assert_eq!(statuses[..2], [PaymentIntentStatus::Captured, PaymentIntentStatus::Canceled]);
    assert_eq!(statuses[2].as_str(), Some("PendingReview"));
    assert_eq!(all[1].amount, Some(Money::eur(250)));
    assert_eq!(all[2].amount.unwrap().currency.as_str(), "USD");
}

/// A search page is checked (syntax, depth, count) when decoded, and each record decoded
/// once, as iterated: a record the model cannot hold is an error for that record alone,
/// located in the body, and the records after it still decode.
#[test]
fn a_page_decodes_each_record_once_and_isolates_a_bad_one() {
    let body = br#"{"data":[{"id":"pi_sandbox_AAAAAAAAAAAAAAAAAAAAAA","status":"Captured"},
        {"id":"pi_sandbox_BBBBBBBBBBBBBBBBBBBBBB","status":"Created","createdAt":"2026-02-30T00:00:00Z"},
        {"id":"pi_sandbox_CCCCCCCCCCCCCCCCCCCCCC","status":"Canceled"}],"after":null}"#;
    let page = decode::<kind::PaymentIntentPageKind>(200, body).unwrap();
    let data = page.data.unwrap();
    assert_eq!(data.len(), 3);
    let got: Vec<_> = data.iter().collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap().status, PaymentIntentStatus::Captured);
    let e = got[1].unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::InvalidValue, Some("createdAt")));
    let at = body.windows(22).position(|w| w == b"\"2026-02-30T00:00:00Z\"").unwrap();
    assert_eq!(e.offset, at, "an offset into the body");
    assert_eq!(got[2].as_ref().unwrap().status, PaymentIntentStatus::Canceled);
    // Iterating again gives the same.
    assert_eq!(data.iter().collect::<Vec<_>>(), got);

    // Structure is still checked up front: syntax, depth, trailing commas, types.
    for bad in [
        &br#"{"data":[{"id":1},]}"#[..],
        br#"{"data":[{"id":1} {"id":2}]}"#,
        br#"{"data":[{"id":"x"}"#,
        br#"{"data":{"id":"x"}}"#,
        br#"{"data":[1,,2]}"#,
        br#"{"data":[,]}"#,
    ] {
        assert!(decode::<kind::PaymentIntentPageKind>(200, bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    let deep = format!(r#"{{"data":[{}{}]}}"#, "[".repeat(70), "]".repeat(70));
    let Err(Error::Decode(e)) = decode::<kind::PaymentIntentPageKind>(200, deep.as_bytes()) else { panic!() };
    assert_eq!(e.kind, DecodeErrorKind::DepthLimit);
    let empty = decode::<kind::PaymentIntentPageKind>(200, br#"{"data":[ ]}"#).unwrap();
    assert!(empty.data.unwrap().is_empty());
}

#[test]
fn error_statuses_carry_problem_details() {
    let body = fixture!("problem_validation.json");
    let Err(Error::Api(e)) = decode::<kind::SetupIntentKind>(400, body) else { panic!() };
    assert_eq!((e.status, e.kind), (400, ApiErrorKind::BadRequest));
    let p = e.problem().unwrap();
    assert_eq!(p.title.unwrap(), "One or more validation errors occurred.");
    assert_eq!(p.status, Some(400));
    assert_eq!(e.trace_id().unwrap(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    let amount_errors: Vec<String> =
        p.field_errors("IntendedAmount.Value").unwrap().iter().map(|m| m.to_string()).collect();
    assert_eq!(amount_errors, ["The value must be greater than 0.", "'Value' must be a number."]);
    assert_eq!(p.errors.unwrap().len(), 2);
    assert_eq!(p.member("vendorExtension").unwrap().as_str(), r#"{"retryable":false}"#);
    let shown = e.to_string();
    assert!(shown.contains("Reference: The Reference field is required."), "{shown}");
    assert!(shown.contains("traceId 00-4bf9"), "{shown}");

    for (status, file, kind) in [
        (401, &fixture!("problem_unauthorized.json")[..], ApiErrorKind::Unauthorized),
        (404, &fixture!("problem_not_found.json")[..], ApiErrorKind::NotFound),
        (409, &fixture!("problem_conflict.json")[..], ApiErrorKind::Conflict),
    ] {
        let Err(Error::Api(e)) = decode::<kind::ChargeKind>(status, file) else { panic!() };
        assert_eq!(e.kind, kind);
        assert!(e.problem().unwrap().trace_id.is_some());
    }
    let Err(Error::Api(e)) = decode::<kind::PaymentIntentKind>(404, fixture!("problem_not_found.json")) else {
        panic!()
    };
    assert_eq!(e.problem().unwrap().instance.unwrap(), "/payment-intents/pi_sandbox_nope");
    for (status, kind) in [
        (403, ApiErrorKind::Forbidden),
        (405, ApiErrorKind::MethodNotAllowed),
        (413, ApiErrorKind::OtherClientError),
        (429, ApiErrorKind::TooManyRequests),
        (500, ApiErrorKind::ServerError),
        (503, ApiErrorKind::ServerError),
        (302, ApiErrorKind::Unexpected),
    ] {
        let Err(Error::Api(e)) = decode::<kind::ChargeKind>(status, b"") else { panic!() };
        assert_eq!(e.kind, kind, "{status}");
        assert!(e.problem().is_none());
    }
}

#[test]
fn a_proxy_html_page_is_an_api_error_without_problem_or_a_decode_error_on_200() {
    let html = fixture!("bad_gateway.html");
    let Err(Error::Api(e)) = decode::<kind::PaymentIntentKind>(502, html) else { panic!() };
    assert_eq!(e.kind, ApiErrorKind::ServerError);
    assert!(e.problem().is_none());
    assert_eq!(e.body, html);
    let Err(Error::Decode(d)) = decode::<kind::PaymentIntentKind>(200, html) else { panic!() };
    assert_eq!(d.kind, DecodeErrorKind::NotJson);
}

fn decode_err<K: ResponseKind>(body: &[u8]) -> dojo_core::json::DecodeError {
    match K::decode_ok(body) {
        Ok(_) => panic!("decoded {}", String::from_utf8_lossy(body)),
        Err(e) => e,
    }
}

#[test]
fn ugly_bodies_give_typed_errors() {
    type Si = kind::SetupIntentKind;
    type Pi = kind::PaymentIntentKind;
    assert_eq!(decode_err::<Si>(b"").kind, DecodeErrorKind::Empty);
    assert_eq!(decode_err::<Si>(b"{}").kind, DecodeErrorKind::MissingField);
    assert_eq!(decode_err::<Si>(b"{}").field, Some("id"));
    let frac = br#"{"id":"si_1","status":"Created","intendedAmount":{"value":10.5,"currencyCode":"GBP"}}"#;
    let e = decode_err::<Si>(frac);
    assert_eq!((e.kind, e.field), (DecodeErrorKind::NotAnInteger, Some("value")));
    let frac_str = br#"{"id":"si_1","status":"Created","intendedAmount":{"value":"10.50","currencyCode":"GBP"}}"#;
    assert_eq!(decode_err::<Si>(frac_str).kind, DecodeErrorKind::InvalidValue);
    let huge = br#"{"id":"pi_1","status":"Created","amount":{"value":9223372036854775808,"currencyCode":"GBP"}}"#;
    assert_eq!(decode_err::<Pi>(huge).kind, DecodeErrorKind::NumberOutOfRange);
    let huge_str =
        br#"{"id":"pi_1","status":"Created","amount":{"value":"99999999999999999999","currencyCode":"GBP"}}"#;
    assert_eq!(decode_err::<Pi>(huge_str).field, Some("value"));
    let max = br#"{"id":"pi_1","status":"Created","amount":{"value":9223372036854775807,"currencyCode":"GBP"}}"#;
    assert_eq!(Pi::decode_ok(max).unwrap().amount.unwrap().value, i64::MAX);
    let long_id = format!(r#"{{"id":"pi_{}","status":"Created"}}"#, "x".repeat(60));
    let e = decode_err::<Pi>(long_id.as_bytes());
    assert_eq!((e.kind, e.field), (DecodeErrorKind::TooLong, Some("id")));
    let bad_id = br#"{"id":"pi/../../x","status":"Created"}"#;
    assert_eq!(decode_err::<Pi>(bad_id).kind, DecodeErrorKind::InvalidValue);
    let long_currency = br#"{"id":"pi_1","status":"Created","amount":{"value":1,"currencyCode":"ABCDEFGHIJK"}}"#;
    assert_eq!(decode_err::<Pi>(long_currency).field, Some("currencyCode"));
    let bad_date = br#"{"id":"pi_1","status":"Created","createdAt":"yesterday"}"#;
    assert_eq!(decode_err::<Pi>(bad_date).field, Some("createdAt"));
    let lone_surrogate = br#"{"id":"pi_1","status":"Created","reference":"\uD83D"}"#;
    assert_eq!(decode_err::<Pi>(lone_surrogate).kind, DecodeErrorKind::InvalidEscape);
    let bad_utf8 = b"{\"id\":\"pi_1\",\"status\":\"Created\",\"reference\":\"\xff\xfe\"}";
    assert_eq!(decode_err::<Pi>(bad_utf8).kind, DecodeErrorKind::InvalidUtf8);
    let status_number = br#"{"id":"pi_1","status":3}"#;
    assert_eq!(decode_err::<Pi>(status_number).field, Some("status"));
    // A long unknown status is kept as Unknown without its text, not an error.
    let long_status = format!(r#"{{"id":"pi_1","status":"{}"}}"#, "S".repeat(200));
    let pi = Pi::decode_ok(long_status.as_bytes()).unwrap();
    assert!(!pi.status.is_known());
    assert_eq!(pi.status.as_str(), None);
}

#[test]
fn every_truncation_of_every_fixture_is_an_error_never_a_panic() {
    type Check = fn(&[u8]) -> Result<(), dojo_core::json::DecodeError>;
    let si: Check = |b| kind::SetupIntentKind::decode_ok(b).map(|_| ());
    let pi: Check = |b| kind::PaymentIntentKind::decode_ok(b).map(|_| ());
    let charge: Check = |b| kind::ChargeKind::decode_ok(b).map(|_| ());
    let page: Check = |b| kind::PaymentIntentPageKind::decode_ok(b).map(|_| ());
    let problem: Check = |b| ProblemDetails::decode(b).map(|_| ());
    let all = [si, pi, charge, page, problem];
    let fixtures: [(&[u8], Check); 7] = [
        (fixture!("setup_intent_created.json"), si),
        (fixture!("setup_intent_authorized.json"), si),
        (fixture!("payment_intent_created.json"), pi),
        (fixture!("payment_intent_captured.json"), pi),
        (fixture!("charge_successful.json"), charge),
        (fixture!("search_page.json"), page),
        (fixture!("problem_validation.json"), problem),
    ];
    for (body, own) in fixtures {
        let trimmed = body.trim_ascii_end();
        own(trimmed).unwrap();
        for cut in 0..trimmed.len() {
            let prefix = &trimmed[..cut];
            let e = own(prefix).unwrap_err();
            assert!(
                matches!(e.kind, DecodeErrorKind::Truncated | DecodeErrorKind::Empty),
                "cut {cut}: {e:?} in {}",
                String::from_utf8_lossy(prefix)
            );
            // Other decoders may fail differently (a type mismatch before the cut) but
            // never panic and never succeed on a truncated body.
            for other in all {
                assert!(other(prefix).is_err());
            }
        }
    }
}

#[test]
fn from_slice_decodes_the_same_as_decode() {
    let body = fixture!("charge_successful.json");
    let direct: dojo_core::payment_intent::ChargeResponse<'_> = from_slice(body).unwrap();
    assert_eq!(direct, decode::<kind::ChargeKind>(200, body).unwrap());
}

#[test]
fn errors_stay_small_for_small_stacks() {
    // An ESP32 task often has a few KiB of stack: keep the error types small and Copy.
    assert!(core::mem::size_of::<Error<'static>>() <= 48, "{}", core::mem::size_of::<Error<'static>>());
    assert!(core::mem::size_of::<dojo_core::json::DecodeError>() <= 32);
}

/// A body that starts with a UTF-8 byte order mark (some proxies add one) decodes as if
/// it had none, on every path (serde, the hand-written summaries, ProblemDetails); the
/// mark anywhere else is still an error, and offsets count the mark's bytes.
#[test]
fn a_leading_byte_order_mark_is_skipped() {
    use dojo_core::payment_intent::PaymentIntent;
    use dojo_core::setup_intent::{SetupIntent, SetupIntentSummary};
    let with_bom = |body: &[u8]| [&b"\xEF\xBB\xBF"[..], body].concat();
    let si = fixture!("setup_intent_created.json");
    let si_bom = with_bom(si);
    assert_eq!(from_slice::<SetupIntent<'_>>(&si_bom).unwrap(), from_slice::<SetupIntent<'_>>(si).unwrap());
    assert_eq!(
        kind::SetupIntentSummaryKind::decode_ok(&si_bom).unwrap(),
        from_slice::<SetupIntentSummary>(si).unwrap()
    );
    assert_eq!(from_slice::<SetupIntentSummary>(&si_bom).unwrap(), from_slice::<SetupIntentSummary>(si).unwrap());
    let pi = fixture!("payment_intent_created.json");
    assert_eq!(
        decode::<kind::PaymentIntentKind>(200, &with_bom(pi)).unwrap(),
        from_slice::<PaymentIntent<'_>>(pi).unwrap()
    );
    assert!(kind::PaymentIntentSummaryKind::decode_ok(&with_bom(pi)).is_ok());
    assert!(kind::ChargeKind::decode_ok(&with_bom(fixture!("charge_successful.json"))).is_ok());
    let problem = with_bom(fixture!("problem_conflict.json"));
    assert_eq!(from_slice::<ProblemDetails<'_>>(&problem).unwrap().status, Some(409));

    // Only at the very start: after white space, twice, or alone, it is not JSON.
    for body in [&b" \xEF\xBB\xBF{}"[..], b"\xEF\xBB\xBF\xEF\xBB\xBF{}", b"{}\xEF\xBB\xBF"] {
        assert!(from_slice::<SetupIntentSummary>(body).is_err(), "{body:?}");
        assert!(kind::SetupIntentSummaryKind::decode_ok(body).is_err(), "{body:?}");
    }
    assert_eq!(from_slice::<SetupIntentSummary>(b"\xEF\xBB\xBF").unwrap_err().kind, DecodeErrorKind::Empty);
    // Offsets are into the body as received: the missing field's brace is at 3 + 1.
    let e = from_slice::<SetupIntentSummary>(b"\xEF\xBB\xBF{}").unwrap_err();
    assert_eq!((e.kind, e.offset), (DecodeErrorKind::MissingField, 4));
    assert_eq!(kind::SetupIntentSummaryKind::decode_ok(b"\xEF\xBB\xBF{}").unwrap_err(), e);
}
