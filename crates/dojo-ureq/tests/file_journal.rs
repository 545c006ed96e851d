//! The file journal: torn tails, reopening, compaction, duplicates, future versions, the
//! single-writer lock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use dojo_core::journal::record::crc32c;
use dojo_core::journal::{
    Action, BookingId, Event, FORMAT_VERSION, Journal, JournalError, JournalWriter, RECORD_LEN, Record, Reference,
    Settlement, compact, recover,
};
use dojo_core::{Money, PaymentIntentId, SetupIntentId};
use dojo_ureq::FileJournal;

fn pi(n: u32) -> PaymentIntentId {
    PaymentIntentId::new(&format!("pi_sandbox_{n}")).unwrap()
}

fn encode(seq: u64, booking: u32, event: Event) -> [u8; RECORD_LEN] {
    let mut b = [0u8; RECORD_LEN];
    Record { seq, at: 1_000 + seq as i64, booking: BookingId(booking), event }.encode(&mut b);
    b
}

/// A booking up to its charge being sent, then a second booking settled, through the writer.
fn write_flow(path: &Path) -> Vec<u8> {
    let (journal, report) = FileJournal::open(path).unwrap();
    assert!(report.created);
    let (mut w, rec) = JournalWriter::open::<8>(journal).unwrap();
    assert!(rec.open().is_empty());
    let reference = Reference::new("Table 4").unwrap();
    let setup_intent = SetupIntentId::new("si_sandbox_1").unwrap();
    let amount = Money::gbp(1000);
    let b1 = w.begin_booking();
    w.append(b1, 10, Event::SetupIntentCreated { reference, setup_intent, amount }).unwrap();
    w.append(b1, 11, Event::PaymentIntentCreating { reference, setup_intent: Some(setup_intent), amount }).unwrap();
    w.append(b1, 12, Event::PaymentIntentCreated { payment_intent: pi(1) }).unwrap();
    let b2 = w.begin_booking();
    w.append(b2, 13, Event::ChargeSending { payment_intent: pi(2) }).unwrap();
    w.append(b2, 14, Event::ChargeSettled { payment_intent: pi(2), settlement: Settlement::Charged }).unwrap();
    w.append(b1, 15, Event::ChargeSending { payment_intent: pi(1) }).unwrap();
    assert_eq!(w.journal().len(), 6);
    drop(w);
    fs::read(path).unwrap()
}

fn journal_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("state").join("dojo").join("payments.journal")
}

#[test]
fn reopen_after_append_recovers_the_same_bookings() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    let bytes = write_flow(&path);
    assert_eq!(bytes.len(), 6 * RECORD_LEN);
    let (mut j, report) = FileJournal::open(&path).unwrap();
    assert_eq!(report, dojo_ureq::OpenReport { created: false, truncated_bytes: 0, records: 6 });
    let rec = recover::<8, _>(&mut j).unwrap();
    assert!(rec.stats().is_clean() && !rec.stats().torn_tail);
    assert_eq!(rec.open().len(), 1);
    assert_eq!(rec.open()[0].action(), Some(Action::SettleCharge { payment_intent: pi(1), since: 15 }));
    assert_eq!((rec.next_seq(), rec.next_booking()), (7, BookingId(3)));
    // Appending after reopening goes on after the last record.
    let mut w = JournalWriter::new(j, &rec);
    w.append(BookingId(1), 16, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Pending })
        .unwrap();
    drop(w);
    let (mut j, _) = FileJournal::open(&path).unwrap();
    let rec = recover::<8, _>(&mut j).unwrap();
    assert_eq!(rec.open()[0].action(), Some(Action::ReportPending { payment_intent: pi(1), since: 16 }));
}

#[test]
fn a_torn_tail_at_every_byte_of_the_last_record_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    let bytes = write_flow(&path);
    let complete = &bytes[..5 * RECORD_LEN];
    let last = &bytes[5 * RECORD_LEN..];
    let expected = {
        fs::write(&path, complete).unwrap();
        let (mut j, _) = FileJournal::open(&path).unwrap();
        recover::<8, _>(&mut j).unwrap().open().to_vec()
    };
    assert_eq!(expected[0].action(), Some(Action::SendCharge { payment_intent: pi(1) }));
    for cut in 0..RECORD_LEN {
        // The crash left the first `cut` bytes of the last record...
        let mut torn = complete.to_vec();
        torn.extend_from_slice(&last[..cut]);
        fs::write(&path, &torn).unwrap();
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!(report.truncated_bytes, cut as u64, "partial record of {cut} bytes");
        assert_eq!(report.records, 5);
        assert_eq!(fs::metadata(&path).unwrap().len(), complete.len() as u64);
        assert_eq!(recover::<8, _>(&mut j).unwrap().open(), &expected[..]);
        drop(j);

        // ...or the whole length, with only the first `cut` bytes written (zeros after).
        let mut torn = complete.to_vec();
        torn.extend_from_slice(&last[..cut]);
        torn.resize(6 * RECORD_LEN, 0);
        fs::write(&path, &torn).unwrap();
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!(report.truncated_bytes, RECORD_LEN as u64, "zero-filled record from byte {cut}");
        let rec = recover::<8, _>(&mut j).unwrap();
        assert_eq!(rec.open(), &expected[..]);
        assert!(!rec.stats().torn_tail, "already cut off by open");
        // The journal goes on from a record boundary.
        j.append(&encode(6, 1, Event::ChargeSending { payment_intent: pi(1) })).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().len(), 6 * RECORD_LEN as u64);
    }
}

#[test]
fn compaction_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    write_flow(&path);
    let (mut j, _) = FileJournal::open(&path).unwrap();
    let before = recover::<8, _>(&mut j).unwrap();
    compact::<8, _>(&mut j).unwrap();
    // Booking 1's four records are kept (open, and its last is the newest), and booking 2's
    // last (the highest booking number, so it is never handed out again); its first goes.
    assert_eq!(j.len(), 5);
    assert_eq!(fs::metadata(&path).unwrap().len(), 5 * RECORD_LEN as u64);
    assert!(!path.with_file_name("payments.journal.compact").exists());
    let after = recover::<8, _>(&mut j).unwrap();
    assert_eq!(before.open(), after.open());
    // Appending after compaction goes to the new file.
    let mut w = JournalWriter::new(j, &after);
    w.append(BookingId(1), 20, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged })
        .unwrap();
    drop(w);
    let (mut j, report) = FileJournal::open(&path).unwrap();
    assert_eq!(report.records, 6);
    let rec = recover::<8, _>(&mut j).unwrap();
    assert!(rec.open().is_empty());
    assert_eq!((rec.next_seq(), rec.next_booking()), (8, BookingId(3)));
    compact::<8, _>(&mut j).unwrap();
    assert_eq!(j.len(), 2, "only the newest record and booking 2's last, so numbering goes on");
    let rec = recover::<8, _>(&mut j).unwrap();
    assert_eq!((rec.next_seq(), rec.next_booking()), (8, BookingId(3)));
}

#[test]
fn two_records_with_the_same_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    let (mut j, _) = FileJournal::open(&path).unwrap();
    let first = encode(1, 1, Event::ChargeSending { payment_intent: pi(1) });
    j.append(&first).unwrap();
    j.append(&first).unwrap(); // written twice
    j.append(&encode(1, 2, Event::ChargeSending { payment_intent: pi(2) })).unwrap(); // same number, other content
    let rec = recover::<8, _>(&mut j).unwrap();
    assert_eq!(rec.stats().duplicates, 1);
    assert_eq!(rec.stats().out_of_order, 1);
    assert_eq!(rec.open().len(), 1, "the first record of a number wins");
    assert_eq!(rec.open()[0].booking, BookingId(1));
    assert_eq!(rec.next_seq(), 2);
}

#[test]
fn a_record_of_a_future_version_is_a_typed_error_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    write_flow(&path);
    let mut future = encode(7, 1, Event::ChargeSending { payment_intent: pi(1) });
    future[4] = FORMAT_VERSION + 1;
    let crc = crc32c(&future[..RECORD_LEN - 4]);
    future[RECORD_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(&future);
    fs::write(&path, &bytes).unwrap();

    let (mut j, report) = FileJournal::open(&path).unwrap();
    assert_eq!(report.truncated_bytes, 0, "a whole record of another version is not torn");
    let expected = JournalError::<std::io::Error>::UnsupportedVersion { found: FORMAT_VERSION + 1, slot: 6 };
    assert!(matches!(recover::<8, _>(&mut j), Err(e) if e.to_string() == expected.to_string()));
    assert!(
        matches!(compact::<8, _>(&mut j), Err(JournalError::UnsupportedVersion { found, slot: 6 }) if found == FORMAT_VERSION + 1)
    );
    assert!(JournalWriter::open::<8>(j).is_err());
    assert_eq!(fs::read(&path).unwrap(), bytes, "the file is left as it was");
}

#[test]
fn one_process_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    let (first, _) = FileJournal::open(&path).unwrap();
    if cfg!(unix) {
        let err = FileJournal::open(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert!(err.to_string().contains("in use by another process"), "{err}");
    }
    drop(first);
    FileJournal::open(&path).unwrap();
}

#[test]
fn a_crash_during_compaction_leaves_the_old_journal() {
    // A crash before the rename leaves `PATH.compact` beside the untouched journal: it is
    // ignored on open and overwritten by the next compaction.
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    let bytes = write_flow(&path);
    let stale = path.with_file_name("payments.journal.compact");
    fs::write(&stale, &bytes[..RECORD_LEN + 7]).unwrap();
    let (mut j, report) = FileJournal::open(&path).unwrap();
    assert_eq!((report.records, report.truncated_bytes), (6, 0));
    let before = recover::<8, _>(&mut j).unwrap();
    compact::<8, _>(&mut j).unwrap();
    assert!(!stale.exists());
    assert_eq!(recover::<8, _>(&mut j).unwrap().open(), before.open());
}

#[test]
fn compaction_keeps_a_copy_of_a_journal_with_corrupt_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(&dir);
    let mut bytes = write_flow(&path);
    bytes[RECORD_LEN + 100] ^= 0xFF; // the second record
    fs::write(&path, &bytes).unwrap();
    let (mut j, _) = FileJournal::open(&path).unwrap();
    let rec = recover::<8, _>(&mut j).unwrap();
    assert_eq!(rec.stats().corrupt, 1);
    compact::<8, _>(&mut j).unwrap();
    let copies: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".corrupt."))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(fs::read(&copies[0]).unwrap(), bytes);
    assert!(recover::<8, _>(&mut j).unwrap().stats().is_clean());
    // A clean journal compacts without a copy.
    compact::<8, _>(&mut j).unwrap();
    let count = fs::read_dir(path.parent().unwrap()).unwrap().count();
    assert_eq!(count, 3, "journal, lock and the one copy");
}
