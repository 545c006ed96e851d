//! Test-only controls under `/_sandbox/…` (no key, JSON in and out), off the real API's
//! paths. See the crate docs for the list.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cards::{CardOutcome, TestCard, check_entered};
use crate::faults::{Fault, FaultKind, Route};
use crate::message::Reply;
use crate::problem::ApiError;
use crate::state::State;

/// A control request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    AuthorizeSetupIntent(String),
    DeclineSetupIntent(String),
    AuthorizePaymentIntent(String),
    Captures(String),
    ChargeAttempts(String),
    ClockGet,
    ClockAdvance,
    FaultsList,
    FaultsAdd,
    FaultsClear,
    Deliveries,
    Stats,
}

/// The controls at `/_sandbox/{rest}`, by method.
pub(crate) fn resolve(rest: &[&str]) -> Vec<(&'static str, Control)> {
    use Control as C;
    let s = |x: &&str| (*x).to_owned();
    match rest {
        ["setup-intents", id, "authorize"] => vec![("POST", C::AuthorizeSetupIntent(s(id)))],
        ["setup-intents", id, "decline"] => vec![("POST", C::DeclineSetupIntent(s(id)))],
        ["payment-intents", id, "authorize"] => vec![("POST", C::AuthorizePaymentIntent(s(id)))],
        ["payment-intents", id, "captures"] => vec![("GET", C::Captures(s(id)))],
        ["payment-intents", id, "charge-attempts"] => vec![("GET", C::ChargeAttempts(s(id)))],
        ["clock"] => vec![("GET", C::ClockGet)],
        ["clock", "advance"] => vec![("POST", C::ClockAdvance)],
        ["faults"] => {
            vec![("GET", C::FaultsList), ("POST", C::FaultsAdd), ("DELETE", C::FaultsClear)]
        }
        ["webhooks", "deliveries"] => vec![("GET", C::Deliveries)],
        ["stats"] => vec![("GET", C::Stats)],
        _ => Vec::new(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CardBody {
    card_number: Option<String>,
    expiry: Option<String>,
    cardholder_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvanceBody {
    seconds: u64,
}

/// A fault as JSON.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FaultJson {
    route: String,
    kind: String,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default = "one")]
    probability: f64,
    #[serde(default)]
    latency_ms: u64,
    #[serde(default)]
    status: Option<u16>,
    /// With `kind: "status"`: also send `Retry-After` with this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
}

fn one() -> f64 {
    1.0
}

impl FaultJson {
    fn from_fault(f: &Fault) -> Self {
        let (latency_ms, status, retry_after_seconds) = match f.kind {
            FaultKind::Latency(d) => (u64::try_from(d.as_millis()).unwrap_or(u64::MAX), None, None),
            FaultKind::Status(s) => (0, Some(s), None),
            FaultKind::StatusRetryAfter { status, retry_after } => {
                (0, Some(status), Some(FaultKind::retry_after_seconds(retry_after)))
            }
            _ => (0, None, None),
        };
        FaultJson {
            route: f.route.name().to_owned(),
            kind: f.kind.name().to_owned(),
            times: f.times,
            probability: f.probability,
            latency_ms,
            status,
            retry_after_seconds,
        }
    }

    fn to_fault(&self) -> Result<Fault, ApiError> {
        let route = Route::parse(&self.route).ok_or_else(|| ApiError::field("route", "Unknown route name."))?;
        let kind = match self.kind.as_str() {
            "latency" => FaultKind::Latency(Duration::from_millis(self.latency_ms)),
            "status" => match self.retry_after_seconds {
                None => FaultKind::Status(self.status.unwrap_or(503)),
                Some(s) => FaultKind::StatusRetryAfter {
                    status: self.status.unwrap_or(503),
                    retry_after: Duration::from_secs(s),
                },
            },
            "drop_before_commit" => FaultKind::DropBeforeCommit,
            "drop_after_commit" => FaultKind::DropAfterCommit,
            "truncate_body" => FaultKind::TruncateBody,
            _ => return Err(ApiError::field("kind", "Unknown fault kind.")),
        };
        if let FaultKind::Status(s) | FaultKind::StatusRetryAfter { status: s, .. } = kind
            && !(400..=599).contains(&s)
        {
            return Err(ApiError::field("status", "A fault's status must be 400-599."));
        }
        if self.retry_after_seconds.is_some() && self.kind != "status" {
            return Err(ApiError::field("retryAfterSeconds", "Only a \"status\" fault sends Retry-After."));
        }
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(ApiError::field("probability", "The probability must be between 0 and 1."));
        }
        Ok(Fault { route, kind, times: self.times, probability: self.probability })
    }
}

fn json_body<'a, T: Deserialize<'a> + Default>(body: &'a [u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::field("$", e.to_string()))
}

fn card_of(b: &CardBody) -> Result<TestCard, ApiError> {
    match &b.card_number {
        None => Ok(TestCard::SUCCESS),
        Some(n) => check_entered(n, b.expiry.as_deref().unwrap_or(TestCard::SUCCESS.expiry))
            .map_err(|m| ApiError::field("cardNumber", m)),
    }
}

fn outcome_reply(state: &mut State, o: CardOutcome) -> Reply {
    let outcome = match o {
        CardOutcome::Authorized => "Authorized",
        CardOutcome::Declined => "Declined",
    };
    plain_json(state, 200, &serde_json::json!({ "outcome": outcome }))
}

fn plain_json<T: Serialize>(state: &mut State, status: u16, v: &T) -> Reply {
    match serde_json::to_vec(v) {
        Ok(body) => Reply { status, content_type: "application/json", body, headers: Vec::new() },
        Err(e) => state.error(&ApiError::new(500, e.to_string())),
    }
}

/// Handles a control request.
pub(crate) fn handle(state: &mut State, c: Control, body: &[u8]) -> Reply {
    match run(state, c, body) {
        Ok(r) => r,
        Err(e) => state.error(&e),
    }
}

fn run(state: &mut State, c: Control, body: &[u8]) -> Result<Reply, ApiError> {
    use Control as C;
    Ok(match c {
        C::AuthorizeSetupIntent(id) => {
            let b: CardBody = json_body(body)?;
            let card = card_of(&b)?;
            let o = state.authorize_setup_intent(&id, &card, b.cardholder_name)?;
            outcome_reply(state, o)
        }
        C::AuthorizePaymentIntent(id) => {
            let b: CardBody = json_body(body)?;
            let card = card_of(&b)?;
            let o = state.authorize_payment_intent(&id, &card, b.cardholder_name)?;
            outcome_reply(state, o)
        }
        C::DeclineSetupIntent(id) => {
            state.decline_setup_intent(&id)?;
            plain_json(state, 200, &serde_json::json!({ "outcome": "Declined" }))
        }
        C::Captures(id) => {
            let caps = state.payment_intent_mut(&id)?.captures.clone();
            let list: Vec<_> = caps
                .iter()
                .map(|c| serde_json::json!({ "id": c.id, "amount": c.amount, "createdAt": c.created_at.to_string() }))
                .collect();
            plain_json(state, 200, &list)
        }
        C::ChargeAttempts(id) => {
            let n = state.charge_attempts.get(&id).copied().unwrap_or(0);
            plain_json(state, 200, &serde_json::json!({ "count": n }))
        }
        C::ClockGet => {
            let now = state.now();
            plain_json(state, 200, &serde_json::json!({ "now": now.to_string() }))
        }
        C::ClockAdvance => {
            let b: AdvanceBody = serde_json::from_slice(body).map_err(|e| ApiError::field("seconds", e.to_string()))?;
            let room = crate::clock::MAX_UNIX_SECONDS.saturating_sub(state.now().unix_seconds());
            if b.seconds > u64::try_from(room).unwrap_or(0) {
                return Err(ApiError::field(
                    "seconds",
                    format!("Advancing {} s would pass 9999-12-31T23:59:59Z; at most {room} s.", b.seconds),
                ));
            }
            state.clock.advance(Duration::from_secs(b.seconds));
            let now = state.now();
            plain_json(state, 200, &serde_json::json!({ "now": now.to_string() }))
        }
        C::FaultsList => {
            let list: Vec<FaultJson> = state.faults.list().iter().map(FaultJson::from_fault).collect();
            plain_json(state, 200, &list)
        }
        C::FaultsAdd => {
            let f: FaultJson = serde_json::from_slice(body).map_err(|e| ApiError::field("$", e.to_string()))?;
            let fault = f.to_fault()?;
            state.faults.add(fault);
            plain_json(state, 200, &FaultJson::from_fault(&fault))
        }
        C::FaultsClear => {
            state.faults.clear();
            Reply::empty(204)
        }
        C::Stats => {
            let (connections, requests) = (state.stats.connections, state.stats.requests);
            let (evicted, setup_intents, payment_intents) =
                (state.index.evicted, state.setup_intents.len(), state.payment_intents.len());
            let (deliveries, deliveries_evicted) = (state.webhooks.deliveries.len(), state.webhooks.evicted);
            let stats = serde_json::json!({
                "connections": connections,
                "requests": requests,
                "setupIntents": setup_intents,
                "paymentIntents": payment_intents,
                "evicted": evicted,
                "webhookDeliveries": deliveries,
                "webhookDeliveriesEvicted": deliveries_evicted,
            });
            plain_json(state, 200, &stats)
        }
        C::Deliveries => {
            let list = state.webhooks.deliveries.clone();
            plain_json(state, 200, &list)
        }
    })
}
