//! The adapter's error taxonomy: dojo-core's errors, plus what only I/O can add.
//!
//! | variant | meaning | what to do |
//! |---|---|---|
//! | [`Error::Core`] | dojo-core's error: invalid input or a lifecycle refusal (nothing sent), a buffer too small for the request, the server's error answer ([`Api`](dojo_core::Error::Api), with its ProblemDetails), an undecodable answer to a read | see [`dojo_core::Error`] |
//! | [`Error::Transport`] | no usable answer, and the request cannot have changed anything: it never reached the server complete, or it was a read | [`RetryDecision::Retry`] |
//! | [`Error::OutcomeUnknown`] | a non-idempotent request was sent and its answer was lost, cut short, undecodable or a 5xx: it may have executed | read the intent back and reconcile; never resend blindly |
//! | [`Error::ResponseTooLarge`] | the answer does not fit the caller's buffer (nothing was parsed) | a larger buffer; for a non-idempotent request, reconcile |
//!
//! # The same taxonomy as the desktop adapter
//!
//! [`Error::class`] gives dojo-core's [`ErrorClass`], which `dojo_ureq::Error::class`
//! gives too: the same failure has the same class on a kiosk and on a desktop (both take
//! their decisions from dojo-core's [`Exchange`]), and
//! [`ErrorClass::retry_decision`] the same advice.
//!
//! | [`ErrorClass`] | here (`dojo-embedded-svc`) | desktop (`dojo-ureq`) | [`RetryDecision`] |
//! |---|---|---|---|
//! | `Invalid` | `Core(Invalid)` | `Invalid` | Stop: fix the input |
//! | `Lifecycle` | `Core(Lifecycle)` | `Lifecycle` | Stop: read the intent's state |
//! | `BufferTooSmall` | `Core(BufferTooSmall)` | `BufferTooSmall` (its buffers grow: only from caller code) | Stop: a larger buffer |
//! | `Decode` | `Core(Decode)` (a read) | `Decode` | Stop: report it |
//! | `Api(kind)` | `Core(Api)` | `Api` | Retry for 429 and a read's 5xx, else Stop |
//! | `Webhook` | `Core(Webhook)` | `Webhook` | Stop: reject the delivery |
//! | `Transport` | `Transport` | `Transport` | Retry |
//! | `OutcomeUnknown` | `OutcomeUnknown`; `ResponseTooLarge` of a 2xx or 5xx to a non-idempotent request | `OutcomeUnknown` | Reconcile |
//! | `ResponseTooLarge` | `ResponseTooLarge` of a read's 2xx (a non-2xx too large is classed as its status) | `Transport` whose source is ureq's body limit (4 MiB) | Stop: a larger buffer |
//! | `Config` | — (a refused base URL is a [`ValidationError`](dojo_core::ValidationError) from `with_base_url`) | `Config` | Stop |
//! | `Anomaly` | — ([`Client::charge`](crate::Client::charge) reports it in [`ChargeReport::anomaly`](dojo_core::charge::ChargeReport::anomaly)) | `Anomaly` | Stop |
//!
//! The transport and outcome-unknown payloads line up: both adapters' [`TransportError`]
//! and [`OutcomeUnknown`] carry the `operation`; [`TransportError::never_sent`] is the
//! desktop's `never_sent`; the causes map as [`Cause::Io`] / [`Cause::WriteZero`] /
//! [`Cause::Truncated`] ↔ `UnknownCause::ConnectionLost` or `Timeout`,
//! [`Cause::Undecodable`] ↔ `UndecodableSuccess`, [`Cause::ServerError`] ↔ `ServerError`.
//! The desktop's outcome-unknown report also names the intent and idempotency key; here
//! the caller passed them and still has them.
//!
//! # When is a request "sent"?
//!
//! Every request carries `Content-Length`, so a server acts on it only once it has the
//! last byte of the body (or of the headers, when there is no body). A failure while the
//! connection is opened and the request written ([`Phase::Connect`], [`Phase::Send`]) is
//! therefore a [`Error::Transport`] for every operation. From the moment the last byte
//! has been handed to the connection ([`Phase::Receive`]: flushing, waiting for and
//! reading the answer), a failure of a read is still a [`Error::Transport`] (repeating a
//! read changes nothing), but a failure of anything else is [`Error::OutcomeUnknown`].

use core::fmt;

use dojo_core::error::DecodeError;
pub use dojo_core::error::{ErrorClass, RetryDecision};
use dojo_core::exchange::{Exchange, Next, RetryPolicy, Subject};
use dojo_core::problem::ApiErrorKind;
use dojo_core::request::Operation;

/// Any error of the adapter. `'a` is the lifetime of the caller's buffer (an
/// [`Error::Core`] API error borrows the answer's body); `E` is the connection's error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<'a, E> {
    /// dojo-core's error (see the module docs).
    Core(dojo_core::Error<'a>),
    /// The exchange failed without any effect on the server.
    Transport(TransportError<E>),
    /// A non-idempotent request may have executed.
    OutcomeUnknown(OutcomeUnknown<E>),
    /// The answer is larger than the caller's buffer.
    ResponseTooLarge(ResponseTooLarge),
}

/// Where an exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Making the connection or starting the request (`initiate_request`).
    Connect,
    /// Writing the request body, before its last byte was accepted.
    Send,
    /// After the whole request was handed over: flushing, waiting for the status and
    /// headers (`initiate_response`), reading the body.
    Receive,
}

/// What went wrong on the wire.
#[derive(Debug)]
#[non_exhaustive]
pub enum Cause<E> {
    /// The connection reported an error.
    Io(E),
    /// The connection accepted no bytes of the request body.
    WriteZero,
    /// The answer ended before the `Content-Length` it announced.
    Truncated {
        /// The announced length.
        expected: u64,
        /// The bytes received.
        received: usize,
    },
    /// A 2xx answer to a non-idempotent request did not decode.
    Undecodable(DecodeError),
    /// The server answered a non-idempotent request with a 5xx: it may have acted
    /// before failing. The answer (its ProblemDetails, with the trace id) is still in
    /// the first `body_len` bytes of the caller's buffer:
    /// `ApiError::from_response(status, &buf[..body_len])`.
    ServerError {
        /// The HTTP status.
        status: u16,
        /// The answer's length in the caller's buffer.
        body_len: usize,
    },
}

impl<E> Cause<E> {
    /// The same cause without the connection's error value (for reports that must not
    /// be generic).
    pub fn kind(&self) -> CauseKind {
        match self {
            Cause::Io(_) => CauseKind::Io,
            Cause::WriteZero => CauseKind::WriteZero,
            Cause::Truncated { expected, received } => {
                CauseKind::Truncated { expected: *expected, received: *received }
            }
            Cause::Undecodable(e) => CauseKind::Undecodable(*e),
            Cause::ServerError { status, body_len } => CauseKind::ServerError { status: *status, body_len: *body_len },
        }
    }
}

/// A [`Cause`] without its error value.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum CauseKind {
    /// The connection reported an error.
    Io,
    /// The connection accepted no bytes of the request body.
    WriteZero,
    /// The answer ended early.
    Truncated {
        /// The announced length.
        expected: u64,
        /// The bytes received.
        received: usize,
    },
    /// A 2xx answer did not decode.
    Undecodable(DecodeError),
    /// A 5xx answer to a non-idempotent request.
    ServerError {
        /// The HTTP status.
        status: u16,
        /// The answer's length in the caller's buffer.
        body_len: usize,
    },
}

/// The exchange failed, and nothing changed on the server because of it.
#[derive(Debug)]
pub struct TransportError<E> {
    /// The operation.
    pub operation: Operation,
    /// Where it failed. [`Phase::Receive`] only for retry-safe reads.
    pub phase: Phase,
    /// What failed.
    pub cause: Cause<E>,
}

impl<E> TransportError<E> {
    /// Whether the request never reached the server complete ([`Phase::Connect`] or
    /// [`Phase::Send`]): nothing can have executed, whatever the operation. When
    /// `false`, it was a read whose answer failed (the desktop adapter's `never_sent`).
    pub fn never_sent(&self) -> bool {
        self.phase != Phase::Receive
    }
}

/// A non-idempotent request was sent and may have executed: read the intent back.
#[derive(Debug)]
pub struct OutcomeUnknown<E> {
    /// The operation.
    pub operation: Operation,
    /// What was lost.
    pub cause: Cause<E>,
}

/// The answer does not fit the caller's buffer. Nothing of it was parsed; the
/// connection is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTooLarge {
    /// The operation.
    pub operation: Operation,
    /// The answer's HTTP status (a 2xx to a non-idempotent request means it executed).
    pub status: u16,
    /// The caller's buffer size.
    pub capacity: usize,
    /// The announced `Content-Length`, when there was one.
    pub content_length: Option<u64>,
}

impl<'a, E> Error<'a, E> {
    /// The error's [`ErrorClass`], the one the desktop adapter gives the same failure
    /// (see the [module docs](self) for the table):
    ///
    /// - [`Error::Core`] has dojo-core's class ([`dojo_core::Error::class`]).
    /// - [`Error::Transport`] is [`ErrorClass::Transport`].
    /// - [`Error::OutcomeUnknown`] is [`ErrorClass::OutcomeUnknown`].
    /// - [`Error::ResponseTooLarge`] of a 2xx to a read is
    ///   [`ErrorClass::ResponseTooLarge`], a 2xx to anything else
    ///   [`ErrorClass::OutcomeUnknown`] (it executed, unreadably); any other status is
    ///   classed as that answer would be (an [`ErrorClass::Api`] kind, or
    ///   [`ErrorClass::OutcomeUnknown`] for a 5xx to a non-idempotent request).
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Core(e) => e.class(),
            Error::Transport(_) => ErrorClass::Transport,
            Error::OutcomeUnknown(_) => ErrorClass::OutcomeUnknown,
            // dojo-core's exchange decides, as it did when the answer came.
            Error::ResponseTooLarge(r) => {
                let subject =
                    Subject { operation: r.operation, setup_intent: None, payment_intent: None, idempotency_key: None };
                match Exchange::of(subject, RetryPolicy::NONE).handle_too_large(r.status) {
                    Next::GiveUp(class) => class,
                    _ => ErrorClass::OutcomeUnknown,
                }
            }
        }
    }

    /// The operation that failed, when the error knows it (transport failures, unknown
    /// outcomes, answers too large; dojo-core's errors do not carry it). The desktop
    /// adapter's `Error::operation` answers the same.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Core(_) => None,
            Error::Transport(t) => Some(t.operation),
            Error::OutcomeUnknown(u) => Some(u.operation),
            Error::ResponseTooLarge(r) => Some(r.operation),
        }
    }

    /// What to do after this error from `operation`: its class's
    /// [`retry_decision`](ErrorClass::retry_decision), except that a 5xx
    /// [`Error::Core`] API error to a non-idempotent `operation` is
    /// [`RetryDecision::Reconcile`] (the client itself reports those as
    /// [`Error::OutcomeUnknown`]).
    ///
    /// - A transport error: retry (nothing happened).
    /// - An outcome unknown: reconcile.
    /// - An API error 429: retry; 5xx: retry a read, reconcile anything else (the server
    ///   may have acted before failing); any other answer: stop.
    /// - [`Error::ResponseTooLarge`]: reconcile a non-idempotent request, stop a read.
    /// - Invalid input, lifecycle refusals, buffer sizes, undecodable reads: stop.
    pub fn retry_decision(&self, operation: Operation) -> RetryDecision {
        match self.class() {
            ErrorClass::Api(ApiErrorKind::ServerError) if !operation.retry_safe() => RetryDecision::Reconcile,
            class => class.retry_decision(),
        }
    }

    /// Whether the request may have executed on the server although no usable answer
    /// came back: [`Error::OutcomeUnknown`], or a 5xx or too-large answer to a
    /// non-idempotent request.
    pub fn may_have_executed(&self, operation: Operation) -> bool {
        self.retry_decision(operation) == RetryDecision::Reconcile
    }
}

impl<'a, E> From<dojo_core::Error<'a>> for Error<'a, E> {
    fn from(e: dojo_core::Error<'a>) -> Self {
        Error::Core(e)
    }
}

impl<E> From<dojo_core::error::LifecycleError> for Error<'_, E> {
    fn from(e: dojo_core::error::LifecycleError) -> Self {
        Error::Core(dojo_core::Error::Lifecycle(e))
    }
}

impl<E> From<dojo_core::BufferTooSmall> for Error<'_, E> {
    fn from(e: dojo_core::BufferTooSmall) -> Self {
        Error::Core(dojo_core::Error::BufferTooSmall(e))
    }
}

impl<E: fmt::Debug> fmt::Display for Cause<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Io(e) => write!(f, "connection error: {e:?}"),
            Cause::WriteZero => f.write_str("the connection accepted no bytes"),
            Cause::Truncated { expected, received } => {
                write!(f, "answer cut short: {received} of {expected} bytes")
            }
            Cause::Undecodable(e) => write!(f, "undecodable answer: {e}"),
            Cause::ServerError { status, .. } => write!(f, "the server failed with {status} after receiving it"),
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::Transport(t) => {
                write!(f, "{}: transport failed ({:?}): {}", t.operation.name(), t.phase, t.cause)
            }
            Error::OutcomeUnknown(u) => write!(
                f,
                "{}: outcome unknown, it may have executed ({}); read it back before anything else",
                u.operation.name(),
                u.cause
            ),
            Error::ResponseTooLarge(r) => {
                write!(f, "{}: answer ({}) larger than the {}-byte buffer", r.operation.name(), r.status, r.capacity)
            }
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<'_, E> {}
