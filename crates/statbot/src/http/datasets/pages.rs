//! The dashboard's data set pages: the imported sets with their attribution, and one set's rows
//! looked up by name, alone or side by side, by metric group, with the chart the bot would send.
//! The page opens on the first group with a metric worth a chart, never on map coordinates
//! (latitude and longitude as bars say nothing); a group of coordinates alone shows no chart.

use super::charts::{ROW_SEPARATOR, chart_for};
use crate::assistant::answer::{headline, short_name};
use crate::datasets::{Entity, LoadedSet, LookupError, format};
use crate::http::AppState;
use crate::http::charts::ChartFigure;
use crate::http::dashboard::{Dashboard, Nav};
use crate::http::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

struct SetRow {
    name: String,
    rows: i64,
    metrics: usize,
    source_file: String,
    attribution: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/datasets.html")]
struct DatasetsPage {
    nav: Nav,
    sets: Vec<SetRow>,
}

pub(super) async fn list(State(state): State<AppState>, dashboard: Dashboard) -> Result<Response, ApiError> {
    let snapshot = state.datasets.snapshot().await?;
    let sets = snapshot
        .sets()
        .iter()
        .map(|s| SetRow {
            name: s.meta.name.clone(),
            rows: s.row_count,
            metrics: s.meta.metrics().count(),
            source_file: s.meta.source_file.clone(),
            attribution: s.meta.attribution.clone().unwrap_or_default(),
        })
        .collect();
    Ok(DatasetsPage { nav: Nav::of(&dashboard), sets }.into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct LookParams {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    group: String,
}

struct ValueRow {
    metric: String,
    description: String,
    values: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/dataset.html")]
struct DatasetPage {
    nav: Nav,
    name: String,
    attribution: String,
    groups: Vec<String>,
    labels: Vec<String>,
    params: LookParams,
    error: Option<String>,
    columns: Vec<String>,
    rows: Vec<ValueRow>,
    chart: Option<ChartFigure>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(name): Path<String>,
    Query(params): Query<LookParams>,
) -> Result<Response, ApiError> {
    let snapshot = state.datasets.snapshot().await?;
    let set = snapshot.get(&name)?;
    let groups: Vec<String> = set.meta.groups().into_iter().map(str::to_owned).collect();
    let group = if groups.contains(&params.group) {
        params.group.clone()
    } else {
        let chartable = groups.iter().find(|g| chart_metric(set, g).is_some());
        chartable.or(groups.first()).cloned().unwrap_or_default()
    };
    let mut page = DatasetPage {
        nav: Nav::of(&dashboard),
        name: name.clone(),
        attribution: set.meta.attribution.clone().unwrap_or_default(),
        labels: set.rows.iter().map(|r| r.label.clone()).collect(),
        groups,
        params: LookParams { group: group.clone(), ..params },
        error: None,
        columns: Vec::new(),
        rows: Vec::new(),
        chart: None,
    };
    let wanted: Vec<&str> =
        [page.params.a.trim(), page.params.b.trim()].into_iter().filter(|r| !r.is_empty()).collect();
    let mut entities = Vec::new();
    for reference in wanted {
        match set.resolve(reference) {
            Ok(row) => entities.push(state.datasets.entity(set, row).await?),
            Err(LookupError::Store(e)) => return Err(e.into()),
            Err(e) => page.error = Some(e.to_string()),
        }
    }
    if page.error.is_none() && !entities.is_empty() {
        fill(&mut page, set, &entities, &group);
        if let Some(metric) = chart_metric(set, &group) {
            let rows: Vec<String> = entities.iter().map(|e| e.label.clone()).collect();
            let query =
                format!("rows={}&metric={}", encode(&rows.join(ROW_SEPARATOR)), encode(&set.meta.columns[metric].name));
            let chart = chart_for(&state, set, rows, metric).await?;
            page.chart = Some(ChartFigure::new(&format!("/charts/datasets/{}", set.meta.name), &query, &chart));
        }
    }
    Ok(page.into_response())
}

/// The metric a group's chart is drawn for: its headline, or when that is a map coordinate its
/// first metric that is not one; `None` for a group of coordinates alone.
fn chart_metric(set: &LoadedSet, group: &str) -> Option<usize> {
    let headline = headline(set, group)?;
    if !set.meta.columns[headline].is_coordinate() {
        return Some(headline);
    }
    set.group_metrics(group).into_iter().find(|&m| !set.meta.columns[m].is_coordinate())
}

/// The group's values of the rows looked up.
fn fill(page: &mut DatasetPage, set: &LoadedSet, entities: &[Entity], group: &str) {
    page.columns = entities.iter().map(|e| e.label.clone()).collect();
    for metric in set.group_metrics(group) {
        let column = &set.meta.columns[metric];
        page.rows.push(ValueRow {
            metric: short_name(column),
            description: column.description.clone().unwrap_or_else(|| column.title()),
            values: entities.iter().map(|e| format::value(column, &e.values[metric].1)).collect(),
        });
    }
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
