//! Payment intents and the answers of the operations on them: charge, capture, refund,
//! reversal, search.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::enums::{
    AutoExpireAction, CaptureMode, CaptureStatus, PaymentEventType, PaymentIntentStatus, PaymentMethod,
};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::json::{Entries, Items, Records, Text};
use crate::money::{Money, deserialize_minor_units};
use crate::time::Timestamp;

/// A payment intent (`PaymentIntent`): an amount to collect and how far collecting it got.
///
/// `id` and `status` are required (a response without them is a decode error); every
/// other field is optional, as in the spec. Unknown fields are ignored. Strings borrow
/// the response body.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentIntent<'a> {
    /// The payment intent's id.
    pub id: PaymentIntentId,
    /// Its status.
    pub status: PaymentIntentStatus,
    /// When it is captured.
    pub capture_mode: Option<CaptureMode>,
    /// The amount to collect, excluding tips, service charge and cashback.
    pub amount: Option<Money>,
    /// The tip.
    pub tips_amount: Option<Money>,
    /// The amount requested.
    pub requested_amount: Option<Money>,
    /// The total after discounts and taxes.
    pub total_amount: Option<Money>,
    /// Cashback.
    pub cashback_amount: Option<Money>,
    /// Service charge.
    pub service_charge_amount: Option<Money>,
    /// The amount refunded so far, in minor units.
    #[serde(default, deserialize_with = "opt_minor_units")]
    pub refunded_amount: Option<i64>,
    /// The merchant's reference, e.g. `Order 234`.
    #[serde(borrow)]
    pub reference: Option<Text<'a>>,
    /// The description.
    #[serde(borrow)]
    pub description: Option<Text<'a>>,
    /// The setup intent this payment intent charges, for merchant-initiated transactions.
    pub setup_intent_id: Option<SetupIntentId>,
    /// Whether the card holder is not present (CNP).
    pub card_holder_not_present: Option<bool>,
    /// The secret the checkout page uses. Never printed by `Debug`.
    #[serde(borrow)]
    pub client_session_secret: Option<ClientSessionSecret<'a>>,
    /// When `client_session_secret` expires.
    pub client_session_secret_expiration_date: Option<Timestamp>,
    /// Payment methods the customer may use.
    #[serde(borrow)]
    pub payment_methods: Option<Items<'a, PaymentMethod>>,
    /// Details of the payment, once it is finalized.
    #[serde(borrow)]
    pub payment_details: Option<PaymentDetails<'a>>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    pub updated_at: Option<Timestamp>,
    /// When it is voided if not paid.
    pub expire_at: Option<Timestamp>,
    /// For `Manual` capture: when the authorization is captured or released (`dd.hh:MM:ss`).
    #[serde(borrow)]
    pub auto_expire_in: Option<Text<'a>>,
    /// For `Manual` capture: what happens when `auto_expire_in` runs out.
    pub auto_expire_action: Option<AutoExpireAction>,
    /// The merchant's key-value metadata.
    #[serde(borrow)]
    pub metadata: Option<Entries<'a, Text<'a>, Text<'a>>>,
    /// The payment link for the customer.
    #[serde(borrow)]
    pub payment_link: Option<Text<'a>>,
    /// The events of the payment so far (sent by the server though not in the schema).
    #[serde(borrow)]
    pub payment_events: Option<Items<'a, PaymentEvent<'a>>>,
    /// The captures made.
    #[serde(borrow)]
    pub captures: Option<Items<'a, CaptureDetails<'a>>>,
    /// Where the payment came from (e.g. `api`).
    #[serde(borrow)]
    pub payment_source: Option<Text<'a>>,
    /// The customer.
    #[serde(borrow)]
    pub customer: Option<crate::details::Customer<'a>>,
    /// The billing address.
    #[serde(borrow)]
    pub billing_address: Option<crate::details::Address<'a>>,
    /// The shipping details.
    #[serde(borrow)]
    pub shipping_details: Option<crate::details::ShippingDetails<'a>>,
}

/// The few fields of a payment intent that a kiosk's flow reads: its id, status,
/// amount, setup intent and capture mode. Decoded from the same answers as
/// [`PaymentIntent`] (every other field is skipped unread), it needs far less code and
/// stack than the full model. It carries no captures: for partial captures, decode the
/// full model. Decode it with [`Request::summarized`](crate::request::Request::summarized).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentIntentSummary {
    /// The payment intent's id.
    pub id: PaymentIntentId,
    /// Its status.
    pub status: PaymentIntentStatus,
    /// The amount to collect.
    pub amount: Option<Money>,
    /// The setup intent this payment intent charges.
    pub setup_intent_id: Option<SetupIntentId>,
    /// When it is captured.
    pub capture_mode: Option<CaptureMode>,
}

/// A client session secret (used by the checkout page). `Debug` and `Display` redact it;
/// read it with [`expose`](ClientSessionSecret::expose).
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ClientSessionSecret<'a>(#[serde(borrow)] Text<'a>);

impl<'a> ClientSessionSecret<'a> {
    /// The secret itself.
    pub fn expose(&self) -> Text<'a> {
        self.0
    }
}

impl fmt::Debug for ClientSessionSecret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSessionSecret(<redacted>)")
    }
}

/// An event in a payment's or a setup intent's history (`PaymentStatusResponse`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentEvent<'a> {
    /// What happened.
    pub event_type: Option<PaymentEventType>,
    /// The transaction's id.
    #[serde(borrow)]
    pub transaction_id: Option<Text<'a>>,
    /// When, as the server wrote it (the spec types it as a free string).
    #[serde(borrow)]
    pub transaction_date_time: Option<Text<'a>>,
    /// The acquirer's authorization code.
    #[serde(borrow)]
    pub auth_code: Option<Text<'a>>,
    /// The masked card number.
    #[serde(borrow)]
    pub card_number: Option<Text<'a>>,
    /// The card's expiry date.
    #[serde(borrow)]
    pub expiry_date: Option<Text<'a>>,
    /// The card scheme.
    #[serde(borrow)]
    pub card_type: Option<Text<'a>>,
    /// The card holder's name.
    #[serde(borrow)]
    pub cardholder_name: Option<Text<'a>>,
    /// The saved payment method's id.
    #[serde(borrow)]
    pub payment_method_id: Option<Text<'a>>,
}

/// Details of a finalized payment (`PaymentDetails`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentDetails<'a> {
    /// The transaction's id.
    #[serde(borrow)]
    pub transaction_id: Option<Text<'a>>,
    /// When, as the server wrote it.
    #[serde(borrow)]
    pub transaction_date_time: Option<Text<'a>>,
    /// A description of the outcome (e.g. `DEPOSITED`).
    #[serde(borrow)]
    pub message: Option<Text<'a>>,
    /// The saved payment method's id.
    #[serde(borrow)]
    pub payment_method_id: Option<Text<'a>>,
    /// The acquirer's authorization code.
    #[serde(borrow)]
    pub auth_code: Option<Text<'a>>,
    /// The card used.
    #[serde(borrow)]
    pub card: Option<Card<'a>>,
    /// The Address Verification Service result.
    #[serde(borrow)]
    pub avs_result: Option<Text<'a>>,
}

/// A card (`Card`). The open enums the spec demoted to strings stay text here.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Card<'a> {
    /// The masked card number.
    #[serde(borrow)]
    pub card_number: Option<Text<'a>>,
    /// The card holder's name.
    #[serde(borrow)]
    pub card_name: Option<Text<'a>>,
    /// The expiry date.
    #[serde(borrow)]
    pub expiry_date: Option<Text<'a>>,
    /// The scheme (`VISA`, `MASTERCARD`, ...).
    #[serde(borrow)]
    pub card_type: Option<Text<'a>>,
    /// Credit, debit, pre-paid, charge.
    #[serde(borrow)]
    pub card_funding_type: Option<Text<'a>>,
    /// The last four digits.
    #[serde(borrow, rename = "last4PAN")]
    pub last4_pan: Option<Text<'a>>,
    /// How the card was read.
    #[serde(borrow)]
    pub entry_mode: Option<Text<'a>>,
    /// How the card holder was verified.
    #[serde(borrow)]
    pub verification_method: Option<Text<'a>>,
}

/// A capture of a payment intent (`CaptureDetails`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaptureDetails<'a> {
    /// The capture's id.
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    /// The amount captured, in minor units.
    #[serde(default, deserialize_with = "opt_minor_units")]
    pub amount: Option<i64>,
    /// The tip captured, in minor units.
    #[serde(default, deserialize_with = "opt_minor_units")]
    pub tips_amount: Option<i64>,
    /// Its status.
    pub status: Option<CaptureStatus>,
    /// When it was made.
    pub created_at: Option<Timestamp>,
}

/// The answer to `POST /payment-intents/{id}/charge` (`ChargeResponse`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChargeResponse<'a> {
    /// The payment intent charged.
    pub payment_intent_id: Option<PaymentIntentId>,
    /// The outcome: `Successful`, `Declined`, `Failed` (required).
    pub status: CaptureStatus,
    /// A description of the outcome.
    #[serde(borrow)]
    pub message: Option<Text<'a>>,
}

/// The answer to `POST /payment-intents/{id}/captures` (`Capture`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Capture<'a> {
    /// The capture's id.
    #[serde(borrow)]
    pub capture_id: Option<Text<'a>>,
    /// A description of the operation.
    #[serde(borrow)]
    pub message: Option<Text<'a>>,
}

/// The answer to `POST /payment-intents/{id}/refunds` (`Refund`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Refund<'a> {
    /// The payment intent refunded.
    pub payment_intent_id: Option<PaymentIntentId>,
    /// The refund's id.
    #[serde(borrow)]
    pub refund_id: Option<Text<'a>>,
    /// The reason given.
    #[serde(borrow)]
    pub refund_reason: Option<Text<'a>>,
    /// Notes.
    #[serde(borrow)]
    pub notes: Option<Text<'a>>,
}

/// The answer to `POST /payment-intents/{id}/reversal` (`Reversal`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Reversal<'a> {
    /// The reversal's id.
    #[serde(borrow)]
    pub reversal_id: Option<Text<'a>>,
    /// A description of the operation.
    #[serde(borrow)]
    pub message: Option<Text<'a>>,
}

/// A page of `POST /payment-intents/search` (`PagedPaymentIntent`). The payment
/// intents are decoded one at a time, once each, as you iterate `data`; each is a
/// `Result`, so one record this version cannot hold does not hide the others.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentIntentPage<'a> {
    /// The payment intents on this page.
    #[serde(borrow)]
    pub data: Option<Records<'a, PaymentIntent<'a>>>,
    /// The cursor of the previous page.
    #[serde(borrow)]
    pub before: Option<Text<'a>>,
    /// The cursor of the next page.
    #[serde(borrow)]
    pub after: Option<Text<'a>>,
}

/// An optional amount in minor units, as a number or a digit string.
pub(crate) fn opt_minor_units<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Wrap(i64);
    impl<'de> Deserialize<'de> for Wrap {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_minor_units(d).map(Wrap)
        }
    }
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

impl Serialize for ClientSessionSecret<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
