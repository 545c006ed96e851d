//! A charge's report as the commands print it: one line of outcome, the statuses it left,
//! or one JSON object (`dojo payment-intents charge`, `dojo demo`, `dojo resume`).

use dojo_core::charge::{NotCharged, Outcome};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_ureq::ChargeReport;

use crate::output::{Out, outln};

/// The outcome in words (`charged`, `not charged: …`, `pending, not known yet`).
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

/// Prints the report: text (the outcome, then the statuses) or its JSON object.
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
