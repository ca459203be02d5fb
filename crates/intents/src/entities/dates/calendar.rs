//! Calendar arithmetic for date mentions: whole periods (day, week, month, quarter, year), periods
//! counted back from today, and the year a month or quarter named without one falls in. Everything is
//! checked: near the ends of jiff's range a period that cannot exist is `None`, never a panic.

use jiff::Span;
use jiff::civil::Date;

use super::DateRange;

/// A length of calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// `date` moved by `days` days.
pub fn add_days(date: Date, days: i64) -> Option<Date> {
    date.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// `date` moved by `months` months, the day clamped to the end of a shorter month.
fn add_months(date: Date, months: i64) -> Option<Date> {
    date.checked_add(Span::new().try_months(months).ok()?).ok()
}

/// The Monday starting the week of `date` (weeks run Monday to Sunday).
pub fn week_start(date: Date) -> Option<Date> {
    add_days(date, -i64::from(date.weekday().to_monday_zero_offset()))
}

pub fn day(date: Date) -> DateRange {
    DateRange { from: date, to: date }
}

pub fn month(year: i16, month: i8) -> Option<DateRange> {
    let first = Date::new(year, month, 1).ok()?;
    Some(DateRange { from: first, to: first.last_of_month() })
}

pub fn quarter(year: i16, quarter: i8) -> Option<DateRange> {
    let first = Date::new(year, quarter.checked_mul(3)? - 2, 1).ok()?;
    let last = Date::new(year, quarter * 3, 1).ok()?.last_of_month();
    Some(DateRange { from: first, to: last })
}

pub fn year(year: i16) -> Option<DateRange> {
    Some(DateRange { from: Date::new(year, 1, 1).ok()?, to: Date::new(year, 12, 31).ok()? })
}

fn quarter_of(date: Date) -> i8 {
    (date.month() - 1) / 3 + 1
}

/// The whole period of `unit` that contains `date`.
fn period_of(date: Date, unit: Unit) -> Option<DateRange> {
    match unit {
        Unit::Day => Some(day(date)),
        Unit::Week => {
            let monday = week_start(date)?;
            Some(DateRange { from: monday, to: add_days(monday, 6)? })
        }
        Unit::Month => month(date.year(), date.month()),
        Unit::Quarter => quarter(date.year(), quarter_of(date)),
        Unit::Year => year(date.year()),
    }
}

/// "this week", "this month", "year to date": from the start of the current period to today.
pub fn this(unit: Unit, today: Date) -> Option<DateRange> {
    let from = match unit {
        Unit::Week => week_start(today)?,
        _ => period_of(today, unit)?.from,
    };
    Some(DateRange { from, to: today })
}

/// "last week", "last month", "last year": the whole period before the current one.
pub fn last(unit: Unit, today: Date) -> Option<DateRange> {
    let current = period_of(today, unit)?;
    period_of(add_days(current.from, -1)?, unit)
}

/// "last 7 days", "past 2 weeks", "last 3 months": `count` units ending today, today included.
pub fn rolling(count: i64, unit: Unit, today: Date) -> Option<DateRange> {
    if count < 1 {
        return None;
    }
    let from = match unit {
        Unit::Day => add_days(today, 1 - count)?,
        Unit::Week => add_days(today, 1 - count.checked_mul(7)?)?,
        Unit::Month => add_days(add_months(today, -count)?, 1)?,
        Unit::Quarter => add_days(add_months(today, -count.checked_mul(3)?)?, 1)?,
        Unit::Year => add_days(add_months(today, -count.checked_mul(12)?)?, 1)?,
    };
    Some(DateRange { from, to: today })
}

/// A month named without a year: its most recent occurrence not after `anchor`'s month.
pub fn recent_month(month_number: i8, anchor: Date) -> Option<DateRange> {
    let year = if month_number <= anchor.month() { anchor.year() } else { anchor.year().checked_sub(1)? };
    month(year, month_number)
}

/// A quarter named without a year: its most recent occurrence not after `anchor`'s quarter.
pub fn recent_quarter(quarter_number: i8, anchor: Date) -> Option<DateRange> {
    let year = if quarter_number <= quarter_of(anchor) { anchor.year() } else { anchor.year().checked_sub(1)? };
    quarter(year, quarter_number)
}

/// A day of a month named without a year: its most recent occurrence not after `anchor` (February 29
/// goes back to the last leap year).
pub fn recent_day(month_number: i8, day_number: i8, anchor: Date) -> Option<DateRange> {
    (0..=8)
        .filter_map(|back| anchor.year().checked_sub(back))
        .filter_map(|year| Date::new(year, month_number, day_number).ok())
        .find(|&date| date <= anchor)
        .map(day)
}

/// Whether `day_number` exists in `month_number` of some year (February 29 does, February 30 not).
pub fn day_exists(month_number: i8, day_number: i8) -> bool {
    Date::new(2000, month_number, day_number).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn range(from: Date, to: Date) -> Option<DateRange> {
        Some(DateRange { from, to })
    }

    #[test]
    fn calendar_periods_around_a_year_boundary() {
        let today = date(2026, 1, 5); // a Monday
        assert_eq!(this(Unit::Week, today), range(today, today));
        assert_eq!(last(Unit::Week, today), range(date(2025, 12, 29), date(2026, 1, 4)));
        assert_eq!(last(Unit::Month, today), range(date(2025, 12, 1), date(2025, 12, 31)));
        assert_eq!(last(Unit::Quarter, today), range(date(2025, 10, 1), date(2025, 12, 31)));
        assert_eq!(last(Unit::Year, today), range(date(2025, 1, 1), date(2025, 12, 31)));
        assert_eq!(this(Unit::Year, today), range(date(2026, 1, 1), today));
        assert_eq!(recent_month(12, today), range(date(2025, 12, 1), date(2025, 12, 31)));
        assert_eq!(recent_month(1, today), range(date(2026, 1, 1), date(2026, 1, 31)));
        assert_eq!(recent_quarter(4, today), range(date(2025, 10, 1), date(2025, 12, 31)));
    }

    #[test]
    fn rolling_periods_include_today() {
        let today = date(2026, 3, 31);
        assert_eq!(rolling(7, Unit::Day, today), range(date(2026, 3, 25), today));
        assert_eq!(rolling(2, Unit::Week, today), range(date(2026, 3, 18), today));
        assert_eq!(rolling(1, Unit::Month, today), range(date(2026, 3, 1), today));
        assert_eq!(rolling(1, Unit::Year, today), range(date(2025, 4, 1), today));
        assert_eq!(rolling(0, Unit::Day, today), None);
        assert_eq!(rolling(i64::MAX, Unit::Week, today), None);
    }

    #[test]
    fn leap_years() {
        assert_eq!(month(2024, 2), range(date(2024, 2, 1), date(2024, 2, 29)));
        assert_eq!(month(2025, 2), range(date(2025, 2, 1), date(2025, 2, 28)));
        assert_eq!(last(Unit::Month, date(2024, 3, 10)), range(date(2024, 2, 1), date(2024, 2, 29)));
        assert_eq!(recent_day(2, 29, date(2026, 11, 20)), Some(day(date(2024, 2, 29))));
        assert!(day_exists(2, 29));
        assert!(!day_exists(2, 30));
        assert_eq!(quarter(2025, 5), None);
    }

    #[test]
    fn the_ends_of_time_are_none_not_panics() {
        assert_eq!(last(Unit::Year, Date::MIN), None);
        assert_eq!(recent_month(12, Date::MIN), None);
        assert!(this(Unit::Week, Date::MAX).is_some());
        assert_eq!(period_of(Date::MAX, Unit::Week), None);
    }
}
