#![no_main]
//! The desktop flow through dojo-ureq (ureq's real HTTP handling, dojo-ureq's exchange
//! loop and charge protocol) over dojo-sandbox's in-process ureq transport, with an
//! arbitrary fault script, customer behaviour, call timeout, power cut and a recovery from
//! the journal (written before each step, as `dojo resume` expects).
//!
//! Invariants, as in `kiosk_flow`: never two captures for a setup intent; never a charge
//! reported not charged that the emulator captured; every outcome typed; no panic.
//!
//! dojo-ureq sleeps for real between retries and settling steps, so the policies here
//! wait 0 ms (and honour no `Retry-After`): latency faults still move the emulator's clock.

use std::time::Duration;

use arbitrary::Arbitrary;
use dojo_core::charge::{NotCharged, Outcome, SettlePolicy};
use dojo_core::journal::{
    Action, BookingId, Event, JournalWriter, MemJournal, NotChargedReason, Reference, Settlement,
};
use dojo_core::lifecycle::{PaymentIntentState, SetupIntentState};
use dojo_core::request::{CreatePaymentIntentRequest, CreateSetupIntentRequest};
use dojo_core::{ApiKey, MerchantInitiatedTransactionType, Money, PaymentIntentStatus, SetupIntentStatus};
use dojo_sandbox::inprocess::{BASE_URL, FaultScript};
use dojo_sandbox::{Config, InProcess, TestCard};
use dojo_ureq::{ChargeReport, Client, RetryPolicy, Timeouts};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Customer {
    Authorizes,
    AuthorizesLate(u8),
    CardDeclined,
    AuthorizesThenDeclines,
    NeverComes,
    LetsItExpire,
}

#[derive(Debug, Arbitrary)]
struct Input {
    faults: FaultScript,
    customer: Customer,
    retries: u8,
    settle: SettlePolicy,
    /// The call timeout, seconds (at least 1).
    timeout_s: u8,
    crash: Option<(u8, bool)>,
    amount: Money,
}

struct Run {
    peer: InProcess,
    journal: JournalWriter<MemJournal<16>>,
    booking: BookingId,
    reports: Vec<ChargeReport>,
}

impl Run {
    fn journal(&mut self, event: Event) {
        if !self.peer.power_cut() {
            let _ = self.journal.append(self.booking, self.peer.now().unix_seconds(), event);
        }
    }

    fn settled(&mut self, r: &Result<ChargeReport, dojo_ureq::Error>) {
        if let Err(e) = r {
            let _ = e.class();
        }
        if let Ok(r) = r {
            self.reports.push(*r);
            let settlement = match r.outcome {
                Outcome::Charged => Settlement::Charged,
                Outcome::Pending => Settlement::Pending,
                Outcome::NotCharged(NotCharged::Canceled) => Settlement::NotCharged(NotChargedReason::Canceled),
                Outcome::NotCharged(_) => Settlement::NotCharged(NotChargedReason::Declined),
            };
            self.journal(Event::ChargeSettled { payment_intent: r.payment_intent, settlement });
        }
    }

    /// The customer's move at poll `n` (0: when the link is shown).
    fn customer(&self, customer: Customer, id: &str, n: u8) {
        let (card, now) = match customer {
            Customer::Authorizes | Customer::AuthorizesThenDeclines => (TestCard::SUCCESS, n == 0),
            Customer::AuthorizesLate(k) => (TestCard::SUCCESS, n == k % 8),
            Customer::CardDeclined => (TestCard::DECLINE, n == 0),
            Customer::LetsItExpire => (TestCard::SUCCESS, n == 1),
            Customer::NeverComes => return,
        };
        if !now {
            return;
        }
        if matches!(customer, Customer::LetsItExpire) {
            self.peer.advance_clock(Duration::from_secs(3 * 86_400));
        }
        self.peer.with(|emu, wall| {
            let _ = emu.authorize_setup_intent(id, card, wall);
            if matches!(customer, Customer::AuthorizesThenDeclines) {
                let _ = emu.decline_setup_intent(id, wall);
            }
        });
    }
}

fn client(peer: &InProcess, input: &Input) -> Option<Client> {
    let mut settle = input.settle;
    settle.max_read_backs = settle.max_read_backs.min(6);
    settle.max_resends = settle.max_resends.min(3);
    settle.delay_ms = 0;
    let retry =
        RetryPolicy { max_retries: input.retries % 4, base_delay_ms: 0, max_delay_ms: 0, max_retry_after_ms: 0 };
    let call = Duration::from_secs(u64::from(input.timeout_s.max(1)));
    Client::builder(ApiKey::new("sk_sandbox_fuzz_desktop").ok()?)
        .base_url(BASE_URL)
        .transport(peer.ureq_connector(), peer.ureq_resolver())
        .retry(retry)
        .settle(settle)
        .timeouts(Timeouts { connect: call, call })
        .build()
        .ok()
}

/// The first run: until it ends or the power goes. Returns the setup intent's id.
fn first_run(run: &mut Run, input: &Input, reference: Reference) -> Option<String> {
    let client = client(&run.peer, input)?;
    let amount = input.amount;
    run.journal(Event::SetupIntentCreating { reference });
    let body =
        CreateSetupIntentRequest::new("booking-1042", "No-show fee", MerchantInitiatedTransactionType::NoShow, amount);
    let answer = client.create_setup_intent(&body);
    let mut setup = SetupIntentState::from_response(&answer.ok()?.get());
    let id = setup.id();
    run.journal(Event::SetupIntentCreated { reference, setup_intent: id, amount });
    for n in 0..6u8 {
        run.customer(input.customer, id.as_str(), n);
        if let Ok(answer) = client.get_setup_intent(&id) {
            let _ = setup.observe_response(&answer.get());
        }
        if setup.effective_status(run.peer.now()) != SetupIntentStatus::Created {
            break;
        }
        run.peer.advance_clock(Duration::from_secs(2));
    }
    if setup.status() != SetupIntentStatus::Authorized {
        return Some(id.as_str().to_owned());
    }
    run.journal(Event::PaymentIntentCreating { reference, setup_intent: Some(id), amount });
    let body = CreatePaymentIntentRequest::for_setup_intent("fee", amount, id);
    let answer = client.create_payment_intent(&body);
    let Some(mut payment) = answer.ok().and_then(|a| PaymentIntentState::from_response(&a.get())) else {
        return Some(id.as_str().to_owned());
    };
    run.journal(Event::PaymentIntentCreated { payment_intent: payment.id() });
    run.journal(Event::ChargeSending { payment_intent: payment.id() });
    let r = client.charge(&mut payment, &mut setup);
    run.settled(&r);
    Some(id.as_str().to_owned())
}

fuzz_target!(|input: Input| {
    let peer = InProcess::new(&Config::in_process());
    input.faults.install(&peer);
    if let Some((at, committed)) = input.crash {
        peer.cut_power_at(u32::from(at), committed);
    }
    let Ok(reference) = Reference::new("booking-1042") else { return };
    let Ok((journal, _)) = JournalWriter::open::<4>(MemJournal::<16>::new()) else { return };
    let mut run = Run { peer: peer.clone(), journal, booking: BookingId(0), reports: Vec::new() };
    run.booking = run.journal.begin_booking();
    let setup_intent = first_run(&mut run, &input, reference);

    // The restart: the journal recovered, each open booking's charge settled or sent.
    peer.restore_power();
    let Some(client) = client(&peer, &input) else { return };
    let Run { journal, reports, booking, .. } = run;
    let Ok((journal, recovery)) = JournalWriter::open::<4>(journal.into_inner()) else { return };
    let mut run = Run { peer: peer.clone(), journal, booking, reports };
    for open in recovery.open() {
        run.booking = open.booking;
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
            client.charge(&mut payment, &mut setup)
        } else {
            client.reconcile_charge(&mut payment, &mut setup)
        };
        run.settled(&r);
    }

    peer.finish_held();
    if let Some(si) = setup_intent.as_deref() {
        let captures = peer.captures_of_setup_intent(si);
        assert!(captures <= 1, "{captures} captures for {si}");
    }
    for r in &run.reports {
        if let Outcome::NotCharged(why) = r.outcome {
            let captured = peer.captures(r.payment_intent.as_str()).len();
            assert_eq!(captured, 0, "reported not charged ({why:?}) but captured: {r:?}");
        }
    }
});
