//! Calendar spans for the customer spend rollups: a range of days cut into whole years and
//! whole months with the days left over at each end, so that a long range reads a few span
//! rows per customer instead of one row per day. Spans are calendar months and years of the
//! business's days, named by their length in months and their first day.

use super::rollup::{DayNumber, date_of, month_end, month_start, number, year_start};

/// A calendar month (`months` 1) or year (`months` 12), by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub months: i64,
    pub start: DayNumber,
}

impl Span {
    pub fn month_of(day: DayNumber) -> Span {
        Span { months: 1, start: month_start(day) }
    }

    pub fn year_of(day: DayNumber) -> Span {
        Span { months: 12, start: year_start(day) }
    }

    /// The last day of the span.
    pub fn end(self) -> DayNumber {
        let first = date_of(self.start);
        match first.checked_add(jiff::Span::new().months(self.months)) {
            Ok(next) => number(next) - 1,
            Err(_) => month_end(self.start),
        }
    }
}

/// A range of days as the days before its first whole month, whole years and months, and the
/// days after its last whole month. Every day of the range is in exactly one part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpanSplit {
    /// Days at either end that make no whole month (first and last day, both included).
    pub days: Vec<(DayNumber, DayNumber)>,
    pub spans: Vec<Span>,
}

/// Cuts `from..=to` into whole spans, years where a whole year fits, and the days left over.
pub fn split(from: DayNumber, to: DayNumber) -> SpanSplit {
    let mut out = SpanSplit::default();
    if from > to {
        return out;
    }
    let first_whole = if month_start(from) == from { from } else { month_end(from) + 1 };
    let last_whole = if month_end(to) == to { to } else { month_start(to) - 1 };
    if first_whole > last_whole {
        out.days.push((from, to));
        return out;
    }
    if from < first_whole {
        out.days.push((from, first_whole - 1));
    }
    let mut day = first_whole;
    while day <= last_whole {
        let year = Span::year_of(day);
        let span = if year.start == day && year.end() <= last_whole { year } else { Span::month_of(day) };
        out.spans.push(span);
        day = span.end() + 1;
    }
    if last_whole < to {
        out.days.push((last_whole + 1, to));
    }
    out
}

/// The fewest spans that together hold every day of `from..=to` (and possibly more days).
pub fn covering(from: DayNumber, to: DayNumber) -> Vec<Span> {
    if from > to {
        return Vec::new();
    }
    split(month_start(from), month_end(to)).spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn day(y: i16, m: i8, d: i8) -> DayNumber {
        number(date(y, m, d))
    }

    #[test]
    fn a_long_range_is_edge_days_months_and_whole_years() {
        let cut = split(day(2023, 11, 25), day(2026, 11, 24));
        assert_eq!(cut.days, vec![(day(2023, 11, 25), day(2023, 11, 30)), (day(2026, 11, 1), day(2026, 11, 24))]);
        let mut expected = vec![Span { months: 1, start: day(2023, 12, 1) }];
        expected.push(Span { months: 12, start: day(2024, 1, 1) });
        expected.push(Span { months: 12, start: day(2025, 1, 1) });
        expected.extend((1..=10).map(|m| Span { months: 1, start: day(2026, m, 1) }));
        assert_eq!(cut.spans, expected);
    }

    #[test]
    fn every_day_is_in_exactly_one_part() {
        for (from, to) in [(0, 400), (31, 59), (45, 46), (58, 1200), (365, 730), (10, 9)] {
            let cut = split(from, to);
            let mut days: Vec<DayNumber> = cut.days.iter().flat_map(|&(a, b)| a..=b).collect();
            days.extend(cut.spans.iter().flat_map(|s| s.start..=s.end()));
            days.sort_unstable();
            assert_eq!(days, (from..=to).collect::<Vec<_>>(), "{from}..={to}");
        }
    }

    #[test]
    fn the_cover_holds_the_range_in_whole_spans() {
        let cover = covering(day(2025, 12, 20), day(2027, 1, 3));
        assert_eq!(
            cover,
            vec![
                Span { months: 1, start: day(2025, 12, 1) },
                Span { months: 12, start: day(2026, 1, 1) },
                Span { months: 1, start: day(2027, 1, 1) },
            ]
        );
        assert_eq!(covering(day(2026, 2, 3), day(2026, 2, 9)), vec![Span { months: 1, start: day(2026, 2, 1) }]);
    }
}
