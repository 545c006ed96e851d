//! Webhook management and receiving allocate nothing: building every `/webhooks`
//! request, decoding every answer (iterating the lazy lists), listing the active secrets,
//! and `receive` with deduplication. Counted as in `zero_alloc.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, allocations};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn the_counter_counts() {
    let (_, n) = allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert_eq!(n, 1);
}

use dojo_core::ApiKey;
use dojo_core::dedup::{SeenEvents, receive};
use dojo_core::request::Api;
use dojo_core::webhook::{SIGNATURE_LEN, WebhookEventName, sign};
use dojo_core::webhook_api::{SubscriptionRequest, SubscriptionUpdateRequest};

const SUBSCRIPTIONS: &[u8] = include_bytes!("fixtures/webhook_subscriptions_ugly.json");
const SECRETS: &[u8] = include_bytes!("fixtures/webhook_secrets.json");
const EVENTS: &[u8] = include_bytes!("fixtures/webhook_events.json");

fn flow(key: &ApiKey, seen: &mut SeenEvents<16>) -> usize {
    let api = Api::new(key);
    let mut buf = [0u8; 256];
    let events = [WebhookEventName::PaymentIntentStatusUpdated];
    let body = SubscriptionRequest::new("https://shop.example/hook", &events);
    let mut work = 0;
    work += api.create_subscription(&body, &mut buf).unwrap().body_len();
    let update = SubscriptionUpdateRequest { events: Some((&events[..]).into()), ..Default::default() };
    work += api.update_subscription("ws_1", &update, &mut buf).unwrap().body_len();
    work += api.delete_subscription("ws_1").unwrap().path().len();
    work += api.generate_secret("ws_1").unwrap().path().len();
    work += api.activate_secret("ws_1", "sc_1").unwrap().path().len();
    work += api.delete_secret("ws_1", "sc_1").unwrap().path().len();

    let subs = api.list_subscriptions().unwrap().decode(200, SUBSCRIPTIONS).unwrap();
    for sub in subs.iter() {
        work += sub.events.map_or(0, |e| e.iter().count());
        let mut scratch = [0u8; 64];
        let mut out = [""; 4];
        work += sub.active_secrets(&mut scratch, &mut out).unwrap();
    }
    let secrets = api.list_secrets("ws_1").unwrap().decode(200, SECRETS).unwrap();
    let mut scratch = [0u8; 128];
    let mut active = [""; 4];
    let n = secrets.active_secrets(&mut scratch, &mut active).unwrap();
    for group in api.list_webhook_events().unwrap().decode(200, EVENTS).unwrap().iter() {
        work += group.events.map_or(0, |e| e.iter().count());
    }

    let delivery = br#"{"id":"evt_1","event":"payment_intent.status_updated","data":{"paymentStatus":"Captured"}}"#;
    let mut sig = [0u8; SIGNATURE_LEN];
    let header = sign(delivery, active[0], &mut sig);
    let first = receive(delivery, header, &active[..n], seen).unwrap();
    let again = receive(delivery, header, &active[..n], seen).unwrap();
    assert!(!first.duplicate && again.duplicate);
    work
}

#[test]
fn webhook_management_and_receiving_allocate_nothing() {
    let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
    let mut seen = SeenEvents::<16>::new();
    let (work, n) = allocations(|| flow(&key, &mut seen));
    assert!(work > 0);
    assert_eq!(n, 0, "allocated {n} times");
}
