//! Deduplication: `SeenEvents` against a plain model under random operation sequences,
//! and the `verify → decode → dedupe` path under retries, reordering, rotation and
//! tampering.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::VecDeque;

use dojo_core::Error;
use dojo_core::dedup::{MAX_EVENT_ID_LEN, Observation, SeenEvents, receive};
use dojo_core::webhook::{SIGNATURE_LEN, WebhookError, sign};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Observe(u8),
    Forget(u8),
    Contains(u8),
}

fn op() -> impl Strategy<Value = Op> {
    // A small alphabet, so that repeats, evictions and re-insertions all happen.
    prop_oneof![
        6 => (0u8..12).prop_map(Op::Observe),
        1 => (0u8..12).prop_map(Op::Forget),
        2 => (0u8..12).prop_map(Op::Contains),
    ]
}

fn id(n: u8) -> String {
    format!("evt_{n}")
}

/// The documented rule, spelt out: the last `cap` insertions, forgotten ones vacated.
struct Model {
    cap: usize,
    ring: VecDeque<(String, bool)>,
}

impl Model {
    fn contains(&self, id: &str) -> bool {
        self.ring.iter().any(|(s, alive)| *alive && s == id)
    }
    fn observe(&mut self, id: &str) -> Observation {
        if self.contains(id) {
            return Observation::Duplicate;
        }
        if self.cap > 0 {
            if self.ring.len() == self.cap {
                self.ring.pop_front();
            }
            self.ring.push_back((id.to_owned(), true));
        }
        Observation::New
    }
    fn forget(&mut self, id: &str) -> bool {
        match self.ring.iter_mut().find(|(s, alive)| *alive && s == id) {
            Some(entry) => {
                entry.1 = false;
                true
            }
            None => false,
        }
    }
    fn len(&self) -> usize {
        self.ring.iter().filter(|(_, alive)| *alive).count()
    }
}

fn run<const N: usize>(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut seen = SeenEvents::<N>::new();
    let mut model = Model { cap: N, ring: VecDeque::new() };
    for op in ops {
        match *op {
            Op::Observe(n) => prop_assert_eq!(seen.observe(&id(n)), Ok(model.observe(&id(n))), "{:?}", op),
            Op::Forget(n) => prop_assert_eq!(seen.forget(&id(n)), model.forget(&id(n)), "{:?}", op),
            Op::Contains(n) => prop_assert_eq!(seen.contains(&id(n)), model.contains(&id(n)), "{:?}", op),
        }
        prop_assert_eq!(seen.len(), model.len());
        prop_assert!(seen.len() <= N);
    }
    Ok(())
}

proptest! {
    #[test]
    fn matches_the_documented_fifo_model(ops in prop::collection::vec(op(), 0..200)) {
        run::<0>(&ops)?;
        run::<1>(&ops)?;
        run::<4>(&ops)?;
        run::<7>(&ops)?;
        run::<16>(&ops)?;
    }

    /// Any id of 1..=64 bytes is recorded exactly; nothing else is confused with it.
    #[test]
    fn arbitrary_ids(ids in prop::collection::vec("[^\u{0}]{1,20}", 1..40)) {
        let mut seen = SeenEvents::<64>::new();
        let mut distinct = std::collections::HashSet::new();
        for id in &ids {
            if id.len() > MAX_EVENT_ID_LEN {
                prop_assert_eq!(seen.observe(id), Err(WebhookError::UnusableEventId));
                continue;
            }
            let expected = if distinct.insert(id.clone()) { Observation::New } else { Observation::Duplicate };
            prop_assert_eq!(seen.observe(id), Ok(expected));
        }
    }

    /// Each event delivered several times, in any order: acted on exactly once.
    #[test]
    fn retried_and_reordered_deliveries_are_acted_on_once(
        copies in prop::collection::vec(1usize..4, 1..20),
        seed in any::<u64>(),
    ) {
        let bodies: Vec<Vec<u8>> = (0..copies.len())
            .map(|i| format!(r#"{{"id":"evt_{i}","event":"payment_intent.created","data":{{}}}}"#).into_bytes())
            .collect();
        let mut deliveries: Vec<usize> = copies.iter().enumerate().flat_map(|(i, &c)| std::iter::repeat_n(i, c)).collect();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..deliveries.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            deliveries.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let mut seen = SeenEvents::<32>::new();
        let mut acted = vec![0usize; bodies.len()];
        for &i in &deliveries {
            let mut sig = [0u8; SIGNATURE_LEN];
            let header = sign(&bodies[i], "ws_live", &mut sig);
            let r = receive(&bodies[i], header, &["ws_live"], &mut seen).unwrap();
            let expected = format!("evt_{i}");
            prop_assert_eq!(r.event.id, expected.as_str());
            if !r.duplicate {
                acted[i] += 1;
            }
        }
        prop_assert!(acted.iter().all(|&n| n == 1), "{:?}", acted);
    }

    /// A tampered delivery is refused and never recorded, so the genuine one still counts.
    #[test]
    fn tampering_is_refused_and_not_recorded(at in 0usize..60, bit in 0u8..8) {
        let body = br#"{"id":"evt_42","event":"payment_intent.status_updated","data":{"paymentStatus":"Captured"}}"#;
        let at = at % body.len();
        let mut sig = [0u8; SIGNATURE_LEN];
        let header = sign(body, "ws_live", &mut sig).to_owned();
        let mut forged = body.to_vec();
        forged[at] ^= 1 << bit;
        let mut seen = SeenEvents::<8>::new();
        let r = receive(&forged, &header, &["ws_live"], &mut seen);
        prop_assert_eq!(r, Err(Error::Webhook(WebhookError::Mismatch)));
        prop_assert!(seen.is_empty());
        prop_assert!(!receive(body, &header, &["ws_live"], &mut seen).unwrap().duplicate);
    }
}

#[test]
fn rotation_old_secret_verifies_while_active() {
    let mut seen = SeenEvents::<8>::new();
    let sign_with = |body: &[u8], secret: &str| {
        let mut sig = [0u8; SIGNATURE_LEN];
        sign(body, secret, &mut sig).to_owned()
    };
    let a = br#"{"id":"evt_a","event":"payment_intent.created"}"#;
    let b = br#"{"id":"evt_b","event":"payment_intent.created"}"#;
    let c = br#"{"id":"evt_c","event":"payment_intent.created"}"#;
    // Before the rotation: one secret.
    let r = receive(a, &sign_with(a, "ws_old"), &["ws_old"], &mut seen).unwrap();
    assert_eq!((r.secret_index, r.duplicate), (0, false));
    // During: both active; deliveries signed with either verify, and the index says which.
    let active = ["ws_new", "ws_old"];
    assert_eq!(receive(b, &sign_with(b, "ws_old"), &active, &mut seen).unwrap().secret_index, 1);
    assert_eq!(receive(c, &sign_with(c, "ws_new"), &active, &mut seen).unwrap().secret_index, 0);
    // A retry of a delivery signed with the old secret is still a duplicate, not a failure.
    assert!(receive(a, &sign_with(a, "ws_old"), &active, &mut seen).unwrap().duplicate);
    // After the old secret is deleted, what it signs is refused.
    let d = br#"{"id":"evt_d","event":"payment_intent.created"}"#;
    assert_eq!(
        receive(d, &sign_with(d, "ws_old"), &["ws_new"], &mut seen),
        Err(Error::Webhook(WebhookError::Mismatch))
    );
    assert!(!seen.contains("evt_d"));
}

#[test]
fn verified_but_unusable_bodies_are_not_recorded() {
    let mut seen = SeenEvents::<8>::new();
    fn check(body: &[u8], seen: &mut SeenEvents<8>) -> Result<bool, Error<'static>> {
        let mut sig = [0u8; SIGNATURE_LEN];
        let header = sign(body, "ws", &mut sig).to_owned();
        match receive(body, &header, &["ws"], seen) {
            Ok(r) => Ok(r.duplicate),
            Err(Error::Decode(e)) => Err(Error::Decode(e)),
            Err(Error::Webhook(e)) => Err(Error::Webhook(e)),
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(matches!(check(b"not json", &mut seen), Err(Error::Decode(_))));
    assert!(matches!(check(br#"{"event":"payment_intent.created"}"#, &mut seen), Err(Error::Decode(_))));
    let long = format!(r#"{{"id":"{}","event":"x.y"}}"#, "e".repeat(MAX_EVENT_ID_LEN + 1));
    assert_eq!(check(long.as_bytes(), &mut seen), Err(Error::Webhook(WebhookError::UnusableEventId)));
    assert_eq!(check(br#"{"id":"","event":"x.y"}"#, &mut seen), Err(Error::Webhook(WebhookError::UnusableEventId)));
    assert!(seen.is_empty());
    // Escaped and plain spellings of one id are one event.
    assert_eq!(check(br#"{"id":"evt_\u0031","event":"x.y"}"#, &mut seen), Ok(false));
    assert_eq!(check(br#"{"id":"evt_1","event":"x.y","extra":[1,{"a":null}]}"#, &mut seen), Ok(true));
    // Forgetting after a failed action lets the retry through once more.
    assert!(seen.forget("evt_1"));
    assert_eq!(check(br#"{"id":"evt_1","event":"x.y"}"#, &mut seen), Ok(false));
}
