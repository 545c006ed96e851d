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

    /// A request body's value that breaks the API's rules, keyed by its JSON path. dojo-core
    /// names the field; the nesting of those that are not top-level is known here.
    pub(crate) fn validation(e: ValidationError) -> Self {
        let path = match e.field {
            "limit" => "$.cursor.limit".to_owned(),
            f => format!("$.{f}"),
        };
        ApiError::field(&path, e.to_string())
    }

    /// As [`validation`](ApiError::validation), in a body whose `amount`, `tipsAmount` and
    /// `intendedAmount` are `Money` objects: their rule is on `value`.
    pub(crate) fn money_validation(e: ValidationError) -> Self {
        match e.field {
            "amount" | "tipsAmount" | "intendedAmount" => {
                ApiError::field(&format!("$.{}.value", e.field), e.to_string())
            }
            _ => ApiError::validation(e),
        }
    }

    /// A body that did not decode, its `errors` key the JSON path of the failing value as
    /// ASP.NET writes it (`$.intendedAmount.value`; `$` for the body as a whole, e.g.
    /// empty; `$.parent.field` for a missing field).
    pub(crate) fn decode(e: DecodeError, body: &[u8]) -> Self {
        let field = e.field.unwrap_or("$");
        let message = match e.kind {
            DecodeErrorKind::Empty => "A non-empty request body is required.".to_owned(),
            DecodeErrorKind::MissingField => format!("The {field} field is required."),
            _ => format!("The JSON value could not be converted ({:?} at byte {}).", e.kind, e.offset),
        };
        let key = match e.kind {
            DecodeErrorKind::Empty => "$".to_owned(),
            DecodeErrorKind::MissingField => {
                // The decoder reports the object's start: scan into it.
                let at = if body.get(e.offset) == Some(&b'{') { e.offset + 1 } else { e.offset };
                let mut frames = path_at(body, at);
                // The offset is inside the object that lacks the field: name the field there.
                if let Some(Frame::Obj(k)) = frames.last_mut() {
                    *k = Some(field.to_owned());
                } else {
                    frames.push(Frame::Obj(Some(field.to_owned())));
                }
                render(&frames)
            }
            _ => render(&path_at(body, e.offset)),
        };
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

/// One level of a JSON path: an object's member (its key, once read) or an array's item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    Obj(Option<String>),
    Arr(usize),
}

/// The path of the value being read at byte `offset` of `body`, by a scan of the JSON up to
/// there (the body is not trusted to be valid: the scan stops at its end).
pub(crate) fn path_at(body: &[u8], offset: usize) -> Vec<Frame> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut expecting_key = false;
    let mut i = 0;
    let end = offset.min(body.len());
    while i < end {
        match body.get(i).copied().unwrap_or(b' ') {
            b'{' => {
                stack.push(Frame::Obj(None));
                expecting_key = true;
            }
            b'[' => {
                stack.push(Frame::Arr(0));
                expecting_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expecting_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Arr(n)) => *n += 1,
                Some(Frame::Obj(k)) => {
                    *k = None;
                    expecting_key = true;
                }
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < body.len() {
                    match body.get(j).copied().unwrap_or(b'"') {
                        b'\\' => j += 2,
                        b'"' => break,
                        _ => j += 1,
                    }
                }
                if expecting_key && let Some(Frame::Obj(k)) = stack.last_mut() {
                    let raw = body.get(start..j.min(body.len())).unwrap_or(&[]);
                    *k = Some(String::from_utf8_lossy(raw).into_owned());
                    expecting_key = false;
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    stack
}

/// `$`, `$.a.b`, `$.items[2].name`.
pub(crate) fn render(frames: &[Frame]) -> String {
    let mut out = String::from("$");
    for f in frames {
        match f {
            Frame::Obj(Some(k)) => {
                out.push('.');
                out.push_str(k);
            }
            Frame::Obj(None) => break,
            Frame::Arr(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use dojo_core::json::from_slice;
    use dojo_core::request::CreateSetupIntentRequest;

    use super::*;

    fn key_of(body: &str) -> String {
        let e = from_slice::<CreateSetupIntentRequest<'_>>(body.as_bytes()).unwrap_err();
        let api = ApiError::decode(e, body.as_bytes());
        api.errors.unwrap().keys().next().unwrap().clone()
    }

    #[test]
    fn decode_errors_are_keyed_by_their_full_path() {
        let base = r#""reference":"r","terms":"t","merchantInitiatedTransactionType":"NoShow""#;
        assert_eq!(
            key_of(&format!(r#"{{{base},"intendedAmount":{{"value":"x1","currencyCode":"GBP"}}}}"#)),
            "$.intendedAmount.value"
        );
        assert_eq!(key_of(&format!(r#"{{{base},"intendedAmount":{{"value":1}}}}"#)), "$.intendedAmount.currencyCode");
        assert_eq!(key_of(r#"{"reference":"r","terms":"t"}"#), "$.merchantInitiatedTransactionType");
        assert_eq!(key_of(&format!(r#"{{{base},"paymentMethods":["Card",7]}}"#)), "$.paymentMethods[1]");
        assert_eq!(key_of(""), "$");
        assert_eq!(key_of("{"), "$");
    }
}
