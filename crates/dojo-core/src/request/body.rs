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
use crate::error::{Error, ValidationError, ValidationErrorKind};
use crate::id::SetupIntentId;
use crate::json::{EncodeError, ObjectWriter, Text};
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
        self.validate_flat()?;
        validate_common(
            &self.payment_methods,
            &self.customer,
            &self.billing_address,
            &self.shipping_details,
            &self.config,
        )
    }

    /// The checks of every field but the list and nested ones.
    fn validate_flat(&self) -> Result<(), ValidationError> {
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
        Ok(())
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
        self.validate_flat()?;
        self.request_security.as_ref().map_or(Ok(()), RequestSecurity::validate)?;
        validate_common(
            &self.payment_methods,
            &self.customer,
            &self.billing_address,
            &self.shipping_details,
            &self.config,
        )
    }

    /// The checks of every field but the list and nested ones.
    fn validate_flat(&self) -> Result<(), ValidationError> {
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
        Ok(())
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
        self.validate_flat()
    }

    /// The checks of every field but `statuses`.
    fn validate_flat(&self) -> Result<(), ValidationError> {
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

/// Refuses a field the lean writers do not write (`NotAllowed`, naming the field).
fn lean_refuses(fields: &[(&'static str, bool)]) -> Result<(), ValidationError> {
    match fields.iter().find(|(_, set)| *set) {
        Some((field, _)) => Err(ValidationError::new(field, ValidationErrorKind::NotAllowed)),
        None => Ok(()),
    }
}

/// One field of a flat body written by [`flat_body`], checked as the body's `validate`
/// checks it.
pub(crate) enum Flat<'a> {
    /// A text of 1 to `max` characters (`Empty`, `TooLong`), escaped as written.
    Text(&'static str, &'a str, usize),
    /// A string written as it is (an id, an enum's name): nothing to check.
    Str(&'static str, &'a str),
    /// A positive amount in a valid currency (`NotPositive`, the currency's error).
    Money(&'static str, &'a Money),
}

/// A flat body (`{"key":value,...}`, no list or nested field but amounts): each field
/// checked, then written, in order. One routine for every lean body the kiosk sends, so
/// a firmware image holds one checker and writer loop rather than one inlined per body.
/// The first field refused is the error, as the body's `validate` reports it (the
/// fields are listed in the order `validate` checks them); a failed write is the
/// error the lean builders give for it.
#[inline(never)]
pub(crate) fn flat_body(fields: &[Flat<'_>], buf: &mut [u8]) -> Result<usize, crate::Error<'static>> {
    let mut w = ObjectWriter::new(buf);
    for field in fields {
        match *field {
            Flat::Text(key, value, max) => {
                check_len(key, &Text::new(value), 1, max)?;
                w.str(key, value);
            }
            Flat::Str(key, value) => w.str(key, value),
            Flat::Money(key, value) => {
                value.validate_positive(key)?;
                w.money(key, value);
            }
        }
    }
    lean(w.finish())
}

impl CreateSetupIntentRequest<'_> {
    /// The body as JSON without serde, for a body whose list and nested fields
    /// (`paymentMethods`, `customer`, `billingAddress`, `shippingDetails`, `config`,
    /// `metadata`, `orderDetails`) are unset (any of them set: `NotAllowed`, naming it).
    /// Byte for byte what [`to_slice`](crate::json::to_slice) writes. Validates the body
    /// first, as [`validate`](Self::validate) does (with nothing nested, the same checks).
    pub(crate) fn write_lean(&self, buf: &mut [u8]) -> Result<Result<usize, EncodeError>, ValidationError> {
        lean_refuses(&[
            ("paymentMethods", self.payment_methods.is_some()),
            ("customer", self.customer.is_some()),
            ("billingAddress", self.billing_address.is_some()),
            ("shippingDetails", self.shipping_details.is_some()),
            ("config", self.config.is_some()),
            ("metadata", self.metadata.is_some()),
            ("orderDetails", self.order_details.is_some()),
        ])?;
        self.validate_flat()?;
        Ok(self.lean_body(buf))
    }

    /// The body as JSON without serde, unchecked (only the fields [`write_lean`](Self::write_lean) takes).
    fn lean_body(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = ObjectWriter::new(buf);
        w.text("reference", &self.reference);
        if let Some(d) = &self.description {
            w.text("description", d);
        }
        w.variant("merchantInitiatedTransactionType", self.merchant_initiated_transaction_type.as_str());
        w.text("terms", &self.terms);
        if let Some(a) = &self.intended_amount {
            w.money("intendedAmount", a);
        }
        if let Some(m) = &self.capture_mode {
            w.variant("captureMode", m.as_str());
        }
        if let Some(t) = self.expire_at {
            w.timestamp("expireAt", t);
        }
        w.finish()
    }
}

impl CreatePaymentIntentRequest<'_> {
    /// The body as JSON without serde, for a body whose list and nested fields
    /// (`paymentMethods`, `customer`, `billingAddress`, `shippingDetails`, `config`,
    /// `metadata`, `requestSecurity`, `orderDetails`) are unset (any of them set:
    /// `NotAllowed`, naming it). Byte for byte what [`to_slice`](crate::json::to_slice)
    /// writes. Validates the body first, as [`validate`](Self::validate) does (with
    /// nothing nested, the same checks).
    pub(crate) fn write_lean(&self, buf: &mut [u8]) -> Result<Result<usize, EncodeError>, ValidationError> {
        lean_refuses(&[
            ("paymentMethods", self.payment_methods.is_some()),
            ("customer", self.customer.is_some()),
            ("billingAddress", self.billing_address.is_some()),
            ("shippingDetails", self.shipping_details.is_some()),
            ("config", self.config.is_some()),
            ("metadata", self.metadata.is_some()),
            ("requestSecurity", self.request_security.is_some()),
            ("orderDetails", self.order_details.is_some()),
        ])?;
        self.validate_flat()?;
        Ok(self.lean_body(buf))
    }

    /// The body as JSON without serde, unchecked (only the fields [`write_lean`](Self::write_lean) takes).
    fn lean_body(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = ObjectWriter::new(buf);
        w.money("amount", &self.amount);
        w.text("reference", &self.reference);
        if let Some(d) = &self.description {
            w.text("description", d);
        }
        if let Some(m) = &self.capture_mode {
            w.variant("captureMode", m.as_str());
        }
        if let Some(id) = &self.setup_intent_id {
            w.str("setupIntentId", id.as_str());
        }
        if let Some(t) = &self.tips_amount {
            w.money("tipsAmount", t);
        }
        if let Some(t) = &self.auto_expire_in {
            w.text("autoExpireIn", t);
        }
        if let Some(a) = &self.auto_expire_action {
            w.variant("autoExpireAction", a.as_str());
        }
        if let Some(t) = self.expire_at {
            w.timestamp("expireAt", t);
        }
        w.finish()
    }
}

impl SearchPaymentIntentsRequest<'_> {
    /// The body as JSON without serde, for a search without `statuses` (set:
    /// `NotAllowed`). Byte for byte what [`to_slice`](crate::json::to_slice) writes.
    /// Validates the body first, as [`validate`](Self::validate) does (without
    /// `statuses`, the same checks).
    pub(crate) fn write_lean(&self, buf: &mut [u8]) -> Result<Result<usize, EncodeError>, ValidationError> {
        lean_refuses(&[("statuses", self.statuses.is_some())])?;
        self.validate_flat()?;
        Ok(self.lean_body(buf))
    }

    /// The body as JSON without serde, unchecked (only the fields [`write_lean`](Self::write_lean) takes).
    fn lean_body(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = ObjectWriter::new(buf);
        if let Some(t) = self.start_date {
            w.timestamp("startDate", t);
        }
        if let Some(t) = self.end_date {
            w.timestamp("endDate", t);
        }
        if let Some(c) = &self.cursor {
            w.open("cursor");
            if let Some(l) = c.limit {
                w.i64("limit", i64::from(l));
            }
            if let Some(b) = &c.before {
                w.text("before", b);
            }
            if let Some(a) = &c.after {
                w.text("after", a);
            }
            w.close();
        }
        w.finish()
    }
}

/// A written body's length, or the error [`encode`](super::api::encode) gives for the same failure.
pub(super) fn lean(written: Result<usize, EncodeError>) -> Result<usize, Error<'static>> {
    written.map_err(|e| match e {
        EncodeError::BufferTooSmall(b) => Error::BufferTooSmall(b),
        // Validation refuses everything the writer cannot encode; keep a typed error anyway.
        _ => Error::Invalid(ValidationError::new("body", ValidationErrorKind::UnknownVariant)),
    })
}

#[cfg(test)]
mod lean_tests {
    //! The lean writers against serde's path: the same bytes for every body they take,
    //! the same `needed` for every too-small buffer.
    use super::*;
    use crate::json::{from_slice, to_slice};

    /// Texts that exercise the escaper: plain, quotes and backslashes, control
    /// characters, non-ASCII, and JSON escapes left in a decoded text.
    const TEXTS: &[&str] = &[
        r#""booking-42""#,
        r#""a \"quoted\" \\ back""#,
        r#""tab\there\nnew\u0001\u001f""#,
        r#""caf\u00e9 \ud83d\ude00 é ✓""#,
        r#""\/slash and <html> & 'q' +`""#,
        r#""x""#,
    ];

    fn same<T: serde::Serialize>(body: &T, lean: impl Fn(&mut [u8]) -> Result<usize, EncodeError>) {
        let mut a = [0u8; 1024];
        let mut b = [0u8; 1024];
        let serde_len = to_slice(body, &mut a).unwrap();
        let lean_len = lean(&mut b).unwrap();
        assert_eq!(core::str::from_utf8(&b[..lean_len]).unwrap(), core::str::from_utf8(&a[..serde_len]).unwrap());
        for short in 0..serde_len {
            let mut s = [0u8; 1024];
            assert_eq!(lean(&mut s[..short]), to_slice(body, &mut a[..short]), "buffer of {short}");
        }
    }

    #[test]
    fn setup_intent_bodies_match_serde() {
        let mut n = 0;
        for text in TEXTS {
            for optional in [
                "",
                r#","description":TEXT"#,
                r#","intendedAmount":{"value":-9223372036854775808,"currencyCode":"EUR"}"#,
                r#","captureMode":"Auto","expireAt":"2026-11-25T17:00:00.123Z""#,
                r#","description":TEXT,"intendedAmount":{"value":"1000","currencyCode":"XYZ"},"expireAt":"1969-12-31T23:59:59Z""#,
            ] {
                let json = format!(
                    r#"{{"reference":{text},"merchantInitiatedTransactionType":"NoShow","terms":{text}{}}}"#,
                    optional.replace("TEXT", text)
                );
                let body: CreateSetupIntentRequest<'_> = from_slice(json.as_bytes()).unwrap();
                same(&body, |buf| body.lean_body(buf));
                n += 1;
            }
        }
        let built =
            CreateSetupIntentRequest::new("ref", "terms", MerchantInitiatedTransactionType::NoShow, Money::gbp(5));
        same(&built, |buf| built.lean_body(buf));
        assert_eq!(n, TEXTS.len() * 5);
    }

    #[test]
    fn payment_intent_bodies_match_serde() {
        for text in TEXTS {
            for optional in [
                "",
                r#","description":TEXT,"captureMode":"Manual","autoExpireIn":"1.02:00:00","autoExpireAction":"Release""#,
                r#","setupIntentId":"si_abc-DEF_123","tipsAmount":{"value":0,"currencyCode":"GBP"}"#,
                r#","expireAt":"2030-01-01T00:00:00Z","captureMode":"SomethingNew""#,
            ] {
                let json = format!(
                    r#"{{"amount":{{"value":1234,"currencyCode":"GBP"}},"reference":{text}{}}}"#,
                    optional.replace("TEXT", text)
                );
                let body: CreatePaymentIntentRequest<'_> = from_slice(json.as_bytes()).unwrap();
                same(&body, |buf| body.lean_body(buf));
            }
        }
        let built = CreatePaymentIntentRequest::for_setup_intent(
            "booking",
            Money::gbp(700),
            SetupIntentId::new("si_123").unwrap(),
        );
        same(&built, |buf| built.lean_body(buf));
    }

    #[test]
    fn search_bodies_match_serde() {
        for text in TEXTS {
            for json in [
                "{}".to_owned(),
                r#"{"startDate":"2026-11-25T00:00:00Z"}"#.to_owned(),
                r#"{"endDate":"2026-11-25T00:00:00.5Z","cursor":{}}"#.to_owned(),
                format!(r#"{{"startDate":"2020-02-29T12:00:00Z","cursor":{{"limit":-2147483648,"after":{text}}}}}"#),
                format!(r#"{{"cursor":{{"limit":20,"before":{text},"after":{text}}}}}"#),
            ] {
                let body: SearchPaymentIntentsRequest<'_> = from_slice(json.as_bytes()).unwrap();
                same(&body, |buf| body.lean_body(buf));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_texts_amounts_and_times_match_serde(
            reference in "\\PC{0,24}|[\\x00-\\x7f]{0,24}",
            description in proptest::option::of("\\PC{0,40}"),
            value in proptest::prelude::any::<i64>(),
            tips in proptest::option::of(proptest::prelude::any::<i64>()),
            expire in proptest::option::of(-62_135_596_800i64..253_402_300_799),
            limit in proptest::option::of(proptest::prelude::any::<i32>()),
        ) {
            let mut body = CreatePaymentIntentRequest::new(&reference, Money::gbp(value));
            body.description = description.as_deref().map(Text::new);
            body.tips_amount = tips.map(Money::eur);
            body.expire_at = expire.map(Timestamp::from_unix);
            same(&body, |buf| body.lean_body(buf));
            let mut setup = CreateSetupIntentRequest::new(
                &reference,
                description.as_deref().unwrap_or("t"),
                MerchantInitiatedTransactionType::NoShow,
                Money::gbp(value),
            );
            setup.expire_at = body.expire_at;
            same(&setup, |buf| setup.lean_body(buf));
            let search = SearchPaymentIntentsRequest {
                statuses: None,
                start_date: body.expire_at,
                end_date: None,
                cursor: Some(Cursor { limit, before: None, after: Some(Text::new(&reference)) }),
            };
            same(&search, |buf| search.lean_body(buf));
        }
    }

    #[test]
    fn an_unknown_enum_value_too_long_to_keep_is_refused_as_serde_refuses_it() {
        let long = format!(r#""{}""#, "V".repeat(200));
        let json = format!(r#"{{"amount":{{"value":1,"currencyCode":"GBP"}},"reference":"r","captureMode":{long}}}"#);
        let body: CreatePaymentIntentRequest<'_> = from_slice(json.as_bytes()).unwrap();
        assert!(body.capture_mode.unwrap().as_str().is_none(), "the test needs a value not kept");
        let mut buf = [0u8; 512];
        assert_eq!(body.lean_body(&mut buf), Err(EncodeError::Unsupported));
        assert_eq!(to_slice(&body, &mut buf), Err(EncodeError::Unsupported));
    }

    /// For bodies without nested fields, `write_lean` refuses exactly what `validate`
    /// refuses (with the same error) and writes exactly what serde writes otherwise.
    #[test]
    fn the_lean_writers_validate_as_validate_does() {
        let mut buf = [0u8; 1024];
        let mut refused = 0;
        for (reference, terms, amount, capture) in [
            ("ok", "terms", 500, r#""Auto""#),
            ("", "terms", 500, "null"),
            ("ok", "", 500, "null"),
            ("ok", "terms", 0, "null"),
            ("ok", "terms", -5, "null"),
            ("ok", "terms", 500, r#""Manual""#),
            ("ok", "terms", 500, r#""Later""#),
            ("0123456789012345678901234567890123456789012345678901234567890", "t", 1, "null"),
        ] {
            let json = format!(
                r#"{{"reference":"{reference}","merchantInitiatedTransactionType":"NoShow","terms":"{terms}","intendedAmount":{{"value":{amount},"currencyCode":"GBP"}},"captureMode":{capture}}}"#
            );
            let setup: CreateSetupIntentRequest<'_> = from_slice(json.as_bytes()).unwrap();
            let lean = setup.write_lean(&mut buf).map(|w| w.unwrap());
            match setup.validate() {
                Ok(()) => assert_eq!(lean, Ok(to_slice(&setup, &mut [0u8; 1024]).unwrap())),
                Err(e) => {
                    refused += 1;
                    assert_eq!(lean, Err(e));
                }
            }
            let json = format!(
                r#"{{"amount":{{"value":{amount},"currencyCode":"GBP"}},"reference":"{reference}","captureMode":{capture},"autoExpireIn":"{terms}"}}"#
            );
            let payment: CreatePaymentIntentRequest<'_> = from_slice(json.as_bytes()).unwrap();
            let lean = payment.write_lean(&mut buf).map(|w| w.unwrap());
            match payment.validate() {
                Ok(()) => assert_eq!(lean, Ok(to_slice(&payment, &mut [0u8; 1024]).unwrap())),
                Err(e) => {
                    refused += 1;
                    assert_eq!(lean, Err(e));
                }
            }
        }
        let search: SearchPaymentIntentsRequest<'_> =
            from_slice(br#"{"startDate":"2026-01-02T00:00:00Z","endDate":"2026-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(search.write_lean(&mut buf).map(|_| ()), search.validate());
        assert!(search.validate().is_err());
        assert!(refused >= 12, "the grid must hold refused bodies: {refused}");
    }

    #[test]
    fn the_lean_writers_refuse_list_and_nested_fields_by_name() {
        let mut buf = [0u8; 1024];
        let setup: CreateSetupIntentRequest<'_> = from_slice(
            br#"{"reference":"r","merchantInitiatedTransactionType":"NoShow","terms":"t","metadata":{"a":"b"}}"#,
        )
        .unwrap();
        let err = setup.write_lean(&mut buf).unwrap_err();
        assert_eq!((err.field, err.kind), ("metadata", ValidationErrorKind::NotAllowed));
        let payment: CreatePaymentIntentRequest<'_> = from_slice(
            br#"{"amount":{"value":1,"currencyCode":"GBP"},"reference":"r","paymentMethods":["Card"],"requestSecurity":{"customerIpAddress":"1.2.3.4"}}"#,
        )
        .unwrap();
        let err = payment.write_lean(&mut buf).unwrap_err();
        assert_eq!((err.field, err.kind), ("paymentMethods", ValidationErrorKind::NotAllowed));
        let search: SearchPaymentIntentsRequest<'_> = from_slice(br#"{"statuses":["Created"]}"#).unwrap();
        let err = search.write_lean(&mut buf).unwrap_err();
        assert_eq!((err.field, err.kind), ("statuses", ValidationErrorKind::NotAllowed));
    }
}
