//! `/api/v1/datasets`: the data sets, one row's values, two rows compared; operators only.
//! Every answer carries the set's attribution line when it has one.

use crate::datasets::{Entity, LoadedSet};
use crate::http::AppState;
use crate::http::download::{csv_file, wants_csv};
use crate::http::error::{ApiError, GuardedItem, GuardedNoInput, JsonObject};
use crate::http::extract::Operator;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// A data set in a list: name, size, key, attribution.
pub fn summary(set: &LoadedSet) -> Value {
    json!({
        "name": set.meta.name,
        "key": set.meta.key,
        "qualifier": set.meta.qualifier,
        "rows": set.row_count,
        "metrics": set.meta.metrics().count(),
        "groups": set.meta.groups(),
        "source_file": set.meta.source_file,
        "imported_at": set.imported_at,
        "attribution": set.meta.attribution,
    })
}

/// One row: every value with its column's unit, group and description.
pub fn entity_json(entity: &Entity, attribution: Option<&str>) -> Value {
    let values: Vec<Value> = entity
        .values
        .iter()
        .map(|(column, value)| {
            json!({
                "column": column.name,
                "value": value,
                "unit": column.unit,
                "group": column.group,
                "description": column.description,
            })
        })
        .collect();
    json!({ "dataset": entity.dataset, "label": entity.label, "values": values, "attribution": attribution })
}

#[utoipa::path(
    get,
    path = "/api/v1/datasets",
    tag = "datasets",
    summary = "The loaded data sets",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn list(State(state): State<AppState>, _operator: Operator) -> Result<Json<Value>, ApiError> {
    let snapshot = state.datasets.snapshot().await?;
    Ok(Json(json!({ "datasets": snapshot.sets().iter().map(|s| summary(s)).collect::<Vec<_>>() })))
}

/// One data set with its columns.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{name}",
    tag = "datasets",
    summary = "One data set with its columns",
    params(("name" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn describe(
    State(state): State<AppState>,
    _operator: Operator,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let snapshot = state.datasets.snapshot().await?;
    let set = snapshot.get(&name)?;
    let mut body = summary(set);
    body["columns"] = serde_json::to_value(&set.meta.columns).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(body))
}

#[derive(Deserialize)]
pub(super) struct FormatParam {
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/datasets/{name}/entities/{key}",
    tag = "datasets",
    summary = "One entity of a data set, its rows over time",
    params(("name" = String, Path), ("key" = String, Path), ("format" = Option<String>, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "JSON, or CSV with `format=csv`", body = serde_json::Value),
        GuardedItem
    )
)]
pub(super) async fn entity(
    State(state): State<AppState>,
    _operator: Operator,
    Path((name, key)): Path<(String, String)>,
    params: Result<Query<FormatParam>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let csv = wants_csv(params.format.as_deref())?;
    let (entity, attribution) = state.datasets.show(&name, &key).await?;
    if csv {
        let mut body = crate::csv::line(["column", "value", "unit", "group"]);
        for (column, value) in &entity.values {
            let cell = value
                .as_str()
                .map_or_else(|| if value.is_null() { String::new() } else { value.to_string() }, str::to_owned);
            body.push_str(&crate::csv::line([
                column.name.as_str(),
                &cell,
                column.unit.as_deref().unwrap_or_default(),
                column.group.as_deref().unwrap_or_default(),
            ]));
        }
        return Ok(csv_file(&format!("{name}-{}.csv", file_safe(&entity.label)), body));
    }
    Ok(Json(entity_json(&entity, attribution.as_deref())).into_response())
}

#[derive(Deserialize)]
pub(super) struct CompareParams {
    a: Option<String>,
    b: Option<String>,
    /// Comma-separated metric names or synonyms (default: all).
    metrics: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/datasets/{name}/compare",
    tag = "datasets",
    summary = "Entities of a data set compared",
    params(
        ("name" = String, Path),
        ("a" = Option<String>, Query),
        ("b" = Option<String>, Query),
        ("metrics" = Option<String>, Query, description = "Comma-separated metric names or synonyms (default: all).")
    ),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn compare(
    State(state): State<AppState>,
    _operator: Operator,
    Path(name): Path<String>,
    params: Result<Query<CompareParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let need = |value: Option<String>, what: &str| {
        value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ApiError::BadRequest(format!("`{what}` is required: the {what} row to compare")))
    };
    let (a, b) = (need(params.a, "a")?, need(params.b, "b")?);
    let metrics: Vec<String> = params
        .metrics
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    let comparison = state.datasets.compare(&name, &a, &b, &metrics).await?;
    Ok(Json(serde_json::to_value(comparison).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// A label as part of a file name: letters and digits, other characters as `-`.
fn file_safe(label: &str) -> String {
    label.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}
