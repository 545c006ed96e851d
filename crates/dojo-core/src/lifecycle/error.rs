//! [`LifecycleError`]: the rules an operation would break, refused before anything is sent.

use core::fmt;

use crate::enums::{PaymentIntentStatus, SetupIntentStatus};
use crate::money::{Currency, Money};

/// A lifecycle rule the requested operation would break. Nothing was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleError {
    /// Only an Authorized setup intent can back a charge; this one is effectively
    /// `status` (Expired when Created past its `expireAt`).
    SetupIntentNotAuthorized {
        /// The setup intent's effective status.
        status: SetupIntentStatus,
    },
    /// The setup intent's intended amount is not known, so the charge amount cannot be
    /// checked. Read the setup intent first.
    IntendedAmountUnknown,
    /// The payment intent was not created from this setup intent.
    NotFromThisSetupIntent,
    /// A charge must be for exactly the setup intent's intended amount.
    AmountMismatch {
        /// The intended amount.
        expected: Money,
        /// The amount asked for.
        requested: Money,
    },
    /// The payment intent was already charged successfully.
    AlreadyCharged,
    /// The charge ticket was issued for another payment intent: record a charge's answer
    /// on the payment intent whose [`begin_charge`](super::PaymentIntentState::begin_charge)
    /// issued its ticket.
    TicketForAnotherPaymentIntent,
    /// A charge of this payment intent is in flight.
    ChargeInFlight,
    /// An earlier charge may have executed: reconcile (read the payment intent) first.
    ChargeOutcomeUnknown,
    /// A payment intent can be charged only while Created.
    PaymentIntentNotChargeable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// A setup intent can be canceled only while Created (or closed while Authorized,
    /// with `includeAuthorized`).
    SetupIntentNotCancelable {
        /// Its effective status.
        status: SetupIntentStatus,
    },
    /// A payment intent can be canceled only while Created.
    PaymentIntentNotCancelable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// Only an Authorized payment intent with `Manual` capture, or one partly captured,
    /// can be captured.
    NotCapturable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// The capture exceeds what is left to capture.
    CaptureExceedsRemaining {
        /// Minor units left to capture.
        remaining: i64,
    },
    /// Only a Captured payment intent can be refunded.
    NotRefundable {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// The refund exceeds what was captured and not yet refunded.
    RefundExceedsAvailable {
        /// Minor units still refundable.
        available: i64,
    },
    /// Only an Authorized or Captured payment intent can be reversed.
    NotReversible {
        /// Its status.
        status: PaymentIntentStatus,
    },
    /// An amount must be greater than zero.
    NonPositiveAmount,
    /// A capture or refund must be in the payment intent's currency.
    CurrencyMismatch {
        /// The payment intent's currency.
        expected: Currency,
        /// The amount's.
        requested: Currency,
    },
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LifecycleError::SetupIntentNotAuthorized { status } => {
                write!(f, "the setup intent is {status}, not Authorized: the customer must authorize a card first")
            }
            LifecycleError::IntendedAmountUnknown => {
                f.write_str("the setup intent's intended amount is unknown: read the setup intent first")
            }
            LifecycleError::NotFromThisSetupIntent => f.write_str(
                "the payment intent was not created from this setup intent: charge the one created with its \
                 setupIntentId",
            ),
            LifecycleError::AmountMismatch { expected, requested } => write!(
                f,
                "a charge must be for the intended {expected}, not {requested}: create the payment intent for \
                 exactly {expected}"
            ),
            LifecycleError::AlreadyCharged => {
                f.write_str("the payment intent was already charged: never charge it again (refund it if it was wrong)")
            }
            LifecycleError::TicketForAnotherPaymentIntent => f.write_str(
                "the charge ticket names another payment intent: record the answer on the one that issued it",
            ),
            LifecycleError::ChargeInFlight => f.write_str(
                "a charge of this payment intent is in flight: record its answer, or that the answer was lost",
            ),
            LifecycleError::ChargeOutcomeUnknown => {
                f.write_str("an earlier charge may have executed: read the payment intent to reconcile first")
            }
            LifecycleError::PaymentIntentNotChargeable { status } => {
                write!(f, "the payment intent is {status}; only a Created one can be charged: read its state")
            }
            LifecycleError::SetupIntentNotCancelable { status } => {
                write!(
                    f,
                    "the setup intent is {status}: only a Created one can be canceled, or an Authorized one closed \
                     with includeAuthorized=true"
                )
            }
            LifecycleError::PaymentIntentNotCancelable { status } => {
                write!(f, "the payment intent is {status}; only a Created one can be canceled: reverse or refund it")
            }
            LifecycleError::NotCapturable { status } => {
                write!(
                    f,
                    "the payment intent is {status}; only an Authorized Manual one, or one partly captured, can be \
                     captured"
                )
            }
            LifecycleError::CaptureExceedsRemaining { remaining } => {
                write!(f, "the capture exceeds what is left to capture: capture at most {remaining} minor units")
            }
            LifecycleError::NotRefundable { status } => {
                write!(f, "the payment intent is {status}; only a Captured one can be refunded")
            }
            LifecycleError::RefundExceedsAvailable { available } => {
                write!(f, "the refund exceeds what is still refundable: refund at most {available} minor units")
            }
            LifecycleError::NotReversible { status } => {
                write!(
                    f,
                    "the payment intent is {status}; only an Authorized or Captured one can be reversed (cancel a \
                     Created one)"
                )
            }
            LifecycleError::NonPositiveAmount => {
                f.write_str("the amount must be greater than zero: pass a positive amount in minor units")
            }
            LifecycleError::CurrencyMismatch { expected, requested } => {
                write!(f, "the amount is in {requested}, but the payment intent is in {expected}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LifecycleError {}
