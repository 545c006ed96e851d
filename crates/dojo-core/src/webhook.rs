//! Webhook deliveries: verify Dojo's signature over the raw body, then decode the event.
//!
//! Dojo signs each delivery with HMAC-SHA256 over the **raw request body**, keyed by the
//! subscription secret's UTF-8 bytes exactly as the API returned it (e.g.
//! `ws_OYsyzcrH70GpJfs8MMkKpg`: prefix included, no base64 decoding, even when the value
//! looks like base64). The header [`dojo-signature`](SIGNATURE_HEADER) carries `sha256=`
//! followed by the 32 MAC bytes as uppercase hex pairs joined by `-` (.NET's
//! `BitConverter.ToString` format), e.g. `sha256=94-AC-93-…-F4`.
//!
//! There is no timestamp or event id in the MAC and no replay window, and deliveries are
//! at least once (retries, and a second copy when both a capability and a webhook are
//! registered): **dedupe on the event's [`id`](WebhookEvent::id)**. Dojo rotates secrets,
//! so [`verify`] takes every active secret and tells which one matched.
//!
//! Verify the exact bytes received, before any parsing or re-encoding: a body that is
//! re-serialized, re-indented or trimmed no longer matches. [`verify_and_decode`] never
//! decodes a body that failed verification.
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
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::enums::{CaptureMode, PaymentIntentStatus};
use crate::error::Error;
use crate::id::PaymentIntentId;
use crate::json::{Text, from_slice};
use crate::open_enum::open_enum;
use crate::time::Timestamp;

/// The name of the delivery header that carries the signature. HTTP header names are
/// case-insensitive (Dojo.Net writes `Dojo-Signature`, the docs `dojo-signature`):
/// look it up with [`str::eq_ignore_ascii_case`].
pub const SIGNATURE_HEADER: &str = "dojo-signature";

/// The length in bytes of a signature header value: `sha256=` (7) and 32 two-digit hex
/// groups joined by `-` (32 × 3 − 1 = 95), 102 in all.
pub const SIGNATURE_LEN: usize = PREFIX.len() + MAC_LEN * 3 - 1;

const PREFIX: &str = "sha256=";
const MAC_LEN: usize = 32;

/// Why a webhook delivery was rejected. Every variant means: answer with a 4xx and do not
/// act on the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The `dojo-signature` header is missing, empty or only white space.
    MissingSignature,
    /// The header is not `sha256=` followed by 32 hex pairs joined by `-`.
    MalformedSignature,
    /// No usable secret was given (an empty list, or only empty secrets): a configuration
    /// error on our side, not the sender's.
    NoSecrets,
    /// The signature matches none of the secrets: the body was altered, or signed with
    /// another secret. Reject the delivery.
    Mismatch,
    /// A verified event whose id cannot be recorded for deduplication: empty, or longer
    /// than [`MAX_EVENT_ID_LEN`](crate::dedup::MAX_EVENT_ID_LEN) bytes (Dojo's ids are
    /// far shorter). Acting on it could not be made once-only.
    UnusableEventId,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WebhookError::MissingSignature => "webhook delivery has no dojo-signature header",
            WebhookError::MalformedSignature => "dojo-signature header is not `sha256=` and 32 hex pairs joined by `-`",
            WebhookError::NoSecrets => "no webhook secret to verify with: configure the subscription's active secrets",
            WebhookError::Mismatch => "webhook signature matches no active secret: reject the delivery",
            WebhookError::UnusableEventId => "webhook event id is empty or too long to deduplicate",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WebhookError {}

/// HMAC-SHA256 of `body` keyed by the secret's UTF-8 bytes. `None` only if the MAC could
/// not be keyed, which HMAC (any key length) never does; callers fail closed on it.
fn mac(body: &[u8], secret: &str) -> Option<[u8; MAC_LEN]> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    m.update(body);
    Some(m.finalize().into_bytes().into())
}

/// Signs `body` with `secret` the way Dojo does and writes the header value into `out`,
/// returning it as text (used by the local emulator and by tests). The digits are
/// uppercase, as Dojo writes them.
pub fn sign<'o>(body: &[u8], secret: &str, out: &'o mut [u8; SIGNATURE_LEN]) -> &'o str {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digit = |n: u8| HEX.get(usize::from(n & 0xF)).copied().unwrap_or(b'0');
    let digest = mac(body, secret).unwrap_or([0; MAC_LEN]);
    let (prefix, groups) = out.split_at_mut(PREFIX.len());
    prefix.copy_from_slice(PREFIX.as_bytes());
    // 31 chunks of `XX-` and a last one of `XX`: `zip` drops the last separator.
    for (chunk, byte) in groups.chunks_mut(3).zip(digest) {
        for (dst, src) in chunk.iter_mut().zip([digit(byte >> 4), digit(byte), b'-']) {
            *dst = src;
        }
    }
    // Only ASCII was written.
    core::str::from_utf8(out).unwrap_or("")
}

/// The value of one hex digit, either case.
fn nibble(c: u8) -> Result<u8, WebhookError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(WebhookError::MalformedSignature),
    }
}

/// Parses a header value into the 32 MAC bytes, strictly: `sha256=` (lowercase, as Dojo
/// writes it), then exactly 32 two-digit hex groups joined by single `-`. Surrounding
/// ASCII white space is ignored (proxies and frameworks may leave it); hex digits may be
/// either case, since the MAC is compared as bytes and case carries no information.
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
    // With the length checked, `chunks(3)` yields 31 chunks of 3 bytes and one of 2.
    for (chunk, byte) in hex.chunks(3).zip(out.iter_mut()) {
        let (&[hi, lo, b'-'] | &[hi, lo]) = chunk else {
            return Err(WebhookError::MalformedSignature);
        };
        *byte = (nibble(hi)? << 4) | nibble(lo)?;
    }
    Ok(out)
}

/// Verifies a delivery: `signature_header` (the value of the [`SIGNATURE_HEADER`]
/// header) must be the HMAC-SHA256 of `body` under one of `secrets`, the subscription's
/// active secrets as the API returns them. Returns the index in `secrets` of the first
/// secret that matched, so a caller can tell when the old secret of a rotation is no
/// longer used. Empty secrets are skipped.
///
/// The header is parsed first (see [`WebhookError::MalformedSignature`]), then the MAC
/// under **every** secret is computed and compared with [`subtle::ConstantTimeEq`], and
/// the first match is selected without branching: the time taken depends on the body
/// length and on the number and lengths of the secrets, never on how much of the
/// signature is right or on which secret matched.
///
/// As with any HMAC, a key and the same key followed by NUL bytes are the same key, and
/// a key longer than 64 bytes is the same key as its SHA-256; Dojo's printable `ws_…`
/// secrets are neither.
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
        let this = match mac(body, secret) {
            Some(expected) => expected.as_slice().ct_eq(given.as_slice()),
            None => Choice::from(0),
        };
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

open_enum! {
    /// The name of a webhook event (`event`). Names Dojo adds later decode to `Unknown`,
    /// keeping their text.
    pub enum WebhookEventName {
        /// A payment intent was created.
        PaymentIntentCreated = "payment_intent.created",
        /// A payment intent's status changed (the event the SDK samples subscribe to).
        PaymentIntentStatusUpdated = "payment_intent.status_updated",
        /// A receipt was requested for a payment intent.
        PaymentIntentSendReceipt = "payment_intent.send-receipt",
        /// A payment intent was updated (listed only by the `GET /webhooks/events`
        /// example).
        PaymentIntentUpdated = "payment_intent.updated",
    }
}

/// A webhook event: `{id, event, accountId, createdAt, data}`.
///
/// Deliveries are at least once: **dedupe on [`id`](Self::id)** before acting.
///
/// `id` and `event` are required (decoding fails without them): without an id a delivery
/// cannot be deduplicated, and without a name it cannot be dispatched. Everything else
/// is an `Option`: the payload has no schema in the OpenAPI, every response property the
/// API does describe is optional, and events other than the payment-intent ones may carry
/// other data. Unknown fields, here and in `data`, are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookEvent<'a> {
    /// The event's id (`evt_…`), unique per event: the deduplication key.
    #[serde(borrow)]
    pub id: Text<'a>,
    /// What happened.
    pub event: WebhookEventName,
    /// The Dojo account the event belongs to.
    #[serde(borrow)]
    pub account_id: Option<Text<'a>>,
    /// When the event happened (ISO 8601, UTC).
    pub created_at: Option<Timestamp>,
    /// The payment intent concerned (the payment-intent events). `None` when absent or
    /// `null`.
    pub data: Option<PaymentIntentEventData>,
}

/// The `data` of a payment-intent event. Each field is `None` when absent or `null`.
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

/// Verifies a delivery with [`verify`] and only then decodes its body. A body that fails
/// verification is never parsed ([`Error::Webhook`]); a verified body that is not an
/// event gives [`Error::Decode`].
///
/// Deliveries are at least once: dedupe on the returned event's [`id`](WebhookEvent::id).
/// Use [`verify`] and [`crate::json::from_slice`] separately to learn which secret
/// matched.
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
    fn the_header_has_the_documented_shape() {
        assert_eq!(SIGNATURE_LEN, 102);
        let h = signed(BODY, "ws_b");
        assert_eq!(h.len(), SIGNATURE_LEN);
        let groups: Vec<&str> = h.strip_prefix("sha256=").unwrap().split('-').collect();
        assert_eq!(groups.len(), 32);
        for g in groups {
            assert_eq!(g.len(), 2);
            assert!(g.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)), "{g}");
        }
    }

    #[test]
    fn sign_then_verify() {
        let h = signed(BODY, "ws_b");
        assert_eq!(verify(BODY, &h, &["ws_b"]), Ok(0));
    }

    #[test]
    fn rotation_reports_the_secret_that_matched() {
        let h = signed(BODY, "ws_b");
        assert_eq!(verify(BODY, &h, &["ws_a", "ws_b"]), Ok(1));
        assert_eq!(verify(BODY, &h, &["ws_b", "ws_a"]), Ok(0));
        // Empty secrets are skipped; the first of two matching secrets wins.
        assert_eq!(verify(BODY, &h, &["", "ws_b", "ws_b"]), Ok(1));
        assert_eq!(verify(BODY, &h, &["ws_a", "ws_c", "ws_d", "ws_b"]), Ok(3));
    }

    #[test]
    fn hex_case_and_surrounding_white_space_are_accepted() {
        let h = signed(BODY, "ws_b");
        assert_eq!(verify(BODY, &h.to_lowercase(), &["ws_b"]), Ok(0));
        assert_eq!(verify(BODY, &h.to_uppercase().replacen("SHA256=", "sha256=", 1), &["ws_b"]), Ok(0));
        let mixed: String =
            h.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_lowercase() } else { c }).collect();
        assert_eq!(verify(BODY, &mixed, &["ws_b"]), Ok(0));
        assert_eq!(verify(BODY, &format!("  {h}\r\n"), &["ws_b"]), Ok(0));
        assert_eq!(verify(BODY, &format!("\t{h} "), &["ws_b"]), Ok(0));
    }

    #[test]
    fn a_missing_header() {
        for h in ["", "   ", "\r\n\t"] {
            assert_eq!(verify(BODY, h, &["ws_b"]), Err(WebhookError::MissingSignature), "{h:?}");
        }
    }

    #[test]
    fn no_secrets() {
        let h = signed(BODY, "ws_b");
        assert_eq!(verify(BODY, &h, &[]), Err(WebhookError::NoSecrets));
        assert_eq!(verify(BODY, &h, &["", ""]), Err(WebhookError::NoSecrets));
    }

    #[test]
    fn altered_bodies_and_wrong_secrets_mismatch() {
        let h = signed(BODY, "ws_b");
        assert_eq!(verify(BODY, &h, &["ws_a"]), Err(WebhookError::Mismatch));
        assert_eq!(verify(BODY, &h, &["ws_B"]), Err(WebhookError::Mismatch));
        assert_eq!(verify(BODY, &h, &["ws_b "]), Err(WebhookError::Mismatch));
        for i in 0..BODY.len() {
            let mut flipped = BODY.to_vec();
            flipped[i] ^= 1;
            assert_eq!(verify(&flipped, &h, &["ws_b"]), Err(WebhookError::Mismatch), "byte {i}");
        }
        assert_eq!(verify(&BODY[..BODY.len() - 1], &h, &["ws_b"]), Err(WebhookError::Mismatch));
        assert_eq!(verify(&[BODY, b"\n"].concat(), &h, &["ws_b"]), Err(WebhookError::Mismatch));
        // A well-formed header of another MAC.
        let mut other = h.clone().into_bytes();
        other[SIGNATURE_LEN - 1] = if other[SIGNATURE_LEN - 1] == b'0' { b'1' } else { b'0' };
        assert_eq!(verify(BODY, &String::from_utf8(other).unwrap(), &["ws_b"]), Err(WebhookError::Mismatch));
        // The all-zero MAC, which no keying failure may ever produce a match for.
        let zeros = format!("sha256={}", ["00"; 32].join("-"));
        assert_eq!(verify(BODY, &zeros, &["ws_b"]), Err(WebhookError::Mismatch));
    }

    #[test]
    fn malformed_headers() {
        let h = signed(BODY, "ws_b");
        let hex = &h[7..];
        let malformed = [
            hex.to_owned(),                                                          // no prefix
            format!("sha1={hex}"),                                                   // wrong prefix
            format!("SHA256={hex}"),                                                 // prefix in another case
            format!("sha256 ={hex}"),                                                // a space in the prefix
            format!("sha256:{hex}"),                                                 // wrong prefix separator
            format!("sha256={}", &hex[3..]),                                         // 31 groups
            format!("sha256={hex}-00"),                                              // 33 groups
            format!("sha256={}", &hex[1..]),                                         // one digit short
            format!("sha256={hex}0"),                                                // one digit too many
            format!("sha256={}", hex.replace('-', ":")),                             // `:` separators
            format!("sha256={}", hex.replacen('-', ":", 1)),                         // one `:` separator
            format!("sha256={}", hex.replace('-', "")),                              // no separators
            format!("sha256={}-", &hex[..hex.len() - 1]),                            // trailing separator
            format!("sha256=-{}", &hex[1..]),                                        // leading separator
            format!("sha256={}", hex.replacen('-', " ", 1)),                         // a space for a separator
            format!("sha256= {}", &hex[1..]),                                        // a space inside
            format!("sha256={}", hex.replacen('-', " - ", 1)),                       // spaces around a separator
            format!("sha256=ZZ{}", &hex[2..]),                                       // not hex
            format!("sha256=+F{}", &hex[2..]),                                       // a sign is not a digit
            format!("sha256=é{}", &hex[2..]),                                        // non-ASCII, same byte length
            format!("sha256={}", hex.replace('-', "--")),                            // doubled separators
            format!("sha256={}{}{}", &hex[..2], &hex[3..4], &hex[2..3]) + &hex[4..], // `XXX-X`
        ];
        for m in malformed {
            assert_eq!(verify(BODY, &m, &["ws_b"]), Err(WebhookError::MalformedSignature), "{m:?}");
        }
    }

    #[test]
    fn errors_display_and_stay_small() {
        for e in [
            WebhookError::MissingSignature,
            WebhookError::MalformedSignature,
            WebhookError::NoSecrets,
            WebhookError::Mismatch,
        ] {
            assert!(!e.to_string().is_empty());
            assert_eq!(Error::from(e).to_string(), e.to_string());
        }
        assert_eq!(core::mem::size_of::<WebhookError>(), 1);
    }

    #[test]
    fn an_unverified_body_is_never_decoded() {
        let e = verify_and_decode(b"not json at all", &signed(BODY, "ws_b"), &["ws_b"]).unwrap_err();
        assert_eq!(e, Error::Webhook(WebhookError::Mismatch));
        let e = verify_and_decode(b"not json", "", &["ws_b"]).unwrap_err();
        assert_eq!(e, Error::Webhook(WebhookError::MissingSignature));
        let e = verify_and_decode(b"not json", &signed(b"not json", "ws_b"), &["ws_b"]).unwrap_err();
        assert!(matches!(e, Error::Decode(_)));
    }

    #[test]
    fn decodes_events_with_absent_or_null_parts() {
        let body = br#"{"id":"evt_1","event":"payment_intent.created","data":{}}"#;
        let e = verify_and_decode(body, &signed(body, "ws_b"), &["ws_b"]).unwrap();
        assert_eq!(e.id, "evt_1");
        assert_eq!(e.event, WebhookEventName::PaymentIntentCreated);
        assert_eq!((e.account_id, e.created_at), (None, None));
        assert_eq!(
            e.data,
            Some(PaymentIntentEventData { payment_intent_id: None, payment_status: None, capture_mode: None })
        );

        let body = br#"{"event":"payment_intent.send-receipt","id":"evt_2","accountId":null,"data":null}"#;
        let e = verify_and_decode(body, &signed(body, "ws_b"), &["ws_b"]).unwrap();
        assert_eq!(e.event, WebhookEventName::PaymentIntentSendReceipt);
        assert_eq!((e.account_id, e.data), (None, None));

        // Without an id there is nothing to dedupe on: refused.
        let body = br#"{"event":"payment_intent.updated"}"#;
        let e = verify_and_decode(body, &signed(body, "ws_b"), &["ws_b"]).unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{e:?}");
    }

    #[test]
    fn event_names() {
        for (wire, name) in [
            ("payment_intent.created", WebhookEventName::PaymentIntentCreated),
            ("payment_intent.status_updated", WebhookEventName::PaymentIntentStatusUpdated),
            ("payment_intent.send-receipt", WebhookEventName::PaymentIntentSendReceipt),
            ("payment_intent.updated", WebhookEventName::PaymentIntentUpdated),
        ] {
            assert_eq!(WebhookEventName::parse(wire), name);
            assert_eq!(name.as_str(), Some(wire));
        }
        let unknown = WebhookEventName::parse("payment.successful");
        assert!(matches!(unknown, WebhookEventName::Unknown(_)));
        assert_eq!(unknown.as_str(), Some("payment.successful"));
    }
}
