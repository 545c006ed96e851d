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
use dojo_core::json::EncodeError;
use serde::Serialize;

/// How long a setup intent waits for its customer by default.
pub(crate) const DEFAULT_SETUP_INTENT_LIFETIME_SECS: i64 = 7 * 24 * 3600;
/// The base of `paymentLink` until the shell says where it listens.
pub(crate) const DEFAULT_BASE_URL: &str = "http://localhost";
/// The largest cap the maps are pre-sized for (past it they grow as needed).
const PRESIZE_MAX: usize = 1 << 20;
/// The content type of a JSON answer.
const JSON: &str = "application/json; charset=utf-8";
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
    /// The last setup intent and payment intent read, with their JSON.
    pub(crate) encoded: Encoded,
}

/// The last setup intent and the last payment intent a `GET` answered, with their JSON: a
/// kiosk polls one intent, which mostly has not changed since, and equal records encode to
/// equal bytes (the answer is the same; only the encoding is skipped).
#[derive(Debug, Default)]
pub(crate) struct Encoded {
    pub(crate) setup_intent: Option<(SetupIntentRec, Vec<u8>)>,
    pub(crate) payment_intent: Option<(PaymentIntentRec, Vec<u8>)>,
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
            // Pre-sized by the HTTP shell (`presize`); in process they grow as needed.
            setup_intents: HashMap::new(),
            payment_intents: HashMap::new(),
            refunds: HashMap::new(),
            charge_attempts: HashMap::new(),
            webhooks: Webhooks::new(config.max_webhook_deliveries),
            next_seq: 0,
            index: Index::default(),
            max_intents: config.max_intents,
            encoded: Encoded::default(),
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
            Ok(body) => Reply { status, content_type: JSON, body, headers: Vec::new() },
            Err(e) => self.error(&ApiError::new(500, format!("The response could not be encoded: {e}"))),
        }
    }

    /// The setup intent `id` as a 200 JSON answer (see [`Encoded`]); call it once
    /// [`setup_intent_mut`](State::setup_intent_mut) has found it and applied its expiry.
    pub(crate) fn setup_intent_json(&mut self, id: &str) -> Result<Reply, ApiError> {
        let State { setup_intents, encoded, .. } = self;
        let si = setup_intents.get(id).ok_or_else(|| ApiError::not_found("Setup intent", id))?;
        let body = cached(&mut encoded.setup_intent, si);
        Ok(self.json_body(body))
    }

    /// The payment intent `id` as a 200 JSON answer (see [`Encoded`]); call it once
    /// `payment_intent_mut` has found it.
    pub(crate) fn payment_intent_json(&mut self, id: &str) -> Result<Reply, ApiError> {
        let State { payment_intents, encoded, .. } = self;
        let pi = payment_intents.get(id).ok_or_else(|| ApiError::not_found("Payment intent", id))?;
        let body = cached(&mut encoded.payment_intent, pi);
        Ok(self.json_body(body))
    }

    fn json_body(&mut self, body: Result<Vec<u8>, EncodeError>) -> Reply {
        match body {
            Ok(body) => Reply { status: 200, content_type: JSON, body, headers: Vec::new() },
            Err(e) => self.error(&ApiError::new(500, format!("The response could not be encoded: {e}"))),
        }
    }

    /// Pre-sizes the maps to the cap (eviction keeps them within it): no rehash, ever,
    /// under the HTTP server's lock. Not done in process, where a fresh emulator per test
    /// or fuzz input would allocate (and zero) the maps each time.
    pub(crate) fn presize(&mut self) {
        let n = self.max_intents.min(PRESIZE_MAX);
        self.setup_intents.reserve(n);
        self.payment_intents.reserve(n);
    }
}

/// The JSON of `value`: the bytes kept in `slot` when they are of an equal record, else
/// encoded (and kept).
fn cached<T: Serialize + PartialEq + Clone>(
    slot: &mut Option<(T, Vec<u8>)>,
    value: &T,
) -> Result<Vec<u8>, EncodeError> {
    if let Some((last, body)) = slot
        && last == value
    {
        return Ok(body.clone());
    }
    let body = to_json(value)?;
    *slot = Some((value.clone(), body.clone()));
    Ok(body)
}

#[cfg(test)]
mod tests {
    use dojo_core::Timestamp;

    use crate::{Config, Emulator, Outcome, Request, TestCard};

    const SI: &str = r#"{"reference":"r","terms":"t","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":100,"currencyCode":"GBP"}}"#;

    fn get(emu: &mut Emulator, now: Timestamp, path: &str) -> Vec<u8> {
        let req =
            Request::new("GET", path).header("authorization", "Basic sk_sandbox_t").header("version", "2026-02-27");
        match emu.handle(req, now) {
            Outcome::Answer(r) => r.body,
            other => panic!("{other:?}"),
        }
    }

    fn post(emu: &mut Emulator, now: Timestamp, path: &str, body: &str) -> serde_json::Value {
        let req = Request::new("POST", path)
            .header("authorization", "Basic sk_sandbox_t")
            .header("version", "2026-02-27")
            .header("content-type", "application/json")
            .body(body);
        match emu.handle(req, now) {
            Outcome::Answer(r) => serde_json::from_slice(&r.body).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    /// A `GET` answered from the kept JSON is the JSON of the record as it is now: equal
    /// while it has not changed, new once it has (a status change, the clock's expiry).
    #[test]
    fn kept_json_follows_the_record() {
        let mut emu = Emulator::new(&Config::in_process());
        let t0 = Timestamp::from_unix(1_780_000_000);
        let si = post(&mut emu, t0, "/setup-intents", SI);
        let si_path = format!("/setup-intents/{}", si["id"].as_str().unwrap());
        let pi = post(
            &mut emu,
            t0,
            "/payment-intents",
            r#"{"amount":{"value":100,"currencyCode":"GBP"},"reference":"p","captureMode":"Manual"}"#,
        );
        let pi_id = pi["id"].as_str().unwrap().to_owned();
        let pi_path = format!("/payment-intents/{pi_id}");

        let first = get(&mut emu, t0, &si_path);
        assert_eq!(get(&mut emu, t0, &si_path), first, "unchanged: the same bytes");
        let first_pi = get(&mut emu, t0, &pi_path);
        emu.authorize_setup_intent(si["id"].as_str().unwrap(), TestCard::SUCCESS, t0).unwrap();
        let after = get(&mut emu, t0, &si_path);
        assert_ne!(after, first);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&after).unwrap()["status"], "Authorized");

        // The other kind in between does not disturb it; a change of the payment intent shows.
        assert_eq!(get(&mut emu, t0, &pi_path), first_pi);
        emu.authorize_payment_intent(&pi_id, TestCard::SUCCESS, t0).unwrap();
        let authorized = get(&mut emu, t0, &pi_path);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&authorized).unwrap()["status"], "Authorized");

        // Expiry applied by the read itself: a Created setup intent past its expireAt.
        let si2 = post(&mut emu, t0, "/setup-intents", SI);
        let si2_path = format!("/setup-intents/{}", si2["id"].as_str().unwrap());
        let created = get(&mut emu, t0, &si2_path);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&created).unwrap()["status"], "Created");
        let later = Timestamp::from_unix(1_780_000_000 + 400 * 86_400);
        let expired = get(&mut emu, later, &si2_path);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&expired).unwrap()["status"], "Expired");
    }
}
