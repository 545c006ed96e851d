//! `dojo watch`: polls a setup or payment intent until its status changes.

use std::time::{Duration, Instant};

use dojo_ureq::Client;

use crate::cli::WatchArgs;
use crate::errors::CliError;
use crate::lookup::{payment_intent_id, setup_intent_id};
use crate::output::{Out, Spinner, outln};

/// Polls until the status changes, with a spinner; bounded by `--for`.
pub(crate) fn run(args: &WatchArgs, client: &Client, out: &Out) -> Result<(), CliError> {
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
