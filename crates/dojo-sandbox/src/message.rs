//! A request and its answer as plain values: what the HTTP shell and the in-process
//! connections hand the emulator ([`Request`]), what it hands back ([`Response`]), and the
//! routes' answer before its headers are set ([`Reply`]). A leaf: it knows no state.

use crate::problem::ApiError;

/// A request, as the emulator reads it: the method, the request target (path and
/// query, e.g. `/payment-intents/pi_…?returnCanceled=true`), the headers in the order
/// received (names matched case-insensitively, the first of a repeated name wins) and
/// the body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// `GET`, `POST`, … (case-sensitive, as HTTP methods are).
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// Set by the HTTP shell when it did not read the body (too large, or unreadable):
    /// answered at the point the body would have been used.
    pub(crate) body_error: Option<ApiError>,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            body_error: None,
        }
    }

    /// Adds a header (after those already there).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The path (the target up to `?`).
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(p, _)| p)
    }

    /// The query (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The first header named `name` (case-insensitive), as bytes.
    pub fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    /// The first header named `name` as text: `Some(Err(()))` when it is there but holds
    /// other than visible ASCII, space and tab (as `http::HeaderValue::to_str` refuses).
    pub(crate) fn header_str(&self, name: &str) -> Option<Result<&str, ()>> {
        self.header_bytes(name).map(|v| {
            if v.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)) {
                std::str::from_utf8(v).map_err(|_| ())
            } else {
                Err(())
            }
        })
    }

    /// Whether a header named `name` is there.
    pub(crate) fn has_header(&self, name: &str) -> bool {
        self.header_bytes(name).is_some()
    }
}

/// An answer: status, headers in the order to send them (`content-type`,
/// `content-length` except on a 204, then any other), body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An answer before it has its headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn empty(status: u16) -> Self {
        Reply { status, content_type: "", body: Vec::new(), headers: Vec::new() }
    }

    pub(crate) fn into_response(self) -> Response {
        let mut headers: Vec<(String, String)> = Vec::with_capacity(2 + self.headers.len());
        if !self.content_type.is_empty() {
            headers.push(("content-type".into(), self.content_type.into()));
        }
        // A 204 carries no body and, by RFC 9110, no Content-Length.
        if self.status != 204 {
            headers.push(("content-length".into(), self.body.len().to_string()));
        }
        for (name, value) in self.headers {
            match headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some(slot) => slot.1 = value,
                None => headers.push((name.to_owned(), value)),
            }
        }
        Response { status: self.status, headers, body: self.body }
    }
}
