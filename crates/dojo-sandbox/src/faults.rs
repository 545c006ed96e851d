//! Fault injection: per route, deterministic by seed.

use std::time::Duration;

use dojo_core::request::Operation;

use crate::rng::Rng;

/// One operation of the API (or [`Route::Any`]), as faults name them. Over HTTP each is
/// its snake_case name (`"charge_payment_intent"`, `"any"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /setup-intents`
    CreateSetupIntent,
    /// `GET /setup-intents/{id}`
    GetSetupIntent,
    /// `DELETE /setup-intents/{id}`
    CancelSetupIntent,
    /// `GET /setup-intents/public/{id}`
    GetPublicSetupIntent,
    /// `POST /setup-intents/{id}/refresh-client-session-secret` (and its public twin)
    RefreshSetupIntentSecret,
    /// `POST /payment-intents`
    CreatePaymentIntent,
    /// `GET /payment-intents/{id}`
    GetPaymentIntent,
    /// `DELETE /payment-intents/{id}`
    CancelPaymentIntent,
    /// `POST /payment-intents/{id}/charge`
    ChargePaymentIntent,
    /// `POST /payment-intents/{id}/captures`
    CapturePaymentIntent,
    /// `POST /payment-intents/{id}/refunds`
    RefundPaymentIntent,
    /// `POST /payment-intents/{id}/reversal`
    ReversePaymentIntent,
    /// `POST /payment-intents/search`
    SearchPaymentIntents,
    /// `POST /payment-intents/{id}/refresh-client-session-secret`
    RefreshPaymentIntentSecret,
    /// `GET /payment-intents/refunds/{refundId}`
    GetRefund,
    /// Any of the webhook subscription routes (`/webhooks…`).
    Webhooks,
    /// Every API route (not the checkout page nor the `/_sandbox` controls).
    Any,
}

impl Route {
    /// Every route, for parsing.
    pub const ALL: &'static [Route] = &[
        Route::CreateSetupIntent,
        Route::GetSetupIntent,
        Route::CancelSetupIntent,
        Route::GetPublicSetupIntent,
        Route::RefreshSetupIntentSecret,
        Route::CreatePaymentIntent,
        Route::GetPaymentIntent,
        Route::CancelPaymentIntent,
        Route::ChargePaymentIntent,
        Route::CapturePaymentIntent,
        Route::RefundPaymentIntent,
        Route::ReversePaymentIntent,
        Route::SearchPaymentIntents,
        Route::RefreshPaymentIntentSecret,
        Route::GetRefund,
        Route::Webhooks,
        Route::Any,
    ];

    /// The dojo-core operation this route serves, if dojo-core builds it
    /// (`None` for the routes only the sandbox names: [`Route::RefreshPaymentIntentSecret`],
    /// [`Route::GetRefund`], [`Route::Webhooks`], [`Route::Any`]).
    pub const fn operation(&self) -> Option<Operation> {
        Some(match self {
            Route::CreateSetupIntent => Operation::CreateSetupIntent,
            Route::GetSetupIntent => Operation::GetSetupIntent,
            Route::CancelSetupIntent => Operation::CancelSetupIntent,
            Route::GetPublicSetupIntent => Operation::GetPublicSetupIntent,
            Route::RefreshSetupIntentSecret => Operation::RefreshSetupIntentSecret,
            Route::CreatePaymentIntent => Operation::CreatePaymentIntent,
            Route::GetPaymentIntent => Operation::GetPaymentIntent,
            Route::CancelPaymentIntent => Operation::CancelPaymentIntent,
            Route::ChargePaymentIntent => Operation::ChargePaymentIntent,
            Route::CapturePaymentIntent => Operation::CapturePaymentIntent,
            Route::RefundPaymentIntent => Operation::RefundPaymentIntent,
            Route::ReversePaymentIntent => Operation::ReversePaymentIntent,
            Route::SearchPaymentIntents => Operation::SearchPaymentIntents,
            Route::RefreshPaymentIntentSecret | Route::GetRefund | Route::Webhooks | Route::Any => return None,
        })
    }

    /// The route's snake_case name, e.g. `"charge_payment_intent"`: the name of its
    /// dojo-core [`Operation`] when it has one.
    pub const fn name(&self) -> &'static str {
        if let Some(op) = self.operation() {
            return op.name();
        }
        match self {
            Route::RefreshPaymentIntentSecret => "refresh_payment_intent_secret",
            Route::GetRefund => "get_refund",
            Route::Webhooks => "webhooks",
            _ => "any",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Route> {
        Route::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Whether a fault set on `self` applies to a request to `route`.
    pub(crate) fn matches(&self, route: Route) -> bool {
        *self == Route::Any || *self == route
    }
}

/// What a fault does to a request it hits.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Waits this long, then handles the request normally.
    Latency(Duration),
    /// Answers with this status (a 5xx is expected) and a ProblemDetails body; the state
    /// is untouched.
    Status(u16),
    /// Answers like [`FaultKind::Status`] (a 429 or 5xx is expected; the state is
    /// untouched) and adds a `Retry-After` header: `retry_after` in whole seconds (the
    /// `delay-seconds` form HTTP allows), rounded up, so a client that waits what the
    /// header says waits at least `retry_after`. Over HTTP it is the `status` kind with
    /// `retryAfterSeconds`.
    StatusRetryAfter {
        /// The status answered.
        status: u16,
        /// The delay announced in `Retry-After`.
        retry_after: Duration,
    },
    /// Closes the connection with no response; the state is untouched.
    DropBeforeCommit,
    /// Handles the request (the state changes), then closes the connection with no
    /// response.
    DropAfterCommit,
    /// Handles the request (the state changes), sends the response headers with the
    /// full `Content-Length`, then half the body, and closes the connection.
    TruncateBody,
}

impl FaultKind {
    /// The value of the `Retry-After` header a [`FaultKind::StatusRetryAfter`] sends:
    /// whole seconds, rounded up.
    pub(crate) fn retry_after_seconds(retry_after: Duration) -> u64 {
        let whole = retry_after.as_secs();
        if retry_after.subsec_nanos() > 0 { whole.saturating_add(1) } else { whole }
    }

    /// The snake_case name used over HTTP: `latency`, `status` (also
    /// [`FaultKind::StatusRetryAfter`]), `drop_before_commit`, `drop_after_commit`,
    /// `truncate_body`.
    pub const fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency(_) => "latency",
            FaultKind::Status(_) | FaultKind::StatusRetryAfter { .. } => "status",
            FaultKind::DropBeforeCommit => "drop_before_commit",
            FaultKind::DropAfterCommit => "drop_after_commit",
            FaultKind::TruncateBody => "truncate_body",
        }
    }
}

/// A fault to inject: on requests to `route`, `times` times (`None`: every matching
/// request), each matching request hit with `probability` (drawn from a generator
/// seeded by [`Config::seed`](crate::Config::seed), so runs repeat).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// The route it applies to ([`Route::Any`]: every API route).
    pub route: Route,
    /// What it does.
    pub kind: FaultKind,
    /// How many requests it hits before it is used up (`None`: no limit).
    pub times: Option<u32>,
    /// The chance that a matching request is hit, 0.0 to 1.0.
    pub probability: f64,
}

impl Fault {
    /// A fault hitting every matching request, once (`times: Some(1)`, probability 1).
    pub fn once(route: Route, kind: FaultKind) -> Self {
        Fault { route, kind, times: Some(1), probability: 1.0 }
    }
}

/// The faults in force, in the order added; the first that hits a request wins.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Vec<Fault>,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.list.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.list.clone()
    }

    /// The fault that hits a request to `route`, if any; uses up one of its `times`.
    pub(crate) fn hit(&mut self, route: Route, rng: &mut Rng) -> Option<FaultKind> {
        let mut found = None;
        for (i, f) in self.list.iter_mut().enumerate() {
            if !f.route.matches(route) || f.times == Some(0) {
                continue;
            }
            let p = f.probability.clamp(0.0, 1.0);
            if p < 1.0 && rng.next_f64() >= p {
                continue;
            }
            if let Some(t) = f.times.as_mut() {
                *t -= 1;
            }
            found = Some((i, f.kind));
            break;
        }
        let (i, kind) = found?;
        if self.list.get(i).is_some_and(|f| f.times == Some(0)) {
            self.list.remove(i);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn names_parse_back_and_match_dojo_core() {
        for route in Route::ALL {
            assert_eq!(Route::parse(route.name()), Some(*route));
            if let Some(op) = route.operation() {
                assert_eq!(route.name(), op.name());
            }
        }
        assert_eq!(Route::ALL.iter().filter(|r| r.operation().is_some()).count(), 13);
        assert_eq!(Route::parse("nope"), None);
    }
}
