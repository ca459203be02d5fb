//! Number labels for charts: counts, percentages, money, compact and axis tick labels. Digits are
//! grouped by `statbot_core::numbers`, as everywhere else in statbot.

use serde::{Deserialize, Serialize};
use statbot_core::numbers;

/// The most decimals any label shows; more is noise on a chart.
const MAX_DECIMALS: usize = 6;

/// How values are written on bars, funnel steps and the value axis.
///
/// Serialized with a `style` tag, e.g. `{"style": "money", "symbol": "$", "decimals": 2}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "style", rename_all = "snake_case")]
pub enum ValueFormat {
    /// Whole counts: `12,345`. Axis ticks stay on whole numbers. The default.
    #[default]
    Count,
    /// Plain numbers with a fixed number of decimals: `1,234.5`.
    Number { decimals: u8 },
    /// The value is already in percent: `42.5` is written `42.5%`.
    Percent { decimals: u8 },
    /// Money with the symbol before the amount: `$12,345.00`, `-€3.50`.
    Money { symbol: String, decimals: u8 },
}

impl ValueFormat {
    /// Writes `value` as a label, e.g. `12,345`, `42.5%` or `$1,200.00`.
    pub fn format(&self, value: f64) -> String {
        self.format_with(value, self.decimals(), "")
    }

    /// A short label for tight spaces: thousands and above become `12k`, `1.5M`, `$2.3B` (at most one
    /// decimal); smaller values are written as by [`ValueFormat::format`].
    pub fn compact(&self, value: f64) -> String {
        let abs = value.abs();
        let (divisor, suffix) = match abs {
            a if a >= 1e9 => (1e9, "B"),
            a if a >= 1e6 => (1e6, "M"),
            a if a >= 1e3 => (1e3, "k"),
            _ => return self.format(value),
        };
        let short = value / divisor;
        // One decimal below 100 (1.5k, 12.5k), none above (250k); "12.0k" is written "12k".
        let decimals = usize::from(short.abs() < 99.95 && (short * 10.0).round() % 10.0 != 0.0);
        self.format_with(short, decimals, suffix)
    }

    /// The decimals this format shows on value labels.
    pub(crate) fn decimals(&self) -> usize {
        match self {
            Self::Count => 0,
            Self::Number { decimals } | Self::Percent { decimals } | Self::Money { decimals, .. } => {
                usize::from(*decimals).min(MAX_DECIMALS)
            }
        }
    }

    /// True when values are whole numbers, so axis ticks must not fall between them.
    pub(crate) fn is_integral(&self) -> bool {
        matches!(self, Self::Count)
    }

    /// Writes an axis tick. `step` is the distance between ticks and `max_abs` the largest tick's magnitude:
    /// decimals follow the step (a 0.5 step shows `2.5`), and axes reaching millions or billions use a
    /// compact `M`/`B` suffix so the labels stay short (`$1.5M`).
    pub(crate) fn tick(&self, value: f64, step: f64, max_abs: f64) -> String {
        if value == 0.0 {
            return self.format_with(0.0, 0, "");
        }
        let (divisor, suffix) = if max_abs >= 1e9 {
            (1e9, "B")
        } else if max_abs >= 1e6 {
            (1e6, "M")
        } else {
            (1.0, "")
        };
        self.format_with(value / divisor, decimals_for_step(step / divisor), suffix)
    }

    fn format_with(&self, value: f64, decimals: usize, suffix: &str) -> String {
        // `-0.00` is zero: the sign only shows when a non-zero digit survived the rounding.
        let number = numbers::grouped(value, decimals);
        match self {
            Self::Count | Self::Number { .. } => format!("{number}{suffix}"),
            Self::Percent { .. } => format!("{number}{suffix}%"),
            Self::Money { symbol, .. } => format!("{}{suffix}", numbers::prefixed(&number, symbol)),
        }
    }
}

/// The fewest decimals that write every multiple of `step` exactly (0.25 → 2, 5 → 0).
pub(crate) fn decimals_for_step(step: f64) -> usize {
    (0..MAX_DECIMALS)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(MAX_DECIMALS)
}

/// A share in percent for funnel labels: one decimal, but `100%` and `0%` stay short.
pub(crate) fn percent_label(pct: f64) -> String {
    format!("{}%", numbers::trim_zeros(&format!("{pct:.1}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(ValueFormat::Count.format(12345.0), "12,345");
        assert_eq!(ValueFormat::Count.format(1234567.4), "1,234,567");
        assert_eq!(ValueFormat::Count.format(999.0), "999");
        assert_eq!(ValueFormat::Count.format(0.0), "0");
        assert_eq!(ValueFormat::Count.format(-1000.0), "-1,000");
    }

    #[test]
    fn negative_values_that_round_to_zero_have_no_sign() {
        assert_eq!(ValueFormat::Count.format(-0.2), "0");
        assert_eq!(ValueFormat::Number { decimals: 1 }.format(-0.04), "0.0");
    }

    #[test]
    fn percent_and_money_carry_their_marks() {
        assert_eq!(ValueFormat::Percent { decimals: 1 }.format(42.46), "42.5%");
        let usd = ValueFormat::Money { symbol: "$".into(), decimals: 2 };
        assert_eq!(usd.format(12345.5), "$12,345.50");
        assert_eq!(usd.format(-3.5), "-$3.50");
        assert_eq!(ValueFormat::Number { decimals: 2 }.format(1234.5), "1,234.50");
    }

    #[test]
    fn ticks_follow_the_step_and_compact_large_axes() {
        assert_eq!(ValueFormat::Count.tick(2.5, 0.5, 5.0), "2.5");
        assert_eq!(ValueFormat::Count.tick(20000.0, 5000.0, 20000.0), "20,000");
        assert_eq!(ValueFormat::Count.tick(1_500_000.0, 500_000.0, 2_000_000.0), "1.5M");
        assert_eq!(ValueFormat::Count.tick(0.0, 500_000.0, 2_000_000.0), "0");
        let usd = ValueFormat::Money { symbol: "$".into(), decimals: 2 };
        assert_eq!(usd.tick(2_000_000_000.0, 1e9, 3e9), "$2B");
        assert_eq!(usd.tick(500.0, 100.0, 1000.0), "$500");
    }

    #[test]
    fn compact_labels_are_short() {
        assert_eq!(ValueFormat::Count.compact(999.0), "999");
        assert_eq!(ValueFormat::Count.compact(12_000.0), "12k");
        assert_eq!(ValueFormat::Count.compact(7_500.0), "7.5k");
        assert_eq!(ValueFormat::Count.compact(-1_540.0), "-1.5k");
        assert_eq!(ValueFormat::Count.compact(250_400.0), "250k");
        let eur = ValueFormat::Money { symbol: "€".into(), decimals: 2 };
        assert_eq!(eur.compact(2_340_000.0), "€2.3M");
        assert_eq!(eur.compact(12.5), "€12.50");
    }

    #[test]
    fn step_decimals() {
        assert_eq!(decimals_for_step(5.0), 0);
        assert_eq!(decimals_for_step(0.5), 1);
        assert_eq!(decimals_for_step(0.25), 2);
        assert_eq!(decimals_for_step(0.1 + 0.2), 1);
    }

    #[test]
    fn funnel_percentages_stay_short() {
        assert_eq!(percent_label(100.0), "100%");
        assert_eq!(percent_label(42.04), "42%");
        assert_eq!(percent_label(3.26), "3.3%");
    }
}
