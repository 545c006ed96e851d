//! Property tests: no input makes any decoder panic, and a few structural properties of
//! the reader hold for arbitrary JSON.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::json::{DecodeErrorKind, Text, from_slice};
use dojo_core::problem::ProblemDetails;
use dojo_core::response::{ResponseKind, kind};
use proptest::prelude::*;

fn all_decoders(body: &[u8]) {
    let _ = kind::SetupIntentKind::decode_ok(body).map(|si| {
        // Touch the lazy parts too: iteration must not panic either.
        si.setup_events.map(|e| e.iter().count());
        si.metadata.map(|m| m.iter().count());
        si.reference.map(|r| r.to_string());
    });
    let _ = kind::PaymentIntentKind::decode_ok(body).map(|pi| {
        pi.captures.map(|c| c.iter().count());
        pi.payment_events.map(|e| e.iter().count());
    });
    let _ = kind::ChargeKind::decode_ok(body);
    let _ = kind::CaptureKind::decode_ok(body);
    let _ = kind::RefundKind::decode_ok(body);
    let _ = kind::ReversalKind::decode_ok(body);
    let _ = kind::PaymentIntentPageKind::decode_ok(body).map(|p| p.data.map(|d| d.iter().count()));
    let _ = ProblemDetails::decode(body).map(|p| {
        for (k, v) in p.errors.into_iter().flat_map(|e| e.iter()) {
            let _ = (k.to_string(), v.iter().count());
        }
        p.member("x");
    });
    let _ = dojo_core::response::decode::<kind::ChargeKind>(500, body).map_err(|e| e.to_string());
}

/// JSON-ish bytes: fragments of the real shapes glued at random, to get deep into the
/// decoders more often than uniform bytes would.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"id\"",
        "\"status\"",
        "\"si_sandbox_x\"",
        "\"Created\"",
        "\"Authorized\"",
        "\"intendedAmount\"",
        "\"value\"",
        "\"currencyCode\"",
        "\"GBP\"",
        "1000",
        "\"1000\"",
        "-1",
        "1.5",
        "1e3",
        "null",
        "true",
        "\"setupEvents\"",
        "\"eventType\"",
        "\"metadata\"",
        "\"errors\"",
        "\"data\"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\\"",
        "99999999999999999999",
        " ",
        "\"createdAt\"",
        "\"2026-03-02T09:12:10Z\"",
        "\"captures\"",
        "\"amount\"",
        "\"paymentIntentId\"",
        "\"Successful\"",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        all_decoders(&body);
    }

    #[test]
    fn jsonish_bytes_never_panic(body in jsonish()) {
        all_decoders(&body);
    }

    #[test]
    fn any_string_round_trips_through_the_writer(s in any::<String>()) {
        let mut buf = vec![0u8; s.len() * 12 + 2];
        #[allow(unused_mut)]
        let mut writers: Vec<fn(&str, &mut [u8]) -> usize> = vec![minimal];
        // The emulator's escaping, where it is built.
        #[cfg(feature = "aspnet-escaping")]
        writers.push(aspnet);
        for write in writers {
            let n = write(s.as_str(), &mut buf);
            let back: Text<'_> = from_slice(&buf[..n]).unwrap();
            prop_assert_eq!(back, s.as_str());
            prop_assert_eq!(back.to_string(), s.clone());
            // serde_json agrees on what we wrote.
            let theirs: String = serde_json::from_slice(&buf[..n]).unwrap();
            prop_assert_eq!(theirs, s.clone());
        }
    }

    #[test]
    fn serde_json_strings_decode_exactly(s in any::<String>()) {
        let json = serde_json::to_vec(&s).unwrap();
        let ours: Text<'_> = from_slice(&json).unwrap();
        prop_assert_eq!(ours, s.as_str());
        // Escape every char as \uXXXX (surrogate pairs included), as ASP.NET does for non-ASCII.
        let mut escaped = String::from("\"");
        for unit in s.encode_utf16() {
            escaped.push_str(&format!("\\u{unit:04X}"));
        }
        escaped.push('"');
        let ours: Text<'_> = from_slice(escaped.as_bytes()).unwrap();
        prop_assert_eq!(ours, s.as_str());
    }

    #[test]
    fn truncating_valid_json_is_always_an_error(depth in 1usize..32, cut_frac in 0.0f64..1.0) {
        let body = format!("{}{}{}", "{\"a\":[".repeat(depth), "1", "]}".repeat(depth));
        let cut = ((body.len() as f64) * cut_frac) as usize;
        let e = from_slice::<dojo_core::json::RawJson<'_>>(&body.as_bytes()[..cut]).unwrap_err();
        prop_assert!(matches!(e.kind, DecodeErrorKind::Truncated | DecodeErrorKind::Empty));
    }
}

/// `s` written as dojo-core sends it; the length used.
fn minimal(s: &str, buf: &mut [u8]) -> usize {
    dojo_core::json::to_slice(s, buf).unwrap()
}

/// `s` written with ASP.NET's escaping; the length used.
#[cfg(feature = "aspnet-escaping")]
fn aspnet(s: &str, buf: &mut [u8]) -> usize {
    dojo_core::json::to_slice_with(s, buf, dojo_core::json::Escaping::AspNet).unwrap()
}
