//! The adapter's error taxonomy: dojo-core's errors, plus what only I/O can add.
//!
//! | variant | meaning | what to do |
//! |---|---|---|
//! | [`Error::Core`] | dojo-core's error: invalid input or a lifecycle refusal (nothing sent), a buffer too small for the request, the server's error answer ([`Api`](dojo_core::Error::Api), with its ProblemDetails), an undecodable answer to a read | see [`dojo_core::Error`] |
//! | [`Error::Transport`] | no usable answer, and the request cannot have changed anything: it never reached the server complete, or it was a read | [`RetryDecision::Retry`] |
//! | [`Error::OutcomeUnknown`] | a non-idempotent request was sent and its answer was lost, cut short or undecodable: it may have executed | read the intent back and reconcile; never resend blindly |
//! | [`Error::ResponseTooLarge`] | the answer does not fit the caller's buffer (nothing was parsed) | a larger buffer; for a non-idempotent request, reconcile |
//!
//! The same shape as the desktop adapter's (`dojo-ureq`), so kiosk and desktop code
//! handle failures alike.
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

/// What to do after an error (see [`Error::retry_decision`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Sending the same request again is safe: wait for the next
    /// [`Backoff`](crate::Backoff) delay and repeat it.
    Retry,
    /// The request may have executed: never resend it; read the intent back and
    /// reconcile (for a charge, [`Client::reconcile_charge`](crate::Client::reconcile_charge)).
    Reconcile,
    /// Repeating cannot help: report the error.
    Stop,
}

impl<'a, E> Error<'a, E> {
    /// What to do after this error from `operation`.
    ///
    /// - A transport error: retry (nothing happened).
    /// - An outcome unknown: reconcile.
    /// - An API error 429: retry; 5xx: retry a read, reconcile anything else (the server
    ///   may have acted before failing); any other answer: stop.
    /// - [`Error::ResponseTooLarge`]: reconcile a non-idempotent request, stop a read.
    /// - Invalid input, lifecycle refusals, buffer sizes, undecodable reads: stop.
    pub fn retry_decision(&self, operation: Operation) -> RetryDecision {
        match self {
            Error::Transport(_) => RetryDecision::Retry,
            Error::OutcomeUnknown(_) => RetryDecision::Reconcile,
            Error::ResponseTooLarge(_) if operation.retry_safe() => RetryDecision::Stop,
            Error::ResponseTooLarge(_) => RetryDecision::Reconcile,
            Error::Core(dojo_core::Error::Api(api)) => match api.kind {
                ApiErrorKind::TooManyRequests => RetryDecision::Retry,
                ApiErrorKind::ServerError if operation.retry_safe() => RetryDecision::Retry,
                ApiErrorKind::ServerError => RetryDecision::Reconcile,
                _ => RetryDecision::Stop,
            },
            Error::Core(_) => RetryDecision::Stop,
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
