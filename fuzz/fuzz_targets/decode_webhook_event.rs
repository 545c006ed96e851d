#![no_main]
//! Any bytes into the webhook event decoder (as after a verified signature): never a
//! panic, and a decoded event always has its required id.

use dojo_core::json::from_slice;
use dojo_core::webhook::WebhookEvent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(event) = from_slice::<WebhookEvent<'_>>(body) {
        let _ = event.id.to_string();
        let _ = event.event.to_string();
    }
});
