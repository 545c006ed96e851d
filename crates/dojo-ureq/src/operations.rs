//! Every operation on setup and payment intents, each a request dojo-core builds sent
//! over the client's one exchange (`exchange.rs`).

use dojo_core::request::{
    CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest,
    SearchPaymentIntentsRequest,
};
use dojo_core::response::kind;
use dojo_core::{PaymentIntentId, SetupIntentId};

use crate::client::Client;
use crate::error::{ConfigError, Error};
use crate::response::Response;

/// Makes an idempotency key for a refund: `dojo-rs-` and 32 random hex digits from the
/// operating system's generator.
pub fn new_idempotency_key() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        log::error!("dojo: no randomness for an idempotency key: {e}");
        Error::Config(ConfigError::NoRandomness)
    })?;
    let mut key = String::with_capacity(8 + 32);
    key.push_str("dojo-rs-");
    for b in bytes {
        key.push_str(&format!("{b:02x}"));
    }
    Ok(key)
}

impl Client {
    // ---- setup intents ----

    /// `POST /setup-intents`. Not retried (a retry could create a second one).
    pub fn create_setup_intent(
        &self,
        body: &CreateSetupIntentRequest<'_>,
    ) -> Result<Response<kind::SetupIntentKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.create_setup_intent(body, b))?;
        self.execute(&req, &buf)
    }

    /// `GET /setup-intents/{id}`. Retried.
    pub fn get_setup_intent(&self, id: &SetupIntentId) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().get_setup_intent(id)?;
        self.execute(&req, &[])
    }

    /// `GET /setup-intents/public/{id}`. Retried.
    pub fn get_public_setup_intent(&self, id: &SetupIntentId) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().get_public_setup_intent(id)?;
        self.execute(&req, &[])
    }

    /// `DELETE /setup-intents/{id}` (`?includeAuthorized=true` closes an Authorized one).
    pub fn cancel_setup_intent(
        &self,
        id: &SetupIntentId,
        include_authorized: bool,
    ) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().cancel_setup_intent(id, include_authorized)?;
        self.execute(&req, &[])
    }

    /// `POST /setup-intents/{id}/refresh-client-session-secret`.
    pub fn refresh_setup_intent_secret(&self, id: &SetupIntentId) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().refresh_setup_intent_secret(id)?;
        self.execute(&req, &[])
    }

    // ---- payment intents ----

    /// `POST /payment-intents`. Not retried.
    pub fn create_payment_intent(
        &self,
        body: &CreatePaymentIntentRequest<'_>,
    ) -> Result<Response<kind::PaymentIntentKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.create_payment_intent(body, b))?;
        // The path names no intent: the one this payment is for is in the body.
        self.execute_for(&req, &buf, body.setup_intent_id)
    }

    /// `GET /payment-intents/{id}` (`return_canceled`: show a Canceled one instead of
    /// 404). Retried.
    pub fn get_payment_intent(
        &self,
        id: &PaymentIntentId,
        return_canceled: bool,
    ) -> Result<Response<kind::PaymentIntentKind>, Error> {
        let req = self.api().get_payment_intent(id, return_canceled)?;
        self.execute(&req, &[])
    }

    /// `DELETE /payment-intents/{id}`.
    pub fn cancel_payment_intent(&self, id: &PaymentIntentId) -> Result<Response<kind::PaymentIntentKind>, Error> {
        let req = self.api().cancel_payment_intent(id)?;
        self.execute(&req, &[])
    }

    /// `POST /payment-intents/{id}/charge`, as is: never retried, no lifecycle checks.
    /// Prefer [`Client::charge`], which checks the lifecycle first and reconciles an
    /// unknown outcome.
    pub fn charge_payment_intent(&self, id: &PaymentIntentId) -> Result<Response<kind::ChargeKind>, Error> {
        let req = self.api().charge_payment_intent(id)?;
        self.execute(&req, &[])
    }

    /// `POST /payment-intents/{id}/captures`. Not retried.
    pub fn capture_payment_intent(
        &self,
        id: &PaymentIntentId,
        body: &CreateCaptureRequest,
    ) -> Result<Response<kind::CaptureKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.capture_payment_intent(id, body, b))?;
        self.execute(&req, &buf)
    }

    /// `POST /payment-intents/{id}/refunds` with a fresh idempotency key
    /// ([`new_idempotency_key`]). Retried with the same key, which makes repeating it
    /// safe; when the outcome stays unknown the error carries the key, so the caller can
    /// retry later with [`refund_payment_intent_with_key`](Client::refund_payment_intent_with_key).
    pub fn refund_payment_intent(
        &self,
        id: &PaymentIntentId,
        body: &CreateRefundRequest<'_>,
    ) -> Result<Response<kind::RefundKind>, Error> {
        let key = new_idempotency_key()?;
        self.refund_payment_intent_with_key(id, &key, body)
    }

    /// `POST /payment-intents/{id}/refunds` with the caller's idempotency key (1–100
    /// visible ASCII characters; the same key on every retry of one refund).
    pub fn refund_payment_intent_with_key(
        &self,
        id: &PaymentIntentId,
        idempotency_key: &str,
        body: &CreateRefundRequest<'_>,
    ) -> Result<Response<kind::RefundKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.refund_payment_intent(id, idempotency_key, body, b))?;
        self.execute(&req, &buf)
    }

    /// `POST /payment-intents/{id}/reversal`. Not retried.
    pub fn reverse_payment_intent(&self, id: &PaymentIntentId) -> Result<Response<kind::ReversalKind>, Error> {
        let req = self.api().reverse_payment_intent(id)?;
        self.execute(&req, &[])
    }

    /// `POST /payment-intents/search`. A read sent as a POST: dojo-core does not mark it
    /// safe to retry, so it is not retried after it may have been sent.
    pub fn search_payment_intents(
        &self,
        body: &SearchPaymentIntentsRequest<'_>,
    ) -> Result<Response<kind::PaymentIntentPageKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.search_payment_intents(body, b))?;
        self.execute(&req, &buf)
    }
}
