//! The record decoder against the one it replaced (format version 1, 2026-12-07): for
//! every record the types can hold, and for every record bent out of shape (a byte
//! changed, a length byte changed, the kind or version changed, the checksum fixed up or
//! not, truncated, lengthened), `Record::decode` and `Record::decode_into` give the same
//! record or the same typed error as the previous decoder (kept here, as it was, as the
//! oracle).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dojo_core::id::MAX_ID_LEN;
use dojo_core::journal::record::crc32c;
use dojo_core::journal::{
    BookingId, CloseReason, Event, FORMAT_VERSION, MAGIC, MAX_REFERENCE_BYTES, MIN_FORMAT_VERSION, NotChargedReason,
    RECORD_LEN, Record, RecordError, Reference, Settlement,
};
use dojo_core::money::CurrencyCode;
use dojo_core::{Currency, Money, PaymentIntentId, SetupIntentId};
use proptest::prelude::*;

const CRC_AT: usize = RECORD_LEN - 4;

/// The previous decoder, unchanged but for its paths (the oracle).
mod oracle {
    use super::*;

    pub(crate) fn decode(bytes: &[u8]) -> Result<Record, RecordError> {
        if bytes.len() != RECORD_LEN {
            return Err(RecordError::Length { found: bytes.len() });
        }
        let mut r = Get { buf: bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(RecordError::Magic);
        }
        let stored = bytes.get(CRC_AT..).and_then(|b| <[u8; 4]>::try_from(b).ok()).ok_or(RecordError::Checksum)?;
        if crc32c(bytes.get(..CRC_AT).unwrap_or(&[])) != u32::from_le_bytes(stored) {
            return Err(RecordError::Checksum);
        }
        let version = r.u8()?;
        if !(MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(RecordError::UnsupportedVersion { found: version });
        }
        let kind = r.u8()?;
        if r.take(2)? != [0, 0] {
            return Err(RecordError::Field("reserved"));
        }
        let seq = r.le(8)?;
        let at = r.le(8)? as i64;
        let booking = BookingId(r.le(4)? as u32);
        if r.take(4)? != [0; 4] {
            return Err(RecordError::Field("reserved"));
        }
        let event = match kind {
            1 => Event::SetupIntentCreating { reference: r.reference()? },
            2 => Event::SetupIntentCreated {
                reference: r.reference()?,
                setup_intent: r.setup_intent()?.ok_or(RecordError::Field("setupIntentId"))?,
                amount: r.money()?,
            },
            3 => Event::PaymentIntentCreating {
                reference: r.reference()?,
                setup_intent: r.setup_intent()?,
                amount: r.money()?,
            },
            4 => Event::PaymentIntentCreated { payment_intent: r.payment_intent()? },
            5 => Event::ChargeSending { payment_intent: r.payment_intent()? },
            6 => Event::ChargeSettled { payment_intent: r.payment_intent()?, settlement: r.settlement()? },
            7 => Event::BookingClosed { reason: r.close_reason()? },
            other => return Err(RecordError::UnknownKind(other)),
        };
        if bytes.get(r.at..CRC_AT).is_none_or(|rest| rest.iter().fold(0, |acc, &b| acc | b) != 0) {
            return Err(RecordError::Field("padding"));
        }
        Ok(Record { seq, at, booking, event })
    }

    struct Get<'a> {
        buf: &'a [u8],
        at: usize,
    }

    impl<'a> Get<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
            let end = self.at.checked_add(n).filter(|&e| e <= CRC_AT).ok_or(RecordError::Field("length"))?;
            let b = self.buf.get(self.at..end).ok_or(RecordError::Field("length"))?;
            self.at = end;
            Ok(b)
        }

        fn u8(&mut self) -> Result<u8, RecordError> {
            self.take(1)?.first().copied().ok_or(RecordError::Field("length"))
        }

        fn array<const K: usize>(&mut self) -> Result<[u8; K], RecordError> {
            <[u8; K]>::try_from(self.take(K)?).map_err(|_| RecordError::Field("length"))
        }

        fn le(&mut self, n: usize) -> Result<u64, RecordError> {
            Ok(self.take(n)?.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
        }

        fn text(&mut self, field: &'static str, max: usize) -> Result<&'a str, RecordError> {
            let len = usize::from(self.u8()?);
            if len > max {
                return Err(RecordError::Field(field));
            }
            core::str::from_utf8(self.take(len)?).map_err(|_| RecordError::Field(field))
        }

        fn reference(&mut self) -> Result<Reference, RecordError> {
            Reference::new(self.text("reference", MAX_REFERENCE_BYTES)?).map_err(|_| RecordError::Field("reference"))
        }

        fn setup_intent(&mut self) -> Result<Option<SetupIntentId>, RecordError> {
            match self.text("setupIntentId", MAX_ID_LEN)? {
                "" => Ok(None),
                s => SetupIntentId::new(s).map(Some).map_err(|_| RecordError::Field("setupIntentId")),
            }
        }

        fn payment_intent(&mut self) -> Result<PaymentIntentId, RecordError> {
            PaymentIntentId::new(self.text("paymentIntentId", MAX_ID_LEN)?)
                .map_err(|_| RecordError::Field("paymentIntentId"))
        }

        fn money(&mut self) -> Result<Money, RecordError> {
            let value = self.le(8)? as i64;
            let code = self.text("currencyCode", CurrencyCode::CAPACITY)?;
            let currency = Currency::parse(code).ok_or(RecordError::Field("currencyCode"))?;
            Ok(Money { value, currency })
        }

        fn settlement(&mut self) -> Result<Settlement, RecordError> {
            let [code, reason] = self.array::<2>()?;
            let bad = RecordError::Field("settlement");
            Ok(match (code, reason) {
                (1, 0) => Settlement::Charged,
                (3, 0) => Settlement::Pending,
                (2, 1) => Settlement::NotCharged(NotChargedReason::Declined),
                (2, 2) => Settlement::NotCharged(NotChargedReason::Failed),
                (2, 3) => Settlement::NotCharged(NotChargedReason::Canceled),
                (2, 4) => Settlement::NotCharged(NotChargedReason::SetupIntentUnusable),
                _ => return Err(bad),
            })
        }

        fn close_reason(&mut self) -> Result<CloseReason, RecordError> {
            match self.u8()? {
                1 => Ok(CloseReason::Completed),
                2 => Ok(CloseReason::Canceled),
                3 => Ok(CloseReason::Abandoned),
                _ => Err(RecordError::Field("closeReason")),
            }
        }
    }
}

/// The previous encoder, unchanged but for its paths (the oracle of the bytes written).
mod old_encoder {
    use super::*;

    pub(crate) fn encode(record: &Record) -> [u8; RECORD_LEN] {
        let mut out = [0u8; RECORD_LEN];
        let mut w = Put { buf: &mut out, at: 0 };
        w.bytes(&MAGIC);
        w.bytes(&[FORMAT_VERSION, record.event.kind(), 0, 0]);
        w.bytes(&record.seq.to_le_bytes());
        w.bytes(&record.at.to_le_bytes());
        w.bytes(&record.booking.0.to_le_bytes());
        w.bytes(&[0; 4]);
        match &record.event {
            Event::SetupIntentCreating { reference } => w.text(reference.as_str()),
            Event::SetupIntentCreated { reference, setup_intent, amount } => {
                w.text(reference.as_str());
                w.text(setup_intent.as_str());
                w.money(amount);
            }
            Event::PaymentIntentCreating { reference, setup_intent, amount } => {
                w.text(reference.as_str());
                w.text(setup_intent.as_ref().map_or("", |s| s.as_str()));
                w.money(amount);
            }
            Event::PaymentIntentCreated { payment_intent } | Event::ChargeSending { payment_intent } => {
                w.text(payment_intent.as_str());
            }
            Event::ChargeSettled { payment_intent, settlement } => {
                w.text(payment_intent.as_str());
                w.bytes(&match settlement {
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
                });
            }
            Event::BookingClosed { reason } => w.bytes(&[match reason {
                CloseReason::Completed => 1,
                CloseReason::Canceled => 2,
                CloseReason::Abandoned => 3,
            }]),
        }
        let crc = crc32c(&out[..CRC_AT]);
        out[CRC_AT..].copy_from_slice(&crc.to_le_bytes());
        out
    }

    struct Put<'a> {
        buf: &'a mut [u8; RECORD_LEN],
        at: usize,
    }

    impl Put<'_> {
        fn bytes(&mut self, b: &[u8]) {
            self.buf[self.at..self.at + b.len()].copy_from_slice(b);
            self.at += b.len();
        }

        fn text(&mut self, s: &str) {
            self.bytes(&[s.len() as u8]);
            self.bytes(s.as_bytes());
        }

        fn money(&mut self, m: &Money) {
            self.bytes(&m.value.to_le_bytes());
            self.text(m.currency.as_str());
        }
    }
}

/// Both decoders agree on `bytes`: the same record, or the same error. `decode_into`
/// too, into a slot that held another record.
fn agree(bytes: &[u8]) -> Result<(), TestCaseError> {
    let old = oracle::decode(bytes);
    prop_assert_eq!(Record::decode(bytes), old);
    let mut slot = Record {
        seq: 7,
        at: -7,
        booking: BookingId(7),
        event: Event::BookingClosed { reason: CloseReason::Abandoned },
    };
    let into = Record::decode_into(bytes, &mut slot);
    match old {
        Ok(record) => {
            prop_assert_eq!(into, Ok(()));
            prop_assert_eq!(slot, record);
        }
        Err(e) => prop_assert_eq!(into, Err(e)),
    }
    Ok(())
}

fn seal(bytes: &mut [u8; RECORD_LEN]) {
    let crc = crc32c(&bytes[..CRC_AT]);
    bytes[CRC_AT..].copy_from_slice(&crc.to_le_bytes());
}

fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max).prop_map(move |chars| {
        let mut s = String::new();
        for c in chars {
            if s.len() + c.len_utf8() <= max {
                s.push(c);
            }
        }
        s
    })
}

fn any_reference() -> impl Strategy<Value = Reference> {
    prop::collection::vec(any::<char>(), 1..=60)
        .prop_map(|c| Reference::new(&c.into_iter().collect::<String>()).unwrap())
}

fn any_money() -> impl Strategy<Value = Money> {
    let currency = prop_oneof![
        Just(Currency::Gbp),
        Just(Currency::Eur),
        any_text(10).prop_map(|code| Currency::parse(&code).unwrap()),
    ];
    (any::<i64>(), currency).prop_map(|(value, currency)| Money { value, currency })
}

fn any_si() -> impl Strategy<Value = SetupIntentId> {
    "[A-Za-z0-9_-]{1,50}".prop_map(|s| SetupIntentId::new(&s).unwrap())
}

fn any_pi() -> impl Strategy<Value = PaymentIntentId> {
    "[A-Za-z0-9_-]{1,50}".prop_map(|s| PaymentIntentId::new(&s).unwrap())
}

fn any_event() -> impl Strategy<Value = Event> {
    let settlement = prop_oneof![
        Just(Settlement::Charged),
        Just(Settlement::Pending),
        Just(Settlement::NotCharged(NotChargedReason::Declined)),
        Just(Settlement::NotCharged(NotChargedReason::Failed)),
        Just(Settlement::NotCharged(NotChargedReason::Canceled)),
        Just(Settlement::NotCharged(NotChargedReason::SetupIntentUnusable)),
    ];
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
        (any_pi(), settlement)
            .prop_map(|(payment_intent, settlement)| Event::ChargeSettled { payment_intent, settlement }),
        prop_oneof![Just(CloseReason::Completed), Just(CloseReason::Canceled), Just(CloseReason::Abandoned)]
            .prop_map(|reason| Event::BookingClosed { reason }),
    ]
}

fn any_record() -> impl Strategy<Value = Record> {
    (any::<u64>(), any::<i64>(), any::<u32>(), any_event()).prop_map(|(seq, at, booking, event)| Record {
        seq,
        at,
        booking: BookingId(booking),
        event,
    })
}

/// A change to a sealed record.
#[derive(Debug, Clone)]
enum Bend {
    /// Sets one byte (anywhere, the checksum included).
    Set(usize, u8),
    /// Adds to one byte: small steps of length bytes, kinds, settlement codes.
    Add(usize, u8),
    /// Writes raw bytes from a payload offset (text in places the decoder reads lengths).
    Splice(usize, Vec<u8>),
}

fn any_bend() -> impl Strategy<Value = Bend> {
    prop_oneof![
        (0..RECORD_LEN, any::<u8>()).prop_map(|(i, b)| Bend::Set(i, b)),
        // The header and the first fields, where lengths and codes live, more often.
        (0..120usize, any::<u8>()).prop_map(|(i, b)| Bend::Set(i, b)),
        (0..120usize, 1..4u8).prop_map(|(i, d)| Bend::Add(i, d)),
        (32..CRC_AT, prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, v)| Bend::Splice(i, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Every record the types can hold is written as the previous encoder wrote it (the
    /// format is unchanged), whatever the buffer held, and decodes to itself by both
    /// decoders.
    #[test]
    fn whole_records_agree(record in any_record(), fill in any::<u8>()) {
        let mut bytes = [fill; RECORD_LEN];
        record.encode(&mut bytes);
        prop_assert_eq!(&bytes[..], &old_encoder::encode(&record)[..]);
        agree(&bytes)?;
        prop_assert_eq!(Record::decode(&bytes), Ok(record));
    }

    /// Bent records (the checksum fixed up, so the field checks run, or left stale) get
    /// the same record or the same error.
    #[test]
    fn bent_records_agree(record in any_record(), bends in prop::collection::vec(any_bend(), 1..4), reseal in any::<bool>()) {
        let mut bytes = [0u8; RECORD_LEN];
        record.encode(&mut bytes);
        for bend in bends {
            match bend {
                Bend::Set(i, b) => bytes[i] = b,
                Bend::Add(i, d) => bytes[i] = bytes[i].wrapping_add(d),
                Bend::Splice(i, v) => {
                    for (k, b) in v.into_iter().enumerate() {
                        if let Some(x) = bytes.get_mut(i + k).filter(|_| i + k < CRC_AT) {
                            *x = b;
                        }
                    }
                }
            }
        }
        if reseal {
            seal(&mut bytes);
        }
        agree(&bytes)?;
    }

    /// Any kind and version byte, any sealed payload: the same answer.
    #[test]
    fn sealed_noise_agrees(version in any::<u8>(), kind in any::<u8>(), payload in prop::collection::vec(any::<u8>(), 0..80), zero_header in any::<bool>()) {
        let mut bytes = [0u8; RECORD_LEN];
        bytes[..4].copy_from_slice(&MAGIC);
        bytes[4] = version;
        bytes[5] = kind;
        if !zero_header {
            bytes[7] = 1;
        }
        bytes[32..32 + payload.len()].copy_from_slice(&payload);
        seal(&mut bytes);
        agree(&bytes)?;
    }

    /// Truncated, lengthened and arbitrary inputs: the same answer.
    #[test]
    fn any_length_agrees(record in any_record(), len in 0..(RECORD_LEN + 8), fill in any::<u8>()) {
        let mut bytes = [0u8; RECORD_LEN];
        record.encode(&mut bytes);
        let mut v = bytes.to_vec();
        v.resize(len, fill);
        agree(&v)?;
    }
}

#[test]
fn each_error_of_a_field_agrees() {
    // One record of each kind with each field made invalid in turn, sealed.
    let reference = Reference::new("Table 4").unwrap();
    let setup_intent = SetupIntentId::new("si_1").unwrap();
    let payment_intent = PaymentIntentId::new("pi_1").unwrap();
    let amount = Money::gbp(1000);
    let events = [
        Event::SetupIntentCreating { reference },
        Event::SetupIntentCreated { reference, setup_intent, amount },
        Event::PaymentIntentCreating { reference, setup_intent: None, amount },
        Event::PaymentIntentCreating { reference, setup_intent: Some(setup_intent), amount },
        Event::PaymentIntentCreated { payment_intent },
        Event::ChargeSending { payment_intent },
        Event::ChargeSettled { payment_intent, settlement: Settlement::Pending },
        Event::BookingClosed { reason: CloseReason::Canceled },
    ];
    let mut errors = std::collections::BTreeSet::new();
    for event in events {
        let mut good = [0u8; RECORD_LEN];
        Record { seq: 1, at: 2, booking: BookingId(3), event }.encode(&mut good);
        for i in 4..CRC_AT {
            for b in [0u8, 1, 2, 3, 4, 5, 7, 8, 50, 51, 60, 61, 0x80, 0xC3, 0xFF, b' ', b'A', b'G'] {
                let mut bytes = good;
                bytes[i] = b;
                seal(&mut bytes);
                let old = oracle::decode(&bytes);
                assert_eq!(Record::decode(&bytes), old, "byte {i} = {b} of {event:?}");
                if let Err(e) = old {
                    errors.insert(format!("{e:?}"));
                }
            }
        }
    }
    // Every kind of error the field checks give was reached.
    for e in [
        "reserved",
        "reference",
        "setupIntentId",
        "paymentIntentId",
        "currencyCode",
        "settlement",
        "closeReason",
        "padding",
    ] {
        assert!(errors.contains(&format!("Field({e:?})")), "{e} not reached: {errors:?}");
    }
    assert!(errors.iter().any(|e| e.starts_with("UnknownKind")));
    assert!(errors.iter().any(|e| e.starts_with("UnsupportedVersion")));
}

/// A sealed record of `kind` with `payload` as its fields.
fn sealed(kind: u8, payload: &[u8]) -> [u8; RECORD_LEN] {
    let mut bytes = [0u8; RECORD_LEN];
    bytes[..4].copy_from_slice(&MAGIC);
    bytes[4] = FORMAT_VERSION;
    bytes[5] = kind;
    bytes[32..32 + payload.len()].copy_from_slice(payload);
    seal(&mut bytes);
    bytes
}

#[test]
fn the_first_invalid_field_is_the_error() {
    let money = |code: &[u8]| {
        let mut v = 1000i64.to_le_bytes().to_vec();
        v.push(code.len() as u8);
        v.extend_from_slice(code);
        v
    };
    let text = |s: &[u8]| {
        let mut v = vec![s.len() as u8];
        v.extend_from_slice(s);
        v
    };
    let bad_code = [b'X'; 11];
    let cases: Vec<(u8, Vec<u8>, &str)> = vec![
        // An empty setup intent (required in kind 2) before a bad currency code.
        (2, [text(b"Ref"), text(b""), money(&bad_code)].concat(), "setupIntentId"),
        // A bad reference before a bad setup intent and a bad currency code.
        (2, [text(b""), text(b"si bad"), money(&bad_code)].concat(), "reference"),
        (3, [text(&[0xFF]), text(b"si bad"), money(&bad_code)].concat(), "reference"),
        // A bad setup intent before a bad currency code.
        (3, [text(b"Ref"), text(b"si bad"), money(&bad_code)].concat(), "setupIntentId"),
        (3, [text(b"Ref"), vec![51], money(&bad_code)].concat(), "setupIntentId"),
        (3, [text(b"Ref"), text(b""), money(&bad_code)].concat(), "currencyCode"),
        // A bad payment intent before a bad settlement.
        (6, [text(b"pi bad"), vec![9, 9]].concat(), "paymentIntentId"),
        (6, [text(b"pi_1"), vec![2, 0]].concat(), "settlement"),
        // A field before nonzero padding.
        (7, vec![4, 1], "closeReason"),
        (7, vec![1, 1], "padding"),
        // A reference of 61 characters (under 240 bytes), and one of 241 bytes.
        (1, text(&[b'a'; 61]), "reference"),
        (1, [vec![241], vec![b'a'; 241]].concat(), "reference"),
    ];
    for (kind, payload, field) in cases {
        let bytes = sealed(kind, &payload);
        assert_eq!(oracle::decode(&bytes), Err(RecordError::Field(field)), "oracle, kind {kind}, {payload:?}");
        assert_eq!(Record::decode(&bytes), Err(RecordError::Field(field)), "kind {kind}, {payload:?}");
    }
}
