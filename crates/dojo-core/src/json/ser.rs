//! serde Serializer. (stub, being written)

/// How strings are escaped on output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escaping {
    /// Only what JSON requires.
    #[default]
    Minimal,
    /// Like ASP.NET.
    AspNet,
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// Buffer too small.
    BufferTooSmall(crate::error::BufferTooSmall),
    /// Not encodable.
    Unsupported,
}

/// Encodes `value` into `buf`.
pub fn to_slice<T: serde::Serialize + ?Sized>(_value: &T, _buf: &mut [u8]) -> Result<usize, EncodeError> {
    todo!()
}

/// Encodes with an escaping choice.
pub fn to_slice_with<T: serde::Serialize + ?Sized>(
    _value: &T,
    _buf: &mut [u8],
    _e: Escaping,
) -> Result<usize, EncodeError> {
    todo!()
}
