//! `dojo webhooks …`: the webhook management operations (event types, subscriptions,
//! their secrets), over dojo-ureq's typed methods. Text by default (a subscription's
//! secrets shown by id only; `secrets list` shows their values), the API's own JSON with
//! `--json`.

use dojo_core::common::List;
use dojo_core::webhook::WebhookEventName;
use dojo_core::webhook_api::{
    SecretsResponse, Subscription, SubscriptionRequest, SubscriptionSecret, SubscriptionUpdateRequest, UrlRule,
};
use dojo_core::{Text, json::Items};
use dojo_ureq::Client;

use crate::cli::{EventsArg, SecretsCommand, WebhooksCommand};
use crate::errors::CliError;
use crate::output::{Out, outln};

/// The rule for subscription URLs: plain-HTTP loopback receivers only when the API itself
/// is on loopback (a local emulator); the real API takes `https://` only.
pub(crate) fn url_rule(client: &Client) -> UrlRule {
    if dojo_ureq::config::is_loopback_url(client.base_url()) { UrlRule::AllowLoopbackHttp } else { UrlRule::HttpsOnly }
}

/// Parses event names (unknown ones are kept: Dojo adds events without notice).
pub(crate) fn parse_events(names: &[String]) -> Result<Vec<WebhookEventName>, CliError> {
    let mut out = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let event = WebhookEventName::parse(name);
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            || event.as_str().is_none()
        {
            return Err(CliError::Usage(format!(
                "--events {name:?} is not an event name (letters, digits, '_', '.', '-'; e.g. payment_intent.status_updated)"
            )));
        }
        if !out.contains(&event) {
            out.push(event);
        }
    }
    Ok(out)
}

/// Every event type the API lists (`GET /webhooks/events`), once each.
pub(crate) fn all_events(client: &Client) -> Result<Vec<WebhookEventName>, CliError> {
    let answer = client.list_webhook_events()?;
    let mut out: Vec<WebhookEventName> = Vec::new();
    for event in answer.get().iter().flat_map(|g| g.events.into_iter().flatten()) {
        if !out.contains(&event) {
            out.push(event);
        }
    }
    if out.is_empty() {
        return Err(CliError::Refused("the API lists no webhook event types: pass --events".into()));
    }
    Ok(out)
}

/// `--events`, or every event type when none is given.
pub(crate) fn events_or_all(client: &Client, arg: &EventsArg) -> Result<Vec<WebhookEventName>, CliError> {
    let given = parse_events(&arg.events)?;
    if given.is_empty() { all_events(client) } else { Ok(given) }
}

fn join_events(events: Option<Items<'_, WebhookEventName>>) -> String {
    events.into_iter().flatten().map(|e| e.to_string()).collect::<Vec<_>>().join(", ")
}

fn secret_state(s: &SubscriptionSecret<'_>) -> &'static str {
    match s.is_active {
        Some(true) => "active",
        Some(false) => "inactive",
        None => "unknown",
    }
}

/// A subscription as text (its secrets by id and state, never their values).
pub(crate) fn print_subscription(sub: &Subscription<'_>) {
    outln!("subscription {}", sub.id);
    if let Some(url) = sub.url {
        outln!("  url              {url}");
    }
    outln!("  events           {}", join_events(sub.events));
    if let Some(d) = sub.description {
        outln!("  description      {d}");
    }
    let secrets: Vec<String> = sub
        .secrets
        .into_iter()
        .flatten()
        .map(|s| format!("{} ({})", s.id.map(|i| i.to_string()).unwrap_or_else(|| "?".into()), secret_state(&s)))
        .collect();
    if !secrets.is_empty() {
        outln!("  secrets          {}", secrets.join(", "));
    }
    if let Some(t) = sub.created_at {
        outln!("  created at       {t}");
    }
}

fn print_secrets(secrets: &SecretsResponse<'_>) {
    if let Some(id) = secrets.id {
        outln!("subscription {id}");
    }
    for s in secrets.secrets.into_iter().flatten() {
        let id = s.id.map(|i| i.to_string()).unwrap_or_else(|| "?".into());
        let value = s.value.map(|v| v.expose().to_string()).unwrap_or_default();
        let created = s.created_at.map(|t| format!("  created {t}")).unwrap_or_default();
        outln!("  {id}  {:<8}  {value}{created}", secret_state(&s));
    }
}

/// Runs `dojo webhooks …`.
pub(crate) fn run(cmd: &WebhooksCommand, client: &Client, out: &Out) -> Result<(), CliError> {
    match cmd {
        WebhooksCommand::ListEvents => {
            let answer = client.list_webhook_events()?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                for group in answer.get().iter() {
                    let model = group.model.map(|m| m.to_string()).unwrap_or_else(|| "(no model)".into());
                    outln!("{model}: {}", join_events(group.events));
                }
            }
        }
        WebhooksCommand::List => {
            let answer = client.list_subscriptions()?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                let list = answer.get();
                if list.iter().next().is_none() {
                    outln!("no subscriptions");
                }
                for sub in list.iter() {
                    print_subscription(&sub);
                }
            }
        }
        WebhooksCommand::Create { url, events, description } => {
            let events = events_or_all(client, events)?;
            let mut body = SubscriptionRequest::new(url, &events);
            body.description = description.as_deref().map(Text::new);
            let answer = client.create_subscription_with(&body, url_rule(client))?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                print_subscription(&answer.get());
            }
        }
        WebhooksCommand::Update { id, url, events, description } => {
            let events = parse_events(events)?;
            let body = SubscriptionUpdateRequest {
                events: (!events.is_empty()).then_some(List::Slice(&events)),
                url: url.as_deref().map(Text::new),
                description: description.as_deref().map(Text::new),
            };
            if body.events.is_none() && body.url.is_none() && body.description.is_none() {
                return Err(CliError::Usage("nothing to change: give --url, --events or --description".into()));
            }
            let answer = client.update_subscription_with(id, &body, url_rule(client))?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                print_subscription(&answer.get());
            }
        }
        WebhooksCommand::Delete { id } => {
            client.delete_subscription(id)?;
            done(
                out,
                serde_json::json!({ "subscriptionId": id, "deleted": true }),
                format!("deleted subscription {id}"),
            );
        }
        WebhooksCommand::Secrets(SecretsCommand::List { id }) => {
            let answer = client.list_secrets(id)?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                print_secrets(&answer.get());
            }
        }
        WebhooksCommand::Secrets(SecretsCommand::Generate { id }) => {
            let answer = client.generate_secret(id)?;
            if out.json() {
                out.raw_json(answer.body());
            } else {
                print_secrets(&answer.get());
                outln!("activate the new secret with `dojo webhooks secrets activate {id} SECRET_ID`");
            }
        }
        WebhooksCommand::Secrets(SecretsCommand::Activate { id, secret_id }) => {
            client.activate_secret(id, secret_id)?;
            done(
                out,
                serde_json::json!({ "subscriptionId": id, "secretId": secret_id, "activated": true }),
                format!("activated secret {secret_id} of subscription {id}"),
            );
        }
        WebhooksCommand::Secrets(SecretsCommand::Delete { id, secret_id }) => {
            client.delete_secret(id, secret_id)?;
            done(
                out,
                serde_json::json!({ "subscriptionId": id, "secretId": secret_id, "deleted": true }),
                format!("deleted secret {secret_id} of subscription {id}"),
            );
        }
    }
    Ok(())
}

/// The report of an operation the API answers with no content.
fn done(out: &Out, json: serde_json::Value, text: String) {
    if out.json() {
        out.value(&json);
    } else {
        outln!("{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names() {
        let names = |v: &[&str]| parse_events(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            names(&["payment_intent.created", " payment_intent.created", ""]).unwrap(),
            [WebhookEventName::PaymentIntentCreated]
        );
        assert_eq!(names(&["order.created"]).unwrap(), [WebhookEventName::parse("order.created")]);
        assert!(names(&["bad name"]).is_err());
        assert!(names(&["a\u{1b}[2J"]).is_err());
        assert!(names(&[&"x".repeat(500)]).is_err());
        assert!(names(&[]).unwrap().is_empty());
    }
}
