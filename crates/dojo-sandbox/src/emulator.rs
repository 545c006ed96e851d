//! The emulator itself: its state and rules as a plain value. [`Emulator::handle`] takes a
//! request's parts and the wall-clock instant and gives the answer's parts, or the fault
//! that replaces it; no threads, no sockets, no clock read, no randomness but the seeded
//! generator. The HTTP server ([`Sandbox`](crate::Sandbox)) is a thin shell that feeds it
//! what hyper parsed and writes back what it answers, so the HTTP emulator and an
//! in-process one cannot differ.

use std::fmt;
use std::time::Duration;

use dojo_core::Timestamp;

use crate::cards::{CardOutcome, TestCard};
use crate::config::Config;
use crate::faults::{Fault, FaultKind};
use crate::message::{Request, Response};
use crate::problem::ApiError;
use crate::routes::{self, Target};
use crate::state::State;
use crate::webhooks::Delivery;

/// What became of a request: its answer, or the fault that replaced it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// The answer, to send whole.
    Answer(Response),
    /// No answer ever arrives and the state did not change (the connection is closed).
    DropBeforeCommit,
    /// The state changed, and this answer is lost (the connection is closed without it).
    DropAfterCommit(Response),
    /// The state changed; the headers are sent with the full `Content-Length`, then the
    /// first half of the body, then the connection is closed.
    Truncated(Response),
    /// A latency fault: nothing has happened yet. Wait [`Pending::delay`], then call
    /// [`Emulator::resume`] (a server finishes what it received: the shell does so even if
    /// its client has gone).
    Delayed(Pending),
}

/// A request held by a latency fault, for [`Emulator::resume`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    delay: Duration,
    target: Target,
    request: Request,
}

impl Pending {
    /// How long the answer is held back.
    pub fn delay(&self) -> Duration {
        self.delay
    }
}

/// A webhook delivery waiting to be attempted: its place in
/// [`Emulator::webhook_deliveries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryId(pub(crate) usize);

/// Why a control call on a [`Sandbox`](crate::Sandbox) failed.
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

/// The emulator: every setup intent, payment intent, refund, subscription, fault and
/// delivery, and the rules that move them. Deterministic: the same calls with the same
/// instants give the same answers, byte for byte.
#[derive(Debug)]
pub struct Emulator {
    pub(crate) state: State,
}

impl Emulator {
    /// An emulator with `config`'s seed, body limit and webhook attempts (`addr` and
    /// `start_time` are the HTTP shell's).
    pub fn new(config: &Config) -> Self {
        Emulator { state: State::new(config) }
    }

    /// Pre-sizes the intent maps to `Config::max_intents` (the HTTP shell does, once).
    pub(crate) fn presize(&mut self) {
        self.state.presize();
    }

    /// Sets where the emulator's checkout pages are served (e.g. `http://127.0.0.1:8080`,
    /// no trailing slash): payment intents created afterwards carry
    /// `paymentLink: {base}/checkout/{id}`. In process it is `http://localhost` until set.
    pub fn set_base_url(&mut self, base: &str) {
        self.state.base_url = base.trim_end_matches('/').to_owned();
    }

    /// Handles one request at the wall-clock instant `now` (the emulator adds what
    /// [`advance_clock`](Emulator::advance_clock) added).
    pub fn handle(&mut self, request: Request, now: Timestamp) -> Outcome {
        self.begin(now);
        let outcome = self.dispatch(request);
        self.state.reindex();
        outcome
    }

    /// Every call starts here: the instant, then the expiries due by it.
    fn begin(&mut self, now: Timestamp) {
        self.state.wall = now;
        self.state.sweep();
    }

    fn dispatch(&mut self, request: Request) -> Outcome {
        self.state.stats.requests += 1;
        let target = match routes::resolve(&request.method, request.path()) {
            Ok(t) => t,
            Err(e) => return Outcome::Answer(self.state.error(&e).into_response()),
        };
        let fault = target.route().and_then(|route| {
            let state = &mut self.state;
            state.faults.hit(route, &mut state.rng)
        });
        match fault {
            Some(FaultKind::Latency(delay)) => return Outcome::Delayed(Pending { delay, target, request }),
            Some(FaultKind::Status(s)) => {
                let e = ApiError::new(s, "Injected by a dojo-sandbox fault; the state is unchanged.");
                return Outcome::Answer(self.state.error(&e).into_response());
            }
            Some(FaultKind::StatusRetryAfter { status, retry_after }) => {
                let e = ApiError::new(status, "Injected by a dojo-sandbox fault; the state is unchanged.");
                let mut reply = self.state.error(&e);
                reply.headers.push(("retry-after", FaultKind::retry_after_seconds(retry_after).to_string()));
                return Outcome::Answer(reply.into_response());
            }
            Some(FaultKind::DropBeforeCommit) => return Outcome::DropBeforeCommit,
            _ => {}
        }
        self.finish(target, &request, fault)
    }

    /// Handles a request a latency fault held, at the wall-clock instant `now`.
    pub fn resume(&mut self, pending: Pending, now: Timestamp) -> Outcome {
        self.begin(now);
        let outcome = self.finish(pending.target, &pending.request, None);
        self.state.reindex();
        outcome
    }

    fn finish(&mut self, target: Target, request: &Request, fault: Option<FaultKind>) -> Outcome {
        let max = self.state.max_body_bytes;
        let body_error = request.body_error.clone().or_else(|| {
            (request.body.len() > max)
                .then(|| ApiError::new(413, format!("The request body is larger than {max} bytes.")))
        });
        if let Some(e) = body_error {
            return Outcome::Answer(self.state.error(&e).into_response());
        }
        let response = routes::handle(&mut self.state, target, request).into_response();
        match fault {
            Some(FaultKind::DropAfterCommit) => Outcome::DropAfterCommit(response),
            Some(FaultKind::TruncateBody) => Outcome::Truncated(response),
            _ => Outcome::Answer(response),
        }
    }

    /// As if the customer entered `card` on the setup intent's checkout page.
    pub fn authorize_setup_intent(&mut self, id: &str, card: TestCard, now: Timestamp) -> Result<(), SandboxError> {
        self.begin(now);
        let outcome = self.state.authorize_setup_intent(id, &card, None);
        self.state.reindex();
        match outcome? {
            CardOutcome::Authorized => Ok(()),
            CardOutcome::Declined => Err(SandboxError::Declined),
        }
    }

    /// Declines the setup intent's card (see [`Sandbox::decline_setup_intent`](crate::Sandbox::decline_setup_intent)).
    pub fn decline_setup_intent(&mut self, id: &str, now: Timestamp) -> Result<(), SandboxError> {
        self.begin(now);
        let r = self.state.decline_setup_intent(id);
        self.state.reindex();
        Ok(r?)
    }

    /// As if the customer paid the payment intent on its checkout page.
    pub fn authorize_payment_intent(&mut self, id: &str, card: TestCard, now: Timestamp) -> Result<(), SandboxError> {
        self.begin(now);
        let outcome = self.state.authorize_payment_intent(id, &card, None);
        self.state.reindex();
        match outcome? {
            CardOutcome::Authorized => Ok(()),
            CardOutcome::Declined => Err(SandboxError::Declined),
        }
    }

    /// Adds a fault (after those already set; the first that hits a request wins).
    pub fn add_fault(&mut self, fault: Fault) {
        self.state.faults.add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&mut self) {
        self.state.faults.clear();
    }

    /// Moves the emulator's clock forward (saturating).
    pub fn advance_clock(&mut self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// The emulator's now at the wall-clock instant `wall`.
    pub fn now(&self, wall: Timestamp) -> Timestamp {
        self.state.clock.now(wall)
    }

    /// Every capture recorded for the payment intent (empty for an unknown id).
    pub fn captures(&self, payment_intent_id: &str) -> Vec<CaptureRecord> {
        self.state.payment_intents.get(payment_intent_id).map_or_else(Vec::new, |pi| {
            pi.captures
                .iter()
                .map(|c| CaptureRecord { id: c.id.clone(), amount: c.amount, created_at: c.created_at })
                .collect()
        })
    }

    /// How many `/charge` requests for this id reached the state, refused ones included.
    pub fn charge_attempts(&self, payment_intent_id: &str) -> usize {
        self.state.charge_attempts.get(payment_intent_id).copied().unwrap_or(0)
    }

    /// The webhook deliveries kept (the latest `Config::max_webhook_deliveries`), in the
    /// order the events happened.
    pub fn webhook_deliveries(&self) -> std::collections::vec_deque::Iter<'_, Delivery> {
        self.state.webhooks.deliveries.iter()
    }

    /// Webhook deliveries forgotten to stay within `Config::max_webhook_deliveries`.
    pub fn deliveries_evicted(&self) -> u64 {
        self.state.webhooks.evicted
    }

    /// The deliveries queued since the last call (the outbox), to attempt in any order;
    /// report each attempt with [`record_delivery_attempt`](Emulator::record_delivery_attempt).
    pub fn take_outbox(&mut self) -> Vec<DeliveryId> {
        std::mem::take(&mut self.state.webhooks.outbox).into_iter().map(DeliveryId).collect()
    }

    /// The delivery `id` (for its URL, body and signature); `None` once it has been
    /// forgotten (see `Config::max_webhook_deliveries`).
    pub fn delivery(&self, id: DeliveryId) -> Option<&Delivery> {
        self.state.webhooks.delivery(id.0)
    }

    /// Records attempt number `attempt` (from 1) of delivery `id`: `Ok(status)` if an
    /// answer came, `Err(why)` if none did. Returns whether another attempt is due (not
    /// delivered, and fewer than `Config::webhook_max_attempts` made).
    pub fn record_delivery_attempt(&mut self, id: DeliveryId, attempt: u32, result: Result<u16, String>) -> bool {
        let max = self.state.webhook_max_attempts;
        self.state.webhooks.record(id.0, attempt, max, result)
    }

    /// Counts a connection (the HTTP shell calls it; `/_sandbox/stats` reports it).
    pub fn count_connection(&mut self) {
        self.state.stats.connections += 1;
    }

    /// Connections counted by [`count_connection`](Emulator::count_connection).
    pub fn connections(&self) -> u64 {
        self.state.stats.connections
    }

    /// Setup and payment intents forgotten to stay within `Config::max_intents`.
    pub fn evicted(&self) -> u64 {
        self.state.index.evicted
    }

    /// Requests handled (faulted ones included).
    pub fn requests(&self) -> u64 {
        self.state.stats.requests
    }
}
