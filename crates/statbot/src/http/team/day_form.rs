//! The team page's form for a day's figures, `POST /team/day`: the same questions and checks as
//! the terminal app (`statbot team`): a date (today or earlier), one field per metric read by
//! [`crate::team::value`] (`40`, `96%`, `1h 30m`), and at a ratio's first part the day's ratio
//! as a percentage instead (`96%`), which then stands for all its parts. Saving replaces the
//! day's figures. A form with the session's CSRF token; everyone records for their own team,
//! admins for any. Refused figures are said with the terminal's sentences, the form kept.

use super::page;
use super::request::{TeamParams, query};
use crate::http::AppState;
use crate::http::dashboard::{Dashboard, sentence};
use crate::http::error::ApiError;
use crate::store::DayWrite;
use crate::team::definition::{MetricKind, TeamDefinition};
use crate::team::{DayRange, dates, value};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// The form as shown: blank, or as sent with what was wrong.
pub(super) struct DayForm {
    pub(super) csrf: String,
    pub(super) team: String,
    pub(super) date: String,
    pub(super) fields: Vec<Field>,
    pub(super) errors: Vec<String>,
}

/// One figure's field: the metric's key and name, what to type, and what was typed.
pub(super) struct Field {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) hint: String,
    pub(super) value: String,
}

impl DayForm {
    /// The form for a team's day, filled with `sent` (empty for a blank form: today's date).
    pub(super) fn new(
        definition: &TeamDefinition,
        csrf: &str,
        team: &str,
        sent: &HashMap<String, String>,
        today: jiff::civil::Date,
    ) -> DayForm {
        let fields = definition
            .prompted_metrics()
            .map(|metric| {
                let hint = match definition.ratio_starting_with(&metric.key) {
                    Some(ratio) => format!("or the day's {} as a percentage, e.g. 96%", ratio.name),
                    None => kind_hint(metric.kind).to_owned(),
                };
                Field {
                    key: metric.key.clone(),
                    label: metric.name.clone(),
                    hint,
                    value: sent.get(&metric.key).cloned().unwrap_or_default(),
                }
            })
            .collect();
        DayForm {
            csrf: csrf.to_owned(),
            team: team.to_owned(),
            date: sent.get("date").cloned().unwrap_or_else(|| today.to_string()),
            fields,
            errors: Vec::new(),
        }
    }
}

/// What to type, as the terminal app's prompts say it.
fn kind_hint(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Count => "a whole number",
        MetricKind::Percent => "percent",
        MetricKind::Duration => "e.g. 1h 30m",
    }
}

/// The figures of a sent form, as stored, or what is wrong with them (one sentence a field).
fn figures(definition: &TeamDefinition, sent: &HashMap<String, String>) -> Result<Vec<(String, f64)>, Vec<String>> {
    let given = |key: &str| sent.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut figures = Vec::new();
    let mut errors = Vec::new();
    let mut as_percentage: Vec<&str> = Vec::new();
    for metric in definition.prompted_metrics() {
        let Some(text) = given(&metric.key) else { continue };
        if as_percentage.contains(&metric.key.as_str()) {
            errors.push(format!("{}: leave it empty when the ratio is given as a percentage.", metric.name));
            continue;
        }
        let ratio = definition.ratio_starting_with(&metric.key).filter(|_| value::is_percentage(text));
        let (key, parsed) = match ratio {
            Some(ratio) => {
                as_percentage.extend(ratio.numerator.iter().chain(&ratio.denominator).map(String::as_str));
                let percent_metric = ratio.percent_metric.clone().expect("ratios starting a percentage have one");
                (percent_metric, value::parse(MetricKind::Percent, text))
            }
            None => (metric.key.clone(), value::parse(metric.kind, text)),
        };
        match parsed {
            Ok(v) => figures.push((key, v)),
            Err(e) => errors.push(format!("{}: {}.", metric.name, e.trim_end_matches('.'))),
        }
    }
    if errors.is_empty() && figures.is_empty() {
        errors.push("Give at least one figure for the day.".into());
    }
    if errors.is_empty() { Ok(figures) } else { Err(errors) }
}

pub(super) async fn save(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if !dashboard.csrf_ok(sent.get("csrf").map_or("", String::as_str)) {
        return Err(ApiError::Forbidden("the form expired: open the team page again and retry".into()));
    }
    let user = &dashboard.session.user;
    let asked = sent.get("team").map(|t| t.trim()).filter(|t| !t.is_empty());
    let team = state.teams.for_request(user, asked).await?;
    let today = state.teams.today();
    let date_text = sent.get("date").map(|d| d.trim()).filter(|d| !d.is_empty()).unwrap_or("today");
    let date = dates::parse_recordable_day(date_text, today);
    let figures = figures(&team.definition, &sent);
    let (date, figures) = match (date, figures) {
        (Ok(date), Ok(figures)) => (date, figures),
        (date, figures) => {
            let mut errors: Vec<String> = date.err().map(|e| sentence(&e)).into_iter().collect();
            errors.extend(figures.err().unwrap_or_default());
            let mut form = DayForm::new(&team.definition, &dashboard.session.csrf, &team.name, &sent, today);
            form.errors = errors;
            let params = TeamParams::of_team(asked);
            let page = page::render(&state, &dashboard, &params, Some(form)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state.teams.record(&team, date, &figures, DayWrite::Replace, Some(user.id)).await?;
    tracing::info!(user_id = user.id, figures = figures.len(), "team day recorded from the dashboard");
    let week = date.checked_sub(jiff::Span::new().days(6)).unwrap_or(date);
    let shown = query(DayRange { from: week, to: date }, &team.name);
    Ok(Redirect::to(&format!("/team?{shown}&saved={date}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn figures_are_read_as_the_terminal_reads_them() {
        let definition = TeamDefinition::default();
        let ok = figures(&definition, &sent(&[("solved", "40"), ("csat_good", "96%"), ("chats", " ")])).unwrap();
        assert_eq!(ok, [("solved".to_owned(), 40.0), ("csat_percent".to_owned(), 96.0)]);
        let parts = figures(&definition, &sent(&[("csat_good", "19"), ("csat_bad", "1")])).unwrap();
        assert_eq!(parts, [("csat_good".to_owned(), 19.0), ("csat_bad".to_owned(), 1.0)]);

        let wrong = figures(&definition, &sent(&[("solved", "forty"), ("csat_good", "120%")])).unwrap_err();
        assert_eq!(
            wrong,
            [
                "Tickets solved: enter a whole number, 0 or more (e.g. 42).",
                "CSAT good ratings: a percentage is between 0 and 100, not 120."
            ]
        );
        let both = figures(&definition, &sent(&[("csat_good", "96%"), ("csat_bad", "1")])).unwrap_err();
        assert_eq!(both, ["CSAT bad ratings: leave it empty when the ratio is given as a percentage."]);
        assert_eq!(figures(&definition, &sent(&[])).unwrap_err(), ["Give at least one figure for the day."]);
    }
}
