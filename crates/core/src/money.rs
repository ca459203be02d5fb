//! Money in integer minor units (cents, pence, yen, fils) with its currency, as Stripe counts it,
//! and the one currency table: how many decimals each currency has and which sign it is written
//! with. Amounts are never floats: sums and products are checked, and a sum of two currencies is
//! an error rather than a number. Amounts are written for people (`$1,234.56`, `€12.00`,
//! `¥1,200`, `1,234.567 KWD`) and as major units for charts and CSV from this table alone.

use crate::numbers;
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
    #[error("`{0}` is not an amount of {1}: write it like 5.00, with at most the currency's decimals")]
    BadMajor(String, Currency),
}

/// The currency table: `(code, exponent, symbol)` for every currency whose amounts do not have
/// two decimals, and for the few with a well-known symbol. Any other currency has two decimals
/// and is written with its code after the amount.
///
/// The exponents are Stripe's (<https://docs.stripe.com/currencies>): its zero-decimal and its
/// three-decimal currencies. ISK, HUF and TWD, which Stripe lists as special cases, keep two
/// decimals in its API (an ISK amount of `100` is one króna), so they are not here.
const CURRENCIES: &[(&str, u32, Option<&str>)] = &[
    // Stripe's zero-decimal currencies: the minor unit is the unit itself.
    ("bif", 0, None),
    ("clp", 0, None),
    ("djf", 0, None),
    ("gnf", 0, None),
    ("jpy", 0, Some("¥")),
    ("kmf", 0, None),
    ("krw", 0, None),
    ("mga", 0, None),
    ("pyg", 0, None),
    ("rwf", 0, None),
    ("ugx", 0, None),
    ("vnd", 0, None),
    ("vuv", 0, None),
    ("xaf", 0, None),
    ("xof", 0, None),
    ("xpf", 0, None),
    // Stripe's three-decimal currencies: a thousand minor units to the unit.
    ("bhd", 3, None),
    ("jod", 3, None),
    ("kwd", 3, None),
    ("omr", 3, None),
    ("tnd", 3, None),
    // Two decimals, written with a symbol.
    ("eur", 2, Some("€")),
    ("gbp", 2, Some("£")),
    ("inr", 2, Some("₹")),
    ("usd", 2, Some("$")),
];

/// The currency's row in [`CURRENCIES`], whatever the case of its code.
fn row(code: &str) -> Option<&'static (&'static str, u32, Option<&'static str>)> {
    CURRENCIES.iter().find(|(known, ..)| known.eq_ignore_ascii_case(code))
}

/// Digits after the decimal point of the currency (`usd` 2, `jpy` 0, `kwd` 3), in any case:
/// an amount is this many powers of ten of minor units per unit, as in Stripe's API.
pub fn exponent(code: &str) -> u32 {
    row(code).map_or(2, |&(_, exponent, _)| exponent)
}

/// The sign written before amounts of the currency, for the few that have a well-known one.
pub fn symbol(code: &str) -> Option<&'static str> {
    row(code).and_then(|&(.., symbol)| symbol)
}

/// The currencies whose amounts do not have two decimals, with their exponents (`("jpy", 0)`,
/// `("kwd", 3)`): for a page that writes amounts itself, so that it counts as statbot does.
pub fn exponents() -> impl Iterator<Item = (&'static str, u32)> {
    CURRENCIES.iter().filter(|&&(_, exponent, _)| exponent != 2).map(|&(code, exponent, _)| (code, exponent))
}

/// An amount in minor units for people, with its currency's decimals and its symbol before it
/// (`$1,234.56`, `-€15.00`, `¥1,200`) or its code after it (`1,234.567 KWD`, `0.99 CHF`).
pub fn format(amount: i64, code: &str) -> String {
    let number = numbers::grouped_units(amount, exponent(code));
    match symbol(code) {
        Some(symbol) => numbers::prefixed(&number, symbol),
        None => format!("{number} {}", code.to_ascii_uppercase()),
    }
}

/// An amount in minor units as a number of major units, for charts and CSV: `1999 usd` →
/// `19.99`, `1999 jpy` → `1999.0`, `1234567 kwd` → `1234.567`. Exact in its digits: the float
/// nearest to the decimal, which is written back as that decimal.
pub fn major(amount: i64, code: &str) -> f64 {
    amount as f64 / 10f64.powi(exponent(code) as i32)
}

impl Currency {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point when shown to people: the currency's [`exponent`].
    pub fn decimals(&self) -> u32 {
        exponent(&self.0)
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

    /// An amount written in major units (`"5.00"`, `"5"`, `"1200"` yen, `"1.250"` dinars), with
    /// at most the currency's decimals.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let decimals = currency.decimals() as usize;
        let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > decimals || whole.len() > 12 {
            return Err(MoneyError::BadMajor(text.chars().take(16).collect(), currency));
        }
        let padded = format!("{whole}{fraction:0<decimals$}");
        let amount = padded.parse().map_err(|_| MoneyError::Overflow)?;
        Money::new(amount, currency)
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

/// `12.50 EUR`, `1200 JPY`, `1234.567 KWD`: the plain amount and its code, for logs and errors;
/// [`format()`] writes it for people.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = numbers::fixed_point(self.amount, self.currency.decimals());
        write!(f, "{amount} {}", self.currency.as_str().to_ascii_uppercase())
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
    fn major_amounts_are_read_to_minor_units() {
        let usd: Currency = "usd".parse().unwrap();
        assert_eq!(Money::parse_major("5.00", usd.clone()).unwrap().amount, 500);
        assert_eq!(Money::parse_major("5", usd.clone()).unwrap().amount, 500);
        assert_eq!(Money::parse_major("0.5", usd.clone()).unwrap().amount, 50);
        assert_eq!(Money::parse_major("1200", "jpy".parse().unwrap()).unwrap().amount, 1200);
        assert_eq!(Money::parse_major("1.250", "kwd".parse().unwrap()).unwrap().amount, 1250);
        assert!(Money::parse_major("5.001", usd.clone()).is_err());
        assert!(Money::parse_major("1.5", "jpy".parse().unwrap()).is_err());
        assert!(Money::parse_major("-5", usd.clone()).is_err());
        assert!(Money::parse_major("five", usd).is_err());
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

    fn codes_with(exponent: u32) -> Vec<&'static str> {
        CURRENCIES.iter().filter(|row| row.1 == exponent).map(|row| row.0).collect()
    }

    #[test]
    fn the_table_lists_stripes_zero_and_three_decimal_currencies() {
        let zero = [
            "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof",
            "xpf",
        ];
        assert_eq!(codes_with(0), zero);
        assert_eq!(codes_with(3), ["bhd", "jod", "kwd", "omr", "tnd"]);
        assert!(CURRENCIES.iter().all(|&(code, exponent, _)| code.parse::<Currency>().unwrap().decimals() == exponent));
        for special in ["isk", "huf", "twd", "chf"] {
            assert_eq!(exponent(special), 2, "{special}");
        }
        assert_eq!(exponents().count(), 21);
        assert!(exponents().all(|(code, exponent)| self::exponent(code) == exponent && exponent != 2));
    }

    #[test]
    fn zero_decimal_currencies_have_no_minor_unit() {
        let jpy: Currency = "JPY".parse().unwrap();
        assert_eq!((jpy.decimals(), exponent("jpy"), exponent("KRW")), (0, 0, 0));
        assert_eq!(format(1_200, "jpy"), "¥1,200");
        assert_eq!(format(-1_234_567, "JPY"), "-¥1,234,567");
        assert_eq!(format(1_200, "krw"), "1,200 KRW");
        assert_eq!(major(1_999, "jpy"), 1999.0);
        assert_eq!(Money::new(1_200, "krw".parse().unwrap()).unwrap().to_string(), "1200 KRW");
    }

    #[test]
    fn two_decimal_currencies_count_cents() {
        let usd: Currency = "usd".parse().unwrap();
        assert_eq!((usd.decimals(), exponent("USD"), exponent("eur"), exponent("chf")), (2, 2, 2, 2));
        assert_eq!(format(123_456, "usd"), "$1,234.56");
        assert_eq!(format(1_200, "eur"), "€12.00");
        assert_eq!(format(-1_500, "EUR"), "-€15.00");
        assert_eq!(format(5, "gbp"), "£0.05");
        assert_eq!(format(99, "chf"), "0.99 CHF");
        assert_eq!(major(1_999, "usd"), 19.99);
        assert_eq!(major(-5, "eur"), -0.05);
        assert_eq!(eur(99_999_999).to_string(), "999999.99 EUR");
    }

    #[test]
    fn three_decimal_currencies_count_thousandths() {
        let kwd: Currency = "KWD".parse().unwrap();
        assert_eq!(kwd.decimals(), 3);
        assert_eq!([exponent("bhd"), exponent("JOD"), exponent("kwd"), exponent("omr"), exponent("tnd")], [3; 5]);
        assert_eq!(format(1_234_567, "kwd"), "1,234.567 KWD");
        assert_eq!(format(-50, "bhd"), "-0.050 BHD");
        assert_eq!(format(1_000, "tnd"), "1.000 TND");
        assert_eq!(major(1_234_567, "kwd"), 1234.567);
        assert_eq!(major(5, "omr"), 0.005);
        let price = Money::new(1_234_560, kwd).unwrap();
        assert_eq!(price.to_string(), "1234.560 KWD");
        assert_eq!(price.times(2).unwrap().to_string(), "2469.120 KWD");
    }

    #[test]
    fn major_units_are_written_back_as_the_same_decimal() {
        for (amount, code) in [(1_234_567, "kwd"), (1_999, "usd"), (7, "jod"), (99_999_999, "bhd"), (1_200, "jpy")] {
            let written = major(amount, code).to_string();
            let expected = numbers::fixed_point(amount, exponent(code));
            assert_eq!(numbers::trim_zeros(&expected), written, "{amount} {code}");
        }
    }
}
