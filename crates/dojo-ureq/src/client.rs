//! The blocking client: one ureq `Agent` with the key, the base URL, timeouts, the retry
//! and settle policies. Built by [`ClientBuilder`](crate::ClientBuilder) (`builder.rs`);
//! its exchanges are in `exchange.rs`, its operations in `operations.rs`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use dojo_core::charge::SettlePolicy;
use dojo_core::request::Api;

use crate::config::{RetryPolicy, Timeouts};
use crate::transport::Secret;

/// How the client waits: `std::thread::sleep` unless [`ClientBuilder::sleep`](crate::ClientBuilder::sleep) says
/// otherwise.
pub(crate) struct Sleep(pub(crate) Box<dyn Fn(Duration) + Send + Sync>);

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleep")
    }
}

impl Default for Sleep {
    fn default() -> Self {
        Sleep(Box::new(std::thread::sleep))
    }
}

pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    /// Waits between retries and settling steps.
    pub(crate) sleep: Sleep,
    /// The timeouts the agent was configured with (a call with others overrides them).
    pub(crate) agent_timeouts: Timeouts,
    /// The key, and the placeholder ureq is given instead (see `transport`).
    pub(crate) secret: Arc<Secret>,
    pub(crate) base_url: String,
    /// Made once, cloned per call (see `exchange.rs`): the placeholder as a header value,
    /// and the base URL's scheme and authority when it has no path of its own (each
    /// request's URI is then these and the request's path, without parsing the whole URL
    /// again).
    pub(crate) prebuilt: Prebuilt,
}

/// Parts of every request made once, when the client is built.
#[derive(Debug)]
pub(crate) struct Prebuilt {
    /// The `authorization` value ureq is given (the placeholder).
    pub(crate) authorization: Option<ureq::http::HeaderValue>,
    /// The base URL's scheme and authority, when its path is empty.
    pub(crate) origin: Option<(ureq::http::uri::Scheme, ureq::http::uri::Authority)>,
}

impl Prebuilt {
    pub(crate) fn new(base_url: &str, placeholder: &str) -> Prebuilt {
        let origin = base_url.parse::<ureq::http::Uri>().ok().and_then(|uri| {
            let bare = uri.path_and_query().is_none_or(|pq| pq.as_str() == "/" || pq.as_str().is_empty());
            let parts = uri.into_parts();
            match (bare, parts.scheme, parts.authority) {
                (true, Some(scheme), Some(authority)) => Some((scheme, authority)),
                _ => None,
            }
        });
        Prebuilt { authorization: ureq::http::HeaderValue::from_str(placeholder).ok(), origin }
    }
}

/// A blocking Dojo API client: one ureq [`Agent`](ureq::Agent) (rustls; connections
/// kept alive and reused), the key, the base URL, timeouts and the retry policy.
///
/// Cloning is cheap and shares the connection pool; [`with_timeouts`](Client::with_timeouts)
/// and [`with_retry`](Client::with_retry) make such a clone with other settings, for one
/// call or many:
///
/// ```no_run
/// # use std::time::Duration;
/// # fn f(client: &dojo_ureq::Client, id: &dojo_core::PaymentIntentId) -> Result<(), dojo_ureq::Error> {
/// let quick = client.with_timeouts(dojo_ureq::Timeouts { connect: Duration::from_secs(1), call: Duration::from_secs(3) });
/// let pi = quick.get_payment_intent(id, false)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) settle: SettlePolicy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("key", self.inner.secret.key())
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("settle", &self.settle)
            .finish()
    }
}

impl Client {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The ureq `Agent` (and so the connection pool) this client sends with, for requests
    /// dojo-core does not model (with [`authorization_placeholder`](Client::authorization_placeholder)
    /// as the `Authorization` value). It is configured not to turn error statuses into
    /// errors and not to follow redirects, and connects through this crate's connector
    /// (which swaps the key in) and resolver (no thread for an IP literal).
    pub fn agent(&self) -> &ureq::Agent {
        &self.inner.agent
    }

    /// The `Authorization` value to send with [`agent`](Client::agent) for a request
    /// dojo-core does not model: `Basic ` and one `*` per character of the key. The
    /// client's transport puts the key in its place on the wire, only on connections to
    /// the base URL's origin, after ureq's TRACE wire dump (see the crate docs), so the
    /// key stays out of every log; a real key given to ureq is dumped like any header.
    pub fn authorization_placeholder(&self) -> &str {
        self.inner.secret.placeholder()
    }

    /// The key's environment (sandbox or production).
    pub fn environment(&self) -> dojo_core::Environment {
        self.inner.secret.key().environment()
    }

    /// The timeouts in force.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// A clone (sharing the connection pool) with other timeouts.
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Client {
        Client { timeouts, ..self.clone() }
    }

    /// A clone (sharing the connection pool) with another retry policy.
    pub fn with_retry(&self, retry: RetryPolicy) -> Client {
        Client { retry, ..self.clone() }
    }

    /// The settle policy of [`charge`](Client::charge) in force.
    pub fn settle_policy(&self) -> SettlePolicy {
        self.settle
    }

    /// A clone (sharing the connection pool) with another settle policy.
    pub fn with_settle_policy(&self, settle: SettlePolicy) -> Client {
        Client { settle, ..self.clone() }
    }

    /// Waits `ms` with the client's sleep ([`ClientBuilder::sleep`](crate::ClientBuilder::sleep)).
    pub(crate) fn pause(&self, ms: u32) {
        (self.inner.sleep.0)(Duration::from_millis(ms.into()));
    }

    pub(crate) fn api(&self) -> Api<'_> {
        Api::new(self.inner.secret.key())
    }

    /// The current time, as dojo-core's lifecycle wants it.
    pub fn now(&self) -> dojo_core::Timestamp {
        let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        dojo_core::Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}
