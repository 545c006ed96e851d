#![no_main]
//! The kiosk's whole no-show flow (dojo-embedded-svc's `Client::run_no_show`, the code
//! the firmware runs) against the emulator in process, with an arbitrary fault script,
//! arbitrary customer behaviour, an arbitrary power cut and a recovery from the journal.
//!
//! The firmware's journal is a `MemJournal` written from the flow's progress steps (a
//! record before each step's effect can be lost: the payment intent's create, the charge);
//! after a power cut the device "restarts": `recover` reads the journal, and each open
//! booking's action is taken (read back and go on, send the charge, settle it).
//!
//! Invariants, on every input, once every held request has committed:
//! - never two captures for a setup intent (over every payment intent created from it,
//!   those whose answers were lost included);
//! - never a charge reported not charged that the emulator captured;
//! - every outcome typed (the flow's end, the charge reports, the errors), no panic.

use std::time::Duration;

use arbitrary::Arbitrary;
use dojo_core::charge::{ChargeReport, NotCharged, Outcome};
use dojo_core::journal::{
    Action, BookingId, Event, JournalWriter, MemJournal, NotChargedReason, Reference, Settlement,
};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::Api;
use dojo_core::{ApiKey, Money, PaymentIntentStatus, SetupIntentId, SetupIntentStatus, Timestamp};
use dojo_embedded_svc::kiosk::{FlowEnd, Kiosk, NoShowFee, NoShowReport, PollPolicy, Step};
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

#[derive(Debug, Arbitrary)]
struct Input {
    faults: FaultScript,
    customer: Customer,
    retry: RetryPolicy,
    settle: SettlePolicy,
    /// The connection's timeout in seconds (0: none).
    timeout_s: u8,
    /// The power cut: at request number `.0` (1-based), `.1`: that request committed.
    crash: Option<(u8, bool)>,
    amount: Money,
}

const KEY: &str = "sk_sandbox_fuzz_kiosk";

struct Kiosk1 {
    peer: InProcess,
    customer: Customer,
    setup_intent: Option<String>,
    polls: u32,
    journal: JournalWriter<MemJournal<16>>,
    booking: BookingId,
    reference: Reference,
    amount: Money,
}

impl Kiosk1 {
    /// Journals `event`, unless the power is cut (a dead device writes nothing).
    fn journal(&mut self, event: Event) {
        if self.peer.power_cut() {
            return;
        }
        let at = self.peer.now().unix_seconds();
        // A full journal would refuse the step; 16 slots hold one booking.
        let _ = self.journal.append(self.booking, at, event);
    }

    fn customer_acts(&mut self) {
        let Some(id) = self.setup_intent.clone() else { return };
        let act = match self.customer {
            Customer::Authorizes | Customer::AuthorizesThenDeclines => self.polls == 0,
            Customer::AuthorizesLate(n) => self.polls == u32::from(n % 6),
            Customer::CardDeclined => self.polls == 0,
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

impl Kiosk for Kiosk1 {
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

    fn progress(&mut self, step: Step) {
        let (reference, amount) = (self.reference, self.amount);
        match step {
            Step::SetupIntentCreated(setup_intent) => {
                self.journal(Event::SetupIntentCreated { reference, setup_intent, amount })
            }
            // Authorized: the flow creates the payment intent next.
            Step::Polled { status: SetupIntentStatus::Authorized, .. } => {
                let setup_intent = self.setup_intent.as_deref().and_then(|s| SetupIntentId::new(s).ok());
                self.journal(Event::PaymentIntentCreating { reference, setup_intent, amount })
            }
            // The flow charges next: the charge is journaled as being sent.
            Step::PaymentIntentCreated(payment_intent) => {
                self.journal(Event::PaymentIntentCreated { payment_intent });
                self.journal(Event::ChargeSending { payment_intent });
            }
            _ => {}
        }
    }
}

fn settlement(outcome: Outcome) -> Settlement {
    match outcome {
        Outcome::Charged => Settlement::Charged,
        Outcome::Pending => Settlement::Pending,
        Outcome::NotCharged(NotCharged::Canceled) => Settlement::NotCharged(NotChargedReason::Canceled),
        Outcome::NotCharged(NotCharged::Declined(s)) => {
            Settlement::NotCharged(NotChargedReason::from_capture_status(s).unwrap_or(NotChargedReason::Failed))
        }
        Outcome::NotCharged(_) => Settlement::NotCharged(NotChargedReason::Failed),
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

fuzz_target!(|input: Input| {
    let (retry, settle) = bounded(&input);
    let peer = InProcess::new(&Config::in_process());
    input.faults.install(&peer);
    peer.set_timeout((input.timeout_s > 0).then(|| Duration::from_secs(u64::from(input.timeout_s))));
    if let Some((at, committed)) = input.crash {
        peer.cut_power_at(u32::from(at), committed);
    }
    let Ok(key) = ApiKey::new(KEY) else { return };
    let Ok(reference) = Reference::new("booking-1042") else { return };
    let fee =
        NoShowFee { reference: "booking-1042", terms: "No-show fee", amount: input.amount, charge_reference: "fee" };
    // Five polls: enough for every customer to act (late ones after 0–5 polls), or not.
    let poll = PollPolicy { interval_ms: 2_000, max_polls: 5 };
    let Ok((journal, _)) = JournalWriter::open::<4>(MemJournal::<16>::new()) else { return };
    let mut kiosk = Kiosk1 {
        peer: peer.clone(),
        customer: input.customer,
        setup_intent: None,
        polls: 0,
        booking: BookingId(1),
        journal,
        reference,
        amount: input.amount,
    };
    kiosk.booking = kiosk.journal.begin_booking();
    let clock = peer.clone();
    let delay = move |ms: u32| clock.advance_clock(Duration::from_millis(u64::from(ms)));
    let Ok(client) = Client::new(peer.connector(), Api::new(&key)).with_base_url(BASE_URL) else { return };
    let mut client = client.with_retries(retry, 7, delay).with_settle_policy(settle);
    let mut buf = vec![0u8; 4096];
    let mut reports: Vec<ChargeReport> = Vec::new();

    // The first run, until it ends or the power goes.
    let mut report = NoShowReport::default();
    // Every outcome typed: a `FlowEnd`, or an error of a known class.
    if let Err(e) = client.run_no_show(&fee, poll, &mut kiosk, &mut report, &mut buf) {
        let _ = e.class();
    }
    if let Some(charge) = report.charge {
        reports.push(charge);
        kiosk.journal(Event::ChargeSettled {
            payment_intent: charge.payment_intent,
            settlement: settlement(charge.outcome),
        });
    }

    // The restart: a new client, the journal recovered, each open booking's action. Only
    // after a power cut or a run that did not finish (an error, or a charge pending): a
    // finished run leaves no booking this harness acts on.
    let finished = matches!(report.end, Some(FlowEnd::Charged | FlowEnd::NotCharged(_) | FlowEnd::NotAuthorized(_)));
    if peer.power_cut() || !finished {
        restart(&peer, &key, retry, settle, kiosk.journal.into_inner(), &mut reports, &mut buf);
    }
    check(&peer, kiosk.setup_intent.as_deref(), &reports);
});

/// After a restart: a new client, the journal recovered, each open booking's action.
fn restart(
    peer: &InProcess,
    key: &ApiKey,
    retry: RetryPolicy,
    settle: SettlePolicy,
    journal: MemJournal<16>,
    reports: &mut Vec<ChargeReport>,
    buf: &mut [u8],
) {
    peer.restore_power();
    let clock = peer.clone();
    let delay = move |ms: u32| clock.advance_clock(Duration::from_millis(u64::from(ms)));
    let Ok(client) = Client::new(peer.connector(), Api::new(key)).with_base_url(BASE_URL) else { return };
    let mut client = client.with_retries(retry, 11, delay).with_settle_policy(settle);
    let Ok((_, recovery)) = JournalWriter::open::<4>(journal) else { return };
    for open in recovery.open() {
        // Read back, find the orphan, abandon: these charge nothing here (an orphan
        // payment intent is never charged: the invariant checks it).
        let (payment_intent, send) = match open.action() {
            Some(Action::SettleCharge { payment_intent, .. } | Action::ReportPending { payment_intent, .. }) => {
                (payment_intent, false)
            }
            Some(Action::SendCharge { payment_intent }) => (payment_intent, true),
            _ => continue,
        };
        let (Some(si), Some(amount)) = (open.setup_intent, open.amount) else { continue };
        let mut payment = PaymentIntentState::new(payment_intent, PaymentIntentStatus::Created, amount, Some(si));
        let mut setup = SetupIntentState::new(si, SetupIntentStatus::Authorized, None, Some(amount));
        let r = if send {
            client.charge(&mut payment, &mut setup, peer.now(), buf)
        } else {
            client.reconcile_charge(&mut payment, &mut setup, buf)
        };
        match r {
            Ok(r) => reports.push(r),
            Err(e) => {
                let _ = e.class();
            }
        }
    }
}

/// Every request held past a timeout commits; then what the server did is checked.
fn check(peer: &InProcess, setup_intent: Option<&str>, reports: &[ChargeReport]) {
    peer.finish_held();
    if let Some(si) = setup_intent {
        let captures = peer.captures_of_setup_intent(si);
        assert!(captures <= 1, "{captures} captures for {si}");
    }
    for r in reports {
        if let Outcome::NotCharged(why) = r.outcome {
            let captured = peer.captures(r.payment_intent.as_str()).len();
            assert_eq!(captured, 0, "reported not charged ({why:?}) but captured: {r:?}");
        }
    }
}
