//! `dojo`: the Dojo payments API from a terminal, a local emulator, and the no-show demo.
//!
//! See the crate README (and `dojo --help`) for the commands and the exit codes.

#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod amount;
mod checkout;
mod cli;
mod commands;
mod connect;
mod demo;
mod emulator;
mod errors;
mod journal;
mod journaled;
mod listen;
mod lookup;
mod more_commands;
mod output;
mod qr;
mod report;
mod resume;
mod watch;
mod webhooks;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    output::init_log(args.verbose);
    let out = output::Out::new(args.json);
    match commands::run(args, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
