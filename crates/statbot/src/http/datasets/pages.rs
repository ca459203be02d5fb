//! The dashboard's data set pages: the imported sets with their attribution, and one set's rows
//! looked up by name, alone or side by side, by metric group, with the chart the bot would send.
//! Before anything is looked up the page lists the set's rows (each a link) and its columns; a
//! name close to a single row is read as that row, as the chat reads it, and names close to
//! several are offered as links.
//! The page opens on the first group with a metric worth a chart, never on map coordinates
//! (latitude and longitude as bars say nothing); a group of coordinates alone shows no chart.

use super::charts::{ROW_SEPARATOR, chart_for};
use crate::assistant::answer::{headline, short_name};
use crate::datasets::{Entity, LoadedSet, LookupError, format};
use crate::http::AppState;
use crate::http::charts::ChartFigure;
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

/// A link to the page with a row looked up.
struct RowLink {
    label: String,
    href: String,
}

/// A column of the set, for the list shown before anything is looked up.
struct ColumnRow {
    name: String,
    group: String,
    unit: String,
    description: String,
}

/// Rows listed before anything is looked up, at most; the others are a name away.
const ROWS_LISTED: usize = 300;

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
    /// Rows close to a name not found, as links.
    suggestions: Vec<RowLink>,
    /// A name read as the row it is close to: said on the page.
    notice: Option<String>,
    columns: Vec<String>,
    rows: Vec<ValueRow>,
    chart: Option<ChartFigure>,
    /// Before anything is looked up: the set's rows and columns.
    row_links: Vec<RowLink>,
    more_rows: usize,
    set_columns: Vec<ColumnRow>,
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
        suggestions: Vec::new(),
        notice: None,
        columns: Vec::new(),
        rows: Vec::new(),
        chart: None,
        row_links: Vec::new(),
        more_rows: 0,
        set_columns: Vec::new(),
    };
    let mut entities = Vec::new();
    let mut read_as = Vec::new();
    for (slot, reference) in [("a", page.params.a.clone()), ("b", page.params.b.clone())] {
        let reference = reference.trim();
        if reference.is_empty() {
            continue;
        }
        let row = match set.resolve(reference) {
            Ok(row) => row,
            Err(LookupError::Store(e)) => return Err(e.into()),
            // Close to one row only: that row, as the chat reads it.
            Err(LookupError::NotFound { suggestions, .. }) if suggestions.len() == 1 => {
                match set.resolve(&suggestions[0]) {
                    Ok(row) => {
                        read_as.push(format!("“{reference}” is read as {}", suggestions[0]));
                        row
                    }
                    Err(_) => continue,
                }
            }
            Err(e) => {
                if let LookupError::NotFound { suggestions: rows, .. }
                | LookupError::Ambiguous { candidates: rows, .. } = &e
                {
                    page.suggestions = rows.iter().map(|label| link(&page, slot, label)).collect();
                }
                page.error = Some(sentence(&e.to_string()));
                continue;
            }
        };
        entities.push(state.datasets.entity(set, row).await?);
    }
    if !read_as.is_empty() {
        page.notice = Some(sentence(&read_as.join("; ")));
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
    } else if entities.is_empty() {
        list_set(&mut page, set);
    }
    Ok(page.into_response())
}

/// The page with `label` looked up in `slot` (`a` or `b`), the other slot and the group kept.
fn link(page: &DatasetPage, slot: &str, label: &str) -> RowLink {
    let (a, b) = if slot == "a" { (label, page.params.b.trim()) } else { (page.params.a.trim(), label) };
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("a", a);
    if !b.is_empty() {
        query.append_pair("b", b);
    }
    query.append_pair("group", &page.params.group);
    RowLink { label: label.to_owned(), href: format!("/datasets/{}?{}", encode(&page.name), query.finish()) }
}

/// The set's rows (as links) and columns, before anything is looked up.
fn list_set(page: &mut DatasetPage, set: &LoadedSet) {
    page.row_links = set.rows.iter().take(ROWS_LISTED).map(|r| link(page, "a", &r.label)).collect();
    page.more_rows = set.rows.len().saturating_sub(ROWS_LISTED);
    page.set_columns = set
        .meta
        .metrics()
        .map(|(_, c)| ColumnRow {
            name: short_name(c),
            group: c.group.clone().unwrap_or_default(),
            unit: c.unit.clone().unwrap_or_default(),
            description: c.description.clone().unwrap_or_default(),
        })
        .collect();
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
