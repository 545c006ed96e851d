//! Webhook signature vectors computed with independent tools, not with this crate.
//!
//! Each expected header was computed twice and the two agreed:
//!   printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET"
//! (lowercase hex, then uppercased and joined by `-`), and Python 3.11:
//!   "sha256=" + "-".join("%02X" % b for b in hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest())
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::webhook::{SIGNATURE_LEN, WebhookError, WebhookEventName, sign, verify, verify_and_decode};
use dojo_core::{CaptureMode, Error, PaymentIntentStatus, Timestamp};
use proptest::prelude::*;

const STATUS_UPDATED: &str = r#"{"id":"evt_Qm3b9","event":"payment_intent.status_updated","accountId":"acc_wrr9HHrH10KHXtVxfWNPHw","createdAt":"2026-03-05T20:00:21.1234567Z","data":{"paymentIntentId":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","paymentStatus":"Captured","captureMode":"Auto","note":"Table \u00234 \u0026 more"},"extra":{"x":[1,2]}}"#;

const VECTORS: [(&str, &str, &str); 4] = [
    (
        "",
        "ws_OYsyzcrH70GpJfs8MMkKpg",
        "sha256=55-84-BE-D4-96-4C-17-BF-71-73-45-AA-AB-22-FF-7C-1E-A9-49-BB-67-95-05-9B-75-24-F2-8D-A3-53-35-66",
    ),
    (
        r#"{"id":"evt_1"}"#,
        "ws_OYsyzcrH70GpJfs8MMkKpg",
        "sha256=C9-41-4C-53-08-18-30-CA-9D-8F-31-3E-3D-BF-42-A6-54-71-D1-01-28-F5-51-51-D9-5E-6E-5D-43-DE-E6-13",
    ),
    (
        // Escapes as ASP.NET writes them and raw non-ASCII UTF-8; a base64-looking secret
        // is used as its UTF-8 bytes, not decoded.
        r#"{"note":"Caf\u00E9 \u0026 Bar","raw":"Café – ok"}"#,
        "U3Vic2NyaXB0aW9uU2VjcmV0",
        "sha256=89-86-85-B8-4D-22-4F-08-3C-C6-B2-6A-F5-38-43-1E-84-A6-F3-FA-7D-0A-70-39-E4-A9-54-77-A1-B8-32-AC",
    ),
    (
        STATUS_UPDATED,
        "ws_rotated_2026",
        "sha256=62-CD-34-DE-A7-35-FD-84-50-53-00-83-19-66-13-E4-97-C7-76-BE-4E-BA-D3-3F-F7-54-3D-CD-AA-D1-6F-C0",
    ),
];

#[test]
fn signs_like_the_independent_tools() {
    for (body, secret, expected) in VECTORS {
        let mut out = [0u8; SIGNATURE_LEN];
        assert_eq!(sign(body.as_bytes(), secret, &mut out), expected);
        assert_eq!(verify(body.as_bytes(), expected, &[secret]), Ok(0));
        assert_eq!(verify(body.as_bytes(), expected, &["ws_other", secret]), Ok(1));
        assert_eq!(verify(body.as_bytes(), expected, &["ws_other"]), Err(WebhookError::Mismatch));
    }
}

#[test]
fn decodes_a_verified_status_update() {
    let (body, secret, header) = VECTORS[3];
    let event = verify_and_decode(body.as_bytes(), header, &["ws_old", secret]).unwrap();
    assert_eq!(event.id, "evt_Qm3b9");
    assert_eq!(event.event, WebhookEventName::PaymentIntentStatusUpdated);
    assert_eq!(event.account_id.unwrap(), "acc_wrr9HHrH10KHXtVxfWNPHw");
    assert_eq!(event.created_at, Some(Timestamp::parse("2026-03-05T20:00:21.1234567Z").unwrap()));
    let data = event.data.unwrap();
    assert_eq!(data.payment_intent_id.unwrap(), "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ");
    assert_eq!(data.payment_status, Some(PaymentIntentStatus::Captured));
    assert_eq!(data.capture_mode, Some(CaptureMode::Auto));
    // The same body under the wrong secret is refused before decoding.
    assert_eq!(verify_and_decode(body.as_bytes(), header, &["ws_old"]), Err(Error::Webhook(WebhookError::Mismatch)));
}

#[test]
fn unknown_event_names_and_escaped_ids_decode() {
    let body = br#"{"id":"evt_\u0032","event":"payment_intent.refund_requested","data":null}"#;
    let mut out = [0u8; SIGNATURE_LEN];
    let header = sign(body, "ws_s", &mut out);
    let event = verify_and_decode(body, header, &["ws_s"]).unwrap();
    assert_eq!(event.id, "evt_2");
    assert!(!event.event.is_known());
    assert_eq!(event.event.as_str(), Some("payment_intent.refund_requested"));
    assert!(event.data.is_none());
}

proptest! {
    #[test]
    fn verify_never_panics(header in ".{0,200}", body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = verify(&body, &header, &["ws_a", "ws_b"]);
    }

    #[test]
    fn only_the_exact_body_under_the_right_secret_passes(
        body in prop::collection::vec(any::<u8>(), 0..256),
        secret in "[A-Za-z0-9_]{1,40}",
        other in "[A-Za-z0-9_]{1,40}",
        flip in any::<prop::sample::Index>(),
    ) {
        let mut out = [0u8; SIGNATURE_LEN];
        let header = sign(&body, &secret, &mut out).to_owned();
        prop_assert_eq!(verify(&body, &header, &[&secret]), Ok(0));
        if other != secret {
            prop_assert_eq!(verify(&body, &header, &[&other]), Err(WebhookError::Mismatch));
        }
        if !body.is_empty() {
            let mut altered = body.clone();
            let i = flip.index(altered.len());
            altered[i] ^= 0x01;
            prop_assert_eq!(verify(&altered, &header, &[&secret]), Err(WebhookError::Mismatch));
        }
    }
}
