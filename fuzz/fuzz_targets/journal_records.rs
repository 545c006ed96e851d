#![no_main]
//! The journal never panics on any bytes, its encoding is canonical, and compaction never
//! changes what recovery says.
//!
//! The input is used twice: as raw slots (every `RECORD_LEN` chunk a slot, decoded,
//! scanned, recovered, compacted), and as the `Arbitrary` source of a list of well-formed
//! records (encoded, decoded back, recovered, compacted).

use arbitrary::{Arbitrary, Unstructured};
use dojo_core::journal::{
    BookingId, CloseReason, Event, Journal, MemJournal, NotChargedReason, RECORD_LEN, Record, Reference, Settlement,
    compact, recover,
};
use dojo_core::{Money, PaymentIntentId, SetupIntentId};
use libfuzzer_sys::fuzz_target;

const SLOTS: usize = 12;
const OPEN: usize = 4;

/// Recover, compact, recover again: the same open bookings and numbering, and every open
/// booking's action computed without a panic.
fn check_compaction(journal: &MemJournal<SLOTS>) {
    let mut j = journal.clone();
    let Ok(before) = recover::<OPEN, _>(&mut j) else { return };
    for b in before.open() {
        let _ = b.action();
    }
    compact::<OPEN, _>(&mut j).expect("compaction of a recoverable journal");
    let after = recover::<OPEN, _>(&mut j).expect("recovery after compaction");
    assert_eq!(before.open(), after.open());
    assert_eq!(before.next_seq(), after.next_seq());
    assert_eq!(before.next_booking(), after.next_booking());
    assert!(after.stats().is_clean() && !after.stats().torn_tail, "{}", after.stats());
}

#[derive(Arbitrary, Debug)]
enum Kind {
    SetupIntentCreating,
    SetupIntentCreated,
    PaymentIntentCreating(bool),
    PaymentIntentCreated,
    ChargeSending,
    Settled(u8),
    Closed(u8),
}

fn record(u: &mut Unstructured<'_>) -> arbitrary::Result<Record> {
    let seq = u64::from(u.int_in_range(0u8..=40)?);
    let at = i64::arbitrary(u)?;
    let booking = BookingId(u32::from(u.int_in_range(0u8..=8)?));
    // References: any characters, up to 60 (so up to 240 bytes).
    let reference: String = {
        let n = u.int_in_range(1..=60)?;
        (0..n).map(|_| char::arbitrary(u)).collect::<arbitrary::Result<_>>()?
    };
    let reference = Reference::new(&reference).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    // The SDK's `Arbitrary` ids and money (dojo-core's `arbitrary` feature).
    let setup_intent = SetupIntentId::arbitrary(u)?;
    let payment_intent = PaymentIntentId::arbitrary(u)?;
    let amount = Money::arbitrary(u)?;
    let event = match Kind::arbitrary(u)? {
        Kind::SetupIntentCreating => Event::SetupIntentCreating { reference },
        Kind::SetupIntentCreated => Event::SetupIntentCreated { reference, setup_intent, amount },
        Kind::PaymentIntentCreating(with) => {
            Event::PaymentIntentCreating { reference, setup_intent: with.then_some(setup_intent), amount }
        }
        Kind::PaymentIntentCreated => Event::PaymentIntentCreated { payment_intent },
        Kind::ChargeSending => Event::ChargeSending { payment_intent },
        Kind::Settled(s) => Event::ChargeSettled {
            payment_intent,
            settlement: match s % 6 {
                0 => Settlement::Charged,
                1 => Settlement::Pending,
                2 => Settlement::NotCharged(NotChargedReason::Declined),
                3 => Settlement::NotCharged(NotChargedReason::Failed),
                4 => Settlement::NotCharged(NotChargedReason::Canceled),
                _ => Settlement::NotCharged(NotChargedReason::SetupIntentUnusable),
            },
        },
        Kind::Closed(r) => Event::BookingClosed {
            reason: match r % 3 {
                0 => CloseReason::Completed,
                1 => CloseReason::Canceled,
                _ => CloseReason::Abandoned,
            },
        },
    };
    Ok(Record { seq, at, booking, event })
}

fuzz_target!(|data: &[u8]| {
    // Raw bytes: decoding never panics, and whatever decodes encodes back to the same bytes.
    let _ = Record::decode(data);
    let mut raw = MemJournal::<SLOTS>::new();
    for chunk in data.chunks(RECORD_LEN) {
        if let Ok(record) = Record::decode(chunk) {
            let mut again = [0u8; RECORD_LEN];
            record.encode(&mut again);
            assert_eq!(&again[..], chunk, "the encoding is canonical");
        }
        let mut slot = [0u8; RECORD_LEN];
        slot[..chunk.len()].copy_from_slice(chunk);
        if raw.push_raw(&slot).is_err() {
            break;
        }
    }
    check_compaction(&raw);

    // Well-formed records in any order and numbering: round trip, recovery, compaction.
    let mut u = Unstructured::new(data);
    let mut journal = MemJournal::<SLOTS>::new();
    while journal.len() < SLOTS {
        let Ok(record) = record(&mut u) else { break };
        let mut bytes = [0u8; RECORD_LEN];
        record.encode(&mut bytes);
        assert_eq!(Record::decode(&bytes), Ok(record));
        journal.append(&bytes).expect("room checked");
    }
    check_compaction(&journal);
});
