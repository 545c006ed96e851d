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

impl Money {
    /// Parses an amount as people write it, in major units (`10.00`, `10`, `0.5`), into
    /// exact minor units of `currency`: `10.00` GBP is `Money::gbp(1000)`. Nothing is
    /// rounded: more decimal places than the currency's minor unit has are refused
    /// unless they are zeros (`10.000` GBP is 1000, `10.001` is
    /// [`TooPrecise`](AmountError::TooPrecise)).
    ///
    /// Accepted: ASCII digits, optionally one `.` with digits on both sides. Refused as
    /// [`NotANumber`](AmountError::NotANumber): anything else — an empty text, a sign
    /// `+`, an exponent (`1e3`), `.5` or `1.`, white space, grouping (`1,000`),
    /// non-ASCII digits. A leading `-` is [`Negative`](AmountError::Negative); more than
    /// `i64::MAX` minor units is [`TooLarge`](AmountError::TooLarge); a currency whose
    /// minor unit is not known cannot be converted
    /// ([`UnknownMinorUnit`](AmountError::UnknownMinorUnit)). Zero is an amount (whether
    /// an operation takes it is the request's validation).
    ///
    /// ```
    /// use dojo_core::money::{AmountError, Currency, Money};
    ///
    /// assert_eq!(Money::parse_decimal("10.00", Currency::Gbp), Ok(Money::gbp(1000)));
    /// assert_eq!(Money::parse_decimal("0.5", Currency::Eur), Ok(Money::eur(50)));
    /// assert_eq!(Money::parse_decimal("1.005", Currency::Gbp), Err(AmountError::TooPrecise { digits: 2 }));
    /// // What it parses, Display writes back.
    /// assert_eq!(Money::gbp(1050).to_string(), "10.50 GBP");
    /// ```
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, AmountError> {
        let digits = currency.minor_digits().ok_or(AmountError::UnknownMinorUnit)?;
        if text.starts_with('-') {
            return Err(AmountError::Negative);
        }
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || (text.len() > whole.len() && !all_digits(frac)) {
            return Err(AmountError::NotANumber);
        }
        // Beyond the minor unit, only zeros may stand (they change nothing).
        let places = usize::try_from(digits).unwrap_or(usize::MAX);
        let (kept, extra) = frac.split_at(places.min(frac.len()));
        if extra.bytes().any(|b| b != b'0') {
            return Err(AmountError::TooPrecise { digits });
        }
        // whole × 10^digits + kept, padded with zeros to `digits` places.
        let mut value: i64 = 0;
        let padding = places.saturating_sub(kept.len());
        for d in whole.bytes().chain(kept.bytes()).map(|b| i64::from(b - b'0')).chain(core::iter::repeat_n(0, padding))
        {
            value = value.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or(AmountError::TooLarge)?;
        }
        Ok(Money::new(value, currency))
    }
}

/// Why [`Money::parse_decimal`] refused a text. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AmountError {
    /// Not a plain decimal number (digits, optionally one `.` between digits).
    NotANumber,
    /// A negative amount.
    Negative,
    /// More decimal places than the currency's minor unit has (`digits`), not all zeros.
    TooPrecise {
        /// The currency's decimal places.
        digits: u32,
    },
    /// More minor units than an `i64` holds.
    TooLarge,
    /// The currency's minor unit is not known, so a decimal amount cannot be converted
    /// (give it in minor units).
    UnknownMinorUnit,
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::NotANumber => f.write_str("not a plain decimal number (write it like 10.00)"),
            AmountError::Negative => f.write_str("a negative amount"),
            AmountError::TooPrecise { digits } => write!(f, "more than {digits} decimal places"),
            AmountError::TooLarge => f.write_str("too large"),
            AmountError::UnknownMinorUnit => f.write_str("the currency's minor unit is not known"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AmountError {}

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
///
/// Word-aligned: on a microcontroller without unaligned access (riscv32imc) every move of
/// an align-1 `Currency` (in each `Money`) was byte loads, shifts and ors. `Money` keeps
/// its size (24 bytes on 32-bit targets).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(align(4))]
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
    let (neg, digits) = match s.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // Nineteen digits stay under `u64::MAX`: no overflow check per digit (a checked
    // 64-bit multiply per digit is long on a 32-bit MCU), one range check at the end.
    let mut v: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    if neg { 0i64.checked_sub_unsigned(v) } else { i64::try_from(v).ok() }
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

    fn gbp(s: &str) -> Result<i64, AmountError> {
        Money::parse_decimal(s, Currency::Gbp).map(|m| m.value)
    }

    #[test]
    fn parses_decimal_amounts_exactly() {
        assert_eq!(gbp("10.00"), Ok(1000));
        assert_eq!(gbp("10"), Ok(1000));
        assert_eq!(gbp("10.5"), Ok(1050));
        assert_eq!(gbp("0.01"), Ok(1));
        assert_eq!(gbp("0.10"), Ok(10));
        assert_eq!(gbp("0"), Ok(0));
        assert_eq!(gbp("10.000"), Ok(1000));
        assert_eq!(gbp("1.0050000"), Err(AmountError::TooPrecise { digits: 2 }));
        assert_eq!(gbp("1.00000000000000000000000000"), Ok(100));
        assert_eq!(gbp("007.25"), Ok(725));
        assert_eq!(gbp("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(Money::parse_decimal("1.23", Currency::Eur), Ok(Money::eur(123)));
    }

    #[test]
    fn refuses_what_the_currency_cannot_carry() {
        assert_eq!(gbp("1.005"), Err(AmountError::TooPrecise { digits: 2 }));
        assert_eq!(gbp("10.001"), Err(AmountError::TooPrecise { digits: 2 }));
        assert_eq!(gbp("92233720368547758.08"), Err(AmountError::TooLarge));
        assert_eq!(gbp("99999999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(gbp(&"9".repeat(10_000)), Err(AmountError::TooLarge));
        assert_eq!(gbp("-1"), Err(AmountError::Negative));
        assert_eq!(gbp("-0.5"), Err(AmountError::Negative));
        assert_eq!(gbp("-x"), Err(AmountError::Negative));
        let yen = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse_decimal("10", yen), Err(AmountError::UnknownMinorUnit));
    }

    #[test]
    fn refuses_ugly_texts() {
        for bad in [
            "", ".", "1e3", "1E3", "+1", ".5", "1.", "1..2", "1.2.3", "1,000", " 10", "10 ", "\t1", "1\n", "ten",
            "0x10", "١٠", "１０", "1.٥", "1_000", "∞", "NaN", "1.-5",
        ] {
            assert_eq!(gbp(bad), Err(AmountError::NotANumber), "{bad:?}");
        }
    }

    #[test]
    fn parsing_inverts_display() {
        for v in [0, 1, 9, 10, 99, 100, 1050, 123_456, i64::MAX] {
            let shown = Money::gbp(v).to_string();
            let text = shown.strip_suffix(" GBP").unwrap();
            assert_eq!(gbp(text), Ok(v), "{shown}");
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
