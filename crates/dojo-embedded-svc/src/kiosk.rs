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

use dojo_core::ValidationError;
use dojo_core::charge::{Charge, ChargeReport, NotCharged, Outcome};
use dojo_core::checkout::CHECKOUT_LINK_MAX_LEN;
use dojo_core::error::LifecycleError;
use dojo_core::journal::{
    ActionRef, BookingId, CloseReason, Event, Journal, JournalError, JournalWriter, NotChargedReason, OpenBooking,
    Reference, Settlement, Stage,
};
use dojo_core::lifecycle::{Anomaly, PaymentIntentState, SetupIntentState, setup_intent_transition};
use dojo_core::request::{Api, Request};
use dojo_core::response::kind::{self, PaymentIntentSummaryKind, SetupIntentSummaryKind};
use dojo_core::{Money, PaymentIntentId, SetupIntentId, SetupIntentStatus, Timestamp};

use crate::client::{Call, Client, ClientResult, ConnError, Connect, Stop, Stopped, decode_with};
use crate::error::Error;
use crate::retry::Delay;

/// `?` for a step whose value is large (a state, a report): the value is borrowed where
/// the step's `Result` holds it (`let name = &mut value`), not moved out of it.
macro_rules! step {
    ($name:ident = $e:expr) => {
        let mut $name = $e;
        let $name = match &mut $name {
            Ok(value) => value,
            Err(e) => return Err((*e).into()),
        };
    };
}

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
        match self.create_no_show_inner(fee, buf) {
            Ok(v) => Ok(v),
            Err(_) => Err(self.take_error(buf)),
        }
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
        match self.wait_inner(setup, poll, kiosk, buf) {
            Ok(v) => Ok(v),
            Err(_) => Err(self.take_error(buf)),
        }
    }

    /// Creates a payment intent charging `setup`'s card for its intended amount.
    pub fn create_fee_payment_intent<'b>(
        &mut self,
        setup: &SetupIntentState,
        reference: &str,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, PaymentIntentState, K> {
        match self.create_payment_inner(setup, reference, buf) {
            Ok(v) => Ok(v),
            Err(_) => Err(self.take_error(buf)),
        }
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
        match self.run_inner(fee, poll, kiosk, report, buf) {
            Ok(v) => Ok(v),
            Err(_) => Err(self.take_error(buf)),
        }
    }

    #[inline(never)]
    fn create_no_show_inner(&mut self, fee: &NoShowFee<'_>, buf: &mut [u8]) -> Result<SetupIntentState, Stopped> {
        let fetched = self.fetch(Call::CreateSetupIntent(fee), buf)?;
        decode_with::<SetupIntentSummaryKind, _, _>(fetched, buf, &mut self.stop, SetupIntentState::from_summary)
    }

    #[inline(never)]
    fn wait_inner<U: Kiosk>(
        &mut self,
        setup: &mut SetupIntentState,
        poll: PollPolicy,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> Result<Waited, Stopped> {
        for n in 1..=poll.max_polls {
            if let Some(end) = settled(setup, kiosk.now()) {
                return Ok(end);
            }
            kiosk.wait_ms(poll.interval_ms);
            let fetched = match self.fetch(Call::GetSetupIntent(setup.id_ref()), buf) {
                Ok(fetched) => fetched,
                Err(stopped) => {
                    if !matches!(self.stop, Some(Stop::Failed(dojo_core::ClientError::Transport(_)))) {
                        return Err(stopped);
                    }
                    // A failed poll: reported, and polling goes on.
                    self.stop = None;
                    kiosk.progress(Step::PollFailed { poll: n });
                    continue;
                }
            };
            // Observed and reported where the answer is decoded: only the anomaly, if
            // any, leaves (no status moved through the results).
            let mut anomaly = None;
            // The status read in place (dojo-core's `record_summary`): an open enum is 34
            // bytes, align 1, copied only for an anomaly or a move.
            decode_with::<SetupIntentSummaryKind, _, _>(fetched, buf, &mut self.stop, |si| {
                setup.record_summary(si, &mut anomaly);
                kiosk.progress(Step::Polled { poll: n, status: si.status });
            })?;
            if let Some(anomaly) = anomaly {
                return Ok(Waited::Anomaly(anomaly));
            }
        }
        Ok(settled(setup, kiosk.now()).unwrap_or(Waited::TimedOut))
    }

    fn create_payment_inner(
        &mut self,
        setup: &SetupIntentState,
        reference: &str,
        buf: &mut [u8],
    ) -> Result<PaymentIntentState, Stopped> {
        // The payment intent is for exactly the intended amount: dojo-core's
        // `check_payment_amount` holds by construction.
        let Some(amount) = setup.intended_amount() else {
            return Err(self.refused(&LifecycleError::IntendedAmountUnknown));
        };
        let fetched = self.fetch(Call::CreatePaymentIntent { setup, reference, amount: &amount }, buf)?;
        // The server may omit the amount it was just sent; the state is then the one
        // requested.
        decode_with::<PaymentIntentSummaryKind, _, _>(fetched, buf, &mut self.stop, |pi| {
            PaymentIntentState::from_created_summary(pi, amount, setup.id_ref())
        })
    }

    /// Reads the setup intent back after the charge. Completed is what the lifecycle
    /// already recorded (Unchanged); anything else is reported as read, and the charge
    /// stands either way.
    #[inline(never)]
    fn confirm_inner(&mut self, setup: &mut SetupIntentState, buf: &mut [u8]) -> Result<SetupIntentStatus, Stopped> {
        let id = setup.id();
        let fetched = self.fetch(Call::GetSetupIntent(&id), buf)?;
        decode_with::<SetupIntentSummaryKind, _, _>(fetched, buf, &mut self.stop, |si| {
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
    ) -> Result<FlowEnd, Stopped> {
        let setup = report.setup.insert(self.create_no_show_inner(fee, buf)?);
        kiosk.progress(Step::SetupIntentCreated(setup.id()));
        if let Err(e) = show_checkout(&setup.id(), kiosk) {
            return Err(self.fail(e.into()));
        }

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
fn show_checkout<U: Kiosk>(setup_intent: &SetupIntentId, kiosk: &mut U) -> Result<(), dojo_core::BufferTooSmall> {
    let mut link = [0u8; CHECKOUT_LINK_MAX_LEN];
    kiosk.show_checkout(dojo_core::checkout::checkout_link(setup_intent, &mut link)?);
    Ok(())
}

/// Builds the setup intent's request (dojo-core's flat writer: no body struct built).
pub(crate) fn build_setup_intent<'k>(
    api: Api<'k>,
    fee: &NoShowFee<'_>,
    buf: &mut [u8],
) -> Result<Request<'k, kind::SetupIntentKind>, dojo_core::Error<'static>> {
    api.create_no_show_setup_intent(fee.reference, fee.terms, &fee.amount, buf)
}

/// Builds the payment intent's request (dojo-core's flat writer: no body struct built).
pub(crate) fn build_payment_intent<'k>(
    api: Api<'k>,
    setup: &SetupIntentState,
    reference: &str,
    amount: Money,
    buf: &mut [u8],
) -> Result<Request<'k, kind::PaymentIntentKind>, dojo_core::Error<'static>> {
    api.create_setup_payment_intent(reference, &amount, setup.id_ref(), buf)
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

// ---------------------------------------------------------------------------------
// The flow across reboots: enroll, settle, recover, each step journaled first.

/// A booking whose setup intent is created (and, once [`enroll`](Client::enroll) or
/// [`recover_booking`](Client::recover_booking) says so, authorized): what
/// [`settle`](Client::settle) needs, hours or days later, after any number of reboots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolled {
    /// The booking's number in the journal.
    pub booking: BookingId,
    /// Its setup intent.
    pub setup_intent: SetupIntentId,
    /// The intended amount (the no-show fee).
    pub amount: Money,
}

impl Enrolled {
    /// The enrolled booking an open journal booking stands for: one whose newest record
    /// is [`Event::SetupIntentCreated`] (its setup intent known, nothing charged yet).
    /// `None` for any other stage: act on its [`Action`](dojo_core::journal::Action) with
    /// [`recover_booking`](Client::recover_booking).
    pub fn from_open(open: &OpenBooking) -> Option<Enrolled> {
        match open.stage {
            Stage::SetupIntentCreated => {
                Some(Enrolled { booking: open.booking, setup_intent: open.setup_intent?, amount: open.amount? })
            }
            _ => None,
        }
    }
}

/// How [`enroll`](Client::enroll) ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Enrollment {
    /// The customer authorized a card: settle the booking later.
    Authorized(Enrolled),
    /// The setup intent can no longer be authorized (the server showed it ended): the
    /// booking is closed in the journal (`Abandoned`).
    Ended(SetupIntentStatus),
    /// The polls ran out (or the lifecycle saw an anomaly) while it could still be
    /// authorized: the booking stays open; [`recover_booking`](Client::recover_booking)
    /// reads it back later, or [`settle`](Client::settle) with [`Arrival::Arrived`]
    /// releases it.
    Waiting(Enrolled, Waited),
}

/// What happened to the guest of a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The guest came: release the card (cancel the setup intent, `includeAuthorized`).
    Arrived,
    /// The guest did not come: charge the fee.
    NoShow,
}

/// How a booking was settled (by [`settle`](Client::settle) or
/// [`recover_booking`](Client::recover_booking)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Settled {
    /// The charge's verdict, journaled as `ChargeSettled`: charged, not charged (with
    /// the server's reason), or pending (the booking stays open; recovery settles it
    /// later: never tell the customer "not charged").
    Charge(ChargeReport),
    /// The booking needs nothing more and is closed in the journal.
    Closed(CloseReason),
    /// Enrolled and authorized, waiting for [`settle`](Client::settle).
    Enrolled(Enrolled),
    /// The setup intent still awaits the customer (`Created`): the booking stays open.
    AwaitingAuthorization(Enrolled),
    /// The orphan search found this many candidate payment intents (more than one): the
    /// booking stays open and a person decides (references should be unique per
    /// booking).
    Ambiguous(u8),
}

/// Why a journaled step stopped. Nothing the journal does not know about was done: a
/// journal error means the step it was for was not taken; an API error leaves the
/// booking at its last record, and [`recover_booking`](Client::recover_booking) picks
/// it up from there.
#[derive(Debug)]
pub enum FlowError<'b, E, J> {
    /// The exchange failed (see [`Error`]).
    Api(Error<'b, E>),
    /// The journal refused the record (see [`JournalError`]: `Full` → compact and retry;
    /// `Corrupt`, `UnsupportedVersion` → keep the medium, settle by hand).
    Journal(JournalError<J>),
}

impl<E: core::fmt::Debug, J: core::fmt::Debug> core::fmt::Display for FlowError<'_, E, J> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FlowError::Api(e) => e.fmt(f),
            FlowError::Journal(e) => write!(f, "journal: {e:?}"),
        }
    }
}

/// The result of a journaled step.
pub type FlowResult<'b, T, K, J> = Result<T, FlowError<'b, ConnError<K>, <J as Journal>::Error>>;

/// A journaled step's stop, a word: the client's steps stopped (why is in the client:
/// [`Stopped`]), or a journal note failed (why is in its [`Journaled`]). Every `?`
/// between the steps moves only this, not the ~20-byte journal or validation error.
enum Halt {
    Stop(Stopped),
    Note,
}

impl From<Stopped> for Halt {
    fn from(s: Stopped) -> Self {
        Halt::Stop(s)
    }
}

/// The journal of a journaled operation, and why its last note failed.
struct Journaled<'j, J: Journal> {
    writer: &'j mut JournalWriter<J>,
    failed: Option<NoteFailed<J::Error>>,
}

/// Why a journal note failed: its reference was refused, or the journal refused the
/// record.
enum NoteFailed<E> {
    Invalid(ValidationError),
    Journal(JournalError<E>),
}

/// A journaled step's result: its value, or why it halted (a word).
type StepResult<T> = Result<T, Halt>;

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// The caller's error of a journaled step's stop (the client's steps' reason taken).
    #[inline(never)]
    fn flow_error<'b, JE>(
        &mut self,
        halt: Halt,
        failed: &mut Option<NoteFailed<JE>>,
        buf: &'b [u8],
    ) -> FlowError<'b, ConnError<K>, JE> {
        // A note's failure is kept where it failed (never missing after `Halt::Note`;
        // were it so, the client's slot would be read).
        match (halt, failed.take()) {
            (Halt::Note, Some(NoteFailed::Invalid(e))) => FlowError::Api(dojo_core::ClientError::Invalid(e)),
            (Halt::Note, Some(NoteFailed::Journal(e))) => FlowError::Journal(e),
            _ => FlowError::Api(self.take_error(buf)),
        }
    }

    /// Enrolls a booking (before the guest leaves the kiosk): journals
    /// `SetupIntentCreating`, creates the setup intent for `fee`, journals
    /// `SetupIntentCreated`, shows its checkout link, and waits for the customer to
    /// authorize a card. The booking is then in the journal: [`settle`](Self::settle)
    /// it later, after any number of reboots ([`recover_booking`](Self::recover_booking)
    /// at boot says where each booking stands). `fee.charge_reference` is not used here.
    pub fn enroll<'b, J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut JournalWriter<J>,
        fee: &NoShowFee<'_>,
        poll: PollPolicy,
        kiosk: &mut U,
        buf: &'b mut [u8],
    ) -> FlowResult<'b, Enrollment, K, J> {
        let mut journal = Journaled { writer: journal, failed: None };
        match self.enroll_inner(&mut journal, fee, poll, kiosk, buf) {
            Ok(v) => Ok(v),
            Err(halt) => Err(self.flow_error(halt, &mut journal.failed, buf)),
        }
    }

    /// Settles an enrolled booking: on [`Arrival::NoShow`], journals
    /// `PaymentIntentCreating`, creates the payment intent (reference
    /// `charge_reference`, the intended amount), journals `PaymentIntentCreated`, then
    /// `ChargeSending`, charges it through dojo-core's charge protocol, and journals its
    /// verdict (`ChargeSettled`). On [`Arrival::Arrived`], cancels the setup intent
    /// (`includeAuthorized`) and journals `BookingClosed { Completed }`.
    ///
    /// An error leaves the booking at its last record: recover it
    /// ([`recover_booking`](Self::recover_booking)), now or at the next boot.
    pub fn settle<'b, J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut JournalWriter<J>,
        enrolled: &Enrolled,
        arrival: Arrival,
        charge_reference: &str,
        kiosk: &mut U,
        buf: &'b mut [u8],
    ) -> FlowResult<'b, Settled, K, J> {
        let mut journal = Journaled { writer: journal, failed: None };
        match self.settle_inner(&mut journal, enrolled, arrival, charge_reference, kiosk, buf) {
            Ok(v) => Ok(v),
            Err(halt) => Err(self.flow_error(halt, &mut journal.failed, buf)),
        }
    }

    #[inline(never)]
    fn settle_inner<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        enrolled: &Enrolled,
        arrival: Arrival,
        charge_reference: &str,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        match arrival {
            Arrival::Arrived => self.release_inner(journal, enrolled, kiosk, buf),
            Arrival::NoShow => self.no_show_inner(journal, enrolled, charge_reference, kiosk, buf),
        }
    }

    /// Acts on an open booking found in the journal at boot (a
    /// [`Recovery::open`](dojo_core::journal::Recovery::open) entry), by its
    /// [`Action`](dojo_core::journal::Action):
    ///
    /// - an orphan setup intent (its create answer lost): nothing can be charged;
    ///   journal `BookingClosed { Abandoned }`;
    /// - a setup intent: read it back; `Authorized` → [`Settled::Enrolled`] (settle it
    ///   when the time comes), still `Created` → [`Settled::AwaitingAuthorization`],
    ///   ended → closed (`Abandoned`, or `Completed` when it was canceled);
    /// - an orphan payment intent (its create answer lost): search for it
    ///   (`POST /payment-intents/search` from the record's time less 10 minutes), keep
    ///   those whose reference, setup intent and amount match; one → journal
    ///   `PaymentIntentCreated` and charge it; none → create it again and charge it; more →
    ///   [`Settled::Ambiguous`];
    /// - a payment intent never charged → charge it (journaled as in
    ///   [`settle`](Self::settle));
    /// - a charge sent whose outcome is unknown, or pending → settle it through the charge
    ///   protocol (read back, resend on the same payment intent while uncharged) and
    ///   journal its verdict.
    ///
    /// A booking whose records contradict themselves (no action) is left open and
    /// reported as [`Settled::Ambiguous`]`(0)`.
    pub fn recover_booking<'b, J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut JournalWriter<J>,
        open: &OpenBooking,
        kiosk: &mut U,
        buf: &'b mut [u8],
    ) -> FlowResult<'b, Settled, K, J> {
        let mut journal = Journaled { writer: journal, failed: None };
        match self.recover_inner(&mut journal, open, kiosk, buf) {
            Ok(v) => Ok(v),
            Err(halt) => Err(self.flow_error(halt, &mut journal.failed, buf)),
        }
    }

    #[inline(never)]
    fn enroll_inner<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        fee: &NoShowFee<'_>,
        poll: PollPolicy,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Enrollment> {
        let booking = journal.writer.begin_booking();
        note(journal, booking, kiosk, Note::SetupIntentCreating(fee.reference))?;
        step!(setup = self.create_no_show_inner(fee, buf));
        let enrolled = Enrolled { booking, setup_intent: setup.id(), amount: fee.amount };
        note(journal, booking, kiosk, Note::SetupIntentCreated(fee.reference, &enrolled.setup_intent, fee.amount))?;
        kiosk.progress(Step::SetupIntentCreated(enrolled.setup_intent));
        // The id already copied out of the state (no second copy for the link).
        if let Err(e) = show_checkout(&enrolled.setup_intent, kiosk) {
            return Err(self.fail(e.into()).into());
        }
        Ok(match self.wait_inner(setup, poll, kiosk, buf) {
            Err(stopped) => return Err(stopped.into()),
            Ok(Waited::Authorized) => Enrollment::Authorized(enrolled),
            Ok(Waited::Ended(status)) => {
                note(journal, booking, kiosk, Note::Closed(CloseReason::Abandoned))?;
                Enrollment::Ended(status)
            }
            Ok(waited) => Enrollment::Waiting(enrolled, waited),
        })
    }

    #[inline(never)]
    fn release_inner<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        enrolled: &Enrolled,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        let id = enrolled.setup_intent;
        let fetched = self.fetch(Call::CancelSetupIntent(&id), buf)?;
        decode_with::<SetupIntentSummaryKind, _, _>(fetched, buf, &mut self.stop, |_| ())?;
        note(journal, enrolled.booking, kiosk, Note::Closed(CloseReason::Completed))?;
        Ok(Settled::Closed(CloseReason::Completed))
    }

    /// Reads a setup intent back (a retried read).
    #[inline(never)]
    fn read_setup(&mut self, id: &SetupIntentId, buf: &mut [u8]) -> Result<SetupIntentState, Stopped> {
        let fetched = self.fetch(Call::GetSetupIntent(id), buf)?;
        decode_with::<SetupIntentSummaryKind, _, _>(fetched, buf, &mut self.stop, SetupIntentState::from_summary)
    }

    #[inline(never)]
    fn no_show_inner<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        enrolled: &Enrolled,
        reference: &str,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        step!(setup = self.read_setup(&enrolled.setup_intent, buf));
        // The lifecycle refuses a setup intent that cannot back a charge before anything
        // is journaled or sent.
        let now = kiosk.now();
        if let Err(e) = &setup.check_can_back_charge(now) {
            return Err(self.refused(e).into());
        }
        let creating = Note::PaymentIntentCreating(reference, Some(&enrolled.setup_intent), enrolled.amount);
        note(journal, enrolled.booking, kiosk, creating)?;
        step!(payment = self.create_payment_inner(setup, reference, buf));
        note(journal, enrolled.booking, kiosk, Note::PaymentIntentCreated(payment.id_ref()))?;
        kiosk.progress(Step::PaymentIntentCreated(payment.id()));
        self.charge_journaled(journal, enrolled.booking, payment, setup, kiosk, buf)
    }

    /// Journals `ChargeSending`, charges once through the charge protocol, journals the
    /// verdict.
    #[inline(never)]
    fn charge_journaled<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        booking: BookingId,
        payment: &mut PaymentIntentState,
        setup: &mut SetupIntentState,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        let now = kiosk.now();
        note(journal, booking, kiosk, Note::ChargeSending(payment.id_ref()))?;
        step!(report = self.charge_once(payment, setup, now, buf));
        self.journal_verdict(journal, booking, report, kiosk)
    }

    #[inline(never)]
    fn journal_verdict<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        booking: BookingId,
        report: &ChargeReport,
        kiosk: &mut U,
    ) -> StepResult<Settled> {
        note(journal, booking, kiosk, Note::ChargeSettled(&report.payment_intent, settlement(report)))?;
        kiosk.progress(Step::Charged(report.outcome));
        Ok(Settled::Charge(*report))
    }

    #[inline(never)]
    fn recover_inner<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        open: &OpenBooking,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        let booking = open.booking;
        // dojo-core's decision, its reference and ids borrowed from `open` (no 330-byte
        // `Action` in this frame while the exchanges run), matched once: a charge
        // reported pending is settled again through the charge protocol, like one whose
        // outcome is unknown.
        let Some(action) = open.action_ref() else { return Ok(Settled::Ambiguous(0)) };
        let (payment_intent, charging) = match action {
            ActionRef::OrphanSetupIntent { .. } => {
                note(journal, booking, kiosk, Note::Closed(CloseReason::Abandoned))?;
                return Ok(Settled::Closed(CloseReason::Abandoned));
            }
            ActionRef::ReadBackSetupIntent { setup_intent, amount } => {
                let enrolled = Enrolled { booking, setup_intent: *setup_intent, amount };
                return self.recover_setup(journal, &enrolled, kiosk, buf);
            }
            ActionRef::FindOrphanPaymentIntent { reference, setup_intent, amount, search_from } => {
                let reference = reference.as_str();
                return self.recover_orphan(journal, booking, reference, setup_intent, amount, search_from, kiosk, buf);
            }
            ActionRef::SendCharge { payment_intent } => (payment_intent, Charging::Send),
            ActionRef::SettleCharge { payment_intent, .. } | ActionRef::ReportPending { payment_intent, .. } => {
                (payment_intent, Charging::Settle)
            }
        };
        self.charge_existing(journal, booking, payment_intent, open.setup_intent.as_ref(), charging, kiosk, buf)
    }

    #[inline(never)]
    fn recover_setup<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        enrolled: &Enrolled,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        step!(setup = self.read_setup(&enrolled.setup_intent, buf));
        Ok(match (settled(setup, kiosk.now()), setup.status()) {
            (Some(Waited::Authorized), _) => Settled::Enrolled(*enrolled),
            (None, _) => Settled::AwaitingAuthorization(*enrolled),
            (_, status) => {
                let reason = match status {
                    SetupIntentStatus::Canceled | SetupIntentStatus::Closed => CloseReason::Canceled,
                    _ => CloseReason::Abandoned,
                };
                note(journal, enrolled.booking, kiosk, Note::Closed(reason))?;
                Settled::Closed(reason)
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn recover_orphan<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        booking: BookingId,
        reference: &str,
        setup_intent: Option<&SetupIntentId>,
        amount: Money,
        search_from: i64,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        let mut found = None;
        let matches = self.find_orphan(reference, setup_intent, amount, search_from, &mut found, buf)?;
        match (matches, &found, setup_intent) {
            (1, Some(payment_intent), _) => {
                note(journal, booking, kiosk, Note::PaymentIntentCreated(payment_intent))?;
                self.charge_existing(journal, booking, payment_intent, setup_intent, Charging::Send, kiosk, buf)
            }
            (0, _, Some(setup_intent)) => {
                let enrolled = Enrolled { booking, setup_intent: *setup_intent, amount };
                self.no_show_inner(journal, &enrolled, reference, kiosk, buf)
            }
            (n, _, _) => Ok(Settled::Ambiguous(n)),
        }
    }

    /// Reads an existing payment intent (and its setup intent) back and charges it, the
    /// one path recovery takes to a charge: [`Charging::Send`] sends it (a first attempt,
    /// `ChargeSending` journaled first, as `settle` does), [`Charging::Settle`] settles a
    /// charge already sent through the charge protocol; either way the verdict is
    /// journaled.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn charge_existing<J: Journal, U: Kiosk>(
        &mut self,
        journal: &mut Journaled<'_, J>,
        booking: BookingId,
        payment_intent: &PaymentIntentId,
        setup_intent: Option<&SetupIntentId>,
        charging: Charging,
        kiosk: &mut U,
        buf: &mut [u8],
    ) -> StepResult<Settled> {
        // The payment intent read back (a retried read), then its setup intent: the one
        // known, else the one the answer names; each state borrowed where it was read.
        let fetched = self.fetch(Call::GetPaymentIntent(payment_intent), buf)?;
        step!(
            payment = decode_with::<PaymentIntentSummaryKind, _, _>(
                fetched,
                buf,
                &mut self.stop,
                PaymentIntentState::from_summary,
            )
        );
        let named = match (&payment, setup_intent) {
            (Some(payment), None) => payment.setup_intent_id(),
            _ => None,
        };
        let (Some(payment), Some(si)) = (payment, setup_intent.or(named.as_ref())) else {
            return Err(self.refused(&LifecycleError::IntendedAmountUnknown).into());
        };
        step!(setup = self.read_setup(si, buf));
        match charging {
            Charging::Send => self.charge_journaled(journal, booking, payment, setup, kiosk, buf),
            Charging::Settle => {
                let mut charge = Charge::settle(payment, kiosk.now(), self.settle_policy());
                step!(report = self.drive(&mut charge, payment, setup, buf));
                self.journal_verdict(journal, booking, report, kiosk)
            }
        }
    }
}

/// How recovery charges a payment intent that exists.
#[derive(Clone, Copy)]
enum Charging {
    /// Its charge was never sent: send it.
    Send,
    /// A charge was sent, its outcome unknown or pending: settle it.
    Settle,
}

/// A journal record to write, small: the event (with its ~240-byte reference) is built
/// only in [`note`]'s own frame, so it is not on the stack during the exchanges.
enum Note<'r> {
    SetupIntentCreating(&'r str),
    SetupIntentCreated(&'r str, &'r SetupIntentId, Money),
    PaymentIntentCreating(&'r str, Option<&'r SetupIntentId>, Money),
    PaymentIntentCreated(&'r PaymentIntentId),
    ChargeSending(&'r PaymentIntentId),
    ChargeSettled(&'r PaymentIntentId, Settlement),
    Closed(CloseReason),
}

/// Journals `note` for `booking` at the kiosk's time. A reference that is not 1 to 60
/// characters is refused before anything is written.
#[inline(never)]
fn note<J: Journal, U: Kiosk>(
    journal: &mut Journaled<'_, J>,
    booking: BookingId,
    kiosk: &mut U,
    note: Note<'_>,
) -> Result<(), Halt> {
    // Matched, not `?`: its `ControlFlow` would be one more copy of the ~240-byte
    // reference per event.
    let event = match note {
        Note::SetupIntentCreating(r) => match Reference::new(r) {
            Ok(reference) => Event::SetupIntentCreating { reference },
            Err(e) => return Err(journal.fail(NoteFailed::Invalid(e))),
        },
        Note::SetupIntentCreated(r, setup_intent, amount) => match Reference::new(r) {
            Ok(reference) => Event::SetupIntentCreated { reference, setup_intent: *setup_intent, amount },
            Err(e) => return Err(journal.fail(NoteFailed::Invalid(e))),
        },
        Note::PaymentIntentCreating(r, setup_intent, amount) => match Reference::new(r) {
            Ok(reference) => Event::PaymentIntentCreating { reference, setup_intent: setup_intent.copied(), amount },
            Err(e) => return Err(journal.fail(NoteFailed::Invalid(e))),
        },
        Note::PaymentIntentCreated(payment_intent) => Event::PaymentIntentCreated { payment_intent: *payment_intent },
        Note::ChargeSending(payment_intent) => Event::ChargeSending { payment_intent: *payment_intent },
        Note::ChargeSettled(payment_intent, settlement) => {
            Event::ChargeSettled { payment_intent: *payment_intent, settlement }
        }
        Note::Closed(reason) => Event::BookingClosed { reason },
    };
    match journal.writer.append_event(booking, kiosk.now().unix_seconds(), &event) {
        Ok(_) => Ok(()),
        Err(e) => Err(journal.fail(NoteFailed::Journal(e))),
    }
}

impl<J: Journal> Journaled<'_, J> {
    /// Keeps why a note failed.
    fn fail(&mut self, failed: NoteFailed<J::Error>) -> Halt {
        self.failed = Some(failed);
        Halt::Note
    }
}

/// The journal's word for a charge's verdict.
fn settlement(report: &ChargeReport) -> Settlement {
    match report.outcome {
        Outcome::Charged => Settlement::Charged,
        Outcome::Pending => Settlement::Pending,
        Outcome::NotCharged(NotCharged::Canceled) => Settlement::NotCharged(NotChargedReason::Canceled),
        Outcome::NotCharged(NotCharged::Declined(status)) => {
            Settlement::NotCharged(NotChargedReason::from_capture_status(status).unwrap_or(NotChargedReason::Declined))
        }
        Outcome::NotCharged(NotCharged::Refused { .. } | NotCharged::NotSent) => {
            Settlement::NotCharged(NotChargedReason::Failed)
        }
    }
}
