//! A booking as the journal knows it: its number ([`BookingId`]), its reference
//! ([`Reference`]), where it stands ([`Stage`]) and what its records said
//! ([`OpenBooking`]). The record format ([`record`](super::record)) and recovery
//! ([`Recovery`](super::Recovery)) both build on these; this module uses neither.

use core::fmt;

use crate::error::{ValidationError, ValidationErrorKind};
use crate::id::{PaymentIntentId, SetupIntentId};
use crate::money::Money;

/// The longest reference kept, in bytes: 60 characters (the API's limit) of up to four
/// UTF-8 bytes each.
pub const MAX_REFERENCE_BYTES: usize = 240;

/// The longest reference the API accepts, in characters.
pub const MAX_REFERENCE_CHARS: usize = 60;

/// A booking's local number: it ties the records of one booking together.
///
/// Merchant references need not be unique (the API does not enforce it), so the journal
/// numbers bookings itself: [`JournalWriter::begin_booking`](super::JournalWriter::begin_booking)
/// hands out the number after the highest one in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookingId(pub u32);

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A merchant's booking reference as the journal keeps it: 1 to 60 characters, at most
/// [`MAX_REFERENCE_BYTES`] bytes of UTF-8.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(align(4))]
pub struct Reference {
    len: u8,
    bytes: [u8; MAX_REFERENCE_BYTES],
}

impl Reference {
    /// Validates and copies `s` (1 to 60 characters, as the API requires of a reference).
    pub fn new(s: &str) -> Result<Self, ValidationError> {
        if s.is_empty() {
            return Err(ValidationError::new("reference", ValidationErrorKind::Empty));
        }
        if chars(s) > MAX_REFERENCE_CHARS {
            return Err(ValidationError::new("reference", ValidationErrorKind::TooLong { max: MAX_REFERENCE_CHARS }));
        }
        // 60 characters of at most 4 bytes each always fit.
        let mut reference = Reference::EMPTY;
        reference.set(s);
        Ok(reference)
    }

    /// No text (not a valid reference: only a slot for [`set`](Self::set) to fill).
    pub(super) const EMPTY: Reference = Reference { len: 0, bytes: [0; MAX_REFERENCE_BYTES] };

    /// Copies `s` (checked by the caller: at most 240 bytes; a longer one leaves the
    /// reference empty) into an [`EMPTY`](Self::EMPTY) reference: in place, no copy of
    /// the whole value.
    pub(super) fn set(&mut self, s: &str) {
        if let Some(dst) = self.bytes.get_mut(..s.len()) {
            dst.copy_from_slice(s.as_bytes());
            self.len = s.len() as u8;
        }
    }

    /// The reference's bytes (as [`as_str`](Self::as_str), without its UTF-8 check).
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        self.bytes.get(..usize::from(self.len)).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({:?})", self.as_str())
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The characters of `s`, counted as the bytes that start one (not UTF-8 continuation
/// bytes `0b10xx_xxxx`): `s` is UTF-8, so this is `s.chars().count()` without core's wide
/// counter or a decoding loop (one for [`Reference::new`] and the decoder).
#[inline(never)]
pub(super) fn chars(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// Where a booking stands: the event of its newest record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// [`Event::SetupIntentCreating`](super::Event::SetupIntentCreating) is the newest record.
    SetupIntentCreating,
    /// [`Event::SetupIntentCreated`](super::Event::SetupIntentCreated) is the newest record.
    SetupIntentCreated,
    /// [`Event::PaymentIntentCreating`](super::Event::PaymentIntentCreating) is the newest record.
    PaymentIntentCreating,
    /// [`Event::PaymentIntentCreated`](super::Event::PaymentIntentCreated) is the newest record.
    PaymentIntentCreated,
    /// [`Event::ChargeSending`](super::Event::ChargeSending) is the newest record.
    ChargeSending,
    /// [`Event::ChargeSettled`](super::Event::ChargeSettled) with [`Settlement::Pending`](super::Settlement::Pending) is the newest record.
    ChargePending,
}

/// An unfinished booking: what its records say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpenBooking {
    /// The booking.
    pub booking: BookingId,
    /// Where it stands (its newest record).
    pub stage: Stage,
    /// Its reference, from its newest record that has one.
    pub reference: Option<Reference>,
    /// Its setup intent, when known.
    pub setup_intent: Option<SetupIntentId>,
    /// Its payment intent, when known.
    pub payment_intent: Option<PaymentIntentId>,
    /// Its amount, when known.
    pub amount: Option<Money>,
    /// The time of its first record still in the journal (unix seconds).
    pub first_at: i64,
    /// The time of its newest record (unix seconds).
    pub last_at: i64,
    /// The sequence number of its newest record.
    pub last_seq: u64,
}
