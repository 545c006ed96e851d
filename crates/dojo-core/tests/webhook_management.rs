//! Webhook subscription management: every builder's method, path, headers and body;
//! validation; and decoding the answers from fixtures shaped like the spec's examples,
//! plus the ugly cases (escapes, unknown fields and event names, nulls, errors).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::error::{BufferTooSmall, ValidationErrorKind};
use dojo_core::json::DecodeErrorKind;
use dojo_core::problem::ApiErrorKind;
use dojo_core::request::{Api, MAX_PATH_LEN, Method, Operation};
use dojo_core::webhook::WebhookEventName;
use dojo_core::webhook_api::{
    ActiveSecretsError, SubscriptionRequest, SubscriptionUpdateRequest, UrlRule, decode_subscription, find_subscription,
};
use dojo_core::{ApiKey, Error, Text, Timestamp};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/", $name))
    };
}

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_c0ffee").unwrap()
}

fn invalid<T: std::fmt::Debug>(r: Result<T, Error<'_>>) -> (&'static str, ValidationErrorKind) {
    match r {
        Err(Error::Invalid(e)) => (e.field, e.kind),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn every_operation_builds_its_method_path_and_headers() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 256];
    let events = [WebhookEventName::PaymentIntentCreated];
    let create = SubscriptionRequest::new("https://shop.example/hook", &events);
    let update = SubscriptionUpdateRequest { description: Some(Text::new("new")), ..Default::default() };

    let cases: Vec<(Operation, Method, String, bool, usize)> = vec![
        {
            let r = api.list_webhook_events().unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.list_subscriptions().unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.create_subscription(&create, &mut buf).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.update_subscription("ws_1", &update, &mut buf).unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.delete_subscription("ws_1").unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.list_secrets("ws_1").unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.generate_secret("ws_1").unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.activate_secret("ws_1", "sc_2").unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
        {
            let r = api.delete_secret("ws_1", "sc_2").unwrap();
            (r.operation(), r.method(), r.path_and_query().into(), r.retry_safe(), r.body_len())
        },
    ];
    let expected = [
        (Operation::ListWebhookEvents, Method::Get, "/webhooks/events", true, false),
        (Operation::ListSubscriptions, Method::Get, "/webhooks", true, false),
        (Operation::CreateSubscription, Method::Post, "/webhooks", false, true),
        (Operation::UpdateSubscription, Method::Patch, "/webhooks/ws_1", false, true),
        (Operation::DeleteSubscription, Method::Delete, "/webhooks/ws_1", false, false),
        (Operation::ListSecrets, Method::Get, "/webhooks/ws_1/secrets", true, false),
        (Operation::GenerateSecret, Method::Post, "/webhooks/ws_1/secrets", false, false),
        (Operation::ActivateSecret, Method::Put, "/webhooks/ws_1/secrets/sc_2/activate", false, false),
        (Operation::DeleteSecret, Method::Delete, "/webhooks/ws_1/secrets/sc_2", false, false),
    ];
    assert_eq!(cases.len(), expected.len());
    for ((op, method, path, safe, len), (eop, emethod, epath, esafe, has_body)) in cases.into_iter().zip(expected) {
        assert_eq!((op, method, path.as_str(), safe, len > 0), (eop, emethod, epath, esafe, has_body), "{op:?}");
        assert_eq!(op.retry_safe(), safe);
        assert!(!op.name().is_empty());
    }
    assert_eq!(Method::Put.as_str(), "PUT");
    assert_eq!(Method::Patch.as_str(), "PATCH");
}

#[test]
fn headers_and_bodies() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 256];
    let events = [WebhookEventName::PaymentIntentStatusUpdated, WebhookEventName::parse("order.created")];
    let mut body = SubscriptionRequest::new("https://shop.example/hook", &events);
    body.description = Some(Text::new("Café \"main\""));
    let req = api.create_subscription(&body, &mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(req.body(&buf)).unwrap(),
        r#"{"events":["payment_intent.status_updated","order.created"],"url":"https://shop.example/hook","description":"Café \"main\""}"#
    );
    let names: Vec<_> = req.headers().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["Authorization", "version", "User-Agent", "Accept", "Content-Type"]);

    let new_events = [WebhookEventName::PaymentIntentCreated];
    let update = SubscriptionUpdateRequest { events: Some((&new_events[..]).into()), ..Default::default() };
    let req = api.update_subscription("ws_1", &update, &mut buf).unwrap();
    assert_eq!(req.body(&buf), br#"{"events":["payment_intent.created"]}"#);

    // Bodiless requests send no Content-Type.
    let req = api.activate_secret("ws_1", "sc_1").unwrap();
    assert!(req.headers().iter().all(|(n, _)| *n != "Content-Type"));

    // The body round-trips through dojo-core's own decoder (the emulator's path).
    let req = api.create_subscription(&body, &mut buf).unwrap();
    let back: SubscriptionRequest<'_> = dojo_core::json::from_slice(req.body(&buf)).unwrap();
    assert_eq!(back, body);
}

#[test]
fn a_small_buffer_says_what_it_needs() {
    let key = key();
    let api = Api::new(&key);
    let events = [WebhookEventName::PaymentIntentCreated];
    let body = SubscriptionRequest::new("https://shop.example/hook", &events);
    let mut big = [0u8; 256];
    let needed = api.create_subscription(&body, &mut big).unwrap().body_len();
    let mut small = vec![0u8; needed - 1];
    match api.create_subscription(&body, &mut small) {
        Err(Error::BufferTooSmall(BufferTooSmall { needed: n })) => assert_eq!(n, needed),
        other => panic!("{other:?}"),
    }
    let mut exact = vec![0u8; needed];
    assert!(api.create_subscription(&body, &mut exact).is_ok());
}

#[test]
fn validation() {
    let key = key();
    let api = Api::new(&key);
    let mut buf = [0u8; 256];
    let events = [WebhookEventName::PaymentIntentCreated];
    let http = SubscriptionRequest::new("http://shop.example/hook", &events);
    assert_eq!(invalid(api.create_subscription(&http, &mut buf)), ("url", ValidationErrorKind::InvalidFormat));
    let loopback = SubscriptionRequest::new("http://127.0.0.1:4040/hook", &events);
    assert_eq!(invalid(api.create_subscription(&loopback, &mut buf)), ("url", ValidationErrorKind::InvalidFormat));
    assert!(api.create_subscription_with(&loopback, UrlRule::AllowLoopbackHttp, &mut buf).is_ok());
    let none = SubscriptionRequest::new("https://shop.example/hook", &[]);
    assert_eq!(invalid(api.create_subscription(&none, &mut buf)), ("events", ValidationErrorKind::Empty));

    let empty = SubscriptionUpdateRequest::default();
    assert_eq!(invalid(api.update_subscription("ws_1", &empty, &mut buf)), ("body", ValidationErrorKind::Missing));
    let bad_url = SubscriptionUpdateRequest { url: Some(Text::new("https://")), ..Default::default() };
    assert_eq!(
        invalid(api.update_subscription("ws_1", &bad_url, &mut buf)),
        ("url", ValidationErrorKind::InvalidFormat)
    );
    let ok = SubscriptionUpdateRequest { url: Some(Text::new("https://a.example")), ..Default::default() };

    // Ids are path segments: checked like the intents' ids.
    assert_eq!(invalid(api.update_subscription("", &ok, &mut buf)), ("subscriptionId", ValidationErrorKind::Empty));
    assert_eq!(invalid(api.delete_subscription("ws/../x")), ("subscriptionId", ValidationErrorKind::InvalidCharacter));
    assert_eq!(invalid(api.list_secrets("ws 1")), ("subscriptionId", ValidationErrorKind::InvalidCharacter));
    assert_eq!(invalid(api.generate_secret("ws?x=1")), ("subscriptionId", ValidationErrorKind::InvalidCharacter));
    assert_eq!(invalid(api.activate_secret("ws_1", "sc#1")), ("secretId", ValidationErrorKind::InvalidCharacter));
    assert_eq!(
        invalid(api.delete_secret("ws_1", &"s".repeat(51))),
        ("secretId", ValidationErrorKind::TooLong { max: 50 })
    );
    // The longest path fits.
    let (a, b) = ("w".repeat(50), "s".repeat(50));
    let req = api.activate_secret(&a, &b).unwrap();
    assert!(req.path().len() <= MAX_PATH_LEN);
    assert!(req.path().ends_with("/activate"));
}

#[test]
fn subscription_like_the_spec_example() {
    let key = key();
    let api = Api::new(&key);
    let events = [WebhookEventName::PaymentIntentCreated];
    let body = SubscriptionRequest::new("https://example.com.com/incoming-events", &events);
    let mut buf = [0u8; 256];
    let req = api.create_subscription(&body, &mut buf).unwrap();
    let sub = req.decode(200, fixture!("webhook_subscription.json")).unwrap();
    assert_eq!(sub.id, "ws_aNkU6yob0vOMxUlghg2oynUw");
    assert_eq!(sub.account_id.unwrap(), "acc_4z3k2xP17e1JQY");
    let events: Vec<_> = sub.events.unwrap().iter().collect();
    assert_eq!(events, [WebhookEventName::PaymentIntentCreated, WebhookEventName::PaymentIntentStatusUpdated]);
    assert_eq!(sub.url.unwrap(), "https://example.com.com/incoming-events");
    assert_eq!(sub.description.unwrap(), "Demo Webhooks");
    assert_eq!(sub.created_at, Some(Timestamp::parse("2023-03-30T12:21:04.143Z").unwrap()));
    let secret = sub.secrets.unwrap().iter().next().unwrap();
    assert_eq!(secret.id.unwrap(), "sc_qNkU6yob0vOMxUlb2oynUw");
    assert_eq!(secret.is_active, Some(true));
    assert_eq!(secret.created_at, Some(Timestamp::parse("2023-12-13T14:15:01Z").unwrap()), "no offset is UTC");
    assert!(secret.last_used_at.is_some());
    // Secrets never appear in Debug output.
    let debug = format!("{sub:?}");
    assert!(!debug.contains("U3Vic2Nya"), "{debug}");
    assert_eq!(secret.value.unwrap().expose(), "U3Vic2NyaXB0aW9uUmVzcG9uc2VFeGFtcGxlIDogSUV4YW1wbGVQcm92aWRlcjxTdWJ");
    // The same body through the free decoder.
    assert_eq!(decode_subscription(fixture!("webhook_subscription.json")).unwrap(), sub);
}

#[test]
fn ugly_subscription_list() {
    let key = key();
    let req = Api::new(&key).list_subscriptions().unwrap();
    let subs = req.decode(200, fixture!("webhook_subscriptions_ugly.json")).unwrap();
    assert_eq!(subs.len(), 3);
    let first = subs.iter().next().unwrap();
    assert_eq!(first.account_id, None);
    let events: Vec<_> = first.events.unwrap().iter().collect();
    assert_eq!(events[0], WebhookEventName::PaymentIntentCreated, "an escaped known name decodes to its variant");
    // Names dojo-core does not know (the spec's own examples name some) keep their text.
    assert_eq!((events[1].is_known(), events[1].as_str()), (false, Some("payment.successful")));
    assert_eq!((events[2].is_known(), events[2].as_str()), (false, Some("refund.issued_v2")));
    assert_eq!(events[3].as_str(), Some("order.created"), "escapes decoded");
    assert_eq!(first.url.unwrap(), "https://shop.example/hooks?a=1&b=2");
    assert_eq!(first.description.unwrap(), "Café & Bar 😀");
    assert_eq!(first.updated_at, None);
    let secrets: Vec<_> = first.secrets.unwrap().iter().collect();
    assert_eq!(secrets.len(), 4);
    assert_eq!(secrets[0].created_at, Some(Timestamp::parse("2026-03-01T09:00:00Z").unwrap()), "offset applied");

    // Active secrets, escapes decoded, in the API's order; inactive and value-less skipped.
    let mut scratch = [0u8; 64];
    let mut out = [""; 4];
    let n = first.active_secrets(&mut scratch, &mut out).unwrap();
    assert_eq!(&out[..n], ["ws+old/x", "ws_new"]);
    // Refuses rather than truncates.
    let (mut scratch2, mut one) = ([0u8; 64], [""; 1]);
    assert_eq!(first.active_secrets(&mut scratch2, &mut one), Err(ActiveSecretsError::TooManySecrets { active: 2 }));
    let (mut tiny, mut out2) = ([0u8; 9], [""; 4]);
    assert_eq!(
        first.active_secrets(&mut tiny, &mut out2),
        Err(ActiveSecretsError::ScratchTooSmall(BufferTooSmall { needed: 14 }))
    );
    let (mut exact, mut out3) = ([0u8; 14], [""; 4]);
    assert_eq!(first.active_secrets(&mut exact, &mut out3), Ok(2));

    let (mut scratch4, mut out4) = ([0u8; 64], [""; 4]);
    assert_eq!(find_subscription(&subs, "ws_2").unwrap().url.unwrap(), "https://b.example");
    assert_eq!(find_subscription(&subs, "ws_3").unwrap().id, "ws_3");
    assert!(find_subscription(&subs, "ws_4").is_none());
    assert!(find_subscription(&subs, "ws_").is_none(), "no prefix match");
    let second = subs.iter().nth(1).unwrap();
    assert!(second.events.unwrap().is_empty());
    assert_eq!(second.active_secrets(&mut scratch4, &mut out4), Ok(0));
    let third = subs.iter().nth(2).unwrap();
    assert_eq!((third.events, third.secrets, third.url), (None, None, None));
    let (mut scratch5, mut out5) = ([0u8; 64], [""; 4]);
    assert_eq!(third.active_secrets(&mut scratch5, &mut out5), Ok(0));
}

#[test]
fn secrets_like_the_spec_examples() {
    let key = key();
    let api = Api::new(&key);
    for req in [api.list_secrets("ws_1").unwrap(), api.generate_secret("ws_1").unwrap()] {
        let secrets = req.decode(200, fixture!("webhook_secrets.json")).unwrap();
        assert_eq!(secrets.id.unwrap(), "ws_lgQzejyXb0SD8oIDE2zcqA");
        let all: Vec<_> = secrets.secrets.unwrap().iter().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].is_active, Some(false));
        let mut scratch = [0u8; 128];
        let mut out = [""; 2];
        let n = secrets.active_secrets(&mut scratch, &mut out).unwrap();
        assert_eq!(&out[..n], ["U3Vic2NyaXB0aW9uUmVzcG9uc2VFeGFtcGxlIDogSUV4YW1wbGVQcm92aWRlcjxTdWJ"]);
    }
    // The generate example has no subscription id.
    let generated = br#"{"secrets":[{"id":"sc_1","value":"ws_a","isActive":false}]}"#;
    let s = api.generate_secret("ws_1").unwrap().decode(200, generated).unwrap();
    assert_eq!(s.id, None);
}

#[test]
fn event_types_like_the_spec_example() {
    let key = key();
    let req = Api::new(&key).list_webhook_events().unwrap();
    let groups = req.decode(200, fixture!("webhook_events.json")).unwrap();
    let all: Vec<_> = groups.iter().collect();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].model.unwrap(), "PaymentIntent");
    let names: Vec<_> = all[0].events.unwrap().iter().collect();
    assert_eq!(names, [WebhookEventName::PaymentIntentCreated, WebhookEventName::PaymentIntentUpdated]);
    assert_eq!(all[1].events.unwrap().iter().next(), Some(WebhookEventName::parse("payment.successful")));
    assert_eq!(all[3].model.unwrap(), "Terminal™");
    // An unknown name too long to keep is still an Unknown, not an error.
    let long = all[3].events.unwrap().iter().next().unwrap();
    assert!(!long.is_known());
    assert_eq!(long.as_str(), None);
}

#[test]
fn no_content_and_errors() {
    let key = key();
    let api = Api::new(&key);
    let del = api.delete_subscription("ws_1").unwrap();
    assert_eq!(del.decode(204, b""), Ok(()));
    assert_eq!(del.decode(200, b"{\"whatever\":1}"), Ok(()));
    let problem = br#"{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.4","title":"Not Found","status":404,"traceId":"00-abc-01"}"#;
    match del.decode(404, problem) {
        Err(Error::Api(e)) => assert_eq!(e.kind, ApiErrorKind::NotFound),
        other => panic!("{other:?}"),
    }
    match api.activate_secret("ws_1", "sc_1").unwrap().decode(401, b"") {
        Err(Error::Api(e)) => assert_eq!(e.kind, ApiErrorKind::Unauthorized),
        other => panic!("{other:?}"),
    }
}

#[test]
fn broken_answers_are_decode_errors() {
    let key = key();
    let api = Api::new(&key);
    let list = api.list_subscriptions().unwrap();
    for body in [&b""[..], b"{}", b"[{}]", b"[{\"id\":1}]", b"[", b"null", b"[{\"id\":\"ws_1\",\"secrets\":{}}]"] {
        assert!(matches!(list.decode(200, body), Err(Error::Decode(_))), "{}", String::from_utf8_lossy(body));
    }
    let one = api.list_secrets("ws_1").unwrap();
    match one.decode(200, br#"{"secrets":[{"isActive":"yes"}]}"#) {
        Err(Error::Decode(e)) => assert_ne!(e.kind, DecodeErrorKind::DepthLimit),
        other => panic!("{other:?}"),
    }
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(matches!(list.decode(200, deep.as_bytes()), Err(Error::Decode(_))));
}

mod props {
    use super::*;
    use dojo_core::webhook_api::{SecretsResponse, Subscription, WebhookEventGroup};
    use proptest::prelude::*;

    proptest! {
        /// Whatever the caller writes: a body that validates encodes, decodes back to
        /// the same request, and names only what was given; nothing panics.
        #[test]
        fn valid_bodies_round_trip(
            host in "[a-z0-9.-]{0,20}",
            path in prop_oneof![4 => "[a-z0-9/?=&%-]{0,30}", 1 => "[ -~]{0,30}"],
            https in any::<bool>(),
            names in prop::collection::vec(prop_oneof![4 => "[a-z_-]{1,12}\\.[a-z_-]{1,12}", 1 => "[ -~]{0,36}"], 0..4),
            description in proptest::option::of("\\PC{0,40}"),
        ) {
            let url = format!("{}{host}/{path}", if https { "https://" } else { "http://" });
            let events: Vec<WebhookEventName> = names.iter().map(|n| WebhookEventName::parse(n)).collect();
            let mut body = SubscriptionRequest::new(&url, &events);
            body.description = description.as_deref().map(Text::new);
            let key = key();
            let api = Api::new(&key);
            let mut buf = [0u8; 1024];
            match api.create_subscription(&body, &mut buf) {
                Ok(req) => {
                    prop_assert!(https && !host.is_empty() && !events.is_empty());
                    let back: SubscriptionRequest<'_> = dojo_core::json::from_slice(req.body(&buf)).unwrap();
                    prop_assert_eq!(back, body);
                }
                Err(Error::Invalid(_)) => {}
                Err(other) => prop_assert!(false, "{:?}", other),
            }
        }

        /// Any bytes: every decoder answers without panicking, and what decodes can be
        /// iterated in full.
        #[test]
        fn decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(list) = dojo_core::json::from_slice::<dojo_core::json::Items<'_, Subscription<'_>>>(&bytes) {
                for sub in list.iter() {
                    let _ = sub.events.map(|e| e.iter().count());
                    let (mut scratch, mut out) = ([0u8; 64], [""; 2]);
                    let _ = sub.active_secrets(&mut scratch, &mut out);
                }
            }
            if let Ok(s) = dojo_core::json::from_slice::<SecretsResponse<'_>>(&bytes) {
                let (mut scratch, mut out) = ([0u8; 16], [""; 1]);
                let _ = s.active_secrets(&mut scratch, &mut out);
            }
            let _ = dojo_core::json::from_slice::<dojo_core::json::Items<'_, WebhookEventGroup<'_>>>(&bytes);
        }

        /// Mutated spec-shaped answers: never a panic.
        #[test]
        fn mutated_fixtures_never_panic(at in 0usize..2000, byte in any::<u8>()) {
            for fixture in [
                &fixture!("webhook_subscription.json")[..],
                fixture!("webhook_subscriptions_ugly.json"),
                fixture!("webhook_secrets.json"),
                fixture!("webhook_events.json"),
            ] {
                let mut b = fixture.to_vec();
                let i = at % b.len();
                b[i] = byte;
                let _ = decode_subscription(&b);
                if let Ok(list) = dojo_core::json::from_slice::<dojo_core::json::Items<'_, Subscription<'_>>>(&b) {
                    for sub in list.iter() {
                        let (mut scratch, mut out) = ([0u8; 256], [""; 8]);
                        let _ = sub.active_secrets(&mut scratch, &mut out);
                    }
                }
                let _ = dojo_core::json::from_slice::<SecretsResponse<'_>>(&b);
            }
        }
    }
}
