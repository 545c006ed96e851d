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
//! | [`Error::Decode`] | a read's success answer could not be decoded | report it (the server and this SDK disagree) |
//! | [`Error::Anomaly`] | reconciling read a status the lifecycle does not allow | re-read; a person decides |

use std::fmt;
use std::time::Duration;

use dojo_core::error::{DecodeError, LifecycleError};
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
    /// The success answer to a read could not be decoded.
    Decode {
        /// The operation.
        operation: Operation,
        /// What dojo-core's decoder said.
        error: DecodeError,
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
            Error::Decode { operation, error } => write!(
                f,
                "the answer to {} could not be decoded: {error} — the server and this SDK disagree; report it",
                operation.name()
            ),
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
            Error::Transport(e) => e.source.as_ref().map(|s| s as &(dyn std::error::Error + 'static)),
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
            other => Error::Config(other.to_string()),
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
    /// What went wrong, in words.
    pub message: String,
    /// The last transport error.
    pub source: Option<ureq::Error>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "network error in {} after {} attempt(s): {}", self.operation.name(), self.attempts, self.message)?;
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
