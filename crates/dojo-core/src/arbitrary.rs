//! [`Arbitrary`] for the SDK's values (feature `arbitrary`), so fuzz targets — the SDK's
//! own and its users' — generate realistic traffic from a fuzzer's bytes.
//!
//! Every impl draws **valid-looking values most of the time and edge cases the rest**.
//! One byte of the input decides which (1 in 8 is an *edge* draw; a used-up input draws valid-looking values):
//!
//! | type | 7 in 8 (valid-looking) | 1 in 8 (edge cases) |
//! |---|---|---|
//! | [`SetupIntentId`], [`PaymentIntentId`] | `si_`/`pi_` and 20 alphanumerics, like the server's | 1 character, 50 (the maximum), or `-`/`_` only |
//! | [`Currency`] | GBP (3 in 4) or EUR | another 3-letter code, or any code of 0–10 ASCII bytes (lowercase, digits, empty: what validation refuses) |
//! | [`Money`] | 1 to 100 000 minor units of a valid-looking currency | 0, -1, 1, `i64::MIN`, `i64::MAX`, with any currency |
//! | [`Timestamp`] | 2025–2027, whole seconds or microseconds | the Unix epoch, 0001-01-01, 9999-12-31T23:59:59Z, 1 ns before a second |
//! | open enums ([`SetupIntentStatus`], [`PaymentIntentStatus`], [`CaptureStatus`], [`CaptureMode`], [`AutoExpireAction`], [`MerchantInitiatedTransactionType`], [`PaymentMethod`], [`PaymentEventType`]) | one of `KNOWN` | an unknown value: any short text, or one too long to keep |
//! | [`Text`] | one of a few realistic strings (references, terms, descriptions) | the input's own text, any UTF-8 (empty, long, control characters, quotes) |
//! | [`CreateSetupIntentRequest`], [`CreatePaymentIntentRequest`] | the flow's shape: reference, terms, `NoShow`-like type, amount, optional description and capture mode | the same builders over edge-case fields (they may fail validation: that is what they are for) |
//! | [`SetupIntentSummary`], [`PaymentIntentSummary`], [`ChargeResponse`] | a consistent answer (`Created` with an expiry, `Authorized`, …) | any status, fields missing |
//! | [`RetryPolicy`], [`SettlePolicy`] | small counts, delays up to a few seconds | zeros, and the maximum of each field |
//!
//! The other fields of the request bodies (customer, addresses, metadata, …) stay `None`.
//! The impls consume few bytes, so a fuzzer's mutations stay local; like any `Arbitrary`
//! impl, they never fail on short input except with `arbitrary`'s own errors.

use ::arbitrary::Result;
pub use ::arbitrary::{Arbitrary, Unstructured};

use crate::charge::SettlePolicy;
use crate::exchange::RetryPolicy;
use crate::id::MAX_ID_LEN;
use crate::json::Text;
use crate::open_enum::UnknownValue;
use crate::payment_intent::{ChargeResponse, PaymentIntentSummary};
use crate::request::{CreatePaymentIntentRequest, CreateSetupIntentRequest};
use crate::setup_intent::SetupIntentSummary;
use crate::{
    AutoExpireAction, CaptureMode, CaptureStatus, Currency, MerchantInitiatedTransactionType, Money, PaymentEventType,
    PaymentIntentId, PaymentIntentStatus, PaymentMethod, SetupIntentId, SetupIntentStatus, Timestamp,
};

/// Whether this draw is an edge case (1 in 8; never when the input is used up, so a
/// short input gives valid-looking values).
fn edge(u: &mut Unstructured<'_>) -> Result<bool> {
    Ok(!u.ratio(7u8, 8u8)?)
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Fills `out` with an id's text: a prefix and alphanumerics, or an edge case.
fn id_text<'b>(u: &mut Unstructured<'_>, prefix: &[u8], out: &'b mut [u8; MAX_ID_LEN]) -> Result<&'b str> {
    let len = if edge(u)? {
        match u.int_in_range(0u8..=2)? {
            0 => {
                if let Some(b) = out.first_mut() {
                    *b = *u.choose(ALNUM)?;
                }
                1
            }
            1 => {
                for b in out.iter_mut() {
                    *b = *u.choose(ALNUM)?;
                }
                MAX_ID_LEN
            }
            _ => {
                let n = usize::from(u.int_in_range(1u8..=MAX_ID_LEN as u8)?);
                for b in out.iter_mut().take(n) {
                    *b = *u.choose(b"-_")?;
                }
                n
            }
        }
    } else {
        let (head, tail) = out.split_at_mut(prefix.len().min(MAX_ID_LEN));
        head.copy_from_slice(prefix.get(..head.len()).unwrap_or(&[]));
        for b in tail.iter_mut().take(20) {
            *b = *u.choose(ALNUM)?;
        }
        head.len() + tail.len().min(20)
    };
    // ASCII by construction.
    Ok(out.get(..len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("x"))
}

macro_rules! arbitrary_id {
    ($name:ident, $prefix:literal) => {
        impl<'a> Arbitrary<'a> for $name {
            fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
                let mut buf = [0u8; MAX_ID_LEN];
                let text = id_text(u, $prefix, &mut buf)?;
                // Every text drawn is a valid id: the error cannot happen.
                $name::new(text).map_err(|_| ::arbitrary::Error::IncorrectFormat)
            }

            fn size_hint(_: usize) -> (usize, Option<usize>) {
                (1, Some(1 + MAX_ID_LEN * 2))
            }
        }
    };
}

arbitrary_id!(SetupIntentId, b"si_");
arbitrary_id!(PaymentIntentId, b"pi_");

impl<'a> Arbitrary<'a> for Currency {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if !edge(u)? {
            return Ok(if u.ratio(3u8, 4u8)? { Currency::Gbp } else { Currency::Eur });
        }
        let mut code = [0u8; 10];
        let len = if u.arbitrary()? {
            for b in code.iter_mut().take(3) {
                *b = u.int_in_range(b'A'..=b'Z')?;
            }
            3
        } else {
            let n = usize::from(u.int_in_range(0u8..=10)?);
            for b in code.iter_mut().take(n) {
                *b = u.int_in_range(0x20u8..=0x7e)?;
            }
            n
        };
        let text = code.get(..len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("");
        Ok(Currency::parse(text).unwrap_or(Currency::Gbp))
    }
}

/// A currency valid for requests (GBP or EUR) most of the time.
impl<'a> Arbitrary<'a> for Money {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let currency = Currency::arbitrary(u)?;
        let value =
            if edge(u)? { *u.choose(&[0, -1, 1, i64::MIN, i64::MAX])? } else { u.int_in_range(1i64..=100_000)? };
        Ok(Money::new(value, currency))
    }
}

/// 2025-01-01T00:00:00Z.
const FROM: i64 = 1_735_689_600;
/// 9999-12-31T23:59:59Z.
const LAST: i64 = 253_402_300_799;

impl<'a> Arbitrary<'a> for Timestamp {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if edge(u)? {
            return Ok(match u.int_in_range(0u8..=3)? {
                0 => Timestamp::UNIX_EPOCH,
                1 => Timestamp::from_unix(-62_135_596_800),
                2 => Timestamp::from_unix(LAST),
                _ => Timestamp::from_unix_nanos(u.int_in_range(FROM..=FROM + 3 * 365 * 86_400)?, 999_999_999),
            });
        }
        let secs = u.int_in_range(FROM..=FROM + 3 * 365 * 86_400)?;
        let micros = if u.arbitrary()? { u.int_in_range(0u32..=999_999)? } else { 0 };
        Ok(Timestamp::from_unix_nanos(secs, micros * 1_000))
    }
}

/// An unknown enum value: short text from the input, or one too long to keep.
fn unknown(u: &mut Unstructured<'_>) -> Result<UnknownValue> {
    if u.ratio(1u8, 4u8)? {
        return Ok(UnknownValue::too_long());
    }
    let mut text = [0u8; 12];
    let n = usize::from(u.int_in_range(0u8..=12)?);
    for b in text.iter_mut().take(n) {
        *b = u.int_in_range(0x20u8..=0x7e)?;
    }
    Ok(UnknownValue::new(text.get(..n).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")))
}

macro_rules! arbitrary_open_enum {
    ($($name:ident),+ $(,)?) => {$(
        impl<'a> Arbitrary<'a> for $name {
            fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
                if edge(u)? {
                    return Ok($name::Unknown(unknown(u)?));
                }
                Ok(*u.choose($name::KNOWN)?)
            }

            fn size_hint(_: usize) -> (usize, Option<usize>) {
                (1, Some(16))
            }
        }
    )+};
}

arbitrary_open_enum!(
    SetupIntentStatus,
    PaymentIntentStatus,
    CaptureStatus,
    CaptureMode,
    AutoExpireAction,
    MerchantInitiatedTransactionType,
    PaymentMethod,
    PaymentEventType,
);

/// Realistic texts for references, terms and descriptions.
const TEXTS: &[&str] = &[
    "booking-1042",
    "No-show fee",
    "Room 12, 3 nights",
    "You agree to a no-show fee of £25.00 if you do not arrive.",
    "table for 4 — 19:30",
    "Café Zoë \"late\" fee",
    "R-2026-000001",
];

impl<'a> Arbitrary<'a> for Text<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Text::new(text(u)?))
    }
}

/// A realistic text, or (1 in 8) the input's own.
fn text<'a>(u: &mut Unstructured<'a>) -> Result<&'a str> {
    if edge(u)? {
        return <&'a str>::arbitrary(u);
    }
    Ok(u.choose(TEXTS)?)
}

impl<'a> Arbitrary<'a> for CreateSetupIntentRequest<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mit = if edge(u)? { u.arbitrary()? } else { MerchantInitiatedTransactionType::NoShow };
        let mut body = CreateSetupIntentRequest::new(text(u)?, text(u)?, mit, u.arbitrary()?);
        if u.arbitrary()? {
            body.description = Some(u.arbitrary()?);
        }
        if u.arbitrary()? {
            body.capture_mode = Some(u.arbitrary()?);
        }
        Ok(body)
    }
}

impl<'a> Arbitrary<'a> for CreatePaymentIntentRequest<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let reference = text(u)?;
        let amount = u.arbitrary()?;
        let mut body = if u.ratio(3u8, 4u8)? {
            CreatePaymentIntentRequest::for_setup_intent(reference, amount, u.arbitrary()?)
        } else {
            CreatePaymentIntentRequest::new(reference, amount)
        };
        if u.arbitrary()? {
            body.description = Some(u.arbitrary()?);
        }
        if u.arbitrary()? {
            body.capture_mode = Some(u.arbitrary()?);
        }
        Ok(body)
    }
}

impl<'a> Arbitrary<'a> for SetupIntentSummary {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let id = u.arbitrary()?;
        if edge(u)? {
            return Ok(SetupIntentSummary {
                id,
                status: u.arbitrary()?,
                intended_amount: u.arbitrary()?,
                expire_at: u.arbitrary()?,
            });
        }
        let status = *u.choose(&[
            SetupIntentStatus::Created,
            SetupIntentStatus::Created,
            SetupIntentStatus::Authorized,
            SetupIntentStatus::Completed,
            SetupIntentStatus::Expired,
            SetupIntentStatus::Canceled,
        ])?;
        Ok(SetupIntentSummary { id, status, intended_amount: Some(u.arbitrary()?), expire_at: Some(u.arbitrary()?) })
    }
}

impl<'a> Arbitrary<'a> for PaymentIntentSummary {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let id = u.arbitrary()?;
        if edge(u)? {
            return Ok(PaymentIntentSummary {
                id,
                status: u.arbitrary()?,
                amount: u.arbitrary()?,
                setup_intent_id: u.arbitrary()?,
                capture_mode: u.arbitrary()?,
            });
        }
        let status = *u.choose(&[
            PaymentIntentStatus::Created,
            PaymentIntentStatus::Captured,
            PaymentIntentStatus::Authorized,
            PaymentIntentStatus::Canceled,
        ])?;
        Ok(PaymentIntentSummary {
            id,
            status,
            amount: Some(u.arbitrary()?),
            setup_intent_id: Some(u.arbitrary()?),
            capture_mode: Some(CaptureMode::Auto),
        })
    }
}

impl<'a> Arbitrary<'a> for ChargeResponse<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if edge(u)? {
            return Ok(ChargeResponse {
                payment_intent_id: u.arbitrary()?,
                status: u.arbitrary()?,
                message: u.arbitrary()?,
            });
        }
        let status = *u.choose(&[CaptureStatus::Successful, CaptureStatus::Declined, CaptureStatus::Failed])?;
        Ok(ChargeResponse { payment_intent_id: Some(u.arbitrary()?), status, message: None })
    }
}

impl<'a> Arbitrary<'a> for RetryPolicy {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if edge(u)? {
            return Ok(*u.choose(&[
                RetryPolicy::NONE,
                RetryPolicy {
                    max_retries: u8::MAX,
                    base_delay_ms: u32::MAX,
                    max_delay_ms: u32::MAX,
                    max_retry_after_ms: u32::MAX,
                },
            ])?);
        }
        Ok(RetryPolicy {
            max_retries: u.int_in_range(0..=5)?,
            base_delay_ms: u.int_in_range(0..=1_000)?,
            max_delay_ms: u.int_in_range(0..=8_000)?,
            max_retry_after_ms: u.int_in_range(0..=30_000)?,
        })
    }
}

impl<'a> Arbitrary<'a> for SettlePolicy {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if edge(u)? {
            return Ok(*u.choose(&[
                SettlePolicy { max_read_backs: 0, max_resends: 0, delay_ms: 0, horizon_ms: 0 },
                SettlePolicy { max_read_backs: u8::MAX, max_resends: u8::MAX, delay_ms: 0, horizon_ms: u32::MAX },
            ])?);
        }
        Ok(SettlePolicy {
            max_read_backs: u.int_in_range(0..=6)?,
            max_resends: u.int_in_range(0..=3)?,
            delay_ms: u.int_in_range(0..=5_000)?,
            horizon_ms: u.int_in_range(0..=60_000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over many inputs, most values are valid-looking and some are edge cases.
    #[test]
    fn mostly_valid_some_edges() {
        let mut valid = 0;
        let mut invalid = 0;
        for seed in 0u32..2_000 {
            let bytes: [u8; 64] =
                core::array::from_fn(|i| (seed.wrapping_mul(2_654_435_761) >> (i % 24)) as u8 ^ i as u8);
            let mut u = Unstructured::new(&bytes);
            let m = Money::arbitrary(&mut u).unwrap();
            if m.validate_positive("amount").is_ok() {
                valid += 1
            } else {
                invalid += 1
            }
            let _ = SetupIntentId::arbitrary(&mut u).unwrap();
            let _ = SetupIntentStatus::arbitrary(&mut u).unwrap();
        }
        assert!(valid > invalid * 3, "valid {valid}, invalid {invalid}");
        assert!(invalid > 0, "no edge case in 2000 draws");
    }

    #[test]
    fn ids_are_always_valid_and_shaped() {
        let bytes = [0u8; 8];
        let id = SetupIntentId::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert!(id.as_str().starts_with("si_"), "{id:?}");
        let id = PaymentIntentId::arbitrary(&mut Unstructured::new(&[])).unwrap();
        assert!(id.as_str().starts_with("pi_"), "{id:?}");
    }
}
