//! The flash journal under power cuts: bookings are journaled on a simulated NOR flash
//! (4-byte words, 2 KiB sectors, bits only cleared by programming, sectors erased
//! whole), with compaction whenever the partition fills, so the ring's sectors rotate
//! and are erased many times. Every write and every erase is then cut at every byte (the byte at the
//! cut half programmed or half erased), the flash reopened and recovered:
//!
//! - during an append, the journal holds exactly the records before it, or those and
//!   the new one complete: never a torn record, never fewer records;
//! - during compaction, it holds the records before,
//!   less a prefix of those being dropped, in order; its open bookings are unchanged;
//! - the scan skips nothing (no corrupt slot, no duplicate), and the reopened journal
//!   takes a new record that a further reopen finds last.
//!
//! Further tests: wear (erase counts per sector within one of each other), cuts in drop
//! markers and erases never bring a dropped record back, a half-done erase of any sector,
//! `erase_all` cut anywhere, and any flash content (random bytes) without a panic.
#![cfg(feature = "flash-journal")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/sim_flash.rs"]
mod sim_flash;

use dojo_core::journal::{
    CloseReason, Event, Journal, JournalError, JournalWriter, MemJournal, RECORD_LEN, Record, Reference, Settlement,
    recover,
};
use dojo_core::{Money, PaymentIntentId, SetupIntentId};
use dojo_embedded_svc::dojo_core;
use dojo_embedded_svc::flash_journal::{FlashError, FlashJournal};
use sim_flash::Sim;

const WORD: usize = 4;
const SECTOR: usize = 2048;
const SECTORS: usize = 5;
type Flash = Sim<WORD, SECTOR>;
const RANGE: core::ops::Range<u32> = 0..(SECTOR * SECTORS) as u32;

fn id(prefix: &str, n: u32) -> String {
    format!("{prefix}_sandbox_{n:022}")
}

/// Booking `n`'s records, in the order a charged no-show writes them.
fn events(n: u32) -> Vec<Event> {
    let reference = Reference::new(&format!("Table {n}, 8pm")).unwrap();
    let setup_intent = SetupIntentId::new(&id("si", n)).unwrap();
    let payment_intent = PaymentIntentId::new(&id("pi", n)).unwrap();
    let amount = Money::gbp(1000 + i64::from(n));
    vec![
        Event::SetupIntentCreating { reference },
        Event::SetupIntentCreated { reference, setup_intent, amount },
        Event::PaymentIntentCreating { reference, setup_intent: Some(setup_intent), amount },
        Event::PaymentIntentCreated { payment_intent },
        Event::ChargeSending { payment_intent },
        Event::ChargeSettled { payment_intent, settlement: Settlement::Charged },
    ]
}

/// The records a journal holds, as stored.
fn slots<J: Journal>(journal: &mut J) -> Vec<[u8; RECORD_LEN]> {
    let mut out = Vec::new();
    journal.for_each(&mut |s| out.push(*s)).unwrap();
    out
}

fn open(sim: &Flash) -> FlashJournal<Flash> {
    FlashJournal::new(sim.clone(), RANGE).unwrap()
}

/// What each phase of the run was, to judge a cut in it.
#[derive(Debug, Clone)]
enum Phase {
    /// Reading (open, recover): nothing may change.
    Read(Vec<[u8; RECORD_LEN]>),
    /// Appending `record` to `before`.
    Append { before: Vec<[u8; RECORD_LEN]>, record: Box<[u8; RECORD_LEN]> },
    /// Compacting `before` down to `after`.
    Compact { before: Vec<[u8; RECORD_LEN]>, after: Vec<[u8; RECORD_LEN]> },
}

/// Journals `bookings` bookings, two at a time interleaved, on `sim` (logging every
/// flash operation with its phase), mirrored into a `MemJournal` model; compacts when
/// the flash is full and after each finished pair. Returns the phases.
fn run(sim: &Flash, bookings: u32) -> Vec<Phase> {
    let mut phases = Vec::new();
    let mut model = MemJournal::<64>::new();
    sim.log(true);
    sim.phase(0);
    phases.push(Phase::Read(Vec::new()));
    let (mut writer, _) = JournalWriter::open::<8>(open(sim)).unwrap();
    let mut at = 1_764_000_000;
    let mut n = 1;
    while n <= bookings {
        let pair = [writer.begin_booking(), writer.begin_booking()];
        let evs = [events(n), events(n + 1)];
        for step in 0..6 {
            for (booking, evs) in pair.iter().zip(&evs) {
                at += 1;
                let record = Record { seq: writer.next_seq(), at, booking: *booking, event: evs[step] };
                let mut bytes = [0u8; RECORD_LEN];
                record.encode(&mut bytes);
                let before = slots(&mut model);
                sim.phase(phases.len());
                phases.push(Phase::Append { before: before.clone(), record: Box::new(bytes) });
                match writer.append(*booking, at, evs[step]) {
                    Ok(_) => model.append(&bytes).unwrap(),
                    Err(JournalError::Full) => {
                        compact(sim, &mut writer, &mut model, &mut phases);
                        // The same event again, with a new sequence number.
                        let record = Record { seq: writer.next_seq(), at, booking: *booking, event: evs[step] };
                        record.encode(&mut bytes);
                        sim.phase(phases.len());
                        phases.push(Phase::Append { before: slots(&mut model), record: Box::new(bytes) });
                        writer.append(*booking, at, evs[step]).expect("room after compaction");
                        model.append(&bytes).unwrap();
                    }
                    Err(e) => panic!("append: {e:?}"),
                }
            }
        }
        compact(sim, &mut writer, &mut model, &mut phases);
        n += 2;
    }
    sim.log(false);
    phases
}

fn compact(
    sim: &Flash,
    writer: &mut JournalWriter<FlashJournal<Flash>>,
    model: &mut MemJournal<64>,
    phases: &mut Vec<Phase>,
) {
    let before = slots(model);
    dojo_core::journal::compact::<8, _>(model).unwrap();
    let after = slots(model);
    sim.phase(phases.len());
    phases.push(Phase::Compact { before, after: after.clone() });
    writer.compact::<8>().unwrap();
    sim.phase(phases.len());
    phases.push(Phase::Read(after.clone()));
    assert_eq!(slots(writer.journal_mut()), after, "the flash holds what the model holds after compaction");
}

/// Whether `sub` is `all` less some of its elements, in order.
fn is_subsequence(sub: &[[u8; RECORD_LEN]], all: &[[u8; RECORD_LEN]]) -> bool {
    let mut it = all.iter();
    sub.iter().all(|s| it.any(|a| a == s))
}

fn check_cut(image: Vec<u8>, phase: &Phase, what: &str) {
    let sim = Flash::from_image(image);
    let mut journal = open(&sim);
    let found = slots(&mut journal);
    for s in &found {
        Record::decode(s).unwrap_or_else(|e| panic!("{what}: a slot that does not decode ({e}): a torn record"));
    }
    match phase {
        Phase::Read(live) => assert_eq!(&found, live, "{what}: a read changed the journal"),
        Phase::Append { before, record } => {
            let mut with = before.clone();
            with.push(**record);
            assert!(found == *before || found == with, "{what}: after a cut append: {} records", found.len());
        }
        Phase::Compact { before, after } => {
            assert!(is_subsequence(&found, before), "{what}: records appeared or moved");
            assert!(is_subsequence(after, &found), "{what}: a kept record was lost");
            // Dropped oldest first: what is gone is a prefix of what is dropped.
            let dropped: Vec<_> = before.iter().filter(|r| !after.contains(r)).collect();
            let gone: Vec<_> = before.iter().filter(|r| !found.contains(r)).collect();
            assert_eq!(&dropped[..gone.len()], &gone[..], "{what}: dropped out of order");
            let want = recover::<8, _>(&mut mem(before)).unwrap();
            let got = recover::<8, _>(&mut journal).unwrap();
            assert_eq!(got.open(), want.open(), "{what}: compaction cut short changed the open bookings");
        }
    }
    // The scan skipped nothing, and the journal goes on.
    let (mut writer, recovery) = JournalWriter::open::<8>(journal).unwrap();
    let stats = recovery.stats();
    assert!(stats.is_clean() && !stats.torn_tail && stats.corrupt == 0, "{what}: {stats}");
    let booking = writer.begin_booking();
    let record =
        match writer.append(booking, 1, Event::BookingClosed { reason: dojo_core::journal::CloseReason::Completed }) {
            Ok(record) => record,
            // A cut in the append that would have filled it: compact first, as the flow does.
            Err(JournalError::Full) => {
                writer.compact::<8>().unwrap();
                writer
                    .append(booking, 1, Event::BookingClosed { reason: dojo_core::journal::CloseReason::Completed })
                    .unwrap()
            }
            Err(e) => panic!("{what}: append after the cut: {e:?}"),
        };
    let mut again = open(&sim);
    let last = slots(&mut again).last().copied().map(|s| Record::decode(&s).unwrap());
    assert_eq!(last, Some(record), "{what}: the record written after recovery is not the last one read");
}

fn mem(records: &[[u8; RECORD_LEN]]) -> MemJournal<64> {
    let mut m = MemJournal::new();
    for r in records {
        m.append(r).unwrap();
    }
    m
}

#[test]
fn recovery_after_a_power_cut_at_every_byte_of_every_write_and_erase() {
    let sim = Flash::new(SECTORS);
    let phases = run(&sim, 10);
    let log = sim.state.borrow().log.clone();
    let writes = log.iter().filter(|l| matches!(l.op, sim_flash::Op::Write { .. })).count();
    let erases = log.len() - writes;
    assert!(erases >= 2 * SECTORS, "the run erased {erases} sectors: too few to rotate the ring");
    let mut cuts = 0;
    for (i, logged) in log.iter().enumerate() {
        for at in 0..logged.len() {
            let what = format!("op {i} ({:?}), byte {at}", std::mem::discriminant(&logged.op));
            check_cut(logged.cut(at), &phases[logged.phase], &what);
            cuts += 1;
        }
    }
    println!("{cuts} power cuts: {writes} writes and {erases} erases");
}

#[test]
fn a_full_partition_is_full_until_compacted() {
    let sim = Flash::new(3);
    let journal = FlashJournal::new(sim.clone(), 0..3 * SECTOR as u32).unwrap();
    let (mut writer, _) = JournalWriter::open::<8>(journal).unwrap();
    let b = writer.begin_booking();
    let evs = events(1);
    let mut written = 0;
    let err = loop {
        match writer.append(b, 1, evs[written % 5]) {
            Ok(_) => written += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(err, JournalError::Full, "after {written} records");
    // Still open: compaction cannot drop an open booking's records.
    writer.compact::<8>().unwrap();
    assert_eq!(writer.append(b, 2, evs[5]), Err(JournalError::Full));
    // Finish it some other way: a fresh partition holds the open booking's records.
    let recovery = recover::<8, _>(writer.journal_mut()).unwrap();
    assert_eq!(recovery.open().len(), 1, "nothing was lost while full");
}

/// Compaction keeps the newest record of the highest-numbered booking (booking numbers
/// are never handed out twice). When that booking finished long before, its record sat
/// in the ring's oldest sector and kept it from being reused: with every booking
/// finished, the journal stayed full for good. The writer now moves that record to the
/// head when it compacts, so new bookings keep being journaled.
#[test]
fn a_finished_booking_kept_for_its_number_never_keeps_the_ring_full() {
    let sim = Flash::new(3);
    let journal = FlashJournal::new(sim.clone(), 0..3 * SECTOR as u32).unwrap();
    let (mut writer, _) = JournalWriter::open::<8>(journal).unwrap();
    let evs = events(1);
    let closed = Event::BookingClosed { reason: CloseReason::Completed };
    let mut at = 0;
    for round in 0..40 {
        // An older booking stays open while a newer one starts and finishes; then the
        // older one writes its records and finishes too (the ring of three 2 KiB sectors
        // holds 10 records).
        let older = writer.begin_booking();
        writer.append(older, at, evs[0]).unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        let newer = writer.begin_booking();
        writer.append(newer, at, closed).unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        // Compacted after every finished booking, as the kiosk does.
        assert_eq!(writer.compact::<8>().unwrap().open().len(), 1);
        for i in 0..3 {
            writer.append(older, at + i, evs[i as usize + 1]).unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        }
        writer.append(older, at + 8, closed).unwrap_or_else(|e| panic!("round {round} close: {e:?}"));
        let recovery = writer.compact::<8>().unwrap();
        assert!(recovery.open().is_empty());
        at += 10;
    }
    // Numbers were never handed out twice, across a reopen too.
    let expected = writer.begin_booking();
    let (mut reopened, _) = JournalWriter::open::<8>(writer.into_inner()).unwrap();
    assert_eq!(reopened.begin_booking(), expected);
}

#[test]
fn a_record_of_another_format_version_is_an_error_not_skipped() {
    let sim = Flash::new(SECTORS);
    let (mut writer, _) = JournalWriter::open::<8>(open(&sim)).unwrap();
    let b = writer.begin_booking();
    writer.append(b, 1, events(1)[0]).unwrap();
    // A record as a format version 0 build would have written it (checksum valid).
    let mut old = [0u8; RECORD_LEN];
    Record { seq: 9, at: 2, booking: b, event: events(1)[1] }.encode(&mut old);
    old[4] = 0;
    let crc = dojo_core::journal::record::crc32c(&old[..RECORD_LEN - 4]);
    old[RECORD_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    writer.journal_mut().append(&old).unwrap();
    let mut journal = writer.into_inner();
    assert_eq!(recover::<8, _>(&mut journal).unwrap_err(), JournalError::UnsupportedVersion { found: 0, slot: 1 });
    assert!(matches!(JournalWriter::open::<8>(journal), Err(JournalError::UnsupportedVersion { .. })));
}

#[test]
fn a_damaged_sector_is_corrupt_or_skipped_never_a_panic() {
    // Every byte of a written sector flipped in turn: the journal either reads (the
    // damaged record skipped and counted) or says Corrupt; it never panics.
    let sim = Flash::new(SECTORS);
    let (mut writer, _) = JournalWriter::open::<8>(open(&sim)).unwrap();
    let b = writer.begin_booking();
    for e in &events(1)[..4] {
        writer.append(b, 1, *e).unwrap();
    }
    let image = sim.image();
    let mut seen_corrupt_slot = false;
    for at in (0..SECTOR).step_by(7) {
        let mut bad = image.clone();
        bad[at] ^= 0x5A;
        let mut journal = open(&Flash::from_image(bad));
        match recover::<8, _>(&mut journal) {
            Ok(r) => seen_corrupt_slot |= !r.stats().is_clean() || r.stats().records < 4,
            Err(JournalError::Corrupt) => {}
            Err(e) => panic!("byte {at}: {e:?}"),
        }
    }
    assert!(seen_corrupt_slot);
}

#[test]
fn a_range_that_is_not_three_whole_sectors_or_more_is_refused() {
    let sim = Flash::new(SECTORS);
    assert!(matches!(FlashJournal::new(sim.clone(), 0..1000), Err(FlashError::BadRange)));
    assert!(matches!(FlashJournal::new(sim.clone(), 0..(SECTOR as u32 * 8)), Err(FlashError::BadRange)));
    // One sector: the ring needs a spare sector besides the one it writes. Two: the
    // sector to erase next would be the newest, always holding a record compaction keeps.
    assert!(matches!(FlashJournal::new(sim.clone(), 0..SECTOR as u32), Err(FlashError::BadRange)));
    assert!(matches!(FlashJournal::new(sim.clone(), 0..2 * SECTOR as u32), Err(FlashError::BadRange)));
    assert!(matches!(FlashJournal::new(sim.clone(), 4..SECTOR as u32 * 3), Err(FlashError::BadRange)));
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = SECTOR as u32 * 2..0;
    assert!(matches!(FlashJournal::new(sim.clone(), backwards), Err(FlashError::BadRange)));
    assert!(FlashJournal::new(sim.clone(), 0..3 * SECTOR as u32).is_ok());
    assert!(FlashJournal::new(sim, SECTOR as u32..4 * SECTOR as u32).is_ok());
    // A flash whose sector cannot hold one 400-byte slot.
    let tiny = Sim::<4, 256>::new(4);
    assert!(matches!(FlashJournal::new(tiny, 0..1024), Err(FlashError::BadRange)));
    // A write size that does not divide the 8-byte markers.
    let wide = Sim::<16, 2048>::new(4);
    assert!(matches!(FlashJournal::new(wide, 0..4096), Err(FlashError::BadRange)));
}

/// A charged booking's six records, journaled by `writer`, then compacted away.
fn one_booking(writer: &mut JournalWriter<FlashJournal<Flash>>, n: u32) {
    let b = writer.begin_booking();
    for e in events(n) {
        match writer.append(b, i64::from(n), e) {
            Ok(_) => {}
            Err(JournalError::Full) => {
                writer.compact::<8>().unwrap();
                writer.append(b, i64::from(n), e).unwrap();
            }
            Err(e) => panic!("booking {n}: {e:?}"),
        }
    }
    writer.compact::<8>().unwrap();
}

#[test]
fn every_sector_is_erased_as_often_as_every_other() {
    for sectors in [3, 4, 7] {
        let sim = Flash::new(sectors);
        let range = 0..(SECTOR * sectors) as u32;
        let (mut writer, _) = JournalWriter::open::<8>(FlashJournal::new(sim.clone(), range.clone()).unwrap()).unwrap();
        let mut erases = vec![0u32; sectors];
        let mut seen = 0;
        for n in 1..=200 {
            one_booking(&mut writer, n);
            // Count each sector's erases from the log of erase operations.
            let state = sim.state.borrow();
            for logged in &state.log[seen..] {
                if let sim_flash::Op::Erase { from, .. } = logged.op {
                    erases[from as usize / SECTOR] += 1;
                }
            }
            seen = state.log.len();
            drop(state);
            if n == 1 {
                sim.log(true);
            }
            let (min, max) = (erases.iter().min().unwrap(), erases.iter().max().unwrap());
            assert!(max - min <= 1, "{sectors} sectors, after booking {n}: erases per sector {erases:?}");
        }
        assert!(*erases.iter().min().unwrap() >= 20, "{sectors} sectors: too few erases to judge: {erases:?}");
        // And the journal is whole: one record kept (the newest), nothing skipped.
        let recovery = recover::<8, _>(writer.journal_mut()).unwrap();
        assert!(recovery.open().is_empty() && recovery.stats().is_clean() && !recovery.stats().torn_tail);
        let mut reopened = FlashJournal::new(sim, range).unwrap();
        assert_eq!(slots(&mut reopened), slots(writer.journal_mut()));
    }
}

#[test]
fn a_power_cut_in_an_erase_or_a_drop_never_brings_a_dropped_record_back() {
    // Fill the partition with finished bookings, compact (every record dropped but the
    // newest), then journal more so the ring moves on and erases: cut at every byte of
    // every drop marker write and every erase, and the reopened journal never shows a
    // dropped record, nor loses a kept one.
    let sim = Flash::new(SECTORS);
    let (mut writer, _) = JournalWriter::open::<8>(open(&sim)).unwrap();
    for n in 1..=2 {
        let b = writer.begin_booking();
        for e in events(n) {
            writer.append(b, 1, e).unwrap();
        }
    }
    let before = slots(writer.journal_mut());
    sim.log(true);
    writer.compact::<8>().unwrap();
    let kept = slots(writer.journal_mut());
    assert_eq!(kept.len(), 1);
    let drops = sim.state.borrow().log.len();
    assert_eq!(drops, before.len() - 1, "one drop marker per dropped record");
    // Enough records to move past the dropped ones' sectors, erasing them.
    let b = writer.begin_booking();
    let mut appended = Vec::new();
    for i in 0..12 {
        let record = writer.append(b, 2, events(3)[i % 5]).unwrap();
        appended.push(record);
    }
    sim.log(false);
    let log = sim.state.borrow().log.clone();
    assert!(log.iter().any(|l| matches!(l.op, sim_flash::Op::Erase { .. })), "the ring erased no sector");
    let dropped: Vec<_> = before.iter().filter(|r| !kept.contains(r)).collect();
    for (i, logged) in log.iter().enumerate() {
        for at in 0..logged.len() {
            let image = logged.cut(at);
            let found = slots(&mut open(&Flash::from_image(image)));
            for s in &found {
                let gone = i >= drops && dropped.contains(&s);
                assert!(!gone, "op {i} byte {at}: a dropped record came back");
                Record::decode(s).unwrap_or_else(|e| panic!("op {i} byte {at}: a torn record ({e})"));
            }
            if i < drops {
                // Compaction cut short: every record but a prefix of the dropped ones.
                assert!(found.ends_with(&kept), "op {i} byte {at}: the kept record is lost");
                assert!(before.ends_with(&found), "op {i} byte {at}: a record dropped out of order");
            } else {
                // Past compaction: the kept record and the appends before this one.
                assert_eq!(found.first(), kept.first(), "op {i} byte {at}: the kept record is lost");
            }
        }
    }
}

#[test]
fn a_partition_after_a_half_done_erase_opens_and_reads() {
    // A half-done erase of any sector (the spare the ring was moving into, or, cut in
    // erase_all, any other): open and scan read what was whole, never a torn or dropped
    // record, and the journal takes new records.
    let sim = Flash::new(SECTORS);
    let (mut writer, _) = JournalWriter::open::<8>(open(&sim)).unwrap();
    for n in 1..=6 {
        one_booking(&mut writer, n);
    }
    let image = sim.image();
    for sector in 0..SECTORS {
        for at in (0..SECTOR).step_by(37) {
            let mut half = image.clone();
            half[sector * SECTOR..sector * SECTOR + at].fill(0xFF);
            half[sector * SECTOR + at] |= 0x0F;
            let sim = Flash::from_image(half);
            let mut journal = open(&sim);
            let recovery = recover::<8, _>(&mut journal).unwrap_or_else(|e| panic!("sector {sector} byte {at}: {e:?}"));
            assert!(recovery.open().is_empty(), "sector {sector} byte {at}: a finished booking reopened");
            let (mut writer, _) = JournalWriter::open::<8>(journal).unwrap();
            let b = writer.begin_booking();
            let record = match writer.append(b, 9, events(1)[0]) {
                Ok(record) => record,
                Err(JournalError::Full) => {
                    writer.compact::<8>().unwrap();
                    writer.append(b, 9, events(1)[0]).unwrap()
                }
                Err(e) => panic!("sector {sector} byte {at}: {e:?}"),
            };
            let last = slots(&mut open(&sim)).last().map(|s| Record::decode(s).unwrap());
            assert_eq!(last, Some(record), "sector {sector} byte {at}");
        }
    }
}

#[test]
fn erase_all_cut_at_any_byte_leaves_an_empty_journal() {
    let sim = Flash::new(SECTORS);
    let (mut writer, _) = JournalWriter::open::<8>(open(&sim)).unwrap();
    let b = writer.begin_booking();
    for e in &events(1)[..5] {
        writer.append(b, 1, *e).unwrap();
    }
    let mut journal = writer.into_inner();
    sim.log(true);
    journal.erase_all().unwrap();
    sim.log(false);
    assert!(sim.image().iter().all(|b| *b == 0xFF));
    let log = sim.state.borrow().log.clone();
    assert_eq!(log.iter().filter(|l| matches!(l.op, sim_flash::Op::Write { .. })).count(), 5, "one drop per record");
    assert!(log[..5].iter().all(|l| matches!(l.op, sim_flash::Op::Write { .. })), "drops first, then erases");
    for (i, logged) in log.iter().enumerate() {
        for at in 0..logged.len() {
            let sim = Flash::from_image(logged.cut(at));
            let recovery = recover::<8, _>(&mut open(&sim)).unwrap();
            // The first five operations drop the five records; from then on nothing is read.
            if i >= 5 {
                assert_eq!(recovery.stats().slots, 0, "op {i} byte {at}");
            }
        }
    }
}

#[test]
fn any_flash_content_opens_without_a_panic() {
    // Random bytes, and random bytes over a valid journal: open, scan, append and compact
    // give a result or a typed error, never a panic.
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let sim = Flash::new(SECTORS);
    let (mut writer, _) = JournalWriter::open::<8>(open(&sim)).unwrap();
    for n in 1..=3 {
        one_booking(&mut writer, n);
    }
    let valid = sim.image();
    let mut byte = move || match next() % 4 {
        0 => 0xFF,
        1 => 0x00,
        n => (n >> 8) as u8,
    };
    for round in 0..400 {
        let mut image = valid.clone();
        if round % 2 == 0 {
            // All random.
            image.iter_mut().for_each(|b| *b = byte());
        } else {
            // A valid journal with up to 64 bytes damaged.
            for _ in 0..=byte() % 64 {
                let at = (u64::from(byte()) << 8 | u64::from(byte())) as usize % image.len();
                image[at] = byte();
            }
        }
        let sim = Flash::from_image(image);
        let mut journal = open(&sim);
        let _ = slots_or_error(&mut journal);
        if let Ok((mut writer, _)) = JournalWriter::open::<8>(journal) {
            let b = writer.begin_booking();
            let _ = writer.append(b, 1, events(1)[0]);
            let _ = writer.compact::<8>();
            let _ = slots_or_error(writer.journal_mut());
            let mut journal = writer.into_inner();
            journal.erase_all().unwrap();
            assert_eq!(slots(&mut journal), Vec::<[u8; RECORD_LEN]>::new(), "round {round}: erase_all left records");
        }
    }
}

fn slots_or_error<J: Journal>(journal: &mut J) -> Result<usize, JournalError<J::Error>> {
    let mut n = 0;
    journal.for_each(&mut |_| n += 1)?;
    Ok(n)
}
