//! `GET /team?from=&to=&team=`: a team's figures over a range on the dashboard. Headline cards
//! against the previous range (`super::headlines`); the metrics with their totals, daily
//! averages and days recorded (the inbox's automatic ones marked); the ratios against their
//! targets; each operator's inbox figures; the days with no figures typed; links
//! to the export; a trend chart per ratio with its target (CSAT); a chart per metric with
//! figures; and the form for a day's figures (`super::day_form`). Everyone
//! sees their own team; admins pick any team. A refused team or a bad range is said on the
//! page, and a refused team shows no figures at all.

use super::day_form::DayForm;
use super::headlines;
use super::request::{TeamParams, default_range, query};
use crate::http::AppState;
use crate::http::charts::ChartFigure;
use crate::http::dashboard::{Card, Dashboard, Nav, Preset, presets, sentence};
use crate::http::error::ApiError;
use crate::store::Role;
use crate::team::definition::MetricKind;
use crate::team::summary::RatioSummary;
use crate::team::{DayRange, Report, Team, TeamError, table, value};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

struct MetricRow {
    key: String,
    name: String,
    total: String,
    average: String,
    days: usize,
    /// Filled in from the inbox, not typed.
    automatic: bool,
}

/// One operator's inbox figures over the range.
struct OperatorRow {
    username: String,
    live_chats: u64,
    first_response: String,
    resolved: u64,
    resolution: String,
}

struct RatioRow {
    key: String,
    name: String,
    value: String,
    target: String,
    /// `on`, `off` or `none`: how the status is styled.
    status: &'static str,
    status_text: &'static str,
}

/// What is shown once the team is known.
struct Stats {
    cards: Vec<Card>,
    days: usize,
    days_recorded: usize,
    metrics: Vec<MetricRow>,
    /// Whether any metric shown is filled in from the inbox (then a note says how).
    has_automatic: bool,
    /// Automatic figures left out because the team types a metric of that key.
    shadowed: Option<String>,
    ratios: Vec<RatioRow>,
    operators: Vec<OperatorRow>,
    /// Ratios with days recorded as a percentage only, explained under the table.
    ratio_notes: Vec<String>,
    missing: Option<String>,
    query: String,
    /// Each ratio with a value, day by day against its target.
    ratio_charts: Vec<ChartFigure>,
    charts: Vec<ChartFigure>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/team.html")]
struct TeamPage {
    nav: Nav,
    range: DayRange,
    range_error: Option<String>,
    presets: Vec<Preset>,
    /// Why no figures are shown (a team the account may not see, or no such team).
    error: Option<String>,
    /// The team shown (or, after an error, the account's own).
    team: String,
    /// Every team, for the admins' picker; empty for others.
    teams: Vec<String>,
    stats: Option<Stats>,
    /// The form for a day's figures (none after a refused team).
    day: Option<DayForm>,
    /// "Saved the figures of 2026-12-05.", after the form saved a day.
    saved: Option<String>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    dashboard: Dashboard,
    params: Result<Query<TeamParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    render(&state, &dashboard, &params, None).await
}

/// The page for `params`, with the day form as sent (`day`, after refused figures) or blank.
pub(super) async fn render(
    state: &AppState,
    dashboard: &Dashboard,
    params: &TeamParams,
    day: Option<DayForm>,
) -> Result<Response, ApiError> {
    let today = state.teams.today();
    let (range, range_error) = match params.range(today) {
        Ok(range) => (range, None),
        Err(e) => (default_range(today), Some(sentence(&e))),
    };
    let user = &dashboard.session.user;
    let teams = match user.role {
        Role::Admin => state.teams.list().await?.into_iter().map(|t| t.name).collect(),
        Role::Staff | Role::Customer => Vec::new(),
    };
    let mut page = TeamPage {
        nav: Nav::of(dashboard),
        range,
        range_error,
        presets: Vec::new(),
        error: None,
        team: String::new(),
        teams,
        stats: None,
        day: None,
        saved: params.saved().map(|date| format!("Saved the figures of {date}.")),
    };
    match state.teams.for_request(user, params.team()).await {
        Ok(team) => {
            let report = state.teams.report(&team, range).await?;
            let previous = match headlines::previous_range(range) {
                Some(previous) => Some(state.teams.report(&team, previous).await?),
                None => None,
            };
            page.stats = Some(stats(&team, &report, previous.as_ref()));
            page.day = Some(day.unwrap_or_else(|| {
                DayForm::new(&team.definition, &dashboard.session.csrf, &team.name, &HashMap::new(), today)
            }));
            page.team = team.name;
            page.presets = presets(today, (range.from, range.to), "/team", &[("team", params.team().unwrap_or(""))]);
            Ok(page.into_response())
        }
        Err(e @ (TeamError::Forbidden(_) | TeamError::UnknownTeam(_) | TeamError::BadInput(_))) => {
            let status = match e {
                TeamError::Forbidden(_) => StatusCode::FORBIDDEN,
                TeamError::UnknownTeam(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            let own = state.teams.of_user(user).await?;
            page.error = Some(match e {
                TeamError::Forbidden(_) => {
                    format!("Only admins can see another team's figures; your team is {}.", own.name)
                }
                other => sentence(&other.to_string()),
            });
            page.team = own.name;
            page.presets = presets(today, (range.from, range.to), "/team", &[]);
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn stats(team: &Team, report: &Report, previous: Option<&Report>) -> Stats {
    let s = &report.summary;
    let query = query(DayRange { from: s.from, to: s.to }, &team.name);
    let shown = s.metrics.iter().filter(|m| m.shown());
    let metrics: Vec<MetricRow> = shown
        .map(|m| MetricRow {
            key: m.key.clone(),
            name: m.name.clone(),
            total: m.total.map_or_else(|| "—".into(), |t| value::format(m.kind, t, 0)),
            average: m.average.map_or_else(|| "—".into(), |a| value::format(m.kind, a, 1)),
            days: m.days_recorded,
            automatic: m.automatic,
        })
        .collect();
    let duration = |secs: Option<f64>| secs.map_or_else(|| "—".into(), |s| value::format(MetricKind::Duration, s, 0));
    let operators = s
        .operators
        .iter()
        .map(|o| OperatorRow {
            username: o.username.clone(),
            live_chats: o.live_chats,
            first_response: duration(o.first_response),
            resolved: o.resolved,
            resolution: duration(o.resolution),
        })
        .collect();
    let figures = super::charts::figures(report, &team.definition, &query);
    let ratio_notes = s
        .ratios
        .iter()
        .filter(|r| r.days_from_percentage > 0)
        .map(|r| {
            let n = r.days_from_percentage;
            let days = if n == 1 { "day" } else { "days" };
            format!("{}: {n} {days} recorded as a percentage only, each counted as an average day.", r.name)
        })
        .collect();
    let has_automatic = metrics.iter().any(|m| m.automatic);
    Stats {
        cards: headlines::cards(&team.definition, report, previous),
        days: s.days,
        days_recorded: s.days_recorded,
        metrics,
        has_automatic,
        shadowed: table::shadowed_note(report).map(|note| sentence(&note)),
        ratios: s.ratios.iter().map(ratio_row).collect(),
        operators,
        ratio_notes,
        missing: table::missing_days_warning(report),
        query,
        ratio_charts: figures.ratios,
        charts: figures.metrics,
    }
}

fn ratio_row(r: &RatioSummary) -> RatioRow {
    let (status, status_text) = match (r.value, r.on_target) {
        (_, Some(true)) => ("on", "✓ On target"),
        (_, Some(false)) => ("off", "✗ Off target"),
        (None, None) => ("none", "No figures"),
        (Some(_), None) => ("none", "No target"),
    };
    RatioRow {
        key: r.key.clone(),
        name: r.name.clone(),
        value: r.value.map_or_else(|| "—".into(), |v| table::ratio_value(r, v)),
        target: table::ratio_target(r).unwrap_or_else(|| "—".into()),
        status,
        status_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::{DayFigures, Summary, TeamDefinition};
    use jiff::civil::date;

    #[test]
    fn the_page_shows_what_the_terminal_table_shows() {
        let definition = TeamDefinition::default();
        let daily = vec![DayFigures {
            date: date(2026, 11, 2),
            values: [("solved", 40.0), ("comments", 100.0), ("csat_good", 19.0), ("csat_bad", 1.0)]
                .map(|(k, v)| (k.to_owned(), v))
                .into(),
            automatic: Default::default(),
        }];
        let summary = Summary::compute(&definition, date(2026, 11, 1), date(2026, 11, 3), &daily);
        let report = Report { team: "Support".into(), summary, daily };
        let team = Team { id: 1, name: "Support".into(), definition };
        let stats = stats(&team, &report, None);

        let keys: Vec<&str> = stats.metrics.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["solved", "chats", "comments", "csat_good", "csat_bad"], "no empty percent row");
        assert_eq!((stats.metrics[0].total.as_str(), stats.metrics[0].average.as_str()), ("40", "40.0"));
        assert_eq!(stats.metrics[1].total, "—");
        assert!(!stats.has_automatic && stats.operators.is_empty(), "no inbox figures, no note about them");
        let csat = &stats.ratios[0];
        assert_eq!((csat.value.as_str(), csat.target.as_str(), csat.status), ("95%", "95% or more", "on"));
        let per_solve = &stats.ratios[1];
        assert_eq!((per_solve.value.as_str(), per_solve.status_text), ("2.50", "✗ Off target"));
        assert_eq!(stats.missing.as_deref(), Some("Warning: no figures for 2 of 3 days: 2026-11-01, 2026-11-03"));
        let charts: Vec<&str> = stats.charts.iter().map(|c| c.png.as_str()).collect();
        assert_eq!(charts.len(), 4, "a chart per metric with figures: {charts:?}");
        assert_eq!(charts[0], "/charts/team/solved.png?from=2026-11-01&to=2026-11-03&team=Support");
        let ratios: Vec<&str> = stats.ratio_charts.iter().map(|c| c.src.as_str()).collect();
        assert_eq!(
            ratios,
            [
                "/charts/team/ratios/csat.svg?from=2026-11-01&to=2026-11-03&team=Support",
                "/charts/team/ratios/comments_per_solve.svg?from=2026-11-01&to=2026-11-03&team=Support"
            ],
            "a trend per ratio with a value"
        );
        assert!(
            stats.ratio_charts[0].alt.starts_with("Line chart: CSAT per day, Support."),
            "{}",
            stats.ratio_charts[0].alt
        );
        assert!(
            stats.ratio_charts[0].alt.contains("Target: 95% or more marked at 95.0%"),
            "{}",
            stats.ratio_charts[0].alt
        );
    }
}
