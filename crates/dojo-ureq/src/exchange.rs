//! The one place where bytes move: a built request sent through the agent, repeated,
//! decoded or reported as dojo-core's [`Attempts`] say.

use std::io::Read;
use std::time::{Duration, Instant};

use dojo_core::SetupIntentId;
use dojo_core::error::BufferTooSmall;
use dojo_core::exchange::{Attempts, Subject, TransportFailure, Verdict, retry_after_ms};
use dojo_core::json::DecodeError;
use dojo_core::request::{Api, Method, Request};
use dojo_core::response::ResponseKind;

use ureq::http::uri::PathAndQuery;
use ureq::http::{HeaderName, HeaderValue, Uri};

use crate::client::Client;
use crate::error::{ApiError, Cause, ConfigError, Error, OutcomeUnknown, Phase, ResponseTooLarge, TransportError};
use crate::kept::Kept;
use crate::response::{Response, keep};

/// The largest response body read (anything longer is an error, never truncated).
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// The largest announced length a response buffer is made for up front (a longer body
/// grows it as it arrives).
const PRESIZE_LIMIT: u64 = 256 * 1024;

/// The names and the value dojo-core sends that are not among `http`'s constants.
const VERSION: HeaderName = HeaderName::from_static(dojo_core::request::VERSION_HEADER);
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotencykey");
const JSON: HeaderValue = HeaderValue::from_static(dojo_core::request::JSON_MEDIA_TYPE);

/// What ureq answers.
type HttpResponse = ureq::http::Response<ureq::Body>;

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

impl Client {
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
    pub(crate) fn execute_for<K: Kept>(
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
        // The attempts are decided by the operation and the idempotency key alone; the
        // intents the request names (read from its path, ~1,200 instructions) are only
        // reported, so they are read when an outcome-unknown report is made (`unknown`).
        let mut exchange = Attempts::new(operation, req.idempotency_key().is_some(), self.retry);
        let unknown = |exchange: &Attempts, cause: Cause| self.unknown(req, setup_intent, exchange.attempts(), cause);
        loop {
            let attempt = exchange.attempts();
            let started = log::log_enabled!(log::Level::Debug).then(Instant::now);
            let outcome = self.attempt(req, body);
            let random = fastrand::u32(..);
            match outcome {
                Ok((status, answer, retry_after)) => {
                    log::debug!(
                        "dojo {} {} -> {status} ({} bytes, attempt {attempt}, {:?})",
                        req.method().as_str(),
                        req.path(),
                        answer.len(),
                        started.map(|t| t.elapsed()).unwrap_or_default()
                    );
                    match exchange.handle_answer(status, retry_after, random) {
                        Verdict::Retry { after_ms } => {
                            log::warn!(
                                "dojo {} answered {status}; retrying in {after_ms} ms (attempt {attempt})",
                                operation.name()
                            );
                            self.pause(after_ms);
                            continue;
                        }
                        Verdict::OutcomeUnknown => {
                            let api_error = ApiError::new(status, answer, retry_after.map(ms));
                            return Err(unknown(&exchange, Cause::ServerError(api_error)));
                        }
                        Verdict::Done | Verdict::GiveUp(_) => {}
                    }
                    if !(200..300).contains(&status) {
                        return Err(Error::Api(ApiError::new(status, answer, retry_after.map(ms))));
                    }
                    return match decode(answer) {
                        Ok(made) => Ok((made, status, u32::from(attempt))),
                        Err((error, _)) => match exchange.handle_undecodable() {
                            Verdict::OutcomeUnknown => Err(unknown(&exchange, Cause::Undecodable(error))),
                            _ => Err(Error::Decode { operation: Some(operation), error }),
                        },
                    };
                }
                Err(Failed::TooLarge(status, content_length)) => {
                    let too_large =
                        ResponseTooLarge { operation, status, capacity: MAX_RESPONSE_BYTES as usize, content_length };
                    return Err(match exchange.handle_too_large(status) {
                        Verdict::OutcomeUnknown => unknown(&exchange, Cause::TooLarge(too_large)),
                        _ => Error::ResponseTooLarge(too_large),
                    });
                }
                Err(Failed::Transport(failure, e)) => match exchange.handle_failure(failure, random) {
                    Verdict::Retry { after_ms } => {
                        log::warn!("dojo {}: {e}; retrying in {after_ms} ms (attempt {attempt})", operation.name());
                        self.pause(after_ms);
                    }
                    Verdict::OutcomeUnknown => return Err(unknown(&exchange, Cause::Io(Box::new(e)))),
                    Verdict::GiveUp(dojo_core::ErrorClass::Config) => {
                        return Err(Error::Config(ConfigError::Transport { operation, source: Box::new(e) }));
                    }
                    Verdict::Done | Verdict::GiveUp(_) => {
                        let phase = if failure == TransportFailure::Sent { Phase::Receive } else { Phase::Connect };
                        let cause = Cause::Io(Box::new(e));
                        return Err(Error::Transport(TransportError { operation, phase, attempts: attempt, cause }));
                    }
                },
            }
        }
    }

    /// An outcome-unknown report of `req` after `attempts`, naming what the request names
    /// (dojo-core's [`Subject::of`] reads it from the request) and `setup_intent` when
    /// its path names none.
    fn unknown<K: ResponseKind>(
        &self,
        req: &Request<'_, K>,
        setup_intent: Option<SetupIntentId>,
        attempts: u8,
        cause: Cause,
    ) -> Error {
        let subject = Subject::of(req).for_setup_intent(setup_intent);
        let unknown = OutcomeUnknown::new(&subject, Box::<str>::from, attempts, cause);
        log::warn!("dojo {subject}: {unknown}");
        Error::OutcomeUnknown(unknown)
    }

    /// One attempt: status, body and `Retry-After` (read only from an answer that is not
    /// 2xx: nothing reads it from a 2xx).
    fn attempt<K: ResponseKind>(
        &self,
        req: &Request<'_, K>,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>, Option<u32>), Failed> {
        let result = match self.uri(req.path_and_query()) {
            Some(uri) => self.send(req, uri, body),
            // A base URL with a path of its own, or a path `Uri::from_parts` refuses: the
            // whole URL as text, as ureq parses it (and reports it when it does not parse).
            None => self.send(req, self.url(req.path_and_query()), body),
        };
        let response = result.map_err(classify)?;
        let status = response.status().as_u16();
        let (parts, mut response_body) = response.into_parts();
        let retry_after = if (200..300).contains(&status) {
            None
        } else {
            parts.headers.get("retry-after").and_then(|v| retry_after_ms(v.as_bytes(), Some(self.now())))
        };
        // Read into a buffer of the announced length (capped: the announcement is the
        // server's word): one read and the probe for its end, where growing from empty
        // takes six reads for a 1.3 KB answer. Over the limit is an error, as before.
        let announced = response_body.content_length().unwrap_or(0).min(PRESIZE_LIMIT);
        let mut answer = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        let read = response_body.with_config().limit(MAX_RESPONSE_BYTES).reader().read_to_end(&mut answer);
        // The request was answered: whatever fails now, it reached the server (an answer
        // over the limit included: dojo-core's exchange decides what that means).
        if let Err(e) = read {
            return Err(match ureq::Error::from(e) {
                ureq::Error::BodyExceedsLimit(_) => {
                    let content_length =
                        parts.headers.get("content-length").and_then(|v| v.to_str().ok()?.trim().parse().ok());
                    Failed::TooLarge(status, content_length)
                }
                e => Failed::Transport(TransportFailure::Sent, e),
            });
        }
        Ok((status, answer, retry_after))
    }

    /// Sends `req` to `target` (a [`Uri`] or the URL as text) with `body`.
    fn send<T>(&self, req: &Request<'_, impl ResponseKind>, target: T, body: &[u8]) -> Result<HttpResponse, ureq::Error>
    where
        Uri: TryFrom<T>,
        <Uri as TryFrom<T>>::Error: Into<ureq::http::Error>,
    {
        let agent = &self.inner.agent;
        match req.method() {
            Method::Get => self.prepare(agent.get(target), req).call(),
            Method::Delete => self.prepare(agent.delete(target), req).call(),
            Method::Post if body.is_empty() => self.prepare(agent.post(target), req).send_empty(),
            Method::Post => self.prepare(agent.post(target), req).send(body),
            Method::Put if body.is_empty() => self.prepare(agent.put(target), req).send_empty(),
            Method::Put => self.prepare(agent.put(target), req).send(body),
            Method::Patch => self.prepare(agent.patch(target), req).send(body),
        }
    }

    /// The base URL followed by `path_and_query`, as text.
    fn url(&self, path_and_query: &str) -> String {
        let mut url = String::with_capacity(self.inner.base_url.len() + path_and_query.len());
        url.push_str(&self.inner.base_url);
        url.push_str(path_and_query);
        url
    }

    /// The URI of the base URL followed by `path_and_query`, made of the base URL's
    /// scheme and authority (parsed once, when the client was built) and the path: the
    /// URI ureq would parse from [`url`](Self::url). `None` when the base URL has a path of
    /// its own or the path does not start with `/`.
    fn uri(&self, path_and_query: &str) -> Option<Uri> {
        let (scheme, authority) = self.inner.prebuilt.origin.as_ref()?;
        if !path_and_query.starts_with('/') {
            return None;
        }
        let mut parts = ureq::http::uri::Parts::default();
        parts.scheme = Some(scheme.clone());
        parts.authority = Some(authority.clone());
        parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
        Uri::from_parts(parts).ok()
    }

    fn prepare<B>(&self, rb: ureq::RequestBuilder<B>, req: &Request<'_, impl ResponseKind>) -> ureq::RequestBuilder<B> {
        // A per-call config copies the agent's: only when this clone's timeouts differ.
        let mut rb = if self.timeouts == self.inner.agent_timeouts {
            rb
        } else {
            rb.config().timeout_connect(Some(self.timeouts.connect)).timeout_global(Some(self.timeouts.call)).build()
        };
        if let Some(headers) = rb.headers_mut() {
            headers.reserve(req.headers().len());
        }
        for &(name, value) in req.headers() {
            // ureq gets the placeholder; the client's transport sends the key (see `transport`).
            let authorization = name.eq_ignore_ascii_case(dojo_core::request::AUTHORIZATION_HEADER);
            let value = if authorization { self.inner.secret.placeholder() } else { value };
            // The names and values dojo-core sends, made without parsing or copying where
            // they are constants; anything else as ureq makes it from text.
            match (self.header(name, value, authorization), rb.headers_mut()) {
                (Some((name, value)), Some(headers)) => {
                    headers.append(name, value);
                }
                _ => rb = rb.header(name, value),
            }
        }
        rb
    }

    /// A header dojo-core sends, as the name and value ureq would make of the text
    /// (`None`: let ureq make it).
    fn header(&self, name: &str, value: &str, authorization: bool) -> Option<(HeaderName, HeaderValue)> {
        use dojo_core::request::{
            ACCEPT_HEADER, API_VERSION, CONTENT_TYPE_HEADER, DEFAULT_USER_AGENT, IDEMPOTENCY_KEY_HEADER,
            JSON_MEDIA_TYPE, USER_AGENT_HEADER, VERSION_HEADER,
        };
        use ureq::http::header;
        if authorization {
            return Some((header::AUTHORIZATION, self.inner.prebuilt.authorization.clone()?));
        }
        let name = match name {
            VERSION_HEADER => VERSION,
            USER_AGENT_HEADER => header::USER_AGENT,
            ACCEPT_HEADER => header::ACCEPT,
            CONTENT_TYPE_HEADER => header::CONTENT_TYPE,
            IDEMPOTENCY_KEY_HEADER => IDEMPOTENCY_KEY,
            _ => return None,
        };
        let value = match value {
            JSON_MEDIA_TYPE => JSON,
            API_VERSION => HeaderValue::from_static(API_VERSION),
            DEFAULT_USER_AGENT => HeaderValue::from_static(DEFAULT_USER_AGENT),
            other => HeaderValue::from_str(other).ok()?,
        };
        Some((name, value))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use dojo_core::request::{CreateRefundRequest, CreateSetupIntentRequest};
    use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money, PaymentIntentId};

    fn client(base: &str) -> Client {
        Client::builder(ApiKey::new("sk_sandbox_abcdef").unwrap()).base_url(base).build().unwrap()
    }

    /// A request's headers and its path and query.
    type Seen<'f> = &'f mut dyn FnMut(&[(&str, &str)], &str);

    /// Every kind of request dojo-core builds here: no body, a body, a query, a key.
    fn each_request(c: &Client, f: Seen<'_>) {
        let api = c.api();
        let si = SetupIntentId::new("si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").unwrap();
        let pi = PaymentIntentId::new("pi_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").unwrap();
        let mut buf = [0u8; 1024];
        let r = api.get_setup_intent(&si).unwrap();
        f(r.headers(), r.path_and_query());
        let r = api.get_payment_intent(&pi, true).unwrap();
        f(r.headers(), r.path_and_query());
        let body = CreateSetupIntentRequest::new(
            "Table 12",
            "terms",
            MerchantInitiatedTransactionType::NoShow,
            Money::gbp(1000),
        );
        let r = api.create_setup_intent(&body, &mut buf).unwrap();
        f(r.headers(), r.path_and_query());
        let r = api.refund_payment_intent(&pi, "key-7", &CreateRefundRequest::new(Money::gbp(1)), &mut buf).unwrap();
        f(r.headers(), r.path_and_query());
    }

    #[test]
    fn headers_are_made_as_ureq_makes_them_from_text() {
        let c = client("http://127.0.0.1:8080");
        let mut seen = 0;
        each_request(&c, &mut |headers, _| {
            for &(name, value) in headers {
                let authorization = name.eq_ignore_ascii_case("authorization");
                let value = if authorization { c.authorization_placeholder() } else { value };
                let (n, v) = c.header(name, value, authorization).expect("every header dojo-core sends is prebuilt");
                assert_eq!(n, HeaderName::from_bytes(name.as_bytes()).unwrap(), "{name}");
                assert_eq!(v, HeaderValue::from_str(value).unwrap(), "{name}");
                seen += 1;
            }
        });
        assert!(seen >= 17, "{seen}");
        // The placeholder only: never the key.
        let (_, v) = c.header("Authorization", c.authorization_placeholder(), true).unwrap();
        assert!(v.to_str().unwrap().starts_with("Basic ****"));
        // Anything else is left to ureq (which reports what it refuses).
        assert_eq!(c.header("x-other", "1", false), None);
        assert_eq!(c.header("Accept", "bad\nvalue", false), None);
    }

    #[test]
    fn a_uri_from_parts_is_the_uri_ureq_parses_from_the_url() {
        for base in ["http://127.0.0.1:8080", "https://api.dojo.tech", "http://[::1]:9", "https://API.dojo.tech:8443"] {
            let c = client(base);
            each_request(&c, &mut |_, path| {
                let uri = c.uri(path).unwrap();
                let parsed = c.url(path).parse::<Uri>().unwrap();
                assert_eq!(uri, parsed);
                assert_eq!(uri.to_string(), parsed.to_string());
                assert_eq!(uri.to_string(), format!("{}{path}", c.base_url()));
            });
        }
        // A base URL with a path of its own, or a path not starting with `/`: the text.
        let c = client("https://proxy.example/dojo");
        assert_eq!(c.uri("/setup-intents"), None);
        assert_eq!(client("https://api.dojo.tech").uri("setup-intents"), None);
    }
}
