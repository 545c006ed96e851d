//! The lifecycles of setup intents and payment intents, as state machines that enforce
//! the seed's rules on the client side.
//!
//! ```text
//! Setup intent
//!
//!   Created ── customer authorizes ──▶ Authorized ── its payment intent is charged ──▶ Completed
//!     │                                │
//!     ├── expireAt passes ──▶ Expired  ├── DELETE ?includeAuthorized=true ──▶ Closed
//!     │                                │
//!     └── DELETE ───────────▶ Canceled └── the stored card expires ──────────▶ CardExpired
//!
//! Payment intent
//!
//!   Created ── authorized (Manual) ──▶ Authorized ── capture ──▶ Captured ── refund in full ──▶ Refunded
//!     │                                │                          ▲    │
//!     ├── /charge or Auto capture ─────┼──────────────────────────┘    │
//!     │                                │                               │ reversal
//!     │                                └── reversal ──▶ Reversed ◀─────┘
//!     │
//!     └── DELETE ──▶ Canceled
//! ```
//!
//! Completed, Expired, Canceled, Closed and CardExpired setup intents, and Refunded,
//! Reversed and Canceled payment intents, are terminal. Each move's cause is a variant of
//! [`SetupIntentCause`] or [`PaymentIntentCause`]; [`setup_intent_transition`] and
//! [`payment_intent_transition`] are the tables.
//!
//! The server decides statuses; these machines record what it reports
//! ([`SetupIntentState::observe`], [`PaymentIntentState::observe`]). Reporting the same
//! status again is never a change. A move the lifecycle says is impossible (e.g.
//! Completed → Created), or a status this version of dojo-core does not know, is an
//! [`Anomaly`] (of [`AnomalyKind::ImpossibleMove`] or [`AnomalyKind::UnknownStatus`])
//! and leaves the state as it was: the caller decides. And the machines refuse, before
//! anything is sent, what the seed's rules forbid ([`LifecycleError`]): only an
//! Authorized setup intent backs a charge; a payment intent is charged at most once; for
//! exactly the intended amount. Time is passed in: a Created setup intent at or past its
//! `expireAt` is effectively Expired ([`SetupIntentState::effective_status`]).
//!
//! # Where the documentation is silent
//!
//! - **No Authorized → Canceled for payment intents.** DELETE is documented only for a
//!   Created payment intent; an Authorized one is released by a reversal (Dojo reverses
//!   an uncaptured `Manual` payment intent by itself after 7 days).
//! - **CardExpired only from Authorized** (the stored card expired before the charge).
//!   Dojo's flow diagram also draws Created → CardExpired (a card entered already past
//!   its expiry, as in tokenization); until the live API shows it, that move is reported
//!   as an anomaly.
//! - **Moves are single steps.** A status reached through one the client did not see
//!   (Created → Refunded between two reads) is an anomaly: re-read, and rebuild the state
//!   from the response if it is right ([`PaymentIntentState::from_response`]).
//! - **A declined or failed charge is not a charge.** The payment intent stays Created
//!   and may be charged again; only `Successful`, or a read-back Captured, counts.
//! - **Created after a lost answer is not "not charged".** A charge whose answer was lost
//!   may still be in the server's queue: reading the payment intent back as Created makes
//!   the charge [`ChargeState::Pending`], settled only by the server showing it charged,
//!   or by resending the charge on the same payment intent ([`crate::charge`]).
//! - **Partial captures** keep a payment intent capturable until its amount is captured,
//!   also after the server reports it Captured; **partial refunds** keep it Captured.
//!
//! The files: `transitions.rs` (the tables), `observation.rs` (what observing a status
//! did), `error.rs` ([`LifecycleError`]), `setup_intent.rs` ([`SetupIntentState`]) and
//! `payment_intent.rs` ([`PaymentIntentState`] and its charge).

mod error;
mod observation;
mod payment_intent;
mod setup_intent;
mod transitions;

pub use error::LifecycleError;
pub use observation::{Anomaly, AnomalyKind, Observation};
pub use payment_intent::{ChargeOutcome, ChargeState, ChargeTicket, PaymentIntentState};
pub use setup_intent::SetupIntentState;
pub use transitions::{PaymentIntentCause, SetupIntentCause, payment_intent_transition, setup_intent_transition};

#[cfg(test)]
mod tests;
