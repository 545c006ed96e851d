#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

#[cfg(test)]
extern crate std;

mod charge;
mod client;
pub mod error;
#[cfg(feature = "flash-journal")]
pub mod flash_journal;
pub mod kiosk;
mod orphan;
pub mod retry;
mod webhooks;

pub use client::{Client, ClientResult, ConnError, Connect};
pub use dojo_core::charge::{ChargeReport, SettlePolicy};
pub use error::{Error, ErrorClass, RetryDecision};
pub use retry::{Backoff, Delay, NoDelay, RetryPolicy};

/// Re-exported so firmware and tests name the same versions.
pub use dojo_core;
/// The flash interface [`flash_journal::FlashJournal`] takes, re-exported for the same reason.
#[cfg(feature = "flash-journal")]
pub use embedded_storage;
pub use embedded_svc;
