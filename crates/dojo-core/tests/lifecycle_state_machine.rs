//! The lifecycle against an independent reference model, over random sequences of
//! operations (proptest-state-machine): authorize, expire, cancel, close, card expiry,
//! create a payment intent (right or wrong amount, from this setup intent or not),
//! charge (succeeding, declined, outcome unknown), charge again, reconcile, refund,
//! reverse, cancel, and arbitrary statuses reported by the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

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
        let si = prop_oneof![
            Just(Si::Created),
            Just(Si::Authorized),
            Just(Si::Canceled),
            Just(Si::Completed),
            Just(Si::Expired),
            Just(Si::CardExpired),
            Just(Si::Closed)
        ];
        let pi = prop_oneof![
            Just(Pi::Created),
            Just(Pi::Authorized),
            Just(Pi::Captured),
            Just(Pi::Reversed),
            Just(Pi::Refunded),
            Just(Pi::Canceled)
        ];
        let choice = prop_oneof![
            Just(CaptureStatusChoice::Successful),
            Just(CaptureStatusChoice::Declined),
            Just(CaptureStatusChoice::Failed)
        ];
        prop_oneof![
            1 => (0i64..2 * TTL).prop_map(Op::AdvanceTime),
            3 => Just(Op::CustomerAuthorizes),
            1 => Just(Op::CardExpires),
            1 => any::<bool>().prop_map(|include_authorized| Op::CancelSetupIntent { include_authorized }),
            1 => si.prop_map(Op::ServerReportsSetupIntent),
            3 => (prop_oneof![Just(INTENDED), Just(INTENDED - 1), Just(INTENDED + 500)], prop::bool::weighted(0.8))
                .prop_map(|(amount, from_si)| Op::CreatePaymentIntent { amount, from_si }),
            4 => choice.prop_map(Op::Charge),
            1 => Just(Op::ChargeOutcomeLost),
            2 => any::<bool>().prop_map(|captured| Op::Reconcile { captured }),
            2 => (1i64..=INTENDED + 10).prop_map(Op::Refund),
            1 => Just(Op::Reverse),
            1 => Just(Op::CancelPaymentIntent),
            1 => pi.prop_map(Op::ServerReportsPaymentIntent),
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

struct LifecycleTest;

impl StateMachineTest for LifecycleTest {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(_: &Model) -> Sut {
        Sut::new()
    }

    fn apply(mut sut: Sut, model: &Model, op: Op) -> Sut {
        let ok = sut.apply(&op);
        assert_eq!(ok, model.allowed, "dojo-core and the model disagree on {op:?}");
        sut
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        sut.check(model);
    }
}
prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 400, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn lifecycle_matches_the_reference_model(sequential 1..40 => LifecycleTest);
}
