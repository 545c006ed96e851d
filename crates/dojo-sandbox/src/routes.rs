//! Routing and the API's request checks: 404 for unknown paths, 405 (with `Allow`) for
//! a wrong method, then 401/403 (key), 400 (`version`), 415 (content type), 400 (JSON
//! and validation, decoded with dojo-core's own request types).

use dojo_core::json::from_slice;
use dojo_core::request::{
    CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest,
    SearchPaymentIntentsRequest,
};
use serde::Deserialize;

use crate::faults::Route;
use crate::message::{Reply, Request};
use crate::problem::ApiError;
use crate::state::State;
use crate::webhooks::{KNOWN_EVENTS, SecretsOut, SubscriptionRequest, SubscriptionUpdateRequest, WebhookEventsOut};
use crate::{checkout, control};

/// What a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    CreateSetupIntent,
    GetSetupIntent(String),
    CancelSetupIntent(String),
    GetPublicSetupIntent(String),
    RefreshSetupIntentSecret { id: String, public: bool },
    CreatePaymentIntent,
    SearchPaymentIntents,
    GetPaymentIntent(String),
    CancelPaymentIntent(String),
    ChargePaymentIntent(String),
    CapturePaymentIntent(String),
    RefundPaymentIntent(String),
    ReversePaymentIntent(String),
    RefreshPaymentIntentSecret(String),
    GetRefund(String),
    ListSubscriptions,
    Subscribe,
    UpdateSubscription(String),
    Unsubscribe(String),
    WebhookEvents,
    ListSecrets(String),
    NewSecret(String),
    ActivateSecret(String, String),
    DeleteSecret(String, String),
    Checkout(String),
    CheckoutSubmit(String),
    Control(control::Control),
}

impl Target {
    /// The API route, for faults (`None`: the checkout page and the controls).
    pub(crate) fn route(&self) -> Option<Route> {
        use Target as T;
        Some(match self {
            T::CreateSetupIntent => Route::CreateSetupIntent,
            T::GetSetupIntent(_) => Route::GetSetupIntent,
            T::CancelSetupIntent(_) => Route::CancelSetupIntent,
            T::GetPublicSetupIntent(_) => Route::GetPublicSetupIntent,
            T::RefreshSetupIntentSecret { .. } => Route::RefreshSetupIntentSecret,
            T::CreatePaymentIntent => Route::CreatePaymentIntent,
            T::SearchPaymentIntents => Route::SearchPaymentIntents,
            T::GetPaymentIntent(_) => Route::GetPaymentIntent,
            T::CancelPaymentIntent(_) => Route::CancelPaymentIntent,
            T::ChargePaymentIntent(_) => Route::ChargePaymentIntent,
            T::CapturePaymentIntent(_) => Route::CapturePaymentIntent,
            T::RefundPaymentIntent(_) => Route::RefundPaymentIntent,
            T::ReversePaymentIntent(_) => Route::ReversePaymentIntent,
            T::RefreshPaymentIntentSecret(_) => Route::RefreshPaymentIntentSecret,
            T::GetRefund(_) => Route::GetRefund,
            T::ListSubscriptions
            | T::Subscribe
            | T::UpdateSubscription(_)
            | T::Unsubscribe(_)
            | T::WebhookEvents
            | T::ListSecrets(_)
            | T::NewSecret(_)
            | T::ActivateSecret(..)
            | T::DeleteSecret(..) => Route::Webhooks,
            T::Checkout(_) | T::CheckoutSubmit(_) | T::Control(_) => return None,
        })
    }

    /// Whether the request carries a JSON body the API requires.
    fn takes_json(&self) -> bool {
        use Target as T;
        matches!(
            self,
            T::CreateSetupIntent
                | T::CreatePaymentIntent
                | T::SearchPaymentIntents
                | T::CapturePaymentIntent(_)
                | T::RefundPaymentIntent(_)
                | T::Subscribe
                | T::UpdateSubscription(_)
        )
    }

    /// Whether the API route is documented as needing no key.
    fn public(&self) -> bool {
        matches!(self, Target::GetPublicSetupIntent(_) | Target::RefreshSetupIntentSecret { public: true, .. })
    }
}

/// Finds the target of `method path`: 404 for an unknown path, 405 for a known path
/// with another method.
pub(crate) fn resolve(method: &str, path: &str) -> Result<Target, ApiError> {
    use Target as T;
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    let segs: Vec<&str> = trimmed.split('/').collect();
    let s = |x: &&str| (*x).to_owned();
    let (get, post, delete, put, patch) = ("GET", "POST", "DELETE", "PUT", "PATCH");
    let options: Vec<(&str, T)> = match segs.as_slice() {
        ["setup-intents"] => vec![(post, T::CreateSetupIntent)],
        ["setup-intents", "public", id] => vec![(get, T::GetPublicSetupIntent(s(id)))],
        ["setup-intents", "public", id, "refresh-client-session-secret"] => {
            vec![(post, T::RefreshSetupIntentSecret { id: s(id), public: true })]
        }
        ["setup-intents", id] => vec![(get, T::GetSetupIntent(s(id))), (delete, T::CancelSetupIntent(s(id)))],
        ["setup-intents", id, "refresh-client-session-secret"] => {
            vec![(post, T::RefreshSetupIntentSecret { id: s(id), public: false })]
        }
        ["payment-intents"] => vec![(post, T::CreatePaymentIntent)],
        ["payment-intents", "search"] => vec![(post, T::SearchPaymentIntents)],
        ["payment-intents", "refunds", id] => vec![(get, T::GetRefund(s(id)))],
        ["payment-intents", id] => vec![(get, T::GetPaymentIntent(s(id))), (delete, T::CancelPaymentIntent(s(id)))],
        ["payment-intents", id, "charge"] => vec![(post, T::ChargePaymentIntent(s(id)))],
        ["payment-intents", id, "captures"] => vec![(post, T::CapturePaymentIntent(s(id)))],
        ["payment-intents", id, "refunds"] => vec![(post, T::RefundPaymentIntent(s(id)))],
        ["payment-intents", id, "reversal"] => vec![(post, T::ReversePaymentIntent(s(id)))],
        ["payment-intents", id, "refresh-client-session-secret"] => {
            vec![(post, T::RefreshPaymentIntentSecret(s(id)))]
        }
        ["webhooks"] => vec![(get, T::ListSubscriptions), (post, T::Subscribe)],
        ["webhooks", "events"] => vec![(get, T::WebhookEvents)],
        ["webhooks", id] => vec![(patch, T::UpdateSubscription(s(id))), (delete, T::Unsubscribe(s(id)))],
        ["webhooks", id, "secrets"] => vec![(get, T::ListSecrets(s(id))), (post, T::NewSecret(s(id)))],
        ["webhooks", id, "secrets", sid] => vec![(delete, T::DeleteSecret(s(id), s(sid)))],
        ["webhooks", id, "secrets", sid, "activate"] => vec![(put, T::ActivateSecret(s(id), s(sid)))],
        ["checkout", id] => vec![(get, T::Checkout(s(id))), (post, T::CheckoutSubmit(s(id)))],
        ["_sandbox", rest @ ..] => control::resolve(rest).into_iter().map(|(m, c)| (m, T::Control(c))).collect(),
        _ => Vec::new(),
    };
    if options.is_empty() {
        return Err(ApiError::new(404, format!("No route matches {path}.")));
    }
    let allow: Vec<&str> = options.iter().map(|(m, _)| *m).collect();
    let allow = allow.join(", ");
    options.into_iter().find(|(m, _)| *m == method).map(|(_, t)| t).ok_or_else(|| {
        let mut e = ApiError::new(405, format!("{method} is not allowed on {path}; allowed: {allow}."));
        e.allow = Some(allow);
        e
    })
}

/// Checks `Authorization: Basic sk_sandbox_…`: missing or malformed is 401, a
/// production key 403.
fn check_key(req: &Request) -> Result<(), ApiError> {
    let Some(value) = req.header_str("authorization") else {
        return Err(ApiError::new(401, "The Authorization header is missing."));
    };
    let value = value.unwrap_or("");
    let Some(key) = value.strip_prefix("Basic ").map(str::trim) else {
        return Err(ApiError::new(401, "The Authorization header must be `Basic <secret key>`."));
    };
    if key.starts_with("sk_prod_") {
        return Err(ApiError::new(403, "A production key cannot be used with the sandbox."));
    }
    match key.strip_prefix("sk_sandbox_") {
        Some(rest) if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_graphic()) => Ok(()),
        _ => Err(ApiError::new(401, "The key is not a sandbox secret key (sk_sandbox_…).")),
    }
}

/// Checks the `version` header: a `yyyy-mm-dd` date.
fn check_version(req: &Request) -> Result<(), ApiError> {
    let v = req.header_str("version").and_then(Result::ok);
    let Some(v) = v else {
        return Err(ApiError::field("version", "The version header is required (e.g. 2026-02-27)."));
    };
    let b = v.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    let date_ok = shaped
        && v.get(5..7).and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| (1..=12).contains(&m))
        && v.get(8..10).and_then(|d| d.parse::<u32>().ok()).is_some_and(|d| (1..=31).contains(&d));
    if date_ok {
        Ok(())
    } else {
        Err(ApiError::field("version", format!("The version {v:?} is not a yyyy-mm-dd date.")))
    }
}

fn check_json_content_type(req: &Request) -> Result<(), ApiError> {
    let ct = req.header_str("content-type").and_then(Result::ok).unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") || media.to_ascii_lowercase().ends_with("+json") {
        Ok(())
    } else {
        Err(ApiError::new(415, format!("The content type {ct:?} is not supported; send application/json.")))
    }
}

/// A query parameter is `true` (`true`, `True`, `1`).
fn query_flag(req: &Request, name: &str) -> bool {
    let q = req.query().unwrap_or("");
    form_urlencoded::parse(q.as_bytes())
        .any(|(k, v)| k.eq_ignore_ascii_case(name) && (v.eq_ignore_ascii_case("true") || v == "1"))
}

/// The API takes GBP and EUR only (`Money.currencyCode`).
fn check_currency(field: &str, money: Option<dojo_core::Money>) -> Result<(), ApiError> {
    match money.map(|m| m.currency) {
        None | Some(dojo_core::Currency::Gbp | dojo_core::Currency::Eur) => Ok(()),
        Some(other) => Err(ApiError::field(
            &format!("$.{field}.currencyCode"),
            format!("The currency {other} is not supported; use GBP or EUR."),
        )),
    }
}

fn decode<'b, T: Deserialize<'b>>(body: &'b [u8]) -> Result<T, ApiError> {
    from_slice(body).map_err(|e| ApiError::decode(e, body))
}

/// Handles a resolved request.
pub(crate) fn handle(state: &mut State, target: Target, req: &Request) -> Reply {
    match target {
        Target::Checkout(id) => return checkout::page(state, &id),
        Target::CheckoutSubmit(id) => return checkout::submit(state, &id, req),
        Target::Control(c) => return control::handle(state, c, &req.body),
        _ => {}
    }
    match api(state, &target, req) {
        Ok(reply) => reply,
        Err(e) => state.error(&e),
    }
}

fn api(state: &mut State, target: &Target, req: &Request) -> Result<Reply, ApiError> {
    let body = req.body.as_slice();
    use Target as T;
    // The public routes are documented "(no auth)": no key needed, but one sent is checked.
    if !target.public() || req.has_header("authorization") {
        check_key(req)?;
    }
    check_version(req)?;
    if target.takes_json() {
        check_json_content_type(req)?;
    }
    // The value is computed, then encoded.
    macro_rules! ok {
        ($e:expr) => {{
            let value = $e;
            Ok(state.json(200, &value))
        }};
    }
    match target {
        T::CreateSetupIntent => {
            let r: CreateSetupIntentRequest<'_> = decode(body)?;
            r.validate().map_err(ApiError::money_validation)?;
            check_currency("intendedAmount", r.intended_amount)?;
            ok!(state.create_setup_intent(&r))
        }
        T::GetSetupIntent(id) => {
            state.setup_intent_mut(id)?;
            state.setup_intent_json(id)
        }
        T::CancelSetupIntent(id) => {
            ok!(state.cancel_setup_intent(id, query_flag(req, "includeAuthorized"))?)
        }
        T::GetPublicSetupIntent(id) => {
            let mut si = state.get_setup_intent(id)?;
            si.setup_events.clear();
            ok!(si)
        }
        T::RefreshSetupIntentSecret { id, public } => {
            let mut si = state.refresh_setup_intent_secret(id)?;
            if *public {
                si.setup_events.clear();
            }
            ok!(si)
        }
        T::CreatePaymentIntent => {
            let r: CreatePaymentIntentRequest<'_> = decode(body)?;
            r.validate().map_err(ApiError::money_validation)?;
            check_currency("amount", Some(r.amount))?;
            check_currency("tipsAmount", r.tips_amount)?;
            ok!(state.create_payment_intent(&r)?)
        }
        T::SearchPaymentIntents => {
            let r: SearchPaymentIntentsRequest<'_> = decode(body)?;
            ok!(state.search(&r)?)
        }
        T::GetPaymentIntent(id) => {
            state.find_payment_intent(id, query_flag(req, "returnCanceled"))?;
            state.payment_intent_json(id)
        }
        T::CancelPaymentIntent(id) => ok!(state.cancel_payment_intent(id)?),
        // The spec answers an unknown payment intent's charge with 403 "Not found".
        T::ChargePaymentIntent(id) => {
            ok!(state.charge(id).map_err(|e| if e.status == 404 { ApiError { status: 403, ..e } } else { e })?)
        }
        T::CapturePaymentIntent(id) => {
            let r: CreateCaptureRequest = decode(body)?;
            ok!(state.capture(id, &r)?)
        }
        T::RefundPaymentIntent(id) => {
            let r: CreateRefundRequest<'_> = decode(body)?;
            let key = req.header_str("idempotencyKey").map(|v| v.unwrap_or("\u{0}"));
            ok!(state.refund(id, key, &r)?)
        }
        T::ReversePaymentIntent(id) => ok!(state.reverse(id)?),
        T::RefreshPaymentIntentSecret(id) => ok!(state.refresh_payment_intent_secret(id)?),
        T::GetRefund(id) => ok!(state.get_refund(id)?),
        T::ListSubscriptions => ok!(state.webhooks.subscriptions.clone()),
        T::Subscribe => {
            let r: SubscriptionRequest =
                serde_json::from_slice(body).map_err(|e| ApiError::field("$", e.to_string()))?;
            let sub = {
                let now = state.now();
                state.webhooks.subscribe(r, now, &mut state.rng)?
            };
            ok!(sub)
        }
        T::UpdateSubscription(id) => {
            let r: SubscriptionUpdateRequest =
                serde_json::from_slice(body).map_err(|e| ApiError::field("$", e.to_string()))?;
            let now = state.now();
            ok!(state.webhooks.update(id, r, now)?)
        }
        T::Unsubscribe(id) => {
            state.webhooks.unsubscribe(id)?;
            Ok(Reply::empty(204))
        }
        T::WebhookEvents => ok!([WebhookEventsOut { model: "PaymentIntent", events: KNOWN_EVENTS }]),
        T::ListSecrets(id) => ok!(SecretsOut::of(state.webhooks.subscription_mut(id)?)),
        T::NewSecret(id) => {
            let secrets = {
                let now = state.now();
                state.webhooks.new_secret(id, now, &mut state.rng)?;
                SecretsOut::of(state.webhooks.subscription_mut(id)?)
            };
            ok!(secrets)
        }
        T::ActivateSecret(id, sid) => {
            state.webhooks.activate_secret(id, sid)?;
            Ok(Reply::empty(204))
        }
        T::DeleteSecret(id, sid) => {
            state.webhooks.delete_secret(id, sid)?;
            Ok(Reply::empty(204))
        }
        T::Checkout(_) | T::CheckoutSubmit(_) | T::Control(_) => Err(ApiError::new(404, "Not an API route.")),
    }
}
