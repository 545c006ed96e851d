//! Error answers: ProblemDetails with `type`, `title`, `status`, `traceId`, and an
//! `errors` map for validation failures, as ASP.NET writes them.

use std::collections::BTreeMap;

use dojo_core::ValidationError;
use dojo_core::json::{DecodeError, DecodeErrorKind};
use serde::Serialize;

/// An error answer before it gets its trace id.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) detail: Option<String>,
    pub(crate) errors: Option<BTreeMap<String, Vec<String>>>,
    /// The `Allow` header of a 405.
    pub(crate) allow: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: u16, detail: impl Into<String>) -> Self {
        ApiError { status, detail: Some(detail.into()), errors: None, allow: None }
    }

    /// 400 with one field error.
    pub(crate) fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        ApiError { status: 400, detail: None, errors: Some(errors), allow: None }
    }

    pub(crate) fn not_found(what: &str, id: &str) -> Self {
        ApiError::new(404, format!("{what} {id} was not found"))
    }

    pub(crate) fn conflict(detail: impl Into<String>) -> Self {
        ApiError::new(409, detail)
    }

    pub(crate) fn validation(e: ValidationError) -> Self {
        ApiError::field(e.field, e.to_string())
    }

    pub(crate) fn decode(e: DecodeError) -> Self {
        let field = e.field.unwrap_or("$");
        let message = match e.kind {
            DecodeErrorKind::Empty => "A non-empty request body is required.".to_owned(),
            DecodeErrorKind::MissingField => format!("The {field} field is required."),
            _ => format!("The JSON value could not be converted ({:?} at byte {}).", e.kind, e.offset),
        };
        let key = if e.kind == DecodeErrorKind::MissingField { field.to_owned() } else { format!("$.{field}") };
        ApiError::field(&key, message)
    }

    /// The ProblemDetails body (`traceId` given by the caller).
    pub(crate) fn body(&self, trace_id: &str) -> ProblemBody<'_> {
        let (kind, title) = describe(self.status);
        let title = if self.errors.is_some() { "One or more validation errors occurred." } else { title };
        ProblemBody {
            r#type: kind,
            title,
            status: self.status,
            detail: self.detail.as_deref(),
            errors: self.errors.as_ref(),
            trace_id: trace_id.to_owned(),
        }
    }
}

/// The ProblemDetails as written.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProblemBody<'a> {
    r#type: &'static str,
    title: &'static str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a BTreeMap<String, Vec<String>>>,
    trace_id: String,
}

/// The `type` URI and `title` ASP.NET uses for a status.
fn describe(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad Request"),
        401 => ("https://tools.ietf.org/html/rfc9110#section-15.5.2", "Unauthorized"),
        403 => ("https://tools.ietf.org/html/rfc9110#section-15.5.4", "Forbidden"),
        404 => ("https://tools.ietf.org/html/rfc9110#section-15.5.5", "Not Found"),
        405 => ("https://tools.ietf.org/html/rfc9110#section-15.5.6", "Method Not Allowed"),
        408 => ("https://tools.ietf.org/html/rfc9110#section-15.5.9", "Request Timeout"),
        409 => ("https://tools.ietf.org/html/rfc9110#section-15.5.10", "Conflict"),
        413 => ("https://tools.ietf.org/html/rfc9110#section-15.5.14", "Content Too Large"),
        415 => ("https://tools.ietf.org/html/rfc9110#section-15.5.16", "Unsupported Media Type"),
        429 => ("https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"),
        500 => {
            ("https://tools.ietf.org/html/rfc9110#section-15.6.1", "An error occurred while processing your request.")
        }
        502 => ("https://tools.ietf.org/html/rfc9110#section-15.6.3", "Bad Gateway"),
        503 => ("https://tools.ietf.org/html/rfc9110#section-15.6.4", "Service Unavailable"),
        504 => ("https://tools.ietf.org/html/rfc9110#section-15.6.5", "Gateway Timeout"),
        _ => ("about:blank", "Error"),
    }
}
