//! Cutting a range of days into the periods a series shows (days, Monday weeks, calendar
//! months, clipped to the range), and the previous range of equal length a report compares with.

use crate::dates::DayRange;
use jiff::civil::Date;
use serde::Serialize;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Period, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "days" => Ok(Period::Day),
            "week" | "weekly" | "weeks" => Ok(Period::Week),
            "month" | "monthly" | "months" => Ok(Period::Month),
            other => Err(format!("`{other}` is not a period: use day, week or month")),
        }
    }
}

impl Period {
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The period that suits a range's length: days up to two months, weeks up to about half a
    /// year, months beyond.
    pub fn for_range(range: DayRange) -> Period {
        match length(range) {
            ..=62 => Period::Day,
            63..=182 => Period::Week,
            _ => Period::Month,
        }
    }

    /// The first day of the period holding `day`.
    fn start_of(self, day: Date) -> Date {
        match self {
            Period::Day => day,
            Period::Week => {
                day.checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset()))).unwrap_or(day)
            }
            Period::Month => day.first_of_month(),
        }
    }

    fn next(self, start: Date) -> Option<Date> {
        let span = match self {
            Period::Day => jiff::Span::new().days(1),
            Period::Week => jiff::Span::new().weeks(1),
            Period::Month => jiff::Span::new().months(1),
        };
        start.checked_add(span).ok()
    }
}

/// Extra days before the last in a metric's default range: thirty days.
pub const DEFAULT_EXTRA_DAYS: i64 = 29;

/// The range a metric is asked for: `from`..`to`, `from` plus `days` extra days, or `days`
/// (thirty days by default) up to `to` (today by default).
pub fn asked_range(from: Option<&str>, to: Option<&str>, days: Option<i64>, today: Date) -> Result<DayRange, String> {
    let days = if from.is_none() { days.or(Some(DEFAULT_EXTRA_DAYS)) } else { days };
    DayRange::parse(from, to, days, today)
}

/// Days in the range, both ends included.
pub fn length(range: DayRange) -> i64 {
    range.from.until(range.to).map(|s| s.get_days() as i64).unwrap_or(0) + 1
}

/// The periods covering the range, each clipped to it, in order.
pub fn split(range: DayRange, period: Period) -> Vec<DayRange> {
    let mut out = Vec::new();
    let mut start = period.start_of(range.from);
    while start <= range.to {
        // The calendar's last period has no next one: it runs to the range's end.
        let next = period.next(start);
        let last = next.and_then(|next| next.yesterday().ok()).unwrap_or(Date::MAX);
        out.push(DayRange { from: start.max(range.from), to: last.min(range.to) });
        let Some(next) = next else { break };
        start = next;
    }
    out
}

/// The range of equal length that ends the day before this one starts.
pub fn previous(range: DayRange) -> DayRange {
    let days = length(range);
    let to = range.from.yesterday().unwrap_or(range.from);
    let from = to.checked_sub(jiff::Span::new().days(days - 1)).unwrap_or(to);
    DayRange { from, to }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn range(from: Date, to: Date) -> DayRange {
        DayRange { from, to }
    }

    #[test]
    fn weeks_start_on_monday_and_are_clipped_to_the_range() {
        // 2026-11-04 is a Wednesday.
        let weeks = split(range(date(2026, 11, 4), date(2026, 11, 17)), Period::Week);
        assert_eq!(
            weeks,
            [
                range(date(2026, 11, 4), date(2026, 11, 8)),
                range(date(2026, 11, 9), date(2026, 11, 15)),
                range(date(2026, 11, 16), date(2026, 11, 17))
            ]
        );
    }

    #[test]
    fn months_and_days() {
        let months = split(range(date(2026, 1, 15), date(2026, 3, 31)), Period::Month);
        assert_eq!(months.len(), 3);
        assert_eq!(months[1], range(date(2026, 2, 1), date(2026, 2, 28)));
        assert_eq!(split(range(date(2026, 3, 1), date(2026, 3, 3)), Period::Day).len(), 3);
    }

    /// Found by the date properties (`sales::when`): the last period of the calendar (the day,
    /// week or month ending 9999-12-31) was left out, as it has no next period.
    #[test]
    fn the_calendar_s_last_period_is_kept() {
        let end = range(date(9999, 12, 30), date(9999, 12, 31));
        assert_eq!(
            split(end, Period::Day),
            [range(date(9999, 12, 30), date(9999, 12, 30)), range(date(9999, 12, 31), date(9999, 12, 31))]
        );
        assert_eq!(split(end, Period::Week), [end]);
        assert_eq!(split(end, Period::Month), [end]);
    }

    #[test]
    fn a_metric_s_range_is_thirty_days_unless_told() {
        let today = date(2026, 11, 24);
        assert_eq!(asked_range(None, None, None, today), Ok(range(date(2026, 10, 26), today)));
        assert_eq!(asked_range(None, None, Some(6), today), Ok(range(date(2026, 11, 18), today)));
        assert_eq!(asked_range(Some("2026-11-01"), None, None, today), Ok(range(date(2026, 11, 1), today)));
        assert_eq!(
            asked_range(Some("2026-11-01"), None, Some(2), today),
            Ok(range(date(2026, 11, 1), date(2026, 11, 3)))
        );
    }

    #[test]
    fn the_previous_range_has_the_same_length() {
        let march = range(date(2026, 3, 1), date(2026, 3, 31));
        assert_eq!(previous(march), range(date(2026, 1, 29), date(2026, 2, 28)));
        assert_eq!(length(previous(march)), 31);
        assert_eq!(Period::for_range(march), Period::Day);
        assert_eq!("Weekly".parse::<Period>(), Ok(Period::Week));
        assert!("hour".parse::<Period>().is_err());
    }
}
