//! Amounts in minor units written for people: `$1,234.56`, `€12.00`, `¥1,200`, `1,234.567 KWD`.
//! The currency's exponent is Stripe's: most have two decimals, a few none or three.

/// Currencies Stripe treats as having no minor unit.
const ZERO_DECIMAL: &[&str] =
    &["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

/// Digits after the decimal point.
pub fn exponent(currency: &str) -> u32 {
    let currency = currency.to_ascii_lowercase();
    if ZERO_DECIMAL.contains(&currency.as_str()) {
        0
    } else if THREE_DECIMAL.contains(&currency.as_str()) {
        3
    } else {
        2
    }
}

/// The sign written before amounts of the currency, for the few currencies that have a well-known one.
pub fn symbol(currency: &str) -> Option<&'static str> {
    match currency.to_ascii_lowercase().as_str() {
        "usd" => Some("$"),
        "eur" => Some("€"),
        "gbp" => Some("£"),
        "jpy" => Some("¥"),
        "inr" => Some("₹"),
        _ => None,
    }
}

/// Groups thousands with commas.
fn grouped(whole: u64) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The amount with its currency's symbol (or code) and decimals.
pub fn format(amount: i64, currency: &str) -> String {
    let places = exponent(currency);
    let scale = 10u64.pow(places);
    let magnitude = amount.unsigned_abs();
    let number = if places == 0 {
        grouped(magnitude)
    } else {
        format!("{}.{:0width$}", grouped(magnitude / scale), magnitude % scale, width = places as usize)
    };
    let sign = if amount < 0 { "-" } else { "" };
    match symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{number}"),
        None => format!("{sign}{number} {}", currency.to_ascii_uppercase()),
    }
}

/// The amount as a decimal number of major units (for charts and CSV), exact in its digits.
pub fn major(amount: i64, currency: &str) -> f64 {
    amount as f64 / 10f64.powi(exponent(currency) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_with_their_currency() {
        assert_eq!(format(123_456, "usd"), "$1,234.56");
        assert_eq!(format(-1_500, "eur"), "-€15.00");
        assert_eq!(format(5, "gbp"), "£0.05");
        assert_eq!(format(1_200, "JPY"), "¥1,200");
        assert_eq!(format(1_234_567, "kwd"), "1,234.567 KWD");
        assert_eq!(format(99, "chf"), "0.99 CHF");
        assert_eq!(major(1_999, "usd"), 19.99);
        assert_eq!(major(1_999, "jpy"), 1999.0);
    }
}
