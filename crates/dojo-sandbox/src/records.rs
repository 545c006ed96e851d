//! What the sandbox keeps of each object. Each record serializes as the API's response
//! (camelCase, ASP.NET escaping applied by the writer); fields only the sandbox needs
//! are skipped.

use std::collections::HashMap;

use dojo_core::{
    AutoExpireAction, CaptureMode, CaptureStatus, MerchantInitiatedTransactionType, Money, PaymentEventType,
    PaymentIntentStatus, PaymentMethod, SetupIntentStatus, Timestamp,
};
use serde::Serialize;
use serde_json::Value;

use crate::cards::TestCard;

/// An event in a setup intent's or payment intent's history (`PaymentStatusResponse`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventRec {
    pub(crate) event_type: PaymentEventType,
    pub(crate) transaction_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) transaction_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auth_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expiry_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) card_type: Option<String>,
}

impl EventRec {
    pub(crate) fn new(event_type: PaymentEventType, now: Timestamp) -> Self {
        EventRec {
            event_type,
            transaction_date_time: now.to_string(),
            transaction_id: None,
            auth_code: None,
            card_number: None,
            expiry_date: None,
            card_type: None,
        }
    }
}

/// A card as the API shows it (`Card`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CardRec {
    pub(crate) card_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) card_name: Option<String>,
    pub(crate) expiry_date: String,
    pub(crate) card_type: &'static str,
    pub(crate) card_funding_type: &'static str,
    #[serde(rename = "last4PAN")]
    pub(crate) last4_pan: String,
    pub(crate) entry_mode: &'static str,
}

impl CardRec {
    pub(crate) fn from_test_card(card: &TestCard, name: Option<String>) -> Self {
        let digits: String = card.number.chars().filter(char::is_ascii_digit).collect();
        let first6: String = digits.chars().take(6).collect();
        let last4: String = digits.chars().skip(digits.len().saturating_sub(4)).collect();
        let scheme = if digits.starts_with('4') { "VISA" } else { "MASTERCARD" };
        CardRec {
            card_number: format!("{first6}******{last4}"),
            card_name: name,
            expiry_date: card.expiry.to_owned(),
            card_type: scheme,
            card_funding_type: "Credit",
            last4_pan: last4,
            entry_mode: "ManualEntry",
        }
    }
}

/// A card presented at checkout, with the ids the processor gives the attempt.
#[derive(Debug)]
pub(crate) struct CardAttempt {
    pub(crate) card: CardRec,
    pub(crate) transaction_id: String,
    pub(crate) auth_code: String,
    pub(crate) payment_method_id: String,
}

impl CardAttempt {
    /// An event of the attempt, naming its card and transaction (a decline has no
    /// auth code).
    pub(crate) fn event(&self, event_type: PaymentEventType, now: Timestamp) -> EventRec {
        let auth_code = if event_type == PaymentEventType::Declined { "" } else { self.auth_code.as_str() };
        EventRec {
            transaction_id: Some(self.transaction_id.clone()),
            auth_code: Some(auth_code.to_owned()),
            card_number: Some(self.card.card_number.clone()),
            expiry_date: Some(self.card.expiry_date.clone()),
            card_type: Some(self.card.card_type.to_owned()),
            ..EventRec::new(event_type, now)
        }
    }

    /// The authorized attempt as the intent's `paymentDetails`.
    pub(crate) fn into_details(self, now: Timestamp) -> PaymentDetailsRec {
        PaymentDetailsRec {
            transaction_id: self.transaction_id,
            transaction_date_time: now.to_string(),
            message: "AUTHORISED".to_owned(),
            payment_method_id: self.payment_method_id,
            auth_code: self.auth_code,
            card: self.card,
        }
    }
}

/// `PaymentDetails`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentDetailsRec {
    pub(crate) transaction_id: String,
    pub(crate) transaction_date_time: String,
    pub(crate) message: String,
    pub(crate) payment_method_id: String,
    pub(crate) auth_code: String,
    pub(crate) card: CardRec,
}

/// A setup intent (`SetupIntentResponse`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetupIntentRec {
    pub(crate) id: String,
    pub(crate) status: SetupIntentStatus,
    pub(crate) reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    pub(crate) terms: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) intended_amount: Option<Money>,
    pub(crate) merchant_initiated_transaction_type: MerchantInitiatedTransactionType,
    pub(crate) payment_methods: Vec<PaymentMethod>,
    pub(crate) client_session_secret: String,
    pub(crate) client_session_secret_expiration_date: Timestamp,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expire_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) billing_address: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) shipping_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) order_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payment_details: Option<PaymentDetailsRec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) setup_events: Vec<EventRec>,
    pub(crate) payment_source: &'static str,
    /// The stored card will be declined when charged (`/_sandbox/…/decline` after
    /// authorization).
    #[serde(skip)]
    pub(crate) declines_charges: bool,
}

/// A capture (`CaptureDetails`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CaptureRec {
    pub(crate) id: String,
    pub(crate) amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tips_amount: Option<i64>,
    pub(crate) status: CaptureStatus,
    pub(crate) created_at: Timestamp,
}

/// A refund (`Refund`) and what the sandbox keeps about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundRec {
    pub(crate) payment_intent_id: String,
    pub(crate) refund_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refund_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notes: Option<String>,
}

/// A payment intent (`PaymentIntent`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentIntentRec {
    pub(crate) id: String,
    pub(crate) capture_mode: CaptureMode,
    pub(crate) status: PaymentIntentStatus,
    pub(crate) amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tips_amount: Option<Money>,
    pub(crate) requested_amount: Money,
    pub(crate) total_amount: Money,
    pub(crate) refunded_amount: i64,
    pub(crate) reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) setup_intent_id: Option<String>,
    pub(crate) card_holder_not_present: bool,
    pub(crate) client_session_secret: String,
    pub(crate) client_session_secret_expiration_date: Timestamp,
    pub(crate) payment_methods: Vec<PaymentMethod>,
    /// The checkout page (`{base}/checkout/{id}`, as `https://pay.dojo.tech:443/checkout/{id}`).
    pub(crate) payment_link: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payment_details: Option<PaymentDetailsRec>,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expire_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auto_expire_in: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auto_expire_action: Option<AutoExpireAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) customer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) billing_address: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) shipping_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) order_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) request_security: Option<Value>,
    pub(crate) captures: Vec<CaptureRec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) payment_events: Vec<EventRec>,
    pub(crate) payment_source: &'static str,
    /// When it was authorized (for `autoExpireIn`).
    #[serde(skip)]
    pub(crate) authorized_at: Option<Timestamp>,
    /// Refund ids by idempotency key.
    #[serde(skip)]
    pub(crate) refunds_by_key: HashMap<String, String>,
    /// Creation order (search pages and cursors follow it).
    #[serde(skip)]
    pub(crate) seq: u64,
    /// The status the index holds it under (`None`: not indexed yet).
    #[serde(skip)]
    pub(crate) indexed: Option<PaymentIntentStatus>,
}

impl PaymentIntentRec {
    /// Minor units captured so far.
    pub(crate) fn captured(&self) -> i64 {
        self.captures.iter().map(|c| c.amount).sum()
    }
}
