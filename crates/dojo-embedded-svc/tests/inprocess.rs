//! The kiosk flow against the emulator in process (`dojo_sandbox::InProcess`): the real
//! adapter code end to end, no TCP, no threads, no sleeping; time is the emulator's clock.
//! Faults come through as over TCP (see `dojo_sandbox::inprocess`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use dojo_core::charge::{NotCharged, Outcome};
use dojo_core::request::Api;
use dojo_core::*;
use dojo_embedded_svc::kiosk::{FlowEnd, Kiosk, NoShowFee, NoShowReport, PollPolicy, Waited};
use dojo_embedded_svc::{Client, Connect, Delay, RetryPolicy};
use dojo_sandbox::inprocess::{BASE_URL, EmbeddedConnection};
use dojo_sandbox::{Config, Fault, FaultKind, InProcess, Route, TestCard};

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: "No-show Table 12",
};

const POLL: PollPolicy = PollPolicy { interval_ms: 2_000, max_polls: 20 };

fn key() -> ApiKey {
    ApiKey::new("sk_sandbox_kiosk_secret").unwrap()
}

/// A client over the in-process peer whose waits advance the emulator's clock.
fn client<'k>(
    peer: &InProcess,
    key: &'k ApiKey,
) -> Client<'k, impl Connect<Connection = EmbeddedConnection>, impl Delay> {
    let clock = peer.clone();
    Client::new(peer.connector(), Api::new(key)).with_base_url(BASE_URL).unwrap().with_retries(
        RetryPolicy::DEFAULT,
        7,
        move |ms: u32| clock.advance_clock(Duration::from_millis(u64::from(ms))),
    )
}

/// The customer: authorizes (or declines) when the link is shown, or never comes.
struct Customer {
    peer: InProcess,
    card: Option<TestCard>,
}

impl Kiosk for Customer {
    fn show_checkout(&mut self, link: &str) {
        let id = link.rsplit('/').next().unwrap().to_owned();
        if let Some(card) = self.card {
            let _ = self.peer.with(|emu, wall| emu.authorize_setup_intent(&id, card, wall));
        }
    }
    fn now(&mut self) -> Timestamp {
        self.peer.now()
    }
    fn wait_ms(&mut self, ms: u32) {
        self.peer.advance_clock(Duration::from_millis(u64::from(ms)));
    }
}

fn run(peer: &InProcess, card: Option<TestCard>) -> (FlowEnd, NoShowReport) {
    let key = key();
    let mut client = client(peer, &key);
    let mut customer = Customer { peer: peer.clone(), card };
    let mut report = NoShowReport::default();
    let mut buf = vec![0u8; 4096];
    let end = client.run_no_show(&FEE, POLL, &mut customer, &mut report, &mut buf).unwrap();
    (end, report)
}

fn captures(peer: &InProcess, report: &NoShowReport) -> usize {
    report.payment.as_ref().map_or(0, |p| peer.captures(p.id().as_str()).len())
}

#[test]
fn the_flow_charges_once_in_process() {
    let peer = InProcess::new(&Config::in_process());
    let start = peer.now();
    let (end, report) = run(&peer, Some(TestCard::SUCCESS));
    assert_eq!(end, FlowEnd::Charged);
    assert_eq!(report.setup.as_ref().unwrap().status(), SetupIntentStatus::Completed);
    assert_eq!(captures(&peer, &report), 1);
    // The customer authorized at once: one poll interval of emulator time, no real wait.
    assert_eq!(peer.now().unix_seconds() - start.unix_seconds(), 2);
}

#[test]
fn a_lost_charge_answer_settles_as_charged_through_the_charge_protocol() {
    let peer = InProcess::new(&Config::in_process());
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropAfterCommit)));
    let (end, report) = run(&peer, Some(TestCard::SUCCESS));
    assert_eq!(end, FlowEnd::Charged);
    let charge = report.charge.unwrap();
    assert!(charge.outcome_was_unknown, "the answer was lost: {charge:?}");
    assert_eq!(charge.sends, 1, "read back Captured: never sent again");
    assert_eq!(captures(&peer, &report), 1);
}

#[test]
fn a_charge_dropped_before_commit_is_resent_and_charged_once() {
    let peer = InProcess::new(&Config::in_process());
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::DropBeforeCommit)));
    let (end, report) = run(&peer, Some(TestCard::SUCCESS));
    assert_eq!(end, FlowEnd::Charged);
    assert_eq!(report.charge.unwrap().sends, 2, "read back Created after an unknown outcome: resent");
    assert_eq!(captures(&peer, &report), 1);
}

#[test]
fn a_cut_short_charge_answer_is_read_back() {
    let peer = InProcess::new(&Config::in_process());
    peer.with(|emu, _| emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::TruncateBody)));
    let (end, report) = run(&peer, Some(TestCard::SUCCESS));
    assert_eq!(end, FlowEnd::Charged);
    assert!(report.charge.unwrap().outcome_was_unknown);
    assert_eq!(captures(&peer, &report), 1);
}

#[test]
fn a_late_commit_is_never_reported_not_charged() {
    let peer = InProcess::new(&Config::in_process());
    peer.set_timeout(Some(Duration::from_secs(10)));
    // The charge commits 60 s after it was sent: the client times out first.
    peer.with(|emu, _| {
        emu.add_fault(Fault::once(Route::ChargePaymentIntent, FaultKind::Latency(Duration::from_secs(60))))
    });
    let (end, report) = run(&peer, Some(TestCard::SUCCESS));
    assert!(matches!(end, FlowEnd::Charged | FlowEnd::Pending), "{end:?}");
    peer.finish_held();
    assert_eq!(captures(&peer, &report), 1);
}

#[test]
fn a_declined_card_and_a_customer_who_never_comes() {
    let peer = InProcess::new(&Config::in_process());
    let (end, report) = run(&peer, None);
    assert_eq!(end, FlowEnd::NotAuthorized(Waited::TimedOut));
    assert!(report.payment.is_none());

    let peer = InProcess::new(&Config::in_process());
    let key = key();
    let mut client = client(&peer, &key);
    struct Decliner(InProcess);
    impl Kiosk for Decliner {
        fn show_checkout(&mut self, link: &str) {
            let id = link.rsplit('/').next().unwrap().to_owned();
            self.0.with(|emu, wall| {
                emu.authorize_setup_intent(&id, TestCard::SUCCESS, wall).unwrap();
                emu.decline_setup_intent(&id, wall).unwrap();
            });
        }
        fn now(&mut self) -> Timestamp {
            self.0.now()
        }
        fn wait_ms(&mut self, ms: u32) {
            self.0.advance_clock(Duration::from_millis(u64::from(ms)));
        }
    }
    let mut report = NoShowReport::default();
    let mut buf = vec![0u8; 4096];
    let end = client.run_no_show(&FEE, POLL, &mut Decliner(peer.clone()), &mut report, &mut buf).unwrap();
    assert_eq!(end, FlowEnd::NotCharged(NotCharged::Declined(CaptureStatus::Declined)));
    assert_eq!(report.charge.unwrap().outcome, Outcome::NotCharged(NotCharged::Declined(CaptureStatus::Declined)));
    assert_eq!(captures(&peer, &report), 0);
}
