//! The client's answers and errors while the caller's buffer is still in use: an answer
//! is its status and length in the buffer ([`Raw`]), an error holds no borrow of it
//! ([`Inner`]), and [`publish`] makes the caller's [`Error`] once the exchange is over.

use dojo_core::client_error::{self, Cause, ClientError, OutcomeUnknown};
use dojo_core::problem::ApiError;

use crate::error::Error;

/// An answer read into the caller's buffer: its status, its length, its `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) len: usize,
    /// Its `Retry-After`, in ms (delta-seconds only: the client has no clock).
    pub(crate) retry_after_ms: Option<u32>,
    /// The attempts the exchange made (for an outcome-unknown report).
    pub(crate) attempts: u8,
}

impl Raw {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// An error while the buffer is still in use: dojo-core's error with an answer that does
/// not borrow it yet (its body empty; a 5xx answer's length is kept beside the error).
/// Nothing of it borrows the buffer, so loops can go on after it; [`publish`] makes the
/// caller's [`Error`] of it once the exchange is over, in place (the same enum, its
/// lifetimes shortened: no variant is moved into another type).
pub(crate) type Inner<E> = ClientError<ApiError<'static>, E, &'static str>;

/// [`Cause`](client_error::Cause) while the buffer is in use.
pub(crate) type InnerCause<E> = client_error::Cause<ApiError<'static>, E>;

/// The answer of a status, its body not borrowed yet ([`publish`] borrows it).
pub(crate) fn answer(status: u16) -> ApiError<'static> {
    ApiError::from_response(status, &[])
}

/// The caller's error of an [`Inner`] one: a 5xx answer of an outcome unknown (the only
/// answer an `Inner` holds) borrows its body, the first `answer_len` bytes of `buf`.
pub(crate) fn publish<E>(e: Inner<E>, buf: &[u8], answer_len: usize) -> Error<'_, E> {
    let mut e: Error<'_, E> = e;
    if let ClientError::OutcomeUnknown(OutcomeUnknown { cause: Cause::ServerError(answer), .. }) = &mut e {
        answer.body = buf.get(..answer_len).unwrap_or(&[]);
    }
    e
}

impl core::fmt::Display for Raw {
    /// The answer's status (its body is read once the exchange is over: [`publish`]).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Dojo API answered {} ({} bytes)", self.status, self.len)
    }
}
