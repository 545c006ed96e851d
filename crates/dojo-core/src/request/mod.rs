//! Request builders: one method per operation on [`Api`], each returning a [`Request`]
//! (method, path, query, headers) with the JSON body written into the caller's buffer.
//!
//! Inputs are validated against the spec before anything is written; a too-small
//! buffer is [`Error::BufferTooSmall`] with the size needed. Every request knows
//! whether it is safe to retry ([`Request::retry_safe`]) and which model its response
//! decodes into ([`Request::decode`]).
//!
//! Three files: this one describes a request ([`Request`], [`Operation`], [`Method`],
//! the headers' rules); `api.rs` holds the builder ([`Api`]); `body.rs` the bodies, each
//! with its validation.
//!
//! ```
//! use dojo_core::request::{Api, CreateSetupIntentRequest};
//! use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money};
//!
//! let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
//! let api = Api::new(&key);
//! let body = CreateSetupIntentRequest::new(
//!     "Table 4",
//!     "No-show fee applies",
//!     MerchantInitiatedTransactionType::NoShow,
//!     Money::gbp(1000),
//! );
//! let mut buf = [0u8; 512];
//! let req = api.create_setup_intent(&body, &mut buf).unwrap();
//! assert_eq!((req.method().as_str(), req.path_and_query()), ("POST", "/setup-intents"));
//! assert_eq!(
//!     req.body(&buf),
//!     br#"{"reference":"Table 4","merchantInitiatedTransactionType":"NoShow","terms":"No-show fee applies","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#
//! );
//! assert!(!req.retry_safe());
//! ```

use core::fmt;
use core::marker::PhantomData;

use crate::error::{BufferTooSmall, Error, ValidationError, ValidationErrorKind};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::response::{ResponseKind, kind};

/// The API version this crate speaks, sent in the `version` header. Override it with
/// [`Api::with_version`].
pub const API_VERSION: &str = "2026-02-27";

/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("dojo-rs/", env!("CARGO_PKG_VERSION"));

/// The API's base URL (sandbox and production share it; the key selects).
pub const DEFAULT_BASE_URL: &str = "https://api.dojo.tech";

/// The most headers a request carries.
pub const MAX_HEADERS: usize = 6;

/// Capacity of a request's path and query: the longest built is 95 bytes,
/// `/setup-intents/{50-byte id}/refresh-client-session-secret`.
pub const MAX_PATH_LEN: usize = 128;

/// The refund's idempotency header, named as the spec names it.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotencyKey";

/// The header carrying the API key (`Basic {key}`), as every request names it.
pub const AUTHORIZATION_HEADER: &str = "Authorization";

/// The header naming the API version ([`API_VERSION`] unless set otherwise), as the spec
/// names it.
pub const VERSION_HEADER: &str = "version";

/// The header naming the client ([`DEFAULT_USER_AGENT`] unless set otherwise).
pub const USER_AGENT_HEADER: &str = "User-Agent";

/// The header asking for JSON answers ([`JSON_MEDIA_TYPE`]).
pub const ACCEPT_HEADER: &str = "Accept";

/// The header naming a body's media type ([`JSON_MEDIA_TYPE`]), sent with a body only.
pub const CONTENT_TYPE_HEADER: &str = "Content-Type";

/// The media type of every body sent and asked for.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// The longest idempotency key the API accepts.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 100;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// PUT (activating a webhook secret)
    Put,
    /// PATCH (updating a webhook subscription)
    Patch,
}

impl Method {
    /// The method's name.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// Every operation dojo-core builds, for logging and for adapters' policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /setup-intents`
    CreateSetupIntent,
    /// `GET /setup-intents/{id}`
    GetSetupIntent,
    /// `DELETE /setup-intents/{id}`
    CancelSetupIntent,
    /// `GET /setup-intents/public/{id}`
    GetPublicSetupIntent,
    /// `POST /setup-intents/{id}/refresh-client-session-secret`
    RefreshSetupIntentSecret,
    /// `POST /payment-intents`
    CreatePaymentIntent,
    /// `GET /payment-intents/{id}`
    GetPaymentIntent,
    /// `DELETE /payment-intents/{id}`
    CancelPaymentIntent,
    /// `POST /payment-intents/{id}/charge`
    ChargePaymentIntent,
    /// `POST /payment-intents/{id}/captures`
    CapturePaymentIntent,
    /// `POST /payment-intents/{id}/refunds`
    RefundPaymentIntent,
    /// `POST /payment-intents/{id}/reversal`
    ReversePaymentIntent,
    /// `POST /payment-intents/search`
    SearchPaymentIntents,
    /// `GET /payment-intents/refunds/{refundId}`
    GetRefund,
    /// `POST /payment-intents/{id}/refresh-client-session-secret`
    RefreshPaymentIntentSecret,
    /// `GET /webhooks/events`
    ListWebhookEvents,
    /// `GET /webhooks`
    ListSubscriptions,
    /// `POST /webhooks`
    CreateSubscription,
    /// `PATCH /webhooks/{id}`
    UpdateSubscription,
    /// `DELETE /webhooks/{id}`
    DeleteSubscription,
    /// `GET /webhooks/{id}/secrets`
    ListSecrets,
    /// `POST /webhooks/{id}/secrets`
    GenerateSecret,
    /// `PUT /webhooks/{id}/secrets/{secretId}/activate`
    ActivateSecret,
    /// `DELETE /webhooks/{id}/secrets/{secretId}`
    DeleteSecret,
}

impl Operation {
    /// The operation's name, e.g. `"charge_payment_intent"`.
    pub const fn name(&self) -> &'static str {
        match self {
            Operation::CreateSetupIntent => "create_setup_intent",
            Operation::GetSetupIntent => "get_setup_intent",
            Operation::CancelSetupIntent => "cancel_setup_intent",
            Operation::GetPublicSetupIntent => "get_public_setup_intent",
            Operation::RefreshSetupIntentSecret => "refresh_setup_intent_secret",
            Operation::CreatePaymentIntent => "create_payment_intent",
            Operation::GetPaymentIntent => "get_payment_intent",
            Operation::CancelPaymentIntent => "cancel_payment_intent",
            Operation::ChargePaymentIntent => "charge_payment_intent",
            Operation::CapturePaymentIntent => "capture_payment_intent",
            Operation::RefundPaymentIntent => "refund_payment_intent",
            Operation::ReversePaymentIntent => "reverse_payment_intent",
            Operation::SearchPaymentIntents => "search_payment_intents",
            Operation::GetRefund => "get_refund",
            Operation::RefreshPaymentIntentSecret => "refresh_payment_intent_secret",
            Operation::ListWebhookEvents => "list_webhook_events",
            Operation::ListSubscriptions => "list_subscriptions",
            Operation::CreateSubscription => "create_subscription",
            Operation::UpdateSubscription => "update_subscription",
            Operation::DeleteSubscription => "delete_subscription",
            Operation::ListSecrets => "list_secrets",
            Operation::GenerateSecret => "generate_secret",
            Operation::ActivateSecret => "activate_secret",
            Operation::DeleteSecret => "delete_secret",
        }
    }

    /// Whether a request of this operation may be sent again after it may have reached
    /// the server: reads always (intents, a refund, and the webhook reads: event types,
    /// subscriptions, secrets); a refund only when it carries an idempotency key (`keyed`:
    /// the same key on every attempt, so the server refunds at most once). Anything else
    /// may be repeated only when it provably never reached the server: creating a
    /// subscription or generating a secret makes another one each time, and webhook
    /// updates, activations and deletes are not repeated blindly either.
    ///
    /// This table is the one statement of the rule; the `exchange` module applies it (with
    /// the statuses and transport failures that allow a repeat) for both adapters.
    pub const fn repeatable(self, keyed: bool) -> bool {
        match self {
            Operation::GetSetupIntent
            | Operation::GetPublicSetupIntent
            | Operation::GetPaymentIntent
            | Operation::GetRefund
            | Operation::ListWebhookEvents
            | Operation::ListSubscriptions
            | Operation::ListSecrets => true,
            Operation::RefundPaymentIntent => keyed,
            _ => false,
        }
    }

    /// Whether repeating the request cannot change anything on the server, whatever it
    /// carries: [`repeatable`](Self::repeatable) without an idempotency key (reads only).
    pub const fn retry_safe(&self) -> bool {
        self.repeatable(false)
    }
}

/// A built request: method, path and query, headers, and the length of the body in the
/// caller's buffer. `K` names what its response decodes into.
///
/// `Debug` never shows the `Authorization` header.
#[derive(Clone)]
pub struct Request<'r, K> {
    parts: Parts<'r>,
    _kind: PhantomData<fn() -> K>,
}

/// What a request is, whatever its answer decodes into: written once by [`Api`]'s
/// builder, read by [`Request`]'s accessors. An adapter that sends requests of every
/// kind reads them through [`Request::parts`]: one non-generic sending path for all.
///
/// `Debug` never shows the `Authorization` header.
#[derive(Clone)]
pub struct RequestParts<'r> {
    pub(crate) operation: Operation,
    pub(crate) method: Method,
    /// The path, then the query (with its `?`) from `query_at`.
    pub(crate) path: heapless::String<MAX_PATH_LEN>,
    pub(crate) query_at: usize,
    pub(crate) headers: [(&'r str, &'r str); MAX_HEADERS],
    pub(crate) header_count: usize,
    pub(crate) body_len: usize,
}

/// The crate's short name for [`RequestParts`].
pub(crate) type Parts<'r> = RequestParts<'r>;

impl<'r> RequestParts<'r> {
    /// The operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The path and query, as sent after the host.
    pub fn path_and_query(&self) -> &str {
        &self.path
    }

    /// Every header to send (see [`Request::headers`]).
    pub fn headers(&self) -> &[(&'r str, &'r str)] {
        self.headers.get(..self.header_count).unwrap_or(&[])
    }

    /// The length of the JSON body written into the caller's buffer (0: no body).
    pub fn body_len(&self) -> usize {
        self.body_len
    }

    /// The path (see [`Request::path`]).
    pub fn path(&self) -> &str {
        self.path.get(..self.query_at).unwrap_or("")
    }

    /// The query without `?` (see [`Request::query`]).
    pub fn query(&self) -> &str {
        self.path.get(self.query_at..).map(|q| q.trim_start_matches('?')).unwrap_or("")
    }

    /// A refund's `idempotencyKey` header (see [`Request::idempotency_key`]).
    pub fn idempotency_key(&self) -> Option<&'r str> {
        self.headers().iter().find(|(name, _)| *name == IDEMPOTENCY_KEY_HEADER).map(|&(_, value)| value)
    }

    /// Writes the full URL, `base` (one trailing `/` ignored) followed by the path and
    /// query, into `out` (see [`Request::write_url`]).
    pub fn write_url<'o>(&self, base: &str, out: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
        let base = base.strip_suffix('/').unwrap_or(base);
        let needed = base.len() + self.path.len();
        let Some(dst) = out.get_mut(..needed) else {
            return Err(BufferTooSmall { needed });
        };
        let (b, p) = dst.split_at_mut(base.len());
        b.copy_from_slice(base.as_bytes());
        p.copy_from_slice(self.path.as_bytes());
        core::str::from_utf8(dst).map_err(|_| BufferTooSmall { needed })
    }

    /// A request's parts before its path and headers are written.
    pub(crate) fn new(operation: Operation, method: Method, body_len: usize) -> Self {
        Parts {
            operation,
            method,
            path: heapless::String::new(),
            query_at: 0,
            headers: [("", ""); MAX_HEADERS],
            header_count: 0,
            body_len,
        }
    }

    /// The request made of these parts, its answer decoded as `K`.
    pub(crate) fn into_request<K>(self) -> Request<'r, K> {
        Request { parts: self, _kind: PhantomData }
    }
}

impl<'r, K: ResponseKind> Request<'r, K> {
    /// The operation.
    pub fn operation(&self) -> Operation {
        self.parts.operation()
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.parts.method()
    }

    /// The path, e.g. `/payment-intents/pi_x/charge`.
    pub fn path(&self) -> &str {
        self.parts.path()
    }

    /// The query without `?` (empty when there is none), e.g. `includeAuthorized=true`.
    pub fn query(&self) -> &str {
        self.parts.query()
    }

    /// The path and query, as sent after the host.
    pub fn path_and_query(&self) -> &str {
        self.parts.path_and_query()
    }

    /// Every header to send, as `(name, value)` pairs: `Authorization`, `version`,
    /// `User-Agent`, `Accept`, and `Content-Type` when there is a body, `idempotencyKey`
    /// for refunds. Adapters add `Content-Length`.
    pub fn headers(&self) -> &[(&'r str, &'r str)] {
        self.parts.headers()
    }

    /// The length of the JSON body written into the caller's buffer (0: no body).
    pub fn body_len(&self) -> usize {
        self.parts.body_len()
    }

    /// The body: the first [`body_len`](Self::body_len) bytes of the buffer the request
    /// was built with.
    pub fn body<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(..self.parts.body_len).unwrap_or(&[])
    }

    /// Whether the request may be repeated blindly (see [`Operation::retry_safe`]).
    pub fn retry_safe(&self) -> bool {
        self.parts.operation.retry_safe()
    }

    /// The setup intent this request acts on, when its path names one (an adapter's
    /// "outcome unknown" report says which intent to read back). `None` for creates.
    pub fn setup_intent_id(&self) -> Option<SetupIntentId> {
        match Intent::named_by(self.parts.operation, self.path())? {
            Intent::Setup(id) => Some(id),
            Intent::Payment(_) => None,
        }
    }

    /// The payment intent this request acts on, when its path names one. `None` for a
    /// create (its body names the setup intent) and for search.
    pub fn payment_intent_id(&self) -> Option<PaymentIntentId> {
        match Intent::named_by(self.parts.operation, self.path())? {
            Intent::Payment(id) => Some(id),
            Intent::Setup(_) => None,
        }
    }

    /// A refund's `idempotencyKey` header, the one value that makes repeating it safe.
    pub fn idempotency_key(&self) -> Option<&'r str> {
        self.parts.idempotency_key()
    }

    /// Decodes the response to this request.
    pub fn decode<'b>(&self, status: u16, body: &'b [u8]) -> Result<K::Output<'b>, Error<'b>> {
        crate::response::decode::<K>(status, body)
    }

    /// Writes the full URL, `base` (e.g. [`DEFAULT_BASE_URL`], one trailing `/` ignored)
    /// followed by the path and query, into `out`.
    pub fn write_url<'o>(&self, base: &str, out: &'o mut [u8]) -> Result<&'o str, BufferTooSmall> {
        self.parts.write_url(base, out)
    }
}

impl<'r, K> Request<'r, K> {
    /// What it is, whatever its answer decodes into: the same operation, method, path
    /// and query, headers and body length as its accessors give.
    pub fn parts(&self) -> &RequestParts<'r> {
        &self.parts
    }

    fn with_kind<K2>(self) -> Request<'r, K2> {
        self.parts.into_request()
    }
}

impl<'r> Request<'r, kind::SetupIntentKind> {
    /// The same request, its answer decoded as a
    /// [`SetupIntentSummary`](crate::setup_intent::SetupIntentSummary) (id, status,
    /// intended amount, expiry; everything else skipped): far less code and stack than
    /// the full model, for firmware.
    pub fn summarized(self) -> Request<'r, kind::SetupIntentSummaryKind> {
        self.with_kind()
    }
}

impl<'r> Request<'r, kind::PaymentIntentKind> {
    /// The same request, its answer decoded as a
    /// [`PaymentIntentSummary`](crate::payment_intent::PaymentIntentSummary) (id, status,
    /// amount, setup intent, capture mode; everything else skipped).
    pub fn summarized(self) -> Request<'r, kind::PaymentIntentSummaryKind> {
        self.with_kind()
    }
}

impl<K> fmt::Debug for Request<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts.debug_as("Request", f)
    }
}

impl fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug_as("RequestParts", f)
    }
}

impl RequestParts<'_> {
    /// `Debug` under `name`, the `Authorization` header redacted.
    fn debug_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'h>(&'h [(&'h str, &'h str)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut list = f.debug_list();
                for &(n, v) in self.0 {
                    let v = if n.eq_ignore_ascii_case(AUTHORIZATION_HEADER) { "<redacted>" } else { v };
                    list.entry(&(n, v));
                }
                list.finish()
            }
        }
        f.debug_struct(name)
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path.as_str())
            .field("headers", &Headers(self.headers()))
            .field("body_len", &self.body_len)
            .finish()
    }
}

/// Checks an idempotency key: 1–100 visible ASCII characters.
pub fn validate_idempotency_key(key: &str) -> Result<(), ValidationError> {
    let invalid = |kind| ValidationError::new("idempotencyKey", kind);
    if key.is_empty() {
        return Err(invalid(ValidationErrorKind::Empty));
    }
    if key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(invalid(ValidationErrorKind::TooLong { max: MAX_IDEMPOTENCY_KEY_LEN }));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(ValidationErrorKind::InvalidCharacter));
    }
    Ok(())
}

mod api;
mod body;

/// The intent a request concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    /// A setup intent (named in the path, or the one a payment intent is created from).
    Setup(SetupIntentId),
    /// A payment intent.
    Payment(PaymentIntentId),
}

impl Intent {
    /// The intent a request's `path` names for `operation` (what
    /// [`Request::payment_intent_id`](Request::payment_intent_id) and
    /// [`Request::setup_intent_id`](Request::setup_intent_id) read), for
    /// an adapter that keeps only the path once the request is sent.
    pub fn named_by(operation: Operation, path: &str) -> Option<Intent> {
        use Operation as O;
        let (payment, rest) = match operation {
            O::GetPaymentIntent
            | O::CancelPaymentIntent
            | O::ChargePaymentIntent
            | O::CapturePaymentIntent
            | O::RefundPaymentIntent
            | O::ReversePaymentIntent => (true, path.strip_prefix("/payment-intents/")),
            O::GetPublicSetupIntent => (false, path.strip_prefix("/setup-intents/public/")),
            O::GetSetupIntent | O::CancelSetupIntent | O::RefreshSetupIntentSecret => {
                (false, path.strip_prefix("/setup-intents/"))
            }
            _ => (false, None),
        };
        let rest = rest?;
        // Bytes, not chars: an id is ASCII, and a kiosk need not carry UTF-8 decoding here.
        let end = rest.bytes().position(|b| b == b'/' || b == b'?').unwrap_or(rest.len());
        let id = rest.get(..end)?;
        if payment {
            PaymentIntentId::new(id).ok().map(Intent::Payment)
        } else {
            SetupIntentId::new(id).ok().map(Intent::Setup)
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intent::Setup(id) => id.fmt(f),
            Intent::Payment(id) => id.fmt(f),
        }
    }
}

pub use api::Api;
pub(crate) use api::encode;
pub use body::{
    CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest, Cursor,
    SearchPaymentIntentsRequest,
};
