//! `dojo-sandbox [--port PORT] [--host ADDR] [--seed N]`: serves the local Dojo API
//! emulator, prints its base URL, and runs until Ctrl-C.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use dojo_sandbox::{Config, Sandbox};

const USAGE: &str = "usage: dojo-sandbox [--port PORT] [--host ADDR] [--seed N]\n\
  --port PORT  port to listen on (default 8080; 0 picks a free one)\n\
  --host ADDR  address to listen on (default 127.0.0.1)\n\
  --seed N     seed of ids and fault draws (default 0)";

fn parse() -> Result<Config, String> {
    let mut port: u16 = 8080;
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--port" => port = value("--port")?.parse().map_err(|e| format!("--port: {e}"))?,
            "--host" => host = value("--host")?.parse().map_err(|e| format!("--host: {e}"))?,
            "--seed" => config.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    config.addr = SocketAddr::new(host, port);
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("dojo-sandbox: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    let sandbox = match Sandbox::start(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dojo-sandbox: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", sandbox.base_url());
    eprintln!("dojo-sandbox: serving the Dojo API emulator; Ctrl-C stops it");
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|rt| rt.block_on(tokio::signal::ctrl_c()));
    if let Ok(Err(e)) | Err(e) = waited {
        eprintln!("dojo-sandbox: cannot wait for Ctrl-C: {e}");
    }
    sandbox.shutdown();
    ExitCode::SUCCESS
}
