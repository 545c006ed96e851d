//! The journal's record: one fixed-size, versioned, checksummed, sequence-numbered
//! slot of [`RECORD_LEN`] bytes.
//!
//! # Layout (format version 1, little-endian)
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `DJNL` ([`MAGIC`]) |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 5 | kind (1–7, see [`Event`]) |
//! | 6..8 | zero (reserved) |
//! | 8..16 | sequence number, `u64` |
//! | 16..24 | time, unix seconds, `i64` |
//! | 24..28 | booking number, `u32` ([`BookingId`]) |
//! | 28..32 | zero (reserved) |
//! | 32..380 | the event's fields in a fixed order, then zeros |
//! | 380..384 | CRC-32C (Castagnoli) of bytes 0..380 |
//!
//! Field encodings: a reference or id is one length byte then its bytes (an absent
//! optional id is length 0); an amount is its `i64` value then its currency code as a
//! length byte and bytes; a settlement is a code byte and a reason byte; a close reason
//! is one byte. The largest event (a reference of 240 bytes, a setup intent id of 50, an
//! amount with a 10-byte currency code) takes 311 of the 348 payload bytes; the rest of
//! the payload must be zero, so a decoder of this version rejects bytes it does not
//! understand instead of ignoring them.
//!
//! Every [`Record`] encodes, and every encoding decodes back to the same record (each
//! field's decoder accepts exactly what its encoder writes, over the whole domain of the
//! field's type: e.g. a [`Currency`] with an empty code, which requests never carry but
//! the type can hold): what the journal writes it can always read.
//!
//! The record length, the magic, the version byte and the checksum keep their places in
//! every future version (a version that needs more room uses the zero payload bytes), so
//! any version can check any record's checksum first and tell a whole record it cannot
//! read ([`RecordError::UnsupportedVersion`]) from a torn or corrupt one.

use core::fmt;

use crate::enums::CaptureStatus;
use crate::id::{MAX_ID_LEN, PaymentIntentId, RawId, SetupIntentId};
use crate::money::{Currency, CurrencyCode, Money};

pub use super::booking::{BookingId, MAX_REFERENCE_BYTES, MAX_REFERENCE_CHARS, Reference};
use super::booking::{OpenBooking, Stage, chars};

/// The size of every record: 384 bytes (a multiple of 4, 8, 16, 32 and 128, so a record
/// is whole words for any NOR flash write granularity and ten fit a 4 KiB sector with a
/// container's per-item header).
pub const RECORD_LEN: usize = 384;

/// The first four bytes of every record.
pub const MAGIC: [u8; 4] = *b"DJNL";

/// The format version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u8 = 1;

/// The oldest format version this build reads.
pub const MIN_FORMAT_VERSION: u8 = 1;

const HEADER_LEN: usize = 32;
const CRC_AT: usize = RECORD_LEN - 4;
/// The largest payload: a reference, a setup intent id and an amount with the longest
/// currency code, each with its length byte.
const MAX_PAYLOAD: usize = (1 + MAX_REFERENCE_BYTES) + (1 + MAX_ID_LEN) + (8 + 1 + CurrencyCode::CAPACITY);
const _: () = assert!(HEADER_LEN + MAX_PAYLOAD <= CRC_AT && RECORD_LEN.is_multiple_of(8));

/// Why a charge took no money, as the server showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotChargedReason {
    /// The issuer declined (the charge's status `Declined`).
    Declined,
    /// Processing failed (the charge's status `Failed`).
    Failed,
    /// The payment intent was canceled.
    Canceled,
    /// The setup intent can no longer back a charge (expired, canceled, closed, card expired).
    SetupIntentUnusable,
}

impl NotChargedReason {
    /// The reason a charge's answer status gives: `Declined` and `Failed`; `None` for a
    /// status that does not say "not charged".
    pub fn from_capture_status(status: CaptureStatus) -> Option<Self> {
        match status {
            CaptureStatus::Declined => Some(NotChargedReason::Declined),
            CaptureStatus::Failed => Some(NotChargedReason::Failed),
            _ => None,
        }
    }

    /// A short stable name, e.g. `"declined"` (for logs and JSON).
    pub const fn name(self) -> &'static str {
        match self {
            NotChargedReason::Declined => "declined",
            NotChargedReason::Failed => "failed",
            NotChargedReason::Canceled => "canceled",
            NotChargedReason::SetupIntentUnusable => "setup_intent_unusable",
        }
    }
}

/// The charge protocol's verdict on a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Settlement {
    /// The server showed the card charged. The booking is finished.
    Charged,
    /// The server showed that nothing was taken, and why. The booking is finished (a new
    /// attempt journals a new [`Event::ChargeSending`] on the same booking).
    NotCharged(NotChargedReason),
    /// Settling gave up within its bounds: the charge may still commit. The booking stays
    /// open ([`Action::ReportPending`](super::Action::ReportPending)).
    Pending,
}

impl Settlement {
    /// `"charged"`, `"not_charged"` or `"pending"` (the words `dojo resume` prints).
    pub const fn name(self) -> &'static str {
        match self {
            Settlement::Charged => "charged",
            Settlement::NotCharged(_) => "not_charged",
            Settlement::Pending => "pending",
        }
    }
}

/// Why a booking was closed without (or after) a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Nothing more to do (the guest came, or the charge is settled and handled).
    Completed,
    /// The setup intent or payment intent was canceled.
    Canceled,
    /// The setup intent was never authorized, or expired; nothing can be charged.
    Abandoned,
}

/// One step that moves money state, journaled *before* its effect can be lost.
///
/// A booking's events, in the order a flow writes them (any may be the first one
/// journaled for a booking: `dojo payment-intents charge` starts at
/// [`ChargeSending`](Self::ChargeSending)):
///
/// ```text
/// SetupIntentCreating → SetupIntentCreated → PaymentIntentCreating → PaymentIntentCreated
///   → ChargeSending → ChargeSettled(Charged | NotCharged | Pending) … → BookingClosed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Before `POST /setup-intents`: makes an orphan setup intent findable by its reference.
    SetupIntentCreating {
        /// The booking's reference, as sent.
        reference: Reference,
    },
    /// The setup intent exists (its id is known): the customer may authorize it.
    SetupIntentCreated {
        /// The booking's reference.
        reference: Reference,
        /// The setup intent's id.
        setup_intent: SetupIntentId,
        /// The intended amount.
        amount: Money,
    },
    /// Before `POST /payment-intents`: if its answer is lost, the payment intent is found by
    /// searching for this reference from this record's time.
    PaymentIntentCreating {
        /// The payment intent's reference, as sent.
        reference: Reference,
        /// The setup intent it is created for, when there is one.
        setup_intent: Option<SetupIntentId>,
        /// The amount, as sent.
        amount: Money,
    },
    /// The payment intent exists (its id is known); no charge was sent yet.
    PaymentIntentCreated {
        /// The payment intent's id.
        payment_intent: PaymentIntentId,
    },
    /// Before `POST /payment-intents/{id}/charge`: from here the outcome is unknown until a
    /// [`ChargeSettled`](Self::ChargeSettled).
    ChargeSending {
        /// The payment intent being charged.
        payment_intent: PaymentIntentId,
    },
    /// The charge protocol's verdict (from the charge's answer or from settling).
    ChargeSettled {
        /// The payment intent charged.
        payment_intent: PaymentIntentId,
        /// The verdict.
        settlement: Settlement,
    },
    /// The booking needs nothing more.
    BookingClosed {
        /// Why.
        reason: CloseReason,
    },
}

impl Event {
    /// The kind byte written for this event (1–7).
    pub const fn kind(&self) -> u8 {
        match self {
            Event::SetupIntentCreating { .. } => 1,
            Event::SetupIntentCreated { .. } => 2,
            Event::PaymentIntentCreating { .. } => 3,
            Event::PaymentIntentCreated { .. } => 4,
            Event::ChargeSending { .. } => 5,
            Event::ChargeSettled { .. } => 6,
            Event::BookingClosed { .. } => 7,
        }
    }

    /// A short stable name, e.g. `"charge_sending"` (for logs and JSON).
    pub const fn name(&self) -> &'static str {
        match self {
            Event::SetupIntentCreating { .. } => "setup_intent_creating",
            Event::SetupIntentCreated { .. } => "setup_intent_created",
            Event::PaymentIntentCreating { .. } => "payment_intent_creating",
            Event::PaymentIntentCreated { .. } => "payment_intent_created",
            Event::ChargeSending { .. } => "charge_sending",
            Event::ChargeSettled { .. } => "charge_settled",
            Event::BookingClosed { .. } => "booking_closed",
        }
    }

    /// Whether this event finishes its booking: a charge settled as charged or not
    /// charged, or a closed booking. ([`Settlement::Pending`] does not.)
    pub const fn finishes(&self) -> bool {
        matches!(
            self,
            Event::ChargeSettled { settlement: Settlement::Charged | Settlement::NotCharged(_), .. }
                | Event::BookingClosed { .. }
        )
    }
}

/// One journal record: an [`Event`] of a booking, with its sequence number and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Record {
    /// The record's sequence number: strictly increasing in journal order (the newest
    /// record of a booking wins; a repeated or lower number is a duplicate or out of order).
    pub seq: u64,
    /// When the record was written, unix seconds (passed in by the caller).
    pub at: i64,
    /// The booking it belongs to.
    pub booking: BookingId,
    /// What happened.
    pub event: Event,
}

/// Why bytes are not a record this build can use.
///
/// Its tag a word wide (`repr(u32)`, the same 12 bytes on 32-bit targets), so a
/// `Result` carrying it is moved by words, not bytes, on riscv32imc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum RecordError {
    /// Not [`RECORD_LEN`] bytes (a torn tail).
    Length {
        /// The length given.
        found: usize,
    },
    /// The magic is not `DJNL` (not a record, or torn).
    Magic,
    /// A whole record (its checksum matches) of a format version this build does not
    /// read: written by a newer (or a much older) dojo. Never skipped: the journal is left as it is (no append, no
    /// compaction); run the dojo that wrote it (its format version is `found`) to settle
    /// its bookings, or move the journal aside and settle them by hand.
    UnsupportedVersion {
        /// The record's format version.
        found: u8,
    },
    /// The checksum does not match (torn or corrupt).
    Checksum,
    /// The checksum matches but the kind byte is unknown to this version.
    UnknownKind(u8),
    /// The checksum matches but a field is invalid (names the field).
    Field(&'static str),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Length { found } => write!(f, "journal record of {found} bytes, not {RECORD_LEN}"),
            RecordError::Magic => f.write_str("not a journal record (bad magic)"),
            RecordError::UnsupportedVersion { found } => write!(
                f,
                "journal record of format version {found}; this dojo reads versions \
                 {MIN_FORMAT_VERSION} to {FORMAT_VERSION}"
            ),
            RecordError::Checksum => f.write_str("journal record checksum mismatch"),
            RecordError::UnknownKind(k) => write!(f, "journal record of unknown kind {k}"),
            RecordError::Field(name) => write!(f, "journal record with an invalid `{name}`"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RecordError {}

impl Record {
    /// Encodes the record into `out` (every byte of it is written).
    pub fn encode(&self, out: &mut [u8; RECORD_LEN]) {
        encode(self.seq, self.at, self.booking, &self.event, out);
    }

    /// Decodes one record. Checks, in order: length, magic, checksum, format version, kind,
    /// fields, and that the unused payload bytes are zero. The checksum comes before the
    /// version (its place is the same in every version), so a torn record is always
    /// [`Checksum`](RecordError::Checksum) or [`Magic`](RecordError::Magic), and
    /// [`UnsupportedVersion`](RecordError::UnsupportedVersion) always a whole record.
    pub fn decode(bytes: &[u8]) -> Result<Record, RecordError> {
        let mut record = Record::blank();
        Record::decode_into(bytes, &mut record)?;
        Ok(record)
    }

    /// [`decode`](Self::decode) into the caller's `out` (the same checks, the same
    /// errors): no record (over 350 bytes) returned by value through a `Result`. On an
    /// error, `out` holds some record, but not one to act on.
    pub fn decode_into(bytes: &[u8], out: &mut Record) -> Result<(), RecordError> {
        let mut slot = Slot::blank();
        decode_slot(bytes, &mut slot)?;
        out.seq = slot.seq;
        out.at = slot.open.last_at;
        out.booking = slot.open.booking;
        out.event = slot.event().ok_or(RecordError::Field("kind"))?;
        Ok(())
    }

    /// A placeholder for [`decode_into`](Self::decode_into)'s slot: a function, not a
    /// `const`, so it is a few stores, not a copy of a whole record kept in flash.
    pub(super) fn blank() -> Record {
        Record { seq: 0, at: 0, booking: BookingId(0), event: Event::BookingClosed { reason: CloseReason::Completed } }
    }
}

/// The fields each kind carries, in their order on the record: one nibble a field, the
/// first in the low nibble (the codec is one loop over this table, not an arm per kind).
const FIELDS: [u16; 7] = [
    F_REFERENCE,                                          // 1 SetupIntentCreating
    F_REFERENCE | F_SETUP_INTENT << 4 | F_MONEY << 8,     // 2 SetupIntentCreated
    F_REFERENCE | F_SETUP_INTENT_OPT << 4 | F_MONEY << 8, // 3 PaymentIntentCreating
    F_PAYMENT_INTENT,                                     // 4 PaymentIntentCreated
    F_PAYMENT_INTENT,                                     // 5 ChargeSending
    F_PAYMENT_INTENT | F_SETTLEMENT << 4,                 // 6 ChargeSettled
    F_CLOSE,                                              // 7 BookingClosed
];
const F_REFERENCE: u16 = 1;
const F_SETUP_INTENT: u16 = 2;
const F_SETUP_INTENT_OPT: u16 = 3;
const F_PAYMENT_INTENT: u16 = 4;
const F_MONEY: u16 = 5;
const F_SETTLEMENT: u16 = 6;
const F_CLOSE: u16 = 7;

/// The stage a booking is at after a record of each kind (kind 6: when pending; kinds 6
/// settled and 7 finish the booking, their stage unused).
const STAGES: [Stage; 7] = [
    Stage::SetupIntentCreating,
    Stage::SetupIntentCreated,
    Stage::PaymentIntentCreating,
    Stage::PaymentIntentCreated,
    Stage::ChargeSending,
    Stage::ChargePending,
    Stage::ChargePending,
];

/// A record decoded flat: its fields where an open booking keeps them, so recovery folds
/// a slot into its bookings without an [`Event`] built in between (one field copy a
/// field, not one arm a kind).
#[derive(Clone, Copy)]
pub(super) struct Slot {
    /// The record's sequence number.
    pub(super) seq: u64,
    /// The record's checksum (as stored).
    pub(super) crc: u32,
    /// The kind byte (1 to 7 once decoded).
    pub(super) kind: u8,
    /// Kind 6's verdict.
    pub(super) settlement: Settlement,
    /// Kind 7's reason.
    pub(super) close: CloseReason,
    /// The booking as this record alone leaves it: `booking`, the stage the kind moves
    /// it to, the fields the record carries (the others `None`), `first_at` = `last_at`
    /// = the record's time, `last_seq` = its number.
    pub(super) open: OpenBooking,
}

impl Slot {
    /// A placeholder to decode into (a function: a few stores, not a copy from flash).
    pub(super) fn blank() -> Slot {
        Slot {
            seq: 0,
            crc: 0,
            kind: 0,
            settlement: Settlement::Pending,
            close: CloseReason::Completed,
            open: OpenBooking {
                booking: BookingId(0),
                stage: Stage::SetupIntentCreating,
                reference: None,
                setup_intent: None,
                payment_intent: None,
                amount: None,
                first_at: 0,
                last_at: 0,
                last_seq: 0,
            },
        }
    }

    /// Whether the record finishes its booking ([`Event::finishes`]).
    pub(super) fn finishes(&self) -> bool {
        self.kind == 7 || (self.kind == 6 && self.settlement != Settlement::Pending)
    }

    /// The slot of `record` (what [`decode_slot`] gives for its encoding, its `crc` left 0).
    pub(super) fn of(record: &Record) -> Slot {
        let mut slot = Slot::blank();
        slot.seq = record.seq;
        slot.kind = record.event.kind();
        let b = &mut slot.open;
        b.booking = record.booking;
        b.stage = STAGES.get(usize::from(slot.kind).wrapping_sub(1)).copied().unwrap_or(Stage::ChargePending);
        b.first_at = record.at;
        b.last_at = record.at;
        b.last_seq = record.seq;
        match record.event {
            Event::SetupIntentCreating { reference } => b.reference = Some(reference),
            Event::SetupIntentCreated { reference, setup_intent, amount } => {
                b.reference = Some(reference);
                b.setup_intent = Some(setup_intent);
                b.amount = Some(amount);
            }
            Event::PaymentIntentCreating { reference, setup_intent, amount } => {
                b.reference = Some(reference);
                b.setup_intent = setup_intent;
                b.amount = Some(amount);
            }
            Event::PaymentIntentCreated { payment_intent } | Event::ChargeSending { payment_intent } => {
                b.payment_intent = Some(payment_intent);
            }
            Event::ChargeSettled { payment_intent, settlement } => {
                b.payment_intent = Some(payment_intent);
                slot.settlement = settlement;
            }
            Event::BookingClosed { reason } => slot.close = reason,
        }
        slot
    }

    /// The event of a decoded slot (`None` only for a slot [`decode_slot`] did not accept).
    pub(super) fn event(&self) -> Option<Event> {
        let b = &self.open;
        Some(match self.kind {
            1 => Event::SetupIntentCreating { reference: b.reference? },
            2 => {
                Event::SetupIntentCreated { reference: b.reference?, setup_intent: b.setup_intent?, amount: b.amount? }
            }
            3 => Event::PaymentIntentCreating {
                reference: b.reference?,
                setup_intent: b.setup_intent,
                amount: b.amount?,
            },
            4 => Event::PaymentIntentCreated { payment_intent: b.payment_intent? },
            5 => Event::ChargeSending { payment_intent: b.payment_intent? },
            6 => Event::ChargeSettled { payment_intent: b.payment_intent?, settlement: self.settlement },
            7 => Event::BookingClosed { reason: self.close },
            _ => return None,
        })
    }
}

/// [`Record::decode`] into a [`Slot`]: the same checks, in the same order, the same
/// errors. Each field read straight into its place in `out`, driven by the kind's row of
/// [`FIELDS`]. On an error, `out` holds some slot, but not one to act on.
#[inline(never)]
pub(super) fn decode_slot(bytes: &[u8], out: &mut Slot) -> Result<(), RecordError> {
    let Ok(bytes) = <&[u8; RECORD_LEN]>::try_from(bytes) else {
        return Err(RecordError::Length { found: bytes.len() });
    };
    // The header's places are fixed (the length is checked): read as its eight
    // little-endian words, in one loop (not a call per field).
    let mut r = Get { buf: bytes, at: HEADER_LEN, error: None };
    let mut header = [0u32; HEADER_LEN / 4];
    for (i, word) in header.iter_mut().enumerate() {
        *word = r.le_at(4 * i, 4) as u32;
    }
    let [magic, version_kind, seq_lo, seq_hi, at_lo, at_hi, booking, reserved] = header;
    if magic != u32::from_le_bytes(MAGIC) {
        return Err(RecordError::Magic);
    }
    let crc = r.le_at(CRC_AT, 4) as u32;
    if crc32c(bytes.get(..CRC_AT).unwrap_or(&[])) != crc {
        return Err(RecordError::Checksum);
    }
    let version = version_kind as u8;
    if !(MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(RecordError::UnsupportedVersion { found: version });
    }
    let kind = (version_kind >> 8) as u8;
    if version_kind >> 16 != 0 || reserved != 0 {
        return Err(RecordError::Field("reserved"));
    }
    let index = usize::from(kind).wrapping_sub(1);
    let (Some(&fields), Some(&stage)) = (FIELDS.get(index), STAGES.get(index)) else {
        return Err(RecordError::UnknownKind(kind));
    };
    let seq = u64::from(seq_hi) << 32 | u64::from(seq_lo);
    let at = (u64::from(at_hi) << 32 | u64::from(at_lo)) as i64;
    out.seq = seq;
    out.crc = crc;
    out.kind = kind;
    out.settlement = Settlement::Pending;
    out.close = CloseReason::Completed;
    let b = &mut out.open;
    b.booking = BookingId(booking);
    b.stage = stage;
    b.reference = None;
    b.setup_intent = None;
    b.payment_intent = None;
    b.amount = None;
    b.first_at = at;
    b.last_at = at;
    b.last_seq = seq;
    // The fields in their order; the first that fails is the error (`r.error`).
    let mut fields = fields;
    while fields != 0 {
        match fields & 0xF {
            F_REFERENCE => {
                let reference = r.reference();
                b.reference.insert(Reference::EMPTY).set(reference);
            }
            // Either id: one reader, its type chosen when it is stored.
            field @ (F_SETUP_INTENT | F_SETUP_INTENT_OPT | F_PAYMENT_INTENT) => {
                let name = if field == F_PAYMENT_INTENT { "paymentIntentId" } else { "setupIntentId" };
                let s = r.text(name, MAX_ID_LEN);
                // Absent: allowed where optional only.
                if !(s.is_empty() && field == F_SETUP_INTENT_OPT) {
                    match RawId::new(name, s) {
                        Ok(id) if field == F_PAYMENT_INTENT => b.payment_intent = Some(PaymentIntentId::from_raw(id)),
                        Ok(id) => b.setup_intent = Some(SetupIntentId::from_raw(id)),
                        Err(_) => r.fail(name),
                    }
                }
            }
            F_MONEY => b.amount = Some(r.money()),
            F_SETTLEMENT => out.settlement = r.settlement(),
            _ => out.close = r.close_reason(),
        }
        fields >>= 4;
    }
    if let Some(error) = r.error {
        return Err(error);
    }
    // OR-folded, not searched byte by byte: no early exit, so the loop vectorizes (and a
    // coverage-instrumented build counts a few wide steps, not 300 bytes).
    if bytes.get(r.at..CRC_AT).is_none_or(|rest| rest.iter().fold(0, |acc, &b| acc | b) != 0) {
        return Err(RecordError::Field("padding"));
    }
    Ok(())
}

/// [`Record::encode`] of a record's parts (the event borrowed).
/// The same record under sequence number `seq`: its number rewritten in place and its
/// checksum made again (a record copied forward by the writer).
pub(crate) fn renumber(bytes: &mut [u8; RECORD_LEN], seq: u64) {
    if let Some(dst) = bytes.get_mut(8..16) {
        dst.copy_from_slice(&seq.to_le_bytes());
    }
    let crc = crc32c(bytes.get(..CRC_AT).unwrap_or(&[]));
    if let Some(dst) = bytes.get_mut(CRC_AT..) {
        dst.copy_from_slice(&crc.to_le_bytes());
    }
}

pub(crate) fn encode(seq: u64, at: i64, booking: BookingId, event: &Event, out: &mut [u8; RECORD_LEN]) {
    *out = [0u8; RECORD_LEN];
    let mut w = Put { buf: out, at: 0 };
    // The header as its eight little-endian words, in one loop (reserved bytes zero).
    let at = at as u64;
    let header = [
        u32::from_le_bytes(MAGIC),
        u32::from(FORMAT_VERSION) | u32::from(event.kind()) << 8,
        seq as u32,
        (seq >> 32) as u32,
        at as u32,
        (at >> 32) as u32,
        booking.0,
        0,
    ];
    for &word in &header {
        w.le(u64::from(word), 4);
    }
    // The fields in their order, each borrowed from whichever variant holds it.
    let (reference, id, amount) = match event {
        Event::SetupIntentCreating { reference } => (Some(reference), None, None),
        Event::SetupIntentCreated { reference, setup_intent, amount } => {
            (Some(reference), Some(setup_intent.as_str()), Some(amount))
        }
        Event::PaymentIntentCreating { reference, setup_intent, amount } => {
            (Some(reference), Some(setup_intent.as_ref().map_or("", |s| s.as_str())), Some(amount))
        }
        Event::PaymentIntentCreated { payment_intent }
        | Event::ChargeSending { payment_intent }
        | Event::ChargeSettled { payment_intent, .. } => (None, Some(payment_intent.as_str()), None),
        Event::BookingClosed { .. } => (None, None, None),
    };
    if let Some(reference) = reference {
        w.text(reference.as_bytes());
    }
    if let Some(id) = id {
        w.text(id.as_bytes());
    }
    if let Some(amount) = amount {
        w.le(amount.value as u64, 8);
        w.text(amount.currency.as_str().as_bytes());
    }
    match event {
        Event::ChargeSettled { settlement, .. } => {
            let [code, reason] = settlement_bytes(*settlement);
            w.byte(code);
            w.byte(reason);
        }
        Event::BookingClosed { reason } => w.byte(close_byte(*reason)),
        _ => {}
    }
    let crc = crc32c(w.buf.get(..CRC_AT).unwrap_or(&[]));
    w.at = CRC_AT;
    w.le(u64::from(crc), 4);
}

fn settlement_bytes(s: Settlement) -> [u8; 2] {
    match s {
        Settlement::Charged => [1, 0],
        Settlement::NotCharged(reason) => [
            2,
            match reason {
                NotChargedReason::Declined => 1,
                NotChargedReason::Failed => 2,
                NotChargedReason::Canceled => 3,
                NotChargedReason::SetupIntentUnusable => 4,
            },
        ],
        Settlement::Pending => [3, 0],
    }
}

fn close_byte(r: CloseReason) -> u8 {
    match r {
        CloseReason::Completed => 1,
        CloseReason::Canceled => 2,
        CloseReason::Abandoned => 3,
    }
}

/// Writes into a record buffer, a byte at a time (no temporary arrays); the layout
/// guarantees every write fits.
struct Put<'a> {
    buf: &'a mut [u8; RECORD_LEN],
    at: usize,
}

impl Put<'_> {
    fn byte(&mut self, b: u8) {
        if let Some(dst) = self.buf.get_mut(self.at) {
            *dst = b;
        }
        self.at += 1;
    }

    /// The low `n` bytes of `v`, little-endian.
    fn le(&mut self, v: u64, n: u32) {
        for i in 0..n {
            self.byte((v >> (8 * i)) as u8);
        }
    }

    /// A length byte, then the bytes.
    fn text(&mut self, s: &[u8]) {
        self.byte(s.len() as u8);
        for &b in s {
            self.byte(b);
        }
    }
}

/// Reads a record's fields in order. A read that fails notes its error (the first one
/// only: the one a decoder that stops there gives) and yields an empty value, so every
/// read returns its value by register, not a `Result` through memory.
struct Get<'a> {
    buf: &'a [u8; RECORD_LEN],
    at: usize,
    error: Option<RecordError>,
}

impl<'a> Get<'a> {
    /// Notes that `field` is invalid, unless a field before it was.
    #[inline(never)]
    fn fail(&mut self, field: &'static str) {
        if self.error.is_none() {
            self.error = Some(RecordError::Field(field));
        }
    }

    /// The next `n` bytes before the checksum; none (and an error) past it.
    fn take(&mut self, n: usize) -> &'a [u8] {
        let end = self.at.saturating_add(n);
        match self.buf.get(self.at..end).filter(|_| end <= CRC_AT) {
            Some(b) => {
                self.at = end;
                b
            }
            None => {
                self.fail("length");
                &[]
            }
        }
    }

    fn u8(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    /// A little-endian integer of `n` bytes (at most 8), widened: one loop for every
    /// width.
    #[inline(never)]
    fn le(&mut self, n: usize) -> u64 {
        le(self.take(n))
    }

    /// The little-endian integer of `n` bytes at `at` (the checksum's place included).
    fn le_at(&self, at: usize, n: usize) -> u64 {
        le(self.buf.get(at..at.saturating_add(n)).unwrap_or(&[]))
    }

    #[inline(never)]
    fn text(&mut self, field: &'static str, max: usize) -> &'a str {
        let len = usize::from(self.u8());
        if len > max {
            self.fail(field);
            return "";
        }
        match core::str::from_utf8(self.take(len)) {
            Ok(s) => s,
            Err(_) => {
                self.fail(field);
                ""
            }
        }
    }

    /// A reference's text, checked as [`Reference::new`] checks it (1 to 60 characters).
    fn reference(&mut self) -> &'a str {
        let s = self.text("reference", MAX_REFERENCE_BYTES);
        if s.is_empty() || chars(s) > MAX_REFERENCE_CHARS {
            self.fail("reference");
        }
        s
    }

    fn money(&mut self) -> Money {
        let value = self.le(8) as i64;
        // Every code a `Currency` can hold is read back, the empty one included: the
        // decoder is the inverse of the encoder on the type's whole domain, so every
        // record `encode` writes decodes to itself (tests/journal_props.rs).
        let code = self.text("currencyCode", CurrencyCode::CAPACITY);
        let currency = Currency::parse(code).unwrap_or_else(|| {
            self.fail("currencyCode");
            Currency::Gbp
        });
        Money { value, currency }
    }

    fn settlement(&mut self) -> Settlement {
        let code = self.u8();
        let reason = self.u8();
        match (code, reason) {
            (1, 0) => Settlement::Charged,
            (3, 0) => Settlement::Pending,
            (2, 1) => Settlement::NotCharged(NotChargedReason::Declined),
            (2, 2) => Settlement::NotCharged(NotChargedReason::Failed),
            (2, 3) => Settlement::NotCharged(NotChargedReason::Canceled),
            (2, 4) => Settlement::NotCharged(NotChargedReason::SetupIntentUnusable),
            _ => {
                self.fail("settlement");
                Settlement::Pending
            }
        }
    }

    fn close_reason(&mut self) -> CloseReason {
        match self.u8() {
            1 => CloseReason::Completed,
            2 => CloseReason::Canceled,
            3 => CloseReason::Abandoned,
            _ => {
                self.fail("closeReason");
                CloseReason::Completed
            }
        }
    }
}

/// The little-endian integer of `bytes` (at most 8 of them), widened.
fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// CRC-32C (Castagnoli, reflected, init and final XOR `0xFFFF_FFFF`), four bits at a
/// time from a 64-byte table: small code for firmware, fast enough for 384-byte records.
/// With the `std` feature (hosts: the CLI, the emulator, fuzz targets), eight bytes at a
/// time from an 8 KiB table (the same sums, about 10x faster).
pub fn crc32c(data: &[u8]) -> u32 {
    #[cfg(feature = "std")]
    return !slice8::update(!0, data);
    #[cfg(not(feature = "std"))]
    crc32c_small(data)
}

/// [`crc32c`] four bits at a time (the firmware's).
#[cfg_attr(all(feature = "std", not(test)), allow(dead_code))]
fn crc32c_small(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc = nibble(crc ^ u32::from(b));
        crc = nibble(crc);
    }
    !crc
}

/// Slicing-by-8 (hosts only: its table is 8 KiB).
#[cfg(feature = "std")]
mod slice8 {
    // Indexes are masked to 0..256 (and evaluated at compile time for the table).
    #![allow(clippy::indexing_slicing)]

    static TABLE: [[u32; 256]; 8] = {
        let mut t = [[0u32; 256]; 8];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
                k += 1;
            }
            t[0][i] = c;
            i += 1;
        }
        let mut s = 1;
        while s < 8 {
            let mut i = 0;
            while i < 256 {
                t[s][i] = (t[s - 1][i] >> 8) ^ t[0][(t[s - 1][i] & 0xFF) as usize];
                i += 1;
            }
            s += 1;
        }
        t
    };

    pub(super) fn update(mut crc: u32, data: &[u8]) -> u32 {
        let mut chunks = data.chunks_exact(8);
        for c in &mut chunks {
            let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            let b = |x: u32, s: u32| (x >> s & 0xFF) as usize;
            crc = TABLE[7][b(lo, 0)]
                ^ TABLE[6][b(lo, 8)]
                ^ TABLE[5][b(lo, 16)]
                ^ TABLE[4][b(lo, 24)]
                ^ TABLE[3][usize::from(c[4])]
                ^ TABLE[2][usize::from(c[5])]
                ^ TABLE[1][usize::from(c[6])]
                ^ TABLE[0][usize::from(c[7])];
        }
        for &x in chunks.remainder() {
            crc = TABLE[0][((crc ^ u32::from(x)) & 0xFF) as usize] ^ (crc >> 8);
        }
        crc
    }
}

fn nibble(crc: u32) -> u32 {
    // The index is masked to 0..16.
    CRC_TABLE.get((crc & 0xF) as usize).copied().unwrap_or(0) ^ (crc >> 4)
}

// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
static CRC_TABLE: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 != 0 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_sizes_agree() {
        // Every length 0..=400 (both loops of the slicing one), bytes from a simple generator.
        let mut x = 0x2545_F491u32;
        let data: Vec<u8> = (0..400)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for n in 0..=data.len() {
            assert_eq!(crc32c(&data[..n]), crc32c_small(&data[..n]), "length {n}");
        }
    }

    #[test]
    fn crc32c_check_value() {
        // The catalogue's check value for CRC-32/ISCSI.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn names_and_capture_statuses() {
        assert_eq!(NotChargedReason::from_capture_status(CaptureStatus::Declined), Some(NotChargedReason::Declined));
        assert_eq!(NotChargedReason::from_capture_status(CaptureStatus::Failed), Some(NotChargedReason::Failed));
        assert_eq!(NotChargedReason::from_capture_status(CaptureStatus::Successful), None);
        assert_eq!(NotChargedReason::from_capture_status(CaptureStatus::Created), None);
        assert_eq!(Settlement::NotCharged(NotChargedReason::Failed).name(), "not_charged");
        assert_eq!(Settlement::Pending.name(), "pending");
        assert_eq!(NotChargedReason::SetupIntentUnusable.name(), "setup_intent_unusable");
    }

    #[test]
    fn longest_event_fits() {
        let reference = Reference::new(&"€".repeat(60)).unwrap();
        assert_eq!(reference.as_str().len(), 180);
        let reference = Reference::new(&"𝄞".repeat(60)).unwrap();
        assert_eq!(reference.as_str().len(), MAX_REFERENCE_BYTES);
        let amount = Money { value: i64::MIN, currency: Currency::parse("ABCDEFGHIJ").unwrap() };
        let record = Record {
            seq: u64::MAX,
            at: i64::MIN,
            booking: BookingId(u32::MAX),
            event: Event::PaymentIntentCreating {
                reference,
                setup_intent: Some(SetupIntentId::new(&"s".repeat(50)).unwrap()),
                amount,
            },
        };
        let mut buf = [0u8; RECORD_LEN];
        record.encode(&mut buf);
        assert_eq!(Record::decode(&buf), Ok(record));
        assert!(Reference::new(&"a".repeat(61)).is_err());
        assert!(Reference::new("").is_err());
    }
}
