//! [`Text`]: a string borrowed from a JSON body, escapes decoded on demand.

use core::fmt;

use super::read::{RawStr, decode_escape, find_string_stop};
use super::token::TEXT_TOKEN;
use crate::error::BufferTooSmall;

/// A string borrowed from a response body (or from the caller, in a request).
///
/// The server escapes `& ' < > +` and all non-ASCII as `\uXXXX`; a `Text` keeps the
/// raw, already validated JSON string content and decodes the escapes exactly — UTF-16
/// surrogate pairs included — when it is read, so decoding needs neither an allocator
/// nor a scratch buffer, and has no capacity to overflow. Compare it with `==` against a
/// `&str`, iterate its [`chars`](Text::chars), [`copy_to`](Text::copy_to) a buffer, or
/// print it with `Display`.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> Text<'a> {
    /// A `Text` holding `s` as it is (no JSON escapes to decode).
    pub const fn new(s: &'a str) -> Self {
        Text { raw: s, escaped: false }
    }

    /// A `Text` over JSON string content whose escapes were validated by the reader.
    pub(crate) const fn from_escaped(raw: &'a str) -> Self {
        Text { raw, escaped: true }
    }

    /// A `Text` over JSON string content as it stands between the quotes in a body,
    /// escapes included (a cursor kept raw, say), decoded when read or written again;
    /// `None` unless it is valid content: no unescaped `"` or control character, and
    /// every escape valid.
    pub fn from_json_content(raw: &'a str) -> Option<Self> {
        let bytes = raw.as_bytes();
        let mut at = 0;
        let mut escaped = false;
        while let Some(n) = find_string_stop(bytes.get(at..)?) {
            at += n;
            let esc = bytes.get(at..)?;
            if esc.first() != Some(&b'\\') {
                return None;
            }
            at += decode_escape(esc)?.1;
            escaped = true;
        }
        Some(Text { raw, escaped })
    }

    /// The string as a `&str` when it holds no escapes (true of most ids and
    /// ASCII text), without copying.
    pub fn as_str(&self) -> Option<&'a str> {
        if self.escaped { None } else { Some(self.raw) }
    }

    /// The raw JSON string content (escapes not decoded) when the text came from JSON,
    /// or the plain string.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars { rest: self.raw.as_bytes(), escaped: self.escaped }
    }

    /// The decoded length in UTF-8 bytes.
    pub fn len(&self) -> usize {
        if self.escaped { self.chars().map(char::len_utf8).sum() } else { self.raw.len() }
    }

    /// The decoded length in characters (Unicode scalar values), which is what the
    /// API's `maxLength` limits count.
    pub fn char_count(&self) -> usize {
        self.chars().count()
    }

    /// Whether the decoded string is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Copies the decoded string into `buf` and returns it as a `&str`.
    pub fn copy_to<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, BufferTooSmall> {
        if !self.escaped {
            let needed = self.raw.len();
            let dst = buf.get_mut(..needed).ok_or(BufferTooSmall { needed })?;
            dst.copy_from_slice(self.raw.as_bytes());
            return core::str::from_utf8(dst).map_err(|_| BufferTooSmall { needed });
        }
        // One pass: plain bytes copied as they are (they are UTF-8 already), escapes
        // decoded, counting on past the buffer's end for the length needed.
        let mut at = 0;
        let mut rest = self.raw.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            if b != b'\\' {
                if let Some(d) = buf.get_mut(at) {
                    *d = b;
                }
                at += 1;
                rest = tail;
                continue;
            }
            // As `Chars` decodes it (escapes were validated by the reader).
            let (c, used) = decode_escape(rest).unwrap_or((char::REPLACEMENT_CHARACTER, rest.len().min(2)));
            let n = c.len_utf8();
            if let Some(dst) = buf.get_mut(at..at + n) {
                c.encode_utf8(dst);
            }
            at += n;
            rest = rest.get(used..).unwrap_or(&[]);
        }
        let needed = at;
        let out = buf.get(..needed).ok_or(BufferTooSmall { needed })?;
        // Whole chars were written, so this cannot fail; stay panic-free anyway.
        core::str::from_utf8(out).map_err(|_| BufferTooSmall { needed })
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        if !self.escaped {
            return self.raw == other;
        }
        let mut theirs = other.chars();
        for c in self.chars() {
            if theirs.next() != Some(c) {
                return false;
            }
        }
        theirs.next().is_none()
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.chars().eq(other.chars())
    }
}

impl Eq for Text<'_> {}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.escaped {
            return f.write_str(self.raw);
        }
        for c in self.chars() {
            fmt::Write::write_char(f, c)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.chars() {
            for e in c.escape_debug() {
                fmt::Write::write_char(f, e)?;
            }
        }
        f.write_str("\"")
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::new(s)
    }
}

/// The decoded characters of a [`Text`].
#[derive(Clone)]
pub struct Chars<'a> {
    rest: &'a [u8],
    escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let (&first, _) = self.rest.split_first()?;
        if self.escaped && first == b'\\' {
            let (c, used) = decode_escape(self.rest).unwrap_or((char::REPLACEMENT_CHARACTER, self.rest.len().min(2)));
            self.rest = self.rest.get(used..).unwrap_or(&[]);
            return Some(c);
        }
        // `rest` always starts on a char boundary of a valid `&str`.
        let len = utf8_len(first);
        let c = self
            .rest
            .get(..len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .and_then(|s| s.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        self.rest = self.rest.get(len..).unwrap_or(&[]);
        Some(c)
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

impl serde::Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(plain) => s.serialize_str(plain),
            None => s.collect_str(self),
        }
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(TEXT_TOKEN, TextVisitor(core::marker::PhantomData))
    }
}

struct TextVisitor<'a>(core::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::new(v))
    }

    /// dojo-core's deserializer hands over raw string content that still holds escapes
    /// (validated) as bytes.
    fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        let raw = core::str::from_utf8(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(v), &self))?;
        Ok(Text::from_escaped(raw))
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

// Here rather than in `read.rs`, beside `Text`: the reader does not depend on the text
// type (no import circle).
impl<'a> RawStr<'a> {
    /// The string's text: decoded on reading when it holds escapes, else borrowed as is.
    #[inline]
    pub(crate) fn text(self) -> Text<'a> {
        if self.escaped { Text::from_escaped(self.raw) } else { Text::new(self.raw) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let t = Text::from_escaped(
            r#"Caf\u00e9 \u0026 \u0027bar\u0027 \u003Cb\u003E \u002B \ud83d\ude00 \"q\" \\ \/ \n\t"#,
        );
        assert_eq!(t, "Café & 'bar' <b> + 😀 \"q\" \\ / \n\t");
        assert_eq!(t.len(), "Café & 'bar' <b> + 😀 \"q\" \\ / \n\t".len());
        assert_eq!(t.char_count(), "Café & 'bar' <b> + 😀 \"q\" \\ / \n\t".chars().count());
        let mut buf = [0u8; 64];
        assert_eq!(t.copy_to(&mut buf).unwrap(), "Café & 'bar' <b> + 😀 \"q\" \\ / \n\t");
        assert!(t.as_str().is_none());
        assert_eq!(format!("{t}"), "Café & 'bar' <b> + 😀 \"q\" \\ / \n\t");
    }

    #[test]
    fn copy_to_reports_the_size_needed() {
        let t = Text::from_escaped(r"\u00e9\u00e9");
        let mut small = [0u8; 3];
        assert_eq!(t.copy_to(&mut small), Err(BufferTooSmall { needed: 4 }));
    }

    #[test]
    fn copy_to_writes_what_chars_decode_at_every_buffer_size() {
        for raw in [r"", r"a", r"\n", r"caf\u00e9 \ud83d\ude00 x", "é\\\"ü", r"\u0041\u00e9\u20ac", r"bad \x tail"] {
            let t = Text::from_escaped(raw);
            let want: std::string::String = t.chars().collect();
            for size in 0..want.len() + 3 {
                let mut buf = std::vec![0u8; size];
                match t.copy_to(&mut buf) {
                    Ok(s) => assert_eq!(s, want, "{raw:?} {size}"),
                    Err(e) => {
                        assert!(size < want.len(), "{raw:?} {size}");
                        assert_eq!(e, BufferTooSmall { needed: want.len() }, "{raw:?} {size}");
                    }
                }
            }
        }
    }

    #[test]
    fn plain_text_borrows() {
        let t = Text::new("si_sandbox_abc");
        assert_eq!(t.as_str(), Some("si_sandbox_abc"));
        assert_eq!(t, Text::from_escaped(r"si_sandbox_\u0061bc"));
        assert_ne!(t, "si_sandbox_ab");
        assert_ne!(t, "si_sandbox_abcd");
    }

    #[test]
    fn invalid_escapes_decode_to_replacement_not_panic() {
        for raw in [r"\", r"\u12", r"\ud800", r"\ud800\u0041", r"\udc00", r"\x"] {
            let _ = Text::from_escaped(raw).chars().count();
        }
    }
}
