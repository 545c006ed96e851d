//! Error answers: RFC 7807 `ProblemDetails` and the [`ApiError`] made from any non-2xx
//! response.
//!
//! The spec's `ProblemDetails` schema has `type, title, status, detail, instance` and an
//! `extensions` object, but the server (ASP.NET) writes extensions as top-level members:
//! a validation failure carries `errors` (field → messages) and every problem a
//! `traceId`. Both are decoded; every other member is kept and can be read with
//! [`ProblemDetails::member`].

use core::fmt;

use serde::Deserialize;

use crate::json::{Entries, Items, RawJson, Text, from_slice};

/// A problem reported by the server (`ProblemDetails` / ASP.NET
/// `ValidationProblemDetails`). Every field is optional; decoding is lenient.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProblemDetails<'a> {
    /// A URI identifying the problem type.
    #[serde(borrow, rename = "type")]
    pub problem_type: Option<Text<'a>>,
    /// A short summary, e.g. `One or more validation errors occurred.`
    #[serde(borrow)]
    pub title: Option<Text<'a>>,
    /// The HTTP status the server meant.
    pub status: Option<i64>,
    /// A longer explanation.
    #[serde(borrow)]
    pub detail: Option<Text<'a>>,
    /// A URI for this occurrence.
    #[serde(borrow)]
    pub instance: Option<Text<'a>>,
    /// Validation errors: each field name with its messages.
    #[serde(borrow)]
    pub errors: Option<Entries<'a, Text<'a>, Items<'a, Text<'a>>>>,
    /// The server's trace id: quote it to Dojo support.
    #[serde(borrow)]
    pub trace_id: Option<Text<'a>>,
    /// The spec's `extensions` object, when the server sends one.
    #[serde(borrow)]
    pub extensions: Option<Entries<'a, Text<'a>, RawJson<'a>>>,
    #[serde(skip)]
    body: &'a [u8],
}

impl<'a> ProblemDetails<'a> {
    /// Decodes a ProblemDetails body.
    pub fn decode(body: &'a [u8]) -> Result<Self, crate::json::DecodeError> {
        let mut p: ProblemDetails<'a> = from_slice(body)?;
        p.body = body;
        Ok(p)
    }

    /// Any top-level member of the problem, as raw JSON, by name (e.g. an extension
    /// the server added that this version of dojo-core does not model).
    pub fn member(&self, name: &str) -> Option<RawJson<'a>> {
        let members: Entries<'a, Text<'a>, RawJson<'a>> = from_slice(self.body).ok()?;
        members.find(|k| *k == *name)
    }

    /// The messages for one field of a validation error (field names as the server
    /// writes them, e.g. `Reference` or `$.amount`).
    pub fn field_errors(&self, field: &str) -> Option<Items<'a, Text<'a>>> {
        self.errors?.find(|k| *k == *field)
    }
}

/// The broad kind of an error answer, by HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request failed validation; see [`ProblemDetails::errors`]. Fix the input.
    BadRequest,
    /// 401: the API key is missing, malformed or revoked.
    Unauthorized,
    /// 403: the key may not do this (Dojo also answers a charge of an unknown payment
    /// intent with 403).
    Forbidden,
    /// 404: no such intent (a canceled payment intent is hidden unless `returnCanceled`).
    NotFound,
    /// 405: the operation is not allowed in the intent's state.
    MethodNotAllowed,
    /// 409: conflicts with the intent's state (e.g. a second charge or capture).
    Conflict,
    /// 413, 415, 422 and other 4xx answers.
    OtherClientError,
    /// 429: slow down; retry after the `Retry-After` the adapter read.
    TooManyRequests,
    /// 5xx: the server failed. For a non-idempotent request the outcome is unknown.
    ServerError,
    /// A status outside 400–599 that is not success (1xx, 3xx).
    Unexpected,
}

impl ApiErrorKind {
    /// The kind for an HTTP status.
    pub const fn from_status(status: u16) -> Self {
        match status {
            400 => ApiErrorKind::BadRequest,
            401 => ApiErrorKind::Unauthorized,
            403 => ApiErrorKind::Forbidden,
            404 => ApiErrorKind::NotFound,
            405 => ApiErrorKind::MethodNotAllowed,
            409 => ApiErrorKind::Conflict,
            429 => ApiErrorKind::TooManyRequests,
            402..=499 => ApiErrorKind::OtherClientError,
            500..=599 => ApiErrorKind::ServerError,
            _ => ApiErrorKind::Unexpected,
        }
    }
}

/// An error answer from the server: its status, its kind and its raw body, from which
/// [`problem`](ApiError::problem) decodes the ProblemDetails on demand (an HTML page
/// from a proxy has none). Small (`status`, `kind` and a borrowed slice), so it is cheap
/// to return up a kiosk's small stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError<'a> {
    /// The HTTP status.
    pub status: u16,
    /// Its kind.
    pub kind: ApiErrorKind,
    /// The raw body.
    pub body: &'a [u8],
}

impl<'a> ApiError<'a> {
    /// Builds the error for a non-2xx response. Never fails.
    pub fn from_response(status: u16, body: &'a [u8]) -> Self {
        ApiError { status, kind: ApiErrorKind::from_status(status), body }
    }

    /// The ProblemDetails in the body, when it holds one.
    pub fn problem(&self) -> Option<ProblemDetails<'a>> {
        ProblemDetails::decode(self.body).ok()
    }

    /// The problem's title, if any.
    pub fn title(&self) -> Option<Text<'a>> {
        self.problem()?.title
    }

    /// The server's trace id, if any.
    pub fn trace_id(&self) -> Option<Text<'a>> {
        self.problem()?.trace_id
    }
}

impl fmt::Display for ApiError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dojo API answered {}", self.status)?;
        if let Some(p) = self.problem() {
            if let Some(title) = p.title {
                write!(f, ": {title}")?;
            }
            if let Some(detail) = p.detail {
                write!(f, " ({detail})")?;
            }
            if let Some(errors) = p.errors {
                for (field, messages) in errors.iter() {
                    write!(f, "; {field}:")?;
                    for m in messages.iter() {
                        write!(f, " {m}")?;
                    }
                }
            }
            if let Some(trace) = p.trace_id {
                write!(f, " [traceId {trace}]")?;
            }
        }
        let hint = match self.kind {
            ApiErrorKind::BadRequest => "fix the request's fields",
            ApiErrorKind::Unauthorized => "check the API key",
            ApiErrorKind::Forbidden => "check the key's permissions and the intent's id",
            ApiErrorKind::NotFound => "check the id (and the key's environment)",
            ApiErrorKind::MethodNotAllowed | ApiErrorKind::Conflict => "read the intent's current status",
            ApiErrorKind::TooManyRequests => "retry later",
            ApiErrorKind::ServerError => "retry reads; reconcile writes before retrying",
            ApiErrorKind::OtherClientError | ApiErrorKind::Unexpected => "check the request",
        };
        write!(f, " — {hint}")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ApiError<'_> {}
