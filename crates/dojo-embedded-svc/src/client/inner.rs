//! The client's answers and errors while the caller's buffer is still in use: an answer
//! is its status and length in the buffer ([`Raw`]), an error holds no borrow of it
//! ([`Inner`]), and [`publish`] makes the caller's [`Error`] once the exchange is over.

use dojo_core::client_error::{self, Answer, ClientError};
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

/// An error while the buffer is still in use: an answer is its status and length in the
/// buffer ([`Raw`]); [`publish`] makes the caller's [`Error`] of it once the exchange is
/// over. Nothing of it borrows the buffer, so loops can go on after it.
pub(crate) type Inner<E> = ClientError<Raw, E, &'static str>;

/// [`Cause`] while the buffer is in use.
pub(crate) type InnerCause<E> = client_error::Cause<Raw, E>;

impl Answer for Raw {
    fn status(&self) -> u16 {
        self.status
    }
}

impl From<ApiError<'static>> for Raw {
    /// dojo-core's request builders never answer: an [`ApiError`] of theirs (none today)
    /// keeps its status, without a body.
    fn from(e: ApiError<'static>) -> Self {
        Raw { status: e.status, len: 0, retry_after_ms: None, attempts: 1 }
    }
}

/// The caller's error of an [`Inner`] one: an answer in `buf` becomes an [`ApiError`]
/// borrowing it.
pub(crate) fn publish<E>(e: Inner<E>, buf: &[u8]) -> Error<'_, E> {
    e.map(|raw| ApiError::from_response(raw.status, buf.get(..raw.len).unwrap_or(&[])), |key| key)
}

impl core::fmt::Display for Raw {
    /// The answer's status (its body is read once the exchange is over: [`publish`]).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Dojo API answered {} ({} bytes)", self.status, self.len)
    }
}
