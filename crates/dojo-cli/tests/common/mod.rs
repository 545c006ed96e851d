//! The harness every CLI test file shares: the built `dojo` binary, run with a clean
//! environment (no key, no base URL, a journal of its own, stdin closed) against an
//! emulator that the test started in its own process on 127.0.0.1:0.
//!
//! Each test file is its own crate and uses a part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use dojo_core::ApiKey;
use dojo_sandbox::Sandbox;
use serde_json::Value;

/// The key the tests use: the emulator accepts any `sk_sandbox_…` key.
pub(crate) const KEY: &str = "sk_sandbox_cli_test";

/// The variables that change what `dojo` does; [`dojo`] removes them all, so a developer's
/// own environment cannot change a test's result.
const ENVIRONMENT: [&str; 6] =
    ["DOJO_API_KEY", "DOJO_BASE_URL", "DOJO_JOURNAL", "DOJO_TEST_SETTLE_MS", "DOJO_CRASH_BEFORE", "DOJO_CRASH_AFTER"];

/// A finished run of the binary.
pub(crate) struct Run {
    /// The exit code (-1 when killed by a signal).
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Stdout as one JSON document.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    /// Stdout as JSON lines (one document a line).
    pub(crate) fn lines(&self) -> Vec<Value> {
        self.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }
}

/// The run's code and its output as text.
pub(crate) fn finish(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

/// A journal of its own for each run (runs go in parallel and the journal is locked).
pub(crate) fn scratch_journal() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("journals-{}/{n}.journal", std::process::id()))
}

/// The binary with a clean environment: no key, no base URL, a scratch journal, stdin closed.
pub(crate) fn dojo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dojo"));
    for var in ENVIRONMENT {
        c.env_remove(var);
    }
    c.env("DOJO_JOURNAL", scratch_journal()).stdin(Stdio::null());
    c
}

/// [`dojo`] pointed at the emulator with the test key.
pub(crate) fn dojo_on(sb: &Sandbox) -> Command {
    let mut c = dojo();
    c.env("DOJO_API_KEY", KEY).env("DOJO_BASE_URL", sb.base_url());
    c
}

/// Runs `dojo args…` against the emulator with the test key.
pub(crate) fn run(sb: &Sandbox, args: &[&str]) -> Run {
    finish(dojo_on(sb).args(args).output().unwrap())
}

/// Runs `dojo --json args…`, which must succeed, and parses its output.
pub(crate) fn ok_json(sb: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let r = run(sb, &all);
    assert_eq!(r.code, 0, "dojo {args:?}: {}{}", r.stdout, r.stderr);
    r.json()
}

/// A client of the emulator with the test key, to set the scene without the binary.
pub(crate) fn client(sb: &Sandbox) -> dojo_ureq::Client {
    dojo_ureq::Client::builder(ApiKey::new(KEY).unwrap()).base_url(sb.base_url()).build().unwrap()
}
