//! Webhooks: subscriptions with secrets, and signed deliveries of the payment-intent
//! events (`payment_intent.created`, `payment_intent.status_updated`), retried a bounded
//! number of times (the HTTP shell, `server`, makes the attempts). Deliveries go to loopback `http://` URLs only; an `https://` URL is
//! accepted (as Dojo requires) but its deliveries are recorded as failed.

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
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    pub(crate) subscriptions: Vec<SubscriptionRec>,
    pub(crate) deliveries: Vec<Delivery>,
    /// Deliveries queued and not yet handed to whoever makes them.
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
    /// Records attempt `attempt` of delivery `index`; whether another is due.
    pub(crate) fn record(&mut self, index: usize, attempt: u32, max: u32, result: Result<u16, String>) -> bool {
        let Some(rec) = self.deliveries.get_mut(index) else { return false };
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
            self.deliveries.push(Delivery {
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
            self.outbox.push(self.deliveries.len() - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
