//! The team stats API: a day's figures written with `PUT /api/v1/team/stats/{date}`, a range
//! read with its totals, averages, ratios, missing days and the inbox's automatic figures,
//! exports, the team's metric definitions and the teams. Everyone works on their own team; admins may name another.

use crate::http::AppState;
use crate::http::download::csv_file;
use crate::http::error::{ApiError, Guarded, GuardedItem, GuardedNoInput, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use crate::store::DayWrite;
use crate::team::entries::{self, Given};
use crate::team::export::{self, ExportFormat};
use crate::team::{DayRange, Team, TeamDefinition, TeamError, dates};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::UnknownTeam(_) => ApiError::Missing(e.to_string()),
            TeamError::BadInput(message) => ApiError::BadRequest(message),
            TeamError::Forbidden(message) => ApiError::Forbidden(message),
            TeamError::Definition(e) => ApiError::BadRequest(e.to_string()),
            TeamError::Store(e) => e.into(),
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct TeamQuery {
    team: Option<String>,
}

/// A range of days; the API document lists these fields, with their comments, as the query
/// parameters of the routes that read it.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RangeQuery {
    /// The first day: `YYYY-MM-DD`, `today` or `yesterday` (by default `days`, or 6, days before `to`).
    from: Option<String>,
    /// The last day (today by default): `YYYY-MM-DD`, `today` or `yesterday`.
    to: Option<String>,
    /// Extra days after `from` (0: that day alone), instead of `to`.
    days: Option<i64>,
    /// The team to work on: an admin may name another than their own.
    team: Option<String>,
    /// The export's format: `json` (the default) or `csv`.
    format: Option<String>,
}

/// The team a request works on: the caller's own, or the one an admin names.
async fn team_for(state: &AppState, operator: &Operator, name: Option<&str>) -> Result<Team, ApiError> {
    let store = state.engine.store();
    let user = store
        .user(operator.claims.sub)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
    Ok(state.teams.for_request(&user, name).await?)
}

fn range_of(state: &AppState, query: &RangeQuery) -> Result<DayRange, ApiError> {
    DayRange::parse(query.from.as_deref(), query.to.as_deref(), query.days, state.teams.today())
        .map_err(ApiError::BadRequest)
}

/// `GET /api/v1/team/stats?from=&to=&days=&team=`: totals, averages, ratios against targets,
/// missing days (no figures typed) and every day with figures; beside the typed metrics the
/// inbox's automatic ones (`"automatic": true`: `live_chats`, `first_response`, `resolution`),
/// each day's under `daily[].automatic`, and each operator's under `operators`.
#[utoipa::path(
    get,
    path = "/api/v1/team/stats",
    tag = "team",
    summary = "Totals, averages, ratios against targets, missing days (no figures typed) and every day",
    params(RangeQuery),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn stats(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<RangeQuery>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &operator, query.team.as_deref()).await?;
    let range = range_of(&state, &query)?;
    let report = state.teams.report(&team, range).await?;
    Ok(Json(serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// `GET /api/v1/team/stats/export?from=&to=&format=json|csv&team=`: the range as a file.
#[utoipa::path(
    get,
    path = "/api/v1/team/stats/export",
    tag = "team",
    summary = "The range as a file",
    params(RangeQuery),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn export(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<RangeQuery>,
) -> Result<Response, ApiError> {
    let format = match query.format.as_deref() {
        None | Some("") => ExportFormat::Json,
        Some(text) => ExportFormat::parse(text).map_err(ApiError::BadRequest)?,
    };
    let team = team_for(&state, &operator, query.team.as_deref()).await?;
    let range = range_of(&state, &query)?;
    let report = state.teams.report(&team, range).await?;
    let body = export::render(&report, &team.definition, format);
    let path = export::default_path(std::path::Path::new(""), &report, format);
    let name = path.display().to_string();
    Ok(match format {
        ExportFormat::Csv => csv_file(&name, body),
        ExportFormat::Json => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            ],
            body,
        )
            .into_response(),
    })
}

/// `GET /api/v1/team/stats/{date}?team=`: one day's figures (404 when none are recorded).
#[utoipa::path(
    get,
    path = "/api/v1/team/stats/{date}",
    tag = "team",
    summary = "One day's figures (404 when none are recorded)",
    params(("date" = String, Path), ("team" = Option<String>, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn day(
    State(state): State<AppState>,
    operator: Operator,
    Path(date): Path<String>,
    Query(query): Query<TeamQuery>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &operator, query.team.as_deref()).await?;
    let date = dates::parse_day(&date, state.teams.today()).map_err(ApiError::BadRequest)?;
    let day = state.teams.day(&team, date).await?;
    let day = day.ok_or_else(|| ApiError::Missing(format!("team {} has no figures for {date}", team.name)))?;
    Ok(Json(json!({ "team": team.name, "date": day.date, "values": day.values })))
}

/// `PUT /api/v1/team/stats/{date}?team=` with `{"solved": 40, "csat": "96%", ...}`: the day
/// holds exactly these figures afterwards. Numbers are in stored units (counts, percent,
/// seconds); texts are read as people type them (`"1h 30m"`, `"96%"`).
#[utoipa::path(
    put,
    path = "/api/v1/team/stats/{date}",
    tag = "team",
    summary = "Writes a day's figures",
    params(("date" = String, Path), ("team" = Option<String>, Query)),
    request_body(
        content = serde_json::Value,
        content_type = "application/json",
        description = "JSON object (`Map<String, Value`)"
    ),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn put_day(
    State(state): State<AppState>,
    operator: Operator,
    Path(date): Path<String>,
    Query(query): Query<TeamQuery>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &operator, query.team.as_deref()).await?;
    let date = dates::parse_recordable_day(&date, state.teams.today()).map_err(ApiError::BadRequest)?;
    let given = body
        .into_iter()
        .map(|(key, value)| {
            match value {
                Value::Number(n) => n.as_f64().map(|n| (key.clone(), Given::Number(n))),
                Value::String(text) => Some((key.clone(), Given::Text(text))),
                _ => None,
            }
            .ok_or_else(|| ApiError::BadRequest(format!("{key}: give a number or a text such as \"96%\"")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let figures = entries::check(&team.definition, &given).map_err(ApiError::BadRequest)?;
    let replaced = state.teams.day(&team, date).await?.is_some();
    state.teams.record(&team, date, &figures, DayWrite::Replace, Some(operator.claims.sub)).await?;
    let values: Map<String, Value> = figures.into_iter().map(|(k, v)| (k, json!(v))).collect();
    Ok(Json(json!({ "team": team.name, "date": date, "values": values, "replaced": replaced })))
}

/// `GET /api/v1/team/metrics?team=`: the team's metrics and ratios.
#[utoipa::path(
    get,
    path = "/api/v1/team/metrics",
    tag = "team",
    summary = "The team's metrics and ratios",
    params(("team" = Option<String>, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn metrics(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<TeamQuery>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &operator, query.team.as_deref()).await?;
    Ok(Json(json!({ "team": team.name, "metrics": team.definition.metrics, "ratios": team.definition.ratios })))
}

/// `PUT /api/v1/team/metrics?team=` (admins): replaces the team's metrics and ratios. Figures
/// already recorded stay; those of a removed metric are no longer shown.
#[utoipa::path(
    put,
    path = "/api/v1/team/metrics",
    tag = "team",
    summary = "Replaces the team's metrics and ratios (admins)",
    params(("team" = Option<String>, Query)),
    request_body = TeamDefinition,
    security(("bearer" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn put_metrics(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<TeamQuery>,
    ApiJson(definition): ApiJson<TeamDefinition>,
) -> Result<Json<Value>, ApiError> {
    operator.require_admin()?;
    let team = team_for(&state, &operator, query.team.as_deref()).await?;
    let team = state.teams.define(&team, definition).await?;
    Ok(Json(json!({ "team": team.name, "metrics": team.definition.metrics, "ratios": team.definition.ratios })))
}

/// `GET /api/v1/teams`: every team for admins, one's own for others.
#[utoipa::path(
    get,
    path = "/api/v1/teams",
    tag = "team",
    summary = "Every team for admins, one's own for others",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn teams(State(state): State<AppState>, operator: Operator) -> Result<Json<Value>, ApiError> {
    let teams = if operator.require_admin().is_ok() {
        state.teams.list().await?
    } else {
        vec![team_for(&state, &operator, None).await?]
    };
    let teams: Vec<Value> = teams.iter().map(|t| json!({ "id": t.id, "name": t.name })).collect();
    Ok(Json(json!({ "teams": teams })))
}
