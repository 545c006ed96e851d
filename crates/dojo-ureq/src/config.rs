//! Timeouts, the retry policy and the base URL check.

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

/// When and how often to retry: dojo-core's one [`RetryPolicy`] (the kiosk adapter's
/// too), decided by its [`Exchange`](dojo_core::exchange::Exchange).
///
/// Retries happen only when repeating cannot change the server's state twice: reads,
/// refunds (the same `idempotencyKey` on every attempt), and any request that provably
/// never reached the server (connection refused, DNS failure, connect timeout); on
/// transport failures, 429 and 5xx answers. The delay before retry `n` (0-based) is drawn
/// uniformly from `0..=min(max_delay_ms, base_delay_ms·2ⁿ)` ("full jitter"), or the
/// server's `Retry-After` (seconds or an HTTP-date) when longer; a `Retry-After` beyond
/// `max_retry_after_ms` is not waited for (the error is returned with it). Default
/// ([`RetryPolicy::DEFAULT`]): 3 retries, ceilings 250 ms, 500 ms, 1 s, `Retry-After` up to
/// 30 s.
pub use dojo_core::exchange::RetryPolicy;

/// Checks a base URL with dojo-core's
/// [`check_base_url`](dojo_core::exchange::check_base_url) (the kiosk adapter's check
/// too): `https://` to any host, or `http://` only to a loopback host; no userinfo, query
/// or fragment; one trailing `/` dropped.
pub fn check_base_url(url: &str) -> Result<String, Error> {
    dojo_core::exchange::check_base_url(url)
        .map(str::to_owned)
        .map_err(|why| Error::Config(crate::ConfigError::BaseUrl(why)))
}

/// Whether `url` is one that plain `http://` may be used with: a loopback host (see
/// [`check_base_url`]).
pub fn is_loopback_url(url: &str) -> bool {
    let http = match url.split_once("://") {
        Some((_, rest)) => format!("http://{rest}"),
        None => return false,
    };
    dojo_core::exchange::check_base_url(&http).is_ok()
}

/// Whether `host` (as in a URL, IPv6 in brackets) names this machine (dojo-core's
/// [`is_loopback_host`](dojo_core::exchange::is_loopback_host)).
pub fn is_loopback(host: &str) -> bool {
    dojo_core::exchange::is_loopback_host(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_dojo_cores() {
        assert_eq!(check_base_url("https://api.dojo.tech/").unwrap(), "https://api.dojo.tech");
        assert!(check_base_url("http://127.1:8080").is_ok());
        let e = check_base_url("http://127.0.0.1:1@evil.example/").unwrap_err();
        assert!(e.to_string().contains("userinfo"), "{e}");
        assert!(matches!(e, Error::Config(crate::ConfigError::BaseUrl(_))), "{e}");
        assert!(matches!(check_base_url("http://api.dojo.tech"), Err(Error::Config(_))));
        assert!(is_loopback_url("http://[::1]:9"));
        assert!(is_loopback_url("https://localhost:9"));
        assert!(!is_loopback_url("http://127.0.0.1@evil.example"));
        assert!(!is_loopback_url("localhost"));
        assert!(is_loopback("127.0.0.1") && !is_loopback("10.0.0.1"));
    }
}
