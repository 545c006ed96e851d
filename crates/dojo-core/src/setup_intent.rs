//! Setup intents: a customer's consent, given at checkout, for the merchant to charge
//! their card later (a no-show fee, an unscheduled charge).

use serde::Deserialize;

use crate::enums::{MerchantInitiatedTransactionType, PaymentMethod, SetupIntentStatus};
use crate::error::BufferTooSmall;
use crate::id::SetupIntentId;
use crate::json::{Entries, Items, Text};
use crate::money::Money;
use crate::payment_intent::{ClientSessionSecret, PaymentDetails, PaymentEvent};
use crate::time::Timestamp;

/// A setup intent (`SetupIntentResponse`, and `SetupIntentPublicResponse` from the public
/// endpoint, which lacks `setupEvents`).
///
/// `id` and `status` are required (a response without them is a decode error); every
/// other field is optional, as in the spec. Unknown fields are ignored. Strings borrow
/// the response body.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SetupIntent<'a> {
    /// The setup intent's id.
    pub id: SetupIntentId,
    /// Its status. See [`crate::lifecycle`].
    pub status: SetupIntentStatus,
    /// The merchant's reference.
    #[serde(borrow)]
    pub reference: Option<Text<'a>>,
    /// The description.
    #[serde(borrow)]
    pub description: Option<Text<'a>>,
    /// The terms the customer agreed to.
    #[serde(borrow)]
    pub terms: Option<Text<'a>>,
    /// The amount the merchant intends to charge: a charge must be for exactly this.
    pub intended_amount: Option<Money>,
    /// The kind of merchant-initiated transaction allowed.
    pub merchant_initiated_transaction_type: Option<MerchantInitiatedTransactionType>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    pub updated_at: Option<Timestamp>,
    /// When it expires if not authorized.
    pub expire_at: Option<Timestamp>,
    /// The secret the checkout page uses. Never printed by `Debug`.
    #[serde(borrow)]
    pub client_session_secret: Option<ClientSessionSecret<'a>>,
    /// When `client_session_secret` expires.
    pub client_session_secret_expiration_date: Option<Timestamp>,
    /// Payment methods the customer may use.
    #[serde(borrow)]
    pub payment_methods: Option<Items<'a, PaymentMethod>>,
    /// Details of the card authorization, once there is one.
    #[serde(borrow)]
    pub payment_details: Option<PaymentDetails<'a>>,
    /// The history of the setup intent's status.
    #[serde(borrow)]
    pub setup_events: Option<Items<'a, PaymentEvent<'a>>>,
    /// The merchant's key-value metadata.
    #[serde(borrow)]
    pub metadata: Option<Entries<'a, Text<'a>, Text<'a>>>,
    /// Where it came from (e.g. `api`).
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

impl SetupIntent<'_> {
    /// Writes the customer's checkout link (`https://pay.dojo.tech/checkout/{id}`) into
    /// `buf`.
    pub fn checkout_link<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, BufferTooSmall> {
        crate::checkout::checkout_link(&self.id, buf)
    }
}

/// The few fields of a setup intent that a kiosk's flow reads: its id, status, intended
/// amount and expiry. Decoded from the same answers as [`SetupIntent`] (every other
/// field is skipped unread), it needs far less code and stack than the full model: for
/// firmware that polls a status. Decode it with
/// [`Request::summarized`](crate::request::Request::summarized).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SetupIntentSummary {
    /// The setup intent's id.
    pub id: SetupIntentId,
    /// Its status. See [`crate::lifecycle`].
    pub status: SetupIntentStatus,
    /// The amount the merchant intends to charge.
    pub intended_amount: Option<Money>,
    /// When it expires if not authorized.
    pub expire_at: Option<Timestamp>,
}
