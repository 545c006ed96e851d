//! Decode errors.

use core::fmt;

/// Why a response body could not be decoded. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// Byte offset in the body where it went wrong.
    pub offset: usize,
    /// The JSON field being decoded, when known (the innermost named field).
    pub field: Option<&'static str>,
}

/// What went wrong while decoding.
///
/// A word wide (`repr(u32)`; `DecodeError` keeps its 16 bytes on 32-bit targets): with a
/// one-byte kind, every `Result<T, DecodeError>` the decoders move was copied as bytes
/// past an unaligned tag, byte by byte on riscv32imc (no unaligned access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[repr(u32)]
pub enum DecodeErrorKind {
    /// The body is empty (or only white space).
    Empty,
    /// The body ends in the middle of a value.
    Truncated,
    /// The body is not JSON at all (e.g. an HTML error page from a proxy).
    NotJson,
    /// The body is JSON but malformed at `offset`.
    Syntax,
    /// Arrays/objects nest deeper than [`crate::json::MAX_DEPTH`].
    DepthLimit,
    /// A string is not valid UTF-8.
    InvalidUtf8,
    /// A string holds an invalid escape (including a lone UTF-16 surrogate).
    InvalidEscape,
    /// A string holds an unescaped control character.
    ControlCharacter,
    /// A value is longer than its field can hold (e.g. an id over 50 bytes).
    TooLong,
    /// A number is out of range for its field.
    NumberOutOfRange,
    /// A number that must be an integer (an amount) has a fraction or exponent.
    NotAnInteger,
    /// A value has the wrong JSON type (e.g. an object where a string belongs).
    InvalidType,
    /// A value has the right type but is not acceptable (e.g. a malformed date-time).
    InvalidValue,
    /// A required field is missing.
    MissingField,
    /// A field appears twice in one object.
    DuplicateField,
    /// Something follows the value.
    TrailingCharacters,
    /// Another failure reported while building a value.
    Custom,
}

impl DecodeError {
    pub(crate) const fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        DecodeError { kind, offset, field: None }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::Empty => "empty body",
            DecodeErrorKind::Truncated => "body ends in the middle of a value",
            DecodeErrorKind::NotJson => "body is not JSON",
            DecodeErrorKind::Syntax => "malformed JSON",
            DecodeErrorKind::DepthLimit => "JSON nested too deeply",
            DecodeErrorKind::InvalidUtf8 => "invalid UTF-8 in a string",
            DecodeErrorKind::InvalidEscape => "invalid escape in a string",
            DecodeErrorKind::ControlCharacter => "unescaped control character in a string",
            DecodeErrorKind::TooLong => "value longer than its field can hold",
            DecodeErrorKind::NumberOutOfRange => "number out of range",
            DecodeErrorKind::NotAnInteger => "fractional number where an integer belongs",
            DecodeErrorKind::InvalidType => "value of the wrong type",
            DecodeErrorKind::InvalidValue => "invalid value",
            DecodeErrorKind::MissingField => "missing field",
            DecodeErrorKind::DuplicateField => "duplicate field",
            DecodeErrorKind::TrailingCharacters => "trailing characters after the value",
            DecodeErrorKind::Custom => "invalid value",
        };
        f.write_str(what)?;
        if let Some(field) = self.field {
            write!(f, " in `{field}`")?;
        }
        write!(f, " at byte {}", self.offset)
    }
}

/// `std::error::Error` when serde has `std` enabled, serde's own stand-in otherwise.
impl serde::de::StdError for DecodeError {}

/// Offset of an error raised by a visitor, before the deserializer fills in where it was.
pub(crate) const UNSET: usize = usize::MAX;

impl DecodeError {
    /// Fills in where an error raised while building a value happened, when it does not
    /// say yet: the value's offset and the field it belongs to. Every decoder locates
    /// errors this one way.
    pub(crate) fn locate(mut self, offset: usize, field: Option<&'static str>) -> Self {
        if self.offset == UNSET {
            self.offset = offset;
        }
        if self.field.is_none() {
            self.field = field;
        }
        self
    }
}

impl serde::de::Error for DecodeError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        DecodeError::new(DecodeErrorKind::Custom, UNSET)
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, _exp: &dyn serde::de::Expected) -> Self {
        let kind = match unexp {
            serde::de::Unexpected::Float(_) => DecodeErrorKind::NotAnInteger,
            _ => DecodeErrorKind::InvalidType,
        };
        DecodeError::new(kind, UNSET)
    }

    fn invalid_value(unexp: serde::de::Unexpected<'_>, _exp: &dyn serde::de::Expected) -> Self {
        let kind = match unexp {
            serde::de::Unexpected::Float(_) => DecodeErrorKind::NotAnInteger,
            serde::de::Unexpected::Signed(_) | serde::de::Unexpected::Unsigned(_) => DecodeErrorKind::NumberOutOfRange,
            _ => DecodeErrorKind::InvalidValue,
        };
        DecodeError::new(kind, UNSET)
    }

    fn invalid_length(_len: usize, _exp: &dyn serde::de::Expected) -> Self {
        DecodeError::new(DecodeErrorKind::TooLong, UNSET)
    }

    fn missing_field(field: &'static str) -> Self {
        DecodeError { kind: DecodeErrorKind::MissingField, offset: UNSET, field: Some(field) }
    }

    fn duplicate_field(field: &'static str) -> Self {
        DecodeError { kind: DecodeErrorKind::DuplicateField, offset: UNSET, field: Some(field) }
    }
}
