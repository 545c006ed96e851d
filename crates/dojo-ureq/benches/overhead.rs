//! This adapter's cost against raw ureq sending the same bytes to the emulator on
//! loopback, every row measured in one run, interleaved.
//!
//! Rows (each the request dojo-core built once, up front, sent through the client's own
//! `Agent`: the same keep-alive connection, resolver and transport):
//! - (a) raw ureq, reading the body's bytes only (`read_to_vec`);
//! - (b) raw ureq and dojo-core's decoder on the body, as the adapter decodes it: the
//!   same work as the adapter, done by hand;
//! - (b+, a create only) raw ureq and dojo-core building the request on every call (its
//!   body serialized and checked) and decoding the answer: all the adapter's work but its
//!   own;
//! - (c) raw ureq and serde_json into an owned struct of the same fields: what a caller of
//!   ureq alone would write;
//! - (d) dojo-ureq: builds the request with dojo-core, sends it, reads the body, decodes
//!   it once (on arrival; `get()` hands out that model), `Response` and `send_with`;
//! - (e) raw ureq through a stock ureq `Agent` with the same settings (ureq's own
//!   connector and resolver), bytes only.
//!
//! The adapter's overhead is d/b (the same work); d/a also counts the decode, which (a)
//! does not do. Each block runs every row `per_block` times, in turn, the order reversed
//! every other block (ABCD DCBA …), so drift on this shared machine hits every row alike;
//! the figures are each row's median per-op time over the blocks and, for each ratio, the
//! ratio of medians with the paired-block ratios' median and interquartile range.
//!
//! `cargo bench -p dojo-ureq --bench overhead` (`-- --quick` for a short run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

#[path = "common/raw.rs"]
mod raw;

use std::hint::black_box;
use std::time::Instant;

use dojo_core::request::{Api, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money};
use dojo_sandbox::{Config, Sandbox, TestCard};
use dojo_ureq::Client;
use raw::Then;

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn quartiles(v: &[f64]) -> (f64, f64) {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| v[((v.len() - 1) as f64 * f) as usize];
    (q(0.25), q(0.75))
}

struct Row<'a> {
    name: &'static str,
    run: Box<dyn FnMut() + 'a>,
}

/// Runs `rows` interleaved; prints each row's median, then `ratios` (row index over row
/// index). Returns nothing: the printout is the result.
fn group(label: &str, blocks: usize, per_block: usize, rows: &mut [Row<'_>], ratios: &[(usize, usize)]) {
    for row in rows.iter_mut() {
        for _ in 0..per_block {
            (row.run)();
        }
    }
    let mut us: Vec<Vec<f64>> = vec![Vec::with_capacity(blocks); rows.len()];
    let order: Vec<usize> = (0..rows.len()).collect();
    for block in 0..blocks {
        let forward = block.is_multiple_of(2);
        for k in 0..rows.len() {
            let i = if forward { order[k] } else { order[rows.len() - 1 - k] };
            let t = Instant::now();
            for _ in 0..per_block {
                (rows[i].run)();
            }
            us[i].push(t.elapsed().as_secs_f64() * 1e6 / per_block as f64);
        }
    }
    println!("{label} ({blocks} blocks of {per_block}, rows interleaved ABBA):");
    for (row, t) in rows.iter().zip(&us) {
        let (q1, q3) = quartiles(t);
        println!("  {:<44} {:>7.1} µs/op (IQR {q1:.1}–{q3:.1})", row.name, median(t));
    }
    for &(d, base) in ratios {
        let paired: Vec<f64> = us[d].iter().zip(&us[base]).map(|(x, y)| x / y).collect();
        let (q1, q3) = quartiles(&paired);
        let ratio = median(&us[d]) / median(&us[base]);
        println!(
            "  {} / {}: {ratio:.3} ({:+.1} %); paired-block median {:.3}, IQR {q1:.3}–{q3:.3}",
            rows[d].name.split(' ').next().unwrap_or(""),
            rows[base].name.split(' ').next().unwrap_or(""),
            (ratio - 1.0) * 100.0,
            median(&paired),
        );
    }
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
    // The same Agent, so the same keep-alive connection, resolver and transport. Raw ureq
    // is given the placeholder the client's transport swaps the key in for (the key
    // itself would not be swapped: the connector passes it through unchanged).
    let agent = client.agent().clone();
    // What a caller of ureq alone would build: the client's settings on ureq's own
    // connector and resolver.
    let stock = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(client.timeouts().connect))
        .timeout_global(Some(client.timeouts().call))
        .build()
        .new_agent();
    let headers = |r: &[(&str, &str)]| -> Vec<(String, String)> {
        r.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    };

    // GET /setup-intents/{id}
    let req = api.get_setup_intent(&id).unwrap();
    let url = format!("{}{}", sb.base_url(), req.path_and_query());
    let get_headers = headers(req.headers());
    let (a, g) = (&agent, (&url, &get_headers));
    group(
        "GET setup intent",
        blocks,
        per_block,
        &mut [
            Row { name: "a raw ureq, body bytes", run: Box::new(move || raw::call(a, g.0, g.1, None, Then::Bytes)) },
            Row {
                name: "b raw ureq + dojo-core decode",
                run: Box::new(move || raw::call(a, g.0, g.1, None, Then::DojoDecode)),
            },
            Row {
                name: "c raw ureq + serde_json owned",
                run: Box::new(move || raw::call(a, g.0, g.1, None, Then::SerdeJson)),
            },
            Row {
                name: "d dojo-ureq Response + get()",
                run: Box::new(|| {
                    let answer = client.get_setup_intent(&id).unwrap();
                    black_box(answer.get().status);
                }),
            },
            Row {
                name: "d' dojo-ureq send_with",
                run: Box::new(|| {
                    black_box(client.send_with(|api, _| api.get_setup_intent(&id), |si| si.status).unwrap());
                }),
            },
            Row {
                name: "e stock ureq Agent, body bytes",
                run: Box::new(|| raw::call(&stock, &url, &get_headers, None, Then::Bytes)),
            },
        ],
        &[(3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2), (3, 5)],
    );

    // POST /setup-intents (creates one per call on every row)
    let mut buf = [0u8; 1024];
    let req = api.create_setup_intent(&body, &mut buf).unwrap();
    let post_body = req.body(&buf).to_vec();
    let post_url = format!("{}{}", sb.base_url(), req.path_and_query());
    let post_headers = headers(req.headers());
    let p = (&post_url, &post_headers, &post_body[..]);
    group(
        "POST create setup intent",
        blocks / 2,
        per_block,
        &mut [
            Row {
                name: "a raw ureq, body bytes",
                run: Box::new(move || raw::call(a, p.0, p.1, Some(p.2), Then::Bytes)),
            },
            Row {
                name: "b raw ureq + dojo-core decode",
                run: Box::new(move || raw::call(a, p.0, p.1, Some(p.2), Then::DojoDecode)),
            },
            Row {
                name: "c raw ureq + serde_json owned",
                run: Box::new(move || raw::call(a, p.0, p.1, Some(p.2), Then::SerdeJson)),
            },
            Row {
                name: "b+ raw ureq + dojo-core build + decode",
                run: Box::new(|| raw::create(a, sb.base_url(), &api, &body, Then::DojoDecode)),
            },
            Row {
                name: "d dojo-ureq Response + get()",
                run: Box::new(|| {
                    let answer = client.create_setup_intent(&body).unwrap();
                    black_box(answer.get().status);
                }),
            },
            Row {
                name: "e stock ureq Agent, body bytes",
                run: Box::new(|| raw::call(&stock, &post_url, &post_headers, Some(&post_body), Then::Bytes)),
            },
        ],
        &[(4, 0), (4, 1), (4, 3), (4, 2), (4, 5)],
    );

    // The work without I/O, for scale: what dojo-ureq does to a GET besides moving bytes
    // is building the request (dojo-core) and decoding the answer once; what a create adds
    // is building (and checking) its body.
    let answer = client.get_setup_intent(&id).unwrap().into_body();
    let n = 200_000u32;
    let t = Instant::now();
    for _ in 0..n {
        let req = black_box(&api).get_setup_intent(black_box(&id)).unwrap();
        black_box(req.headers());
        black_box(req.decode(200, black_box(&answer)).unwrap().status);
    }
    println!(
        "work without I/O: build GET + decode {} bytes once: {:.2} µs/op over {n}",
        answer.len(),
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
    let t = Instant::now();
    for _ in 0..n {
        black_box(serde_json::from_slice::<raw::SetupIntent>(black_box(&answer)).unwrap());
    }
    println!(
        "work without I/O: serde_json owned decode of the same {} bytes: {:.2} µs/op over {n}",
        answer.len(),
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
    sb.shutdown();
}
