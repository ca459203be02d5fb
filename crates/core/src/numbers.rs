//! Numbers written for people: commas between thousands (`1,234,567.8`), a fixed number of
//! decimals, no minus sign on a value that rounds to zero, a currency symbol after the sign
//! (`-$3.50`), trailing zeros trimmed where a label wants to be short (`96.5`, `100`). Every
//! number statbot writes for people (chart labels, dataset answers, team figures, amounts of
//! money) is grouped here.

/// `value` rounded to `decimals` places with commas between thousands: `-1234567.891, 1` →
/// `-1,234,567.9`. Trailing zeros are kept, so columns line up. A negative value that rounds to
/// zero has no sign (`-0.04, 1` → `0.0`, `-0.5, 0` → `0`): only a non-zero digit earns one.
pub fn grouped(value: f64, decimals: usize) -> String {
    let digits = group_digits(&format!("{:.decimals$}", value.abs()));
    let negative = value < 0.0 && digits.bytes().any(|b| matches!(b, b'1'..=b'9'));
    if negative { format!("-{digits}") } else { digits }
}

/// A whole number of units of `10^-exponent` (minor units: cents, fils) written exactly, with
/// commas between thousands: `123456, 2` → `1,234.56`, `-1234567, 3` → `-1,234.567`, `1200, 0`
/// → `1,200`.
pub fn grouped_units(units: i64, exponent: u32) -> String {
    group_digits(&fixed_point(units, exponent))
}

/// A whole number of units of `10^-exponent` written exactly, without grouping: `123456, 2` →
/// `1234.56`, `-5, 3` → `-0.005`, `1200, 0` → `1200`.
pub fn fixed_point(units: i64, exponent: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let places = exponent as usize;
    if places == 0 {
        return format!("{sign}{}", units.unsigned_abs());
    }
    let digits = format!("{:0>width$}", units.unsigned_abs(), width = places + 1);
    let (whole, fraction) = digits.split_at(digits.len() - places);
    format!("{sign}{whole}.{fraction}")
}

/// A mark written before a number but after its sign: `-1,234.50` with `$` → `-$1,234.50`.
pub fn prefixed(number: &str, prefix: &str) -> String {
    match number.strip_prefix('-') {
        Some(magnitude) => format!("-{prefix}{magnitude}"),
        None => format!("{prefix}{number}"),
    }
}

/// A decimal number without its trailing zeros, nor its point when nothing is left after it:
/// `96.50` → `96.5`, `100.0` → `100`. Numbers without a point are left alone (`100` stays).
pub fn trim_zeros(number: &str) -> &str {
    if number.contains('.') { number.trim_end_matches('0').trim_end_matches('.') } else { number }
}

/// Commas between the thousands of the whole part of a decimal number written in digits, with
/// an optional leading `-`: `-1234567.25` → `-1,234,567.25`. Anything else (`NaN`, `inf`) is
/// returned as it is.
fn group_digits(number: &str) -> String {
    let (sign, magnitude) = number.strip_prefix('-').map_or(("", number), |rest| ("-", rest));
    let (whole, fraction) = magnitude.split_at(magnitude.find('.').unwrap_or(magnitude.len()));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_owned();
    }
    let mut out = String::with_capacity(number.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out.push_str(fraction);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_with_commas() {
        assert_eq!(grouped(0.0, 0), "0");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1000.0, 0), "1,000");
        assert_eq!(grouped(12_345.0, 0), "12,345");
        assert_eq!(grouped(1_234_567.4, 0), "1,234,567");
        assert_eq!(grouped(123_456_789_012.0, 0), "123,456,789,012");
        assert_eq!(grouped(9e15, 0), "9,000,000,000,000,000");
    }

    #[test]
    fn decimals_are_rounded_and_their_zeros_kept() {
        assert_eq!(grouped(1234.5, 2), "1,234.50");
        assert_eq!(grouped(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(grouped(0.125, 2), "0.12", "an exact tie rounds to the even digit");
        assert_eq!(grouped(999.96, 1), "1,000.0", "rounding can add a group");
        assert_eq!(grouped(0.0, 3), "0.000");
    }

    #[test]
    fn negative_numbers_keep_their_sign() {
        assert_eq!(grouped(-1000.0, 0), "-1,000");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped(-0.06, 1), "-0.1");
        assert_eq!(grouped(-999_999.9, 0), "-1,000,000");
    }

    #[test]
    fn negative_values_that_round_to_zero_have_no_sign() {
        assert_eq!(grouped(-0.2, 0), "0");
        assert_eq!(grouped(-0.5, 0), "0", "0.5 rounds to the even 0");
        assert_eq!(grouped(-0.04, 1), "0.0");
        assert_eq!(grouped(-0.01, 1), "0.0");
        assert_eq!(grouped(-0.004, 2), "0.00");
        assert_eq!(grouped(-0.0, 0), "0");
    }

    #[test]
    fn what_is_not_a_number_is_written_as_such() {
        assert_eq!(grouped(f64::NAN, 2), "NaN");
        assert_eq!(grouped(f64::INFINITY, 0), "inf");
    }

    #[test]
    fn minor_units_are_written_exactly() {
        assert_eq!(grouped_units(123_456, 2), "1,234.56");
        assert_eq!(grouped_units(-1_500, 2), "-15.00");
        assert_eq!(grouped_units(5, 2), "0.05");
        assert_eq!(grouped_units(1_200, 0), "1,200");
        assert_eq!(grouped_units(1_234_567, 3), "1,234.567");
        assert_eq!(grouped_units(-5, 3), "-0.005");
        assert_eq!(grouped_units(0, 3), "0.000");
        assert_eq!(grouped_units(i64::MIN, 2), "-92,233,720,368,547,758.08");
        assert_eq!(grouped_units(i64::MAX, 0), "9,223,372,036,854,775,807");
        assert_eq!(fixed_point(1_234_567, 3), "1234.567");
        assert_eq!(fixed_point(-1_205, 2), "-12.05");
        assert_eq!(fixed_point(1_200, 0), "1200");
        assert_eq!(fixed_point(7, 4), "0.0007");
    }

    #[test]
    fn marks_go_after_the_sign() {
        assert_eq!(prefixed("1,234.50", "$"), "$1,234.50");
        assert_eq!(prefixed("-3.50", "€"), "-€3.50");
        assert_eq!(prefixed("0", "¥"), "¥0");
    }

    #[test]
    fn trailing_zeros_are_trimmed() {
        assert_eq!(trim_zeros("96.50"), "96.5");
        assert_eq!(trim_zeros("96.0"), "96");
        assert_eq!(trim_zeros("100.0"), "100");
        assert_eq!(trim_zeros("100"), "100");
        assert_eq!(trim_zeros("1,000.000"), "1,000");
        assert_eq!(trim_zeros("0.0"), "0");
    }
}
