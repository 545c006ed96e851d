#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod charge;
mod client;
pub mod config;
pub mod error;
pub mod journal;
mod kept;
mod transport;
mod webhooks;

pub use charge::{ChargeReport, SettlePolicy};
pub use client::{Client, ClientBuilder, MAX_RESPONSE_BYTES, Response, new_idempotency_key};
pub use config::{RetryPolicy, Timeouts};
pub use error::{
    ApiError, Cause, ConfigError, Error, ErrorClass, Intent, OutcomeUnknown, Phase, ResponseTooLarge, RetryDecision,
    TransportError,
};
pub use journal::{FileJournal, OpenReport, default_journal_path, default_state_dir};
pub use kept::Kept;
#[doc(hidden)]
pub use kept::models;

/// dojo-core, re-exported so callers use the same version.
pub use dojo_core;
