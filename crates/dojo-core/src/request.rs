//! Request builders: one method per operation on [`Api`], each returning a [`Request`]
//! (method, path, query, headers) with the JSON body written into the caller's buffer.
//!
//! Inputs are validated against the spec before anything is written; a too-small
//! buffer is [`Error::BufferTooSmall`] with the size needed. Every request knows
//! whether it is safe to retry ([`Request::retry_safe`]) and which model its response
//! decodes into ([`Request::decode`]).
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

use serde::{Deserialize, Serialize};

use crate::api_key::ApiKey;
use crate::common::{
    Address, CheckoutConfig, Customer, List, Metadata, OrderDetails, RequestSecurity, ShippingDetails, check_len,
    check_opt_len,
};
use crate::error::{BufferTooSmall, Error, ValidationError, ValidationErrorKind};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::json::{EncodeError, Text, to_slice};
use crate::money::Money;
use crate::response::{ResponseKind, kind};
use crate::status::{
    AutoExpireAction, CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus, PaymentMethod,
};
use crate::time::Timestamp;

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
pub struct Request<'r, K> {
    operation: Operation,
    method: Method,
    path: heapless::String<MAX_PATH_LEN>,
    query_at: usize,
    headers: [(&'r str, &'r str); MAX_HEADERS],
    header_count: usize,
    body_len: usize,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Request<'_, K> {
    fn clone(&self) -> Self {
        Request {
            operation: self.operation,
            method: self.method,
            path: self.path.clone(),
            query_at: self.query_at,
            headers: self.headers,
            header_count: self.header_count,
            body_len: self.body_len,
            _kind: PhantomData,
        }
    }
}

impl<'r, K: ResponseKind> Request<'r, K> {
    /// The operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The path, e.g. `/payment-intents/pi_x/charge`.
    pub fn path(&self) -> &str {
        self.path.get(..self.query_at).unwrap_or("")
    }

    /// The query without `?` (empty when there is none), e.g. `includeAuthorized=true`.
    pub fn query(&self) -> &str {
        self.path.get(self.query_at..).map(|q| q.trim_start_matches('?')).unwrap_or("")
    }

    /// The path and query, as sent after the host.
    pub fn path_and_query(&self) -> &str {
        &self.path
    }

    /// Every header to send, as `(name, value)` pairs: `Authorization`, `version`,
    /// `User-Agent`, `Accept`, and `Content-Type` when there is a body, `idempotencyKey`
    /// for refunds. Adapters add `Content-Length`.
    pub fn headers(&self) -> &[(&'r str, &'r str)] {
        self.headers.get(..self.header_count).unwrap_or(&[])
    }

    /// The length of the JSON body written into the caller's buffer (0: no body).
    pub fn body_len(&self) -> usize {
        self.body_len
    }

    /// The body: the first [`body_len`](Self::body_len) bytes of the buffer the request
    /// was built with.
    pub fn body<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(..self.body_len).unwrap_or(&[])
    }

    /// Whether the request may be repeated blindly (see [`Operation::retry_safe`]).
    pub fn retry_safe(&self) -> bool {
        self.operation.retry_safe()
    }

    /// The setup intent this request acts on, when its path names one (an adapter's
    /// "outcome unknown" report says which intent to read back). `None` for creates.
    pub fn setup_intent_id(&self) -> Option<SetupIntentId> {
        let rest = match self.operation {
            Operation::GetPublicSetupIntent => self.path().strip_prefix("/setup-intents/public/"),
            Operation::GetSetupIntent | Operation::CancelSetupIntent | Operation::RefreshSetupIntentSecret => {
                self.path().strip_prefix("/setup-intents/")
            }
            _ => None,
        }?;
        SetupIntentId::new(rest.split('/').next()?).ok()
    }

    /// The payment intent this request acts on, when its path names one. `None` for a
    /// create (its body names the setup intent) and for search.
    pub fn payment_intent_id(&self) -> Option<PaymentIntentId> {
        let rest = match self.operation {
            Operation::GetPaymentIntent
            | Operation::CancelPaymentIntent
            | Operation::ChargePaymentIntent
            | Operation::CapturePaymentIntent
            | Operation::RefundPaymentIntent
            | Operation::ReversePaymentIntent => self.path().strip_prefix("/payment-intents/"),
            _ => None,
        }?;
        PaymentIntentId::new(rest.split('/').next()?).ok()
    }

    /// A refund's `idempotencyKey` header, the one value that makes repeating it safe.
    pub fn idempotency_key(&self) -> Option<&'r str> {
        self.headers().iter().find(|(name, _)| *name == IDEMPOTENCY_KEY_HEADER).map(|&(_, value)| value)
    }

    /// Decodes the response to this request.
    pub fn decode<'b>(&self, status: u16, body: &'b [u8]) -> Result<K::Output<'b>, Error<'b>> {
        crate::response::decode::<K>(status, body)
    }

    /// Writes the full URL, `base` (e.g. [`DEFAULT_BASE_URL`], one trailing `/` ignored)
    /// followed by the path and query, into `out`.
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
}

impl<'r, K> Request<'r, K> {
    fn with_kind<K2>(self) -> Request<'r, K2> {
        Request {
            operation: self.operation,
            method: self.method,
            path: self.path,
            query_at: self.query_at,
            headers: self.headers,
            header_count: self.header_count,
            body_len: self.body_len,
            _kind: PhantomData,
        }
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
        struct Headers<'h>(&'h [(&'h str, &'h str)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut list = f.debug_list();
                for &(n, v) in self.0 {
                    let v = if n.eq_ignore_ascii_case("authorization") { "<redacted>" } else { v };
                    list.entry(&(n, v));
                }
                list.finish()
            }
        }
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path.as_str())
            .field("headers", &Headers(self.headers.get(..self.header_count).unwrap_or(&[])))
            .field("body_len", &self.body_len)
            .finish()
    }
}

/// The request builder: the key, the API version and the user agent, and one method per
/// operation.
#[derive(Debug, Clone, Copy)]
pub struct Api<'k> {
    key: &'k ApiKey,
    version: &'k str,
    user_agent: &'k str,
}

impl<'k> Api<'k> {
    /// A builder for `key`, speaking [`API_VERSION`] as [`DEFAULT_USER_AGENT`].
    pub fn new(key: &'k ApiKey) -> Self {
        Api { key, version: API_VERSION, user_agent: DEFAULT_USER_AGENT }
    }

    /// Speaks another API version (`YYYY-MM-DD`).
    pub fn with_version(self, version: &'k str) -> Result<Self, ValidationError> {
        let b = version.as_bytes();
        let ok = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        if !ok {
            return Err(ValidationError::new("version", ValidationErrorKind::InvalidFormat));
        }
        Ok(Api { version, ..self })
    }

    /// Sends another `User-Agent` (1–200 visible ASCII characters or spaces).
    pub fn with_user_agent(self, user_agent: &'k str) -> Result<Self, ValidationError> {
        let invalid = |kind| ValidationError::new("userAgent", kind);
        if user_agent.is_empty() {
            return Err(invalid(ValidationErrorKind::Empty));
        }
        if user_agent.len() > 200 {
            return Err(invalid(ValidationErrorKind::TooLong { max: 200 }));
        }
        if !user_agent.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(invalid(ValidationErrorKind::InvalidCharacter));
        }
        Ok(Api { user_agent, ..self })
    }

    /// The API version sent.
    pub fn version(&self) -> &'k str {
        self.version
    }

    /// The key.
    pub fn key(&self) -> &'k ApiKey {
        self.key
    }

    /// Builds a request for `K`'s answer, in place: the work is in
    /// [`fill`](Self::fill), shared by every response kind.
    pub(crate) fn request<'r, K>(
        &self,
        operation: Operation,
        method: Method,
        path: &[&str],
        query: Option<&str>,
        body_len: usize,
        idempotency_key: Option<&'r str>,
    ) -> Result<Request<'r, K>, Error<'static>>
    where
        'k: 'r,
    {
        let mut req = Request {
            operation,
            method,
            path: heapless::String::new(),
            query_at: 0,
            headers: [("", ""); MAX_HEADERS],
            header_count: 0,
            body_len,
            _kind: PhantomData,
        };
        let Request { path: p, query_at, headers, header_count, .. } = &mut req;
        self.fill(p, query_at, headers, header_count, path, query, body_len, idempotency_key)?;
        Ok(req)
    }

    /// Writes a request's path (the concatenation of `path`, by plain copies: no
    /// `core::fmt`, which would cost a firmware image its formatting machinery), query
    /// and headers.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn fill<'r>(
        &self,
        p: &mut heapless::String<MAX_PATH_LEN>,
        query_at: &mut usize,
        headers: &mut [(&'r str, &'r str); MAX_HEADERS],
        header_count: &mut usize,
        path: &[&str],
        query: Option<&str>,
        body_len: usize,
        idempotency_key: Option<&'r str>,
    ) -> Result<(), Error<'static>>
    where
        'k: 'r,
    {
        // Ids are at most 50 bytes, so paths always fit; report it as capacity anyway.
        let too_long = || Error::BufferTooSmall(BufferTooSmall { needed: MAX_PATH_LEN + 1 });
        for part in path {
            p.push_str(part).map_err(|_| too_long())?;
        }
        *query_at = p.len();
        if let Some(q) = query {
            p.push('?').map_err(|_| too_long())?;
            p.push_str(q).map_err(|_| too_long())?;
        }
        let mut n = 0;
        let mut add = |h: (&'r str, &'r str)| {
            if let Some(slot) = headers.get_mut(n) {
                *slot = h;
                n += 1;
            }
        };
        add(("Authorization", self.key.authorization_header()));
        add(("version", self.version));
        add(("User-Agent", self.user_agent));
        add(("Accept", "application/json"));
        if body_len > 0 {
            add(("Content-Type", "application/json"));
        }
        if let Some(k) = idempotency_key {
            add((IDEMPOTENCY_KEY_HEADER, k));
        }
        *header_count = n;
        Ok(())
    }

    /// `POST /setup-intents`.
    pub fn create_setup_intent(
        &self,
        body: &CreateSetupIntentRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        body.validate()?;
        let len = encode(body, buf)?;
        self.request(Operation::CreateSetupIntent, Method::Post, &["/setup-intents"], None, len, None)
    }

    /// `GET /setup-intents/{id}`.
    pub fn get_setup_intent(&self, id: &SetupIntentId) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        self.request(Operation::GetSetupIntent, Method::Get, &["/setup-intents/", id.as_str()], None, 0, None)
    }

    /// `DELETE /setup-intents/{id}`: cancels a Created setup intent. With
    /// `include_authorized`, an Authorized one is closed too (`?includeAuthorized=true`,
    /// documented by Dojo's guide and the 2022-04-07 spec but not by the 2026-02-27
    /// spec; sent only when `true`).
    pub fn cancel_setup_intent(
        &self,
        id: &SetupIntentId,
        include_authorized: bool,
    ) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        let query = include_authorized.then_some("includeAuthorized=true");
        self.request(Operation::CancelSetupIntent, Method::Delete, &["/setup-intents/", id.as_str()], query, 0, None)
    }

    /// `GET /setup-intents/public/{id}`. Documented as needing no authentication, but
    /// the spec does not exempt it from the global security, so the key is sent.
    pub fn get_public_setup_intent(
        &self,
        id: &SetupIntentId,
    ) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        self.request(
            Operation::GetPublicSetupIntent,
            Method::Get,
            &["/setup-intents/public/", id.as_str()],
            None,
            0,
            None,
        )
    }

    /// `POST /setup-intents/{id}/refresh-client-session-secret`.
    pub fn refresh_setup_intent_secret(
        &self,
        id: &SetupIntentId,
    ) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        self.request(
            Operation::RefreshSetupIntentSecret,
            Method::Post,
            &["/setup-intents/", id.as_str(), "/refresh-client-session-secret"],
            None,
            0,
            None,
        )
    }

    /// `POST /payment-intents`.
    pub fn create_payment_intent(
        &self,
        body: &CreatePaymentIntentRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::PaymentIntentKind>, Error<'static>> {
        body.validate()?;
        let len = encode(body, buf)?;
        self.request(Operation::CreatePaymentIntent, Method::Post, &["/payment-intents"], None, len, None)
    }

    /// `GET /payment-intents/{id}`; a Canceled payment intent is a 404 unless
    /// `return_canceled` (`?returnCanceled=true`, sent only when `true`).
    pub fn get_payment_intent(
        &self,
        id: &PaymentIntentId,
        return_canceled: bool,
    ) -> Result<Request<'k, kind::PaymentIntentKind>, Error<'static>> {
        let query = return_canceled.then_some("returnCanceled=true");
        self.request(Operation::GetPaymentIntent, Method::Get, &["/payment-intents/", id.as_str()], query, 0, None)
    }

    /// `DELETE /payment-intents/{id}` (only while Created).
    pub fn cancel_payment_intent(
        &self,
        id: &PaymentIntentId,
    ) -> Result<Request<'k, kind::PaymentIntentKind>, Error<'static>> {
        self.request(Operation::CancelPaymentIntent, Method::Delete, &["/payment-intents/", id.as_str()], None, 0, None)
    }

    /// `POST /payment-intents/{id}/charge` (no body): charges the card of the setup
    /// intent the payment intent was created from. Check the lifecycle first
    /// ([`crate::lifecycle`]).
    pub fn charge_payment_intent(&self, id: &PaymentIntentId) -> Result<Request<'k, kind::ChargeKind>, Error<'static>> {
        self.request(
            Operation::ChargePaymentIntent,
            Method::Post,
            &["/payment-intents/", id.as_str(), "/charge"],
            None,
            0,
            None,
        )
    }

    /// `POST /payment-intents/{id}/captures`.
    pub fn capture_payment_intent(
        &self,
        id: &PaymentIntentId,
        body: &CreateCaptureRequest,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::CaptureKind>, Error<'static>> {
        body.validate()?;
        let len = encode(body, buf)?;
        self.request(
            Operation::CapturePaymentIntent,
            Method::Post,
            &["/payment-intents/", id.as_str(), "/captures"],
            None,
            len,
            None,
        )
    }

    /// `POST /payment-intents/{id}/refunds` with the `idempotencyKey` header: 1–100
    /// visible ASCII characters, unique per refund, and the same on every retry of it.
    pub fn refund_payment_intent<'r>(
        &self,
        id: &PaymentIntentId,
        idempotency_key: &'r str,
        body: &CreateRefundRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'r, kind::RefundKind>, Error<'static>>
    where
        'k: 'r,
    {
        validate_idempotency_key(idempotency_key)?;
        body.validate()?;
        let len = encode(body, buf)?;
        self.request(
            Operation::RefundPaymentIntent,
            Method::Post,
            &["/payment-intents/", id.as_str(), "/refunds"],
            None,
            len,
            Some(idempotency_key),
        )
    }

    /// `POST /payment-intents/{id}/reversal` (no body).
    pub fn reverse_payment_intent(
        &self,
        id: &PaymentIntentId,
    ) -> Result<Request<'k, kind::ReversalKind>, Error<'static>> {
        self.request(
            Operation::ReversePaymentIntent,
            Method::Post,
            &["/payment-intents/", id.as_str(), "/reversal"],
            None,
            0,
            None,
        )
    }

    /// `POST /payment-intents/search`.
    pub fn search_payment_intents(
        &self,
        body: &SearchPaymentIntentsRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::PaymentIntentPageKind>, Error<'static>> {
        body.validate()?;
        let len = encode(body, buf)?;
        self.request(Operation::SearchPaymentIntents, Method::Post, &["/payment-intents/search"], None, len, None)
    }
}

pub(crate) fn encode<T: Serialize>(body: &T, buf: &mut [u8]) -> Result<usize, Error<'static>> {
    to_slice(body, buf).map_err(|e| match e {
        EncodeError::BufferTooSmall(b) => Error::BufferTooSmall(b),
        // Validation refuses everything the writer cannot encode; keep a typed error anyway.
        _ => Error::Invalid(ValidationError::new("body", ValidationErrorKind::UnknownVariant)),
    })
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

fn known<T>(field: &'static str, known: bool, _value: &T) -> Result<(), ValidationError> {
    if known { Ok(()) } else { Err(ValidationError::new(field, ValidationErrorKind::UnknownVariant)) }
}

/// Checks a .NET TimeSpan `[d.]hh:mm:ss` (`InvalidFormat`) and that it is longer than
/// 30 seconds (`NotAllowed`).
fn validate_timespan(field: &'static str, t: &Text<'_>) -> Result<(), ValidationError> {
    let invalid = || ValidationError::new(field, ValidationErrorKind::InvalidFormat);
    // Decoded into a small stack copy: a body decoded from JSON may hold escapes.
    let mut scratch = [0u8; 32];
    let s = t.copy_to(&mut scratch).map_err(|_| invalid())?;
    let total = crate::time::timespan_seconds(s).ok_or_else(invalid)?;
    if total <= 30 {
        return Err(ValidationError::new(field, ValidationErrorKind::NotAllowed));
    }
    Ok(())
}

/// The body of `POST /setup-intents` (`CreateSetupIntentRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSetupIntentRequest<'a> {
    /// The merchant's reference, 1–60 characters.
    #[serde(borrow)]
    pub reference: Text<'a>,
    /// A description, at most 4096 characters.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
    /// The merchant-initiated transaction the customer consents to.
    pub merchant_initiated_transaction_type: MerchantInitiatedTransactionType,
    /// The terms the customer reviews, 1–10240 characters.
    #[serde(borrow)]
    pub terms: Text<'a>,
    /// The amount the merchant intends to charge (positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_amount: Option<Money>,
    /// Setup intents support only `Auto` capture (the API's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// Payment methods the customer may use.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub payment_methods: Option<List<'a, PaymentMethod>>,
    /// The customer.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer<'a>>,
    /// The billing address.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address<'a>>,
    /// The shipping details.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<ShippingDetails<'a>>,
    /// Checkout page configuration.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub config: Option<CheckoutConfig<'a>>,
    /// Key-value metadata.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata<'a>>,
    /// The order it belongs to.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub order_details: Option<OrderDetails<'a>>,
    /// When the setup intent expires if not authorized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<Timestamp>,
}

impl<'a> CreateSetupIntentRequest<'a> {
    /// A setup intent with the fields the seed's flow needs; set the others directly.
    pub fn new(
        reference: &'a str,
        terms: &'a str,
        merchant_initiated_transaction_type: MerchantInitiatedTransactionType,
        intended_amount: Money,
    ) -> Self {
        CreateSetupIntentRequest {
            reference: Text::new(reference),
            description: None,
            merchant_initiated_transaction_type,
            terms: Text::new(terms),
            intended_amount: Some(intended_amount),
            capture_mode: None,
            payment_methods: None,
            customer: None,
            billing_address: None,
            shipping_details: None,
            config: None,
            metadata: None,
            order_details: None,
            expire_at: None,
        }
    }

    /// Checks every field against the spec's rules.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_len("reference", &self.reference, 1, 60)?;
        check_len("terms", &self.terms, 1, 10_240)?;
        check_opt_len("description", &self.description, 4096)?;
        let mit = &self.merchant_initiated_transaction_type;
        known("merchantInitiatedTransactionType", mit.is_known(), mit)?;
        if let Some(amount) = &self.intended_amount {
            amount.validate_positive("intendedAmount")?;
        }
        match self.capture_mode {
            None | Some(CaptureMode::Auto) => {}
            Some(CaptureMode::Manual) => {
                return Err(ValidationError::new("captureMode", ValidationErrorKind::NotAllowed));
            }
            Some(CaptureMode::Unknown(_)) => {
                return Err(ValidationError::new("captureMode", ValidationErrorKind::UnknownVariant));
            }
        }
        validate_common(
            &self.payment_methods,
            &self.customer,
            &self.billing_address,
            &self.shipping_details,
            &self.config,
        )
    }
}

fn validate_common(
    payment_methods: &Option<List<'_, PaymentMethod>>,
    customer: &Option<Customer<'_>>,
    billing_address: &Option<Address<'_>>,
    shipping_details: &Option<ShippingDetails<'_>>,
    config: &Option<CheckoutConfig<'_>>,
) -> Result<(), ValidationError> {
    if payment_methods.is_some_and(|methods| methods.iter().any(|m| !m.is_known())) {
        return Err(ValidationError::new("paymentMethods", ValidationErrorKind::UnknownVariant));
    }
    customer.as_ref().map_or(Ok(()), Customer::validate)?;
    billing_address.as_ref().map_or(Ok(()), Address::validate)?;
    shipping_details.as_ref().map_or(Ok(()), ShippingDetails::validate)?;
    config.as_ref().map_or(Ok(()), CheckoutConfig::validate)
}

/// The body of `POST /payment-intents` (`CreatePaymentIntentRequest`).
///
/// For a merchant-initiated charge, set [`setup_intent_id`](Self::setup_intent_id) and an
/// `amount` equal to the setup intent's intended amount (the lifecycle refuses to charge
/// any other amount).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentIntentRequest<'a> {
    /// The amount (positive).
    pub amount: Money,
    /// The merchant's reference, 1–60 characters.
    #[serde(borrow)]
    pub reference: Text<'a>,
    /// A description, at most 4096 characters.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
    /// When to capture (`Auto` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// The setup intent whose card to charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_intent_id: Option<SetupIntentId>,
    /// A tip (non-negative, same currency as `amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tips_amount: Option<Money>,
    /// For `Manual` capture: how long until the authorization is captured or released,
    /// `[d.]hh:mm:ss`, more than 30 seconds (without it, Dojo reverses an uncaptured
    /// payment after 7 days). Decoding also accepts the key `AutoExpireIn`, as the
    /// spec's own example writes it.
    #[serde(borrow, default, alias = "AutoExpireIn", skip_serializing_if = "Option::is_none")]
    pub auto_expire_in: Option<Text<'a>>,
    /// For `Manual` capture: what happens when `auto_expire_in` runs out. Decoding also
    /// accepts the key `AutoExpireAction`.
    #[serde(default, alias = "AutoExpireAction", skip_serializing_if = "Option::is_none")]
    pub auto_expire_action: Option<AutoExpireAction>,
    /// When the payment intent is voided if not paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<Timestamp>,
    /// Payment methods the customer may use.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub payment_methods: Option<List<'a, PaymentMethod>>,
    /// The customer.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer<'a>>,
    /// The billing address.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address<'a>>,
    /// The shipping details.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub shipping_details: Option<ShippingDetails<'a>>,
    /// Checkout page configuration.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub config: Option<CheckoutConfig<'a>>,
    /// Key-value metadata.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata<'a>>,
    /// The customer's device (online checkouts).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub request_security: Option<RequestSecurity<'a>>,
    /// The order it belongs to.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub order_details: Option<OrderDetails<'a>>,
}

impl<'a> CreatePaymentIntentRequest<'a> {
    /// A payment intent for `amount`; set the other fields directly.
    pub fn new(reference: &'a str, amount: Money) -> Self {
        CreatePaymentIntentRequest {
            amount,
            reference: Text::new(reference),
            description: None,
            capture_mode: None,
            setup_intent_id: None,
            tips_amount: None,
            auto_expire_in: None,
            auto_expire_action: None,
            expire_at: None,
            payment_methods: None,
            customer: None,
            billing_address: None,
            shipping_details: None,
            config: None,
            metadata: None,
            request_security: None,
            order_details: None,
        }
    }

    /// A payment intent that charges the card of `setup_intent` for `amount` (which
    /// must be the setup intent's intended amount).
    pub fn for_setup_intent(reference: &'a str, amount: Money, setup_intent: SetupIntentId) -> Self {
        CreatePaymentIntentRequest { setup_intent_id: Some(setup_intent), ..Self::new(reference, amount) }
    }

    /// Checks every field against the spec's rules.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.amount.validate_positive("amount")?;
        check_len("reference", &self.reference, 1, 60)?;
        check_opt_len("description", &self.description, 4096)?;
        if let Some(mode) = &self.capture_mode {
            known("captureMode", mode.is_known(), mode)?;
        }
        if let Some(tips) = &self.tips_amount {
            if tips.value < 0 {
                return Err(ValidationError::new("tipsAmount", ValidationErrorKind::Negative));
            }
            tips.currency.validate("tipsAmount")?;
            if tips.currency != self.amount.currency {
                return Err(ValidationError::new("tipsAmount", ValidationErrorKind::CurrencyMismatch));
            }
        }
        if let Some(t) = &self.auto_expire_in {
            validate_timespan("autoExpireIn", t)?;
        }
        if let Some(action) = &self.auto_expire_action {
            known("autoExpireAction", action.is_known(), action)?;
        }
        self.request_security.as_ref().map_or(Ok(()), RequestSecurity::validate)?;
        validate_common(
            &self.payment_methods,
            &self.customer,
            &self.billing_address,
            &self.shipping_details,
            &self.config,
        )
    }
}

/// The body of `POST /payment-intents/{id}/captures` (`CreateCaptureRequest`); amounts
/// in minor units of the payment intent's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCaptureRequest {
    /// The amount to capture (positive; full or partial).
    #[serde(deserialize_with = "crate::money::deserialize_minor_units")]
    pub amount: i64,
    /// The tip to capture (non-negative).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::payment_intent::opt_minor_units"
    )]
    pub tips_amount: Option<i64>,
}

impl CreateCaptureRequest {
    /// A capture of `amount` minor units.
    pub const fn new(amount: i64) -> Self {
        CreateCaptureRequest { amount, tips_amount: None }
    }

    /// Checks the amounts.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.amount <= 0 {
            return Err(ValidationError::new("amount", ValidationErrorKind::NotPositive));
        }
        if self.tips_amount.is_some_and(|t| t < 0) {
            return Err(ValidationError::new("tipsAmount", ValidationErrorKind::Negative));
        }
        Ok(())
    }
}

/// The body of `POST /payment-intents/{id}/refunds` (`CreateRefundRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRefundRequest<'a> {
    /// The amount to refund, in minor units (positive).
    #[serde(deserialize_with = "crate::money::deserialize_minor_units")]
    pub amount: i64,
    /// Why, at most 1024 characters.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<Text<'a>>,
    /// Notes, at most 4096 characters.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Text<'a>>,
    /// The transaction refunded, at most 100 characters.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub previous_transaction_id: Option<Text<'a>>,
}

impl<'a> CreateRefundRequest<'a> {
    /// A refund of `amount` minor units.
    pub const fn new(amount: i64) -> Self {
        CreateRefundRequest { amount, refund_reason: None, notes: None, previous_transaction_id: None }
    }

    /// Checks the amount and the texts' lengths.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.amount <= 0 {
            return Err(ValidationError::new("amount", ValidationErrorKind::NotPositive));
        }
        check_opt_len("refundReason", &self.refund_reason, 1024)?;
        check_opt_len("notes", &self.notes, 4096)?;
        check_opt_len("previousTransactionId", &self.previous_transaction_id, 100)
    }
}

/// The body of `POST /payment-intents/search` (`SearchPaymentIntentRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPaymentIntentsRequest<'a> {
    /// Only these statuses.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<List<'a, PaymentIntentStatus>>,
    /// From this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Timestamp>,
    /// Until this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Timestamp>,
    /// The page.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor<'a>>,
}

/// Pagination of a search (`Cursor`): `before` and `after` are mutually exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor<'a> {
    /// Results per page (positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// The previous page's cursor.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Text<'a>>,
    /// The next page's cursor.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Text<'a>>,
}

impl<'a> Cursor<'a> {
    /// The page after `after`, `limit` results long.
    pub fn after(after: &'a str, limit: Option<i32>) -> Self {
        Cursor { limit, before: None, after: Some(Text::new(after)) }
    }
}

impl SearchPaymentIntentsRequest<'_> {
    /// Checks the statuses, the dates' order (an `endDate` before the `startDate` is
    /// `NotAllowed`) and the cursor.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.statuses.is_some_and(|statuses| statuses.iter().any(|s| !s.is_known())) {
            return Err(ValidationError::new("statuses", ValidationErrorKind::UnknownVariant));
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date)
            && end < start
        {
            return Err(ValidationError::new("endDate", ValidationErrorKind::NotAllowed));
        }
        if let Some(c) = &self.cursor {
            if c.limit.is_some_and(|l| l <= 0) {
                return Err(ValidationError::new("limit", ValidationErrorKind::NotPositive));
            }
            if c.before.is_some() && c.after.is_some() {
                return Err(ValidationError::new("cursor", ValidationErrorKind::MutuallyExclusive));
            }
        }
        Ok(())
    }
}
