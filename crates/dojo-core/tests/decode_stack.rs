//! How much stack each decoder needs, measured by stack painting: a deep frame fills the
//! stack below the caller with a pattern, the decoder runs in that same region, and the
//! lowest byte it changed gives its peak depth. Run on a thread of its own (1 MiB, so the
//! painting itself never overflows), in whatever profile the tests are built in — the
//! dev profile by default (unoptimised, as firmware is often flashed), where frames are
//! largest.
//!
//! `cargo test -p dojo-core --test decode_stack -- --nocapture` prints the figures.
//!
//! Asserted: the summaries (the documented kiosk path) and the charge's answer fit
//! 8 KiB in the dev profile; everything fits 64 KiB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;

use dojo_core::json::from_slice;
use dojo_core::payment_intent::{PaymentIntent, PaymentIntentPage};
use dojo_core::problem::ProblemDetails;
use dojo_core::response::{ResponseKind, kind};
use dojo_core::setup_intent::{SetupIntent, SetupIntentSummary};

const SETUP_INTENT: &[u8] = include_bytes!("fixtures/setup_intent_created.json");
const PAYMENT_INTENT: &[u8] = include_bytes!("fixtures/payment_intent_captured.json");
const CHARGE: &[u8] = include_bytes!("fixtures/charge_successful.json");
const PROBLEM: &[u8] = include_bytes!("fixtures/problem_validation.json");
const PAGE: &[u8] = include_bytes!("fixtures/search_page.json");

/// The painted region: far more than any decoder needs.
const PAINT: usize = 256 * 1024;
const PATTERN: u8 = 0xA5;

/// Fills `PAINT` bytes of stack below the caller with the pattern; returns the lowest
/// address painted.
#[inline(never)]
fn paint() -> usize {
    let mut region = [0u8; PAINT];
    for b in region.iter_mut() {
        // SAFETY: a write to our own local array; volatile so it is not optimised away.
        unsafe { std::ptr::write_volatile(b, PATTERN) };
    }
    black_box(&region).as_ptr() as usize
}

/// The bytes between `low` and `top` that are no longer the pattern, counted from the
/// lowest changed one up to `top`.
#[inline(never)]
fn used(low: usize, top: usize) -> usize {
    for addr in low..top {
        // SAFETY: reads stack memory of this thread between the painted region's bottom
        // and the measuring frame: mapped, and written by `paint` before. (Formally
        // outside any live Rust allocation; this is a measuring test, run unoptimised.)
        let byte = unsafe { std::ptr::read_volatile(addr as *const u8) };
        if byte != PATTERN {
            return top - addr;
        }
    }
    0
}

/// The peak stack depth of `f` below this frame, in bytes.
#[inline(never)]
fn peak_stack(f: fn() -> bool) -> usize {
    let marker = 0u8;
    let top = black_box(&marker) as *const u8 as usize;
    let low = paint();
    assert!(low < top && top - low >= PAINT);
    let f = black_box(f);
    assert!(f(), "the decode succeeded");
    used(low, top)
}

fn measure(f: fn() -> bool) -> usize {
    std::thread::Builder::new().stack_size(1 << 20).spawn(move || peak_stack(f)).unwrap().join().unwrap()
}

/// A decoder to measure: its name, and a call that says whether it decoded.
type Case = (&'static str, fn() -> bool);

fn cases() -> Vec<Case> {
    vec![
        ("SetupIntentSummary (hand-written, the kiosk's poll)", || {
            kind::SetupIntentSummaryKind::decode_ok(black_box(SETUP_INTENT)).is_ok()
        }),
        ("PaymentIntentSummary (hand-written)", || {
            kind::PaymentIntentSummaryKind::decode_ok(black_box(PAYMENT_INTENT)).is_ok()
        }),
        ("ChargeResponse (hand-written)", || kind::ChargeKind::decode_ok(black_box(CHARGE)).is_ok()),
        ("SetupIntentSummary (serde path, from_slice)", || {
            from_slice::<SetupIntentSummary>(black_box(SETUP_INTENT)).is_ok()
        }),
        ("ProblemDetails", || from_slice::<ProblemDetails<'_>>(black_box(PROBLEM)).is_ok()),
        ("SetupIntent (full)", || from_slice::<SetupIntent<'_>>(black_box(SETUP_INTENT)).is_ok()),
        ("PaymentIntent (full)", || from_slice::<PaymentIntent<'_>>(black_box(PAYMENT_INTENT)).is_ok()),
        ("PaymentIntentPage (decode + walk)", || {
            let page = from_slice::<PaymentIntentPage<'_>>(black_box(PAGE)).unwrap();
            page.data.unwrap().iter().all(|r| black_box(r).is_ok())
        }),
    ]
}

#[test]
fn decoders_stack_figures() {
    let profile = if cfg!(debug_assertions) { "dev" } else { "release" };
    // The painting must see a decoder's frames: a trivial call uses little, a real one more.
    let trivial = measure(|| black_box(true));
    println!("peak stack per decode ({profile} profile, stack painting; the measuring call alone: {trivial} bytes):");
    let mut figures = Vec::new();
    for (name, f) in cases() {
        let bytes = measure(f);
        println!("  {name:<52} {bytes:>7} bytes ({:.1} KiB)", bytes as f64 / 1024.0);
        assert!(bytes > trivial, "{name}: measured nothing");
        figures.push((name, bytes));
    }
    for (name, bytes) in &figures {
        assert!(*bytes < 64 * 1024, "{name}: {bytes} bytes");
    }
}

/// Bodies that take the summaries' longest paths: escaped keys and values (the scratch
/// buffers), amounts as escaped strings, deep unknown values to skip, and errors.
const HOSTILE_SUMMARIES: &[&[u8]] = &[
    br#"{"x":[[[[{"a":{"b":[1,2,{"c":"A"}]}}]]]],"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Created","intendedAmount":{"value":"10","currencyCode":"GBP"},"expireAt":"2026-03-09T09:12:10.479Z"}"#,
    br#"{"id":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","status":"Captured","amount":{"value":99999999999999999999999,"currencyCode":"GBP"}}"#,
    br#"{"id":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","status":"Captured","amount":{"value":1000,"currencyCode":"GBP","currencyCode":"EUR"}}"#,
    br#"{"id":"pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ","status":"Captured","setupIntentId":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","captureMode":"Auto","amount":{"value":"100","currencyCode":"GBP"}}"#,
];

/// The documented kiosk path (the summaries and the charge's answer, decoded by the
/// hand-written decoders) fits in 8 KiB of stack even unoptimised, on the fixtures and
/// on bodies that take the decoders' longest paths (valid or not).
#[test]
fn the_kiosk_path_fits_8_kib_in_the_dev_profile() {
    let mut worst = 0;
    for (name, f) in cases().into_iter().take(3) {
        let bytes = measure(f);
        assert!(bytes <= 8 * 1024, "{name}: {bytes} bytes of stack");
        worst = worst.max(bytes);
    }
    for (i, body) in HOSTILE_SUMMARIES.iter().enumerate() {
        for run in [
            // Valid or not, the decode runs to its end: only the depth matters here.
            (|b: &'static [u8]| {
                let _ = black_box(kind::SetupIntentSummaryKind::decode_ok(b));
                true
            }) as fn(&'static [u8]) -> bool,
            |b| {
                let _ = black_box(kind::PaymentIntentSummaryKind::decode_ok(b));
                true
            },
            |b| {
                let _ = black_box(kind::ChargeKind::decode_ok(b));
                true
            },
        ] {
            let bytes = measure_with(run, body);
            println!("hostile body {i}: {bytes} bytes");
            assert!(bytes <= 8 * 1024, "hostile body {i}: {bytes} bytes of stack");
            worst = worst.max(bytes);
        }
    }
    println!("the kiosk path's deepest decode: {worst} bytes");
}

/// [`peak_stack`] of `f(body)`.
#[inline(never)]
fn peak_stack_with(f: fn(&'static [u8]) -> bool, body: &'static [u8]) -> usize {
    let marker = 0u8;
    let top = black_box(&marker) as *const u8 as usize;
    let low = paint();
    let f = black_box(f);
    assert!(f(black_box(body)));
    used(low, top)
}

fn measure_with(f: fn(&'static [u8]) -> bool, body: &'static [u8]) -> usize {
    std::thread::Builder::new().stack_size(1 << 20).spawn(move || peak_stack_with(f, body)).unwrap().join().unwrap()
}
