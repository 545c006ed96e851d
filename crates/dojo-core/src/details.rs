//! The details an intent carries besides its amount, shared by requests and responses:
//! the customer, addresses and shipping, the checkout page's configuration, the
//! device's security data, the order. (The list and map types requests use are in
//! [`crate::collections`].)
//!
//! Every field is optional and unknown fields are ignored, so responses decode into the
//! same types; `validate` checks the API's limits for a request.

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, ValidationErrorKind};
use crate::json::Text;
use crate::time::Timestamp;

/// Checks a text's length in characters (what the API's `maxLength` counts).
pub(crate) fn check_len(field: &'static str, text: &Text<'_>, min: usize, max: usize) -> Result<(), ValidationError> {
    if min > 0 && text.is_empty() {
        return Err(ValidationError::new(field, ValidationErrorKind::Empty));
    }
    // Count at most max + 1 characters: enough to know.
    if text.chars().take(max + 1).count() > max {
        return Err(ValidationError::new(field, ValidationErrorKind::TooLong { max }));
    }
    Ok(())
}

/// Checks an optional text's length.
pub(crate) fn check_opt_len(field: &'static str, text: &Option<Text<'_>>, max: usize) -> Result<(), ValidationError> {
    text.as_ref().map_or(Ok(()), |t| check_len(field, t, 0, max))
}

/// A customer (`Customer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer<'a> {
    /// The customer's id.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub id: Option<Text<'a>>,
    /// Email address (at most 254 characters).
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<Text<'a>>,
    /// Phone number (at most 50 characters).
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<Text<'a>>,
}

impl Customer<'_> {
    /// Checks the API's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_opt_len("emailAddress", &self.email_address, 254)?;
        check_opt_len("phoneNumber", &self.phone_number, 50)
    }
}

/// A postal address (`Address`). Responses may carry empty strings in every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address<'a> {
    /// Line 1 (e.g. company name), at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub address1: Option<Text<'a>>,
    /// Line 2, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub address2: Option<Text<'a>>,
    /// Line 3, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub address3: Option<Text<'a>>,
    /// Line 4, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub address4: Option<Text<'a>>,
    /// City, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub city: Option<Text<'a>>,
    /// State or region, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub state: Option<Text<'a>>,
    /// Postcode, at most 50 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<Text<'a>>,
    /// ISO 3166-1 alpha-2 country code (required by the API in requests).
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<Text<'a>>,
    /// Locality, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub locality: Option<Text<'a>>,
    /// County, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub county: Option<Text<'a>>,
}

impl Address<'_> {
    /// Checks the API's limits for a request (`countryCode` required, 1–10 characters).
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, value) in [
            ("address1", &self.address1),
            ("address2", &self.address2),
            ("address3", &self.address3),
            ("address4", &self.address4),
            ("city", &self.city),
            ("state", &self.state),
            ("locality", &self.locality),
            ("county", &self.county),
        ] {
            check_opt_len(field, value, 100)?;
        }
        check_opt_len("postcode", &self.postcode, 50)?;
        match &self.country_code {
            None => Err(ValidationError::new("countryCode", ValidationErrorKind::Missing)),
            Some(c) => check_len("countryCode", c, 1, 10),
        }
    }
}

/// Where to ship (`ShippingDetails`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingDetails<'a> {
    /// The recipient's name, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    /// Delivery notes, at most 1024 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub delivery_notes: Option<Text<'a>>,
    /// The address.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address<'a>>,
}

impl ShippingDetails<'_> {
    /// Checks the API's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_opt_len("name", &self.name, 100)?;
        check_opt_len("deliveryNotes", &self.delivery_notes, 1024)?;
        self.address.as_ref().map_or(Ok(()), Address::validate)
    }
}

/// Checkout page configuration (`PaymentIntentConfigRequest`, the common part of the
/// response's `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutConfig<'a> {
    /// The checkout page's title, at most 100 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text<'a>>,
    /// Where the customer goes after paying.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<Text<'a>>,
    /// Where the customer goes on cancel.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<Text<'a>>,
}

impl CheckoutConfig<'_> {
    /// Checks the API's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_opt_len("title", &self.title, 100)?;
        for (field, url) in [("redirectUrl", &self.redirect_url), ("cancelUrl", &self.cancel_url)] {
            if let Some(u) = url {
                // Compare decoded characters: a body decoded from JSON may write `\/`.
                let starts = |prefix: &str| u.chars().take(prefix.len()).eq(prefix.chars());
                if !(starts("https://") || starts("http://")) {
                    return Err(ValidationError::new(field, ValidationErrorKind::InvalidFormat));
                }
            }
        }
        Ok(())
    }
}

/// The customer's device (`RequestSecurity`), for the fraud checks of an online
/// checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestSecurity<'a> {
    /// The customer's browser user agent, at most 300 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Text<'a>>,
    /// The customer's IP address, at most 70 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<Text<'a>>,
    /// The customer's device type, at most 120 characters.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub device: Option<Text<'a>>,
}

impl RequestSecurity<'_> {
    /// Checks the API's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_opt_len("userAgent", &self.user_agent, 300)?;
        check_opt_len("ipAddress", &self.ip_address, 70)?;
        check_opt_len("device", &self.device, 120)
    }
}

/// The order a payment belongs to (`OrderDetails`), e.g. its id in an EPOS. The spec sets
/// no limits on these fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetails<'a> {
    /// The order's id in Dojo.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub id: Option<Text<'a>>,
    /// The order's id in an external system, such as an EPOS.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<Text<'a>>,
    /// When the order is available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_date: Option<Timestamp>,
    /// Whether this updates an order sent before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_update: Option<bool>,
}
