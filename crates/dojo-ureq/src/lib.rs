#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod builder;
mod charge;
mod client;
pub mod config;
pub mod error;
mod exchange;
pub mod journal;
mod kept;
mod operations;
mod response;
mod transport;
mod webhooks;

pub use builder::ClientBuilder;
pub use charge::{ChargeReport, SettlePolicy};
pub use client::Client;
pub use config::{RetryPolicy, Timeouts};
pub use error::{
    ApiError, Cause, ConfigError, Error, ErrorClass, Intent, OutcomeUnknown, Phase, ResponseTooLarge, RetryDecision,
    TransportError,
};
pub use exchange::MAX_RESPONSE_BYTES;
pub use journal::{FileJournal, OpenReport, default_journal_path, default_state_dir};
pub use kept::Kept;
#[doc(hidden)]
pub use kept::models;
pub use operations::new_idempotency_key;
pub use response::Response;

/// dojo-core, re-exported so callers use the same version.
pub use dojo_core;
