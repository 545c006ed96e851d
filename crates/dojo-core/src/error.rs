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
//! "Outcome unknown" (a non-idempotent request that may have executed) is a transport
//! notion and lives in the adapters; dojo-core tells them which requests are safe to
//! retry ([`Request::retry_safe`](crate::request::Request::retry_safe)).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
