//! Entity extraction tables for dates.

use super::*;
use jiff::civil::date;

/// (text, [(span text, from, to)]) with dates written "YYYY-MM-DD".
type Case = (&'static str, &'static [(&'static str, &'static str, &'static str)]);

fn check(today: Date, table: &[Case]) {
    for (text, expected) in table {
        let got: Vec<(&str, String, String)> = find_dates(text, today)
            .into_iter()
            .map(|m| (&text[m.span], m.range.from.to_string(), m.range.to.to_string()))
            .collect();
        let expected: Vec<(&str, String, String)> =
            expected.iter().map(|&(span, from, to)| (span, from.to_string(), to.to_string())).collect();
        assert_eq!(got, expected, "{text:?} on {today}");
    }
}

/// A Friday.
const NOV_20: Date = date(2026, 11, 20);

#[test]
fn relative_periods() {
    check(
        NOV_20,
        &[
            ("revenue today", &[("today", "2026-11-20", "2026-11-20")]),
            ("yesterday", &[("yesterday", "2026-11-19", "2026-11-19")]),
            ("revenue last week", &[("last week", "2026-11-09", "2026-11-15")]),
            ("this week", &[("this week", "2026-11-16", "2026-11-20")]),
            ("previous week", &[("previous week", "2026-11-09", "2026-11-15")]),
            ("this month", &[("this month", "2026-11-01", "2026-11-20")]),
            ("last month", &[("last month", "2026-10-01", "2026-10-31")]),
            ("this quarter", &[("this quarter", "2026-10-01", "2026-11-20")]),
            ("last quarter", &[("last quarter", "2026-07-01", "2026-09-30")]),
            ("this year", &[("this year", "2026-01-01", "2026-11-20")]),
            ("last year", &[("last year", "2025-01-01", "2025-12-31")]),
            ("ytd", &[("ytd", "2026-01-01", "2026-11-20")]),
            ("year to date", &[("year to date", "2026-01-01", "2026-11-20")]),
            ("mtd", &[("mtd", "2026-11-01", "2026-11-20")]),
            ("last 7 days", &[("last 7 days", "2026-11-14", "2026-11-20")]),
            ("in the past 30 days", &[("past 30 days", "2026-10-22", "2026-11-20")]),
            ("last 2 weeks", &[("last 2 weeks", "2026-11-07", "2026-11-20")]),
            ("last two weeks", &[("last two weeks", "2026-11-07", "2026-11-20")]),
            ("past 3 months", &[("past 3 months", "2026-08-21", "2026-11-20")]),
            ("past week", &[("past week", "2026-11-14", "2026-11-20")]),
            ("past year", &[("past year", "2025-11-21", "2026-11-20")]),
            ("last 1 day", &[("last 1 day", "2026-11-20", "2026-11-20")]),
            ("last 0 days", &[]),
            ("last 2000 orders", &[]),
            ("this", &[]),
            ("last", &[]),
        ],
    );
}

#[test]
fn months_quarters_and_years() {
    check(
        NOV_20,
        &[
            ("how did we do in March", &[("March", "2026-03-01", "2026-03-31")]),
            ("in Mar", &[("Mar", "2026-03-01", "2026-03-31")]),
            ("December", &[("December", "2025-12-01", "2025-12-31")]),
            ("november", &[("november", "2026-11-01", "2026-11-30")]),
            ("March 2025", &[("March 2025", "2025-03-01", "2025-03-31")]),
            ("march of 2025", &[("march of 2025", "2025-03-01", "2025-03-31")]),
            ("Sept, 2024", &[("Sept, 2024", "2024-09-01", "2024-09-30")]),
            ("March 5", &[("March 5", "2026-03-05", "2026-03-05")]),
            ("December 5th", &[("December 5th", "2025-12-05", "2025-12-05")]),
            ("March 5th, 2025", &[("March 5th, 2025", "2025-03-05", "2025-03-05")]),
            ("5 March 2025", &[("5 March 2025", "2025-03-05", "2025-03-05")]),
            ("the 4th of July", &[("4th of July", "2026-07-04", "2026-07-04")]),
            ("in may", &[("may", "2026-05-01", "2026-05-31")]),
            ("May revenue", &[("May", "2026-05-01", "2026-05-31")]),
            ("may 2025", &[("may 2025", "2025-05-01", "2025-05-31")]),
            ("you may see", &[]),
            ("May I see revenue", &[]),
            ("Q1", &[("Q1", "2026-01-01", "2026-03-31")]),
            ("q4", &[("q4", "2026-10-01", "2026-12-31")]),
            ("Q3 2025", &[("Q3 2025", "2025-07-01", "2025-09-30")]),
            ("Q3 of 2025", &[("Q3 of 2025", "2025-07-01", "2025-09-30")]),
            ("2025 Q2", &[("2025 Q2", "2025-04-01", "2025-06-30")]),
            ("2019", &[("2019", "2019-01-01", "2019-12-31")]),
            ("income in 2019", &[("2019", "2019-01-01", "2019-12-31")]),
            ("in 2019.", &[("2019", "2019-01-01", "2019-12-31")]),
            ("2019-2021", &[("2019-2021", "2019-01-01", "2021-12-31")]),
            ("1989 or 2101", &[]),
            ("12019 2019.5 $2019 -2019 #2019 10/2019", &[]),
            ("top 2000 customers", &[]),
            ("2019% 2019 dollars", &[]),
        ],
    );
}

#[test]
fn iso_and_us_dates() {
    check(
        NOV_20,
        &[
            ("2026-11-01", &[("2026-11-01", "2026-11-01", "2026-11-01")]),
            ("on 2026/11/01.", &[("2026/11/01", "2026-11-01", "2026-11-01")]),
            ("2026-11", &[("2026-11", "2026-11-01", "2026-11-30")]),
            ("11/01/2026", &[("11/01/2026", "2026-11-01", "2026-11-01")]),
            ("2024-02-29", &[("2024-02-29", "2024-02-29", "2024-02-29")]),
            // Impossible dates give nothing, not even their year.
            ("2026-02-30", &[]),
            ("2025-02-29", &[]),
            ("2026-13-01", &[]),
            ("2026-00", &[]),
            ("February 30", &[]),
            ("February 30, 2026", &[]),
            ("February 29", &[("February 29", "2024-02-29", "2024-02-29")]),
            ("February 29 2025", &[]),
            ("2026-11-01-05", &[]),
            ("12:30", &[]),
            ("5-10", &[]),
        ],
    );
}

#[test]
fn ranges() {
    check(
        NOV_20,
        &[
            ("orders from 2026-11-01 to 2026-11-07", &[("from 2026-11-01 to 2026-11-07", "2026-11-01", "2026-11-07")]),
            ("2026-11-01 to 2026-11-07", &[("2026-11-01 to 2026-11-07", "2026-11-01", "2026-11-07")]),
            ("from 2026-11-01 until 2026-11-07", &[("from 2026-11-01 until 2026-11-07", "2026-11-01", "2026-11-07")]),
            ("between 2026-11-01 and 2026-11-07", &[("between 2026-11-01 and 2026-11-07", "2026-11-01", "2026-11-07")]),
            ("2026-11-01 - 2026-11-07", &[("2026-11-01 - 2026-11-07", "2026-11-01", "2026-11-07")]),
            ("2026-11-07 to 2026-11-01", &[("2026-11-07 to 2026-11-01", "2026-11-01", "2026-11-07")]),
            ("between March and May", &[("between March and May", "2026-03-01", "2026-05-31")]),
            ("March to December", &[("March to December", "2025-03-01", "2025-12-31")]),
            ("November to February", &[("November to February", "2025-11-01", "2026-02-28")]),
            ("March to December 2027", &[("March to December 2027", "2027-03-01", "2027-12-31")]),
            ("from 2019 through 2021", &[("from 2019 through 2021", "2019-01-01", "2021-12-31")]),
            ("Q1 to Q2 2025", &[("Q1 to Q2 2025", "2025-01-01", "2025-06-30")]),
            ("since March", &[("since March", "2026-03-01", "2026-11-20")]),
            ("since 2026-11-01", &[("since 2026-11-01", "2026-11-01", "2026-11-20")]),
            ("since last week", &[("since last week", "2026-11-09", "2026-11-20")]),
            ("since 2027", &[]),
            ("from March", &[("March", "2026-03-01", "2026-03-31")]),
            ("from March to date", &[("March", "2026-03-01", "2026-03-31")]),
            ("between March", &[("March", "2026-03-01", "2026-03-31")]),
            ("compare 2019 to 2020", &[("2019", "2019-01-01", "2019-12-31"), ("2020", "2020-01-01", "2020-12-31")]),
            ("2019 vs 2020", &[("2019", "2019-01-01", "2019-12-31"), ("2020", "2020-01-01", "2020-12-31")]),
        ],
    );
}

#[test]
fn across_a_year_boundary() {
    let today = date(2026, 1, 5); // a Monday
    check(
        today,
        &[
            ("last week", &[("last week", "2025-12-29", "2026-01-04")]),
            ("this week", &[("this week", "2026-01-05", "2026-01-05")]),
            ("December", &[("December", "2025-12-01", "2025-12-31")]),
            ("January", &[("January", "2026-01-01", "2026-01-31")]),
            ("last month", &[("last month", "2025-12-01", "2025-12-31")]),
            ("this month", &[("this month", "2026-01-01", "2026-01-05")]),
            ("last quarter", &[("last quarter", "2025-10-01", "2025-12-31")]),
            ("Q4", &[("Q4", "2025-10-01", "2025-12-31")]),
            ("last 7 days", &[("last 7 days", "2025-12-30", "2026-01-05")]),
            ("yesterday", &[("yesterday", "2026-01-04", "2026-01-04")]),
            ("since December", &[("since December", "2025-12-01", "2026-01-05")]),
            ("December 31", &[("December 31", "2025-12-31", "2025-12-31")]),
        ],
    );
}

#[test]
fn leap_years() {
    check(
        date(2024, 3, 10),
        &[
            ("last month", &[("last month", "2024-02-01", "2024-02-29")]),
            ("February", &[("February", "2024-02-01", "2024-02-29")]),
            ("February 2023", &[("February 2023", "2023-02-01", "2023-02-28")]),
            ("past 30 days", &[("past 30 days", "2024-02-10", "2024-03-10")]),
        ],
    );
}

#[test]
fn the_ends_of_time_do_not_panic() {
    for today in [Date::MIN, Date::MAX] {
        for text in ["yesterday", "today", "last week", "this week", "last 99999 years", "March", "Q1", "December 31"] {
            let _ = find_dates(text, today);
        }
        let _ = find_dates("since 2019 and 2019-2021, past 7 days, last quarter, ytd", today);
    }
    assert!(find_dates("yesterday", Date::MIN).is_empty());
}
