//! The rest of the API's payment- and setup-intent operations: capture, reversal,
//! search (with pages), reading a refund back, the public read of a setup intent, and
//! the session-secret refresh of setup and payment intents. Reading a refund and
//! refreshing a payment intent's secret have no dedicated `dojo_ureq::Client` method:
//! they go through its generic `send_with` with dojo-core's builders.

use dojo_core::request::{CreateCaptureRequest, Cursor, SearchPaymentIntentsRequest};
use dojo_core::{PaymentIntentStatus, Timestamp};
use dojo_ureq::Client;

use crate::amount::parse_amount;
use crate::cli::{PaymentIntentMore, SetupIntentMore};
use crate::errors::CliError;
use crate::lookup::{payment_intent_id, payment_state, setup_intent_id};
use crate::output::{Out, errln, outln};

/// Parses `--since`: a duration back from `now` (`90s`, `30m`, `2h`, `7d`, `1w`) or an
/// RFC 3339 time.
pub(crate) fn parse_since(s: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    let usage = || {
        CliError::Usage(format!(
            "--since {s:?}: give a duration such as 90s, 30m, 2h, 7d or 1w, or a time such as 2026-03-05T20:00:00Z"
        ))
    };
    let t = s.trim();
    if let Ok(ts) = Timestamp::parse(t) {
        return Ok(ts);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(usage)?;
    let (digits, unit) = t.split_at(split);
    let n: i64 = digits.parse().map_err(|_| usage())?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(usage()),
    };
    // Bounded to a century: anything longer is a typo, and the product cannot overflow.
    if n == 0 || n.checked_mul(per).is_none_or(|secs| secs > 100 * 366 * 86_400) {
        return Err(usage());
    }
    Ok(now.add_seconds(-(n * per)))
}

fn parse_time(flag: &str, s: &str) -> Result<Timestamp, CliError> {
    Timestamp::parse(s.trim())
        .map_err(|_| CliError::Usage(format!("{flag} {s:?} is not an RFC 3339 time such as 2026-03-05T20:00:00Z")))
}

fn parse_status(s: &str) -> Result<PaymentIntentStatus, CliError> {
    let status = PaymentIntentStatus::KNOWN
        .iter()
        .copied()
        .find(|k| k.as_str().is_some_and(|name| name.eq_ignore_ascii_case(s.trim())))
        .ok_or_else(|| {
            let names: Vec<&str> = PaymentIntentStatus::KNOWN.iter().filter_map(|k| k.as_str()).collect();
            CliError::Usage(format!("unknown --status {s:?}: use one of {}", names.join(", ")))
        })?;
    Ok(status)
}

/// Runs a setup-intent subcommand of this file.
pub(crate) fn setup_intents(cmd: &SetupIntentMore, client: &Client, out: &Out) -> Result<(), CliError> {
    match cmd {
        SetupIntentMore::GetPublic { id } => {
            let answer = client.get_public_setup_intent(&setup_intent_id(id)?)?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                out.setup_intent(&answer.get());
            }
        }
        SetupIntentMore::RefreshSecret { id } => {
            let answer = client.refresh_setup_intent_secret(&setup_intent_id(id)?)?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                let si = answer.get();
                outln!("refreshed the client session secret of setup intent {}", si.id);
                if let Some(secret) = si.client_session_secret {
                    outln!("  secret           {}", clean(secret.expose()));
                }
                if let Some(t) = si.client_session_secret_expiration_date {
                    outln!("  expires at       {t}");
                }
            }
        }
    }
    Ok(())
}

/// Runs a payment-intent subcommand of this file.
pub(crate) fn payment_intents(cmd: &PaymentIntentMore, client: &Client, out: &Out) -> Result<(), CliError> {
    match cmd {
        PaymentIntentMore::Capture { id, amount, tip } => capture(client, id, amount.as_deref(), tip.as_deref(), out),
        PaymentIntentMore::GetRefund { refund_id } => {
            let (json, text) = client.send_with(
                |api, _buf| api.get_refund(refund_id),
                |r| {
                    let t = |v: Option<dojo_core::Text<'_>>| v.map(|v| v.to_string());
                    let json = serde_json::json!({
                        "paymentIntentId": r.payment_intent_id.map(|p| p.as_str().to_owned()),
                        "refundId": t(r.refund_id),
                        "refundReason": t(r.refund_reason),
                        "notes": t(r.notes),
                    });
                    let mut text = format!("refund {}", clean(t(r.refund_id).unwrap_or_else(|| refund_id.clone())));
                    if let Some(pi) = r.payment_intent_id {
                        text.push_str(&format!("\n  payment intent   {pi}"));
                    }
                    if let Some(reason) = t(r.refund_reason) {
                        text.push_str(&format!("\n  reason           {}", clean(reason)));
                    }
                    if let Some(notes) = t(r.notes) {
                        text.push_str(&format!("\n  notes            {}", clean(notes)));
                    }
                    (json, text)
                },
            )?;
            if out.json() {
                out.value(&json);
            } else {
                outln!("{text}");
            }
            Ok(())
        }
        PaymentIntentMore::RefreshSecret { id } => {
            let pi_id = payment_intent_id(id)?;
            let (json, text) = client.send_with(
                |api, _buf| api.refresh_payment_intent_secret(&pi_id),
                |pi| {
                    let secret = pi.client_session_secret.map(|s| s.expose().to_string());
                    let expires = pi.client_session_secret_expiration_date.map(|t| t.to_string());
                    let json = serde_json::json!({
                        "id": pi.id.as_str(),
                        "status": pi.status.to_string(),
                        "clientSessionSecret": secret,
                        "clientSessionSecretExpirationDate": expires,
                    });
                    let mut text = format!("refreshed the client session secret of payment intent {}", pi.id);
                    if let Some(s) = &secret {
                        text.push_str(&format!("\n  secret           {}", clean(s)));
                    }
                    if let Some(e) = &expires {
                        text.push_str(&format!("\n  expires at       {e}"));
                    }
                    (json, text)
                },
            )?;
            if out.json() {
                out.value(&json);
            } else {
                outln!("{text}");
            }
            Ok(())
        }
        PaymentIntentMore::Reverse { id } => {
            let pi_id = payment_intent_id(id)?;
            let payment = payment_state(client, &pi_id)?;
            payment.check_reversal().map_err(dojo_ureq::Error::from)?;
            let answer = client.reverse_payment_intent(&pi_id)?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                let r = answer.get();
                outln!("reversed payment intent {pi_id} ({} {})", payment.amount(), payment.status());
                if let Some(id) = r.reversal_id {
                    outln!("  reversal id      {}", clean(id));
                }
                if let Some(m) = r.message {
                    outln!("  message          {}", clean(m));
                }
            }
            Ok(())
        }
        PaymentIntentMore::Search { statuses, since, until, limit, pages, after } => {
            let statuses = statuses.iter().map(|s| parse_status(s)).collect::<Result<Vec<_>, _>>()?;
            let now = client.now();
            let start = since.as_deref().map(|s| parse_since(s, now)).transpose()?;
            let end = until.as_deref().map(|s| parse_time("--until", s)).transpose()?;
            if !(1..=100).contains(limit) {
                return Err(CliError::Usage("--limit must be 1 to 100".into()));
            }
            if *pages == 0 {
                return Err(CliError::Usage("--pages must be at least 1".into()));
            }
            search(client, &statuses, start, end, *limit, *pages, after.clone(), out)
        }
    }
}

fn capture(client: &Client, id: &str, amount: Option<&str>, tip: Option<&str>, out: &Out) -> Result<(), CliError> {
    let pi_id = payment_intent_id(id)?;
    let payment = payment_state(client, &pi_id)?;
    let currency = payment.amount().currency;
    let minor = match amount {
        Some(a) => parse_amount(a, currency)?.value,
        None => payment.amount().value.saturating_sub(payment.captured()),
    };
    payment.check_capture(minor).map_err(dojo_ureq::Error::from)?;
    let mut body = CreateCaptureRequest::new(minor);
    body.tips_amount = tip.map(|t| parse_amount(t, currency).map(|m| m.value)).transpose()?;
    let answer = client.capture_payment_intent(&pi_id, &body)?;
    if out.json() {
        out.raw_json(answer.body());
    } else {
        let c = answer.get();
        outln!("captured {} of payment intent {pi_id}", dojo_core::Money::new(minor, currency));
        if let Some(id) = c.capture_id {
            outln!("  capture id       {}", clean(id));
        }
        if let Some(m) = c.message {
            outln!("  message          {}", clean(m));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn search(
    client: &Client,
    statuses: &[PaymentIntentStatus],
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    limit: i32,
    pages: u32,
    mut after: Option<String>,
    out: &Out,
) -> Result<(), CliError> {
    let mut found: Vec<serde_json::Value> = Vec::new();
    let mut count = 0usize;
    let mut read = 0;
    let mut more = false;
    while read < pages {
        let body = SearchPaymentIntentsRequest {
            statuses: (!statuses.is_empty()).then_some(statuses.into()),
            start_date: start,
            end_date: end,
            cursor: Some(match &after {
                Some(a) => Cursor::after(a, Some(limit)),
                None => Cursor { limit: Some(limit), ..Cursor::default() },
            }),
        };
        let answer = client.search_payment_intents(&body)?;
        read += 1;
        let page = answer.get();
        if out.json() {
            // The API's own JSON of each payment intent on the page.
            let raw: serde_json::Value = serde_json::from_slice(answer.body()).unwrap_or(serde_json::Value::Null);
            if let Some(data) = raw.get("data").and_then(|d| d.as_array()) {
                found.extend(data.iter().cloned());
            }
        } else {
            for record in page.data.into_iter().flatten() {
                let pi = match record {
                    Ok(pi) => pi,
                    Err(e) => {
                        // One unreadable record does not hide the others (dojo-core checks each alone).
                        errln!("a payment intent on this page could not be read: {e}");
                        continue;
                    }
                };
                let amount = pi.amount.map(|a| a.to_string()).unwrap_or_default();
                let created = pi.created_at.map(|t| t.to_string()).unwrap_or_default();
                let reference = pi.reference.map(clean).unwrap_or_default();
                outln!("{}  {:<10} {:>12}  {created}  {reference}", pi.id, pi.status.to_string(), amount);
                count += 1;
            }
        }
        let next = page.after.filter(|a| !a.is_empty()).map(|a| a.to_string());
        let empty = page.data.is_none_or(|d| d.is_empty());
        match next {
            Some(n) if !empty && after.as_deref() != Some(n.as_str()) => {
                after = Some(n);
                more = true;
            }
            _ => {
                after = None;
                more = false;
                break;
            }
        }
    }
    if out.json() {
        out.value(
            &serde_json::json!({ "data": found, "pages": read, "after": if more { after.clone() } else { None } }),
        );
    } else {
        outln!("{count} payment intent(s) in {read} page(s)");
        if let (true, Some(a)) = (more, &after) {
            outln!("more pages: run again with --after {}", clean(a));
        }
    }
    Ok(())
}

/// Text from the server, safe for a terminal: control characters (escape sequences,
/// carriage returns, newlines) are shown escaped instead of acting on the terminal.
fn clean(s: impl std::fmt::Display) -> String {
    crate::output::neutralise(&s.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since() {
        let now = Timestamp::parse("2026-03-05T20:00:00Z").unwrap();
        let at = |s: &str| parse_since(s, now).map(|t| t.to_string());
        assert_eq!(at("2h").unwrap(), Timestamp::parse("2026-03-05T18:00:00Z").unwrap().to_string());
        assert_eq!(at("90s").unwrap(), Timestamp::parse("2026-03-05T19:58:30Z").unwrap().to_string());
        assert_eq!(at("1d").unwrap(), Timestamp::parse("2026-03-04T20:00:00Z").unwrap().to_string());
        assert_eq!(at("2026-03-01T00:00:00Z").unwrap(), Timestamp::parse("2026-03-01T00:00:00Z").unwrap().to_string());
        for bad in ["", "h", "2", "2x", "-2h", "0h", "99999999999999999999h", "1000000w", "2 h", "2hh"] {
            assert!(matches!(parse_since(bad, now), Err(CliError::Usage(_))), "{bad:?}");
        }
    }

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        assert_eq!(clean("Table 4 \u{1b}[2J\r\nok"), "Table 4 \\u{1b}[2J\\r\\nok");
        assert_eq!(clean("Café 😀"), "Café 😀");
    }

    #[test]
    fn statuses() {
        assert_eq!(parse_status("created").unwrap(), PaymentIntentStatus::Created);
        assert_eq!(parse_status("Captured").unwrap(), PaymentIntentStatus::Captured);
        assert!(matches!(parse_status("Nope"), Err(CliError::Usage(_))));
    }
}
