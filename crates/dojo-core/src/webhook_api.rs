//! Webhook subscription management (the `/webhooks` operations of the 2026-02-27 spec):
//! request builders on [`Api`], request bodies with validation, response models and
//! their [`ResponseKind`](crate::response::ResponseKind)s.
//!
//! | Operation | Builder | Answer |
//! |---|---|---|
//! | `GET /webhooks/events` | [`Api::list_webhook_events`] | [`Items`] of [`WebhookEventGroup`] |
//! | `GET /webhooks` | [`Api::list_subscriptions`] | [`Items`] of [`Subscription`] |
//! | `POST /webhooks` | [`Api::create_subscription`] | [`Subscription`] |
//! | `PATCH /webhooks/{id}` | [`Api::update_subscription`] | [`Subscription`] |
//! | `DELETE /webhooks/{id}` | [`Api::delete_subscription`] | nothing (204) |
//! | `GET /webhooks/{id}/secrets` | [`Api::list_secrets`] | [`SecretsResponse`] |
//! | `POST /webhooks/{id}/secrets` | [`Api::generate_secret`] | [`SecretsResponse`] |
//! | `PUT /webhooks/{id}/secrets/{secretId}/activate` | [`Api::activate_secret`] | nothing (204) |
//! | `DELETE /webhooks/{id}/secrets/{secretId}` | [`Api::delete_secret`] | nothing (204) |
//!
//! The spec has no operation that reads one subscription: find it in
//! [`Api::list_subscriptions`]'s answer with [`find_subscription`]. Only the three reads are
//! [`retry_safe`](crate::request::Operation::retry_safe): every create makes another
//! subscription or secret.
//!
//! Subscription URLs must be `https://` (the spec's pattern `^https://*.+`). A local
//! emulator accepts plain-HTTP loopback receivers: build those requests with
//! [`UrlRule::AllowLoopbackHttp`].
//!
//! ```
//! use dojo_core::ApiKey;
//! use dojo_core::request::Api;
//! use dojo_core::webhook::WebhookEventName;
//! use dojo_core::webhook_api::SubscriptionRequest;
//!
//! let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
//! let api = Api::new(&key);
//! let events = [WebhookEventName::PaymentIntentStatusUpdated];
//! let body = SubscriptionRequest::new("https://shop.example/dojo", &events);
//! let mut buf = [0u8; 256];
//! let req = api.create_subscription(&body, &mut buf).unwrap();
//! assert_eq!((req.method().as_str(), req.path()), ("POST", "/webhooks"));
//! assert_eq!(req.body(&buf), br#"{"events":["payment_intent.status_updated"],"url":"https://shop.example/dojo"}"#);
//! assert!(!req.retry_safe());
//!
//! let answer = br#"{"id":"ws_1","events":["payment_intent.status_updated"],"url":"https://shop.example/dojo",
//!     "secrets":[{"id":"sc_1","value":"ws_secret","isActive":true}]}"#;
//! let sub = req.decode(200, answer).unwrap();
//! assert_eq!(sub.id, "ws_1");
//! let mut scratch = [0u8; 64];
//! let mut active = [""; 4];
//! let n = sub.active_secrets(&mut scratch, &mut active).unwrap();
//! assert_eq!(&active[..n], ["ws_secret"]);
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::collections::List;
use crate::error::{BufferTooSmall, Error, ValidationError, ValidationErrorKind};
use crate::id::validate_id;
use crate::json::{DecodeError, Items, Text, from_slice};
use crate::request::{Api, Method, Operation, Request, encode};
use crate::time::Timestamp;
use crate::webhook::WebhookEventName;

/// The longest subscription URL accepted, in bytes. The spec sets no maximum; this is
/// dojo-core's own bound (the common practical limit of URLs), so that a runaway value
/// is refused before it is sent.
pub const MAX_URL_LEN: usize = 2048;

/// The characters an event name may hold when dojo-core does not know it:
/// `[A-Za-z0-9_.-]`, as every published name (`payment_intent.send-receipt`).
fn event_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

/// Which subscription URLs a request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UrlRule {
    /// `https://` only, as the API requires.
    #[default]
    HttpsOnly,
    /// `https://`, or `http://` to a loopback host (`127.0.0.1`, `localhost`, `[::1]`),
    /// which only a local emulator accepts.
    AllowLoopbackHttp,
}

/// Checks a subscription URL: `https://` (lowercase scheme, as the spec's pattern), a
/// non-empty host, at most [`MAX_URL_LEN`] bytes, and no white space or control
/// characters (`format: uri`).
pub fn validate_url(field: &'static str, url: &Text<'_>, rule: UrlRule) -> Result<(), ValidationError> {
    let invalid = |kind| ValidationError::new(field, kind);
    if url.is_empty() {
        return Err(invalid(ValidationErrorKind::Empty));
    }
    if url.len() > MAX_URL_LEN {
        return Err(invalid(ValidationErrorKind::TooLong { max: MAX_URL_LEN }));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(ValidationErrorKind::InvalidCharacter));
    }
    // Only the scheme and the authority decide the rest; copy that much (escapes decoded)
    // onto the stack, not the whole URL.
    let mut head = [0u8; URL_HEAD];
    let mut used = 0;
    for c in url.chars() {
        let mut enc = [0u8; 4];
        let bytes = c.encode_utf8(&mut enc).as_bytes();
        let Some(dst) = head.get_mut(used..used + bytes.len()) else { break };
        dst.copy_from_slice(bytes);
        used += bytes.len();
    }
    let whole = used == url.len();
    let head = core::str::from_utf8(head.get(..used).unwrap_or(&[])).unwrap_or("");
    let host_and_rest = match (head.strip_prefix("https://"), head.strip_prefix("http://"), rule) {
        (Some(rest), _, _) => rest,
        (None, Some(rest), UrlRule::AllowLoopbackHttp) if is_loopback(rest, whole) => rest,
        _ => return Err(invalid(ValidationErrorKind::InvalidFormat)),
    };
    match host_and_rest.bytes().next() {
        None | Some(b'/' | b'?' | b'#' | b':' | b'@') => Err(invalid(ValidationErrorKind::InvalidFormat)),
        Some(_) => Ok(()),
    }
}

/// How much of a URL [`validate_url`] reads: the scheme and any loopback authority
/// (`http://[::1]:65535` is 18 bytes) fit with room to spare.
const URL_HEAD: usize = 64;

/// Whether the authority at the start of `rest` is a loopback host (with or without a
/// port), followed by the end (when `whole`: `rest` is not cut short), a path, a query
/// or a fragment.
fn is_loopback(rest: &str, whole: bool) -> bool {
    let end = match rest.find(['/', '?', '#']) {
        Some(end) => end,
        None if whole => rest.len(),
        None => return false,
    };
    let authority = rest.get(..end).unwrap_or("");
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => match authority.find(':') {
            Some(i) => (authority.get(..i).unwrap_or(""), authority.get(i..).unwrap_or("")),
            None => (authority, ""),
        },
    };
    (port.is_empty() || is_port(port))
        && (host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost"))
}

/// `:` and 1-5 digits.
fn is_port(s: &str) -> bool {
    s.strip_prefix(':').is_some_and(|d| (1..=5).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a list of event names: at least one, each known or, if unknown, kept (at most
/// [`UnknownValue::CAPACITY`](crate::enums::UnknownValue::CAPACITY) bytes) and made
/// of `[A-Za-z0-9_.-]`. Unknown names are allowed: Dojo adds events without notice (the
/// spec's own examples name `payment.successful` and `order.created`).
pub fn validate_events(field: &'static str, events: &List<'_, WebhookEventName>) -> Result<(), ValidationError> {
    if events.is_empty() {
        return Err(ValidationError::new(field, ValidationErrorKind::Empty));
    }
    for event in events.iter() {
        let Some(name) = event.as_str() else {
            return Err(ValidationError::new(field, ValidationErrorKind::UnknownVariant));
        };
        if name.is_empty() {
            return Err(ValidationError::new(field, ValidationErrorKind::Empty));
        }
        if !name.bytes().all(event_name_byte) {
            return Err(ValidationError::new(field, ValidationErrorKind::InvalidCharacter));
        }
    }
    Ok(())
}

/// The body of `POST /webhooks` (`SubscriptionRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRequest<'a> {
    /// The events to deliver (at least one).
    #[serde(borrow)]
    pub events: List<'a, WebhookEventName>,
    /// Where to deliver them (`https://`).
    #[serde(borrow)]
    pub url: Text<'a>,
    /// A description (the spec sets no limit).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
}

impl<'a> SubscriptionRequest<'a> {
    /// A subscription of `url` to `events`.
    pub fn new(url: &'a str, events: &'a [WebhookEventName]) -> Self {
        SubscriptionRequest { events: List::Slice(events), url: Text::new(url), description: None }
    }

    /// Checks the URL ([`validate_url`]) and the events ([`validate_events`]).
    pub fn validate(&self, rule: UrlRule) -> Result<(), ValidationError> {
        validate_events("events", &self.events)?;
        validate_url("url", &self.url, rule)
    }
}

/// The body of `PATCH /webhooks/{id}` (`SubscriptionUpdateRequest`): the fields to
/// change. At least one must be set.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionUpdateRequest<'a> {
    /// The new list of events (at least one).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub events: Option<List<'a, WebhookEventName>>,
    /// The new URL (`https://`).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Text<'a>>,
    /// The new description.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
}

impl SubscriptionUpdateRequest<'_> {
    /// Checks the fields set; an update that sets none is
    /// [`Missing`](ValidationErrorKind::Missing).
    pub fn validate(&self, rule: UrlRule) -> Result<(), ValidationError> {
        if self.events.is_none() && self.url.is_none() && self.description.is_none() {
            return Err(ValidationError::new("body", ValidationErrorKind::Missing));
        }
        if let Some(events) = &self.events {
            validate_events("events", events)?;
        }
        if let Some(url) = &self.url {
            validate_url("url", url, rule)?;
        }
        Ok(())
    }
}

/// A webhook secret's value. `Debug` redacts it; read it with
/// [`expose`](SecretValue::expose).
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretValue<'a>(#[serde(borrow)] Text<'a>);

impl<'a> SecretValue<'a> {
    /// The secret itself: the HMAC key, its UTF-8 bytes as they are (see
    /// [`crate::webhook`]). The server may have escaped some of its characters (`+`
    /// is written `\u002B`): [`Text::copy_to`] decodes them.
    pub fn expose(&self) -> Text<'a> {
        self.0
    }
}

impl fmt::Debug for SecretValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// A subscription's secret (`SubscriptionSecret`). Every field is `None` when absent or
/// `null`; unknown fields are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscriptionSecret<'a> {
    /// The secret's id (`sc_…`), for activating or deleting it.
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    /// The HMAC key.
    #[serde(borrow)]
    pub value: Option<SecretValue<'a>>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it last signed a delivery (in the spec's examples, not its schema).
    pub last_used_at: Option<Timestamp>,
    /// Whether deliveries are signed with it; only active secrets verify deliveries.
    pub is_active: Option<bool>,
}

/// Why [`active_secrets`](SecretsResponse::active_secrets) could not list them all.
/// Nothing is truncated silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveSecretsError {
    /// `out` has fewer slots than there are active secrets.
    TooManySecrets {
        /// How many active secrets there are.
        active: usize,
    },
    /// The scratch buffer cannot hold the decoded values.
    ScratchTooSmall(BufferTooSmall),
}

impl fmt::Display for ActiveSecretsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActiveSecretsError::TooManySecrets { active } => {
                write!(f, "the subscription has {active} active secrets, more than there is room for")
            }
            ActiveSecretsError::ScratchTooSmall(b) => b.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ActiveSecretsError {}

/// Copies the values of the active secrets of `secrets` (in the API's order) into
/// `scratch`, escapes decoded, and writes them to `out`; returns how many. Secrets
/// without a value are skipped.
fn copy_active<'a, 'o>(
    secrets: Option<Items<'a, SubscriptionSecret<'a>>>,
    scratch: &'o mut [u8],
    out: &mut [&'o str],
) -> Result<usize, ActiveSecretsError> {
    let active = || secrets.into_iter().flatten().filter(|s| s.is_active == Some(true)).filter_map(|s| s.value);
    let count = active().count();
    if count > out.len() {
        return Err(ActiveSecretsError::TooManySecrets { active: count });
    }
    let needed: usize = active().map(|v| v.expose().len()).sum();
    if needed > scratch.len() {
        return Err(ActiveSecretsError::ScratchTooSmall(BufferTooSmall { needed }));
    }
    let mut rest = scratch;
    for (slot, value) in out.iter_mut().zip(active()) {
        let len = value.expose().len();
        let Some((head, tail)) = core::mem::take(&mut rest).split_at_mut_checked(len) else {
            return Err(ActiveSecretsError::ScratchTooSmall(BufferTooSmall { needed }));
        };
        rest = tail;
        *slot = value.expose().copy_to(head).map_err(ActiveSecretsError::ScratchTooSmall)?;
    }
    Ok(count)
}

/// A webhook subscription (`Subscription`). `id` is required (a subscription without one
/// cannot be managed); everything else is `None` when absent or `null`, and unknown
/// fields are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Subscription<'a> {
    /// The subscription's id (`ws_…`).
    #[serde(borrow)]
    pub id: Text<'a>,
    /// The Dojo account.
    #[serde(borrow)]
    pub account_id: Option<Text<'a>>,
    /// The events delivered (unknown names kept as
    /// [`WebhookEventName::Unknown`]).
    #[serde(borrow)]
    pub events: Option<Items<'a, WebhookEventName>>,
    /// Where they are delivered.
    #[serde(borrow)]
    pub url: Option<Text<'a>>,
    /// The description.
    #[serde(borrow)]
    pub description: Option<Text<'a>>,
    /// The secrets that sign deliveries.
    #[serde(borrow)]
    pub secrets: Option<Items<'a, SubscriptionSecret<'a>>>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    pub updated_at: Option<Timestamp>,
}

impl<'a> Subscription<'a> {
    /// The values of its active secrets, for [`crate::webhook::verify`]: see
    /// [`SecretsResponse::active_secrets`].
    pub fn active_secrets<'o>(&self, scratch: &'o mut [u8], out: &mut [&'o str]) -> Result<usize, ActiveSecretsError> {
        copy_active(self.secrets, scratch, out)
    }
}

/// A subscription's secrets (`SecretsResponse`), the answer of
/// [`Api::list_secrets`] and [`Api::generate_secret`].
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecretsResponse<'a> {
    /// The subscription's id (absent from the spec's example for a generated secret).
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    /// The secrets, active or not.
    #[serde(borrow)]
    pub secrets: Option<Items<'a, SubscriptionSecret<'a>>>,
}

impl<'a> SecretsResponse<'a> {
    /// Writes the values of the active secrets (in the API's order, escapes decoded into
    /// `scratch`) to `out` and returns how many: the list [`crate::webhook::verify`]
    /// takes, so that during a rotation a delivery signed with either active secret
    /// verifies. Only secrets with `"isActive": true` and a value count (an absent or
    /// `null` flag is not taken as active). Refuses rather than truncates when `out` or
    /// `scratch` is too small.
    pub fn active_secrets<'o>(&self, scratch: &'o mut [u8], out: &mut [&'o str]) -> Result<usize, ActiveSecretsError> {
        copy_active(self.secrets, scratch, out)
    }
}

/// One model's event types (`WebhookEvents`), an element of
/// [`Api::list_webhook_events`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookEventGroup<'a> {
    /// The model, e.g. `PaymentIntent`.
    #[serde(borrow)]
    pub model: Option<Text<'a>>,
    /// Its events.
    #[serde(borrow)]
    pub events: Option<Items<'a, WebhookEventName>>,
}

/// Marker types naming what each webhook operation's response decodes into (see
/// [`crate::response::kind`]).
pub mod kind {
    use super::{SecretsResponse, Subscription, WebhookEventGroup};
    use crate::json::{DecodeError, Items};

    crate::response::response_kinds! {
        /// A [`Subscription`].
        SubscriptionKind => Subscription<'a>;
        /// Every subscription: an array of [`Subscription`].
        SubscriptionListKind => Items<'a, Subscription<'a>>;
        /// A [`SecretsResponse`].
        SecretsKind => SecretsResponse<'a>;
        /// The event types: an array of [`WebhookEventGroup`].
        WebhookEventsKind => Items<'a, WebhookEventGroup<'a>>;
        /// An answer with nothing to read (`204 No Content`): any 2xx succeeds, whatever
        /// its body.
        NoContentKind => (), no_content;
    }

    /// Reads nothing: a 2xx answer with no content succeeds whatever its body.
    fn no_content(_body: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// The subscription `id` in [`Api::list_subscriptions`]'s answer: the spec's way to
/// read one subscription (it has no `GET /webhooks/{id}`). Ids are compared decoded.
pub fn find_subscription<'a>(list: &Items<'a, Subscription<'a>>, id: &str) -> Option<Subscription<'a>> {
    list.iter().find(|s| s.id == id)
}

/// Decodes a [`Subscription`] (for callers holding a body from elsewhere).
pub fn decode_subscription(body: &[u8]) -> Result<Subscription<'_>, DecodeError> {
    from_slice(body)
}

impl<'k> Api<'k> {
    /// `GET /webhooks/events`: the event types, by model.
    pub fn list_webhook_events(&self) -> Result<Request<'k, kind::WebhookEventsKind>, Error<'static>> {
        self.request(Operation::ListWebhookEvents, Method::Get, &["/webhooks/events"], None, 0, None)
    }

    /// `GET /webhooks`: every subscription.
    pub fn list_subscriptions(&self) -> Result<Request<'k, kind::SubscriptionListKind>, Error<'static>> {
        self.request(Operation::ListSubscriptions, Method::Get, &["/webhooks"], None, 0, None)
    }

    /// `POST /webhooks`: subscribes an `https://` URL. Not retry-safe: each call makes
    /// another subscription.
    pub fn create_subscription(
        &self,
        body: &SubscriptionRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SubscriptionKind>, Error<'static>> {
        self.create_subscription_with(body, UrlRule::HttpsOnly, buf)
    }

    /// `POST /webhooks` with another [`UrlRule`] (a loopback receiver on a local
    /// emulator).
    pub fn create_subscription_with(
        &self,
        body: &SubscriptionRequest<'_>,
        rule: UrlRule,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SubscriptionKind>, Error<'static>> {
        body.validate(rule)?;
        let len = encode(body, buf)?;
        self.request(Operation::CreateSubscription, Method::Post, &["/webhooks"], None, len, None)
    }

    /// `PATCH /webhooks/{id}`: changes a subscription's URL, events or description.
    pub fn update_subscription(
        &self,
        subscription_id: &str,
        body: &SubscriptionUpdateRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SubscriptionKind>, Error<'static>> {
        self.update_subscription_with(subscription_id, body, UrlRule::HttpsOnly, buf)
    }

    /// `PATCH /webhooks/{id}` with another [`UrlRule`].
    pub fn update_subscription_with(
        &self,
        subscription_id: &str,
        body: &SubscriptionUpdateRequest<'_>,
        rule: UrlRule,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SubscriptionKind>, Error<'static>> {
        validate_id("subscriptionId", subscription_id)?;
        body.validate(rule)?;
        let len = encode(body, buf)?;
        self.request(Operation::UpdateSubscription, Method::Patch, &["/webhooks/", subscription_id], None, len, None)
    }

    /// `DELETE /webhooks/{id}`.
    pub fn delete_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<Request<'k, kind::NoContentKind>, Error<'static>> {
        validate_id("subscriptionId", subscription_id)?;
        self.request(Operation::DeleteSubscription, Method::Delete, &["/webhooks/", subscription_id], None, 0, None)
    }

    /// `GET /webhooks/{id}/secrets`: a subscription's secrets.
    pub fn list_secrets(&self, subscription_id: &str) -> Result<Request<'k, kind::SecretsKind>, Error<'static>> {
        validate_id("subscriptionId", subscription_id)?;
        let path = ["/webhooks/", subscription_id, "/secrets"];
        self.request(Operation::ListSecrets, Method::Get, &path, None, 0, None)
    }

    /// `POST /webhooks/{id}/secrets`: generates a new secret (inactive until
    /// activated). Not retry-safe: each call makes another secret.
    pub fn generate_secret(&self, subscription_id: &str) -> Result<Request<'k, kind::SecretsKind>, Error<'static>> {
        validate_id("subscriptionId", subscription_id)?;
        let path = ["/webhooks/", subscription_id, "/secrets"];
        self.request(Operation::GenerateSecret, Method::Post, &path, None, 0, None)
    }

    /// `PUT /webhooks/{id}/secrets/{secretId}/activate`.
    pub fn activate_secret(
        &self,
        subscription_id: &str,
        secret_id: &str,
    ) -> Result<Request<'k, kind::NoContentKind>, Error<'static>> {
        validate_id("subscriptionId", subscription_id)?;
        validate_id("secretId", secret_id)?;
        let path = ["/webhooks/", subscription_id, "/secrets/", secret_id, "/activate"];
        self.request(Operation::ActivateSecret, Method::Put, &path, None, 0, None)
    }

    /// `DELETE /webhooks/{id}/secrets/{secretId}`.
    pub fn delete_secret(
        &self,
        subscription_id: &str,
        secret_id: &str,
    ) -> Result<Request<'k, kind::NoContentKind>, Error<'static>> {
        validate_id("subscriptionId", subscription_id)?;
        validate_id("secretId", secret_id)?;
        let path = ["/webhooks/", subscription_id, "/secrets/", secret_id];
        self.request(Operation::DeleteSecret, Method::Delete, &path, None, 0, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str, rule: UrlRule) -> Result<(), ValidationErrorKind> {
        validate_url("url", &Text::new(s), rule).map_err(|e| e.kind)
    }

    #[test]
    fn urls() {
        use UrlRule::*;
        assert_eq!(url("https://example.com/incoming-events", HttpsOnly), Ok(()));
        assert_eq!(url("https://h", HttpsOnly), Ok(()));
        assert_eq!(url("", HttpsOnly), Err(ValidationErrorKind::Empty));
        assert_eq!(url("https://", HttpsOnly), Err(ValidationErrorKind::InvalidFormat));
        assert_eq!(url("https:///path", HttpsOnly), Err(ValidationErrorKind::InvalidFormat));
        assert_eq!(url("HTTPS://example.com", HttpsOnly), Err(ValidationErrorKind::InvalidFormat));
        assert_eq!(url("http://example.com", HttpsOnly), Err(ValidationErrorKind::InvalidFormat));
        assert_eq!(url("ftp://example.com", AllowLoopbackHttp), Err(ValidationErrorKind::InvalidFormat));
        assert_eq!(url("https://exa mple.com", HttpsOnly), Err(ValidationErrorKind::InvalidCharacter));
        assert_eq!(url("https://example.com/\n", HttpsOnly), Err(ValidationErrorKind::InvalidCharacter));
        let long = format!("https://{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(url(&long, HttpsOnly), Err(ValidationErrorKind::TooLong { max: MAX_URL_LEN }));
        let just = format!("https://{}", "a".repeat(MAX_URL_LEN - 8));
        assert_eq!(url(&just, HttpsOnly), Ok(()));
        // Loopback over plain HTTP, only when asked for.
        for ok in ["http://127.0.0.1:8080/hook", "http://localhost:1/", "http://[::1]:65535", "http://127.0.0.1"] {
            assert_eq!(url(ok, AllowLoopbackHttp), Ok(()), "{ok}");
            assert_eq!(url(ok, HttpsOnly), Err(ValidationErrorKind::InvalidFormat), "{ok}");
        }
        for bad in [
            "http://127.0.0.2/",
            "http://localhost.evil.com/",
            "http://127.0.0.1.evil.com/",
            "http://127.0.0.1:80x/",
            "http://127.0.0.1:123456/",
            "http://[::1]x/",
            "http://evil.com@127.0.0.1/",
            "http://",
        ] {
            assert_eq!(url(bad, AllowLoopbackHttp), Err(ValidationErrorKind::InvalidFormat), "{bad}");
        }
        // An authority longer than what is read is never taken for loopback.
        let padded = format!("http://localhost{}", ":".repeat(80));
        assert_eq!(url(&padded, AllowLoopbackHttp), Err(ValidationErrorKind::InvalidFormat));
        let long_path = format!("http://127.0.0.1:9/{}", "p".repeat(500));
        assert_eq!(url(&long_path, AllowLoopbackHttp), Ok(()));
        // Escaped URLs (as decoded from JSON) are read decoded.
        let escaped: SubscriptionRequest<'_> =
            crate::json::from_slice(br#"{"events":["a.b"],"url":"https:\/\/h\u0073.example"}"#).unwrap();
        assert_eq!(escaped.validate(HttpsOnly), Ok(()));
        let escaped: SubscriptionRequest<'_> =
            crate::json::from_slice(br#"{"events":["a.b"],"url":"http\u0073:\/\/"}"#).unwrap();
        assert_eq!(escaped.validate(HttpsOnly).map_err(|e| e.kind), Err(ValidationErrorKind::InvalidFormat));
    }

    #[test]
    fn events() {
        let check = |e: &[WebhookEventName]| validate_events("events", &List::Slice(e)).map_err(|e| e.kind);
        assert_eq!(check(&[]), Err(ValidationErrorKind::Empty));
        assert_eq!(check(&[WebhookEventName::PaymentIntentCreated]), Ok(()));
        assert_eq!(check(&[WebhookEventName::parse("order.created")]), Ok(()));
        assert_eq!(check(&[WebhookEventName::parse("some.future_event-x")]), Ok(()));
        assert_eq!(check(&[WebhookEventName::parse("")]), Err(ValidationErrorKind::Empty));
        assert_eq!(check(&[WebhookEventName::parse("bad name")]), Err(ValidationErrorKind::InvalidCharacter));
        assert_eq!(check(&[WebhookEventName::parse("\"quoted\"")]), Err(ValidationErrorKind::InvalidCharacter));
        let long = "x".repeat(crate::enums::UnknownValue::CAPACITY + 1);
        assert_eq!(check(&[WebhookEventName::parse(&long)]), Err(ValidationErrorKind::UnknownVariant));
    }
}
