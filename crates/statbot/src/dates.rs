//! Days as people type them (`2026-11-24`, `today`, `yesterday`) and the inclusive ranges a
//! report covers: a start and a number of extra days, or a from and a to; and moments written
//! for people in the business time zone (never raw RFC 3339 or epoch milliseconds).

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

/// A moment to start something, as people type it: an instant (`2026-12-24T09:00:00Z`) or a
/// local date and time in the business time zone `zone` (`2026-12-24T09:00`, what a
/// `datetime-local` field sends); ms since the epoch. The error is a sentence.
pub fn parse_start_at(text: &str, zone: &jiff::tz::TimeZone) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<jiff::Timestamp>() {
        return Ok(instant.as_millisecond());
    }
    let not_a_time =
        || format!("`{text}` is not a time: use 2026-12-24T09:00 (business time zone) or 2026-12-24T09:00:00Z");
    let local: jiff::civil::DateTime = text.parse().map_err(|_| not_a_time())?;
    Ok(local.to_zoned(zone.clone()).map_err(|_| not_a_time())?.timestamp().as_millisecond())
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

/// A moment for people, to the minute, in `zone` and naming it: "2026-12-06 08:50 CET".
pub fn local_minute(at: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// A moment stored as epoch milliseconds, for a CSV cell: "2026-12-06 08:50:19" in `zone` (empty
/// when out of range).
pub fn local_second_ms(ms: i64, zone: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn moments_are_written_in_the_business_time_zone() {
        let at: jiff::Timestamp = "2026-12-06T07:50:19.241Z".parse().unwrap();
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(local_minute(at, &berlin), "2026-12-06 08:50 CET");
        assert_eq!(local_minute(at, &jiff::tz::TimeZone::UTC), "2026-12-06 07:50 UTC");
        assert_eq!(local_second_ms(at.as_millisecond(), &berlin), "2026-12-06 08:50:19");
        assert_eq!(local_second_ms(i64::MAX, &berlin), "");
    }

    #[test]
    fn start_times_are_instants_or_local_times_of_the_business_zone() {
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let utc_nine: jiff::Timestamp = "2026-12-24T09:00:00Z".parse().unwrap();
        assert_eq!(parse_start_at("2026-12-24T09:00:00Z", &berlin), Ok(utc_nine.as_millisecond()));
        assert_eq!(parse_start_at(" 2026-12-24T10:00 ", &berlin), Ok(utc_nine.as_millisecond()), "CET is UTC+1");
        let bad = parse_start_at("tomorrow", &berlin).unwrap_err();
        assert!(bad.starts_with("`tomorrow` is not a time"), "{bad}");
    }

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

/// Property tests: any text and any day as today (from year -9999 to 9999) give a day or a
/// sentence, never a panic; a day written back reads as itself; a range read is ordered and at
/// most [`MAX_DAYS`] long.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    /// Texts people and scripts type for a day: any text, words, and numbers shaped like a date
    /// that may not be one (month 13, day 0, year 0 or 10000).
    fn day_text() -> impl Strategy<Value = String> {
        let words = prop::sample::select(vec!["today", " Today ", "YESTERDAY", "yesterday\n", "tomorrow", ""]);
        prop_oneof![
            fuzz::any_text(),
            words.prop_map(str::to_owned),
            (-99_999i32..99_999, 0u8..100, 0u8..100).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
            fuzz::any_day().prop_map(|d| d.to_string()),
        ]
    }

    fn days(range: DayRange) -> i64 {
        crate::sales::periods::length(range)
    }

    proptest! {
        #![proptest_config(fuzz::config(512))]

        #[test]
        fn any_text_gives_a_day_or_a_sentence(text in day_text(), today in fuzz::any_day()) {
            match parse_day(&text, today) {
                Ok(day) => {
                    let word = text.trim().to_ascii_lowercase();
                    if word == "today" {
                        prop_assert_eq!(day, today);
                    } else if word != "yesterday" {
                        prop_assert_eq!(parse_day(&day.to_string(), today), Ok(day));
                    }
                }
                Err(e) => prop_assert!(e.contains("is not a date"), "{e}"),
            }
            if let Ok(day) = parse_recordable_day(&text, today) {
                prop_assert!(day <= today);
            }
        }

        #[test]
        fn a_day_written_back_reads_as_itself(day in fuzz::any_day(), today in fuzz::any_day()) {
            prop_assert_eq!(parse_day(&day.to_string(), today), Ok(day));
        }

        #[test]
        fn a_range_read_is_ordered_and_bounded(
            from in proptest::option::of(day_text()),
            to in proptest::option::of(day_text()),
            extra in proptest::option::of(prop_oneof![0i64..MAX_DAYS + 2, any::<i64>()]),
            today in fuzz::any_day(),
        ) {
            if let Ok(range) = DayRange::parse(from.as_deref(), to.as_deref(), extra, today) {
                prop_assert!(range.from <= range.to);
                prop_assert!(days(range) <= MAX_DAYS, "{range:?}");
                if let (Some(from), None, Some(extra)) = (&from, &to, extra) {
                    prop_assert_eq!(parse_day(from, today), Ok(range.from));
                    prop_assert_eq!(days(range), extra + 1);
                }
            }
        }

        #[test]
        fn a_start_and_extra_days_make_that_many_days(
            start in fuzz::any_day(),
            extra in prop_oneof![-2i64..MAX_DAYS + 2, any::<i64>()],
        ) {
            match DayRange::starting(start, extra) {
                Ok(range) => {
                    prop_assert_eq!(range.from, start);
                    prop_assert_eq!(days(range), extra + 1);
                }
                Err(e) => prop_assert!(!(0..MAX_DAYS).contains(&extra) || e.contains("9999"), "{e}"),
            }
        }
    }
}
