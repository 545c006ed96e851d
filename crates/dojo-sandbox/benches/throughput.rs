//! Keep-alive throughput and latency of the sandbox on loopback: 32 connections (by
//! default), each sending requests back to back over one kept-alive HTTP/1.1 connection,
//! for a bounded time and count. Prints requests/s and p50/p99/max latency per scenario.
//!
//! `cargo bench -p dojo-sandbox --bench throughput` (env: `BENCH_SECS`, default 5;
//! `BENCH_CONNS`, default 32; `BENCH_CLIENT_THREADS`, the load generator's runtime threads,
//! default 2). The load generator shares the machine with the server, as
//! a kiosk test suite would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use dojo_sandbox::{Config, Sandbox, TestCard};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;

/// Upper bound on requests per connection, whatever the duration.
const MAX_PER_CONN: usize = 2_000_000;

#[derive(Clone)]
struct Scenario {
    name: &'static str,
    method: &'static str,
    path: String,
    body: &'static str,
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn connection(addr: String, s: Scenario, until: Instant) -> Vec<u32> {
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut lat = Vec::with_capacity(100_000);
    while Instant::now() < until && lat.len() < MAX_PER_CONN {
        let mut req = Request::builder()
            .method(s.method)
            .uri(&s.path)
            .header("host", &addr)
            .header("authorization", "Basic sk_sandbox_bench")
            .header("version", "2026-02-27");
        if !s.body.is_empty() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from_static(s.body.as_bytes()))).unwrap();
        let t = Instant::now();
        let resp = send.send_request(req).await.unwrap();
        assert!(resp.status().is_success(), "{} {}", s.name, resp.status());
        resp.into_body().collect().await.unwrap();
        lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    lat
}

fn run(rt: &tokio::runtime::Runtime, addr: &str, s: &Scenario, conns: usize, secs: u64) {
    // Warm up briefly, then measure.
    let warm = Instant::now() + Duration::from_millis(500);
    rt.block_on(async {
        let hs: Vec<_> = (0..conns).map(|_| tokio::spawn(connection(addr.to_owned(), s.clone(), warm))).collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let start = Instant::now();
    let until = start + Duration::from_secs(secs);
    let mut lat: Vec<u32> = rt.block_on(async {
        let hs: Vec<_> = (0..conns).map(|_| tokio::spawn(connection(addr.to_owned(), s.clone(), until))).collect();
        let mut all = Vec::new();
        for h in hs {
            all.extend(h.await.unwrap());
        }
        all
    });
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] as f64 / 1000.0;
    println!(
        "{:<28} {conns} conns  {:>8} requests in {elapsed:.2} s  {:>8.0} req/s  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        s.name,
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        *lat.last().unwrap() as f64 / 1000.0,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without
    // it, and then it only says how to run it.
    if !std::env::args().any(|a| a == "--bench") {
        println!("throughput: run with `cargo bench -p dojo-sandbox --bench throughput`");
        return;
    }
    let secs = env("BENCH_SECS", 5).clamp(1, 60);
    let conns = env("BENCH_CONNS", 32).clamp(1, 512) as usize;
    let sb = Sandbox::start(Config::default()).unwrap();
    let addr = sb.base_url().trim_start_matches("http://").to_owned();

    // One setup intent to read, authorized so its response carries card details.
    let client_threads = env("BENCH_CLIENT_THREADS", 2).clamp(1, 16) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(client_threads).enable_all().build().unwrap();
    let create = r#"{"reference":"Table 12, 8pm","terms":"No-show fee of \u00a310.00","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;
    let si = rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let req = Request::post("/setup-intents")
            .header("host", &addr)
            .header("authorization", "Basic sk_sandbox_bench")
            .header("version", "2026-02-27")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(create.as_bytes())))
            .unwrap();
        let body = send.send_request(req).await.unwrap().into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["id"].as_str().unwrap().to_owned()
    });
    sb.authorize_setup_intent(&si, TestCard::SUCCESS).unwrap();

    println!(
        "dojo-sandbox keep-alive benchmark ({} cores available)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let scenarios = [
        Scenario { name: "GET /setup-intents/{id}", method: "GET", path: format!("/setup-intents/{si}"), body: "" },
        Scenario { name: "POST /setup-intents", method: "POST", path: "/setup-intents".to_owned(), body: create },
    ];
    for s in &scenarios {
        run(&rt, &addr, s, conns, secs);
    }
}
