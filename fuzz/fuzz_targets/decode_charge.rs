#![no_main]
//! Any bytes into the charge, capture, refund and reversal decoders: never a panic.

use dojo_core::response::{ResponseKind, kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = kind::ChargeKind::decode_ok(body);
    let _ = kind::CaptureKind::decode_ok(body);
    let _ = kind::RefundKind::decode_ok(body);
    let _ = kind::ReversalKind::decode_ok(body);
});
