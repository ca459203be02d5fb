//! `GET /charts/datasets/{name}.png?rows=A|B&metric=M`: the chart the bot would send for rows of
//! a data set on a metric (with its yearly series, or its group's metrics in the same unit), for
//! operators; the data set page shows it under the rows looked up.

use crate::assistant::answer::chart_metrics;
use crate::assistant::chart_links::ChartSpec;
use crate::assistant::charts;
use crate::http::AppState;
use crate::http::charts::{ImageFormat, render};
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Between row labels in a chart's `rows` parameter.
pub(super) const ROW_SEPARATOR: &str = "|";

#[derive(Deserialize)]
pub(super) struct ChartParams {
    rows: String,
    metric: String,
}

/// `GET /charts/datasets/{name}.png?rows=A|B&metric=M`: the chart the bot would send for those
/// rows on that metric; for operators.
pub(super) async fn chart(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    params: Result<Query<ChartParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let name = file.strip_suffix(".png").ok_or_else(|| ApiError::NotFound(format!("chart `{file}`")))?;
    let snapshot = state.datasets.snapshot().await?;
    let set = snapshot.get(name)?;
    let metric = set.metric(&params.metric)?;
    let rows: Vec<String> =
        params.rows.split(ROW_SEPARATOR).map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect();
    if rows.is_empty() || rows.len() > crate::assistant::context::MAX_ROWS {
        return Err(ApiError::BadRequest(format!("give 1 to {} rows", crate::assistant::context::MAX_ROWS)));
    }
    let metrics = chart_metrics(set, metric).into_iter().map(|m| set.meta.columns[m].name.clone()).collect();
    let spec = ChartSpec { dataset: name.to_owned(), rows, metrics };
    let chart = charts::build(&state.datasets, set, &spec).await?;
    render(chart, ImageFormat::Png).await
}
