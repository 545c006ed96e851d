//! A page of `POST /payment-intents/search` read for its shape only: its payment
//! intents left raw and its cursor, for a caller that decodes each intent with a summary
//! decoder (the kiosk's orphan search) and has no room for the full page decoder.
//!
//! A small non-recursive scanner rather than the serde decoder: the page's own shape is
//! two fields (`data`, `after`), and the serde decoder for the page added about 4 KiB of
//! kiosk firmware for those two fields (docs/footprint-2026-11-25.md).

use crate::json::{DecodeError, DecodeErrorKind, MAX_DEPTH};

/// A search page (`{"data":[...],"after":"..."}`): its payment intents left raw, and the
/// next page's cursor (raw, as the server wrote it), checked as JSON only as far as
/// its shape goes (every intent is checked by the summary decoder).
///
/// Refused like the serde decoder refuses them: a body that is not one object
/// (trailing bytes, a missing separator, a string with a raw control character, nesting
/// past [`MAX_DEPTH`]), or `data` that is not an array or null, or `after` that is not a
/// string or null. Unknown fields are skipped; a UTF-8 byte order mark at the start is
/// skipped.
pub struct SearchPage<'a> {
    /// The `data` array, brackets included (empty when absent or null).
    data: &'a [u8],
    after: Option<&'a str>,
}

impl<'a> SearchPage<'a> {
    /// Reads a page's shape (see the type's docs).
    pub fn read(body: &'a [u8]) -> Result<SearchPage<'a>, DecodeError> {
        let bom = body.starts_with(b"\xEF\xBB\xBF");
        let mut at = if bom { 3 } else { 0 };
        let fail = |kind, offset| DecodeError { kind, offset, field: None };
        let mut page = SearchPage { data: &[], after: None };
        at = ws(body, at);
        if body.get(at) != Some(&b'{') {
            return Err(fail(if at >= body.len() { DecodeErrorKind::Empty } else { DecodeErrorKind::NotJson }, at));
        }
        at = ws(body, at + 1);
        let mut first = true;
        loop {
            match body.get(at) {
                Some(b'}') if first => break,
                Some(b'"') => {}
                _ => return Err(fail(DecodeErrorKind::Syntax, at)),
            }
            let key_end = skip(body, at).ok_or(fail(DecodeErrorKind::Syntax, at))?;
            let key = body.get(at + 1..key_end - 1).unwrap_or(&[]);
            at = ws(body, key_end);
            if body.get(at) != Some(&b':') {
                return Err(fail(DecodeErrorKind::Syntax, at));
            }
            let start = ws(body, at + 1);
            let end = skip(body, start).ok_or(fail(DecodeErrorKind::Syntax, start))?;
            let value = body.get(start..end).unwrap_or(&[]);
            let wrong = |field| DecodeError { kind: DecodeErrorKind::InvalidType, offset: start, field: Some(field) };
            if value == b"null" {
                // Absent, as serde reads an `Option`.
            } else if key == b"data" {
                if value.first() != Some(&b'[') || !items_well_formed(value) {
                    return Err(wrong("data"));
                }
                page.data = value;
            } else if key == b"after" {
                let raw = value.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")).ok_or(wrong("after"))?;
                page.after = Some(core::str::from_utf8(raw).map_err(|_| fail(DecodeErrorKind::InvalidUtf8, start))?);
            }
            at = ws(body, end);
            match body.get(at) {
                Some(b',') => at = ws(body, at + 1),
                Some(b'}') => break,
                _ => return Err(fail(DecodeErrorKind::Syntax, at)),
            }
            first = false;
        }
        at = ws(body, at + 1);
        if at < body.len() {
            return Err(fail(DecodeErrorKind::TrailingCharacters, at));
        }
        Ok(page)
    }

    /// The next page's cursor, raw as the server wrote it (`None` on the last page).
    pub fn after(&self) -> Option<&'a str> {
        self.after
    }

    /// The raw payment intents of `data`, each one JSON value (decode each with a
    /// summary or full decoder).
    pub fn items(&self) -> impl Iterator<Item = &'a [u8]> {
        let data = self.data;
        let mut at = 1;
        core::iter::from_fn(move || {
            at = ws(data, at);
            let start = at;
            let end = skip(data, start)?;
            at = ws(data, end) + 1;
            data.get(start..end)
        })
    }
}

/// Whether `array` (one skipped value starting with `[`) holds values separated by
/// commas: `[]`, `[v]`, `[v, v]`.
fn items_well_formed(array: &[u8]) -> bool {
    let mut at = ws(array, 1);
    if array.get(at) == Some(&b']') {
        return at + 1 == array.len();
    }
    loop {
        let Some(end) = skip(array, at) else { return false };
        at = ws(array, end);
        match array.get(at) {
            Some(b',') => at = ws(array, at + 1),
            Some(b']') => return at + 1 == array.len(),
            _ => return false,
        }
    }
}

/// The first byte at or after `at` that is not JSON whitespace.
fn ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// Where the JSON value starting at `at` ends (one past its last byte), without
/// recursion: strings (escapes skipped, raw control characters refused), objects and
/// arrays (nesting counted, at most [`MAX_DEPTH`] deep with the page's object, brackets matched), and scalars
/// (up to the next separator). `None` when it does not end well.
fn skip(bytes: &[u8], at: usize) -> Option<usize> {
    // The page's own object is one level: values inside it nest one less.
    let mut stack = [0u8; MAX_DEPTH - 1];
    let mut depth = 0;
    let mut i = at;
    loop {
        let b = *bytes.get(i)?;
        match b {
            b'"' => {
                i += 1;
                loop {
                    match *bytes.get(i)? {
                        b'"' => break,
                        b'\\' => i += 2,
                        c if c < 0x20 => return None,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                *stack.get_mut(depth)? = b + 2; // `}` and `]` are two past `{` and `[`.
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if stack.get(depth) != Some(&b) {
                    return None;
                }
                i += 1;
            }
            _ if depth > 0 => i += 1,
            _ => {
                let end = bytes
                    .get(i..)?
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map_or(bytes.len(), |n| i + n);
                return (end > i).then_some(end);
            }
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

/// Whether the raw payment intent `item` has `"reference":"<reference>"` (the reference
/// as the kiosk sent it, JSON-escaped by dojo-core's encoder; spaces around the colon
/// allowed). A reference the server escapes otherwise does not match: the booking is
/// then reported (none found), never charged twice.
pub fn has_reference(item: &[u8], reference: &str) -> bool {
    let mut quoted = [0u8; 2 + 2 * crate::journal::MAX_REFERENCE_BYTES];
    let Ok(len) = crate::json::to_slice(&reference, &mut quoted) else { return false };
    let Some(quoted) = quoted.get(..len) else { return false };
    let key = b"\"reference\"";
    let mut rest = item;
    while let Some(at) = rest.windows(key.len()).position(|w| w == key) {
        let after = rest.get(at + key.len()..).unwrap_or(&[]);
        let value = after.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b':'));
        if let Some(v) = value.and_then(|v| after.get(v..))
            && v.starts_with(quoted)
        {
            return true;
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{SearchPage, has_reference};
    use std::{format, vec};

    #[test]
    fn the_orphan_search_matches_the_reference_as_sent() {
        let item = br#"{"id":"pi_1","reference":"No-show \"12\"","amount":{"value":1000,"currencyCode":"GBP"}}"#;
        assert!(has_reference(item, "No-show \"12\""));
        assert!(has_reference(br#"{"reference" : "Table 4"}"#, "Table 4"));
        assert!(!has_reference(item, "No-show"), "a prefix is not the reference");
        assert!(!has_reference(br#"{"reference":"Table 44"}"#, "Table 4"));
        assert!(!has_reference(br#"{"description":"reference","x":"Table 4"}"#, "Table 4"));
        assert!(!has_reference(br#"{"id":"pi_1"}"#, "Table 4"));
    }

    fn read(body: &str) -> Option<(std::vec::Vec<&str>, Option<&str>)> {
        let page = SearchPage::read(body.as_bytes()).ok()?;
        let items = page.items().map(|i| core::str::from_utf8(i).unwrap()).collect();
        Some((items, page.after()))
    }

    #[test]
    fn a_search_page_gives_its_items_and_cursor() {
        let page = r#" {"data": [ {"id":"pi_1","x":[1,{"y":"]}"}]} , {"id":"pi_2"} ],"total":2,"after":"a\"b"} "#;
        let (items, after) = read(page).unwrap();
        assert_eq!(items, [r#"{"id":"pi_1","x":[1,{"y":"]}"}]}"#, r#"{"id":"pi_2"}"#]);
        assert_eq!(after, Some(r#"a\"b"#));
        assert_eq!(read(r#"{}"#), Some((vec![], None)));
        assert_eq!(read(r#"{"data":null,"after":null}"#), Some((vec![], None)));
        assert_eq!(read(r#"{"data":[]}"#), Some((vec![], None)));
        assert_eq!(read("\u{feff}{\"data\":[1]}"), Some((vec!["1"], None)));
    }

    #[test]
    fn a_malformed_search_page_is_refused() {
        for bad in [
            "",
            " ",
            "[]",
            r#"{"data":[}"#,
            r#"{"data":[{"id":"pi_1"}}"#,
            r#"{"data":[1 2]}"#,
            r#"{"data":[1,]}"#,
            r#"{"data":{}}"#,
            r#"{"after":1}"#,
            r#"{"data":[] "after":null}"#,
            r#"{"data":[],}"#,
            r#"{"data" []}"#,
            r#"{"data":[]}x"#,
            r#"{"data":[]"#,
            "{\"after\":\"a\nb\"}",
            r#"{"after":"unterminated}"#,
        ] {
            assert!(read(bad).is_none(), "{bad:?}");
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(65), "]".repeat(65));
        assert!(read(&deep).is_none(), "past MAX_DEPTH");
        let ok = format!("{{\"x\":{}{}}}", "[".repeat(63), "]".repeat(63));
        assert!(read(&ok).is_some());
    }
}
