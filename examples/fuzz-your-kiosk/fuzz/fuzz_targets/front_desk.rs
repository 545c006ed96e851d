#![no_main]
//! Your kiosk logic, through the SDK's real flow, against the Dojo emulator in process,
//! under arbitrary faults, fees, retry policies and customers.

use std::time::Duration;

use arbitrary::Arbitrary;
use dojo_core::exchange::RetryPolicy;
use dojo_core::{ApiKey, Money, request::Api};
use dojo_embedded_svc::Client;
use dojo_embedded_svc::kiosk::{FlowEnd, NoShowFee, NoShowReport, PollPolicy};
use dojo_sandbox::inprocess::{BASE_URL, FaultScript};
use dojo_sandbox::{Config, InProcess, TestCard};
use fuzz_your_kiosk::{Board, FrontDesk, Screen};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    faults: FaultScript, // drops, late commits, 5xx, Retry-After, cut-short answers
    fee: Money,          // valid-looking most of the time, edge cases the rest
    retry: RetryPolicy,
    pays_after_polls: Option<u8>, // None: the customer never comes
}

/// The board on the emulator's clock; the customer pays after some polls.
struct Emulated(InProcess, Option<u8>, u8);

impl Board for Emulated {
    fn now(&mut self) -> dojo_core::Timestamp {
        self.0.now()
    }
    fn sleep_ms(&mut self, ms: u32) {
        self.0.advance_clock(Duration::from_millis(ms.into()));
        self.2 += 1;
        if self.1 == Some(self.2) {
            for id in self.0.setup_intent_ids() {
                let _ = self.0.with(|emu, now| emu.authorize_setup_intent(&id, TestCard::SUCCESS, now));
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let peer = InProcess::new(&Config::in_process());
    input.faults.install(&peer);
    let key = ApiKey::new("sk_sandbox_fuzz").unwrap();
    let clock = peer.clone();
    let delay = move |ms: u32| clock.advance_clock(Duration::from_millis(ms.into()));
    let retry = RetryPolicy { max_retries: input.retry.max_retries % 4, ..input.retry };
    let mut client =
        Client::new(peer.connector(), Api::new(&key)).with_base_url(BASE_URL).unwrap().with_retries(retry, 1, delay);
    let mut desk = FrontDesk { board: Emulated(peer.clone(), input.pays_after_polls, 0), screen: Screen::Idle };
    let fee = NoShowFee { reference: "room-12", terms: "No-show fee", amount: input.fee, charge_reference: "fee" };
    let (mut report, mut buf) = (NoShowReport::default(), [0u8; 4096]);
    let end =
        client.run_no_show(&fee, PollPolicy { interval_ms: 2_000, max_polls: 5 }, &mut desk, &mut report, &mut buf);

    peer.finish_held(); // late commits land
    let captured = report.payment.map_or(0, |p| peer.captures(p.id().as_str()).len());
    // The SDK's promise: a card is charged at most once.
    assert!(captured <= 1);
    // Your screen's promises: "Fee taken" only when it was; "Nothing was taken" never when it was.
    assert_eq!(desk.screen == Screen::Charged, matches!(end, Ok(FlowEnd::Charged)));
    if desk.screen == Screen::Charged || desk.screen == Screen::NotCharged {
        assert_eq!(captured, usize::from(desk.screen == Screen::Charged), "{:?}", desk.screen);
    }
});
