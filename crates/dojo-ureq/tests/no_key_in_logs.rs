//! Issue 12: the API key must never reach a log record, whatever logger the user installs.
//!
//! A catch-all `log::Log` (every target, level Trace) records every record of a run of
//! calls of every kind against the emulator: GETs, POSTs with a body, retries (a dropped
//! read, a 503), API errors (404), a transport error (nothing listening), a charge
//! reconciled after a lost answer, a refund, and a clone with other timeouts (a per-call
//! config). Every record is then searched for every 6-byte fragment of the key's secret
//! part: in its text, in all texts joined (a fragment split across records), in the ASCII
//! columns of ureq-proto's hex wire dump rejoined across rows, in the bytes that dump's
//! hex columns decode to, and as hex in the text. `Debug` and `Display` of the client,
//! builder, answers and errors are searched too.
//!
//! This file is its own test binary (one process, one global logger) with one test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Mutex;
use std::time::Duration;

use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreatePaymentIntentRequest, CreateRefundRequest, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money, PaymentIntentId};
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};
use dojo_ureq::{Client, Error, RetryPolicy, SettlePolicy, Timeouts};

/// The secret part: long, and unlike anything else in a record.
const SECRET: &str = "Q7vX2mKp9LwR4tYz8NcB5hJd3FgS6aUe";

struct Record {
    target: String,
    text: String,
}

struct CatchAll(Mutex<Vec<Record>>);

impl log::Log for CatchAll {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let text = format!(
            "{} {} {} {}:{} {}",
            record.level(),
            record.target(),
            record.module_path().unwrap_or(""),
            record.file().unwrap_or(""),
            record.line().unwrap_or(0),
            record.args()
        );
        self.0.lock().unwrap().push(Record { target: record.target().to_owned(), text });
    }
    fn flush(&self) {}
}

static LOGGER: CatchAll = CatchAll(Mutex::new(Vec::new()));

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A row of ureq-proto's wire dump: 8 groups of 4 hex digits (`--` past the end), a space,
/// then 16 ASCII characters. Returns the bytes and the ASCII column.
fn dump_row(message: &str) -> Option<(Vec<u8>, String)> {
    let mut parts = message.split(' ').filter(|p| !p.is_empty());
    let mut bytes = Vec::new();
    for _ in 0..8 {
        let group = parts.next()?;
        if group.len() != 4 {
            return None;
        }
        for pair in [&group[..2], &group[2..]] {
            if pair == "--" {
                continue;
            }
            bytes.push(u8::from_str_radix(pair, 16).ok()?);
        }
    }
    let ascii: String = parts.collect::<Vec<_>>().join(" ");
    Some((bytes, ascii))
}

/// Every place a fragment of the secret is found in `records` and `shown`.
fn leaks(records: &[Record], shown: &[String]) -> Vec<String> {
    let secret = SECRET.as_bytes();
    let fragments: Vec<&[u8]> = secret.windows(6).collect();
    let mut texts: Vec<(String, String)> =
        records.iter().enumerate().map(|(i, r)| (format!("record {i} ({})", r.target), r.text.clone())).collect();
    texts.extend(shown.iter().enumerate().map(|(i, s)| (format!("Debug/Display {i}"), s.clone())));
    // The messages alone (the text after the location prefix) for the dump parser.
    let messages: Vec<String> = records.iter().map(|r| r.text.splitn(5, ' ').nth(4).unwrap_or("").to_owned()).collect();
    let (mut dumped, mut ascii) = (Vec::new(), String::new());
    for m in &messages {
        if let Some((bytes, column)) = dump_row(m) {
            dumped.extend(bytes);
            ascii.push_str(&column);
        }
    }
    let joined: String = texts.iter().map(|(_, t)| t.as_str()).collect();
    let squeezed: String = joined.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let mut found = Vec::new();
    for f in &fragments {
        let f_str = std::str::from_utf8(f).unwrap();
        for (name, t) in &texts {
            if t.contains(f_str) {
                found.push(format!("{f_str:?} in {name}: {t}"));
            }
        }
        if joined.contains(f_str) {
            found.push(format!("{f_str:?} in the records joined"));
        }
        if ascii.contains(f_str) {
            found.push(format!("{f_str:?} in the wire dump's ASCII column, rows rejoined"));
        }
        if dumped.windows(f.len()).any(|w| w == *f) {
            found.push(format!("{f_str:?} in the wire dump's hex, decoded"));
        }
        if squeezed.contains(&hex(f)) {
            found.push(format!("{f_str:?} as hex in the records"));
        }
    }
    found
}

#[test]
fn no_log_record_and_no_debug_output_holds_any_fragment_of_the_key() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let sb = Sandbox::start(Config::default()).unwrap();
    let key = ApiKey::new(&format!("sk_sandbox_{SECRET}")).unwrap();
    let builder = Client::builder(key.clone())
        .base_url(sb.base_url())
        .retry(RetryPolicy { max_retries: 3, base_delay_ms: 5, max_delay_ms: 20, max_retry_after_ms: 3000 })
        .settle(SettlePolicy { max_read_backs: 4, max_resends: 2, delay_ms: 20, horizon_ms: 10_000 })
        .timeouts(Timeouts { connect: Duration::from_secs(2), call: Duration::from_secs(5) });
    let mut shown = vec![format!("{builder:?}"), format!("{builder:#?}")];
    let client = builder.build().unwrap();
    shown.push(format!("{client:?}"));
    shown.push(format!("{client:#?}"));
    shown.push(format!("{:?}", client.agent()));

    // POST with a body; GET; a dropped read (retried); a 503 (retried); a 404.
    let body = CreateSetupIntentRequest::new(
        "Table 12, 8pm",
        "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let answer = client.create_setup_intent(&body).unwrap();
    shown.push(format!("{answer:?}"));
    let mut setup = SetupIntentState::from_response(&answer.get());
    sb.authorize_setup_intent(setup.id().as_str(), TestCard::SUCCESS).unwrap();
    sb.add_fault(Fault::once(Route::GetSetupIntent, FaultKind::DropBeforeCommit));
    let read = client.get_setup_intent(&setup.id()).unwrap();
    assert_eq!(read.attempts(), 2, "the dropped read was retried");
    setup.observe_response(&read.get()).unwrap();
    let missing = PaymentIntentId::new("pi_sandbox_missingmissingmissing00").unwrap();
    let err = client.get_payment_intent(&missing, false).unwrap_err();
    shown.extend([format!("{err:?}"), format!("{err}")]);

    // A payment intent, a 503 read retried, a charge whose answer is lost (reconciled),
    // a refund; with a clone whose timeouts differ (a per-call config) for some.
    let body = CreatePaymentIntentRequest::for_setup_intent("No-show Table 12", Money::gbp(1000), setup.id());
    let mut payment = PaymentIntentState::from_response(&client.create_payment_intent(&body).unwrap().get()).unwrap();
    sb.add_fault(Fault::once(Route::GetPaymentIntent, FaultKind::Status(503)));
    let other = client.with_timeouts(Timeouts { connect: Duration::from_secs(3), call: Duration::from_secs(6) });
    assert_eq!(other.get_payment_intent(&payment.id(), false).unwrap().attempts(), 2);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropAfterCommit));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.charged() && report.outcome_was_unknown, "{report:?}");
    shown.push(format!("{report:?}"));
    let refund = client.refund_payment_intent(&payment.id(), &CreateRefundRequest::new(dojo_core::Money::gbp(100)));
    shown.push(format!("{refund:?}"));
    // A 503 with retries off: the API error with its body.
    sb.add_fault(Fault::once(Route::GetPaymentIntent, FaultKind::Status(503)));
    let err = client.with_retry(RetryPolicy::NONE).get_payment_intent(&payment.id(), false).unwrap_err();
    shown.extend([format!("{err:?}"), format!("{err}")]);
    sb.shutdown();

    // Nothing listening: a transport error after retries.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let gone = Client::builder(key).base_url(&dead_url).build().unwrap();
    let err = gone.with_retry(RetryPolicy::NONE).get_setup_intent(&setup.id()).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    shown.extend([format!("{err:?}"), format!("{err}")]);

    log::set_max_level(log::LevelFilter::Off);
    let records = std::mem::take(&mut *LOGGER.0.lock().unwrap());
    // The logger saw the wire: the dump of a request prelude is there (so the search
    // below is not vacuous), with its authorization line.
    let prelude: Vec<u8> = records
        .iter()
        .filter_map(|r| dump_row(r.text.splitn(5, ' ').nth(4).unwrap_or("")))
        .flat_map(|(bytes, _)| bytes)
        .collect();
    let prelude = String::from_utf8_lossy(&prelude);
    assert!(prelude.contains("POST /setup-intents HTTP/1.1\r\n"), "no wire dump recorded: {} records", records.len());
    assert!(prelude.contains("authorization: Basic "), "the dump shows the authorization line");
    assert!(records.iter().any(|r| r.target.starts_with("dojo_ureq")), "dojo-ureq's own records are there");

    let found = leaks(&records, &shown);
    assert!(found.is_empty(), "{} leaks of the key, first: {:#?}", found.len(), &found[..found.len().min(8)]);
}
