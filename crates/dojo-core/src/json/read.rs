//! Low-level scanning: white space, strings, numbers, literals, and an iterative,
//! depth-bounded skipper for values nobody asked for.

use super::error::{DecodeError, DecodeErrorKind};

/// The end of input where a token was required, at this offset: a
/// [`DecodeErrorKind::Truncated`] error once converted (`?` does it). Two words, so
/// `Result<u8, AtEnd>` comes back in registers; a `Result<u8, DecodeError>` went
/// through memory, its byte payload copied apart from the error on riscv32imc.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AtEnd(usize);

impl From<AtEnd> for DecodeError {
    #[inline]
    fn from(e: AtEnd) -> Self {
        DecodeError::new(DecodeErrorKind::Truncated, e.0)
    }
}

/// A reader step's error before any field is known: its kind and offset. Two words
/// (the kind's unused values are `Ok`'s), so a `Result<(), Fault>` or
/// `Result<bool, Fault>` comes back in registers instead of through memory; `?` turns
/// it into the [`DecodeError`] with no field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fault {
    kind: DecodeErrorKind,
    offset: usize,
}

impl From<Fault> for DecodeError {
    #[inline]
    fn from(e: Fault) -> Self {
        DecodeError::new(e.kind, e.offset)
    }
}

impl Fault {
    /// A fault of `kind` at `offset` ([`UNSET`](super::UNSET) for one the caller locates).
    #[inline]
    pub(crate) const fn new(kind: DecodeErrorKind, offset: usize) -> Fault {
        Fault { kind, offset }
    }

    /// What went wrong.
    #[inline]
    pub(crate) fn kind(self) -> DecodeErrorKind {
        self.kind
    }

    /// Where ([`UNSET`](super::UNSET) until located).
    #[inline]
    pub(crate) fn offset(self) -> usize {
        self.offset
    }
}

impl From<AtEnd> for Fault {
    #[inline]
    fn from(e: AtEnd) -> Self {
        Fault { kind: DecodeErrorKind::Truncated, offset: e.0 }
    }
}

/// A string as it stands in the body: content between the quotes, valid UTF-8, escapes
/// validated but not decoded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawStr<'a> {
    pub(crate) raw: &'a str,
    pub(crate) escaped: bool,
}

/// A number as it stands in the body.
#[derive(Clone, Copy)]
pub(crate) enum Number<'a> {
    /// No fraction and no exponent.
    Integer(&'a str),
    /// With a fraction or an exponent (validated, not parsed).
    Float,
}

#[derive(Clone)]
pub(crate) struct Reader<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) pos: usize,
    /// The longest valid UTF-8 prefix of `input`, checked once up front (JSON is UTF-8
    /// throughout), so strings are sliced from it without validating each again.
    text: &'a str,
}

/// Bytes that end a run of plain string content: `"`, `\` and control characters.
// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The bytes of the little-endian word `w` that are `"`, `\\` or a control byte, each
/// flagged by its high bit (SWAR). The lowest flagged byte is exact; a false flag can
/// only appear above a true one, where a borrow propagates.
#[inline(always)]
pub(crate) fn string_stops(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `v` is below `n` (n <= 0x80).
    let any_below = |v: u64, n: u64| v.wrapping_sub(ONES * n) & !v & HIGH;
    any_below(w ^ (ONES * u64::from(b'"')), 1) | any_below(w ^ (ONES * u64::from(b'\\')), 1) | any_below(w, 0x20)
}

/// [`string_stops`] for a machine word: eight bytes at a time on a 64-bit host, four on
/// a 32-bit microcontroller (where 64-bit arithmetic is pairs of instructions).
#[inline(always)]
fn word_stops(w: usize) -> usize {
    const ONES: usize = usize::MAX / 0xFF;
    const HIGH: usize = ONES * 0x80;
    let any_below = |v: usize, n: usize| v.wrapping_sub(ONES * n) & !v & HIGH;
    any_below(w ^ (ONES * usize::from(b'"')), 1) | any_below(w ^ (ONES * usize::from(b'\\')), 1) | any_below(w, 0x20)
}

/// The index of the first `"`, `\\` or control byte, looking at a machine word at a time
/// ([`word_stops`]): the index comes from the mask's trailing zeros, with no
/// byte-by-byte rescan. The last few bytes go byte by byte.
pub(crate) fn find_string_stop(rest: &[u8]) -> Option<usize> {
    const W: usize = core::mem::size_of::<usize>();
    let mut chunks = rest.chunks_exact(W);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; W];
        word.copy_from_slice(chunk);
        let stop = word_stops(usize::from_le_bytes(word));
        if stop != 0 {
            // Little-endian: byte 0 is the low byte, whatever the target's endianness.
            return Some(at + (stop.trailing_zeros() / 8) as usize);
        }
        at += W;
    }
    chunks.remainder().iter().position(|&b| STRING_STOP.get(usize::from(b)).copied().unwrap_or(true)).map(|n| at + n)
}

/// Decodes one escape at the start of `s` (which starts with `\`): the char and the
/// number of bytes used, or `None` if it is not a valid JSON escape.
pub(crate) fn decode_escape(s: &[u8]) -> Option<(char, usize)> {
    let e = *s.get(1)?;
    if e != b'u' {
        // The two-byte escapes as data: the letter's position picks the character.
        let i = b"\"\\/bfnrt".iter().position(|&c| c == e)?;
        return Some((char::from(*b"\"\\/\x08\x0c\n\r\t".get(i)?), 2));
    }
    let hi = hex4(s.get(2..6)?)?;
    match hi {
        0xD800..=0xDBFF => {
            if s.get(6) != Some(&b'\\') || s.get(7) != Some(&b'u') {
                return None;
            }
            let lo = hex4(s.get(8..12)?)?;
            if !(0xDC00..=0xDFFF).contains(&lo) {
                return None;
            }
            let cp = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
            Some((char::from_u32(cp)?, 12))
        }
        0xDC00..=0xDFFF => None,
        _ => Some((char::from_u32(u32::from(hi))?, 6)),
    }
}

fn hex4(b: &[u8]) -> Option<u16> {
    let mut v = 0u16;
    for &d in b {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u16::from(n);
    }
    Some(v)
}

/// The deepest nesting of arrays and objects accepted anywhere in a body. The models
/// nest at most six levels; anything deeper is hostile or broken and is refused with
/// [`DecodeErrorKind::DepthLimit`] before any recursive parsing happens.
pub const MAX_DEPTH: usize = 64;

/// Decoded strings handed to visitors that need a contiguous `&str` (object keys,
/// amounts as strings, enum names) are unescaped into a stack buffer of this size;
/// longer escaped strings must go through [`Text`](super::Text). The hand-written decoders
/// (`crate::summary`) use the same size, so that they fail on the same strings.
pub(crate) const SCRATCH: usize = 128;

/// The UTF-8 byte order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        let text = match core::str::from_utf8(input) {
            Ok(text) => text,
            Err(e) => {
                let valid = input.get(..e.valid_up_to()).unwrap_or(&[]);
                core::str::from_utf8(valid).unwrap_or("")
            }
        };
        // A UTF-8 byte order mark opening the input is skipped (RFC 8259 §8.1 lets a
        // parser ignore it; ASP.NET never sends one, some proxies add it). Offsets stay
        // offsets into `input`.
        let pos = if input.starts_with(BOM) { BOM.len() } else { 0 };
        Reader { input, pos, text }
    }

    /// A reader over text already known to be UTF-8 (a span of a checked body): no
    /// second validation, and no byte order mark to skip.
    pub(crate) fn from_text(text: &'a str) -> Self {
        Reader { input: text.as_bytes(), pos: 0, text }
    }

    /// The checked text between two offsets (`None` outside the valid prefix).
    pub(crate) fn text_between(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text.get(start..end)
    }

    pub(crate) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos)
    }

    /// `Truncated` at the end of input, otherwise `kind`, as a [`Fault`] here.
    fn fault_or_truncated(&self, kind: DecodeErrorKind) -> Fault {
        let kind = if self.pos >= self.input.len() { DecodeErrorKind::Truncated } else { kind };
        self.fault(kind)
    }

    /// [`error`](Self::error) as a [`Fault`].
    pub(crate) fn fault(&self, kind: DecodeErrorKind) -> Fault {
        Fault { kind, offset: self.pos }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[inline(always)]
    pub(crate) fn skip_ws(&mut self) {
        // Compact JSON has no white space between tokens: one load and out.
        if self.peek().is_some_and(|b| b > b' ') {
            return;
        }
        let mut pos = self.pos;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(pos) {
            pos += 1;
        }
        self.pos = pos;
    }

    /// The next byte that is not white space, without consuming it.
    #[inline(always)]
    pub(crate) fn peek_token(&mut self) -> Option<u8> {
        self.skip_ws();
        self.peek()
    }

    /// Like [`peek_token`](Self::peek_token) but the end of input is `Truncated` (an
    /// [`AtEnd`], which `?` turns into that [`DecodeError`]).
    #[inline]
    pub(crate) fn peek_required(&mut self) -> Result<u8, AtEnd> {
        self.peek_token().ok_or(AtEnd(self.pos))
    }

    /// Checks that the input can start a JSON value: an empty body is
    /// [`Empty`](DecodeErrorKind::Empty), one that cannot start a value (an HTML error
    /// page) is [`NotJson`](DecodeErrorKind::NotJson). Every decoder checks this first.
    pub(crate) fn check_start(&mut self) -> Result<(), Fault> {
        match self.peek_token() {
            None => Err(self.fault(DecodeErrorKind::Empty)),
            Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => Ok(()),
            Some(_) => Err(self.fault(DecodeErrorKind::NotJson)),
        }
    }

    /// Consumes the opening `bracket` of a container nested `depth` deep (0 for the
    /// body itself): anything else is [`InvalidType`](DecodeErrorKind::InvalidType),
    /// and a container at [`MAX_DEPTH`](MAX_DEPTH) is
    /// [`DepthLimit`](DecodeErrorKind::DepthLimit) (just past the bracket).
    pub(crate) fn open(&mut self, bracket: u8, depth: usize) -> Result<(), Fault> {
        if self.peek_required()? != bracket {
            return Err(self.fault(DecodeErrorKind::InvalidType));
        }
        self.pos += 1;
        if depth >= MAX_DEPTH {
            return Err(self.fault(DecodeErrorKind::DepthLimit));
        }
        Ok(())
    }

    /// Steps to the next key of an object (the reader just past `{`, `first`, or past a
    /// value): `false` at the end, the closing brace consumed; otherwise `true`, the
    /// separating comma consumed and the reader on the key's opening quote. The one
    /// object walk of every decoder.
    pub(crate) fn next_key(&mut self, first: bool) -> Result<bool, Fault> {
        if !self.next_member(first, b'}')? {
            return Ok(false);
        }
        if self.peek_required()? != b'"' {
            return Err(self.fault(DecodeErrorKind::Syntax));
        }
        Ok(true)
    }

    /// Steps to the next element of an array (the reader just past `[`, `first`, or
    /// past an element): `false` at the end, the closing bracket consumed; otherwise
    /// `true`, the separating comma consumed and the reader on the element. A comma
    /// before the closing bracket is [`Syntax`](DecodeErrorKind::Syntax).
    pub(crate) fn next_element(&mut self, first: bool) -> Result<bool, Fault> {
        if !self.next_member(first, b']')? {
            return Ok(false);
        }
        if !first && self.peek_required()? == b']' {
            return Err(self.fault(DecodeErrorKind::Syntax));
        }
        Ok(true)
    }

    /// The step both walks share: `false` with the container's `close` consumed, or
    /// `true` with the comma before any member but the first consumed.
    fn next_member(&mut self, first: bool, close: u8) -> Result<bool, Fault> {
        let next = self.peek_required()?;
        if next == close {
            self.pos += 1;
            return Ok(false);
        }
        if !first {
            if next != b',' {
                return Err(self.fault(DecodeErrorKind::Syntax));
            }
            self.pos += 1;
        }
        Ok(true)
    }

    /// Consumes `byte` (after white space) or fails with `Syntax`/`Truncated`.
    #[inline]
    pub(crate) fn expect(&mut self, byte: u8) -> Result<(), Fault> {
        match self.peek_token() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.fault_or_truncated(DecodeErrorKind::Syntax)),
        }
    }

    /// Parses `true`, `false` or `null` at the current position.
    pub(crate) fn literal(&mut self, word: &'static [u8]) -> Result<(), Fault> {
        let end = self.pos + word.len();
        match self.input.get(self.pos..end) {
            Some(found) if found == word => {
                self.pos = end;
                Ok(())
            }
            _ => {
                // A prefix of the word at the end of input is a truncation.
                let rest = self.input.get(self.pos..).unwrap_or(&[]);
                if rest.len() < word.len() && word.starts_with(rest) {
                    self.pos = self.input.len();
                    Err(self.fault(DecodeErrorKind::Truncated))
                } else {
                    Err(self.fault(DecodeErrorKind::Syntax))
                }
            }
        }
    }

    /// Parses a string; the current byte must be `"`.
    pub(crate) fn string(&mut self) -> Result<RawStr<'a>, Fault> {
        if self.peek() != Some(b'"') {
            return Err(self.fault_or_truncated(DecodeErrorKind::InvalidType));
        }
        let start = self.pos + 1;
        // Most strings (keys, ids, dates) hold no escape: one scan to the closing quote.
        let rest = self.input.get(start..).unwrap_or(&[]);
        if let Some(n) = find_string_stop(rest).filter(|&n| rest.get(n) == Some(&b'"')) {
            let end = start + n;
            if let Some(raw) = self.text.get(start..end) {
                self.pos = end + 1;
                return Ok(RawStr { raw, escaped: false });
            }
        }
        self.string_slow()
    }

    /// [`string`](Self::string) from its opening quote, for strings with escapes and
    /// every error.
    #[inline(never)]
    fn string_slow(&mut self) -> Result<RawStr<'a>, Fault> {
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Skip plain bytes in one scan; stop at a quote, a backslash or a control byte.
            let rest = self.input.get(self.pos..).unwrap_or(&[]);
            let Some(n) = find_string_stop(rest) else {
                self.pos = self.input.len();
                return Err(self.fault(DecodeErrorKind::Truncated));
            };
            self.pos += n;
            match rest.get(n).copied() {
                Some(b'"') => break,
                Some(b'\\') => {
                    let esc = rest.get(n..).unwrap_or(&[]);
                    match decode_escape(esc) {
                        Some((_, used)) => self.pos += used,
                        None => return Err(self.escape_error(esc)),
                    }
                    escaped = true;
                }
                _ => return Err(self.fault(DecodeErrorKind::ControlCharacter)),
            }
        }
        // `start` follows a quote and `pos` is on one, so both are char boundaries of the
        // valid prefix unless invalid UTF-8 starts before `pos`.
        let raw = self
            .text
            .get(start..self.pos)
            .ok_or_else(|| Fault::new(DecodeErrorKind::InvalidUtf8, self.text.len().max(start)))?;
        self.pos += 1; // closing quote
        Ok(RawStr { raw, escaped })
    }

    /// An invalid escape at the end of input is a truncation; anything else is invalid.
    fn escape_error(&self, rest: &[u8]) -> Fault {
        // Longest escape: \uD83D\uDE00 (12 bytes). If the input ends inside one that was
        // well-formed so far, call it truncated.
        let well_formed_prefix = rest.len() < 12
            && rest.iter().enumerate().all(|(i, &b)| match i {
                0 | 6 => b == b'\\',
                1 | 7 => b == b'u' || (i == 1 && rest.len() == 2 && b"\"\\/bfnrt".contains(&b)),
                _ => b.is_ascii_hexdigit(),
            });
        if well_formed_prefix {
            Fault::new(DecodeErrorKind::Truncated, self.input.len())
        } else {
            self.fault(DecodeErrorKind::InvalidEscape)
        }
    }

    /// Parses a number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    pub(crate) fn number(&mut self) -> Result<Number<'a>, Fault> {
        let input = self.input;
        // The byte at `i`, 0 past the end (0 is no part of a number either way).
        let byte = |i: usize| input.get(i).copied().unwrap_or(0);
        let digits = |mut i: usize| {
            while byte(i).is_ascii_digit() {
                i += 1;
            }
            i
        };
        let start = self.pos;
        let mut pos = start + usize::from(byte(start) == b'-');
        let mut float = false;
        let ok = match byte(pos) {
            b'0' => {
                pos += 1;
                true
            }
            b'1'..=b'9' => {
                pos = digits(pos);
                true
            }
            _ => false,
        } && {
            // A fraction, then an exponent: each needs a digit after its mark.
            let mut parts_ok = true;
            if byte(pos) == b'.' {
                pos += 1;
                parts_ok = byte(pos).is_ascii_digit();
                pos = digits(pos);
                float = true;
            }
            if parts_ok && byte(pos) | 0x20 == b'e' {
                pos += 1;
                pos += usize::from(matches!(byte(pos), b'+' | b'-'));
                parts_ok = byte(pos).is_ascii_digit();
                pos = digits(pos);
                float = true;
            }
            parts_ok
        };
        self.pos = pos;
        if !ok {
            return Err(self.fault_or_truncated(DecodeErrorKind::Syntax));
        }
        // ASCII digits: sliced from the validated text without a second UTF-8 check (a
        // number is never past the valid prefix: the invalid byte before it would have
        // failed the read already).
        let text = self.text.get(start..pos).unwrap_or("0");
        Ok(if float { Number::Float } else { Number::Integer(text) })
    }

    /// Skips one value of any shape without recursion. `depth` is the nesting already
    /// entered by the caller; containers inside the value count on top of it.
    pub(crate) fn skip_value(&mut self, depth: usize) -> Result<(), Fault> {
        // One bit per open container: 1 = array, 0 = object.
        let mut stack = [0u8; MAX_DEPTH.div_ceil(8)];
        let mut open = 0usize;
        let is_array = |stack: &[u8], open: usize| {
            let i = open - 1;
            stack.get(i / 8).is_some_and(|byte| byte & (1 << (i % 8)) != 0)
        };
        'value: loop {
            // Expect a value.
            match self.peek_required()? {
                c @ (b'{' | b'[') => {
                    if depth + open >= MAX_DEPTH {
                        return Err(self.fault(DecodeErrorKind::DepthLimit));
                    }
                    if let Some(byte) = stack.get_mut(open / 8) {
                        let bit = 1 << (open % 8);
                        if c == b'[' { *byte |= bit } else { *byte &= !bit }
                    }
                    open += 1;
                    self.pos += 1;
                    let close = if c == b'[' { b']' } else { b'}' };
                    if self.peek_required()? == close {
                        self.pos += 1;
                        open -= 1;
                    } else {
                        if c == b'{' {
                            self.key_colon()?;
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                c @ (b't' | b'f' | b'n') => self.literal(match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                })?,
                _ => return Err(self.fault(DecodeErrorKind::Syntax)),
            }
            // After a value: close containers or move to the next element.
            loop {
                if open == 0 {
                    return Ok(());
                }
                let array = is_array(&stack, open);
                match self.peek_required()? {
                    b',' => {
                        self.pos += 1;
                        if !array {
                            self.key_colon()?;
                        }
                        continue 'value;
                    }
                    b']' if array => {
                        self.pos += 1;
                        open -= 1;
                    }
                    b'}' if !array => {
                        self.pos += 1;
                        open -= 1;
                    }
                    _ => return Err(self.fault(DecodeErrorKind::Syntax)),
                }
            }
        }
    }

    /// An object key and its colon.
    fn key_colon(&mut self) -> Result<(), Fault> {
        if self.peek_required()? != b'"' {
            return Err(self.fault(DecodeErrorKind::Syntax));
        }
        self.string()?;
        self.expect(b':')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(input: &str) -> Result<usize, DecodeError> {
        let mut r = Reader::new(input.as_bytes());
        r.skip_value(0)?;
        Ok(r.pos)
    }

    #[test]
    fn every_two_byte_escape_decodes_as_the_match_did() {
        for e in 0..=255u8 {
            let want = match e {
                b'"' => Some('"'),
                b'\\' => Some('\\'),
                b'/' => Some('/'),
                b'b' => Some('\u{8}'),
                b'f' => Some('\u{c}'),
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                _ => None,
            };
            if e != b'u' {
                assert_eq!(decode_escape(&[b'\\', e, b'x']), want.map(|c| (c, 2)), "{e}");
            }
        }
        assert_eq!(decode_escape(b"\\"), None);
        assert_eq!(decode_escape(b"\\u00e9"), Some(('\u{e9}', 6)));
    }

    #[test]
    fn skips_values_of_every_shape() {
        for v in [
            "1",
            "-0.5e+3",
            "\"a\\\"b\"",
            "true",
            "false",
            "null",
            "[]",
            "{}",
            "[1,[2,{\"a\":[3]}],{}]",
            "{\"a\":{\"b\":{}}, \"c\" : [ ] }",
        ] {
            assert_eq!(skip(v).unwrap(), v.len(), "{v}");
        }
        assert_eq!(skip("[1] tail").unwrap(), 3);
    }

    #[test]
    fn skip_reports_truncation_and_syntax() {
        for v in ["", "[", "[1,", "{\"a\"", "{\"a\":", "\"abc", "tru", "-", "1.", "[1", "\"\\u00"] {
            assert_eq!(skip(v).unwrap_err().kind, DecodeErrorKind::Truncated, "{v}");
        }
        for v in ["[1,]", "{,}", "{\"a\" 1}", "[1}", "{\"a\":1]", "nul!", "[01]", "+1", "{1:2}", "\"\\x\""] {
            let e = skip(v);
            assert!(e.is_err(), "{v}");
        }
        assert_eq!(skip("\"\\x\"").unwrap_err().kind, DecodeErrorKind::InvalidEscape);
        assert_eq!(skip("\"\\ud800\"").unwrap_err().kind, DecodeErrorKind::InvalidEscape);
        assert_eq!(skip("\"a\nb\"").unwrap_err().kind, DecodeErrorKind::ControlCharacter);
    }

    #[test]
    fn skip_bounds_depth_without_recursion() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(skip(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(skip(&deep).unwrap_err().kind, DecodeErrorKind::DepthLimit);
        let hostile = "[".repeat(1_000_000);
        assert_eq!(skip(&hostile).unwrap_err().kind, DecodeErrorKind::DepthLimit);
    }

    proptest::proptest! {
        #[test]
        fn string_stop_scan_matches_a_naive_scan(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let naive = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            proptest::prop_assert_eq!(find_string_stop(&bytes), naive);
        }
    }

    #[test]
    fn numbers_end_and_fail_where_they_did() {
        let read = |s: &str| {
            let mut r = Reader::new(s.as_bytes());
            let n = r.number();
            (
                n.map(|n| match n {
                    Number::Integer(t) => Some(t.to_owned()),
                    Number::Float => None,
                }),
                r.pos,
            )
        };
        for (input, kind, offset) in [
            ("-", DecodeErrorKind::Truncated, 1),
            ("-x", DecodeErrorKind::Syntax, 1),
            ("1.", DecodeErrorKind::Truncated, 2),
            ("1.x", DecodeErrorKind::Syntax, 2),
            ("1e", DecodeErrorKind::Truncated, 2),
            ("1e+", DecodeErrorKind::Truncated, 3),
            ("1E-x", DecodeErrorKind::Syntax, 3),
            ("1.5e\0", DecodeErrorKind::Syntax, 4),
            ("x", DecodeErrorKind::Syntax, 0),
        ] {
            let (n, _) = read(input);
            assert_eq!(DecodeError::from(n.unwrap_err()), DecodeError::new(kind, offset), "{input:?}");
        }
        for (input, integer, end) in [
            ("12.5e3,", None, 6),
            ("-0]", Some("-0"), 2),
            ("0123", Some("0"), 1),
            ("-120E+07}", None, 8),
            ("42", Some("42"), 2),
            ("7.25", None, 4),
        ] {
            let (n, pos) = read(input);
            assert_eq!((n.unwrap(), pos), (integer.map(str::to_owned), end), "{input:?}");
        }
    }

    #[test]
    fn strings_validate_utf8() {
        let mut r = Reader::new(b"\"ab\xff\"");
        assert_eq!(DecodeError::from(r.string().unwrap_err()), DecodeError::new(DecodeErrorKind::InvalidUtf8, 3));
        let mut r = Reader::new("\"caf\u{e9}\"".as_bytes());
        let s = r.string().unwrap();
        assert_eq!(s.raw, "caf\u{e9}");
        assert!(!s.escaped);
    }
}
