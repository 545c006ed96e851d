//! Reading a journal back: decode, skip what cannot be used, count it.

use core::fmt;

use super::record::{RECORD_LEN, Record, RecordError};
use super::{Journal, JournalError};

/// A slot that did not decode, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BadSlot {
    /// The slot's index in journal order (0 = oldest).
    pub slot: u64,
    /// Why it did not decode.
    pub error: RecordError,
}

/// What a scan read and what it skipped.
///
/// Skipping is never silent: a non-zero count here means records were lost to a torn
/// write or to corruption, and the caller should say so (the CLI prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScanStats {
    /// Slots the journal holds (good or not).
    pub slots: u64,
    /// Records used: decoded, not a duplicate, in sequence.
    pub records: u64,
    /// Whether the last slot did not decode: a write cut short by a crash or power loss
    /// (at most one record can be torn, since each append is durable before the next).
    /// Skipped; the step it recorded had not started (records are written before their
    /// effect), so nothing is lost.
    pub torn_tail: bool,
    /// Slots that did not decode but have a good record after them: corruption. Skipped;
    /// the records after them still count.
    pub corrupt: u32,
    /// The first of them.
    pub first_corrupt: Option<BadSlot>,
    /// Records identical to the one before (same sequence number and checksum), e.g. a
    /// write repeated after a doubtful acknowledgement. Skipped, harmless.
    pub duplicates: u32,
    /// Records whose sequence number is not above the previous record's (but that are not
    /// its duplicate): two writers, or corruption that kept a valid checksum. Skipped (the
    /// first record of a number wins) and reported.
    pub out_of_order: u32,
}

impl ScanStats {
    /// Nothing counted.
    pub const fn new() -> Self {
        ScanStats {
            slots: 0,
            records: 0,
            torn_tail: false,
            corrupt: 0,
            first_corrupt: None,
            duplicates: 0,
            out_of_order: 0,
        }
    }

    /// Whether nothing was skipped except a torn tail (which loses nothing).
    pub const fn is_clean(&self) -> bool {
        self.corrupt == 0 && self.duplicates == 0 && self.out_of_order == 0
    }
}

impl fmt::Display for ScanStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} records in {} slots", self.records, self.slots)?;
        if self.torn_tail {
            f.write_str(", a torn last record skipped")?;
        }
        if let Some(first) = self.first_corrupt {
            write!(f, ", {} corrupt (first: slot {}, {})", self.corrupt, first.slot, first.error)?;
        }
        if self.duplicates > 0 {
            write!(f, ", {} duplicates", self.duplicates)?;
        }
        if self.out_of_order > 0 {
            write!(f, ", {} out of sequence", self.out_of_order)?;
        }
        Ok(())
    }
}

/// Reads every record of `journal` in order and calls `visit` with each usable one.
///
/// A slot that does not decode is skipped and counted: as the torn tail when it is the
/// last, as corruption when a good record follows it. A record identical to the one
/// before it is skipped as a duplicate. Records out of sequence are passed on (the
/// [`Recovery`](super::Recovery) fold ignores and counts them). A record of a format
/// version this build does not read stops the scan with
/// [`JournalError::UnsupportedVersion`] (after the journal has been read to its end, with
/// no record after it passed on): such a journal is never compacted or appended to.
pub fn scan<J: Journal + ?Sized>(
    journal: &mut J,
    visit: &mut dyn FnMut(&Record),
) -> Result<ScanStats, JournalError<J::Error>> {
    let mut stats = ScanStats::new();
    scan_into(journal, &mut stats, visit)?;
    Ok(stats)
}

/// [`scan`] with its counts written into the caller's `stats` (from
/// [`ScanStats::new`]), and the error in a `Result` of its own layout.
fn scan_into<J: Journal + ?Sized>(
    journal: &mut J,
    stats: &mut ScanStats,
    visit: &mut dyn FnMut(&Record),
) -> Result<(), JournalError<J::Error>> {
    let mut scanner = Scanner::new();
    // One record, decoded into in place slot after slot (not returned by value).
    let mut record = Record::blank();
    journal.for_each(&mut |bytes: &[u8; RECORD_LEN]| {
        if scanner.skip(stats) {
            return;
        }
        let decoded = Record::decode_into(bytes, &mut record);
        let crc = bytes.get(RECORD_LEN - 4..).map_or(0, |c| c.iter().rev().fold(0, |acc, &b| acc << 8 | u32::from(b)));
        if scanner.step(stats, &decoded, record.seq, crc) {
            stats.records = stats.records.saturating_add(1);
            visit(&record);
        }
    })?;
    scanner.finish(stats)
}

/// What a scan carries from slot to slot: the decisions shared by [`scan`] and recovery
/// (which decodes each slot its own way).
pub(super) struct Scanner {
    /// Whether the last slot read did not decode (not counted yet: the torn tail if it is
    /// the last). The first slot that did not decode goes into `first_corrupt` at once: it
    /// is the first one counted if any is (else it is the torn tail, and taken out at the
    /// end). A flag and one slot, not a pending `BadSlot` moved at every slot.
    pending_bad: bool,
    unsupported: Option<(u64, u8)>,
    previous: Option<(u64, u32)>,
}

impl Scanner {
    pub(super) fn new() -> Self {
        Scanner { pending_bad: false, unsupported: None, previous: None }
    }

    /// Counts the next slot; whether to leave it unread (a record of an unsupported
    /// version was met: nothing after it is passed on).
    pub(super) fn skip(&mut self, stats: &mut ScanStats) -> bool {
        stats.slots = stats.slots.saturating_add(1);
        self.unsupported.is_some()
    }

    /// The slot decoded to a record numbered `seq` with checksum `crc` (both read only
    /// when `decoded` is `Ok`), or did not: whether to pass the record on (not a
    /// duplicate). The caller counts the records it uses.
    #[inline(never)]
    pub(super) fn step(
        &mut self,
        stats: &mut ScanStats,
        decoded: &Result<(), RecordError>,
        seq: u64,
        crc: u32,
    ) -> bool {
        let slot = stats.slots.wrapping_sub(1);
        match *decoded {
            Ok(()) => {
                if core::mem::take(&mut self.pending_bad) {
                    stats.corrupt = stats.corrupt.saturating_add(1);
                }
                if self.previous == Some((seq, crc)) {
                    stats.duplicates = stats.duplicates.saturating_add(1);
                    return false;
                }
                self.previous = Some((seq, crc));
                true
            }
            Err(RecordError::UnsupportedVersion { found }) => {
                self.unsupported = Some((slot, found));
                false
            }
            Err(error) => {
                if core::mem::replace(&mut self.pending_bad, true) {
                    stats.corrupt = stats.corrupt.saturating_add(1);
                }
                if stats.first_corrupt.is_none() {
                    stats.first_corrupt = Some(BadSlot { slot, error });
                }
                false
            }
        }
    }

    /// After the last slot: the unsupported version's error, or the torn tail noted.
    pub(super) fn finish<E>(self, stats: &mut ScanStats) -> Result<(), JournalError<E>> {
        if let Some((slot, found)) = self.unsupported {
            return Err(JournalError::UnsupportedVersion { found, slot });
        }
        stats.torn_tail = self.pending_bad;
        if stats.corrupt == 0 {
            stats.first_corrupt = None;
        }
        Ok(())
    }
}
