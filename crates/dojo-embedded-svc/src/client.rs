//! The client: one exchange per dojo-core request over an embedded-svc connection.
//!
//! Split by what each part holds: this file, the connector and the client's settings;
//! [`exchange`] the I/O loop over dojo-core's exchange; [`operations`] one typed method
//! per API operation; [`decode`] answers into what the caller keeps (and why a
//! multi-step operation stopped); [`inner`] answers and errors while the caller's buffer
//! is in use; [`wire`] the HTTP request and answer over an
//! embedded-svc connection.

use dojo_core::charge::SettlePolicy;
use dojo_core::exchange::check_base_url;
use dojo_core::request::{Api, DEFAULT_BASE_URL};
use dojo_core::{ValidationError, ValidationErrorKind};
use embedded_svc::http::client::Connection;
use embedded_svc::io::ErrorType;

use crate::error::Error;
use crate::retry::{Delay, NoDelay, RetryPolicy};

mod decode;
mod exchange;
mod inner;
mod operations;
mod wire;

pub(crate) use decode::{Stop, Stopped, decode_with};
pub(crate) use exchange::Call;
use inner::Inner;

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
    /// Why the last internal step stopped ([`Stopped`]), until the operation reports it.
    pub(crate) stop: Option<Stop<ConnError<K>>>,
    /// The length of the 5xx answer at the start of the buffer that an outcome unknown
    /// in `stop` names (its body is borrowed once the operation reports it).
    answer_len: usize,
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
            stop: None,
            answer_len: 0,
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
            stop: self.stop,
            answer_len: self.answer_len,
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

    /// Keeps `stop` as why the current operation stopped.
    pub(crate) fn stopped(&mut self, stop: Stop<ConnError<K>>) -> Stopped {
        Stopped::at(&mut self.stop, stop)
    }

    /// Keeps `e` as why the current operation stopped.
    pub(crate) fn fail(&mut self, e: Inner<ConnError<K>>) -> Stopped {
        self.stopped(Stop::Failed(e))
    }

    /// Keeps the lifecycle's refusal `e` as why the current operation stopped: made in
    /// place, one copy for every step that checks the lifecycle.
    #[inline(never)]
    pub(crate) fn refused(&mut self, e: &dojo_core::error::LifecycleError) -> Stopped {
        self.fail((*e).into())
    }

    /// Why the current operation stopped, as the caller's [`Error`] (an answer in `buf`
    /// borrows it), once its steps are over.
    #[inline(never)]
    pub(crate) fn take_error<'b>(&mut self, buf: &'b [u8]) -> Error<'b, ConnError<K>> {
        // Every `Stopped` keeps its reason in the slot first: never empty here. Were it
        // so, the error would be an answer with no status, not a panic.
        match self.stop.take() {
            Some(stop) => stop.into_error(buf, self.answer_len),
            None => Error::Api(dojo_core::problem::ApiError::from_response(0, &[])),
        }
    }
}
