//! The adapter's errors: dojo-core's one error shape,
//! [`ClientError`], the desktop adapter's too.
//!
//! [`Error<'a, E>`](Error) is `ClientError<ApiError<'a>, E, &'a str>`: an error answer
//! borrows the caller's buffer (dojo-core's [`ApiError`], its ProblemDetails decoded on
//! demand), `E` is the connection's error, an idempotency key is borrowed from the caller.
//! `dojo_ureq::Error` is the same enum with an owned answer and key and ureq's error: the
//! same failure is the same variant, with the same fields, the same
//! [`class`](dojo_core::client_error::ClientError::class),
//! [`retry_decision`](dojo_core::client_error::ClientError::retry_decision) and message, on a
//! kiosk and on a desktop (both take their verdicts from dojo-core's
//! [`Exchange`](dojo_core::exchange::Exchange)).
//!
//! | variant | meaning | what to do |
//! |---|---|---|
//! | `Invalid`, `Lifecycle` | dojo-core refused the input; nothing was sent | fix the input / read the intent's state |
//! | `BufferTooSmall` | the request's body and URL do not fit the caller's buffer; nothing was sent | a larger buffer |
//! | `Api` | the server answered with an error status (its ProblemDetails in the buffer) | see its [`kind`](ApiError::kind) |
//! | `Transport` | no usable answer, and the request cannot have changed anything: it never reached the server complete ([`Phase::Connect`], [`Phase::Send`]), or it was a read | [`RetryDecision::Retry`] |
//! | `OutcomeUnknown` | a non-idempotent request was sent and its answer was lost, cut short, undecodable, too large or a 5xx: it may have executed. Names its intent and idempotency key | read the intent back and reconcile; never resend blindly |
//! | `Decode` | a read's 2xx answer does not decode | report it |
//! | `ResponseTooLarge` | a read's answer does not fit the caller's buffer (nothing was parsed) | a larger buffer |
//! | `Config`, `Webhook`, `Anomaly` | — (the kiosk's `with_base_url` returns a `ValidationError`; a webhook error converted with `?`; [`Client::charge`](crate::Client::charge) reports an anomaly in its [`ChargeReport`](dojo_core::charge::ChargeReport)) | |
//!
//! # When is a request "sent"?
//!
//! Every request carries `Content-Length`, so a server acts on it only once it has the
//! last byte of the body (or of the headers, when there is no body). A failure while the
//! connection is opened and the request written ([`Phase::Connect`], [`Phase::Send`]) is
//! therefore a `Transport` error for every operation. From the moment the last byte has
//! been handed to the connection ([`Phase::Receive`]: flushing, waiting for and reading
//! the answer), a failure of a read is still a `Transport` error (repeating a read changes
//! nothing), but a failure of anything else is `OutcomeUnknown`.

use dojo_core::client_error::{self, ClientError};
pub use dojo_core::client_error::{Answer, ConfigError, Intent, Phase, ResponseTooLarge};
pub use dojo_core::error::{ErrorClass, RetryDecision};
use dojo_core::problem::ApiError;

/// Any error of the adapter: dojo-core's [`ClientError`] with an answer borrowing the
/// caller's buffer (`'a`), the connection's error `E` and a borrowed idempotency key (see
/// the [module docs](self)).
pub type Error<'a, E> = ClientError<ApiError<'a>, E, &'a str>;

/// The exchange failed without any effect on the server.
pub type TransportError<'a, E> = client_error::TransportError<ApiError<'a>, E>;

/// A non-idempotent request may have executed: its subject (operation, intent,
/// idempotency key) and why.
pub type OutcomeUnknown<'a, E> = client_error::OutcomeUnknown<ApiError<'a>, E, &'a str>;

/// What went wrong: the connection's error, an answer cut short, undecodable or too
/// large, or a 5xx answer (borrowing the caller's buffer).
pub type Cause<'a, E> = client_error::Cause<ApiError<'a>, E>;
