//! Answers into what the caller keeps: decoding with dojo-core (an undecodable 2xx answer
//! to a non-idempotent request is an outcome unknown), and why a multi-step operation
//! stopped without borrowing the buffer.

use dojo_core::client_error::{self, ClientError, Intent, OutcomeUnknown};
use dojo_core::exchange::{Exchange, Next, Subject};
use dojo_core::request::{Operation, Request};
use dojo_core::response::ResponseKind;

use super::inner::Raw;
use super::inner::{Inner, InnerCause, answer, publish};
use crate::error::Error;
use crate::retry::RetryPolicy;

/// Why a multi-step operation stopped, without borrowing the buffer: an owned error, or
/// a non-2xx answer still in the buffer (turned into an [`Error::Core`] API error, with
/// its ProblemDetails, once the steps are over).
#[derive(Debug)]
pub(crate) enum Stop<E> {
    Failed(Inner<E>),
    Refused(Raw),
}

impl<E> Stop<E> {
    /// The caller's error: an answer's body borrowed from `buf` (a 5xx of an outcome
    /// unknown is its first `answer_len` bytes).
    pub(crate) fn into_error(self, buf: &[u8], answer_len: usize) -> Error<'_, E> {
        match self {
            Stop::Failed(e) => publish(e, buf, answer_len),
            Stop::Refused(raw) => {
                let body = buf.get(..raw.len).unwrap_or(&[]);
                ClientError::Api(dojo_core::problem::ApiError::from_response(raw.status, body))
            }
        }
    }
}

/// A step of a multi-step operation stopped; why (a [`Stop`]) is in the slot it was
/// made with (the client's), taken once the steps are over. A word, not the ~100-byte
/// error: every `?` between the steps moves only this. Made only by [`Stopped::at`], so
/// a `Stopped` always has its reason in the slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopped(());

impl Stopped {
    /// Keeps `stop` in `slot`.
    #[inline(never)]
    pub(crate) fn at<E>(slot: &mut Option<Stop<E>>, stop: Stop<E>) -> Stopped {
        *slot = Some(stop);
        Stopped(())
    }
}

/// A 2xx answer read into the buffer, and the operation it answers; the request itself
/// (a few hundred bytes) is gone from the stack before the answer is decoded. Made only
/// once the status is known to be 2xx ([`Client::fetch`](super::Client::fetch) refuses
/// the others).
pub(crate) struct Fetched {
    pub(crate) raw: Raw,
    pub(crate) operation: Operation,
}

/// Decodes a 2xx answer in `buf` and hands the model to `f`, which keeps what the
/// caller needs: the model (a summary, or the charge's answer) is borrowed where it was
/// decoded, and a failure does not borrow `buf` (an undecodable answer to a
/// non-idempotent request is an outcome unknown). Left to the compiler: one instance
/// per closure, each with one caller, is smaller inlined (the decoders themselves and
/// `undecodable` stay out of line).
pub(crate) fn decode_with<'b, R: ResponseKind, E, T>(
    fetched: Fetched,
    buf: &'b [u8],
    slot: &mut Option<Stop<E>>,
    f: impl FnOnce(&R::Output<'b>) -> T,
) -> Result<T, Stopped> {
    let Fetched { raw, operation } = fetched;
    let body = buf.get(..raw.len).unwrap_or(&[]);
    // The 2xx half of `Request::decode` (its other half, `ApiError::from_response`, is
    // `Stop::into_error`): called directly, it saves a copy of the model on the stack.
    // Borrowed in place: moving the model out of the `Result` would copy it.
    let decoded = R::decode_ok(body);
    match &decoded {
        Ok(output) => Ok(f(output)),
        &Err(e) => Err(undecodable(operation, e, slot)),
    }
}

/// Why an undecodable 2xx answer stops an operation: an outcome unknown when the
/// request is not retry-safe (it may have executed), else a decode error. Out of line:
/// one copy for every response kind.
#[inline(never)]
fn undecodable<E>(operation: Operation, e: dojo_core::json::DecodeError, slot: &mut Option<Stop<E>>) -> Stopped {
    let failed = if operation.retry_safe() {
        ClientError::Decode { operation: Some(operation), error: e }
    } else {
        // Names no intent: the flow that fetched it holds the ids.
        unknown(operation, "", 1, InnerCause::Undecodable(e))
    };
    Stopped::at(slot, Stop::Failed(failed))
}

/// Decodes an answer read into `buf` with dojo-core; an undecodable 2xx answer to a
/// non-idempotent request is an outcome unknown.
pub(crate) fn decode<'b, R: ResponseKind, E>(
    req: &Request<'_, R>,
    raw: Raw,
    buf: &'b [u8],
) -> Result<R::Output<'b>, Error<'b, E>> {
    let body = buf.get(..raw.len).unwrap_or(&[]);
    match req.decode(raw.status, body) {
        Ok(output) => Ok(output),
        Err(dojo_core::Error::Decode(error)) => {
            // dojo-core's exchange decides: a read's is a decode error, anything else's an
            // outcome unknown (it executed, unreadably), naming the request's subject.
            match Exchange::new(req, RetryPolicy::NONE).handle_undecodable() {
                // The key is named by the caller that has it (`refund_payment_intent`).
                Next::OutcomeUnknown(subject) => Err(ClientError::OutcomeUnknown(OutcomeUnknown::new(
                    &Subject { idempotency_key: None, ..subject },
                    |k| k,
                    raw.attempts,
                    client_error::Cause::Undecodable(error),
                ))),
                _ => Err(ClientError::Decode { operation: Some(req.operation()), error }),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The outcome-unknown report of the exchange of `operation` on `path` (and query: the
/// query is ignored): the intent the path names (the key is named by the caller that has it:
/// `refund_payment_intent`).
#[inline(never)]
pub(super) fn unknown<E>(operation: Operation, path: &str, attempts: u8, cause: InnerCause<E>) -> Inner<E> {
    // `Intent::named_by` reads the id up to the query's `?`.
    let subject = Subject { operation, setup_intent: None, payment_intent: None, idempotency_key: None };
    let mut unknown = OutcomeUnknown::new(&subject, |k| k, attempts, cause);
    unknown.intent = Intent::named_by(operation, path);
    ClientError::OutcomeUnknown(unknown)
}

/// Makes the failure kept in `slot` the outcome-unknown report of the exchange of
/// `operation` on `path`, in place (no error moved through a `Result`): its cause is
/// the 5xx answer of `server_error`'s status (its length kept by the caller), or the
/// failure's own (a lost or too-large answer).
pub(super) fn unknown_in<E>(
    slot: &mut Option<Stop<E>>,
    server_error: Option<u16>,
    operation: Operation,
    path: &str,
    attempts: u8,
) -> Stopped {
    let cause = match server_error {
        Some(status) => InnerCause::ServerError(answer(status)),
        None => match slot.take() {
            Some(Stop::Failed(ClientError::Transport(t))) => t.cause,
            Some(Stop::Failed(ClientError::ResponseTooLarge(r))) => InnerCause::TooLarge(r),
            // Nothing else is an outcome unknown: kept as it is.
            other => {
                *slot = other;
                return Stopped(());
            }
        },
    };
    Stopped::at(slot, Stop::Failed(unknown(operation, path, attempts, cause)))
}
