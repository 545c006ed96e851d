//! A scripted `Connection`: each exchange takes the next scripted reply, records the
//! request it saw, and behaves like ESP-IDF's `EspHttpConnection` about its phases
//! (starting a request mid-request panics).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use dojo_embedded_svc::embedded_svc::http::client::Connection;
use dojo_embedded_svc::embedded_svc::http::{Headers, Method, Status};
use dojo_embedded_svc::embedded_svc::io::{ErrorKind, ErrorType, Read, Write};

/// The mock's I/O error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockError(pub &'static str);

impl core::fmt::Display for MockError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}
impl core::error::Error for MockError {}
impl dojo_embedded_svc::embedded_svc::io::Error for MockError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

/// What the "server" does with one exchange.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The connector itself fails.
    ConnectFails,
    /// `initiate_request` fails (refused, DNS, TLS).
    InitiateFails,
    /// Writing the body fails.
    WriteFails,
    /// The request goes out; waiting for the answer fails (dropped after commit).
    ResponseFails,
    /// An answer: status, headers, body; `cut` ends the body early (as if the peer closed)
    /// with `Some(n)` bytes, or fails reading after them with `Err`.
    Answer { status: u16, headers: Vec<(String, String)>, body: Vec<u8>, cut: Option<(usize, bool)> },
}

impl Reply {
    /// A JSON answer with its Content-Length.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Answer {
            status,
            headers: vec![("Content-Length".into(), body.len().to_string())],
            body: body.as_bytes().to_vec(),
            cut: None,
        }
    }

    /// An answer with no Content-Length (read to the end).
    pub fn unsized_json(status: u16, body: &str) -> Reply {
        Reply::Answer { status, headers: vec![], body: body.as_bytes().to_vec(), cut: None }
    }

    /// A JSON answer announcing its full length but cut after half its body.
    pub fn truncated(status: u16, body: &str) -> Reply {
        let mut r = Reply::json(status, body);
        if let Reply::Answer { cut, .. } = &mut r {
            *cut = Some((body.len() / 2, false));
        }
        r
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Answer { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// A request as the connection saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub struct State {
    pub replies: VecDeque<Reply>,
    pub seen: Vec<Seen>,
    pub connections: usize,
}

/// The script shared by the connector and its connections.
#[derive(Clone, Default)]
pub struct Script(pub Rc<RefCell<State>>);

impl Script {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Script {
        let s = Script::default();
        s.0.borrow_mut().replies.extend(replies);
        s
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.0.borrow().seen.clone()
    }

    pub fn remaining(&self) -> usize {
        self.0.borrow().replies.len()
    }

    pub fn connections(&self) -> usize {
        self.0.borrow().connections
    }

    /// A connector for `Client::new`.
    pub fn connector(&self) -> impl FnMut() -> Result<MockConnection, MockError> + use<> {
        let script = self.clone();
        move || {
            let fails = matches!(script.0.borrow().replies.front(), Some(Reply::ConnectFails));
            if fails {
                script.0.borrow_mut().replies.pop_front();
                return Err(MockError("connect refused"));
            }
            script.0.borrow_mut().connections += 1;
            Ok(MockConnection { script: script.clone(), phase: Phase::New, current: None, read_at: 0 })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    New,
    Request,
    Response,
}

pub struct MockConnection {
    script: Script,
    phase: Phase,
    current: Option<Reply>,
    read_at: usize,
}

impl ErrorType for MockConnection {
    type Error = MockError;
}

impl Status for MockConnection {
    fn status(&self) -> u16 {
        assert_eq!(self.phase, Phase::Response, "status outside the response phase");
        match &self.current {
            Some(Reply::Answer { status, .. }) => *status,
            _ => unreachable!(),
        }
    }
    fn status_message(&self) -> Option<&str> {
        None
    }
}

impl Headers for MockConnection {
    fn header(&self, name: &str) -> Option<&str> {
        assert_eq!(self.phase, Phase::Response, "header outside the response phase");
        match &self.current {
            Some(Reply::Answer { headers, .. }) => {
                headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
            }
            _ => None,
        }
    }
}

impl Write for MockConnection {
    fn write(&mut self, buf: &[u8]) -> Result<usize, MockError> {
        assert_eq!(self.phase, Phase::Request, "write outside the request phase");
        if matches!(self.current, Some(Reply::WriteFails)) {
            return Err(MockError("broken pipe"));
        }
        let mut st = self.script.0.borrow_mut();
        let seen = st.seen.last_mut().expect("a request");
        // Accept at most 7 bytes per call, to exercise the write loop.
        let n = buf.len().min(7);
        seen.body.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), MockError> {
        Ok(())
    }
}

impl Read for MockConnection {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, MockError> {
        assert_eq!(self.phase, Phase::Response, "read outside the response phase");
        let Some(Reply::Answer { body, cut, .. }) = &self.current else { unreachable!() };
        let end = match cut {
            Some((n, _)) => (*n).min(body.len()),
            None => body.len(),
        };
        if self.read_at >= end {
            return match cut {
                Some((_, true)) => Err(MockError("connection reset")),
                _ => Ok(0),
            };
        }
        // Deliver at most 100 bytes per call, to exercise the read loop.
        let n = buf.len().min(end - self.read_at).min(100);
        buf[..n].copy_from_slice(&body[self.read_at..self.read_at + n]);
        self.read_at += n;
        Ok(n)
    }
}

impl Connection for MockConnection {
    type Headers = Self;
    type Read = Self;
    type RawConnectionError = MockError;
    type RawConnection = Self;

    fn initiate_request<'a>(
        &'a mut self,
        method: Method,
        uri: &'a str,
        headers: &'a [(&'a str, &'a str)],
    ) -> Result<(), MockError> {
        // Like EspHttpConnection: only from New or Response.
        assert!(self.phase != Phase::Request, "connection is not in initial phase");
        let reply = self.script.0.borrow_mut().replies.pop_front().expect("a scripted reply for every request");
        self.script.0.borrow_mut().seen.push(Seen {
            method,
            uri: uri.to_string(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: Vec::new(),
        });
        if matches!(reply, Reply::InitiateFails) {
            return Err(MockError("connection refused"));
        }
        self.current = Some(reply);
        self.read_at = 0;
        self.phase = Phase::Request;
        Ok(())
    }

    fn is_request_initiated(&self) -> bool {
        self.phase == Phase::Request
    }

    fn initiate_response(&mut self) -> Result<(), MockError> {
        assert_eq!(self.phase, Phase::Request, "connection is not in request phase");
        if matches!(self.current, Some(Reply::ResponseFails)) {
            // Stays in the request phase, as EspHttpConnection does.
            return Err(MockError("connection closed before the answer"));
        }
        self.phase = Phase::Response;
        Ok(())
    }

    fn is_response_initiated(&self) -> bool {
        self.phase == Phase::Response
    }

    fn split(&mut self) -> (&Self::Headers, &mut Self::Read) {
        unimplemented!("not used by the adapter")
    }

    fn raw_connection(&mut self) -> Result<&mut Self::RawConnection, MockError> {
        Err(MockError("no raw connection"))
    }
}
