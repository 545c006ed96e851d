//! serde Deserializer. (stub, being written)
use super::DecodeError;

/// dojo-core's JSON deserializer.
pub struct Deserializer<'de> {
    _input: &'de [u8],
}

/// Decodes a whole body.
pub fn from_slice<'de, T: serde::Deserialize<'de>>(_input: &'de [u8]) -> Result<T, DecodeError> {
    todo!()
}

/// Decodes one value at the start of `input`; returns it and the bytes used.
pub fn from_slice_prefix<'de, T: serde::Deserialize<'de>>(_input: &'de [u8]) -> Result<(T, usize), DecodeError> {
    todo!()
}
