//! The command dispatcher (every command is run from here, nothing here is called back),
//! and the setup- and payment-intent commands that talk to an API (real or emulated).

use dojo_core::charge::Outcome;
use dojo_core::request::{CreateRefundRequest, CreateSetupIntentRequest};
use dojo_core::{MerchantInitiatedTransactionType, Text};
use dojo_ureq::{Client, Timeouts};

use crate::amount::{parse_amount, parse_currency};
use crate::checkout::{checkout_link, checkout_url, default_terms};
use crate::cli::{Cli, Command, PaymentIntentCommand, SetupIntentCommand};
use crate::connect::client;
use crate::errors::CliError;
use crate::lookup::{payment_intent_id, payment_state, setup_intent_id, setup_state};
use crate::output::{Out, errln, outln};
use crate::report::{outcome_text, print_charge};

/// Runs the parsed command.
pub(crate) fn run(cli: Cli, out: &Out) -> Result<(), CliError> {
    // Bounded by clap's parsers (cli::seconds): no overflow downstream.
    let timeouts = Timeouts { connect: cli.connect_timeout, call: cli.timeout };
    match &cli.command {
        Command::Sandbox(args) => crate::emulator::run(args, out),
        Command::Demo(args) => crate::demo::run(args, &cli, timeouts, out),
        Command::SetupIntents(SetupIntentCommand::CheckoutLink { id, qr }) => {
            let id = setup_intent_id(id)?;
            checkout_link(&id, cli.base_url.as_deref(), *qr, out)
        }
        Command::SetupIntents(c) => setup_intents(c, &client(&cli, timeouts)?, cli.journal.as_deref(), out),
        Command::PaymentIntents(c) => payment_intents(c, &client(&cli, timeouts)?, cli.journal.as_deref(), out),
        Command::Resume(args) => crate::resume::run(args, &client(&cli, timeouts)?, cli.journal.as_deref(), out),
        Command::Watch(args) => crate::watch::run(args, &client(&cli, timeouts)?, out),
        Command::Webhooks(c) => crate::webhooks::run(c, &client(&cli, timeouts)?, out),
        Command::Listen(args) => crate::listen::run(args, &client(&cli, timeouts)?, out),
    }
}

fn setup_intents(
    cmd: &SetupIntentCommand,
    client: &Client,
    journal: Option<&std::path::Path>,
    out: &Out,
) -> Result<(), CliError> {
    let answer = match cmd {
        SetupIntentCommand::Create { amount, reference, terms, description, mit_type } => {
            let currency = parse_currency(&amount.currency)?;
            let money = parse_amount(&amount.amount, currency)?;
            let mit = MerchantInitiatedTransactionType::parse(mit_type);
            if !mit.is_known() {
                return Err(CliError::Usage(format!(
                    "unknown --type {mit_type:?}: use NoShow, Unscheduled or another type the API documents"
                )));
            }
            let terms = terms.clone().unwrap_or_else(|| default_terms(&money));
            let mut body = CreateSetupIntentRequest::new(reference, &terms, mit, money);
            body.description = description.as_deref().map(Text::new);
            let journal_ref = crate::journaled::reference(reference)?;
            let mut journal = crate::journal::CliJournal::open(journal)?;
            crate::journaled::create_setup_intent(client, &mut journal, &body, journal_ref, money)?
        }
        SetupIntentCommand::Get { id } => client.get_setup_intent(&setup_intent_id(id)?)?,
        SetupIntentCommand::Cancel { id, include_authorized } => {
            client.cancel_setup_intent(&setup_intent_id(id)?, *include_authorized)?
        }
        SetupIntentCommand::CheckoutLink { .. } => return Ok(()),
        SetupIntentCommand::More(more) => return crate::more_commands::setup_intents(more, client, out),
    };
    if out.json() {
        out.raw_json(answer.body());
    } else {
        let si = answer.get();
        out.setup_intent(&si);
        if matches!(cmd, SetupIntentCommand::Create { .. }) {
            outln!("  checkout link    {}", checkout_url(&si.id, Some(client.base_url())));
        }
    }
    Ok(())
}

fn payment_intents(
    cmd: &PaymentIntentCommand,
    client: &Client,
    journal: Option<&std::path::Path>,
    out: &Out,
) -> Result<(), CliError> {
    match cmd {
        PaymentIntentCommand::More(more) => crate::more_commands::payment_intents(more, client, out)?,
        PaymentIntentCommand::Create { setup_intent, amount, currency, reference } => {
            let si_id = setup_intent_id(setup_intent)?;
            let setup = setup_state(client, &si_id)?;
            let intended = setup.intended_amount();
            let currency = match (currency, intended) {
                (Some(c), _) => parse_currency(c)?,
                (None, Some(m)) => m.currency,
                (None, None) => dojo_core::Currency::Gbp,
            };
            let money = match (amount, intended) {
                (Some(a), _) => parse_amount(a, currency)?,
                (None, Some(m)) => m,
                (None, None) => {
                    return Err(CliError::Usage(format!("setup intent {si_id} has no intended amount: pass --amount")));
                }
            };
            setup.check_payment_amount(money).map_err(dojo_ureq::Error::from)?;
            crate::journaled::reference(reference)?;
            let mut journal = crate::journal::CliJournal::open(journal)?;
            let answer = crate::journaled::create_payment_intent(client, &mut journal, si_id, money, reference)?;
            print_pi(&answer, out);
        }
        PaymentIntentCommand::Get { id, return_canceled } => {
            print_pi(&client.get_payment_intent(&payment_intent_id(id)?, *return_canceled)?, out);
        }
        PaymentIntentCommand::Cancel { id } => {
            print_pi(&client.cancel_payment_intent(&payment_intent_id(id)?)?, out);
        }
        PaymentIntentCommand::Charge { id } => {
            let pi_id = payment_intent_id(id)?;
            // Journaled: ChargeSending before the POST (a failed append sends nothing),
            // the protocol's verdict after it.
            let mut journal = crate::journal::CliJournal::open(journal)?;
            let crate::journaled::Charged { report, payment, setup, journal_warning } =
                crate::journaled::charge(client, &mut journal, pi_id, None)?;
            print_charge(&report, &payment, &setup, out);
            journal.tidy();
            if let Some(w) = journal_warning {
                errln!("warning: {w}");
            }
            if report.outcome == Outcome::Pending {
                // Never "not charged": the charge may still land. The report (text or JSON)
                // was printed; exit 5 like any outcome not known yet.
                if !out.json() {
                    errln!(
                        "payment intent {pi_id}: pending, not known yet; it is in the journal ({}): run \
                         `dojo resume` later to settle it",
                        journal.path().display()
                    );
                }
                return Err(CliError::AlreadyReported(crate::errors::EXIT_OUTCOME_UNKNOWN));
            }
            if !report.charged() {
                if out.json() {
                    // The report is the one JSON document; the exit code says the rest.
                    return Err(CliError::AlreadyReported(crate::errors::EXIT_REFUSED));
                }
                return Err(CliError::Refused(format!(
                    "payment intent {pi_id} was not charged ({}); the customer's card can be tried again later",
                    outcome_text(&report)
                )));
            }
        }
        PaymentIntentCommand::Refund { id, amount, reason, idempotency_key } => {
            let pi_id = payment_intent_id(id)?;
            let payment = payment_state(client, &pi_id)?;
            let minor = match amount {
                Some(a) => parse_amount(a, payment.amount().currency)?.value,
                None => payment.captured().saturating_sub(payment.refunded()),
            };
            payment.check_refund(minor).map_err(dojo_ureq::Error::from)?;
            let mut body = CreateRefundRequest::new(minor);
            body.refund_reason = reason.as_deref().map(Text::new);
            let answer = match idempotency_key {
                Some(k) => client.refund_payment_intent_with_key(&pi_id, k, &body)?,
                None => client.refund_payment_intent(&pi_id, &body)?,
            };
            if out.json() {
                out.raw_json(answer.body());
            } else {
                let r = answer.get();
                let money = dojo_core::Money::new(minor, payment.amount().currency);
                outln!("refunded {money} of payment intent {pi_id}");
                if let Some(id) = r.refund_id {
                    outln!("  refund id        {id}");
                }
            }
        }
    }
    Ok(())
}

fn print_pi(answer: &dojo_ureq::Response<dojo_core::response::kind::PaymentIntentKind>, out: &Out) {
    if out.json() {
        out.raw_json(answer.body());
    } else {
        out.payment_intent(&answer.get());
    }
}
