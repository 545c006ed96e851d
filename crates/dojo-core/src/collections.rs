//! The list and map types a request holds: [`List`] and [`Metadata`], each either what
//! the caller built (a slice) or what was decoded from a body (kept lazily), so requests
//! need no allocator and the local emulator decodes them with dojo-core.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::json::{Entries, Items, Text};

/// A list in a request: a slice the caller built, or a JSON array decoded from a body
/// (the local emulator decodes requests with dojo-core).
#[derive(Clone, Copy)]
pub enum List<'a, T> {
    /// The caller's elements.
    Slice(&'a [T]),
    /// Elements decoded from JSON.
    Json(Items<'a, T>),
}

impl<'a, T: Copy + Deserialize<'a>> List<'a, T> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            List::Slice(s) => s.len(),
            List::Json(i) => i.len(),
        }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        let (slice, items) = match *self {
            List::Slice(s) => (Some(s.iter().copied()), None),
            List::Json(i) => (None, Some(i.iter())),
        };
        slice.into_iter().flatten().chain(items.into_iter().flatten())
    }
}

impl<'a, T> From<&'a [T]> for List<'a, T> {
    fn from(s: &'a [T]) -> Self {
        List::Slice(s)
    }
}

impl<'a, T: Copy + Deserialize<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Copy + Deserialize<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Copy + Deserialize<'a> + Serialize> Serialize for List<'a, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for List<'a, T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Items::deserialize(d).map(List::Json)
    }
}

/// Key-value metadata in a request: pairs the caller built, or an object decoded from a
/// body.
#[derive(Clone, Copy)]
pub enum Metadata<'a> {
    /// The caller's pairs.
    Pairs(&'a [(&'a str, &'a str)]),
    /// Pairs decoded from JSON.
    Json(Entries<'a, Text<'a>, Text<'a>>),
}

impl<'a> Metadata<'a> {
    /// The number of pairs.
    pub fn len(&self) -> usize {
        match self {
            Metadata::Pairs(p) => p.len(),
            Metadata::Json(e) => e.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs.
    pub fn iter(&self) -> impl Iterator<Item = (Text<'a>, Text<'a>)> + 'a {
        let (pairs, json) = match *self {
            Metadata::Pairs(p) => (Some(p.iter().map(|&(k, v)| (Text::new(k), Text::new(v)))), None),
            Metadata::Json(e) => (None, Some(e.iter())),
        };
        pairs.into_iter().flatten().chain(json.into_iter().flatten())
    }
}

impl PartialEq for Metadata<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Metadata<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Metadata<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Metadata<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Entries::deserialize(d).map(Metadata::Json)
    }
}
