//! Property tests of the journal: interleaved bookings cut at any point recover to the
//! action a simple model expects, and tearing or corrupting the tail never loses an
//! earlier complete record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::journal::{
    Action, BookingId, CloseReason, Event, Journal, MemJournal, NotChargedReason, ORPHAN_SEARCH_MARGIN_SECS,
    OpenBooking, RECORD_LEN, Record, Recovery, Reference, Settlement, Stage, compact, recover, scan,
};
use dojo_core::{Currency, Money, PaymentIntentId, SetupIntentId};
use proptest::prelude::*;

const CAP: usize = 64;

/// How one booking's flow goes: where it starts, how far it gets, how its charge ends.
#[derive(Debug, Clone, Copy)]
struct Script {
    from_charge: bool,
    steps: usize,
    verdict: u8,
}

fn flow(booking: u32, script: Script) -> Vec<Event> {
    let reference = Reference::new(&format!("Booking {booking} ✓")).unwrap();
    let setup_intent = SetupIntentId::new(&format!("si_{booking}")).unwrap();
    let payment_intent = PaymentIntentId::new(&format!("pi_{booking}")).unwrap();
    let amount = Money::gbp(100 + i64::from(booking));
    let settlement = match script.verdict % 4 {
        0 => Settlement::Charged,
        1 => Settlement::NotCharged(NotChargedReason::Declined),
        2 => Settlement::Pending,
        _ => Settlement::NotCharged(NotChargedReason::SetupIntentUnusable),
    };
    let mut all = vec![
        Event::SetupIntentCreating { reference },
        Event::SetupIntentCreated { reference, setup_intent, amount },
        Event::PaymentIntentCreating { reference, setup_intent: Some(setup_intent), amount },
        Event::PaymentIntentCreated { payment_intent },
        Event::ChargeSending { payment_intent },
        Event::ChargeSettled { payment_intent, settlement },
    ];
    if settlement == Settlement::Pending {
        all.push(Event::ChargeSending { payment_intent });
        all.push(Event::ChargeSettled { payment_intent, settlement: Settlement::Charged });
    }
    all.push(Event::BookingClosed { reason: CloseReason::Completed });
    let start = if script.from_charge { 4 } else { 0 };
    all.into_iter().skip(start).take(script.steps).collect()
}

/// Any reference `Reference::new` takes: 1 to 60 characters of any kind.
fn any_reference() -> impl Strategy<Value = Reference> {
    prop::collection::vec(any::<char>(), 1..=60)
        .prop_map(|c| Reference::new(&c.into_iter().collect::<String>()).unwrap())
}

/// Any currency `Currency::parse` makes: GBP, EUR, or any code of 0 to 10 bytes (the
/// empty code included).
fn any_currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::Gbp),
        Just(Currency::Eur),
        prop::collection::vec(any::<char>(), 0..=10).prop_map(|chars| {
            let mut code = String::new();
            for c in chars {
                if code.len() + c.len_utf8() <= 10 {
                    code.push(c);
                }
            }
            Currency::parse(&code).unwrap()
        }),
    ]
}

fn any_money() -> impl Strategy<Value = Money> {
    (any::<i64>(), any_currency()).prop_map(|(value, currency)| Money { value, currency })
}

fn any_si() -> impl Strategy<Value = SetupIntentId> {
    "[A-Za-z0-9_-]{1,50}".prop_map(|s| SetupIntentId::new(&s).unwrap())
}

fn any_pi() -> impl Strategy<Value = PaymentIntentId> {
    "[A-Za-z0-9_-]{1,50}".prop_map(|s| PaymentIntentId::new(&s).unwrap())
}

fn any_settlement() -> impl Strategy<Value = Settlement> {
    prop_oneof![
        Just(Settlement::Charged),
        Just(Settlement::Pending),
        Just(Settlement::NotCharged(NotChargedReason::Declined)),
        Just(Settlement::NotCharged(NotChargedReason::Failed)),
        Just(Settlement::NotCharged(NotChargedReason::Canceled)),
        Just(Settlement::NotCharged(NotChargedReason::SetupIntentUnusable)),
    ]
}

/// Every event the types can hold (each variant, each field over its type's domain).
fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        any_reference().prop_map(|reference| Event::SetupIntentCreating { reference }),
        (any_reference(), any_si(), any_money()).prop_map(|(reference, setup_intent, amount)| {
            Event::SetupIntentCreated { reference, setup_intent, amount }
        }),
        (any_reference(), prop::option::of(any_si()), any_money()).prop_map(|(reference, setup_intent, amount)| {
            Event::PaymentIntentCreating { reference, setup_intent, amount }
        }),
        any_pi().prop_map(|payment_intent| Event::PaymentIntentCreated { payment_intent }),
        any_pi().prop_map(|payment_intent| Event::ChargeSending { payment_intent }),
        (any_pi(), any_settlement())
            .prop_map(|(payment_intent, settlement)| Event::ChargeSettled { payment_intent, settlement }),
        prop_oneof![Just(CloseReason::Completed), Just(CloseReason::Canceled), Just(CloseReason::Abandoned)]
            .prop_map(|reason| Event::BookingClosed { reason }),
    ]
}

/// Interleaves the bookings' flows by the given choices into one record list.
fn interleave(scripts: &[Script], picks: &[usize]) -> Vec<Record> {
    let mut queues: Vec<(u32, std::collections::VecDeque<Event>)> =
        scripts.iter().enumerate().map(|(i, s)| (i as u32 + 1, flow(i as u32 + 1, *s).into())).collect();
    let mut records = vec![];
    let mut pick = picks.iter().cycle();
    while queues.iter().any(|(_, q)| !q.is_empty()) {
        let live: Vec<usize> = (0..queues.len()).filter(|&i| !queues[i].1.is_empty()).collect();
        let i = live[pick.next().copied().unwrap_or(0) % live.len()];
        let (booking, q) = &mut queues[i];
        let event = q.pop_front().unwrap();
        let seq = records.len() as u64 + 1;
        records.push(Record { seq, at: 1_000 + seq as i64 * 7, booking: BookingId(*booking), event });
    }
    records
}

/// The model: each booking's action from its newest record alone.
fn expected(records: &[Record]) -> Vec<(BookingId, Action)> {
    let mut newest: Vec<(BookingId, Record)> = vec![];
    for r in records {
        match newest.iter_mut().find(|(b, _)| *b == r.booking) {
            Some(slot) => slot.1 = *r,
            None => newest.push((r.booking, *r)),
        }
    }
    let mut out = vec![];
    for (booking, r) in newest {
        let n = booking.0;
        let payment_intent = PaymentIntentId::new(&format!("pi_{n}")).unwrap();
        let action = match r.event {
            Event::SetupIntentCreating { reference } => Action::OrphanSetupIntent { reference, since: r.at },
            Event::SetupIntentCreated { setup_intent, amount, .. } => {
                Action::ReadBackSetupIntent { setup_intent, amount }
            }
            Event::PaymentIntentCreating { reference, setup_intent, amount } => Action::FindOrphanPaymentIntent {
                reference,
                setup_intent,
                amount,
                search_from: r.at - ORPHAN_SEARCH_MARGIN_SECS,
            },
            Event::PaymentIntentCreated { .. } => Action::SendCharge { payment_intent },
            Event::ChargeSending { .. } => Action::SettleCharge { payment_intent, since: r.at },
            Event::ChargeSettled { settlement: Settlement::Pending, .. } => {
                Action::ReportPending { payment_intent, since: r.at }
            }
            Event::ChargeSettled { .. } | Event::BookingClosed { .. } => continue,
        };
        out.push((booking, action));
    }
    out.sort_by_key(|(b, _)| *b);
    out
}

/// The recovery fold as it was written before records were folded flat (one arm per
/// event): the open bookings in the order they opened, the newest number applied, and
/// the records ignored as out of sequence, the highest booking number applied.
fn fold_by_event(records: &[Record]) -> (Vec<OpenBooking>, Option<u64>, u32, Option<u32>) {
    let mut open: Vec<OpenBooking> = vec![];
    let mut last: Option<u64> = None;
    let mut out_of_order = 0;
    let mut highest = None;
    for r in records {
        if last.is_some_and(|l| r.seq <= l) {
            out_of_order += 1;
            continue;
        }
        last = Some(r.seq);
        highest = highest.max(Some(r.booking.0));
        let at = open.iter().position(|b| b.booking == r.booking);
        if r.event.finishes() {
            if let Some(i) = at {
                open.remove(i);
            }
            continue;
        }
        let i = at.unwrap_or_else(|| {
            open.push(OpenBooking {
                booking: r.booking,
                stage: Stage::SetupIntentCreating,
                reference: None,
                setup_intent: None,
                payment_intent: None,
                amount: None,
                first_at: r.at,
                last_at: r.at,
                last_seq: r.seq,
            });
            open.len() - 1
        });
        let b = &mut open[i];
        b.last_at = r.at;
        b.last_seq = r.seq;
        match r.event {
            Event::SetupIntentCreating { reference } => {
                b.stage = Stage::SetupIntentCreating;
                b.reference = Some(reference);
                b.setup_intent = None;
            }
            Event::SetupIntentCreated { reference, setup_intent, amount } => {
                b.stage = Stage::SetupIntentCreated;
                b.reference = Some(reference);
                b.setup_intent = Some(setup_intent);
                b.amount = Some(amount);
            }
            Event::PaymentIntentCreating { reference, setup_intent, amount } => {
                b.stage = Stage::PaymentIntentCreating;
                b.reference = Some(reference);
                if setup_intent.is_some() {
                    b.setup_intent = setup_intent;
                }
                b.amount = Some(amount);
                b.payment_intent = None;
            }
            Event::PaymentIntentCreated { payment_intent } => {
                b.stage = Stage::PaymentIntentCreated;
                b.payment_intent = Some(payment_intent);
            }
            Event::ChargeSending { payment_intent } => {
                b.stage = Stage::ChargeSending;
                b.payment_intent = Some(payment_intent);
            }
            Event::ChargeSettled { payment_intent, .. } => {
                b.stage = Stage::ChargePending;
                b.payment_intent = Some(payment_intent);
            }
            Event::BookingClosed { .. } => unreachable!("finishes"),
        }
    }
    (open, last, out_of_order, highest)
}

fn journal(records: &[Record]) -> MemJournal<CAP> {
    let mut j = MemJournal::new();
    for r in records {
        let mut b = [0u8; RECORD_LEN];
        r.encode(&mut b);
        j.append(&b).unwrap();
    }
    j
}

fn actions(j: &mut MemJournal<CAP>) -> Vec<(BookingId, Action)> {
    let rec = recover::<8, _>(j).unwrap();
    let mut out: Vec<_> = rec.open().iter().map(|b| (b.booking, b.action().unwrap())).collect();
    out.sort_by_key(|(b, _)| *b);
    out
}

fn scripts() -> impl Strategy<Value = Vec<Script>> {
    prop::collection::vec(
        (any::<bool>(), 0usize..10, any::<u8>()).prop_map(|(from_charge, steps, verdict)| Script {
            from_charge,
            steps,
            verdict,
        }),
        1..6,
    )
}

proptest! {
    #[test]
    fn every_prefix_recovers_to_the_models_action(
        scripts in scripts(),
        picks in prop::collection::vec(any::<usize>(), 1..20),
    ) {
        let records = interleave(&scripts, &picks);
        prop_assume!(records.len() <= CAP);
        for cut in 0..=records.len() {
            let mut j = journal(&records[..cut]);
            prop_assert_eq!(actions(&mut j), expected(&records[..cut]), "cut at {}", cut);
            // Compaction changes nothing that recovery says.
            let before = recover::<8, _>(&mut j).unwrap();
            compact::<8, _>(&mut j).unwrap();
            let after = recover::<8, _>(&mut j).unwrap();
            prop_assert_eq!(before.open(), after.open());
            prop_assert_eq!(before.next_seq(), after.next_seq());
            prop_assert_eq!(before.next_booking(), after.next_booking());
        }
    }

    #[test]
    fn a_torn_or_corrupt_tail_never_loses_an_earlier_record(
        scripts in scripts(),
        picks in prop::collection::vec(any::<usize>(), 1..20),
        cut in any::<prop::sample::Index>(),
        keep in 0usize..RECORD_LEN,
        junk in any::<u8>(),
    ) {
        let records = interleave(&scripts, &picks);
        prop_assume!(!records.is_empty() && records.len() <= CAP);
        let cut = cut.index(records.len()) + 1;
        // The record at `cut - 1` is torn: only its first `keep` bytes reached storage,
        // the rest is junk (erased flash, zeros, garbage).
        let mut j = journal(&records[..cut]);
        let last = j.slot_mut(cut - 1).unwrap();
        last[keep..].fill(junk);
        let torn_is_intact = Record::decode(last).is_ok();
        let rec = recover::<8, _>(&mut j).unwrap();
        if torn_is_intact {
            // The junk happened to equal the record's own bytes.
            prop_assert_eq!(actions(&mut j), expected(&records[..cut]));
        } else {
            prop_assert!(rec.stats().torn_tail);
            prop_assert_eq!(rec.stats().records, cut as u64 - 1);
            prop_assert_eq!(actions(&mut j), expected(&records[..cut - 1]));
        }
        prop_assert_eq!(rec.stats().corrupt, 0);
    }

    #[test]
    fn corruption_in_the_middle_costs_only_the_corrupt_record(
        scripts in scripts(),
        picks in prop::collection::vec(any::<usize>(), 1..20),
        at in any::<prop::sample::Index>(),
        byte in 0usize..RECORD_LEN,
        flip in 1u8..=255,
    ) {
        let records = interleave(&scripts, &picks);
        prop_assume!(records.len() >= 2 && records.len() <= CAP);
        let at = at.index(records.len() - 1);
        let mut j = journal(&records);
        j.slot_mut(at).unwrap()[byte] ^= flip;
        let rec = recover::<8, _>(&mut j).unwrap();
        prop_assert_eq!(rec.stats().corrupt, 1);
        prop_assert_eq!(rec.stats().records, records.len() as u64 - 1);
        prop_assert!(!rec.stats().torn_tail);
    }

    /// What is written is readable: every record the types can hold encodes, decodes to
    /// itself, and decoding is canonical (the same bytes again).
    #[test]
    fn every_encodable_record_decodes_to_itself(
        seq in any::<u64>(),
        at in any::<i64>(),
        booking in any::<u32>(),
        event in any_event(),
    ) {
        let record = Record { seq, at, booking: BookingId(booking), event };
        let mut bytes = [0u8; RECORD_LEN];
        record.encode(&mut bytes);
        prop_assert_eq!(Record::decode(&bytes), Ok(record));
        let mut again = [0u8; RECORD_LEN];
        Record::decode(&bytes).unwrap().encode(&mut again);
        prop_assert_eq!(&again[..], &bytes[..]);
    }

    /// Recovery decodes each slot flat and folds it without an `Event` in between; it
    /// agrees with the fold as it was written per event (`fold_by_event`, the oracle) over
    /// what `scan` reads, and with `Recovery::apply`, on any records of any bookings,
    /// numbered in any order (duplicates, out of sequence), with bytes bent (torn,
    /// corrupt, another version or kind).
    #[test]
    fn recovery_agrees_with_the_fold_by_event(
        records in prop::collection::vec((0u64..12, 0u32..4, any_event()), 0..24),
        bends in prop::collection::vec((any::<prop::sample::Index>(), 0usize..RECORD_LEN, any::<u8>()), 0..3),
    ) {
        let mut j = MemJournal::<CAP>::new();
        for (seq, booking, event) in &records {
            let record = Record { seq: *seq, at: *seq as i64 * 60 - 600, booking: BookingId(*booking), event: *event };
            let mut b = [0u8; RECORD_LEN];
            record.encode(&mut b);
            j.append(&b).unwrap();
        }
        if !records.is_empty() {
            for (at, byte, value) in &bends {
                j.slot_mut(at.index(records.len())).unwrap()[*byte] = *value;
            }
        }
        let flat = recover::<32, _>(&mut j);
        let mut read = vec![];
        let mut scanned = scan(&mut j, &mut |record| read.push(*record));
        let mut applied = Recovery::<32>::new();
        for record in &read {
            applied.apply(record).unwrap();
        }
        let (open, last_seq, out_of_order, highest) = fold_by_event(&read);
        match (&flat, &mut scanned) {
            (Ok(flat), Ok(stats)) => {
                prop_assert_eq!(flat.open(), &open[..]);
                prop_assert_eq!(applied.open(), &open[..]);
                prop_assert_eq!(flat.last_seq(), last_seq);
                prop_assert_eq!(flat.next_booking(), applied.next_booking());
                prop_assert_eq!(
                    flat.next_booking(),
                    BookingId(highest.map_or(1, |b| b + 1))
                );
                stats.records = read.len() as u64 - u64::from(out_of_order);
                stats.out_of_order = out_of_order;
                prop_assert_eq!(flat.stats(), &*stats);
                prop_assert_eq!(applied.stats().records, stats.records);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "recover {:?}, scan {:?}", a.as_ref().map(|r| r.stats()), b),
        }
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = Record::decode(&bytes);
    }
}
