//! dojo-core against serde_json (std, owned `String` fields) and serde-json-core (no_std,
//! borrowed `&str` fields, `heapless` collections) on the same shapes:
//! decoding a setup intent and a payment intent as the server sends them, a setup
//! intent's summary (the kiosk's poll: dojo-core's hand-written decoder, with its serde
//! path `from_slice::<SetupIntentSummary>` as `dojo_core_serde`), and encoding the create
//! requests. Prints each pair's ratio at the end (below 1.00: dojo-core is faster).
//!
//! serde-json-core is the baseline a no_std user would otherwise pick
//! (docs/decisions/own-json-codec.md). Its decode rows use `from_slice_escaped` with a
//! scratch buffer and fixed-capacity owned strings for the text fields that may hold
//! escapes, which is what it needs to decode the server's escapes at all; its collections
//! are `heapless` with room for the fixtures. It still does less than dojo-core: it keeps
//! timestamps and ids as strings and refuses surrogate pairs and string amounts.
//!
//! Run: `cargo bench -p dojo-core --bench vs_serde_json`
//!
//! Both sides have the same shapes: the serde_json structs carry every field of dojo-core's
//! models (the optional ones `Option`, skipped when absent on encoding), and the encoders
//! are checked to write the same bytes. The comparison still favours serde_json slightly:
//! dojo-core also parses every timestamp and validates ids and lazy lists while decoding,
//! where serde_json keeps strings as they are.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use dojo_core::json::{from_slice, to_slice};
use dojo_core::payment_intent::{PaymentIntent, PaymentIntentPage};
use dojo_core::request::{CreatePaymentIntentRequest, CreateSetupIntentRequest};
use dojo_core::response::{ResponseKind, kind};
use dojo_core::setup_intent::{SetupIntent, SetupIntentSummary};
use dojo_core::{MerchantInitiatedTransactionType, Money, SetupIntentId};
use serde::{Deserialize, Serialize};

/// Fixed capacities for serde-json-core's side (it cannot allocate).
type HVec<T, const N: usize> = heapless::Vec<T, N>;
type HMap<'a, const N: usize> = heapless::LinearMap<&'a str, &'a str, N>;
type HText<const N: usize> = heapless::String<N>;

const SETUP_INTENT: &[u8] = include_bytes!("../tests/fixtures/setup_intent_created.json");
const PAYMENT_INTENT: &[u8] = include_bytes!("../tests/fixtures/payment_intent_created.json");

/// How many payment intents the search page of the `decode_and_walk_page` case holds.
const PAGE_ITEMS: usize = 100;

/// A `POST /payment-intents/search` page of [`PAGE_ITEMS`] payment intents, each the
/// server's full payment intent.
fn search_page() -> Vec<u8> {
    let one = std::str::from_utf8(PAYMENT_INTENT).unwrap().trim();
    let items = vec![one; PAGE_ITEMS].join(",");
    format!(r#"{{"data":[{items}],"before":null,"after":"cursor_2"}}"#).into_bytes()
}

/// serde_json's page: an owned `Vec` of payment intents.
#[derive(Deserialize)]
#[allow(dead_code)]
struct SjPage {
    data: Option<Vec<SjPaymentIntent>>,
    before: Option<String>,
    after: Option<String>,
}

/// The summary's fields (serde_json skips the others).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjSetupIntentSummary {
    id: String,
    status: String,
    intended_amount: Option<SjMoney>,
    expire_at: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct SjMoney {
    value: i64,
    currency_code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjEvent {
    event_type: Option<String>,
    transaction_id: Option<String>,
    transaction_date_time: Option<String>,
    auth_code: Option<String>,
    card_number: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjSetupIntent {
    id: String,
    status: String,
    reference: Option<String>,
    description: Option<String>,
    terms: Option<String>,
    intended_amount: Option<SjMoney>,
    merchant_initiated_transaction_type: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    expire_at: Option<String>,
    client_session_secret: Option<String>,
    client_session_secret_expiration_date: Option<String>,
    payment_methods: Option<Vec<String>>,
    setup_events: Option<Vec<SjEvent>>,
    metadata: Option<HashMap<String, String>>,
    payment_source: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjCapture {
    id: Option<String>,
    amount: Option<i64>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjPaymentIntent {
    id: String,
    status: String,
    capture_mode: Option<String>,
    amount: Option<SjMoney>,
    total_amount: Option<SjMoney>,
    refunded_amount: Option<i64>,
    reference: Option<String>,
    description: Option<String>,
    setup_intent_id: Option<String>,
    card_holder_not_present: Option<bool>,
    client_session_secret: Option<String>,
    client_session_secret_expiration_date: Option<String>,
    payment_methods: Option<Vec<String>>,
    created_at: Option<String>,
    updated_at: Option<String>,
    expire_at: Option<String>,
    metadata: Option<HashMap<String, String>>,
    payment_link: Option<String>,
    payment_events: Option<Vec<SjEvent>>,
    captures: Option<Vec<SjCapture>>,
    payment_source: Option<String>,
}

/// A nested request object (customer, address, checkout config, …): always absent here.
type SjObject = Option<HashMap<String, String>>;

/// The same shape as dojo-core's `CreateSetupIntentRequest`: every field of the model,
/// the optional ones skipped when absent, as both sides write them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SjCreateSetupIntent {
    reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    merchant_initiated_transaction_type: String,
    terms: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    intended_amount: Option<SjMoney>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_methods: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_address: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_details: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_details: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_at: Option<String>,
}

/// The same shape as dojo-core's `CreatePaymentIntentRequest` (see above).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SjCreatePaymentIntent {
    amount: SjMoney,
    reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    setup_intent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tips_amount: Option<SjMoney>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_expire_in: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_expire_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_methods: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_address: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_details: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_security: SjObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_details: SjObject,
}

/// serde-json-core's setup intent: the same fields, borrowed where no escape can occur.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjcSetupIntent<'a> {
    id: &'a str,
    status: &'a str,
    reference: Option<HText<64>>,
    description: Option<HText<256>>,
    terms: Option<HText<512>>,
    #[serde(borrow)]
    intended_amount: Option<SjcMoney<'a>>,
    merchant_initiated_transaction_type: Option<&'a str>,
    created_at: Option<&'a str>,
    updated_at: Option<&'a str>,
    expire_at: Option<&'a str>,
    client_session_secret: Option<&'a str>,
    client_session_secret_expiration_date: Option<&'a str>,
    #[serde(borrow)]
    payment_methods: Option<HVec<&'a str, 8>>,
    #[serde(borrow)]
    setup_events: Option<HVec<SjcEvent<'a>, 8>>,
    #[serde(borrow)]
    metadata: Option<HMap<'a, 8>>,
    payment_source: Option<&'a str>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct SjcMoney<'a> {
    value: i64,
    currency_code: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjcEvent<'a> {
    event_type: Option<&'a str>,
    transaction_id: Option<&'a str>,
    transaction_date_time: Option<&'a str>,
    auth_code: Option<&'a str>,
    card_number: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjcCapture<'a> {
    id: Option<&'a str>,
    amount: Option<i64>,
    status: Option<&'a str>,
}

/// serde-json-core's payment intent (see [`SjcSetupIntent`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct SjcPaymentIntent<'a> {
    id: &'a str,
    status: &'a str,
    capture_mode: Option<&'a str>,
    #[serde(borrow)]
    amount: Option<SjcMoney<'a>>,
    #[serde(borrow)]
    total_amount: Option<SjcMoney<'a>>,
    refunded_amount: Option<i64>,
    reference: Option<HText<64>>,
    description: Option<HText<256>>,
    setup_intent_id: Option<&'a str>,
    card_holder_not_present: Option<bool>,
    client_session_secret: Option<&'a str>,
    client_session_secret_expiration_date: Option<&'a str>,
    #[serde(borrow)]
    payment_methods: Option<HVec<&'a str, 8>>,
    created_at: Option<&'a str>,
    updated_at: Option<&'a str>,
    expire_at: Option<&'a str>,
    #[serde(borrow)]
    metadata: Option<HMap<'a, 8>>,
    payment_link: Option<&'a str>,
    #[serde(borrow)]
    payment_events: Option<HVec<SjcEvent<'a>, 8>>,
    #[serde(borrow)]
    captures: Option<HVec<SjcCapture<'a>, 8>>,
    payment_source: Option<&'a str>,
}

/// A nested request object: always absent here.
type SjcObject<'a> = Option<HMap<'a, 4>>;

/// serde-json-core's `CreateSetupIntentRequest` (the same shape as [`SjCreateSetupIntent`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SjcCreateSetupIntent<'a> {
    reference: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    merchant_initiated_transaction_type: &'a str,
    terms: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    intended_amount: Option<SjcMoney<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_mode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_methods: Option<HVec<&'a str, 4>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_address: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_details: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_details: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_at: Option<&'a str>,
}

/// serde-json-core's `CreatePaymentIntentRequest` (the same shape as [`SjCreatePaymentIntent`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SjcCreatePaymentIntent<'a> {
    amount: SjcMoney<'a>,
    reference: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_mode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    setup_intent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tips_amount: Option<SjcMoney<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_expire_in: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_expire_action: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_methods: Option<HVec<&'a str, 4>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_address: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shipping_details: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_security: SjcObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_details: SjcObject<'a>,
}

/// serde-json-core's decode of `body` (escapes decoded into `scratch`).
fn sjc_decode<'a, T: Deserialize<'a>>(body: &'a [u8], scratch: &mut [u8]) -> T {
    serde_json_core::from_slice_escaped::<T>(body, scratch).unwrap().0
}

const REFERENCE: &str = "Harbour Bistro | Booking for Table 12";
const TERMS: &str = "If you do not arrive within 30 minutes of your booking, we will charge a no-show fee of £10.00.";

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("criterion")
}

/// `DOJO_BENCH_ONLY=CASE DOJO_BENCH_N=N` runs one page case N times, prints the CPU time
/// per run (not wall time: robust on a loaded machine) and exits; also for counting
/// instructions (`valgrind --tool=cachegrind --cache-sim=no`; the difference between two
/// values of N, divided, is one run's cost). CASE is `page_dojo`, `page_check` or
/// `page_serde` (the search page), `pi_dojo` or `pi_serde_json_core` (one payment intent),
/// `summary_dojo` or `pi_summary_dojo` (the kiosk's summary decoders: a setup intent's and a
/// payment intent's).
fn count_only(case: &str, n: usize) {
    let page = search_page();
    for _ in 0..n {
        match case {
            "page_dojo" => {
                let p = from_slice::<PaymentIntentPage<'_>>(black_box(&page)).unwrap();
                for pi in p.data.unwrap() {
                    black_box(&pi.unwrap());
                }
            }
            "page_check" => {
                black_box(from_slice::<PaymentIntentPage<'_>>(black_box(&page)).unwrap());
            }
            "page_serde" => {
                let p = serde_json::from_slice::<SjPage>(black_box(&page)).unwrap();
                for pi in p.data.as_deref().unwrap() {
                    black_box(pi);
                }
            }
            "pi_dojo" => {
                black_box(from_slice::<PaymentIntent<'_>>(black_box(PAYMENT_INTENT)).unwrap());
            }
            "summary_dojo" => {
                black_box(kind::SetupIntentSummaryKind::decode_ok(black_box(SETUP_INTENT)).unwrap());
            }
            "pi_summary_dojo" => {
                black_box(kind::PaymentIntentSummaryKind::decode_ok(black_box(PAYMENT_INTENT)).unwrap());
            }
            "pi_serde_json_core" => {
                let mut scratch = [0u8; 512];
                black_box(sjc_decode::<SjcPaymentIntent<'_>>(black_box(PAYMENT_INTENT), &mut scratch).id);
            }
            other => panic!("unknown case {other}"),
        }
    }
}

/// This process's CPU time so far (user + system), in clock ticks (Linux `/proc`).
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Linux reports `/proc` CPU times in USER_HZ ticks, 100 per second on every mainstream
/// architecture.
fn clock_ticks_per_second() -> f64 {
    100.0
}

fn main() {
    if let Ok(case) = std::env::var("DOJO_BENCH_ONLY") {
        let n = std::env::var("DOJO_BENCH_N").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
        let before = cpu_ticks();
        count_only(&case, n);
        if let (Some(a), Some(b)) = (before, cpu_ticks()) {
            // CPU time (user + system) of this process, not wall time: time spent waiting
            // for a core on a loaded machine is not counted.
            let per = (b - a) as f64 * 1e9 / clock_ticks_per_second() / n as f64;
            println!("{case}: {n} runs, {:.0} ns of CPU time each", per);
        }
        return;
    }
    let mut c = Criterion::default()
        .output_directory(&out_dir())
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    let mut g = c.benchmark_group("decode_setup_intent");
    g.bench_function("dojo_core", |b| b.iter(|| from_slice::<SetupIntent<'_>>(black_box(SETUP_INTENT)).unwrap()));
    g.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<SjSetupIntent>(black_box(SETUP_INTENT)).unwrap())
    });
    let mut scratch = [0u8; 512];
    g.bench_function("serde_json_core", |b| {
        b.iter(|| black_box(sjc_decode::<SjcSetupIntent<'_>>(black_box(SETUP_INTENT), &mut scratch)).id)
    });
    g.finish();

    let mut g = c.benchmark_group("decode_payment_intent");
    g.bench_function("dojo_core", |b| b.iter(|| from_slice::<PaymentIntent<'_>>(black_box(PAYMENT_INTENT)).unwrap()));
    g.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<SjPaymentIntent>(black_box(PAYMENT_INTENT)).unwrap())
    });
    g.bench_function("serde_json_core", |b| {
        b.iter(|| black_box(sjc_decode::<SjcPaymentIntent<'_>>(black_box(PAYMENT_INTENT), &mut scratch)).id)
    });
    g.finish();

    // A page decoded and then walked, element by element (what a caller does with it):
    // dojo-core's lazy `Items` against serde_json's owned `Vec`.
    let page = search_page();
    let mut g = c.benchmark_group("decode_and_walk_page");
    g.bench_function("dojo_core", |b| {
        b.iter(|| {
            let p = from_slice::<PaymentIntentPage<'_>>(black_box(&page)).unwrap();
            let mut n = 0;
            for pi in p.data.unwrap() {
                black_box(&pi.unwrap());
                n += 1;
            }
            assert_eq!(n, PAGE_ITEMS);
        })
    });
    // The share of the above that checks the page (syntax, depth, count) before any record
    // is decoded.
    g.bench_function("dojo_core_check_only", |b| {
        b.iter(|| from_slice::<PaymentIntentPage<'_>>(black_box(&page)).unwrap())
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            let p = serde_json::from_slice::<SjPage>(black_box(&page)).unwrap();
            let mut n = 0;
            for pi in p.data.as_deref().unwrap() {
                black_box(pi);
                n += 1;
            }
            assert_eq!(n, PAGE_ITEMS);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("decode_setup_intent_summary");
    g.bench_function("dojo_core", |b| {
        b.iter(|| kind::SetupIntentSummaryKind::decode_ok(black_box(SETUP_INTENT)).unwrap())
    });
    g.bench_function("dojo_core_serde", |b| {
        b.iter(|| from_slice::<SetupIntentSummary>(black_box(SETUP_INTENT)).unwrap())
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<SjSetupIntentSummary>(black_box(SETUP_INTENT)).unwrap())
    });
    g.finish();

    let si =
        CreateSetupIntentRequest::new(REFERENCE, TERMS, MerchantInitiatedTransactionType::NoShow, Money::gbp(1000));
    let sj_si = SjCreateSetupIntent {
        reference: REFERENCE.into(),
        description: None,
        merchant_initiated_transaction_type: "NoShow".into(),
        terms: TERMS.into(),
        intended_amount: Some(SjMoney { value: 1000, currency_code: "GBP".into() }),
        capture_mode: None,
        payment_methods: None,
        customer: None,
        billing_address: None,
        shipping_details: None,
        config: None,
        metadata: None,
        order_details: None,
        expire_at: None,
    };
    let mut buf = [0u8; 1024];
    let mut vec = Vec::with_capacity(1024);
    let n = to_slice(&si, &mut buf).unwrap();
    assert_eq!(&buf[..n], serde_json::to_vec(&sj_si).unwrap().as_slice());
    let sjc_si = SjcCreateSetupIntent {
        reference: REFERENCE,
        description: None,
        merchant_initiated_transaction_type: "NoShow",
        terms: TERMS,
        intended_amount: Some(SjcMoney { value: 1000, currency_code: "GBP" }),
        capture_mode: None,
        payment_methods: None,
        customer: None,
        billing_address: None,
        shipping_details: None,
        config: None,
        metadata: None,
        order_details: None,
        expire_at: None,
    };
    let mut sjc_buf = [0u8; 1024];
    let m = serde_json_core::to_slice(&sjc_si, &mut sjc_buf).unwrap();
    assert_eq!(&buf[..n], &sjc_buf[..m]);
    let mut g = c.benchmark_group("encode_create_setup_intent");
    g.bench_function("dojo_core", |b| b.iter(|| to_slice(black_box(&si), &mut buf).unwrap()));
    g.bench_function("serde_json_core", |b| {
        b.iter(|| serde_json_core::to_slice(black_box(&sjc_si), &mut sjc_buf).unwrap())
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            vec.clear();
            serde_json::to_writer(&mut vec, black_box(&sj_si)).unwrap();
            vec.len()
        })
    });
    g.finish();

    let setup_intent = SetupIntentId::new("si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").unwrap();
    let pi = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), setup_intent);
    let sj_pi = SjCreatePaymentIntent {
        amount: SjMoney { value: 1000, currency_code: "GBP".into() },
        reference: "No-show Table 12".into(),
        description: None,
        capture_mode: None,
        setup_intent_id: Some(setup_intent.as_str().into()),
        tips_amount: None,
        auto_expire_in: None,
        auto_expire_action: None,
        expire_at: None,
        payment_methods: None,
        customer: None,
        billing_address: None,
        shipping_details: None,
        config: None,
        metadata: None,
        request_security: None,
        order_details: None,
    };
    // Both sides must write the same bytes, or the comparison means nothing.
    let n = to_slice(&pi, &mut buf).unwrap();
    assert_eq!(&buf[..n], serde_json::to_vec(&sj_pi).unwrap().as_slice());
    let sjc_pi = SjcCreatePaymentIntent {
        amount: SjcMoney { value: 1000, currency_code: "GBP" },
        reference: "No-show Table 12",
        description: None,
        capture_mode: None,
        setup_intent_id: Some(setup_intent.as_str()),
        tips_amount: None,
        auto_expire_in: None,
        auto_expire_action: None,
        expire_at: None,
        payment_methods: None,
        customer: None,
        billing_address: None,
        shipping_details: None,
        config: None,
        metadata: None,
        request_security: None,
        order_details: None,
    };
    let m = serde_json_core::to_slice(&sjc_pi, &mut sjc_buf).unwrap();
    assert_eq!(&buf[..n], &sjc_buf[..m]);
    let mut g = c.benchmark_group("encode_create_payment_intent");
    g.bench_function("dojo_core", |b| b.iter(|| to_slice(black_box(&pi), &mut buf).unwrap()));
    g.bench_function("serde_json_core", |b| {
        b.iter(|| serde_json_core::to_slice(black_box(&sjc_pi), &mut sjc_buf).unwrap())
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            vec.clear();
            serde_json::to_writer(&mut vec, black_box(&sj_pi)).unwrap();
            vec.len()
        })
    });
    g.finish();

    c.final_summary();
    print_ratios();
}

fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let path = out_dir().join(group).join(function).join("new").join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn print_ratios() {
    println!(
        "\n{:<32} {:>12} {:>12} {:>8} {:>16} {:>8}",
        "benchmark", "dojo-core", "serde_json", "ratio", "serde_json_core", "ratio"
    );
    for group in [
        "decode_setup_intent",
        "decode_payment_intent",
        "decode_and_walk_page",
        "decode_setup_intent_summary",
        "encode_create_setup_intent",
        "encode_create_payment_intent",
    ] {
        match (mean_ns(group, "dojo_core"), mean_ns(group, "serde_json")) {
            (Some(ours), Some(theirs)) => {
                let core = match mean_ns(group, "serde_json_core") {
                    Some(c) => format!("{c:>14.0}ns {:>8.2}", ours / c),
                    None => format!("{:>16} {:>8}", "-", "-"),
                };
                println!("{group:<32} {:>10.0}ns {:>10.0}ns {:>8.2} {core}", ours, theirs, ours / theirs);
            }
            _ => println!("{group:<32} (not measured in this run)"),
        }
    }
    if let (Some(direct), Some(serde)) =
        (mean_ns("decode_setup_intent_summary", "dojo_core"), mean_ns("decode_setup_intent_summary", "dojo_core_serde"))
    {
        println!(
            "summary: hand-written decoder {direct:.0}ns, dojo-core's serde path {serde:.0}ns, ratio {:.2}",
            direct / serde
        );
    }
}
