//! The `dojo-sandbox` binary: prints its base URL, serves, and stops on Ctrl-C (SIGINT).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Client;

#[test]
fn binary_prints_its_url_serves_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dojo-sandbox"))
        .args(["--port", "0", "--seed", "7"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let c = Client::new(base);
    assert_eq!(c.raw("GET", "/_sandbox/clock", &[], b"").status, 200);
    assert_eq!(c.api("GET", "/setup-intents/si_x", None).status, 404);

    // SIGINT through the system's `kill` (std has no signal API); without one, stop it hard.
    let Ok(status) = Command::new("kill").args(["-INT", &child.id().to_string()]).status() else {
        println!("binary: no `kill` command: the Ctrl-C part was SKIPPED");
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");

    let bad = Command::new(env!("CARGO_BIN_EXE_dojo-sandbox")).arg("--nope").stderr(Stdio::null()).status().unwrap();
    assert_eq!(bad.code(), Some(2));
}
