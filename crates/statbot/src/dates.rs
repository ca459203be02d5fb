//! Days as people type them (`2026-11-24`, `today`, `yesterday`) and the inclusive ranges a
//! report covers: a start and a number of extra days, or a from and a to.

use jiff::civil::Date;
use serde::Serialize;

/// The longest range a report covers (ten years).
pub const MAX_DAYS: i64 = 3_660;

/// Parses one day; the error is a sentence.
pub fn parse_day(text: &str, today: Date) -> Result<Date, String> {
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "today" => Ok(today),
        "yesterday" => Ok(today.yesterday().unwrap_or(today)),
        _ => text.parse::<Date>().map_err(|_| {
            format!("`{text}` is not a date: write YYYY-MM-DD (e.g. {today}), \"today\" or \"yesterday\"")
        }),
    }
}

/// A day on which figures may be recorded: not after today.
pub fn parse_recordable_day(text: &str, today: Date) -> Result<Date, String> {
    let day = parse_day(text, today)?;
    if day > today {
        return Err(format!("{day} is in the future; figures are recorded for today or earlier"));
    }
    Ok(day)
}

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayRange {
    pub from: Date,
    pub to: Date,
}

impl DayRange {
    pub fn new(from: Date, to: Date) -> Result<DayRange, String> {
        if from > to {
            return Err(format!("the range starts ({from}) after it ends ({to})"));
        }
        let days = from.until(to).map(|span| span.get_days() as i64).unwrap_or(i64::MAX);
        if days >= MAX_DAYS {
            return Err(format!("a range covers at most {MAX_DAYS} days"));
        }
        Ok(DayRange { from, to })
    }

    /// `start` and `extra` more days (0 for the start alone).
    pub fn starting(start: Date, extra: i64) -> Result<DayRange, String> {
        if !(0..MAX_DAYS).contains(&extra) {
            return Err(format!("the number of extra days is 0 to {}", MAX_DAYS - 1));
        }
        let to = start
            .checked_add(jiff::Span::new().days(extra))
            .map_err(|_| "that range ends past year 9999".to_owned())?;
        DayRange::new(start, to)
    }

    /// From optional texts: `to` defaults to today, `from` to `days` days ending at `to` (or to
    /// the last 7 days).
    pub fn parse(from: Option<&str>, to: Option<&str>, days: Option<i64>, today: Date) -> Result<DayRange, String> {
        match (from, to, days) {
            (Some(_), Some(_), Some(_)) => Err("give --to or --days, not both".into()),
            (Some(from), None, Some(extra)) => DayRange::starting(parse_day(from, today)?, extra),
            (from, to, days) => {
                let to = to.map(|t| parse_day(t, today)).transpose()?.unwrap_or(today);
                let from = match (from, days) {
                    (Some(from), _) => parse_day(from, today)?,
                    (None, extra) => {
                        let extra = extra.unwrap_or(6);
                        if !(0..MAX_DAYS).contains(&extra) {
                            return Err(format!("the number of extra days is 0 to {}", MAX_DAYS - 1));
                        }
                        to.checked_sub(jiff::Span::new().days(extra))
                            .map_err(|_| "that range starts before year 1".to_owned())?
                    }
                };
                DayRange::new(from, to)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn days_are_read_as_people_write_them() {
        let today = date(2026, 11, 24);
        assert_eq!(parse_day("Today", today), Ok(today));
        assert_eq!(parse_day("yesterday", today), Ok(date(2026, 11, 23)));
        assert_eq!(parse_day(" 2026-03-01 ", today), Ok(date(2026, 3, 1)));
        assert!(parse_day("2026-02-30", today).unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_recordable_day("2026-11-25", today).unwrap_err().contains("future"));
    }

    #[test]
    fn ranges_from_a_start_and_extra_days_or_from_two_ends() {
        let today = date(2026, 11, 24);
        let week = DayRange::starting(date(2026, 11, 16), 6).unwrap();
        assert_eq!(week, DayRange { from: date(2026, 11, 16), to: date(2026, 11, 22) });
        assert_eq!(DayRange::starting(today, 0).unwrap(), DayRange { from: today, to: today });
        assert_eq!(DayRange::parse(None, None, None, today).unwrap(), DayRange { from: date(2026, 11, 18), to: today });
        assert_eq!(DayRange::parse(Some("2026-11-01"), None, Some(2), today).unwrap().to, date(2026, 11, 3));
        assert!(DayRange::parse(Some("2026-11-05"), Some("2026-11-01"), None, today).unwrap_err().contains("after"));
        assert!(DayRange::starting(today, -1).is_err());
        assert!(DayRange::new(date(2000, 1, 1), today).unwrap_err().contains("at most"));
    }
}
