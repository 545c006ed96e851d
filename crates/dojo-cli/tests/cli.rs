//! The built `dojo` binary end to end against the emulator (started in this test process
//! on 127.0.0.1:0), `--json` output parsed back, and every error path with its exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use dojo_sandbox::{Config, Fault, FaultKind, Route, Sandbox, TestCard};
use serde_json::Value;

mod common;

use common::{KEY, dojo, finish, ok_json, run};

fn create_setup_intent(sb: &Sandbox) -> String {
    let si =
        ok_json(sb, &["setup-intents", "create", "--amount", "10.00", "--currency", "GBP", "--reference", "Table 12"]);
    assert_eq!(si["status"], "Created");
    assert_eq!(si["intendedAmount"]["value"], 1000);
    assert_eq!(si["intendedAmount"]["currencyCode"], "GBP");
    si["id"].as_str().unwrap().to_owned()
}

/// An authorized setup intent and a payment intent from it.
fn ready_to_charge(sb: &Sandbox) -> (String, String) {
    let si = create_setup_intent(sb);
    sb.authorize_setup_intent(&si, TestCard::SUCCESS).unwrap();
    let pi = ok_json(sb, &["payment-intents", "create", "--setup-intent", &si]);
    assert_eq!(pi["status"], "Created");
    assert_eq!(pi["amount"]["value"], 1000);
    assert_eq!(pi["setupIntentId"], si.as_str());
    (si, pi["id"].as_str().unwrap().to_owned())
}

#[test]
fn demo_finishes_with_completed() {
    let r = finish(dojo().arg("demo").output().unwrap());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for step in
        ["1. created setup intent", "2. checkout link", "3.", "Authorized", "4. created payment intent", "5. charged"]
    {
        assert!(r.stdout.contains(step), "missing {step:?} in:\n{}", r.stdout);
    }
    assert!(r.stdout.contains("Captured"), "{}", r.stdout);
    assert!(r.stdout.contains("6. setup intent") && r.stdout.contains(": Completed"), "{}", r.stdout);
    assert!(r.stdout.contains('▀') || r.stdout.contains('▄'), "the QR code is drawn");

    let r = finish(dojo().args(["demo", "--json"]).output().unwrap());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["setupIntentStatus"], "Completed");
    assert_eq!(v["paymentIntentStatus"], "Captured");
    assert_eq!(v["amount"]["value"], 1000);
    assert_eq!(v["steps"].as_array().unwrap().len(), 6);
    assert_eq!(v["steps"][4]["report"]["outcome"], "charged");
}

#[test]
fn interactive_demo_waits_for_the_customer() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = dojo()
        .args(["demo", "--interactive", "--port", &port.to_string(), "--wait", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    let id = loop {
        let line = lines.next().expect("the demo printed its first step").unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if let Some(rest) = line.strip_prefix("1. created setup intent ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Wait until the demo says it is waiting, then act as the customer at checkout.
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("3. open the link") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let answer = agent
        .post(format!("http://127.0.0.1:{port}/_sandbox/setup-intents/{id}/authorize"))
        .header("Content-Type", "application/json")
        .send(r#"{"cardNumber":"5200000000001005","expiry":"12/29"}"#)
        .unwrap();
    assert_eq!(answer.status().as_u16() / 100, 2);
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{seen}");
    assert!(seen.contains(&format!("http://127.0.0.1:{port}/checkout/{id}")), "{seen}");
    assert!(seen.contains(": Completed"), "{seen}");
}

#[test]
fn the_whole_flow_with_json_output() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let (si, pi) = ready_to_charge(&sb);
    assert_eq!(ok_json(&sb, &["setup-intents", "get", &si])["status"], "Authorized");

    let charge = ok_json(&sb, &["payment-intents", "charge", &pi]);
    assert_eq!(charge["outcome"], "charged");
    assert_eq!(charge["chargeStatus"], "Successful");
    assert_eq!(charge["reconciled"], false);
    assert_eq!(charge["setupIntentStatus"], "Completed");
    assert_eq!(ok_json(&sb, &["payment-intents", "get", &pi])["status"], "Captured");
    assert_eq!(ok_json(&sb, &["setup-intents", "get", &si])["status"], "Completed");
    assert_eq!(sb.captures(&pi).len(), 1);

    let refund = ok_json(&sb, &["payment-intents", "refund", &pi, "--amount", "4.00", "--reason", "goodwill"]);
    assert!(refund["refundId"].is_string(), "{refund}");
    assert_eq!(ok_json(&sb, &["payment-intents", "get", &pi])["refundedAmount"], 400);

    // Human output of the same.
    let r = run(&sb, &["payment-intents", "get", &pi]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Captured") && r.stdout.contains("10.00 GBP"), "{}", r.stdout);
    assert!(r.stdout.contains("refunded         4.00 GBP"), "the refund in the currency's units: {}", r.stdout);
}

#[test]
fn cancel_commands() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = create_setup_intent(&sb);
    assert_eq!(ok_json(&sb, &["setup-intents", "cancel", &si])["status"], "Canceled");

    let si = create_setup_intent(&sb);
    sb.authorize_setup_intent(&si, TestCard::SUCCESS).unwrap();
    let r = run(&sb, &["--json", "setup-intents", "cancel", &si]);
    assert_eq!(r.code, 3, "an Authorized one needs --include-authorized: {}", r.stdout);
    assert_eq!(ok_json(&sb, &["setup-intents", "cancel", &si, "--include-authorized"])["status"], "Closed");

    let (_, pi) = ready_to_charge(&sb);
    assert_eq!(ok_json(&sb, &["payment-intents", "cancel", &pi])["status"], "Canceled");
    assert_eq!(run(&sb, &["payment-intents", "get", &pi]).code, 3, "hidden once canceled");
    assert_eq!(ok_json(&sb, &["payment-intents", "get", &pi, "--return-canceled"])["status"], "Canceled");
}

#[test]
fn checkout_link_and_qr() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = create_setup_intent(&sb);
    let v = ok_json(&sb, &["setup-intents", "checkout-link", &si, "--qr"]);
    assert_eq!(v["url"], format!("{}/checkout/{si}", sb.base_url()));
    assert!(v["qr"].as_str().unwrap().contains('█'));
    // Off loopback it is Dojo's hosted page (no request is made).
    let r = finish(
        dojo().args(["setup-intents", "checkout-link", &si, "--base-url", "https://api.dojo.tech"]).output().unwrap(),
    );
    assert_eq!(r.stdout.trim(), format!("https://pay.dojo.tech/checkout/{si}"));
}

#[test]
fn a_charge_whose_answer_is_lost_is_reconciled_with_one_capture() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let (si, pi) = ready_to_charge(&sb);
    sb.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropAfterCommit));
    let v = ok_json(&sb, &["payment-intents", "charge", &pi]);
    assert_eq!(v["outcome"], "charged");
    assert_eq!(v["reconciled"], true);
    assert_eq!(v["readBack"], "Captured");
    assert_eq!((v["sends"].as_u64(), v["readBacks"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["paymentIntentStatus"], "Captured");
    assert_eq!(sb.captures(&pi).len(), 1, "exactly one capture");
    assert_eq!(sb.charge_attempts(&pi), 1);
    assert_eq!(ok_json(&sb, &["setup-intents", "get", &si])["status"], "Completed");
}

#[test]
fn a_charge_that_cannot_be_settled_is_pending_exit_5_never_not_charged() {
    // Every charge request is lost before the emulator acts on it: the read-backs keep
    // showing Created, which is not proof of "not charged" (issue 9). Bounded by the
    // default settle policy (a few seconds).
    let sb = Sandbox::start(Config::default()).unwrap();
    let (_, pi) = ready_to_charge(&sb);
    sb.add_fault(Fault { times: None, ..Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit) });
    let r = run(&sb, &["payment-intents", "charge", &pi]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("pending, not known yet"), "{}", r.stdout);
    assert!(!r.stdout.contains("not charged") && !r.stderr.contains("not charged"), "{}{}", r.stdout, r.stderr);
    // Once the faults are gone, charging again settles it: charged once.
    sb.clear_faults();
    assert_eq!(ok_json(&sb, &["payment-intents", "charge", &pi])["outcome"], "charged");
    assert_eq!(sb.captures(&pi).len(), 1);
}

#[test]
fn exit_codes_and_error_messages() {
    let sb = Sandbox::start(Config::default()).unwrap();

    // Usage (2): no key, a bad key (never echoed), bad amounts, bad ids, plain http off loopback.
    let r = finish(dojo().args(["setup-intents", "get", "si_sandbox_x"]).output().unwrap());
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("DOJO_API_KEY") && r.stderr.contains("dojo demo"), "{}", r.stderr);
    let secret = "sk_live_SECRET_do_not_print";
    let r = finish(dojo().env("DOJO_API_KEY", secret).args(["setup-intents", "get", "si_x"]).output().unwrap());
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("SECRET") && !r.stdout.contains("SECRET"), "{}", r.stderr);
    for (arg, words) in [
        ("--amount=10.001", "decimal places"),
        ("--amount=-1", "greater than zero"),
        ("--amount=0", "greater than zero"),
        ("--amount=1e3", "plain decimal"),
    ] {
        let r = run(&sb, &["setup-intents", "create", arg]);
        assert_eq!(r.code, 2, "{arg}: {}", r.stderr);
        assert!(r.stderr.contains(words), "{arg}: {}", r.stderr);
    }
    let r = run(&sb, &["setup-intents", "create", "--amount", "99999999999999999999"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("too large"), "{}", r.stderr);
    let r = run(&sb, &["setup-intents", "create", "--amount", "10", "--currency", "USD"]);
    assert_eq!(r.code, 2);
    let r = run(&sb, &["--json", "setup-intents", "get", "pi_sandbox_abc"]);
    assert_eq!((r.code, r.json()["error"]["kind"].as_str()), (2, Some("usage")));
    let r = run(&sb, &["setup-intents", "get", "si_x", "--base-url", "http://example.com"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("http://"), "{}", r.stderr);
    let r = finish(dojo().args(["setup-intents", "frobnicate"]).output().unwrap());
    assert_eq!(r.code, 2, "clap's usage errors");

    // API (3): 404 with a hint, 401/403 for a production key, 409.
    let r = run(&sb, &["--json", "setup-intents", "get", "si_sandbox_doesNotExist0000000000000"]);
    assert_eq!(r.code, 3);
    let e = &r.json()["error"];
    assert_eq!((e["kind"].as_str(), e["status"].as_u64()), (Some("api"), Some(404)));
    assert_eq!(e["class"], "api", "the shared ErrorClass of dojo-core");
    assert!(e["traceId"].is_string() && e["hint"].as_str().unwrap().contains("check the id"), "{e}");
    let r = run(&sb, &["setup-intents", "get", "si_sandbox_doesNotExist0000000000000"]);
    assert!(r.stderr.contains("404") && r.stderr.contains("hint:"), "{}", r.stderr);

    let r = finish(
        dojo()
            .env("DOJO_API_KEY", "sk_prod_wrong_environment")
            .env("DOJO_BASE_URL", sb.base_url())
            .args(["--json", "setup-intents", "get", "si_sandbox_x"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 3);
    assert!(matches!(r.json()["error"]["status"].as_u64(), Some(401 | 403)), "{}", r.stdout);
    assert!(!r.stdout.contains("wrong_environment"), "the key is never echoed");

    let (_, pi) = ready_to_charge(&sb);
    ok_json(&sb, &["payment-intents", "charge", &pi]);
    let r = run(&sb, &["--json", "payment-intents", "cancel", &pi]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(r.json()["error"]["status"], 409, "cancel of a Captured payment intent");
    // A second charge is refused by the lifecycle before anything is sent (1).
    let r = run(&sb, &["payment-intents", "charge", &pi]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("already"), "{}", r.stderr);
    assert_eq!(sb.charge_attempts(&pi), 1);

    // Network (4): nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let r = finish(
        dojo()
            .env("DOJO_API_KEY", KEY)
            .args(["--json", "setup-intents", "get", "si_sandbox_x", "--base-url", &format!("http://127.0.0.1:{port}")])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 4, "{}", r.stdout);
    assert_eq!(r.json()["error"]["kind"], "network");
    assert_eq!(r.json()["error"]["class"], "transport");

    // Outcome unknown (5): a create whose answer is lost.
    sb.add_fault(Fault::once(Route::CreateSetupIntent, FaultKind::DropAfterCommit));
    let r = run(&sb, &["--json", "setup-intents", "create", "--amount", "10.00"]);
    assert_eq!(r.code, 5, "{}", r.stdout);
    let e = &r.json()["error"];
    assert_eq!((e["kind"].as_str(), e["operation"].as_str()), (Some("outcome_unknown"), Some("create_setup_intent")));
    assert_eq!(e["class"], "outcome_unknown");
}

#[test]
fn a_declined_charge_exits_1_and_says_so() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let (si, pi) = ready_to_charge(&sb);
    sb.decline_setup_intent(&si).unwrap();
    let r = run(&sb, &["payment-intents", "charge", &pi]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Declined") && r.stderr.contains("was not charged"), "{}{}", r.stdout, r.stderr);
    let r = run(&sb, &["--json", "payment-intents", "charge", &pi]);
    assert_eq!(r.code, 1);
    let report = r.json();
    assert_eq!((report["outcome"].as_str(), report["chargeStatus"].as_str()), (Some("not_charged"), Some("Declined")));
    assert!(sb.captures(&pi).is_empty());
}

#[test]
fn the_key_from_a_file() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("dojo-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, format!("{KEY}\n")).unwrap();
    let r = finish(
        dojo()
            .env("DOJO_BASE_URL", sb.base_url())
            .args(["--json", "--api-key-file", file.to_str().unwrap(), "setup-intents", "create", "--amount", "5"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["intendedAmount"]["value"], 500);
    let r =
        finish(dojo().args(["--api-key-file", "/nonexistent/key", "setup-intents", "get", "si_x"]).output().unwrap());
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read the API key file"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn watch_until_the_status_changes() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = create_setup_intent(&sb);
    let child = dojo()
        .env("DOJO_API_KEY", KEY)
        .env("DOJO_BASE_URL", sb.base_url())
        .args(["watch", &si, "--interval", "0.1", "--for", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    sb.authorize_setup_intent(&si, TestCard::SUCCESS).unwrap();
    let r = finish(child.wait_with_output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Created → Authorized"), "{}", r.stdout);

    // Bounded: nothing changes, it gives up.
    let r = run(&sb, &["watch", &si, "--interval", "0.1", "--for", "1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("still Authorized"), "{}", r.stderr);
}

#[test]
fn the_sandbox_command_serves_until_its_time_is_up() {
    let mut child =
        dojo().args(["--json", "sandbox", "--port", "0", "--for", "5"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    let base = v["baseUrl"].as_str().unwrap().to_owned();
    let r = finish(
        dojo()
            .env("DOJO_API_KEY", v["apiKey"].as_str().unwrap())
            .args(["--json", "setup-intents", "create", "--amount", "1.50", "--base-url", &base])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["intendedAmount"]["value"], 150);
    assert!(child.wait().unwrap().success());
}

#[test]
fn help_documents_the_exit_codes() {
    let r = finish(dojo().arg("--help").output().unwrap());
    assert_eq!(r.code, 0);
    for words in ["Exit codes", "outcome unknown", "network error", "dojo demo", "DOJO_API_KEY"] {
        assert!(r.stdout.contains(words), "{words}: {}", r.stdout);
    }
}

/// Durations out of range (beyond u64, beyond `Duration`, NaN, infinite, negative) are
/// usage errors (exit 2) before anything runs; they panicked (exit 101) before.
#[test]
fn out_of_range_durations_are_usage_errors() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = create_setup_intent(&sb);
    let huge = "18446744073709551615";
    let cases: Vec<Vec<&str>> = vec![
        vec!["--timeout", huge, "setup-intents", "get", &si],
        vec!["--connect-timeout", huge, "setup-intents", "get", &si],
        vec!["--timeout", "99999999999999999999999", "setup-intents", "get", &si],
        vec!["--timeout", "NaN", "setup-intents", "get", &si],
        vec!["--timeout", "inf", "setup-intents", "get", &si],
        vec!["--timeout=-1", "setup-intents", "get", &si],
        vec!["--timeout", "0", "setup-intents", "get", &si],
        vec!["--connect-timeout", "1e308", "setup-intents", "get", &si],
        vec!["watch", &si, "--for", huge],
        vec!["watch", &si, "--interval", "1e308"],
        vec!["watch", &si, "--interval", "NaN"],
        vec!["watch", &si, "--interval", "inf"],
        vec!["watch", &si, "--interval=-1"],
        vec!["watch", &si, "--interval", "0"],
        vec!["demo", "--wait", huge],
        vec!["sandbox", "--port", "0", "--for", huge],
    ];
    for args in cases {
        let r = run(&sb, &args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("seconds") || r.stderr.contains("unexpected argument"), "{args:?}: {}", r.stderr);
    }
    // In range, with decimals: works.
    let r = run(&sb, &["--timeout", "12.5", "--connect-timeout", "0.75", "setup-intents", "get", &si]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Runs `dojo args…` with stdout (or stderr) a pipe whose reader is already gone, so every
/// write fails with EPIPE (deterministic: nothing depends on pipe buffer sizes).
fn run_with_closed(stream: &str, sb: &Sandbox, args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut c = dojo();
    c.env("DOJO_API_KEY", KEY).env("DOJO_BASE_URL", sb.base_url()).args(args);
    let o = if stream == "stdout" {
        c.stdout(writer).stderr(Stdio::piped()).output().unwrap()
    } else {
        c.stderr(writer).stdout(Stdio::piped()).output().unwrap()
    };
    let other = if stream == "stdout" { o.stderr } else { o.stdout };
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&other).into_owned())
}

/// `dojo demo | head -1` and friends: a closed stdout (or stderr) is not a crash. The
/// command finishes, says nothing about it, and exits with its usual code.
#[test]
fn a_closed_stdout_or_stderr_ends_the_output_quietly() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = create_setup_intent(&sb);
    for (args, code) in [
        (vec!["demo"], 0),
        (vec!["--help"], 0),
        (vec!["--json", "demo"], 0),
        (vec!["setup-intents", "get", &si], 0),
        (vec!["--json", "setup-intents", "get", &si], 0),
        (vec!["setup-intents", "checkout-link", &si, "--qr"], 0),
        (vec!["--json", "sandbox", "--port", "0", "--for", "0"], 0),
        (vec!["sandbox", "--port", "0", "--for", "0"], 0),
        (vec!["setup-intents", "get", "si_sandbox_doesNotExist0000000000000"], 3),
        (vec!["--json", "setup-intents", "get", "si_sandbox_doesNotExist0000000000000"], 3),
    ] {
        let (got, stderr) = run_with_closed("stdout", &sb, &args);
        assert_eq!(got, code, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
    // A closed stderr: the error (or the -vv log) is lost, the exit code is not, and the
    // output on stdout is complete.
    let (got, stdout) =
        run_with_closed("stderr", &sb, &["setup-intents", "get", "si_sandbox_doesNotExist0000000000000"]);
    assert_eq!(got, 3, "{stdout}");
    let (got, stdout) = run_with_closed("stderr", &sb, &["-vv", "setup-intents", "get", &si]);
    assert_eq!(got, 0, "{stdout}");
    assert!(stdout.contains(&si), "{stdout}");
}

/// `--api-key-file /dev/zero` read without bound (gigabytes, then out of memory); now at
/// most a few KiB, then a usage error. A key file with more after its first line still works.
#[test]
fn a_key_file_whose_first_line_is_not_a_key_is_named() {
    // `/dev/urandom` starts with a line break one time in 256: the "key" is then empty, and
    // the error must still name the file (it once said only "the API key is not usable").
    let dir = std::env::temp_dir().join(format!("dojo-cli-keyfile-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in [("empty-line", "\nsk_sandbox_second_line\n"), ("not-a-key", "hello\n")] {
        let file = dir.join(name);
        std::fs::write(&file, content).unwrap();
        let r = finish(
            dojo()
                .env("DOJO_BASE_URL", "http://127.0.0.1:9")
                .args(["--api-key-file", file.to_str().unwrap(), "setup-intents", "get", "si_sandbox_x"])
                .output()
                .unwrap(),
        );
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains("first line") && r.stderr.contains(file.to_str().unwrap()), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("second_line") && !r.stderr.contains("hello"), "{name}: {}", r.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_key_file_is_read_with_a_bound() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let si = create_setup_intent(&sb);
    for path in ["/dev/zero", "/dev/urandom"] {
        let started = std::time::Instant::now();
        let r = finish(
            dojo()
                .env("DOJO_BASE_URL", sb.base_url())
                .args(["--api-key-file", path, "setup-intents", "get", &si])
                .output()
                .unwrap(),
        );
        assert_eq!(r.code, 2, "{path}: {}", r.stderr);
        assert!(r.stderr.contains("first line") && r.stderr.contains(path), "{path}: {}", r.stderr);
        assert!(started.elapsed() < Duration::from_secs(60), "{path}: bounded");
    }
    let dir = std::env::temp_dir().join(format!("dojo-cli-keyfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    let mut text = format!("{KEY}\n");
    text.push_str(&"# more text that is not read\n".repeat(100_000));
    std::fs::write(&file, &text).unwrap();
    let r = finish(
        dojo()
            .env("DOJO_BASE_URL", sb.base_url())
            .args(["--api-key-file", file.to_str().unwrap(), "setup-intents", "get", &si])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A long first line without a break is refused, and not echoed.
    std::fs::write(&file, "sk_sandbox_".to_owned() + &"A".repeat(10_000)).unwrap();
    let r = finish(
        dojo()
            .env("DOJO_BASE_URL", sb.base_url())
            .args(["--api-key-file", file.to_str().unwrap(), "setup-intents", "get", &si])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("AAAA"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stand-in server on 127.0.0.1:0 that answers every request with `status` and `body`
/// (hostile strings the emulator would never send). Stops by itself after a while.
fn hostile_server(status: u16, body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let until = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < until {
            let Ok((mut s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            s.set_nonblocking(false).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body.as_bytes());
        }
    });
    base
}

/// What must never reach a terminal from a server string.
fn assert_neutral(what: &str, text: &str) {
    for c in text.chars() {
        let bidi =
            matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
        let control = c.is_control() && c != '\n';
        assert!(!bidi && !control, "{what}: {:?} reached the terminal in {text:?}", c);
    }
}

const HOSTILE: &str = r"\u001b[2J\u001b[31mRED\u0007\u009b1m\u007f\u202egnp.exe\u2066\u200f\u061c\r\nstatus Captured";

/// A reference holding ESC[2J ESC[31m … BEL, C1, DEL and bidi overrides is printed with
/// those characters escaped, in text mode on stdout and in errors on stderr; JSON output
/// escapes them too (as \uXXXX) and still decodes to the server's exact string.
#[test]
fn server_strings_cannot_control_the_terminal() {
    let si = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../dojo-core/tests/fixtures/setup_intent_created.json"
    ))
    .unwrap()
    .replace("Harbour Bistro | Booking for Table 12", HOSTILE);
    let pi = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../dojo-core/tests/fixtures/payment_intent_created.json"
    ))
    .unwrap()
    .replace("No-show Table 12", HOSTILE);
    // Raw (unescaped) DEL, C1 and U+202E are valid inside JSON strings.
    let raw_pi = pi.replace(HOSTILE, "raw \u{7f}\u{9b}\u{202e}gnp.exe");
    let problem =
        format!(r#"{{"title":"{HOSTILE}","status":409,"detail":"{HOSTILE}","traceId":"t\u001b]0;owned\u0007"}}"#);

    let base = hostile_server(200, si);
    let get = |base: &str, args: &[&str]| {
        finish(dojo().env("DOJO_API_KEY", KEY).env("DOJO_BASE_URL", base).args(args).output().unwrap())
    };
    let r = get(&base, &["setup-intents", "get", "si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_neutral("setup-intents get", &r.stdout);
    assert!(r.stdout.contains(r"\u{1b}[2J") && r.stdout.contains(r"\u{202e}gnp.exe"), "{}", r.stdout);
    assert!(!r.stdout.contains("\nstatus Captured"), "a value cannot forge a line: {}", r.stdout);

    let base = hostile_server(200, pi);
    let r = get(&base, &["payment-intents", "get", "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_neutral("payment-intents get", &r.stdout);
    assert!(r.stdout.contains(r"\u{7}"), "{}", r.stdout);

    let base = hostile_server(200, raw_pi);
    let r = get(&base, &["--json", "payment-intents", "get", "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_neutral("--json payment-intents get", &r.stdout);
    assert_eq!(r.json()["reference"], "raw \u{7f}\u{9b}\u{202e}gnp.exe", "the same string once decoded");
    let r = get(&base, &["payment-intents", "get", "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ"]);
    assert_neutral("raw payment-intents get", &r.stdout);

    let base = hostile_server(409, problem);
    let r = get(&base, &["payment-intents", "get", "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_neutral("an API error on stderr", &r.stderr);
    assert!(r.stderr.contains("409"), "{}", r.stderr);
    let r = get(&base, &["--json", "payment-intents", "get", "pi_sandbox_S2zeCMipQkSG9fFmqS-ceQ"]);
    assert_eq!(r.code, 3);
    assert_neutral("an API error as JSON", &r.stdout);
    assert!(r.json()["error"]["title"].as_str().unwrap().contains("\u{1b}[2J"), "JSON keeps the exact string");
}
