//! The key's last mile: ureq never sees the API key.
//!
//! ureq-proto dumps every request prelude it writes at `TRACE` (target
//! `ureq_proto::util`, hex rows with an ASCII column), headers included, and no option
//! turns that off. So the request ureq builds carries a **placeholder** in place of the key
//! (`authorization: Basic ****…`, as long as the real value), and this crate's connector
//! wraps every connection to the client's own origin in a [`KeyTransport`] that, when the
//! prelude is handed over for sending, puts the key in place of the stars, sends, and puts
//! the stars back. The swap happens after ureq-proto's dump (which runs while the prelude
//! is written) and before TLS; nothing between them logs. The key never enters ureq's
//! request, headers or logs, and does not stay in its buffers.
//!
//! The connector chain is `connector (ureq's default: TCP + rustls, or the caller's) →
//! KeyConnector`, so a caller's transport (an in-process emulator, say) slots in below
//! the key swap: see [`ClientBuilder::connector`](crate::ClientBuilder::connector).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use dojo_core::ApiKey;
use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// The name ureq-proto writes (header names are lowercase in `http`).
const LINE_START: &[u8] = b"\r\nauthorization: ";

/// The key and its placeholder, shared by the client and its connector.
pub(crate) struct Secret {
    key: ApiKey,
    /// `Basic ` and one `*` per byte of the key: the header value ureq is given.
    placeholder: String,
}

impl Secret {
    pub(crate) fn new(key: ApiKey) -> Secret {
        let real = key.authorization_header();
        let scheme = real.len().saturating_sub(key.expose_secret().len());
        let mut placeholder = String::with_capacity(real.len());
        placeholder.push_str(real.get(..scheme).unwrap_or("Basic "));
        placeholder.extend(std::iter::repeat_n('*', real.len().saturating_sub(placeholder.len())));
        Secret { key, placeholder }
    }

    pub(crate) fn key(&self) -> &ApiKey {
        &self.key
    }

    /// The `authorization` value handed to ureq.
    pub(crate) fn placeholder(&self) -> &str {
        &self.placeholder
    }

    /// Where the placeholder value starts in `out`: inside the header block (before the
    /// first blank line), on an `authorization` line holding exactly the placeholder.
    fn find(&self, out: &[u8]) -> Option<usize> {
        let value = self.placeholder.as_bytes();
        let mut from = 0;
        while let Some(cr) = out.get(from..).and_then(next_cr) {
            let at = from + cr;
            let rest = out.get(at..)?;
            if rest.starts_with(b"\r\n\r\n") {
                return None; // the end of the header block
            }
            if let Some(line) = rest.strip_prefix(LINE_START)
                && line.starts_with(value)
                && line.get(value.len()..value.len() + 2) == Some(b"\r\n")
            {
                return Some(at + LINE_START.len());
            }
            from = at + 1;
        }
        None
    }
}

/// The index of the first `\r` in `bytes`, eight bytes at a time (a prelude is a few
/// hundred bytes, scanned on every request): the lowest byte of a word equal to `\r` is
/// the lowest set bit of the zero-byte mask of the word XOR `\r`s (higher bits of that mask
/// may be false positives; the lowest is exact). The last few bytes go one by one.
fn next_cr(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const CRS: u64 = u64::from_le_bytes([b'\r'; 8]);
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ CRS;
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'\r').map(|n| at + n)
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret").field("key", &self.key).finish_non_exhaustive()
    }
}

/// The origin (scheme, host, port) the key may be sent to: the base URL's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Origin {
    pub(crate) fn of(uri: &Uri) -> Option<Origin> {
        let https = match uri.scheme_str()? {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Origin { https, host, port })
    }
}

/// The last connector of the chain: wraps every transport to the client's origin in a
/// [`KeyTransport`]; others pass through unchanged (boxed).
#[derive(Debug)]
pub(crate) struct KeyConnector {
    pub(crate) secret: Arc<Secret>,
    pub(crate) origin: Option<Origin>,
}

impl<In: Transport> Connector<In> for KeyConnector {
    type Out = KeyTransport;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<KeyTransport>, ureq::Error> {
        let ours = self.origin.is_some() && Origin::of(details.uri) == self.origin;
        Ok(chained.map(|inner| KeyTransport {
            inner: Box::new(inner),
            secret: if ours { Some(self.secret.clone()) } else { None },
        }))
    }
}

/// A transport that swaps the key in for its placeholder on the way out (see the module
/// docs), and forwards everything else.
pub(crate) struct KeyTransport {
    inner: Box<dyn Transport>,
    secret: Option<Arc<Secret>>,
}

impl fmt::Debug for KeyTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyTransport").field("inner", &self.inner).field("swaps_key", &self.secret.is_some()).finish()
    }
}

impl Transport for KeyTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let Some(secret) = &self.secret else {
            return self.inner.transmit_output(amount, timeout);
        };
        let at = secret.find(self.inner.buffers().output().get(..amount).unwrap_or(&[]));
        let Some(at) = at else {
            return self.inner.transmit_output(amount, timeout);
        };
        let real = secret.key.authorization_header().as_bytes();
        let span = at..at + real.len();
        if let Some(slot) = self.inner.buffers().output().get_mut(span.clone()) {
            slot.copy_from_slice(real);
        }
        let sent = self.inner.transmit_output(amount, timeout);
        // The key does not stay in ureq's buffer.
        if let Some(slot) = self.inner.buffers().output().get_mut(span) {
            slot.copy_from_slice(secret.placeholder.as_bytes());
        }
        sent
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// ureq's resolver, without its thread for a host that needs no lookup.
///
/// With a timeout set (the client always sets one), ureq's `DefaultResolver` resolves
/// on **every call**, pooled connection or not, in a new thread (so that a slow
/// `getaddrinfo` can be abandoned): a thread spawned and joined per request, which
/// `strace -c -f` shows as one `clone3` plus its `mmap`/`mprotect`/`madvise`/`munmap`,
/// `rt_sigprocmask`, `sigaltstack` and `futex` calls per call. An IP literal (a local
/// emulator, `http://127.0.0.1:8080`) needs no lookup: it is answered here, at once; a
/// name goes to ureq's resolver as before.
#[derive(Debug, Default)]
pub(crate) struct LiteralResolver(DefaultResolver);

impl Resolver for LiteralResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        match literal(uri) {
            Some(addr) if config.ip_family() == IpFamily::Any => {
                let mut addrs = self.empty();
                addrs.push(addr);
                Ok(addrs)
            }
            _ => self.0.resolve(uri, config, timeout),
        }
    }
}

/// The socket address of a URI whose host is an IP literal.
fn literal(uri: &Uri) -> Option<SocketAddr> {
    let port = match uri.scheme_str()? {
        "https" => uri.port_u16().unwrap_or(443),
        "http" => uri.port_u16().unwrap_or(80),
        _ => return None,
    };
    let host = uri.host()?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    Some(SocketAddr::new(host.parse::<IpAddr>().ok()?, port))
}

/// A resolver of the caller's ([`ClientBuilder::transport`](crate::ClientBuilder::transport))
/// or [`LiteralResolver`], behind one type.
pub(crate) struct BoxedResolver(pub(crate) Box<dyn Resolver>);

impl fmt::Debug for BoxedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Resolver for BoxedResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0.resolve(uri, config, timeout)
    }
}

/// A caller's connector with its transports boxed, so the chain has one type.
pub(crate) struct Boxed(pub(crate) Box<dyn Connector<(), Out = Box<dyn Transport>>>);

impl fmt::Debug for Boxed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Connector<()> for Boxed {
    type Out = Box<dyn Transport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<()>) -> Result<Option<Self::Out>, ureq::Error> {
        self.0.connect(details, chained)
    }
}

/// Boxes whatever transport the connector before it made.
#[derive(Debug)]
pub(crate) struct Boxing;

impl<In: Transport> Connector<In> for Boxing {
    type Out = Box<dyn Transport>;

    fn connect(&self, _: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|t| Box::new(t) as Box<dyn Transport>))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new(ApiKey::new("sk_sandbox_abcdef").unwrap())
    }

    #[test]
    fn the_placeholder_is_as_long_as_the_value_and_shows_nothing() {
        let s = secret();
        assert_eq!(s.placeholder(), "Basic *****************");
        assert_eq!(s.placeholder().len(), s.key().authorization_header().len());
    }

    #[test]
    fn finds_the_placeholder_line_only_in_the_header_block() {
        let s = secret();
        let head = format!("GET /x HTTP/1.1\r\nversion: 1\r\nauthorization: {}\r\nhost: a\r\n\r\n", s.placeholder());
        let at = s.find(head.as_bytes()).unwrap();
        assert_eq!(&head[at..at + s.placeholder().len()], s.placeholder());
        // After the blank line (a body), shorter or longer values, another header: no.
        let body = format!("GET /x HTTP/1.1\r\nhost: a\r\n\r\n\r\nauthorization: {}\r\n", s.placeholder());
        assert_eq!(s.find(body.as_bytes()), None);
        let longer = format!("GET /x HTTP/1.1\r\nauthorization: {}*\r\n\r\n", s.placeholder());
        assert_eq!(s.find(longer.as_bytes()), None);
        let other = format!("GET /x HTTP/1.1\r\nx-authorization: {}\r\n\r\n", s.placeholder());
        assert_eq!(s.find(other.as_bytes()), None);
        assert_eq!(s.find(b"GET /x HTTP/1.1\r\nauthorization: Basic sk_sandbox_abcdef\r\n\r\n"), None);
        assert_eq!(s.find(b""), None);
    }

    #[test]
    fn next_cr_finds_the_first_carriage_return_as_a_byte_scan_does() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            // Bytes near `\r` (0x0c, 0x0d, 0x0e, 0x8d) and a few others, to try the mask.
            let bytes: Vec<u8> =
                (0..len).map(|_| [b'\r', 0x0c, 0x0e, 0x8d, 0x00, 0xff, b'a', b'\n'][(next() % 8) as usize]).collect();
            assert_eq!(next_cr(&bytes), bytes.iter().position(|&b| b == b'\r'), "{bytes:?}");
        }
        assert_eq!(next_cr(b""), None);
        assert_eq!(next_cr(b"0123456789abcdef\r"), Some(16));
    }

    #[test]
    fn ip_literals_need_no_lookup_names_do() {
        let l = |s: &str| literal(&s.parse::<Uri>().unwrap());
        assert_eq!(l("http://127.0.0.1:8080/x"), Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(l("https://[::1]/x"), Some("[::1]:443".parse().unwrap()));
        assert_eq!(l("http://10.1.2.3"), Some("10.1.2.3:80".parse().unwrap()));
        assert_eq!(l("https://api.dojo.tech"), None);
        assert_eq!(l("http://localhost:8080"), None);
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let o = |s: &str| Origin::of(&s.parse::<Uri>().unwrap());
        assert_eq!(o("https://API.dojo.tech/x"), o("https://api.dojo.tech:443"));
        assert_ne!(o("http://api.dojo.tech"), o("https://api.dojo.tech"));
        assert_ne!(o("http://127.0.0.1:8080"), o("http://127.0.0.1:8081"));
        assert_eq!(o("http://[::1]:9/a"), o("http://[::1]:9"));
    }
}
