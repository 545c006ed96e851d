//! A std `Connection` over `TcpStream` for host tests: plain HTTP/1.1 to a loopback
//! server, one TCP connection per request (`Connection: close`), bounded by timeouts.
//! Test code only: the adapter itself never sees std.

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use dojo_embedded_svc::embedded_svc::http::client::Connection;
use dojo_embedded_svc::embedded_svc::http::{Headers, Method, Status};
use dojo_embedded_svc::embedded_svc::io::{ErrorKind, ErrorType, Read, Write};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A std I/O error as an embedded-io error.
#[derive(Debug)]
pub struct HostError(pub std::io::Error);

impl core::fmt::Display for HostError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}
impl core::error::Error for HostError {}
impl dojo_embedded_svc::embedded_svc::io::Error for HostError {
    fn kind(&self) -> ErrorKind {
        match self.0.kind() {
            std::io::ErrorKind::ConnectionRefused => ErrorKind::ConnectionRefused,
            std::io::ErrorKind::ConnectionReset => ErrorKind::ConnectionReset,
            std::io::ErrorKind::ConnectionAborted => ErrorKind::ConnectionAborted,
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ErrorKind::TimedOut,
            std::io::ErrorKind::BrokenPipe => ErrorKind::BrokenPipe,
            std::io::ErrorKind::InvalidData => ErrorKind::InvalidData,
            _ => ErrorKind::Other,
        }
    }
}

fn err(kind: std::io::ErrorKind, msg: &str) -> HostError {
    HostError(std::io::Error::new(kind, msg.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    New,
    Request,
    Response,
}

/// The connection.
pub struct TcpConnection {
    addr: SocketAddr,
    phase: Phase,
    stream: Option<BufReader<TcpStream>>,
    status: u16,
    headers: Vec<(String, String)>,
    remaining: Option<u64>,
}

impl TcpConnection {
    /// A connection to `addr` (nothing is opened until a request starts).
    pub fn new(addr: SocketAddr) -> TcpConnection {
        TcpConnection { addr, phase: Phase::New, stream: None, status: 0, headers: Vec::new(), remaining: None }
    }

    fn stream(&mut self) -> Result<&mut BufReader<TcpStream>, HostError> {
        self.stream.as_mut().ok_or_else(|| err(std::io::ErrorKind::NotConnected, "not connected"))
    }
}

impl ErrorType for TcpConnection {
    type Error = HostError;
}

impl Status for TcpConnection {
    fn status(&self) -> u16 {
        assert_eq!(self.phase, Phase::Response);
        self.status
    }
    fn status_message(&self) -> Option<&str> {
        None
    }
}

impl Headers for TcpConnection {
    fn header(&self, name: &str) -> Option<&str> {
        assert_eq!(self.phase, Phase::Response);
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Write for TcpConnection {
    fn write(&mut self, buf: &[u8]) -> Result<usize, HostError> {
        assert_eq!(self.phase, Phase::Request);
        self.stream()?.get_mut().write(buf).map_err(HostError)
    }
    fn flush(&mut self) -> Result<(), HostError> {
        self.stream()?.get_mut().flush().map_err(HostError)
    }
}

impl Read for TcpConnection {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, HostError> {
        assert_eq!(self.phase, Phase::Response);
        let limit = match self.remaining {
            Some(0) => return Ok(0),
            Some(n) => buf.len().min(n as usize),
            None => buf.len(),
        };
        let n = self.stream()?.read(&mut buf[..limit]).map_err(HostError)?;
        if let Some(r) = &mut self.remaining {
            *r -= n as u64;
        }
        Ok(n)
    }
}

impl Connection for TcpConnection {
    type Headers = Self;
    type Read = Self;
    type RawConnectionError = HostError;
    type RawConnection = Self;

    fn initiate_request<'a>(
        &'a mut self,
        method: Method,
        uri: &'a str,
        headers: &'a [(&'a str, &'a str)],
    ) -> Result<(), HostError> {
        assert!(self.phase != Phase::Request, "connection is not in initial phase");
        let rest = uri.strip_prefix("http://").ok_or_else(|| err(std::io::ErrorKind::InvalidInput, "http only"))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let method = match method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            _ => return Err(err(std::io::ErrorKind::InvalidInput, "method")),
        };
        let stream = TcpStream::connect_timeout(&self.addr, TIMEOUT).map_err(HostError)?;
        stream.set_read_timeout(Some(TIMEOUT)).map_err(HostError)?;
        stream.set_write_timeout(Some(TIMEOUT)).map_err(HostError)?;
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
            if path.is_empty() { "/" } else { path }
        );
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut stream = BufReader::new(stream);
        stream.get_mut().write_all(head.as_bytes()).map_err(HostError)?;
        self.stream = Some(stream);
        self.phase = Phase::Request;
        Ok(())
    }

    fn is_request_initiated(&self) -> bool {
        self.phase == Phase::Request
    }

    fn initiate_response(&mut self) -> Result<(), HostError> {
        assert_eq!(self.phase, Phase::Request);
        let stream = self.stream()?;
        let mut line = String::new();
        if stream.read_line(&mut line).map_err(HostError)? == 0 {
            return Err(err(std::io::ErrorKind::ConnectionAborted, "closed before the answer"));
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| err(std::io::ErrorKind::InvalidData, "status line"))?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).map_err(HostError)? == 0 {
                return Err(err(std::io::ErrorKind::ConnectionAborted, "closed in the headers"));
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                headers.push((n.trim().to_string(), v.trim().to_string()));
            }
        }
        if headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("Transfer-Encoding") && v.contains("chunked")) {
            return Err(err(
                std::io::ErrorKind::Unsupported,
                "chunked answers are not supported by this test connection",
            ));
        }
        self.remaining = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, v)| v.parse::<u64>().ok());
        self.status = status;
        self.headers = headers;
        self.phase = Phase::Response;
        Ok(())
    }

    fn is_response_initiated(&self) -> bool {
        self.phase == Phase::Response
    }

    fn split(&mut self) -> (&Self::Headers, &mut Self::Read) {
        unimplemented!("not used by the adapter")
    }

    fn raw_connection(&mut self) -> Result<&mut Self::RawConnection, HostError> {
        Err(err(std::io::ErrorKind::Unsupported, "no raw connection"))
    }
}
