//! Tests of the JSON reader and writer against the shapes the real server sends.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Inner<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    count: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Outer<'a> {
    #[serde(borrow)]
    title: Option<Text<'a>>,
    #[serde(borrow)]
    inner: Option<Inner<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    list: Option<Items<'a, Inner<'a>>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    map: Option<Entries<'a, Text<'a>, Items<'a, Text<'a>>>>,
    flag: Option<bool>,
}

fn kind<T: core::fmt::Debug>(r: Result<T, DecodeError>) -> DecodeErrorKind {
    r.unwrap_err().kind
}

#[test]
fn decodes_nested_objects_lists_and_maps() {
    let body = br#"{"title":"Caf\u00e9 \u0026 Bar","inner":{"name":"x","count":3},
        "list":[{"name":"a"},{"name":"b\u002Bc","count":-1}],
        "map":{"reference":["is required","too \u003Clong\u003E"],"amount":[]},"flag":true}"#;
    let o: Outer<'_> = from_slice(body).unwrap();
    assert_eq!(o.title.unwrap(), "Café & Bar");
    assert_eq!(o.inner.unwrap().count, Some(3));
    let list = o.list.unwrap();
    assert_eq!(list.len(), 2);
    let names: Vec<String> = list.iter().map(|i| i.name.to_string()).collect();
    assert_eq!(names, ["a", "b+c"]);
    assert_eq!(list.iter().nth(1).unwrap().count, Some(-1));
    let map = o.map.unwrap();
    assert_eq!(map.len(), 2);
    let (k, v) = map.iter().next().unwrap();
    assert_eq!(k, "reference");
    assert_eq!(v.iter().nth(1).unwrap(), "too <long>");
    assert!(map.find(|k| *k == "amount").unwrap().is_empty());
    assert_eq!(o.flag, Some(true));
}

#[test]
fn skips_unknown_fields_at_any_depth_and_accepts_nulls() {
    let body = br#"{"unknown":{"a":[1,2,{"b":null}],"c":"\ud83d\ude00"},"title":null,"inner":{"name":"n","extra":[[[]]]},"zzz":1.5e10}"#;
    let o: Outer<'_> = from_slice(body).unwrap();
    assert!(o.title.is_none());
    assert_eq!(o.inner.unwrap().name, "n");
}

#[test]
fn deep_nesting_in_an_unknown_field_is_a_typed_error_not_a_stack_overflow() {
    // Run on a 64 KiB stack, as the issue demands.
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(|| {
            let mut body = b"{\"unknown\":".to_vec();
            body.extend(std::iter::repeat_n(b'[', 100_000));
            body.extend(std::iter::repeat_n(b']', 100_000));
            body.push(b'}');
            let e = from_slice::<Outer<'_>>(&body).unwrap_err();
            assert_eq!(e.kind, DecodeErrorKind::DepthLimit);
            // Deep nesting where a known field is expected.
            let mut body = b"{\"inner\":".to_vec();
            body.extend(std::iter::repeat_n(b'{', 100_000));
            let e = from_slice::<Outer<'_>>(&body).unwrap_err();
            assert!(matches!(e.kind, DecodeErrorKind::DepthLimit | DecodeErrorKind::Syntax), "{e:?}");
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn errors_are_typed_and_located() {
    assert_eq!(kind(from_slice::<Outer<'_>>(b"")), DecodeErrorKind::Empty);
    assert_eq!(kind(from_slice::<Outer<'_>>(b"  \n")), DecodeErrorKind::Empty);
    assert_eq!(kind(from_slice::<Outer<'_>>(b"<html><body>502 Bad Gateway</body></html>")), DecodeErrorKind::NotJson);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"title":"abc"#)), DecodeErrorKind::Truncated);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"title":"abc","#)), DecodeErrorKind::Truncated);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"title":"abc"} x"#)), DecodeErrorKind::TrailingCharacters);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"title":1}"#)), DecodeErrorKind::InvalidType);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"title":"\x"}"#)), DecodeErrorKind::InvalidEscape);
    assert_eq!(kind(from_slice::<Outer<'_>>(b"{\"title\":\"\xc3\x28\"}")), DecodeErrorKind::InvalidUtf8);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"inner":{"count":1}}"#)), DecodeErrorKind::MissingField);
    assert_eq!(kind(from_slice::<Outer<'_>>(br#"{"flag":true,"flag":false}"#)), DecodeErrorKind::DuplicateField);
    let e = from_slice::<Outer<'_>>(br#"{"inner":{"name":"a","count":1.5}}"#).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::NotAnInteger);
    assert_eq!(e.field, Some("count"));
    assert_eq!(e.offset, 29);
    let e = from_slice::<Outer<'_>>(br#"{"inner":{"name":"a","count":99999999999999999999}}"#).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::NumberOutOfRange);
    assert_eq!(e.field, Some("count"));
    let e = from_slice::<Outer<'_>>(br#"{"list":[{"name":"a"},{"name":7}]}"#).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::InvalidType, Some("name")));
}

#[test]
fn escaped_keys_match_fields() {
    let o: Outer<'_> = from_slice(br#"{"\u0074itle":"t"}"#).unwrap();
    assert_eq!(o.title.unwrap(), "t");
}

#[test]
fn writes_json_and_reports_the_size_needed() {
    let o = Outer {
        title: Some(Text::new("quote \" backslash \\ newline \n tab \t bell \u{7} é 😀 <&>")),
        inner: Some(Inner { name: Text::new("n"), count: Some(-42) }),
        list: None,
        map: None,
        flag: None,
    };
    let mut buf = [0u8; 256];
    let n = to_slice(&o, &mut buf).unwrap();
    let json = core::str::from_utf8(&buf[..n]).unwrap();
    assert_eq!(
        json,
        r#"{"title":"quote \" backslash \\ newline \n tab \t bell \u0007 é 😀 <&>","inner":{"name":"n","count":-42},"flag":null}"#
    );
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["title"], "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀 <&>");
    for size in [0, 1, n - 1] {
        let mut small = vec![0u8; size];
        assert_eq!(
            to_slice(&o, &mut small),
            Err(EncodeError::BufferTooSmall(crate::error::BufferTooSmall { needed: n }))
        );
    }
    let mut exact = vec![0u8; n];
    assert_eq!(to_slice(&o, &mut exact), Ok(n));
    // And it decodes back to the same value.
    let back: Outer<'_> = from_slice(&buf[..n]).unwrap();
    assert_eq!(back, o);
}

#[cfg(feature = "aspnet-escaping")]
#[test]
fn aspnet_escaping_matches_system_text_json() {
    let mut buf = [0u8; 128];
    let n = to_slice_with("Café & 'x' <b> + \"q\" 😀", &mut buf, Escaping::AspNet).unwrap();
    assert_eq!(
        core::str::from_utf8(&buf[..n]).unwrap(),
        r#""Caf\u00E9 \u0026 \u0027x\u0027 \u003Cb\u003E \u002B \u0022q\u0022 \uD83D\uDE00""#
    );
    let back: Text<'_> = from_slice(&buf[..n]).unwrap();
    assert_eq!(back, "Café & 'x' <b> + \"q\" 😀");
}

#[test]
fn lazy_lists_round_trip_through_the_writer() {
    let body = br#"{"list":[{"name":"a","count":1},{"name":"b","count":null}],"map":{"k":["v"]}}"#;
    let o: Outer<'_> = from_slice(body).unwrap();
    let mut buf = [0u8; 256];
    let n = to_slice(&o, &mut buf).unwrap();
    let again: Outer<'_> = from_slice(&buf[..n]).unwrap();
    assert_eq!(again, o);
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Closed {
    A,
}

#[test]
fn every_decode_error_kind_has_an_input_that_produces_it() {
    use DecodeErrorKind as K;
    fn outer(b: &[u8]) -> DecodeErrorKind {
        from_slice::<Outer<'_>>(b).unwrap_err().kind
    }
    let cases: [(K, DecodeErrorKind); 17] = [
        (K::Empty, outer(b"")),
        (K::Truncated, outer(b"{\"title\":")),
        (K::NotJson, outer(b"<!DOCTYPE html>")),
        (K::Syntax, outer(b"{\"title\" \"x\"}")),
        (K::DepthLimit, from_slice::<RawJson<'_>>("[".repeat(MAX_DEPTH + 1).as_bytes()).unwrap_err().kind),
        (K::InvalidUtf8, outer(b"{\"title\":\"\xc0\"}")),
        (K::InvalidEscape, outer(br#"{"title":"\uZZZZ"}"#)),
        (K::ControlCharacter, outer(b"{\"title\":\"a\tb\"}")),
        (
            K::TooLong,
            from_slice::<crate::id::PaymentIntentId>(format!("\"{}\"", "a".repeat(51)).as_bytes()).unwrap_err().kind,
        ),
        (K::NumberOutOfRange, outer(br#"{"inner":{"name":"a","count":-9223372036854775809}}"#)),
        (K::NotAnInteger, outer(br#"{"inner":{"name":"a","count":1e3}}"#)),
        (K::InvalidType, outer(br#"{"flag":"yes"}"#)),
        (K::InvalidValue, from_slice::<crate::time::Timestamp>(br#""2026-02-30T00:00:00Z""#).unwrap_err().kind),
        (K::MissingField, outer(br#"{"inner":{}}"#)),
        (K::DuplicateField, outer(br#"{"title":"a","title":"b"}"#)),
        (K::TrailingCharacters, outer(b"{} {}")),
        (K::Custom, from_slice::<Closed>(br#""B""#).unwrap_err().kind),
    ];
    for (want, got) in cases {
        assert_eq!(want, got);
    }
}

#[test]
fn unencodable_values_are_reported() {
    let mut buf = [0u8; 16];
    assert_eq!(to_slice(&f64::NAN, &mut buf), Err(EncodeError::Unsupported));
    let too_long = crate::enums::CaptureMode::parse(&"M".repeat(100));
    assert_eq!(to_slice(&too_long, &mut buf), Err(EncodeError::Unsupported));
    let mut map = std::collections::BTreeMap::new();
    map.insert(1u8, 2u8);
    assert_eq!(to_slice(&map, &mut buf), Err(EncodeError::Unsupported));
}

#[test]
fn decode_error_display_names_field_and_offset() {
    let e = from_slice::<Outer<'_>>(br#"{"inner":{"name":"a","count":1.5}}"#).unwrap_err();
    assert_eq!(e.to_string(), "fractional number where an integer belongs in `count` at byte 29");
}

#[test]
fn ids_and_currencies_decode_the_same_with_or_without_escapes() {
    use crate::id::PaymentIntentId;
    use crate::money::{Currency, Money};
    let plain: PaymentIntentId = from_slice(br#""pi_sandbox_abc-1""#).unwrap();
    let escaped: PaymentIntentId = from_slice(br#""pi\u005fsandbox_abc\u002d1""#).unwrap();
    assert_eq!(plain, escaped);
    assert_eq!(plain, "pi_sandbox_abc-1");
    let long = format!("\"{}\"", "a".repeat(51));
    assert_eq!(kind(from_slice::<PaymentIntentId>(long.as_bytes())), DecodeErrorKind::TooLong);
    let long_escaped = format!("\"\\u0061{}\"", "a".repeat(50));
    assert_eq!(kind(from_slice::<PaymentIntentId>(long_escaped.as_bytes())), DecodeErrorKind::TooLong);
    assert!(from_slice::<PaymentIntentId>(format!("\"{}\"", "a".repeat(50)).as_bytes()).is_ok());
    for bad in [&br#""pi/1""#[..], br#""""#, br#""pi\u002f1""#, br#""pi 1""#] {
        assert_eq!(kind(from_slice::<PaymentIntentId>(bad)), DecodeErrorKind::InvalidValue, "{bad:?}");
    }
    let m: Money = from_slice(br#"{"value":"12","currencyCode":"\u0047BP"}"#).unwrap();
    assert_eq!(m, Money::gbp(12));
    let m: Money = from_slice(br#"{"value":12,"currencyCode":"CHF"}"#).unwrap();
    assert_eq!(m.currency.as_str(), "CHF");
    assert_eq!(from_slice::<Currency>(br#""ABCDEFGHIJ""#).unwrap().as_str(), "ABCDEFGHIJ");
    assert_eq!(kind(from_slice::<Currency>(br#""ABCDEFGHIJK""#)), DecodeErrorKind::TooLong);
    assert_eq!(kind(from_slice::<Currency>(br#""\u0041BCDEFGHIJK""#)), DecodeErrorKind::TooLong);
}

#[test]
fn lazy_lists_report_a_syntax_error_anywhere_in_them_before_an_elements_own_error() {
    // An element's own error alone is reported with its field.
    let e = from_slice::<Outer<'_>>(br#"{"list":[{"name":1},{"name":"a"}]}"#).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::InvalidType, Some("name")));
    // A later syntax error, truncation or depth error in the same list wins, as if the
    // list had been checked whole first.
    let e = from_slice::<Outer<'_>>(br#"{"list":[{"name":1},{"name":"a"]}"#).unwrap_err();
    assert_eq!((e.kind, e.offset, e.field), (DecodeErrorKind::Syntax, 31, Some("list")));
    let e = from_slice::<Outer<'_>>(br#"{"list":[{"name":1},{"name":"a""#).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::Truncated, Some("list")));
    let deep = format!(r#"{{"list":[{{"name":1}},{}{}]}}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert_eq!(kind(from_slice::<Outer<'_>>(deep.as_bytes())), DecodeErrorKind::DepthLimit);
    let e = from_slice::<Outer<'_>>(br#"{"map":{"a":[1],"b":["\x"]}}"#).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::InvalidEscape, Some("map")));
    // The kept span is the whole list, brackets included.
    let o: Outer<'_> = from_slice(br#"{"list":[ {"name":"a"} , {"name":"b"} ] }"#).unwrap();
    assert_eq!(o.list.unwrap().raw_json(), br#"[ {"name":"a"} , {"name":"b"} ]"#);
    assert_eq!(o.list.unwrap().len(), 2);
}

/// A duplicate field is reported at its second key and a missing one at the closing
/// brace of the object that lacks it — not at byte 0 of the body (or of the enclosing
/// object), as before.
#[test]
fn duplicate_and_missing_fields_are_located_at_the_key() {
    let body = br#"{"title":"a",  "flag":true, "title":"b"}"#;
    let e = from_slice::<Outer<'_>>(body).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::DuplicateField, Some("title")));
    assert_eq!(e.offset, 28, "the second \"title\"");
    assert_eq!(body.get(e.offset..e.offset + 7), Some(&br#""title""#[..]));

    let body = br#"{"flag":true,"inner":{"count":1,  "count":2}}"#;
    let e = from_slice::<Outer<'_>>(body).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::DuplicateField, Some("count")));
    assert_eq!(e.offset, 34);

    let body = br#"{"flag":true,"inner":{"count":1 }, "title":"t"}"#;
    let e = from_slice::<Outer<'_>>(body).unwrap_err();
    assert_eq!((e.kind, e.field), (DecodeErrorKind::MissingField, Some("name")));
    assert_eq!(e.offset, 32, "the closing brace of \"inner\"");
    assert_eq!(body.get(e.offset), Some(&b'}'));

    // In a lazily decoded list, the element's own key.
    let body = br#"{"list":[{"name":"a"},{"name":"b","name":"c"}]}"#;
    let e = from_slice::<Outer<'_>>(body).unwrap_err();
    assert_eq!((e.kind, e.field, e.offset), (DecodeErrorKind::DuplicateField, Some("name"), 34));
}

#[test]
fn copy_to_copies_plain_text_as_it_is_and_decodes_json_content() {
    // A plain text's backslashes are characters, not escapes.
    let plain = Text::new("a\\u0041 caf\u{e9}");
    let mut buf = [0u8; 32];
    assert_eq!(plain.copy_to(&mut buf), Ok("a\\u0041 caf\u{e9}"));
    assert_eq!(plain.copy_to(&mut [0u8; 4]), Err(crate::error::BufferTooSmall { needed: 13 }));
    let json = Text::from_json_content("a\\u0041 caf\\u00E9 \\ud834\\udd1e").unwrap();
    assert_eq!(json.copy_to(&mut buf), Ok("aA caf\u{e9} \u{1d11e}"));
    assert_eq!(json.copy_to(&mut [0u8; 4]), Err(crate::error::BufferTooSmall { needed: 13 }));
    assert_eq!(Text::new("").copy_to(&mut []), Ok(""));
}
