//! ProblemDetails and API errors. (being written)
use core::fmt;

/// The server's problem details.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProblemDetails<'a> {
    /// placeholder
    pub title: Option<crate::json::Text<'a>>,
}

/// The kind of API error, by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400
    Validation,
}

/// An error answer from the server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiError<'a> {
    /// HTTP status.
    pub status: u16,
    /// Kind.
    pub kind: ApiErrorKind,
    /// Problem details.
    pub problem: Option<ProblemDetails<'a>>,
}

impl fmt::Display for ApiError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

impl<'a> ApiError<'a> {
    /// Builds the error for a non-2xx response.
    pub fn from_response(status: u16, _body: &'a [u8]) -> Self {
        ApiError { status, kind: ApiErrorKind::Validation, problem: None }
    }
}
