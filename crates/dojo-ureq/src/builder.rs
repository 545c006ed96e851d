//! [`ClientBuilder`]: the key, the base URL, timeouts, policies, a transport and a sleep,
//! checked and made into a [`Client`].

use std::sync::Arc;
use std::time::Duration;

use dojo_core::ApiKey;
use dojo_core::charge::SettlePolicy;
use ureq::unversioned::transport::{Connector, DefaultConnector};

use crate::client::{Client, Inner, Prebuilt, Sleep};
use crate::config::{RetryPolicy, Timeouts, check_base_url};
use crate::error::Error;
use crate::transport::{Boxed, BoxedResolver, Boxing, KeyConnector, LiteralResolver, Origin, Secret};

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    pub(crate) key: ApiKey,
    base_url: String,
    timeouts: Timeouts,
    retry: RetryPolicy,
    settle: SettlePolicy,
    connector: Option<Boxed>,
    resolver: Option<BoxedResolver>,
    sleep: Sleep,
}

impl ClientBuilder {
    /// Waits with `sleep` instead of `std::thread::sleep`: between retries (the backoff's
    /// delays and a server's `Retry-After`) and between a charge's settling steps. A test
    /// or a fuzzer driving an in-process emulator passes a hook that advances the
    /// emulator's clock (e.g. dojo-sandbox's `InProcess::advance_clock`), so the real
    /// backoff runs without waiting; the settle horizon then counts the time waited
    /// through the hook.
    pub fn sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Sleep(Box::new(sleep));
        self
    }

    /// Connects through `connector` instead of ureq's default chain (TCP, then rustls for
    /// `https`): an in-process transport to an emulator, a socket with other options, a
    /// recording transport. The client puts its own last link after it, which swaps the
    /// API key in for the placeholder ureq is given (so the key is never in ureq's
    /// request or its TRACE wire dump; see the crate docs); `connector` sees the request
    /// with the key in it only as bytes passed to its transport's `transmit_output`, so it
    /// must not log them.
    ///
    /// ureq's `unversioned::transport` API does not follow semver (ureq's own caveat):
    /// a ureq upgrade may change it.
    pub fn connector<C: Connector<()>>(mut self, connector: C) -> Self {
        self.connector = Some(Boxed(Box::new(connector.chain(Boxing))));
        self
    }

    /// Talks to `base_url` instead of `https://api.dojo.tech` (e.g. a local emulator).
    /// Plain `http://` is accepted only to loopback hosts.
    pub fn base_url(mut self, base_url: &str) -> Self {
        base_url.clone_into(&mut self.base_url);
        self
    }

    /// The default timeouts of every call.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How a charge settles after a lost answer (see [`Client::charge`]).
    pub fn settle(mut self, settle: SettlePolicy) -> Self {
        self.settle = settle;
        self
    }

    /// Sends through `connector`, resolving hosts with `resolver`, instead of TCP and
    /// rustls: e.g. dojo-sandbox's in-process emulator, `InProcess::ureq_connector()` and
    /// `InProcess::ureq_resolver()`. As with [`connector`](Self::connector), the key is
    /// put into the request's bytes after `connector`'s transport (last in the chain), so
    /// that transport sees it only in `transmit_output`. ureq's `unversioned` API may
    /// change in a minor ureq release.
    pub fn transport(
        self,
        connector: impl Connector<()>,
        resolver: impl ureq::unversioned::resolver::Resolver,
    ) -> Self {
        let mut this = self.connector(connector);
        this.resolver = Some(BoxedResolver(Box::new(resolver)));
        this
    }

    /// Builds the client (checks the base URL).
    pub fn build(self) -> Result<Client, Error> {
        let base_url = check_base_url(&self.base_url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .https_only(false) // checked above: http only to loopback
            .timeout_connect(Some(self.timeouts.connect))
            .timeout_global(Some(self.timeouts.call))
            .build();
        let secret = Arc::new(Secret::new(self.key));
        let origin = base_url.parse::<ureq::http::Uri>().ok().as_ref().and_then(Origin::of);
        let last = KeyConnector { secret: secret.clone(), origin };
        let resolver = self.resolver.unwrap_or_else(|| BoxedResolver(Box::new(LiteralResolver::default())));
        let agent = match self.connector {
            None => ureq::Agent::with_parts(config, DefaultConnector::default().chain(last), resolver),
            Some(connector) => ureq::Agent::with_parts(config, connector.chain(last), resolver),
        };
        let prebuilt = Prebuilt::new(&base_url, secret.placeholder());
        Ok(Client {
            inner: Arc::new(Inner {
                agent,
                sleep: self.sleep,
                agent_timeouts: self.timeouts,
                secret,
                base_url,
                prebuilt,
            }),
            timeouts: self.timeouts,
            retry: self.retry,
            settle: self.settle,
        })
    }
}

impl Client {
    /// A client with the defaults, using `key`.
    pub fn new(key: ApiKey) -> Result<Client, Error> {
        Client::builder(key).build()
    }

    /// A builder for a client using `key`, talking to `https://api.dojo.tech`.
    pub fn builder(key: ApiKey) -> ClientBuilder {
        ClientBuilder {
            key,
            base_url: dojo_core::request::DEFAULT_BASE_URL.to_owned(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            settle: SettlePolicy::default(),
            connector: None,
            resolver: None,
            sleep: Sleep::default(),
        }
    }
}
