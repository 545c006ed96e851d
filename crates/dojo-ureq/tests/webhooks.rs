//! The webhook management methods against the emulator over loopback: every operation,
//! a rotation (generate, activate, both secrets active, delete the old), and the errors
//! (refused before sending, 404, validation).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use dojo_core::problem::ApiErrorKind;
use dojo_core::webhook::WebhookEventName;
use dojo_core::webhook_api::{SubscriptionRequest, SubscriptionUpdateRequest, UrlRule, find_subscription};
use dojo_core::{ApiKey, Text};
use dojo_sandbox::{Config, Sandbox};
use dojo_ureq::{Client, Error, Timeouts};

fn start() -> (Sandbox, Client) {
    let sb = Sandbox::start(Config::default()).unwrap();
    let client = Client::builder(ApiKey::new("sk_sandbox_webhooks").unwrap())
        .base_url(sb.base_url())
        .timeouts(Timeouts { connect: Duration::from_secs(2), call: Duration::from_secs(5) })
        .build()
        .unwrap();
    (sb, client)
}

fn active_values(client: &Client, sub: &str) -> Vec<String> {
    let answer = client.list_secrets(sub).unwrap();
    let secrets = answer.get();
    let mut scratch = [0u8; 512];
    let mut out = [""; 8];
    let n = secrets.active_secrets(&mut scratch, &mut out).unwrap();
    out[..n].iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_operation() {
    let (_sb, client) = start();

    // The event types, by model.
    let events = client.list_webhook_events().unwrap();
    let names: Vec<WebhookEventName> = events.get().iter().flat_map(|g| g.events.into_iter().flatten()).collect();
    assert!(names.contains(&WebhookEventName::PaymentIntentStatusUpdated), "{names:?}");
    assert!(names.contains(&WebhookEventName::PaymentIntentCreated), "{names:?}");

    // Create: https by default, loopback http only when asked for.
    let wanted = [WebhookEventName::PaymentIntentStatusUpdated];
    let https = client.create_subscription(&SubscriptionRequest::new("https://shop.example/dojo", &wanted)).unwrap();
    let https_id = https.get().id.to_string();
    assert!(https_id.starts_with("ws_"), "{https_id}");
    let local = SubscriptionRequest::new("http://127.0.0.1:9/hook", &wanted);
    let refused = client.create_subscription(&local).unwrap_err();
    assert!(matches!(refused, Error::Invalid(_)), "{refused:?}");
    let sub = client.create_subscription_with(&local, UrlRule::AllowLoopbackHttp).unwrap();
    let id = sub.get().id.to_string();
    assert_eq!(sub.get().url.unwrap(), "http://127.0.0.1:9/hook");
    // A new subscription has one active secret.
    let mut scratch = [0u8; 256];
    let mut out = [""; 4];
    assert_eq!(sub.get().active_secrets(&mut scratch, &mut out), Ok(1));

    // List: both, found by id.
    let list = client.list_subscriptions().unwrap();
    let items = list.get();
    assert_eq!(items.iter().count(), 2);
    let found = find_subscription(&items, &id).unwrap();
    assert_eq!(found.url.unwrap(), "http://127.0.0.1:9/hook");

    // Update (PATCH): description and events; the URL rule applies to a new URL too.
    let both = [WebhookEventName::PaymentIntentCreated, WebhookEventName::PaymentIntentStatusUpdated];
    let update = SubscriptionUpdateRequest {
        events: Some(dojo_core::collections::List::Slice(&both)),
        description: Some(Text::new("till 3")),
        ..SubscriptionUpdateRequest::default()
    };
    let updated = client.update_subscription(&id, &update).unwrap();
    assert_eq!(updated.get().description.unwrap(), "till 3");
    assert_eq!(updated.get().events.unwrap().iter().count(), 2);
    let moved = SubscriptionUpdateRequest { url: Some(Text::new("http://localhost:10/h")), ..Default::default() };
    assert!(matches!(client.update_subscription(&id, &moved), Err(Error::Invalid(_))));
    let moved = client.update_subscription_with(&id, &moved, UrlRule::AllowLoopbackHttp).unwrap();
    assert_eq!(moved.get().url.unwrap(), "http://localhost:10/h");
    // An update that changes nothing is refused before sending.
    assert!(matches!(client.update_subscription(&id, &SubscriptionUpdateRequest::default()), Err(Error::Invalid(_))));

    // Secrets: generate (inactive), activate (both active: a rotation), delete the old.
    let before = active_values(&client, &id);
    assert_eq!(before.len(), 1);
    let old_id =
        client.list_secrets(&id).unwrap().get().secrets.unwrap().iter().next().unwrap().id.unwrap().to_string();
    let generated = client.generate_secret(&id).unwrap();
    let new_id = generated
        .get()
        .secrets
        .unwrap()
        .iter()
        .find(|s| s.is_active == Some(false))
        .and_then(|s| s.id)
        .unwrap()
        .to_string();
    assert_eq!(active_values(&client, &id), before, "a generated secret is inactive");
    assert_eq!(client.activate_secret(&id, &new_id).unwrap().status() / 100, 2);
    let during = active_values(&client, &id);
    assert_eq!(during.len(), 2, "both secrets verify during a rotation");
    assert!(during.contains(&before[0]));
    assert_eq!(client.delete_secret(&id, &old_id).unwrap().status() / 100, 2);
    let after = active_values(&client, &id);
    assert_eq!(after.len(), 1);
    assert_ne!(after, before);

    // Delete: gone from the list; deleting again is a 404.
    client.delete_subscription(&id).unwrap();
    let list = client.list_subscriptions().unwrap();
    assert!(find_subscription(&list.get(), &id).is_none());
    assert!(find_subscription(&list.get(), &https_id).is_some());
    match client.delete_subscription(&id) {
        Err(Error::Api(e)) => assert_eq!(e.kind(), ApiErrorKind::NotFound),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_ids_and_bad_ids() {
    let (_sb, client) = start();
    for result in [
        client.list_secrets("ws_nothing_here").map(|_| ()),
        client.generate_secret("ws_nothing_here").map(|_| ()),
        client.activate_secret("ws_nothing_here", "sc_x").map(|_| ()),
        client.delete_secret("ws_nothing_here", "sc_x").map(|_| ()),
    ] {
        match result {
            Err(Error::Api(e)) => assert_eq!(e.kind(), ApiErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
    }
    // An id that cannot be a path segment is refused before anything is sent.
    assert!(matches!(client.delete_subscription("ws_1/../x"), Err(Error::Invalid(_))));
    assert!(matches!(client.list_secrets(""), Err(Error::Invalid(_))));
}
