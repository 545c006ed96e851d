//! The journal's record format, scan, recovery and compaction, one behaviour per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::journal::record::crc32c;
use dojo_core::journal::{
    Action, BookingId, CloseReason, Event, FORMAT_VERSION, Journal, JournalError, JournalWriter, MemJournal,
    NotChargedReason, RECORD_LEN, Record, RecordError, Recovery, Reference, Settlement, Stage, compact, recover, scan,
};
use dojo_core::{Currency, Money, PaymentIntentId, SetupIntentId};

fn reference(s: &str) -> Reference {
    Reference::new(s).unwrap()
}
fn si(n: u32) -> SetupIntentId {
    SetupIntentId::new(&format!("si_sandbox_{n}")).unwrap()
}
fn pi(n: u32) -> PaymentIntentId {
    PaymentIntentId::new(&format!("pi_sandbox_{n}")).unwrap()
}

fn every_event() -> Vec<Event> {
    let r = reference("Table 4 — 19:30 ✓");
    let amount = Money::gbp(1000);
    let odd = Money { value: -5, currency: Currency::parse("XYZ").unwrap() };
    let mut events = vec![
        Event::SetupIntentCreating { reference: r },
        Event::SetupIntentCreated { reference: r, setup_intent: si(1), amount },
        Event::PaymentIntentCreating { reference: r, setup_intent: Some(si(1)), amount: odd },
        Event::PaymentIntentCreating { reference: r, setup_intent: None, amount: Money::eur(1) },
        Event::PaymentIntentCreated { payment_intent: pi(1) },
        Event::ChargeSending { payment_intent: pi(1) },
        Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged },
        Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Pending },
    ];
    for reason in [
        NotChargedReason::Declined,
        NotChargedReason::Failed,
        NotChargedReason::Canceled,
        NotChargedReason::SetupIntentUnusable,
    ] {
        events.push(Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::NotCharged(reason) });
    }
    for reason in [CloseReason::Completed, CloseReason::Canceled, CloseReason::Abandoned] {
        events.push(Event::BookingClosed { reason });
    }
    events
}

fn encode(seq: u64, booking: u32, event: Event) -> [u8; RECORD_LEN] {
    let mut b = [0u8; RECORD_LEN];
    Record { seq, at: seq as i64 * 10, booking: BookingId(booking), event }.encode(&mut b);
    b
}

/// Rewrites the checksum after a test changed a record's bytes.
fn reseal(b: &mut [u8; RECORD_LEN]) {
    let crc = crc32c(&b[..RECORD_LEN - 4]);
    b[RECORD_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn every_event_round_trips() {
    for (i, event) in every_event().into_iter().enumerate() {
        let record = Record { seq: i as u64 + 1, at: -1, booking: BookingId(7), event };
        let mut b = [0xAAu8; RECORD_LEN];
        record.encode(&mut b);
        assert_eq!(&b[..4], b"DJNL");
        assert_eq!(b[4], FORMAT_VERSION);
        assert_eq!(b[5], event.kind());
        assert_eq!(Record::decode(&b), Ok(record), "{}", event.name());
    }
}

/// Regression (found by the journal_records fuzz target): a record whose amount has an
/// empty currency code was written but read back as `Field("currencyCode")`.
#[test]
fn an_amount_with_an_empty_currency_code_reads_back() {
    let empty = Currency::parse("").unwrap();
    assert_eq!(empty.as_str(), "");
    for event in [
        Event::SetupIntentCreated { reference: reference("r"), setup_intent: si(1), amount: Money::new(0, empty) },
        Event::PaymentIntentCreating { reference: reference("r"), setup_intent: None, amount: Money::new(-1, empty) },
    ] {
        let record = Record { seq: 1, at: 0, booking: BookingId(1), event };
        let mut b = [0u8; RECORD_LEN];
        record.encode(&mut b);
        assert_eq!(Record::decode(&b), Ok(record));
    }
}

#[test]
fn every_decode_error() {
    let good = encode(1, 1, Event::ChargeSending { payment_intent: pi(1) });
    assert_eq!(Record::decode(&good[..RECORD_LEN - 1]), Err(RecordError::Length { found: RECORD_LEN - 1 }));
    assert_eq!(Record::decode(&[]), Err(RecordError::Length { found: 0 }));

    let mut b = good;
    b[0] = b'X';
    assert_eq!(Record::decode(&b), Err(RecordError::Magic));

    for at in [4, 5, 8, 40, 200, RECORD_LEN - 5, RECORD_LEN - 1] {
        let mut b = good;
        b[at] ^= 0x01;
        assert_eq!(Record::decode(&b), Err(RecordError::Checksum), "bit flip at {at}");
    }

    // A whole record of another version (checksum good) is told apart from a torn one.
    for version in [0, FORMAT_VERSION + 1, 0xFF] {
        let mut b = good;
        b[4] = version;
        reseal(&mut b);
        assert_eq!(Record::decode(&b), Err(RecordError::UnsupportedVersion { found: version }));
    }

    let mut b = good;
    b[5] = 99;
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::UnknownKind(99)));

    let mut b = good;
    b[6] = 1;
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::Field("reserved")));

    let mut b = good;
    b[RECORD_LEN - 10] = 1;
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::Field("padding")));

    let mut b = good;
    b[33] = b'/'; // inside the payment intent id
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::Field("paymentIntentId")));

    let mut b = good;
    b[32] = 200; // id length beyond 50
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::Field("paymentIntentId")));

    let mut b = encode(1, 1, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged });
    let at = 32 + 1 + pi(1).as_str().len();
    b[at] = 9;
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::Field("settlement")));
}

fn journal_of(events: &[(u32, Event)]) -> MemJournal<64> {
    let mut j = MemJournal::<64>::new();
    for (i, (booking, event)) in events.iter().enumerate() {
        j.append(&encode(i as u64 + 1, *booking, *event)).unwrap();
    }
    j
}

#[test]
fn a_torn_tail_is_skipped_and_counted_and_loses_nothing_before_it() {
    let mut j = journal_of(&[
        (1, Event::PaymentIntentCreated { payment_intent: pi(1) }),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
    ]);
    let mut torn = encode(3, 1, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged });
    torn[200..].fill(0);
    j.push_raw(&torn).unwrap();
    let r = recover::<4, _>(&mut j).unwrap();
    assert!(r.stats().torn_tail);
    assert_eq!(r.stats().corrupt, 0);
    assert_eq!(r.stats().records, 2);
    assert_eq!(r.open()[0].action(), Some(Action::SettleCharge { payment_intent: pi(1), since: 20 }));
    // The torn record's number is never reused by the writer... nor needed: it goes on after the last good one.
    assert_eq!(r.next_seq(), 3);
}

#[test]
fn corruption_in_the_middle_is_reported_and_later_records_count() {
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (2, Event::ChargeSending { payment_intent: pi(2) }),
        (1, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged }),
    ]);
    j.slot_mut(1).unwrap()[100] ^= 0xFF;
    let r = recover::<4, _>(&mut j).unwrap();
    assert!(!r.stats().torn_tail);
    assert_eq!(r.stats().corrupt, 1);
    assert_eq!(r.stats().first_corrupt.unwrap().slot, 1);
    assert_eq!(r.stats().first_corrupt.unwrap().error, RecordError::Checksum);
    assert_eq!(r.stats().records, 2);
    assert!(r.open().is_empty(), "booking 1 settled by the record after the corrupt one");
    assert!(!r.stats().is_clean());
}

#[test]
fn the_first_bad_slot_is_reported_only_when_a_slot_follows_it() {
    // bad, bad, good, bad (last): the first two are corruption (the first reported), the
    // last the torn tail.
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
    ]);
    j.slot_mut(0).unwrap()[100] ^= 0xFF;
    j.slot_mut(1).unwrap()[0] ^= 0xFF;
    j.slot_mut(3).unwrap()[100] ^= 0xFF;
    let stats = scan(&mut j, &mut |_| {}).unwrap();
    assert_eq!((stats.slots, stats.records, stats.corrupt, stats.torn_tail), (4, 1, 2, true));
    let first = stats.first_corrupt.unwrap();
    assert_eq!((first.slot, first.error), (0, RecordError::Checksum));
    // A single bad slot, the last: a torn tail, no corruption reported.
    let mut j = journal_of(&[(1, Event::ChargeSending { payment_intent: pi(1) })]);
    j.slot_mut(0).unwrap()[100] ^= 0xFF;
    let stats = scan(&mut j, &mut |_| {}).unwrap();
    assert_eq!((stats.corrupt, stats.torn_tail, stats.first_corrupt), (0, true, None));
    // Two bad slots, no good one: the first is corruption, the second the torn tail.
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
    ]);
    j.slot_mut(0).unwrap()[0] ^= 0xFF;
    j.slot_mut(1).unwrap()[100] ^= 0xFF;
    let stats = scan(&mut j, &mut |_| {}).unwrap();
    assert_eq!((stats.corrupt, stats.torn_tail), (1, true));
    let first = stats.first_corrupt.unwrap();
    assert_eq!((first.slot, first.error), (0, RecordError::Magic));
}

#[test]
fn a_reference_is_counted_in_characters_not_bytes() {
    // 60 four-byte characters (240 bytes) decode; 61 two-byte ones (122 bytes) do not.
    let long = "\u{1F600}".repeat(60);
    let event = Event::SetupIntentCreating { reference: reference(&long) };
    let b = encode(1, 1, event);
    assert_eq!(Record::decode(&b).unwrap().event, event);
    let mut b = encode(1, 1, Event::SetupIntentCreating { reference: reference("x") });
    b[32] = 122;
    for i in 0..61 {
        b[33 + 2 * i..35 + 2 * i].copy_from_slice("é".as_bytes());
    }
    reseal(&mut b);
    assert_eq!(Record::decode(&b), Err(RecordError::Field("reference")));
    // 60 of them (120 bytes) do.
    b[32] = 120;
    b[153..155].fill(0);
    reseal(&mut b);
    assert_eq!(Record::decode(&b).unwrap().event.name(), "setup_intent_creating");
}

#[test]
fn duplicates_and_records_out_of_sequence_are_skipped_and_counted() {
    let first = encode(1, 1, Event::ChargeSending { payment_intent: pi(1) });
    let mut j = MemJournal::<8>::new();
    j.append(&first).unwrap();
    j.append(&first).unwrap(); // the same record twice
    // Another record with the same number (two writers): the first one wins.
    j.append(&encode(1, 2, Event::ChargeSending { payment_intent: pi(2) })).unwrap();
    j.append(&encode(2, 1, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Pending })).unwrap();
    let r = recover::<4, _>(&mut j).unwrap();
    assert_eq!(r.stats().duplicates, 1);
    assert_eq!(r.stats().out_of_order, 1);
    assert_eq!(r.stats().records, 2);
    assert_eq!(r.open().len(), 1);
    assert_eq!(r.open()[0].booking, BookingId(1));
    assert_eq!(r.open()[0].stage, Stage::ChargePending);
}

#[test]
fn a_record_of_a_future_version_stops_recovery_and_compaction() {
    let mut j = journal_of(&[(1, Event::ChargeSending { payment_intent: pi(1) })]);
    let mut future = encode(2, 1, Event::ChargeSending { payment_intent: pi(1) });
    future[4] = FORMAT_VERSION + 1;
    reseal(&mut future);
    j.push_raw(&future).unwrap();
    let expected = JournalError::UnsupportedVersion { found: FORMAT_VERSION + 1, slot: 1 };
    assert_eq!(recover::<4, _>(&mut j).unwrap_err(), expected);
    assert_eq!(compact::<4, _>(&mut j).unwrap_err(), expected);
    assert_eq!(j.len(), 2, "compaction left the journal as it was");
    assert!(JournalWriter::open::<4>(&mut j).is_err());
}

#[test]
fn each_stage_has_its_action() {
    let r = reference("B1");
    let amount = Money::gbp(500);
    let cases = [
        (Event::SetupIntentCreating { reference: r }, Action::OrphanSetupIntent { reference: r, since: 10 }),
        (
            Event::SetupIntentCreated { reference: r, setup_intent: si(1), amount },
            Action::ReadBackSetupIntent { setup_intent: si(1), amount },
        ),
        (
            Event::PaymentIntentCreating { reference: r, setup_intent: Some(si(1)), amount },
            Action::FindOrphanPaymentIntent { reference: r, setup_intent: Some(si(1)), amount, search_from: 10 - 600 },
        ),
        (Event::PaymentIntentCreated { payment_intent: pi(1) }, Action::SendCharge { payment_intent: pi(1) }),
        (Event::ChargeSending { payment_intent: pi(1) }, Action::SettleCharge { payment_intent: pi(1), since: 10 }),
        (
            Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Pending },
            Action::ReportPending { payment_intent: pi(1), since: 10 },
        ),
    ];
    for (event, action) in cases {
        let mut j = journal_of(&[(1, event)]);
        let rec = recover::<1, _>(&mut j).unwrap();
        assert_eq!(rec.open().len(), 1, "{}", event.name());
        assert_eq!(rec.open()[0].action(), Some(action), "{}", event.name());
        assert_eq!(rec.open()[0].action().unwrap().name(), action.name());
    }
    for event in every_event().into_iter().filter(Event::finishes) {
        let mut j = journal_of(&[(1, Event::ChargeSending { payment_intent: pi(1) }), (1, event)]);
        assert!(recover::<1, _>(&mut j).unwrap().open().is_empty(), "{}", event.name());
    }
}

#[test]
fn a_booking_keeps_what_its_earlier_records_said() {
    let r = reference("B1");
    let amount = Money::gbp(500);
    let mut j = journal_of(&[
        (1, Event::SetupIntentCreated { reference: r, setup_intent: si(1), amount }),
        (1, Event::PaymentIntentCreating { reference: r, setup_intent: Some(si(1)), amount }),
        (1, Event::PaymentIntentCreated { payment_intent: pi(1) }),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
    ]);
    let rec = recover::<1, _>(&mut j).unwrap();
    let b = rec.open()[0];
    assert_eq!(
        (b.reference, b.setup_intent, b.payment_intent, b.amount),
        (Some(r), Some(si(1)), Some(pi(1)), Some(amount))
    );
    assert_eq!((b.first_at, b.last_at, b.last_seq), (10, 40, 4));
}

#[test]
fn a_not_charged_booking_charged_again_is_open_again() {
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (
            1,
            Event::ChargeSettled {
                payment_intent: pi(1),
                settlement: Settlement::NotCharged(NotChargedReason::Declined),
            },
        ),
        (1, Event::ChargeSending { payment_intent: pi(1) }),
    ]);
    let rec = recover::<1, _>(&mut j).unwrap();
    assert_eq!(rec.open()[0].stage, Stage::ChargeSending);
}

#[test]
fn more_open_bookings_than_capacity_is_a_typed_error() {
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (2, Event::ChargeSending { payment_intent: pi(2) }),
        (3, Event::ChargeSending { payment_intent: pi(3) }),
    ]);
    assert_eq!(recover::<2, _>(&mut j).unwrap_err(), JournalError::TooManyOpen { capacity: 2 });
    assert_eq!(recover::<3, _>(&mut j).unwrap().open().len(), 3);
    // Finished bookings do not use capacity.
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (1, Event::BookingClosed { reason: CloseReason::Completed }),
        (2, Event::ChargeSending { payment_intent: pi(2) }),
    ]);
    assert_eq!(recover::<1, _>(&mut j).unwrap().open().len(), 1);
    // The fold leaves itself as it was on overflow.
    let mut rec = Recovery::<0>::new();
    let record = Record { seq: 1, at: 0, booking: BookingId(1), event: Event::ChargeSending { payment_intent: pi(1) } };
    assert!(rec.apply(&record).is_err());
    assert_eq!(rec.last_seq(), None);
}

#[test]
fn the_writer_numbers_records_and_bookings_after_the_journal() {
    let mut j = journal_of(&[(5, Event::ChargeSending { payment_intent: pi(5) })]);
    let (mut w, rec) = JournalWriter::open::<4>(&mut j).unwrap();
    assert_eq!((rec.next_seq(), rec.next_booking()), (2, BookingId(6)));
    let b = w.begin_booking();
    assert_eq!(b, BookingId(6));
    assert_eq!(w.begin_booking(), BookingId(7));
    let written = w.append(b, 99, Event::ChargeSending { payment_intent: pi(6) }).unwrap();
    assert_eq!((written.seq, written.at, written.booking), (2, 99, b));
    assert_eq!(w.next_seq(), 3);
    let rec = recover::<4, _>(w.journal_mut()).unwrap();
    assert_eq!(rec.open().len(), 2);
    assert_eq!(rec.next_booking(), BookingId(7));
}

#[test]
fn a_full_journal_is_a_typed_error_and_compaction_makes_room() {
    let mut w = JournalWriter::open::<4>(MemJournal::<3>::new()).unwrap().0;
    let b1 = w.begin_booking();
    w.append(b1, 1, Event::ChargeSending { payment_intent: pi(1) }).unwrap();
    w.append(b1, 2, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged }).unwrap();
    let b2 = w.begin_booking();
    w.append(b2, 3, Event::ChargeSending { payment_intent: pi(2) }).unwrap();
    assert_eq!(w.append(b2, 4, Event::BookingClosed { reason: CloseReason::Canceled }), Err(JournalError::Full));
    let rec = w.compact::<4>().unwrap();
    assert_eq!(rec.open().len(), 1);
    assert_eq!(w.journal().len(), 1, "booking 1 dropped; booking 2 is open and also the newest");
    let closed = w.append(b2, 4, Event::BookingClosed { reason: CloseReason::Canceled }).unwrap();
    assert_eq!(closed.seq, 5, "the failed append used its number up");
    let rec = w.compact::<4>().unwrap();
    assert!(rec.open().is_empty());
    assert_eq!(w.journal().len(), 1, "the newest record is kept so numbering goes on");
    let (_, rec) = JournalWriter::open::<4>(w.into_inner()).unwrap();
    assert_eq!((rec.next_seq(), rec.next_booking()), (6, BookingId(3)));
}

#[test]
fn compaction_keeps_what_recovery_needs_and_drops_junk() {
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (2, Event::SetupIntentCreating { reference: reference("two") }),
        (1, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Charged }),
        (3, Event::PaymentIntentCreated { payment_intent: pi(3) }),
        (3, Event::ChargeSending { payment_intent: pi(3) }),
        (4, Event::ChargeSending { payment_intent: pi(4) }),
        (4, Event::BookingClosed { reason: CloseReason::Abandoned }),
    ]);
    j.slot_mut(0).unwrap()[50] ^= 1; // corrupt: dropped by compaction
    let before = recover::<8, _>(&mut j).unwrap();
    compact::<8, _>(&mut j).unwrap();
    let after = recover::<8, _>(&mut j).unwrap();
    assert_eq!(before.open(), after.open());
    assert_eq!(j.len(), 4, "booking 2's and 3's records, and the newest");
    assert!(after.stats().is_clean());
    assert_eq!(after.next_seq(), before.next_seq());
    assert_eq!(after.next_booking(), before.next_booking());
}

#[test]
fn scan_visits_records_in_order() {
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (2, Event::ChargeSending { payment_intent: pi(2) }),
    ]);
    let mut seen = vec![];
    let stats = scan(&mut j, &mut |r| seen.push((r.seq, r.booking))).unwrap();
    assert_eq!(seen, [(1, BookingId(1)), (2, BookingId(2))]);
    assert_eq!((stats.slots, stats.records), (2, 2));
    assert!(stats.to_string().starts_with("2 records in 2 slots"));
}

#[test]
fn errors_are_small() {
    assert!(size_of::<RecordError>() <= 24);
    assert!(size_of::<JournalError<core::convert::Infallible>>() <= 24);
}

#[test]
fn compaction_of_a_journal_out_of_sequence_keeps_what_recovery_says() {
    // Booking 2's settlement (seq 3) comes after seq 5 in the journal: the fold ignores it,
    // so booking 2 is open; compaction must not keep it and so "close" booking 2.
    let mut j = MemJournal::<8>::new();
    j.append(&encode(1, 2, Event::ChargeSending { payment_intent: pi(2) })).unwrap();
    j.append(&encode(5, 1, Event::ChargeSending { payment_intent: pi(1) })).unwrap();
    j.append(&encode(3, 2, Event::ChargeSettled { payment_intent: pi(2), settlement: Settlement::Charged })).unwrap();
    j.append(&encode(6, 1, Event::BookingClosed { reason: CloseReason::Completed })).unwrap();
    let before = recover::<4, _>(&mut j).unwrap();
    assert_eq!(before.stats().out_of_order, 1);
    assert_eq!(before.open().len(), 1);
    compact::<4, _>(&mut j).unwrap();
    let after = recover::<4, _>(&mut j).unwrap();
    assert_eq!(before.open(), after.open());
    assert!(after.stats().is_clean());
}

#[test]
fn compaction_never_lets_a_booking_number_be_handed_out_twice() {
    // Booking 2 finished; booking 1 is open and wrote the newest record. Without booking
    // 2's last record, the next booking would be number 2 again.
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (2, Event::ChargeSending { payment_intent: pi(2) }),
        (2, Event::ChargeSettled { payment_intent: pi(2), settlement: Settlement::Charged }),
        (1, Event::ChargeSettled { payment_intent: pi(1), settlement: Settlement::Pending }),
    ]);
    let before = recover::<4, _>(&mut j).unwrap();
    assert_eq!(before.next_booking(), BookingId(3));
    compact::<4, _>(&mut j).unwrap();
    let after = recover::<4, _>(&mut j).unwrap();
    assert_eq!(after.next_booking(), BookingId(3));
    assert_eq!(before.open(), after.open());
    assert_eq!(j.len(), 3, "booking 1's two records and booking 2's settlement");
}

#[test]
fn sizes() {
    // Printed for the README and the kiosk's stack budget; bounds only catch a blow-up.
    let sizes = [
        ("Record", size_of::<Record>()),
        ("Event", size_of::<Event>()),
        ("OpenBooking", size_of::<dojo_core::journal::OpenBooking>()),
        ("Action", size_of::<Action>()),
        ("Recovery<8>", size_of::<Recovery<8>>()),
    ];
    for (name, size) in sizes {
        println!("{name}: {size} bytes");
    }
    assert!(size_of::<Record>() <= RECORD_LEN);
    assert!(size_of::<Recovery<8>>() <= 8 * 512 + 128);
}

#[test]
fn an_open_booking_is_found_by_its_payment_intent() {
    let mut j = journal_of(&[
        (1, Event::ChargeSending { payment_intent: pi(1) }),
        (2, Event::ChargeSending { payment_intent: pi(2) }),
        (2, Event::ChargeSettled { payment_intent: pi(2), settlement: Settlement::Charged }),
    ]);
    let rec = recover::<4, _>(&mut j).unwrap();
    assert_eq!(rec.find_payment_intent(&pi(1)).map(|b| b.booking), Some(BookingId(1)));
    assert_eq!(rec.find_payment_intent(&pi(2)), None, "finished");
    assert_eq!(rec.find_payment_intent(&pi(3)), None);
}

#[test]
fn finishing_a_booking_keeps_the_others_in_the_order_they_opened() {
    let open = |events: &[(u32, Event)]| -> Vec<u32> {
        recover::<4, _>(&mut journal_of(events)).unwrap().open().iter().map(|b| b.booking.0).collect()
    };
    let closed = Event::BookingClosed { reason: CloseReason::Completed };
    let opening: Vec<(u32, Event)> = (1..=4).map(|n| (n, Event::ChargeSending { payment_intent: pi(n) })).collect();
    assert_eq!(open(&opening), [1, 2, 3, 4]);
    for (gone, left) in [(1, [2, 3, 4]), (2, [1, 3, 4]), (3, [1, 2, 4]), (4, [1, 2, 3])] {
        let mut events = opening.clone();
        events.push((gone, closed));
        assert_eq!(open(&events), left, "booking {gone} finished");
    }
    let mut events = opening.clone();
    events.extend([(2, closed), (4, closed), (5, Event::ChargeSending { payment_intent: pi(5) }), (1, closed)]);
    assert_eq!(open(&events), [3, 5]);
}
