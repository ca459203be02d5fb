//! The dashboard's data set pages: the imported sets with their attribution, and one set's rows
//! looked up by name, alone or side by side, by metric group, with the chart the bot would send.

use super::charts::ROW_SEPARATOR;
use crate::assistant::answer::{headline, short_name};
use crate::datasets::{Entity, LoadedSet, LookupError, format};
use crate::http::AppState;
use crate::http::dashboard::{Dashboard, Nav, sentence};
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
    chart: Option<String>,
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
    let group =
        if groups.contains(&params.group) { params.group.clone() } else { groups.first().cloned().unwrap_or_default() };
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
            Err(e) => page.error = Some(sentence(&e.to_string())),
        }
    }
    if page.error.is_none() && !entities.is_empty() {
        fill(&mut page, set, &entities, &group);
    }
    Ok(page.into_response())
}

/// The group's values of the rows looked up, and their chart.
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
    if let Some(metric) = headline(set, group) {
        let rows: Vec<&str> = entities.iter().map(|e| e.label.as_str()).collect();
        page.chart = Some(format!(
            "/charts/datasets/{}.png?rows={}&metric={}",
            set.meta.name,
            encode(&rows.join(ROW_SEPARATOR)),
            encode(&set.meta.columns[metric].name)
        ));
    }
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
