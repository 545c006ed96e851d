//! dojo-core's serde `Serializer`: JSON into a caller buffer, counting past its end so a
//! too-small buffer reports exactly how many bytes were needed.

use core::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

use super::Text;
use crate::error::BufferTooSmall;
use crate::money::Money;
use crate::time::Timestamp;

/// How strings are escaped on output, for [`to_slice_with`]: only with the
/// `aspnet-escaping` feature, which the local emulator enables to write what the real
/// server writes. A client never needs it ([`to_slice`] escapes minimally), and without
/// the feature the writer carries no trace of it (it cost the kiosk footprint binary
/// 242 bytes of `.text`).
#[cfg(feature = "aspnet-escaping")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escaping {
    /// Only what JSON requires: `"`, `\` and control characters. What dojo-core sends.
    #[default]
    Minimal,
    /// Like ASP.NET's `System.Text.Json` default encoder, as the real server writes:
    /// also `" & ' < > +` and `` ` `` and every non-ASCII character as `\uXXXX` (UTF-16,
    /// surrogate pairs for characters outside the BMP). For the local emulator, so
    /// clients meet the real server's quirks.
    AspNet,
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `needed` bytes would do.
    BufferTooSmall(BufferTooSmall),
    /// The value holds something JSON (or the API) cannot carry: a non-finite float, an
    /// unknown enum value too long to have been kept, a non-string map key.
    Unsupported,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall(e) => e.fmt(f),
            EncodeError::Unsupported => f.write_str("value cannot be encoded as JSON"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}

/// The serializer's internal error: the only failure is an unsupported value (running
/// out of buffer is not an error while serializing; it is counted).
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value cannot be encoded as JSON")
    }
}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

impl ser::StdError for Unsupported {}

/// Encodes `value` as JSON into `buf`; returns the number of bytes written.
pub fn to_slice<T: Serialize + ?Sized>(value: &T, buf: &mut [u8]) -> core::result::Result<usize, EncodeError> {
    encode(value, Serializer::new(buf))
}

/// Encodes `value` as JSON into `buf` with the given string escaping. For the local
/// emulator (feature `aspnet-escaping`); clients use [`to_slice`].
#[cfg(feature = "aspnet-escaping")]
pub fn to_slice_with<T: Serialize + ?Sized>(
    value: &T,
    buf: &mut [u8],
    escaping: Escaping,
) -> core::result::Result<usize, EncodeError> {
    encode(value, Serializer { escaping, ..Serializer::new(buf) })
}

fn encode<T: Serialize + ?Sized>(value: &T, mut ser: Serializer<'_>) -> core::result::Result<usize, EncodeError> {
    value.serialize(&mut ser).map_err(|_| EncodeError::Unsupported)?;
    if ser.len > ser.buf.len() {
        return Err(EncodeError::BufferTooSmall(BufferTooSmall { needed: ser.len }));
    }
    Ok(ser.len)
}

/// Copies `src` into `dst` (of the same length). Short runs (keys, numbers, punctuation)
/// avoid a `memmove` call: 4 to 16 bytes go as two overlapping fixed-size copies (one
/// load and one store each), shorter ones byte by byte.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    fn two<const N: usize>(dst: &mut [u8], src: &[u8]) {
        let n = src.len();
        if let (Some(d), Some(s)) = (dst.get_mut(..N), src.get(..N)) {
            d.copy_from_slice(s);
        }
        let tail = n.saturating_sub(N);
        if let (Some(d), Some(s)) = (dst.get_mut(tail..), src.get(tail..))
            && d.len() == N
            && s.len() == N
        {
            d.copy_from_slice(s);
        }
    }
    match src.len() {
        0..4 => {
            for (d, b) in dst.iter_mut().zip(src) {
                *d = *b;
            }
        }
        4..8 => two::<4>(dst, src),
        8..=16 => two::<8>(dst, src),
        _ => {
            if dst.len() == src.len() {
                dst.copy_from_slice(src);
            }
        }
    }
}

/// `"00"` to `"99"`, for writing integers two digits at a time.
// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
static DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Whether `bytes` hold a byte JSON requires escaped: `"`, `\\` or a control character
/// (the bytes [`Escaping::Minimal`] escapes). Eight bytes at a time; a tail is read as an
/// overlapping last word, strings of 4 to 7 bytes as two overlapping halves of one word.
#[inline(always)]
fn needs_escape(bytes: &[u8]) -> bool {
    use super::read::string_stops as stop;
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let half = |b: &[u8]| {
        let mut w = [0u8; 4];
        w.copy_from_slice(b);
        u64::from(u32::from_le_bytes(w))
    };
    let n = bytes.len();
    match n {
        0..4 => bytes.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20),
        4..8 => match (bytes.get(..4), bytes.get(n - 4..)) {
            (Some(lo), Some(hi)) => stop(half(lo) | (half(hi) << 32)) != 0,
            _ => true,
        },
        _ => {
            let mut chunks = bytes.chunks_exact(8);
            let mut acc = 0;
            for chunk in &mut chunks {
                acc |= stop(word(chunk));
            }
            if !chunks.remainder().is_empty()
                && let Some(last) = bytes.get(n - 8..)
            {
                acc |= stop(word(last));
            }
            acc != 0
        }
    }
}

/// A JSON serializer into a caller buffer that keeps counting past its end.
pub struct Serializer<'b> {
    buf: &'b mut [u8],
    len: usize,
    #[cfg(feature = "aspnet-escaping")]
    escaping: Escaping,
}

impl<'b> Serializer<'b> {
    /// A serializer into `buf` that escapes only what JSON requires.
    fn new(buf: &'b mut [u8]) -> Self {
        Serializer {
            buf,
            len: 0,
            #[cfg(feature = "aspnet-escaping")]
            escaping: Escaping::Minimal,
        }
    }
}

impl Serializer<'_> {
    /// Whether strings are escaped as ASP.NET does (never, without `aspnet-escaping`).
    #[inline(always)]
    fn aspnet(&self) -> bool {
        #[cfg(feature = "aspnet-escaping")]
        return self.escaping == Escaping::AspNet;
        #[cfg(not(feature = "aspnet-escaping"))]
        false
    }

    fn push_byte(&mut self, b: u8) {
        if let Some(d) = self.buf.get_mut(self.len) {
            *d = b;
        }
        self.len += 1;
    }

    /// One plain copy (`copy_short`'s fixed-size copies, inlined here, made this the
    /// writer's largest routine on a microcontroller; the string fast paths keep them).
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }

    /// The escape of a character [`push_str_content`](Self::push_str_content) stopped
    /// at (a quote, a backslash or a control character; with ASP.NET's escaping also
    /// `&'<>+`` and everything from DEL on): its short form, else `\uXXXX` per UTF-16
    /// unit.
    fn push_escape(&mut self, c: char) {
        // Each short escape's character and letter.
        const SHORT: &[u8; 14] = b"\\\\\"\"\nn\rr\tt\x08b\x0cf";
        let quote_as_u = self.aspnet() && c == '"';
        let short = SHORT.chunks_exact(2).find(|p| p.first().map(|&b| char::from(b)) == Some(c));
        if let (Some(&[_, letter]), false) = (short, quote_as_u) {
            self.push(&[b'\\', letter]);
            return;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            self.push_u_escape(*unit);
        }
    }

    fn push_u_escape(&mut self, unit: u16) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let nibble = |shift: u16| HEX.get(usize::from((unit >> shift) & 0xF)).copied().unwrap_or(b'0');
        self.push(&[b'\\', b'u', nibble(12), nibble(8), nibble(4), nibble(0)]);
    }

    fn push_str(&mut self, s: &str) {
        let bytes = s.as_bytes();
        // Nothing to escape (every key, id, code and most text): one check, one copy.
        if !self.aspnet() && !needs_escape(bytes) {
            let end = self.len + bytes.len() + 2;
            if let Some((open, rest)) = self.buf.get_mut(self.len..end).and_then(|d| d.split_first_mut())
                && let Some((close, dst)) = rest.split_last_mut()
            {
                *open = b'\"';
                copy_short(dst, bytes);
                *close = b'\"';
            }
            self.len = end;
            return;
        }
        self.push_byte(b'\"');
        self.push_str_content(s);
        self.push_byte(b'\"');
    }

    /// A struct field's key and its colon, `"key":`.
    fn push_key(&mut self, key: &str) {
        let bytes = key.as_bytes();
        if !self.aspnet() && !needs_escape(bytes) {
            let end = self.len + bytes.len() + 3;
            if let Some((open, rest)) = self.buf.get_mut(self.len..end).and_then(|d| d.split_first_mut())
                && let Some((colon, rest)) = rest.split_last_mut()
                && let Some((close, dst)) = rest.split_last_mut()
            {
                *open = b'\"';
                copy_short(dst, bytes);
                *close = b'\"';
                *colon = b':';
            }
            self.len = end;
            return;
        }
        self.push_str(key);
        self.push_byte(b':');
    }

    /// Escaped string content: runs of bytes that need no escape are copied at once.
    fn push_str_content(&mut self, s: &str) {
        let aspnet = self.aspnet();
        let special = |b: u8| {
            b == b'"'
                || b == b'\\'
                || b < 0x20
                || (aspnet && (b >= 0x7f || matches!(b, b'&' | b'\'' | b'<' | b'>' | b'+' | b'`')))
        };
        let bytes = s.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let rest = bytes.get(at..).unwrap_or(&[]);
            let run = if aspnet {
                rest.iter().position(|&b| special(b)).unwrap_or(rest.len())
            } else {
                super::read::find_string_stop(rest).unwrap_or(rest.len())
            };
            self.push(rest.get(..run).unwrap_or(&[]));
            at += run;
            // `at` is on a char boundary: special bytes are ASCII or the first byte of a
            // char, and the char is one to escape. Without ASP.NET's escaping only ASCII
            // stops the run: the byte is the char (no UTF-8 decoding linked).
            let c = match bytes.get(at) {
                Some(&b) if !aspnet => char::from(b),
                Some(_) => s.get(at..).and_then(|t| t.chars().next()).unwrap_or('\0'),
                None => break,
            };
            self.push_escape(c);
            at += c.len_utf8();
        }
    }

    /// Decimal digits, two at a time (one division per pair).
    fn push_u64(&mut self, mut v: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut pair = |i: usize, d: usize| {
            if let (Some(dst), Some(src)) = (tmp.get_mut(i..i + 2), DIGIT_PAIRS.get(2 * d..2 * d + 2)) {
                dst.copy_from_slice(src);
            }
        };
        while v >= 100 {
            i -= 2;
            pair(i, (v % 100) as usize);
            v /= 100;
        }
        if v >= 10 {
            i -= 2;
            pair(i, v as usize);
        } else {
            i -= 1;
            if let Some(d) = tmp.get_mut(i) {
                *d = b'0' + v as u8;
            }
        }
        self.push(tmp.get(i..).unwrap_or(&[]));
    }

    /// `v` in decimal: `time`'s digit loop, the lean writer's integer writer.
    #[inline(never)]
    fn push_decimal(&mut self, v: u64) {
        self.push(crate::time::decimal(v, &mut [0; 20]));
    }

    fn push_i64(&mut self, v: i64) {
        if v < 0 {
            self.push(b"-");
        }
        self.push_u64(v.unsigned_abs());
    }
}

/// Writes `Display` output as escaped JSON string content.
struct Escaper<'s, 'b>(&'s mut Serializer<'b>);

impl fmt::Write for Escaper<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str_content(s);
        Ok(())
    }
}

type Result<T = ()> = core::result::Result<T, Unsupported>;

impl<'s, 'b> ser::Serializer for &'s mut Serializer<'b> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'s, 'b>;
    type SerializeTuple = Compound<'s, 'b>;
    type SerializeTupleStruct = Compound<'s, 'b>;
    type SerializeTupleVariant = Compound<'s, 'b>;
    type SerializeMap = Compound<'s, 'b>;
    type SerializeStruct = Compound<'s, 'b>;
    type SerializeStructVariant = Compound<'s, 'b>;

    fn serialize_bool(self, v: bool) -> Result {
        self.push(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.push_i64(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.push_u64(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result {
        if !v.is_finite() {
            return Err(Unsupported);
        }
        let _ = write!(Escaper(self), "{v}");
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result {
        let mut tmp = [0u8; 4];
        self.push_str(v.encode_utf8(&mut tmp));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        self.push_str(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        use ser::SerializeSeq as _;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result {
        self.push(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.push_byte(b'{');
        self.push_str(variant);
        self.push_byte(b':');
        value.serialize(&mut *self)?;
        self.push_byte(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'s, 'b>> {
        self.push_byte(b'[');
        Ok(Compound { ser: self, first: true, close: b']', variant: false })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'b>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'s, 'b>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'b>> {
        self.push_byte(b'{');
        self.push_str(variant);
        self.push(b":[");
        Ok(Compound { ser: self, first: true, close: b']', variant: true })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'s, 'b>> {
        self.push_byte(b'{');
        Ok(Compound { ser: self, first: true, close: b'}', variant: false })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'s, 'b>> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'b>> {
        self.push_byte(b'{');
        self.push_str(variant);
        self.push(b":{");
        Ok(Compound { ser: self, first: true, close: b'}', variant: true })
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result {
        self.push_byte(b'\"');
        write!(Escaper(self), "{value}").map_err(|_| Unsupported)?;
        self.push_byte(b'\"');
        Ok(())
    }
}

/// Arrays, objects and their variants under construction.
pub struct Compound<'s, 'b> {
    ser: &'s mut Serializer<'b>,
    first: bool,
    close: u8,
    /// A variant's value, closed by one more `}` (`{"Variant":[...]}`, `{"Variant":{...}}`).
    variant: bool,
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !core::mem::take(&mut self.first) {
            self.ser.push_byte(b',');
        }
    }
    fn finish(self) -> Result {
        self.ser.push_byte(self.close);
        if self.variant {
            self.ser.push_byte(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.comma();
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.comma();
        key.serialize(MapKey { ser: &mut *self.ser })?;
        self.ser.push_byte(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.comma();
        self.ser.push_key(key);
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}

/// Map keys must be strings (or display as one).
struct MapKey<'s, 'b> {
    ser: &'s mut Serializer<'b>,
}

macro_rules! key_unsupported {
    ($($f:ident: $t:ty),*) => { $(fn $f(self, _v: $t) -> Result { Err(Unsupported) })* };
}

impl ser::Serializer for MapKey<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> Result {
        self.ser.push_str(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result {
        self.ser.serialize_char(v)
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result {
        ser::Serializer::collect_str(self.ser, value)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    key_unsupported!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64, serialize_bytes: &[u8]);
    fn serialize_none(self) -> Result {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(Unsupported)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(Unsupported)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
}

/// A JSON object written field by field, without serde: for the few request bodies a
/// firmware sends ([`Api::create_setup_intent_lean`](crate::request::Api::create_setup_intent_lean)
/// and its siblings), so a microcontroller image carries no monomorphised serializer.
/// Writes byte for byte what [`to_slice`] writes for the same fields (differentially
/// tested in `request::body`), counting past the buffer's end as the serializer does.
pub(crate) struct ObjectWriter<'b> {
    ser: Serializer<'b>,
    /// Whether the innermost open object has no field yet.
    first: bool,
    /// A value the API cannot carry was met (an unknown enum value too long to keep).
    unsupported: bool,
}

impl<'b> ObjectWriter<'b> {
    /// An object opened in `buf`.
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        let mut ser = Serializer::new(buf);
        ser.push_byte(b'{');
        ObjectWriter { ser, first: true, unsupported: false }
    }
}

impl ObjectWriter<'_> {
    #[inline(never)]
    fn key(&mut self, key: &str) {
        if !self.first {
            self.ser.push_byte(b',');
        }
        self.first = false;
        // Keys are the writers' own names: nothing to escape, no fast path needed.
        self.ser.push_byte(b'"');
        self.ser.push(key.as_bytes());
        self.ser.push(b"\":");
    }

    /// `"key":"value"`, escaped.
    #[inline(never)]
    pub(crate) fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.ser.push_byte(b'"');
        self.ser.push_str_content(value);
        self.ser.push_byte(b'"');
    }

    /// `"key":"text"`: a text holding JSON escapes is decoded and escaped again, as
    /// serde's `collect_str` does.
    #[inline(never)]
    pub(crate) fn text(&mut self, key: &str, value: &Text<'_>) {
        match value.as_str() {
            Some(plain) => self.str(key, plain),
            None => {
                // Decoded a character at a time, each escaped by the one escaping loop.
                self.key(key);
                self.ser.push_byte(b'"');
                let mut utf8 = [0u8; 4];
                for c in value.chars() {
                    self.ser.push_str_content(c.encode_utf8(&mut utf8));
                }
                self.ser.push_byte(b'"');
            }
        }
    }

    /// An open enum's value (`None`: an unknown value too long to have been kept, which
    /// the body cannot carry).
    pub(crate) fn variant(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.unsupported = true,
        }
    }

    /// `"key":-12`.
    #[inline(never)]
    pub(crate) fn i64(&mut self, key: &str, value: i64) {
        self.key(key);
        if value < 0 {
            self.ser.push_byte(b'-');
        }
        self.ser.push_decimal(value.unsigned_abs());
    }

    /// `"key":{"value":N,"currencyCode":"GBP"}`.
    #[inline(never)]
    pub(crate) fn money(&mut self, key: &str, value: &Money) {
        self.open(key);
        self.i64("value", value.value);
        self.str("currencyCode", value.currency.as_str());
        self.close();
    }

    /// `"key":"2026-11-25T17:00:00Z"`: [`Timestamp::encode`]'s text (ASCII, nothing to
    /// escape), copied from [`Timestamp::encode_ascii`], the one timestamp formatter.
    #[inline(never)]
    pub(crate) fn timestamp(&mut self, key: &str, value: Timestamp) {
        self.key(key);
        self.ser.push_byte(b'"');
        self.ser.push(value.encode_ascii(&mut [0; Timestamp::MAX_RFC3339]));
        self.ser.push_byte(b'"');
    }

    /// Opens a nested object under `key`.
    pub(crate) fn open(&mut self, key: &str) {
        self.key(key);
        self.ser.push_byte(b'{');
        self.first = true;
    }

    /// Closes the innermost open object.
    pub(crate) fn close(&mut self) {
        self.ser.push_byte(b'}');
        self.first = false;
    }

    /// Closes the object; its length, or why it could not be written.
    pub(crate) fn finish(mut self) -> core::result::Result<usize, EncodeError> {
        self.ser.push_byte(b'}');
        if self.unsupported {
            return Err(EncodeError::Unsupported);
        }
        if self.ser.len > self.ser.buf.len() {
            return Err(EncodeError::BufferTooSmall(BufferTooSmall { needed: self.ser.len }));
        }
        Ok(self.ser.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_copies_copy_every_byte_at_every_length() {
        let src: [u8; 40] = core::array::from_fn(|i| i as u8 + 1);
        for n in 0..=src.len() {
            let mut dst = [0u8; 40];
            copy_short(&mut dst[..n], &src[..n]);
            assert_eq!(&dst[..n], &src[..n], "{n}");
            assert!(dst[n..].iter().all(|&b| b == 0), "{n}");
        }
    }

    #[test]
    fn escape_check_finds_every_special_byte_at_every_position_and_length() {
        let byte_wise = |b: &[u8]| b.iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20);
        for n in 0..=40 {
            // Clean strings of every length, with ASCII and non-ASCII filler.
            for filler in [b'a', b'~', b' ', 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'] {
                let clean = vec![filler; n];
                assert_eq!(needs_escape(&clean), byte_wise(&clean), "{n} {filler}");
            }
            // Every byte value at every position, in a clean and a non-ASCII surrounding.
            for at in 0..n {
                for b in 0..=255u8 {
                    for filler in [b'a', 0xe9] {
                        let mut v = vec![filler; n];
                        v[at] = b;
                        assert_eq!(needs_escape(&v), byte_wise(&v), "{n} {at} {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn strings_with_and_without_escapes_encode_as_before() {
        for s in [
            "",
            "a",
            "ab\"",
            "abc",
            "\\abc",
            "a\nbc",
            "abcdefg\u{1}",
            "abcdefgh\"",
            "é€😀",
            "No-show Table 12",
            "x\u{1f}y",
        ] {
            let mut buf = [0u8; 64];
            let used = to_slice(&s, &mut buf).unwrap();
            let mut slow = [0u8; 64];
            let mut ser = Serializer::new(&mut slow);
            ser.push_byte(b'"');
            ser.push_str_content(s);
            ser.push_byte(b'"');
            let n = ser.len;
            assert_eq!(&buf[..used], &slow[..n], "{s:?}");
        }
    }

    /// The lean writer's timestamps are `Timestamp::encode`'s text (what serde writes),
    /// quoted under their key: both come from `Timestamp::encode_ascii` (whose every year
    /// width, sign and fraction length `time`'s tests cover), so a few cases show the
    /// quoting and that a fraction and a sign come through.
    #[test]
    fn lean_timestamps_are_the_encoders_text() {
        for (secs, nanos, text) in [
            (1_764_090_000, 0, "2025-11-25T17:00:00Z"),
            (1_764_090_000, 120_000_000, "2025-11-25T17:00:00.12Z"),
            (-62_200_000_000, 1, "-002-12-17T14:13:20.000000001Z"),
        ] {
            let t = Timestamp::from_unix_nanos(secs, nanos);
            let mut buf = [0u8; 64];
            let mut w = ObjectWriter::new(&mut buf);
            w.timestamp("t", t);
            let n = w.finish().unwrap();
            let expected = format!(r#"{{"t":"{text}"}}"#);
            assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), expected, "{secs} {nanos}");
            assert_eq!(t.encode(&mut [0; Timestamp::MAX_RFC3339]), text);
        }
    }

    #[test]
    fn integers_encode_as_core_formats_them() {
        let mut cases: Vec<i64> =
            vec![0, 1, 9, 10, 99, 100, 101, 999, 1000, 1001, 9999, 10_000, i64::MAX, i64::MIN, -1, -10, -100];
        let mut p: i64 = 1;
        while let Some(q) = p.checked_mul(10) {
            cases.extend([p - 1, p, p + 1, -p, q / 2 + 7]);
            p = q;
        }
        cases.extend((0..5000).map(|i| i * 7919 - 20_000));
        for v in cases {
            let mut buf = [0u8; 32];
            let n = to_slice(&v, &mut buf).unwrap();
            assert_eq!(&buf[..n], v.to_string().as_bytes(), "{v}");
        }
        for v in [0u64, 5, 42, 100, u64::MAX, u64::MAX - 1, 10_000_000_000_000_000_000] {
            let mut buf = [0u8; 32];
            let n = to_slice(&v, &mut buf).unwrap();
            assert_eq!(&buf[..n], v.to_string().as_bytes(), "{v}");
        }
    }

    #[test]
    fn containers_keys_and_variants_encode_as_serde_json_does() {
        use std::collections::BTreeMap;
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, i32),
            Struct {
                a: u8,
                #[serde(rename = "b\"\\\n")]
                b: Vec<u8>,
            },
        }
        #[derive(serde::Serialize)]
        struct S {
            #[serde(rename = "k\u{1}ey")]
            k: E,
            e: Vec<E>,
            m: BTreeMap<&'static str, (u8, ())>,
            t: (),
            #[serde(rename = "longer-than-sixteen-bytes")]
            l: Option<u8>,
        }
        let v = S {
            k: E::Struct { a: 1, b: vec![] },
            e: vec![E::Unit, E::New(2), E::Tuple(3, -4), E::Struct { a: 5, b: vec![6, 7] }],
            m: [("x", (1, ())), ("y\"", (2, ()))].into_iter().collect(),
            t: (),
            l: None,
        };
        let mut buf = [0u8; 512];
        let n = to_slice(&v, &mut buf).unwrap();
        assert_eq!(&buf[..n], serde_json::to_vec(&v).unwrap().as_slice());
        for small in 0..n {
            let mut b = vec![0u8; small];
            assert_eq!(to_slice(&v, &mut b), Err(EncodeError::BufferTooSmall(BufferTooSmall { needed: n })));
        }
    }

    #[test]
    fn runs_of_every_length_round_trip_through_a_too_small_buffer_too() {
        for n in 0..40 {
            let s: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let mut buf = [0u8; 64];
            let used = to_slice(&s.as_str(), &mut buf).unwrap();
            assert_eq!(&buf[..used], format!("\"{s}\"").as_bytes());
            let mut small = [0u8; 8];
            let needed = to_slice(&s.as_str(), &mut small);
            if n + 2 > 8 {
                assert_eq!(needed, Err(EncodeError::BufferTooSmall(BufferTooSmall { needed: n + 2 })));
            }
        }
    }
}
