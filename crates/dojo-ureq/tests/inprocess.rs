//! The client against the emulator in process (`dojo_sandbox::InProcess`, through
//! `ClientBuilder::connector`): ureq's real request and response handling, no socket, no
//! server thread; latency faults advance the emulator's clock instead of sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use dojo_core::charge::{NotCharged, Outcome, SettlePolicy};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreatePaymentIntentRequest, CreateSetupIntentRequest};
use dojo_core::{ApiKey, CaptureStatus, MerchantInitiatedTransactionType, Money, SetupIntentStatus};
use dojo_sandbox::inprocess::BASE_URL;
use dojo_sandbox::{Config, Fault, FaultKind, InProcess, Route, TestCard};
use dojo_ureq::{Client, Error, RetryPolicy, Timeouts};

/// No waiting between settling steps (this client sleeps for real).
const SETTLE: SettlePolicy = SettlePolicy { max_read_backs: 4, max_resends: 2, delay_ms: 0, horizon_ms: 10_000 };

fn client(peer: &InProcess) -> Client {
    Client::builder(ApiKey::new("sk_sandbox_test").unwrap())
        .base_url(BASE_URL)
        .transport(peer.ureq_connector(), peer.ureq_resolver())
        .settle(SETTLE)
        .retry(RetryPolicy { max_retries: 3, base_delay_ms: 0, max_delay_ms: 0, max_retry_after_ms: 0 })
        .timeouts(Timeouts { connect: Duration::from_secs(2), call: Duration::from_secs(5) })
        .build()
        .unwrap()
}

fn authorized(peer: &InProcess, client: &Client) -> (SetupIntentState, PaymentIntentState) {
    let body = CreateSetupIntentRequest::new(
        "Table 12",
        "No-show fee",
        MerchantInitiatedTransactionType::NoShow,
        Money::gbp(1000),
    );
    let mut setup = SetupIntentState::from_response(&client.create_setup_intent(&body).unwrap().get());
    let id = setup.id();
    peer.with(|emu, wall| emu.authorize_setup_intent(id.as_str(), TestCard::SUCCESS, wall)).unwrap();
    setup.observe_response(&client.get_setup_intent(&id).unwrap().get()).unwrap();
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
    let body = CreatePaymentIntentRequest::for_setup_intent("fee", Money::gbp(1000), id);
    let payment = PaymentIntentState::from_response(&client.create_payment_intent(&body).unwrap().get()).unwrap();
    (setup, payment)
}

#[test]
fn the_flow_in_process_is_fast_and_charges_once() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let started = Instant::now();
    let (mut setup, mut payment) = authorized(&peer, &client);
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(report.charge_status, Some(CaptureStatus::Successful));
    assert_eq!(peer.captures(payment.id().as_str()).len(), 1);
    assert_eq!(peer.captures_of_setup_intent(setup.id().as_str()), 1);
    // Loose on purpose (a loaded machine): no network, no sleeping.
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_lost_charge_answer_settles_as_charged_through_the_charge_protocol() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let (mut setup, mut payment) = authorized(&peer, &client);
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropAfterCommit)));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert!(report.outcome_was_unknown);
    assert_eq!((report.sends, report.read_backs), (1, 1));
    assert_eq!(peer.captures(payment.id().as_str()).len(), 1);
}

#[test]
fn a_charge_dropped_before_commit_is_resent_once() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let (mut setup, mut payment) = authorized(&peer, &client);
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit)));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(report.sends, 2);
    assert_eq!(peer.captures(payment.id().as_str()).len(), 1);
}

#[test]
fn a_cut_short_read_is_retried_and_a_cut_short_charge_read_back() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let (mut setup, mut payment) = authorized(&peer, &client);
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::GetSetupIntent, FaultKind::TruncateBody)));
    let answer = client.get_setup_intent(&setup.id()).unwrap();
    assert_eq!(answer.attempts(), 2, "the cut-short answer was an error, then retried");
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::TruncateBody)));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
    assert!(report.outcome_was_unknown);
    assert_eq!(peer.captures(payment.id().as_str()).len(), 1);
}

#[test]
fn latency_past_the_call_timeout_is_a_timeout_and_a_late_commit() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let (mut setup, mut payment) = authorized(&peer, &client);
    let before = peer.now();
    // Longer than the 5 s call timeout: ureq times out (on the emulator's clock), and
    // the charge commits 60 s after it was sent.
    peer.with(|emu, _| {
        emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Latency(Duration::from_secs(60))))
    });
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert!(report.outcome_was_unknown);
    assert!(matches!(report.outcome, Outcome::Pending | Outcome::Charged), "{report:?}");
    // By what was left of the 5 s budget when ureq waited (a few µs less).
    let moved = peer.now().unix_seconds() - before.unix_seconds();
    assert!((4..=5).contains(&moved), "the clock moved by the timeout: {moved} s");
    peer.finish_held();
    assert_eq!(peer.captures(payment.id().as_str()).len(), 1);
    let report = client.reconcile_charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged);
}

#[test]
fn latency_within_the_timeout_moves_the_emulator_clock_not_the_test() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let before = peer.now();
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::GetSetupIntent, FaultKind::Latency(Duration::from_secs(4)))));
    let started = Instant::now();
    let id = dojo_core::SetupIntentId::new("si_missing").unwrap();
    let e = client.get_setup_intent(&id).unwrap_err();
    assert!(matches!(e, Error::Api(ref api) if api.status() == 404), "{e:?}");
    assert_eq!(peer.now().unix_seconds() - before.unix_seconds(), 4);
    assert!(started.elapsed() < Duration::from_secs(4), "no real waiting");
}

#[test]
fn a_declined_charge_is_not_charged_and_nothing_is_captured() {
    let peer = InProcess::new(&Config::in_process());
    let client = client(&peer);
    let (mut setup, mut payment) = authorized(&peer, &client);
    let id = setup.id();
    peer.with(|emu, wall| emu.decline_setup_intent(id.as_str(), wall)).unwrap();
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::NotCharged(NotCharged::Declined(CaptureStatus::Declined)));
    assert_eq!(peer.captures(payment.id().as_str()).len(), 0);
}

/// With a sleep hook (`ClientBuilder::sleep`) the real backoff runs on the emulator's
/// clock: the delays the exchange asks for (jitter, a server's `Retry-After`) and the
/// charge's settling waits go to the hook, none to `thread::sleep`.
#[test]
fn the_sleep_hook_takes_every_wait_so_the_real_backoff_runs_without_waiting() {
    use std::sync::{Arc, Mutex};
    let peer = InProcess::new(&Config::in_process());
    let slept: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let (clock, record) = (peer.clone(), slept.clone());
    let client = Client::builder(ApiKey::new("sk_sandbox_test").unwrap())
        .base_url(BASE_URL)
        .transport(peer.ureq_connector(), peer.ureq_resolver())
        .settle(SettlePolicy { delay_ms: 2_000, ..SETTLE })
        .retry(RetryPolicy::DEFAULT)
        .sleep(move |d| {
            record.lock().unwrap().push(d);
            clock.advance_clock(d);
        })
        .build()
        .unwrap();
    let (mut setup, mut payment) = authorized(&peer, &client);
    assert!(slept.lock().unwrap().is_empty(), "nothing failed: no wait");

    // A read refused with 429 and a 20 s Retry-After, then answered: one wait of at least 20 s.
    let slow_down = FaultKind::StatusRetryAfter { status: 429, retry_after: Duration::from_secs(20) };
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::GetPaymentIntent, slow_down)));
    let answer = client.get_payment_intent(&payment.id(), false).unwrap();
    assert_eq!(answer.attempts(), 2);
    assert_eq!(slept.lock().unwrap().len(), 1);
    assert!(slept.lock().unwrap()[0] >= Duration::from_secs(20), "{:?}", slept.lock().unwrap());

    // A charge whose answer is lost while the emulator holds it: read back as Created
    // (pending), waited for through the hook, then settled.
    slept.lock().unwrap().clear();
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit)));
    let report = client.charge(&mut payment, &mut setup).unwrap();
    assert_eq!(report.outcome, Outcome::Charged, "{report:?}");
    let waits = slept.lock().unwrap().clone();
    assert!(waits.contains(&Duration::from_secs(2)), "the settle delay went to the hook: {waits:?}");
    assert_eq!(peer.captures(payment.id().as_str()).len(), 1);
}
