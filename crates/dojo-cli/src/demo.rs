//! `dojo demo`: the seed's no-show flow end to end, every step and status printed.
//!
//! Without `--live` it runs on an emulator started in this process (no key, no network);
//! with `--live` and `DOJO_API_KEY` it runs against api.dojo.tech and waits for a person
//! to pay on the checkout page.

use std::time::{Duration, Instant};

use dojo_core::lifecycle::{Observation, PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreatePaymentIntentRequest, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money, SetupIntentStatus};
use dojo_ureq::{Client, Timeouts};

use crate::checkout::{checkout_url, default_terms};
use crate::cli::{Cli, DemoArgs};
use crate::emulator::EMULATOR_KEY;
use crate::errors::CliError;
use crate::output::{Out, Spinner, outln};
use crate::report::{charge_json, outcome_text};

const REFERENCE: &str = "Table 12, 8pm";
const AMOUNT: Money = Money::gbp(1000);

pub(crate) fn run(args: &DemoArgs, cli: &Cli, timeouts: Timeouts, out: &Out) -> Result<(), CliError> {
    let started = Instant::now();
    let mut steps: Vec<serde_json::Value> = Vec::new();
    // The emulator lives until the end of the demo (dropping it stops it).
    let (client, sandbox) = if args.live {
        let key = crate::connect::load_key(cli)?;
        let mut b = Client::builder(key).timeouts(timeouts);
        if let Some(url) = &cli.base_url {
            b = b.base_url(url);
        }
        let client = b.build()?;
        out.progress(format!("dojo demo — the no-show fee flow, live against {}", client.base_url()));
        (client, None)
    } else {
        let sandbox = crate::emulator::start(args.port)?;
        let key = ApiKey::new(EMULATOR_KEY).map_err(|e| CliError::Usage(e.to_string()))?;
        let client = Client::builder(key).base_url(sandbox.base_url()).timeouts(timeouts).build()?;
        out.progress(format!(
            "dojo demo — the no-show fee flow on an in-process emulator at {} (no key, no network)",
            client.base_url()
        ));
        (client, Some(sandbox))
    };
    let interactive = args.interactive || args.live;

    // 1. The setup intent: the customer's consent to a 10.00 GBP no-show fee.
    let terms = default_terms(&AMOUNT);
    let body = CreateSetupIntentRequest::new(REFERENCE, &terms, MerchantInitiatedTransactionType::NoShow, AMOUNT);
    let answer = client.create_setup_intent(&body)?;
    let si = answer.get();
    let mut setup = SetupIntentState::from_response(&si);
    out.progress(format!("1. created setup intent {} for {AMOUNT} ({REFERENCE}): {}", si.id, si.status));
    steps.push(serde_json::json!({"step": "create_setup_intent", "setupIntentId": si.id.as_str(), "status": si.status.to_string()}));

    // 2. The checkout link, and its QR code for the kiosk's screen.
    let url = checkout_url(&setup.id(), Some(client.base_url()));
    out.progress(format!("2. checkout link: {url}"));
    if let Some(code) = crate::qr::render(&url).filter(|_| !out.json()) {
        crate::output::write_raw(crate::output::Stream::Stdout, code.as_bytes());
    }
    steps.push(serde_json::json!({"step": "checkout_link", "url": url}));

    // 3. The customer authorizes a card at checkout.
    match (&sandbox, interactive) {
        (Some(sandbox), false) => {
            sandbox
                .authorize_setup_intent(setup.id().as_str(), dojo_sandbox::TestCard::SUCCESS)
                .map_err(|e| CliError::Refused(format!("the emulator refused to authorize: {e:?}")))?;
            out.progress("3. the customer pays at checkout with the sandbox card 5200 0000 0000 1005 (12/29)");
        }
        _ => {
            out.progress(format!(
                "3. open the link in a browser and pay with the sandbox card 5200 0000 0000 1005, expiry 12/29 \
                 (waiting up to {} s)",
                args.wait.as_secs_f64()
            ));
            wait_for_customer(&client, &setup, args.wait, out)?;
        }
    }
    let si = client.get_setup_intent(&setup.id())?;
    let si = si.get();
    observe(&mut setup, &si)?;
    out.progress(format!("   setup intent {}: {}", setup.id(), setup.status()));
    steps.push(serde_json::json!({"step": "authorize", "setupIntentId": setup.id().as_str(), "status": setup.status().to_string()}));
    if setup.status() != SetupIntentStatus::Authorized {
        return Err(CliError::Refused(format!(
            "setup intent {} is {}, not Authorized: the card was not accepted; run the demo again",
            setup.id(),
            setup.status()
        )));
    }

    // 4. The no-show: a payment intent for exactly the intended amount, from the setup intent.
    setup.check_payment_amount(AMOUNT).map_err(dojo_ureq::Error::from)?;
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", AMOUNT, setup.id());
    let answer = client.create_payment_intent(&body)?;
    let pi = answer.get();
    let mut payment = PaymentIntentState::from_response(&pi)
        .ok_or_else(|| CliError::Refused(format!("payment intent {} came back without an amount", pi.id)))?;
    out.progress(format!("4. created payment intent {} for {} from {}: {}", pi.id, AMOUNT, setup.id(), pi.status));
    steps.push(serde_json::json!({"step": "create_payment_intent", "paymentIntentId": pi.id.as_str(), "status": pi.status.to_string()}));

    // 5. Charge it, once (dojo-core checks every rule first; a lost answer is reconciled).
    let report = client.charge(&mut payment, &mut setup)?;
    let mut line = format!("5. charged {}: {}", payment.id(), outcome_text(&report));
    if let Some(s) = report.charge_status {
        line.push_str(&format!(" — {s}"));
    }
    out.progress(line);
    out.progress(format!("   payment intent {}: {}", payment.id(), payment.status()));
    steps.push(serde_json::json!({"step": "charge", "report": charge_json(&report, &payment, &setup)}));
    if !report.charged() {
        return Err(CliError::Refused(format!(
            "payment intent {} was not charged ({})",
            payment.id(),
            outcome_text(&report)
        )));
    }

    // 6. The server agrees: the setup intent is Completed.
    let si = client.get_setup_intent(&setup.id())?;
    let si = si.get();
    observe(&mut setup, &si)?;
    out.progress(format!("6. setup intent {}: {}", setup.id(), si.status));
    steps.push(serde_json::json!({"step": "setup_intent_completed", "setupIntentId": setup.id().as_str(), "status": si.status.to_string()}));
    if si.status != SetupIntentStatus::Completed {
        return Err(CliError::Refused(format!(
            "setup intent {} is {} after the charge, not Completed; read it again with `dojo setup-intents get {}`",
            setup.id(),
            si.status,
            setup.id()
        )));
    }
    let elapsed = started.elapsed();
    if out.json() {
        out.value(&serde_json::json!({
            "setupIntentId": setup.id().as_str(),
            "paymentIntentId": payment.id().as_str(),
            "amount": {"value": AMOUNT.value, "currencyCode": AMOUNT.currency.as_str()},
            "setupIntentStatus": si.status.to_string(),
            "paymentIntentStatus": payment.status().to_string(),
            "steps": steps,
            "elapsedMs": elapsed.as_millis(),
        }));
    } else {
        outln!("done in {:.2} s: {AMOUNT} charged once; setup intent Completed.", elapsed.as_secs_f64());
    }
    drop(sandbox);
    Ok(())
}

fn observe(setup: &mut SetupIntentState, si: &dojo_core::setup_intent::SetupIntent<'_>) -> Result<(), CliError> {
    match setup.observe_response(si) {
        Ok(Observation::Unchanged | Observation::Moved { .. }) => Ok(()),
        Err(anomaly) => Err(CliError::Refused(anomaly.to_string())),
    }
}

/// Polls the setup intent until it leaves Created, with a spinner; bounded by `wait`.
fn wait_for_customer(client: &Client, setup: &SetupIntentState, wait: Duration, out: &Out) -> Result<(), CliError> {
    let started = Instant::now();
    let mut spinner = Spinner::new(out.json());
    loop {
        let answer = client.get_setup_intent(&setup.id())?;
        let status = answer.get().status;
        if status != SetupIntentStatus::Created {
            spinner.clear();
            return Ok(());
        }
        if started.elapsed() >= wait {
            spinner.clear();
            return Err(CliError::Refused(format!(
                "nobody paid within {} s; run the demo again (or without --interactive to authorize automatically)",
                wait.as_secs()
            )));
        }
        for _ in 0..10 {
            spinner.tick(&format!("waiting for the customer ({} s)", started.elapsed().as_secs()));
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
