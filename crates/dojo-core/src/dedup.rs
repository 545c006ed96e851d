//! Deduplicating webhook deliveries: a fixed-capacity record of recently seen event ids
//! ([`SeenEvents`]), and the whole receiving path, [`receive`]: verify the signature,
//! decode the event, then record its id.
//!
//! Dojo delivers at least once: a delivery answered with anything but 2xx (or not
//! answered in time) is sent again, and an account with both a capability and a webhook
//! gets each event twice. A receiver must answer a repeat with 2xx **without acting
//! twice**, so it must remember the ids it has acted on.
//!
//! ## Capacity and eviction
//!
//! [`SeenEvents<N>`] keeps the last `N` ids recorded, first in, first out: an id is
//! remembered until `N` more ids have been recorded after it (or until it is
//! [`forget`](SeenEvents::forget)ten). Seeing a duplicate does not refresh it. Choose `N`
//! above the number of distinct events that can arrive while one is still being retried
//! (Dojo retries "a limited number of times" over minutes to hours). Each slot holds up to
//! [`MAX_EVENT_ID_LEN`] bytes: `N × (MAX_EVENT_ID_LEN + 5)` bytes in all (about 17 KiB for
//! `N = 256`), no allocation. A lookup compares a 32-bit hash of every slot and the bytes
//! only where the hashes agree: `O(N)` word compares, which for a few hundred slots is
//! less work than the HMAC that precedes it (`cargo run --release -p dojo-core --example
//! dedup_cost` prints both). The hash only speeds the search up: ids are
//! always compared byte for byte, so colliding ids (chosen by anyone) cannot hide an
//! event.
//!
//! ## Act once, answer right
//!
//! ```
//! use dojo_core::dedup::{SeenEvents, receive};
//! use dojo_core::webhook::{SIGNATURE_LEN, sign};
//!
//! let mut seen = SeenEvents::<64>::new();
//! let body = br#"{"id":"evt_1","event":"payment_intent.created","data":{}}"#;
//! let mut sig = [0u8; SIGNATURE_LEN];
//! let header = sign(body, "ws_old", &mut sig);
//! // During a rotation both secrets are active: a delivery signed with the old one verifies.
//! let first = receive(body, header, &["ws_new", "ws_old"], &mut seen).unwrap();
//! assert!(!first.duplicate && first.secret_index == 1);
//! assert_eq!(first.event.id, "evt_1");
//! // ... act on the event; if acting fails, `seen.forget("evt_1")` and answer 5xx ...
//! let again = receive(body, header, &["ws_new", "ws_old"], &mut seen).unwrap();
//! assert!(again.duplicate); // answer 2xx, do nothing
//! ```

use crate::error::Error;
use crate::json::{Text, from_slice};
use crate::webhook::{WebhookError, WebhookEvent, verify};

/// The longest event id recorded, in bytes. Dojo's ids (`evt_` and 22 characters) are far
/// shorter; a longer id is refused ([`WebhookError::UnusableEventId`]) rather than
/// truncated, which could make two events look alike.
pub const MAX_EVENT_ID_LEN: usize = 64;

/// Whether an id was new or already recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation {
    /// Not seen within the capacity: now recorded. Act on the event.
    New,
    /// Recorded already: answer 2xx and do not act again.
    Duplicate,
}

/// The last `N` event ids recorded (see the [module docs](self) for the eviction rule).
/// `N = 0` records nothing: every id is new.
#[derive(Clone)]
pub struct SeenEvents<const N: usize> {
    ids: [[u8; MAX_EVENT_ID_LEN]; N],
    /// Each slot's id length; 0 marks an empty slot (ids are never empty).
    lens: [u8; N],
    hashes: [u32; N],
    /// The slot the next id is written to: the oldest one once the ring is full.
    next: usize,
    len: usize,
}

impl<const N: usize> Default for SeenEvents<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for SeenEvents<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SeenEvents").field("capacity", &N).field("len", &self.len).finish()
    }
}

/// FNV-1a, 32 bits: fast, and no worse for ids an attacker picks, since equality is
/// always decided on the bytes.
fn hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// An id's bytes, checked: 1 to [`MAX_EVENT_ID_LEN`] bytes.
fn checked(id: &str) -> Result<&[u8], WebhookError> {
    if id.is_empty() || id.len() > MAX_EVENT_ID_LEN {
        return Err(WebhookError::UnusableEventId);
    }
    Ok(id.as_bytes())
}

impl<const N: usize> SeenEvents<N> {
    /// How many ids are remembered at most.
    pub const CAPACITY: usize = N;

    /// An empty record.
    pub const fn new() -> Self {
        SeenEvents { ids: [[0; MAX_EVENT_ID_LEN]; N], lens: [0; N], hashes: [0; N], next: 0, len: 0 }
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every id.
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// The slot holding `id`, if any.
    fn find(&self, id: &[u8]) -> Option<usize> {
        let h = hash(id);
        self.hashes
            .iter()
            .zip(self.lens.iter())
            .zip(self.ids.iter())
            .position(|((&sh, &sl), bytes)| sh == h && usize::from(sl) == id.len() && bytes.get(..id.len()) == Some(id))
    }

    /// Whether `id` is remembered. An empty or too long id never is.
    pub fn contains(&self, id: &str) -> bool {
        checked(id).is_ok_and(|b| self.find(b).is_some())
    }

    /// Records `id` unless it is remembered already, and says which. Recording into a
    /// full record evicts the oldest id. An empty id, or one longer than
    /// [`MAX_EVENT_ID_LEN`] bytes, is [`WebhookError::UnusableEventId`].
    pub fn observe(&mut self, id: &str) -> Result<Observation, WebhookError> {
        let bytes = checked(id)?;
        if self.find(bytes).is_some() {
            return Ok(Observation::Duplicate);
        }
        let at = self.next;
        let (Some(slot), Some(len), Some(h)) = (self.ids.get_mut(at), self.lens.get_mut(at), self.hashes.get_mut(at))
        else {
            // N = 0: nothing is remembered.
            return Ok(Observation::New);
        };
        if let Some(dst) = slot.get_mut(..bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        if *len == 0 {
            self.len += 1;
        }
        // `bytes.len()` is 1..=64, so it fits a u8.
        *len = bytes.len() as u8;
        *h = hash(bytes);
        self.next = if at + 1 >= N { 0 } else { at + 1 };
        Ok(Observation::New)
    }

    /// [`observe`](Self::observe) for an id decoded from JSON, escapes included.
    pub fn observe_text(&mut self, id: Text<'_>) -> Result<Observation, WebhookError> {
        let mut buf = [0u8; MAX_EVENT_ID_LEN];
        let id = id.copy_to(&mut buf).map_err(|_| WebhookError::UnusableEventId)?;
        self.observe(id)
    }

    /// Forgets `id` (after acting on its event failed, so that the retry is acted on);
    /// returns whether it was remembered. Its slot stays empty until the ring comes back
    /// round to it.
    pub fn forget(&mut self, id: &str) -> bool {
        let Some(at) = checked(id).ok().and_then(|b| self.find(b)) else {
            return false;
        };
        if let Some(len) = self.lens.get_mut(at) {
            *len = 0;
            self.len = self.len.saturating_sub(1);
        }
        true
    }

    /// [`forget`](Self::forget) for an id decoded from JSON.
    pub fn forget_text(&mut self, id: Text<'_>) -> bool {
        let mut buf = [0u8; MAX_EVENT_ID_LEN];
        id.copy_to(&mut buf).is_ok_and(|id| self.forget(id))
    }
}

/// A delivery that verified and decoded, and whether it was seen before.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Received<'a> {
    /// The event.
    pub event: WebhookEvent<'a>,
    /// The index in the secrets given of the secret that signed it (a rotation is over
    /// when no delivery uses the old one).
    pub secret_index: usize,
    /// Seen before within the record's capacity: answer 2xx and do not act again.
    pub duplicate: bool,
}

/// The whole receiving path: [`verify`] the exact body with the subscription's active
/// `secrets` (all of them, so a delivery signed with the previous secret of a rotation
/// verifies while that secret is active), then decode the event, then record its id in
/// `seen`.
///
/// * A delivery that fails verification is [`Error::Webhook`] and is never parsed; one
///   that verifies but is not an event is [`Error::Decode`]; an event whose id cannot be
///   recorded is [`WebhookError::UnusableEventId`]. None of them is recorded: answer
///   4xx.
/// * Otherwise the id is recorded, and [`Received::duplicate`] tells whether it was
///   already. If acting on a new event fails, [`SeenEvents::forget_text`] its id and
///   answer 5xx, so the retry is acted on.
pub fn receive<'a, const N: usize>(
    body: &'a [u8],
    signature_header: &str,
    secrets: &[&str],
    seen: &mut SeenEvents<N>,
) -> Result<Received<'a>, Error<'a>> {
    let secret_index = verify(body, signature_header, secrets)?;
    let event: WebhookEvent<'a> = from_slice(body)?;
    let duplicate = seen.observe_text(event.id)? == Observation::Duplicate;
    Ok(Received { event, secret_index, duplicate })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_eviction_at_capacity() {
        let mut seen = SeenEvents::<3>::new();
        for id in ["a", "b", "c"] {
            assert_eq!(seen.observe(id), Ok(Observation::New));
        }
        assert_eq!(seen.len(), 3);
        assert_eq!(seen.observe("a"), Ok(Observation::Duplicate));
        // A duplicate does not refresh: "a" is still the oldest and goes first.
        assert_eq!(seen.observe("d"), Ok(Observation::New));
        assert!(!seen.contains("a"));
        assert!(seen.contains("b") && seen.contains("c") && seen.contains("d"));
        assert_eq!(seen.observe("a"), Ok(Observation::New));
        assert!(!seen.contains("b"));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn forget_and_clear() {
        let mut seen = SeenEvents::<4>::new();
        seen.observe("evt_1").unwrap();
        assert!(seen.forget("evt_1"));
        assert!(!seen.forget("evt_1"));
        assert!(seen.is_empty());
        assert_eq!(seen.observe("evt_1"), Ok(Observation::New));
        seen.clear();
        assert!(!seen.contains("evt_1"));
    }

    #[test]
    fn unusable_ids() {
        let mut seen = SeenEvents::<4>::new();
        assert_eq!(seen.observe(""), Err(WebhookError::UnusableEventId));
        let long = "e".repeat(MAX_EVENT_ID_LEN + 1);
        assert_eq!(seen.observe(&long), Err(WebhookError::UnusableEventId));
        let longest = "e".repeat(MAX_EVENT_ID_LEN);
        assert_eq!(seen.observe(&longest), Ok(Observation::New));
        assert_eq!(seen.observe(&longest), Ok(Observation::Duplicate));
        assert!(!seen.contains(&long));
    }

    #[test]
    fn the_documented_size() {
        let slot = MAX_EVENT_ID_LEN + 1 + 4;
        assert_eq!(core::mem::size_of::<SeenEvents<256>>(), 256 * slot + 2 * core::mem::size_of::<usize>());
    }

    #[test]
    fn zero_capacity_remembers_nothing() {
        let mut seen = SeenEvents::<0>::new();
        assert_eq!(seen.observe("a"), Ok(Observation::New));
        assert_eq!(seen.observe("a"), Ok(Observation::New));
        assert!(seen.is_empty());
    }

    #[test]
    fn prefixes_and_colliding_lengths_are_distinct() {
        let mut seen = SeenEvents::<8>::new();
        seen.observe("evt_12").unwrap();
        assert_eq!(seen.observe("evt_1"), Ok(Observation::New));
        assert_eq!(seen.observe("evt_123"), Ok(Observation::New));
        assert_eq!(seen.observe("evt_12"), Ok(Observation::Duplicate));
    }
}
