//! This adapter's overhead against raw ureq sending the same bytes to the emulator on
//! loopback, as a ratio measured in one run.
//!
//! Both sides use one keep-alive `Agent` with the same configuration, the same URL,
//! headers and body (the raw side sends the bytes dojo-core built once, up front). The
//! adapter side does everything a caller gets: builds the request with dojo-core, sends
//! it, reads the body, decodes it (once on arrival, once more in `get()`). Rounds
//! alternate the two sides (ABAB…) so drift on this shared machine hits both alike; the
//! figure is the median of the per-round ratios.
//!
//! `cargo bench -p dojo-ureq --bench overhead` (`-- --quick` for a short run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use dojo_core::request::{Api, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money};
use dojo_sandbox::{Config, Sandbox, TestCard};
use dojo_ureq::Client;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

struct Side<'a> {
    name: &'static str,
    run: Box<dyn FnMut() + 'a>,
}

fn compare(label: &str, rounds: usize, per_round: usize, mut adapter: Side<'_>, mut raw: Side<'_>) {
    for _ in 0..per_round {
        (adapter.run)();
        (raw.run)();
    }
    let mut ratios = Vec::with_capacity(rounds);
    let (mut a_total, mut r_total) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        // Alternate which side goes first.
        let time = |side: &mut Side<'_>| {
            let t = Instant::now();
            for _ in 0..per_round {
                (side.run)();
            }
            t.elapsed()
        };
        let (a, r) = if round.is_multiple_of(2) {
            let a = time(&mut adapter);
            (a, time(&mut raw))
        } else {
            let r = time(&mut raw);
            (time(&mut adapter), r)
        };
        a_total += a;
        r_total += r;
        ratios.push(a.as_secs_f64() / r.as_secs_f64());
    }
    let n = (rounds * per_round) as f64;
    let mut sorted = ratios.clone();
    let med = median(&mut sorted);
    println!(
        "{label}: {} {:.1} µs/op, {} {:.1} µs/op; ratio median {:.3} (overhead {:+.1} %), min {:.3}, max {:.3} over {rounds} rounds of {per_round}",
        adapter.name,
        a_total.as_secs_f64() * 1e6 / n,
        raw.name,
        r_total.as_secs_f64() * 1e6 / n,
        med,
        (med - 1.0) * 100.0,
        sorted[0],
        sorted[sorted.len() - 1],
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, per_round) = if quick { (6, 200) } else { (20, 1000) };
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
    let raw_agent = agent();

    // GET /setup-intents/{id}
    let req = api.get_setup_intent(&id).unwrap();
    let url = format!("{}{}", sb.base_url(), req.path_and_query());
    let headers: Vec<(String, String)> =
        req.headers().iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    compare(
        "GET setup intent",
        rounds,
        per_round,
        Side {
            name: "dojo-ureq",
            run: Box::new(|| {
                let a = client.get_setup_intent(&id).unwrap();
                black_box(a.get().status);
            }),
        },
        Side {
            name: "raw ureq",
            run: Box::new(|| {
                let mut r = raw_agent.get(&url);
                for (n, v) in &headers {
                    r = r.header(n, v);
                }
                let mut resp = r.call().unwrap();
                black_box(resp.body_mut().read_to_vec().unwrap());
            }),
        },
    );

    // POST /setup-intents (creates one per call on both sides)
    let mut buf = [0u8; 1024];
    let req = api.create_setup_intent(&body, &mut buf).unwrap();
    let post_body = req.body(&buf).to_vec();
    let post_url = format!("{}{}", sb.base_url(), req.path_and_query());
    let post_headers: Vec<(String, String)> =
        req.headers().iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    let post_rounds = rounds / 2;
    compare(
        "POST create setup intent",
        post_rounds.max(2),
        per_round / 2,
        Side {
            name: "dojo-ureq",
            run: Box::new(|| {
                let a = client.create_setup_intent(&body).unwrap();
                black_box(a.get().status);
            }),
        },
        Side {
            name: "raw ureq",
            run: Box::new(|| {
                let mut r = raw_agent.post(&post_url);
                for (n, v) in &post_headers {
                    r = r.header(n, v);
                }
                let mut resp = r.send(&post_body[..]).unwrap();
                black_box(resp.body_mut().read_to_vec().unwrap());
            }),
        },
    );
    sb.shutdown();
}
