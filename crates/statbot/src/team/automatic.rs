//! The figures the inbox fills in by itself (issue 19), shown beside the typed ones: per day
//! `live_chats` (conversations an operator of the team first answered that day), `first_response`
//! (their mean time from the ask to that answer) and `resolution` (the mean time from the ask to
//! the release of those released that day), and the same per operator over the range.
//!
//! Days are the business time zone's: their boundaries are worked out here and the store buckets
//! by instant. Over a range, the means are weighted by conversations (never a mean of daily
//! means). Nobody types these keys: a definition may not use them, and a team whose definition
//! used one before keeps its typed metric, the inbox's figure of that key being left out and
//! named in `automatic_shadowed`.

use super::definition::{Aggregate, MetricDef, MetricKind, TeamDefinition};
use super::summary::{DayFigures, MetricSummary, Summary};
use crate::dates::DayRange;
use crate::store::{InboxFigures, Tally};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

pub const LIVE_CHATS: &str = "live_chats";
pub const FIRST_RESPONSE: &str = "first_response";
pub const RESOLUTION: &str = "resolution";

/// The automatic metrics' keys, in the order they are shown.
pub const KEYS: [&str; 3] = [LIVE_CHATS, FIRST_RESPONSE, RESOLUTION];

/// Whether the inbox fills the metric `key` (no one types it).
pub fn is_automatic(key: &str) -> bool {
    KEYS.contains(&key)
}

/// The automatic metric of that key, as if a team had defined it.
pub fn metric(key: &str) -> Option<MetricDef> {
    let (name, kind, aggregate) = match key {
        LIVE_CHATS => ("Live chats (inbox)", MetricKind::Count, Aggregate::Sum),
        FIRST_RESPONSE => ("First response (inbox)", MetricKind::Duration, Aggregate::Average),
        RESOLUTION => ("Resolution (inbox)", MetricKind::Duration, Aggregate::Average),
        _ => return None,
    };
    Some(MetricDef { key: key.to_owned(), name: name.to_owned(), kind, aggregate })
}

/// The automatic metrics a team's report shows: all but those its definition types itself.
pub fn shown(definition: &TeamDefinition) -> Vec<MetricDef> {
    KEYS.iter().filter(|key| definition.metric(key).is_none()).filter_map(|key| metric(key)).collect()
}

/// One operator's inbox figures over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorFigures {
    pub username: String,
    /// Conversations the operator answered first in the range.
    pub live_chats: u64,
    /// Their mean first response time, in seconds.
    pub first_response: Option<f64>,
    /// Conversations the operator answered first that went back to the bot in the range.
    pub resolved: u64,
    /// Their mean time from the ask to the release, in seconds.
    pub resolution: Option<f64>,
}

/// Where each day of `range` starts in `zone`, in epoch milliseconds, followed by where the range
/// ends (the start of the day after): `n + 1` instants for `n` days. A day that begins in a
/// daylight-saving gap starts at the gap's end; days are 23 or 25 hours long where the clocks
/// change.
pub fn day_starts(range: DayRange, zone: &TimeZone) -> Vec<i64> {
    let days = range.from.series(jiff::Span::new().days(1)).take_while(|d| *d <= range.to);
    let end = range.to.tomorrow().ok();
    days.chain(end)
        .filter_map(|date| date.to_zoned(zone.clone()).ok())
        .map(|start| start.timestamp().as_millisecond())
        .collect()
}

/// Adds the inbox's figures to a report's summary and days: each shown automatic metric after
/// the typed ones, the days' values under `automatic` (a day with only these joins `daily`; it
/// still lacks its typed figures and stays among the missing days), and the operators.
pub fn add(definition: &TeamDefinition, summary: &mut Summary, daily: &mut Vec<DayFigures>, inbox: &InboxFigures) {
    let shown = shown(definition);
    let has = |key: &str| shown.iter().any(|m| m.key == key);
    let date_of = |index: usize| -> Option<Date> {
        let date = summary.from.checked_add(jiff::Span::new().days(i64::try_from(index).ok()?)).ok()?;
        (date <= summary.to).then_some(date)
    };
    let (mut responded, mut resolved) = (Tally::default(), Tally::default());
    let (mut days_responded, mut days_resolved) = (0, 0);
    for (&index, day) in &inbox.days {
        let Some(date) = date_of(index) else { continue };
        let mut values = Vec::new();
        if day.responded.count > 0 {
            days_responded += 1;
            merge(&mut responded, day.responded);
            values.push((LIVE_CHATS, day.responded.count as f64));
            values.extend(day.responded.mean_secs().map(|secs| (FIRST_RESPONSE, secs)));
        }
        if let Some(secs) = day.resolved.mean_secs() {
            days_resolved += 1;
            merge(&mut resolved, day.resolved);
            values.push((RESOLUTION, secs));
        }
        values.retain(|(key, _)| has(key));
        if values.is_empty() {
            continue;
        }
        let at = daily.partition_point(|d| d.date < date);
        if daily.get(at).is_none_or(|d| d.date != date) {
            daily.insert(at, DayFigures { date, values: Default::default(), automatic: Default::default() });
        }
        daily[at].automatic.extend(values.into_iter().map(|(key, value)| (key.to_owned(), value)));
    }
    for m in shown {
        let (total, average, days_recorded) = match m.key.as_str() {
            LIVE_CHATS => {
                let total = responded.count as f64;
                (Some(total), (days_responded > 0).then(|| total / f64::from(days_responded)), days_responded)
            }
            FIRST_RESPONSE => (None, responded.mean_secs(), days_responded),
            _ => (None, resolved.mean_secs(), days_resolved),
        };
        let total = total.filter(|_| days_recorded > 0);
        summary.metrics.push(MetricSummary {
            key: m.key,
            name: m.name,
            kind: m.kind,
            aggregate: m.aggregate,
            total,
            average,
            days_recorded: days_recorded as usize,
            automatic: true,
        });
    }
    summary.automatic_shadowed =
        KEYS.iter().filter(|key| definition.metric(key).is_some()).map(|key| (*key).to_owned()).collect();
    let mut operators: Vec<OperatorFigures> = inbox
        .operators
        .iter()
        .map(|o| OperatorFigures {
            username: o.username.clone(),
            live_chats: o.responded.count,
            first_response: o.responded.mean_secs(),
            resolved: o.resolved.count,
            resolution: o.resolved.mean_secs(),
        })
        .collect();
    operators.sort_by(|a, b| b.live_chats.cmp(&a.live_chats).then_with(|| a.username.cmp(&b.username)));
    summary.operators = operators;
}

fn merge(into: &mut Tally, day: Tally) {
    into.count += day.count;
    into.total_ms += day.total_ms;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{InboxDay, InboxOperator};
    use jiff::civil::date;

    fn tally(count: u64, total_ms: i64) -> Tally {
        Tally { count, total_ms }
    }

    #[test]
    fn days_start_at_local_midnight_and_follow_the_clock_changes() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        // 2026-03-29: clocks go from 02:00 to 03:00 in Paris, a 23-hour day.
        let range = DayRange { from: date(2026, 3, 28), to: date(2026, 3, 29) };
        let starts = day_starts(range, &paris);
        let utc = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        assert_eq!(starts, [utc("2026-03-27T23:00:00Z"), utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z")]);
        assert_eq!(starts[2] - starts[1], 23 * 3_600_000);
        let one = day_starts(DayRange { from: date(2026, 1, 1), to: date(2026, 1, 1) }, &TimeZone::UTC);
        assert_eq!(one, [utc("2026-01-01T00:00:00Z"), utc("2026-01-02T00:00:00Z")]);
    }

    #[test]
    fn range_means_are_weighted_by_conversations_and_inbox_only_days_stay_missing() {
        let definition = TeamDefinition::default();
        let (from, to) = (date(2026, 11, 2), date(2026, 11, 4));
        let mut daily = vec![DayFigures {
            date: date(2026, 11, 3),
            values: [("solved".to_owned(), 4.0)].into(),
            automatic: Default::default(),
        }];
        let mut summary = Summary::compute(&definition, from, to, &daily);
        let inbox = InboxFigures {
            days: [
                // One chat answered after 10 s; three after 30 s each (90 s in all), one released after 10 min.
                (0, InboxDay { responded: tally(1, 10_000), resolved: Tally::default() }),
                (1, InboxDay { responded: tally(3, 90_000), resolved: tally(1, 600_000) }),
            ]
            .into(),
            operators: vec![
                InboxOperator { username: "bob".into(), responded: tally(1, 10_000), resolved: Tally::default() },
                InboxOperator { username: "ann".into(), responded: tally(3, 90_000), resolved: tally(1, 600_000) },
            ],
        };
        add(&definition, &mut summary, &mut daily, &inbox);

        let dates: Vec<Date> = daily.iter().map(|d| d.date).collect();
        assert_eq!(dates, [date(2026, 11, 2), date(2026, 11, 3)], "the inbox-only day joins, in order");
        assert_eq!(daily[0].automatic, [("first_response".into(), 10.0), ("live_chats".into(), 1.0)].into());
        assert!(daily[0].values.is_empty());
        assert_eq!(daily[1].automatic["resolution"], 600.0);
        assert_eq!(summary.missing_days, [date(2026, 11, 2), date(2026, 11, 4)], "typed figures still missing");
        assert_eq!(summary.days_recorded, 1);

        let auto: Vec<&MetricSummary> = summary.metrics.iter().filter(|m| m.automatic).collect();
        let keys: Vec<&str> = auto.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, KEYS);
        assert_eq!((auto[0].total, auto[0].average, auto[0].days_recorded), (Some(4.0), Some(2.0), 2));
        // 100 s over 4 chats, where the mean of the daily means would be 20 s.
        assert_eq!((auto[1].total, auto[1].average, auto[1].days_recorded), (None, Some(25.0), 2));
        assert_eq!((auto[2].average, auto[2].days_recorded), (Some(600.0), 1));
        assert!(summary.automatic_shadowed.is_empty());

        let names: Vec<&str> = summary.operators.iter().map(|o| o.username.as_str()).collect();
        assert_eq!(names, ["ann", "bob"], "most chats first");
        assert_eq!(
            summary.operators[0],
            OperatorFigures {
                username: "ann".into(),
                live_chats: 3,
                first_response: Some(30.0),
                resolved: 1,
                resolution: Some(600.0)
            }
        );
        assert_eq!(summary.operators[1].resolution, None);
    }

    #[test]
    fn a_team_typing_a_key_of_its_own_keeps_it_and_the_inbox_figure_is_named_as_left_out() {
        let mut definition = TeamDefinition::default();
        definition.metrics[1].key = LIVE_CHATS.into();
        let (from, to) = (date(2026, 11, 2), date(2026, 11, 2));
        let mut daily = vec![DayFigures {
            date: from,
            values: [(LIVE_CHATS.to_owned(), 7.0)].into(),
            automatic: Default::default(),
        }];
        let mut summary = Summary::compute(&definition, from, to, &daily);
        let inbox = InboxFigures {
            days: [(0, InboxDay { responded: tally(2, 20_000), resolved: Tally::default() })].into(),
            operators: Vec::new(),
        };
        add(&definition, &mut summary, &mut daily, &inbox);
        assert_eq!(daily[0].values[LIVE_CHATS], 7.0, "the typed figure is not overwritten");
        assert_eq!(daily[0].automatic, [(FIRST_RESPONSE.to_owned(), 10.0)].into());
        let live: Vec<&MetricSummary> = summary.metrics.iter().filter(|m| m.key == LIVE_CHATS).collect();
        assert_eq!(live.len(), 1);
        assert!(!live[0].automatic);
        assert_eq!(live[0].total, Some(7.0));
        assert_eq!(summary.automatic_shadowed, [LIVE_CHATS]);
    }
}
