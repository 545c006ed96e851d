//! Amounts as people write them (`10.00`, `10`, `0.5`) converted to minor units exactly.

use std::fmt;

use dojo_core::money::AmountError as DecimalError;
use dojo_core::{Currency, Money};

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AmountError {
    /// Not a plain decimal number.
    NotANumber(String),
    /// Below or equal to zero.
    NotPositive(String),
    /// More decimal places than the currency has.
    TooPrecise { amount: String, currency: String, digits: u32 },
    /// Larger than the API can carry.
    TooLarge(String),
    /// A currency the API does not take.
    UnsupportedCurrency(String),
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::NotANumber(a) => {
                write!(
                    f,
                    "amount {a:?} is not a plain decimal number: write it like 10.00 (no sign, spaces, commas or exponent)"
                )
            }
            AmountError::NotPositive(a) => write!(f, "amount {a:?} must be greater than zero"),
            AmountError::TooPrecise { amount, currency, digits } => write!(
                f,
                "amount {amount:?} has more than {digits} decimal places, which {currency} cannot carry: round it yourself (nothing is rounded for you)"
            ),
            AmountError::TooLarge(a) => write!(f, "amount {a:?} is too large for the API"),
            AmountError::UnsupportedCurrency(c) => {
                write!(f, "currency {c:?} is not supported: Dojo takes GBP or EUR")
            }
        }
    }
}

impl std::error::Error for AmountError {}

/// Parses a currency code (case-insensitive): GBP or EUR.
pub(crate) fn parse_currency(code: &str) -> Result<Currency, AmountError> {
    match code.to_ascii_uppercase().as_str() {
        "GBP" => Ok(Currency::Gbp),
        "EUR" => Ok(Currency::Eur),
        _ => Err(AmountError::UnsupportedCurrency(code.to_owned())),
    }
}

/// Converts `amount` of `currency` to minor units exactly: `10.00` GBP is 1000. The
/// parsing is dojo-core's ([`Money::parse_decimal`], beside `Money`'s formatting); the
/// command line also refuses zero, and names what was typed in its messages.
pub(crate) fn parse_amount(amount: &str, currency: Currency) -> Result<Money, AmountError> {
    match Money::parse_decimal(amount, currency) {
        Ok(money) if money.value > 0 => Ok(money),
        Ok(_) | Err(DecimalError::Negative) => Err(AmountError::NotPositive(amount.to_owned())),
        Err(DecimalError::TooPrecise { digits }) => {
            Err(AmountError::TooPrecise { amount: amount.to_owned(), currency: currency.to_string(), digits })
        }
        Err(DecimalError::TooLarge) => Err(AmountError::TooLarge(amount.to_owned())),
        Err(DecimalError::UnknownMinorUnit) => Err(AmountError::UnsupportedCurrency(currency.to_string())),
        Err(_) => Err(AmountError::NotANumber(amount.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The parsing itself is dojo-core's and tested there (`money.rs`); these check what
    // the command line adds: zero refused, and each refusal naming what was typed.

    #[test]
    fn converts_through_dojo_core() {
        assert_eq!(parse_amount("10.50", Currency::Gbp), Ok(Money::gbp(1050)));
        assert_eq!(parse_amount("1.23", Currency::Eur), Ok(Money::eur(123)));
    }

    #[test]
    fn each_refusal_names_the_amount() {
        let gbp = |s: &str| parse_amount(s, Currency::Gbp);
        assert_eq!(gbp("0.00"), Err(AmountError::NotPositive("0.00".into())));
        assert_eq!(gbp("-1"), Err(AmountError::NotPositive("-1".into())));
        assert_eq!(gbp("1e3"), Err(AmountError::NotANumber("1e3".into())));
        assert_eq!(gbp("9".repeat(30).as_str()), Err(AmountError::TooLarge("9".repeat(30))));
        assert_eq!(
            gbp("10.001"),
            Err(AmountError::TooPrecise { amount: "10.001".into(), currency: "GBP".into(), digits: 2 })
        );
        let yen = Currency::parse("JPY").unwrap();
        assert_eq!(parse_amount("10", yen), Err(AmountError::UnsupportedCurrency("JPY".into())));
    }

    #[test]
    fn currencies() {
        assert!(matches!(parse_currency("usd"), Err(AmountError::UnsupportedCurrency(_))));
        assert_eq!(parse_currency("gbp"), Ok(Currency::Gbp));
    }
}
