//! The webhook management methods through a std `TcpStream` connection against the
//! emulator on loopback: every operation, a rotation, and the errors (refused before
//! sending, 404), all in one caller buffer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::SocketAddr;

use common::tcp::{HostError, TcpConnection};
use dojo_core::collections::List;
use dojo_core::problem::ApiErrorKind;
use dojo_core::request::Api;
use dojo_core::webhook::WebhookEventName;
use dojo_core::webhook_api::{SubscriptionRequest, SubscriptionUpdateRequest, UrlRule, find_subscription};
use dojo_core::{ApiKey, ErrorClass, Text};
use dojo_embedded_svc::{Client, Connect, Error};
use dojo_sandbox::{Config, Sandbox};

const BUF: usize = 4096;

fn client<'k>(sb: &'k Sandbox, key: &'k ApiKey) -> Client<'k, impl Connect<Connection = TcpConnection>> {
    let a: SocketAddr = sb.base_url().strip_prefix("http://").unwrap().parse().unwrap();
    Client::new(move || Ok::<_, HostError>(TcpConnection::new(a)), Api::new(key)).with_base_url(sb.base_url()).unwrap()
}

fn class<E: core::fmt::Debug>(e: &Error<'_, E>) -> ErrorClass {
    e.class()
}

/// The active secrets' values, owned.
fn active<K: Connect>(c: &mut Client<'_, K>, sub: &str) -> Vec<String> {
    let mut buf = [0u8; BUF];
    let secrets = c.list_secrets(sub, &mut buf).unwrap();
    let mut scratch = [0u8; 256];
    let mut out = [""; 4];
    let n = secrets.active_secrets(&mut scratch, &mut out).unwrap();
    out[..n].iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_operation_in_one_buffer() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let key = ApiKey::new("sk_sandbox_kiosk_webhooks").unwrap();
    let mut c = client(&sb, &key);
    let mut buf = [0u8; BUF];

    let groups = c.list_webhook_events(&mut buf).unwrap();
    let names: Vec<WebhookEventName> = groups.iter().flat_map(|g| g.events.into_iter().flatten()).collect();
    assert!(names.contains(&WebhookEventName::PaymentIntentStatusUpdated), "{names:?}");

    let wanted = [WebhookEventName::PaymentIntentStatusUpdated];
    let local = SubscriptionRequest::new("http://127.0.0.1:9/kiosk", &wanted);
    // https only by default: refused before anything is sent.
    let refused = c.create_subscription(&local, &mut buf).unwrap_err();
    assert_eq!(class(&refused), ErrorClass::Invalid);
    let sub = c.create_subscription_with(&local, UrlRule::AllowLoopbackHttp, &mut buf).unwrap();
    let id = sub.id.to_string();
    assert!(id.starts_with("ws_"));
    let mut scratch = [0u8; 128];
    let mut out = [""; 2];
    assert_eq!(sub.active_secrets(&mut scratch, &mut out), Ok(1));
    let first_secret = out[0].to_owned();

    let https = SubscriptionRequest::new("https://kiosk.example/hook", &wanted);
    let other = c.create_subscription(&https, &mut buf).unwrap().id.to_string();

    let list = c.list_subscriptions(&mut buf).unwrap();
    assert_eq!(list.iter().count(), 2);
    assert_eq!(find_subscription(&list, &id).unwrap().url.unwrap(), "http://127.0.0.1:9/kiosk");

    let both = [WebhookEventName::PaymentIntentCreated, WebhookEventName::PaymentIntentStatusUpdated];
    let update = SubscriptionUpdateRequest {
        events: Some(List::Slice(&both)),
        description: Some(Text::new("kiosk 7")),
        ..SubscriptionUpdateRequest::default()
    };
    let updated = c.update_subscription(&id, &update, &mut buf).unwrap();
    assert_eq!(updated.description.unwrap(), "kiosk 7");
    assert_eq!(updated.events.unwrap().iter().count(), 2);
    let moved = SubscriptionUpdateRequest { url: Some(Text::new("http://localhost:10/k")), ..Default::default() };
    assert_eq!(class(&c.update_subscription(&id, &moved, &mut buf).unwrap_err()), ErrorClass::Invalid);
    let moved = c.update_subscription_with(&id, &moved, UrlRule::AllowLoopbackHttp, &mut buf).unwrap();
    assert_eq!(moved.url.unwrap(), "http://localhost:10/k");

    // Rotation: generate (inactive), activate (both active), delete the old one.
    let generated = c.generate_secret(&id, &mut buf).unwrap();
    let secrets = generated.secrets.unwrap();
    let old_id = secrets.iter().find(|s| s.is_active == Some(true)).and_then(|s| s.id).unwrap().to_string();
    let new_id = secrets.iter().find(|s| s.is_active == Some(false)).and_then(|s| s.id).unwrap().to_string();
    assert_eq!(active(&mut c, &id), std::slice::from_ref(&first_secret));
    c.activate_secret(&id, &new_id, &mut buf).unwrap();
    let during = active(&mut c, &id);
    assert_eq!(during.len(), 2);
    assert!(during.contains(&first_secret));
    c.delete_secret(&id, &old_id, &mut buf).unwrap();
    let after = active(&mut c, &id);
    assert_eq!(after.len(), 1);
    assert_ne!(after[0], first_secret);

    c.delete_subscription(&id, &mut buf).unwrap();
    let list = c.list_subscriptions(&mut buf).unwrap();
    assert!(find_subscription(&list, &id).is_none());
    assert!(find_subscription(&list, &other).is_some());
    let gone = c.delete_subscription(&id, &mut buf).unwrap_err();
    assert_eq!(class(&gone), ErrorClass::Api(ApiErrorKind::NotFound));
    let gone = c.list_secrets(&id, &mut buf).unwrap_err();
    assert_eq!(class(&gone), ErrorClass::Api(ApiErrorKind::NotFound));
    assert_eq!(class(&c.activate_secret("ws_1/..", "sc_1", &mut buf).unwrap_err()), ErrorClass::Invalid);
}

#[test]
fn a_small_buffer_is_refused_not_truncated() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let key = ApiKey::new("sk_sandbox_kiosk_webhooks").unwrap();
    let mut c = client(&sb, &key);
    let mut buf = [0u8; BUF];
    let wanted = [WebhookEventName::PaymentIntentStatusUpdated];
    let local = SubscriptionRequest::new("http://127.0.0.1:9/kiosk", &wanted);
    c.create_subscription_with(&local, UrlRule::AllowLoopbackHttp, &mut buf).unwrap();
    let mut tiny = [0u8; 64];
    let e = c.list_subscriptions(&mut tiny).unwrap_err();
    assert_eq!(class(&e), ErrorClass::ResponseTooLarge, "{e:?}");
}
