//! One side of the overhead benchmark, alone, for instruction counts and syscall traces
//! (the emulator runs in another process, so only the client is measured):
//!
//! ```text
//! dojo-sandbox --port 0                       # prints BASE
//! overhead_probe BASE MODE N                  # MODE: get | send-with | post (dojo-ureq)
//!                                             #   | raw-get | raw-post (raw ureq, body bytes only)
//!                                             #   | raw-get-dojo | raw-post-dojo (+ dojo-core's decode)
//!                                             #   | raw-get-serde | raw-post-serde (+ serde_json, owned)
//!                                             #   | raw-post-build (+ dojo-core's build and decode)
//!                                             #   | stock-get | stock-post (a stock ureq Agent)
//! valgrind --tool=callgrind overhead_probe BASE get 1000   # and 2000: the difference / 1000
//! strace -c -f overhead_probe BASE get 1000
//! ```
//!
//! Each mode makes one warm-up call (a connection, an authorized setup intent to read),
//! then N calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

#[path = "../benches/common/raw.rs"]
mod raw;

use std::hint::black_box;

use dojo_core::request::{Api, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money};
use dojo_ureq::Client;
use raw::Then;

/// What a caller of ureq alone would build: the client's settings on ureq's own
/// connector and resolver.
fn stock_agent() -> ureq::Agent {
    let t = dojo_ureq::Timeouts::default();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(t.connect))
        .timeout_global(Some(t.call))
        .build()
        .into()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, mode, n) = (&args[1], args[2].as_str(), args[3].parse::<u32>().unwrap());
    let key = ApiKey::new("sk_sandbox_bench").unwrap();
    let client = Client::builder(key.clone()).base_url(base).build().unwrap();
    let body = CreateSetupIntentRequest::new(
        "Table 12, 8pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let id = client.create_setup_intent(&body).unwrap().get().id;
    // Authorized through the emulator's control API, as the bench's is: the GET answer is
    // then the bench's 1,268 bytes (payment details, two events).
    let control = format!("{base}/_sandbox/setup-intents/{}/authorize", id.as_str());
    assert_eq!(client.agent().post(&control).send_empty().unwrap().status(), 200);
    let api = Api::new(&key);
    let agent = client.agent().clone();
    let stock = stock_agent();
    let get = api.get_setup_intent(&id).unwrap();
    let get_url = format!("{base}{}", get.path_and_query());
    let headers = |r: &[(&str, &str)]| -> Vec<(String, String)> {
        r.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    };
    let get_headers = headers(get.headers());
    let mut buf = [0u8; 1024];
    let post = api.create_setup_intent(&body, &mut buf).unwrap();
    let post_body = post.body(&buf).to_vec();
    let post_url = format!("{base}{}", post.path_and_query());
    let post_headers = headers(post.headers());
    for _ in 0..n {
        match mode {
            "get" => {
                let a = client.get_setup_intent(&id).unwrap();
                black_box(a.get().status);
            }
            "send-with" => {
                black_box(client.send_with(|api, _| api.get_setup_intent(&id), |si| si.status).unwrap());
            }
            "post" => {
                let a = client.create_setup_intent(&body).unwrap();
                black_box(a.get().status);
            }
            "raw-get" => raw::call(&agent, &get_url, &get_headers, None, Then::Bytes),
            "raw-get-dojo" => raw::call(&agent, &get_url, &get_headers, None, Then::DojoDecode),
            "raw-get-serde" => raw::call(&agent, &get_url, &get_headers, None, Then::SerdeJson),
            "raw-post" => raw::call(&agent, &post_url, &post_headers, Some(&post_body), Then::Bytes),
            "raw-post-dojo" => raw::call(&agent, &post_url, &post_headers, Some(&post_body), Then::DojoDecode),
            "raw-post-serde" => raw::call(&agent, &post_url, &post_headers, Some(&post_body), Then::SerdeJson),
            "raw-post-build" => raw::create(&agent, base, &api, &body, Then::DojoDecode),
            "stock-get" => raw::call(&stock, &get_url, &get_headers, None, Then::Bytes),
            "stock-post" => raw::call(&stock, &post_url, &post_headers, Some(&post_body), Then::Bytes),
            other => panic!("unknown mode {other}"),
        }
    }
}
