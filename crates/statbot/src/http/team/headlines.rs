//! The team page's headline cards: each ratio (its change coloured by which way the ratio should
//! move) and each summed metric with figures, against the previous range of equal length, with
//! its trend over the days of the range (a gap on days without the figure).

use crate::http::dashboard::{Better, Card};
use crate::team::definition::{Aggregate, Better as RatioBetter};
use crate::team::{DayRange, Report, Summary, TeamDefinition, table, value};
use jiff::civil::Date;

/// The range of equal length just before `range`.
pub(super) fn previous_range(range: DayRange) -> Option<DayRange> {
    let days = range.from.until(range.to).ok()?.get_days();
    let to = range.from.yesterday().ok()?;
    Some(DayRange { from: to.checked_sub(jiff::Span::new().days(days)).ok()?, to })
}

pub(super) fn cards(definition: &TeamDefinition, report: &Report, previous: Option<&Report>) -> Vec<Card> {
    let s = &report.summary;
    let days: Vec<Date> = s.from.series(jiff::Span::new().days(1)).take_while(|d| *d <= s.to).collect();
    let by_day = |value_of: &dyn Fn(&crate::team::DayFigures) -> Option<f64>| -> Vec<Option<f64>> {
        days.iter().map(|date| report.daily.iter().find(|d| d.date == *date).and_then(value_of)).collect()
    };
    let mut cards = Vec::new();
    for (i, ratio) in s.ratios.iter().enumerate() {
        let Some(value) = ratio.value else { continue };
        let before = previous.and_then(|p| p.summary.ratios.get(i)).and_then(|r| r.value);
        let better = match ratio.better {
            RatioBetter::Higher => Better::Higher,
            RatioBetter::Lower => Better::Lower,
        };
        let written = |v: f64| table::ratio_value(ratio, v);
        let trend = by_day(&|day| Summary::day_ratios(definition, day).get(i).copied().flatten());
        cards.push(
            Card::new(&ratio.key, &ratio.name, (value, before), (written(value), before.map(written)))
                .better(better, value, before)
                .spark(&trend, &format!("{} per day", ratio.name)),
        );
    }
    for metric in s.metrics.iter().filter(|m| m.aggregate == Aggregate::Sum) {
        let Some(total) = metric.total else { continue };
        let before =
            previous.and_then(|p| p.summary.metrics.iter().find(|m| m.key == metric.key)).and_then(|m| m.total);
        let written = |v: f64| value::format(metric.kind, v, 0);
        let trend = by_day(&|day| day.get(&metric.key));
        cards.push(
            Card::new(&metric.key, &metric.name, (total, before), (written(total), before.map(written)))
                .better(Better::Either, total, before)
                .spark(&trend, &format!("{} per day", metric.name)),
        );
    }
    cards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::DayFigures;
    use jiff::civil::date;

    fn report(definition: &TeamDefinition, from: Date, to: Date, daily: Vec<DayFigures>) -> Report {
        let summary = Summary::compute(definition, from, to, &daily);
        Report { team: "Support".into(), summary, daily }
    }

    fn day(d: Date, solved: f64, good: f64, bad: f64) -> DayFigures {
        DayFigures {
            date: d,
            values: [("solved", solved), ("csat_good", good), ("csat_bad", bad)].map(|(k, v)| (k.to_owned(), v)).into(),
            automatic: Default::default(),
        }
    }

    #[test]
    fn ratios_then_totals_against_the_range_before_with_their_days() {
        let definition = TeamDefinition::default();
        let range = DayRange { from: date(2026, 11, 8), to: date(2026, 11, 14) };
        let before = previous_range(range).unwrap();
        assert_eq!(before, DayRange { from: date(2026, 11, 1), to: date(2026, 11, 7) });
        let now = report(
            &definition,
            range.from,
            range.to,
            vec![day(date(2026, 11, 9), 40.0, 18.0, 2.0), day(date(2026, 11, 11), 20.0, 20.0, 0.0)],
        );
        let then = report(&definition, before.from, before.to, vec![day(date(2026, 11, 2), 50.0, 19.0, 1.0)]);
        let cards = cards(&definition, &now, Some(&then));
        let keys: Vec<&str> = cards.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["csat", "solved", "csat_good", "csat_bad"], "ratios with figures, then summed metrics");
        let csat = &cards[0];
        assert_eq!((csat.value.as_str(), csat.previous.as_str()), ("95%", "from 95%"));
        assert_eq!((csat.change.as_str(), csat.trend), ("–", "flat"));
        let solved = &cards[1];
        assert_eq!((solved.value.as_str(), solved.change.as_str(), solved.trend), ("60", "▲ +20.0 %", "flat"));
        let line = solved.spark.as_ref().expect("a trend line");
        assert_eq!((line.lines.len(), line.dots.len()), (0, 2), "two days apart, each a dot");
        assert_eq!(line.label, "Tickets solved per day (trend line)");
    }
}
