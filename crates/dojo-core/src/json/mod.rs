//! JSON as the real (ASP.NET) server speaks it: a small no_std reader and writer.
//!
//! * [`from_slice`] decodes a body into any model. Strings are borrowed ([`Text`]) and
//!   their escapes decoded exactly on demand; unknown fields are skipped at any depth by
//!   an iterative scanner bounded by [`MAX_DEPTH`], so hostile nesting cannot overflow the
//!   stack; arrays are decoded lazily ([`Items`], and [`Records`] for a page of
//!   results, each element decoded once), so a page needs no capacity; every failure is a [`DecodeError`] naming the field. The API has no
//!   floating-point fields, so a number with a fraction or exponent is refused
//!   ([`DecodeErrorKind::NotAnInteger`]) wherever a value is decoded; in unknown fields
//!   it is skipped like anything else. A UTF-8 byte order mark at the very start of a
//!   body is skipped (RFC 8259 §8.1 allows ignoring it; ASP.NET never sends one, but a
//!   proxy may add it); one anywhere else is an error like any stray byte. Error offsets
//!   count the mark's three bytes (they are offsets into the body as received).
//! * [`to_slice`] encodes a request into a caller buffer and returns the bytes used, or
//!   [`BufferTooSmall`](crate::error::BufferTooSmall) with the size needed.

mod de;
mod error;
mod lazy;
mod read;
mod ser;
mod text;
mod token;

pub use de::from_slice;
pub use error::{DecodeError, DecodeErrorKind};
// The reader's pieces, for the hand-written decoders beside the models (`crate::summary`):
// they walk objects, locate errors and check a body's start exactly as `from_slice` does.
pub(crate) use error::UNSET;
pub use lazy::{Entries, EntriesIter, Items, ItemsIter, RawJson, Records, RecordsIter};
pub use read::MAX_DEPTH;
pub(crate) use read::SCRATCH;
pub(crate) use read::{Fault, Number, Reader};
pub(crate) use ser::ObjectWriter;
pub use ser::{EncodeError, to_slice};
#[cfg(feature = "aspnet-escaping")]
pub use ser::{Escaping, to_slice_with};
pub use text::{Chars, Text};

#[cfg(test)]
mod tests;
