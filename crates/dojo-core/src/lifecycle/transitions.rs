//! The transition tables: which status may follow which, and why.

use crate::enums::{PaymentIntentStatus, SetupIntentStatus};

/// Why a setup intent moved from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupIntentCause {
    /// Created → Authorized: the customer authorized a card at checkout.
    CustomerAuthorized,
    /// Created → Expired: `expireAt` passed before the customer authorized.
    ExpireAtPassed,
    /// Created → Canceled: the merchant canceled it (DELETE).
    CanceledByMerchant,
    /// Authorized → Completed: a payment intent created from it was charged.
    Charged,
    /// Authorized → Closed: the merchant canceled it after authorization (DELETE with
    /// `includeAuthorized=true`).
    ClosedByMerchant,
    /// Authorized → CardExpired: the stored card passed its expiry date before it was
    /// charged.
    CardExpired,
}

/// The cause of a setup intent's move from `from` to `to`, or `None` if the lifecycle
/// does not allow it (including any move to or from an unknown status, and staying put).
pub fn setup_intent_transition(from: SetupIntentStatus, to: SetupIntentStatus) -> Option<SetupIntentCause> {
    setup_intent_move(&from, &to)
}

/// [`setup_intent_transition`] of statuses borrowed where they are (an open enum is 34
/// bytes, align 1: not moved).
pub(super) fn setup_intent_move(from: &SetupIntentStatus, to: &SetupIntentStatus) -> Option<SetupIntentCause> {
    use SetupIntentStatus as S;
    match (from, to) {
        (S::Created, S::Authorized) => Some(SetupIntentCause::CustomerAuthorized),
        (S::Created, S::Expired) => Some(SetupIntentCause::ExpireAtPassed),
        (S::Created, S::Canceled) => Some(SetupIntentCause::CanceledByMerchant),
        (S::Authorized, S::Completed) => Some(SetupIntentCause::Charged),
        (S::Authorized, S::Closed) => Some(SetupIntentCause::ClosedByMerchant),
        (S::Authorized, S::CardExpired) => Some(SetupIntentCause::CardExpired),
        _ => None,
    }
}

/// Why a payment intent moved from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentIntentCause {
    /// Created → Authorized: the customer authorized a `Manual` capture payment.
    Authorized,
    /// Created → Captured: an `Auto` capture payment was authorized, or the merchant
    /// charged it (`/charge`, merchant-initiated from a setup intent).
    CapturedOnAuthorization,
    /// Created → Canceled: the merchant canceled it (DELETE, allowed only while Created;
    /// there is no Authorized → Canceled, an Authorized one is reversed instead).
    Canceled,
    /// Authorized → Captured: the merchant captured it (`/captures`), or `autoExpireIn`
    /// ran out with `autoExpireAction: Capture`.
    Captured,
    /// Authorized → Reversed or Captured → Reversed: the merchant reversed it before
    /// settlement (`/reversal`), or Dojo released an uncaptured `Manual` one (after 7 days,
    /// or when `autoExpireIn` ran out with `autoExpireAction: Release`).
    Reversed,
    /// Captured → Refunded: refunded in full (partial refunds keep it Captured).
    Refunded,
}

/// The cause of a payment intent's move from `from` to `to`, or `None` if the lifecycle
/// does not allow it.
pub fn payment_intent_transition(from: PaymentIntentStatus, to: PaymentIntentStatus) -> Option<PaymentIntentCause> {
    payment_intent_move(&from, &to)
}

/// [`payment_intent_transition`] of statuses borrowed where they are.
pub(super) fn payment_intent_move(from: &PaymentIntentStatus, to: &PaymentIntentStatus) -> Option<PaymentIntentCause> {
    use PaymentIntentStatus as P;
    match (from, to) {
        (P::Created, P::Authorized) => Some(PaymentIntentCause::Authorized),
        (P::Created, P::Captured) => Some(PaymentIntentCause::CapturedOnAuthorization),
        (P::Created, P::Canceled) => Some(PaymentIntentCause::Canceled),
        (P::Authorized, P::Captured) => Some(PaymentIntentCause::Captured),
        (P::Authorized | P::Captured, P::Reversed) => Some(PaymentIntentCause::Reversed),
        (P::Captured, P::Refunded) => Some(PaymentIntentCause::Refunded),
        _ => None,
    }
}
