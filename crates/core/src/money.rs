//! Money in integer minor units (cents, pence, yen) with its currency, as Stripe counts it.
//! Amounts are never floats: sums and products are checked, and a sum of two currencies is an
//! error rather than a number.

use std::fmt;
use std::str::FromStr;

/// An ISO 4217 code, kept lower-case as Stripe writes it (`eur`, `usd`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a currency: use a three-letter code such as eur or usd")]
    BadCurrency(String),
    #[error("an amount must be a whole number of minor units (cents) from 0 to {max}", max = Money::MAX_AMOUNT)]
    BadAmount,
    #[error("amounts in {0} and {1} cannot be added up")]
    MixedCurrencies(Currency, Currency),
    #[error("the total is too large")]
    Overflow,
}

/// Currencies whose minor unit is the unit itself (Stripe's zero-decimal currencies).
const ZERO_DECIMAL: &[&str] =
    &["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

impl Currency {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point when shown to people.
    pub fn decimals(&self) -> u32 {
        if ZERO_DECIMAL.contains(&self.0.as_str()) { 0 } else { 2 }
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_lowercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Currency(code))
        } else {
            Err(MoneyError::BadCurrency(s.chars().take(16).collect()))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: i64,
    pub currency: Currency,
}

impl Money {
    /// The largest amount accepted: Stripe's limit for a charge (eight digits of minor units).
    pub const MAX_AMOUNT: i64 = 99_999_999;

    /// A price or total: 0 to [`Money::MAX_AMOUNT`] minor units.
    pub fn new(amount: i64, currency: Currency) -> Result<Money, MoneyError> {
        if (0..=Self::MAX_AMOUNT).contains(&amount) {
            Ok(Money { amount, currency })
        } else {
            Err(MoneyError::BadAmount)
        }
    }

    /// `self × quantity`, refused past [`Money::MAX_AMOUNT`].
    pub fn times(&self, quantity: i64) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_mul(quantity).ok_or(MoneyError::Overflow)?;
        Money::new(amount, self.currency.clone()).map_err(|_| MoneyError::Overflow)
    }

    /// `self + other` in one currency, refused past [`Money::MAX_AMOUNT`].
    pub fn plus(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::MixedCurrencies(self.currency.clone(), other.currency.clone()));
        }
        let amount = self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?;
        Money::new(amount, self.currency.clone()).map_err(|_| MoneyError::Overflow)
    }
}

/// `12.50 EUR`, `1200 JPY`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.currency.as_str().to_ascii_uppercase();
        match self.currency.decimals() {
            0 => write!(f, "{} {code}", self.amount),
            _ => write!(f, "{}.{:02} {code}", self.amount / 100, self.amount % 100),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(amount: i64) -> Money {
        Money::new(amount, "EUR".parse().unwrap()).unwrap()
    }

    #[test]
    fn currencies_are_three_letters_kept_lower_case() {
        assert_eq!("EUR".parse::<Currency>().unwrap().as_str(), "eur");
        assert!("euro".parse::<Currency>().is_err());
        assert!("e1r".parse::<Currency>().is_err());
        assert!("".parse::<Currency>().is_err());
    }

    #[test]
    fn sums_and_products_are_checked() {
        assert_eq!(eur(1250).times(3).unwrap(), eur(3750));
        assert_eq!(eur(1250).plus(&eur(50)).unwrap(), eur(1300));
        assert_eq!(eur(Money::MAX_AMOUNT).times(2), Err(MoneyError::Overflow));
        assert_eq!(eur(1).times(i64::MAX), Err(MoneyError::Overflow));
        let usd = Money::new(1, "usd".parse().unwrap()).unwrap();
        assert!(matches!(eur(1).plus(&usd), Err(MoneyError::MixedCurrencies(..))));
        assert_eq!(Money::new(-1, "eur".parse().unwrap()), Err(MoneyError::BadAmount));
    }

    #[test]
    fn amounts_show_in_major_units() {
        assert_eq!(eur(1205).to_string(), "12.05 EUR");
        assert_eq!(Money::new(1200, "jpy".parse().unwrap()).unwrap().to_string(), "1200 JPY");
    }
}
