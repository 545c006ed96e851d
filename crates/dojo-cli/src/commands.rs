//! The commands that talk to an API (real or emulated).

use std::time::{Duration, Instant};

use dojo_core::charge::{NotCharged, Outcome};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, PaymentIntentId, SetupIntentId, Text};
use dojo_ureq::{ChargeReport, Client, Timeouts};

use crate::amount::{parse_amount, parse_currency};
use crate::cli::{Cli, Command, PaymentIntentCommand, SetupIntentCommand, WatchArgs};
use crate::errors::CliError;
use crate::output::{Out, Spinner};

/// The default terms of a no-show setup intent.
pub(crate) fn default_terms(amount: &dojo_core::Money) -> String {
    format!("If you do not arrive, we charge a no-show fee of {amount}.")
}

/// Runs the parsed command.
pub(crate) fn run(cli: Cli, out: &Out) -> Result<(), CliError> {
    let timeouts =
        Timeouts { connect: Duration::from_secs(cli.connect_timeout), call: Duration::from_secs(cli.timeout) };
    match &cli.command {
        Command::Sandbox(args) => crate::emulator::run(args, out),
        Command::Demo(args) => crate::demo::run(args, &cli, timeouts, out),
        Command::SetupIntents(SetupIntentCommand::CheckoutLink { id, qr }) => {
            let id = setup_intent_id(id)?;
            checkout_link(&id, cli.base_url.as_deref(), *qr, out)
        }
        Command::SetupIntents(c) => setup_intents(c, &client(&cli, timeouts)?, out),
        Command::PaymentIntents(c) => payment_intents(c, &client(&cli, timeouts)?, out),
        Command::Watch(args) => watch(args, &client(&cli, timeouts)?, out),
    }
}

/// Reads the key: `--api-key-file` (its first line) or `DOJO_API_KEY`. Never printed.
pub(crate) fn load_key(cli: &Cli) -> Result<ApiKey, CliError> {
    let raw = match &cli.api_key_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read the API key file {}: {e}", path.display())))?;
            text.lines().next().unwrap_or("").trim().to_owned()
        }
        None => std::env::var("DOJO_API_KEY").map_err(|_| {
            CliError::Usage(
                "no API key: set DOJO_API_KEY=sk_sandbox_… or pass --api-key-file PATH \
                 (or try `dojo demo`, which needs none)"
                    .into(),
            )
        })?,
    };
    ApiKey::new(raw.trim()).map_err(|e| {
        CliError::Usage(format!(
            "the API key is not usable ({}): it must start with sk_sandbox_ or sk_prod_ and have no spaces \
             (the key itself is not shown)",
            e.kind_text()
        ))
    })
}

trait KindText {
    fn kind_text(&self) -> &'static str;
}

impl KindText for dojo_core::ValidationError {
    fn kind_text(&self) -> &'static str {
        use dojo_core::ValidationErrorKind as K;
        match self.kind {
            K::Empty => "empty",
            K::TooLong { .. } => "too long",
            K::InvalidCharacter => "a character that is not allowed",
            _ => "unknown prefix",
        }
    }
}

fn client(cli: &Cli, timeouts: Timeouts) -> Result<Client, CliError> {
    let key = load_key(cli)?;
    let mut b = Client::builder(key).timeouts(timeouts);
    if let Some(url) = &cli.base_url {
        b = b.base_url(url);
    }
    Ok(b.build()?)
}

pub(crate) fn setup_intent_id(s: &str) -> Result<SetupIntentId, CliError> {
    if s.starts_with("pi_") {
        return Err(CliError::Usage(format!(
            "{s} is a payment intent id; this command takes a setup intent id (si_…)"
        )));
    }
    SetupIntentId::new(s).map_err(|e| CliError::Usage(format!("{s:?} is not a setup intent id: {e}")))
}

pub(crate) fn payment_intent_id(s: &str) -> Result<PaymentIntentId, CliError> {
    if s.starts_with("si_") {
        return Err(CliError::Usage(format!(
            "{s} is a setup intent id; this command takes a payment intent id (pi_…)"
        )));
    }
    PaymentIntentId::new(s).map_err(|e| CliError::Usage(format!("{s:?} is not a payment intent id: {e}")))
}

/// The checkout link: the emulator's stand-in page when the base URL is loopback, Dojo's
/// hosted page otherwise.
pub(crate) fn checkout_url(id: &SetupIntentId, base_url: Option<&str>) -> String {
    let mut buf = [0u8; 512];
    let local = base_url.filter(|b| dojo_ureq::config::is_loopback_url(b));
    let link = match local {
        Some(base) => dojo_core::checkout::checkout_link_with_base(
            &format!("{}/checkout", base.trim_end_matches('/')),
            id,
            &mut buf,
        ),
        None => dojo_core::checkout::checkout_link(id, &mut buf),
    };
    link.map(str::to_owned).unwrap_or_else(|_| format!("{}{id}", dojo_core::checkout::CHECKOUT_BASE))
}

pub(crate) fn checkout_link(id: &SetupIntentId, base_url: Option<&str>, qr: bool, out: &Out) -> Result<(), CliError> {
    let url = checkout_url(id, base_url);
    let code = if qr { crate::qr::render(&url) } else { None };
    if out.json() {
        out.value(&serde_json::json!({ "setupIntentId": id.as_str(), "url": url, "qr": code }));
    } else {
        println!("{url}");
        if let Some(code) = code {
            print!("{code}");
        }
    }
    Ok(())
}

fn setup_intents(cmd: &SetupIntentCommand, client: &Client, out: &Out) -> Result<(), CliError> {
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
            client.create_setup_intent(&body)?
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
            println!("  checkout link    {}", checkout_url(&si.id, Some(client.base_url())));
        }
    }
    Ok(())
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

fn payment_intents(cmd: &PaymentIntentCommand, client: &Client, out: &Out) -> Result<(), CliError> {
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
            let body = CreatePaymentIntentRequest::for_setup_intent(reference, money, si_id);
            let answer = client.create_payment_intent(&body)?;
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
            let mut payment = payment_state(client, &pi_id)?;
            let si_id = payment.setup_intent_id().ok_or_else(|| {
                CliError::Refused(format!(
                    "payment intent {pi_id} was not created from a setup intent; only those can be charged here"
                ))
            })?;
            let mut setup = setup_state(client, &si_id)?;
            let report = client.charge(&mut payment, &mut setup)?;
            print_charge(&report, &payment, &setup, out);
            if report.outcome == Outcome::Pending {
                // Never "not charged": the charge may still land. The report (text or JSON)
                // was printed; exit 5 like any outcome not known yet.
                if !out.json() {
                    eprintln!(
                        "payment intent {pi_id}: pending, not known yet; run `dojo payment-intents charge {pi_id}` \
                         again later to settle it (it is resent on the same payment intent, which the API charges \
                         at most once)"
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
                println!("refunded {money} of payment intent {pi_id}");
                if let Some(id) = r.refund_id {
                    println!("  refund id        {id}");
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

pub(crate) fn outcome_text(report: &ChargeReport) -> String {
    match report.outcome {
        Outcome::Charged => "charged".into(),
        Outcome::NotCharged(NotCharged::Declined(s)) => format!("not charged: {s}"),
        Outcome::NotCharged(NotCharged::Canceled) => "not charged: the payment intent is Canceled".into(),
        Outcome::NotCharged(NotCharged::Refused { status }) => format!("not charged: refused ({status})"),
        Outcome::NotCharged(NotCharged::NotSent) => "not charged: the charge never reached the server".into(),
        Outcome::Pending => "pending, not known yet".into(),
    }
}

/// The charge's report as JSON.
pub(crate) fn charge_json(
    report: &ChargeReport,
    payment: &PaymentIntentState,
    setup: &SetupIntentState,
) -> serde_json::Value {
    let outcome = match report.outcome {
        Outcome::Charged => "charged",
        Outcome::NotCharged(_) => "not_charged",
        Outcome::Pending => "pending",
    };
    serde_json::json!({
        "paymentIntentId": payment.id().as_str(),
        "outcome": outcome,
        "chargeStatus": report.charge_status.map(|s| s.to_string()),
        "reconciled": report.outcome_was_unknown,
        "readBack": report.read_back.map(|s| s.to_string()),
        "sends": report.sends,
        "readBacks": report.read_backs,
        "paymentIntentStatus": payment.status().to_string(),
        "setupIntentId": setup.id().as_str(),
        "setupIntentStatus": setup.status().to_string(),
    })
}

pub(crate) fn print_charge(report: &ChargeReport, payment: &PaymentIntentState, setup: &SetupIntentState, out: &Out) {
    if out.json() {
        out.value(&charge_json(report, payment, setup));
        return;
    }
    if report.outcome_was_unknown {
        println!(
            "the charge's outcome was unknown; payment intent {} read back: {} (sent {}, read back {})",
            payment.id(),
            report.read_back.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            report.sends,
            report.read_backs
        );
    }
    println!("charge of payment intent {}: {}", payment.id(), outcome_text(report));
    if let Some(s) = report.charge_status {
        println!("  charge status    {s}");
    }
    println!("  payment intent   {}", payment.status());
    println!("  setup intent     {} {}", setup.id(), setup.status());
}

/// Polls until the status changes, with a spinner; bounded by `--for`.
fn watch(args: &WatchArgs, client: &Client, out: &Out) -> Result<(), CliError> {
    if !(args.interval.is_finite() && args.interval >= 0.05) {
        return Err(CliError::Usage("--interval must be at least 0.05 seconds".into()));
    }
    let interval = Duration::from_secs_f64(args.interval);
    let deadline = Instant::now() + Duration::from_secs(args.for_secs);
    let read = |id: &str| -> Result<(String, Vec<u8>), CliError> {
        if id.starts_with("pi_") {
            let a = client.get_payment_intent(&payment_intent_id(id)?, true)?;
            Ok((a.get().status.to_string(), a.into_body()))
        } else {
            let a = client.get_setup_intent(&setup_intent_id(id)?)?;
            Ok((a.get().status.to_string(), a.into_body()))
        }
    };
    let (first, _) = read(&args.id)?;
    out.say(format!("{} is {first}; waiting for it to change (up to {} s)", args.id, args.for_secs));
    let mut spinner = Spinner::new(out.json());
    let started = Instant::now();
    loop {
        if Instant::now() >= deadline {
            spinner.clear();
            return Err(CliError::Refused(format!(
                "{} was still {first} after {} s; run `dojo watch {}` again to keep waiting",
                args.id, args.for_secs, args.id
            )));
        }
        let mut slept = Duration::ZERO;
        while slept < interval {
            spinner.tick(&format!("{} is {first} ({} s)", args.id, started.elapsed().as_secs()));
            let step = Duration::from_millis(100).min(interval - slept);
            std::thread::sleep(step);
            slept += step;
        }
        let (now, body) = read(&args.id)?;
        if now != first {
            spinner.clear();
            if out.json() {
                out.raw_json(&body);
            } else {
                println!("{}: {first} → {now}", args.id);
            }
            return Ok(());
        }
    }
}
