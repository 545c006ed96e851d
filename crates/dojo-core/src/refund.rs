//! Reading a refund back, and refreshing a payment intent's client session secret: the
//! two payment-intent operations of the spec beside those in [`crate::request`].
//!
//! ```
//! use dojo_core::request::{Api, Operation};
//! use dojo_core::{ApiKey, PaymentIntentId};
//!
//! let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
//! let api = Api::new(&key);
//! let req = api.get_refund("rfnd_127usj").unwrap();
//! assert_eq!((req.method().as_str(), req.path()), ("GET", "/payment-intents/refunds/rfnd_127usj"));
//! assert!(req.retry_safe());
//! let refund = req.decode(200, br#"{"paymentIntentId":"pi_1","refundId":"rfnd_127usj","notes":null}"#).unwrap();
//! assert_eq!(refund.refund_id.unwrap(), "rfnd_127usj");
//!
//! let pi = PaymentIntentId::new("pi_1").unwrap();
//! let req = api.refresh_payment_intent_secret(&pi).unwrap();
//! assert_eq!(req.path(), "/payment-intents/pi_1/refresh-client-session-secret");
//! assert_eq!(req.operation(), Operation::RefreshPaymentIntentSecret);
//! assert!(!req.retry_safe());
//! ```

use crate::error::Error;
use crate::id::{PaymentIntentId, validate_id};
use crate::request::{Api, Method, Operation, Request};
use crate::response::kind;

impl<'k> Api<'k> {
    /// `GET /payment-intents/refunds/{refundId}`: a refund, by the id its creation
    /// answered (1–50 characters of `[A-Za-z0-9_-]`).
    pub fn get_refund(&self, refund_id: &str) -> Result<Request<'k, kind::RefundKind>, Error<'static>> {
        validate_id("refundId", refund_id)?;
        self.request(Operation::GetRefund, Method::Get, &["/payment-intents/refunds/", refund_id], None, 0, None)
    }

    /// `POST /payment-intents/{id}/refresh-client-session-secret`: a new client session
    /// secret for the checkout page (the answer carries it). Not retry-safe: each call
    /// issues another secret.
    pub fn refresh_payment_intent_secret(
        &self,
        id: &PaymentIntentId,
    ) -> Result<Request<'k, kind::PaymentIntentKind>, Error<'static>> {
        let path = ["/payment-intents/", id.as_str(), "/refresh-client-session-secret"];
        self.request(Operation::RefreshPaymentIntentSecret, Method::Post, &path, None, 0, None)
    }
}

#[cfg(test)]
mod tests {
    use crate::ApiKey;
    use crate::error::{Error, ValidationErrorKind};
    use crate::request::Api;

    #[test]
    fn refund_ids_are_checked() {
        let key = ApiKey::new("sk_sandbox_c0ffee").unwrap();
        let api = Api::new(&key);
        for (id, kind) in [
            ("", ValidationErrorKind::Empty),
            ("rfnd/../x", ValidationErrorKind::InvalidCharacter),
            ("r f", ValidationErrorKind::InvalidCharacter),
        ] {
            match api.get_refund(id) {
                Err(Error::Invalid(e)) => assert_eq!((e.field, e.kind), ("refundId", kind)),
                other => panic!("{id:?}: {other:?}"),
            }
        }
        assert!(matches!(api.get_refund(&"r".repeat(51)), Err(Error::Invalid(_))));
        assert!(api.get_refund("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok(), "a UUID");
    }
}
