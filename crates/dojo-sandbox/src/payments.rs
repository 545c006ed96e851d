//! The payment-intent operations on the state: create, get, cancel, charge, capture,
//! refund, reversal, search, refresh. Status changes go through dojo-core's
//! `payment_intent_transition` table and are announced to webhook subscribers.

use dojo_core::lifecycle::{PaymentIntentCause, payment_intent_transition};
use dojo_core::request::{
    CreateCaptureRequest, CreatePaymentIntentRequest, CreateRefundRequest, validate_idempotency_key,
};
use dojo_core::time::timespan_seconds;
use dojo_core::{
    AutoExpireAction, CaptureMode, CaptureStatus, PaymentEventType, PaymentIntentStatus, PaymentMethod,
    SetupIntentStatus, Timestamp,
};
use serde::Serialize;

use crate::cards::{CardOutcome, TestCard};
use crate::problem::ApiError;
use crate::records::{CaptureRec, EventRec, PaymentIntentRec, RefundRec};
use crate::state::{CLIENT_SECRET_LIFETIME_SECS, DEFAULT_AUTHORIZATION_LIFETIME_SECS, State, keep, text};
use crate::store::move_setup_intent;
use crate::webhooks::{EVENT_CREATED, EVENT_STATUS_UPDATED};

/// `ChargeResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeOut {
    pub(crate) payment_intent_id: String,
    pub(crate) status: CaptureStatus,
    pub(crate) message: String,
}

/// `Capture`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CaptureOut {
    pub(crate) capture_id: String,
    pub(crate) message: String,
}

/// `Reversal`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReversalOut {
    pub(crate) reversal_id: String,
    pub(crate) message: String,
}

/// Moves a payment intent if dojo-core's table allows it (409 otherwise).
fn move_payment_intent(
    pi: &mut PaymentIntentRec,
    to: PaymentIntentStatus,
    now: Timestamp,
) -> Result<PaymentIntentCause, ApiError> {
    let cause = payment_intent_transition(pi.status, to)
        .ok_or_else(|| ApiError::conflict(format!("A payment intent in status {} cannot become {to}.", pi.status)))?;
    pi.status = to;
    pi.updated_at = now;
    Ok(cause)
}

/// A Created payment intent's card is authorized for its amount: it becomes Authorized
/// (`Manual` capture) or Captured in one capture of its amount and tips (`Auto`), through
/// dojo-core's table. Returns the status it moved to; the caller records the events.
fn settle(pi: &mut PaymentIntentRec, capture_id: String, now: Timestamp) -> Result<PaymentIntentStatus, ApiError> {
    let to = if pi.capture_mode == CaptureMode::Manual {
        PaymentIntentStatus::Authorized
    } else {
        PaymentIntentStatus::Captured
    };
    move_payment_intent(pi, to, now)?;
    pi.authorized_at = Some(now);
    if to == PaymentIntentStatus::Captured {
        pi.captures.push(CaptureRec {
            id: capture_id,
            amount: pi.amount.value,
            tips_amount: pi.tips_amount.map(|t| t.value),
            status: CaptureStatus::Successful,
            created_at: now,
        });
    }
    Ok(to)
}

impl State {
    fn announce(&mut self, event: &'static str, id: &str) {
        let now = self.now();
        if let Some(pi) = self.payment_intents.get(id) {
            let (status, mode) = (pi.status, pi.capture_mode);
            self.webhooks.emit(event, id, status, mode, now, &mut self.rng);
        }
    }

    pub(crate) fn create_payment_intent(
        &mut self,
        req: &CreatePaymentIntentRequest<'_>,
    ) -> Result<PaymentIntentRec, ApiError> {
        let now = self.now();
        if let Some(si_id) = &req.setup_intent_id {
            let si = self.setup_intent_mut(si_id.as_str())?;
            if !matches!(si.status, SetupIntentStatus::Created | SetupIntentStatus::Authorized) {
                return Err(ApiError::conflict(format!(
                    "The setup intent is {}: no payment intent can be created from it.",
                    si.status
                )));
            }
        }
        self.make_room_for_payment_intent();
        let id = self.new_id("pi_sandbox_");
        let secret = self.new_secret();
        let seq = self.next_seq();
        let total = req.amount.value.saturating_add(req.tips_amount.map_or(0, |t| t.value));
        let rec = PaymentIntentRec {
            id: id.clone(),
            capture_mode: req.capture_mode.unwrap_or(CaptureMode::Auto),
            status: PaymentIntentStatus::Created,
            amount: req.amount,
            tips_amount: req.tips_amount,
            requested_amount: req.amount,
            total_amount: dojo_core::Money::new(total, req.amount.currency),
            refunded_amount: 0,
            reference: text(&req.reference),
            description: req.description.as_ref().map(text),
            setup_intent_id: req.setup_intent_id.map(|s| s.as_str().to_owned()),
            card_holder_not_present: false,
            client_session_secret: secret,
            client_session_secret_expiration_date: now.add_seconds(CLIENT_SECRET_LIFETIME_SECS),
            payment_methods: req
                .payment_methods
                .map(|l| l.iter().collect::<Vec<_>>())
                .unwrap_or_else(|| vec![PaymentMethod::Card]),
            payment_link: format!("{}/checkout/{id}", self.base_url),
            payment_details: None,
            created_at: now,
            updated_at: now,
            expire_at: req.expire_at,
            auto_expire_in: req.auto_expire_in.as_ref().map(text),
            auto_expire_action: req.auto_expire_action,
            customer: keep(&req.customer),
            billing_address: keep(&req.billing_address),
            shipping_details: keep(&req.shipping_details),
            config: keep(&req.config),
            metadata: keep(&req.metadata),
            order_details: keep(&req.order_details),
            request_security: keep(&req.request_security),
            captures: Vec::new(),
            payment_events: vec![EventRec::new(PaymentEventType::Created, now)],
            payment_source: "api",
            authorized_at: None,
            refunds_by_key: Default::default(),
            seq,
            indexed: None,
        };
        self.payment_intents.insert(id.clone(), Box::new(rec.clone()));
        self.touch(&id);
        self.announce(EVENT_CREATED, &id);
        Ok(rec)
    }

    /// The payment intent, with `expireAt` and `autoExpireIn` applied first.
    pub(crate) fn payment_intent_mut(&mut self, id: &str) -> Result<&mut PaymentIntentRec, ApiError> {
        let now = self.now();
        if self.payment_intents.contains_key(id) {
            self.touch(id);
        }
        let pi: &mut PaymentIntentRec =
            self.payment_intents.get_mut(id).ok_or_else(|| ApiError::not_found("Payment intent", id))?;
        let mut moved = false;
        if pi.status == PaymentIntentStatus::Created && pi.expire_at.is_some_and(|t| t <= now) {
            move_payment_intent(pi, PaymentIntentStatus::Canceled, now)?;
            pi.payment_events.push(EventRec::new(PaymentEventType::Canceled, now));
            moved = true;
        }
        if pi.status == PaymentIntentStatus::Authorized
            && let Some(at) = pi.authorized_at
        {
            let lifetime = pi
                .auto_expire_in
                .as_deref()
                .and_then(timespan_seconds)
                .and_then(|s| i64::try_from(s).ok())
                .unwrap_or(DEFAULT_AUTHORIZATION_LIFETIME_SECS);
            if at.add_seconds(lifetime) <= now {
                if pi.auto_expire_in.is_some() && pi.auto_expire_action == Some(AutoExpireAction::Capture) {
                    move_payment_intent(pi, PaymentIntentStatus::Captured, now)?;
                    let amount = pi.amount.value - pi.captured();
                    pi.captures.push(CaptureRec {
                        // Drawn only here, so reads do not move the seed's id sequence.
                        id: format!("cap_sandbox_{}", self.rng.base64url22()),
                        amount,
                        tips_amount: None,
                        status: CaptureStatus::Successful,
                        created_at: now,
                    });
                    pi.payment_events.push(EventRec::new(PaymentEventType::Captured, now));
                } else {
                    move_payment_intent(pi, PaymentIntentStatus::Reversed, now)?;
                    pi.payment_events.push(EventRec::new(PaymentEventType::Reversed, now));
                }
                moved = true;
            }
        }
        if moved {
            self.announce(EVENT_STATUS_UPDATED, id);
        }
        self.payment_intents.get_mut(id).map(|pi| &mut **pi).ok_or_else(|| ApiError::not_found("Payment intent", id))
    }

    /// The payment intent as `GET` finds it: a canceled one is not found unless
    /// `return_canceled`.
    pub(crate) fn find_payment_intent(
        &mut self,
        id: &str,
        return_canceled: bool,
    ) -> Result<&mut PaymentIntentRec, ApiError> {
        let pi = self.payment_intent_mut(id)?;
        if pi.status == PaymentIntentStatus::Canceled && !return_canceled {
            return Err(ApiError::not_found("Payment intent", id));
        }
        Ok(pi)
    }

    pub(crate) fn cancel_payment_intent(&mut self, id: &str) -> Result<PaymentIntentRec, ApiError> {
        let now = self.now();
        let pi = self.payment_intent_mut(id)?;
        move_payment_intent(pi, PaymentIntentStatus::Canceled, now)?;
        pi.payment_events.push(EventRec::new(PaymentEventType::Canceled, now));
        let out = pi.clone();
        self.announce(EVENT_STATUS_UPDATED, id);
        Ok(out)
    }

    pub(crate) fn refresh_payment_intent_secret(&mut self, id: &str) -> Result<PaymentIntentRec, ApiError> {
        let now = self.now();
        let secret = self.new_secret();
        let pi = self.payment_intent_mut(id)?;
        pi.client_session_secret = secret;
        pi.client_session_secret_expiration_date = now.add_seconds(CLIENT_SECRET_LIFETIME_SECS);
        pi.updated_at = now;
        Ok(pi.clone())
    }

    /// `POST /payment-intents/{id}/charge`: a merchant-initiated charge of the card the
    /// payment intent's setup intent holds.
    pub(crate) fn charge(&mut self, id: &str) -> Result<ChargeOut, ApiError> {
        // Counted for known payment intents only: unknown ids must not grow the store.
        if self.payment_intents.contains_key(id) {
            *self.charge_attempts.entry(id.to_owned()).or_insert(0) += 1;
        }
        let now = self.now();
        let capture_id = self.new_id("cap_sandbox_");
        let pi = self.payment_intent_mut(id)?.clone();
        let si_id = pi.setup_intent_id.clone().ok_or_else(|| {
            ApiError::field("setupIntentId", "Only a payment intent created with a setupIntentId can be charged.")
        })?;
        if pi.status != PaymentIntentStatus::Created {
            return Err(ApiError::conflict(format!(
                "The payment intent is {}: it has already been charged or closed.",
                pi.status
            )));
        }
        let si = self.setup_intent_mut(&si_id)?;
        if si.status != SetupIntentStatus::Authorized {
            return Err(ApiError::conflict(format!("The setup intent {si_id} is {}, not Authorized.", si.status)));
        }
        if let Some(intended) = si.intended_amount
            && intended != pi.amount
        {
            return Err(ApiError::field(
                "amount",
                format!(
                    "The amount {} {} differs from the setup intent's intended amount {} {}.",
                    pi.amount.value, pi.amount.currency, intended.value, intended.currency
                ),
            ));
        }
        let card = si.payment_details.clone();
        if si.declines_charges {
            let message = "DECLINED".to_owned();
            if let Some(pi) = self.payment_intents.get_mut(id) {
                pi.payment_events.push(EventRec::new(PaymentEventType::Declined, now));
                pi.updated_at = now;
            }
            return Ok(ChargeOut { payment_intent_id: id.to_owned(), status: CaptureStatus::Declined, message });
        }
        move_setup_intent(si, SetupIntentStatus::Completed, now)?;
        let pi: &mut PaymentIntentRec =
            self.payment_intents.get_mut(id).ok_or_else(|| ApiError::not_found("Payment intent", id))?;
        let event = match settle(pi, capture_id, now)? {
            PaymentIntentStatus::Captured => PaymentEventType::Captured,
            _ => PaymentEventType::Authorized,
        };
        pi.payment_details = card;
        pi.payment_events.push(EventRec::new(event, now));
        self.announce(EVENT_STATUS_UPDATED, id);
        Ok(ChargeOut {
            payment_intent_id: id.to_owned(),
            status: CaptureStatus::Successful,
            message: "DEPOSITED".into(),
        })
    }

    /// The customer pays a payment intent at checkout.
    pub(crate) fn authorize_payment_intent(
        &mut self,
        id: &str,
        card: &TestCard,
        name: Option<String>,
    ) -> Result<CardOutcome, ApiError> {
        let now = self.now();
        let capture_id = self.new_id("cap_sandbox_");
        let attempt = self.card_attempt(card, name);
        let pi = self.payment_intent_mut(id)?;
        if pi.status != PaymentIntentStatus::Created {
            return Err(ApiError::conflict(format!("The payment intent is {}, not Created.", pi.status)));
        }
        if card.outcome() == CardOutcome::Declined {
            pi.payment_events.push(attempt.event(PaymentEventType::Declined, now));
            pi.updated_at = now;
            return Ok(CardOutcome::Declined);
        }
        let to = settle(pi, capture_id, now)?;
        pi.payment_events.push(attempt.event(PaymentEventType::Authorized, now));
        if to == PaymentIntentStatus::Captured {
            pi.payment_events.push(EventRec::new(PaymentEventType::Captured, now));
        }
        pi.payment_details = Some(attempt.into_details(now));
        self.announce(EVENT_STATUS_UPDATED, id);
        Ok(CardOutcome::Authorized)
    }

    /// `POST /payment-intents/{id}/captures`: full or partial, several partial ones allowed.
    pub(crate) fn capture(&mut self, id: &str, req: &CreateCaptureRequest) -> Result<CaptureOut, ApiError> {
        req.validate().map_err(ApiError::validation)?;
        let now = self.now();
        let capture_id = self.new_id("cap_sandbox_");
        let pi = self.payment_intent_mut(id)?;
        let remaining = pi.amount.value - pi.captured();
        let capturable = match pi.status {
            PaymentIntentStatus::Authorized => true,
            PaymentIntentStatus::Captured => pi.capture_mode == CaptureMode::Manual && remaining > 0,
            _ => false,
        };
        if !capturable {
            return Err(ApiError::conflict(format!("A payment intent in status {} cannot be captured.", pi.status)));
        }
        if req.amount > remaining {
            return Err(ApiError::field(
                "$.amount",
                format!("The capture amount {} exceeds the {remaining} left to capture.", req.amount),
            ));
        }
        let moved = pi.status == PaymentIntentStatus::Authorized;
        if moved {
            move_payment_intent(pi, PaymentIntentStatus::Captured, now)?;
        }
        pi.captures.push(CaptureRec {
            id: capture_id.clone(),
            amount: req.amount,
            tips_amount: req.tips_amount,
            status: CaptureStatus::Successful,
            created_at: now,
        });
        pi.payment_events.push(EventRec::new(PaymentEventType::Captured, now));
        pi.updated_at = now;
        if moved {
            self.announce(EVENT_STATUS_UPDATED, id);
        }
        Ok(CaptureOut { capture_id, message: "Capture successful".to_owned() })
    }

    /// `POST /payment-intents/{id}/refunds`: the same idempotency key on the same payment
    /// intent returns the same refund.
    pub(crate) fn refund(
        &mut self,
        id: &str,
        key: Option<&str>,
        req: &CreateRefundRequest<'_>,
    ) -> Result<RefundRec, ApiError> {
        let key = key.ok_or_else(|| ApiError::field("idempotencyKey", "The idempotencyKey header is required."))?;
        validate_idempotency_key(key).map_err(ApiError::validation)?;
        req.validate().map_err(ApiError::validation)?;
        let now = self.now();
        let refund_id = self.new_id("rfd_sandbox_");
        let pi = self.payment_intent_mut(id)?;
        if let Some(existing) = pi.refunds_by_key.get(key).cloned() {
            return self.refunds.get(&existing).cloned().ok_or_else(|| ApiError::not_found("Refund", &existing));
        }
        if pi.status != PaymentIntentStatus::Captured {
            return Err(ApiError::conflict(format!("A payment intent in status {} cannot be refunded.", pi.status)));
        }
        let refundable = pi.captured() - pi.refunded_amount;
        if req.amount > refundable {
            return Err(ApiError::field(
                "$.amount",
                format!("The refund amount {} exceeds the {refundable} left to refund.", req.amount),
            ));
        }
        pi.refunded_amount += req.amount;
        pi.payment_events.push(EventRec::new(PaymentEventType::Refunded, now));
        pi.updated_at = now;
        let full = pi.refunded_amount >= pi.captured()
            && (pi.capture_mode == CaptureMode::Auto || pi.captured() >= pi.amount.value);
        if full {
            move_payment_intent(pi, PaymentIntentStatus::Refunded, now)?;
        }
        pi.refunds_by_key.insert(key.to_owned(), refund_id.clone());
        let rec = RefundRec {
            payment_intent_id: id.to_owned(),
            refund_id: refund_id.clone(),
            refund_reason: req.refund_reason.as_ref().map(text),
            notes: req.notes.as_ref().map(text),
        };
        self.refunds.insert(refund_id, rec.clone());
        if full {
            self.announce(EVENT_STATUS_UPDATED, id);
        }
        Ok(rec)
    }

    pub(crate) fn get_refund(&mut self, refund_id: &str) -> Result<RefundRec, ApiError> {
        self.refunds.get(refund_id).cloned().ok_or_else(|| ApiError::not_found("Refund", refund_id))
    }

    /// `POST /payment-intents/{id}/reversal`.
    pub(crate) fn reverse(&mut self, id: &str) -> Result<ReversalOut, ApiError> {
        let now = self.now();
        let reversal_id = self.new_id("rev_sandbox_");
        let pi = self.payment_intent_mut(id)?;
        move_payment_intent(pi, PaymentIntentStatus::Reversed, now)?;
        pi.payment_events.push(EventRec::new(PaymentEventType::Reversed, now));
        self.announce(EVENT_STATUS_UPDATED, id);
        Ok(ReversalOut { reversal_id, message: "Reversal successful".to_owned() })
    }
}
