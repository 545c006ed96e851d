//! The request builder, [`Api`]: one method per operation, each validating its input,
//! writing the body into the caller's buffer and describing the rest ([`Request`]).

use serde::Serialize;

use super::body::{
    CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest, Flat,
    SearchPaymentIntentsRequest, flat_body, lean,
};
use super::{
    ACCEPT_HEADER, API_VERSION, AUTHORIZATION_HEADER, CONTENT_TYPE_HEADER, DEFAULT_USER_AGENT, IDEMPOTENCY_KEY_HEADER,
    JSON_MEDIA_TYPE, MAX_PATH_LEN, Method, Operation, Parts, Request, USER_AGENT_HEADER, VERSION_HEADER,
    validate_idempotency_key,
};
use crate::api_key::ApiKey;
use crate::error::{BufferTooSmall, Error, ValidationError, ValidationErrorKind};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::json::to_slice;
use crate::money::Money;
use crate::response::kind;

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
        // The request's kind only names it: the parts are built once for every kind.
        match self.parts(operation, method, path, query, body_len, idempotency_key) {
            Ok(parts) => Ok(parts.into_request()),
            Err(e) => Err(e),
        }
    }

    /// [`request`](Self::request)'s parts, whatever the answer's kind.
    #[inline(never)]
    fn parts<'r>(
        &self,
        operation: Operation,
        method: Method,
        path: &[&str],
        query: Option<&str>,
        body_len: usize,
        idempotency_key: Option<&'r str>,
    ) -> Result<Parts<'r>, Error<'static>>
    where
        'k: 'r,
    {
        let mut parts = Parts::new(operation, method, body_len);
        self.fill(&mut parts, path, query, idempotency_key)?;
        Ok(parts)
    }

    /// Writes a request's path (the concatenation of `path`, by plain copies: no
    /// `core::fmt`, which would cost a firmware image its formatting machinery), query
    /// and headers.
    fn fill<'r>(
        &self,
        parts: &mut Parts<'r>,
        path: &[&str],
        query: Option<&str>,
        idempotency_key: Option<&'r str>,
    ) -> Result<(), Error<'static>>
    where
        'k: 'r,
    {
        let Parts { path: p, query_at, headers, header_count, body_len, .. } = parts;
        // Ids are at most 50 bytes, so paths always fit; report it as capacity anyway.
        let too_long = || Error::BufferTooSmall(BufferTooSmall { needed: MAX_PATH_LEN + 1 });
        for part in path {
            p.push_str(part).map_err(|_| too_long())?;
        }
        *query_at = p.len();
        if let Some(q) = query {
            p.push_str("?").map_err(|_| too_long())?;
            p.push_str(q).map_err(|_| too_long())?;
        }
        let mut n = 0;
        let mut add = |h: (&'r str, &'r str)| {
            if let Some(slot) = headers.get_mut(n) {
                *slot = h;
                n += 1;
            }
        };
        add((AUTHORIZATION_HEADER, self.key.authorization_header()));
        add((VERSION_HEADER, self.version));
        add((USER_AGENT_HEADER, self.user_agent));
        add((ACCEPT_HEADER, JSON_MEDIA_TYPE));
        if *body_len > 0 {
            add((CONTENT_TYPE_HEADER, JSON_MEDIA_TYPE));
        }
        if let Some(k) = idempotency_key {
            add((IDEMPOTENCY_KEY_HEADER, k));
        }
        *header_count = n;
        Ok(())
    }

    /// `POST /setup-intents` for a body without list or nested fields (`paymentMethods`,
    /// `customer`, `billingAddress`, `shippingDetails`, `config`, `metadata`,
    /// `orderDetails`), written without serde: the same request as
    /// [`create_setup_intent`](Self::create_setup_intent) (byte for byte), for a firmware
    /// image that should not carry serde's serializer. One of those fields set:
    /// [`Error::Invalid`] (`NotAllowed`, naming it).
    pub fn create_setup_intent_lean(
        &self,
        body: &CreateSetupIntentRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        let len = lean(body.write_lean(buf)?)?;
        self.request(Operation::CreateSetupIntent, Method::Post, &["/setup-intents"], None, len, None)
    }

    /// `POST /setup-intents` for a no-show fee: the same request as
    /// [`create_setup_intent_lean`](Self::create_setup_intent_lean) of
    /// [`CreateSetupIntentRequest::new`]`(reference, terms, NoShow, *amount)` (byte for
    /// byte, and the same error for a body it refuses), without building that body: the
    /// kiosk's request in a few hundred bytes of firmware.
    pub fn create_no_show_setup_intent(
        &self,
        reference: &str,
        terms: &str,
        amount: &Money,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::SetupIntentKind>, Error<'static>> {
        let fields = [
            Flat::Text("reference", reference, 60),
            Flat::Str("merchantInitiatedTransactionType", "NoShow"),
            Flat::Text("terms", terms, 10_240),
            Flat::Money("intendedAmount", amount),
        ];
        let len = flat_body(&fields, buf)?;
        self.request(Operation::CreateSetupIntent, Method::Post, &["/setup-intents"], None, len, None)
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

    /// `POST /payment-intents` for a body without list or nested fields (`paymentMethods`,
    /// `customer`, `billingAddress`, `shippingDetails`, `config`, `metadata`,
    /// `requestSecurity`, `orderDetails`), written without serde: the same request as
    /// [`create_payment_intent`](Self::create_payment_intent) (byte for byte), for a
    /// firmware image that should not carry serde's serializer. One of those fields set:
    /// [`Error::Invalid`] (`NotAllowed`, naming it).
    pub fn create_payment_intent_lean(
        &self,
        body: &CreatePaymentIntentRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::PaymentIntentKind>, Error<'static>> {
        let len = lean(body.write_lean(buf)?)?;
        self.request(Operation::CreatePaymentIntent, Method::Post, &["/payment-intents"], None, len, None)
    }

    /// `POST /payment-intents` charging `setup_intent`'s card for `amount`: the same
    /// request as [`create_payment_intent_lean`](Self::create_payment_intent_lean) of
    /// [`CreatePaymentIntentRequest::for_setup_intent`]`(reference, *amount,
    /// *setup_intent)` (byte for byte, and the same error for a body it refuses),
    /// without building that body.
    pub fn create_setup_payment_intent(
        &self,
        reference: &str,
        amount: &Money,
        setup_intent: &SetupIntentId,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::PaymentIntentKind>, Error<'static>> {
        let fields = [
            Flat::Money("amount", amount),
            Flat::Text("reference", reference, 60),
            Flat::Str("setupIntentId", setup_intent.as_str()),
        ];
        let len = flat_body(&fields, buf)?;
        self.request(Operation::CreatePaymentIntent, Method::Post, &["/payment-intents"], None, len, None)
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

    /// `POST /payment-intents/search` for a search without `statuses`, its body written
    /// without serde: the same request as [`search_payment_intents`](Self::search_payment_intents)
    /// (byte for byte), for a firmware image that should not carry serde's serializer.
    /// `statuses` set: [`Error::Invalid`] (`NotAllowed`, field `statuses`).
    pub fn search_payment_intents_lean(
        &self,
        body: &SearchPaymentIntentsRequest<'_>,
        buf: &mut [u8],
    ) -> Result<Request<'k, kind::PaymentIntentPageKind>, Error<'static>> {
        let len = lean(body.write_lean(buf)?)?;
        self.request(Operation::SearchPaymentIntents, Method::Post, &["/payment-intents/search"], None, len, None)
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
    lean(to_slice(body, buf))
}
