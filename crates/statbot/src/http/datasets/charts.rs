//! `GET /charts/datasets/{name}.png|svg?rows=A|B&metric=M`: the chart the bot would send for rows
//! of a data set on a metric (with its yearly series, or its group's metrics in the same unit;
//! map coordinates left out unless the metric is one), for operators, at `size=phone` for the
//! phone version; the data set page shows it under the rows looked up ([`chart_for`]).

use crate::assistant::answer::chart_metrics;
use crate::assistant::chart_links::ChartSpec;
use crate::assistant::charts;
use crate::datasets::{LoadedSet, LookupError};
use crate::http::AppState;
use crate::http::charts::{ChartSize, render, split_file};
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use statbot_charts::Chart;

/// Between row labels in a chart's `rows` parameter.
pub(super) const ROW_SEPARATOR: &str = "|";

#[derive(Deserialize)]
pub(super) struct ChartParams {
    rows: String,
    metric: String,
}

/// `GET /charts/datasets/{name}.png|svg?rows=A|B&metric=M`: the chart the bot would send for those
/// rows on that metric; for operators.
pub(super) async fn chart(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    size: ChartSize,
    params: Result<Query<ChartParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (name, format) = split_file(&file)?;
    let snapshot = state.datasets.snapshot().await?;
    let set = snapshot.get(name)?;
    let metric = set.metric(&params.metric)?;
    let rows: Vec<String> =
        params.rows.split(ROW_SEPARATOR).map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect();
    if rows.is_empty() || rows.len() > crate::assistant::context::MAX_ROWS {
        return Err(ApiError::BadRequest(format!("give 1 to {} rows", crate::assistant::context::MAX_ROWS)));
    }
    render(chart_for(&state, set, rows, metric).await?, format, size).await
}

/// The chart of `rows` on `metric` and the metrics drawn with it: coordinates beside other
/// metrics in the same unit are left out (a bar of latitude says nothing).
pub(super) async fn chart_for(
    state: &AppState,
    set: &LoadedSet,
    rows: Vec<String>,
    metric: usize,
) -> Result<Chart, LookupError> {
    let coordinate = |m: usize| set.meta.columns[m].is_coordinate();
    let metrics = chart_metrics(set, metric)
        .into_iter()
        .filter(|&m| m == metric || !coordinate(m) || coordinate(metric))
        .map(|m| set.meta.columns[m].name.clone())
        .collect();
    let spec = ChartSpec { dataset: set.meta.name.clone(), rows, metrics };
    charts::build(&state.datasets, set, &spec).await
}
