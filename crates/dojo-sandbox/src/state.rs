//! The emulator's state: every record, index, fault, subscription and counter, as one
//! value, with the few things every operation uses (the clock, ids, error and JSON
//! answers). The operations on it live above it: setup intents in `store`, payment
//! intents in `payments`, search in `search`, the indexes' upkeep in `index`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dojo_core::{PaymentIntentStatus, Timestamp};

use crate::clock::Clock;
use crate::config::Config;
use crate::faults::Faults;
use crate::json::to_json;
use crate::message::Reply;
use crate::problem::ApiError;
use crate::records::{PaymentIntentRec, RefundRec, SetupIntentRec};
use crate::rng::Rng;
use crate::webhooks::Webhooks;

/// How long a setup intent waits for its customer by default.
pub(crate) const DEFAULT_SETUP_INTENT_LIFETIME_SECS: i64 = 7 * 24 * 3600;
/// The base of `paymentLink` until the shell says where it listens.
pub(crate) const DEFAULT_BASE_URL: &str = "http://localhost";
/// The largest cap the maps are pre-sized for (past it they grow as needed).
const PRESIZE_MAX: usize = 1 << 20;
/// How long a client session secret lasts.
pub(crate) const CLIENT_SECRET_LIFETIME_SECS: i64 = 3600;

/// Everything the sandbox knows.
#[derive(Debug)]
pub(crate) struct State {
    /// The wall-clock instant of the call being handled.
    pub(crate) wall: Timestamp,
    pub(crate) clock: Clock,
    pub(crate) stats: Stats,
    pub(crate) max_body_bytes: usize,
    pub(crate) webhook_max_attempts: u32,
    /// Where the checkout pages are (`paymentLink`), without a trailing slash.
    pub(crate) base_url: String,
    /// The merchant's name on the checkout page.
    pub(crate) trading_name: String,
    pub(crate) rng: Rng,
    pub(crate) faults: Faults,
    /// Boxed, so growing the map moves pointers, not records, while the lock is held.
    pub(crate) setup_intents: HashMap<String, Box<SetupIntentRec>>,
    pub(crate) payment_intents: HashMap<String, Box<PaymentIntentRec>>,
    pub(crate) refunds: HashMap<String, RefundRec>,
    pub(crate) charge_attempts: HashMap<String, usize>,
    pub(crate) webhooks: Webhooks,
    pub(crate) next_seq: u64,
    pub(crate) index: Index,
    /// The most setup intents, and the most payment intents, kept (`Config::max_intents`).
    pub(crate) max_intents: usize,
}

/// What `/_sandbox/stats` reports.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) connections: u64,
    pub(crate) requests: u64,
}

/// Owned text from a decoded request string (escapes decoded).
pub(crate) fn text(t: &dojo_core::Text<'_>) -> String {
    t.to_string()
}

/// A sub-object of a request, kept as JSON to echo back.
pub(crate) fn keep<T: serde::Serialize>(v: &Option<T>) -> Option<serde_json::Value> {
    v.as_ref().and_then(|v| serde_json::to_value(v).ok())
}

/// How long Dojo keeps an uncaptured `Manual` authorization without `autoExpireIn`.
pub(crate) const DEFAULT_AUTHORIZATION_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// A payment intent's place in creation order (`created_at` never decreases with `seq`,
/// since the clock only moves forward).
pub(crate) type Key = (Timestamp, u64);

/// The indexes.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Every payment intent, in creation order.
    pub(crate) payment_intents: BTreeMap<Key, String>,
    /// The payment intents by status (the status they had at the last reindex).
    pub(crate) by_status: Vec<(PaymentIntentStatus, BTreeSet<Key>)>,
    /// Every setup intent, in creation order (for eviction).
    pub(crate) setup_intents: BTreeMap<u64, String>,
    /// When a payment intent may expire (`expireAt`, or its authorization's lifetime).
    pub(crate) deadlines: BTreeSet<(Timestamp, u64, String)>,
    /// Payment intents touched since the last reindex.
    pub(crate) touched: Vec<String>,
    /// Intents forgotten to stay within the cap.
    pub(crate) evicted: u64,
}

impl Index {
    pub(crate) fn status_set(&self, s: PaymentIntentStatus) -> Option<&BTreeSet<Key>> {
        self.by_status.iter().find(|(k, _)| *k == s).map(|(_, v)| v)
    }

    pub(crate) fn status_set_mut(&mut self, s: PaymentIntentStatus) -> Option<&mut BTreeSet<Key>> {
        if !self.by_status.iter().any(|(k, _)| *k == s) {
            self.by_status.push((s, BTreeSet::new()));
        }
        self.by_status.iter_mut().find(|(k, _)| *k == s).map(|(_, v)| v)
    }
}

impl State {
    pub(crate) fn new(config: &Config) -> Self {
        State {
            wall: Timestamp::UNIX_EPOCH,
            clock: Clock::default(),
            stats: Stats::default(),
            max_body_bytes: config.max_body_bytes,
            webhook_max_attempts: config.webhook_max_attempts.max(1),
            base_url: DEFAULT_BASE_URL.to_owned(),
            trading_name: config.trading_name.clone(),
            rng: Rng::new(config.seed),
            faults: Faults::default(),
            // Pre-sized to the cap (eviction keeps them within it): no rehash, ever, under the lock.
            setup_intents: HashMap::with_capacity(config.max_intents.min(PRESIZE_MAX)),
            payment_intents: HashMap::with_capacity(config.max_intents.min(PRESIZE_MAX)),
            refunds: HashMap::new(),
            charge_attempts: HashMap::new(),
            webhooks: Webhooks::default(),
            next_seq: 0,
            index: Index::default(),
            max_intents: config.max_intents,
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now(self.wall)
    }

    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.rng.base64url22())
    }

    pub(crate) fn new_secret(&mut self) -> String {
        format!("{}{}", self.rng.base64url22(), self.rng.base64url22())
    }

    /// A W3C trace id, as ASP.NET puts in `traceId`.
    pub(crate) fn trace_id(&mut self) -> String {
        format!("00-{}-{}-00", self.rng.hex(32), self.rng.hex(16))
    }

    /// The next creation sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// An error answer with a fresh trace id.
    pub(crate) fn error(&mut self, e: &ApiError) -> Reply {
        let trace_id = self.trace_id();
        let body = to_json(&e.body(&trace_id)).unwrap_or_default();
        let headers = e.allow.iter().map(|a| ("allow", a.clone())).collect();
        Reply { status: e.status, content_type: "application/problem+json; charset=utf-8", body, headers }
    }

    /// A JSON answer written as the real server writes it.
    pub(crate) fn json<T: serde::Serialize>(&mut self, status: u16, value: &T) -> Reply {
        match to_json(value) {
            Ok(body) => Reply { status, content_type: "application/json; charset=utf-8", body, headers: Vec::new() },
            Err(e) => self.error(&ApiError::new(500, format!("The response could not be encoded: {e}"))),
        }
    }
}
