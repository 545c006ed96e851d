//! The steps that move money, each journaled before its effect can be lost: creating a
//! setup intent, creating a payment intent, charging (and settling a charge).
//!
//! | step | before the request | after its answer | definite failure (nothing happened) | unknown outcome |
//! |---|---|---|---|---|
//! | `setup-intents create` | `SetupIntentCreating` (new booking) | `SetupIntentCreated` | `BookingClosed{Abandoned}` | left open: `resume` closes it as abandoned (nothing can be charged without its id) |
//! | `payment-intents create` | `PaymentIntentCreating` (the setup intent's booking, else a new one) | `PaymentIntentCreated` | back to `SetupIntentCreated` (or closed, for a new booking) | left open: `resume` searches for it |
//! | `payment-intents charge` | `ChargeSending` | `ChargeSettled` | never sent: back to `PaymentIntentCreated` | `ChargeSettled{Pending}`: `resume` settles it |
//!
//! A failed append stops the step before its request ([`CliError::Journal`], exit 6).

use dojo_core::charge::{ChargeReport, NotCharged, Outcome};
use dojo_core::journal::{BookingId, CloseReason, Event, NotChargedReason, Reference, Settlement, Stage};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreatePaymentIntentRequest, CreateSetupIntentRequest};
use dojo_core::response::kind::{PaymentIntentKind, SetupIntentKind};
use dojo_core::{ErrorClass, Money, PaymentIntentId, SetupIntentId, SetupIntentStatus};
use dojo_ureq::{Client, Error as SdkError, Response};

use crate::errors::CliError;
use crate::journal::CliJournal;

/// A reference as the journal keeps it (1–60 characters); anything else is a usage error
/// before anything is sent.
pub(crate) fn reference(s: &str) -> Result<Reference, CliError> {
    Reference::new(s).map_err(|e| CliError::Usage(format!("--reference {s:?} is not usable ({e}): 1 to 60 characters")))
}

/// Whether an SDK error says the request certainly did not take effect.
fn definitely_not_done(e: &SdkError) -> bool {
    matches!(e.class(), ErrorClass::Api(_) | ErrorClass::Transport | ErrorClass::Invalid | ErrorClass::Config)
}

/// `POST /setup-intents`, journaled as a new booking.
pub(crate) fn create_setup_intent(
    client: &Client,
    journal: &mut CliJournal,
    body: &CreateSetupIntentRequest<'_>,
    reference: Reference,
    amount: Money,
) -> Result<Response<SetupIntentKind>, CliError> {
    let booking = journal.begin_booking();
    journal.append(client, booking, Event::SetupIntentCreating { reference })?;
    let answer = match client.create_setup_intent(body) {
        Ok(a) => a,
        Err(e) => {
            if definitely_not_done(&e) {
                journal.append(client, booking, Event::BookingClosed { reason: CloseReason::Abandoned })?;
            }
            return Err(e.into());
        }
    };
    let setup_intent = answer.get().id;
    journal
        .append(client, booking, Event::SetupIntentCreated { reference, setup_intent, amount })
        .map_err(|e| CliError::Journal(format!("setup intent {setup_intent} was created, but {e}")))?;
    Ok(answer)
}

/// `POST /payment-intents` for `setup_intent`, journaled in the setup intent's booking
/// (or a new one when the journal has none).
pub(crate) fn create_payment_intent(
    client: &Client,
    journal: &mut CliJournal,
    setup_intent: SetupIntentId,
    amount: Money,
    reference_text: &str,
) -> Result<Response<PaymentIntentKind>, CliError> {
    let reference = reference(reference_text)?;
    let open = journal.booking_of_setup_intent(&setup_intent).copied();
    let booking = open.map_or_else(|| journal.begin_booking(), |b| b.booking);
    journal.append(
        client,
        booking,
        Event::PaymentIntentCreating { reference, setup_intent: Some(setup_intent), amount },
    )?;
    let body = CreatePaymentIntentRequest::for_setup_intent(reference_text, amount, setup_intent);
    let answer = match client.create_payment_intent(&body) {
        Ok(a) => a,
        Err(e) => {
            if definitely_not_done(&e) {
                // Nothing was created by this request: the booking is where it was.
                let back = match open {
                    // An earlier create's answer was lost: it may still land, so the
                    // booking keeps searching for it (`resume`).
                    Some(b) if b.stage == Stage::PaymentIntentCreating => None,
                    Some(b) => Some(Event::SetupIntentCreated {
                        reference: b.reference.unwrap_or(reference),
                        setup_intent,
                        amount: b.amount.unwrap_or(amount),
                    }),
                    None => Some(Event::BookingClosed { reason: CloseReason::Abandoned }),
                };
                if let Some(event) = back {
                    journal.append(client, booking, event)?;
                }
            }
            return Err(e.into());
        }
    };
    let payment_intent = answer.get().id;
    journal
        .append(client, booking, Event::PaymentIntentCreated { payment_intent })
        .map_err(|e| CliError::Journal(format!("payment intent {payment_intent} was created, but {e}")))?;
    Ok(answer)
}

/// What a charge's report journals.
enum Verdict {
    /// `ChargeSettled` with this settlement.
    Settled(Settlement),
    /// The charge never reached the server: the booking is back at `PaymentIntentCreated`.
    NotSent,
}

/// The settlement a report journals; `None` when the charge never reached the server.
pub(crate) fn settlement(report: &ChargeReport, setup: &SetupIntentState) -> Option<Settlement> {
    match verdict(report, setup) {
        Verdict::Settled(s) => Some(s),
        Verdict::NotSent => None,
    }
}

fn verdict(report: &ChargeReport, setup: &SetupIntentState) -> Verdict {
    match report.outcome {
        Outcome::Charged => Verdict::Settled(Settlement::Charged),
        Outcome::Pending => Verdict::Settled(Settlement::Pending),
        Outcome::NotCharged(NotCharged::NotSent) => Verdict::NotSent,
        Outcome::NotCharged(NotCharged::Declined(s)) => Verdict::Settled(Settlement::NotCharged(
            NotChargedReason::from_capture_status(s).unwrap_or(NotChargedReason::Failed),
        )),
        Outcome::NotCharged(NotCharged::Canceled) => {
            Verdict::Settled(Settlement::NotCharged(NotChargedReason::Canceled))
        }
        Outcome::NotCharged(NotCharged::Refused { .. }) => Verdict::Settled(Settlement::NotCharged(refused(setup))),
    }
}

/// The reason journaled for a charge the server refused (4xx) and a read-back showed
/// uncharged: the setup intent's state when it no longer backs a charge, else `Failed`.
fn refused(setup: &SetupIntentState) -> NotChargedReason {
    if setup.status() == SetupIntentStatus::Authorized {
        NotChargedReason::Failed
    } else {
        NotChargedReason::SetupIntentUnusable
    }
}

/// A charge's result: the report and the states it left, or the SDK's error.
pub(crate) struct Charged {
    pub(crate) report: ChargeReport,
    pub(crate) payment: PaymentIntentState,
    pub(crate) setup: SetupIntentState,
    /// The settlement could not be journaled (the charge's verdict stands; `resume` will
    /// settle it again from the `ChargeSending` record).
    pub(crate) journal_warning: Option<String>,
}

/// Charges `payment_intent` once, journaled: its open booking (`booking`, else the one the
/// journal held for it when opened) continues; a booking whose charge was already sent is settled
/// instead of charged again (the charge protocol may resend on the same payment intent,
/// which the API charges at most once).
pub(crate) fn charge(
    client: &Client,
    journal: &mut CliJournal,
    payment_intent: PaymentIntentId,
    booking: Option<BookingId>,
) -> Result<Charged, CliError> {
    let open = journal.booking_of_payment_intent(&payment_intent).copied();
    let mut payment = crate::lookup::payment_state(client, &payment_intent)?;
    let si_id = payment.setup_intent_id().ok_or_else(|| {
        CliError::Refused(format!(
            "payment intent {payment_intent} was not created from a setup intent; only those can be charged here"
        ))
    })?;
    let mut setup = crate::lookup::setup_state(client, &si_id)?;
    if let Some(b) = open.filter(|b| matches!(b.stage, Stage::ChargeSending | Stage::ChargePending)) {
        return settle(client, journal, b.booking, payment, setup);
    }
    // The lifecycle's checks first, on copies: a refusal sends nothing and journals nothing.
    dojo_core::charge::Charge::begin(&mut payment.clone(), &setup, client.now(), client.settle_policy())
        .map_err(|e| CliError::Sdk(SdkError::from(e)))?;
    let booking = match (booking, open) {
        (Some(b), _) => b,
        (None, Some(b)) => b.booking,
        (None, None) => journal.begin_booking(),
    };
    journal.append(client, booking, Event::ChargeSending { payment_intent })?;
    match client.charge(&mut payment, &mut setup) {
        Ok(report) => finish(client, journal, booking, report, payment, setup),
        Err(e) => {
            let back = match &e {
                // Never reached the server: nothing to settle.
                SdkError::Transport(_) => Some(Event::PaymentIntentCreated { payment_intent }),
                // Refused, and the read-back showed it uncharged.
                SdkError::Api(_) => {
                    Some(Event::ChargeSettled { payment_intent, settlement: Settlement::NotCharged(refused(&setup)) })
                }
                // Anything else: the ChargeSending record stays; `resume` settles it.
                _ => None,
            };
            if let Some(event) = back {
                journal.append(client, booking, event)?;
            }
            Err(e.into())
        }
    }
}

/// Settles the charge of `booking` (sent earlier, outcome unknown or pending) through the
/// charge protocol, and journals the verdict.
pub(crate) fn settle(
    client: &Client,
    journal: &mut CliJournal,
    booking: BookingId,
    mut payment: PaymentIntentState,
    mut setup: SetupIntentState,
) -> Result<Charged, CliError> {
    let report = client.reconcile_charge(&mut payment, &mut setup)?;
    finish(client, journal, booking, report, payment, setup)
}

fn finish(
    client: &Client,
    journal: &mut CliJournal,
    booking: BookingId,
    report: ChargeReport,
    payment: PaymentIntentState,
    setup: SetupIntentState,
) -> Result<Charged, CliError> {
    let payment_intent = report.payment_intent;
    let event = match verdict(&report, &setup) {
        Verdict::Settled(settlement) => Event::ChargeSettled { payment_intent, settlement },
        Verdict::NotSent => Event::PaymentIntentCreated { payment_intent },
    };
    let journal_warning = journal.append(client, booking, event).err().map(|e| {
        format!(
            "the charge's verdict ({}) could not be journaled: {e}; `dojo resume` will settle it again",
            report.outcome
        )
    });
    Ok(Charged { report, payment, setup, journal_warning })
}
