//! Timeouts, the retry policy and the base URL check.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::error::Error;

/// Timeouts of one call. Every call has both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connection setup (DNS, TCP and TLS). Default 5 s.
    pub connect: Duration,
    /// The whole exchange of one attempt, from connecting to the last byte of the
    /// response. Default 30 s.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(5), call: Duration::from_secs(30) }
    }
}

/// When and how often to retry.
///
/// Retries happen only when repeating cannot change the server's state twice: for reads
/// ([`Request::retry_safe`](dojo_core::request::Request::retry_safe)), for refunds (which
/// carry the same `idempotencyKey` on every attempt), and for any request that provably
/// never reached the server (connection refused, DNS failure, connect timeout). A read
/// is retried on transport failures, 429 and 5xx answers. The delay before attempt `n`
/// (`n` ≥ 1) is drawn uniformly from `0..=min(max_delay, base_delay·2ⁿ⁻¹)` ("full
/// jitter"), or is the server's `Retry-After` when it sent one (a `Retry-After` longer than
/// `max_retry_after` is not waited for: the error is returned with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying). Default 3.
    pub max_retries: u32,
    /// The first backoff's upper bound. Default 200 ms.
    pub base_delay: Duration,
    /// The largest backoff. Default 5 s.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured by waiting. Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_retries: 0,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_retry_after: Duration::ZERO,
    };

    /// The backoff before retry number `retry` (1-based): full jitter, `0..=cap`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let cap = self.backoff_cap(retry);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// The upper bound of the backoff before retry number `retry`:
    /// `min(max_delay, base_delay·2^(retry-1))`.
    pub fn backoff_cap(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Parses a `Retry-After` value: delay-seconds, or an HTTP date (the delay from now,
/// zero when past). `None` when unparseable.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Checks a base URL: `https://` to any host, or `http://` only to a loopback host
/// (127.0.0.0/8, `::1`, `localhost`). No query or fragment; one trailing `/` dropped.
pub fn check_base_url(url: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::Config(format!("base URL {url:?} {why}"));
    let uri: ureq::http::Uri = url.parse().map_err(|_| bad("is not a URL"))?;
    let host = uri.host().ok_or_else(|| bad("has no host"))?;
    if uri.query().is_some() || url.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if is_loopback(host) => {}
        Some("http") => {
            return Err(bad(
                "uses plain http:// to a host that is not loopback; use https:// (plain http is allowed only to \
                 127.0.0.0/8, ::1 and localhost, e.g. a local emulator)",
            ));
        }
        _ => return Err(bad("must start with https:// (or http:// to a loopback emulator)")),
    }
    Ok(url.strip_suffix('/').unwrap_or(url).to_owned())
}

/// Whether `url`'s host names this machine (see [`is_loopback`]).
pub fn is_loopback_url(url: &str) -> bool {
    url.parse::<ureq::http::Uri>().ok().and_then(|u| u.host().map(is_loopback)).unwrap_or(false)
}

/// Whether `host` (as in a URL, IPv6 in brackets) names this machine.
pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return v4.is_loopback();
    }
    let inner = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    inner.parse::<Ipv6Addr>().is_ok_and(|v6| v6.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(check_base_url("https://api.dojo.tech/").unwrap(), "https://api.dojo.tech");
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("http://127.3.4.5:1").is_ok());
        assert!(check_base_url("http://localhost:9").is_ok());
        assert!(check_base_url("http://[::1]:9").is_ok());
        for bad in [
            "http://api.dojo.tech",
            "http://10.0.0.1",
            "http://128.0.0.1",
            "http://[::2]:1",
            "ftp://127.0.0.1",
            "https://x?y=1",
            "api.dojo.tech",
            "",
        ] {
            assert!(matches!(check_base_url(bad), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_cap(1), Duration::from_millis(200));
        assert_eq!(p.backoff_cap(2), Duration::from_millis(400));
        assert_eq!(p.backoff_cap(5), Duration::from_millis(3200));
        assert_eq!(p.backoff_cap(6), Duration::from_secs(5));
        assert_eq!(p.backoff_cap(400), Duration::from_secs(5));
        for retry in 1..10 {
            assert!(p.backoff(retry) <= p.backoff_cap(retry));
        }
        assert_eq!(RetryPolicy::NONE.backoff(3), Duration::ZERO);
    }

    #[test]
    fn retry_after() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
