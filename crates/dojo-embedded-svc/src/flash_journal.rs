//! The kiosk's journal on NOR flash: dojo-core's [`Journal`] over `embedded-storage`'s
//! [`MultiwriteNorFlash`] (bare metal: `esp-storage`'s `FlashStorage`; ESP-IDF:
//! `esp_idf_svc::partition::EspPartition`, a data partition of `partitions.csv`).
//!
//! The storage is `sequential-storage`'s wear-levelled queue (see
//! `docs/decisions/flash-journal.md`): each record is one queue item (its own header and
//! CRC, on top of the record's CRC-32C), pushed into the youngest page; pages are used in
//! a ring, so every sector is erased as often as every other; a page is erased only once
//! every record on it has been dropped by [`compact`](dojo_core::journal::compact).
//!
//! | [`Journal`] | queue |
//! |---|---|
//! | `append` | `push` (never overwriting old data: a full queue is [`JournalError::Full`]) |
//! | `for_each` | iterate, oldest first |
//! | `retain` | iterate oldest first and pop each item not kept (each pop is atomic: one word programmed) |
//!
//! The queue's API is `async` (`embedded-storage-async`); a blocking flash never yields,
//! so a 10-line `block_on` with a no-op waker drives it: no executor, no allocation.
//!
//! # Errors and their recovery
//!
//! | what | error | recovery |
//! |---|---|---|
//! | the partition is full | [`JournalError::Full`] | [`JournalWriter::compact`](dojo_core::journal::JournalWriter::compact) (drops finished bookings), then append again; still full: settle or close open bookings first, or give the partition more sectors. The step is not taken. |
//! | a record of an older (or newer) format | [`JournalError::UnsupportedVersion`] (from dojo-core's scan: never skipped) | run the firmware that wrote it to settle its bookings; or copy the partition out ([`FlashJournal::into_inner`] and read it), settle its bookings from the Dojo portal, then [`FlashJournal::erase_all`]. Nothing is written until then. |
//! | a sector whose queue structure is damaged beyond the queue's own repair (a half-erased page is repaired by erasing it again) | [`JournalError::Corrupt`] | as above: keep the partition, copy it out, settle by hand, then erase. Never erased silently. |
//! | one record that fails its checksum | not an error: skipped and counted in [`ScanStats`](dojo_core::journal::ScanStats) (`corrupt`, or `torn_tail` for the last) | report it; the bookings of the other records are recovered. |
//! | the flash driver failed | [`JournalError::Io`]`(`[`FlashError::Flash`]`)` | the step is not taken; retry, or restart and recover. |
//!
//! No path panics, and no record is dropped except by `retain` when compaction asks.

use core::fmt;
use core::future::Future;
use core::ops::Range;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use dojo_core::journal::{Journal, JournalError, RECORD_LEN};
use embedded_storage::nor_flash::{ErrorType, MultiwriteNorFlash, NorFlash, ReadNorFlash};
use sequential_storage::cache::{Cache, Uncached};
use sequential_storage::queue::{QueueConfig, QueueStorage};

/// Why the flash journal's medium failed ([`JournalError::Io`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlashError<E> {
    /// The flash driver's error.
    Flash(E),
    /// The partition's range does not fit the flash: not aligned to its erase size, or
    /// smaller than one sector ([`FlashJournal::new`]).
    BadRange,
    /// The queue reported an internal inconsistency (its `LogicBug`): stop writing and
    /// keep the partition as it is.
    Internal,
}

impl<E: fmt::Debug> fmt::Display for FlashError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlashError::Flash(e) => write!(f, "flash: {e:?}"),
            FlashError::BadRange => f.write_str("the journal's flash range is not whole sectors"),
            FlashError::Internal => f.write_str("the flash queue is inconsistent"),
        }
    }
}

/// A blocking flash seen through `embedded-storage-async`'s traits (each call completes
/// at once).
struct Blocking<F>(F);

impl<F: ErrorType> embedded_storage_async::nor_flash::ErrorType for Blocking<F> {
    type Error = F::Error;
}

impl<F: ReadNorFlash> embedded_storage_async::nor_flash::ReadNorFlash for Blocking<F> {
    const READ_SIZE: usize = F::READ_SIZE;

    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), F::Error> {
        self.0.read(offset, bytes)
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<F: NorFlash> embedded_storage_async::nor_flash::NorFlash for Blocking<F> {
    const WRITE_SIZE: usize = F::WRITE_SIZE;
    const ERASE_SIZE: usize = F::ERASE_SIZE;

    async fn erase(&mut self, from: u32, to: u32) -> Result<(), F::Error> {
        self.0.erase(from, to)
    }

    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), F::Error> {
        self.0.write(offset, bytes)
    }
}

impl<F: MultiwriteNorFlash> embedded_storage_async::nor_flash::MultiwriteNorFlash for Blocking<F> {}

/// Runs a future that never waits (every flash call above completes at once).
fn block_on<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// A 4-aligned record buffer (flash reads and writes may need aligned words).
#[repr(C, align(4))]
struct Slot([u8; RECORD_LEN]);

/// dojo-core's [`Journal`] on a range of NOR flash (whole erase sectors), wear-levelled.
///
/// Room: `sector / (RECORD_LEN + 8)` records per sector less one word at each end (10
/// per 4 KiB sector), and the queue keeps one sector free to rotate into, so a range of
/// `n` sectors holds about `10 × (n − 1)` records. A kiosk's booking takes 2 records
/// (enrolled) to 6 (charged); compaction leaves only the open ones.
pub struct FlashJournal<F: MultiwriteNorFlash> {
    queue: QueueStorage<Blocking<F>, Cache<Uncached, Uncached, Uncached, ()>>,
}

impl<F: MultiwriteNorFlash> fmt::Debug for FlashJournal<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlashJournal").finish_non_exhaustive()
    }
}

type Result_<T, F> = Result<T, JournalError<FlashError<<F as ErrorType>::Error>>>;

impl<F: MultiwriteNorFlash> FlashJournal<F> {
    /// The journal in `range` of `flash` (byte offsets; whole erase sectors). Reads
    /// nothing yet: [`JournalWriter::open`](dojo_core::journal::JournalWriter::open)
    /// recovers it. A range that is erased (all `0xFF`) is an empty journal.
    ///
    /// Errors: [`FlashError::BadRange`] when `range` is not whole sectors of at least one
    /// sector, or a sector cannot hold a record.
    pub fn new(flash: F, range: Range<u32>) -> Result<Self, FlashError<F::Error>> {
        let config = QueueConfig::try_new(range.clone()).map_err(|_| FlashError::BadRange)?;
        let sector = F::ERASE_SIZE as u32;
        // The queue's item header (8 bytes) and a page's two state words must leave room
        // for one record.
        if range.end > flash.capacity() as u32 || sector < (RECORD_LEN as u32 + 8 + 4 * F::WRITE_SIZE as u32) {
            return Err(FlashError::BadRange);
        }
        Ok(FlashJournal { queue: QueueStorage::new(Blocking(flash), config, Cache::new_uncached()) })
    }

    /// Erases the whole range: every record is gone. Only for a journal whose bookings
    /// are settled (by hand, after [`JournalError::Corrupt`] or
    /// [`JournalError::UnsupportedVersion`]), or a new partition.
    pub fn erase_all(&mut self) -> Result_<(), F> {
        block_on(self.queue.erase_all()).map_err(map_error)
    }

    /// Gives the flash back.
    pub fn into_inner(self) -> F {
        self.queue.destroy().0.0
    }
}

fn map_error<E>(e: sequential_storage::Error<E>) -> JournalError<FlashError<E>> {
    match e {
        sequential_storage::Error::FullStorage => JournalError::Full,
        sequential_storage::Error::Corrupted { .. } => JournalError::Corrupt,
        sequential_storage::Error::Storage { value, .. } => JournalError::Io(FlashError::Flash(value)),
        _ => JournalError::Io(FlashError::Internal),
    }
}

impl<F: MultiwriteNorFlash> Journal for FlashJournal<F>
where
    F::Error: fmt::Debug,
{
    type Error = FlashError<F::Error>;

    fn append(&mut self, record: &[u8; RECORD_LEN]) -> Result_<(), F> {
        block_on(self.queue.push(record, false)).map_err(map_error)
    }

    fn for_each(&mut self, visit: &mut dyn FnMut(&[u8; RECORD_LEN])) -> Result_<(), F> {
        self.walk(&mut |bytes| {
            visit(bytes);
            true
        })
    }

    fn retain(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result_<(), F> {
        self.walk(keep)
    }
}

impl<F: MultiwriteNorFlash> FlashJournal<F> {
    /// Visits every item oldest first; pops those `keep` refuses. An item that is not
    /// record-sized (not written by this journal) is shown as an all-zero slot, which
    /// fails to decode and is counted by the scan, and is never popped.
    #[inline(never)]
    fn walk(&mut self, keep: &mut dyn FnMut(&[u8; RECORD_LEN]) -> bool) -> Result_<(), F> {
        block_on(async {
            let mut iter = self.queue.iter().await?;
            let mut slot = Slot([0; RECORD_LEN]);
            // A larger item than a record is read into the same buffer and fails there
            // (the queue's BufferTooSmall): none is ever written here.
            while let Some(entry) = iter.next(&mut slot.0).await? {
                let Ok(bytes) = <&[u8; RECORD_LEN]>::try_from(&*entry) else {
                    keep(&[0; RECORD_LEN]);
                    continue;
                };
                if !keep(bytes) {
                    entry.pop().await?;
                }
            }
            Ok(())
        })
        .map_err(map_error)
    }
}
