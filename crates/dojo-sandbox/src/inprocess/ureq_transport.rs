//! A ureq 3 transport over an [`InProcess`] emulator: ureq writes HTTP/1.1 bytes, the
//! transport parses the request, hands it to the emulator, and feeds back the answer's
//! bytes (or closes, or times out) as a TCP peer would. ureq's transport API is its
//! `unversioned` one: it may change in a minor ureq release.

use std::net::{Ipv4Addr, SocketAddr};

use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, Transport};

use super::{Delivered, InProcess};
use crate::message::{Request, Response};

/// The buffer sizes of a transport: the answer's headers fit its input buffer (the body
/// streams through it); allocated and zeroed per connection, so small.
const BUFFER_SIZE: usize = 16 * 1024;

/// A ureq [`Connector`] whose every connection is an [`UreqTransport`] to one
/// [`InProcess`] emulator (the host and port of the URL are ignored).
#[derive(Debug, Clone)]
pub struct UreqConnector {
    peer: InProcess,
}

impl InProcess {
    /// A ureq connector to this emulator, for `ureq::Agent::with_parts`.
    pub fn ureq_connector(&self) -> UreqConnector {
        UreqConnector { peer: self.clone() }
    }

    /// A ureq resolver for this emulator's connections: every host is `127.0.0.1`, with
    /// no lookup (ureq's default resolver starts a thread per lookup to bound its time).
    pub fn ureq_resolver(&self) -> UreqResolver {
        UreqResolver
    }

    /// A ureq agent with `config` whose every request goes to this emulator.
    pub fn ureq_agent(&self, config: ureq::config::Config) -> ureq::Agent {
        ureq::Agent::with_parts(config, self.ureq_connector(), UreqResolver)
    }
}

/// A ureq [`Resolver`] that resolves every host to `127.0.0.1` at once (the in-process
/// connections ignore the address).
#[derive(Debug, Clone, Copy, Default)]
pub struct UreqResolver;

impl Resolver for UreqResolver {
    fn resolve(&self, uri: &Uri, _: &ureq::config::Config, _: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let port = uri.port_u16().unwrap_or(80);
        let mut addrs = self.empty();
        addrs.push(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        Ok(addrs)
    }
}

impl Connector<()> for UreqConnector {
    type Out = UreqTransport;

    fn connect(&self, _: &ConnectionDetails, _: Option<()>) -> Result<Option<UreqTransport>, ureq::Error> {
        Ok(Some(UreqTransport {
            peer: self.peer.clone(),
            buffers: LazyBuffers::new(BUFFER_SIZE, BUFFER_SIZE),
            sent: Vec::new(),
            incoming: Vec::new(),
            at: 0,
            close_after: false,
            closed: false,
        }))
    }
}

/// One in-process connection, as ureq's [`Transport`].
#[derive(Debug)]
pub struct UreqTransport {
    peer: InProcess,
    buffers: LazyBuffers,
    /// Request bytes written and not yet handled.
    sent: Vec<u8>,
    /// Answer bytes not yet handed to ureq.
    incoming: Vec<u8>,
    at: usize,
    /// The connection closes once `incoming` is read (a cut-short answer).
    close_after: bool,
    closed: bool,
}

impl Transport for UreqTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
        if self.closed {
            return Err(ureq::Error::Io(std::io::ErrorKind::BrokenPipe.into()));
        }
        let out = self.buffers.output();
        self.sent.extend_from_slice(out.get(..amount).unwrap_or(out));
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let idle = self.at >= self.incoming.len() && !self.closed && !self.close_after;
        if idle && let Some((request, used)) = parse_request(&self.sent) {
            self.sent.drain(..used);
            let limit = (!timeout.after.is_not_happening()).then(|| *timeout.after);
            match self.peer.exchange(request, limit) {
                Delivered::Answer(r) => self.incoming = serialize(&r, r.body.len()),
                Delivered::Truncated(r) => {
                    self.incoming = serialize(&r, r.body.len() / 2);
                    self.close_after = true;
                }
                Delivered::Closed => self.closed = true,
                Delivered::TimedOut => {
                    self.closed = true;
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
            }
            self.at = 0;
        }
        let rest = self.incoming.get(self.at..).unwrap_or(&[]);
        if rest.is_empty() {
            if self.close_after {
                self.closed = true;
            }
            // End of stream: what a closed TCP connection reads.
            return Ok(false);
        }
        let dst = self.buffers.input_append_buf();
        let n = dst.len().min(rest.len());
        if let (Some(d), Some(s)) = (dst.get_mut(..n), rest.get(..n)) {
            d.copy_from_slice(s);
        }
        self.buffers.input_appended(n);
        self.at += n;
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        !self.closed && !self.close_after && self.at >= self.incoming.len()
    }
}

/// The answer's bytes, its body cut to `body_len`.
fn serialize(r: &Response, body_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + r.body.len());
    out.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status)).as_bytes());
    for (name, value) in &r.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(r.body.get(..body_len).unwrap_or(&r.body));
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A whole HTTP/1.1 request at the start of `bytes` (with a `Content-Length` body or a
/// chunked one) and the bytes it used; `None` while it is incomplete.
pub(crate) fn parse_request(bytes: &[u8]) -> Option<(Request, usize)> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(bytes.get(..head_end)?).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    let mut request = Request::new(method, target);
    let mut content_length = 0usize;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
        request = request.header(name, value);
    }
    let body_at = head_end + 4;
    let rest = bytes.get(body_at..)?;
    if chunked {
        let (body, used) = dechunk(rest)?;
        return Some((request.body(body), body_at + used));
    }
    let body = rest.get(..content_length)?;
    Some((request.body(body.to_vec()), body_at + content_length))
}

/// A chunked body: its bytes and how much of `bytes` it used; `None` while incomplete.
fn dechunk(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = at + bytes.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(bytes.get(at..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        at = line_end + 2;
        if size == 0 {
            // No trailers: the empty line ends it.
            bytes.get(at..at + 2).filter(|t| *t == b"\r\n")?;
            return Some((body, at + 2));
        }
        body.extend_from_slice(bytes.get(at..at + size)?);
        at += size + 2;
        bytes.get(..at)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_requests_only() {
        let raw = b"POST /payment-intents HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nabcdGET";
        assert!(parse_request(&raw[..raw.len() - 6]).is_none(), "body incomplete");
        let (r, used) = parse_request(raw).unwrap();
        assert_eq!(
            (r.method.as_str(), r.target.as_str(), r.body.as_slice()),
            ("POST", "/payment-intents", &b"abcd"[..])
        );
        assert_eq!(used, raw.len() - 3);
        let chunked = b"POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n";
        let (r, used) = parse_request(chunked).unwrap();
        assert_eq!((r.body.as_slice(), used), (&b"abcd"[..], chunked.len()));
        assert!(parse_request(&chunked[..chunked.len() - 2]).is_none());
    }
}
