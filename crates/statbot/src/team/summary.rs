//! A range's figures: per metric its total and daily average (or mean, for averaged metrics),
//! each ratio computed from the range's parts with its target, and the days with no figures
//! typed. The inbox's automatic figures are added by `super::automatic`.

use super::automatic::OperatorFigures;
use super::definition::{Aggregate, Better, MetricDef, MetricKind, RatioDef, TeamDefinition};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// One day's figures, by metric key: those typed, and those the inbox filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayFigures {
    pub date: Date,
    pub values: BTreeMap<String, f64>,
    /// `live_chats`, `first_response`, `resolution` (see `super::automatic`); never a typed key.
    pub automatic: BTreeMap<String, f64>,
}

impl DayFigures {
    /// The day's figure of a metric, typed or automatic.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.get(key).or_else(|| self.automatic.get(key)).copied()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricSummary {
    pub key: String,
    pub name: String,
    pub kind: MetricKind,
    pub aggregate: Aggregate,
    /// The range's total (summed metrics only).
    pub total: Option<f64>,
    /// The mean over the days that have this figure.
    pub average: Option<f64>,
    pub days_recorded: usize,
    /// Filled in from the inbox, not typed (see `super::automatic`).
    pub automatic: bool,
}

impl MetricSummary {
    /// Whether a table shows this metric: all but percent metrics with no day recorded (the
    /// daily percentage a team that records rating counts never uses).
    pub fn shown(&self) -> bool {
        self.days_recorded > 0 || self.kind != MetricKind::Percent
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RatioSummary {
    pub key: String,
    pub name: String,
    /// In percent when `percent` is set.
    pub value: Option<f64>,
    pub percent: bool,
    pub target: Option<f64>,
    pub better: Better,
    pub on_target: Option<bool>,
    /// Days that gave only a percentage (no parts); each counts as an average day.
    pub days_from_percentage: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub from: Date,
    pub to: Date,
    pub days: usize,
    /// Days with typed figures.
    pub days_recorded: usize,
    /// Days with no typed figures (whatever the inbox filled in).
    pub missing_days: Vec<Date>,
    /// The typed metrics, then the automatic ones.
    pub metrics: Vec<MetricSummary>,
    pub ratios: Vec<RatioSummary>,
    /// Each operator's inbox figures, most live chats first.
    pub operators: Vec<OperatorFigures>,
    /// Automatic metrics left out because the team's definition types a metric of that key.
    pub automatic_shadowed: Vec<String>,
}

impl Summary {
    /// Sums up the typed figures of `days` (any order; days outside the range are ignored) over
    /// `from..=to`.
    pub fn compute(definition: &TeamDefinition, from: Date, to: Date, days: &[DayFigures]) -> Summary {
        let in_range: Vec<&DayFigures> =
            days.iter().filter(|d| d.date >= from && d.date <= to && !d.values.is_empty()).collect();
        let recorded: std::collections::BTreeSet<Date> = in_range.iter().map(|d| d.date).collect();
        let all_days: Vec<Date> = from.series(jiff::Span::new().days(1)).take_while(|d| *d <= to).collect();
        let missing_days = all_days.iter().copied().filter(|d| !recorded.contains(d)).collect();
        Summary {
            from,
            to,
            days: all_days.len(),
            days_recorded: recorded.len(),
            missing_days,
            metrics: definition.metrics.iter().map(|m| metric_summary(m, &in_range)).collect(),
            ratios: definition.ratios.iter().map(|r| ratio_summary(r, &in_range)).collect(),
            operators: Vec::new(),
            automatic_shadowed: Vec::new(),
        }
    }

    /// Each ratio's value on `day` alone (`None` without its figures), in the definition's
    /// order: the daily columns of an export, the points of a trend line.
    pub fn day_ratios(definition: &TeamDefinition, day: &DayFigures) -> Vec<Option<f64>> {
        let days = [day];
        definition.ratios.iter().map(|r| ratio_summary(r, &days).value).collect()
    }
}

fn metric_summary(metric: &MetricDef, days: &[&DayFigures]) -> MetricSummary {
    let values: Vec<f64> = days.iter().filter_map(|d| d.values.get(&metric.key).copied()).collect();
    let total: f64 = values.iter().sum();
    let average = (!values.is_empty()).then(|| total / values.len() as f64);
    MetricSummary {
        key: metric.key.clone(),
        name: metric.name.clone(),
        kind: metric.kind,
        aggregate: metric.aggregate,
        total: (metric.aggregate == Aggregate::Sum && !values.is_empty()).then_some(total),
        average,
        days_recorded: values.len(),
        automatic: false,
    }
}

/// A ratio on one day alone (in percent when the ratio is): from the day's parts, or from its
/// percentage when it has only that; `None` when the day has neither.
pub fn ratio_on_day(ratio: &RatioDef, day: &DayFigures) -> Option<f64> {
    ratio_summary(ratio, &[day]).value
}

/// Days with every part add to the totals above and below the line. Days with only the daily
/// percentage count as a day of average size (the mean denominator of the days with parts), or
/// are averaged alone when no day has parts.
fn ratio_summary(ratio: &RatioDef, days: &[&DayFigures]) -> RatioSummary {
    let sum = |day: &DayFigures, keys: &[String]| -> Option<f64> {
        keys.iter().map(|k| day.values.get(k).copied()).sum::<Option<f64>>()
    };
    let (mut above, mut below, mut days_with_parts) = (0.0, 0.0, 0usize);
    let mut percentages = Vec::new();
    for day in days {
        match (sum(day, &ratio.numerator), sum(day, &ratio.denominator)) {
            (Some(n), Some(d)) => {
                above += n;
                below += d;
                days_with_parts += 1;
            }
            _ => {
                if let Some(p) = ratio.percent_metric.as_ref().and_then(|k| day.values.get(k)) {
                    percentages.push(p / 100.0);
                }
            }
        }
    }
    let fraction = if percentages.is_empty() {
        (below > 0.0).then(|| above / below)
    } else if below > 0.0 {
        let day_size = below / days_with_parts as f64;
        Some((above + percentages.iter().sum::<f64>() * day_size) / (below + percentages.len() as f64 * day_size))
    } else {
        Some(percentages.iter().sum::<f64>() / percentages.len() as f64)
    };
    let value = fraction.map(|f| if ratio.percent { f * 100.0 } else { f });
    let on_target = match (value, ratio.target) {
        (Some(v), Some(t)) => Some(match ratio.better {
            Better::Higher => v >= t,
            Better::Lower => v <= t,
        }),
        _ => None,
    };
    RatioSummary {
        key: ratio.key.clone(),
        name: ratio.name.clone(),
        value,
        percent: ratio.percent,
        target: ratio.target,
        better: ratio.better,
        on_target,
        days_from_percentage: percentages.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn day(d: Date, values: &[(&str, f64)]) -> DayFigures {
        let values = values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        DayFigures { date: d, values, automatic: BTreeMap::new() }
    }

    #[test]
    fn ratios_come_from_the_range_parts_not_the_mean_of_daily_ratios() {
        let definition = TeamDefinition::default();
        let days = [
            day(date(2026, 11, 2), &[("solved", 10.0), ("comments", 40.0), ("csat_good", 1.0), ("csat_bad", 1.0)]),
            day(date(2026, 11, 3), &[("solved", 30.0), ("comments", 30.0), ("csat_good", 98.0), ("csat_bad", 0.0)]),
        ];
        let s = Summary::compute(&definition, date(2026, 11, 2), date(2026, 11, 4), &days);
        let csat = &s.ratios[0];
        // 99 good of 100 ratings, where the mean of the daily ratios would be 75 %.
        assert!((csat.value.unwrap() - 99.0).abs() < 1e-9);
        assert_eq!(csat.on_target, Some(true));
        let cps = &s.ratios[1];
        assert!((cps.value.unwrap() - 70.0 / 40.0).abs() < 1e-9);
        assert_eq!(cps.on_target, Some(true));
        assert_eq!(s.missing_days, [date(2026, 11, 4)]);
        assert_eq!((s.days, s.days_recorded), (3, 2));
        let solved = &s.metrics[0];
        assert_eq!((solved.total, solved.average, solved.days_recorded), (Some(40.0), Some(20.0), 2));
        let chats = &s.metrics[1];
        assert_eq!((chats.total, chats.average, chats.days_recorded), (None, None, 0));
    }

    #[test]
    fn a_day_alone_has_its_own_ratio() {
        let definition = TeamDefinition::default();
        let csat = &definition.ratios[0];
        let parts = day(date(2026, 11, 2), &[("csat_good", 19.0), ("csat_bad", 1.0)]);
        assert!((ratio_on_day(csat, &parts).unwrap() - 95.0).abs() < 1e-9);
        let percentage = day(date(2026, 11, 3), &[("csat_percent", 88.0)]);
        assert!((ratio_on_day(csat, &percentage).unwrap() - 88.0).abs() < 1e-9);
        assert_eq!(ratio_on_day(csat, &day(date(2026, 11, 4), &[("solved", 3.0)])), None);
        let no_ratings = day(date(2026, 11, 5), &[("csat_good", 0.0), ("csat_bad", 0.0)]);
        assert_eq!(ratio_on_day(csat, &no_ratings), None, "no ratings, no CSAT");
    }

    #[test]
    fn percentage_only_days_count_as_an_average_day() {
        let definition = TeamDefinition::default();
        let only_percentages =
            [day(date(2026, 11, 2), &[("csat_percent", 90.0)]), day(date(2026, 11, 3), &[("csat_percent", 100.0)])];
        let s = Summary::compute(&definition, date(2026, 11, 2), date(2026, 11, 3), &only_percentages);
        assert!((s.ratios[0].value.unwrap() - 95.0).abs() < 1e-9);
        assert_eq!(s.ratios[0].days_from_percentage, 2);
        assert_eq!(s.metrics[5].total, None, "an averaged metric has no total");

        // 10 ratings (8 good) on one day, 100 % on another: that day weighs as 10 ratings.
        let mixed = [
            day(date(2026, 11, 2), &[("csat_good", 8.0), ("csat_bad", 2.0)]),
            day(date(2026, 11, 3), &[("csat_percent", 100.0)]),
        ];
        let s = Summary::compute(&definition, date(2026, 11, 2), date(2026, 11, 3), &mixed);
        assert!((s.ratios[0].value.unwrap() - 90.0).abs() < 1e-9);
        assert_eq!(s.ratios[0].on_target, Some(false));
    }

    #[test]
    fn an_empty_range_lists_every_day_as_missing_and_has_no_ratios() {
        let s = Summary::compute(&TeamDefinition::default(), date(2026, 11, 1), date(2026, 11, 7), &[]);
        assert_eq!(s.missing_days.len(), 7);
        assert!(s.ratios.iter().all(|r| r.value.is_none() && r.on_target.is_none()));
    }
}
