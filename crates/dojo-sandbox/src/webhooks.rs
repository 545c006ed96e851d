//! Webhooks: subscriptions with secrets, and signed deliveries of the payment-intent
//! events (`payment_intent.created`, `payment_intent.status_updated`), retried a bounded
//! number of times (the HTTP shell, `server`, makes the attempts). Deliveries go to loopback `http://` URLs only; an `https://` URL is
//! accepted (as Dojo requires) but its deliveries are recorded as failed.

use std::collections::VecDeque;

use dojo_core::webhook::{SIGNATURE_LEN, sign};
use dojo_core::{CaptureMode, PaymentIntentStatus, Timestamp};
use serde::Serialize;

use crate::json::to_json;
use crate::problem::ApiError;
use crate::rng::Rng;

/// `payment_intent.created`
pub(crate) const EVENT_CREATED: &str = "payment_intent.created";
/// `payment_intent.status_updated`
pub(crate) const EVENT_STATUS_UPDATED: &str = "payment_intent.status_updated";
/// The events the sandbox sends.
pub(crate) const KNOWN_EVENTS: &[&str] = &[EVENT_CREATED, EVENT_STATUS_UPDATED];
/// The account every sandbox event belongs to.
pub(crate) const ACCOUNT_ID: &str = "acc_sandbox";

/// One webhook delivery: the signed event and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Delivery {
    /// The event's id (`evt_…`).
    pub event_id: String,
    /// The event's name, e.g. `payment_intent.status_updated`.
    pub event: String,
    /// The subscription it was sent for.
    pub subscription_id: String,
    /// Where it was sent.
    pub url: String,
    /// The exact body sent.
    pub body: String,
    /// The `dojo-signature` header sent (`None` when the subscription had no active secret).
    pub signature: Option<String>,
    /// Attempts made so far.
    pub attempts: u32,
    /// The HTTP status of the last attempt, if it got one.
    pub last_status: Option<u16>,
    /// Why the last attempt failed without a status, if it did.
    pub last_error: Option<String>,
    /// Whether an attempt got a 2xx.
    pub delivered: bool,
    /// Whether no more attempts will be made (delivered, or out of attempts).
    pub finished: bool,
}

/// `SubscriptionSecret`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretRec {
    pub(crate) id: String,
    pub(crate) value: String,
    pub(crate) created_at: Timestamp,
    pub(crate) is_active: bool,
    #[serde(skip)]
    pub(crate) activated: u64,
}

/// `Subscription`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionRec {
    pub(crate) id: String,
    pub(crate) account_id: &'static str,
    pub(crate) events: Vec<String>,
    pub(crate) url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    pub(crate) secrets: Vec<SecretRec>,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
}

/// `SubscriptionRequest`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionRequest {
    pub(crate) events: Vec<String>,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventData<'a> {
    payment_intent_id: &'a str,
    payment_status: PaymentIntentStatus,
    capture_mode: CaptureMode,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventPayload<'a> {
    id: &'a str,
    event: &'a str,
    account_id: &'a str,
    created_at: Timestamp,
    data: EventData<'a>,
}

/// Subscriptions and deliveries.
#[derive(Debug)]
pub(crate) struct Webhooks {
    pub(crate) subscriptions: Vec<SubscriptionRec>,
    /// The deliveries kept, oldest first: at most `max_deliveries`.
    pub(crate) deliveries: VecDeque<Delivery>,
    /// The number of `deliveries[0]` (a delivery's number never changes: the oldest are
    /// forgotten from the front).
    pub(crate) first: usize,
    /// The most deliveries kept (`Config::max_webhook_deliveries`, at least 1).
    max_deliveries: usize,
    /// Deliveries forgotten to stay within `max_deliveries`.
    pub(crate) evicted: u64,
    /// Deliveries queued (by number) and not yet handed to whoever makes them.
    pub(crate) outbox: Vec<usize>,
    activations: u64,
}

/// Whether deliveries may go to `url`: an `https://` URI with a host (recorded, not sent;
/// the spec's `format: uri`, so `https://////x` is refused) or an `http://` loopback
/// address.
pub(crate) fn acceptable_url(url: &str) -> bool {
    let https_with_host = url.starts_with("https://")
        && url
            .parse::<hyper::Uri>()
            .is_ok_and(|u| u.scheme_str() == Some("https") && u.host().is_some_and(|h| !h.is_empty()));
    https_with_host || loopback_target(url).is_some()
}

/// `WebhookEvents`: a model and the events the sandbox sends about it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WebhookEventsOut {
    pub(crate) model: &'static str,
    pub(crate) events: &'static [&'static str],
}

/// `SecretsResponse`: a subscription's id and its secrets.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SecretsOut {
    pub(crate) id: String,
    pub(crate) secrets: Vec<SecretRec>,
}

impl SecretsOut {
    pub(crate) fn of(sub: &SubscriptionRec) -> Self {
        SecretsOut { id: sub.id.clone(), secrets: sub.secrets.clone() }
    }
}

/// `SubscriptionUpdateRequest`: what `PATCH /webhooks/{id}` changes (absent or null: kept).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SubscriptionUpdateRequest {
    #[serde(default)]
    pub(crate) events: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

const URL_RULE: &str =
    "The URL must be an https:// URI with a host (or, in the sandbox, http:// on a loopback address).";

/// `(host, port, path)` of an `http://` URL on loopback.
pub(crate) fn loopback_target(url: &str) -> Option<(String, u16, String)> {
    let uri: hyper::Uri = url.parse().ok()?;
    if uri.scheme_str() != Some("http") {
        return None;
    }
    // The same reading of "this machine" as the adapters' base-URL check (dojo-core's).
    if !dojo_core::exchange::is_loopback_host(uri.host()?) {
        return None;
    }
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_owned();
    let path = uri.path_and_query().map_or("/".to_owned(), |p| p.as_str().to_owned());
    Some((host, uri.port_u16().unwrap_or(80), path))
}

impl Webhooks {
    /// No subscription, no delivery; at most `max_deliveries` deliveries kept.
    pub(crate) fn new(max_deliveries: usize) -> Self {
        Webhooks {
            subscriptions: Vec::new(),
            deliveries: VecDeque::new(),
            first: 0,
            max_deliveries: max_deliveries.max(1),
            evicted: 0,
            outbox: Vec::new(),
            activations: 0,
        }
    }

    /// Delivery number `n`, if it is still kept.
    pub(crate) fn delivery(&self, n: usize) -> Option<&Delivery> {
        self.deliveries.get(n.checked_sub(self.first)?)
    }

    /// Records attempt `attempt` of delivery number `n`; whether another is due (never
    /// for a delivery forgotten since).
    pub(crate) fn record(&mut self, n: usize, attempt: u32, max: u32, result: Result<u16, String>) -> bool {
        let Some(rec) = n.checked_sub(self.first).and_then(|i| self.deliveries.get_mut(i)) else { return false };
        let delivered = matches!(result, Ok(s) if (200..300).contains(&s));
        rec.attempts = attempt;
        match result {
            Ok(s) => {
                rec.last_status = Some(s);
                rec.last_error = None;
            }
            Err(e) => {
                rec.last_status = None;
                rec.last_error = Some(e);
            }
        }
        rec.delivered = delivered;
        rec.finished = delivered || attempt >= max;
        !rec.finished
    }

    pub(crate) fn subscribe(
        &mut self,
        req: SubscriptionRequest,
        now: Timestamp,
        rng: &mut Rng,
    ) -> Result<SubscriptionRec, ApiError> {
        if req.events.is_empty() {
            return Err(ApiError::field("$.events", "At least one event is required."));
        }
        if !acceptable_url(&req.url) {
            return Err(ApiError::field("$.url", URL_RULE));
        }
        self.activations += 1;
        let secret = SecretRec {
            id: format!("sc_{}", rng.base64url22()),
            value: format!("ws_{}", rng.base64url22()),
            created_at: now,
            is_active: true,
            activated: self.activations,
        };
        let sub = SubscriptionRec {
            id: format!("ws_{}", rng.base64url22()),
            account_id: ACCOUNT_ID,
            events: req.events,
            url: req.url,
            description: req.description,
            secrets: vec![secret],
            created_at: now,
            updated_at: now,
        };
        self.subscriptions.push(sub.clone());
        Ok(sub)
    }

    pub(crate) fn subscription_mut(&mut self, id: &str) -> Result<&mut SubscriptionRec, ApiError> {
        self.subscriptions.iter_mut().find(|s| s.id == id).ok_or_else(|| ApiError::not_found("Subscription", id))
    }

    /// `PATCH /webhooks/{id}`.
    pub(crate) fn update(
        &mut self,
        id: &str,
        req: SubscriptionUpdateRequest,
        now: Timestamp,
    ) -> Result<SubscriptionRec, ApiError> {
        if req.events.as_ref().is_some_and(Vec::is_empty) {
            return Err(ApiError::field("$.events", "At least one event is required."));
        }
        if req.url.as_deref().is_some_and(|u| !acceptable_url(u)) {
            return Err(ApiError::field("$.url", URL_RULE));
        }
        let sub = self.subscription_mut(id)?;
        if let Some(events) = req.events {
            sub.events = events;
        }
        if let Some(url) = req.url {
            sub.url = url;
        }
        if let Some(d) = req.description {
            sub.description = Some(d);
        }
        sub.updated_at = now;
        Ok(sub.clone())
    }

    pub(crate) fn unsubscribe(&mut self, id: &str) -> Result<(), ApiError> {
        let before = self.subscriptions.len();
        self.subscriptions.retain(|s| s.id != id);
        if self.subscriptions.len() == before { Err(ApiError::not_found("Subscription", id)) } else { Ok(()) }
    }

    /// Generates a new (inactive) secret.
    pub(crate) fn new_secret(&mut self, id: &str, now: Timestamp, rng: &mut Rng) -> Result<(), ApiError> {
        let secret = SecretRec {
            id: format!("sc_{}", rng.base64url22()),
            value: format!("ws_{}", rng.base64url22()),
            created_at: now,
            is_active: false,
            activated: 0,
        };
        let sub = self.subscription_mut(id)?;
        sub.secrets.push(secret);
        sub.updated_at = now;
        Ok(())
    }

    pub(crate) fn activate_secret(&mut self, id: &str, secret_id: &str) -> Result<(), ApiError> {
        self.activations += 1;
        let n = self.activations;
        let sub = self.subscription_mut(id)?;
        let secret = sub
            .secrets
            .iter_mut()
            .find(|s| s.id == secret_id)
            .ok_or_else(|| ApiError::not_found("Secret", secret_id))?;
        secret.is_active = true;
        secret.activated = n;
        Ok(())
    }

    pub(crate) fn delete_secret(&mut self, id: &str, secret_id: &str) -> Result<(), ApiError> {
        let sub = self.subscription_mut(id)?;
        let before = sub.secrets.len();
        sub.secrets.retain(|s| s.id != secret_id);
        if sub.secrets.len() == before { Err(ApiError::not_found("Secret", secret_id)) } else { Ok(()) }
    }

    /// Queues a signed delivery of `event` to every subscription that wants it.
    pub(crate) fn emit(
        &mut self,
        event: &str,
        payment_intent_id: &str,
        status: PaymentIntentStatus,
        capture_mode: CaptureMode,
        now: Timestamp,
        rng: &mut Rng,
    ) {
        for sub in self.subscriptions.iter().filter(|s| s.events.iter().any(|e| e == event)) {
            let event_id = format!("evt_{}", rng.base64url22());
            let payload = EventPayload {
                id: &event_id,
                event,
                account_id: ACCOUNT_ID,
                created_at: now,
                data: EventData { payment_intent_id, payment_status: status, capture_mode },
            };
            let Ok(body) = to_json(&payload) else { continue };
            let body = String::from_utf8_lossy(&body).into_owned();
            // The most recently activated secret signs.
            let signature = sub.secrets.iter().filter(|s| s.is_active).max_by_key(|s| s.activated).map(|s| {
                let mut out = [0u8; SIGNATURE_LEN];
                sign(body.as_bytes(), &s.value, &mut out).to_owned()
            });
            self.deliveries.push_back(Delivery {
                event_id,
                event: event.to_owned(),
                subscription_id: sub.id.clone(),
                url: sub.url.clone(),
                body,
                signature,
                attempts: 0,
                last_status: None,
                last_error: None,
                delivered: false,
                finished: false,
            });
            self.outbox.push(self.first + self.deliveries.len() - 1);
        }
        // Past the cap, the oldest are forgotten (finished or not: one still being
        // attempted is attempted no more, see `record`).
        while self.deliveries.len() > self.max_deliveries {
            self.deliveries.pop_front();
            self.first += 1;
            self.evicted += 1;
        }
        let first = self.first;
        self.outbox.retain(|&n| n >= first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, DeliveryId, Emulator, Outcome, Request};

    fn call(emu: &mut Emulator, method: &str, path: &str, body: &str) -> serde_json::Value {
        let req = Request::new(method, path)
            .header("authorization", "Basic sk_sandbox_t")
            .header("version", "2026-02-27")
            .header("content-type", "application/json")
            .body(body);
        match emu.handle(req, Timestamp::from_unix(1_780_000_000)) {
            Outcome::Answer(r) => serde_json::from_slice(&r.body).unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    /// Past `max_webhook_deliveries` the oldest deliveries are forgotten and counted; the
    /// numbers of those kept do not change, and a forgotten one is attempted no more.
    #[test]
    fn deliveries_stay_within_their_cap() {
        let mut emu = Emulator::new(&Config { max_webhook_deliveries: 3, ..Config::in_process() });
        let sub = r#"{"events":["payment_intent.created"],"url":"https://example.com/hook"}"#;
        assert!(call(&mut emu, "POST", "/webhooks", sub)["id"].is_string());
        let mut pis = Vec::new();
        for i in 0..5 {
            let body = format!(r#"{{"amount":{{"value":100,"currencyCode":"GBP"}},"reference":"r{i}"}}"#);
            pis.push(call(&mut emu, "POST", "/payment-intents", &body)["id"].as_str().unwrap().to_owned());
        }
        let kept: Vec<_> = emu.webhook_deliveries().map(|d| d.body.clone()).collect();
        assert_eq!(kept.len(), 3);
        for (body, pi) in kept.iter().zip(&pis[2..]) {
            assert!(body.contains(pi.as_str()), "{body} is not of {pi}");
        }
        assert_eq!(emu.deliveries_evicted(), 2);
        // Numbers: 0 and 1 forgotten, 2..=4 kept and queued.
        assert!(emu.delivery(DeliveryId(1)).is_none());
        assert!(emu.delivery(DeliveryId(2)).is_some_and(|d| d.body.contains(pis[2].as_str())));
        assert_eq!(emu.take_outbox(), vec![DeliveryId(2), DeliveryId(3), DeliveryId(4)]);
        assert!(!emu.record_delivery_attempt(DeliveryId(0), 1, Err("gone".into())), "forgotten: no retry");
        assert!(emu.record_delivery_attempt(DeliveryId(4), 1, Err("refused".into())), "kept: retried");
        let stats = call(&mut emu, "GET", "/_sandbox/stats", "");
        assert_eq!(stats["webhookDeliveries"], 3);
        assert_eq!(stats["webhookDeliveriesEvicted"], 2);
    }

    #[test]
    fn subscription_urls_read_loopback_as_the_adapters_do() {
        for good in [
            "https://example.com/hook",
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://[::1]:9/hook",
            "http://127.1:9/hook",
        ] {
            assert!(acceptable_url(good), "{good}");
        }
        for evil in [
            "http://127.0.0.1:1@evil.example/",
            "http://evil.example/hook",
            "http://127.0.0.1.evil.example/hook",
            "http://10.0.0.1/hook",
            "https:////x",
            "ftp://127.0.0.1/hook",
        ] {
            assert!(!acceptable_url(evil), "{evil}");
        }
    }
}
