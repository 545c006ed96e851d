//! The kiosk's no-show flow, end to end: everything that is not ESP-specific, so host
//! tests run exactly what the firmware runs.
//!
//! 1. Create a setup intent for the no-show fee.
//! 2. Show its checkout link (a QR code, or text in the log) through the [`Kiosk`].
//! 3. Poll until the customer has authorized a card (or it can no longer be).
//! 4. Create a payment intent for exactly the intended amount, from that setup intent.
//! 5. Charge it once ([`Client::charge`], which reconciles an unknown outcome).
//! 6. Read the setup intent back: Completed.
//!
//! Every status move is recorded by dojo-core's lifecycle; the flow only moves bytes and
//! reports.

use dojo_core::charge::{ChargeReport, NotCharged, Outcome};
use dojo_core::checkout::CHECKOUT_LINK_MAX_LEN;
use dojo_core::lifecycle::{Anomaly, PaymentIntentState, SetupIntentState, setup_intent_transition};
use dojo_core::request::{Api, CreatePaymentIntentRequest, CreateSetupIntentRequest, Request};
use dojo_core::response::kind;
use dojo_core::{
    MerchantInitiatedTransactionType, Money, PaymentIntentId, SetupIntentId, SetupIntentStatus, Timestamp,
};

use crate::client::{Client, ClientResult, ConnError, Connect, Stop, decode_with};
use crate::error::Error;
use crate::retry::Delay;

/// What the firmware provides: a screen, a clock and a way to wait.
pub trait Kiosk {
    /// Shows the checkout link to the customer (as a QR code, or text).
    fn show_checkout(&mut self, link: &str);

    /// The current time (the lifecycle checks a setup intent's expiry against it).
    fn now(&mut self) -> Timestamp;

    /// Waits `ms` milliseconds between polls.
    fn wait_ms(&mut self, ms: u32);

    /// Hears how the flow is going (by default, nothing).
    fn progress(&mut self, step: Step) {
        let _ = step;
    }
}

/// A step of the flow, for the kiosk's screen or log.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Step {
    /// The setup intent was created.
    SetupIntentCreated(SetupIntentId),
    /// A poll read the setup intent's status.
    Polled {
        /// 1-based.
        poll: u32,
        /// The status read.
        status: SetupIntentStatus,
    },
    /// A poll failed (after its retries); polling goes on.
    PollFailed {
        /// 1-based.
        poll: u32,
    },
    /// The payment intent was created.
    PaymentIntentCreated(PaymentIntentId),
    /// The charge settled (or stayed pending): the flow's report holds the
    /// [`ChargeReport`].
    Charged(Outcome),
    /// The setup intent as read after the charge.
    Confirmed(SetupIntentStatus),
}

/// The no-show fee to take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoShowFee<'a> {
    /// The setup intent's reference (1–60 characters), e.g. the booking.
    pub reference: &'a str,
    /// The terms the customer agrees to (shown at checkout).
    pub terms: &'a str,
    /// The fee: the setup intent's intended amount and the charge's amount.
    pub amount: Money,
    /// The payment intent's reference.
    pub charge_reference: &'a str,
}

/// How long to wait for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// Between two polls, in ms.
    pub interval_ms: u32,
    /// At most this many polls.
    pub max_polls: u32,
}

impl PollPolicy {
    /// Every 2 s for 5 minutes.
    pub const DEFAULT: PollPolicy = PollPolicy { interval_ms: 2_000, max_polls: 150 };
}

/// How waiting for the customer ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Waited {
    /// The setup intent is Authorized.
    Authorized,
    /// It can no longer be authorized (Expired, Canceled, …).
    Ended(SetupIntentStatus),
    /// The polls ran out.
    TimedOut,
    /// The server reported a move the lifecycle does not allow; the state is unchanged.
    Anomaly(Anomaly<SetupIntentStatus>),
}

/// How the flow ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FlowEnd {
    /// Charged exactly once; the setup intent is Completed.
    Charged,
    /// Nothing was charged, as the server showed (declined or failed, or the payment
    /// intent canceled).
    NotCharged(NotCharged),
    /// Not known yet: the charge may still land (see the report's ids). Never tell the
    /// customer "not charged"; settle it with [`Client::reconcile_charge`].
    Pending,
    /// The customer did not authorize a card.
    NotAuthorized(Waited),
}

/// What the flow did so far: filled in as it goes, so that after an error the caller
/// still holds the states (a charge left unsettled is `payment` with
/// `charge_unsettled()`: settle it with [`Client::reconcile_charge`] before anything
/// else).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoShowReport {
    /// The setup intent, once created, as the lifecycle knows it.
    pub setup: Option<SetupIntentState>,
    /// The payment intent, once created.
    pub payment: Option<PaymentIntentState>,
    /// The charge, once settled.
    pub charge: Option<ChargeReport>,
    /// How it ended, once it did.
    pub end: Option<FlowEnd>,
}

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// Creates the setup intent for `fee` (`NoShow`).
    pub fn create_no_show<'b>(
        &mut self,
        fee: &NoShowFee<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SetupIntentState, K> {
        self.create_no_show_inner(fee, buf).map_err(|stop| stop.into_error(buf))
    }

    /// Polls `setup` every `poll.interval_ms` until the customer has authorized a card,
    /// it can no longer be authorized (by dojo-core's transition table, or its expiry at
    /// `kiosk.now()`), or the polls run out. A poll that fails after its retries is
    /// reported and polling goes on; an error answer (4xx) ends it.
    pub fn wait_for_authorization<'b, U: Kiosk>(
        &mut self,
        setup: &mut SetupIntentState,
        poll: PollPolicy,
        kiosk: &mut U,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Waited, K> {
        self.wait_inner(setup, poll, kiosk, buf).map_err(|stop| stop.into_error(buf))
    }

    /// Creates a payment intent charging `setup`'s card for its intended amount.
    pub fn create_fee_payment_intent<'b>(
        &mut self,
        setup: &SetupIntentState,
        reference: &str,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntentState, K> {
        self.create_payment_inner(setup, reference, buf).map_err(|stop| stop.into_error(buf))
    }

    /// The whole flow (see the [module docs](self)), with one buffer, recording into
    /// `report` (start from `NoShowReport::default()`) as it goes: on an error the
    /// report keeps what was done, e.g. the payment intent whose charge is unsettled.
    pub fn run_no_show<'b, U: Kiosk>(
        &mut self,
        fee: &NoShowFee<'_>,
        poll: PollPolicy,
        kiosk: &mut U,
        report: &mut NoShowReport,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, FlowEnd, K> {
        self.run_inner(fee, poll, kiosk, report, buf).map_err(|stop| stop.into_error(buf))
    }

    #[inline(never)]
    fn create_no_show_inner(
        &mut self,
        fee: &NoShowFee<'_>,
        buf: &mut [u8],
    ) -> Result<SetupIntentState, Stop<ConnError<K>>> {
        let fetched = self.fetch_built(|api, buf| build_setup_intent(api, fee, buf).map(|r| r.summarized()), buf)?;
        decode_with(fetched, buf, SetupIntentState::from_summary)
    }

    #[inline(never)]
    fn wait_inner<U: Kiosk>(
        &mut self,
        setup: &mut SetupIntentState,
        poll: PollPolicy,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> Result<Waited, Stop<ConnError<K>>> {
        let id = setup.id();
        for n in 1..=poll.max_polls {
            if let Some(end) = settled(setup, kiosk.now()) {
                return Ok(end);
            }
            kiosk.wait_ms(poll.interval_ms);
            let fetched = match self.fetch_built(|api, _| api.get_setup_intent(&id).map(|r| r.summarized()), buf) {
                Ok(fetched) => fetched,
                Err(Stop::Failed(Error::Transport(_))) => {
                    kiosk.progress(Step::PollFailed { poll: n });
                    continue;
                }
                Err(stop) => return Err(stop),
            };
            let (status, observed) = decode_with(fetched, buf, |si| (si.status, setup.observe_summary(si)))?;
            kiosk.progress(Step::Polled { poll: n, status });
            if let Err(anomaly) = observed {
                return Ok(Waited::Anomaly(anomaly));
            }
        }
        Ok(settled(setup, kiosk.now()).unwrap_or(Waited::TimedOut))
    }

    #[inline(never)]
    fn create_payment_inner(
        &mut self,
        setup: &SetupIntentState,
        reference: &str,
        buf: &mut [u8],
    ) -> Result<PaymentIntentState, Stop<ConnError<K>>> {
        // The payment intent is for exactly the intended amount: dojo-core's
        // `check_payment_amount` holds by construction.
        let amount = setup.intended_amount().ok_or(dojo_core::error::LifecycleError::IntendedAmountUnknown)?;
        let fetched = self.fetch_built(
            |api, buf| build_payment_intent(api, setup, reference, amount, buf).map(|r| r.summarized()),
            buf,
        )?;
        // The server may omit the amount it was just sent; the state is then the one
        // requested.
        decode_with(fetched, buf, |pi| {
            PaymentIntentState::from_summary(pi).unwrap_or_else(|| {
                PaymentIntentState::new(pi.id, pi.status, amount, pi.setup_intent_id.or(Some(setup.id())))
            })
        })
    }

    /// Reads the setup intent back after the charge. Completed is what the lifecycle
    /// already recorded (Unchanged); anything else is reported as read, and the charge
    /// stands either way.
    #[inline(never)]
    fn confirm_inner(
        &mut self,
        setup: &mut SetupIntentState,
        buf: &mut [u8],
    ) -> Result<SetupIntentStatus, Stop<ConnError<K>>> {
        let id = setup.id();
        let fetched = self.fetch_built(|api, _| api.get_setup_intent(&id).map(|r| r.summarized()), buf)?;
        decode_with(fetched, buf, |si| {
            let _ = setup.observe_summary(si);
            si.status
        })
    }

    #[inline(never)]
    fn run_inner<U: Kiosk>(
        &mut self,
        fee: &NoShowFee<'_>,
        poll: PollPolicy,
        kiosk: &mut U,
        report: &mut NoShowReport,
        buf: &mut [u8],
    ) -> Result<FlowEnd, Stop<ConnError<K>>> {
        let setup = report.setup.insert(self.create_no_show_inner(fee, buf)?);
        kiosk.progress(Step::SetupIntentCreated(setup.id()));
        show_checkout(setup, kiosk)?;

        let waited = self.wait_inner(setup, poll, kiosk, buf)?;
        if waited != Waited::Authorized {
            return Ok(*report.end.insert(FlowEnd::NotAuthorized(waited)));
        }

        let payment = report.payment.insert(self.create_payment_inner(setup, fee.charge_reference, buf)?);
        kiosk.progress(Step::PaymentIntentCreated(payment.id()));
        let now = kiosk.now();
        let charge = self.charge_once(payment, setup, now, buf)?;
        report.charge = Some(charge);
        kiosk.progress(Step::Charged(charge.outcome));
        let end = match charge.outcome {
            Outcome::Charged => FlowEnd::Charged,
            Outcome::NotCharged(why) => FlowEnd::NotCharged(why),
            Outcome::Pending => FlowEnd::Pending,
        };
        report.end = Some(end);
        if end == FlowEnd::Charged {
            let status = self.confirm_inner(setup, buf)?;
            kiosk.progress(Step::Confirmed(status));
        }
        Ok(end)
    }
}

/// Writes the checkout link and shows it.
#[inline(never)]
fn show_checkout<U: Kiosk>(setup: &SetupIntentState, kiosk: &mut U) -> Result<(), dojo_core::BufferTooSmall> {
    let mut link = [0u8; CHECKOUT_LINK_MAX_LEN];
    kiosk.show_checkout(dojo_core::checkout::checkout_link(&setup.id(), &mut link)?);
    Ok(())
}

/// Builds the setup intent's request in its own frame (the body struct is large).
#[inline(never)]
fn build_setup_intent<'k>(
    api: Api<'k>,
    fee: &NoShowFee<'_>,
    buf: &mut [u8],
) -> Result<Request<'k, kind::SetupIntentKind>, dojo_core::Error<'static>> {
    let body =
        CreateSetupIntentRequest::new(fee.reference, fee.terms, MerchantInitiatedTransactionType::NoShow, fee.amount);
    api.create_setup_intent(&body, buf)
}

/// Builds the payment intent's request in its own frame.
#[inline(never)]
fn build_payment_intent<'k>(
    api: Api<'k>,
    setup: &SetupIntentState,
    reference: &str,
    amount: Money,
    buf: &mut [u8],
) -> Result<Request<'k, kind::PaymentIntentKind>, dojo_core::Error<'static>> {
    let body = CreatePaymentIntentRequest::for_setup_intent(reference, amount, setup.id());
    api.create_payment_intent(&body, buf)
}

/// Whether waiting is over: Authorized, or a status from which the lifecycle allows no
/// way to Authorized (including expiry at `now`).
fn settled(setup: &SetupIntentState, now: Timestamp) -> Option<Waited> {
    let status = setup.effective_status(now);
    if status == SetupIntentStatus::Authorized {
        return Some(Waited::Authorized);
    }
    let can_still_authorize = setup_intent_transition(status, SetupIntentStatus::Authorized).is_some();
    (!can_still_authorize).then_some(Waited::Ended(status))
}
