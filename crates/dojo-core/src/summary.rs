//! Hand-written decoders for the answers a kiosk's flow decodes: the two summaries
//! ([`SetupIntentSummary`], [`PaymentIntentSummary`]) and the charge's answer
//! ([`ChargeResponse`]).
//!
//! They give exactly what [`from_slice`](crate::json::from_slice) gives for the same bytes —
//! the same values, and the same [`DecodeError`] (kind, offset and field) for every
//! malformed body; `tests/summary_decoder.rs` checks this differentially over the
//! fixtures, every truncation and many corruptions of them, edge cases and generated
//! objects, and the fuzz targets on every input. They exist only for size: serde's
//! visitors are instantiated per model and per field type, and for these small models
//! that generic code cost the kiosk footprint binary about 9 KiB of `.text`. Here one non-generic
//! object walker serves every model (and the nested [`Money`]), and each field type has
//! one small non-generic reader. The serde `Deserialize` impls of these models stay (any
//! other deserializer, and `from_slice`, use them).
//!
//! They live beside the models, not in `json/`: the JSON codec knows no model. They use
//! the codec's own reader for everything but the fields, so the object walk
//! ([`Reader::next_key`]), the start check ([`Reader::check_start`]), the nesting bound
//! ([`Reader::open`]) and the way errors are located ([`DecodeError::locate`]) are the
//! ones `from_slice` uses.

use crate::enums::{CaptureMode, CaptureStatus, PaymentIntentStatus, SetupIntentStatus, UnknownValue};
use crate::id::{MAX_ID_LEN, PaymentIntentId, RawId, SetupIntentId};
use crate::json::{DecodeError, DecodeErrorKind, Fault, MAX_DEPTH, Number, Reader, SCRATCH, Text, UNSET};
use crate::money::{Currency, CurrencyCode, Money, parse_minor_units};
use crate::open_enum::text_index;
use crate::payment_intent::{ChargeResponse, PaymentIntentSummary};
use crate::setup_intent::SetupIntentSummary;
use crate::time::Timestamp;

/// An error raised while building a value: located by the caller, as serde's are.
fn unset(kind: DecodeErrorKind) -> Fault {
    Fault::new(kind, UNSET)
}

fn missing(field: &'static str) -> DecodeError {
    DecodeError { kind: DecodeErrorKind::MissingField, offset: UNSET, field: Some(field) }
}

/// [`from_slice`](crate::json::from_slice) for a body that is one object, decoded by
/// `object` (which also checks for missing fields: that error comes before any about
/// trailing characters).
#[inline(never)]
fn decode_body<'de>(
    input: &'de [u8],
    object: &mut dyn FnMut(&mut Reader<'de>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    let mut r = Reader::new(input);
    r.check_start()?;
    object(&mut r).map_err(|e| e.locate(0, None))?;
    if r.peek_token().is_some() {
        return Err(r.error(DecodeErrorKind::TrailingCharacters));
    }
    Ok(())
}

/// The first of `fields` marked in `required` but not in `seen` is missing (serde's
/// derive checks them in declaration order), reported at the object's closing brace
/// (the reader just past it), as the deserializer does.
fn require(seen: u32, required: u32, fields: &'static [&'static str], r: &Reader<'_>) -> Result<(), DecodeError> {
    match fields.iter().enumerate().find(|(i, _)| (required & !seen) & (1 << i) != 0) {
        Some((_, name)) => Err(DecodeError { offset: r.pos.saturating_sub(1), ..missing(name) }),
        None => Ok(()),
    }
}

/// Walks the object at the reader, nested `depth` deep (0 for the body itself): calls
/// `value(i, r)` on the value of each key equal to `fields[i]` and skips every other
/// value. Returns the fields seen, one bit each. A field seen twice is
/// [`DecodeErrorKind::DuplicateField`]; errors are located like the deserializer's.
#[inline(never)]
fn walk<'de>(
    r: &mut Reader<'de>,
    depth: usize,
    fields: &'static [&'static str],
    value: &mut dyn FnMut(usize, &mut Reader<'de>) -> Result<(), DecodeError>,
) -> Result<u32, DecodeError> {
    r.open(b'{', depth)?;
    let mut seen = 0u32;
    let mut first = true;
    while r.next_key(first)? {
        first = false;
        // The key is read by a callee that has returned before the value is decoded, so
        // its frame is not stacked under nested values (walks nest: Money in a model).
        let start = r.pos;
        let index = key_index(r, fields)?;
        let at = r.pos;
        match fields.get(index) {
            Some(&name) => {
                let bit = 1u32 << index;
                if seen & bit != 0 {
                    return Err(DecodeError {
                        kind: DecodeErrorKind::DuplicateField,
                        offset: start,
                        field: Some(name),
                    });
                }
                seen |= bit;
                value(index, r).map_err(|e| e.locate(at, Some(name)))?;
            }
            None => r.skip_value(depth + 1).map_err(|e| DecodeError::from(e).locate(at, None))?,
        }
    }
    Ok(seen)
}

/// Reads an object's key (the reader on its opening quote) and its colon: which of
/// `fields` it names (`fields.len()` for none). A plain index, not an enum of the
/// cases: a small `Result` is returned in registers.
#[inline(never)]
fn key_index(r: &mut Reader<'_>, fields: &'static [&'static str]) -> Result<usize, Fault> {
    let start = r.pos;
    let key = r.string()?;
    let index = if key.escaped {
        escaped_key_index(key.raw, fields, start)?
    } else {
        fields.iter().position(|f| *f == key.raw).unwrap_or(fields.len())
    };
    r.expect(b':')?;
    r.skip_ws();
    Ok(index)
}

/// Which of `fields` an escaped key names (`fields.len()` for none). Out of line: its
/// scratch buffer stays off the stack of every `walk` frame (walks nest, and dev builds
/// keep every local).
#[inline(never)]
fn escaped_key_index(raw: &str, fields: &'static [&'static str], start: usize) -> Result<usize, Fault> {
    let mut buf = [0u8; SCRATCH];
    match Text::from_escaped(raw).copy_to(&mut buf) {
        Ok(key) => Ok(fields.iter().position(|f| *f == key).unwrap_or(fields.len())),
        Err(_) => Err(Fault::new(DecodeErrorKind::TooLong, start)),
    }
}

/// A string value, borrowed.
fn text<'de>(r: &mut Reader<'de>) -> Result<Text<'de>, Fault> {
    if r.peek_required()? != b'"' {
        return Err(Fault::of(r.error(DecodeErrorKind::InvalidType)));
    }
    let s = r.string()?;
    Ok(if s.escaped { Text::from_escaped(s.raw) } else { Text::new(s.raw) })
}

/// `false` (and the `null` consumed) when an optional value is `null`.
fn present(r: &mut Reader<'_>) -> Result<bool, Fault> {
    if r.peek_required()? == b'n' {
        r.literal(b"null")?;
        return Ok(false);
    }
    Ok(true)
}

/// An id straight into `slot` (`None` for a `null` when the field is optional,
/// `nullable`), as the id types' `Deserialize` reads it: one reader for both id types
/// (they hold the same [`RawId`]), the slot untouched on an error.
#[inline(never)]
fn id_into(slot: &mut Option<RawId>, r: &mut Reader<'_>, nullable: bool) -> Result<(), Fault> {
    if nullable && !present(r)? {
        *slot = None;
        return Ok(());
    }
    let mut buf = [0u8; MAX_ID_LEN];
    let s = text(r)?.copy_to(&mut buf).map_err(|_| unset(DecodeErrorKind::TooLong))?;
    // The validation error's field is not reported: the decode error names the field.
    *slot = Some(RawId::new("id", s).map_err(|_| unset(DecodeErrorKind::InvalidValue))?);
    Ok(())
}

/// An open enum's value for the readers below: `None` for a `null` when the field is
/// optional (`nullable`), otherwise the index of its name in `names` (`names.len()`,
/// with `unknown` set, for a value not among them). The one non-generic part of every
/// enum field.
#[inline(never)]
fn enum_index(
    r: &mut Reader<'_>,
    nullable: bool,
    names: &[&str],
    unknown: &mut UnknownValue,
) -> Result<Option<usize>, Fault> {
    if nullable && !present(r)? {
        return Ok(None);
    }
    Ok(Some(text_index(text(r)?, names, unknown)))
}

/// One reader per open enum, each parsing as the enum's `Deserialize` does, straight
/// into its field's slot: `Some(value)`, or `None` for a `null` when the field is
/// optional (`nullable`), the slot untouched on an error. Not through a generic
/// setter: an open enum is an align-1 value of 34 bytes, and every move of it
/// through a `Result` was byte loads and stores on riscv32imc (no unaligned access).
macro_rules! enum_readers {
    ($($fn_name:ident => $name:ident),+) => {$(
        #[inline(never)]
        fn $fn_name(slot: &mut Option<$name>, r: &mut Reader<'_>, nullable: bool) -> Result<(), Fault> {
            let mut unknown = UnknownValue::too_long();
            *slot = enum_index(r, nullable, $name::NAMES, &mut unknown)?.map(|i| $name::from_index(i, unknown));
            Ok(())
        }
    )+};
}

enum_readers!(
    setup_intent_status => SetupIntentStatus,
    payment_intent_status => PaymentIntentStatus,
    capture_mode => CaptureMode,
    capture_status => CaptureStatus
);

/// A date-time, as `Timestamp`'s `Deserialize` reads it.
#[inline(never)]
fn timestamp(r: &mut Reader<'_>) -> Result<Timestamp, Fault> {
    let t = text(r)?;
    let invalid = || unset(DecodeErrorKind::InvalidValue);
    if let Some(plain) = t.as_str() {
        return Timestamp::parse(plain).map_err(|_| invalid());
    }
    let mut buf = [0u8; Timestamp::MAX_ESCAPED_TEXT];
    let s = t.copy_to(&mut buf).map_err(|_| invalid())?;
    Timestamp::parse(s).map_err(|_| invalid())
}

/// An amount in minor units (a number or a string of digits), at nesting `depth`.
fn minor_units(r: &mut Reader<'_>, depth: usize) -> Result<i64, Fault> {
    let wrong_type = unset(DecodeErrorKind::InvalidType);
    match r.peek_required()? {
        // A literal, read (and its errors reported) as the skipper reads it.
        b'n' | b't' | b'f' => Err(r.skip_value(depth).err().unwrap_or(wrong_type)),
        b'"' => minor_units_string(r),
        b'-' | b'0'..=b'9' => minor_units_number(r),
        b'[' | b'{' => {
            r.pos += 1;
            if depth >= MAX_DEPTH {
                return Err(Fault::of(r.error(DecodeErrorKind::DepthLimit)));
            }
            Err(wrong_type)
        }
        _ => Err(Fault::of(r.error(DecodeErrorKind::Syntax))),
    }
}

/// An amount written as a string of digits (out of line, like every scratch buffer).
#[inline(never)]
fn minor_units_string(r: &mut Reader<'_>) -> Result<i64, Fault> {
    let start = r.pos;
    let s = r.string()?;
    let mut buf = [0u8; SCRATCH];
    let digits = if s.escaped {
        Text::from_escaped(s.raw).copy_to(&mut buf).map_err(|_| Fault::new(DecodeErrorKind::TooLong, start))?
    } else {
        s.raw
    };
    parse_minor_units(digits).ok_or(unset(DecodeErrorKind::InvalidValue))
}

/// An amount written as a JSON number.
#[inline(never)]
fn minor_units_number(r: &mut Reader<'_>) -> Result<i64, Fault> {
    let start = r.pos;
    match r.number()? {
        // An integer's digits: out of range exactly when `parse_minor_units` fails.
        Number::Integer(digits) => {
            parse_minor_units(digits).ok_or(Fault::new(DecodeErrorKind::NumberOutOfRange, start))
        }
        Number::Float => Err(Fault::new(DecodeErrorKind::NotAnInteger, start)),
    }
}

/// A currency code, as `Currency`'s `Deserialize` reads it.
fn currency(r: &mut Reader<'_>) -> Result<Currency, Fault> {
    let mut buf = [0u8; CurrencyCode::CAPACITY];
    let code = text(r)?.copy_to(&mut buf).map_err(|_| unset(DecodeErrorKind::TooLong))?;
    Currency::parse(code).ok_or(unset(DecodeErrorKind::TooLong))
}

/// An optional [`Money`] object nested `depth` deep.
#[inline(never)]
fn opt_money(r: &mut Reader<'_>, depth: usize) -> Result<Option<Money>, DecodeError> {
    const FIELDS: &[&str] = &["value", "currencyCode"];
    if !present(r)? {
        return Ok(None);
    }
    let mut value = 0;
    let mut code = Currency::Gbp;
    let seen = walk(r, depth, FIELDS, &mut |i, r| {
        match i {
            0 => value = minor_units(r, depth + 1)?,
            _ => code = currency(r)?,
        }
        Ok(())
    })?;
    require(seen, 0b11, FIELDS, r)?;
    Ok(Some(Money::new(value, code)))
}

/// An optional date-time straight into `slot` (`None` for `null`). The per-field
/// closures call these `set_*` readers instead of holding each field's temporaries
/// themselves: a dev build keeps every temporary of every match arm in the closure's
/// frame, and that frame stays on the stack under a nested value.
#[inline(never)]
fn set_opt_timestamp(slot: &mut Option<Timestamp>, r: &mut Reader<'_>) -> Result<(), Fault> {
    *slot = if present(r)? { Some(timestamp(r)?) } else { None };
    Ok(())
}

/// An optional string straight into `slot` (`None` for `null`): a `Result<Text, DecodeError>` moved there was copied byte by byte on
/// riscv32imc.
#[inline(never)]
fn set_opt_text<'de>(slot: &mut Option<Text<'de>>, r: &mut Reader<'de>) -> Result<(), Fault> {
    if !present(r)? {
        *slot = None;
        return Ok(());
    }
    if r.peek_required()? != b'"' {
        return Err(Fault::of(r.error(DecodeErrorKind::InvalidType)));
    }
    let s = r.string()?;
    *slot = Some(if s.escaped { Text::from_escaped(s.raw) } else { Text::new(s.raw) });
    Ok(())
}

/// An optional [`Money`] one level down into `slot` (see [`set_opt_timestamp`]).
#[inline(never)]
fn set_money(slot: &mut Option<Money>, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    *slot = opt_money(r, 1)?;
    Ok(())
}

/// Decodes a [`SetupIntentSummary`] body: the same result as `from_slice`.
pub(crate) fn setup_intent_summary(body: &[u8]) -> Result<SetupIntentSummary, DecodeError> {
    const FIELDS: &[&str] = &["id", "status", "intendedAmount", "expireAt"];
    // One slot each (no tuples: a dev build would keep the tuple and its parts).
    let mut id = None;
    let mut status = None;
    let mut intended_amount = None;
    let mut expire_at = None;
    decode_body(body, &mut |r| {
        let seen = walk(r, 0, FIELDS, &mut |i, r| match i {
            0 => Ok(id_into(&mut id, r, false)?),
            1 => Ok(setup_intent_status(&mut status, r, false)?),
            2 => set_money(&mut intended_amount, r),
            _ => Ok(set_opt_timestamp(&mut expire_at, r)?),
        })?;
        require(seen, 0b11, FIELDS, r)
    })?;
    let Some(id) = id else { return Err(missing("id")) };
    let Some(status) = status else { return Err(missing("id")) };
    Ok(SetupIntentSummary { id: SetupIntentId::from_raw(id), status, intended_amount, expire_at })
}

/// Decodes a [`PaymentIntentSummary`] body: the same result as `from_slice`.
pub(crate) fn payment_intent_summary(body: &[u8]) -> Result<PaymentIntentSummary, DecodeError> {
    const FIELDS: &[&str] = &["id", "status", "amount", "setupIntentId", "captureMode"];
    let mut id = None;
    let mut status = None;
    let mut amount = None;
    let mut setup_intent_id_ = None;
    let mut capture_mode_ = None;
    decode_body(body, &mut |r| {
        let seen = walk(r, 0, FIELDS, &mut |i, r| match i {
            0 => Ok(id_into(&mut id, r, false)?),
            1 => Ok(payment_intent_status(&mut status, r, false)?),
            2 => set_money(&mut amount, r),
            3 => Ok(id_into(&mut setup_intent_id_, r, true)?),
            _ => Ok(capture_mode(&mut capture_mode_, r, true)?),
        })?;
        require(seen, 0b11, FIELDS, r)
    })?;
    let Some(id) = id else { return Err(missing("id")) };
    let Some(status) = status else { return Err(missing("id")) };
    Ok(PaymentIntentSummary {
        id: PaymentIntentId::from_raw(id),
        status,
        amount,
        setup_intent_id: setup_intent_id_.map(SetupIntentId::from_raw),
        capture_mode: capture_mode_,
    })
}

/// Decodes a [`ChargeResponse`] body: the same result as `from_slice`.
pub(crate) fn charge_response(body: &[u8]) -> Result<ChargeResponse<'_>, DecodeError> {
    const FIELDS: &[&str] = &["paymentIntentId", "status", "message"];
    let mut payment_intent_id_ = None;
    let mut status = None;
    let mut message = None;
    decode_body(body, &mut |r| {
        let seen = walk(r, 0, FIELDS, &mut |i, r| match i {
            0 => Ok(id_into(&mut payment_intent_id_, r, true)?),
            1 => Ok(capture_status(&mut status, r, false)?),
            _ => Ok(set_opt_text(&mut message, r)?),
        })?;
        require(seen, 0b10, FIELDS, r)
    })?;
    let Some(status) = status else { return Err(missing("status")) };
    Ok(ChargeResponse { payment_intent_id: payment_intent_id_.map(PaymentIntentId::from_raw), status, message })
}
