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

            /// Parses the API's text; an unrecognized value gives `Unknown`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown($crate::open_enum::UnknownValue::new(other)),
                }
            }

            /// Parses a decoded JSON string as the enum's `Deserialize` does (also used
            /// by the hand-written decoders in `crate::summary`).
            pub(crate) fn from_text(text: $crate::json::Text<'_>) -> Self {
                let mut buf = [0u8; $crate::open_enum::UnknownValue::CAPACITY];
                match $crate::open_enum::enum_text(text, &mut buf) {
                    Some(s) => $name::parse(s),
                    None => $name::Unknown($crate::open_enum::UnknownValue::too_long()),
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
