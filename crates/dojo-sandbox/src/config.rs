//! How an emulator starts ([`Config`]): a leaf every layer reads.

use std::net::SocketAddr;
use std::time::Duration;

use dojo_core::Timestamp;

/// How a [`Sandbox`](crate::Sandbox) starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where to listen (`127.0.0.1:0` by default: a free port on loopback).
    pub addr: SocketAddr,
    /// Seeds the generator behind ids, secrets and fault probabilities (runs repeat).
    pub seed: u64,
    /// The controllable clock's initial instant (`None`: the real time at start). The
    /// clock then runs with real time, plus whatever [`Sandbox::advance_clock`](crate::Sandbox::advance_clock) adds.
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
    /// else the oldest. [`Sandbox::evicted`](crate::Sandbox::evicted) counts them.
    pub max_intents: usize,
    /// The most webhook deliveries kept (10 000, at least 1; a delivery is ~1 KB): past
    /// it the oldest is forgotten, finished or not (one still being attempted is attempted
    /// no more). [`Sandbox::webhook_deliveries`](crate::Sandbox::webhook_deliveries) and
    /// `/_sandbox/webhooks/deliveries` list those kept; `/_sandbox/stats` counts them
    /// (`webhookDeliveries`) and those forgotten (`webhookDeliveriesEvicted`).
    pub max_webhook_deliveries: usize,
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
            max_webhook_deliveries: 10_000,
        }
    }
}

impl Config {
    /// The default configuration listening on `addr`.
    pub fn with_addr(addr: SocketAddr) -> Self {
        Config { addr, ..Config::default() }
    }
}
