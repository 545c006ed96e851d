//! Webhook signature vectors computed with independent tools, not with this crate.
//!
//! Each body below was written byte for byte to a file (`body.bin`, from Python 3.11 with
//! the same literal) and its header computed twice, with OpenSSL 3.0.19:
//!
//! ```text
//! openssl dgst -sha256 -hmac "$SECRET" body.bin
//! ```
//!
//! (lowercase hex, then uppercased and cut into pairs joined by `-`), and with Python
//! 3.11's `hmac` module:
//!
//! ```text
//! python3 -c "import hmac,hashlib,sys; print('sha256=' + '-'.join('%02X' % b for b in
//!     hmac.new(sys.argv[1].encode(), open(sys.argv[2],'rb').read(), hashlib.sha256).digest()))" "$SECRET" body.bin
//! ```
//!
//! The two agreed on every vector. The last one is RFC 4231 test case 2 (key `Jefe`),
//! whose digest is also published in the RFC:
//! `5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::webhook::{
    SIGNATURE_HEADER, SIGNATURE_LEN, WebhookError, WebhookEventName, sign, verify, verify_and_decode,
};
use dojo_core::{CaptureMode, Error, PaymentIntentStatus, Timestamp};
use proptest::prelude::*;

/// A `payment_intent.status_updated` delivery shaped like the documented payload, with an
/// escaped id (`\u0051` is `Q`), an escaped string in an unknown `data` field and an
/// unknown top-level field.
const STATUS_UPDATED: &str = r#"{"id":"evt_\u0051m3b9","event":"payment_intent.status_updated","accountId":"acc_wrr9HHrH10KHXtVxfWNPHw","createdAt":"2026-03-05T20:00:21.1234567Z","data":{"paymentIntentId":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","paymentStatus":"Captured","captureMode":"Auto","note":"Table \u00234 \u0026 more"},"extra":{"x":[1,2]}}"#;

/// An event name this crate does not know, pretty-printed (LF line ends, two-space
/// indents), with escapes in decoded fields, raw non-ASCII UTF-8, an escaped quote and
/// unknown fields at both levels.
const UNKNOWN_EVENT: &str = r#"{
  "id": "evt_7Hq2KdLw0Uy9",
  "event": "payment_intent.refund_requested",
  "accountId": "acc_Caf\u00E9_\u0026_Bar",
  "createdAt": "2026-03-06T08:15:00Z",
  "data": {
    "paymentIntentId": "pi_sandbox_\u0041bc-123",
    "paymentStatus": "Refunded",
    "captureMode": "Manual",
    "refund": {"amount": 250, "reason": "Café \"spilt\""}
  },
  "apiVersion": "2026-02-27"
}"#;

/// (body, secret, expected `dojo-signature` value).
const VECTORS: [(&str, &str, &str); 6] = [
    // The empty body.
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
    // Escapes as ASP.NET writes them and raw non-ASCII UTF-8 (`é`, `–`); a base64-looking
    // secret is used as its UTF-8 bytes, not decoded (summary quirk 14).
    (
        r#"{"note":"Caf\u00E9 \u0026 Bar","raw":"Café – ok"}"#,
        "U3Vic2NyaXB0aW9uU2VjcmV0",
        "sha256=89-86-85-B8-4D-22-4F-08-3C-C6-B2-6A-F5-38-43-1E-84-A6-F3-FA-7D-0A-70-39-E4-A9-54-77-A1-B8-32-AC",
    ),
    (
        STATUS_UPDATED,
        "ws_rotated_2026",
        "sha256=A2-12-B8-62-B9-11-7A-EC-E1-37-3B-38-C5-5C-D2-6E-82-33-55-E9-B2-EE-49-23-9D-52-B0-43-6E-90-00-9F",
    ),
    (
        UNKNOWN_EVENT,
        "ws_K9vLq2XzR0tYp8WmN3bHcA",
        "sha256=3F-6E-AF-60-EE-86-38-E7-97-A5-9B-31-E6-D3-BE-4D-81-7D-7C-A8-B2-68-D0-1A-65-CD-3E-E1-6A-2E-81-85",
    ),
    // RFC 4231, test case 2.
    (
        "what do ya want for nothing?",
        "Jefe",
        "sha256=5B-DC-C1-46-BF-60-75-4E-6A-04-24-26-08-95-75-C7-5A-00-3F-08-9D-27-39-83-9D-EC-58-B9-64-EC-38-43",
    ),
];

#[test]
fn signs_like_the_independent_tools() {
    for (body, secret, expected) in VECTORS {
        let mut out = [0u8; SIGNATURE_LEN];
        assert_eq!(sign(body.as_bytes(), secret, &mut out), expected, "{body:?}");
    }
}

#[test]
fn verifies_the_independent_vectors() {
    for (body, secret, expected) in VECTORS {
        let body = body.as_bytes();
        assert_eq!(verify(body, expected, &[secret]), Ok(0));
        assert_eq!(verify(body, expected, &["ws_other", secret]), Ok(1));
        assert_eq!(verify(body, &expected.to_ascii_lowercase().replace("SHA", "sha"), &[secret]), Ok(0));
        assert_eq!(verify(body, expected, &["ws_other"]), Err(WebhookError::Mismatch));
        // The body with one more byte, or one less.
        assert_eq!(verify(&[body, b" "].concat(), expected, &[secret]), Err(WebhookError::Mismatch));
        if let Some((_, shorter)) = body.split_last() {
            assert_eq!(verify(shorter, expected, &[secret]), Err(WebhookError::Mismatch));
        }
    }
}

#[test]
fn the_header_name_matches_case_insensitively() {
    for name in ["dojo-signature", "Dojo-Signature", "DOJO-SIGNATURE"] {
        assert!(name.eq_ignore_ascii_case(SIGNATURE_HEADER));
    }
}

#[test]
fn decodes_a_verified_status_update() {
    let (body, secret, header) = VECTORS[3];
    let event = verify_and_decode(body.as_bytes(), header, &["ws_old", secret]).unwrap();
    assert_eq!(event.id, "evt_Qm3b9");
    assert_eq!(event.id.raw(), r"evt_\u0051m3b9");
    assert_eq!(event.id.to_string(), "evt_Qm3b9");
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
fn decodes_an_unknown_event_name_to_unknown() {
    let (body, secret, header) = VECTORS[4];
    let event = verify_and_decode(body.as_bytes(), header, &[secret]).unwrap();
    assert_eq!(event.id, "evt_7Hq2KdLw0Uy9");
    assert!(matches!(event.event, WebhookEventName::Unknown(_)), "{:?}", event.event);
    assert!(!event.event.is_known());
    assert_eq!(event.event.as_str(), Some("payment_intent.refund_requested"));
    assert_eq!(event.account_id.unwrap(), "acc_Café_&_Bar");
    assert_eq!(event.created_at, Some(Timestamp::parse("2026-03-06T08:15:00Z").unwrap()));
    let data = event.data.unwrap();
    assert_eq!(data.payment_intent_id.unwrap(), "pi_sandbox_Abc-123");
    assert_eq!(data.payment_status, Some(PaymentIntentStatus::Refunded));
    assert_eq!(data.capture_mode, Some(CaptureMode::Manual));
}

#[test]
fn a_verified_body_that_is_not_an_event_is_a_decode_error() {
    for (body, secret, header) in [VECTORS[0], VECTORS[2], VECTORS[5]] {
        let e = verify_and_decode(body.as_bytes(), header, &[secret]).unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{body:?}: {e:?}");
    }
}

fn header_for(body: &[u8], secret: &str) -> String {
    let mut out = [0u8; SIGNATURE_LEN];
    sign(body, secret, &mut out).to_owned()
}

/// Whether `mutated` still spells the MAC of `original` (which is uppercase): the only
/// changes `verify` tolerates are hex case and surrounding ASCII white space.
fn same_signature(original: &str, mutated: &str) -> bool {
    let m = mutated.trim_matches(|c: char| c.is_ascii_whitespace());
    m.strip_prefix("sha256=").is_some_and(|hex| hex.to_ascii_uppercase() == original[7..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn verify_never_panics(header in ".{0,200}", body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = verify(&body, &header, &["ws_a", "ws_b"]);
        let _ = verify(&body, &header, &[]);
        let _ = verify_and_decode(&body, &header, &["ws_a"]);
    }

    #[test]
    fn well_shaped_guesses_never_pass(
        header in "sha256=[0-9A-Fa-f-]{0,100}",
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let r = verify(&body, &header, &["ws_a"]);
        prop_assert!(matches!(r, Err(WebhookError::MalformedSignature | WebhookError::Mismatch)), "{r:?}");
    }

    #[test]
    fn a_mutated_header_passes_only_if_it_spells_the_same_mac(
        body in prop::collection::vec(any::<u8>(), 0..64),
        at in any::<prop::sample::Index>(),
        with in prop::sample::select(vec![
            "", "0", "9", "A", "a", "F", "f", "G", "-", "--", ":", " ", "\t", "é", "=", "sha256=",
        ]),
        keep in any::<bool>(),
    ) {
        let original = header_for(&body, "ws_a");
        // Replace (or, with `keep`, insert before) the character at a random position.
        let i = at.index(original.len() + 1);
        let rest_from = if keep || i == original.len() { i } else { i + 1 };
        let mutated = format!("{}{with}{}", &original[..i], &original[rest_from..]);
        let r = verify(&body, &mutated, &["ws_b", "ws_a"]);
        if same_signature(&original, &mutated) {
            prop_assert_eq!(r, Ok(1), "{:?}", mutated);
        } else {
            prop_assert!(r.is_err(), "{:?} accepted", mutated);
        }
    }

    #[test]
    fn only_the_exact_body_under_the_right_secret_passes(
        body in prop::collection::vec(any::<u8>(), 0..256),
        secret in "[A-Za-z0-9_]{1,40}",
        other in "[A-Za-z0-9_]{1,40}",
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let header = header_for(&body, &secret);
        prop_assert_eq!(verify(&body, &header, &[&secret]), Ok(0));
        prop_assert_eq!(verify(&body, &header, &[&other, &secret]), Ok(if other == secret { 0 } else { 1 }));
        if other != secret {
            prop_assert_eq!(verify(&body, &header, &[&other]), Err(WebhookError::Mismatch));
        }
        if !body.is_empty() {
            let mut altered = body.clone();
            let i = flip.index(altered.len());
            altered[i] ^= 1 << bit;
            prop_assert_eq!(verify(&altered, &header, &[&secret]), Err(WebhookError::Mismatch));
            prop_assert_eq!(verify(&body[..body.len() - 1], &header, &[&secret]), Err(WebhookError::Mismatch));
        }
    }
}
