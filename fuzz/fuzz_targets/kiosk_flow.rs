#![no_main]
//! The kiosk's journaled no-show flow (dojo-embedded-svc's `Client::enroll`,
//! `Client::settle` and `Client::recover_booking`, the code the firmware runs) against the
//! emulator in process, with an arbitrary fault script, arbitrary customer behaviour, and
//! an arbitrary power cut: at a request (committed or not) or at a journal step (before or
//! after the record is stored). Then the device restarts (client and journal dropped; the
//! journal reopened over the same storage) and boots recover every open booking:
//! `recover_booking`, and `settle` for a booking found enrolled.
//!
//! The journal is a `MemJournal` behind a power switch (not a `FlashJournal` over a flash
//! simulation: the flow's journal calls are the same, the `FlashJournal` has its own
//! power-cut tests in dojo-embedded-svc, and the fuzzer's time goes to the flow).
//!
//! Invariants, on every input, once every held request has committed:
//! - never two captures for a setup intent (over every payment intent created from it,
//!   those whose answers were lost included);
//! - never a charge reported or journaled "not charged" that the emulator captured;
//! - every outcome typed (the flow's results, the errors), no panic;
//! - no booking lost: a setup intent exists only for a journaled booking, and the booking
//!   ends charged, not charged with a reason, closed, or open with its action and ids.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use arbitrary::Arbitrary;
use dojo_core::charge::Outcome;
use dojo_core::journal::{BookingId, Event, Journal, JournalError, JournalWriter, MemJournal, RECORD_LEN, Record};
use dojo_core::journal::{Settlement, Stage};
use dojo_core::request::Api;
use dojo_core::{ApiKey, Money, Timestamp};
use dojo_embedded_svc::kiosk::{Arrival, Enrollment, Kiosk, NoShowFee, PollPolicy, Settled};
use dojo_embedded_svc::{Client, RetryPolicy, SettlePolicy};
use dojo_sandbox::inprocess::{BASE_URL, FaultScript};
use dojo_sandbox::{Config, InProcess, TestCard};
use libfuzzer_sys::fuzz_target;

/// What the customer does once the checkout link is shown.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Customer {
    Authorizes,
    /// Authorizes after this many poll intervals.
    AuthorizesLate(u8),
    /// The checkout attempt is declined (the setup intent stays Created).
    CardDeclined,
    /// Authorizes, then every charge of the card is declined.
    AuthorizesThenDeclines,
    NeverComes,
    /// Waits until the setup intent has expired, then tries.
    LetsItExpire,
}

/// Where the power goes in the first run.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Crash {
    /// At request number `.0` (1-based); `.1`: that request committed.
    Request(u8, bool),
    /// Before journal append number `.0` (1-based): the record is not stored.
    BeforeRecord(u8),
    /// After journal append number `.0`: the record is stored, nothing more happens.
    AfterRecord(u8),
}

#[derive(Debug, Arbitrary)]
struct Input {
    faults: FaultScript,
    customer: Customer,
    retry: RetryPolicy,
    settle: SettlePolicy,
    /// The connection's timeout in seconds (0: none).
    timeout_s: u8,
    crash: Option<Crash>,
    /// Whether the guest came (the card is released) or not (the fee is charged).
    arrived: bool,
    amount: Money,
}

const KEY: &str = "sk_sandbox_fuzz_kiosk";
const CHARGE_REFERENCE: &str = "fee";
/// Boots after the first run (faults stay installed: a boot may fail too).
const BOOTS: usize = 2;

/// A dead device writes nothing.
#[derive(Debug)]
struct PowerOff;

/// The journal's storage behind the device's power: it refuses appends while the power is
/// off (the peer's cut, or a cut scheduled at an append).
struct Powered {
    /// Boxed: 16 records are 6 KiB, and the storage moves in and out of the writer at
    /// every boot.
    inner: Box<MemJournal<16>>,
    peer: InProcess,
    appends: u32,
    crash: Option<Crash>,
    dead: Rc<Cell<bool>>,
}

fn inner<E>(e: JournalError<std::convert::Infallible>) -> JournalError<E> {
    match e {
        JournalError::Full => JournalError::Full,
        JournalError::Corrupt => JournalError::Corrupt,
        JournalError::UnsupportedVersion { found, slot } => JournalError::UnsupportedVersion { found, slot },
        _ => JournalError::Corrupt,
    }
}

impl Journal for Powered {
    type Error = PowerOff;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), JournalError<PowerOff>> {
        if self.dead.get() || self.peer.power_cut() {
            return Err(JournalError::Io(PowerOff));
        }
        self.appends += 1;
        let n = self.appends;
        if matches!(self.crash, Some(Crash::BeforeRecord(k)) if u32::from(k) == n) {
            self.dead.set(true);
            self.peer.cut_power_at(1, false);
            return Err(JournalError::Io(PowerOff));
        }
        self.inner.append(record).map_err(inner)?;
        if matches!(self.crash, Some(Crash::AfterRecord(k)) if u32::from(k) == n) {
            // Stored; then the device dies: its next request never leaves.
            self.dead.set(true);
            self.peer.cut_power_at(1, false);
        }
        Ok(())
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result<(), JournalError<PowerOff>> {
        self.inner.for_each(visit).map_err(inner)
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result<(), JournalError<PowerOff>> {
        self.inner.retain(keep).map_err(inner)
    }
}

struct Screen {
    peer: InProcess,
    customer: Customer,
    setup_intent: Option<String>,
    polls: u32,
}

impl Screen {
    fn customer_acts(&mut self) {
        let Some(id) = self.setup_intent.clone() else { return };
        let act = match self.customer {
            Customer::Authorizes | Customer::AuthorizesThenDeclines | Customer::CardDeclined => self.polls == 0,
            Customer::AuthorizesLate(n) => self.polls == u32::from(n % 6),
            Customer::LetsItExpire => {
                if self.polls == 0 {
                    self.peer.advance_clock(Duration::from_secs(3 * 86_400));
                }
                self.polls == 0
            }
            Customer::NeverComes => false,
        };
        if !act {
            return;
        }
        self.peer.with(|emu, wall| {
            let card =
                if matches!(self.customer, Customer::CardDeclined) { TestCard::DECLINE } else { TestCard::SUCCESS };
            let _ = emu.authorize_setup_intent(&id, card, wall);
            if matches!(self.customer, Customer::AuthorizesThenDeclines) {
                let _ = emu.decline_setup_intent(&id, wall);
            }
        });
    }
}

impl Kiosk for Screen {
    fn show_checkout(&mut self, link: &str) {
        self.setup_intent = link.rsplit('/').next().map(str::to_owned);
        self.customer_acts();
    }

    fn now(&mut self) -> Timestamp {
        self.peer.now()
    }

    fn wait_ms(&mut self, ms: u32) {
        self.peer.advance_clock(Duration::from_millis(u64::from(ms)));
        self.polls += 1;
        self.customer_acts();
    }
}

/// The policies, bounded so that one input stays a few hundred requests at most (the
/// edge cases of `RetryPolicy` and `SettlePolicy` allow 255 retries of each of 255
/// read-backs: correct, but a fuzzer's time is better spent elsewhere).
fn bounded(input: &Input) -> (RetryPolicy, SettlePolicy) {
    let mut retry = input.retry;
    retry.max_retries = retry.max_retries.min(4);
    let mut settle = input.settle;
    settle.max_read_backs = settle.max_read_backs.min(6);
    settle.max_resends = settle.max_resends.min(3);
    (retry, settle)
}

/// Not charged, as a settled step says it.
fn not_charged(settled: &Settled) -> Option<&str> {
    match settled {
        Settled::Charge(r) if matches!(r.outcome, Outcome::NotCharged(_)) => Some(r.payment_intent.as_str()),
        _ => None,
    }
}

fuzz_target!(|input: Input| {
    let (retry, settle) = bounded(&input);
    let peer = InProcess::new(&Config::in_process());
    input.faults.install(&peer);
    peer.set_timeout((input.timeout_s > 0).then(|| Duration::from_secs(u64::from(input.timeout_s))));
    if let Some(Crash::Request(at, committed)) = input.crash {
        peer.cut_power_at(u32::from(at), committed);
    }
    let Ok(key) = ApiKey::new(KEY) else { return };
    let fee = NoShowFee {
        reference: "booking-1042",
        terms: "No-show fee",
        amount: input.amount,
        charge_reference: CHARGE_REFERENCE,
    };
    // Five polls: enough for every customer to act (late ones after 0–5 polls), or not.
    let poll = PollPolicy { interval_ms: 2_000, max_polls: 5 };
    let arrival = if input.arrived { Arrival::Arrived } else { Arrival::NoShow };
    let dead = Rc::new(Cell::new(false));
    let storage = Powered {
        inner: Box::new(MemJournal::new()),
        peer: peer.clone(),
        appends: 0,
        crash: input.crash,
        dead: dead.clone(),
    };
    let mut screen = Screen { peer: peer.clone(), customer: input.customer, setup_intent: None, polls: 0 };
    let mut buf = vec![0u8; 4096];
    // What the flow said "not charged" about (payment intent ids).
    let mut said_not_charged: Vec<String> = Vec::new();

    // The first run: enroll, then settle the booking (the guest came or not).
    let Ok((mut journal, _)) = JournalWriter::open::<4>(storage) else { return };
    {
        let clock = peer.clone();
        let delay = move |ms: u32| clock.advance_clock(Duration::from_millis(u64::from(ms)));
        let Ok(client) = Client::new(peer.connector(), Api::new(&key)).with_base_url(BASE_URL) else { return };
        let mut client = client.with_retries(retry, 7, delay).with_settle_policy(settle);
        // Every outcome typed: a result, or an error of a known class.
        let enrolled = match client.enroll(&mut journal, &fee, poll, &mut screen, &mut buf) {
            Ok(Enrollment::Authorized(e)) => Some((e, arrival)),
            // Still awaiting the customer when the kiosk stops polling: released.
            Ok(Enrollment::Waiting(e, _)) => Some((e, Arrival::Arrived)),
            Ok(Enrollment::Ended(_)) => None,
            Err(e) => {
                let _ = format!("{e}");
                None
            }
        };
        if let Some((enrolled, arrival)) = enrolled {
            match client.settle(&mut journal, &enrolled, arrival, CHARGE_REFERENCE, &mut screen, &mut buf) {
                Ok(s) => said_not_charged.extend(not_charged(&s).map(str::to_owned)),
                Err(e) => {
                    let _ = format!("{e}");
                }
            }
        }
    }

    // Restarts: everything but the storage dropped; each boot acts on every open booking.
    let mut storage = journal.into_inner();
    for _ in 0..BOOTS {
        peer.restore_power();
        dead.set(false);
        storage.crash = None;
        let clock = peer.clone();
        let delay = move |ms: u32| clock.advance_clock(Duration::from_millis(u64::from(ms)));
        let Ok(client) = Client::new(peer.connector(), Api::new(&key)).with_base_url(BASE_URL) else { return };
        let mut client = client.with_retries(retry, 11, delay).with_settle_policy(settle);
        let (mut journal, recovery) = JournalWriter::open::<4>(storage).expect("the journal reopens");
        assert!(recovery.stats().is_clean(), "{}", recovery.stats());
        for open in recovery.open() {
            let settled = match client.recover_booking(&mut journal, open, &mut screen, &mut buf) {
                Ok(Settled::Enrolled(enrolled)) => {
                    client.settle(&mut journal, &enrolled, arrival, CHARGE_REFERENCE, &mut screen, &mut buf)
                }
                other => other,
            };
            match settled {
                Ok(s) => said_not_charged.extend(not_charged(&s).map(str::to_owned)),
                Err(e) => {
                    let _ = format!("{e}");
                }
            }
        }
        storage = journal.into_inner();
    }

    check(&peer, screen.setup_intent.as_deref(), &said_not_charged, storage.inner);
});

/// Every request held past a timeout commits; then what the server did is checked
/// against what the flow said and what the journal holds.
fn check(peer: &InProcess, setup_intent: Option<&str>, said_not_charged: &[String], mut journal: Box<MemJournal<16>>) {
    peer.finish_held();
    let captures = setup_intent.map_or(0, |si| peer.captures_of_setup_intent(si));
    assert!(captures <= 1, "{captures} captures for {setup_intent:?}");
    for pi in said_not_charged {
        assert!(peer.captures(pi).is_empty(), "reported not charged but captured: {pi}");
    }

    // The booking's newest record (one booking per input): the last slot that decodes
    // (decoded from the end: one decode, not one per slot).
    let mut slots: Vec<[u8; RECORD_LEN]> = Vec::new();
    let _ = journal.for_each(&mut |bytes| slots.push(*bytes));
    let newest = slots.iter().rev().find_map(|bytes| Record::decode(bytes).ok());
    let Some(newest) = newest else {
        // Nothing journaled: nothing may exist on the server.
        assert!(setup_intent.is_none(), "setup intent {setup_intent:?} of a booking the journal does not hold");
        return;
    };
    assert_eq!(newest.booking, BookingId(1));
    if let Event::ChargeSettled { settlement: Settlement::NotCharged(why), payment_intent } = newest.event {
        assert!(peer.captures(payment_intent.as_str()).is_empty(), "journaled not charged ({why:?}) but captured");
    }
    if newest.event.finishes() {
        return;
    }
    // Open: recovery holds it with its ids and an action.
    let (_, recovery) = JournalWriter::open::<4>(&mut *journal).expect("the journal reopens");
    let open = recovery.open().first().expect("an unfinished booking is open");
    assert_eq!(open.booking, newest.booking);
    match open.stage {
        Stage::SetupIntentCreating => {}
        _ => assert!(open.setup_intent.is_some() || open.payment_intent.is_some(), "open without ids: {open:?}"),
    }
    assert!(open.action().is_some(), "open booking without an action: {open:?}");
}
