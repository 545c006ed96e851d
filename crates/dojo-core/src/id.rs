//! Identifiers of setup intents and payment intents.
//!
//! Ids are owned (`Copy`, 51 bytes) so a kiosk can keep them across requests while it
//! reuses one buffer for every body.

use core::fmt;

use crate::error::{ValidationError, ValidationErrorKind};

/// The longest id accepted: the spec's `maxLength` for path ids.
pub const MAX_ID_LEN: usize = 50;

/// Checks an id against the API's rules: 1 to 50 characters of `[A-Za-z0-9_-]`.
pub fn validate_id(field: &'static str, s: &str) -> Result<(), ValidationError> {
    if s.is_empty() {
        return Err(ValidationError::new(field, ValidationErrorKind::Empty));
    }
    if s.len() > MAX_ID_LEN {
        return Err(ValidationError::new(field, ValidationErrorKind::TooLong { max: MAX_ID_LEN }));
    }
    if !s.bytes().all(|b| ID_BYTE.get(usize::from(b)).copied().unwrap_or(false)) {
        return Err(ValidationError::new(field, ValidationErrorKind::InvalidCharacter));
    }
    Ok(())
}

/// The bytes an id may hold, `[A-Za-z0-9_-]`, as a table (one load per byte).
// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
static ID_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        i += 1;
    }
    t
};

/// The text of an id, validated: what both id types hold, so that each operation on an
/// id is one non-generic function shared by both (not one copy per type).
// Word-aligned: a copy of an id is then 13 word moves on a 32-bit MCU without unaligned
// access (riscv32imc), not 51 byte moves (code size).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(align(4))]
pub(crate) struct RawId {
    len: u8,
    bytes: [u8; MAX_ID_LEN],
}

impl RawId {
    /// Validates (as [`validate_id`], errors naming `field`) and copies `s`.
    #[inline(never)]
    pub(crate) fn new(field: &'static str, s: &str) -> Result<Self, ValidationError> {
        validate_id(field, s)?;
        let mut bytes = [0u8; MAX_ID_LEN];
        if let Some(dst) = bytes.get_mut(..s.len()) {
            dst.copy_from_slice(s.as_bytes());
        }
        Ok(RawId { len: s.len() as u8, bytes })
    }

    #[inline(never)]
    fn as_str(&self) -> &str {
        // Validated ASCII on construction; `from_utf8` on ASCII is a quick check.
        self.bytes.get(..usize::from(self.len)).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $field:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(RawId);

        impl $name {
            /// Validates and copies `s` (1 to 50 characters of `[A-Za-z0-9_-]`).
            pub fn new(s: &str) -> Result<Self, ValidationError> {
                RawId::new($field, s).map($name)
            }

            /// An id from its validated text.
            pub(crate) const fn from_raw(raw: RawId) -> Self {
                $name(raw)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::{Error as _, Unexpected};
                let text = <crate::json::Text<'de> as serde::Deserialize>::deserialize(d)?;
                // Without escapes (every id the API sends): validated in place, copied once.
                if let Some(plain) = text.as_str().filter(|s| s.len() <= MAX_ID_LEN) {
                    return $name::new(plain)
                        .map_err(|_| D::Error::invalid_value(Unexpected::Str(plain), &"an id of [A-Za-z0-9_-]"));
                }
                let mut buf = [0u8; MAX_ID_LEN];
                let s = text
                    .copy_to(&mut buf)
                    .map_err(|_| D::Error::invalid_length(text.len(), &"an id of at most 50 bytes"))?;
                $name::new(s).map_err(|_| D::Error::invalid_value(Unexpected::Str(s), &"an id of [A-Za-z0-9_-]"))
            }
        }
    };
}

id_type! {
    /// The id of a setup intent, e.g. `si_sandbox_RBMHTJ4fIkmSppDILZVCGw`.
    SetupIntentId, "setupIntentId"
}

id_type! {
    /// The id of a payment intent, e.g. `pi_sandbox_RBMHTJ4fIkmSppDILZVCGw`.
    PaymentIntentId, "paymentIntentId"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes_and_rejects_others() {
        let id = PaymentIntentId::new("pi_sandbox_RBMHTJ4fIkmSppDILZVCGw").unwrap();
        assert_eq!(id.as_str(), "pi_sandbox_RBMHTJ4fIkmSppDILZVCGw");
        assert_eq!(id, "pi_sandbox_RBMHTJ4fIkmSppDILZVCGw");
        assert_eq!(SetupIntentId::new("").unwrap_err().kind, ValidationErrorKind::Empty);
        assert_eq!(SetupIntentId::new("a/b").unwrap_err().kind, ValidationErrorKind::InvalidCharacter);
        assert_eq!(SetupIntentId::new("si_..").unwrap_err().field, "setupIntentId");
        let long = "a".repeat(51);
        assert_eq!(SetupIntentId::new(&long).unwrap_err().kind, ValidationErrorKind::TooLong { max: 50 });
        assert!(SetupIntentId::new(&long[..50]).is_ok());
    }
}
