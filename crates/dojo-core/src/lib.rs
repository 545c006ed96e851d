#![cfg_attr(not(test), no_std)]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

#[cfg(feature = "std")]
extern crate std;

pub mod api_key;
#[cfg(feature = "arbitrary")]
pub mod arbitrary;
pub mod charge;
pub mod checkout;
pub mod client_error;
pub mod collections;
pub mod dedup;
pub mod details;
pub mod enums;
pub mod error;
pub mod exchange;
pub mod id;
pub mod journal;
pub mod json;
pub mod lifecycle;
pub mod money;
mod open_enum;
pub mod payment_intent;
pub mod problem;
pub mod refund;
pub mod request;
pub mod response;
pub mod search_page;
pub mod setup_intent;
mod summary;
pub mod time;
pub mod webhook;
pub mod webhook_api;

pub use api_key::{ApiKey, Environment};
pub use client_error::ClientError;
pub use enums::{
    AutoExpireAction, CaptureMode, CaptureStatus, MerchantInitiatedTransactionType, PaymentEventType,
    PaymentIntentStatus, PaymentMethod, SetupIntentStatus,
};
pub use error::{BufferTooSmall, Error, ErrorClass, RetryDecision, ValidationError, ValidationErrorKind};
pub use id::{PaymentIntentId, SetupIntentId};
pub use json::Text;
pub use money::{Currency, Money};
pub use time::Timestamp;
