//! Which days a sales question is about, and how to say them back. The date phrases themselves
//! ("last week", "in March", "March 2026", "2026-03", "last 30 days", "since March 3", "Q3",
//! "between X and Y") are read by the intents crate's date finder against today in the business
//! time zone (weeks start on Monday; a month named without a year is its latest occurrence not
//! after this month); here the range is clipped to today, checked, given a default when none
//! was named, and described for the answer: "last week (Nov 16–22)", "March 2026".

use crate::dates::DayRange;
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use statbot_intents::entities::find_dates;

/// Ranges a menu button asks for, named in its payload (`store:revenue:last_week`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    Last30Days,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Today,
        Preset::Yesterday,
        Preset::ThisWeek,
        Preset::LastWeek,
        Preset::ThisMonth,
        Preset::LastMonth,
        Preset::Last30Days,
    ];

    /// The name in payloads.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Today => "today",
            Preset::Yesterday => "yesterday",
            Preset::ThisWeek => "this_week",
            Preset::LastWeek => "last_week",
            Preset::ThisMonth => "this_month",
            Preset::LastMonth => "last_month",
            Preset::Last30Days => "last_30_days",
        }
    }

    pub fn parse(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The days it covers on `today` (the current period runs to today).
    pub fn range(self, today: Date) -> DayRange {
        let yesterday = today.yesterday().unwrap_or(today);
        let week = week_start(today);
        let (from, to) = match self {
            Preset::Today => (today, today),
            Preset::Yesterday => (yesterday, yesterday),
            Preset::ThisWeek => (week, today),
            Preset::LastWeek => (days_before(week, 7), days_before(week, 1)),
            Preset::ThisMonth => (today.first_of_month(), today),
            Preset::LastMonth => {
                let last = today.first_of_month().yesterday().unwrap_or(today);
                (last.first_of_month(), last)
            }
            Preset::Last30Days => (days_before(today, 29), today),
        };
        DayRange { from, to }
    }
}

/// The days a question names (the first date phrase in it), clipped to today; `Ok(None)` when
/// it names none. The error is a sentence for the person asking.
pub fn range_in(text: &str, today: Date) -> Result<Option<DayRange>, String> {
    let Some(mention) = find_dates(text, today).into_iter().next() else { return Ok(None) };
    let (from, to) = (mention.range.from, mention.range.to.min(today));
    if from > today {
        return Err("That is still to come: there are no figures for it yet.".into());
    }
    DayRange::new(from, to).map(Some).map_err(|e| format!("I can't answer for that range: {e}."))
}

/// What an answer covers when the question names no days: revenue this month to date.
pub fn default_for_revenue(today: Date) -> DayRange {
    Preset::ThisMonth.range(today)
}

/// What a ranking covers when the question names no days: the last 30 days.
pub fn default_for_rankings(today: Date) -> DayRange {
    Preset::Last30Days.range(today)
}

/// The range in words, as the answer starts: "last week (Nov 16–22)", "this month (Nov 1–24)",
/// "March 2026", "the last 30 days (Oct 26–Nov 24)", "Nov 3–20".
pub fn describe(range: DayRange, today: Date) -> String {
    let span = span_text(range, today);
    let named = |name: &str| format!("{name} ({span})");
    if let Some(preset) = Preset::ALL.into_iter().find(|p| p.range(today) == range) {
        return match preset {
            Preset::Today => named("today"),
            Preset::Yesterday => named("yesterday"),
            Preset::ThisWeek => named("this week"),
            Preset::LastWeek => named("last week"),
            Preset::ThisMonth => named("this month"),
            Preset::LastMonth => named("last month"),
            Preset::Last30Days => named("the last 30 days"),
        };
    }
    let whole_month = range.from.day() == 1 && range.to == range.from.last_of_month();
    if whole_month {
        return format!("{} {}", month_name(range.from), range.from.year());
    }
    let this_year = range.from == today.first_of_year() && range.to == today;
    if this_year {
        return named("this year");
    }
    if range.from.day_of_year() == 1 && range.to == range.from.last_of_year() {
        let year = range.from.year();
        return if year == today.year() - 1 { format!("last year ({year})") } else { year.to_string() };
    }
    if range.to == today && range.from != range.to {
        let days = crate::sales::periods::length(range);
        return named(&format!("the last {days} days"));
    }
    span
}

/// What a report's figures are compared with (the range of equal length just before it).
pub fn previous_text(range: DayRange) -> String {
    match crate::sales::periods::length(range) {
        1 => "the day before".into(),
        7 => "the week before".into(),
        days => format!("the {days} days before"),
    }
}

/// "Nov 16–22", "Oct 26–Nov 24", "Mar 5" — with the year when it is not today's:
/// "Nov 16–22, 2025", "Dec 29, 2025–Jan 4, 2026".
pub fn span_text(range: DayRange, today: Date) -> String {
    let (from, to) = (range.from, range.to);
    let day = |d: Date| format!("{} {}", &month_name(d)[..3], d.day());
    let year_suffix = |d: Date| if d.year() == today.year() { String::new() } else { format!(", {}", d.year()) };
    if from == to {
        return format!("{}{}", day(from), year_suffix(from));
    }
    if from.year() != to.year() {
        return format!("{}, {}–{}, {}", day(from), from.year(), day(to), to.year());
    }
    let end = if from.month() == to.month() { to.day().to_string() } else { day(to) };
    format!("{}–{end}{}", day(from), year_suffix(to))
}

fn month_name(date: Date) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[usize::try_from(date.month() - 1).unwrap_or(0)]
}

/// The Monday starting the week of `day`.
fn week_start(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

fn days_before(day: Date, days: i64) -> Date {
    day.checked_sub(Span::new().days(days)).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A Tuesday.
    const TODAY: Date = date(2026, 11, 24);

    fn range(from: Date, to: Date) -> DayRange {
        DayRange { from, to }
    }

    fn asked(text: &str) -> Option<DayRange> {
        range_in(text, TODAY).unwrap()
    }

    #[test]
    fn phrases_name_ranges_relative_to_today() {
        assert_eq!(asked("revenue today"), Some(range(TODAY, TODAY)));
        assert_eq!(asked("sales yesterday"), Some(range(date(2026, 11, 23), date(2026, 11, 23))));
        assert_eq!(asked("revenue this week"), Some(range(date(2026, 11, 23), TODAY)));
        assert_eq!(asked("revenue last week"), Some(range(date(2026, 11, 16), date(2026, 11, 22))));
        assert_eq!(asked("how much did we make this month"), Some(range(date(2026, 11, 1), TODAY)));
        assert_eq!(asked("revenue last month"), Some(range(date(2026, 10, 1), date(2026, 10, 31))));
        assert_eq!(asked("sales this year"), Some(range(date(2026, 1, 1), TODAY)));
        assert_eq!(asked("sales last year"), Some(range(date(2025, 1, 1), date(2025, 12, 31))));
        assert_eq!(asked("net volume last 30 days"), Some(range(date(2026, 10, 26), TODAY)));
        assert_eq!(asked("how did we do in March"), Some(range(date(2026, 3, 1), date(2026, 3, 31))));
        assert_eq!(asked("revenue March 2025"), Some(range(date(2025, 3, 1), date(2025, 3, 31))));
        assert_eq!(asked("revenue 2026-03"), Some(range(date(2026, 3, 1), date(2026, 3, 31))));
        assert_eq!(asked("sales since March 3"), Some(range(date(2026, 3, 3), TODAY)));
        assert_eq!(asked("how did we do in December"), Some(range(date(2025, 12, 1), date(2025, 12, 31))));
        assert_eq!(asked("top customers"), None);
    }

    #[test]
    fn the_current_period_stops_today_and_the_future_is_refused() {
        assert_eq!(asked("how did we do in November"), Some(range(date(2026, 11, 1), TODAY)));
        assert_eq!(asked("revenue 2026"), Some(range(date(2026, 1, 1), TODAY)));
        assert!(range_in("revenue in 2027", TODAY).unwrap_err().contains("still to come"));
        assert!(range_in("sales 1990 to 2026", TODAY).unwrap_err().contains("at most"));
    }

    #[test]
    fn presets_and_defaults() {
        // Monday the first of a month: this week and this month are today alone.
        let monday = date(2026, 6, 1);
        assert_eq!(monday.weekday(), jiff::civil::Weekday::Monday);
        assert_eq!(Preset::ThisWeek.range(monday), range(monday, monday));
        assert_eq!(Preset::LastWeek.range(monday), range(date(2026, 5, 25), date(2026, 5, 31)));
        assert_eq!(Preset::LastMonth.range(date(2026, 3, 31)), range(date(2026, 2, 1), date(2026, 2, 28)));
        assert_eq!(Preset::LastMonth.range(date(2026, 1, 5)), range(date(2025, 12, 1), date(2025, 12, 31)));
        assert_eq!(default_for_revenue(TODAY), range(date(2026, 11, 1), TODAY));
        assert_eq!(default_for_rankings(TODAY), range(date(2026, 10, 26), TODAY));
        for preset in Preset::ALL {
            assert_eq!(Preset::parse(preset.name()), Some(preset));
        }
        assert_eq!(Preset::parse("next_week"), None);
    }

    #[test]
    fn ranges_are_described_as_people_say_them() {
        let say = |from, to| describe(range(from, to), TODAY);
        assert_eq!(say(TODAY, TODAY), "today (Nov 24)");
        assert_eq!(say(date(2026, 11, 23), date(2026, 11, 23)), "yesterday (Nov 23)");
        assert_eq!(say(date(2026, 11, 16), date(2026, 11, 22)), "last week (Nov 16–22)");
        assert_eq!(say(date(2026, 11, 23), TODAY), "this week (Nov 23–24)");
        assert_eq!(say(date(2026, 11, 1), TODAY), "this month (Nov 1–24)");
        assert_eq!(say(date(2026, 10, 1), date(2026, 10, 31)), "last month (Oct 1–31)");
        assert_eq!(say(date(2026, 3, 1), date(2026, 3, 31)), "March 2026");
        assert_eq!(say(date(2026, 10, 26), TODAY), "the last 30 days (Oct 26–Nov 24)");
        assert_eq!(say(date(2026, 11, 10), TODAY), "the last 15 days (Nov 10–24)");
        assert_eq!(say(date(2026, 1, 1), TODAY), "this year (Jan 1–Nov 24)");
        assert_eq!(say(date(2025, 1, 1), date(2025, 12, 31)), "last year (2025)");
        assert_eq!(say(date(2023, 1, 1), date(2023, 12, 31)), "2023");
        assert_eq!(say(date(2026, 11, 3), date(2026, 11, 20)), "Nov 3–20");
        assert_eq!(say(date(2025, 11, 16), date(2025, 11, 22)), "Nov 16–22, 2025");
        assert_eq!(say(date(2025, 12, 29), date(2026, 1, 4)), "Dec 29, 2025–Jan 4, 2026");
        assert_eq!(say(date(2025, 3, 5), date(2025, 3, 5)), "Mar 5, 2025");
    }

    #[test]
    fn comparisons_name_the_previous_range() {
        assert_eq!(previous_text(range(TODAY, TODAY)), "the day before");
        assert_eq!(previous_text(range(date(2026, 11, 16), date(2026, 11, 22))), "the week before");
        assert_eq!(previous_text(range(date(2026, 3, 1), date(2026, 3, 31))), "the 31 days before");
    }
}

/// Property tests: any question on any day as today gives a range or a sentence, never a
/// panic; a range read stops by today, is said back in words, cuts into days, weeks and months
/// that cover it exactly, and has a previous range just before it.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::dates::MAX_DAYS;
    use crate::fuzz;
    use crate::sales::periods::{self, Period};
    use proptest::prelude::*;

    /// Questions with date phrases in them, whole or cut, among any text.
    fn question() -> impl Strategy<Value = String> {
        let phrases = prop::sample::select(vec![
            "revenue today",
            "sales yesterday",
            "last week",
            "this month",
            "in March",
            "March 2026",
            "2026-03",
            "last 30 days",
            "since March 3",
            "Q3",
            "between 2026-01-01 and 2025-12-31",
            "sales 1990 to 2026",
            "revenue in 9999",
            "in -5",
            "last 99999999999999999999 days",
            "the last 0 days",
            "from Dec 31 to Jan 1",
        ]);
        prop_oneof![
            fuzz::any_text(),
            (phrases, fuzz::any_text()).prop_map(|(phrase, noise)| format!("{phrase} {noise}")),
            (prop::collection::vec(
                prop::sample::select(vec![
                    "last", "this", "next", "since", "between", "and", "to", "in", "March", "Dec", "2026", "31", "-",
                    "days", "weeks", "Q4", "0"
                ]),
                0..8
            ))
            .prop_map(|words| words.join(" ")),
        ]
    }

    /// Checks what is said of a valid range, and how it is cut.
    fn check_range(range: DayRange, today: Date) -> Result<(), TestCaseError> {
        prop_assert!(!describe(range, today).is_empty());
        prop_assert!(!previous_text(range).is_empty());
        for period in [Period::Day, Period::Week, Period::Month] {
            let parts = periods::split(range, period);
            prop_assert_eq!(parts.first().map(|p| p.from), Some(range.from));
            prop_assert_eq!(parts.last().map(|p| p.to), Some(range.to));
            for pair in parts.windows(2) {
                prop_assert_eq!(pair[0].to.tomorrow().ok(), Some(pair[1].from));
            }
        }
        let previous = periods::previous(range);
        prop_assert!(previous.from <= previous.to && (previous.to < range.from || range.from == Date::MIN));
        Ok(())
    }

    proptest! {
        #![proptest_config(fuzz::config(512))]

        #[test]
        fn any_question_gives_a_range_or_a_sentence(text in question(), today in fuzz::any_day()) {
            match range_in(&text, today) {
                Ok(Some(range)) => {
                    prop_assert!(range.from <= range.to && range.to <= today, "{range:?}");
                    prop_assert!(periods::length(range) <= MAX_DAYS);
                    check_range(range, today)?;
                }
                Ok(None) => {}
                Err(e) => prop_assert!(e.ends_with('.'), "{e}"),
            }
        }

        #[test]
        fn any_range_is_said_and_cut(from in fuzz::any_day(), extra in 0i64..MAX_DAYS, today in fuzz::any_day()) {
            if let Ok(range) = DayRange::starting(from, extra) {
                check_range(range, today)?;
            }
            for preset in Preset::ALL {
                let range = preset.range(today);
                prop_assert!(range.from <= range.to);
                check_range(range, today)?;
            }
        }
    }
}
