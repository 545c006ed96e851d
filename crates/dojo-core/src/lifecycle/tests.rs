use super::*;
use crate::enums::{CaptureMode, CaptureStatus, PaymentIntentStatus, SetupIntentStatus, UnknownValue};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

const T0: Timestamp = Timestamp::from_unix(1_772_400_000);
const EXPIRE_AT: Timestamp = T0.add_seconds(3600);
const INTENDED: Money = Money::gbp(1000);

fn si_id() -> SetupIntentId {
    SetupIntentId::new("si_sandbox_1").unwrap()
}

fn pi_id() -> PaymentIntentId {
    PaymentIntentId::new("pi_sandbox_1").unwrap()
}

fn si(status: SetupIntentStatus) -> SetupIntentState {
    SetupIntentState::new(si_id(), status, Some(EXPIRE_AT), Some(INTENDED))
}

fn authorized() -> SetupIntentState {
    si(SetupIntentStatus::Authorized)
}

fn pi(status: PaymentIntentStatus, amount: Money) -> PaymentIntentState {
    PaymentIntentState::new(pi_id(), status, amount, Some(si_id()))
}

fn created_pi() -> PaymentIntentState {
    pi(PaymentIntentStatus::Created, INTENDED)
}

const SI_MOVES: [(SetupIntentStatus, SetupIntentStatus, SetupIntentCause); 6] = {
    use SetupIntentCause as C;
    use SetupIntentStatus as S;
    [
        (S::Created, S::Authorized, C::CustomerAuthorized),
        (S::Created, S::Expired, C::ExpireAtPassed),
        (S::Created, S::Canceled, C::CanceledByMerchant),
        (S::Authorized, S::Completed, C::Charged),
        (S::Authorized, S::Closed, C::ClosedByMerchant),
        (S::Authorized, S::CardExpired, C::CardExpired),
    ]
};

const PI_MOVES: [(PaymentIntentStatus, PaymentIntentStatus, PaymentIntentCause); 7] = {
    use PaymentIntentCause as C;
    use PaymentIntentStatus as P;
    [
        (P::Created, P::Authorized, C::Authorized),
        (P::Created, P::Captured, C::CapturedOnAuthorization),
        (P::Created, P::Canceled, C::Canceled),
        (P::Authorized, P::Captured, C::Captured),
        (P::Authorized, P::Reversed, C::Reversed),
        (P::Captured, P::Reversed, C::Reversed),
        (P::Captured, P::Refunded, C::Refunded),
    ]
};

// The tables.

#[test]
fn setup_intent_transitions_are_exactly_the_documented_ones() {
    for &from in SetupIntentStatus::KNOWN {
        for &to in SetupIntentStatus::KNOWN {
            let want = SI_MOVES.iter().find(|(f, t, _)| (*f, *t) == (from, to)).map(|m| m.2);
            assert_eq!(setup_intent_transition(from, to), want, "{from} -> {to}");
        }
    }
    let unknown = SetupIntentStatus::Unknown(UnknownValue::new("Paused"));
    assert_eq!(setup_intent_transition(SetupIntentStatus::Created, unknown), None);
    assert_eq!(setup_intent_transition(unknown, SetupIntentStatus::Authorized), None);
}

#[test]
fn payment_intent_transitions_are_exactly_the_documented_ones() {
    for &from in PaymentIntentStatus::KNOWN {
        for &to in PaymentIntentStatus::KNOWN {
            let want = PI_MOVES.iter().find(|(f, t, _)| (*f, *t) == (from, to)).map(|m| m.2);
            assert_eq!(payment_intent_transition(from, to), want, "{from} -> {to}");
        }
    }
    let unknown = PaymentIntentStatus::parse("Settled");
    assert_eq!(payment_intent_transition(PaymentIntentStatus::Captured, unknown), None);
}

#[test]
fn terminal_statuses_have_no_way_out() {
    use PaymentIntentStatus as P;
    use SetupIntentStatus as S;
    for from in [S::Completed, S::Expired, S::Canceled, S::Closed, S::CardExpired] {
        assert!(S::KNOWN.iter().all(|&to| setup_intent_transition(from, to).is_none()), "{from}");
    }
    for from in [P::Refunded, P::Reversed, P::Canceled] {
        assert!(P::KNOWN.iter().all(|&to| payment_intent_transition(from, to).is_none()), "{from}");
    }
}

// Observing the server.

#[test]
fn the_same_status_again_is_unchanged_never_an_anomaly() {
    for &status in SetupIntentStatus::KNOWN {
        let mut state = si(status);
        assert_eq!(state.observe(status), Ok(Observation::Unchanged), "{status}");
    }
    for &status in PaymentIntentStatus::KNOWN {
        let mut state = pi(status, INTENDED);
        assert_eq!(state.observe(status), Ok(Observation::Unchanged), "{status}");
    }
}

#[test]
fn every_allowed_move_is_recorded_with_its_cause() {
    for (from, to, cause) in SI_MOVES {
        let mut state = si(from);
        assert_eq!(state.observe(to), Ok(Observation::Moved { from, to, cause }));
        assert_eq!(state.status(), to);
    }
    for (from, to, cause) in PI_MOVES {
        let mut state = pi(from, INTENDED);
        assert_eq!(state.observe(to), Ok(Observation::Moved { from, to, cause }));
        assert_eq!(state.status(), to);
    }
}

#[test]
fn impossible_moves_are_anomalies_and_change_nothing() {
    for &from in SetupIntentStatus::KNOWN {
        for &to in SetupIntentStatus::KNOWN {
            if from == to || setup_intent_transition(from, to).is_some() {
                continue;
            }
            let mut state = si(from);
            let before = state.clone();
            assert_eq!(state.observe(to), Err(Anomaly { from, to, kind: AnomalyKind::ImpossibleMove }));
            assert_eq!(state, before, "{from} -> {to} changed the state");
        }
    }
    for &from in PaymentIntentStatus::KNOWN {
        for &to in PaymentIntentStatus::KNOWN {
            if from == to || payment_intent_transition(from, to).is_some() {
                continue;
            }
            let mut state = pi(from, INTENDED);
            let before = state.clone();
            assert_eq!(state.observe(to), Err(Anomaly { from, to, kind: AnomalyKind::ImpossibleMove }));
            assert_eq!(state, before, "{from} -> {to} changed the state");
        }
    }
    let mut done = si(SetupIntentStatus::Completed);
    let anomaly = done.observe(SetupIntentStatus::Created).unwrap_err();
    assert!(anomaly.to_string().contains("Created after Completed"), "{anomaly}");
}

#[test]
fn an_unknown_status_is_an_anomaly_of_its_own() {
    let paused = SetupIntentStatus::parse("Paused");
    let mut state = si(SetupIntentStatus::Created);
    let anomaly = state.observe(paused).unwrap_err();
    assert_eq!(anomaly, Anomaly { from: SetupIntentStatus::Created, to: paused, kind: AnomalyKind::UnknownStatus });
    assert!(anomaly.to_string().contains("Paused"), "{anomaly}");
    assert!(anomaly.to_string().contains("update dojo-core"), "{anomaly}");
    assert_eq!(state.status(), SetupIntentStatus::Created);
    // Known to be unknown: whatever comes next is not guessed at, not even itself.
    let mut odd = si(paused);
    assert_eq!(odd.observe(paused).unwrap_err().kind, AnomalyKind::UnknownStatus);
    assert_eq!(odd.observe(SetupIntentStatus::Authorized).unwrap_err().kind, AnomalyKind::UnknownStatus);
    assert_eq!(odd.status(), paused);

    let settled = PaymentIntentStatus::parse("Settled");
    let mut payment = pi(PaymentIntentStatus::Captured, INTENDED);
    let before = payment.clone();
    assert_eq!(payment.observe(settled).unwrap_err().kind, AnomalyKind::UnknownStatus);
    let mut unknown_si = si(SetupIntentStatus::Authorized);
    assert_eq!(payment.reconcile(settled, &mut unknown_si).unwrap_err().kind, AnomalyKind::UnknownStatus);
    assert_eq!(payment, before);
    assert_eq!(unknown_si, si(SetupIntentStatus::Authorized));
}

#[test]
fn observing_a_payment_intent_keeps_the_books() {
    let mut payment = created_pi();
    payment.observe(PaymentIntentStatus::Captured).unwrap();
    assert_eq!((payment.captured(), payment.refunded()), (1000, 0));
    assert_eq!(payment.charge_state(), ChargeState::NotAttempted, "captured by checkout, not by a charge of ours");
    assert_eq!(payment.begin_charge(&authorized(), T0), Err(LifecycleError::AlreadyCharged));
    payment.observe(PaymentIntentStatus::Refunded).unwrap();
    assert_eq!(payment.refunded(), 1000);
}

// Time.

#[test]
fn created_is_effectively_expired_at_expire_at_not_a_second_before() {
    let created = si(SetupIntentStatus::Created);
    let before = EXPIRE_AT.add_seconds(-1);
    assert_eq!(created.effective_status(before), SetupIntentStatus::Created);
    assert_eq!(created.effective_status(EXPIRE_AT), SetupIntentStatus::Expired);
    assert_eq!(created.effective_status(EXPIRE_AT.add_seconds(1)), SetupIntentStatus::Expired);
    assert_eq!(created.status(), SetupIntentStatus::Created, "the recorded status is the server's");
    assert_eq!(created.check_cancel(false, before), Ok(()));
    assert_eq!(
        created.check_cancel(false, EXPIRE_AT),
        Err(LifecycleError::SetupIntentNotCancelable { status: SetupIntentStatus::Expired })
    );
    // Without an expireAt it never expires by time; an Authorized one does not expire by it.
    let open = SetupIntentState::new(si_id(), SetupIntentStatus::Created, None, Some(INTENDED));
    assert_eq!(open.effective_status(EXPIRE_AT.add_seconds(1_000_000)), SetupIntentStatus::Created);
    let auth = authorized();
    assert_eq!(auth.effective_status(EXPIRE_AT.add_seconds(36_000)), SetupIntentStatus::Authorized);
    assert_eq!(auth.check_can_back_charge(EXPIRE_AT.add_seconds(36_000)), Ok(INTENDED));
}

// Charging.

#[test]
fn the_seed_flow_charges_once() {
    let mut setup = authorized();
    let mut payment = created_pi();
    setup.check_payment_amount(INTENDED).unwrap();
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    assert_eq!((ticket.payment_intent(), ticket.amount()), (pi_id(), INTENDED));
    assert_eq!(payment.charge_state(), ChargeState::InFlight);
    assert_eq!(payment.record_charge(ticket, CaptureStatus::Successful, &mut setup), Ok(ChargeOutcome::Charged));
    assert_eq!(payment.status(), PaymentIntentStatus::Captured);
    assert_eq!(payment.charge_state(), ChargeState::Succeeded);
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    assert_eq!(setup.completed_by(), Some(pi_id()));
    assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::AlreadyCharged));
    // The server then reports the same: no anomaly.
    assert_eq!(setup.observe(SetupIntentStatus::Completed), Ok(Observation::Unchanged));
    assert_eq!(payment.observe(PaymentIntentStatus::Captured), Ok(Observation::Unchanged));
}

#[test]
fn a_declined_charge_is_not_a_charge_and_may_be_retried() {
    for refusal in [CaptureStatus::Declined, CaptureStatus::Failed] {
        let mut setup = authorized();
        let mut payment = created_pi();
        let ticket = payment.begin_charge(&setup, T0).unwrap();
        assert_eq!(payment.record_charge(ticket, refusal, &mut setup), Ok(ChargeOutcome::NotCharged(refusal)));
        assert_eq!(payment.charge_state(), ChargeState::Declined(refusal));
        assert_eq!((payment.status(), setup.status()), (PaymentIntentStatus::Created, SetupIntentStatus::Authorized));
        let again = payment.begin_charge(&setup, T0).unwrap();
        assert_eq!(payment.record_charge(again, CaptureStatus::Successful, &mut setup), Ok(ChargeOutcome::Charged));
    }
}

#[test]
fn an_unknown_outcome_read_back_created_is_pending_not_uncharged() {
    let mut setup = authorized();
    let mut payment = created_pi();
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    payment.record_charge_outcome_unknown(ticket).unwrap();
    assert_eq!(payment.charge_state(), ChargeState::OutcomeUnknown);
    assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::ChargeOutcomeUnknown), "read back first");
    // Read back: still Created. The charge may be in the server's queue: pending,
    // never "not charged" (the bug of issue 9: a late commit reported as not charged).
    assert_eq!(payment.reconcile(PaymentIntentStatus::Created, &mut setup), Ok(ChargeOutcome::Unknown));
    assert_eq!(payment.charge_state(), ChargeState::Pending);
    assert!(payment.charge_unsettled());
    assert_eq!(payment.check_cancel(), Err(LifecycleError::ChargeOutcomeUnknown));
    // Pending may be resent on the same payment intent; a `Created` answer says nothing.
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    assert_eq!(payment.record_charge(ticket, CaptureStatus::Created, &mut setup), Ok(ChargeOutcome::Unknown));
    // Read back: Captured, so it did.
    assert_eq!(payment.reconcile(PaymentIntentStatus::Captured, &mut setup), Ok(ChargeOutcome::Charged));
    assert_eq!(setup.status(), SetupIntentStatus::Completed);
    assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::AlreadyCharged));
    // With no charge of ours unsettled, Created is simply not charged.
    let mut fresh = created_pi();
    assert_eq!(
        fresh.reconcile(PaymentIntentStatus::Created, &mut authorized()),
        Ok(ChargeOutcome::NotCharged(CaptureStatus::Created))
    );
    assert_eq!(fresh.charge_state(), ChargeState::NotAttempted);
}

#[test]
fn a_pending_charge_seen_captured_is_charged() {
    let mut setup = authorized();
    let mut payment = created_pi();
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    payment.record_charge_outcome_unknown(ticket).unwrap();
    payment.reconcile(PaymentIntentStatus::Created, &mut setup).unwrap();
    assert_eq!(payment.observe(PaymentIntentStatus::Captured).map(|_| ()), Ok(()));
    assert_eq!(payment.charge_state(), ChargeState::Succeeded);
}

#[test]
fn error_ticket_for_another_payment_intent() {
    let mut setup = authorized();
    let mut mine = created_pi();
    let other_id = PaymentIntentId::new("pi_sandbox_2").unwrap();
    let mut other = PaymentIntentState::new(other_id, PaymentIntentStatus::Created, INTENDED, Some(si_id()));
    let ticket = mine.begin_charge(&setup, T0).unwrap();
    let theirs = other.begin_charge(&setup, T0).unwrap();
    assert_eq!(
        mine.record_charge(theirs, CaptureStatus::Successful, &mut setup),
        Err(LifecycleError::TicketForAnotherPaymentIntent)
    );
    assert_eq!(mine.charge_state(), ChargeState::InFlight, "a refused ticket changes nothing");
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
    assert_eq!(other.record_charge_outcome_unknown(ticket), Err(LifecycleError::TicketForAnotherPaymentIntent));
    assert_eq!(other.charge_state(), ChargeState::InFlight);
}

#[test]
fn a_setup_intent_reported_completed_before_reconciling_names_its_charge() {
    let mut setup = authorized();
    let mut payment = created_pi();
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    payment.record_charge_outcome_unknown(ticket).unwrap();
    setup.observe(SetupIntentStatus::Completed).unwrap();
    assert_eq!(setup.completed_by(), None);
    assert_eq!(payment.reconcile(PaymentIntentStatus::Captured, &mut setup), Ok(ChargeOutcome::Charged));
    assert_eq!(setup.completed_by(), Some(pi_id()));
}

#[test]
fn a_payment_intent_canceled_meanwhile_was_not_charged() {
    let mut setup = authorized();
    let mut payment = created_pi();
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    payment.record_charge_outcome_unknown(ticket).unwrap();
    assert_eq!(
        payment.reconcile(PaymentIntentStatus::Canceled, &mut setup),
        Ok(ChargeOutcome::NotCharged(CaptureStatus::Created))
    );
    assert_eq!(setup.status(), SetupIntentStatus::Authorized);
    assert_eq!(
        payment.begin_charge(&setup, T0),
        Err(LifecycleError::PaymentIntentNotChargeable { status: PaymentIntentStatus::Canceled })
    );
}

#[test]
fn several_partial_captures_then_partial_and_full_refunds() {
    let mut payment = pi(PaymentIntentStatus::Authorized, INTENDED);
    payment.record_capture(Money::gbp(600)).unwrap();
    assert_eq!(payment.status(), PaymentIntentStatus::Captured);
    // The server reports Captured too: 400 may still be captured.
    assert_eq!(payment.observe(PaymentIntentStatus::Captured), Ok(Observation::Unchanged));
    payment.record_capture(Money::gbp(400)).unwrap();
    assert_eq!(payment.captured(), 1000);
    payment.record_refund(Money::gbp(300)).unwrap();
    assert_eq!(payment.status(), PaymentIntentStatus::Captured, "a partial refund keeps it Captured");
    payment.record_refund(Money::gbp(700)).unwrap();
    assert_eq!(payment.status(), PaymentIntentStatus::Refunded);
    assert_eq!(payment.refunded(), 1000);
}

// One test per LifecycleError variant, each from a real call.

#[test]
fn error_setup_intent_not_authorized() {
    let mut payment = created_pi();
    let created = si(SetupIntentStatus::Created);
    let not = |status| Err(LifecycleError::SetupIntentNotAuthorized { status });
    assert_eq!(payment.begin_charge(&created, T0).map(|_| ()), not(SetupIntentStatus::Created));
    assert_eq!(payment.begin_charge(&created, EXPIRE_AT).map(|_| ()), not(SetupIntentStatus::Expired));
    assert_eq!(
        payment.begin_charge(&si(SetupIntentStatus::CardExpired), T0).map(|_| ()),
        not(SetupIntentStatus::CardExpired)
    );
    assert_eq!(created.check_can_back_charge(EXPIRE_AT).map(|_| ()), not(SetupIntentStatus::Expired));
    assert_eq!(payment.charge_state(), ChargeState::NotAttempted, "a refusal changes nothing");
}

#[test]
fn error_intended_amount_unknown() {
    let setup = SetupIntentState::new(si_id(), SetupIntentStatus::Authorized, None, None);
    assert_eq!(created_pi().begin_charge(&setup, T0), Err(LifecycleError::IntendedAmountUnknown));
    assert_eq!(setup.check_payment_amount(INTENDED), Err(LifecycleError::IntendedAmountUnknown));
    assert_eq!(setup.check_can_back_charge(T0), Err(LifecycleError::IntendedAmountUnknown));
}

#[test]
fn error_not_from_this_setup_intent() {
    let setup = authorized();
    let mut none = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, INTENDED, None);
    assert_eq!(none.begin_charge(&setup, T0), Err(LifecycleError::NotFromThisSetupIntent));
    let other = SetupIntentId::new("si_sandbox_2").unwrap();
    let mut theirs = PaymentIntentState::new(pi_id(), PaymentIntentStatus::Created, INTENDED, Some(other));
    assert_eq!(theirs.begin_charge(&setup, T0), Err(LifecycleError::NotFromThisSetupIntent));
}

#[test]
fn error_amount_mismatch() {
    let setup = authorized();
    for requested in [Money::gbp(999), Money::gbp(1001), Money::eur(1000)] {
        let mismatch = LifecycleError::AmountMismatch { expected: INTENDED, requested };
        assert_eq!(setup.check_payment_amount(requested), Err(mismatch));
        assert_eq!(pi(PaymentIntentStatus::Created, requested).begin_charge(&setup, T0), Err(mismatch));
    }
}

#[test]
fn error_already_charged() {
    let setup = authorized();
    for status in [PaymentIntentStatus::Captured, PaymentIntentStatus::Refunded] {
        assert_eq!(pi(status, INTENDED).begin_charge(&setup, T0), Err(LifecycleError::AlreadyCharged));
    }
}

#[test]
fn error_charge_in_flight() {
    let setup = authorized();
    let mut payment = created_pi();
    let _ticket = payment.begin_charge(&setup, T0).unwrap();
    assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::ChargeInFlight));
}

#[test]
fn error_charge_outcome_unknown() {
    let setup = authorized();
    let mut payment = created_pi();
    let ticket = payment.begin_charge(&setup, T0).unwrap();
    payment.record_charge_outcome_unknown(ticket).unwrap();
    assert_eq!(payment.begin_charge(&setup, T0), Err(LifecycleError::ChargeOutcomeUnknown));
    assert_eq!(payment.check_cancel(), Err(LifecycleError::ChargeOutcomeUnknown));
}

#[test]
fn error_payment_intent_not_chargeable() {
    let setup = authorized();
    for status in [PaymentIntentStatus::Authorized, PaymentIntentStatus::Canceled, PaymentIntentStatus::Reversed] {
        assert_eq!(
            pi(status, INTENDED).begin_charge(&setup, T0),
            Err(LifecycleError::PaymentIntentNotChargeable { status })
        );
    }
}

#[test]
fn error_setup_intent_not_cancelable() {
    let not = |status| Err(LifecycleError::SetupIntentNotCancelable { status });
    assert_eq!(authorized().check_cancel(false, T0), not(SetupIntentStatus::Authorized));
    assert_eq!(authorized().check_cancel(true, T0), Ok(()));
    assert_eq!(si(SetupIntentStatus::Completed).check_cancel(true, T0), not(SetupIntentStatus::Completed));
    assert_eq!(si(SetupIntentStatus::Created).check_cancel(true, EXPIRE_AT), not(SetupIntentStatus::Expired));
}

#[test]
fn error_payment_intent_not_cancelable() {
    assert_eq!(created_pi().check_cancel(), Ok(()));
    for status in [PaymentIntentStatus::Authorized, PaymentIntentStatus::Captured, PaymentIntentStatus::Canceled] {
        assert_eq!(pi(status, INTENDED).check_cancel(), Err(LifecycleError::PaymentIntentNotCancelable { status }));
    }
}

#[test]
fn error_not_capturable() {
    let not = |status| Err(LifecycleError::NotCapturable { status });
    assert_eq!(created_pi().check_capture(Money::gbp(10)), not(PaymentIntentStatus::Created));
    let auto =
        PaymentIntentState { capture_mode: Some(CaptureMode::Auto), ..pi(PaymentIntentStatus::Authorized, INTENDED) };
    assert_eq!(auto.check_capture(Money::gbp(10)), not(PaymentIntentStatus::Authorized));
    assert_eq!(
        pi(PaymentIntentStatus::Captured, INTENDED).check_capture(Money::gbp(10)),
        not(PaymentIntentStatus::Captured)
    );
    let mut manual = pi(PaymentIntentStatus::Authorized, INTENDED);
    assert_eq!(
        manual.record_capture(Money::gbp(10_000)),
        Err(LifecycleError::CaptureExceedsRemaining { remaining: 1000 })
    );
    assert_eq!(manual.status(), PaymentIntentStatus::Authorized, "a refused capture changes nothing");
}

#[test]
fn error_capture_exceeds_remaining() {
    let mut manual = pi(PaymentIntentStatus::Authorized, INTENDED);
    assert_eq!(
        manual.check_capture(Money::gbp(1001)),
        Err(LifecycleError::CaptureExceedsRemaining { remaining: 1000 })
    );
    manual.record_capture(Money::gbp(600)).unwrap();
    assert_eq!(manual.check_capture(Money::gbp(401)), Err(LifecycleError::CaptureExceedsRemaining { remaining: 400 }));
}

#[test]
fn error_not_refundable() {
    for status in [PaymentIntentStatus::Created, PaymentIntentStatus::Authorized, PaymentIntentStatus::Refunded] {
        assert_eq!(pi(status, INTENDED).check_refund(Money::gbp(1)), Err(LifecycleError::NotRefundable { status }));
    }
}

#[test]
fn error_refund_exceeds_available() {
    let mut captured = pi(PaymentIntentStatus::Captured, INTENDED);
    assert_eq!(
        captured.check_refund(Money::gbp(1001)),
        Err(LifecycleError::RefundExceedsAvailable { available: 1000 })
    );
    captured.record_refund(Money::gbp(300)).unwrap();
    assert_eq!(captured.record_refund(Money::gbp(701)), Err(LifecycleError::RefundExceedsAvailable { available: 700 }));
    assert_eq!(captured.refunded(), 300, "a refused refund changes nothing");
}

#[test]
fn error_not_reversible() {
    assert_eq!(pi(PaymentIntentStatus::Authorized, INTENDED).check_reversal(), Ok(()));
    assert_eq!(pi(PaymentIntentStatus::Captured, INTENDED).check_reversal(), Ok(()));
    for status in [PaymentIntentStatus::Created, PaymentIntentStatus::Refunded, PaymentIntentStatus::Canceled] {
        assert_eq!(pi(status, INTENDED).check_reversal(), Err(LifecycleError::NotReversible { status }));
    }
}

#[test]
fn error_non_positive_amount() {
    let manual = pi(PaymentIntentStatus::Authorized, INTENDED);
    assert_eq!(manual.check_capture(Money::gbp(0)), Err(LifecycleError::NonPositiveAmount));
    assert_eq!(
        pi(PaymentIntentStatus::Captured, INTENDED).check_refund(Money::gbp(-1)),
        Err(LifecycleError::NonPositiveAmount)
    );
}

#[test]
fn captures_and_refunds_are_in_the_payment_intents_currency() {
    let euros = Money::eur(100);
    let mismatch = Err(LifecycleError::CurrencyMismatch { expected: Currency::Gbp, requested: Currency::Eur });
    let mut manual =
        PaymentIntentState { capture_mode: Some(CaptureMode::Manual), ..pi(PaymentIntentStatus::Authorized, INTENDED) };
    assert_eq!(manual.check_capture(euros), mismatch);
    assert_eq!(manual.record_capture(euros), mismatch);
    assert_eq!(manual.uncaptured(), INTENDED, "a refused capture changes nothing");
    manual.record_capture(Money::gbp(600)).unwrap();
    assert_eq!(manual.uncaptured(), Money::gbp(400));
    assert_eq!(manual.check_refund(euros), mismatch);
    assert_eq!(manual.refundable(), Money::gbp(600));
    manual.record_refund(Money::gbp(250)).unwrap();
    assert_eq!(manual.refundable(), Money::gbp(350));
    // Every check names the currency only after the amount's sign.
    assert_eq!(manual.check_refund(Money::eur(0)), Err(LifecycleError::NonPositiveAmount));
}

#[test]
fn every_error_says_something_of_its_own() {
    use LifecycleError as E;
    use PaymentIntentStatus as P;
    let all = [
        E::SetupIntentNotAuthorized { status: SetupIntentStatus::Created },
        E::IntendedAmountUnknown,
        E::NotFromThisSetupIntent,
        E::AmountMismatch { expected: INTENDED, requested: Money::gbp(1) },
        E::AlreadyCharged,
        E::TicketForAnotherPaymentIntent,
        E::ChargeInFlight,
        E::ChargeOutcomeUnknown,
        E::PaymentIntentNotChargeable { status: P::Canceled },
        E::SetupIntentNotCancelable { status: SetupIntentStatus::Completed },
        E::PaymentIntentNotCancelable { status: P::Captured },
        E::NotCapturable { status: P::Created },
        E::CaptureExceedsRemaining { remaining: 1 },
        E::NotRefundable { status: P::Created },
        E::RefundExceedsAvailable { available: 1 },
        E::NotReversible { status: P::Created },
        E::NonPositiveAmount,
    ];
    let texts: [String; 17] = all.map(|e| e.to_string());
    for (i, t) in texts.iter().enumerate() {
        assert!(!t.is_empty());
        assert!(texts.iter().skip(i + 1).all(|u| u != t), "{t}");
    }
    assert!(E::ChargeOutcomeUnknown.to_string().contains("reconcile"));
    assert!(all[3].to_string().contains("10.00 GBP"), "{}", all[3]);
}

#[test]
fn errors_stay_small() {
    let size = core::mem::size_of::<LifecycleError>();
    // Two `Money` (AmountMismatch) and a tag; a status with room for an unknown value.
    assert!(size <= 56, "{size}");
}

/// Every status this file uses, an unknown one included.
fn si_statuses() -> [SetupIntentStatus; 8] {
    use SetupIntentStatus as S;
    let unknown = S::Unknown(UnknownValue::new("Paused"));
    [S::Created, S::Authorized, S::Canceled, S::Completed, S::Expired, S::CardExpired, S::Closed, unknown]
}

fn pi_statuses() -> [PaymentIntentStatus; 7] {
    use PaymentIntentStatus as P;
    let unknown = P::Unknown(UnknownValue::new("Paused"));
    [P::Created, P::Authorized, P::Captured, P::Reversed, P::Refunded, P::Canceled, unknown]
}

/// `record_summary` (the status read in place) records what `observe_summary` records,
/// and its anomaly is `observe_summary`'s, for every pair of statuses (an unknown one
/// included), with and without the expiry and amount in the answer.
#[test]
fn record_summary_agrees_with_observe_summary() {
    for from in si_statuses() {
        for to in si_statuses() {
            for (expire_at, intended_amount) in [(None, None), (Some(T0.add_seconds(60)), Some(Money::gbp(500)))] {
                let summary =
                    crate::setup_intent::SetupIntentSummary { id: si_id(), status: to, intended_amount, expire_at };
                let (mut observed, mut recorded) = (si(from), si(from));
                let result = observed.observe_summary(&summary);
                let mut anomaly = None;
                recorded.record_summary(&summary, &mut anomaly);
                assert_eq!(recorded, observed, "{from:?} -> {to:?}");
                assert_eq!(anomaly, result.err(), "{from:?} -> {to:?}");
            }
        }
    }
}

/// The payment intent's observation and reconciliation, by value and in place, keep
/// the table's answers: unchanged only for the same known status, a move only where
/// the table has one, an anomaly (of the right kind) otherwise, the state unchanged.
#[test]
fn payment_observe_and_reconcile_by_table() {
    for from in pi_statuses() {
        for to in pi_statuses() {
            let mut state = created_pi();
            state.status = from;
            let before = state.clone();
            let result = state.observe(to);
            let same = to.is_known() && to == from;
            match (payment_intent_transition(from, to), result) {
                (_, Ok(Observation::Unchanged)) => assert!(same, "{from:?} -> {to:?}"),
                (Some(cause), Ok(Observation::Moved { from: f, to: t, cause: c })) => {
                    assert!(!same && f == from && t == to && c == cause, "{from:?} -> {to:?}");
                    assert_eq!(state.status(), to);
                }
                (None, Err(anomaly)) => {
                    assert!(!same && anomaly.from == from && anomaly.to == to, "{from:?} -> {to:?}");
                    let kind = if from.is_known() && to.is_known() {
                        AnomalyKind::ImpossibleMove
                    } else {
                        AnomalyKind::UnknownStatus
                    };
                    assert_eq!(anomaly.kind, kind);
                    assert_eq!(state, before);
                }
                (table, result) => panic!("{from:?} -> {to:?}: table {table:?}, observed {result:?}"),
            }
            // Reconciling reports the same anomaly, the state unchanged.
            let (mut state, mut setup) = (before.clone(), authorized());
            if let Err(anomaly) = state.reconcile(to, &mut setup) {
                assert!(payment_intent_transition(from, to).is_none() && !same, "{from:?} -> {to:?}");
                assert!(anomaly.from == from && anomaly.to == to, "{from:?} -> {to:?}");
                assert_eq!(state, before);
            }
        }
    }
}

/// A payment intent just created: its summary's state, or with the amount requested
/// (and the setup intent it was created from) when the answer omits it, as the kiosk
/// built it before `from_created_summary`.
#[test]
fn from_created_summary_is_from_summary_or_the_request() {
    let other = SetupIntentId::new("si_sandbox_other").unwrap();
    for status in pi_statuses() {
        for amount in [None, Some(Money::gbp(700))] {
            for setup_intent_id in [None, Some(other)] {
                for capture_mode in [None, Some(CaptureMode::Auto), Some(CaptureMode::Manual)] {
                    let pi = crate::payment_intent::PaymentIntentSummary {
                        id: pi_id(),
                        status,
                        amount,
                        setup_intent_id,
                        capture_mode,
                    };
                    let expected = PaymentIntentState::from_summary(&pi).unwrap_or_else(|| {
                        PaymentIntentState::new(
                            pi.id,
                            pi.status,
                            INTENDED,
                            pi.setup_intent_id.or_else(|| Some(si_id())),
                        )
                    });
                    assert_eq!(PaymentIntentState::from_created_summary(&pi, INTENDED, &si_id()), expected);
                }
            }
        }
    }
}
