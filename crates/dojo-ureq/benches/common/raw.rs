//! The raw-ureq sides of the overhead bench and the instruction probe (shared by
//! `benches/overhead.rs` and `examples/overhead_probe.rs`): the request dojo-core built,
//! sent straight through a ureq `Agent`, its answer read as a caller of ureq alone would
//! read it (`read_to_vec`), then, for the fuller rows, decoded.

use std::collections::HashMap;
use std::hint::black_box;

use dojo_core::request::{Api, CreateSetupIntentRequest};
use dojo_core::response::ResponseKind;
use dojo_core::response::kind::SetupIntentKind;
use serde::Deserialize;

/// What the raw side does with the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Then {
    /// (a) nothing: the body's bytes only.
    Bytes,
    /// (b) dojo-core's decoder, as the adapter decodes it: the same work.
    DojoDecode,
    /// (c) serde_json into an owned struct of the same fields: what a caller of ureq
    /// alone would write.
    SerdeJson,
}

/// One raw call: `body` `None` is a GET, `Some` a POST.
pub(crate) fn call(agent: &ureq::Agent, url: &str, headers: &[(String, String)], body: Option<&[u8]>, then: Then) {
    let mut resp = match body {
        None => headers.iter().fold(agent.get(url), |r, (n, v)| r.header(n, v)).call(),
        Some(body) => headers.iter().fold(agent.post(url), |r, (n, v)| r.header(n, v)).send(body),
    }
    .unwrap();
    let bytes = resp.body_mut().with_config().limit(dojo_ureq::MAX_RESPONSE_BYTES).read_to_vec().unwrap();
    finish(&bytes, then);
}

/// A raw create that builds its request with dojo-core on every call (its body
/// serialized and checked, as the adapter does), then sends it as [`call`] does.
pub(crate) fn create(agent: &ureq::Agent, base: &str, api: &Api<'_>, body: &CreateSetupIntentRequest<'_>, then: Then) {
    let mut buf = [0u8; 1024];
    let req = api.create_setup_intent(body, &mut buf).unwrap();
    let url = format!("{base}{}", req.path_and_query());
    let rb = req.headers().iter().fold(agent.post(&url), |r, &(n, v)| r.header(n, v));
    let mut resp = rb.send(req.body(&buf)).unwrap();
    let bytes = resp.body_mut().with_config().limit(dojo_ureq::MAX_RESPONSE_BYTES).read_to_vec().unwrap();
    finish(&bytes, then);
}

fn finish(bytes: &[u8], then: Then) {
    match then {
        Then::Bytes => {
            black_box(bytes);
        }
        Then::DojoDecode => {
            black_box(SetupIntentKind::decode_ok(black_box(bytes)).unwrap().status);
        }
        Then::SerdeJson => {
            black_box(serde_json::from_slice::<SetupIntent>(black_box(bytes)).unwrap().status);
        }
    }
}

/// A setup intent as a caller of serde_json would declare it: owned strings, the same
/// fields as dojo-core's `SetupIntent` (timestamps and enums kept as text: dojo-core
/// parses and checks them).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub(crate) struct SetupIntent {
    id: String,
    status: String,
    reference: Option<String>,
    description: Option<String>,
    terms: Option<String>,
    intended_amount: Option<Money>,
    merchant_initiated_transaction_type: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    expire_at: Option<String>,
    client_session_secret: Option<String>,
    client_session_secret_expiration_date: Option<String>,
    payment_methods: Option<Vec<String>>,
    payment_details: Option<PaymentDetails>,
    setup_events: Option<Vec<Event>>,
    metadata: Option<HashMap<String, String>>,
    payment_source: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Money {
    value: i64,
    currency_code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Event {
    event_type: Option<String>,
    transaction_id: Option<String>,
    transaction_date_time: Option<String>,
    auth_code: Option<String>,
    card_number: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PaymentDetails {
    transaction_id: Option<String>,
    transaction_date_time: Option<String>,
    message: Option<String>,
    payment_method_id: Option<String>,
    auth_code: Option<String>,
    card: Option<Card>,
    avs_result: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Card {
    card_number: Option<String>,
    card_name: Option<String>,
    expiry_date: Option<String>,
    card_type: Option<String>,
}
