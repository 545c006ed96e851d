//! Lazily decoded arrays ([`Items`], [`Records`]) and objects ([`Entries`]).
//!
//! A page of payment intents or a list of events has no natural capacity, and a kiosk
//! cannot hold a hundred decoded records on its stack. So arrays are kept as their raw
//! JSON and decoded one element at a time as the caller iterates. Two flavours:
//!
//! * [`Items`] (the small lists inside a model: events, captures, payment methods, a
//!   ProblemDetails' messages) are decoded once while the body is decoded, element by
//!   element and then dropped, to prove every element is valid (errors name the field);
//!   iterating decodes them again and cannot fail. Each element is decoded twice, which
//!   costs little for lists of a few elements.
//! * [`Records`] (a search page's `data`: up to hundreds of full payment intents) are only
//!   *checked* while the body is decoded — syntax, UTF-8, nesting depth, the count — and
//!   each element is decoded exactly once, when iterated, as a `Result`: a record this
//!   version cannot hold is an error for that record alone (with the body offset and field
//!   of the fault), and the others are still yours.
//!
//! Neither offers indexing: reaching element `i` means decoding the `i` before it, so a
//! loop over indices would be quadratic. Iterate (`iter`, `for`, `zip`, `enumerate`).

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, SeqAccess, Visitor};

use super::de::Deserializer;
use super::error::DecodeError;
use super::token::{ENTRIES_TOKEN, ITEMS_TOKEN, RAW_TOKEN, RECORDS_TOKEN};

/// The walk shared by every lazy iterator: a deserializer over the kept (already
/// checked) text, and how many elements are left. Each step consumes the separator
/// before the next element — the opening bracket before the first, `,` before the
/// others — and leaves the deserializer on the element.
struct Walk<'a> {
    de: Deserializer<'a>,
    open: u8,
    first: bool,
    remaining: usize,
}

impl<'a> Walk<'a> {
    fn new(de: Deserializer<'a>, open: u8, len: usize) -> Self {
        Walk { de, open, first: true, remaining: len }
    }

    /// Moves onto the next element; `None` when there is none (or the kept text does
    /// not hold it, which its check at decode time rules out: the walk then stops).
    fn step(&mut self) -> Option<&mut Deserializer<'a>> {
        if self.remaining == 0 {
            return None;
        }
        if !self.de.skip_separator(if self.first { self.open } else { b',' }) {
            self.remaining = 0;
            return None;
        }
        self.first = false;
        self.remaining -= 1;
        Some(&mut self.de)
    }

    /// Ends the walk early (an element that could not be decoded again).
    fn stop(&mut self) {
        self.remaining = 0;
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// A JSON array in a body, validated when the body was decoded and decoded again, one
/// element at a time, when iterated. Needs no capacity and no allocator. There is no
/// indexing: reaching element `i` means decoding the `i` before it, so a loop over
/// indices would be quadratic. Iterate.
///
/// Only dojo-core's own deserializer ([`crate::json::from_slice`]) can produce one.
pub struct Items<'a, T> {
    raw: &'a [u8],
    len: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Items<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Items<'_, T> {}

impl<'a, T: Deserialize<'a>> Items<'a, T> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The elements, decoded one at a time.
    pub fn iter(&self) -> ItemsIter<'a, T> {
        ItemsIter { walk: Walk::new(Deserializer::new(self.raw), b'[', self.len), _t: PhantomData }
    }

    /// The last element, if any.
    pub fn last(&self) -> Option<T> {
        self.iter().last()
    }

    /// The array's raw JSON.
    pub fn raw_json(&self) -> &'a [u8] {
        self.raw
    }
}

impl<'a, T: Deserialize<'a>> IntoIterator for Items<'a, T> {
    type Item = T;
    type IntoIter = ItemsIter<'a, T>;

    fn into_iter(self) -> ItemsIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Deserialize<'a> + fmt::Debug> fmt::Debug for Items<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Deserialize<'a> + PartialEq> PartialEq for Items<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

/// The elements of [`Items`].
pub struct ItemsIter<'a, T> {
    walk: Walk<'a>,
    _t: PhantomData<fn() -> T>,
}

impl<'a, T: Deserialize<'a>> Iterator for ItemsIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let value = T::deserialize(self.walk.step()?).ok();
        if value.is_none() {
            // Unreachable: every element was decoded once already. Stop cleanly.
            self.walk.stop();
        }
        value
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.walk.size_hint()
    }
}

impl<'a, T: Deserialize<'a>> ExactSizeIterator for ItemsIter<'a, T> {}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Items<'a, T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(ITEMS_TOKEN, ItemsVisitor(PhantomData))
    }
}

type Marker<'a, T> = PhantomData<(&'a (), fn() -> T)>;

struct ItemsVisitor<'a, T>(Marker<'a, T>);

impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for ItemsVisitor<'a, T> {
    type Value = Items<'a, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut len = 0;
        while seq.next_element::<T>()?.is_some() {
            len += 1;
        }
        let Some(RawSpan(raw)) = seq.next_element::<RawSpan<'de>>()? else {
            return Err(de::Error::invalid_length(len, &self));
        };
        Ok(Items { raw, len, _t: PhantomData })
    }
}

/// A JSON array of records (a search page's `data`): its syntax, UTF-8, depth and length
/// are checked when the body is decoded; each element is decoded exactly once, when
/// iterated, into a `Result` — an element the model cannot hold is an error for that
/// element alone, located in the body (offset and field), and iteration goes on with the
/// next. Needs no capacity and no allocator; no indexing (iterate).
pub struct Records<'a, T> {
    raw: &'a str,
    base: usize,
    len: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Records<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Records<'_, T> {}

impl<'a, T: Deserialize<'a>> Records<'a, T> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The elements, each decoded once, in body order.
    pub fn iter(&self) -> RecordsIter<'a, T> {
        RecordsIter {
            walk: Walk::new(Deserializer::from_checked(self.raw), b'[', self.len),
            base: self.base,
            _t: PhantomData,
        }
    }

    /// The array's raw JSON.
    pub fn raw_json(&self) -> &'a [u8] {
        self.raw.as_bytes()
    }
}

impl<'a, T: Deserialize<'a>> IntoIterator for Records<'a, T> {
    type Item = Result<T, DecodeError>;
    type IntoIter = RecordsIter<'a, T>;

    fn into_iter(self) -> RecordsIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Deserialize<'a> + fmt::Debug> fmt::Debug for Records<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Deserialize<'a> + PartialEq> PartialEq for Records<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

/// The elements of [`Records`], each `Ok(record)` or the error that record alone caused.
pub struct RecordsIter<'a, T> {
    walk: Walk<'a>,
    base: usize,
    _t: PhantomData<fn() -> T>,
}

impl<'a, T: Deserialize<'a>> Iterator for RecordsIter<'a, T> {
    type Item = Result<T, DecodeError>;

    fn next(&mut self) -> Option<Result<T, DecodeError>> {
        let base = self.base;
        Some(self.walk.step()?.record::<T>().map_err(|mut e| {
            // Offsets into the body, not into the array.
            e.offset = e.offset.saturating_add(base);
            e
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.walk.size_hint()
    }
}

impl<'a, T: Deserialize<'a>> ExactSizeIterator for RecordsIter<'a, T> {}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Records<'a, T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(RECORDS_TOKEN, RecordsVisitor(PhantomData))
    }
}

struct RecordsVisitor<'a, T>(Marker<'a, T>);

impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for RecordsVisitor<'a, T> {
    type Value = Records<'a, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let (Some(len), Some(base), Some(raw)) =
            (seq.next_element::<u64>()?, seq.next_element::<u64>()?, seq.next_element::<&'de str>()?)
        else {
            return Err(de::Error::invalid_length(0, &self));
        };
        let (Ok(len), Ok(base)) = (usize::try_from(len), usize::try_from(base)) else {
            return Err(de::Error::invalid_length(0, &self));
        };
        Ok(Records { raw, base, len, _t: PhantomData })
    }
}

/// A JSON object in a body (a string-keyed map such as `metadata` or a ProblemDetails'
/// `errors`), validated when the body was decoded and decoded again, one entry at a
/// time, when iterated.
pub struct Entries<'a, K, V> {
    raw: &'a [u8],
    len: usize,
    _t: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for Entries<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Entries<'_, K, V> {}

impl<'a, K: Deserialize<'a>, V: Deserialize<'a>> Entries<'a, K, V> {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the object is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entries, decoded one at a time, in body order.
    pub fn iter(&self) -> EntriesIter<'a, K, V> {
        EntriesIter { walk: Walk::new(Deserializer::new(self.raw), b'{', self.len), _t: PhantomData }
    }

    /// The value of the first entry whose key satisfies `matches`.
    pub fn find(&self, mut matches: impl FnMut(&K) -> bool) -> Option<V> {
        self.iter().find(|(k, _)| matches(k)).map(|(_, v)| v)
    }

    /// The object's raw JSON.
    pub fn raw_json(&self) -> &'a [u8] {
        self.raw
    }
}

impl<'a, K: Deserialize<'a>, V: Deserialize<'a>> IntoIterator for Entries<'a, K, V> {
    type Item = (K, V);
    type IntoIter = EntriesIter<'a, K, V>;

    fn into_iter(self) -> EntriesIter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K: Deserialize<'a> + fmt::Debug, V: Deserialize<'a> + fmt::Debug> fmt::Debug for Entries<'a, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K: Deserialize<'a> + PartialEq, V: Deserialize<'a> + PartialEq> PartialEq for Entries<'a, K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

/// The entries of [`Entries`].
pub struct EntriesIter<'a, K, V> {
    walk: Walk<'a>,
    _t: PhantomData<fn() -> (K, V)>,
}

impl<'a, K: Deserialize<'a>, V: Deserialize<'a>> Iterator for EntriesIter<'a, K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        let de = self.walk.step()?;
        let entry = K::deserialize(&mut *de)
            .ok()
            .filter(|_| de.skip_separator(b':'))
            .and_then(|k| V::deserialize(&mut *de).ok().map(|v| (k, v)));
        if entry.is_none() {
            self.walk.stop();
        }
        entry
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.walk.size_hint()
    }
}

impl<'a, K: Deserialize<'a>, V: Deserialize<'a>> ExactSizeIterator for EntriesIter<'a, K, V> {}

impl<'de: 'a, 'a, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Entries<'a, K, V> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(ENTRIES_TOKEN, EntriesVisitor(PhantomData))
    }
}

struct EntriesVisitor<'a, K, V>(Marker<'a, (K, V)>);

impl<'de: 'a, 'a, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<'a, K, V> {
    type Value = Entries<'a, K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut len = 0;
        while seq.next_element::<(K, V)>()?.is_some() {
            len += 1;
        }
        let Some(RawSpan(raw)) = seq.next_element::<RawSpan<'de>>()? else {
            return Err(de::Error::invalid_length(len, &self));
        };
        Ok(Entries { raw, len, _t: PhantomData })
    }
}

/// The raw span handed over last by the lazy protocols.
struct RawSpan<'de>(&'de [u8]);

impl<'de> Deserialize<'de> for RawSpan<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSpan<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("raw JSON")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<RawSpan<'de>, E> {
                Ok(RawSpan(v))
            }
        }
        d.deserialize_bytes(V)
    }
}

impl<'a, T: Deserialize<'a> + serde::Serialize> serde::Serialize for Items<'a, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'a, K, V> serde::Serialize for Entries<'a, K, V>
where
    K: Deserialize<'a> + serde::Serialize,
    V: Deserialize<'a> + serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Any JSON value kept as its raw bytes (validated and depth-bounded), e.g. a
/// ProblemDetails extension this version of dojo-core does not model. Decode it further
/// with [`from_slice`](crate::json::from_slice) if needed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RawJson<'a>(&'a [u8]);

impl<'a> RawJson<'a> {
    /// The raw JSON bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The raw JSON text.
    pub fn as_str(&self) -> &'a str {
        // Validated as UTF-8 when it was read.
        core::str::from_utf8(self.0).unwrap_or("")
    }
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawJson<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<RawJson<'a>, E> {
                Ok(RawJson(v))
            }
        }
        d.deserialize_newtype_struct(RAW_TOKEN, V(PhantomData))
    }
}
