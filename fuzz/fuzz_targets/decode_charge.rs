#![no_main]
//! Any bytes into the charge, capture, refund and reversal decoders: never a panic. The
//! charge's hand-written decoder gives exactly what the serde path (`from_slice`) gives.

use dojo_core::json::from_slice;
use dojo_core::payment_intent::ChargeResponse;
use dojo_core::response::{ResponseKind, kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let charge = kind::ChargeKind::decode_ok(body);
    let serde = from_slice::<ChargeResponse<'_>>(body);
    assert_eq!(charge, serde);
    assert_eq!(
        charge.ok().and_then(|c| c.message).map(|t| (t.raw(), t.as_str().is_some())),
        serde.ok().and_then(|c| c.message).map(|t| (t.raw(), t.as_str().is_some()))
    );
    let _ = kind::CaptureKind::decode_ok(body);
    let _ = kind::RefundKind::decode_ok(body);
    let _ = kind::ReversalKind::decode_ok(body);
});
