//! Ids as the user typed them, and intents read into dojo-core's lifecycle states.

use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::{PaymentIntentId, SetupIntentId};
use dojo_ureq::Client;

use crate::errors::CliError;

/// A setup intent id (`si_…`); a payment intent id is named as the wrong kind.
pub(crate) fn setup_intent_id(s: &str) -> Result<SetupIntentId, CliError> {
    if s.starts_with("pi_") {
        return Err(CliError::Usage(format!(
            "{s} is a payment intent id; this command takes a setup intent id (si_…)"
        )));
    }
    SetupIntentId::new(s).map_err(|e| CliError::Usage(format!("{s:?} is not a setup intent id: {e}")))
}

/// A payment intent id (`pi_…`); a setup intent id is named as the wrong kind.
pub(crate) fn payment_intent_id(s: &str) -> Result<PaymentIntentId, CliError> {
    if s.starts_with("si_") {
        return Err(CliError::Usage(format!(
            "{s} is a setup intent id; this command takes a payment intent id (pi_…)"
        )));
    }
    PaymentIntentId::new(s).map_err(|e| CliError::Usage(format!("{s:?} is not a payment intent id: {e}")))
}

/// Reads a setup intent into dojo-core's lifecycle state.
pub(crate) fn setup_state(client: &Client, id: &SetupIntentId) -> Result<SetupIntentState, CliError> {
    Ok(SetupIntentState::from_response(&client.get_setup_intent(id)?.get()))
}

/// Reads a payment intent into dojo-core's lifecycle state.
pub(crate) fn payment_state(client: &Client, id: &PaymentIntentId) -> Result<PaymentIntentState, CliError> {
    let answer = client.get_payment_intent(id, true)?;
    PaymentIntentState::from_response(&answer.get())
        .ok_or_else(|| CliError::Refused(format!("payment intent {id} has no amount; it cannot be charged")))
}
