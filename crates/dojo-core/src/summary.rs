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
//! that generic code cost the kiosk footprint binary about 9 KiB of `.text`. Here each model
//! is a table of its fields (key, kind, slot), one non-generic walk reads any table (the
//! nested [`Money`]'s too) into slots, each field kind has one small non-generic reader,
//! and each model is built from the slots. The serde `Deserialize` impls of these models stay (any
//! other deserializer, and `from_slice`, use them).
//!
//! They live beside the models, not in `json/`: the JSON codec knows no model. They use
//! the codec's own reader for everything but the fields, so the object walk
//! ([`Reader::next_key`]), the start check ([`Reader::check_start`]), the nesting bound
//! ([`Reader::open`]) and the way errors are located ([`DecodeError::locate`]'s rule, with
//! the field kept beside a two-word error until the public [`DecodeError`] is built) are
//! the ones `from_slice` uses.

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

/// How a field's value is read, and which slot of [`Slots`] it lands in.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// An id, into `Slots::ids[slot]`.
    Id,
    /// An open enum (its wire names in `Field::names`), into `Slots::enums[slot]`.
    Enum,
    /// A [`Money`] object, into `Slots::money`.
    Money,
    /// A date-time, into `Slots::time`.
    Timestamp,
    /// A string, borrowed, into `Slots::text`.
    Text,
    /// A money's amount in minor units, into `Slots::value`.
    Units,
    /// A money's currency code, into `Slots::code`.
    Currency,
}

/// One field of a decoded object: its key, how its value is read, and where it lands.
/// The decoders are these tables and one walk ([`walk`]) over them, not a closure per
/// model and a reader per field type.
struct Field {
    name: &'static str,
    kind: Kind,
    /// A `null` reads as absent (the field is an `Option`).
    nullable: bool,
    /// Which slot of its kind (ids and enums).
    slot: u8,
    /// An enum's wire names, in declaration order.
    names: &'static [&'static str],
}

const fn field(name: &'static str, kind: Kind, nullable: bool) -> Field {
    Field { name, kind, nullable, slot: 0, names: &[] }
}

const fn enum_field(name: &'static str, names: &'static [&'static str], slot: u8, nullable: bool) -> Field {
    Field { name, kind: Kind::Enum, nullable, slot, names }
}

const fn id_field(name: &'static str, slot: u8, nullable: bool) -> Field {
    Field { name, kind: Kind::Id, nullable, slot, names: &[] }
}

const MONEY: &[Field] = &[field("value", Kind::Units, false), field("currencyCode", Kind::Currency, false)];

const SETUP_INTENT_SUMMARY: &[Field] = &[
    id_field("id", 0, false),
    enum_field("status", SetupIntentStatus::NAMES, 0, false),
    field("intendedAmount", Kind::Money, true),
    field("expireAt", Kind::Timestamp, true),
];

const PAYMENT_INTENT_SUMMARY: &[Field] = &[
    id_field("id", 0, false),
    enum_field("status", PaymentIntentStatus::NAMES, 0, false),
    field("amount", Kind::Money, true),
    id_field("setupIntentId", 1, true),
    enum_field("captureMode", CaptureMode::NAMES, 1, true),
];

const CHARGE_RESPONSE: &[Field] = &[
    id_field("paymentIntentId", 0, true),
    enum_field("status", CaptureStatus::NAMES, 0, false),
    field("message", Kind::Text, true),
];

/// Where the fields' values land: `None` for a field absent or `null`. An enum is its
/// index in its names (the known value, or `names.len()` for the one in `unknown`);
/// each model's decoder turns its slots into the model.
struct Slots<'de> {
    ids: [Option<RawId>; 2],
    enums: [Option<usize>; 2],
    unknown: [UnknownValue; 2],
    money: Option<Money>,
    time: Option<Timestamp>,
    text: Option<Text<'de>>,
    /// The amount and currency of the money being read (its walk checks both are there).
    value: i64,
    code: Currency,
}

impl Slots<'_> {
    /// Every slot empty: a constant, so that a decode starts with one copy of it (its
    /// unknown enum values are align-1 bytes, stored one by one when built in code).
    const EMPTY: Slots<'static> = Slots {
        ids: [None; 2],
        enums: [None; 2],
        unknown: [UnknownValue::too_long(); 2],
        money: None,
        time: None,
        text: None,
        value: 0,
        code: Currency::Gbp,
    };
}

/// A decode in progress: the reader, the slots, and the field an error belongs to (set
/// once, by the innermost walk the error passes; the error itself travels as a
/// two-word [`Fault`] and becomes the public [`DecodeError`] only in [`decode`]).
struct Cx<'de, 's> {
    r: Reader<'de>,
    field: Option<&'static str>,
    s: &'s mut Slots<'de>,
}

impl Cx<'_, '_> {
    /// Fills in where an error raised in `name`'s value at `at` happened, when it does
    /// not say yet: [`DecodeError::locate`]'s rule with the field kept here.
    fn locate(&mut self, mut e: Fault, at: usize, name: Option<&'static str>) -> Fault {
        if e.offset() == UNSET {
            e = Fault::new(e.kind(), at);
        }
        if self.field.is_none() {
            self.field = name;
        }
        e
    }

    /// The first of `fields` marked in `required` but not in `seen` is missing (serde's
    /// derive checks them in declaration order), reported at the object's closing brace
    /// (the reader just past it), as the deserializer does.
    fn require(&mut self, seen: u32, required: u32, fields: &'static [Field]) -> Result<(), Fault> {
        match fields.iter().enumerate().find(|(i, _)| (required & !seen) & (1 << i) != 0) {
            Some((_, f)) => {
                self.field = Some(f.name);
                Err(Fault::new(DecodeErrorKind::MissingField, self.r.pos.saturating_sub(1)))
            }
            None => Ok(()),
        }
    }
}

/// [`from_slice`](crate::json::from_slice) for a body that is one object of `fields`
/// (`required` marks the fields that must be there: that error comes before any about
/// trailing characters), its values into `slots`.
#[inline(never)]
fn decode<'de>(
    body: &'de [u8],
    fields: &'static [Field],
    required: u32,
    slots: &mut Slots<'de>,
) -> Result<(), DecodeError> {
    let mut cx = Cx { r: Reader::new(body), field: None, s: slots };
    match decode_in(&mut cx, fields, required) {
        Ok(()) => Ok(()),
        Err(e) => Err(DecodeError { field: cx.field, ..DecodeError::from(e) }),
    }
}

fn decode_in(cx: &mut Cx<'_, '_>, fields: &'static [Field], required: u32) -> Result<(), Fault> {
    cx.r.check_start()?;
    let seen = walk(cx, 0, fields).map_err(|e| cx.locate(e, 0, None))?;
    cx.require(seen, required, fields)?;
    if cx.r.peek_token().is_some() {
        return Err(Fault::new(DecodeErrorKind::TrailingCharacters, cx.r.pos));
    }
    Ok(())
}

/// Walks the object at the reader, nested `depth` deep (0 for the body itself): reads
/// the value of each key equal to one of `fields` as that field's kind says, into its
/// slot, and skips every other value. Returns the fields seen, one bit each. A field
/// seen twice is [`DecodeErrorKind::DuplicateField`]; errors are located like the
/// deserializer's.
#[inline(never)]
fn walk(cx: &mut Cx<'_, '_>, depth: usize, fields: &'static [Field]) -> Result<u32, Fault> {
    cx.r.open(b'{', depth)?;
    let mut seen = 0u32;
    let mut first = true;
    while cx.r.next_key(first)? {
        first = false;
        // The key is read by a callee that has returned before the value is decoded, so
        // its frame is not stacked under nested values (walks nest: Money in a model).
        let start = cx.r.pos;
        let index = key_index(&mut cx.r, fields)?;
        let at = cx.r.pos;
        match fields.get(index) {
            Some(f) => {
                let bit = 1u32 << index;
                if seen & bit != 0 {
                    cx.field = Some(f.name);
                    return Err(Fault::new(DecodeErrorKind::DuplicateField, start));
                }
                seen |= bit;
                if let Err(e) = value(cx, depth, f) {
                    return Err(cx.locate(e, at, Some(f.name)));
                }
            }
            None => {
                if let Err(e) = cx.r.skip_value(depth + 1) {
                    return Err(cx.locate(e, at, None));
                }
            }
        }
    }
    Ok(seen)
}

/// Reads `f`'s value (in an object nested `depth` deep) into its slot, as its type's
/// `Deserialize` reads it: a `null` is absent where the field is an `Option`.
fn value(cx: &mut Cx<'_, '_>, depth: usize, f: &'static Field) -> Result<(), Fault> {
    let r = &mut cx.r;
    if f.nullable && r.peek_required()? == b'n' {
        // `null`: the slot stays `None`.
        return r.literal(b"null");
    }
    let slot = usize::from(f.slot & 1);
    // Every kind but an object and an amount is a string: read once, here.
    let t = match f.kind {
        Kind::Money => {
            let seen = walk(cx, depth + 1, MONEY)?;
            cx.require(seen, 0b11, MONEY)?;
            cx.s.money = Some(Money::new(cx.s.value, cx.s.code));
            return Ok(());
        }
        Kind::Units => {
            cx.s.value = minor_units(r, depth + 1)?;
            return Ok(());
        }
        _ => text(r)?,
    };
    match f.kind {
        Kind::Id => {
            if let Some(id) = cx.s.ids.get_mut(slot) {
                id_into(id, t)?;
            }
        }
        Kind::Enum => {
            if let (Some(index), Some(unknown)) = (cx.s.enums.get_mut(slot), cx.s.unknown.get_mut(slot)) {
                *index = Some(text_index(t, f.names, unknown));
            }
        }
        Kind::Timestamp => cx.s.time = Some(timestamp(t)?),
        Kind::Currency => cx.s.code = currency(t)?,
        _ => cx.s.text = Some(t),
    }
    Ok(())
}

/// Reads an object's key (the reader on its opening quote) and its colon: which of
/// `fields` it names (`fields.len()` for none). A plain index, not an enum of the
/// cases: a small `Result` is returned in registers.
#[inline(never)]
fn key_index(r: &mut Reader<'_>, fields: &'static [Field]) -> Result<usize, Fault> {
    let start = r.pos;
    let key = r.string()?;
    let index = if key.escaped { escaped_key_index(key.raw, fields, start)? } else { field_index(key.raw, fields) };
    r.expect(b':')?;
    r.skip_ws();
    Ok(index)
}

fn field_index(key: &str, fields: &'static [Field]) -> usize {
    fields.iter().position(|f| f.name == key).unwrap_or(fields.len())
}

/// Which of `fields` an escaped key names (`fields.len()` for none). Out of line: its
/// scratch buffer stays off the stack of every `walk` frame (walks nest, and dev builds
/// keep every local).
#[inline(never)]
fn escaped_key_index(raw: &str, fields: &'static [Field], start: usize) -> Result<usize, Fault> {
    let mut buf = [0u8; SCRATCH];
    match Text::from_escaped(raw).copy_to(&mut buf) {
        Ok(key) => Ok(field_index(key, fields)),
        Err(_) => Err(Fault::new(DecodeErrorKind::TooLong, start)),
    }
}

/// A string value, borrowed.
fn text<'de>(r: &mut Reader<'de>) -> Result<Text<'de>, Fault> {
    if r.peek_required()? != b'"' {
        return Err(r.fault(DecodeErrorKind::InvalidType));
    }
    let s = r.string()?;
    Ok(s.text())
}

/// An id from its string straight into `slot`, as the id types' `Deserialize` reads it: one reader for
/// both id types (they hold the same [`RawId`]), the slot untouched on an error.
#[inline(never)]
fn id_into(slot: &mut Option<RawId>, t: Text<'_>) -> Result<(), Fault> {
    let mut buf = [0u8; MAX_ID_LEN];
    let s = t.copy_to(&mut buf).map_err(|_| unset(DecodeErrorKind::TooLong))?;
    // The validation error's field is not reported: the decode error names the field.
    *slot = Some(RawId::new("id", s).map_err(|_| unset(DecodeErrorKind::InvalidValue))?);
    Ok(())
}

/// A date-time from its string, as `Timestamp`'s `Deserialize` reads it.
#[inline(never)]
fn timestamp(t: Text<'_>) -> Result<Timestamp, Fault> {
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
                return Err(r.fault(DecodeErrorKind::DepthLimit));
            }
            Err(wrong_type)
        }
        _ => Err(r.fault(DecodeErrorKind::Syntax)),
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

/// A currency code from its string, as `Currency`'s `Deserialize` reads it.
fn currency(t: Text<'_>) -> Result<Currency, Fault> {
    let mut buf = [0u8; CurrencyCode::CAPACITY];
    let code = t.copy_to(&mut buf).map_err(|_| unset(DecodeErrorKind::TooLong))?;
    Currency::parse(code).ok_or(unset(DecodeErrorKind::TooLong))
}

/// Decodes a [`SetupIntentSummary`] body: the same result as `from_slice`.
pub(crate) fn setup_intent_summary(body: &[u8]) -> Result<SetupIntentSummary, DecodeError> {
    let mut s = Slots::EMPTY;
    decode(body, SETUP_INTENT_SUMMARY, 0b11, &mut s)?;
    // `decode` required both (0b11): never taken, but names the right field if it were.
    let (Some(id), Some(status)) = (s.ids[0], s.enums[0]) else {
        return Err(missing(if s.ids[0].is_none() { "id" } else { "status" }));
    };
    Ok(SetupIntentSummary {
        id: SetupIntentId::from_raw(id),
        status: SetupIntentStatus::from_index(status, s.unknown[0]),
        intended_amount: s.money,
        expire_at: s.time,
    })
}

/// Decodes a [`PaymentIntentSummary`] body: the same result as `from_slice`.
pub(crate) fn payment_intent_summary(body: &[u8]) -> Result<PaymentIntentSummary, DecodeError> {
    let mut s = Slots::EMPTY;
    decode(body, PAYMENT_INTENT_SUMMARY, 0b11, &mut s)?;
    // `decode` required both (0b11): never taken, but names the right field if it were.
    let (Some(id), Some(status)) = (s.ids[0], s.enums[0]) else {
        return Err(missing(if s.ids[0].is_none() { "id" } else { "status" }));
    };
    Ok(PaymentIntentSummary {
        id: PaymentIntentId::from_raw(id),
        status: PaymentIntentStatus::from_index(status, s.unknown[0]),
        amount: s.money,
        setup_intent_id: s.ids[1].map(SetupIntentId::from_raw),
        capture_mode: s.enums[1].map(|i| CaptureMode::from_index(i, s.unknown[1])),
    })
}

/// Decodes a [`ChargeResponse`] body: the same result as `from_slice`.
pub(crate) fn charge_response(body: &[u8]) -> Result<ChargeResponse<'_>, DecodeError> {
    let mut s = Slots::EMPTY;
    decode(body, CHARGE_RESPONSE, 0b10, &mut s)?;
    let Some(status) = s.enums[0] else { return Err(missing("status")) };
    Ok(ChargeResponse {
        payment_intent_id: s.ids[0].map(PaymentIntentId::from_raw),
        status: CaptureStatus::from_index(status, s.unknown[0]),
        message: s.text,
    })
}
