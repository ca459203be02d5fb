//! `GET /charts/team/{metric}.png|svg?from=&to=&team=`: one metric of a team per day over a
//! range (the inbox's automatic `live_chats`, `first_response` and `resolution` too), and
//! `GET /charts/team/ratios/{ratio}.png|svg?…`: one ratio (CSAT) per day with its
//! target, for the dashboard session (admins may name any team; `size=phone` for the phone
//! version). Every day of the range is on the x axis; days with no figure are shaded gaps the
//! line does not cross, and are named in the footnote. Values are written by the metric's kind;
//! a percentage stays on a 0-100 % axis. The page shows them through [`figures`].

use super::request::TeamParams;
use crate::http::AppState;
use crate::http::charts::{ChartFigure, ChartSize, ImageFormat, render, split_file};
use crate::http::dashboard::Dashboard;
use crate::http::error::ApiError;
use crate::team::definition::{MetricDef, MetricKind, RatioDef};
use crate::team::summary::{RatioSummary, ratio_on_day};
use crate::team::{DayFigures, DayRange, Report, automatic, table};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use jiff::civil::Date;
use statbot_charts::{Chart, LineSeries, ValueFormat};
use std::collections::BTreeSet;

/// Days without a figure named one by one in the footnote at most; more are summed up.
const LISTED_GAPS: usize = 10;
/// Durations whose largest day reaches this many seconds are drawn in hours, others in minutes.
const HOURS_FROM_SECS: f64 = 2.0 * 3600.0;

pub(super) async fn chart(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(file): Path<String>,
    size: ChartSize,
    params: Result<Query<TeamParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Asked { key, format, range, team } = asked(&state, &dashboard, &file, params).await?;
    let (metric, days) = match team.definition.metric(&key) {
        Some(metric) => (metric.clone(), state.teams.days(&team, range).await?),
        // The inbox's figures come with the report (unless the team types that key itself).
        None => match automatic::metric(&key) {
            Some(metric) => (metric, state.teams.report(&team, range).await?.daily),
            None => return Err(ApiError::NotFound(format!("metric `{key}` of team {}", team.name))),
        },
    };
    render(metric_chart(&team.name, &metric, range, &days), format, size).await
}

/// `GET /charts/team/ratios/{ratio}.png|svg`: the ratio day by day with its target.
pub(super) async fn ratio_chart(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(file): Path<String>,
    size: ChartSize,
    params: Result<Query<TeamParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Asked { key, format, range, team } = asked(&state, &dashboard, &file, params).await?;
    let (ratio, report) = match team.definition.ratio(&key) {
        Some(ratio) => (ratio.clone(), state.teams.report(&team, range).await?),
        None => return Err(ApiError::NotFound(format!("ratio `{key}` of team {}", team.name))),
    };
    render(ratio_trend(&report, &ratio), format, size).await
}

/// What a team chart request asks for: the chart's key and format, the range, and the team.
struct Asked {
    key: String,
    format: ImageFormat,
    range: DayRange,
    team: crate::team::Team,
}

async fn asked(
    state: &AppState,
    dashboard: &Dashboard,
    file: &str,
    params: Result<Query<TeamParams>, QueryRejection>,
) -> Result<Asked, ApiError> {
    let (key, format) = split_file(file)?;
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let range = params.range(state.teams.today()).map_err(ApiError::BadRequest)?;
    let team = state.teams.for_request(&dashboard.session.user, params.team()).await?;
    Ok(Asked { key: key.to_owned(), format, range, team })
}

/// The charts the page shows: one per ratio with a value in the range (CSAT first, with its
/// target), and one per metric with figures, the inbox's automatic ones last; `query` is the
/// page's (`from=…&to=…&team=…`).
pub(super) fn figures(report: &Report, definition: &crate::team::TeamDefinition, query: &str) -> Figures {
    let s = &report.summary;
    let range = DayRange { from: s.from, to: s.to };
    let ratios = definition
        .ratios
        .iter()
        .zip(&s.ratios)
        .filter(|(_, summary)| summary.value.is_some())
        .map(|(ratio, _)| {
            ChartFigure::new(&format!("/charts/team/ratios/{}", ratio.key), query, &ratio_trend(report, ratio))
        })
        .collect();
    let metrics = definition
        .metrics
        .iter()
        .zip(&s.metrics)
        .filter(|(_, summary)| summary.days_recorded > 0)
        .map(|(metric, _)| metric.clone())
        .chain(
            s.metrics.iter().filter(|m| m.automatic && m.days_recorded > 0).filter_map(|m| automatic::metric(&m.key)),
        )
        .map(|metric| {
            let chart = metric_chart(&report.team, &metric, range, &report.daily);
            ChartFigure::new(&format!("/charts/team/{}", metric.key), query, &chart)
        })
        .collect();
    Figures { ratios, metrics }
}

/// The page's charts: ratios (trends against their targets), then metrics.
pub(super) struct Figures {
    pub(super) ratios: Vec<ChartFigure>,
    pub(super) metrics: Vec<ChartFigure>,
}

/// The metric's line over every day of `range`, with gaps where it has no figure.
fn metric_chart(team: &str, metric: &MetricDef, range: DayRange, days: &[DayFigures]) -> Chart {
    let figures: Vec<(Date, f64)> = days.iter().filter_map(|d| d.get(&metric.key).map(|v| (d.date, v))).collect();
    let largest = figures.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let scale = Scale::of(metric.kind, largest);
    let points: Vec<(Date, f64)> = figures.iter().map(|(d, v)| (*d, v / scale.divisor)).collect();
    let mut chart =
        daily_line(format!("{}, {team}", metric.name), &metric.name, range, &points, None).with_format(scale.format);
    if let Some(unit) = scale.unit {
        chart = chart.with_y_label(unit);
    }
    chart
}

/// A ratio per day (each day's own, from its parts or its percentage) over the report's range,
/// with its target marked; the footnote gives the range's ratio, which comes from its totals.
fn ratio_trend(report: &Report, ratio: &RatioDef) -> Chart {
    let s = &report.summary;
    let range = DayRange { from: s.from, to: s.to };
    let points: Vec<(Date, f64)> = report
        .daily
        .iter()
        .filter(|d| d.date >= range.from && d.date <= range.to)
        .filter_map(|d| ratio_on_day(ratio, d).map(|v| (d.date, v)))
        .collect();
    let summary = s.ratios.iter().find(|r| r.key == ratio.key);
    let whole = summary.and_then(|r| Some(format!("{} over the range (from its totals)", written(r, r.value?))));
    let title = format!("{} per day, {}", ratio.name, report.team);
    let mut chart = daily_line(title, &ratio.name, range, &points, whole).with_format(if ratio.percent {
        ValueFormat::Percent { decimals: 1 }
    } else {
        ValueFormat::Number { decimals: 2 }
    });
    if let (Some(summary), Some(target)) = (summary, ratio.target) {
        let label = table::ratio_target(summary).map_or_else(|| "Target".to_owned(), |t| format!("Target: {t}"));
        chart = chart.with_reference_line(label, target);
    }
    chart
}

fn written(summary: &RatioSummary, value: f64) -> String {
    table::ratio_value(summary, value)
}

/// One line over every day of `range` from `points` (a date and its value), with gaps where
/// there is none, named in the footnote after `lead` (a sentence said first, if any).
fn daily_line(title: String, name: &str, range: DayRange, points: &[(Date, f64)], lead: Option<String>) -> Chart {
    let all_days: Vec<Date> = range.from.series(jiff::Span::new().days(1)).take_while(|d| *d <= range.to).collect();
    let recorded: BTreeSet<Date> = points.iter().map(|(d, _)| *d).collect();
    let gaps: Vec<Date> = all_days.iter().copied().filter(|d| !recorded.contains(d)).collect();
    let series = LineSeries::new(name, points.iter().map(|(d, v)| (d.to_string(), *v)));
    let chart = Chart::line(title, vec![series]).with_x_labels(all_days.iter().map(ToString::to_string));
    let footnote: Vec<String> = lead.into_iter().chain(gaps_footnote(&gaps, all_days.len())).collect();
    if footnote.is_empty() { chart } else { chart.with_footnote(footnote.join(". ")) }
}

/// How a kind of metric is drawn: stored values divided by `divisor`, written as `format`, with
/// the unit beside the axis when the numbers alone do not say it.
struct Scale {
    divisor: f64,
    format: ValueFormat,
    unit: Option<&'static str>,
}

impl Scale {
    fn of(kind: MetricKind, largest: f64) -> Scale {
        match kind {
            MetricKind::Count => Scale { divisor: 1.0, format: ValueFormat::Count, unit: None },
            MetricKind::Percent => Scale { divisor: 1.0, format: ValueFormat::Percent { decimals: 1 }, unit: None },
            MetricKind::Duration if largest >= HOURS_FROM_SECS => {
                Scale { divisor: 3600.0, format: ValueFormat::Number { decimals: 1 }, unit: Some("Hours") }
            }
            MetricKind::Duration => {
                Scale { divisor: 60.0, format: ValueFormat::Number { decimals: 1 }, unit: Some("Minutes") }
            }
        }
    }
}

/// "No figures: 2026-11-03, 2026-11-05", or for many days "No figures on 40 of 90 days (first …,
/// last …)"; nothing when every day has one.
fn gaps_footnote(gaps: &[Date], days: usize) -> Option<String> {
    let (first, last) = (gaps.first()?, gaps.last()?);
    if gaps.len() <= LISTED_GAPS {
        let listed: Vec<String> = gaps.iter().map(ToString::to_string).collect();
        Some(format!("No figures: {}", listed.join(", ")))
    } else {
        Some(format!("No figures on {} of {days} days (first {first}, last {last})", gaps.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::TeamDefinition;
    use jiff::civil::date;
    use statbot_charts::{ChartKind, X};

    fn day(d: Date, key: &str, value: f64) -> DayFigures {
        DayFigures { date: d, values: [(key.to_owned(), value)].into(), automatic: Default::default() }
    }

    fn metric(kind: MetricKind) -> MetricDef {
        let mut metric = TeamDefinition::default().metrics[0].clone();
        metric.kind = kind;
        metric
    }

    #[test]
    fn every_day_is_on_the_axis_and_days_without_the_metric_are_named() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 4) };
        let days = [
            day(date(2026, 11, 1), "solved", 40.0),
            day(date(2026, 11, 3), "chats", 12.0),
            day(date(2026, 11, 4), "solved", 20.0),
        ];
        let chart = metric_chart("Support", &metric(MetricKind::Count), range, &days);
        assert_eq!(chart.title, "Tickets solved, Support");
        assert_eq!(chart.x_labels, ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]);
        let ChartKind::Line { series } = &chart.kind else { panic!("a line chart") };
        let xs: Vec<&X> = series[0].points.iter().map(|p| &p.x).collect();
        assert_eq!(xs, [&X::Label("2026-11-01".into()), &X::Label("2026-11-04".into())]);
        assert_eq!(chart.footnote.as_deref(), Some("No figures: 2026-11-02, 2026-11-03"));
        assert_eq!(chart.format, ValueFormat::Count);
        statbot_charts::render_svg(&chart).unwrap();
    }

    #[test]
    fn values_are_drawn_by_kind() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 1) };
        let one = |kind, value| metric_chart("T", &metric(kind), range, &[day(range.from, "solved", value)]);
        let y = |chart: &Chart| match &chart.kind {
            ChartKind::Line { series } => series[0].points[0].y,
            _ => panic!("a line chart"),
        };
        let percent = one(MetricKind::Percent, 96.5);
        assert_eq!((&percent.format, y(&percent)), (&ValueFormat::Percent { decimals: 1 }, 96.5));
        let minutes = one(MetricKind::Duration, 2700.0);
        assert_eq!((minutes.y_label.as_deref(), y(&minutes)), (Some("Minutes"), 45.0));
        let hours = one(MetricKind::Duration, 3.0 * 3600.0);
        assert_eq!((hours.y_label.as_deref(), y(&hours)), (Some("Hours"), 3.0));
        assert_eq!(percent.footnote, None, "no gaps, no footnote");
    }

    #[test]
    fn long_gaps_are_summed_up() {
        let gaps: Vec<Date> = (1..=12).map(|d| date(2026, 11, d)).collect();
        assert_eq!(
            gaps_footnote(&gaps, 30).as_deref(),
            Some("No figures on 12 of 30 days (first 2026-11-01, last 2026-11-12)")
        );
        assert_eq!(gaps_footnote(&[], 30), None);
    }
}
