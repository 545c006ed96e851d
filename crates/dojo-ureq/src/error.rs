//! The adapter's errors: dojo-core's one error shape,
//! [`ClientError`](dojo_core::client_error::ClientError), the kiosk adapter's too.
//!
//! [`Error`] is `ClientError<ApiError, Box<ureq::Error>, Box<str>>`: the server's error
//! answers are owned ([`ApiError`], with the body and the `Retry-After`), the transport's
//! error is ureq's (boxed, to keep the error small), an idempotency key is a `Box<str>`.
//! `dojo_embedded_svc::Error<'a, E>` is the same enum with a borrowed answer and key and the
//! connection's error: the same failure is the same variant, with the same fields, the same
//! [`class`](Error::class), [`retry_decision`](Error::retry_decision) and message, on a
//! desktop and on a kiosk (both take their verdicts from dojo-core's
//! [`Exchange`](dojo_core::exchange::Exchange)).
//!
//! | variant | meaning | what to do |
//! |---|---|---|
//! | [`Error::Invalid`], [`Error::Lifecycle`] | dojo-core refused the input; nothing was sent | fix the input / read the intent's state |
//! | [`Error::Config`] | the client was set up wrong (a base URL refused, no randomness for a key), or ureq refuses the request before sending (a bad URI, TLS required) | fix the configuration |
//! | [`Error::Api`] | the server answered with an error status (its ProblemDetails kept) | see [`ApiError::kind`] |
//! | [`Error::Transport`] | the request failed and **did not execute**: it never reached the server ([`TransportError::never_sent`]), or it was a read whose retries ran out | retry later |
//! | [`Error::OutcomeUnknown`] | a request that changes state **may have executed** (lost, cut short, undecodable, too large, or a 5xx); names the intent and the idempotency key | read the intent back and reconcile before trying again |
//! | [`Error::Decode`] | a read's success answer could not be decoded (or dojo-core's decoding in caller code) | report it (the server and this SDK disagree) |
//! | [`Error::ResponseTooLarge`] | a read's answer passed [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES) | report it |
//! | [`Error::Anomaly`] | reconciling read a status the lifecycle does not allow | re-read; a person decides |
//! | [`Error::BufferTooSmall`], [`Error::Webhook`] | dojo-core's errors of those kinds, converted with `?` in caller code | a larger buffer / reject the delivery |
//!
//! The error's [`ErrorClass`] ([`Error::class`]) and [`RetryDecision`]
//! ([`Error::retry_decision`]) are dojo-core's, the same on both adapters.

use std::fmt;
use std::time::Duration;

pub use dojo_core::client_error::{Answer, ConfigError, Intent, Phase, ResponseTooLarge};
pub use dojo_core::error::{ErrorClass, RetryDecision};
use dojo_core::problem::{ApiErrorKind, ProblemDetails};

/// Any error of this adapter: dojo-core's [`ClientError`](dojo_core::client_error::ClientError)
/// with owned answers, ureq's error and an owned idempotency key (see the [module docs](self)).
pub type Error = dojo_core::client_error::ClientError<ApiError, Box<ureq::Error>, Box<str>>;

/// A request that failed and did not execute.
pub type TransportError = dojo_core::client_error::TransportError<ApiError, Box<ureq::Error>>;

/// A state-changing request may have executed: its subject (operation, intent,
/// idempotency key) and why.
pub type OutcomeUnknown = dojo_core::client_error::OutcomeUnknown<ApiError, Box<ureq::Error>, Box<str>>;

/// What went wrong: ureq's error ([`Cause::Io`](dojo_core::client_error::Cause::Io), a
/// timeout included), an undecodable or too-large answer, or a 5xx answer.
pub type Cause = dojo_core::client_error::Cause<ApiError, Box<ureq::Error>>;

/// An error answer from the server, owned: status, kind, the raw body (its
/// ProblemDetails decoded on demand with [`problem`](ApiError::problem)) and the
/// `Retry-After` the server sent.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    // Boxed: an error answer is rare, and the one error shape stays under 128 bytes.
    inner: Box<ApiErrorInner>,
}

#[derive(Clone, PartialEq, Eq)]
struct ApiErrorInner {
    status: u16,
    /// The `Retry-After`, in ms (saturated).
    retry_after_ms: Option<u32>,
    body: Box<[u8]>,
}

impl ApiError {
    /// An error answer with `status` and `body`.
    pub fn new(status: u16, body: Vec<u8>, retry_after: Option<Duration>) -> Self {
        let retry_after_ms = retry_after.map(|d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX));
        ApiError { inner: Box::new(ApiErrorInner { status, retry_after_ms, body: body.into_boxed_slice() }) }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.inner.status
    }

    /// Its kind (400, 401, 403, 404, 405, 409, 429, 5xx told apart).
    pub fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_status(self.inner.status)
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after_ms.map(|ms| Duration::from_millis(ms.into()))
    }

    /// The ProblemDetails in the body, when it holds one.
    pub fn problem(&self) -> Option<ProblemDetails<'_>> {
        ProblemDetails::decode(&self.inner.body).ok()
    }

    /// dojo-core's view of this error, borrowing the body.
    pub fn as_core(&self) -> dojo_core::problem::ApiError<'_> {
        dojo_core::problem::ApiError::from_response(self.inner.status, &self.inner.body)
    }

    /// The problem's title, if any.
    pub fn title(&self) -> Option<String> {
        self.problem()?.title.map(|t| t.to_string())
    }

    /// The server's trace id, if any: quote it to Dojo support.
    pub fn trace_id(&self) -> Option<String> {
        self.problem()?.trace_id.map(|t| t.to_string())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.inner.status)
            .field("kind", &self.kind())
            .field("body", &String::from_utf8_lossy(&self.inner.body))
            .field("retry_after", &self.retry_after())
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_core().fmt(f)
    }
}

impl std::error::Error for ApiError {}

impl Answer for ApiError {
    fn status(&self) -> u16 {
        self.inner.status
    }
}

impl From<dojo_core::problem::ApiError<'_>> for ApiError {
    /// dojo-core's borrowing answer, owned (the body copied, so its ProblemDetails stays
    /// readable).
    fn from(e: dojo_core::problem::ApiError<'_>) -> Self {
        ApiError::new(e.status, e.body.to_vec(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dojo_core::error::{BufferTooSmall, DecodeErrorKind, LifecycleError, WebhookError};
    use dojo_core::request::Operation;
    use dojo_core::{PaymentIntentStatus, ValidationError, ValidationErrorKind};

    /// Every dojo-core error converts to the variant of its own kind, keeping its class.
    #[test]
    fn core_errors_keep_their_class() {
        let decode = dojo_core::json::from_slice::<u32>(b"{").unwrap_err();
        assert_ne!(decode.kind, DecodeErrorKind::Empty);
        let cases: [dojo_core::Error<'_>; 6] = [
            ValidationError::new("amount", ValidationErrorKind::NotPositive).into(),
            LifecycleError::AlreadyCharged.into(),
            BufferTooSmall { needed: 7 }.into(),
            decode.into(),
            dojo_core::problem::ApiError::from_response(409, b"{}").into(),
            WebhookError::Mismatch.into(),
        ];
        for core in cases {
            let class = core.class();
            let owned = Error::from(core);
            assert_eq!(owned.class(), class, "{owned:?}");
            assert!(!matches!(owned, Error::Config(_)), "{owned:?}");
        }
        let e = Error::from(dojo_core::Error::Decode(decode));
        assert!(matches!(e, Error::Decode { operation: None, .. }), "{e:?}");
        assert!(e.to_string().contains("could not decode"), "{e}");
        let e = Error::from(dojo_core::Error::Api(dojo_core::problem::ApiError::from_response(
            404,
            b"{\"traceId\":\"t\"}",
        )));
        assert_eq!(e.api().and_then(ApiError::trace_id).as_deref(), Some("t"), "the body was copied");
        assert_eq!(e.retry_decision(), RetryDecision::Stop);
    }

    #[test]
    fn classes_of_the_adapters_own_errors() {
        let transport = |source| {
            Error::Transport(TransportError {
                operation: Operation::GetSetupIntent,
                phase: Phase::Receive,
                attempts: 1,
                cause: Cause::Io(Box::new(source)),
            })
        };
        assert_eq!(transport(ureq::Error::ConnectionFailed).class(), ErrorClass::Transport);
        assert_eq!(transport(ureq::Error::ConnectionFailed).retry_decision(), RetryDecision::Retry);
        assert_eq!(Error::Config(ConfigError::NoRandomness).class(), ErrorClass::Config);
        let anomaly = Error::Anomaly { from: PaymentIntentStatus::Captured, to: PaymentIntentStatus::Created };
        assert_eq!(anomaly.class(), ErrorClass::Anomaly);
        let api = Error::Api(ApiError::new(429, Vec::new(), Some(Duration::from_secs(3))));
        assert_eq!(api.class(), ErrorClass::Api(ApiErrorKind::TooManyRequests));
        assert_eq!(api.retry_decision(), RetryDecision::Retry);
        assert_eq!(api.api().and_then(ApiError::retry_after), Some(Duration::from_secs(3)));
    }

    /// Boxed where it must be: every `Result<_, Error>` stays within clippy's
    /// `result_large_err` bound (128 bytes), so callers need not box it again.
    #[test]
    fn the_error_is_small() {
        assert!(size_of::<Error>() < 128, "{}", size_of::<Error>());
    }
}
