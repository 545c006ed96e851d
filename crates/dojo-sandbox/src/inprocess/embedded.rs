//! An `embedded_svc` HTTP client connection over an [`InProcess`] emulator.

use std::fmt;
use std::time::Duration;

use embedded_svc::http::client::Connection;
use embedded_svc::http::{Headers, Method, Status};
use embedded_svc::io::{ErrorKind, ErrorType, Read, Write};

use super::{Delivered, InProcess, target_of};
use crate::message::Request;

/// Why an in-process connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InProcessError {
    /// The connection closed with no answer (a dropped request).
    Closed,
    /// No answer within [`InProcess::set_timeout`].
    TimedOut,
    /// Used out of order (e.g. a request started while another is being sent), which
    /// ESP-IDF's connection refuses too.
    Misuse(&'static str),
}

impl fmt::Display for InProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InProcessError::Closed => f.write_str("the connection closed with no answer"),
            InProcessError::TimedOut => f.write_str("no answer within the timeout"),
            InProcessError::Misuse(what) => write!(f, "connection misused: {what}"),
        }
    }
}

impl std::error::Error for InProcessError {}

impl embedded_svc::io::Error for InProcessError {
    fn kind(&self) -> ErrorKind {
        match self {
            InProcessError::Closed => ErrorKind::ConnectionReset,
            InProcessError::TimedOut => ErrorKind::TimedOut,
            InProcessError::Misuse(_) => ErrorKind::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Request,
    Response,
    Closed,
}

/// The status and headers of an answer (the headers half of
/// [`Connection::split`]).
#[derive(Debug, Default)]
pub struct AnswerHead {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Status for AnswerHead {
    fn status(&self) -> u16 {
        self.status
    }

    fn status_message(&self) -> Option<&str> {
        None
    }
}

impl Headers for AnswerHead {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The body of an answer, as it arrives (the reading half of [`Connection::split`]).
#[derive(Debug, Default)]
pub struct AnswerBody {
    bytes: Vec<u8>,
    /// How much of the body arrives before the connection closes.
    end: usize,
    read_at: usize,
}

impl ErrorType for AnswerBody {
    type Error = InProcessError;
}

impl Read for AnswerBody {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, InProcessError> {
        let available = self.bytes.get(self.read_at..self.end).unwrap_or(&[]);
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.read_at += n;
        Ok(n)
    }
}

/// An `embedded_svc` HTTP connection to an [`InProcess`] emulator, made by
/// [`InProcess::connector`]. It behaves like ESP-IDF's `EspHttpConnection` about its
/// phases (request, then response; a new request only from the response phase or a
/// fresh connection) and, after a drop, a timeout or a cut-short answer, stays closed.
#[derive(Debug)]
pub struct EmbeddedConnection {
    peer: InProcess,
    timeout: Option<Duration>,
    phase: Phase,
    request: Option<Request>,
    head: AnswerHead,
    body: AnswerBody,
    /// The answer was cut short: the connection is closed once it is read.
    cut: bool,
}

impl InProcess {
    /// A connection to this emulator (the clock and state are shared), with the
    /// timeout of [`InProcess::set_timeout`].
    pub fn connection(&self) -> EmbeddedConnection {
        EmbeddedConnection {
            timeout: self.timeout(),
            peer: self.clone(),
            phase: Phase::Idle,
            request: None,
            head: AnswerHead::default(),
            body: AnswerBody::default(),
            cut: false,
        }
    }

    /// A connector for `dojo_embedded_svc::Client::new`: a fresh connection each time.
    pub fn connector(&self) -> impl FnMut() -> Result<EmbeddedConnection, InProcessError> + use<> {
        let peer = self.clone();
        move || Ok(peer.connection())
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Delete => "DELETE",
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Options => "OPTIONS",
        _ => "UNSUPPORTED",
    }
}

impl ErrorType for EmbeddedConnection {
    type Error = InProcessError;
}

impl Status for EmbeddedConnection {
    fn status(&self) -> u16 {
        self.head.status
    }

    fn status_message(&self) -> Option<&str> {
        None
    }
}

impl Headers for EmbeddedConnection {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }
}

impl Write for EmbeddedConnection {
    fn write(&mut self, buf: &[u8]) -> Result<usize, InProcessError> {
        match (&mut self.request, self.phase) {
            (Some(request), Phase::Request) => {
                request.body.extend_from_slice(buf);
                Ok(buf.len())
            }
            _ => Err(InProcessError::Misuse("write outside the request phase")),
        }
    }

    fn flush(&mut self) -> Result<(), InProcessError> {
        Ok(())
    }
}

impl Read for EmbeddedConnection {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, InProcessError> {
        if self.phase != Phase::Response {
            return Err(InProcessError::Misuse("read outside the response phase"));
        }
        self.body.read(buf)
    }
}

impl Connection for EmbeddedConnection {
    type Headers = AnswerHead;
    type Read = AnswerBody;
    type RawConnectionError = InProcessError;
    type RawConnection = Self;

    fn initiate_request<'a>(
        &'a mut self,
        method: Method,
        uri: &'a str,
        headers: &'a [(&'a str, &'a str)],
    ) -> Result<(), InProcessError> {
        match self.phase {
            Phase::Idle | Phase::Response if !self.cut => {}
            Phase::Request => return Err(InProcessError::Misuse("a request is already being sent")),
            _ => return Err(InProcessError::Closed),
        }
        let mut request = Request::new(method_name(method), target_of(uri));
        for &(name, value) in headers {
            request = request.header(name, value);
        }
        self.request = Some(request);
        self.head = AnswerHead::default();
        self.body = AnswerBody::default();
        self.phase = Phase::Request;
        Ok(())
    }

    fn is_request_initiated(&self) -> bool {
        self.phase == Phase::Request
    }

    fn initiate_response(&mut self) -> Result<(), InProcessError> {
        let (Phase::Request, Some(request)) = (self.phase, self.request.take()) else {
            return Err(InProcessError::Misuse("no request to answer"));
        };
        let (response, end) = match self.peer.exchange(request, self.timeout) {
            Delivered::Answer(r) => {
                let len = r.body.len();
                (r, len)
            }
            Delivered::Truncated(r) => {
                let half = r.body.len() / 2;
                (r, half)
            }
            Delivered::Closed => {
                self.phase = Phase::Closed;
                return Err(InProcessError::Closed);
            }
            Delivered::TimedOut => {
                self.phase = Phase::Closed;
                return Err(InProcessError::TimedOut);
            }
        };
        self.cut = end < response.body.len();
        self.head = AnswerHead { status: response.status, headers: response.headers };
        self.body = AnswerBody { bytes: response.body, end, read_at: 0 };
        self.phase = Phase::Response;
        Ok(())
    }

    fn is_response_initiated(&self) -> bool {
        self.phase == Phase::Response
    }

    fn split(&mut self) -> (&Self::Headers, &mut Self::Read) {
        (&self.head, &mut self.body)
    }

    fn raw_connection(&mut self) -> Result<&mut Self::RawConnection, InProcessError> {
        Err(InProcessError::Misuse("no raw connection in process"))
    }
}
