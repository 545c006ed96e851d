//! The one place where bytes move: a built request sent through the agent, repeated,
//! decoded or reported as dojo-core's [`Exchange`] says.

use std::time::{Duration, Instant};

use dojo_core::SetupIntentId;
use dojo_core::error::BufferTooSmall;
use dojo_core::exchange::{Exchange, Next, TransportFailure, retry_after_ms};
use dojo_core::json::DecodeError;
use dojo_core::request::{Api, Method, Request};
use dojo_core::response::ResponseKind;

use crate::client::Client;
use crate::error::{ApiError, Cause, ConfigError, Error, OutcomeUnknown, Phase, ResponseTooLarge, TransportError};
use crate::kept::Kept;
use crate::response::{Response, keep};

/// The largest response body read (anything longer is an error, never truncated).
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

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
        let unknown = OutcomeUnknown::new(subject, Box::<str>::from, exchange.attempts(), cause);
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
}
