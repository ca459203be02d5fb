//! Reading and writing one figure by its kind: counts (`40`), percentages (`96`, `96%`,
//! `96.5 %`) and durations (`1h 30m`, `45m`, `90s`, `1:30`, `1:30:15`; a bare number is
//! minutes), stored as plain numbers (durations in seconds).

use super::definition::MetricKind;
use statbot_core::numbers::{grouped, trim_zeros};

/// The largest count accepted for one day: anything above is a typo.
const MAX_COUNT: f64 = 1e9;
/// The longest duration accepted, in seconds (a year).
const MAX_DURATION_SECS: f64 = 366.0 * 86_400.0;

/// Parses a figure typed by a person; the error is a sentence saying what is expected.
pub fn parse(kind: MetricKind, text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(expected(kind));
    }
    match kind {
        MetricKind::Count => {
            let value: u64 = text.replace([',', '_'], "").parse().map_err(|_| expected(kind))?;
            let value = value as f64;
            if value > MAX_COUNT {
                return Err(format!("{text} is too large for one day's count"));
            }
            Ok(value)
        }
        MetricKind::Percent => {
            let number = text.strip_suffix('%').unwrap_or(text).trim();
            let value: f64 = number.parse().map_err(|_| expected(kind))?;
            if !(0.0..=100.0).contains(&value) {
                return Err(format!("a percentage is between 0 and 100, not {number}"));
            }
            Ok(value)
        }
        MetricKind::Duration => {
            let secs = parse_duration(text).ok_or_else(|| expected(kind))?;
            if secs > MAX_DURATION_SECS {
                return Err(format!("{text} is longer than a year"));
            }
            Ok(secs)
        }
    }
}

/// Whether a text is written as a percentage (`96%`), not a count.
pub fn is_percentage(text: &str) -> bool {
    text.trim().ends_with('%')
}

fn expected(kind: MetricKind) -> String {
    match kind {
        MetricKind::Count => "enter a whole number, 0 or more (e.g. 42)".into(),
        MetricKind::Percent => "enter a percentage between 0 and 100 (e.g. 96 or 96.5%)".into(),
        MetricKind::Duration => "enter a duration such as 1h 30m, 45m, 90s or 1:30 (a bare number is minutes)".into(),
    }
}

fn parse_duration(text: &str) -> Option<f64> {
    if text.contains(':') {
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let numbers: Vec<f64> = parts.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
        if numbers[1..].iter().any(|&n| n >= 60.0) {
            return None;
        }
        return Some(match numbers.as_slice() {
            [h, m] => h * 3600.0 + m * 60.0,
            [h, m, s] => h * 3600.0 + m * 60.0 + s,
            _ => return None,
        });
    }
    if let Ok(minutes) = text.parse::<f64>() {
        return (minutes.is_finite() && minutes >= 0.0).then_some(minutes * 60.0);
    }
    let mut total = 0.0;
    let mut rest = text;
    let mut seen_any = false;
    while !rest.trim_start().is_empty() {
        rest = rest.trim_start();
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            _ => return None,
        };
        total += number * unit;
        rest = &rest[unit_len..];
        seen_any = true;
    }
    seen_any.then_some(total)
}

/// Writes a figure for people: `1,234`, `96.5%`, `1h 05m`; `decimals` applies to averages.
pub fn format(kind: MetricKind, value: f64, decimals: usize) -> String {
    match kind {
        MetricKind::Count => grouped(value, decimals),
        MetricKind::Percent => format!("{}%", trim_zeros(&grouped(value, 1))),
        MetricKind::Duration => {
            let secs = value.round() as i64;
            let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
            match (h, m, s) {
                (0, 0, s) => format!("{s}s"),
                (0, m, 0) => format!("{m}m"),
                (0, m, s) => format!("{m}m {s:02}s"),
                (h, m, _) => format!("{h}h {m:02}m"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MetricKind::{Count, Duration, Percent};

    #[test]
    fn figures_parse_by_kind() {
        assert_eq!(parse(Count, " 1,200 "), Ok(1200.0));
        assert_eq!(parse(Percent, "96.5%"), Ok(96.5));
        assert_eq!(parse(Percent, "96"), Ok(96.0));
        assert_eq!(parse(Duration, "1h 30m"), Ok(5400.0));
        assert_eq!(parse(Duration, "1:30"), Ok(5400.0));
        assert_eq!(parse(Duration, "0:01:05"), Ok(65.0));
        assert_eq!(parse(Duration, "45"), Ok(2700.0));
        assert_eq!(parse(Duration, "90s"), Ok(90.0));
        assert_eq!(parse(Duration, "2 hours 5 min"), Ok(7500.0));
    }

    #[test]
    fn bad_figures_say_what_is_expected() {
        assert!(parse(Count, "-3").unwrap_err().contains("whole number"));
        assert!(parse(Count, "4.5").unwrap_err().contains("whole number"));
        assert!(parse(Count, "").unwrap_err().contains("whole number"));
        assert!(parse(Count, "forty").unwrap_err().contains("whole number"));
        assert!(parse(Percent, "120").unwrap_err().contains("between 0 and 100"));
        assert!(parse(Percent, "NaN%").is_err());
        assert!(parse(Duration, "1:75").is_err());
        assert!(parse(Duration, "3 days").is_err());
        assert!(parse(Duration, "400000h").unwrap_err().contains("longer than a year"));
    }

    #[test]
    fn figures_are_written_for_people() {
        assert_eq!(format(Count, 1234.0, 0), "1,234");
        assert_eq!(format(Count, 1234.567, 1), "1,234.6");
        assert_eq!(format(Percent, 96.0, 1), "96%");
        assert_eq!(format(Percent, 96.26, 1), "96.3%");
        assert_eq!(format(Duration, 3900.0, 0), "1h 05m");
        assert_eq!(format(Duration, 65.0, 0), "1m 05s");
        assert_eq!(format(Duration, 45.0, 0), "45s");
        assert_eq!(grouped(-0.01, 1), "0.0");
        assert_eq!(grouped(-1234.0, 0), "-1,234");
        assert_eq!(format(Count, -0.5, 0), "0", "a value that rounds to zero has no sign");
    }
}

/// Property tests: any text typed as a figure of any kind gives a stored value within the
/// kind's bounds or a sentence, never a panic; a figure written for people reads back as the
/// same value.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    fn kind() -> impl Strategy<Value = MetricKind> {
        prop::sample::select(vec![MetricKind::Count, MetricKind::Percent, MetricKind::Duration])
    }

    /// Texts shaped like figures (digits, separators, signs, units, colons) among any text.
    fn figure_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "0",
            "1",
            "12",
            "007",
            "4.5",
            ".5",
            "5.",
            "1e3",
            "1e999",
            "-",
            "+",
            ",",
            "_",
            ":",
            "%",
            " %",
            " ",
            "h",
            "hr",
            "m",
            "min",
            "s",
            "secs",
            "hours",
            "NaN",
            "inf",
            "99999999999999999999",
            "٣",
            "½",
            "\u{0}",
        ]);
        prop_oneof![
            fuzz::any_text(),
            prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat()),
            any::<f64>().prop_map(|x| x.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
        ]
    }

    proptest! {
        #![proptest_config(fuzz::config(512))]

        #[test]
        fn any_text_gives_a_figure_in_bounds_or_a_sentence(kind in kind(), text in figure_text()) {
            match parse(kind, &text) {
                Ok(value) => {
                    prop_assert!(value.is_finite() && value >= 0.0, "{text:?} gave {value}");
                    match kind {
                        MetricKind::Count => prop_assert!(value.fract() == 0.0 && value <= MAX_COUNT),
                        MetricKind::Percent => prop_assert!(value <= 100.0),
                        MetricKind::Duration => prop_assert!(value <= MAX_DURATION_SECS),
                    }
                    prop_assert!(!format(kind, value, 1).is_empty());
                }
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }

        #[test]
        fn a_count_written_reads_back(count in prop_oneof![0u64..1000, 0u64..=1_000_000_000]) {
            let written = format(MetricKind::Count, count as f64, 0);
            prop_assert_eq!(parse(MetricKind::Count, &written), Ok(count as f64), "{}", written);
        }

        #[test]
        fn a_percentage_written_reads_back(tenths in 0u32..=1000) {
            let percent = f64::from(tenths) / 10.0;
            let written = format(MetricKind::Percent, percent, 1);
            prop_assert_eq!(parse(MetricKind::Percent, &written), Ok(percent), "{}", written);
        }

        #[test]
        fn a_duration_written_reads_back(
            secs in prop_oneof![(0u32..8784, 0u32..60).prop_map(|(h, m)| h * 3600 + m * 60), 0u32..3600],
        ) {
            let written = format(MetricKind::Duration, f64::from(secs), 0);
            prop_assert_eq!(parse(MetricKind::Duration, &written), Ok(f64::from(secs)), "{}", written);
        }

        #[test]
        fn any_value_is_written_without_panicking(kind in kind(), value in any::<f64>(), decimals in 0usize..20) {
            prop_assert!(!format(kind, value, decimals).is_empty());
        }
    }
}
