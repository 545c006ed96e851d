//! `dojo sandbox`: the emulator (dojo-sandbox) in this process, until interrupted.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use dojo_sandbox::{Config, Sandbox};

use crate::cli::SandboxArgs;
use crate::errors::CliError;
use crate::output::{Out, outln};

/// A key the emulator accepts (any `sk_sandbox_…` key is).
pub(crate) const EMULATOR_KEY: &str = "sk_sandbox_demo";

/// Starts the emulator on 127.0.0.1:`port` (0: any free port).
pub(crate) fn start(port: u16) -> Result<Sandbox, CliError> {
    let config = Config { addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)), ..Config::default() };
    Sandbox::start(config).map_err(|e| {
        CliError::Usage(format!(
            "cannot start the emulator on 127.0.0.1:{port}: {e} — pass --port 0 (any free port) or another port"
        ))
    })
}

pub(crate) fn run(args: &SandboxArgs, out: &Out) -> Result<(), CliError> {
    let sandbox = start(args.port)?;
    let base = sandbox.base_url().to_owned();
    if out.json() {
        out.value(&serde_json::json!({ "baseUrl": base, "apiKey": EMULATOR_KEY }));
    } else {
        outln!("dojo emulator listening on {base}");
        outln!();
        outln!("  export DOJO_BASE_URL={base}");
        outln!("  export DOJO_API_KEY={EMULATOR_KEY}    # any sk_sandbox_… key works here");
        outln!("  dojo setup-intents create --amount 10.00 --currency GBP");
        outln!();
        outln!("Checkout pages: {base}/checkout/<setup intent id> (test card 5200 0000 0000 1005, 12/29).");
        outln!("Test controls under {base}/_sandbox/… . Stop with Ctrl-C.");
    }
    match args.for_secs {
        Some(span) => std::thread::sleep(span),
        None => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
    }
    sandbox.shutdown();
    Ok(())
}
