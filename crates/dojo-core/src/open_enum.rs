//! Open enums: the API adds enum values without notice (and has demoted several enums to
//! plain strings), so every enum decodes an unknown value to an `Unknown` variant instead
//! of failing.

use core::fmt;

/// The text of an enum value this version of dojo-core does not know, kept when it
/// fits in [`UnknownValue::CAPACITY`] bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownValue {
    len: u8,
    bytes: [u8; UnknownValue::CAPACITY],
}

impl UnknownValue {
    /// The longest value (in UTF-8 bytes) that is kept.
    pub const CAPACITY: usize = 32;
    const TOO_LONG: u8 = u8::MAX;

    /// Keeps `s` if it fits; otherwise remembers only that it was too long.
    pub fn new(s: &str) -> Self {
        let mut bytes = [0u8; Self::CAPACITY];
        match bytes.get_mut(..s.len()) {
            Some(dst) => {
                dst.copy_from_slice(s.as_bytes());
                UnknownValue { len: s.len() as u8, bytes }
            }
            None => Self::too_long(),
        }
    }

    /// An unknown value whose text was too long to keep.
    pub const fn too_long() -> Self {
        UnknownValue { len: Self::TOO_LONG, bytes: [0; Self::CAPACITY] }
    }

    /// The value's text, or `None` if it was too long to keep.
    pub fn as_str(&self) -> Option<&str> {
        let b = self.bytes.get(..usize::from(self.len))?;
        core::str::from_utf8(b).ok()
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => f.write_str("<too long to keep>"),
        }
    }
}

/// An enum's text, escapes decoded into a small stack buffer when it holds any. `None`
/// when it is longer than any value we keep.
pub(crate) fn enum_text<'t: 'b, 'b>(
    text: crate::json::Text<'t>,
    buf: &'b mut [u8; UnknownValue::CAPACITY],
) -> Option<&'b str> {
    match text.as_str() {
        Some(plain) => Some(plain),
        None => text.copy_to(buf).ok(),
    }
}

/// The index in `names` (an open enum's wire names, in declaration order) of `s`, or
/// `names.len()` with `unknown` set to `s` (kept if it fits). The one lookup of every
/// open enum: each enum's own code is only the index-to-variant step.
#[inline(never)]
pub(crate) fn name_index(s: &str, names: &[&str], unknown: &mut UnknownValue) -> usize {
    match names.iter().position(|n| *n == s) {
        Some(i) => i,
        None => {
            *unknown = UnknownValue::new(s);
            names.len()
        }
    }
}

/// [`name_index`] of a decoded JSON string; an escaped text longer than any value we
/// keep is unknown and too long.
#[inline(never)]
pub(crate) fn text_index(text: crate::json::Text<'_>, names: &[&str], unknown: &mut UnknownValue) -> usize {
    let mut buf = [0u8; UnknownValue::CAPACITY];
    match enum_text(text, &mut buf) {
        Some(s) => name_index(s, names, unknown),
        None => {
            *unknown = UnknownValue::too_long();
            names.len()
        }
    }
}

/// Defines an open enum: known variants with their wire names, plus
/// `Unknown(UnknownValue)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of dojo-core does not know (kept when short enough).
            Unknown($crate::open_enum::UnknownValue),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as the API writes it (`None` for an unknown value too long to keep).
            pub fn as_str(&self) -> Option<&str> {
                match self {
                    $( $name::$variant => Some($wire), )+
                    $name::Unknown(u) => u.as_str(),
                }
            }

            /// The wire names of [`KNOWN`](Self::KNOWN), in the same order.
            pub(crate) const NAMES: &'static [&'static str] = &[$($wire),+];

            /// Parses the API's text; an unrecognized value gives `Unknown`.
            pub fn parse(s: &str) -> Self {
                let mut unknown = $crate::open_enum::UnknownValue::too_long();
                let i = $crate::open_enum::name_index(s, Self::NAMES, &mut unknown);
                Self::from_index(i, unknown)
            }

            /// Parses a decoded JSON string as the enum's `Deserialize` does (also used
            /// by the hand-written decoders in `crate::summary`).
            pub(crate) fn from_text(text: $crate::json::Text<'_>) -> Self {
                let mut unknown = $crate::open_enum::UnknownValue::too_long();
                let i = $crate::open_enum::text_index(text, Self::NAMES, &mut unknown);
                Self::from_index(i, unknown)
            }

            /// The known value at index `i` of [`NAMES`](Self::NAMES), or
            /// `Unknown(unknown)` past its end.
            pub(crate) fn from_index(i: usize, unknown: $crate::open_enum::UnknownValue) -> Self {
                // The variants' positions, counted by the compiler.
                #[allow(non_camel_case_types, clippy::upper_case_acronyms, clippy::enum_variant_names, dead_code)]
                enum Index { $($variant),+ }
                match i {
                    $( i if i == Index::$variant as usize => $name::$variant, )+
                    _ => $name::Unknown(unknown),
                }
            }

            /// Whether this is a value dojo-core knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str().unwrap_or("<unknown>"))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.as_str() {
                    Some(v) => s.serialize_str(v),
                    None => Err(serde::ser::Error::custom("an unknown enum value too long to keep cannot be written")),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from_text(<$crate::json::Text<'de> as serde::Deserialize>::deserialize(d)?))
            }
        }
    };
}

pub(crate) use open_enum;
