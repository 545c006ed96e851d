//! A page of `POST /payment-intents/search` read for its shape only: its payment
//! intents left raw and its cursor, for a caller that decodes each intent with a summary
//! decoder (the kiosk's orphan search) and has no room for the full page decoder.
//!
//! Read with the JSON codec's own `Reader` (the object walk, string scanning and
//! the iterative, depth-bounded value skipper every decoder uses) rather than the serde
//! decoder: the page's own shape is two fields (`data`, `after`), and the serde decoder
//! for the page added about 4 KiB of kiosk firmware for those two fields
//! (docs/footprint-2026-11-25.md).

use crate::json::{DecodeError, DecodeErrorKind, Reader, Text};

/// A search page (`{"data":[...],"after":"..."}`): its payment intents left raw, and the
/// next page's cursor (raw, as the server wrote it), checked as JSON throughout (every
/// intent is then decoded by the summary decoder).
///
/// Refused like the serde decoder refuses them: a body that is not one object
/// (trailing bytes, a missing separator, malformed JSON anywhere, a string with a raw
/// control character or invalid UTF-8, nesting past
/// [`MAX_DEPTH`](crate::json::MAX_DEPTH)), or `data` that is
/// not an array or null, or `after` that is not a string or null. Unknown fields are
/// skipped; a UTF-8 byte order mark at the start is skipped. One difference: a key
/// written with escapes (`"d\u0061ta"`) is skipped here as an unknown field, where the
/// serde decoder decodes it and reads it as `data` (the real API never escapes keys).
pub struct SearchPage<'a> {
    /// The `data` array, brackets included (empty when absent or null).
    data: &'a str,
    after: Option<Text<'a>>,
}

impl<'a> SearchPage<'a> {
    /// Reads a page's shape (see the type's docs).
    pub fn read(body: &'a [u8]) -> Result<SearchPage<'a>, DecodeError> {
        let mut r = Reader::new(body);
        r.check_start()?;
        r.open(b'{', 0)?;
        let mut page = SearchPage { data: "", after: None };
        let mut first = true;
        while r.next_key(first)? {
            first = false;
            let key = r.string()?;
            r.expect(b':')?;
            let next = r.peek_required()?;
            let start = r.pos;
            let wrong = |field| DecodeError { kind: DecodeErrorKind::InvalidType, offset: start, field: Some(field) };
            // Keys compared as written (an escaped key is another key).
            let key = if key.escaped { "" } else { key.raw };
            if next == b'n' {
                // `null`: absent, as serde reads an `Option`.
                r.literal(b"null")?;
            } else if key == "data" {
                if next != b'[' {
                    return Err(wrong("data"));
                }
                let at = r.pos;
                r.skip_value(1)?;
                page.data = r.text_between(at, r.pos).ok_or(DecodeError::new(DecodeErrorKind::InvalidUtf8, at))?;
            } else if key == "after" {
                if next != b'"' {
                    return Err(wrong("after"));
                }
                let s = r.string()?;
                page.after = Some(s.text());
            } else {
                r.skip_value(1)?;
            }
        }
        if r.peek_token().is_some() {
            return Err(r.error(DecodeErrorKind::TrailingCharacters));
        }
        Ok(page)
    }

    /// The next page's cursor, raw as the server wrote it: JSON string content, escapes
    /// not decoded (`None` on the last page). To send it back, wrap it with
    /// [`Text::from_json_content`] (or use [`after_text`](Self::after_text)): as a
    /// plain string the encoder would escape its escapes a second time.
    pub fn after(&self) -> Option<&'a str> {
        self.after.map(|t| t.raw())
    }

    /// The next page's cursor as a [`Text`] (escapes decoded when read or written
    /// again): what a request's [`Cursor`](crate::request::Cursor) takes.
    pub fn after_text(&self) -> Option<Text<'a>> {
        self.after
    }

    /// The raw payment intents of `data`, each one JSON value (decode each with a
    /// summary or full decoder).
    pub fn items(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        // Checked by `read`: no error can occur on the way (one ends the items).
        let mut r = Reader::from_text(self.data);
        let mut first = true;
        let mut open = r.open(b'[', 0).is_ok();
        core::iter::from_fn(move || {
            if !open || !r.next_element(first).ok()? {
                open = false;
                return None;
            }
            first = false;
            r.skip_ws();
            let start = r.pos;
            r.skip_value(1).ok()?;
            r.input.get(start..r.pos)
        })
    }
}

/// Whether the raw payment intent `item` has, among its own (top-level) fields,
/// `"reference"` equal to `reference` once its JSON escapes are decoded (spaces around
/// the colon allowed): the real API (ASP.NET) writes `&`, `'`, `<`, `>`, `+` and every
/// non-ASCII character as `\uXXXX`, so the text is compared, not its encoding. A
/// `"reference"` inside a nested object is not the intent's.
#[inline(never)]
pub fn has_reference(item: &[u8], reference: &str) -> bool {
    let mut r = Reader::new(item);
    if r.open(b'{', 0).is_err() {
        return false;
    }
    let mut first = true;
    while let Ok(true) = r.next_key(first) {
        first = false;
        let Ok(key) = r.string() else { return false };
        if r.expect(b':').is_err() {
            return false;
        }
        if key.raw == "reference" && !key.escaped && r.peek_token() == Some(b'"') {
            let Ok(value) = r.string() else { return false };
            let text = value.text();
            if text == reference {
                return true;
            }
        } else if r.skip_value(1).is_err() {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{SearchPage, has_reference};
    use crate::json::Text;
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

    #[test]
    fn only_the_intents_own_reference_matches() {
        // A `"reference"` in a nested object (metadata, an event) is not the intent's.
        let nested = br#"{"id":"pi_1","metadata":{"reference":"Table 4"},"reference":"Other"}"#;
        assert!(!has_reference(nested, "Table 4"));
        assert!(has_reference(nested, "Other"));
        let in_array = br#"{"events":[{"reference":"Table 4"}],"x":["reference","Table 4"]}"#;
        assert!(!has_reference(in_array, "Table 4"));
        let as_value = br#"{"note":"\"reference\":\"Table 4\""}"#;
        assert!(!has_reference(as_value, "Table 4"), "inside a string");
        assert!(has_reference(br#"{"a":{"b":[1,{"c":2}]}, "reference" :"Table 4"}"#, "Table 4"));
        assert!(!has_reference(br#"{"reference":1,"x":"Table 4"}"#, "Table 4"));
        assert!(!has_reference(b"[1]", "Table 4"));
    }

    #[test]
    fn the_reference_matches_however_the_server_escapes_it() {
        let references =
            ["Table 4", "", "a\"b\\c", "tab\there\nnew\r\u{8}\u{c}", "\u{0}\u{1}\u{1f}\u{7f}", "café ☕ 𝄞", "<&'+`>"];
        for reference in references {
            // As dojo-core's encoder writes it.
            let mut quoted = [0u8; 2 + 6 * 240];
            let len = crate::json::to_slice(&reference, &mut quoted).unwrap();
            let content = core::str::from_utf8(&quoted[1..len - 1]).unwrap();
            let item = format!(r#"{{"reference":"{content}"}}"#);
            assert!(has_reference(item.as_bytes(), reference), "{reference:?}");
            for other in references.iter().filter(|&&o| o != reference) {
                assert!(!has_reference(item.as_bytes(), other), "{reference:?} is not {other:?}");
            }
            let longer = format!(r#"{{"reference":"{content}x"}}"#);
            assert!(!has_reference(longer.as_bytes(), reference));
            // As ASP.NET writes it: every character as `\uXXXX` (surrogate pairs past the BMP).
            let mut aspnet = std::string::String::new();
            for unit in reference.encode_utf16() {
                aspnet.push_str(&format!("\\u{unit:04X}"));
            }
            let item = format!(r#"{{"reference":"{aspnet}"}}"#);
            assert!(has_reference(item.as_bytes(), reference), "{reference:?} as {aspnet}");
        }
        // The escapes the real API writes for these characters.
        assert!(has_reference(
            br#"{"reference":"Smith \u0026 Co \u003C1\u003E \u0027a\u0027 1\u002B1"}"#,
            "Smith & Co <1> 'a' 1+1"
        ));
        assert!(has_reference(br#"{"reference":"caf\u00E9"}"#, "café"));
        assert!(has_reference(br#"{"reference":"\/"}"#, "/"));
        assert!(!has_reference(br#"{"reference":"caf\u00E9s"}"#, "café"));
        assert!(!has_reference(br#"{"reference":"caf"}"#, "café"));
    }

    #[test]
    fn a_cursor_with_escapes_goes_back_escaped_once() {
        use crate::request::{Cursor, SearchPaymentIntentsRequest};
        let page = SearchPage::read(br#"{"data":[],"after":"a\"b\\c"}"#).unwrap();
        assert_eq!(page.after(), Some(r#"a\"b\\c"#), "raw, as written");
        let text = page.after_text().unwrap();
        assert_eq!(text, r#"a"b\c"#);
        let body = |after| {
            let req = SearchPaymentIntentsRequest {
                statuses: None,
                start_date: None,
                end_date: None,
                cursor: Some(Cursor { limit: None, before: None, after: Some(after) }),
            };
            let mut buf = [0u8; 128];
            let n = req.write_lean(&mut buf).unwrap().unwrap();
            std::string::String::from_utf8(buf[..n].to_vec()).unwrap()
        };
        let sent = r#"{"cursor":{"after":"a\"b\\c"}}"#;
        assert_eq!(body(text), sent);
        // Kept raw (in a buffer across pages) and wrapped again: the same body.
        let kept = Text::from_json_content(page.after().unwrap()).unwrap();
        assert_eq!(body(kept), sent);
        // As a plain string it would go out escaped twice.
        assert_eq!(body(Text::new(page.after().unwrap())), r#"{"cursor":{"after":"a\\\"b\\\\c"}}"#);
    }

    #[test]
    fn json_content_is_checked_before_it_is_wrapped() {
        assert_eq!(Text::from_json_content("plain").unwrap().as_str(), Some("plain"));
        assert_eq!(Text::from_json_content(r#"a\nb\u00e9"#).unwrap(), "a\nb\u{e9}");
        for bad in [r#"a"b"#, r#"a\"#, r#"\x"#, r#"tab\u00"#, "ctl\u{1}", r#"\ud800"#] {
            assert!(Text::from_json_content(bad).is_none(), "{bad:?}");
        }
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
            r#"{"after":"bad escape \x"}"#,
            r#"{"data":[tru]}"#,
        ] {
            assert!(read(bad).is_none(), "{bad:?}");
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(65), "]".repeat(65));
        assert!(read(&deep).is_none(), "past MAX_DEPTH");
        let ok = format!("{{\"x\":{}{}}}", "[".repeat(63), "]".repeat(63));
        assert!(read(&ok).is_some());
        assert!(SearchPage::read(b"{\"data\":[\"\xff\"]}").is_err(), "invalid UTF-8, as serde refuses it");
    }
}
