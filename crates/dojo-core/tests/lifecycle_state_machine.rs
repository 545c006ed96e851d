//! The lifecycle against an independent reference model, over random sequences of
//! operations (proptest-state-machine): authorize, expire (time passes `expireAt`),
//! cancel, close (cancel with `includeAuthorized`), card expiry, create a payment intent
//! (right or wrong amount, from this setup intent or not), charge (succeeding, declined,
//! failed, outcome lost, refused), charge again, reconcile (read back Captured, or Created:
//! the charge is then pending, never "not charged", and may be sent again), refund (partial, full, too much),
//! reverse, cancel the payment intent, and arbitrary statuses reported by the server.
//!
//! The model and the harness that drives dojo-core beside it are shared with the fuzz
//! target `lifecycle_ops` (`tests/common/lifecycle_model.rs`). After every step this test
//! checks, besides the model's agreement:
//! - never two successful charges;
//! - a charge is begun only from an effectively Authorized setup intent, by the payment
//!   intent created from it, for exactly the intended amount;
//! - a refused operation or an anomaly changes no state;
//! - once charged, the setup intent can back no other charge.
//!
//! A second property feeds each machine reported statuses, unknown values included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::lifecycle::{AnomalyKind, ChargeState, Observation};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

include!("common/lifecycle_model.rs");

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new()).boxed()
    }

    fn transitions(_state: &Model) -> BoxedStrategy<Op> {
        let choice = prop_oneof![
            Just(CaptureStatusChoice::Successful),
            Just(CaptureStatusChoice::Declined),
            Just(CaptureStatusChoice::Failed)
        ];
        let amount = prop_oneof![Just(INTENDED), Just(INTENDED - 1), Just(INTENDED + 500)];
        prop_oneof![
            1 => (0i64..2 * TTL).prop_map(Op::AdvanceTime),
            3 => Just(Op::CustomerAuthorizes),
            1 => Just(Op::CardExpires),
            1 => any::<bool>().prop_map(|include_authorized| Op::CancelSetupIntent { include_authorized }),
            1 => si_strategy().prop_map(Op::ServerReportsSetupIntent),
            3 => (amount, prop::bool::weighted(0.8))
                .prop_map(|(amount, from_si)| Op::CreatePaymentIntent { amount, from_si }),
            4 => choice.prop_map(Op::Charge),
            1 => Just(Op::ChargeOutcomeLost),
            1 => Just(Op::ChargeRefused),
            2 => any::<bool>().prop_map(|captured| Op::Reconcile { captured }),
            2 => prop_oneof![1i64..INTENDED, Just(INTENDED), INTENDED + 1..=INTENDED + 10].prop_map(Op::Refund),
            1 => Just(Op::Reverse),
            1 => Just(Op::CancelPaymentIntent),
            1 => pi_strategy().prop_map(Op::ServerReportsPaymentIntent),
        ]
        .boxed()
    }

    fn apply(mut s: Model, op: &Op) -> Model {
        s.apply(op);
        s
    }

    fn preconditions(s: &Model, op: &Op) -> bool {
        s.precondition(op)
    }
}

fn si_strategy() -> impl Strategy<Value = Si> + Clone {
    prop_oneof![
        Just(Si::Created),
        Just(Si::Authorized),
        Just(Si::Canceled),
        Just(Si::Completed),
        Just(Si::Expired),
        Just(Si::CardExpired),
        Just(Si::Closed)
    ]
}

fn pi_strategy() -> impl Strategy<Value = Pi> + Clone {
    prop_oneof![
        Just(Pi::Created),
        Just(Pi::Authorized),
        Just(Pi::Captured),
        Just(Pi::Reversed),
        Just(Pi::Refunded),
        Just(Pi::Canceled)
    ]
}

struct LifecycleTest;

impl StateMachineTest for LifecycleTest {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(_: &Model) -> Sut {
        Sut::new()
    }

    fn apply(mut sut: Sut, model: &Model, op: Op) -> Sut {
        let before = (sut.si.clone(), sut.pi.clone());
        let effective = sut.si.effective_status(sut.now);
        let ok = sut.apply(&op);
        assert_eq!(ok, model.allowed, "dojo-core and the model disagree on {op:?}");
        if !ok {
            assert_eq!((&sut.si, &sut.pi), (&before.0, &before.1), "the refused {op:?} changed the state");
        }
        if ok && matches!(op, Op::Charge(_) | Op::ChargeOutcomeLost) {
            assert_eq!(effective, SetupIntentStatus::Authorized, "a charge from a setup intent not Authorized");
            let pi = sut.pi.as_ref().expect("a charge has a payment intent");
            assert_eq!(pi.amount(), Money::gbp(INTENDED), "a charge for another amount than the intended one");
            assert_eq!(pi.setup_intent_id(), Some(sut.si.id()), "a charge of a payment intent from elsewhere");
        }
        sut
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        sut.check(model);
        assert!(sut.successful_charges <= 1, "charged twice");
        if let Some(pi) = &sut.pi
            && pi.charge_state() == ChargeState::Succeeded
        {
            assert_eq!(sut.successful_charges, 1);
            assert_eq!(pi.amount(), Money::gbp(INTENDED));
            let status = sut.si.status();
            assert!(
                !matches!(status, SetupIntentStatus::Created | SetupIntentStatus::Authorized),
                "charged, and the setup intent is still {status}: it could back another charge"
            );
        }
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 300, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn lifecycle_matches_the_reference_model(sequential 1..40 => LifecycleTest);
}

/// A reported status: a known one, or (`None`) a value dojo-core does not know.
fn reports<T: std::fmt::Debug + Clone>(
    known: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Vec<Option<T>>> {
    prop::collection::vec(prop::option::weighted(0.9, known), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever the server reports, a setup intent moves only along the model's moves,
    /// keeps its status on the same report, and an anomaly (impossible or unknown)
    /// leaves it as it was.
    #[test]
    fn setup_intent_reports(start in si_strategy(), reported in reports(si_strategy())) {
        let mut state = SetupIntentState::new(si_id(), si_status(start), None, Some(Money::gbp(INTENDED)));
        let mut model = start;
        for report in reported {
            let before = state.clone();
            match report {
                None => {
                    let anomaly = state.observe(SetupIntentStatus::parse("Paused")).unwrap_err();
                    prop_assert_eq!(anomaly.kind, AnomalyKind::UnknownStatus);
                    prop_assert_eq!(&state, &before);
                }
                Some(to) if to == model => prop_assert_eq!(state.observe(si_status(to)), Ok(Observation::Unchanged)),
                Some(to) if SI_MOVES.contains(&(model, to)) => {
                    let moved = state.observe(si_status(to));
                    prop_assert!(matches!(moved, Ok(Observation::Moved { .. })), "{:?}", moved);
                    model = to;
                }
                Some(to) => {
                    let anomaly = state.observe(si_status(to)).unwrap_err();
                    prop_assert_eq!(anomaly.kind, AnomalyKind::ImpossibleMove);
                    prop_assert_eq!((anomaly.from, anomaly.to), (si_status(model), si_status(to)));
                    prop_assert_eq!(&state, &before);
                }
            }
            prop_assert_eq!(state.status(), si_status(model));
        }
    }

    /// The same for a payment intent.
    #[test]
    fn payment_intent_reports(start in pi_strategy(), reported in reports(pi_strategy())) {
        let id = PaymentIntentId::new("pi_sandbox_reports").unwrap();
        let mut state = PaymentIntentState::new(id, pi_status(start), Money::gbp(INTENDED), Some(si_id()));
        let mut model = start;
        for report in reported {
            let before = state.clone();
            match report {
                None => {
                    let anomaly = state.observe(PaymentIntentStatus::parse("Settled")).unwrap_err();
                    prop_assert_eq!(anomaly.kind, AnomalyKind::UnknownStatus);
                    prop_assert_eq!(&state, &before);
                }
                Some(to) if to == model => prop_assert_eq!(state.observe(pi_status(to)), Ok(Observation::Unchanged)),
                Some(to) if PI_MOVES.contains(&(model, to)) => {
                    let moved = state.observe(pi_status(to));
                    prop_assert!(matches!(moved, Ok(Observation::Moved { .. })), "{:?}", moved);
                    model = to;
                }
                Some(to) => {
                    let anomaly = state.observe(pi_status(to)).unwrap_err();
                    prop_assert_eq!(anomaly.kind, AnomalyKind::ImpossibleMove);
                    prop_assert_eq!(&state, &before);
                }
            }
            prop_assert_eq!(state.status(), pi_status(model));
        }
    }
}

/// Replays `ops` through the model and dojo-core, checking what the state machine test
/// checks after every step.
fn replay(ops: &[Op]) {
    let mut model = Model::new();
    let mut sut = Sut::new();
    for op in ops {
        model.apply(op);
        sut = <LifecycleTest as StateMachineTest>::apply(sut, &model, op.clone());
        LifecycleTest::check_invariants(&sut, &model);
    }
}

/// Found by the property above: the server reports the setup intent Completed while
/// the charge's outcome is unknown; reconciling must still name the charge that
/// completed it.
#[test]
fn completed_by_the_server_before_the_charge_is_reconciled() {
    replay(&[
        Op::CustomerAuthorizes,
        Op::CreatePaymentIntent { amount: INTENDED, from_si: true },
        Op::ChargeOutcomeLost,
        Op::ServerReportsSetupIntent(Si::Completed),
        Op::Reconcile { captured: true },
    ]);
}

/// Issue 9's late commit: the answer is lost, the read-back still shows Created (the
/// charge is queued), so the charge is pending, not "not charged"; it is resent, the
/// resend is refused (the first landed), and the read-back shows it captured: charged
/// once.
#[test]
fn a_late_commit_is_pending_then_charged_once() {
    replay(&[
        Op::CustomerAuthorizes,
        Op::CreatePaymentIntent { amount: INTENDED, from_si: true },
        Op::ChargeOutcomeLost,
        Op::Reconcile { captured: false },
        Op::CancelPaymentIntent,
        Op::ChargeRefused,
        Op::Reconcile { captured: false },
        Op::ChargeOutcomeLost,
        Op::Reconcile { captured: true },
        Op::Charge(CaptureStatusChoice::Successful),
    ]);
}

/// The seed's flow, with a declined attempt, a second charge refused, and refunds.
#[test]
fn the_seed_flow_with_a_decline_and_refunds() {
    replay(&[
        Op::CustomerAuthorizes,
        Op::CreatePaymentIntent { amount: INTENDED - 1, from_si: true },
        Op::CreatePaymentIntent { amount: INTENDED, from_si: true },
        Op::Charge(CaptureStatusChoice::Declined),
        Op::Charge(CaptureStatusChoice::Successful),
        Op::Charge(CaptureStatusChoice::Successful),
        Op::Refund(INTENDED + 1),
        Op::Refund(400),
        Op::Refund(INTENDED - 400),
        Op::ServerReportsPaymentIntent(Pi::Refunded),
        Op::ServerReportsSetupIntent(Si::Created),
    ]);
}
