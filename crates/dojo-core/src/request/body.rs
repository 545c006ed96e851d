//! The request bodies, as the spec names them, each with the validation the API
//! applies to it (checked before anything is written).

use serde::{Deserialize, Serialize};

use crate::collections::{List, Metadata};
use crate::details::{
    Address, CheckoutConfig, Customer, OrderDetails, RequestSecurity, ShippingDetails, check_len, check_opt_len,
};
use crate::enums::{
    AutoExpireAction, CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus, PaymentMethod,
};
use crate::error::{ValidationError, ValidationErrorKind};
use crate::id::SetupIntentId;
use crate::json::Text;
use crate::money::Money;
use crate::time::Timestamp;

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
    /// The amount to capture in minor units of the payment intent's currency (positive;
    /// full or partial): the wire carries no currency. Build the body from a [`Money`]
    /// ([`new`](Self::new)), checked against the payment intent by
    /// [`PaymentIntentState::check_capture`](crate::lifecycle::PaymentIntentState::check_capture).
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
    /// A capture of `amount` (in the payment intent's currency).
    pub const fn new(amount: Money) -> Self {
        CreateCaptureRequest { amount: amount.value, tips_amount: None }
    }

    /// The same capture with a tip of `tips` (in the payment intent's currency).
    pub const fn with_tips(self, tips: Money) -> Self {
        CreateCaptureRequest { tips_amount: Some(tips.value), ..self }
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
    /// The amount to refund in minor units of the payment intent's currency (positive):
    /// the wire carries no currency. Build the body from a [`Money`] ([`new`](Self::new)),
    /// checked against the payment intent by
    /// [`PaymentIntentState::check_refund`](crate::lifecycle::PaymentIntentState::check_refund).
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
    /// A refund of `amount` (in the payment intent's currency).
    pub const fn new(amount: Money) -> Self {
        CreateRefundRequest { amount: amount.value, refund_reason: None, notes: None, previous_transaction_id: None }
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
