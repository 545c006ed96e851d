//! The kiosk-sized summaries decode the same answers as the full models, agree with
//! them on every field they keep, and drive the lifecycle the same way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::Api;
use dojo_core::response::{ResponseKind, decode, kind};
use dojo_core::*;

const SETUP_INTENTS: [&[u8]; 3] = [
    include_bytes!("fixtures/setup_intent_created.json"),
    include_bytes!("fixtures/setup_intent_authorized.json"),
    include_bytes!("fixtures/setup_intent_completed.json"),
];
const PAYMENT_INTENTS: [&[u8]; 2] =
    [include_bytes!("fixtures/payment_intent_created.json"), include_bytes!("fixtures/payment_intent_captured.json")];

#[test]
fn setup_intent_summaries_agree_with_the_full_model() {
    for body in SETUP_INTENTS {
        let full = decode::<kind::SetupIntentKind>(200, body).unwrap();
        let summary = decode::<kind::SetupIntentSummaryKind>(200, body).unwrap();
        assert_eq!(
            (summary.id, summary.status, summary.intended_amount, summary.expire_at),
            (full.id, full.status, full.intended_amount, full.expire_at)
        );
        assert_eq!(SetupIntentState::from_summary(&summary), SetupIntentState::from_response(&full));
    }
}

#[test]
fn payment_intent_summaries_agree_with_the_full_model() {
    for body in PAYMENT_INTENTS {
        let full = decode::<kind::PaymentIntentKind>(200, body).unwrap();
        let summary = decode::<kind::PaymentIntentSummaryKind>(200, body).unwrap();
        assert_eq!(
            (summary.id, summary.status, summary.amount, summary.setup_intent_id, summary.capture_mode),
            (full.id, full.status, full.amount, full.setup_intent_id, full.capture_mode)
        );
        // These fixtures capture in full and refund nothing: the states are the same.
        assert_eq!(PaymentIntentState::from_summary(&summary), PaymentIntentState::from_response(&full));
    }
}

#[test]
fn observing_a_summary_is_observing_the_response() {
    let created = decode::<kind::SetupIntentKind>(200, SETUP_INTENTS[0]).unwrap();
    let mut by_full = SetupIntentState::from_response(&created);
    let mut by_summary = by_full.clone();
    for body in &SETUP_INTENTS[1..] {
        let full = decode::<kind::SetupIntentKind>(200, body).unwrap();
        let summary = decode::<kind::SetupIntentSummaryKind>(200, body).unwrap();
        assert_eq!(by_summary.observe_summary(&summary), by_full.observe_response(&full));
        assert_eq!(by_summary, by_full);
    }
}

#[test]
fn a_summarized_request_is_the_same_request() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let api = Api::new(&key);
    let si = SetupIntentId::new("si_sandbox_1").unwrap();
    let pi = PaymentIntentId::new("pi_sandbox_1").unwrap();
    let full = api.get_setup_intent(&si).unwrap();
    let summarized = full.clone().summarized();
    assert_eq!(format!("{full:?}"), format!("{summarized:?}"));
    assert_eq!((summarized.path_and_query(), summarized.retry_safe()), (full.path_and_query(), full.retry_safe()));
    assert_eq!(summarized.decode(200, SETUP_INTENTS[1]).unwrap().status, SetupIntentStatus::Authorized);

    let mut buf = [0u8; 512];
    let body = request::CreatePaymentIntentRequest::for_setup_intent("No-show", Money::gbp(1000), si);
    let full = api.create_payment_intent(&body, &mut buf).unwrap();
    let summarized = full.clone().summarized();
    assert_eq!((summarized.body(&buf), summarized.headers()), (full.body(&buf), full.headers()));
    assert_eq!(summarized.operation(), full.operation());
    let read = api.get_payment_intent(&pi, true).unwrap().summarized();
    assert_eq!(read.path_and_query(), "/payment-intents/pi_sandbox_1?returnCanceled=true");
    // Error answers are the same API errors.
    let err = read.decode(404, br#"{"title":"Not Found","status":404}"#).unwrap_err();
    assert!(matches!(err, Error::Api(e) if e.status == 404));
}

#[test]
fn summaries_require_id_and_status_and_reject_every_truncation() {
    assert!(kind::SetupIntentSummaryKind::decode_ok(br#"{"status":"Created"}"#).is_err());
    assert!(kind::PaymentIntentSummaryKind::decode_ok(br#"{"id":"pi_sandbox_1"}"#).is_err());
    for body in SETUP_INTENTS.iter().chain(PAYMENT_INTENTS.iter()) {
        // Every cut short of the closing brace is an error (not a panic, not a value).
        for end in 0..body.trim_ascii_end().len() {
            let cut = &body[..end];
            assert!(kind::SetupIntentSummaryKind::decode_ok(cut).is_err(), "{end}");
            assert!(kind::PaymentIntentSummaryKind::decode_ok(cut).is_err(), "{end}");
        }
    }
}
