//! What to do, per unfinished booking, after a restart: a pure fold over records.

use core::fmt;

use super::booking::{BookingId, OpenBooking, Reference, Stage};
#[cfg(doc)]
use super::record::{Event, Settlement};
use super::record::{Record, Slot};
use super::scan::ScanStats;
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::Money;

/// How far before a [`PaymentIntentCreating`](Event::PaymentIntentCreating) record's time
/// an orphan search starts, in seconds: room for the difference between this machine's
/// clock and the server's.
pub const ORPHAN_SEARCH_MARGIN_SECS: i64 = 600;

/// What the caller must do for an unfinished booking. Every action starts with a read;
/// none resends a request whose outcome is unknown except through the charge protocol
/// (which may resend a charge on the same payment intent: the API charges a payment
/// intent at most once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The setup intent's create answer was lost (or the process died before sending it).
    /// No customer can have authorized it (the checkout link needs its id), so nothing
    /// can be charged: journal [`BookingClosed`](Event::BookingClosed)`{Abandoned}`. The
    /// API cannot search setup intents; an orphan, if the create did execute, expires by
    /// itself and shows in the Dojo portal under `reference`.
    OrphanSetupIntent {
        /// The reference sent.
        reference: Reference,
        /// When the create was about to be sent (unix seconds).
        since: i64,
    },
    /// The setup intent exists: read it back (`GET /setup-intents/{id}`) and wait for
    /// authorization, or close the booking when it is canceled or expired.
    ReadBackSetupIntent {
        /// The setup intent.
        setup_intent: SetupIntentId,
        /// Its intended amount.
        amount: Money,
    },
    /// The payment intent's create answer was lost: it may exist. Search
    /// (`POST /payment-intents/search` with `startDate` = `search_from`, every page) and
    /// keep the results whose `reference`, `setupIntentId` and `amount` equal these (the
    /// search has no reference filter: the caller filters). One match: journal
    /// [`PaymentIntentCreated`](Event::PaymentIntentCreated) with its id and go on. None:
    /// nothing was created; create it again (a new `PaymentIntentCreating` first). More
    /// than one: report them; a person decides (references should be unique per booking).
    FindOrphanPaymentIntent {
        /// The reference sent.
        reference: Reference,
        /// The setup intent it was created for, if any.
        setup_intent: Option<SetupIntentId>,
        /// The amount sent.
        amount: Money,
        /// The search's start: the record's time less [`ORPHAN_SEARCH_MARGIN_SECS`].
        search_from: i64,
    },
    /// The payment intent exists and its charge was never sent: sending it is a first
    /// attempt (or cancel the payment intent if the booking no longer needs a charge).
    SendCharge {
        /// The payment intent.
        payment_intent: PaymentIntentId,
    },
    /// A charge was sent and its outcome is unknown: settle it through the charge protocol
    /// (read the payment intent back; resend on the same payment intent while it is not
    /// charged), then journal its [`ChargeSettled`](Event::ChargeSettled).
    SettleCharge {
        /// The payment intent charged.
        payment_intent: PaymentIntentId,
        /// When the charge was sent (unix seconds).
        since: i64,
    },
    /// Settling ended "pending, unresolved": report it with its ids; a later read-back
    /// (through the charge protocol) may settle it.
    ReportPending {
        /// The payment intent charged.
        payment_intent: PaymentIntentId,
        /// When it was last reported pending (unix seconds).
        since: i64,
    },
}

impl Action {
    /// A short stable name, e.g. `"settle_charge"` (for logs and JSON).
    pub const fn name(&self) -> &'static str {
        match self {
            Action::OrphanSetupIntent { .. } => "orphan_setup_intent",
            Action::ReadBackSetupIntent { .. } => "read_back_setup_intent",
            Action::FindOrphanPaymentIntent { .. } => "find_orphan_payment_intent",
            Action::SendCharge { .. } => "send_charge",
            Action::SettleCharge { .. } => "settle_charge",
            Action::ReportPending { .. } => "report_pending",
        }
    }
}

impl OpenBooking {
    /// What to do for it. `None` only where the records contradict themselves (a stage
    /// whose id was never journaled, which a writer of this crate cannot produce); report
    /// such a booking.
    pub fn action(&self) -> Option<Action> {
        self.action_ref().map(ActionRef::to_action)
    }

    /// The same decision as [`action`](Self::action), borrowing the booking's reference
    /// and ids instead of copying them (firmware: the reference is 240 bytes).
    pub fn action_ref(&self) -> Option<ActionRef<'_>> {
        Some(match self.stage {
            Stage::SetupIntentCreating => {
                ActionRef::OrphanSetupIntent { reference: self.reference.as_ref()?, since: self.last_at }
            }
            Stage::SetupIntentCreated => {
                ActionRef::ReadBackSetupIntent { setup_intent: self.setup_intent.as_ref()?, amount: self.amount? }
            }
            Stage::PaymentIntentCreating => ActionRef::FindOrphanPaymentIntent {
                reference: self.reference.as_ref()?,
                setup_intent: self.setup_intent.as_ref(),
                amount: self.amount?,
                search_from: self.last_at.saturating_sub(ORPHAN_SEARCH_MARGIN_SECS),
            },
            Stage::PaymentIntentCreated => ActionRef::SendCharge { payment_intent: self.payment_intent.as_ref()? },
            Stage::ChargeSending => {
                ActionRef::SettleCharge { payment_intent: self.payment_intent.as_ref()?, since: self.last_at }
            }
            Stage::ChargePending => {
                ActionRef::ReportPending { payment_intent: self.payment_intent.as_ref()?, since: self.last_at }
            }
        })
    }
}

/// An [`Action`] that borrows its reference and ids from the [`OpenBooking`] it was
/// decided for ([`OpenBooking::action_ref`]); each variant means what the [`Action`]
/// variant of the same name means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the fields are those of `Action`'s variants, documented there
pub enum ActionRef<'a> {
    /// [`Action::OrphanSetupIntent`].
    OrphanSetupIntent { reference: &'a Reference, since: i64 },
    /// [`Action::ReadBackSetupIntent`].
    ReadBackSetupIntent { setup_intent: &'a SetupIntentId, amount: Money },
    /// [`Action::FindOrphanPaymentIntent`].
    FindOrphanPaymentIntent {
        reference: &'a Reference,
        setup_intent: Option<&'a SetupIntentId>,
        amount: Money,
        search_from: i64,
    },
    /// [`Action::SendCharge`].
    SendCharge { payment_intent: &'a PaymentIntentId },
    /// [`Action::SettleCharge`].
    SettleCharge { payment_intent: &'a PaymentIntentId, since: i64 },
    /// [`Action::ReportPending`].
    ReportPending { payment_intent: &'a PaymentIntentId, since: i64 },
}

impl ActionRef<'_> {
    /// The owned [`Action`] (the reference and ids copied).
    pub fn to_action(self) -> Action {
        match self {
            ActionRef::OrphanSetupIntent { reference, since } => {
                Action::OrphanSetupIntent { reference: *reference, since }
            }
            ActionRef::ReadBackSetupIntent { setup_intent, amount } => {
                Action::ReadBackSetupIntent { setup_intent: *setup_intent, amount }
            }
            ActionRef::FindOrphanPaymentIntent { reference, setup_intent, amount, search_from } => {
                Action::FindOrphanPaymentIntent {
                    reference: *reference,
                    setup_intent: setup_intent.copied(),
                    amount,
                    search_from,
                }
            }
            ActionRef::SendCharge { payment_intent } => Action::SendCharge { payment_intent: *payment_intent },
            ActionRef::SettleCharge { payment_intent, since } => {
                Action::SettleCharge { payment_intent: *payment_intent, since }
            }
            ActionRef::ReportPending { payment_intent, since } => {
                Action::ReportPending { payment_intent: *payment_intent, since }
            }
        }
    }
}

/// More bookings are open at once than a [`Recovery`] can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TooManyOpen {
    /// The capacity (`N`).
    pub capacity: usize,
}

impl fmt::Display for TooManyOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} bookings open at once in the journal", self.capacity)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TooManyOpen {}

/// The result of reading a journal: its unfinished bookings (at most `N` open at any
/// point of the journal), the next sequence and booking numbers, and what the scan
/// skipped.
///
/// Built by [`recover`](super::recover), or record by record with [`apply`](Self::apply)
/// (a pure fold: no I/O, no allocation).
#[derive(Debug, Clone)]
pub struct Recovery<const N: usize> {
    open: heapless::Vec<OpenBooking, N>,
    last_seq: Option<u64>,
    /// The highest booking number applied, and the number of its newest record.
    highest_booking: Option<(u32, u64)>,
    stats: ScanStats,
}

impl<const N: usize> Default for Recovery<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Recovery<N> {
    /// Nothing read yet.
    pub const fn new() -> Self {
        Recovery { open: heapless::Vec::new(), last_seq: None, highest_booking: None, stats: ScanStats::new() }
    }

    /// Applies the next record in journal order.
    ///
    /// A record whose sequence number is not above the previous one's is ignored and
    /// counted ([`ScanStats::out_of_order`]): the first record of a number wins. A record
    /// that finishes its booking removes it; any other opens or advances it (its newest
    /// record wins). Fails, leaving `self` as it was, when the record would open an
    /// `N + 1`-th booking.
    pub fn apply(&mut self, record: &Record) -> Result<(), TooManyOpen> {
        self.apply_slot(&Slot::of(record))
    }

    /// [`apply`](Self::apply) of a decoded [`Slot`]: what recovery folds, read straight
    /// from the journal without an [`Event`] in between.
    pub(super) fn apply_slot(&mut self, slot: &Slot) -> Result<(), TooManyOpen> {
        let seq = slot.seq;
        let fields = &slot.open;
        if self.last_seq.is_some_and(|last| seq <= last) {
            self.stats.out_of_order = self.stats.out_of_order.saturating_add(1);
            return Ok(());
        }
        let at = self.open.iter().position(|b| b.booking == fields.booking);
        if slot.finishes() {
            // The later bookings move down one by one, each copied over the one before
            // (two distinct elements: no temporary, and no overlapping copy: `Vec::remove`
            // shifts them with one, which on a bare-metal target links the whole
            // `memmove`, ~700 B of riscv32imc code, for this one call), keeping their order.
            if let Some(i) = at {
                for j in i..self.open.len() {
                    if let Some([dst, src]) = self.open.get_mut(j..j + 2) {
                        *dst = *src;
                    }
                }
                self.open.pop();
            }
        } else {
            match at.and_then(|i| self.open.get_mut(i)) {
                Some(b) => advance(b, slot),
                // A new booking is what its first record alone says.
                None => self.open.push(*fields).map_err(|_| TooManyOpen { capacity: N })?,
            }
        }
        self.last_seq = Some(seq);
        let booking = fields.booking.0;
        if self.highest_booking.is_none_or(|(b, _)| booking >= b) {
            self.highest_booking = Some((booking, seq));
        }
        self.stats.records = self.stats.records.saturating_add(1);
        Ok(())
    }

    /// The unfinished bookings, in the order their first records were read.
    pub fn open(&self) -> &[OpenBooking] {
        &self.open
    }

    /// The unfinished booking of `payment_intent`, if any: a flow about to charge a payment
    /// intent continues that booking (its number) instead of opening a second one.
    pub fn find_payment_intent(&self, payment_intent: &PaymentIntentId) -> Option<&OpenBooking> {
        self.open.iter().find(|b| b.payment_intent.as_ref() == Some(payment_intent))
    }

    /// Whether `booking` is unfinished.
    pub fn is_open(&self, booking: BookingId) -> bool {
        self.open.iter().any(|b| b.booking == booking)
    }

    /// The sequence number of the newest record applied.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The sequence number the next record must carry.
    pub fn next_seq(&self) -> u64 {
        self.last_seq.map_or(1, |s| s.saturating_add(1))
    }

    /// The number the next new booking gets (one above the highest seen).
    pub fn next_booking(&self) -> BookingId {
        BookingId(self.highest_booking.map_or(1, |(b, _)| b.saturating_add(1)))
    }

    /// The highest booking number applied and the sequence number of its newest record
    /// (compaction keeps that record, so booking numbers are never handed out twice).
    pub(super) fn highest_booking_record(&self) -> Option<(BookingId, u64)> {
        self.highest_booking.map(|(b, seq)| (BookingId(b), seq))
    }

    /// What was read and what was skipped.
    pub fn stats(&self) -> &ScanStats {
        &self.stats
    }

    pub(super) fn stats_mut(&mut self) -> &mut ScanStats {
        &mut self.stats
    }
}

/// Moves an open booking on by a record that does not finish it: the stage, time and
/// number, and each field the record's kind sets (kinds 1 to 3 the reference, 1 and 2
/// the setup intent and 3 the one it names, 2 and 3 the amount, 3 to 6 the payment
/// intent: none from kind 3, which starts a new one).
fn advance(b: &mut OpenBooking, slot: &Slot) {
    let f = &slot.open;
    let kind = slot.kind;
    b.stage = f.stage;
    b.last_at = f.last_at;
    b.last_seq = f.last_seq;
    if kind <= 3 {
        b.reference = f.reference;
    }
    if kind <= 2 || f.setup_intent.is_some() {
        b.setup_intent = f.setup_intent;
    }
    if kind >= 3 {
        b.payment_intent = f.payment_intent;
    }
    if f.amount.is_some() {
        b.amount = f.amount;
    }
}
