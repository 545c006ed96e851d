//! Crash injection (issue 9, item 5b): the no-show flow runs as child processes (the built
//! `dojo`, a debug build, so it honours `DOJO_CRASH_BEFORE` / `DOJO_CRASH_AFTER`: it kills
//! itself with SIGKILL just before or just after a journal append) against the emulator
//! over TCP, with latency, drop-before-commit, drop-after-commit, truncation, 503 and
//! declined-card faults; it is killed at every journal step (and, in other flows, by the
//! test at random times), restarted, and `dojo resume --send`d until nothing is left to
//! do or what is left is pending; then checked against the emulator's own records:
//!
//! - 0 double captures (per payment intent, and per booking: across every payment intent
//!   with the flow's reference);
//! - 0 charges reported "not charged" (by a charge's or resume's output, or a
//!   `ChargeSettled` record in the journal) that the emulator captured, and 0 reported
//!   "charged" that it did not;
//! - 0 bookings lost: every capture is reported charged, or its booking is still open and
//!   pending with its ids.
//!
//! Each worker thread has its own emulator and runs its flows one after the other, each
//! flow with its own journal file. `DOJO_CRASH_SEED` changes the random kills;
//! `DOJO_CRASH_RANDOM_FLOWS` their number (default 40). The summary line
//! (`CRASH-SUMMARY …`) is what `scripts/crash-campaign.sh` adds up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dojo_core::journal::{Event, RECORD_LEN, Record, Settlement};
use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};
use serde_json::Value;

mod common;

use common::{KEY, dojo_on};
/// The client's whole-call timeout in every child, and the latency faults' delay: a
/// latency-faulted request outlives the client and commits late.
const TIMEOUT: &str = "0.5";
const LATENCY: Duration = Duration::from_millis(800);
const WORKERS: usize = 4;

const EVENTS: [&str; 7] = [
    "setup_intent_creating",
    "setup_intent_created",
    "payment_intent_creating",
    "payment_intent_created",
    "charge_sending",
    "charge_settled",
    "booking_closed",
];

/// A fault in force for a whole flow.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    None,
    Fault(Route, FaultKind),
    /// The same, hitting this many requests: a latency on every send of a charge outlasts
    /// the settle policy's horizon, so the charge ends pending and `resume` settles it.
    Faults(Route, FaultKind, u32),
    /// The card is declined at charge time (a "not charged" the server shows).
    DeclinedCard,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::None,
        Scenario::Fault(Route::CreateSetupIntent, FaultKind::Latency(LATENCY)),
        Scenario::Fault(Route::CreatePaymentIntent, FaultKind::Latency(LATENCY)),
        Scenario::Fault(Route::CreatePaymentIntent, FaultKind::DropAfterCommit),
        Scenario::Fault(Route::ChargePaymentIntent, FaultKind::Latency(LATENCY)),
        Scenario::Faults(Route::ChargePaymentIntent, FaultKind::Latency(LATENCY), 3),
        Scenario::Fault(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit),
        Scenario::Fault(Route::ChargePaymentIntent, FaultKind::DropAfterCommit),
        Scenario::Fault(Route::ChargePaymentIntent, FaultKind::TruncateBody),
        Scenario::Fault(Route::ChargePaymentIntent, FaultKind::Status(503)),
        Scenario::DeclinedCard,
    ]
}

/// Where the flow is killed.
#[derive(Debug, Clone)]
enum Kill {
    /// At a journal step: (`DOJO_CRASH_BEFORE` or `_AFTER`, `EVENT:N`) in the first life,
    /// then one in each of the first `resume`s (a point a run never reaches kills nothing).
    Step { first: (&'static str, String), in_resume: Vec<(&'static str, String)> },
    /// By the test, with SIGKILL, this many ms after the start of the given step (0: setup
    /// intent, 1: payment intent, 2: charge, 3: the first resume).
    Random { step: usize, after_ms: u64 },
}

#[derive(Debug, Default, Clone)]
struct Tally {
    flows: u64,
    kill_points: u64,
    charged: u64,
    not_charged: u64,
    pending: u64,
    closed: u64,
    waiting: u64,
    nothing: u64,
    violations: Vec<String>,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.flows += o.flows;
        self.kill_points += o.kill_points;
        self.charged += o.charged;
        self.not_charged += o.not_charged;
        self.pending += o.pending;
        self.closed += o.closed;
        self.waiting += o.waiting;
        self.nothing += o.nothing;
        self.violations.extend(o.violations.iter().cloned());
    }
}

struct Run {
    code: Option<i32>,
    killed: bool,
    stdout: String,
    stderr: String,
}

fn dojo_cmd(sb: &Sandbox, journal: &Path, args: &[&str], crash: Option<&(&'static str, String)>) -> Command {
    let mut c = dojo_on(sb);
    c.env("DOJO_JOURNAL", journal)
        .env("DOJO_TEST_SETTLE_MS", "50")
        .args(["--json", "--timeout", TIMEOUT])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some((var, spec)) = crash {
        c.env(var, spec);
    }
    c
}

fn collect(child: Child) -> Run {
    let o = child.wait_with_output().unwrap();
    let signal = o.status.signal();
    Run {
        code: o.status.code(),
        // SIGKILL (by itself or by the test); SIGABRT only if `kill` could not run.
        killed: matches!(signal, Some(9) | Some(6)),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs `dojo`, killing it with SIGKILL after `kill_after` if it is still running.
fn run(
    sb: &Sandbox,
    journal: &Path,
    args: &[&str],
    crash: Option<&(&'static str, String)>,
    kill_after: Option<Duration>,
) -> Run {
    let mut child = dojo_cmd(sb, journal, args, crash).spawn().unwrap();
    if let Some(d) = kill_after {
        let deadline = Instant::now() + d;
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() >= deadline {
                let _ = child.kill(); // SIGKILL
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    collect(child)
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Every `ChargeSettled` the journal holds: what the program durably reported.
fn journal_verdicts(journal: &Path, ledger: &mut BTreeMap<String, BTreeSet<String>>) {
    let Ok(bytes) = std::fs::read(journal) else { return };
    for slot in bytes.chunks_exact(RECORD_LEN) {
        if let Ok(Record { event: Event::ChargeSettled { payment_intent, settlement }, .. }) = Record::decode(slot) {
            let word = match settlement {
                Settlement::Charged => "charged",
                Settlement::NotCharged(_) => "not_charged",
                Settlement::Pending => "pending",
            };
            ledger.entry(payment_intent.as_str().to_owned()).or_default().insert(word.to_owned());
        }
    }
}

fn note(ledger: &mut BTreeMap<String, BTreeSet<String>>, pi: Option<&str>, outcome: &str) {
    if let Some(pi) = pi {
        ledger.entry(pi.to_owned()).or_default().insert(outcome.to_owned());
    }
}

/// Every payment intent of the emulator with this reference, and its captures.
fn server_records(sb: &Sandbox, reference: &str) -> Vec<(String, String, usize)> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let body = match &after {
            Some(a) => format!(r#"{{"cursor":{{"limit":100,"after":"{a}"}}}}"#),
            None => r#"{"cursor":{"limit":100}}"#.to_owned(),
        };
        let mut resp = agent
            .post(format!("{}/payment-intents/search", sb.base_url()))
            .header("Authorization", format!("Basic {KEY}"))
            .header("version", "2026-02-27")
            .content_type("application/json")
            .send(body)
            .unwrap();
        let page: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        let data = page["data"].as_array().cloned().unwrap_or_default();
        for pi in &data {
            if pi["reference"] == reference {
                let id = pi["id"].as_str().unwrap().to_owned();
                let si = pi["setupIntentId"].as_str().unwrap_or("").to_owned();
                let captures = sb.captures(&id).len();
                out.push((id, si, captures));
            }
        }
        match page["after"].as_str() {
            Some(a) if !a.is_empty() && !data.is_empty() && after.as_deref() != Some(a) => after = Some(a.to_owned()),
            _ => break,
        }
    }
    out
}

/// One flow: life 1 (create, authorize, create, charge) with a kill, then resumes until
/// settled, then the checks.
fn flow(sb: &Sandbox, dir: &Path, n: usize, scenario: Scenario, kill: &Kill) -> Tally {
    let mut t = Tally { flows: 1, ..Tally::default() };
    let journal = dir.join(format!("flow-{n}.journal"));
    let reference = format!("crash-{n}-{}", std::process::id());
    sb.clear_faults();
    match scenario {
        Scenario::Fault(route, kind) => sb.add_fault(Fault::once(route, kind)),
        Scenario::Faults(route, kind, times) => sb.add_fault(Fault { times: Some(times), ..Fault::once(route, kind) }),
        Scenario::None | Scenario::DeclinedCard => {}
    }
    let mut ledger: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (first_crash, resume_crash, random) = match kill {
        Kill::Step { first, in_resume } => (Some(first.clone()), in_resume.clone(), None),
        Kill::Random { step, after_ms } => (None, Vec::new(), Some((*step, Duration::from_millis(*after_ms)))),
    };
    let kill_at = |step: usize| random.and_then(|(s, d)| (s == step).then_some(d));
    let mut killed = false;
    let count = |r: &Run, t: &mut Tally| {
        if r.killed {
            t.kill_points += 1;
        }
        r.killed
    };

    // Life 1.
    let mut si: Option<String> = None;
    let r = run(
        sb,
        &journal,
        &["setup-intents", "create", "--amount", "10.00", "--reference", &reference],
        first_crash.as_ref(),
        kill_at(0),
    );
    killed |= count(&r, &mut t);
    if r.code == Some(0) {
        si = json_lines(&r.stdout).first().and_then(|v| v["id"].as_str().map(str::to_owned));
    }
    if let (false, Some(si)) = (killed, &si) {
        sb.authorize_setup_intent(si, TestCard::SUCCESS).unwrap();
        if matches!(scenario, Scenario::DeclinedCard) {
            sb.decline_setup_intent(si).unwrap();
        }
        let r = run(
            sb,
            &journal,
            &["payment-intents", "create", "--setup-intent", si, "--reference", &reference],
            first_crash.as_ref(),
            kill_at(1),
        );
        killed |= count(&r, &mut t);
        let pi = (r.code == Some(0))
            .then(|| json_lines(&r.stdout).first().and_then(|v| v["id"].as_str().map(str::to_owned)))
            .flatten();
        if let (false, Some(pi)) = (killed, pi) {
            let r = run(sb, &journal, &["payment-intents", "charge", &pi], first_crash.as_ref(), kill_at(2));
            killed |= count(&r, &mut t);
            if let Some(v) = json_lines(&r.stdout).first() {
                note(&mut ledger, v["paymentIntentId"].as_str(), v["outcome"].as_str().unwrap_or("?"));
            }
            if !r.killed && r.stdout.contains("not charged") && !r.stdout.contains("not_charged") {
                t.violations.push(format!("flow {n}: the charge printed \"not charged\" text in JSON mode"));
            }
        }
    }

    // Restart: resume until nothing is left to do, or only pending charges are.
    let mut last: Vec<Value> = Vec::new();
    let mut pending_rounds = 0;
    let mut continued = 0;
    for round in 0..12 {
        journal_verdicts(&journal, &mut ledger);
        let crash = resume_crash.get(round);
        let r = run(sb, &journal, &["resume", "--send"], crash, if round == 0 { kill_at(3) } else { None });
        if count(&r, &mut t) {
            continue;
        }
        if r.code.is_none() || !matches!(r.code, Some(0) | Some(5)) {
            t.violations.push(format!("flow {n}: resume exited {:?}: {}{}", r.code, r.stdout, r.stderr));
            break;
        }
        last = json_lines(&r.stdout);
        for v in &last {
            note(&mut ledger, v["paymentIntentId"].as_str(), v["outcome"].as_str().unwrap_or("?"));
        }
        // The flow goes on where a person (here: the test) acts next.
        let mut acted = false;
        for v in &last {
            if v["outcome"] == "waiting"
                && v["paymentIntentId"].is_null()
                && let Some(si) = v["setupIntentId"].as_str()
            {
                let _ = sb.authorize_setup_intent(si, TestCard::SUCCESS);
                // The first continuation is killed too, once its create is journaled.
                let crash = (continued == 0 && !resume_crash.is_empty())
                    .then(|| ("DOJO_CRASH_AFTER", "payment_intent_creating:1".to_owned()));
                continued += 1;
                let r = run(
                    sb,
                    &journal,
                    &["payment-intents", "create", "--setup-intent", si, "--reference", &reference],
                    crash.as_ref(),
                    None,
                );
                let _ = count(&r, &mut t);
                acted = true;
            }
        }
        if last.is_empty() {
            break;
        }
        if !acted && last.iter().all(|v| v["outcome"] == "pending" || v["outcome"] == "waiting") {
            pending_rounds += 1;
            if pending_rounds >= 4 {
                break;
            }
            // Late commits land within the latency fault's delay.
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    journal_verdicts(&journal, &mut ledger);

    // The checks, against the emulator's own records.
    let records = server_records(sb, &reference);
    let mut per_si: BTreeMap<&str, usize> = BTreeMap::new();
    for (pi, si, captures) in &records {
        *per_si.entry(si.as_str()).or_default() += captures;
        let said = ledger.get(pi).cloned().unwrap_or_default();
        if *captures > 1 {
            t.violations.push(format!("flow {n} {scenario:?} {kill:?}: {pi} captured {captures} times"));
        }
        if *captures > 0 && said.contains("not_charged") {
            t.violations.push(format!("flow {n} {scenario:?} {kill:?}: {pi} reported not charged but captured"));
        }
        if *captures == 0 && said.contains("charged") {
            t.violations.push(format!("flow {n} {scenario:?} {kill:?}: {pi} reported charged but not captured"));
        }
        let open_pending = last.iter().any(|v| v["paymentIntentId"] == pi.as_str() && v["outcome"] == "pending");
        if *captures > 0 && !said.contains("charged") && !open_pending {
            t.violations.push(format!("flow {n} {scenario:?} {kill:?}: {pi} captured but lost (reported: {said:?})"));
        }
    }
    for (si, captures) in per_si {
        if captures > 1 {
            t.violations.push(format!("flow {n} {scenario:?} {kill:?}: setup intent {si} captured {captures} times"));
        }
    }
    for v in &last {
        if v["outcome"] == "pending" && v["paymentIntentId"].is_null() {
            t.violations.push(format!("flow {n}: a pending booking without its payment intent id: {v}"));
        }
    }
    // How the booking ended.
    let captured = records.iter().any(|r| r.2 > 0);
    let said: BTreeSet<String> = ledger.values().flatten().cloned().collect();
    if captured {
        t.charged += 1;
    } else if last.iter().any(|v| v["outcome"] == "pending") {
        t.pending += 1;
    } else if said.contains("not_charged") {
        t.not_charged += 1;
    } else if last.iter().any(|v| v["outcome"] == "waiting") {
        t.waiting += 1;
    } else if records.is_empty() && si.is_none() && !journal_has_records(&journal) {
        t.nothing += 1;
    } else {
        t.closed += 1;
    }
    if killed && !said.is_empty() && said.contains("?") {
        t.violations.push(format!("flow {n}: an outcome without a name"));
    }
    t
}

fn journal_has_records(journal: &Path) -> bool {
    std::fs::metadata(journal).map(|m| m.len() >= RECORD_LEN as u64).unwrap_or(false)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn plan(seed: u64, random_flows: usize) -> Vec<(Scenario, Kill)> {
    let resume_points: [(&str, &str); 5] = [
        ("DOJO_CRASH_AFTER", "charge_sending"),
        ("DOJO_CRASH_BEFORE", "charge_settled"),
        ("DOJO_CRASH_BEFORE", "charge_sending"),
        ("DOJO_CRASH_BEFORE", "payment_intent_created"),
        ("DOJO_CRASH_BEFORE", "booking_closed"),
    ];
    let mut out = Vec::new();
    let mut i = 0usize;
    for scenario in scenarios() {
        for event in EVENTS {
            for var in ["DOJO_CRASH_BEFORE", "DOJO_CRASH_AFTER"] {
                let (rv, re) = resume_points[i % resume_points.len()];
                i += 1;
                let (rv2, re2) = resume_points[(i * 3 + 1) % resume_points.len()];
                let in_resume = vec![
                    (rv, format!("{re}:1")),
                    (rv2, format!("{re2}:1")),
                    ("DOJO_CRASH_BEFORE", "charge_settled:1".to_owned()),
                ];
                out.push((scenario, Kill::Step { first: (var, format!("{event}:1")), in_resume }));
            }
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let all = scenarios();
    for _ in 0..random_flows {
        let scenario = all[(rng.next() % all.len() as u64) as usize];
        let step = (rng.next() % 4) as usize;
        let after_ms = 5 + rng.next() % 60;
        out.push((scenario, Kill::Random { step, after_ms }));
    }
    out
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn killed_at_every_journal_step_and_at_random_then_resumed() {
    let seed = env_num("DOJO_CRASH_SEED", 1);
    let random_flows = env_num("DOJO_CRASH_RANDOM_FLOWS", 40) as usize;
    let started = Instant::now();
    let dir: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("crash-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let work = Mutex::new(plan(seed, random_flows).into_iter().enumerate().collect::<Vec<_>>());
    let total = Mutex::new(Tally::default());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                let sb = Sandbox::start(Config { seed, ..Config::default() }).unwrap();
                loop {
                    let next = work.lock().unwrap().pop();
                    let Some((n, (scenario, kill))) = next else { break };
                    let t = flow(&sb, &dir, n, scenario, &kill);
                    total.lock().unwrap().add(&t);
                }
            });
        }
    });
    let t = total.into_inner().unwrap();
    println!(
        "CRASH-SUMMARY seed={seed} flows={} kill_points={} charged={} not_charged={} pending={} closed={} \
         waiting={} nothing={} violations={} seconds={:.1}",
        t.flows,
        t.kill_points,
        t.charged,
        t.not_charged,
        t.pending,
        t.closed,
        t.waiting,
        t.nothing,
        t.violations.len(),
        started.elapsed().as_secs_f64()
    );
    for v in &t.violations {
        println!("VIOLATION {v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(t.violations.is_empty(), "{} violations: {:#?}", t.violations.len(), t.violations);
    assert!(t.kill_points >= 200, "only {} kill points", t.kill_points);
}
