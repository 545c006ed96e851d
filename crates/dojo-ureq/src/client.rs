//! The blocking client: one ureq `Agent`, every dojo-core operation.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use dojo_core::error::BufferTooSmall;
use dojo_core::json::DecodeError;
use dojo_core::request::{
    Api, CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest, Method,
    Request, SearchPaymentIntentsRequest,
};
use dojo_core::response::{ResponseKind, kind};
use dojo_core::{ApiKey, PaymentIntentId, SetupIntentId};
use yoke::Yoke;

use crate::kept::Kept;

use dojo_core::charge::SettlePolicy;
use dojo_core::exchange::{Exchange, Next, TransportFailure, retry_after_ms};

use crate::config::{RetryPolicy, Timeouts, check_base_url};
use crate::error::{ApiError, Cause, ConfigError, Error, OutcomeUnknown, Phase, ResponseTooLarge, TransportError};
use crate::transport::{Boxed, BoxedResolver, Boxing, KeyConnector, LiteralResolver, Origin, Secret};
use ureq::unversioned::transport::{Connector, DefaultConnector};

/// The largest response body read (anything longer is an error, never truncated).
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// A decoded answer, owned: the response body, and [`get`](Response::get) to read the
/// model that borrows it (dojo-core decodes without copying strings, so the model's
/// lifetime is the body's).
///
/// The body is decoded once, when the answer arrives (to tell a good answer from an
/// undecodable one); the model is kept beside the body (a [`yoke`] self-referential
/// pair: see [`Kept`]) and `get` hands it out without decoding again.
///
/// ```no_run
/// # fn f(client: &dojo_ureq::Client, id: &dojo_core::SetupIntentId) -> Result<(), dojo_ureq::Error> {
/// let answer = client.get_setup_intent(id)?;
/// let si = answer.get();
/// println!("{} is {}", si.id, si.status);
/// # Ok(()) }
/// ```
pub struct Response<K: Kept> {
    status: u16,
    /// The body (the cart) and the model decoded from it. Boxed: a model is a few
    /// hundred bytes, and a `Response` moves through `Result`s.
    decoded: Box<KeptBody<K>>,
    attempts: u32,
}

impl<K: Kept> Response<K> {
    /// The decoded model, borrowing the body (a copy of the one decoded on arrival).
    pub fn get(&self) -> K::Output<'_> {
        match self.decoded.get() {
            Some(model) => K::unwrap(model),
            // `keep` makes a `Response` only of a body that decoded.
            None => unreachable!("a Response holds a body that decoded"),
        }
    }

    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The raw JSON body, as the server sent it.
    pub fn body(&self) -> &[u8] {
        self.decoded.backing_cart()
    }

    /// The raw JSON body.
    pub fn into_body(self) -> Vec<u8> {
        self.decoded.into_backing_cart()
    }

    /// How many attempts it took (1 when no retry was needed).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<K: Kept> std::fmt::Debug for Response<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body().len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A body and the model decoded from it (`None` only while `keep` finds it undecodable).
type KeptBody<K> = Yoke<Option<<K as Kept>::Model>, Vec<u8>>;

/// Decodes a 2xx body once, keeping the model with the body; an undecodable body comes
/// back with its error.
fn keep<K: Kept>(body: Vec<u8>) -> Result<Box<KeptBody<K>>, (DecodeError, Vec<u8>)> {
    let mut failed = None;
    let decoded = Yoke::<Option<K::Model>, Vec<u8>>::attach_to_cart(body, |b| match K::decode_ok(b) {
        Ok(model) => Some(K::wrap(model)),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    match failed {
        Some(e) => Err((e, decoded.into_backing_cart())),
        None => Ok(Box::new(decoded)),
    }
}

/// How the client waits: `std::thread::sleep` unless [`ClientBuilder::sleep`] says
/// otherwise.
pub(crate) struct Sleep(Box<dyn Fn(Duration) + Send + Sync>);

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

struct Inner {
    agent: ureq::Agent,
    /// Waits between retries and settling steps.
    sleep: Sleep,
    /// The timeouts the agent was configured with (a call with others overrides them).
    agent_timeouts: Timeouts,
    /// The key, and the placeholder ureq is given instead (see `transport`).
    secret: Arc<Secret>,
    base_url: String,
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
    inner: Arc<Inner>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    settle: SettlePolicy,
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

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    key: ApiKey,
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
        Ok(Client {
            inner: Arc::new(Inner { agent, sleep: self.sleep, agent_timeouts: self.timeouts, secret, base_url }),
            timeouts: self.timeouts,
            retry: self.retry,
            settle: self.settle,
        })
    }
}

/// How an attempt failed: dojo-core's classification and ureq's error, or an answer (of
/// this status, announcing this length) over [`MAX_RESPONSE_BYTES`].
enum Failed {
    Transport(TransportFailure, ureq::Error),
    TooLarge(u16, Option<u64>),
}

/// How one attempt failed, for dojo-core's exchange: never sent, sent, or unusable
/// (retrying cannot help: a bad URI, TLS refused).
fn classify(e: ureq::Error) -> Failed {
    use std::io::ErrorKind as K;
    use ureq::Error as E;
    let failure = match e {
        E::HostNotFound | E::ConnectionFailed | E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            TransportFailure::NotSent
        }
        E::Io(ref io)
            if matches!(
                io.kind(),
                K::ConnectionRefused | K::AddrNotAvailable | K::NetworkUnreachable | K::HostUnreachable
            ) =>
        {
            TransportFailure::NotSent
        }
        // Refused before anything is sent; retrying cannot help.
        E::Http(_)
        | E::BadUri(_)
        | E::RequireHttpsOnly(_)
        | E::InvalidProxyUrl
        | E::ConnectProxyFailed(_)
        | E::TlsRequired
        | E::Pem(_) => TransportFailure::Unusable,
        // Everything else (timeouts, I/O, protocol and TLS errors) may happen after the
        // request left: assume it did.
        _ => TransportFailure::Sent,
    };
    Failed::Transport(failure, e)
}

/// A `Retry-After` in ms as a `Duration`.
fn ms(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// Makes an idempotency key for a refund: `dojo-rs-` and 32 random hex digits from the
/// operating system's generator.
pub fn new_idempotency_key() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        log::error!("dojo: no randomness for an idempotency key: {e}");
        Error::Config(ConfigError::NoRandomness)
    })?;
    let mut key = String::with_capacity(8 + 32);
    key.push_str("dojo-rs-");
    for b in bytes {
        key.push_str(&format!("{b:02x}"));
    }
    Ok(key)
}

impl Client {
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

    /// A client with the defaults, using `key`.
    pub fn new(key: ApiKey) -> Result<Client, Error> {
        Client::builder(key).build()
    }

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

    /// Waits `ms` with the client's sleep ([`ClientBuilder::sleep`]).
    pub(crate) fn pause(&self, ms: u32) {
        (self.inner.sleep.0)(Duration::from_millis(ms.into()));
    }

    pub(crate) fn api(&self) -> Api<'_> {
        Api::new(self.inner.secret.key())
    }

    /// Builds a request whose body needs a buffer, growing it when dojo-core says so.
    pub(crate) fn build<'s, K>(
        &'s self,
        buf: &mut Vec<u8>,
        mut f: impl FnMut(&Api<'s>, &mut [u8]) -> Result<Request<'s, K>, dojo_core::Error<'static>>,
    ) -> Result<Request<'s, K>, Error> {
        let api = self.api();
        buf.resize(1024, 0);
        loop {
            match f(&api, buf) {
                Ok(r) => return Ok(r),
                Err(dojo_core::Error::BufferTooSmall(BufferTooSmall { needed })) if needed > buf.len() => {
                    buf.resize(needed, 0);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends a built request with the body in `buf` (empty for a request without one) and
    /// keeps the answer; an outcome-unknown report names what the request itself names
    /// ([`Subject::of`], as in [`send_with`](Client::send_with)).
    pub(crate) fn execute<K: Kept>(&self, req: &Request<'_, K>, buf: &[u8]) -> Result<Response<K>, Error> {
        self.execute_for(req, buf, None)
    }

    /// [`execute`](Client::execute) of a request whose body names the setup intent it is
    /// for (a payment intent created from one).
    fn execute_for<K: Kept>(
        &self,
        req: &Request<'_, K>,
        buf: &[u8],
        setup_intent: Option<SetupIntentId>,
    ) -> Result<Response<K>, Error> {
        let (decoded, status, attempts) = self.exchange(req, req.body(buf), setup_intent, keep::<K>)?;
        Ok(Response { status, decoded, attempts })
    }

    /// The exchange itself, the one place where bytes move: sends, retries as allowed,
    /// hands a 2xx body to `decode` (which decodes it once, and gives it back with the
    /// error when it does not decode); returns what `decode` made, the status and the
    /// attempts. See the crate docs for the retry and outcome-unknown
    /// rules. `setup_intent` is named in an outcome-unknown report when the path does not.
    fn exchange<K: ResponseKind, T>(
        &self,
        req: &Request<'_, K>,
        body: &[u8],
        setup_intent: Option<SetupIntentId>,
        decode: impl FnOnce(Vec<u8>) -> Result<T, (DecodeError, Vec<u8>)>,
    ) -> Result<(T, u16, u32), Error> {
        let operation = req.operation();
        let mut exchange = Exchange::new(req, self.retry).for_setup_intent(setup_intent);
        let mut url = String::with_capacity(self.inner.base_url.len() + dojo_core::request::MAX_PATH_LEN);
        url.push_str(&self.inner.base_url);
        url.push_str(req.path_and_query());
        loop {
            let attempt = exchange.attempts();
            let started = Instant::now();
            let outcome = self.attempt(req, &url, body);
            let random = fastrand::u32(..);
            match outcome {
                Ok((status, answer, retry_after)) => {
                    log::debug!(
                        "dojo {} {} -> {status} ({} bytes, attempt {attempt}, {:?})",
                        req.method().as_str(),
                        req.path(),
                        answer.len(),
                        started.elapsed()
                    );
                    match exchange.handle_answer(status, retry_after, random) {
                        Next::Retry { after_ms } => {
                            log::warn!(
                                "dojo {} answered {status}; retrying in {after_ms} ms (attempt {attempt})",
                                operation.name()
                            );
                            self.pause(after_ms);
                            continue;
                        }
                        Next::OutcomeUnknown(_) => {
                            let api_error = ApiError::new(status, answer, retry_after.map(ms));
                            return Err(self.unknown(&exchange, Cause::ServerError(api_error)));
                        }
                        Next::Done | Next::GiveUp(_) => {}
                    }
                    if !(200..300).contains(&status) {
                        return Err(Error::Api(ApiError::new(status, answer, retry_after.map(ms))));
                    }
                    return match decode(answer) {
                        Ok(made) => Ok((made, status, u32::from(attempt))),
                        Err((error, _)) => match exchange.handle_undecodable() {
                            Next::OutcomeUnknown(_) => Err(self.unknown(&exchange, Cause::Undecodable(error))),
                            _ => Err(Error::Decode { operation: Some(operation), error }),
                        },
                    };
                }
                Err(Failed::TooLarge(status, content_length)) => {
                    let too_large =
                        ResponseTooLarge { operation, status, capacity: MAX_RESPONSE_BYTES as usize, content_length };
                    return Err(match exchange.handle_too_large(status) {
                        Next::OutcomeUnknown(_) => self.unknown(&exchange, Cause::TooLarge(too_large)),
                        _ => Error::ResponseTooLarge(too_large),
                    });
                }
                Err(Failed::Transport(failure, e)) => match exchange.handle_failure(failure, random) {
                    Next::Retry { after_ms } => {
                        log::warn!("dojo {}: {e}; retrying in {after_ms} ms (attempt {attempt})", operation.name());
                        self.pause(after_ms);
                    }
                    Next::OutcomeUnknown(_) => return Err(self.unknown(&exchange, Cause::Io(Box::new(e)))),
                    Next::GiveUp(dojo_core::ErrorClass::Config) => {
                        return Err(Error::Config(ConfigError::Transport { operation, source: Box::new(e) }));
                    }
                    Next::Done | Next::GiveUp(_) => {
                        let phase = if failure == TransportFailure::Sent { Phase::Receive } else { Phase::Connect };
                        let cause = Cause::Io(Box::new(e));
                        return Err(Error::Transport(TransportError { operation, phase, attempts: attempt, cause }));
                    }
                },
            }
        }
    }

    fn unknown(&self, exchange: &Exchange<'_>, cause: Cause) -> Error {
        let subject = exchange.subject();
        let unknown = OutcomeUnknown::new(subject, str::to_owned, exchange.attempts(), cause);
        log::warn!("dojo {subject}: {unknown}");
        Error::OutcomeUnknown(unknown)
    }

    /// One attempt: status, body and `Retry-After`.
    fn attempt<K: ResponseKind>(
        &self,
        req: &Request<'_, K>,
        url: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>, Option<u32>), Failed> {
        let agent = &self.inner.agent;
        let result = match req.method() {
            Method::Get => self.prepare(agent.get(url), req).call(),
            Method::Delete => self.prepare(agent.delete(url), req).call(),
            Method::Post if body.is_empty() => self.prepare(agent.post(url), req).send_empty(),
            Method::Post => self.prepare(agent.post(url), req).send(body),
            Method::Put if body.is_empty() => self.prepare(agent.put(url), req).send_empty(),
            Method::Put => self.prepare(agent.put(url), req).send(body),
            Method::Patch => self.prepare(agent.patch(url), req).send(body),
        };
        let mut response = result.map_err(classify)?;
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").and_then(|v| retry_after_ms(v.as_bytes(), Some(self.now())));
        let content_length =
            response.headers().get("content-length").and_then(|v| v.to_str().ok()?.trim().parse().ok());
        // The request was answered: whatever fails now, it reached the server (an answer
        // over the limit included: dojo-core's exchange decides what that means).
        let answer =
            response.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_vec().map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Failed::TooLarge(status, content_length),
                e => Failed::Transport(TransportFailure::Sent, e),
            })?;
        Ok((status, answer, retry_after))
    }

    fn prepare<B>(&self, rb: ureq::RequestBuilder<B>, req: &Request<'_, impl ResponseKind>) -> ureq::RequestBuilder<B> {
        // A per-call config copies the agent's: only when this clone's timeouts differ.
        let mut rb = if self.timeouts == self.inner.agent_timeouts {
            rb
        } else {
            rb.config().timeout_connect(Some(self.timeouts.connect)).timeout_global(Some(self.timeouts.call)).build()
        };
        for &(name, value) in req.headers() {
            // ureq gets the placeholder; the client's transport sends the key (see `transport`).
            let value =
                if name.eq_ignore_ascii_case("authorization") { self.inner.secret.placeholder() } else { value };
            rb = rb.header(name, value);
        }
        rb
    }

    /// Sends any request dojo-core builds and hands its decoded answer to `f`, decoding
    /// once and keeping nothing but what `f` makes (no body, no [`Response`]); the same retry and
    /// outcome-unknown rules apply. `build` gets the request builder and a body buffer
    /// (grown and called again when dojo-core says it is too small).
    ///
    /// ```no_run
    /// # fn f(client: &dojo_ureq::Client, id: &dojo_core::SetupIntentId) -> Result<(), dojo_ureq::Error> {
    /// let status = client.send_with(|api, _buf| api.get_setup_intent(id), |si| si.status)?;
    /// # Ok(()) }
    /// ```
    pub fn send_with<'s, K: ResponseKind, T>(
        &'s self,
        build: impl FnMut(&Api<'s>, &mut [u8]) -> Result<Request<'s, K>, dojo_core::Error<'static>>,
        f: impl FnOnce(K::Output<'_>) -> T,
    ) -> Result<T, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, build)?;
        let decode = |answer: Vec<u8>| {
            let made = K::decode_ok(&answer).map(f);
            made.map_err(|e| (e, answer))
        };
        self.exchange(&req, req.body(&buf), None, decode).map(|(made, ..)| made)
    }

    // ---- setup intents ----

    /// `POST /setup-intents`. Not retried (a retry could create a second one).
    pub fn create_setup_intent(
        &self,
        body: &CreateSetupIntentRequest<'_>,
    ) -> Result<Response<kind::SetupIntentKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.create_setup_intent(body, b))?;
        self.execute(&req, &buf)
    }

    /// `GET /setup-intents/{id}`. Retried.
    pub fn get_setup_intent(&self, id: &SetupIntentId) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().get_setup_intent(id)?;
        self.execute(&req, &[])
    }

    /// `GET /setup-intents/public/{id}`. Retried.
    pub fn get_public_setup_intent(&self, id: &SetupIntentId) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().get_public_setup_intent(id)?;
        self.execute(&req, &[])
    }

    /// `DELETE /setup-intents/{id}` (`?includeAuthorized=true` closes an Authorized one).
    pub fn cancel_setup_intent(
        &self,
        id: &SetupIntentId,
        include_authorized: bool,
    ) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().cancel_setup_intent(id, include_authorized)?;
        self.execute(&req, &[])
    }

    /// `POST /setup-intents/{id}/refresh-client-session-secret`.
    pub fn refresh_setup_intent_secret(&self, id: &SetupIntentId) -> Result<Response<kind::SetupIntentKind>, Error> {
        let req = self.api().refresh_setup_intent_secret(id)?;
        self.execute(&req, &[])
    }

    // ---- payment intents ----

    /// `POST /payment-intents`. Not retried.
    pub fn create_payment_intent(
        &self,
        body: &CreatePaymentIntentRequest<'_>,
    ) -> Result<Response<kind::PaymentIntentKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.create_payment_intent(body, b))?;
        // The path names no intent: the one this payment is for is in the body.
        self.execute_for(&req, &buf, body.setup_intent_id)
    }

    /// `GET /payment-intents/{id}` (`return_canceled`: show a Canceled one instead of
    /// 404). Retried.
    pub fn get_payment_intent(
        &self,
        id: &PaymentIntentId,
        return_canceled: bool,
    ) -> Result<Response<kind::PaymentIntentKind>, Error> {
        let req = self.api().get_payment_intent(id, return_canceled)?;
        self.execute(&req, &[])
    }

    /// `DELETE /payment-intents/{id}`.
    pub fn cancel_payment_intent(&self, id: &PaymentIntentId) -> Result<Response<kind::PaymentIntentKind>, Error> {
        let req = self.api().cancel_payment_intent(id)?;
        self.execute(&req, &[])
    }

    /// `POST /payment-intents/{id}/charge`, as is: never retried, no lifecycle checks.
    /// Prefer [`Client::charge`], which checks the lifecycle first and reconciles an
    /// unknown outcome.
    pub fn charge_payment_intent(&self, id: &PaymentIntentId) -> Result<Response<kind::ChargeKind>, Error> {
        let req = self.api().charge_payment_intent(id)?;
        self.execute(&req, &[])
    }

    /// `POST /payment-intents/{id}/captures`. Not retried.
    pub fn capture_payment_intent(
        &self,
        id: &PaymentIntentId,
        body: &CreateCaptureRequest,
    ) -> Result<Response<kind::CaptureKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.capture_payment_intent(id, body, b))?;
        self.execute(&req, &buf)
    }

    /// `POST /payment-intents/{id}/refunds` with a fresh idempotency key
    /// ([`new_idempotency_key`]). Retried with the same key, which makes repeating it
    /// safe; when the outcome stays unknown the error carries the key, so the caller can
    /// retry later with [`refund_payment_intent_with_key`](Client::refund_payment_intent_with_key).
    pub fn refund_payment_intent(
        &self,
        id: &PaymentIntentId,
        body: &CreateRefundRequest<'_>,
    ) -> Result<Response<kind::RefundKind>, Error> {
        let key = new_idempotency_key()?;
        self.refund_payment_intent_with_key(id, &key, body)
    }

    /// `POST /payment-intents/{id}/refunds` with the caller's idempotency key (1–100
    /// visible ASCII characters; the same key on every retry of one refund).
    pub fn refund_payment_intent_with_key(
        &self,
        id: &PaymentIntentId,
        idempotency_key: &str,
        body: &CreateRefundRequest<'_>,
    ) -> Result<Response<kind::RefundKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.refund_payment_intent(id, idempotency_key, body, b))?;
        self.execute(&req, &buf)
    }

    /// `POST /payment-intents/{id}/reversal`. Not retried.
    pub fn reverse_payment_intent(&self, id: &PaymentIntentId) -> Result<Response<kind::ReversalKind>, Error> {
        let req = self.api().reverse_payment_intent(id)?;
        self.execute(&req, &[])
    }

    /// `POST /payment-intents/search`. A read sent as a POST: dojo-core does not mark it
    /// safe to retry, so it is not retried after it may have been sent.
    pub fn search_payment_intents(
        &self,
        body: &SearchPaymentIntentsRequest<'_>,
    ) -> Result<Response<kind::PaymentIntentPageKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.search_payment_intents(body, b))?;
        self.execute(&req, &buf)
    }

    /// The current time, as dojo-core's lifecycle wants it.
    pub fn now(&self) -> dojo_core::Timestamp {
        let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        dojo_core::Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dojo_core::response::kind::{ChargeKind, SetupIntentKind, SetupIntentSummaryKind};

    const SI: &[u8] = br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Created","reference":"Table 12","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;

    #[test]
    fn keep_holds_the_model_decoded_on_arrival_borrowing_the_kept_body() {
        let kept = keep::<SetupIntentKind>(SI.to_vec()).unwrap();
        let r = Response::<SetupIntentKind> { status: 200, decoded: kept, attempts: 1 };
        let si = r.get();
        assert_eq!(si, SetupIntentKind::decode_ok(SI).unwrap());
        // Zero-copy: the reference is a slice of the body the Response owns.
        let body = r.body().as_ptr_range();
        let reference = si.reference.unwrap().raw();
        assert_eq!(reference, "Table 12");
        assert!(body.contains(&reference.as_ptr()), "the model borrows the kept body");
        assert_eq!(r.body(), SI);
        assert_eq!(r.into_body(), SI);
        // A kind whose model owns its fields.
        let summary = keep::<SetupIntentSummaryKind>(SI.to_vec()).unwrap();
        assert_eq!(
            summary.get().as_ref().map(SetupIntentSummaryKind::unwrap),
            SetupIntentSummaryKind::decode_ok(SI).ok()
        );
    }

    #[test]
    fn keep_gives_an_undecodable_body_back_with_its_error() {
        let body = br#"{"id":"si_1","status":7}"#.to_vec();
        let (error, back) = keep::<SetupIntentKind>(body.clone()).err().unwrap();
        assert_eq!(back, body);
        assert_eq!(Some(error), SetupIntentKind::decode_ok(&body).err());
        let (_, back) = keep::<ChargeKind>(b"not json".to_vec()).err().unwrap();
        assert_eq!(back, b"not json");
    }
}
