//! A team's opening hours (`[inbox] hours`), written the way a shop writes them on its door:
//! `mon-fri 09:00-17:30, sat 10:00-13:00`. Used to tell a contact who asks for a person when one
//! will answer: at once while the team is in, or from the next opening.

use jiff::Zoned;
use jiff::civil::{Time, Weekday};
use std::fmt;

/// Opening hours: on each listed day, from one time to another (same day; `00:00-24:00` is the
/// whole day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    /// Monday is 0.
    day: u8,
    /// Minutes after midnight.
    from: u16,
    to: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("opening hours `{text}`: {why} (write them like `mon-fri 09:00-17:30, sat 10:00-13:00`)")]
pub struct HoursError {
    text: String,
    why: String,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

fn day_index(word: &str) -> Option<u8> {
    let word = word.trim().to_ascii_lowercase();
    let short = word.get(..3)?;
    let index = DAYS.iter().position(|d| *d == short)?;
    // "mon", "monday", "mond" are fine; "monkey" is not.
    DAY_NAMES[index].to_ascii_lowercase().starts_with(&word).then_some(index as u8)
}

/// Minutes after midnight of `HH:MM` (`24:00` allowed as an end).
fn minutes(word: &str) -> Option<u16> {
    let (h, m) = word.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && (h < 24 || m == 0) && m.to_string().len() <= 2).then_some(h * 60 + m)
}

fn weekday_index(day: Weekday) -> u8 {
    day.to_monday_zero_offset() as u8
}

impl OpeningHours {
    pub fn parse(text: &str) -> Result<OpeningHours, HoursError> {
        let fail = |why: String| HoursError { text: text.to_owned(), why };
        let mut spans = Vec::new();
        for part in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let (days, times) = part
                .split_once(char::is_whitespace)
                .ok_or_else(|| fail(format!("`{part}` needs days and times, like `mon-fri 09:00-17:00`")))?;
            let days: Vec<u8> = match days.split_once('-') {
                Some((first, last)) => {
                    let first = day_index(first).ok_or_else(|| fail(format!("`{first}` is not a day")))?;
                    let last = day_index(last).ok_or_else(|| fail(format!("`{last}` is not a day")))?;
                    // `fri-mon` wraps over the weekend.
                    let count = (last + 7 - first) % 7 + 1;
                    (0..count).map(|i| (first + i) % 7).collect()
                }
                None => vec![day_index(days).ok_or_else(|| fail(format!("`{days}` is not a day")))?],
            };
            let times = times.trim();
            let (from, to) = times
                .split_once('-')
                .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)))
                .ok_or_else(|| fail(format!("`{times}` is not a time range like 09:00-17:00")))?;
            if from >= to {
                return Err(fail(format!("`{times}` ends before it starts")));
            }
            spans.extend(days.into_iter().map(|day| Span { day, from, to }));
        }
        if spans.is_empty() {
            return Err(fail("no days given".into()));
        }
        spans.sort_by_key(|s| (s.day, s.from));
        Ok(OpeningHours { spans })
    }

    /// Whether a person is in at `now` (in the business time zone).
    pub fn is_open(&self, now: &Zoned) -> bool {
        let (day, minute) = (weekday_index(now.weekday()), now.hour() as u16 * 60 + now.minute() as u16);
        self.spans.iter().any(|s| s.day == day && s.from <= minute && minute < s.to)
    }

    /// The next time the team opens after `now`, when closed at `now`.
    pub fn next_opening(&self, now: &Zoned) -> Option<Zoned> {
        if self.is_open(now) {
            return None;
        }
        let minute = now.hour() as u16 * 60 + now.minute() as u16;
        for ahead in 0..8i64 {
            let date = now.date().checked_add(jiff::Span::new().days(ahead)).ok()?;
            let day = weekday_index(date.weekday());
            let opening = self.spans.iter().find(|s| s.day == day && (ahead > 0 || s.from > minute));
            if let Some(span) = opening {
                let time = Time::new((span.from / 60) as i8, (span.from % 60) as i8, 0, 0).ok()?;
                return date.to_datetime(time).to_zoned(now.time_zone().clone()).ok();
            }
        }
        None
    }

    /// When a person will answer, for a contact who asked at `now`: "as soon as possible" while
    /// the team is in, else "from 09:00 today", "tomorrow from 09:00", "on Monday from 09:00".
    pub fn when(&self, now: &Zoned) -> String {
        let Some(next) = self.next_opening(now) else { return "as soon as possible".to_owned() };
        let at = next.strftime("%H:%M");
        let days = (next.date() - now.date()).get_days();
        match days {
            0 => format!("from {at} today"),
            1 => format!("tomorrow from {at}"),
            _ => format!("on {} from {at}", DAY_NAMES[weekday_index(next.weekday()) as usize]),
        }
    }
}

impl fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let parts: Vec<String> =
            self.spans.iter().map(|s| format!("{} {}-{}", DAYS[s.day as usize], hhmm(s.from), hhmm(s.to))).collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Zoned {
        // 2026-12-07 is a Monday.
        format!("{text}[Europe/Paris]").parse().expect("a zoned time")
    }

    #[test]
    fn open_on_the_listed_days_and_times() {
        let hours = OpeningHours::parse("mon-fri 09:00-17:30, sat 10:00-13:00").unwrap();
        assert!(hours.is_open(&at("2026-12-07T09:00")));
        assert!(hours.is_open(&at("2026-12-11T17:29")));
        assert!(!hours.is_open(&at("2026-12-11T17:30")));
        assert!(hours.is_open(&at("2026-12-12T12:00")));
        assert!(!hours.is_open(&at("2026-12-13T12:00")));
        assert!(!hours.is_open(&at("2026-12-07T08:59")));
    }

    #[test]
    fn says_when_a_person_will_answer() {
        let hours = OpeningHours::parse("mon-fri 09:00-17:00").unwrap();
        assert_eq!(hours.when(&at("2026-12-07T10:00")), "as soon as possible");
        assert_eq!(hours.when(&at("2026-12-07T07:15")), "from 09:00 today");
        assert_eq!(hours.when(&at("2026-12-07T18:00")), "tomorrow from 09:00");
        assert_eq!(hours.when(&at("2026-12-11T18:00")), "on Monday from 09:00");
        assert_eq!(hours.when(&at("2026-12-12T11:00")), "on Monday from 09:00");
    }

    #[test]
    fn day_ranges_may_wrap_over_the_weekend_and_days_may_be_spelled_out() {
        let hours = OpeningHours::parse("Friday-Mon 10:00-24:00").unwrap();
        assert_eq!(hours.to_string(), "mon 10:00-24:00, fri 10:00-24:00, sat 10:00-24:00, sun 10:00-24:00");
        assert!(hours.is_open(&at("2026-12-13T23:59")));
        assert!(!hours.is_open(&at("2026-12-08T12:00")));
    }

    #[test]
    fn bad_hours_are_refused_with_what_is_wrong() {
        for (text, why) in [
            ("", "no days given"),
            ("monkey 09:00-17:00", "`monkey` is not a day"),
            ("mon-fri 9-5", "`9-5` is not a time range"),
            ("mon 17:00-09:00", "ends before it starts"),
            ("mon 09:00-25:00", "is not a time range"),
            ("mon-fri", "needs days and times"),
        ] {
            let error = OpeningHours::parse(text).unwrap_err().to_string();
            assert!(error.contains(why), "{text}: {error}");
        }
    }
}
