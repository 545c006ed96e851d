#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod cards;
mod checkout;
mod clock;
mod control;
mod emulator;
mod faults;
mod index;
pub mod inprocess;
mod json;
mod payments;
mod problem;
mod records;
mod rng;
mod routes;
mod search;
mod server;
mod store;
mod webhooks;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use cards::TestCard;
pub use dojo_core::Timestamp;
pub use emulator::{DeliveryId, Emulator, Outcome, Pending, Request, Response};
pub use faults::{Fault, FaultKind, Route};
pub use inprocess::{Delivered, InProcess};
pub use webhooks::Delivery;

use crate::problem::ApiError;
use crate::server::Shared;

/// How a [`Sandbox`] starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where to listen (`127.0.0.1:0` by default: a free port on loopback).
    pub addr: SocketAddr,
    /// Seeds the generator behind ids, secrets and fault probabilities (runs repeat).
    pub seed: u64,
    /// The controllable clock's initial instant (`None`: the real time at start). The
    /// clock then runs with real time, plus whatever [`Sandbox::advance_clock`] adds.
    pub start_time: Option<Timestamp>,
    /// The largest request body accepted; larger is 413 (64 KiB by default).
    pub max_body_bytes: usize,
    /// How many times a webhook delivery is attempted before it is given up (3).
    pub webhook_max_attempts: u32,
    /// How long a request's headers may take to arrive, from the connection's start or
    /// the end of its previous answer (10 s); past it the connection is closed.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive once its headers are in (10 s);
    /// past it the answer is 408 and the connection is closed.
    pub body_read_timeout: Duration,
    /// The most connections open at once (512); more wait in the listen backlog.
    pub max_connections: usize,
    /// The merchant's trading name, shown to the customer on the checkout page.
    pub trading_name: String,
    /// The most setup intents, and the most payment intents, kept (100 000 each, ~1.5 KB
    /// apiece): past it, creating one forgets the oldest settled one (Captured, Canceled,
    /// Refunded, Reversed; Completed, Canceled, Expired, Closed) among the 64 oldest, or
    /// else the oldest. [`Sandbox::evicted`] counts them.
    pub max_intents: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 0,
            start_time: None,
            max_body_bytes: 64 * 1024,
            webhook_max_attempts: 3,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 512,
            trading_name: "Sandbox Trading Ltd".to_owned(),
            max_intents: 100_000,
        }
    }
}

impl Config {
    /// The default configuration listening on `addr`.
    pub fn with_addr(addr: SocketAddr) -> Self {
        Config { addr, ..Config::default() }
    }
}

/// Why a control call on a [`Sandbox`] failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SandboxError {
    /// No setup intent or payment intent has this id.
    NotFound(String),
    /// The intent is not in a status that allows this (e.g. already Authorized).
    Conflict(String),
    /// The card was declined: the intent stays as it was.
    Declined,
    /// Anything else the sandbox refused, with its explanation.
    Refused(String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::NotFound(m) => write!(f, "not found: {m}"),
            SandboxError::Conflict(m) => write!(f, "conflict: {m}"),
            SandboxError::Declined => f.write_str("the card was declined"),
            SandboxError::Refused(m) => write!(f, "refused: {m}"),
        }
    }
}

impl std::error::Error for SandboxError {}

impl From<ApiError> for SandboxError {
    fn from(e: ApiError) -> Self {
        let detail = e.detail.clone().unwrap_or_else(|| format!("{:?}", e.errors));
        match e.status {
            404 => SandboxError::NotFound(detail),
            409 => SandboxError::Conflict(detail),
            _ => SandboxError::Refused(detail),
        }
    }
}

/// A capture the sandbox recorded for a payment intent: by `/charge`, by an `Auto`
/// payment at checkout, by `/captures`, or by `autoExpireIn`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureRecord {
    /// The capture's id.
    pub id: String,
    /// The amount captured, in minor units.
    pub amount: i64,
    /// When, by the sandbox's clock.
    pub created_at: Timestamp,
}

/// A running sandbox: an HTTP server on its own thread and runtime. Dropping it (or
/// [`shutdown`](Sandbox::shutdown)) stops the server and joins the thread.
pub struct Sandbox {
    shared: Arc<Shared>,
    base_url: String,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds `config.addr` and starts serving. Fails only if the address cannot be bound
    /// or the runtime cannot start.
    pub fn start(config: Config) -> std::io::Result<Sandbox> {
        let listener = std::net::TcpListener::bind(config.addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{local}");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dojo-sandbox")
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(config, &base_url, tx));
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new().name("dojo-sandbox".into()).spawn(move || {
                runtime.spawn(webhooks::worker(shared.clone(), rx));
                runtime.block_on(server::serve(listener, shared, stop_rx));
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?
        };
        Ok(Sandbox { shared, base_url, stop: Some(stop), thread: Some(thread) })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash); append API paths as
    /// dojo-core builds them.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The checkout page of a setup intent (or payment intent):
    /// `http://127.0.0.1:PORT/checkout/{id}`, the local stand-in for
    /// `https://pay.dojo.tech/checkout/{id}`.
    pub fn checkout_url(&self, id: &str) -> String {
        format!("{}/checkout/{id}", self.base_url)
    }

    /// As if the customer entered `card` on the checkout page: a success card moves the
    /// setup intent from Created to Authorized; [`TestCard::DECLINE`] leaves it Created
    /// and returns [`SandboxError::Declined`].
    pub fn authorize_setup_intent(&self, id: &str, card: TestCard) -> Result<(), SandboxError> {
        self.shared.with(|emu, now| emu.authorize_setup_intent(id, card, now))
    }

    /// Declines the setup intent's card. While it is Created: a declined checkout attempt
    /// (it stays Created). Once it is Authorized: every later `/charge` of a payment
    /// intent created from it answers `status: Declined` (the payment intent stays
    /// Created and the setup intent Authorized).
    pub fn decline_setup_intent(&self, id: &str) -> Result<(), SandboxError> {
        self.shared.with(|emu, now| emu.decline_setup_intent(id, now))
    }

    /// As if the customer paid a payment intent on the checkout page: an `Auto` one is
    /// captured, a `Manual` one authorized; [`TestCard::DECLINE`] leaves it Created and
    /// returns [`SandboxError::Declined`].
    pub fn authorize_payment_intent(&self, id: &str, card: TestCard) -> Result<(), SandboxError> {
        self.shared.with(|emu, now| emu.authorize_payment_intent(id, card, now))
    }

    /// Adds a fault (after those already set; the first that hits a request wins).
    pub fn add_fault(&self, fault: Fault) {
        self.shared.with(|emu, _| emu.add_fault(fault));
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.with(|emu, _| emu.clear_faults());
    }

    /// Moves the sandbox's clock forward (expiry of setup and payment intents,
    /// `autoExpireIn`, timestamps); the clock stops at 9999-12-31T23:59:59Z, never
    /// overflows.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.with(|emu, _| emu.advance_clock(by));
    }

    /// The sandbox's now.
    pub fn now(&self) -> Timestamp {
        self.shared.with(|emu, now| emu.now(now))
    }

    /// Every capture recorded for the payment intent (empty for an unknown id).
    pub fn captures(&self, payment_intent_id: &str) -> Vec<CaptureRecord> {
        self.shared.with(|emu, _| emu.captures(payment_intent_id))
    }

    /// How many `/charge` requests for this payment intent reached the state, refused ones
    /// included (requests stopped by a fault before the state are not counted; nor are
    /// those for an id the sandbox does not hold, so they cannot grow its memory).
    pub fn charge_attempts(&self, payment_intent_id: &str) -> usize {
        self.shared.with(|emu, _| emu.charge_attempts(payment_intent_id))
    }

    /// Every webhook delivery so far, in the order the events happened.
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.shared.with(|emu, _| emu.webhook_deliveries().to_vec())
    }

    /// How many setup and payment intents were forgotten to stay within
    /// [`Config::max_intents`].
    pub fn evicted(&self) -> u64 {
        self.shared.with(|emu, _| emu.evicted())
    }

    /// How many TCP connections the server has accepted (keep-alive checks).
    pub fn connections_accepted(&self) -> u64 {
        self.shared.with(|emu, _| emu.connections())
    }

    /// How many HTTP requests reached the server (any route, faulted ones included).
    pub fn requests_served(&self) -> u64 {
        self.shared.with(|emu, _| emu.requests())
    }

    /// Stops the server and joins its thread (also done on drop).
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handles_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Sandbox>();
        check::<super::Delivery>();
        check::<super::SandboxError>();
    }
}
