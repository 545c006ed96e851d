//! This adapter's overhead against raw ureq sending the same bytes to the emulator on
//! loopback, as a ratio measured in one run.
//!
//! The raw side sends the same URL, headers and body (the bytes dojo-core built once, up
//! front) through either the client's own `Agent` (so the same keep-alive connection,
//! resolver and transport: the difference is the adapter's own work) or a stock ureq
//! `Agent` with the same settings (what a caller of ureq alone gets). The adapter side
//! does everything a caller gets: builds the request with dojo-core, sends it, reads the
//! body, decodes it once (on arrival; `get()` hands out that model). Rounds
//! alternate the two sides in short blocks (ABBA…) so drift on this shared machine hits
//! both alike; the figure is the ratio of the two sides' median per-op times, with the
//! paired-block ratios' median and interquartile range beside it.
//!
//! `cargo bench -p dojo-ureq --bench overhead` (`-- --quick` for a short run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use dojo_core::request::{Api, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money};
use dojo_sandbox::{Config, Sandbox, TestCard};
use dojo_ureq::Client;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

struct Side<'a> {
    name: &'static str,
    run: Box<dyn FnMut() + 'a>,
}

fn compare(label: &str, blocks: usize, per_block: usize, mut adapter: Side<'_>, mut raw: Side<'_>) {
    for _ in 0..per_block {
        (adapter.run)();
        (raw.run)();
    }
    let time = |side: &mut Side<'_>| {
        let t = Instant::now();
        for _ in 0..per_block {
            (side.run)();
        }
        t.elapsed().as_secs_f64() * 1e6 / per_block as f64
    };
    let (mut a_us, mut r_us, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for block in 0..blocks {
        // Alternate which side goes first.
        let (a, r) = if block.is_multiple_of(2) {
            let a = time(&mut adapter);
            (a, time(&mut raw))
        } else {
            let r = time(&mut raw);
            (time(&mut adapter), r)
        };
        a_us.push(a);
        r_us.push(r);
        ratios.push(a / r);
    }
    let (a_med, r_med) = (median(&mut a_us), median(&mut r_us));
    let pair_med = median(&mut ratios);
    let q = |v: &[f64], f: f64| v[((v.len() - 1) as f64 * f) as usize];
    println!(
        "{label}: {} {a_med:.1} µs/op, {} {r_med:.1} µs/op (medians of {blocks} blocks of {per_block}); \
         ratio {:.3} (overhead {:+.1} %); paired-block ratio median {pair_med:.3}, IQR {:.3}–{:.3}",
        adapter.name,
        raw.name,
        a_med / r_med,
        (a_med / r_med - 1.0) * 100.0,
        q(&ratios, 0.25),
        q(&ratios, 0.75),
    );
}

/// The raw side: the request dojo-core built, sent straight through the same `Agent`
/// (a GET without `body`, a POST with it) and its answer read as the adapter reads it.
fn raw_call(agent: &ureq::Agent, url: &str, headers: &[(String, String)], body: Option<&[u8]>) {
    let mut resp = match body {
        None => headers.iter().fold(agent.get(url), |r, (n, v)| r.header(n, v)).call(),
        Some(body) => headers.iter().fold(agent.post(url), |r, (n, v)| r.header(n, v)).send(body),
    }
    .unwrap();
    black_box(resp.body_mut().with_config().limit(dojo_ureq::MAX_RESPONSE_BYTES).read_to_vec().unwrap());
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (blocks, per_block) = if quick { (20, 50) } else { (200, 100) };
    let sb = Sandbox::start(Config::default()).unwrap();
    let key = ApiKey::new("sk_sandbox_bench").unwrap();
    let client = Client::builder(key.clone()).base_url(sb.base_url()).build().unwrap();

    let body = CreateSetupIntentRequest::new(
        "Table 12, 8pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let si = client.create_setup_intent(&body).unwrap();
    let id = si.get().id;
    sb.authorize_setup_intent(id.as_str(), TestCard::SUCCESS).unwrap();

    let api = Api::new(&key);
    // The same Agent, so the same keep-alive connection, resolver and transport: only the
    // adapter's work differs.
    let raw_agent = client.agent().clone();
    // What a caller of ureq alone would build: the client's settings on ureq's own
    // connector and resolver.
    let stock = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(client.timeouts().connect))
        .timeout_global(Some(client.timeouts().call))
        .build()
        .new_agent();

    // GET /setup-intents/{id}
    let req = api.get_setup_intent(&id).unwrap();
    let url = format!("{}{}", sb.base_url(), req.path_and_query());
    let headers: Vec<(String, String)> =
        req.headers().iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    compare(
        "GET setup intent",
        blocks,
        per_block,
        Side {
            name: "dojo-ureq",
            run: Box::new(|| {
                let a = client.get_setup_intent(&id).unwrap();
                black_box(a.get().status);
            }),
        },
        Side { name: "raw ureq", run: Box::new(|| raw_call(&raw_agent, &url, &headers, None)) },
    );
    compare(
        "GET setup intent vs a stock ureq Agent",
        blocks / 2,
        per_block,
        Side {
            name: "dojo-ureq",
            run: Box::new(|| {
                let a = client.get_setup_intent(&id).unwrap();
                black_box(a.get().status);
            }),
        },
        Side { name: "stock ureq", run: Box::new(|| raw_call(&stock, &url, &headers, None)) },
    );

    compare(
        "GET setup intent, send_with",
        blocks / 2,
        per_block,
        Side {
            name: "dojo-ureq send_with",
            run: Box::new(|| {
                black_box(client.send_with(|api, _| api.get_setup_intent(&id), |si| si.status).unwrap());
            }),
        },
        Side { name: "raw ureq", run: Box::new(|| raw_call(&raw_agent, &url, &headers, None)) },
    );

    // POST /setup-intents (creates one per call on both sides)
    let mut buf = [0u8; 1024];
    let req = api.create_setup_intent(&body, &mut buf).unwrap();
    let post_body = req.body(&buf).to_vec();
    let post_url = format!("{}{}", sb.base_url(), req.path_and_query());
    let post_headers: Vec<(String, String)> =
        req.headers().iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    compare(
        "POST create setup intent",
        blocks / 2,
        per_block,
        Side {
            name: "dojo-ureq",
            run: Box::new(|| {
                let a = client.create_setup_intent(&body).unwrap();
                black_box(a.get().status);
            }),
        },
        Side { name: "raw ureq", run: Box::new(|| raw_call(&raw_agent, &post_url, &post_headers, Some(&post_body))) },
    );
    compare(
        "POST create setup intent vs a stock ureq Agent",
        blocks / 2,
        per_block,
        Side {
            name: "dojo-ureq",
            run: Box::new(|| {
                let a = client.create_setup_intent(&body).unwrap();
                black_box(a.get().status);
            }),
        },
        Side { name: "stock ureq", run: Box::new(|| raw_call(&stock, &post_url, &post_headers, Some(&post_body))) },
    );
    // The adapter's own work without I/O, for scale: what dojo-ureq adds to a GET besides
    // moving bytes is building the request (dojo-core) and decoding the answer once (on
    // arrival; `Response::get()` hands out that model).
    let answer = client.get_setup_intent(&id).unwrap().into_body();
    let n = 200_000u32;
    let t = Instant::now();
    for _ in 0..n {
        let req = black_box(&api).get_setup_intent(black_box(&id)).unwrap();
        black_box(req.headers());
        black_box(req.decode(200, black_box(&answer)).unwrap().status);
    }
    println!(
        "adapter work without I/O (build GET + decode {} bytes once): {:.2} µs/op over {n}",
        answer.len(),
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
    sb.shutdown();
}
