//! The adapter's errors: dojo-core's taxonomy made owned, plus transport failures and
//! **outcome unknown**.
//!
//! | variant | meaning | what to do |
//! |---|---|---|
//! | [`Error::Invalid`], [`Error::Lifecycle`] | dojo-core refused the input; nothing was sent | fix the input / read the intent's state |
//! | [`Error::Config`] | the client was set up wrong (a plain `http://` base URL that is not loopback, a bad key) | fix the configuration |
//! | [`Error::Api`] | the server answered with an error status (its ProblemDetails kept) | see [`ApiError::kind`] |
//! | [`Error::Transport`] | the request failed and **did not execute**: it never reached the server, or it was a read whose retries ran out | retry later |
//! | [`Error::OutcomeUnknown`] | a request that changes state **may have executed** | read the intent back and reconcile before trying again |
//! | [`Error::Decode`] | a success answer could not be decoded (a read's, or dojo-core's decoding in caller code) | report it (the server and this SDK disagree) |
//! | [`Error::Anomaly`] | reconciling read a status the lifecycle does not allow | re-read; a person decides |
//! | [`Error::BufferTooSmall`], [`Error::Webhook`] | dojo-core's errors of those kinds, converted with `?` in caller code | a larger buffer / reject the delivery |
//!
//! # The same taxonomy as the kiosk adapter
//!
//! [`Error::class`] gives dojo-core's [`ErrorClass`], which `dojo_embedded_svc::Error::class`
//! gives too: the same failure has the same class on a desktop and on a kiosk (both take
//! their decisions from dojo-core's [`Exchange`](dojo_core::exchange::Exchange)), and
//! [`Error::retry_decision`] the same advice ([`RetryDecision`]).
//!
//! | [`ErrorClass`] | here (`dojo-ureq`) | kiosk (`dojo-embedded-svc`) | [`RetryDecision`] |
//! |---|---|---|---|
//! | `Invalid` | `Invalid` | `Core(Invalid)` | Stop: fix the input |
//! | `Lifecycle` | `Lifecycle` | `Core(Lifecycle)` | Stop: read the intent's state |
//! | `BufferTooSmall` | `BufferTooSmall` (only from caller code: this client grows its buffers) | `Core(BufferTooSmall)` | Stop: a larger buffer |
//! | `Decode` | `Decode` | `Core(Decode)` | Stop: report it |
//! | `Api(kind)` | `Api` | `Core(Api)` | Retry for 429 and a read's 5xx, else Stop |
//! | `Webhook` | `Webhook` | `Core(Webhook)` | Stop: reject the delivery |
//! | `Transport` | `Transport` | `Transport` | Retry (later: the client already retried) |
//! | `OutcomeUnknown` | `OutcomeUnknown` (a 5xx to a state-changing request included) | `OutcomeUnknown`; `ResponseTooLarge` of a 2xx or 5xx to a non-idempotent request | Reconcile |
//! | `ResponseTooLarge` | `Transport` of a read whose answer passed [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES) | `ResponseTooLarge` of a read's 2xx | Stop |
//! | `Config` | `Config`; `Transport` that retrying cannot fix (a bad URI, TLS required) | — (the kiosk's `with_base_url` returns a `ValidationError`) | Stop: fix the configuration |
//! | `Anomaly` | `Anomaly` (from caller code: `charge` reports it in `ChargeReport::anomaly`) | — (its `charge` reports it in `ChargeReport::anomaly`) | Stop: re-read |
//!
//! Both adapters' [`TransportError`] and [`OutcomeUnknown`] carry the `operation`;
//! [`TransportError::never_sent`] is the kiosk's `TransportError::never_sent()`; the
//! causes map as [`UnknownCause::ConnectionLost`] / [`UnknownCause::Timeout`] ↔ the
//! kiosk's `Cause::Io`, `Truncated`, [`UnknownCause::UndecodableSuccess`] ↔
//! `Cause::Undecodable`, [`UnknownCause::ServerError`] ↔ `Cause::ServerError`.

use std::fmt;
use std::time::Duration;

use dojo_core::error::{BufferTooSmall, DecodeError, LifecycleError, WebhookError};
pub use dojo_core::error::{ErrorClass, RetryDecision};
use dojo_core::problem::{ApiErrorKind, ProblemDetails};
use dojo_core::request::Operation;
use dojo_core::{PaymentIntentId, PaymentIntentStatus, SetupIntentId, ValidationError};

/// Any error of this adapter.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A value passed in breaks the API's rules (dojo-core's validation). Nothing was sent.
    Invalid(ValidationError),
    /// The lifecycle forbids the operation (e.g. a second charge). Nothing was sent.
    Lifecycle(LifecycleError),
    /// The client's configuration is unusable. Nothing was sent.
    Config(String),
    /// The server answered with an error status.
    Api(ApiError),
    /// The request failed without executing (see [`TransportError`]).
    Transport(TransportError),
    /// A state-changing request may have executed: reconcile before anything else.
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// A success answer could not be decoded: a read's (an undecodable answer to a
    /// state-changing request is [`Error::OutcomeUnknown`]), or dojo-core's decoding
    /// converted with `?` (e.g. a webhook event).
    Decode {
        /// The operation, when known (`None` for a dojo-core error converted without one).
        operation: Option<Operation>,
        /// What dojo-core's decoder said.
        error: DecodeError,
    },
    /// A caller buffer given to dojo-core is too small (this client grows its own: this
    /// comes only from dojo-core calls in caller code converted with `?`).
    BufferTooSmall(BufferTooSmall),
    /// A webhook delivery failed verification (dojo-core's
    /// [`WebhookError`], converted with `?`): reject it.
    Webhook(WebhookError),
    /// A dojo-core error this version of the adapter does not model (a newer
    /// dojo-core): dojo-core's class and its message.
    Other {
        /// dojo-core's classification.
        class: ErrorClass,
        /// Its message.
        message: String,
    },
    /// The payment intent read back to reconcile a charge reports a status the
    /// lifecycle does not allow after the known one; the known state was kept.
    Anomaly {
        /// The status known before.
        from: PaymentIntentStatus,
        /// The status read back.
        to: PaymentIntentStatus,
    },
}

impl Error {
    /// The server's answer, when this is an [`Error::Api`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this error means a state-changing request may have executed.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown(_))
    }

    /// The error's [`ErrorClass`], the one the kiosk adapter gives the same failure
    /// (see the [module docs](self) for the table). Each variant has the class of its
    /// name ([`Error::Api`] that of its kind), except a [`Error::Transport`] that
    /// retrying cannot fix (a bad URI, TLS required: [`ErrorClass::Config`]) or whose
    /// answer passed [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES)
    /// ([`ErrorClass::ResponseTooLarge`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Invalid(_) => ErrorClass::Invalid,
            Error::Lifecycle(_) => ErrorClass::Lifecycle,
            Error::Config(_) => ErrorClass::Config,
            Error::Api(e) => ErrorClass::Api(e.kind()),
            Error::Transport(t) => match &t.source {
                ureq::Error::BodyExceedsLimit(_) => ErrorClass::ResponseTooLarge,
                ureq::Error::Http(_)
                | ureq::Error::BadUri(_)
                | ureq::Error::RequireHttpsOnly(_)
                | ureq::Error::InvalidProxyUrl
                | ureq::Error::ConnectProxyFailed(_)
                | ureq::Error::TlsRequired
                | ureq::Error::Pem(_) => ErrorClass::Config,
                _ => ErrorClass::Transport,
            },
            Error::OutcomeUnknown(_) => ErrorClass::OutcomeUnknown,
            Error::Decode { .. } => ErrorClass::Decode,
            Error::Anomaly { .. } => ErrorClass::Anomaly,
            Error::BufferTooSmall(_) => ErrorClass::BufferTooSmall,
            Error::Webhook(_) => ErrorClass::Webhook,
            Error::Other { class, .. } => *class,
        }
    }

    /// The operation that failed, when the error knows it (transport failures, unknown
    /// outcomes, undecodable answers; not dojo-core's refusals before sending nor an API
    /// error). The kiosk adapter's `Error::operation` answers the same.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Transport(t) => Some(t.operation),
            Error::OutcomeUnknown(u) => Some(u.operation),
            Error::Decode { operation, .. } => *operation,
            _ => None,
        }
    }

    /// What to do next: the class's [`retry_decision`](ErrorClass::retry_decision)
    /// (retry a transport failure, a 429 or a read's 5xx later; reconcile an outcome
    /// unknown; stop otherwise). The client has already retried what its
    /// [`RetryPolicy`](crate::RetryPolicy) allows.
    pub fn retry_decision(&self) -> RetryDecision {
        self.class().retry_decision()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => write!(f, "{e}; nothing was sent — fix the value"),
            Error::Lifecycle(e) => write!(f, "{e}; nothing was sent"),
            Error::Config(m) => write!(f, "configuration: {m}"),
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::OutcomeUnknown(e) => e.fmt(f),
            Error::Decode { operation: Some(operation), error } => write!(
                f,
                "the answer to {} could not be decoded: {error} — the server and this SDK disagree; report it",
                operation.name()
            ),
            Error::Decode { operation: None, error } => {
                write!(f, "could not decode: {error} — the server and this SDK disagree; report it")
            }
            Error::BufferTooSmall(e) => write!(f, "{e}; nothing was sent"),
            Error::Webhook(e) => e.fmt(f),
            Error::Other { message, .. } => f.write_str(message),
            Error::Anomaly { from, to } => write!(
                f,
                "the payment intent was read back as {to} after {from}, which the lifecycle does not allow; \
                 the known state was kept — re-read it before acting"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            _ => None,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Invalid(e)
    }
}

impl From<LifecycleError> for Error {
    fn from(e: LifecycleError) -> Self {
        Error::Lifecycle(e)
    }
}

impl From<dojo_core::Error<'_>> for Error {
    /// Converts dojo-core's borrowing error into an owned one (an API error's body is
    /// copied, so its ProblemDetails stays readable).
    fn from(e: dojo_core::Error<'_>) -> Self {
        match e {
            dojo_core::Error::Invalid(v) => Error::Invalid(v),
            dojo_core::Error::Lifecycle(l) => Error::Lifecycle(l),
            dojo_core::Error::Api(a) => Error::Api(ApiError::new(a.status, a.body.to_vec(), None)),
            dojo_core::Error::Decode(error) => Error::Decode { operation: None, error },
            dojo_core::Error::BufferTooSmall(b) => Error::BufferTooSmall(b),
            dojo_core::Error::Webhook(w) => Error::Webhook(w),
            other => Error::Other { class: other.class(), message: other.to_string() },
        }
    }
}

/// An error answer from the server, owned: status, kind, the raw body (its
/// ProblemDetails decoded on demand with [`problem`](ApiError::problem)) and the
/// `Retry-After` the server sent.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<Duration>,
}

impl ApiError {
    /// An error answer with `status` and `body`.
    pub fn new(status: u16, body: Vec<u8>, retry_after: Option<Duration>) -> Self {
        ApiError { status, body, retry_after }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Its kind (400, 401, 403, 404, 405, 409, 429, 5xx told apart).
    pub fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_status(self.status)
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The ProblemDetails in the body, when it holds one.
    pub fn problem(&self) -> Option<ProblemDetails<'_>> {
        ProblemDetails::decode(&self.body).ok()
    }

    /// dojo-core's view of this error, borrowing the body.
    pub fn as_core(&self) -> dojo_core::problem::ApiError<'_> {
        dojo_core::problem::ApiError::from_response(self.status, &self.body)
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
            .field("status", &self.status)
            .field("kind", &self.kind())
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_core().fmt(f)
    }
}

impl std::error::Error for ApiError {}

/// A request that failed and did not execute.
#[derive(Debug)]
pub struct TransportError {
    /// The operation.
    pub operation: Operation,
    /// Whether the request provably never reached the server (connection refused, DNS
    /// failure, connect timeout). When `false`, the request was a read (safe to repeat)
    /// whose attempts all failed.
    pub never_sent: bool,
    /// Attempts made.
    pub attempts: u32,
    /// The last transport error.
    pub source: ureq::Error,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "network error in {} after {} attempt(s): {}", self.operation.name(), self.attempts, self.source)?;
        if self.never_sent {
            f.write_str(" — the request never reached the server; check the network and the base URL, then retry")
        } else {
            f.write_str(" — nothing changed on the server (a read); retry later")
        }
    }
}

/// Why the outcome of a state-changing request is unknown.
#[derive(Debug)]
#[non_exhaustive]
pub enum UnknownCause {
    /// A timeout after the request may have been sent.
    Timeout(ureq::Error),
    /// The connection failed after the request may have been sent (reset, closed
    /// mid-response, a truncated body).
    ConnectionLost(ureq::Error),
    /// The server answered 5xx: it may have executed the request before failing.
    ServerError(ApiError),
    /// A 2xx whose body could not be decoded: it executed, but what it did is unreadable.
    UndecodableSuccess {
        /// The status.
        status: u16,
        /// The decoder's error.
        error: DecodeError,
        /// The body.
        body: Vec<u8>,
    },
}

impl fmt::Display for UnknownCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownCause::Timeout(e) => write!(f, "timed out after sending ({e})"),
            UnknownCause::ConnectionLost(e) => write!(f, "the connection was lost after sending ({e})"),
            UnknownCause::ServerError(e) => write!(f, "the server failed: {e}"),
            UnknownCause::UndecodableSuccess { status, error, .. } => {
                write!(f, "the server answered {status} with a body that does not decode ({error})")
            }
        }
    }
}

/// A state-changing request may have executed: what the caller needs to reconcile.
#[derive(Debug)]
#[non_exhaustive]
pub struct OutcomeUnknown {
    /// The operation.
    pub operation: Operation,
    /// The setup intent it concerned, when known.
    pub setup_intent: Option<SetupIntentId>,
    /// The payment intent it concerned, when known.
    pub payment_intent: Option<PaymentIntentId>,
    /// The refund's idempotency key: retry with the same key to be safe.
    pub idempotency_key: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// Why the outcome is unknown.
    pub cause: UnknownCause,
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outcome unknown: {} ", self.operation.name())?;
        if let Some(pi) = &self.payment_intent {
            write!(f, "of {pi} ")?;
        } else if let Some(si) = &self.setup_intent {
            write!(f, "of {si} ")?;
        }
        write!(f, "may have executed: {}", self.cause)?;
        match (&self.payment_intent, &self.setup_intent, &self.idempotency_key) {
            (Some(pi), _, Some(key)) => {
                write!(f, " — read {pi} back, or retry with the same idempotency key {key}")
            }
            (Some(pi), _, None) => write!(f, " — read {pi} back and reconcile before trying again"),
            (None, Some(si), _) => write!(f, " — read {si} back before trying again"),
            (None, None, _) => f.write_str(" — search for it before creating it again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dojo_core::ValidationErrorKind;
    use dojo_core::error::DecodeErrorKind;

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
            assert!(!matches!(owned, Error::Config(_) | Error::Other { .. }), "{owned:?}");
        }
        let e = Error::from(dojo_core::Error::Decode(decode));
        assert!(matches!(e, Error::Decode { operation: None, .. }), "{e:?}");
        assert!(e.to_string().contains("could not decode"), "{e}");
        let e = Error::from(dojo_core::Error::BufferTooSmall(BufferTooSmall { needed: 7 }));
        assert!(matches!(e, Error::BufferTooSmall(BufferTooSmall { needed: 7 })), "{e:?}");
        assert_eq!(e.retry_decision(), RetryDecision::Stop);
    }

    #[test]
    fn classes_of_the_adapters_own_errors() {
        let transport = |source| {
            Error::Transport(TransportError {
                operation: Operation::GetSetupIntent,
                never_sent: false,
                attempts: 1,
                source,
            })
        };
        assert_eq!(transport(ureq::Error::ConnectionFailed).class(), ErrorClass::Transport);
        assert_eq!(transport(ureq::Error::ConnectionFailed).retry_decision(), RetryDecision::Retry);
        assert_eq!(transport(ureq::Error::BodyExceedsLimit(9)).class(), ErrorClass::ResponseTooLarge);
        assert_eq!(transport(ureq::Error::TlsRequired).class(), ErrorClass::Config);
        assert_eq!(Error::Config("x".into()).class(), ErrorClass::Config);
        let anomaly = Error::Anomaly { from: PaymentIntentStatus::Captured, to: PaymentIntentStatus::Created };
        assert_eq!(anomaly.class(), ErrorClass::Anomaly);
        let unknown = Error::OutcomeUnknown(Box::new(OutcomeUnknown {
            operation: Operation::ChargePaymentIntent,
            setup_intent: None,
            payment_intent: None,
            idempotency_key: None,
            attempts: 1,
            cause: UnknownCause::ServerError(ApiError::new(503, Vec::new(), None)),
        }));
        assert_eq!(unknown.class(), ErrorClass::OutcomeUnknown);
        assert_eq!(unknown.retry_decision(), RetryDecision::Reconcile);
        let api = Error::Api(ApiError::new(429, Vec::new(), None));
        assert_eq!(api.class(), ErrorClass::Api(ApiErrorKind::TooManyRequests));
        assert_eq!(api.retry_decision(), RetryDecision::Retry);
    }
}
