//! The one error taxonomy of dojo-core.
//!
//! Errors are split by *who* caused them, the way rustls keeps API misuse apart from
//! the peer's bad data:
//!
//! | variant | cause | what to do |
//! |---|---|---|
//! | [`Error::Invalid`] | a value the caller passed breaks the API's rules | fix the input; nothing was sent |
//! | [`Error::Lifecycle`] | the caller asked for something the lifecycle forbids (charge an unauthorized setup intent, charge twice) | nothing was sent; read the intent's state |
//! | [`Error::BufferTooSmall`] | a caller buffer cannot hold the output | retry with a buffer of at least `needed` bytes |
//! | [`Error::Decode`] | the server's bytes are not the response we expect | treat the outcome of a non-idempotent call as unknown and reconcile |
//! | [`Error::Api`] | the server answered with an error status (ProblemDetails) | see [`ApiErrorKind`] |
//! | [`Error::Webhook`] | a webhook delivery failed verification | reject the delivery |
//!
//! "Outcome unknown" (a non-idempotent request that may have executed) is decided by
//! [`exchange`](crate::exchange), the one place that says which requests may be repeated,
//! on which answers, and when an answer lost is an unknown outcome; both adapters are I/O
//! loops over it, and over [`charge`](crate::charge) for the charge.
//!
//! # One classification for every adapter
//!
//! [`ErrorClass`] names *what happened* in one small `Copy` enum that dojo-core's
//! [`Error`] and every adapter's error map onto ([`Error::class`], `dojo_ureq::Error::class`,
//! `dojo_embedded_svc::Error::class`), so kiosk and desktop code handle a failure the same
//! way; [`ErrorClass::retry_decision`] says what to do next ([`RetryDecision`]: retry,
//! reconcile or stop). The adapters add the I/O classes ([`ErrorClass::Transport`],
//! [`ErrorClass::OutcomeUnknown`], [`ErrorClass::ResponseTooLarge`], [`ErrorClass::Config`],
//! [`ErrorClass::Anomaly`]); dojo-core's own errors never have them.
//!
//! Both adapters report their failures with one enum,
//! [`ClientError`](crate::client_error::ClientError) (generic only over how an answer, a
//! transport error and an idempotency key are held), whose `class` is this one.
//!
//! Every leaf error is small and `Copy`. [`Error`] borrows the response body (the
//! [`ProblemDetails`](crate::problem::ProblemDetails) of an [`ApiError`]), so it carries
//! the lifetime of that body.

use core::fmt;

pub use crate::json::{DecodeError, DecodeErrorKind};
pub use crate::lifecycle::LifecycleError;
pub use crate::problem::{ApiError, ApiErrorKind};
pub use crate::webhook::WebhookError;

/// Any error dojo-core can report.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Error<'a> {
    /// A caller-supplied value breaks the API's rules. Nothing was built or sent.
    Invalid(ValidationError),
    /// The caller asked for an operation the lifecycle forbids.
    Lifecycle(LifecycleError),
    /// A caller buffer is too small.
    BufferTooSmall(BufferTooSmall),
    /// The response body could not be decoded.
    Decode(DecodeError),
    /// The server answered with an error status.
    Api(ApiError<'a>),
    /// A webhook delivery failed verification.
    Webhook(WebhookError),
}

impl fmt::Display for Error<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => e.fmt(f),
            Error::Lifecycle(e) => e.fmt(f),
            Error::BufferTooSmall(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Api(e) => e.fmt(f),
            Error::Webhook(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error<'_> {}

impl Error<'_> {
    /// The error's [`ErrorClass`]: [`Invalid`](ErrorClass::Invalid),
    /// [`Lifecycle`](ErrorClass::Lifecycle), [`BufferTooSmall`](ErrorClass::BufferTooSmall),
    /// [`Decode`](ErrorClass::Decode), [`Api`](ErrorClass::Api) with the answer's
    /// [`ApiErrorKind`], or [`Webhook`](ErrorClass::Webhook).
    ///
    /// ```
    /// use dojo_core::error::{ErrorClass, RetryDecision};
    /// use dojo_core::problem::{ApiError, ApiErrorKind};
    ///
    /// let e = dojo_core::Error::Api(ApiError::from_response(429, b""));
    /// assert_eq!(e.class(), ErrorClass::Api(ApiErrorKind::TooManyRequests));
    /// assert_eq!(e.class().retry_decision(), RetryDecision::Retry);
    /// ```
    pub const fn class(&self) -> ErrorClass {
        match self {
            Error::Invalid(_) => ErrorClass::Invalid,
            Error::Lifecycle(_) => ErrorClass::Lifecycle,
            Error::BufferTooSmall(_) => ErrorClass::BufferTooSmall,
            Error::Decode(_) => ErrorClass::Decode,
            Error::Api(e) => ErrorClass::Api(e.kind),
            Error::Webhook(_) => ErrorClass::Webhook,
        }
    }
}

/// What happened, for every error of dojo-core and of its adapters: the one taxonomy
/// kiosk and desktop code match on (see the [module docs](self)).
///
/// Each variant's doc says what to do; [`retry_decision`](Self::retry_decision) says it
/// as a [`RetryDecision`]. A failure is classified by what the caller can still know,
/// not by where it was detected: a 5xx answer to a request that is not safe to repeat
/// is [`OutcomeUnknown`](Self::OutcomeUnknown) in both adapters, a 5xx to a read is
/// [`Api`](Self::Api)`(`[`ServerError`](ApiErrorKind::ServerError)`)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// A value the caller passed breaks the API's rules; nothing was sent. Fix the input.
    Invalid,
    /// The lifecycle forbids the operation (charge an unauthorized setup intent, charge
    /// twice); nothing was sent. Read the intent's state; do not repeat.
    Lifecycle,
    /// A caller buffer cannot hold the request or its URL; nothing was sent. Give a
    /// buffer of at least the bytes the error names.
    BufferTooSmall,
    /// A read's success answer is not what this SDK expects (the server and the SDK
    /// disagree). Repeating will not help: report it. (An undecodable success answer to
    /// a request that is not safe to repeat is [`OutcomeUnknown`](Self::OutcomeUnknown).)
    Decode,
    /// The server answered with an error status and so did not do what was asked (a 5xx
    /// to a request that is not safe to repeat is [`OutcomeUnknown`](Self::OutcomeUnknown)
    /// instead). What to do depends on the kind: 429 and 5xx (reads) retry later, the
    /// others fix the request, the key or the id, or read the intent's state (409).
    Api(ApiErrorKind),
    /// A webhook delivery failed verification. Reject it (answer 4xx); do not act on it.
    Webhook,
    /// No usable answer, and the request did not execute: it never reached the server
    /// complete, or it was a read. Retry later (the adapters already retried per their
    /// policy).
    Transport,
    /// A request that changes state was sent and its answer was lost, cut short,
    /// undecodable, or a 5xx: it **may have executed**. Never resend it blindly: read the
    /// intent back and reconcile (both adapters' `reconcile_charge` do it for a charge);
    /// a refund may be repeated with the same idempotency key.
    OutcomeUnknown,
    /// A read's answer does not fit the caller's buffer (nothing of it was parsed). Give
    /// a larger buffer. (For a request that is not safe to repeat this is
    /// [`OutcomeUnknown`](Self::OutcomeUnknown).)
    ResponseTooLarge,
    /// The adapter's own configuration is unusable (a base URL it refuses, no randomness
    /// for an idempotency key); nothing was sent. Fix the configuration.
    Config,
    /// Reconciling read a status the lifecycle does not allow after the known one; the
    /// known state was kept. Re-read the intent; a person decides.
    Anomaly,
}

impl ErrorClass {
    /// What to do next:
    ///
    /// | class | decision |
    /// |---|---|
    /// | [`Transport`](Self::Transport), [`Api`](Self::Api) 429 and 5xx | [`RetryDecision::Retry`] |
    /// | [`OutcomeUnknown`](Self::OutcomeUnknown) | [`RetryDecision::Reconcile`] |
    /// | everything else | [`RetryDecision::Stop`] |
    pub const fn retry_decision(self) -> RetryDecision {
        match self {
            ErrorClass::Transport | ErrorClass::Api(ApiErrorKind::TooManyRequests | ApiErrorKind::ServerError) => {
                RetryDecision::Retry
            }
            ErrorClass::OutcomeUnknown => RetryDecision::Reconcile,
            _ => RetryDecision::Stop,
        }
    }

    /// Whether the request may have executed although no usable answer came back
    /// ([`OutcomeUnknown`](Self::OutcomeUnknown)).
    pub const fn may_have_executed(self) -> bool {
        matches!(self, ErrorClass::OutcomeUnknown)
    }

    /// A short stable name, e.g. `"outcome_unknown"` or `"api"` (for logs and JSON).
    pub const fn name(self) -> &'static str {
        match self {
            ErrorClass::Invalid => "invalid",
            ErrorClass::Lifecycle => "lifecycle",
            ErrorClass::BufferTooSmall => "buffer_too_small",
            ErrorClass::Decode => "decode",
            ErrorClass::Api(_) => "api",
            ErrorClass::Webhook => "webhook",
            ErrorClass::Transport => "transport",
            ErrorClass::OutcomeUnknown => "outcome_unknown",
            ErrorClass::ResponseTooLarge => "response_too_large",
            ErrorClass::Config => "config",
            ErrorClass::Anomaly => "anomaly",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to do after an error ([`ErrorClass::retry_decision`]); the same advice in every
/// adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryDecision {
    /// Sending the same request again is safe (nothing changed on the server): wait for
    /// the next backoff delay, honouring a `Retry-After`, and repeat it.
    Retry,
    /// The request may have executed: never resend it; read the intent back and
    /// reconcile (for a charge, the adapter's `reconcile_charge`).
    Reconcile,
    /// Repeating cannot help: fix the input, the key or the configuration, read the
    /// intent's state, or report the error.
    Stop,
}

impl From<ValidationError> for Error<'_> {
    fn from(e: ValidationError) -> Self {
        Error::Invalid(e)
    }
}
impl From<LifecycleError> for Error<'_> {
    fn from(e: LifecycleError) -> Self {
        Error::Lifecycle(e)
    }
}
impl From<BufferTooSmall> for Error<'_> {
    fn from(e: BufferTooSmall) -> Self {
        Error::BufferTooSmall(e)
    }
}
impl From<DecodeError> for Error<'_> {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}
impl<'a> From<ApiError<'a>> for Error<'a> {
    fn from(e: ApiError<'a>) -> Self {
        Error::Api(e)
    }
}
impl From<WebhookError> for Error<'_> {
    fn from(e: WebhookError) -> Self {
        Error::Webhook(e)
    }
}

/// A caller buffer cannot hold the output: retry with at least `needed` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// The number of bytes the output needs.
    pub needed: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "buffer too small: {} bytes needed", self.needed)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BufferTooSmall {}

/// A caller-supplied value that breaks the API's rules, naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationError {
    /// The JSON name of the field (or parameter) that failed, e.g. `"reference"`.
    pub field: &'static str,
    /// What is wrong with it.
    pub kind: ValidationErrorKind,
}

impl ValidationError {
    /// Makes a validation error for `field`.
    pub const fn new(field: &'static str, kind: ValidationErrorKind) -> Self {
        ValidationError { field, kind }
    }
}

/// What is wrong with a caller-supplied value.
///
/// Its tag a word wide (`repr(u32)`, the same 8 bytes on 32-bit targets), so a `Result`
/// carrying it is moved by words, not bytes, on riscv32imc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[repr(u32)]
pub enum ValidationErrorKind {
    /// The value is empty but must not be.
    Empty,
    /// The value is longer than the API allows (`max` in characters, or bytes for ids).
    TooLong {
        /// The largest length allowed.
        max: usize,
    },
    /// The value contains a character the API does not accept.
    InvalidCharacter,
    /// An amount must be greater than zero.
    NotPositive,
    /// An amount must not be negative.
    Negative,
    /// A currency code must be three ASCII letters (ISO 4217 alpha-3).
    InvalidCurrency,
    /// An enum value that the API does not know (an `Unknown` variant) cannot be sent.
    UnknownVariant,
    /// The value is not in the accepted format (e.g. an API key without `sk_sandbox_`/`sk_prod_`).
    InvalidFormat,
    /// Two amounts that must share a currency do not.
    CurrencyMismatch,
    /// A required value is missing.
    Missing,
    /// The API does not allow this value here (e.g. `Manual` capture for a setup intent).
    NotAllowed,
    /// Two fields that exclude each other are both set (e.g. a cursor's `before` and `after`).
    MutuallyExclusive,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`: ", self.field)?;
        match self.kind {
            ValidationErrorKind::Empty => f.write_str("must not be empty"),
            ValidationErrorKind::TooLong { max } => write!(f, "longer than {max}"),
            ValidationErrorKind::InvalidCharacter => f.write_str("contains a character the API does not accept"),
            ValidationErrorKind::NotPositive => f.write_str("must be greater than zero"),
            ValidationErrorKind::Negative => f.write_str("must not be negative"),
            ValidationErrorKind::InvalidCurrency => f.write_str("must be a three-letter ISO 4217 code"),
            ValidationErrorKind::UnknownVariant => f.write_str("an unknown enum value cannot be sent"),
            ValidationErrorKind::InvalidFormat => f.write_str("not in the accepted format"),
            ValidationErrorKind::CurrencyMismatch => f.write_str("currency does not match"),
            ValidationErrorKind::Missing => f.write_str("is required"),
            ValidationErrorKind::NotAllowed => f.write_str("this value is not allowed here"),
            ValidationErrorKind::MutuallyExclusive => f.write_str("excludes another field that is also set"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ValidationError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::DecodeErrorKind;

    #[test]
    fn every_core_error_has_its_class() {
        let api = |status| Error::Api(ApiError::from_response(status, b""));
        let cases = [
            (Error::Invalid(ValidationError::new("amount", ValidationErrorKind::NotPositive)), ErrorClass::Invalid),
            (Error::Lifecycle(LifecycleError::AlreadyCharged), ErrorClass::Lifecycle),
            (Error::BufferTooSmall(BufferTooSmall { needed: 9 }), ErrorClass::BufferTooSmall),
            (Error::Decode(DecodeError::new(DecodeErrorKind::Syntax, 3)), ErrorClass::Decode),
            (api(409), ErrorClass::Api(ApiErrorKind::Conflict)),
            (api(503), ErrorClass::Api(ApiErrorKind::ServerError)),
            (Error::Webhook(WebhookError::Mismatch), ErrorClass::Webhook),
        ];
        for (error, class) in cases {
            assert_eq!(error.class(), class, "{error:?}");
        }
    }

    #[test]
    fn retry_decisions() {
        use ApiErrorKind as K;
        use RetryDecision::{Reconcile, Retry, Stop};
        let table = [
            (ErrorClass::Invalid, Stop),
            (ErrorClass::Lifecycle, Stop),
            (ErrorClass::BufferTooSmall, Stop),
            (ErrorClass::Decode, Stop),
            (ErrorClass::Api(K::BadRequest), Stop),
            (ErrorClass::Api(K::Unauthorized), Stop),
            (ErrorClass::Api(K::NotFound), Stop),
            (ErrorClass::Api(K::Conflict), Stop),
            (ErrorClass::Api(K::TooManyRequests), Retry),
            (ErrorClass::Api(K::ServerError), Retry),
            (ErrorClass::Webhook, Stop),
            (ErrorClass::Transport, Retry),
            (ErrorClass::OutcomeUnknown, Reconcile),
            (ErrorClass::ResponseTooLarge, Stop),
            (ErrorClass::Config, Stop),
            (ErrorClass::Anomaly, Stop),
        ];
        for (class, decision) in table {
            assert_eq!(class.retry_decision(), decision, "{class}");
            assert_eq!(class.may_have_executed(), decision == Reconcile);
        }
        assert_eq!(ErrorClass::OutcomeUnknown.name(), "outcome_unknown");
    }
}
