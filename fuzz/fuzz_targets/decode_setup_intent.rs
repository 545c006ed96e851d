#![no_main]
//! Any bytes into the setup-intent decoder (and its lazy lists): never a panic. The
//! summary's hand-written decoder gives exactly what the serde path (`from_slice`) gives.

use dojo_core::json::from_slice;
use dojo_core::response::{ResponseKind, kind};
use dojo_core::setup_intent::SetupIntentSummary;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    assert_eq!(kind::SetupIntentSummaryKind::decode_ok(body), from_slice::<SetupIntentSummary>(body));
    if let Ok(si) = kind::SetupIntentKind::decode_ok(body) {
        if let Some(events) = si.setup_events {
            assert_eq!(events.iter().count(), events.len());
        }
        if let Some(meta) = si.metadata {
            assert_eq!(meta.iter().count(), meta.len());
        }
        if let Some(reference) = si.reference {
            let mut buf = [0u8; 256];
            if let Ok(s) = reference.copy_to(&mut buf) {
                assert_eq!(reference, s);
            }
        }
    }
});
