//! The commands that talk to an API (real or emulated).

use std::time::{Duration, Instant};

use dojo_core::charge::{NotCharged, Outcome};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreateRefundRequest, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, PaymentIntentId, SetupIntentId, Text};
use dojo_ureq::{ChargeReport, Client, Timeouts};

use crate::amount::{parse_amount, parse_currency};
use crate::cli::{Cli, Command, PaymentIntentCommand, SetupIntentCommand, WatchArgs};
use crate::errors::CliError;
use crate::output::{Out, Spinner, errln, outln};

/// The default terms of a no-show setup intent.
pub(crate) fn default_terms(amount: &dojo_core::Money) -> String {
    format!("If you do not arrive, we charge a no-show fee of {amount}.")
}

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
        Command::Watch(args) => watch(args, &client(&cli, timeouts)?, out),
        Command::Webhooks(c) => crate::webhooks::run(c, &client(&cli, timeouts)?, out),
        Command::Listen(args) => crate::listen::run(args, &client(&cli, timeouts)?, out),
    }
}

/// Reads the key: `--api-key-file` (its first line) or `DOJO_API_KEY`. Never printed.
pub(crate) fn load_key(cli: &Cli) -> Result<ApiKey, CliError> {
    let raw = match &cli.api_key_file {
        Some(path) => first_line_of_key_file(path)?,
        None => std::env::var("DOJO_API_KEY").map_err(|_| {
            CliError::Usage(
                "no API key: set DOJO_API_KEY=sk_sandbox_… or pass --api-key-file PATH \
                 (or try `dojo demo`, which needs none)"
                    .into(),
            )
        })?,
    };
    // Say where the key came from: a key file's first line may be anything (`/dev/urandom`
    // can start with a line break, giving an empty "key").
    let source = match &cli.api_key_file {
        Some(path) => format!("the first line of the API key file {}", path.display()),
        None => "DOJO_API_KEY".to_owned(),
    };
    ApiKey::new(raw.trim()).map_err(|e| {
        CliError::Usage(format!(
            "the API key in {source} is not usable ({}): it must start with sk_sandbox_ or sk_prod_ and have no \
             spaces (the key itself is not shown)",
            e.kind_text()
        ))
    })
}

/// The most read from `--api-key-file`: a key is well under 200 bytes, so a file whose
/// first line does not end within this is not a key file (`/dev/zero`, a log, a binary).
pub(crate) const KEY_FILE_LIMIT: u64 = 4096;

/// The first line of the key file, reading at most [`KEY_FILE_LIMIT`] bytes (so
/// `/dev/zero` or a huge file cannot exhaust memory). Never echoes what it read.
fn first_line_of_key_file(path: &std::path::Path) -> Result<String, CliError> {
    use std::io::Read;
    let shown = path.display();
    let cannot = |e: std::io::Error| CliError::Usage(format!("cannot read the API key file {shown}: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(KEY_FILE_LIMIT + 1).read_to_end(&mut bytes).map_err(cannot)?;
    let line = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => bytes.get(..end).unwrap_or_default(),
        None if bytes.len() as u64 > KEY_FILE_LIMIT => {
            return Err(CliError::Usage(format!(
                "the API key file {shown} has no line break in its first {KEY_FILE_LIMIT} bytes: it must hold \
                 the key (sk_sandbox_… or sk_prod_…) on its first line"
            )));
        }
        None => &bytes,
    };
    let line = std::str::from_utf8(line).map_err(|_| {
        CliError::Usage(format!("the first line of the API key file {shown} is not text (UTF-8); it must hold the key"))
    })?;
    Ok(line.trim().to_owned())
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
    if let Some(settle) = test_settle_policy() {
        b = b.settle(settle);
    }
    Ok(b.build()?)
}

/// Debug builds only (the crash-injection tests): `DOJO_TEST_SETTLE_MS=D` settles a charge
/// with read-backs and resends `D` ms apart within `20 × D` ms, instead of the default
/// policy's 2 s apart within 30 s. A release build ignores it.
fn test_settle_policy() -> Option<dojo_ureq::SettlePolicy> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let ms: u32 = std::env::var("DOJO_TEST_SETTLE_MS").ok()?.parse().ok()?;
    Some(dojo_ureq::SettlePolicy {
        delay_ms: ms,
        horizon_ms: ms.saturating_mul(20),
        ..dojo_ureq::SettlePolicy::DEFAULT
    })
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
        outln!("{url}");
        if let Some(code) = code {
            crate::output::write_raw(crate::output::Stream::Stdout, code.as_bytes());
        }
    }
    Ok(())
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
            let money = match amount {
                Some(a) => parse_amount(a, payment.amount().currency)?,
                None => payment.refundable(),
            };
            payment.check_refund(money).map_err(dojo_ureq::Error::from)?;
            let mut body = CreateRefundRequest::new(money);
            body.refund_reason = reason.as_deref().map(Text::new);
            let answer = match idempotency_key {
                Some(k) => client.refund_payment_intent_with_key(&pi_id, k, &body)?,
                None => client.refund_payment_intent(&pi_id, &body)?,
            };
            if out.json() {
                out.raw_json(answer.body());
            } else {
                let r = answer.get();
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
        outln!(
            "the charge's outcome was unknown; payment intent {} read back: {} (sent {}, read back {})",
            payment.id(),
            report.read_back.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            report.sends,
            report.read_backs
        );
    }
    outln!("charge of payment intent {}: {}", payment.id(), outcome_text(report));
    if let Some(s) = report.charge_status {
        outln!("  charge status    {s}");
    }
    outln!("  payment intent   {}", payment.status());
    outln!("  setup intent     {} {}", setup.id(), setup.status());
}

/// Polls until the status changes, with a spinner; bounded by `--for`.
fn watch(args: &WatchArgs, client: &Client, out: &Out) -> Result<(), CliError> {
    // Both bounded by clap's parsers (cli::seconds); checked anyway, never a panic.
    let interval = args.interval;
    let for_secs = args.for_secs.as_secs_f64();
    let deadline = Instant::now()
        .checked_add(args.for_secs)
        .ok_or_else(|| CliError::Usage(format!("--for {for_secs} is too long")))?;
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
    out.say(format!("{} is {first}; waiting for it to change (up to {for_secs} s)", args.id));
    let mut spinner = Spinner::new(out.json());
    let started = Instant::now();
    loop {
        if Instant::now() >= deadline {
            spinner.clear();
            return Err(CliError::Refused(format!(
                "{} was still {first} after {for_secs} s; run `dojo watch {}` again to keep waiting",
                args.id, args.id
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
                outln!("{}: {first} → {now}", args.id);
            }
            return Ok(());
        }
    }
}
