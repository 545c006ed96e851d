//! The emulator itself: its state and rules as a plain value. [`Emulator::handle`] takes a
//! request's parts and the wall-clock instant and gives the answer's parts, or the fault
//! that replaces it; no threads, no sockets, no clock read, no randomness but the seeded
//! generator. The HTTP server ([`Sandbox`](crate::Sandbox)) is a thin shell that feeds it
//! what hyper parsed and writes back what it answers, so the HTTP emulator and an
//! in-process one cannot differ.

use std::time::Duration;

use dojo_core::Timestamp;

use crate::cards::{CardOutcome, TestCard};
use crate::faults::{Fault, FaultKind};
use crate::json::to_json;
use crate::problem::ApiError;
use crate::routes::{self, Target};
use crate::store::State;
use crate::webhooks::Delivery;
use crate::{CaptureRecord, Config, SandboxError};

/// A request, as the emulator reads it: the method, the request target (path and
/// query, e.g. `/payment-intents/pi_…?returnCanceled=true`), the headers in the order
/// received (names matched case-insensitively, the first of a repeated name wins) and
/// the body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// `GET`, `POST`, … (case-sensitive, as HTTP methods are).
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// Set by the HTTP shell when it did not read the body (too large, or unreadable):
    /// answered at the point the body would have been used.
    pub(crate) body_error: Option<ApiError>,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            body_error: None,
        }
    }

    /// Adds a header (after those already there).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The path (the target up to `?`).
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(p, _)| p)
    }

    /// The query (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The first header named `name` (case-insensitive), as bytes.
    pub fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    /// The first header named `name` as text: `Some(Err(()))` when it is there but holds
    /// other than visible ASCII, space and tab (as `http::HeaderValue::to_str` refuses).
    pub(crate) fn header_str(&self, name: &str) -> Option<Result<&str, ()>> {
        self.header_bytes(name).map(|v| {
            if v.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)) {
                std::str::from_utf8(v).map_err(|_| ())
            } else {
                Err(())
            }
        })
    }

    /// Whether a header named `name` is there.
    pub(crate) fn has_header(&self, name: &str) -> bool {
        self.header_bytes(name).is_some()
    }
}

/// An answer: status, headers in the order to send them (`content-type`,
/// `content-length` except on a 204, then any other), body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

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

/// An answer before it has its headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn empty(status: u16) -> Self {
        Reply { status, content_type: "", body: Vec::new(), headers: Vec::new() }
    }

    pub(crate) fn into_response(self) -> Response {
        let mut headers: Vec<(String, String)> = Vec::with_capacity(2 + self.headers.len());
        if !self.content_type.is_empty() {
            headers.push(("content-type".into(), self.content_type.into()));
        }
        // A 204 carries no body and, by RFC 9110, no Content-Length.
        if self.status != 204 {
            headers.push(("content-length".into(), self.body.len().to_string()));
        }
        for (name, value) in self.headers {
            match headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some(slot) => slot.1 = value,
                None => headers.push((name.to_owned(), value)),
            }
        }
        Response { status: self.status, headers, body: self.body }
    }
}

impl State {
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

    /// Every webhook delivery so far, in the order the events happened.
    pub fn webhook_deliveries(&self) -> &[Delivery] {
        &self.state.webhooks.deliveries
    }

    /// The deliveries queued since the last call (the outbox), to attempt in any order;
    /// report each attempt with [`record_delivery_attempt`](Emulator::record_delivery_attempt).
    pub fn take_outbox(&mut self) -> Vec<DeliveryId> {
        std::mem::take(&mut self.state.webhooks.outbox).into_iter().map(DeliveryId).collect()
    }

    /// The delivery `id` (for its URL, body and signature).
    pub fn delivery(&self, id: DeliveryId) -> Option<&Delivery> {
        self.state.webhooks.deliveries.get(id.0)
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
