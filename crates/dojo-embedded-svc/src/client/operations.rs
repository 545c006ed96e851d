//! One typed method per API operation: build the request with dojo-core, exchange it,
//! decode the answer.

use dojo_core::client_error::ClientError;
use dojo_core::payment_intent::{Capture, ChargeResponse, PaymentIntent, PaymentIntentPage, Refund, Reversal};
use dojo_core::request::{
    CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest,
    SearchPaymentIntentsRequest,
};
use dojo_core::setup_intent::SetupIntent;
use dojo_core::{PaymentIntentId, SetupIntentId};

use super::{Client, ClientResult, Connect};
use crate::retry::Delay;

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// `POST /setup-intents`.
    pub fn create_setup_intent<'b>(
        &mut self,
        body: &CreateSetupIntentRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.create_setup_intent(body, buf)?;
        self.execute(&req, buf)
    }

    /// `GET /setup-intents/{id}` (retried).
    pub fn get_setup_intent<'b>(
        &mut self,
        id: &SetupIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.get_setup_intent(id)?;
        self.execute(&req, buf)
    }

    /// `DELETE /setup-intents/{id}` (`?includeAuthorized=true` when `include_authorized`).
    pub fn cancel_setup_intent<'b>(
        &mut self,
        id: &SetupIntentId,
        include_authorized: bool,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.cancel_setup_intent(id, include_authorized)?;
        self.execute(&req, buf)
    }

    /// `GET /setup-intents/public/{id}` (retried).
    pub fn get_public_setup_intent<'b>(
        &mut self,
        id: &SetupIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.get_public_setup_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /setup-intents/{id}/refresh-client-session-secret`.
    pub fn refresh_setup_intent_secret<'b>(
        &mut self,
        id: &SetupIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.refresh_setup_intent_secret(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents`.
    pub fn create_payment_intent<'b>(
        &mut self,
        body: &CreatePaymentIntentRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntent<'b>, K> {
        let req = self.api.create_payment_intent(body, buf)?;
        self.execute(&req, buf)
    }

    /// `GET /payment-intents/{id}` (`?returnCanceled=true` when `return_canceled`; retried).
    pub fn get_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        return_canceled: bool,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntent<'b>, K> {
        let req = self.api.get_payment_intent(id, return_canceled)?;
        self.execute(&req, buf)
    }

    /// `DELETE /payment-intents/{id}`.
    pub fn cancel_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntent<'b>, K> {
        let req = self.api.cancel_payment_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/{id}/charge`, without the lifecycle's checks: prefer
    /// [`charge`](Self::charge), which charges at most once and reconciles.
    pub fn charge_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, ChargeResponse<'b>, K> {
        let req = self.api.charge_payment_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/{id}/captures`.
    pub fn capture_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        body: &CreateCaptureRequest,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Capture<'b>, K> {
        let req = self.api.capture_payment_intent(id, body, buf)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/{id}/refunds` with `idempotency_key` (keep it the same
    /// when repeating this refund after an [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown), which names it).
    pub fn refund_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        idempotency_key: &'b str,
        body: &CreateRefundRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Refund<'b>, K> {
        let req = self.api.refund_payment_intent(id, idempotency_key, body, buf)?;
        self.execute(&req, buf).map_err(|mut e| {
            // The exchange's report owns nothing: it names the key here.
            if let ClientError::OutcomeUnknown(u) = &mut e {
                u.idempotency_key = Some(idempotency_key);
            }
            e
        })
    }

    /// `POST /payment-intents/{id}/reversal`.
    pub fn reverse_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Reversal<'b>, K> {
        let req = self.api.reverse_payment_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/search`.
    pub fn search_payment_intents<'b>(
        &mut self,
        body: &SearchPaymentIntentsRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntentPage<'b>, K> {
        let req = self.api.search_payment_intents(body, buf)?;
        self.execute(&req, buf)
    }
}
