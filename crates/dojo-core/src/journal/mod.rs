//! The journal: every step that moves money state, recorded *before* its effect can be
//! lost, so a restart after a crash or a power cut knows what to do.
//!
//! - [`Record`]: one fixed-size ([`RECORD_LEN`] = 384 bytes), versioned, checksummed
//!   (CRC-32C), sequence-numbered record of an [`Event`] of a booking ([`BookingId`]);
//!   [`Record::encode`] / [`Record::decode`], no allocation. The layout is in [`record`].
//! - [`Journal`]: the storage, a trait with three operations on encoded records — append
//!   one durably, visit all in order, keep some (compaction). [`MemJournal`] is the
//!   in-memory reference implementation; dojo-ureq's `FileJournal` keeps a file; a kiosk
//!   keeps NOR flash.
//! - [`scan`] reads a journal back, skipping and counting a torn tail, corrupt slots and
//!   duplicates ([`ScanStats`]); a record of an unknown format version is an error, never
//!   skipped.
//! - [`recover`] folds the records into a [`Recovery`]: per unfinished booking an
//!   [`OpenBooking`] and its [`Action`] (read back, find the orphan, settle the charge,
//!   report). No allocation: at most `N` bookings open at once, else
//!   [`JournalError::TooManyOpen`].
//! - [`JournalWriter`] numbers records and bookings and appends; [`compact`] drops the
//!   records of finished bookings.
//!
//! # What to write, when
//!
//! | before / after | event |
//! |---|---|
//! | before `POST /setup-intents` | [`Event::SetupIntentCreating`] (optional: the setup intent cannot be charged without its id) |
//! | after its answer | [`Event::SetupIntentCreated`] |
//! | before `POST /payment-intents` | [`Event::PaymentIntentCreating`] |
//! | after its answer | [`Event::PaymentIntentCreated`] |
//! | before `POST /payment-intents/{id}/charge` | [`Event::ChargeSending`] |
//! | after the charge protocol's verdict | [`Event::ChargeSettled`] |
//! | when the booking needs nothing more | [`Event::BookingClosed`] |
//!
//! A failed append means the step must not be taken: nothing may happen that the journal
//! does not know about. [`JournalError::Full`]: run [`JournalWriter::compact`] and try
//! again; still full: settle or close open bookings first.
//!
//! # At start: settling what was in flight
//!
//! A program that charges (the CLI's `payment-intents charge`, `dojo resume`; a kiosk at
//! boot) opens its storage, then [`JournalWriter::open`], which recovers it:
//!
//! 1. report [`Recovery::stats`] when it is not clean (a torn tail alone is normal after
//!    a crash and loses nothing);
//! 2. for each [`Recovery::open`] booking, do its [`OpenBooking::action`], journaling
//!    what it learns with the booking's own number ([`OpenBooking::booking`]): a found
//!    orphan is [`Event::PaymentIntentCreated`], a settled charge
//!    [`Event::ChargeSettled`] (`Pending` when settling stays unresolved: the booking stays
//!    open for the next run), a booking that needs nothing more [`Event::BookingClosed`];
//! 3. [`JournalWriter::compact`] when every booking is finished (or on
//!    [`JournalError::Full`]), so the journal stays small.
//!
//! A new charge of a payment intent that already has an open booking
//! ([`Recovery::find_payment_intent`]) continues that booking; otherwise
//! [`JournalWriter::begin_booking`].
//!
//! # Why this trait fits a file and a flash chip
//!
//! The trait asks only for what both media do well and atomically: append one
//! fixed-size record, read every record in order, and drop records (all at once, or oldest
//! first). A file appends and `fsync`s, and compacts by writing a new file and renaming it
//! over the old one (one atomic step). NOR flash programs a record into erased words and
//! erases whole sectors; dojo-embedded-svc's `FlashJournal`, a ring of fixed slots,
//! programs a record then its commit marker, visits the slots in ring order, and drops a
//! record by programming its drop marker (each drop is atomic), so [`Journal::retain`]
//! maps to "drop what is not kept", oldest first. Records are a multiple of 8 bytes
//! (any flash write size), carry their own checksum and sequence number (a torn program
//! or a repeated write is detected without trusting the container), and need no
//! allocator. Everything that is policy — what a torn tail is, what is corrupt, what is a
//! duplicate, which bookings are open, what to keep when compacting — lives here, in
//! [`scan`], [`recover`] and [`compact`], and every storage gets it the same way.
//!
//! # Example: write, crash, recover
//!
//! ```
//! use dojo_core::journal::{recover, Action, Event, JournalWriter, MemJournal, Reference};
//! use dojo_core::{Money, PaymentIntentId, SetupIntentId};
//!
//! let (mut writer, recovery) = JournalWriter::open::<8>(MemJournal::<16>::new())?;
//! assert!(recovery.open().is_empty());
//!
//! let booking = writer.begin_booking();
//! let reference = Reference::new("Table 4, 19:30").unwrap();
//! let setup_intent = SetupIntentId::new("si_sandbox_RBMHTJ4fIkmSppDILZVCGw").unwrap();
//! let payment_intent = PaymentIntentId::new("pi_sandbox_RBMHTJ4fIkmSppDILZVCGw").unwrap();
//! let amount = Money::gbp(1000);
//! let now = 1_764_000_000;
//! writer.append(booking, now, Event::SetupIntentCreated { reference, setup_intent, amount })?;
//! writer.append(booking, now + 60, Event::PaymentIntentCreating { reference, setup_intent: Some(setup_intent), amount })?;
//! writer.append(booking, now + 61, Event::PaymentIntentCreated { payment_intent })?;
//! writer.append(booking, now + 62, Event::ChargeSending { payment_intent })?;
//!
//! // The power goes while the charge is in flight, and the next record is torn.
//! let mut journal = writer.into_inner();
//! let mut torn = [0u8; dojo_core::journal::RECORD_LEN];
//! torn[..4].copy_from_slice(b"DJNL");
//! journal.push_raw(&torn)?;
//!
//! // At the next start: the charge's outcome is unknown, so settle it (never "not charged").
//! let recovery = recover::<8, _>(&mut journal)?;
//! assert!(recovery.stats().torn_tail);
//! let [open] = recovery.open() else { panic!("one open booking") };
//! assert_eq!(open.booking, booking);
//! assert_eq!(open.action(), Some(Action::SettleCharge { payment_intent, since: now + 62 }));
//! # Ok::<(), dojo_core::journal::JournalError<core::convert::Infallible>>(())
//! ```

use core::convert::Infallible;
use core::fmt;

mod booking;
pub mod record;
mod recover;
mod scan;

pub use booking::{OpenBooking, Stage};
pub use record::{
    BookingId, CloseReason, Event, FORMAT_VERSION, MAGIC, MAX_REFERENCE_BYTES, MIN_FORMAT_VERSION, NotChargedReason,
    RECORD_LEN, Record, RecordError, Reference, Settlement,
};
pub use recover::{Action, ActionRef, ORPHAN_SEARCH_MARGIN_SECS, Recovery, TooManyOpen};
pub use scan::{BadSlot, ScanStats, scan};

use record::Slot;

/// A journal's storage: encoded records, in order.
///
/// Implementations store bytes and nothing else; [`scan`], [`recover`] and [`compact`]
/// hold the policy. The contract:
///
/// - [`append`](Self::append) returns `Ok` only once the record survives a power loss
///   (file: `write` then `fsync`; flash: programmed, its commit marker last). After a crash during
///   an append, the storage holds either the whole record, or none of it, or a torn copy
///   that fails [`Record::decode`] (which [`scan`] skips as the torn tail).
/// - [`for_each`](Self::for_each) visits every stored slot, oldest first, including slots
///   that no longer decode (so they can be counted).
/// - [`retain`](Self::retain) keeps exactly the slots `keep` accepts, in their order. It
///   is atomic (file: a new file renamed over the old one), or removes slots oldest first
///   (a flash ring dropping records one by one), so a crash in the middle leaves a journal that
///   [`recover`] reads to the same open bookings.
///
/// Errors: [`JournalError::Full`] when no record fits, [`JournalError::Corrupt`] when the
/// storage's own structure (not a record) is damaged, [`JournalError::Io`] for the medium.
pub trait Journal {
    /// The medium's own error (e.g. `std::io::Error`, a flash driver's error).
    type Error: fmt::Debug;

    /// Appends one encoded record durably.
    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), JournalError<Self::Error>>;

    /// Calls `visit` with every stored slot, oldest first.
    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result<(), JournalError<Self::Error>>;

    /// Keeps the slots for which `keep` returns `true` (called once per slot, oldest
    /// first) and drops the others.
    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result<(), JournalError<Self::Error>>;
}

impl<J: Journal + ?Sized> Journal for &mut J {
    type Error = J::Error;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), JournalError<Self::Error>> {
        (**self).append(record)
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result<(), JournalError<Self::Error>> {
        (**self).for_each(visit)
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result<(), JournalError<Self::Error>> {
        (**self).retain(keep)
    }
}

/// Why a journal operation failed. `E` is the medium's error.
///
/// Its tag a word wide (`repr(u32)`), so a `Result` carrying it is moved by words, not
/// by bytes and halfwords, on riscv32imc (no unaligned access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[repr(u32)]
pub enum JournalError<E> {
    /// No room for another record. Run [`compact`] (it drops finished bookings) and try
    /// again; still full: settle or close open bookings, or give the journal more room.
    /// The step the record was for must not be taken.
    Full,
    /// The storage's own structure is damaged (not a record: a record that fails its
    /// checksum is skipped and counted by [`scan`] instead). Keep the medium as it is and
    /// copy what can be read; a person decides.
    Corrupt,
    /// The medium failed. The record may or may not be stored; the step must not be
    /// taken. Retry, or stop and run [`recover`] after a restart.
    Io(E),
    /// A record of a format version this build does not read, at `slot`. Nothing was
    /// skipped and nothing may be written: run the dojo that wrote it (format version
    /// `found`) to settle its bookings, or move the journal aside, start a new one, and
    /// settle the old one's bookings with that dojo.
    UnsupportedVersion {
        /// The record's format version.
        found: u8,
        /// Its slot in journal order.
        slot: u64,
    },
    /// More bookings are open at once than the [`Recovery`] holds (`capacity`): recover
    /// with a larger `N`.
    TooManyOpen {
        /// The capacity.
        capacity: usize,
    },
}

impl<E: fmt::Display> fmt::Display for JournalError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Full => f.write_str("the journal is full: compact it, or settle open bookings"),
            JournalError::Corrupt => f.write_str("the journal's storage is corrupt"),
            JournalError::Io(e) => write!(f, "journal I/O: {e}"),
            JournalError::UnsupportedVersion { found, slot } => write!(
                f,
                "journal record {slot} has format version {found}; this dojo reads versions \
                 {MIN_FORMAT_VERSION} to {FORMAT_VERSION}: settle it with the dojo that wrote it"
            ),
            JournalError::TooManyOpen { capacity } => {
                write!(f, "more than {capacity} bookings open at once in the journal")
            }
        }
    }
}

#[cfg(feature = "std")]
impl<E: fmt::Debug + fmt::Display> std::error::Error for JournalError<E> {}

impl<E> From<TooManyOpen> for JournalError<E> {
    fn from(e: TooManyOpen) -> Self {
        JournalError::TooManyOpen { capacity: e.capacity }
    }
}

/// Reads `journal` and folds it into a [`Recovery`]: the unfinished bookings (at most `N`
/// open at once) and what to do for each, the next sequence and booking numbers, and what
/// the scan skipped ([`Recovery::stats`]).
pub fn recover<const N: usize, J: Journal + ?Sized>(journal: &mut J) -> Result<Recovery<N>, JournalError<J::Error>> {
    let mut recovery = Recovery::<N>::new();
    recover_into(journal, &mut recovery)?;
    Ok(recovery)
}

/// [`recover`] into the caller's `recovery` (its previous content replaced), for
/// firmware that keeps its one [`Recovery`] in place: returned by value, a recovery (the
/// largest value of a kiosk's flow) is copied from frame to frame. On an error,
/// `recovery` holds what was read before it: do not act on it.
pub fn recover_into<const N: usize, J: Journal + ?Sized>(
    journal: &mut J,
    recovery: &mut Recovery<N>,
) -> Result<(), JournalError<J::Error>> {
    *recovery = Recovery::new();
    let mut overflow = None;
    let mut scanner = scan::Scanner::new();
    // One slot, decoded into in place slot after slot, and folded from there. The scan
    // counts into the recovery's own stats; the fold counts the records it applies.
    let mut slot = Slot::blank();
    journal.for_each(&mut |bytes| {
        if scanner.skip(recovery.stats_mut()) {
            return;
        }
        let decoded = record::decode_slot(bytes, &mut slot);
        if scanner.step(recovery.stats_mut(), &decoded, slot.seq, slot.crc) && overflow.is_none() {
            overflow = recovery.apply_slot(&slot).err();
        }
    })?;
    scanner.finish(recovery.stats_mut())?;
    match overflow {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Drops the records of finished bookings (and unusable slots), keeping every record of
/// the unfinished ones, the newest record, and the newest record of the highest-numbered
/// booking (so sequence and booking numbers go on, never handed out twice).
/// Returns the recovery it compacted by (read before compacting).
///
/// A journal with a record of an unsupported format version is left untouched
/// ([`JournalError::UnsupportedVersion`]).
pub fn compact<const N: usize, J: Journal + ?Sized>(journal: &mut J) -> Result<Recovery<N>, JournalError<J::Error>> {
    let mut recovery = Recovery::<N>::new();
    compact_into(journal, &mut recovery)?;
    Ok(recovery)
}

/// [`compact`] with the recovery it compacted by written into the caller's `recovery`
/// (see [`recover_into`]). On an error, do not act on `recovery`.
pub fn compact_into<const N: usize, J: Journal + ?Sized>(
    journal: &mut J,
    recovery: &mut Recovery<N>,
) -> Result<(), JournalError<J::Error>> {
    recover_into(journal, recovery)?;
    let recovery = &*recovery;
    let newest = recovery.last_seq();
    let highest_booking = recovery.highest_booking_record();
    // The fold applied exactly the records whose number is above every number before
    // them; drop the others (duplicates, records out of sequence) too, so the fold of
    // what is kept gives the same open bookings.
    let mut highest: Option<u64> = None;
    let mut slot = Slot::blank();
    journal.retain(&mut |bytes| {
        if record::decode_slot(bytes, &mut slot).is_err() {
            return false;
        }
        let (seq, booking) = (slot.seq, slot.open.booking);
        if highest.is_some_and(|s| seq <= s) {
            return false;
        }
        highest = Some(seq);
        recovery.is_open(booking) || Some(seq) == newest || Some((booking, seq)) == highest_booking
    })
}

/// Numbers records and bookings, encodes records and appends them to a [`Journal`].
#[derive(Debug)]
pub struct JournalWriter<J> {
    journal: J,
    next_seq: u64,
    next_booking: u32,
}

impl<J: Journal> JournalWriter<J> {
    /// Recovers `journal` (see [`recover`]) and returns a writer that goes on after its
    /// newest record, with the recovery to act on.
    pub fn open<const N: usize>(mut journal: J) -> Result<(Self, Recovery<N>), JournalError<J::Error>> {
        let recovery = recover::<N, J>(&mut journal)?;
        Ok((JournalWriter::new(journal, &recovery), recovery))
    }

    /// [`open`](Self::open) with the recovery written into the caller's `recovery` (see
    /// [`recover_into`]): firmware keeps one recovery in place instead of a copy per
    /// frame. On an error, do not act on `recovery`.
    pub fn open_into<const N: usize>(
        mut journal: J,
        recovery: &mut Recovery<N>,
    ) -> Result<Self, JournalError<J::Error>> {
        recover_into::<N, J>(&mut journal, recovery)?;
        Ok(JournalWriter::new(journal, recovery))
    }

    /// A writer that goes on after `recovery` (which must be of this `journal`).
    pub fn new<const N: usize>(journal: J, recovery: &Recovery<N>) -> Self {
        JournalWriter { journal, next_seq: recovery.next_seq(), next_booking: recovery.next_booking().0 }
    }

    /// A new booking's number (the journal learns it with the booking's first record).
    pub fn begin_booking(&mut self) -> BookingId {
        let id = BookingId(self.next_booking);
        self.next_booking = self.next_booking.saturating_add(1);
        id
    }

    /// Journals `event` of `booking` at `at` (unix seconds) and returns the record written.
    ///
    /// Returns once the record is durable. On an error the step must not be taken; the
    /// sequence number is used up either way (a record that may have been partly written
    /// is never followed by another of the same number).
    pub fn append(&mut self, booking: BookingId, at: i64, event: Event) -> Result<Record, JournalError<J::Error>> {
        let seq = self.append_event(booking, at, &event)?;
        Ok(Record { seq, at, booking, event })
    }

    /// [`append`](Self::append) with the event borrowed and only the record's sequence
    /// number returned: for firmware, no copy of the event or the record in the caller's
    /// frame (an event with a reference is over 300 bytes). Records are encoded here
    /// only, out of line.
    #[inline(never)]
    pub fn append_event(&mut self, booking: BookingId, at: i64, event: &Event) -> Result<u64, JournalError<J::Error>> {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        if booking.0 >= self.next_booking {
            self.next_booking = booking.0.saturating_add(1);
        }
        let mut bytes = [0u8; RECORD_LEN];
        record::encode(seq, at, booking, event, &mut bytes);
        self.journal.append(&bytes)?;
        Ok(seq)
    }

    /// Compacts the journal (see [`compact`]) and returns what is still open.
    pub fn compact<const N: usize>(&mut self) -> Result<Recovery<N>, JournalError<J::Error>> {
        let mut recovery = Recovery::<N>::new();
        self.compact_into(&mut recovery)?;
        Ok(recovery)
    }

    /// [`compact`](Self::compact) with what is still open written into the caller's
    /// `recovery` (see [`compact_into`]). On an error, do not act on `recovery`.
    ///
    /// Compaction keeps the newest record of the highest-numbered booking, so that no
    /// booking number is handed out twice. When that booking is finished and its record
    /// is not the journal's newest, the writer appends a copy of it under a new number
    /// and compacts again: the old copy, which may sit in the oldest part of the
    /// storage (a flash ring's oldest sector), does not keep that part from being
    /// reused, so a journal compacted while it has room never stays
    /// [`JournalError::Full`] with no open booking. (When there is no room left for the
    /// copy, the compaction stands and the old copy stays: compact before the journal is
    /// full, e.g. after every settled booking.)
    pub fn compact_into<const N: usize>(&mut self, recovery: &mut Recovery<N>) -> Result<(), JournalError<J::Error>> {
        // At most twice: the second pass drops the old copy.
        for _ in 0..2 {
            compact_into::<N, J>(&mut self.journal, recovery)?;
            let Some((booking, seq)) = recovery.highest_booking_record() else { return Ok(()) };
            if recovery.last_seq() == Some(seq) || recovery.is_open(booking) {
                return Ok(());
            }
            let mut copy = [0u8; RECORD_LEN];
            let mut found = false;
            let mut slot = Slot::blank();
            self.journal.for_each(&mut |bytes| {
                if !found && record::decode_slot(bytes, &mut slot).is_ok() && slot.seq == seq {
                    copy = *bytes;
                    found = true;
                }
            })?;
            if !found {
                return Ok(());
            }
            record::renumber(&mut copy, self.next_seq);
            match self.journal.append(&copy) {
                Ok(()) => self.next_seq = self.next_seq.saturating_add(1),
                // No room for the copy: the compaction itself stands, the old copy stays.
                Err(JournalError::Full) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The sequence number the next record gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The storage.
    pub fn journal(&self) -> &J {
        &self.journal
    }

    /// The storage, mutably (e.g. to [`recover`] it again).
    pub fn journal_mut(&mut self) -> &mut J {
        &mut self.journal
    }

    /// Gives the storage back.
    pub fn into_inner(self) -> J {
        self.journal
    }
}

/// An in-memory journal of up to `N` records: the reference implementation of
/// [`Journal`], for tests and for firmware that keeps its journal in retained RAM.
///
/// "Durable" means "in this value": clone it to take the state a power cut would leave.
/// [`slot_mut`](Self::slot_mut), [`truncate`](Self::truncate) and
/// [`push_raw`](Self::push_raw) let tests tear and corrupt records.
#[derive(Clone)]
pub struct MemJournal<const N: usize> {
    slots: [[u8; RECORD_LEN]; N],
    len: usize,
}

impl<const N: usize> Default for MemJournal<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for MemJournal<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemJournal").field("len", &self.len).field("capacity", &N).finish()
    }
}

impl<const N: usize> MemJournal<N> {
    /// An empty journal.
    pub const fn new() -> Self {
        MemJournal { slots: [[0; RECORD_LEN]; N], len: 0 }
    }

    /// The number of slots stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no slot is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A stored slot.
    pub fn slot(&self, index: usize) -> Option<&[u8; RECORD_LEN]> {
        self.slots.get(..self.len).and_then(|s| s.get(index))
    }

    /// A stored slot, to change (e.g. to corrupt it in a test).
    pub fn slot_mut(&mut self, index: usize) -> Option<&mut [u8; RECORD_LEN]> {
        self.slots.get_mut(..self.len).and_then(|s| s.get_mut(index))
    }

    /// Keeps the first `len` slots.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Appends any bytes as a slot (e.g. a torn record); [`JournalError::Full`] when full.
    pub fn push_raw(&mut self, bytes: &[u8; RECORD_LEN]) -> Result<(), JournalError<Infallible>> {
        let slot = self.slots.get_mut(self.len).ok_or(JournalError::Full)?;
        *slot = *bytes;
        self.len += 1;
        Ok(())
    }
}

impl<const N: usize> Journal for MemJournal<N> {
    type Error = Infallible;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result<(), JournalError<Infallible>> {
        self.push_raw(record)
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result<(), JournalError<Infallible>> {
        self.slots.iter().take(self.len).for_each(visit);
        Ok(())
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result<(), JournalError<Infallible>> {
        let mut kept = 0;
        for i in 0..self.len {
            let Some(slot) = self.slots.get(i).copied() else { break };
            if keep(&slot) {
                if let Some(dst) = self.slots.get_mut(kept) {
                    *dst = slot;
                }
                kept += 1;
            }
        }
        self.len = kept;
        Ok(())
    }
}
