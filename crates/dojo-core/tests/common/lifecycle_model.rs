// The lifecycle's reference model and the harness that drives dojo-core's lifecycle
// beside it. Shared by the proptest-state-machine test (tests/lifecycle_state_machine.rs)
// and the cargo-fuzz target `lifecycle_ops`, which derive the operations differently.
// The model is plain data, written without looking at the lifecycle's code.
//
// The fuzz target derives `Arbitrary` for the operations: always in fuzz/ (`--cfg fuzzing`
// under cargo fuzz, and a plain `cargo check` there, which is not a test build), never
// in the integration test (a test build, without the `arbitrary` crate's derive).

use dojo_core::lifecycle::{ChargeOutcome, PaymentIntentState, SetupIntentState};
use dojo_core::{
    CaptureStatus, Money, PaymentIntentId, PaymentIntentStatus, SetupIntentId, SetupIntentStatus, Timestamp,
};

const INTENDED: i64 = 1000;
const START: i64 = 1_772_400_000;
const TTL: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(any(fuzzing, not(test)), derive(arbitrary::Arbitrary))]
pub(crate) enum Si {
    Created,
    Authorized,
    Canceled,
    Completed,
    Expired,
    CardExpired,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(any(fuzzing, not(test)), derive(arbitrary::Arbitrary))]
pub(crate) enum Pi {
    Created,
    Authorized,
    Captured,
    Reversed,
    Refunded,
    Canceled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Charge {
    None,
    Declined,
    Unknown,
    /// Unknown, then read back uncharged: it may still land; never "not charged".
    Pending,
    Done,
}

#[derive(Clone, Debug)]
struct PiModel {
    amount: i64,
    from_si: bool,
    status: Pi,
    charge: Charge,
    refunded: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    now: i64,
    si: Si,
    pi: Option<PiModel>,
    successful_charges: u32,
    /// Whether the model allowed the last operation.
    allowed: bool,
}

/// The documented setup-intent moves, as a list.
const SI_MOVES: [(Si, Si); 6] = [
    (Si::Created, Si::Authorized),
    (Si::Created, Si::Expired),
    (Si::Created, Si::Canceled),
    (Si::Authorized, Si::Completed),
    (Si::Authorized, Si::Closed),
    (Si::Authorized, Si::CardExpired),
];

const PI_MOVES: [(Pi, Pi); 7] = [
    (Pi::Created, Pi::Authorized),
    (Pi::Created, Pi::Captured),
    (Pi::Created, Pi::Canceled),
    (Pi::Authorized, Pi::Captured),
    (Pi::Authorized, Pi::Reversed),
    (Pi::Captured, Pi::Reversed),
    (Pi::Captured, Pi::Refunded),
];

impl Model {
    pub(crate) fn new() -> Self {
        Model { now: START, si: Si::Created, pi: None, successful_charges: 0, allowed: true }
    }

    /// Applies `op` to the model; `allowed` says whether the model accepted it.
    pub(crate) fn apply(&mut self, op: &Op) {
        let s = self;
        s.allowed = true;
        match *op {
            Op::AdvanceTime(secs) => s.now = s.now.saturating_add(secs),
            Op::CustomerAuthorizes => {
                // The server reports Authorized: a move from Created, or no change.
                s.allowed = matches!(s.si, Si::Created | Si::Authorized);
                if s.allowed {
                    s.si = Si::Authorized;
                }
            }
            Op::CardExpires => {
                s.allowed = matches!(s.si, Si::Authorized | Si::CardExpired);
                if s.allowed {
                    s.si = Si::CardExpired;
                }
            }
            Op::CancelSetupIntent { include_authorized } => {
                let eff = s.effective_si();
                s.allowed = eff == Si::Created || (eff == Si::Authorized && include_authorized);
                if s.allowed {
                    s.si = if eff == Si::Created { Si::Canceled } else { Si::Closed };
                }
            }
            Op::ServerReportsSetupIntent(to) => {
                s.allowed = to == s.si || SI_MOVES.contains(&(s.si, to));
                if s.allowed {
                    s.si = to;
                }
            }
            Op::CreatePaymentIntent { amount, from_si } => {
                // The client checks the amount against the intended amount when the
                // payment intent is for this setup intent; one payment intent per run.
                s.allowed = s.pi.is_none() && (!from_si || amount == INTENDED);
                if s.allowed {
                    s.pi = Some(PiModel { amount, from_si, status: Pi::Created, charge: Charge::None, refunded: 0 });
                }
            }
            Op::Charge(choice) => {
                let ok = s.may_charge();
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    match choice {
                        CaptureStatusChoice::Successful => {
                            p.charge = Charge::Done;
                            p.status = Pi::Captured;
                            s.si = Si::Completed;
                            s.successful_charges += 1;
                        }
                        CaptureStatusChoice::Declined | CaptureStatusChoice::Failed => p.charge = Charge::Declined,
                    }
                }
            }
            Op::ChargeOutcomeLost => {
                // A charge attempt whose answer never arrives.
                let ok = s.may_charge();
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    p.charge = Charge::Unknown;
                }
            }
            Op::ChargeRefused => {
                // A charge attempt the server refuses (4xx) or that never leaves: it did
                // nothing, so the charge is where it was (a pending one stays pending).
                s.allowed = s.may_charge();
            }
            Op::Reconcile { captured } => {
                let ok = s.pi.as_ref().is_some_and(|p| matches!(p.charge, Charge::Unknown | Charge::Pending));
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    if captured {
                        p.charge = Charge::Done;
                        p.status = Pi::Captured;
                        if s.si == Si::Authorized {
                            s.si = Si::Completed;
                        }
                        s.successful_charges += 1;
                    } else {
                        // Read back Created: not proof of anything, the charge may be queued.
                        p.charge = Charge::Pending;
                    }
                }
            }
            Op::Refund(amount) => {
                let ok = s.pi.as_ref().is_some_and(|p| p.status == Pi::Captured && amount > 0 && amount <= p.amount.saturating_sub(p.refunded));
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    p.refunded = p.refunded.saturating_add(amount);
                    if p.refunded == p.amount {
                        p.status = Pi::Refunded;
                    }
                }
            }
            Op::Reverse => {
                let ok = s.pi.as_ref().is_some_and(|p| matches!(p.status, Pi::Authorized | Pi::Captured));
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    p.status = Pi::Reversed;
                }
            }
            Op::CancelPaymentIntent => {
                let ok = s
                    .pi
                    .as_ref()
                    .is_some_and(|p| p.status == Pi::Created && !matches!(p.charge, Charge::Unknown | Charge::Pending));
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    p.status = Pi::Canceled;
                }
            }
            Op::ServerReportsPaymentIntent(to) => {
                // Only generated while no charge is pending, so a Captured report here is
                // the server's own (e.g. a reconciliation done elsewhere).
                let ok = s.pi.as_ref().is_some_and(|p| to == p.status || PI_MOVES.contains(&(p.status, to)));
                s.allowed = ok;
                if ok && let Some(p) = s.pi.as_mut() {
                    p.status = to;
                }
            }
        }
    }

    /// Whether `op` is one the test generates in this state.
    pub(crate) fn precondition(&self, op: &Op) -> bool {
        let s = self;
        match op {
            // Server reports of a payment intent while a charge of ours is pending are
            // what `Reconcile` models.
            Op::ServerReportsPaymentIntent(_) => {
                s.pi.as_ref().is_some_and(|p| matches!(p.charge, Charge::None | Charge::Declined))
            }
            _ => true,
        }
    }

    fn effective_si(&self) -> Si {
        if self.si == Si::Created && self.now >= START + TTL { Si::Expired } else { self.si }
    }

    /// The seed's rules: a payment intent from this setup intent, for the intended
    /// amount, still Created, with no charge done or unknown (a pending one may be sent
    /// again: the API charges a payment intent at most once), and an Authorized setup
    /// intent.
    fn may_charge(&self) -> bool {
        self.effective_si() == Si::Authorized
            && self.pi.as_ref().is_some_and(|p| {
                p.from_si
                    && p.amount == INTENDED
                    && p.status == Pi::Created
                    && matches!(p.charge, Charge::None | Charge::Declined | Charge::Pending)
            })
    }
}

#[derive(Clone, Debug)]
#[cfg_attr(any(fuzzing, not(test)), derive(arbitrary::Arbitrary))]
pub(crate) enum Op {
    AdvanceTime(i64),
    CustomerAuthorizes,
    CardExpires,
    CancelSetupIntent { include_authorized: bool },
    ServerReportsSetupIntent(Si),
    CreatePaymentIntent { amount: i64, from_si: bool },
    Charge(CaptureStatusChoice),
    ChargeOutcomeLost,
    ChargeRefused,
    Reconcile { captured: bool },
    Refund(i64),
    Reverse,
    CancelPaymentIntent,
    ServerReportsPaymentIntent(Pi),
}

#[derive(Clone, Copy, Debug)]
#[cfg_attr(any(fuzzing, not(test)), derive(arbitrary::Arbitrary))]
pub(crate) enum CaptureStatusChoice {
    Successful,
    Declined,
    Failed,
}

pub(crate) struct Sut {
    now: Timestamp,
    si: SetupIntentState,
    pi: Option<PaymentIntentState>,
    successful_charges: u32,
}

fn si_status(s: Si) -> SetupIntentStatus {
    match s {
        Si::Created => SetupIntentStatus::Created,
        Si::Authorized => SetupIntentStatus::Authorized,
        Si::Canceled => SetupIntentStatus::Canceled,
        Si::Completed => SetupIntentStatus::Completed,
        Si::Expired => SetupIntentStatus::Expired,
        Si::CardExpired => SetupIntentStatus::CardExpired,
        Si::Closed => SetupIntentStatus::Closed,
    }
}

fn pi_status(p: Pi) -> PaymentIntentStatus {
    match p {
        Pi::Created => PaymentIntentStatus::Created,
        Pi::Authorized => PaymentIntentStatus::Authorized,
        Pi::Captured => PaymentIntentStatus::Captured,
        Pi::Reversed => PaymentIntentStatus::Reversed,
        Pi::Refunded => PaymentIntentStatus::Refunded,
        Pi::Canceled => PaymentIntentStatus::Canceled,
    }
}

fn si_id() -> SetupIntentId {
    SetupIntentId::new("si_sandbox_model").unwrap()
}

impl Sut {
    pub(crate) fn new() -> Self {
        let si = SetupIntentState::new(
            si_id(),
            SetupIntentStatus::Created,
            Some(Timestamp::from_unix(START + TTL)),
            Some(Money::gbp(INTENDED)),
        );
        Sut { now: Timestamp::from_unix(START), si, pi: None, successful_charges: 0 }
    }

    /// Applies `op` to dojo-core's lifecycle; whether it was accepted.
    pub(crate) fn apply(&mut self, op: &Op) -> bool {
        let sut = self;
        let now = sut.now;
        let op = op.clone();
        let ok: bool = match op {
            Op::AdvanceTime(secs) => {
                sut.now = sut.now.add_seconds(secs);
                true
            }
            Op::CustomerAuthorizes => sut.si.observe(SetupIntentStatus::Authorized).is_ok(),
            Op::CardExpires => sut.si.observe(SetupIntentStatus::CardExpired).is_ok(),
            Op::CancelSetupIntent { include_authorized } => match sut.si.check_cancel(include_authorized, now) {
                Ok(()) => {
                    let to = if sut.si.effective_status(now) == SetupIntentStatus::Created {
                        SetupIntentStatus::Canceled
                    } else {
                        SetupIntentStatus::Closed
                    };
                    sut.si.observe(to).expect("a checked cancel is a legal move");
                    true
                }
                Err(_) => false,
            },
            Op::ServerReportsSetupIntent(to) => sut.si.observe(si_status(to)).is_ok(),
            Op::CreatePaymentIntent { amount, from_si } => {
                if sut.pi.is_some() || (from_si && sut.si.check_payment_amount(Money::gbp(amount)).is_err()) {
                    false
                } else {
                    let id = PaymentIntentId::new("pi_sandbox_model").unwrap();
                    let setup = from_si.then(si_id);
                    sut.pi = Some(PaymentIntentState::new(id, PaymentIntentStatus::Created, Money::gbp(amount), setup));
                    true
                }
            }
            Op::Charge(choice) => match sut.pi.as_mut() {
                None => false,
                Some(pi) => match pi.begin_charge(&sut.si, now) {
                    Err(_) => false,
                    Ok(ticket) => {
                        assert_eq!(ticket.amount(), Money::gbp(INTENDED), "a charge is always for the intended amount");
                        let status = match choice {
                            CaptureStatusChoice::Successful => CaptureStatus::Successful,
                            CaptureStatusChoice::Declined => CaptureStatus::Declined,
                            CaptureStatusChoice::Failed => CaptureStatus::Failed,
                        };
                        if pi.record_charge(ticket, status, &mut sut.si) == Ok(ChargeOutcome::Charged) {
                            sut.successful_charges += 1;
                        }
                        true
                    }
                },
            },
            Op::ChargeOutcomeLost => match sut.pi.as_mut() {
                None => false,
                Some(pi) => match pi.begin_charge(&sut.si, now) {
                    Err(_) => false,
                    Ok(ticket) => {
                        pi.record_charge_outcome_unknown(ticket).expect("its own ticket");
                        true
                    }
                },
            },
            Op::ChargeRefused => match sut.pi.as_mut() {
                None => false,
                Some(pi) => match pi.begin_charge(&sut.si, now) {
                    Err(_) => false,
                    Ok(ticket) => {
                        pi.record_charge_not_executed(ticket).expect("its own ticket");
                        true
                    }
                },
            },
            Op::Reconcile { captured } => match sut.pi.as_mut() {
                Some(pi)
                    if matches!(
                        pi.charge_state(),
                        dojo_core::lifecycle::ChargeState::OutcomeUnknown | dojo_core::lifecycle::ChargeState::Pending
                    ) =>
                {
                    let observed = if captured { PaymentIntentStatus::Captured } else { PaymentIntentStatus::Created };
                    if pi.reconcile(observed, &mut sut.si).expect("legal") == ChargeOutcome::Charged {
                        sut.successful_charges += 1;
                    }
                    true
                }
                _ => false,
            },
            Op::Refund(amount) => sut.pi.as_mut().is_some_and(|pi| pi.record_refund(Money::gbp(amount)).is_ok()),
            Op::Reverse => sut
                .pi
                .as_mut()
                .is_some_and(|pi| pi.check_reversal().is_ok() && pi.observe(PaymentIntentStatus::Reversed).is_ok()),
            Op::CancelPaymentIntent => sut
                .pi
                .as_mut()
                .is_some_and(|pi| pi.check_cancel().is_ok() && pi.observe(PaymentIntentStatus::Canceled).is_ok()),
            Op::ServerReportsPaymentIntent(to) => sut.pi.as_mut().is_some_and(|pi| pi.observe(pi_status(to)).is_ok()),
        };
        ok
    }

    /// Panics if dojo-core and the model disagree, or if a rule of the seed is broken.
    pub(crate) fn check(&self, model: &Model) {
        let sut = self;
        assert_eq!(sut.si.status(), si_status(model.si), "setup intent status");
        assert_eq!(sut.pi.as_ref().map(|p| p.status()), model.pi.as_ref().map(|p| pi_status(p.status)));
        assert!(sut.successful_charges <= 1, "charged twice");
        assert_eq!(sut.successful_charges, model.successful_charges);
        if let (Some(pi), Some(p)) = (&sut.pi, &model.pi) {
            // Pending in one is pending in the other: a read-back of Created after a lost
            // answer is never taken for "not charged".
            assert_eq!(
                pi.charge_state() == dojo_core::lifecycle::ChargeState::Pending,
                p.charge == Charge::Pending,
                "pending: dojo-core {:?}, model {:?}",
                pi.charge_state(),
                p.charge
            );
        }
        if let Some(pi) = &sut.pi {
            let model_refunded = model.pi.as_ref().map_or(0, |p| p.refunded);
            if pi.status() != PaymentIntentStatus::Refunded {
                assert_eq!(pi.refunded(), model_refunded, "refunded so far");
            }
            if sut.successful_charges == 1 {
                assert_eq!(pi.amount(), Money::gbp(INTENDED));
                assert_eq!(pi.setup_intent_id(), Some(si_id()));
            }
        }
        if sut.si.status() == SetupIntentStatus::Completed && sut.successful_charges == 1 {
            assert!(sut.si.completed_by().is_some());
        }
    }
}
