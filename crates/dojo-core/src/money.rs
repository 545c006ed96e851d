//! Amounts of money in minor units.

use core::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, ValidationErrorKind};

/// An amount in ISO 4217 minor units (pence for GBP) and its currency (`Money`).
///
/// The API documents `value` as an int64 but its own examples send digit strings
/// (`"1000"`): decoding accepts both, and encoding always writes a number. A fractional
/// number is a decode error ([`crate::json::DecodeErrorKind::NotAnInteger`]), never
/// rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units.
    #[serde(deserialize_with = "deserialize_minor_units")]
    pub value: i64,
    /// The currency.
    #[serde(rename = "currencyCode")]
    pub currency: Currency,
}

impl Money {
    /// `value` minor units of `currency`.
    pub const fn new(value: i64, currency: Currency) -> Self {
        Money { value, currency }
    }

    /// `value` pence.
    pub const fn gbp(value: i64) -> Self {
        Money::new(value, Currency::Gbp)
    }

    /// `value` euro cents.
    pub const fn eur(value: i64) -> Self {
        Money::new(value, Currency::Eur)
    }

    /// Checks what the API requires of an amount it is sent: a positive value and a
    /// three-letter currency code. `field` names the amount in the error.
    pub fn validate_positive(&self, field: &'static str) -> Result<(), ValidationError> {
        if self.value <= 0 {
            return Err(ValidationError::new(field, ValidationErrorKind::NotPositive));
        }
        self.currency.validate(field)
    }
}

impl fmt::Display for Money {
    /// `10.00 GBP` for the currencies whose minor unit is known (2 digits for GBP and
    /// EUR), `1000 XYZ` (minor units) otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.currency.minor_digits() {
            Some(2) => {
                let sign = if self.value < 0 { "-" } else { "" };
                let abs = self.value.unsigned_abs();
                write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
            }
            _ => write!(f, "{} {}", self.value, self.currency),
        }
    }
}

/// A currency. GBP and EUR (the API accepts these) are known; any other code is kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Currency {
    /// Pound sterling.
    Gbp,
    /// Euro.
    Eur,
    /// Another code, as the server wrote it (up to 10 bytes, the API's maximum).
    Other(CurrencyCode),
}

/// A currency code other than GBP or EUR, up to 10 bytes as the spec allows.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyCode {
    len: u8,
    bytes: [u8; CurrencyCode::CAPACITY],
}

impl CurrencyCode {
    /// The longest code kept (the spec's `maxLength`).
    pub const CAPACITY: usize = 10;

    /// The code as text.
    pub fn as_str(&self) -> &str {
        self.bytes.get(..usize::from(self.len)).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("")
    }
}

impl Currency {
    /// Parses a currency code. `None` when longer than 10 bytes.
    pub fn parse(code: &str) -> Option<Currency> {
        match code {
            "GBP" => Some(Currency::Gbp),
            "EUR" => Some(Currency::Eur),
            _ => {
                let mut bytes = [0u8; CurrencyCode::CAPACITY];
                bytes.get_mut(..code.len())?.copy_from_slice(code.as_bytes());
                Some(Currency::Other(CurrencyCode { len: code.len() as u8, bytes }))
            }
        }
    }

    /// The code, e.g. `"GBP"`.
    pub fn as_str(&self) -> &str {
        match self {
            Currency::Gbp => "GBP",
            Currency::Eur => "EUR",
            Currency::Other(c) => c.as_str(),
        }
    }

    /// Digits after the decimal point in this currency's minor unit, where known.
    pub fn minor_digits(&self) -> Option<u32> {
        match self {
            Currency::Gbp | Currency::Eur => Some(2),
            Currency::Other(_) => None,
        }
    }

    /// Checks the code is three ASCII letters, as the API requires of requests.
    pub fn validate(&self, field: &'static str) -> Result<(), ValidationError> {
        let s = self.as_str();
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(())
        } else {
            Err(ValidationError::new(field, ValidationErrorKind::InvalidCurrency))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = crate::json::Text::deserialize(d)?;
        // Without escapes (as the API writes codes): parsed in place, no copy.
        if let Some(plain) = text.as_str().filter(|s| s.len() <= CurrencyCode::CAPACITY) {
            return Currency::parse(plain)
                .ok_or_else(|| de::Error::invalid_length(plain.len(), &"a currency code of at most 10 bytes"));
        }
        let mut buf = [0u8; CurrencyCode::CAPACITY];
        let code = text
            .copy_to(&mut buf)
            .map_err(|_| de::Error::invalid_length(text.len(), &"a currency code of at most 10 bytes"))?;
        Currency::parse(code)
            .ok_or_else(|| de::Error::invalid_length(code.len(), &"a currency code of at most 10 bytes"))
    }
}

/// Decodes an amount in minor units from a JSON integer or a string of digits
/// (optionally signed), as the API sends both.
pub(crate) fn deserialize_minor_units<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(MinorUnits)
}

struct MinorUnits;

impl<'de> Visitor<'de> for MinorUnits {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer amount in minor units, as a number or a string of digits")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Err(E::invalid_type(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        parse_minor_units(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// `[-]digits` to an i64, or `None` (empty, other characters, out of range).
pub(crate) fn parse_minor_units(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        v = v.checked_mul(10)?;
        v = if neg { v.checked_sub(d)? } else { v.checked_add(d)? };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minor_unit_strings() {
        assert_eq!(parse_minor_units("1000"), Some(1000));
        assert_eq!(parse_minor_units("-5"), Some(-5));
        assert_eq!(parse_minor_units("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_minor_units("-9223372036854775808"), Some(i64::MIN));
        for bad in ["", "-", "9223372036854775808", "1.5", "1e3", " 1", "+1", "١"] {
            assert_eq!(parse_minor_units(bad), None, "{bad}");
        }
    }

    #[test]
    fn displays_major_units() {
        assert_eq!(format!("{}", Money::gbp(1000)), "10.00 GBP");
        assert_eq!(format!("{}", Money::eur(-5)), "-0.05 EUR");
        let other = Money::new(1000, Currency::parse("JPY").unwrap());
        assert_eq!(format!("{other}"), "1000 JPY");
    }

    #[test]
    fn currency_validation() {
        assert!(Currency::Gbp.validate("c").is_ok());
        assert!(Currency::parse("USD").unwrap().validate("c").is_ok());
        for bad in ["usd", "US", "USDT", ""] {
            assert_eq!(
                Currency::parse(bad).unwrap().validate("c"),
                Err(ValidationError::new("c", ValidationErrorKind::InvalidCurrency))
            );
        }
        assert!(Currency::parse("ABCDEFGHIJK").is_none());
        assert_eq!(Money::gbp(0).validate_positive("amount").unwrap_err().kind, ValidationErrorKind::NotPositive);
    }
}
