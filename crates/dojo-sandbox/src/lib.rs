#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod cards;
mod checkout;
mod clock;
mod config;
mod control;
mod emulator;
mod faults;
mod index;
pub mod inprocess;
mod json;
mod message;
mod payments;
mod problem;
mod records;
mod rng;
mod routes;
mod search;
mod server;
mod state;
mod store;
mod webhooks;

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use cards::TestCard;
pub use config::Config;
pub use dojo_core::Timestamp;
pub use emulator::{CaptureRecord, DeliveryId, Emulator, Outcome, Pending, SandboxError};
pub use faults::{Fault, FaultKind, Route};
pub use inprocess::{Delivered, InProcess};
pub use message::{Request, Response};
pub use webhooks::Delivery;

use crate::server::Shared;

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
                runtime.spawn(server::worker(shared.clone(), rx));
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

    /// The webhook deliveries kept (the latest [`Config::max_webhook_deliveries`]), in the
    /// order the events happened.
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.shared.with(|emu, _| emu.webhook_deliveries().cloned().collect())
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
