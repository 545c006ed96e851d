//! The command line, as clap reads it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  refused: the lifecycle forbids it, the card was declined, or an impossible status was read
  2  usage: bad arguments, amount, id, key or base URL (nothing was sent)
  3  API error: the server answered with an error status (4xx/5xx); the message says which
  4  network error: the request did not execute (never reached the server, or a read that kept failing)
  5  outcome unknown: a request that changes state may have executed (a charge pending, not known yet);
     `dojo resume` settles it from the journal
  6  journal: the journal cannot be opened or written (held by another dojo, unwritable, full, or written by a
     newer dojo); nothing was sent

Environment:
  DOJO_API_KEY   the secret key (sk_sandbox_… or sk_prod_…); never printed
  DOJO_BASE_URL  the API's base URL (default https://api.dojo.tech; http:// only to loopback)
  DOJO_JOURNAL   the journal file (default: payments.journal in $XDG_STATE_HOME/dojo or ~/.local/state/dojo)

Start here:  dojo demo     (the no-show flow on an in-process emulator, no key needed)";

/// `dojo`: the Dojo payments API from a terminal.
#[derive(Debug, Parser)]
#[command(name = "dojo", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub(crate) struct Cli {
    /// Print JSON for scripts (the API's own JSON for reads and writes) instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Read the API key from this file (first line) instead of DOJO_API_KEY.
    #[arg(long, global = true, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,

    /// The API's base URL, e.g. an emulator's `http://127.0.0.1:8080`.
    #[arg(long, global = true, env = "DOJO_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Whole-call timeout, in seconds (more than 0, at most a day; decimals allowed).
    #[arg(long, global = true, default_value = "30", value_name = "SECONDS", value_parser = timeout)]
    pub timeout: Duration,

    /// Log to stderr what the client does (-v: retries and reconciliation; -vv: every
    /// exchange). Headers and the key are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Connect timeout, in seconds (more than 0, at most a day; decimals allowed).
    #[arg(long, global = true, default_value = "5", value_name = "SECONDS", value_parser = timeout)]
    pub connect_timeout: Duration,

    /// The journal file that records every step moving money (default: DOJO_JOURNAL, else
    /// payments.journal in the XDG state directory). There is no way to turn it off.
    #[arg(long, global = true, value_name = "PATH")]
    pub journal: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Setup intents: a customer's consent to be charged later (e.g. a no-show fee).
    #[command(subcommand)]
    SetupIntents(SetupIntentCommand),
    /// Payment intents: create one from an authorized setup intent, charge, refund.
    #[command(subcommand)]
    PaymentIntents(PaymentIntentCommand),
    /// Poll a setup or payment intent until its status changes.
    Watch(WatchArgs),
    /// Run the local emulator (a stateful stand-in for the Dojo API) until interrupted.
    Sandbox(SandboxArgs),
    /// The no-show flow end to end: setup intent, checkout link and QR, authorization,
    /// payment intent, charge, setup intent Completed.
    Demo(DemoArgs),
    /// Webhooks: event types, subscriptions and their signing secrets.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Receive webhook events on a loopback port: subscribe it, verify, dedupe and print
    /// each event (optionally forward it), and unsubscribe on exit.
    Listen(ListenArgs),
    /// Settle every unfinished booking in the journal against the API (after a crash, a
    /// lost answer or a pending charge), print each, and compact the journal when none is
    /// left open.
    Resume(ResumeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AmountArgs {
    /// The amount as people write it, e.g. 10.00 (converted to minor units exactly).
    #[arg(long)]
    pub amount: String,
    /// The currency: GBP or EUR.
    #[arg(long, default_value = "GBP")]
    pub currency: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SetupIntentCommand {
    /// Create a setup intent for a no-show fee (or another merchant-initiated charge).
    Create {
        #[command(flatten)]
        amount: AmountArgs,
        /// The merchant's reference (1–60 characters).
        #[arg(long, default_value = "No-show fee")]
        reference: String,
        /// The terms the customer agrees to.
        #[arg(long)]
        terms: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// The merchant-initiated transaction type (NoShow, Unscheduled, …).
        #[arg(long = "type", default_value = "NoShow")]
        mit_type: String,
    },
    /// Show a setup intent.
    Get {
        /// The setup intent's id (si_…).
        id: String,
    },
    /// Cancel a Created setup intent (with --include-authorized, close an Authorized one).
    Cancel {
        /// The setup intent's id (si_…).
        id: String,
        /// Also close it when Authorized.
        #[arg(long)]
        include_authorized: bool,
    },
    /// Print the customer's checkout link.
    CheckoutLink {
        /// The setup intent's id (si_…).
        id: String,
        /// Also draw it as a QR code.
        #[arg(long)]
        qr: bool,
    },
    #[command(flatten)]
    More(SetupIntentMore),
}

#[derive(Debug, Subcommand)]
pub(crate) enum PaymentIntentCommand {
    /// Create a payment intent that charges an Authorized setup intent's card.
    Create {
        /// The setup intent whose card to charge (si_…).
        #[arg(long)]
        setup_intent: String,
        /// The amount (default: the setup intent's intended amount, which it must equal).
        #[arg(long)]
        amount: Option<String>,
        /// The currency (default: the setup intent's).
        #[arg(long)]
        currency: Option<String>,
        /// The merchant's reference (1–60 characters).
        #[arg(long, default_value = "No-show fee")]
        reference: String,
    },
    /// Show a payment intent.
    Get {
        /// The payment intent's id (pi_…).
        id: String,
        /// Show it even when Canceled.
        #[arg(long)]
        return_canceled: bool,
    },
    /// Charge a payment intent once (its setup intent must be Authorized); an unknown
    /// outcome is reconciled by reading it back.
    Charge {
        /// The payment intent's id (pi_…).
        id: String,
    },
    /// Cancel a Created payment intent.
    Cancel {
        /// The payment intent's id (pi_…).
        id: String,
    },
    /// Refund a Captured payment intent, in full or in part.
    Refund {
        /// The payment intent's id (pi_…).
        id: String,
        /// The amount to refund (default: all of it), in the payment intent's currency.
        #[arg(long)]
        amount: Option<String>,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        /// The idempotency key (default: a fresh one; reuse the one printed after an
        /// unknown outcome to retry safely).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    #[command(flatten)]
    More(PaymentIntentMore),
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The setup intent (si_…) or payment intent (pi_…) to watch.
    pub id: String,
    /// Seconds between polls (0.05 to 3600).
    #[arg(long, default_value = "2", value_name = "SECONDS", value_parser = interval)]
    pub interval: Duration,
    /// Give up after this many seconds (at most a week).
    #[arg(long = "for", default_value = "600", value_name = "SECONDS", value_parser = span)]
    pub for_secs: Duration,
}

#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// The port to listen on at 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Stop by itself after this many seconds (at most a week; default: run until
    /// interrupted).
    #[arg(long = "for", value_name = "SECONDS", value_parser = span)]
    pub for_secs: Option<Duration>,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Wait for a person to pay on the checkout page (sandbox card 5200 0000 0000 1005,
    /// 12/29) instead of authorizing automatically.
    #[arg(long)]
    pub interactive: bool,
    /// Run against api.dojo.tech with DOJO_API_KEY (implies --interactive).
    #[arg(long)]
    pub live: bool,
    /// The emulator's port at 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How long --interactive waits for the customer, in seconds (at most a week).
    #[arg(long, default_value = "900", value_name = "SECONDS", value_parser = span)]
    pub wait: Duration,
}

/// The setup-intent subcommands added here (flattened into `dojo setup-intents`).
#[derive(Debug, Subcommand)]
pub(crate) enum SetupIntentMore {
    /// Show a setup intent as the customer's page sees it (`GET /setup-intents/public/{id}`).
    GetPublic {
        /// The setup intent's id (si_…).
        id: String,
    },
    /// Issue a new client session secret for the checkout page (the old one stops working).
    RefreshSecret {
        /// The setup intent's id (si_…).
        id: String,
    },
}

/// The payment-intent subcommands added here (flattened into `dojo payment-intents`).
#[derive(Debug, Subcommand)]
pub(crate) enum PaymentIntentMore {
    /// Capture an Authorized Manual-capture payment intent, in full or in part.
    Capture {
        /// The payment intent's id (pi_…).
        id: String,
        /// The amount to capture (default: all that is left), in its currency.
        #[arg(long)]
        amount: Option<String>,
        /// A tip to capture as well, in its currency.
        #[arg(long)]
        tip: Option<String>,
    },
    /// Show a refund, by the refund id its creation printed.
    GetRefund {
        /// The refund's id.
        refund_id: String,
    },
    /// Issue a new client session secret for a payment intent's checkout page.
    RefreshSecret {
        /// The payment intent's id (pi_…).
        id: String,
    },
    /// Reverse an Authorized or Captured payment intent before settlement.
    Reverse {
        /// The payment intent's id (pi_…).
        id: String,
    },
    /// Find payment intents by status and creation time, following the pages.
    Search {
        /// Only this status (repeat for several), e.g. Created.
        #[arg(long = "status", value_name = "STATUS")]
        statuses: Vec<String>,
        /// Only those created in the last DURATION (e.g. 90s, 30m, 2h, 7d) or since an
        /// RFC 3339 time (2026-03-05T20:00:00Z).
        #[arg(long, value_name = "DURATION|TIME")]
        since: Option<String>,
        /// Only those created before this RFC 3339 time.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Results per page (1–100).
        #[arg(long, default_value_t = 50)]
        limit: i32,
        /// Read at most this many pages (each a request).
        #[arg(long, default_value_t = 20)]
        pages: u32,
        /// Start after this cursor (printed when pages were left unread).
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
}

/// `dojo webhooks …`.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhooksCommand {
    /// List the event types a subscription can name, by model.
    ListEvents,
    /// List the account's subscriptions.
    List,
    /// Subscribe a URL to events (https://; http:// to loopback only on a local emulator).
    Create {
        /// Where to deliver the events.
        #[arg(long)]
        url: String,
        #[command(flatten)]
        events: EventsArg,
        /// A description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Change a subscription's URL, events or description (at least one).
    Update {
        /// The subscription's id (ws_…).
        id: String,
        /// The new URL.
        #[arg(long)]
        url: Option<String>,
        /// The new events (comma-separated or repeated).
        #[arg(long, value_delimiter = ',', value_name = "EVENT")]
        events: Vec<String>,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a subscription (its deliveries stop).
    Delete {
        /// The subscription's id (ws_…).
        id: String,
    },
    /// A subscription's signing secrets (rotate: generate, activate, then delete the old).
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

/// `dojo webhooks secrets …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SecretsCommand {
    /// List a subscription's secrets, with their values.
    List {
        /// The subscription's id (ws_…).
        id: String,
    },
    /// Generate a new secret (inactive until activated).
    Generate {
        /// The subscription's id (ws_…).
        id: String,
    },
    /// Activate a secret: deliveries are signed with it from now on.
    Activate {
        /// The subscription's id (ws_…).
        id: String,
        /// The secret's id (sc_…).
        secret_id: String,
    },
    /// Delete a secret (the old one, once a rotation is over).
    Delete {
        /// The subscription's id (ws_…).
        id: String,
        /// The secret's id (sc_…).
        secret_id: String,
    },
}

/// `--events`, shared with `dojo listen`.
#[derive(Debug, Args)]
pub(crate) struct EventsArg {
    /// The events (comma-separated or repeated), e.g. payment_intent.status_updated
    /// (default: every event type the API lists).
    #[arg(long, value_delimiter = ',', value_name = "EVENT")]
    pub events: Vec<String>,
}

/// `dojo listen`.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    #[command(flatten)]
    pub events: EventsArg,
    /// The port to receive on at 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The public https:// URL that reaches the port (a tunnel), for the real API, which
    /// delivers only to https://. Not needed with a local emulator.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Also POST each new event here (its raw body and dojo-signature header, as
    /// delivered), e.g. http://localhost:3000/webhooks. Failures are logged, not fatal.
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,
    /// Stop after this many seconds (at most a week; default: until Ctrl-C).
    #[arg(long = "for", value_name = "SECONDS", value_parser = span)]
    pub for_secs: Option<Duration>,
    /// Testing only: answer 500 to the first N new events after printing them, as if the
    /// acknowledgement were lost, so that the sender's retries (and their deduplication)
    /// can be seen.
    #[arg(long, hide = true, default_value_t = 0, value_name = "N")]
    pub fail_first: u32,
}

/// `dojo resume`.
#[derive(Debug, Args)]
pub(crate) struct ResumeArgs {
    /// Also send the charges that were never sent (a payment intent created, its charge
    /// not yet journaled as sending). Without it they are only reported: whether to charge
    /// is a person's decision.
    #[arg(long)]
    pub send: bool,
    /// The most search pages read per orphan payment intent (100 payment intents a page).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub search_pages: u32,
}

/// The longest timeout accepted: a day. Longer is a mistake (a payment call never needs
/// it), and far longer would overflow the clock arithmetic (`Instant + Duration`).
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest wait accepted (`watch --for`, `sandbox --for`, `demo --wait`): a week.
pub(crate) const MAX_SPAN: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The shortest and longest `watch --interval`.
pub(crate) const INTERVAL: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(3600));

/// A number of seconds as people write it (`30`, `0.5`, `1.25`) within `min..=max`.
/// Anything else (negative, NaN, infinite, exponents, beyond `max`) is refused here, so
/// clap reports it as a usage error (exit 2) before anything runs.
pub(crate) fn seconds(text: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let range = || format!("between {} and {} seconds", fmt_secs(min), fmt_secs(max));
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || (t.contains('.') && frac.is_empty()) {
        return Err(format!("{text:?} is not a number of seconds (write it like 30 or 0.5), {}", range()));
    }
    // Digits only: the value is parsed exactly, never through a float, and whatever does
    // not fit in u64 is simply too large.
    let secs: u64 = whole.parse().map_err(|_| format!("{text} seconds is too long: {}", range()))?;
    let mut nanos: u32 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i >= 9 {
            break; // finer than a nanosecond: ignored
        }
        nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
    }
    let d = Duration::new(secs, 0).checked_add(Duration::from_nanos(u64::from(nanos))).unwrap_or(Duration::MAX);
    if d < min {
        return Err(format!("{text} seconds is too short: {}", range()));
    }
    if d > max {
        return Err(format!("{text} seconds is too long: {}", range()));
    }
    Ok(d)
}

fn fmt_secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 { d.as_secs().to_string() } else { format!("{}", d.as_secs_f64()) }
}

fn timeout(text: &str) -> Result<Duration, String> {
    seconds(text, Duration::from_millis(1), MAX_TIMEOUT)
}

fn span(text: &str) -> Result<Duration, String> {
    seconds(text, Duration::ZERO, MAX_SPAN)
}

fn interval(text: &str) -> Result<Duration, String> {
    seconds(text, INTERVAL.0, INTERVAL.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_parsed_exactly_and_bounded() {
        assert_eq!(timeout("30"), Ok(Duration::from_secs(30)));
        assert_eq!(timeout("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(interval("0.05"), Ok(Duration::from_millis(50)));
        assert_eq!(span("0"), Ok(Duration::ZERO));
        assert_eq!(span("604800"), Ok(MAX_SPAN));
        assert_eq!(timeout("1.0000000019"), Ok(Duration::new(1, 1)));
        for bad in [
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "86401",
            "1e308",
            "1e3",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "-1",
            "+1",
            "",
            ".5",
            "5.",
            "0",
            "0x10",
            "1,5",
        ] {
            assert!(timeout(bad).is_err(), "{bad:?}");
        }
        assert!(interval("0.049").is_err());
        assert!(interval("3600.001").is_err());
        assert!(span("604801").is_err());
    }
}
