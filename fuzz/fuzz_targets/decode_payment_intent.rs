#![no_main]
//! Any bytes into the payment-intent and search-page decoders: never a panic. The
//! summary's hand-written decoder gives exactly what the serde path (`from_slice`) gives.

use dojo_core::json::from_slice;
use dojo_core::payment_intent::PaymentIntentSummary;
use dojo_core::response::{ResponseKind, kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    assert_eq!(kind::PaymentIntentSummaryKind::decode_ok(body), from_slice::<PaymentIntentSummary>(body));
    if let Ok(pi) = kind::PaymentIntentKind::decode_ok(body) {
        if let Some(captures) = pi.captures {
            assert_eq!(captures.iter().count(), captures.len());
        }
        if let Some(events) = pi.payment_events {
            assert_eq!(events.iter().count(), events.len());
        }
    }
    if let Ok(page) = kind::PaymentIntentPageKind::decode_ok(body) {
        if let Some(data) = page.data {
            assert_eq!(data.iter().count(), data.len());
        }
    }
});
