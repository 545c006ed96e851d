//! The kiosk flow across reboots, against dojo-sandbox over loopback TCP, with its
//! journal on a simulated NOR flash (`FlashJournal`):
//!
//! - `enroll`, then a "reboot" (every value dropped; a new client and a new journal over
//!   the same flash), `recover_booking` at boot, then `settle`: charged exactly once, or
//!   released (the setup intent canceled) when the guest came;
//! - a power cut before and after every journal record (the journal panics there and
//!   everything is dropped), then boots that recover until nothing is open: the card is
//!   charged exactly once whenever the customer authorized it, never twice, and no
//!   booking is left open.
#![cfg(feature = "flash-journal")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/sim_flash.rs"]
mod sim_flash;

use std::cell::Cell;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use common::tcp::{HostError, TcpConnection};
use dojo_core::charge::Outcome;
use dojo_core::journal::{CloseReason, Journal, JournalError, JournalWriter, RECORD_LEN};
use dojo_core::request::{Api, Cursor, SearchPaymentIntentsRequest};
use dojo_core::*;
use dojo_embedded_svc::flash_journal::FlashJournal;
use dojo_embedded_svc::kiosk::{Arrival, Enrolled, Enrollment, Kiosk, NoShowFee, PollPolicy, Settled};
use dojo_embedded_svc::{Client, Connect, NoDelay, RetryPolicy};
use dojo_sandbox::{Config, Sandbox, TestCard};

type Flash = sim_flash::Sim<4, 4096>;
const RANGE: core::ops::Range<u32> = 0..4096 * 4;
const BUF: usize = 4096;
const CHARGE_REFERENCE: &str = "No-show Table 12";

const FEE: NoShowFee<'static> = NoShowFee {
    reference: "Table 12, 8pm",
    terms: "If you do not arrive, we charge a no-show fee of \u{a3}10.00.",
    amount: Money::gbp(1000),
    charge_reference: CHARGE_REFERENCE,
};

const POLL: PollPolicy = PollPolicy { interval_ms: 1, max_polls: 20 };

fn client<'k>(sb: &'k Sandbox, key: &'k ApiKey) -> Client<'k, impl Connect<Connection = TcpConnection>, NoDelay> {
    let a: SocketAddr = sb.base_url().strip_prefix("http://").unwrap().parse().unwrap();
    Client::new(move || Ok::<_, HostError>(TcpConnection::new(a)), Api::new(key))
        .with_base_url(sb.base_url())
        .unwrap()
        .with_retries(RetryPolicy::DEFAULT, 7, NoDelay)
}

/// The kiosk: showing the link makes the sandbox's customer authorize it.
struct Screen<'s> {
    sb: &'s Sandbox,
    authorize: bool,
}

impl Kiosk for Screen<'_> {
    fn show_checkout(&mut self, link: &str) {
        if self.authorize {
            self.sb.authorize_setup_intent(link.rsplit('/').next().unwrap(), TestCard::SUCCESS).unwrap();
        }
    }
    fn now(&mut self) -> Timestamp {
        self.sb.now()
    }
    fn wait_ms(&mut self, _ms: u32) {}
}

/// A journal that loses power before its `before`-th append or after its `after`-th
/// (a panic, caught by the test, that drops everything).
struct Crashing<J> {
    inner: J,
    appends: Rc<Cell<usize>>,
    before: Option<usize>,
    after: Option<usize>,
}

impl<J: Journal> Journal for Crashing<J> {
    type Error = J::Error;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), JournalError<J::Error>> {
        let n = self.appends.get() + 1;
        if self.before == Some(n) {
            panic!("power cut before record {n}");
        }
        self.inner.append(record)?;
        self.appends.set(n);
        if self.after == Some(n) {
            panic!("power cut after record {n}");
        }
        Ok(())
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result<(), JournalError<J::Error>> {
        self.inner.for_each(visit)
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result<(), JournalError<J::Error>> {
        self.inner.retain(keep)
    }
}

fn journal(flash: &Flash) -> JournalWriter<FlashJournal<Flash>> {
    JournalWriter::open::<8>(FlashJournal::new(flash.clone(), RANGE).unwrap()).unwrap().0
}

/// One boot: open the journal, act on every open booking (settling enrolled ones as
/// no-shows), compact. Returns what each booking came to.
fn boot(sb: &Sandbox, flash: &Flash) -> Vec<Settled> {
    let key = ApiKey::new("sk_sandbox_kiosk_secret").unwrap();
    let mut client = client(sb, &key);
    let mut screen = Screen { sb, authorize: false };
    let mut buf = vec![0u8; BUF];
    let (mut writer, recovery) = JournalWriter::open::<8>(FlashJournal::new(flash.clone(), RANGE).unwrap()).unwrap();
    assert!(recovery.stats().is_clean(), "{}", recovery.stats());
    let mut out = Vec::new();
    for open in recovery.open() {
        let settled = client.recover_booking(&mut writer, open, &mut screen, &mut buf).unwrap();
        let settled = match settled {
            Settled::Enrolled(enrolled) => {
                client.settle(&mut writer, &enrolled, Arrival::NoShow, CHARGE_REFERENCE, &mut screen, &mut buf).unwrap()
            }
            Settled::AwaitingAuthorization(enrolled) => {
                // The customer scans the code later.
                sb.authorize_setup_intent(enrolled.setup_intent.as_str(), TestCard::SUCCESS).unwrap();
                Settled::AwaitingAuthorization(enrolled)
            }
            other => other,
        };
        out.push(settled);
    }
    writer.compact::<8>().unwrap();
    out
}

/// Payment intents of the charge reference, and how many of them are captured.
fn payment_intents(sb: &Sandbox) -> (usize, usize) {
    let key = ApiKey::new("sk_sandbox_kiosk_secret").unwrap();
    let mut client = client(sb, &key);
    let mut buf = vec![0u8; 16 * 1024];
    let body = SearchPaymentIntentsRequest {
        statuses: None,
        start_date: None,
        end_date: None,
        cursor: Some(Cursor { limit: Some(100), before: None, after: None }),
    };
    let page = client.search_payment_intents(&body, &mut buf).unwrap();
    let mut total = 0;
    let mut captured = 0;
    for pi in page.data.iter().flat_map(|d| d.iter()) {
        let pi = pi.expect("every payment intent of the page decodes");
        if pi.reference.is_some_and(|r| r == CHARGE_REFERENCE) {
            total += 1;
            captured += usize::from(pi.status == PaymentIntentStatus::Captured);
        }
    }
    (total, captured)
}

#[test]
fn enroll_then_reboot_then_settle_charges_once() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let flash = Flash::new(4);
    let key = ApiKey::new("sk_sandbox_kiosk_secret").unwrap();
    {
        let mut client = client(&sb, &key);
        let mut writer = journal(&flash);
        let mut buf = vec![0u8; BUF];
        let end = client.enroll(&mut writer, &FEE, POLL, &mut Screen { sb: &sb, authorize: true }, &mut buf).unwrap();
        assert!(matches!(end, Enrollment::Authorized(_)), "{end:?}");
    } // The kiosk reboots: client, journal and buffer are gone; the flash stays.
    let settled = boot(&sb, &flash);
    let [Settled::Charge(report)] = settled.as_slice() else { panic!("{settled:?}") };
    assert_eq!(report.outcome, Outcome::Charged);
    assert_eq!(sb.captures(report.payment_intent.as_str()).len(), 1);
    assert_eq!(payment_intents(&sb), (1, 1));
    assert!(boot(&sb, &flash).is_empty(), "nothing left open");
}

#[test]
fn a_guest_who_came_has_the_card_released() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let flash = Flash::new(4);
    let key = ApiKey::new("sk_sandbox_kiosk_secret").unwrap();
    let mut buf = vec![0u8; BUF];
    let enrolled: Enrolled = {
        let mut client = client(&sb, &key);
        let mut writer = journal(&flash);
        match client.enroll(&mut writer, &FEE, POLL, &mut Screen { sb: &sb, authorize: true }, &mut buf).unwrap() {
            Enrollment::Authorized(e) => e,
            other => panic!("{other:?}"),
        }
    };
    // Reboot; the journal gives the booking back, the guest is here.
    let mut client = client(&sb, &key);
    let (mut writer, recovery) = JournalWriter::open::<8>(FlashJournal::new(flash.clone(), RANGE).unwrap()).unwrap();
    let [open] = recovery.open() else { panic!("one open booking") };
    assert_eq!(Enrolled::from_open(open), Some(enrolled));
    let mut screen = Screen { sb: &sb, authorize: false };
    let settled = client.settle(&mut writer, &enrolled, Arrival::Arrived, CHARGE_REFERENCE, &mut screen, &mut buf);
    assert_eq!(settled.unwrap(), Settled::Closed(CloseReason::Completed));
    let si = client.get_setup_intent(&enrolled.setup_intent, &mut buf).unwrap();
    assert_eq!(
        si.status,
        SetupIntentStatus::Closed,
        "an authorized setup intent canceled with includeAuthorized is Closed"
    );
    assert!(boot(&sb, &flash).is_empty());
    assert_eq!(payment_intents(&sb), (0, 0));
}

/// The flow with a power cut at `before`/`after` a record, then boots until nothing is
/// open. Returns the payment intents of the reference and how many are captured.
fn crash_and_recover(before: Option<usize>, after: Option<usize>) -> (usize, usize) {
    let sb = Sandbox::start(Config::default()).unwrap();
    let flash = Flash::new(4);
    let key = ApiKey::new("sk_sandbox_kiosk_secret").unwrap();
    let appends = Rc::new(Cell::new(0));
    let crashed = catch_unwind(AssertUnwindSafe(|| {
        let mut client = client(&sb, &key);
        let inner = FlashJournal::new(flash.clone(), RANGE).unwrap();
        let crashing = Crashing { inner, appends: appends.clone(), before, after };
        let (mut writer, _) = JournalWriter::open::<8>(crashing).unwrap();
        let mut buf = vec![0u8; BUF];
        let mut screen = Screen { sb: &sb, authorize: true };
        let Enrollment::Authorized(enrolled) = client.enroll(&mut writer, &FEE, POLL, &mut screen, &mut buf).unwrap()
        else {
            panic!("not authorized")
        };
        // Hours later, the same boot: the guest did not come.
        client.settle(&mut writer, &enrolled, Arrival::NoShow, CHARGE_REFERENCE, &mut screen, &mut buf).unwrap()
    }));
    let mut boots = 0;
    loop {
        let settled = boot(&sb, &flash);
        if settled.is_empty() {
            break;
        }
        for s in &settled {
            assert!(!matches!(s, Settled::Ambiguous(_)), "{s:?}");
            if let Settled::Charge(r) = s {
                assert_ne!(r.outcome, Outcome::Pending, "the sandbox settles at once");
            }
        }
        boots += 1;
        assert!(boots < 4, "still open after {boots} boots: {settled:?}");
    }
    let found = payment_intents(&sb);
    if crashed.is_ok() {
        assert_eq!(found, (1, 1), "no crash: charged once");
    }
    found
}

#[test]
fn a_power_cut_at_every_journal_step_is_recovered_without_a_double_or_lost_charge() {
    // Records: 1 SetupIntentCreating, 2 SetupIntentCreated, 3 PaymentIntentCreating,
    // 4 PaymentIntentCreated, 5 ChargeSending, 6 ChargeSettled.
    for n in 1..=6 {
        // Before record n: the step it announces never happens.
        let (total, captured) = crash_and_recover(Some(n), None);
        match n {
            // No setup intent the customer could authorize: nothing to charge.
            1 | 2 => assert_eq!((total, captured), (0, 0), "cut before record {n}"),
            // Charged exactly once, by recovery (no payment intent orphaned twice).
            _ => assert_eq!((total, captured), (1, 1), "cut before record {n}"),
        }
        // After record n: its step's effect is unknown to the journal.
        let (total, captured) = crash_and_recover(None, Some(n));
        match n {
            1 => assert_eq!((total, captured), (0, 0), "cut after record {n}"),
            _ => assert_eq!((total, captured), (1, 1), "cut after record {n}"),
        }
    }
    // No cut: the flow finishes by itself.
    assert_eq!(crash_and_recover(None, None), (1, 1));
}
