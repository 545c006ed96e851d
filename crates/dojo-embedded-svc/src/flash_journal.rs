//! The kiosk's journal on NOR flash: dojo-core's [`Journal`] over `embedded-storage`'s
//! [`NorFlash`] (bare metal: `esp-storage`'s `FlashStorage`; ESP-IDF:
//! `esp_idf_svc::partition::EspPartition`, a data partition of `partitions.csv`).
//!
//! The storage is a ring of fixed-size slots (see `docs/decisions/flash-journal.md`):
//! records are fixed size and carry their own checksum and sequence number, so a slot
//! needs only two marker words besides its record.
//!
//! # Layout
//!
//! The range is `n ≥ 2` erase sectors; each holds `sector / 400` slots (10 in 4 KiB) of
//! 400 bytes, the rest of the sector unused:
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | commit marker: the sector's generation `g` (`u32`, little-endian), then `!g`; erased (`0xFF`s) until the record is whole |
//! | 8..16 | drop marker: erased while the record is live, programmed to zeros when `retain` drops it |
//! | 16..400 | the record ([`RECORD_LEN`] bytes) |
//!
//! - **Ring**: sectors are filled in ring order (0, 1, …, n − 1, 0, …); every record of a
//!   sector has the sector's generation, one more than the sector before it. The *newest*
//!   sector has the highest generation; the one after it is the *spare*, never read (it
//!   may hold a half-done erase); the one after that is the oldest. The journal holds
//!   `10 × (n − 1)` records with 4 KiB sectors.
//! - **Append** programs the record into the first slot after the newest sector's last
//!   written one, then its commit marker: a cut before the marker is whole leaves a slot
//!   that is not read (commit erased) or a record that is whole (commit torn: read, and
//!   judged by the record's own checksum; except as the first slot of a sector no
//!   committed record names yet, which reads as the spare: that append never returned
//!   `Ok`, and the next one erases it). When the newest sector is full, the append
//!   moves into the spare: only if the oldest sector holds no live record (it then
//!   becomes the spare), else [`JournalError::Full`] (live data is never overwritten).
//!   The spare is erased, then written: so sectors are erased in ring order, each as often
//!   as every other, and only once every record on them was dropped. One live record
//!   keeps its whole sector from being reused: compact after every finished booking
//!   (dojo-core's `JournalWriter::compact` then moves the record it keeps for the booking
//!   numbers to the head), so what is live sits near the head. Between compactions the
//!   ring takes at least one sector's worth of records besides the open bookings' own.
//! - **`for_each`** reads the sectors oldest first and visits every slot whose commit
//!   marker is programmed and drop marker erased. **`retain`** programs the drop marker of
//!   each slot not kept, oldest first (each drop is one 8-byte program: a cut leaves the
//!   record kept or dropped). A dropped record never comes back: a drop marker is only
//!   cleared by erasing the spare, which is never read.
//!
//! # Errors and their recovery
//!
//! | what | error | recovery |
//! |---|---|---|
//! | the partition is full | [`JournalError::Full`] | [`JournalWriter::compact`](dojo_core::journal::JournalWriter::compact) (drops finished bookings), then append again; still full: settle or close open bookings first, or give the partition more sectors. The step is not taken. |
//! | a record of an older (or newer) format | [`JournalError::UnsupportedVersion`] (from dojo-core's scan: never skipped) | run the firmware that wrote it to settle its bookings; or copy the partition out ([`FlashJournal::into_inner`] and read it), settle its bookings from the Dojo portal, then [`FlashJournal::erase_all`]. Nothing is written until then. |
//! | a damaged ring: the sectors' generations are out of ring order | [`JournalError::Corrupt`] | as above: keep the partition, copy it out, settle by hand, then erase. Never erased silently. |
//! | one record that fails its checksum (a damaged record, or a damaged commit marker with its record torn) | not an error: visited, then skipped and counted by dojo-core's scan ([`ScanStats`](dojo_core::journal::ScanStats): `corrupt`, or `torn_tail` for the last) | report it; the bookings of the other records are recovered. |
//! | the flash driver failed | [`JournalError::Io`]`(`[`FlashError::Flash`]`)` | the step is not taken; retry, or restart and recover. |
//! | a range that is not whole sectors, fewer than three, or a flash whose write or read size does not divide 8 | [`FlashError::BadRange`] from [`FlashJournal::new`] | give the journal its own partition of three sectors or more. |
//!
//! No path panics, whatever the flash holds, and no record is dropped except by `retain`
//! when compaction asks.

use core::fmt;
use core::ops::Range;

use dojo_core::journal::{Journal, JournalError, RECORD_LEN};
use embedded_storage::nor_flash::{ErrorType, NorFlash};

/// Why the flash journal's medium failed ([`JournalError::Io`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlashError<E> {
    /// The flash driver's error.
    Flash(E),
    /// The partition's range does not fit the flash: not aligned to its erase size,
    /// fewer than three sectors, past the flash's end, a sector smaller than a slot, or a
    /// flash whose write or read size does not divide 8 ([`FlashJournal::new`]).
    BadRange,
}

impl<E: fmt::Debug> fmt::Display for FlashError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlashError::Flash(e) => write!(f, "flash: {e:?}"),
            FlashError::BadRange => f.write_str("the journal's flash range is not three whole sectors or more"),
        }
    }
}

/// A slot: commit marker, drop marker, record.
const SLOT: u32 = 16 + RECORD_LEN as u32;
/// Where the record starts in its slot.
const RECORD_AT: u32 = 16;
/// Where the drop marker starts in its slot.
const DROP_AT: u32 = 8;

/// A 4-aligned buffer (flash reads and writes may need aligned words).
#[repr(C, align(4))]
struct Buf<const N: usize>([u8; N]);

/// What a slot's markers say (two words: with a small driver error, a `Result` of it is
/// returned in registers).
#[derive(Clone, Copy)]
struct Marks {
    /// The generation the commit marker names; 0 when it names none (torn or damaged).
    generation: u32,
    /// Whether the slot is visited: committed (its commit marker programmed, even if
    /// torn) and not dropped (its drop marker erased).
    live: bool,
}

/// dojo-core's [`Journal`] on a range of NOR flash (three whole erase sectors or more),
/// wear-levelled: a ring of 400-byte slots (see the [module docs](self)).
///
/// Room: `sector / 400` records per sector (10 per 4 KiB sector), and the ring keeps one
/// sector spare, so a range of `n` sectors holds `10 × (n − 1)` records. A kiosk's
/// booking takes 2 records (enrolled) to 6 (charged); compaction leaves only the open
/// ones, and a sector is reused once all its records are dropped.
pub struct FlashJournal<F: NorFlash> {
    flash: F,
    start: u32,
    sectors: u32,
}

impl<F: NorFlash> fmt::Debug for FlashJournal<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlashJournal").field("start", &self.start).field("sectors", &self.sectors).finish()
    }
}

type Result_<T, F> = Result<T, JournalError<FlashError<<F as ErrorType>::Error>>>;

/// Why a step of the ring stopped: the driver's error, or `Full` or `Corrupt`. Inside the
/// ring only, turned into a [`JournalError`] at its edges: for a small driver error
/// (esp-storage's, `NorFlashErrorKind`) a `Result` of it is a register or two, where a
/// `Result<_, JournalError<FlashError<E>>>` is 16 bytes moved through memory (a byte at a
/// time where its payload is align-1, on riscv32imc) at every read, write and erase.
enum Stop<E> {
    Full,
    Corrupt,
    Flash(E),
}

impl<E> From<Stop<E>> for JournalError<FlashError<E>> {
    fn from(stop: Stop<E>) -> Self {
        match stop {
            Stop::Full => JournalError::Full,
            Stop::Corrupt => JournalError::Corrupt,
            Stop::Flash(e) => JournalError::Io(FlashError::Flash(e)),
        }
    }
}

type Step<T, F> = Result<T, Stop<<F as ErrorType>::Error>>;

impl<F: NorFlash> FlashJournal<F> {
    /// Slots per sector.
    const SLOTS: u32 = (F::ERASE_SIZE / SLOT as usize) as u32;

    /// The journal in `range` of `flash` (byte offsets; three whole erase sectors or more:
    /// with two, the sector to erase next would always be the newest one, and the
    /// record compaction keeps in it would leave the journal full for good).
    /// Reads nothing yet: [`JournalWriter::open`](dojo_core::journal::JournalWriter::open)
    /// recovers it. A range that is erased (all `0xFF`) is an empty journal.
    ///
    /// Errors: [`FlashError::BadRange`] when `range` is not whole sectors, fewer than three,
    /// past the end of the flash, a sector cannot hold a slot, or the flash's write or
    /// read size does not divide 8.
    pub fn new(flash: F, range: Range<u32>) -> Result<Self, FlashError<F::Error>> {
        let sector = F::ERASE_SIZE as u32;
        let fits = |size: usize| size != 0 && 8 % size == 0;
        if sector == 0
            || Self::SLOTS == 0
            || !fits(F::WRITE_SIZE)
            || !fits(F::READ_SIZE)
            || !range.start.is_multiple_of(sector)
            || !range.end.is_multiple_of(sector)
            || range.end as usize > flash.capacity()
            || range.end.saturating_sub(range.start) / sector < 3
        {
            return Err(FlashError::BadRange);
        }
        Ok(FlashJournal { flash, start: range.start, sectors: (range.end - range.start) / sector })
    }

    /// Erases the whole range: every record is gone. Only for a journal whose bookings
    /// are settled (by hand, after [`JournalError::Corrupt`] or
    /// [`JournalError::UnsupportedVersion`]), or a new partition.
    ///
    /// It first drops every record it can reach, so a power cut during the erases leaves
    /// an empty journal (or, if the ring was damaged, possibly some of its records): run
    /// it again.
    pub fn erase_all(&mut self) -> Result_<(), F> {
        // Best effort: a damaged ring stops the drops, not the erase.
        let _ = self.walk(&mut |_| false);
        for sector in 0..self.sectors {
            self.erase(sector)?;
        }
        Ok(())
    }

    /// Gives the flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// The offset of `slot` of `sector`.
    fn at(&self, sector: u32, slot: u32) -> u32 {
        self.start + sector * F::ERASE_SIZE as u32 + slot * SLOT
    }

    fn read(&mut self, at: u32, bytes: &mut [u8]) -> Step<(), F> {
        self.flash.read(at, bytes).map_err(Stop::Flash)
    }

    fn write(&mut self, at: u32, bytes: &[u8]) -> Step<(), F> {
        self.flash.write(at, bytes).map_err(Stop::Flash)
    }

    fn erase(&mut self, sector: u32) -> Step<(), F> {
        let from = self.at(sector, 0);
        self.flash.erase(from, from + F::ERASE_SIZE as u32).map_err(Stop::Flash)
    }

    /// Reads the markers of the slot at `at`.
    fn marks(&mut self, at: u32) -> Step<Marks, F> {
        let mut buf = Buf([0u8; 16]);
        self.read(at, &mut buf.0)?;
        let [g0, g1, g2, g3, n0, n1, n2, n3, d @ ..] = buf.0;
        let generation = u32::from_le_bytes([g0, g1, g2, g3]);
        let check = u32::from_le_bytes([n0, n1, n2, n3]);
        Ok(Marks {
            generation: if generation == !check { generation } else { 0 },
            live: generation & check != u32::MAX && d == [0xFF; 8],
        })
    }

    /// The newest sector and its generation: the highest generation any commit marker
    /// names. `(n − 1, 0)` when none does (an empty journal: the next append starts the
    /// ring at sector 0 with generation 1).
    ///
    /// Written into `newest`, so the error comes back in the callers' own `Result` type
    /// (not re-packed from another layout a byte at a time).
    fn newest(&mut self, newest: &mut (u32, u32)) -> Step<(), F> {
        *newest = (self.sectors - 1, 0);
        for sector in 0..self.sectors {
            for slot in 0..Self::SLOTS {
                let generation = self.marks(self.at(sector, slot))?.generation;
                if generation > newest.1 {
                    *newest = (sector, generation);
                }
            }
        }
        Ok(())
    }

    /// Visits every live slot oldest first (every sector but the spare, oldest first);
    /// drops those `keep` refuses. Generations going down along the ring are
    /// [`JournalError::Corrupt`].
    #[inline(never)]
    fn walk(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Step<(), F> {
        let mut found = (0, 0);
        self.newest(&mut found)?;
        let (newest, _) = found;
        let mut record = Buf([0u8; RECORD_LEN]);
        let mut floor = 0;
        for k in 2..=self.sectors {
            let sector = self.after(newest, k);
            for slot in 0..Self::SLOTS {
                let at = self.at(sector, slot);
                let marks = self.marks(at)?;
                if marks.generation != 0 {
                    if marks.generation < floor {
                        return Err(Stop::Corrupt);
                    }
                    floor = marks.generation;
                }
                if !marks.live {
                    continue;
                }
                self.read(at + RECORD_AT, &mut record.0)?;
                if !keep(&record.0) {
                    self.write(at + DROP_AT, &[0; 8])?;
                }
            }
        }
        Ok(())
    }

    /// Whether the slot at `at` is wholly erased (markers and record).
    fn free(&mut self, at: u32) -> Step<bool, F> {
        let mut chunk = Buf([0u8; 16]);
        for offset in (0..SLOT).step_by(16) {
            self.read(at + offset, &mut chunk.0)?;
            if chunk.0 != [0xFF; 16] {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The sector `by` sectors after `sector` in ring order (`by` at most the count).
    fn after(&self, sector: u32, by: u32) -> u32 {
        let next = sector + by;
        if next >= self.sectors { next - self.sectors } else { next }
    }

    #[inline(never)]
    fn push(&mut self, bytes: &[u8; RECORD_LEN]) -> Step<(), F> {
        let mut found = (0, 0);
        self.newest(&mut found)?;
        let (newest, generation) = found;
        // The first slot after the newest sector's last written one (a torn slot is
        // written: never programmed twice).
        let mut next = Self::SLOTS;
        if generation != 0 {
            next = 0;
            for slot in 0..Self::SLOTS {
                if !self.free(self.at(newest, slot))? {
                    next = slot + 1;
                }
            }
        }
        let (sector, slot, generation) = if next < Self::SLOTS {
            (newest, next, generation)
        } else {
            // Into the spare, if the oldest sector (the next spare) holds nothing live.
            let oldest = self.after(newest, 2);
            for slot in 0..Self::SLOTS {
                if self.marks(self.at(oldest, slot))?.live {
                    return Err(Stop::Full);
                }
            }
            let generation = generation.checked_add(1).ok_or(Stop::Full)?;
            let spare = self.after(newest, 1);
            self.erase(spare)?;
            (spare, 0, generation)
        };
        let at = self.at(sector, slot);
        self.write(at + RECORD_AT, bytes)?;
        self.write(at, &(u64::from(!generation) << 32 | u64::from(generation)).to_le_bytes())
    }
}

impl<F: NorFlash> Journal for FlashJournal<F>
where
    F::Error: fmt::Debug,
{
    type Error = FlashError<F::Error>;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result_<(), F> {
        Ok(self.push(record)?)
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result_<(), F> {
        Ok(self.walk(&mut |bytes| {
            visit(bytes);
            true
        })?)
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result_<(), F> {
        Ok(self.walk(keep)?)
    }
}
