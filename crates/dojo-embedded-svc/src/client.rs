//! The client: one exchange per dojo-core request over an embedded-svc connection.

use dojo_core::charge::SettlePolicy;
use dojo_core::exchange::{Exchange, Next, Subject, TransportFailure, check_base_url, retry_after_ms};
use dojo_core::payment_intent::{Capture, ChargeResponse, PaymentIntent, PaymentIntentPage, Refund, Reversal};
use dojo_core::request::{
    Api, CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest,
    DEFAULT_BASE_URL, IDEMPOTENCY_KEY_HEADER, MAX_HEADERS, Method, Operation, Request, SearchPaymentIntentsRequest,
};
use dojo_core::response::ResponseKind;
use dojo_core::setup_intent::SetupIntent;
use dojo_core::{BufferTooSmall, PaymentIntentId, SetupIntentId, ValidationError, ValidationErrorKind};
use embedded_svc::http::client::Connection;
use embedded_svc::io::ErrorType;

use dojo_core::client_error::{self, ClientError, Intent, OutcomeUnknown, TransportError};

use crate::error::{Error, Inner, InnerCause, Phase, ResponseTooLarge, publish};
use crate::retry::{Delay, NoDelay, RetryPolicy, xorshift32};

/// Makes connections. The client asks for a new one before its first request and after
/// any failed exchange (a connection that failed mid-request, such as ESP-IDF's
/// `EspHttpConnection`, cannot start another request).
///
/// Any `FnMut() -> Result<C, C::Error>` is a connector.
pub trait Connect {
    /// The connection made.
    type Connection: Connection;

    /// Makes a connection (no I/O needs to happen yet: `initiate_request` connects).
    fn connect(&mut self) -> Result<Self::Connection, ConnError<Self>>;
}

impl<F, C> Connect for F
where
    F: FnMut() -> Result<C, <C as ErrorType>::Error>,
    C: Connection,
{
    type Connection = C;

    fn connect(&mut self) -> Result<C, <C as ErrorType>::Error> {
        self()
    }
}

/// The error type of a connector's connections.
pub type ConnError<K> = <<K as Connect>::Connection as ErrorType>::Error;

/// The result of an operation: `'b` is the caller's buffer.
pub type ClientResult<'b, T, K> = Result<T, Error<'b, ConnError<K>>>;

/// The longest `Content-Length` value (`u64::MAX` has 20 digits).
const LEN_DIGITS: usize = 20;

/// An answer read into the caller's buffer: its status, its length, its `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) len: usize,
    /// Its `Retry-After`, in ms (delta-seconds only: the client has no clock).
    pub(crate) retry_after_ms: Option<u32>,
    /// The attempts the exchange made (for an outcome-unknown report).
    pub(crate) attempts: u8,
}

impl Raw {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A Dojo API client over an embedded-svc HTTP connection: `#![no_std]`, no allocation.
///
/// Every operation takes one caller buffer, `buf`. The request's JSON body is written
/// at its start and the URL after it; once the request is sent, the answer is read
/// into the same buffer (from its start) and decoded from there, borrowing it. Size it
/// for the larger of `body + URL` and the largest answer expected (see the crate
/// README for measured figures); an answer that does not fit is
/// [`Error::ResponseTooLarge`], never a partial parse.
///
/// Every request is sent with `Content-Length` (no chunked bodies). What is repeated,
/// after how long, and when an outcome is unknown is dojo-core's
/// [`exchange`](dojo_core::exchange) (the same as the desktop adapter's): reads and keyed
/// refunds are repeated on transport failures, 429 and 5xx answers (honouring
/// `Retry-After`), anything else only when it never reached the server; the delays of the
/// client's [`RetryPolicy`] go to its [`Delay`].
pub struct Client<'k, K: Connect, D = NoDelay> {
    connector: K,
    conn: Option<K::Connection>,
    api: Api<'k>,
    base_url: &'k str,
    policy: RetryPolicy,
    settle: SettlePolicy,
    delay: D,
    seed: u32,
    last_retry_after_s: Option<u32>,
}

impl<'k, K: Connect> Client<'k, K, NoDelay> {
    /// A client of `https://api.dojo.tech` making its connections with `connector`,
    /// building requests with `api`; no retries until [`with_retries`](Self::with_retries).
    pub fn new(connector: K, api: Api<'k>) -> Self {
        Client {
            connector,
            conn: None,
            api,
            base_url: DEFAULT_BASE_URL,
            policy: RetryPolicy::NONE,
            settle: SettlePolicy::DEFAULT,
            delay: NoDelay,
            seed: 1,
            last_retry_after_s: None,
        }
    }
}

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// Talks to another base URL (e.g. a local emulator). It must be `https://`, or
    /// `http://` to a loopback host: dojo-core's
    /// [`check_base_url`](dojo_core::exchange::check_base_url), the desktop adapter's
    /// check too (userinfo refused, IPv6 and numeric IPv4 forms read as the resolver
    /// reads them). The key is never sent in clear over a network. One trailing `/` is
    /// dropped.
    pub fn with_base_url(mut self, base_url: &'k str) -> Result<Self, ValidationError> {
        self.base_url =
            check_base_url(base_url).map_err(|_| ValidationError::new("baseUrl", ValidationErrorKind::NotAllowed))?;
        Ok(self)
    }

    /// Settles charges under `settle` (how many read-backs and resends, how far apart,
    /// within which horizon) instead of [`SettlePolicy::DEFAULT`].
    pub fn with_settle_policy(mut self, settle: SettlePolicy) -> Self {
        self.settle = settle;
        self
    }

    /// The settle policy of [`charge`](Self::charge).
    pub fn settle_policy(&self) -> SettlePolicy {
        self.settle
    }

    /// Retries retry-safe requests under `policy`, waiting with `delay` (the
    /// firmware's time source), the jitter drawn from `seed`.
    pub fn with_retries<D2: Delay>(self, policy: RetryPolicy, seed: u32, delay: D2) -> Client<'k, K, D2> {
        Client {
            connector: self.connector,
            conn: self.conn,
            api: self.api,
            base_url: self.base_url,
            policy,
            settle: self.settle,
            delay,
            seed: if seed == 0 { 1 } else { seed },
            last_retry_after_s: self.last_retry_after_s,
        }
    }

    /// The `Retry-After` of the last answer, in seconds, when it sent one (the
    /// delta-seconds form; an HTTP-date is ignored, as a kiosk may have no wall clock).
    ///
    /// The client honours it itself while it retries a read; when it gives up (retries
    /// used up, a wait longer than [`RetryPolicy::max_retry_after_ms`], or a 429 to a
    /// request it never repeats), this is how long the server asked the firmware to wait
    /// before trying again.
    pub fn last_retry_after_s(&self) -> Option<u32> {
        self.last_retry_after_s
    }

    /// Mixes fresh randomness (e.g. the hardware RNG) into the jitter.
    pub fn reseed(&mut self, random: u32) {
        self.seed ^= random;
        if self.seed == 0 {
            self.seed = 1;
        }
    }

    /// The request builder.
    pub fn api(&self) -> Api<'k> {
        self.api
    }

    /// The base URL.
    pub fn base_url(&self) -> &'k str {
        self.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Waits `ms` with the client's [`Delay`].
    pub fn delay_ms(&mut self, ms: u32) {
        self.delay.delay_ms(ms);
    }

    /// Drops the current connection; the next request makes a new one.
    pub fn disconnect(&mut self) {
        self.conn = None;
    }

    /// Sends `req` (its body is the start of `buf`, as the builder wrote it) and
    /// decodes the answer from `buf`, repeating it as dojo-core's
    /// [`Exchange`](dojo_core::exchange::Exchange) says. A 2xx answer to a non-idempotent
    /// request that does not decode, or a 5xx answer to one, is [`Error::OutcomeUnknown`].
    pub fn execute<'b, R: ResponseKind>(
        &mut self,
        req: &Request<'_, R>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, R::Output<'b>, K> {
        let result = self.exchange_with_retries(req, buf);
        let buf: &'b [u8] = buf;
        match result {
            Ok(raw) => decode(req, raw, buf),
            Err(e) => Err(publish(e, buf)),
        }
    }

    /// One exchange, retried per the policy: the answer's status and length, its body
    /// in `buf`. Nothing it returns borrows `buf`, so callers can loop over it. The
    /// generic part is only this: the rest is shared by every response kind.
    pub(crate) fn exchange_with_retries<R: ResponseKind>(
        &mut self,
        req: &Request<'_, R>,
        buf: &mut [u8],
    ) -> Result<Raw, Inner<ConnError<K>>> {
        let base = self.base_url;
        let outgoing = Outgoing {
            operation: req.operation(),
            method: req.method(),
            path: req.path(),
            headers: req.headers(),
            body_len: req.body_len(),
            write_url: &|out: &mut [u8]| req.write_url(base, out).map(str::len),
        };
        self.exchange_retried(&outgoing, buf)
    }

    /// The I/O loop over dojo-core's [`Exchange`]: send, hand the result over, wait or
    /// stop as it says.
    #[inline(never)]
    fn exchange_retried(&mut self, outgoing: &Outgoing<'_>, buf: &mut [u8]) -> Result<Raw, Inner<ConnError<K>>> {
        let operation = outgoing.operation;
        // The key is named by `execute`, which has the request (this returns nothing
        // borrowed); the intent is read from the path when the outcome is unknown.
        let keyed = outgoing.headers.iter().any(|(name, _)| *name == IDEMPOTENCY_KEY_HEADER);
        let subject =
            Subject { operation, setup_intent: None, payment_intent: None, idempotency_key: keyed.then_some("") };
        let mut exchange = Exchange::of(subject, self.policy);
        loop {
            let result = self.exchange(outgoing, buf);
            let random = self.next_seed();
            let next = match &result {
                Ok(raw) => exchange.handle_answer(raw.status, raw.retry_after_ms, random),
                Err(ClientError::Transport(t)) if t.phase == Phase::Receive => {
                    exchange.handle_failure(TransportFailure::Sent, random)
                }
                Err(ClientError::Transport(_)) => exchange.handle_failure(TransportFailure::NotSent, random),
                Err(ClientError::ResponseTooLarge(r)) => exchange.handle_too_large(r.status),
                Err(_) => Next::Done,
            };
            self.last_retry_after_s = exchange.retry_after_ms().map(|ms| ms / 1000);
            match next {
                Next::Retry { after_ms } => {
                    log_retry(operation, exchange.attempts().saturating_sub(1), after_ms);
                    self.delay.delay_ms(after_ms);
                }
                Next::OutcomeUnknown(_) => {
                    let cause = match result {
                        Ok(raw) => InnerCause::ServerError(raw),
                        Err(ClientError::Transport(t)) => t.cause,
                        Err(ClientError::ResponseTooLarge(r)) => InnerCause::TooLarge(r),
                        Err(e) => return Err(e),
                    };
                    return Err(unknown(operation, outgoing.path, exchange.attempts(), cause));
                }
                Next::Done | Next::GiveUp(_) => {
                    let mut result = result;
                    match &mut result {
                        Ok(raw) => raw.attempts = exchange.attempts(),
                        Err(ClientError::Transport(t)) => t.attempts = exchange.attempts(),
                        Err(_) => {}
                    }
                    return result;
                }
            }
        }
    }

    /// [`exchange_with_retries`](Self::exchange_with_retries), with a non-2xx answer
    /// as [`Stop::Refused`].
    pub(crate) fn fetch<R: ResponseKind>(
        &mut self,
        req: &Request<'_, R>,
        buf: &mut [u8],
    ) -> Result<Raw, Stop<ConnError<K>>> {
        let raw = self.exchange_with_retries(req, buf)?;
        // A 5xx that may have executed is already an outcome unknown (the exchange's
        // verdict): any other non-2xx is the server's refusal.
        if raw.is_success() { Ok(raw) } else { Err(Stop::Refused(raw)) }
    }

    /// Builds a request with `build` (writing its body into `buf`), sends it like
    /// [`fetch`](Self::fetch), and keeps only what decoding needs.
    #[inline(never)]
    pub(crate) fn fetch_built<R: ResponseKind>(
        &mut self,
        build: impl FnOnce(Api<'k>, &mut [u8]) -> Result<Request<'k, R>, dojo_core::Error<'static>>,
        buf: &mut [u8],
    ) -> Result<Fetched<R>, Stop<ConnError<K>>> {
        let req = build(self.api, buf)?;
        let raw = self.fetch(&req, buf)?;
        Ok(Fetched::new(raw, req.operation()))
    }

    fn next_seed(&mut self) -> u32 {
        self.seed = xorshift32(self.seed);
        self.seed
    }

    /// One exchange: connect if needed, send the request with `Content-Length`, read
    /// the whole answer into `buf`. On any failure the connection is dropped.
    fn exchange(&mut self, outgoing: &Outgoing<'_>, buf: &mut [u8]) -> Result<Raw, Inner<ConnError<K>>> {
        let Outgoing { operation, method, body_len, .. } = *outgoing;
        let Some((body, rest)) = buf.split_at_mut_checked(body_len) else {
            return Err(BufferTooSmall { needed: body_len }.into());
        };
        // Written again on every attempt: an earlier answer may have overwritten it.
        let url_len = (outgoing.write_url)(rest).map_err(|e| BufferTooSmall { needed: body_len + e.needed })?;
        let url = rest.get(..url_len).and_then(|u| core::str::from_utf8(u).ok()).unwrap_or("");
        let mut len_digits = [0u8; LEN_DIGITS];
        let content_length = format_len(body_len, &mut len_digits);
        let mut headers = [("", ""); MAX_HEADERS + 1];
        let mut count = 0;
        for (slot, header) in
            headers.iter_mut().zip(outgoing.headers.iter().chain([("Content-Length", content_length)].iter()))
        {
            *slot = *header;
            count += 1;
        }
        let headers = headers.get(..count).unwrap_or(&[]);

        let conn = match self.conn.take() {
            Some(conn) if !conn.is_request_initiated() => conn,
            _ => self.connector.connect().map_err(|e| transport(operation, Phase::Connect, InnerCause::Io(e)))?,
        };
        let conn = self.conn.insert(conn);
        let sent = send(conn, operation, to_svc_method(method), url, headers, body);
        let result = match sent {
            Ok(()) => receive(conn, operation, buf),
            Err(e) => Err(e),
        };
        match &result {
            Ok(raw) => log_exchange(method, outgoing.path, raw),
            Err(e) => {
                log_failure(operation, e);
                self.conn = None;
            }
        }
        result
    }
}

/// What an exchange needs of a request, whatever its response kind.
struct Outgoing<'r> {
    operation: Operation,
    method: Method,
    path: &'r str,
    headers: &'r [(&'r str, &'r str)],
    body_len: usize,
    /// The request's `write_url` with the client's base URL: the URL's length.
    write_url: &'r dyn Fn(&mut [u8]) -> Result<usize, BufferTooSmall>,
}

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// `POST /setup-intents`.
    pub fn create_setup_intent<'b>(
        &mut self,
        body: &CreateSetupIntentRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.create_setup_intent(body, buf)?;
        self.execute(&req, buf)
    }

    /// `GET /setup-intents/{id}` (retried).
    pub fn get_setup_intent<'b>(
        &mut self,
        id: &SetupIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.get_setup_intent(id)?;
        self.execute(&req, buf)
    }

    /// `DELETE /setup-intents/{id}` (`?includeAuthorized=true` when `include_authorized`).
    pub fn cancel_setup_intent<'b>(
        &mut self,
        id: &SetupIntentId,
        include_authorized: bool,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.cancel_setup_intent(id, include_authorized)?;
        self.execute(&req, buf)
    }

    /// `GET /setup-intents/public/{id}` (retried).
    pub fn get_public_setup_intent<'b>(
        &mut self,
        id: &SetupIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.get_public_setup_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /setup-intents/{id}/refresh-client-session-secret`.
    pub fn refresh_setup_intent_secret<'b>(
        &mut self,
        id: &SetupIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntent<'b>, K> {
        let req = self.api.refresh_setup_intent_secret(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents`.
    pub fn create_payment_intent<'b>(
        &mut self,
        body: &CreatePaymentIntentRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntent<'b>, K> {
        let req = self.api.create_payment_intent(body, buf)?;
        self.execute(&req, buf)
    }

    /// `GET /payment-intents/{id}` (`?returnCanceled=true` when `return_canceled`; retried).
    pub fn get_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        return_canceled: bool,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntent<'b>, K> {
        let req = self.api.get_payment_intent(id, return_canceled)?;
        self.execute(&req, buf)
    }

    /// `DELETE /payment-intents/{id}`.
    pub fn cancel_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntent<'b>, K> {
        let req = self.api.cancel_payment_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/{id}/charge`, without the lifecycle's checks: prefer
    /// [`charge`](Self::charge), which charges at most once and reconciles.
    pub fn charge_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, ChargeResponse<'b>, K> {
        let req = self.api.charge_payment_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/{id}/captures`.
    pub fn capture_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        body: &CreateCaptureRequest,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Capture<'b>, K> {
        let req = self.api.capture_payment_intent(id, body, buf)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/{id}/refunds` with `idempotency_key` (keep it the same
    /// when repeating this refund after an [`Error::OutcomeUnknown`], which names it).
    pub fn refund_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        idempotency_key: &'b str,
        body: &CreateRefundRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Refund<'b>, K> {
        let req = self.api.refund_payment_intent(id, idempotency_key, body, buf)?;
        self.execute(&req, buf).map_err(|mut e| {
            // The exchange's report owns nothing: it names the key here.
            if let ClientError::OutcomeUnknown(u) = &mut e {
                u.idempotency_key = Some(idempotency_key);
            }
            e
        })
    }

    /// `POST /payment-intents/{id}/reversal`.
    pub fn reverse_payment_intent<'b>(
        &mut self,
        id: &PaymentIntentId,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Reversal<'b>, K> {
        let req = self.api.reverse_payment_intent(id)?;
        self.execute(&req, buf)
    }

    /// `POST /payment-intents/search`.
    pub fn search_payment_intents<'b>(
        &mut self,
        body: &SearchPaymentIntentsRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntentPage<'b>, K> {
        let req = self.api.search_payment_intents(body, buf)?;
        self.execute(&req, buf)
    }
}

/// Why a multi-step operation stopped, without borrowing the buffer: an owned error, or
/// a non-2xx answer still in the buffer (turned into an [`Error::Core`] API error, with
/// its ProblemDetails, once the steps are over).
#[derive(Debug)]
pub(crate) enum Stop<E> {
    Failed(Inner<E>),
    Refused(Raw),
}

impl<E> Stop<E> {
    pub(crate) fn into_error(self, buf: &[u8]) -> Error<'_, E> {
        match self {
            Stop::Failed(e) => publish(e, buf),
            Stop::Refused(raw) => {
                let body = buf.get(..raw.len).unwrap_or(&[]);
                ClientError::Api(dojo_core::problem::ApiError::from_response(raw.status, body))
            }
        }
    }
}

impl<E> From<Inner<E>> for Stop<E> {
    fn from(e: Inner<E>) -> Self {
        Stop::Failed(e)
    }
}

impl<E> From<dojo_core::Error<'static>> for Stop<E> {
    fn from(e: dojo_core::Error<'static>) -> Self {
        Stop::Failed(e.into())
    }
}

impl<E> From<dojo_core::error::LifecycleError> for Stop<E> {
    fn from(e: dojo_core::error::LifecycleError) -> Self {
        Stop::Failed(e.into())
    }
}

impl<E> From<BufferTooSmall> for Stop<E> {
    fn from(e: BufferTooSmall) -> Self {
        Stop::Failed(e.into())
    }
}

/// A 2xx answer read into the buffer, and the operation it answers; the request itself
/// (a few hundred bytes) is gone from the stack before the answer is decoded. Made only
/// once the status is known to be 2xx ([`Client::fetch`] refuses the others).
pub(crate) struct Fetched<R> {
    pub(crate) raw: Raw,
    pub(crate) operation: Operation,
    _kind: core::marker::PhantomData<fn() -> R>,
}

impl<R> Fetched<R> {
    pub(crate) fn new(raw: Raw, operation: Operation) -> Self {
        Fetched { raw, operation, _kind: core::marker::PhantomData }
    }
}

/// Decodes a 2xx answer in `buf` and hands the model to `f`, which keeps what the
/// caller needs: the model (over a kilobyte for an intent) lives only in this frame, and
/// a failure does not borrow `buf` (an undecodable answer to a non-idempotent request
/// is an outcome unknown).
#[inline(never)]
pub(crate) fn decode_with<'b, R: ResponseKind, E, T>(
    fetched: Fetched<R>,
    buf: &'b [u8],
    f: impl FnOnce(&R::Output<'b>) -> T,
) -> Result<T, Stop<E>> {
    let Fetched { raw, operation, .. } = fetched;
    let body = buf.get(..raw.len).unwrap_or(&[]);
    // The 2xx half of `Request::decode` (its other half, `ApiError::from_response`, is
    // `Stop::into_error`): called directly, it saves a copy of the model on the stack.
    // Borrowed in place: moving the model out of the `Result` would copy it.
    let decoded = R::decode_ok(body);
    match &decoded {
        Ok(output) => Ok(f(output)),
        // Names no intent: the flow that fetched it holds the ids.
        &Err(e) if !operation.retry_safe() => Err(Stop::Failed(unknown(operation, "", 1, InnerCause::Undecodable(e)))),
        &Err(error) => Err(Stop::Failed(ClientError::Decode { operation: Some(operation), error })),
    }
}

/// Decodes an answer read into `buf` with dojo-core; an undecodable 2xx answer to a
/// non-idempotent request is an outcome unknown.
pub(crate) fn decode<'b, R: ResponseKind, E>(
    req: &Request<'_, R>,
    raw: Raw,
    buf: &'b [u8],
) -> Result<R::Output<'b>, Error<'b, E>> {
    let body = buf.get(..raw.len).unwrap_or(&[]);
    match req.decode(raw.status, body) {
        Ok(output) => Ok(output),
        Err(dojo_core::Error::Decode(error)) => {
            // dojo-core's exchange decides: a read's is a decode error, anything else's an
            // outcome unknown (it executed, unreadably), naming the request's subject.
            match Exchange::new(req, RetryPolicy::NONE).handle_undecodable() {
                // The key is named by the caller that has it (`refund_payment_intent`).
                Next::OutcomeUnknown(subject) => Err(ClientError::OutcomeUnknown(OutcomeUnknown::new(
                    &Subject { idempotency_key: None, ..subject },
                    |k| k,
                    raw.attempts,
                    client_error::Cause::Undecodable(error),
                ))),
                _ => Err(ClientError::Decode { operation: Some(req.operation()), error }),
            }
        }
        Err(e) => Err(e.into()),
    }
}

fn to_svc_method(m: Method) -> embedded_svc::http::Method {
    match m {
        Method::Get => embedded_svc::http::Method::Get,
        Method::Post => embedded_svc::http::Method::Post,
        Method::Delete => embedded_svc::http::Method::Delete,
        Method::Put => embedded_svc::http::Method::Put,
        Method::Patch => embedded_svc::http::Method::Patch,
    }
}

fn format_len(mut n: usize, out: &mut [u8; LEN_DIGITS]) -> &str {
    let mut at = LEN_DIGITS;
    loop {
        at -= 1;
        if let Some(d) = out.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.get(at..).and_then(|d| core::str::from_utf8(d).ok()).unwrap_or("0")
}

/// A header's decimal value (surrounding spaces allowed), `None` when it is anything
/// else or overflows.
fn parse_digits(value: &str) -> Option<u64> {
    let digits = value.trim_matches(|c| c == ' ' || c == '\t');
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        if b.is_ascii_digit() { n.checked_mul(10)?.checked_add(u64::from(b - b'0')) } else { None }
    })
}

/// The outcome-unknown report of the exchange of `operation` on `path`: the intent the
/// path names (the key is named by the caller that has it: `refund_payment_intent`).
#[inline(never)]
fn unknown<E>(operation: Operation, path: &str, attempts: u8, cause: InnerCause<E>) -> Inner<E> {
    let subject = Subject { operation, setup_intent: None, payment_intent: None, idempotency_key: None };
    let mut unknown = OutcomeUnknown::new(&subject, |k| k, attempts, cause);
    unknown.intent = Intent::named_by(operation, path);
    ClientError::OutcomeUnknown(unknown)
}

fn transport<E>(operation: Operation, phase: Phase, cause: InnerCause<E>) -> Inner<E> {
    ClientError::Transport(TransportError { operation, phase, attempts: 1, cause })
}

/// A failure once the whole request was handed over ([`Phase::Receive`]): the exchange
/// decides whether it is harmless (a read) or an outcome unknown.
fn after_send<E>(operation: Operation, cause: InnerCause<E>) -> Inner<E> {
    transport(operation, Phase::Receive, cause)
}

#[inline(never)]
fn send<C: Connection>(
    conn: &mut C,
    operation: Operation,
    method: embedded_svc::http::Method,
    url: &str,
    headers: &[(&str, &str)],
    mut body: &[u8],
) -> Result<(), Inner<C::Error>> {
    conn.initiate_request(method, url, headers).map_err(|e| transport(operation, Phase::Connect, InnerCause::Io(e)))?;
    while !body.is_empty() {
        match conn.write(body) {
            Ok(0) => return Err(transport(operation, Phase::Send, InnerCause::WriteZero)),
            Ok(n) => body = body.get(n..).unwrap_or(&[]),
            Err(e) => return Err(transport(operation, Phase::Send, InnerCause::Io(e))),
        }
    }
    conn.flush().map_err(|e| after_send(operation, InnerCause::Io(e)))?;
    conn.initiate_response().map_err(|e| after_send(operation, InnerCause::Io(e)))
}

#[inline(never)]
fn receive<C: Connection>(conn: &mut C, operation: Operation, buf: &mut [u8]) -> Result<Raw, Inner<C::Error>> {
    let status = conn.status();
    let content_length = conn.header("Content-Length").and_then(parse_digits);
    // No clock: the HTTP-date form is not honoured (the backoff's own delay applies).
    let retry_after_ms = conn.header("Retry-After").and_then(|v| retry_after_ms(v.as_bytes(), None));
    let capacity = buf.len();
    let too_large = || ClientError::ResponseTooLarge(ResponseTooLarge { operation, status, capacity, content_length });
    // 1xx, 204 and 304 answers have no body, whatever their headers say (RFC 9110):
    // waiting for one would hang on a kept-alive connection.
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Raw { status, len: 0, retry_after_ms, attempts: 1 });
    }
    let limit = match content_length {
        Some(cl) if cl > buf.len() as u64 => return Err(too_large()),
        Some(cl) => cl as usize,
        None => buf.len(),
    };
    let mut len = 0;
    while len < limit {
        let Some(dst) = buf.get_mut(len..limit) else { break };
        match conn.read(dst) {
            Ok(0) => break,
            Ok(n) => len += n.min(dst.len()),
            Err(e) => return Err(after_send(operation, InnerCause::Io(e))),
        }
    }
    match content_length {
        Some(expected) if (len as u64) < expected => {
            Err(after_send(operation, InnerCause::Truncated { expected, received: len }))
        }
        Some(_) => Ok(Raw { status, len, retry_after_ms, attempts: 1 }),
        // No length announced: the buffer is full only if the answer may go on; one
        // more byte decides.
        None if len == buf.len() => {
            let mut probe = [0u8; 1];
            match conn.read(&mut probe) {
                Ok(0) => Ok(Raw { status, len, retry_after_ms, attempts: 1 }),
                Ok(_) => Err(too_large()),
                Err(e) => Err(after_send(operation, InnerCause::Io(e))),
            }
        }
        None => Ok(Raw { status, len, retry_after_ms, attempts: 1 }),
    }
}

#[cfg(feature = "log")]
fn log_exchange(method: Method, path: &str, raw: &Raw) {
    // Never the headers: they carry the key.
    log::debug!("dojo: {} {} -> {} ({} bytes)", method.as_str(), path, raw.status, raw.len);
}

#[cfg(not(feature = "log"))]
fn log_exchange(_: Method, _: &str, _: &Raw) {}

#[cfg(feature = "log")]
fn log_failure<E: core::fmt::Debug>(operation: Operation, e: &Inner<E>) {
    log::warn!("dojo: {}: {}", operation.name(), e);
}

#[cfg(not(feature = "log"))]
fn log_failure<E>(_: Operation, _: &Inner<E>) {}

#[cfg(feature = "log")]
fn log_retry(operation: Operation, attempt: u8, ms: u32) {
    log::info!("dojo: {}: retry {} in {} ms", operation.name(), attempt, ms);
}

#[cfg(not(feature = "log"))]
fn log_retry(_: Operation, _: u8, _: u32) {}

#[cfg(test)]
mod tests {
    use super::format_len;

    #[test]
    fn header_numbers() {
        use super::parse_digits;
        assert_eq!(parse_digits("1500"), Some(1500));
        assert_eq!(parse_digits(" 7 "), Some(7));
        assert_eq!(parse_digits("18446744073709551615"), Some(u64::MAX));
        for bad in ["", " ", "-1", "+1", "1.5", "0x10", "18446744073709551616", "Wed, 21 Oct 2026 07:28:00 GMT"] {
            assert_eq!(parse_digits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn content_length_digits() {
        let mut d = [0u8; super::LEN_DIGITS];
        assert_eq!(format_len(0, &mut d), "0");
        assert_eq!(format_len(7, &mut d), "7");
        assert_eq!(format_len(1024, &mut d), "1024");
        assert_eq!(format_len(usize::MAX, &mut d), "18446744073709551615");
    }
}
