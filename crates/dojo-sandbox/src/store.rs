//! The setup-intent operations on the [`State`]. Every status change goes through
//! dojo-core's transition tables, so the emulator cannot allow a move the client's
//! lifecycle forbids.

use dojo_core::lifecycle::{SetupIntentCause, setup_intent_transition};
use dojo_core::request::CreateSetupIntentRequest;
use dojo_core::{PaymentEventType, PaymentMethod, SetupIntentStatus, Timestamp};

use crate::cards::{CardOutcome, TestCard};
use crate::problem::ApiError;
use crate::records::{CardAttempt, CardRec, EventRec, SetupIntentRec};
use crate::state::{CLIENT_SECRET_LIFETIME_SECS, DEFAULT_SETUP_INTENT_LIFETIME_SECS, State, keep, text};

impl State {
    pub(crate) fn create_setup_intent(&mut self, req: &CreateSetupIntentRequest<'_>) -> SetupIntentRec {
        self.make_room_for_setup_intent();
        let now = self.now();
        let id = self.new_id("si_sandbox_");
        let seq = self.next_seq();
        let secret = self.new_secret();
        let payment_methods =
            req.payment_methods.map(|l| l.iter().collect::<Vec<_>>()).unwrap_or_else(|| vec![PaymentMethod::Card]);
        let rec = SetupIntentRec {
            id: id.clone(),
            status: SetupIntentStatus::Created,
            reference: text(&req.reference),
            description: req.description.as_ref().map(text),
            terms: text(&req.terms),
            intended_amount: req.intended_amount,
            merchant_initiated_transaction_type: req.merchant_initiated_transaction_type,
            payment_methods,
            client_session_secret: secret,
            client_session_secret_expiration_date: now.add_seconds(CLIENT_SECRET_LIFETIME_SECS),
            created_at: now,
            updated_at: now,
            expire_at: Some(req.expire_at.unwrap_or(now.add_seconds(DEFAULT_SETUP_INTENT_LIFETIME_SECS))),
            customer: keep(&req.customer),
            billing_address: keep(&req.billing_address),
            shipping_details: keep(&req.shipping_details),
            config: keep(&req.config),
            metadata: keep(&req.metadata),
            order_details: keep(&req.order_details),
            payment_details: None,
            setup_events: vec![EventRec::new(PaymentEventType::Created, now)],
            payment_source: "api",
            declines_charges: false,
        };
        self.index.setup_intents.insert(seq, id.clone());
        self.setup_intents.insert(id, Box::new(rec.clone()));
        rec
    }

    /// The setup intent, with its expiry applied first.
    pub(crate) fn setup_intent_mut(&mut self, id: &str) -> Result<&mut SetupIntentRec, ApiError> {
        let now = self.now();
        let si: &mut SetupIntentRec =
            self.setup_intents.get_mut(id).ok_or_else(|| ApiError::not_found("Setup intent", id))?;
        if si.status == SetupIntentStatus::Created && si.expire_at.is_some_and(|t| t <= now) {
            move_setup_intent(si, SetupIntentStatus::Expired, now)?;
        }
        Ok(si)
    }

    pub(crate) fn get_setup_intent(&mut self, id: &str) -> Result<SetupIntentRec, ApiError> {
        self.setup_intent_mut(id).map(|si| si.clone())
    }

    /// DELETE: cancels a Created one; closes an Authorized one with `includeAuthorized`.
    pub(crate) fn cancel_setup_intent(
        &mut self,
        id: &str,
        include_authorized: bool,
    ) -> Result<SetupIntentRec, ApiError> {
        let now = self.now();
        let si = self.setup_intent_mut(id)?;
        let to = match si.status {
            SetupIntentStatus::Created => SetupIntentStatus::Canceled,
            SetupIntentStatus::Authorized if include_authorized => SetupIntentStatus::Closed,
            SetupIntentStatus::Authorized => {
                return Err(ApiError::conflict(
                    "The setup intent is Authorized: set includeAuthorized=true to close it.",
                ));
            }
            other => return Err(ApiError::conflict(format!("A setup intent in status {other} cannot be canceled."))),
        };
        move_setup_intent(si, to, now)?;
        if to == SetupIntentStatus::Canceled {
            si.setup_events.push(EventRec::new(PaymentEventType::Canceled, now));
        }
        Ok(si.clone())
    }

    pub(crate) fn refresh_setup_intent_secret(&mut self, id: &str) -> Result<SetupIntentRec, ApiError> {
        let now = self.now();
        let secret = self.new_secret();
        let si = self.setup_intent_mut(id)?;
        si.client_session_secret = secret;
        si.client_session_secret_expiration_date = now.add_seconds(CLIENT_SECRET_LIFETIME_SECS);
        si.updated_at = now;
        Ok(si.clone())
    }

    /// A card presented at checkout: its record and the processor's ids for the attempt.
    pub(crate) fn card_attempt(&mut self, card: &TestCard, name: Option<String>) -> CardAttempt {
        CardAttempt {
            transaction_id: self.new_id("txn_sandbox_"),
            auth_code: self.rng.hex(6).to_uppercase(),
            payment_method_id: self.new_id("pm_sandbox_"),
            card: CardRec::from_test_card(card, name),
        }
    }

    /// The customer authorizes (or fails to authorize) a card at checkout.
    pub(crate) fn authorize_setup_intent(
        &mut self,
        id: &str,
        card: &TestCard,
        name: Option<String>,
    ) -> Result<CardOutcome, ApiError> {
        let now = self.now();
        let attempt = self.card_attempt(card, name);
        let si = self.setup_intent_mut(id)?;
        if si.status != SetupIntentStatus::Created {
            return Err(ApiError::conflict(format!("The setup intent is {}, not Created.", si.status)));
        }
        match card.outcome() {
            CardOutcome::Declined => {
                si.setup_events.push(attempt.event(PaymentEventType::Declined, now));
                si.updated_at = now;
                Ok(CardOutcome::Declined)
            }
            CardOutcome::Authorized => {
                move_setup_intent(si, SetupIntentStatus::Authorized, now)?;
                si.setup_events.push(attempt.event(PaymentEventType::Authorized, now));
                si.payment_details = Some(attempt.into_details(now));
                Ok(CardOutcome::Authorized)
            }
        }
    }

    /// Declines: a Created setup intent's checkout attempt, or (once Authorized) every
    /// later charge of its card.
    pub(crate) fn decline_setup_intent(&mut self, id: &str) -> Result<(), ApiError> {
        let now = self.now();
        let si = self.setup_intent_mut(id)?;
        match si.status {
            SetupIntentStatus::Created => {
                si.setup_events.push(EventRec::new(PaymentEventType::Declined, now));
                si.updated_at = now;
                Ok(())
            }
            SetupIntentStatus::Authorized => {
                si.declines_charges = true;
                Ok(())
            }
            other => Err(ApiError::conflict(format!("A setup intent in status {other} cannot be declined."))),
        }
    }
}

/// Moves a setup intent if dojo-core's table allows it (409 otherwise).
pub(crate) fn move_setup_intent(
    si: &mut SetupIntentRec,
    to: SetupIntentStatus,
    now: Timestamp,
) -> Result<SetupIntentCause, ApiError> {
    let cause = setup_intent_transition(si.status, to)
        .ok_or_else(|| ApiError::conflict(format!("A setup intent cannot move from {} to {to}.", si.status)))?;
    si.status = to;
    si.updated_at = now;
    Ok(cause)
}
