//! `dojo resume`: settles every unfinished booking in the journal against the API.
//!
//! Per booking, dojo-core's recovery says what to do ([`Action`]); this file does it:
//!
//! | action | what `resume` does | printed as |
//! |---|---|---|
//! | `SettleCharge`, `ReportPending` | the charge protocol's settle (`reconcile_charge`: read back, resend on the same payment intent while uncharged, within the settle policy), then `ChargeSettled` | `charged`, `not charged` (the server's reason) or `pending` |
//! | `SendCharge` (a payment intent whose charge was never sent) | reads it back (Captured, Refunded or Reversed: charged by other means, journaled; Canceled: closed); else nothing, unless `--send`: whether to charge is a person's decision; with `--send` the journaled charge | `waiting`, `charged`, `closed`, or the charge's outcome |
//! | `FindOrphanPaymentIntent` (the create's answer was lost) | `POST /payment-intents/search` from the record's time less 10 minutes, every page, filtered by reference, setup intent and amount: one match is journaled (`PaymentIntentCreated`) and goes on as `SendCharge`; none or several are reported | `waiting` |
//! | `ReadBackSetupIntent` | reads the setup intent: Created or Authorized stays open (the customer or a person acts next); Canceled, Expired or Closed closes the booking; Completed closes it | `waiting` or `closed` |
//! | `OrphanSetupIntent` (a setup intent's create answer was lost) | closes the booking as abandoned: without its id no customer can have authorized it, so nothing can be charged | `closed` |
//!
//! Exit 0 when no charge is left pending (bookings still `waiting` for a person are listed,
//! and are not errors), 5 when any is pending (run `dojo resume` again later). When no
//! booking is left open the journal is compacted.

use dojo_core::charge::Outcome;
use dojo_core::journal::{Action, BookingId, CloseReason, Event, OpenBooking, Reference, Settlement};
use dojo_core::request::{Cursor, SearchPaymentIntentsRequest};
use dojo_core::{Money, PaymentIntentId, PaymentIntentStatus, SetupIntentId, SetupIntentStatus, Timestamp};
use dojo_ureq::Client;

use crate::cli::ResumeArgs;
use crate::errors::{CliError, EXIT_OUTCOME_UNKNOWN};
use crate::journal::CliJournal;
use crate::output::{Out, errln, outln};

/// Where a booking ended in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Charged,
    NotCharged,
    Pending,
    Waiting,
    Closed,
}

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Verdict::Charged => "charged",
            Verdict::NotCharged => "not_charged",
            Verdict::Pending => "pending",
            Verdict::Waiting => "waiting",
            Verdict::Closed => "closed",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Verdict::Charged => "charged",
            Verdict::NotCharged => "not charged",
            Verdict::Pending => "pending, not known yet",
            Verdict::Waiting => "waiting",
            Verdict::Closed => "closed",
        }
    }
}

/// One booking's result.
struct Line {
    booking: BookingId,
    action: &'static str,
    outcome: Verdict,
    reason: Option<String>,
    payment_intent: Option<PaymentIntentId>,
    setup_intent: Option<SetupIntentId>,
    reference: Option<Reference>,
    detail: String,
}

impl Line {
    fn new(b: &OpenBooking, action: &'static str, outcome: Verdict, detail: impl Into<String>) -> Line {
        Line {
            booking: b.booking,
            action,
            outcome,
            reason: None,
            payment_intent: b.payment_intent,
            setup_intent: b.setup_intent,
            reference: b.reference,
            detail: detail.into(),
        }
    }

    fn print(&self, out: &Out) {
        if out.json() {
            out.value(&serde_json::json!({
                "booking": self.booking.0,
                "outcome": self.outcome.name(),
                "reason": self.reason,
                "paymentIntentId": self.payment_intent.map(|p| p.as_str().to_owned()),
                "setupIntentId": self.setup_intent.map(|s| s.as_str().to_owned()),
                "reference": self.reference.map(|r| r.as_str().to_owned()),
                "action": self.action,
                "detail": self.detail,
            }));
            return;
        }
        let subject = match (&self.payment_intent, &self.setup_intent) {
            (Some(pi), _) => format!("payment intent {pi}"),
            (None, Some(si)) => format!("setup intent {si}"),
            (None, None) => "no intent known".to_owned(),
        };
        let reason = self.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        outln!("booking {}: {subject}: {}{reason}", self.booking.0, self.outcome.text());
        if let Some(r) = &self.reference {
            outln!("  reference        {}", r.as_str());
        }
        if !self.detail.is_empty() && self.detail != self.outcome.text() {
            outln!("  {}", self.detail);
        }
    }
}

/// Runs `dojo resume`.
pub(crate) fn run(
    args: &ResumeArgs,
    client: &Client,
    journal: Option<&std::path::Path>,
    out: &Out,
) -> Result<(), CliError> {
    let mut journal = CliJournal::open(journal)?;
    let open: Vec<OpenBooking> = journal.recovery().open().to_vec();
    if open.is_empty() {
        out.say(format!("nothing to resume: the journal {} has no unfinished booking", journal.path().display()));
    }
    let mut counts: Vec<(Verdict, usize)> = Vec::new();
    for b in &open {
        let line = resume_one(args, client, &mut journal, b)?;
        match counts.iter_mut().find(|(v, _)| *v == line.outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((line.outcome, 1)),
        }
        line.print(out);
    }
    let pending = counts.iter().find(|(v, _)| *v == Verdict::Pending).map_or(0, |(_, n)| *n);
    if !open.is_empty() {
        let parts: Vec<String> = counts.iter().map(|(v, n)| format!("{n} {}", v.text())).collect();
        out.say(format!("{} booking(s): {}", open.len(), parts.join(", ")));
    }
    let still_open = journal.recover_now()?.open().len();
    // Compacting rewrites the file: only when there is something to drop.
    if still_open == 0 && journal.records() > 1 {
        journal.compact()?;
        log::info!("dojo journal {}: compacted (no booking open)", journal.path().display());
    }
    if pending > 0 {
        if !out.json() {
            errln!("{pending} charge(s) pending, not known yet: the journal keeps them; run `dojo resume` again later");
        }
        return Err(CliError::AlreadyReported(EXIT_OUTCOME_UNKNOWN));
    }
    Ok(())
}

fn resume_one(args: &ResumeArgs, client: &Client, journal: &mut CliJournal, b: &OpenBooking) -> Result<Line, CliError> {
    let Some(action) = b.action() else {
        return Ok(Line::new(
            b,
            "report",
            Verdict::Waiting,
            "the journal's records of this booking contradict themselves; read its intents back by hand",
        ));
    };
    let name = action.name();
    match action {
        Action::SettleCharge { payment_intent, .. } | Action::ReportPending { payment_intent, .. } => {
            Ok(settle(client, journal, b, name, payment_intent))
        }
        Action::SendCharge { payment_intent } => send_or_report(args, client, journal, b, name, payment_intent),
        Action::FindOrphanPaymentIntent { reference, setup_intent, amount, search_from } => {
            let found = match search(client, args.search_pages, reference, setup_intent, amount, search_from) {
                Ok(found) => found,
                Err(e) => {
                    let detail = format!("the search for the lost payment intent failed: {e}; run `dojo resume` again");
                    return Ok(Line::new(b, name, Verdict::Waiting, detail));
                }
            };
            match found.as_slice() {
                [one] => {
                    journal.append(client, b.booking, Event::PaymentIntentCreated { payment_intent: *one })?;
                    let mut b = *b;
                    b.payment_intent = Some(*one);
                    let mut line = send_or_report(args, client, journal, &b, name, *one)?;
                    line.detail = format!("its lost create was found by searching for its reference; {}", line.detail);
                    Ok(line)
                }
                [] => {
                    let si = setup_intent.map(|s| format!(" --setup-intent {s}")).unwrap_or_default();
                    let detail = format!(
                        "the payment intent's create answer was lost and no payment intent with this reference, \
                         setup intent and amount ({amount}) was found since {}: it was not created (or is not \
                         visible yet); `dojo payment-intents create{si} --reference …` creates it in this booking",
                        Timestamp::from_unix(search_from)
                    );
                    Ok(Line::new(b, name, Verdict::Waiting, detail))
                }
                many => {
                    let ids: Vec<String> = many.iter().map(|p| p.as_str().to_owned()).collect();
                    let detail = format!(
                        "{} payment intents match this booking ({}): a person decides which to charge \
                         (`dojo payment-intents charge ID`) and cancels the others",
                        many.len(),
                        ids.join(", ")
                    );
                    Ok(Line::new(b, name, Verdict::Waiting, detail))
                }
            }
        }
        Action::ReadBackSetupIntent { setup_intent, .. } => {
            read_back_setup_intent(client, journal, b, name, setup_intent)
        }
        Action::OrphanSetupIntent { .. } => {
            journal.append(client, b.booking, Event::BookingClosed { reason: CloseReason::Abandoned })?;
            let mut line = Line::new(
                b,
                name,
                Verdict::Closed,
                "the setup intent's create answer was lost: no customer can have authorized it (its checkout link \
                 needs its id), so nothing was charged; if it was created it expires by itself",
            );
            line.reason = Some("abandoned".into());
            Ok(line)
        }
    }
}

/// Settles a charge sent earlier through the charge protocol. A failure to read is
/// reported as pending (nothing is known yet), never "not charged".
fn settle(
    client: &Client,
    journal: &mut CliJournal,
    b: &OpenBooking,
    name: &'static str,
    payment_intent: PaymentIntentId,
) -> Line {
    let states = crate::lookup::payment_state(client, &payment_intent).and_then(|payment| {
        let si = payment.setup_intent_id().ok_or_else(|| {
            CliError::Refused(format!("payment intent {payment_intent} has no setup intent; settle it by hand"))
        })?;
        Ok((payment, crate::lookup::setup_state(client, &si)?))
    });
    let result =
        states.and_then(|(payment, setup)| crate::journaled::settle(client, journal, b.booking, payment, setup));
    charge_line(b, name, payment_intent, result)
}

fn send_or_report(
    args: &ResumeArgs,
    client: &Client,
    journal: &mut CliJournal,
    b: &OpenBooking,
    name: &'static str,
    payment_intent: PaymentIntentId,
) -> Result<Line, CliError> {
    // What the server shows first: the payment intent may have been charged or canceled
    // by other means (its checkout page, another tool) since the journal last heard of it.
    let status = match crate::lookup::payment_state(client, &payment_intent) {
        Ok(p) => p.status(),
        Err(e) => {
            let mut line =
                Line::new(b, name, Verdict::Waiting, format!("could not read it back: {e}; nothing was sent"));
            line.payment_intent = Some(payment_intent);
            return Ok(line);
        }
    };
    let done = match status {
        PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded | PaymentIntentStatus::Reversed => Some((
            Event::ChargeSettled { payment_intent, settlement: Settlement::Charged },
            Verdict::Charged,
            None,
            format!("the server shows it {status}: charged by other means (nothing was sent by this journal)"),
        )),
        PaymentIntentStatus::Canceled => Some((
            Event::BookingClosed { reason: CloseReason::Canceled },
            Verdict::Closed,
            Some("canceled"),
            "the payment intent is Canceled: nothing can be charged".to_owned(),
        )),
        _ => None,
    };
    if let Some((event, verdict, reason, detail)) = done {
        journal.append(client, b.booking, event)?;
        let mut line = Line::new(b, name, verdict, detail);
        line.payment_intent = Some(payment_intent);
        line.reason = reason.map(str::to_owned);
        return Ok(line);
    }
    if !args.send {
        let detail = format!(
            "the charge was never sent; `dojo resume --send` or `dojo payment-intents charge {payment_intent}` sends it"
        );
        return Ok(Line::new(b, name, Verdict::Waiting, detail));
    }
    match crate::journaled::charge(client, journal, payment_intent, Some(b.booking)) {
        // Nothing was sent: the journal cannot record it.
        Err(e @ CliError::Journal(_)) => Err(e),
        // Refused before anything was sent (the lifecycle's checks).
        Err(e @ (CliError::Refused(_) | CliError::Sdk(dojo_ureq::Error::Lifecycle(_)))) => {
            let mut line = Line::new(b, name, Verdict::Waiting, format!("the charge was not sent: {e}"));
            line.payment_intent = Some(payment_intent);
            Ok(line)
        }
        result => Ok(charge_line(b, name, payment_intent, result)),
    }
}

/// A charge's result as a line: the outcome the protocol settled on, or, on an error, what
/// the journal now says (an error never reads as "not charged" unless the server said so).
fn charge_line(
    b: &OpenBooking,
    name: &'static str,
    payment_intent: PaymentIntentId,
    result: Result<crate::journaled::Charged, CliError>,
) -> Line {
    let mut line = Line::new(b, name, Verdict::Pending, "");
    line.payment_intent = Some(payment_intent);
    match result {
        Ok(c) => {
            line.setup_intent = c.report.setup_intent.or(line.setup_intent);
            line.outcome = match c.report.outcome {
                Outcome::Charged => Verdict::Charged,
                Outcome::Pending => Verdict::Pending,
                Outcome::NotCharged(_) => match crate::journaled::settlement(&c.report, &c.setup) {
                    Some(Settlement::NotCharged(reason)) => {
                        line.reason = Some(reason.name().to_owned());
                        Verdict::NotCharged
                    }
                    _ => Verdict::Waiting,
                },
            };
            line.detail = crate::report::outcome_text(&c.report);
            if c.report.outcome == Outcome::Pending {
                line.detail = format!(
                    "still pending after {} send(s) and {} read-back(s); run `dojo resume` again later",
                    c.report.sends, c.report.read_backs
                );
            }
            if let Some(w) = c.journal_warning {
                line.detail = format!("{}; warning: {w}", line.detail);
            }
        }
        Err(CliError::Sdk(dojo_ureq::Error::Api(e))) => {
            line.outcome = Verdict::NotCharged;
            line.reason = Some(format!("refused ({})", e.status()));
            line.detail = format!("the server refused the charge: {e}");
        }
        Err(CliError::Sdk(e @ dojo_ureq::Error::Transport(_))) => {
            line.outcome = Verdict::Waiting;
            line.detail = format!("the charge never reached the server ({e}); nothing was sent");
        }
        Err(e) => {
            line.detail = format!("could not settle it: {e}; run `dojo resume` again");
        }
    }
    line
}

fn read_back_setup_intent(
    client: &Client,
    journal: &mut CliJournal,
    b: &OpenBooking,
    name: &'static str,
    setup_intent: SetupIntentId,
) -> Result<Line, CliError> {
    let status = match crate::lookup::setup_state(client, &setup_intent) {
        Ok(s) => s.status(),
        Err(e) => {
            let detail = format!("could not read the setup intent back: {e}; run `dojo resume` again");
            return Ok(Line::new(b, name, Verdict::Waiting, detail));
        }
    };
    let close = |reason: CloseReason, why: &str| -> (Verdict, Option<CloseReason>, String) {
        (Verdict::Closed, Some(reason), why.to_owned())
    };
    let (outcome, reason, detail) = match status {
        SetupIntentStatus::Created => (
            Verdict::Waiting,
            None,
            "the setup intent is Created: waiting for the customer to authorize it at its checkout link".to_owned(),
        ),
        SetupIntentStatus::Authorized => (
            Verdict::Waiting,
            None,
            format!(
                "the setup intent is Authorized: `dojo payment-intents create --setup-intent {setup_intent}` \
                 then `charge` take the fee, or `dojo setup-intents cancel {setup_intent} --include-authorized`"
            ),
        ),
        SetupIntentStatus::Completed => close(
            CloseReason::Completed,
            "the setup intent is Completed (charged by a payment intent outside this journal)",
        ),
        SetupIntentStatus::Canceled | SetupIntentStatus::Closed => {
            close(CloseReason::Canceled, "the setup intent was canceled or closed: nothing can be charged")
        }
        other => (
            Verdict::Closed,
            Some(CloseReason::Abandoned),
            format!("the setup intent is {other}: nothing can be charged"),
        ),
    };
    let mut line = Line::new(b, name, outcome, detail);
    line.setup_intent = Some(setup_intent);
    if let Some(reason) = reason {
        journal.append(client, b.booking, Event::BookingClosed { reason })?;
        line.reason = Some(
            match reason {
                CloseReason::Completed => "completed",
                CloseReason::Canceled => "canceled",
                CloseReason::Abandoned => "abandoned",
            }
            .into(),
        );
    }
    Ok(line)
}

/// The payment intents created since `from` with this reference, setup intent and amount
/// (the search has no reference filter: filtered here), every page up to `pages`.
fn search(
    client: &Client,
    pages: u32,
    reference: Reference,
    setup_intent: Option<SetupIntentId>,
    amount: Money,
    from: i64,
) -> Result<Vec<PaymentIntentId>, CliError> {
    let mut found: Vec<PaymentIntentId> = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..pages {
        let body = SearchPaymentIntentsRequest {
            statuses: None,
            start_date: Some(Timestamp::from_unix(from)),
            end_date: None,
            cursor: Some(match &after {
                Some(a) => Cursor::after(a, Some(100)),
                None => Cursor { limit: Some(100), ..Cursor::default() },
            }),
        };
        let answer = client.search_payment_intents(&body)?;
        let page = answer.get();
        let mut empty = true;
        for pi in page.data.into_iter().flatten().flatten() {
            empty = false;
            let same_reference = pi.reference.is_some_and(|r| r == *reference.as_str());
            if same_reference
                && pi.setup_intent_id == setup_intent
                && pi.amount == Some(amount)
                && !found.contains(&pi.id)
            {
                found.push(pi.id);
            }
        }
        match page.after.filter(|a| !a.is_empty()).map(|a| a.to_string()) {
            Some(next) if !empty && after.as_deref() != Some(next.as_str()) => after = Some(next),
            _ => break,
        }
    }
    Ok(found)
}
