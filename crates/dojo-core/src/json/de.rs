//! dojo-core's serde `Deserializer`: borrowed, bounded, panic-free.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{DecodeError, DecodeErrorKind, UNSET};
use super::read::{MAX_DEPTH, Number, RawStr, Reader, SCRATCH};
use super::text::Text;
use super::token::{ENTRIES_TOKEN, ITEMS_TOKEN, RAW_TOKEN, RECORDS_TOKEN, TEXT_TOKEN};

/// dojo-core's serde deserializer over a borrowed body: crate-private, reached through
/// [`from_slice`] (and the lazy iterators, which decode kept spans with it).
pub(crate) struct Deserializer<'de> {
    r: Reader<'de>,
    depth: usize,
    /// Set when a sequence or map access consumed its closing bracket.
    closed: bool,
    /// Where the last object key read starts: a duplicate field is reported there.
    last_key: usize,
}

impl<'de> Deserializer<'de> {
    /// A deserializer at the start of `input` (after a UTF-8 byte order mark, if any).
    pub(crate) fn new(input: &'de [u8]) -> Self {
        Deserializer { r: Reader::new(input), depth: 0, closed: false, last_key: 0 }
    }

    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        self.r.error(kind)
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Gives a visitor a string: borrowed when it holds no escapes, otherwise decoded
    /// into a stack buffer.
    fn visit_string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, DecodeError> {
        let start = self.r.pos;
        let s = self.r.string()?;
        if !s.escaped {
            return visitor.visit_borrowed_str(s.raw);
        }
        let mut buf = [0u8; SCRATCH];
        match Text::from_escaped(s.raw).copy_to(&mut buf) {
            Ok(decoded) => visitor.visit_str(decoded),
            Err(_) => Err(DecodeError::new(DecodeErrorKind::TooLong, start)),
        }
    }

    fn visit_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, DecodeError> {
        let start = self.r.pos;
        let out_of_range = DecodeError::new(DecodeErrorKind::NumberOutOfRange, start);
        match self.r.number()? {
            Number::Integer(text) if text.starts_with('-') => {
                visitor.visit_i64(text.parse::<i64>().map_err(|_| out_of_range)?)
            }
            Number::Integer(text) => visitor.visit_u64(text.parse::<u64>().map_err(|_| out_of_range)?),
            // The API has no floating-point fields, and parsing floats would cost a
            // kiosk's flash: a fraction or exponent where a value is decoded is an error.
            Number::Float => Err(DecodeError::new(DecodeErrorKind::NotAnInteger, start)),
        }
    }

    /// Decodes a lazily kept array or object (the reader on its opening bracket) in one
    /// pass: the visitor validates every element, then takes the span they covered.
    fn lazy<V: Visitor<'de>>(&mut self, visitor: V, array: bool) -> Result<V::Value, DecodeError> {
        let start = self.r.pos;
        self.r.open(if array { b'[' } else { b'{' }, self.depth)?;
        self.depth += 1;
        let value = if array {
            visitor.visit_seq(Lazy { start, done: false, inner: Seq { de: &mut *self, first: true } })
        } else {
            visitor.visit_seq(LazyMap {
                start,
                done: false,
                inner: Map { de: &mut *self, first: true, fields: &[], key_at: 0 },
            })
        };
        self.finished(value)
    }

    /// The bytes from `start` to the current position.
    fn span_from(&self, start: usize) -> &'de [u8] {
        self.r.input.get(start..self.r.pos).unwrap_or(&[])
    }

    /// The raw bytes of the next value (checked, depth-bounded), without consuming it.
    fn peek_span(&mut self) -> Result<&'de [u8], DecodeError> {
        let start = self.r.pos;
        let mut probe = self.r.clone();
        probe.skip_value(self.depth)?;
        Ok(self.r.input.get(start..probe.pos).unwrap_or(&[]))
    }
}

/// [`DecodeError::locate`] on the error of a result, in place (no copy of a large
/// value out of its `Result` and back).
#[inline(always)]
fn located<T>(mut r: Result<T, DecodeError>, offset: usize, field: Option<&'static str>) -> Result<T, DecodeError> {
    if let Err(e) = &mut r {
        *e = e.locate(offset, field);
    }
    r
}

/// Decodes a whole body into `T`. White space may surround the value; anything else
/// after it is [`DecodeErrorKind::TrailingCharacters`].
pub fn from_slice<'de, T: de::Deserialize<'de>>(input: &'de [u8]) -> Result<T, DecodeError> {
    // One reader for the value and the trailing check: the body's UTF-8 is validated once.
    let mut de = Deserializer::new(input);
    // The value stays in its `Result` (models are large: no copy out and back in).
    let value = decode_value(&mut de);
    if value.is_ok() && de.r.peek_token().is_some() {
        return Err(de.error(DecodeErrorKind::TrailingCharacters));
    }
    value
}

fn decode_value<'de, T: de::Deserialize<'de>>(de: &mut Deserializer<'de>) -> Result<T, DecodeError> {
    de.r.check_start()?;
    located(T::deserialize(&mut *de), 0, None)
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.r.peek_required()? {
            b'n' => {
                self.r.literal(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.r.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.r.literal(b"false")?;
                visitor.visit_bool(false)
            }
            b'"' => self.visit_string(visitor),
            b'-' | b'0'..=b'9' => self.visit_number(visitor),
            b'[' => self.deserialize_seq(visitor),
            b'{' => self.deserialize_map(visitor),
            _ => Err(self.error(DecodeErrorKind::Syntax)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if self.r.peek_required()? == b'n' {
            self.r.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        if name == TEXT_TOKEN {
            let at = self.r.pos;
            if self.r.peek_required()? != b'"' {
                return Err(self.error(DecodeErrorKind::InvalidType));
            }
            let RawStr { raw, escaped } = self.r.string()?;
            let out =
                if escaped { visitor.visit_borrowed_bytes(raw.as_bytes()) } else { visitor.visit_borrowed_str(raw) };
            return out.map_err(|e: DecodeError| e.locate(at, None));
        }
        if name == RAW_TOKEN {
            self.r.skip_ws();
            let span = self.peek_span()?;
            self.r.pos += span.len();
            return visitor.visit_borrowed_bytes(span);
        }
        if name == RECORDS_TOKEN {
            if self.r.peek_required()? != b'[' {
                return Err(self.error(DecodeErrorKind::InvalidType));
            }
            let start = self.r.pos;
            let len = self.scan_array()?;
            let raw = self.r.text_between(start, self.r.pos).ok_or(self.error(DecodeErrorKind::InvalidUtf8))?;
            return visitor.visit_seq(RecordsParts { step: 0, len, base: start, raw });
        }
        if name == ITEMS_TOKEN || name == ENTRIES_TOKEN {
            let array = name == ITEMS_TOKEN;
            if self.r.peek_required()? != if array { b'[' } else { b'{' } {
                return Err(self.error(DecodeErrorKind::InvalidType));
            }
            let (start, depth) = (self.r.pos, self.depth);
            return self.lazy(visitor, array).map_err(|e| {
                // Report what checking the whole value first would have: a syntax, string
                // or depth error anywhere in it comes before an element's own error.
                let mut probe = self.r.clone();
                probe.pos = start;
                probe.skip_value(depth).err().map_or(e, DecodeError::from)
            });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.r.open(b'[', self.depth)?;
        self.depth += 1;
        let value = visitor.visit_seq(Seq { de: &mut *self, first: true });
        self.finished(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_struct("", &[], visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.r.open(b'{', self.depth)?;
        self.depth += 1;
        let mut value = visitor.visit_map(Map { de: &mut *self, first: true, fields, key_at: 0 });
        if let Err(e) = &mut value {
            self.locate_field_error(e);
        }
        self.finished(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        // Unit variants written as strings, the only enum shape the API uses.
        if self.r.peek_required()? != b'"' {
            return Err(self.error(DecodeErrorKind::InvalidType));
        }
        let at = self.r.pos;
        let s = self.r.string()?;
        let mut buf = [0u8; SCRATCH];
        let name = if s.escaped {
            Text::from_escaped(s.raw).copy_to(&mut buf).map_err(|_| DecodeError::new(DecodeErrorKind::TooLong, at))?
        } else {
            s.raw
        };
        let access: de::value::StrDeserializer<'_, DecodeError> = name.into_deserializer();
        visitor.visit_enum(access).map_err(|e| e.locate(at, None))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.r.skip_ws();
        self.r.skip_value(self.depth)?;
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if self.r.peek_required()? != b'n' {
            return Err(self.error(DecodeErrorKind::InvalidType));
        }
        self.r.literal(b"null")?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf identifier
    }
}

impl Deserializer<'_> {
    /// Locates the errors serde's derive raises from `visit_map` itself, which carry no
    /// offset: a duplicate field at its (second) key, a missing field at the closing
    /// brace of the object that lacks it (where its absence became certain).
    fn locate_field_error(&self, e: &mut DecodeError) {
        if e.offset != UNSET {
            return;
        }
        match e.kind {
            DecodeErrorKind::DuplicateField => e.offset = self.last_key,
            DecodeErrorKind::MissingField if self.closed => e.offset = self.r.pos.saturating_sub(1),
            _ => {}
        }
    }

    /// [`finish`](Self::finish) after a visitor that succeeded; its value stays in its
    /// `Result` (a model can be over a kilobyte: unwrapping and rewrapping copies it).
    #[inline(always)]
    fn finished<T>(&mut self, value: Result<T, DecodeError>) -> Result<T, DecodeError> {
        if value.is_ok() {
            self.finish()?;
        }
        value
    }

    /// After a visitor has returned from a container: its access must have reached the
    /// closing bracket (every visitor in dojo-core drains its container).
    fn finish(&mut self) -> Result<(), DecodeError> {
        if !core::mem::take(&mut self.closed) {
            return Err(self.error(DecodeErrorKind::Syntax));
        }
        self.leave();
        Ok(())
    }
}

/// Sequence access for `[...]`; the opening bracket is already consumed.
struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl Seq<'_, '_> {
    /// Moves to the next element; `false` (closing bracket consumed) at the end.
    fn advance(&mut self) -> Result<bool, DecodeError> {
        let more = self.de.r.next_element(self.first)?;
        self.first = false;
        self.de.closed = !more;
        Ok(more)
    }
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DecodeError> {
        if !self.advance()? {
            return Ok(None);
        }
        let at = self.de.r.pos;
        located(seed.deserialize(&mut *self.de).map(Some), at, None)
    }
}

/// Map access for `{...}`; the opening brace is already consumed. Tracks the field
/// being decoded so errors can name it.
struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
    fields: &'static [&'static str],
    /// Where the current key starts: the field name for an error is worked out from it
    /// only when there is an error.
    key_at: usize,
}

impl Map<'_, '_> {
    /// Moves to the next key; `false` (closing brace consumed) at the end.
    fn advance(&mut self) -> Result<bool, DecodeError> {
        let more = self.de.r.next_key(self.first)?;
        self.first = false;
        self.de.closed = !more;
        Ok(more)
    }

    /// Which of the struct's fields the current key names.
    fn field_at_key(&self) -> Option<&'static str> {
        if self.fields.is_empty() {
            return None;
        }
        let mut probe = self.de.r.clone();
        probe.pos = self.key_at;
        let key = probe.string().ok()?;
        let key = key.text();
        self.fields.iter().copied().find(|f| key == **f)
    }
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DecodeError> {
        if !self.advance()? {
            return Ok(None);
        }
        let at = self.de.r.pos;
        self.key_at = at;
        self.de.last_key = at;
        let key = match seed.deserialize(MapKey { de: &mut *self.de }) {
            Ok(key) => key,
            Err(e) => return Err(e.locate(at, self.field_at_key())),
        };
        self.de.r.expect(b':')?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DecodeError> {
        self.de.r.skip_ws();
        let at = self.de.r.pos;
        let mut value = seed.deserialize(&mut *self.de);
        if let Err(e) = &mut value {
            *e = e.locate(at, self.field_at_key());
        }
        value
    }
}

/// Object keys are strings; numbers and booleans inside them are not interpreted.
struct MapKey<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::Deserializer<'de> for MapKey<'_, 'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.de.visit_string(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        // `Text` keys (lazily decoded maps) and any other newtype.
        de::Deserializer::deserialize_newtype_struct(&mut *self.de, name, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.de.r.string()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
    }
}

/// The lazy-array protocol: the real elements, which the visitor decodes once to
/// validate them, then, once they are done (closing bracket consumed), one more
/// "element": the raw span of the whole array (for [`Items`](super::Items) to keep).
struct Lazy<'a, 'de> {
    start: usize,
    done: bool,
    inner: Seq<'a, 'de>,
}

impl<'de> de::SeqAccess<'de> for Lazy<'_, 'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DecodeError> {
        if self.done {
            return seed.deserialize(Span(self.inner.de.span_from(self.start))).map(Some);
        }
        let next = self.inner.next_element_seed(seed)?;
        self.done = next.is_none();
        Ok(next)
    }
}

/// The lazy-object protocol: each entry as a `(key, value)` pair, then the raw span.
struct LazyMap<'a, 'de> {
    start: usize,
    done: bool,
    inner: Map<'a, 'de>,
}

impl<'de> de::SeqAccess<'de> for LazyMap<'_, 'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DecodeError> {
        if self.done {
            return seed.deserialize(Span(self.inner.de.span_from(self.start))).map(Some);
        }
        if !self.inner.advance()? {
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(Entry { map: &mut self.inner }).map(Some)
    }
}

/// Hands over a raw span as borrowed bytes.
struct Span<'de>(&'de [u8]);

impl<'de> de::Deserializer<'de> for Span<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_bytes(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// One object entry seen as a two-element sequence `(key, value)`.
struct Entry<'a, 'b, 'de> {
    map: &'a mut Map<'b, 'de>,
}

impl<'de> de::Deserializer<'de> for Entry<'_, '_, 'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_seq(EntrySeq { map: self.map, next: 0 })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct EntrySeq<'a, 'b, 'de> {
    map: &'a mut Map<'b, 'de>,
    next: u8,
}

impl<'de> de::SeqAccess<'de> for EntrySeq<'_, '_, 'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DecodeError> {
        self.next += 1;
        match self.next {
            1 => {
                let at = self.map.de.r.pos;
                let key = seed.deserialize(MapKey { de: &mut *self.map.de }).map_err(|e| e.locate(at, None))?;
                self.map.de.r.expect(b':')?;
                Ok(Some(key))
            }
            2 => de::MapAccess::next_value_seed(self.map, seed).map(Some),
            _ => Ok(None),
        }
    }
}

impl<'de> Deserializer<'de> {
    /// A deserializer over a span of a body already checked (UTF-8, syntax, depth).
    pub(crate) fn from_checked(text: &'de str) -> Self {
        Deserializer { r: Reader::from_text(text), depth: 0, closed: false, last_key: 0 }
    }

    /// Consumes the array at the reader, checking its syntax and depth without decoding
    /// its elements; returns how many it holds.
    fn scan_array(&mut self) -> Result<usize, DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(DecodeErrorKind::DepthLimit));
        }
        self.r.pos += 1;
        let mut len = 0usize;
        while self.r.next_element(len == 0)? {
            self.r.skip_value(self.depth + 1)?;
            len += 1;
        }
        Ok(len)
    }

    /// Decodes the next element of a checked array span as `T`. On an error the reader
    /// is moved past the element, so the next one can still be decoded.
    pub(crate) fn record<T: de::Deserialize<'de>>(&mut self) -> Result<T, DecodeError> {
        self.r.skip_ws();
        let at = self.r.pos;
        let value = located(T::deserialize(&mut *self), at, None);
        if value.is_err() {
            self.r.pos = at;
            self.depth = 0;
            self.closed = false;
            // Cannot fail: the span's syntax was checked when the body was decoded.
            let _ = self.r.skip_value(0);
        }
        value
    }

    /// Consumes `byte` after white space; `false` if something else is there.
    pub(crate) fn skip_separator(&mut self, byte: u8) -> bool {
        self.r.expect(byte).is_ok()
    }
}

/// The parts of a [`Records`](super::Records) handed to its visitor: the element count,
/// the array's offset in the body, then its checked text.
struct RecordsParts<'de> {
    step: u8,
    len: usize,
    base: usize,
    raw: &'de str,
}

impl<'de> de::SeqAccess<'de> for RecordsParts<'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DecodeError> {
        self.step = self.step.saturating_add(1);
        match self.step {
            1 => seed.deserialize(de::value::U64Deserializer::new(self.len as u64)).map(Some),
            2 => seed.deserialize(de::value::U64Deserializer::new(self.base as u64)).map(Some),
            3 => seed.deserialize(de::value::BorrowedStrDeserializer::new(self.raw)).map(Some),
            _ => Ok(None),
        }
    }
}
