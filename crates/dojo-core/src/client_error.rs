//! The one error shape of every adapter: [`ClientError`].
//!
//! Both adapters (`dojo-ureq` on a desktop, `dojo-embedded-svc` on a kiosk) drive the same
//! [`exchange`](crate::exchange) and report its verdicts with this one enum, so a caller who
//! switches adapters matches the same variants, reads the same fields, gets the same
//! [`ErrorClass`], the same [`RetryDecision`] and the same message. What differs between
//! adapters is only in the generic parameters:
//!
//! | parameter | what it holds | `dojo-ureq` | `dojo-embedded-svc` |
//! |---|---|---|---|
//! | `A` | the server's error answer (status, ProblemDetails, `Retry-After`), an [`Answer`] | `dojo_ureq::ApiError` (owned body) | [`ApiError<'a>`](crate::problem::ApiError) (borrowing the caller's buffer) |
//! | `T` | the transport's own error | `Box<ureq::Error>` | the connection's error type |
//! | `K` | a refund's idempotency key, in an outcome-unknown report | `String` | `&'a str` |
//!
//! | variant | meaning | [`ErrorClass`] | what to do |
//! |---|---|---|---|
//! | [`Invalid`](ClientError::Invalid) | a value passed in breaks the API's rules; nothing was sent | `Invalid` | fix the input |
//! | [`Lifecycle`](ClientError::Lifecycle) | the lifecycle forbids the operation; nothing was sent | `Lifecycle` | read the intent's state |
//! | [`BufferTooSmall`](ClientError::BufferTooSmall) | a caller buffer cannot hold the request; nothing was sent | `BufferTooSmall` | a larger buffer |
//! | [`Config`](ClientError::Config) | the client's configuration is unusable; nothing was sent | `Config` | fix the configuration |
//! | [`Api`](ClientError::Api) | the server answered with an error status (ProblemDetails kept) | `Api(kind)` | by kind: 429 and a read's 5xx retry later, others stop |
//! | [`Transport`](ClientError::Transport) | no usable answer, and the request did not execute (never sent complete, or a read) | `Transport` | retry later |
//! | [`OutcomeUnknown`](ClientError::OutcomeUnknown) | a state-changing request **may have executed**; names its subject (intent, idempotency key) | `OutcomeUnknown` | read the subject back and reconcile; never resend blindly |
//! | [`Decode`](ClientError::Decode) | a read's success answer does not decode | `Decode` | report it |
//! | [`ResponseTooLarge`](ClientError::ResponseTooLarge) | a read's answer is larger than the adapter takes | `ResponseTooLarge` (an error status: `Api(kind)`) | a larger buffer |
//! | [`Webhook`](ClientError::Webhook) | a webhook delivery failed verification | `Webhook` | reject the delivery |
//! | [`Anomaly`](ClientError::Anomaly) | a read-back shows a status the lifecycle does not allow | `Anomaly` | re-read; a person decides |
//!
//! Which failure becomes which variant is [`Exchange`]'s verdict
//! in both adapters: [`Next::GiveUp`] of a transport failure
//! is [`Transport`](ClientError::Transport), [`Next::OutcomeUnknown`]
//! is [`OutcomeUnknown`](ClientError::OutcomeUnknown) with the exchange's
//! [`Subject`], a final error answer is [`Api`](ClientError::Api).
//!
//! # When is a request "sent"?
//!
//! Every request carries `Content-Length`, so the server acts on it only once it has its
//! last byte. A failure while connecting or writing ([`Phase::Connect`], [`Phase::Send`])
//! is a [`Transport`](ClientError::Transport) error for every operation; from the moment
//! the whole request was handed over ([`Phase::Receive`]) a failure of a read is still a
//! transport error (repeating a read changes nothing), a failure of anything else is an
//! outcome unknown.

use core::fmt;

use crate::enums::PaymentIntentStatus;
use crate::error::{
    ApiError, ApiErrorKind, BufferTooSmall, DecodeError, ErrorClass, LifecycleError, RetryDecision, ValidationError,
    WebhookError,
};
use crate::exchange::{Attempts, BaseUrlError, RetryPolicy, Subject, Verdict};
#[cfg(doc)]
use crate::exchange::{Exchange, Next};
use crate::id::{PaymentIntentId, SetupIntentId};
pub use crate::request::Intent;
use crate::request::Operation;

/// An error answer as an adapter holds it: what [`ClientError`] needs of it to classify
/// it. dojo-core's borrowing [`ApiError`] is one; `dojo_ureq::ApiError` (owned) another.
pub trait Answer {
    /// The HTTP status.
    fn status(&self) -> u16;

    /// Its kind (400, 401, 403, 404, 405, 409, 429, 5xx told apart).
    fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_status(self.status())
    }
}

impl Answer for ApiError<'_> {
    fn status(&self) -> u16 {
        self.status
    }

    fn kind(&self) -> ApiErrorKind {
        self.kind
    }
}

/// Any error of an adapter (see the [module docs](self)). `A` holds an error answer,
/// `T` is the transport's error, `K` an idempotency key.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError<A, T, K> {
    /// A value passed in breaks the API's rules (dojo-core's validation). Nothing was sent.
    Invalid(ValidationError),
    /// The lifecycle forbids the operation (e.g. a second charge). Nothing was sent.
    Lifecycle(LifecycleError),
    /// A caller buffer cannot hold the request or its URL. Nothing was sent.
    BufferTooSmall(BufferTooSmall),
    /// The client's configuration is unusable. Nothing was sent.
    Config(ConfigError<T>),
    /// The server answered with an error status (a 5xx to a request that is not safe to
    /// repeat is [`OutcomeUnknown`](ClientError::OutcomeUnknown) instead).
    Api(A),
    /// The request failed and did not execute (see [`TransportError`]).
    Transport(TransportError<A, T>),
    /// A state-changing request may have executed: read its subject back and reconcile.
    OutcomeUnknown(OutcomeUnknown<A, T, K>),
    /// A success answer could not be decoded: a read's (an undecodable answer to anything
    /// else is [`OutcomeUnknown`](ClientError::OutcomeUnknown)), or dojo-core's decoding
    /// converted with `?` (e.g. a webhook event).
    Decode {
        /// The operation, when known (`None` for a dojo-core error converted without one).
        operation: Option<Operation>,
        /// What dojo-core's decoder said.
        error: DecodeError,
    },
    /// A read's answer is larger than the adapter takes (nothing of it was parsed); a
    /// too-large answer to anything else is [`OutcomeUnknown`](ClientError::OutcomeUnknown).
    ResponseTooLarge(ResponseTooLarge),
    /// A webhook delivery failed verification ([`WebhookError`], converted with `?`):
    /// reject it.
    Webhook(WebhookError),
    /// A payment intent read back shows a status the lifecycle does not allow after the
    /// known one; the known state was kept.
    Anomaly {
        /// The status known before.
        from: PaymentIntentStatus,
        /// The status read back.
        to: PaymentIntentStatus,
    },
}

/// Why a client's configuration is unusable.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError<T> {
    /// The base URL was refused ([`check_base_url`](crate::exchange::check_base_url)).
    BaseUrl(BaseUrlError),
    /// No randomness for an idempotency key.
    NoRandomness,
    /// The transport refused the request before sending anything, and retrying cannot
    /// help (a bad URI, TLS required, a proxy refused): its error.
    Transport {
        /// The operation.
        operation: Operation,
        /// The transport's error.
        source: T,
    },
}

impl<T: fmt::Debug> fmt::Display for ConfigError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::BaseUrl(why) => write!(f, "the base URL {why}"),
            ConfigError::NoRandomness => f.write_str("no randomness for an idempotency key"),
            ConfigError::Transport { operation, source } => {
                write!(f, "{} cannot be sent with this transport: {source:?}", operation.name())
            }
        }
    }
}

/// Where an exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Making the connection or starting the request.
    Connect,
    /// Writing the request, before its last byte was accepted.
    Send,
    /// After the whole request was handed over: flushing, waiting for the status and
    /// headers, reading the body.
    Receive,
}

/// What went wrong, on the wire or with the answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum Cause<A, T> {
    /// The connection reported an error (refused, reset, a timeout, a body cut short that
    /// the transport noticed first).
    Io(T),
    /// The connection accepted no bytes of the request.
    WriteZero,
    /// The answer ended before the `Content-Length` it announced.
    Truncated {
        /// The announced length.
        expected: u64,
        /// The bytes received.
        received: usize,
    },
    /// A 2xx answer did not decode.
    Undecodable(DecodeError),
    /// The server answered with a 5xx: it may have acted before failing. Its answer.
    ServerError(A),
    /// The answer (of this status) was larger than the adapter takes.
    TooLarge(ResponseTooLarge),
}

impl<A: fmt::Display, T: fmt::Debug> fmt::Display for Cause<A, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Io(e) => write!(f, "connection error: {e:?}"),
            Cause::WriteZero => f.write_str("the connection accepted no bytes"),
            Cause::Truncated { expected, received } => write!(f, "answer cut short: {received} of {expected} bytes"),
            Cause::Undecodable(e) => write!(f, "a success answer that does not decode ({e})"),
            Cause::ServerError(a) => write!(f, "the server failed: {a}"),
            Cause::TooLarge(r) => write!(f, "an answer ({}) larger than {} bytes", r.status, r.capacity),
        }
    }
}

/// The request failed and did not execute: it never reached the server complete, or it
/// was a read whose attempts all failed.
#[derive(Debug)]
pub struct TransportError<A, T> {
    /// The operation.
    pub operation: Operation,
    /// Where the last attempt failed ([`Phase::Receive`] only for reads).
    pub phase: Phase,
    /// Attempts made.
    pub attempts: u8,
    /// What failed last.
    pub cause: Cause<A, T>,
}

impl<A, T> TransportError<A, T> {
    /// Whether the request never reached the server complete ([`Phase::Connect`] or
    /// [`Phase::Send`]): nothing can have executed, whatever the operation. When `false`,
    /// it was a read whose answer failed.
    pub fn never_sent(&self) -> bool {
        self.phase != Phase::Receive
    }
}

impl<A: fmt::Display, T: fmt::Debug> fmt::Display for TransportError<A, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "network error in {} after {} attempt(s): {}", self.operation.name(), self.attempts, self.cause)?;
        if self.never_sent() {
            f.write_str(" — the request never reached the server; check the network and the base URL, then retry")
        } else {
            f.write_str(" — nothing changed on the server (a read); retry later")
        }
    }
}

/// A state-changing request was sent and may have executed: what it concerned (its
/// [`Subject`]: the operation, the intent, the idempotency key) and why its outcome is
/// unknown.
#[derive(Debug)]
#[non_exhaustive]
pub struct OutcomeUnknown<A, T, K> {
    /// The operation.
    pub operation: Operation,
    /// The intent it concerned, when known (a create of a setup intent and a search name
    /// none; a create of a payment intent names its setup intent).
    pub intent: Option<Intent>,
    /// A refund's idempotency key: repeat it with the same key to be safe.
    pub idempotency_key: Option<K>,
    /// Attempts made.
    pub attempts: u8,
    /// Why the outcome is unknown.
    pub cause: Cause<A, T>,
}

impl<A, T, K> OutcomeUnknown<A, T, K> {
    /// The report of an exchange's [`Next::OutcomeUnknown`]: its subject (the key held
    /// by `key`), its attempts, and `cause`.
    pub fn new<'r>(subject: &Subject<'r>, key: impl FnOnce(&'r str) -> K, attempts: u8, cause: Cause<A, T>) -> Self {
        let intent = match (subject.payment_intent, subject.setup_intent) {
            (Some(pi), _) => Some(Intent::Payment(pi)),
            (None, Some(si)) => Some(Intent::Setup(si)),
            (None, None) => None,
        };
        OutcomeUnknown {
            operation: subject.operation,
            intent,
            idempotency_key: subject.idempotency_key.map(key),
            attempts,
            cause,
        }
    }

    /// The setup intent it concerned, when it names one.
    pub fn setup_intent(&self) -> Option<SetupIntentId> {
        match self.intent {
            Some(Intent::Setup(id)) => Some(id),
            _ => None,
        }
    }

    /// The payment intent it concerned, when it names one.
    pub fn payment_intent(&self) -> Option<PaymentIntentId> {
        match self.intent {
            Some(Intent::Payment(id)) => Some(id),
            _ => None,
        }
    }
}

impl<A: fmt::Display, T: fmt::Debug, K: fmt::Display> fmt::Display for OutcomeUnknown<A, T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "outcome unknown: {} ", self.operation.name())?;
        if let Some(intent) = &self.intent {
            write!(f, "of {intent} ")?;
        }
        write!(f, "may have executed: {}", self.cause)?;
        match (&self.intent, &self.idempotency_key) {
            (Some(Intent::Payment(pi)), Some(key)) => {
                write!(f, " — read {pi} back, or retry with the same idempotency key {key}")
            }
            (Some(Intent::Payment(pi)), None) => write!(f, " — read {pi} back and reconcile before trying again"),
            (Some(Intent::Setup(si)), _) => write!(f, " — read {si} back before trying again"),
            (None, _) => f.write_str(" — search for it before creating it again"),
        }
    }
}

/// An answer larger than the adapter takes (the kiosk's buffer, the desktop's
/// `MAX_RESPONSE_BYTES`). Nothing of it was parsed; the connection is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTooLarge {
    /// The operation.
    pub operation: Operation,
    /// The answer's HTTP status.
    pub status: u16,
    /// The most the adapter takes, in bytes.
    pub capacity: usize,
    /// The announced `Content-Length`, when there was one.
    pub content_length: Option<u64>,
}

impl<A: Answer, T, K> ClientError<A, T, K> {
    /// The error's [`ErrorClass`] (see the [module docs](self)): each variant has the
    /// class of its name, [`Api`](ClientError::Api) that of its kind, and
    /// [`ResponseTooLarge`](ClientError::ResponseTooLarge) the class dojo-core's
    /// exchange gives a too-large answer of its status.
    pub fn class(&self) -> ErrorClass {
        match self {
            ClientError::Invalid(_) => ErrorClass::Invalid,
            ClientError::Lifecycle(_) => ErrorClass::Lifecycle,
            ClientError::BufferTooSmall(_) => ErrorClass::BufferTooSmall,
            ClientError::Config(_) => ErrorClass::Config,
            ClientError::Api(a) => ErrorClass::Api(a.kind()),
            ClientError::Transport(_) => ErrorClass::Transport,
            ClientError::OutcomeUnknown(_) => ErrorClass::OutcomeUnknown,
            ClientError::Decode { .. } => ErrorClass::Decode,
            ClientError::ResponseTooLarge(r) => {
                match Attempts::new(r.operation, false, RetryPolicy::NONE).handle_too_large(r.status) {
                    Verdict::GiveUp(class) => class,
                    _ => ErrorClass::OutcomeUnknown,
                }
            }
            ClientError::Webhook(_) => ErrorClass::Webhook,
            ClientError::Anomaly { .. } => ErrorClass::Anomaly,
        }
    }

    /// What to do next: the class's [`retry_decision`](ErrorClass::retry_decision)
    /// (retry a transport failure, a 429 or a read's 5xx later; reconcile an outcome
    /// unknown; stop otherwise). The adapter already retried what its policy allows.
    pub fn retry_decision(&self) -> RetryDecision {
        self.class().retry_decision()
    }

    /// Whether the request may have executed although no usable answer came back.
    pub fn may_have_executed(&self) -> bool {
        self.class().may_have_executed()
    }
}

impl<A, T, K> ClientError<A, T, K> {
    /// The server's error answer, when this is an [`Api`](ClientError::Api) error.
    pub fn api(&self) -> Option<&A> {
        match self {
            ClientError::Api(a) => Some(a),
            _ => None,
        }
    }

    /// The outcome-unknown report (its subject: operation, intent, idempotency key), when
    /// the request may have executed.
    pub fn outcome_unknown(&self) -> Option<&OutcomeUnknown<A, T, K>> {
        match self {
            ClientError::OutcomeUnknown(u) => Some(u),
            _ => None,
        }
    }

    /// Whether this is [`OutcomeUnknown`](ClientError::OutcomeUnknown).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, ClientError::OutcomeUnknown(_))
    }

    /// The operation that failed, when the error knows it (transport failures, unknown
    /// outcomes, undecodable or too-large answers, a transport that refused it; not
    /// dojo-core's refusals before sending nor an API error).
    pub fn operation(&self) -> Option<Operation> {
        match self {
            ClientError::Transport(t) => Some(t.operation),
            ClientError::OutcomeUnknown(u) => Some(u.operation),
            ClientError::Decode { operation, .. } => *operation,
            ClientError::ResponseTooLarge(r) => Some(r.operation),
            ClientError::Config(ConfigError::Transport { operation, .. }) => Some(*operation),
            _ => None,
        }
    }

    /// The same error with its answer held by `answer` and its key by `key` (an adapter
    /// turning an error that owns nothing into one that borrows its buffer).
    pub fn map<A2, K2>(self, answer: impl FnOnce(A) -> A2, key: impl FnOnce(K) -> K2) -> ClientError<A2, T, K2> {
        match self {
            ClientError::Invalid(e) => ClientError::Invalid(e),
            ClientError::Lifecycle(e) => ClientError::Lifecycle(e),
            ClientError::BufferTooSmall(e) => ClientError::BufferTooSmall(e),
            ClientError::Config(e) => ClientError::Config(e),
            ClientError::Api(a) => ClientError::Api(answer(a)),
            ClientError::Transport(t) => ClientError::Transport(TransportError {
                operation: t.operation,
                phase: t.phase,
                attempts: t.attempts,
                cause: t.cause.map(answer),
            }),
            ClientError::OutcomeUnknown(u) => ClientError::OutcomeUnknown(OutcomeUnknown {
                operation: u.operation,
                intent: u.intent,
                idempotency_key: u.idempotency_key.map(key),
                attempts: u.attempts,
                cause: u.cause.map(answer),
            }),
            ClientError::Decode { operation, error } => ClientError::Decode { operation, error },
            ClientError::ResponseTooLarge(r) => ClientError::ResponseTooLarge(r),
            ClientError::Webhook(e) => ClientError::Webhook(e),
            ClientError::Anomaly { from, to } => ClientError::Anomaly { from, to },
        }
    }
}

impl<A, T> Cause<A, T> {
    /// The same cause with its answer held by `f`.
    pub fn map<A2>(self, f: impl FnOnce(A) -> A2) -> Cause<A2, T> {
        match self {
            Cause::Io(e) => Cause::Io(e),
            Cause::WriteZero => Cause::WriteZero,
            Cause::Truncated { expected, received } => Cause::Truncated { expected, received },
            Cause::Undecodable(e) => Cause::Undecodable(e),
            Cause::ServerError(a) => Cause::ServerError(f(a)),
            Cause::TooLarge(r) => Cause::TooLarge(r),
        }
    }
}

impl<A: fmt::Display, T: fmt::Debug, K: fmt::Display> fmt::Display for ClientError<A, T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Invalid(e) => write!(f, "{e}; nothing was sent — fix the value"),
            ClientError::Lifecycle(e) => write!(f, "{e}; nothing was sent"),
            ClientError::BufferTooSmall(e) => write!(f, "{e}; nothing was sent"),
            ClientError::Config(e) => write!(f, "configuration: {e}"),
            ClientError::Api(a) => a.fmt(f),
            ClientError::Transport(t) => t.fmt(f),
            ClientError::OutcomeUnknown(u) => u.fmt(f),
            ClientError::Decode { operation: Some(operation), error } => write!(
                f,
                "the answer to {} could not be decoded: {error} — the server and this SDK disagree; report it",
                operation.name()
            ),
            ClientError::Decode { operation: None, error } => {
                write!(f, "could not decode: {error} — the server and this SDK disagree; report it")
            }
            ClientError::ResponseTooLarge(r) => write!(
                f,
                "the answer to {} ({}) is larger than the {} bytes this client takes",
                r.operation.name(),
                r.status,
                r.capacity
            ),
            ClientError::Webhook(e) => e.fmt(f),
            ClientError::Anomaly { from, to } => write!(
                f,
                "the payment intent was read back as {to} after {from}, which the lifecycle does not allow; \
                 the known state was kept — re-read it before acting"
            ),
        }
    }
}

impl<'a, A: From<ApiError<'a>>, T, K> From<crate::Error<'a>> for ClientError<A, T, K> {
    /// dojo-core's error as the variant of its own kind (an API error's answer held as
    /// `A`), keeping its class.
    fn from(e: crate::Error<'a>) -> Self {
        match e {
            crate::Error::Invalid(e) => ClientError::Invalid(e),
            crate::Error::Lifecycle(e) => ClientError::Lifecycle(e),
            crate::Error::BufferTooSmall(e) => ClientError::BufferTooSmall(e),
            crate::Error::Decode(error) => ClientError::Decode { operation: None, error },
            crate::Error::Api(a) => ClientError::Api(A::from(a)),
            crate::Error::Webhook(e) => ClientError::Webhook(e),
        }
    }
}

/// `From` each of dojo-core's leaf errors into the variant of its kind.
macro_rules! leaf_errors {
    ($($leaf:ty => $variant:ident),* $(,)?) => {$(
        impl<A, T, K> From<$leaf> for ClientError<A, T, K> {
            fn from(e: $leaf) -> Self {
                ClientError::$variant(e)
            }
        }
    )*};
}

leaf_errors! {
    ValidationError => Invalid,
    LifecycleError => Lifecycle,
    BufferTooSmall => BufferTooSmall,
    WebhookError => Webhook,
}

impl<A: fmt::Display + fmt::Debug, T: fmt::Debug, K: fmt::Display + fmt::Debug> core::error::Error
    for ClientError<A, T, K>
{
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;

    type E<'a> = ClientError<ApiError<'a>, (), &'a str>;

    fn subject(operation: Operation, key: Option<&str>) -> Subject<'_> {
        Subject {
            operation,
            setup_intent: None,
            payment_intent: Some(PaymentIntentId::new("pi_sandbox_1").unwrap()),
            idempotency_key: key,
        }
    }

    #[test]
    fn core_errors_keep_their_class() {
        let cases: [crate::Error<'_>; 6] = [
            ValidationError::new("amount", crate::ValidationErrorKind::NotPositive).into(),
            LifecycleError::AlreadyCharged.into(),
            BufferTooSmall { needed: 7 }.into(),
            DecodeError::new(DecodeErrorKind::Syntax, 1).into(),
            ApiError::from_response(409, b"{}").into(),
            WebhookError::Mismatch.into(),
        ];
        for core in cases {
            let class = core.class();
            let e = E::from(core);
            assert_eq!(e.class(), class, "{e:?}");
            assert!(!e.may_have_executed());
        }
    }

    #[test]
    fn classes_and_decisions() {
        let unknown = E::OutcomeUnknown(OutcomeUnknown::new(
            &subject(Operation::RefundPaymentIntent, Some("k-1")),
            |k| k,
            2,
            Cause::ServerError(ApiError::from_response(503, b"")),
        ));
        assert_eq!(unknown.class(), ErrorClass::OutcomeUnknown);
        assert_eq!(unknown.retry_decision(), RetryDecision::Reconcile);
        let u = unknown.outcome_unknown().unwrap();
        assert_eq!(u.payment_intent().map(|p| p.to_string()).as_deref(), Some("pi_sandbox_1"));
        assert_eq!((u.setup_intent(), u.idempotency_key), (None, Some("k-1")));
        let shown = unknown.to_string();
        assert!(shown.contains("retry with the same idempotency key k-1"), "{shown}");
        assert_eq!(unknown.operation(), Some(Operation::RefundPaymentIntent));

        let transport = E::Transport(TransportError {
            operation: Operation::GetPaymentIntent,
            phase: Phase::Receive,
            attempts: 3,
            cause: Cause::Io(()),
        });
        assert_eq!(transport.retry_decision(), RetryDecision::Retry);
        assert!(transport.to_string().contains("nothing changed on the server"), "{transport}");
        let too_large = |operation, status| {
            E::ResponseTooLarge(ResponseTooLarge { operation, status, capacity: 9, content_length: None })
        };
        assert_eq!(too_large(Operation::GetPaymentIntent, 200).class(), ErrorClass::ResponseTooLarge);
        assert_eq!(too_large(Operation::GetPaymentIntent, 404).class(), ErrorClass::Api(ApiErrorKind::NotFound));
        assert_eq!(too_large(Operation::ChargePaymentIntent, 200).class(), ErrorClass::OutcomeUnknown);
        let api = E::Api(ApiError::from_response(429, b""));
        assert_eq!(api.retry_decision(), RetryDecision::Retry);
        assert_eq!(api.api().map(Answer::status), Some(429));
        let config = E::Config(ConfigError::BaseUrl(BaseUrlError::Userinfo));
        assert_eq!(config.class(), ErrorClass::Config);
        assert!(config.to_string().contains('@'), "{config}");
    }

    #[test]
    fn the_intent_named_by_a_path_is_the_requests() {
        let key = crate::ApiKey::new("sk_sandbox_c2VjcmV0").unwrap();
        let api = crate::request::Api::new(&key);
        let pi = PaymentIntentId::new("pi_sandbox_7").unwrap();
        let si = SetupIntentId::new("si_sandbox_7").unwrap();
        let check =
            |operation: Operation, path: &str, setup: Option<SetupIntentId>, payment: Option<PaymentIntentId>| {
                let want = payment.map(Intent::Payment).or(setup.map(Intent::Setup));
                assert_eq!(Intent::named_by(operation, path), want, "{path}");
            };
        let r = api.charge_payment_intent(&pi).unwrap();
        check(r.operation(), r.path(), r.setup_intent_id(), r.payment_intent_id());
        let r = api.get_payment_intent(&pi, true).unwrap();
        check(r.operation(), r.path(), r.setup_intent_id(), r.payment_intent_id());
        let r = api.get_public_setup_intent(&si).unwrap();
        check(r.operation(), r.path(), r.setup_intent_id(), r.payment_intent_id());
        let r = api.cancel_setup_intent(&si, true).unwrap();
        check(r.operation(), r.path(), r.setup_intent_id(), r.payment_intent_id());
        let r = api.refresh_setup_intent_secret(&si).unwrap();
        check(r.operation(), r.path(), r.setup_intent_id(), r.payment_intent_id());
        assert_eq!(Intent::named_by(Operation::CreateSetupIntent, "/setup-intents"), None);
        assert_eq!(Intent::named_by(Operation::ChargePaymentIntent, "/payment-intents/bad id/charge"), None);
    }

    #[test]
    fn map_moves_the_answer_and_the_key() {
        let e: ClientError<u16, (), ()> = ClientError::OutcomeUnknown(OutcomeUnknown::new(
            &subject(Operation::RefundPaymentIntent, Some("k")),
            |_| (),
            1,
            Cause::ServerError(502),
        ));
        let body = br#"{"traceId":"t-1"}"#;
        let mapped: E<'_> = e.map(|status| ApiError::from_response(status, body), |()| "k");
        let u = mapped.outcome_unknown().unwrap();
        assert!(matches!(u.cause, Cause::ServerError(a) if a.trace_id().is_some()));
        assert_eq!(u.idempotency_key, Some("k"));
    }
}
