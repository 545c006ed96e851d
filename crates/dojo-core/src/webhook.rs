//! Webhook deliveries: verify Dojo's signature over the raw body, then decode the event.
//!
//! Dojo signs each delivery with HMAC-SHA256 over the **raw request body**, keyed by the
//! subscription secret's UTF-8 bytes exactly as the API returned it (e.g.
//! `ws_OYsyzcrH70GpJfs8MMkKpg`: prefix included, no base64 decoding). The header
//! `dojo-signature` (header names are case-insensitive) carries `sha256=` followed by the
//! 32 MAC bytes as uppercase hex pairs joined by `-` (.NET's `BitConverter.ToString`
//! format), e.g. `sha256=94-AC-93-…-F4`.
//!
//! There is no timestamp or event id in the MAC and no replay window, and deliveries are
//! at least once: dedupe on the event's [`id`](WebhookEvent::id). Dojo rotates secrets,
//! so [`verify`] takes every active secret and tells which one matched.
//!
//! ```
//! use dojo_core::webhook::{sign, verify, verify_and_decode, SIGNATURE_LEN, WebhookEventName};
//!
//! let body = br#"{"id":"evt_1","event":"payment_intent.status_updated","accountId":"acc_1",
//!     "createdAt":"2026-03-05T20:00:21Z","data":{"paymentIntentId":"pi_sandbox_1",
//!     "paymentStatus":"Captured","captureMode":"Auto"}}"#;
//! let mut sig = [0u8; SIGNATURE_LEN];
//! let header = sign(body, "ws_new", &mut sig);
//! assert_eq!(verify(body, header, &["ws_old", "ws_new"]), Ok(1));
//! let event = verify_and_decode(body, header, &["ws_old", "ws_new"]).unwrap();
//! assert_eq!(event.event, WebhookEventName::PaymentIntentStatusUpdated);
//! ```

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

use crate::error::Error;
use crate::id::PaymentIntentId;
use crate::json::{Text, from_slice};
use crate::open_enum::open_enum;
use crate::status::{CaptureMode, PaymentIntentStatus};
use crate::time::Timestamp;

/// The delivery header that carries the signature (compare names case-insensitively).
pub const SIGNATURE_HEADER: &str = "dojo-signature";

/// The length of a signature header value: `sha256=` and 32 hex pairs joined by `-`.
pub const SIGNATURE_LEN: usize = PREFIX.len() + 32 * 3 - 1;

const PREFIX: &str = "sha256=";
const MAC_LEN: usize = 32;

/// Why a webhook delivery was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The `dojo-signature` header is missing or empty.
    MissingSignature,
    /// The header is not `sha256=` followed by 32 hex pairs joined by `-`.
    MalformedSignature,
    /// No usable secret was given (an empty list, or only empty secrets).
    NoSecrets,
    /// The signature matches none of the secrets: the body was altered, or signed with
    /// another secret. Reject the delivery.
    Mismatch,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WebhookError::MissingSignature => "webhook delivery has no dojo-signature header",
            WebhookError::MalformedSignature => "dojo-signature header is not `sha256=` and 32 hex pairs joined by `-`",
            WebhookError::NoSecrets => "no webhook secret to verify with: configure the subscription's active secrets",
            WebhookError::Mismatch => "webhook signature matches no active secret: reject the delivery",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WebhookError {}

fn mac(body: &[u8], secret: &str) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    // HMAC takes keys of any length, so this cannot fail.
    if let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        m.update(body);
        out.copy_from_slice(&m.finalize().into_bytes());
    }
    out
}

/// Signs `body` with `secret` the way Dojo does and writes the header value into `out`
/// (used by the local emulator and by tests).
pub fn sign<'o>(body: &[u8], secret: &str, out: &'o mut [u8; SIGNATURE_LEN]) -> &'o str {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digest = mac(body, secret);
    let (prefix, rest) = out.split_at_mut(PREFIX.len());
    prefix.copy_from_slice(PREFIX.as_bytes());
    for (i, (chunk, byte)) in rest.chunks_mut(3).zip(digest).enumerate() {
        let digit = |n: u8| HEX.get(usize::from(n)).copied().unwrap_or(b'0');
        let hex = [digit(byte >> 4), digit(byte & 0xF)];
        for (dst, src) in chunk.iter_mut().zip(hex.iter().chain(if i + 1 < MAC_LEN { &b"-"[..] } else { &[] })) {
            *dst = *src;
        }
    }
    core::str::from_utf8(out).unwrap_or("")
}

/// Parses a header value into the 32 MAC bytes. Surrounding white space is ignored;
/// hex digits may be either case (Dojo writes uppercase; the MAC is compared as bytes).
fn parse_signature(header: &str) -> Result<[u8; MAC_LEN], WebhookError> {
    let header = header.trim_matches(|c: char| c.is_ascii_whitespace());
    if header.is_empty() {
        return Err(WebhookError::MissingSignature);
    }
    let hex = header.strip_prefix(PREFIX).ok_or(WebhookError::MalformedSignature)?.as_bytes();
    if hex.len() != SIGNATURE_LEN - PREFIX.len() {
        return Err(WebhookError::MalformedSignature);
    }
    let mut out = [0u8; MAC_LEN];
    for (i, byte) in out.iter_mut().enumerate() {
        let at = i * 3;
        let pair = hex.get(at..at + 2).ok_or(WebhookError::MalformedSignature)?;
        let sep = hex.get(at + 2).copied();
        if (i + 1 < MAC_LEN && sep != Some(b'-')) || (i + 1 == MAC_LEN && sep.is_some()) {
            return Err(WebhookError::MalformedSignature);
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            _ => Err(WebhookError::MalformedSignature),
        };
        let [hi, lo] = [pair.first().copied().unwrap_or(0), pair.get(1).copied().unwrap_or(0)];
        *byte = (nibble(hi)? << 4) | nibble(lo)?;
    }
    Ok(out)
}

/// Verifies a delivery: `signature_header` must be the HMAC of `body` under one of
/// `secrets`. Returns the index of the secret that matched. Every secret is checked,
/// in constant time, whatever the outcome. Empty secrets are skipped.
pub fn verify(body: &[u8], signature_header: &str, secrets: &[&str]) -> Result<usize, WebhookError> {
    let given = parse_signature(signature_header)?;
    let mut any_secret = false;
    let mut matched = Choice::from(0);
    let mut index = 0u64;
    for (i, secret) in secrets.iter().enumerate() {
        if secret.is_empty() {
            continue;
        }
        any_secret = true;
        let this = mac(body, secret).ct_eq(&given);
        // Keep the first matching index without branching on the comparison.
        let take = this & !matched;
        index = u64::conditional_select(&index, &(i as u64), take);
        matched |= this;
    }
    if !any_secret {
        return Err(WebhookError::NoSecrets);
    }
    if bool::from(matched) { Ok(index as usize) } else { Err(WebhookError::Mismatch) }
}

use subtle::ConditionallySelectable;

open_enum! {
    /// The name of a webhook event.
    pub enum WebhookEventName {
        /// A payment intent was created.
        PaymentIntentCreated = "payment_intent.created",
        /// A payment intent's status changed.
        PaymentIntentStatusUpdated = "payment_intent.status_updated",
        /// A receipt was requested.
        PaymentIntentSendReceipt = "payment_intent.send-receipt",
        /// A payment intent was updated (listed by the events endpoint's example).
        PaymentIntentUpdated = "payment_intent.updated",
    }
}

/// A webhook event. Unknown fields are ignored. Deliveries are at least once: dedupe on
/// `id`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookEvent<'a> {
    /// The event's id (`evt_…`), unique per event: the deduplication key.
    #[serde(borrow)]
    pub id: Text<'a>,
    /// What happened.
    pub event: WebhookEventName,
    /// The Dojo account.
    #[serde(borrow)]
    pub account_id: Option<Text<'a>>,
    /// When the event happened.
    pub created_at: Option<Timestamp>,
    /// The payment intent concerned (for the payment-intent events).
    pub data: Option<PaymentIntentEventData>,
}

/// The `data` of a payment-intent event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentIntentEventData {
    /// The payment intent.
    pub payment_intent_id: Option<PaymentIntentId>,
    /// Its status now.
    pub payment_status: Option<PaymentIntentStatus>,
    /// Its capture mode.
    pub capture_mode: Option<CaptureMode>,
}

/// Verifies a delivery with [`verify`] and only then decodes its body.
pub fn verify_and_decode<'a>(
    body: &'a [u8],
    signature_header: &str,
    secrets: &[&str],
) -> Result<WebhookEvent<'a>, Error<'a>> {
    verify(body, signature_header, secrets)?;
    Ok(from_slice(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","event":"payment_intent.created","data":{}}"#;

    fn signed(body: &[u8], secret: &str) -> String {
        let mut out = [0u8; SIGNATURE_LEN];
        sign(body, secret, &mut out).to_owned()
    }

    #[test]
    fn sign_then_verify_with_rotation() {
        let h = signed(BODY, "ws_b");
        assert_eq!(h.len(), SIGNATURE_LEN);
        assert!(h.starts_with("sha256=") && h[7..].split('-').count() == 32);
        assert_eq!(verify(BODY, &h, &["ws_b"]), Ok(0));
        assert_eq!(verify(BODY, &h, &["ws_a", "ws_b"]), Ok(1));
        assert_eq!(verify(BODY, &h, &["", "ws_b", "ws_b"]), Ok(1));
        assert_eq!(verify(BODY, &format!("  {}\r\n", h.to_lowercase()), &["ws_b"]), Ok(0));
    }

    #[test]
    fn every_error() {
        let h = signed(BODY, "ws_b");
        assert_eq!(verify(BODY, "", &["ws_b"]), Err(WebhookError::MissingSignature));
        assert_eq!(verify(BODY, "   ", &["ws_b"]), Err(WebhookError::MissingSignature));
        assert_eq!(verify(BODY, &h, &[]), Err(WebhookError::NoSecrets));
        assert_eq!(verify(BODY, &h, &["", ""]), Err(WebhookError::NoSecrets));
        assert_eq!(verify(BODY, &h, &["ws_a"]), Err(WebhookError::Mismatch));
        let mut flipped = BODY.to_vec();
        flipped[3] ^= 1;
        assert_eq!(verify(&flipped, &h, &["ws_b"]), Err(WebhookError::Mismatch));
        assert_eq!(verify(&BODY[..BODY.len() - 1], &h, &["ws_b"]), Err(WebhookError::Mismatch));
        let hex = &h[7..];
        let malformed = [
            hex.to_owned(),                                  // no prefix
            format!("sha1={hex}"),                           // wrong prefix
            format!("sha256={}", &hex[3..]),                 // 31 groups
            format!("sha256={hex}-00"),                      // 33 groups
            format!("sha256={}", hex.replace('-', ":")),     // wrong separator
            format!("sha256={}", hex.replacen('-', " ", 1)), // a space inside
            format!("sha256=ZZ{}", &hex[2..]),               // not hex
            format!("sha256={}", hex.replace('-', "")),      // no separators
        ];
        for m in malformed {
            assert_eq!(verify(BODY, &m, &["ws_b"]), Err(WebhookError::MalformedSignature), "{m}");
        }
    }

    #[test]
    fn an_unverified_body_is_never_decoded() {
        let e = verify_and_decode(b"not json at all", &signed(BODY, "ws_b"), &["ws_b"]).unwrap_err();
        assert_eq!(e, Error::Webhook(WebhookError::Mismatch));
        let e = verify_and_decode(b"not json", &signed(b"not json", "ws_b"), &["ws_b"]).unwrap_err();
        assert!(matches!(e, Error::Decode(_)));
    }
}
