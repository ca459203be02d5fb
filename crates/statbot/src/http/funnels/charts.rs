//! `GET /charts/funnels/{flow}.png|svg` (contacts per step) and
//! `GET /charts/reveals/{flow}.png|svg` (coupon reveals per day), over `from`..=`to`, at
//! `size=phone` for the phone version; for operators. Charts are drawn off the async threads. The
//! pages show them through [`steps_figure`] and [`reveals_figure`], with alt text from the same
//! report.

use super::api::{FunnelParams, FunnelRequest};
use crate::funnels::{RangeReport, charts};
use crate::http::AppState;
use crate::http::charts::{ChartFigure, ChartSize, render, split_file};
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use statbot_charts::Chart;

pub(super) async fn funnel(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    size: ChartSize,
    params: Result<Query<FunnelParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    chart(&state, &file, params, size, false, charts::steps).await
}

pub(super) async fn reveals(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    size: ChartSize,
    params: Result<Query<FunnelParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    chart(&state, &file, params, size, true, charts::reveals).await
}

/// The funnel chart of `flow` as a page shows it; `query` is the page's range (`from=…&to=…`).
pub(super) fn steps_figure(report: &RangeReport, flow: &str, title: &str, query: &str) -> ChartFigure {
    ChartFigure::new(&format!("/charts/funnels/{flow}"), query, &charts::steps(report, title))
}

/// The reveals chart of `flow` as a page shows it, from a by-day report.
pub(super) fn reveals_figure(report: &RangeReport, flow: &str, title: &str, query: &str) -> ChartFigure {
    ChartFigure::new(&format!("/charts/reveals/{flow}"), query, &charts::reveals(report, title))
}

/// A funnel report of the flow `file` names, drawn by `draw` in the format it names.
async fn chart(
    state: &AppState,
    file: &str,
    params: Result<Query<FunnelParams>, QueryRejection>,
    size: ChartSize,
    by_day: bool,
    draw: fn(&RangeReport, &str) -> Chart,
) -> Result<Response, ApiError> {
    let (flow, format) = split_file(file)?;
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let request = FunnelRequest::from_params(state, &params)?;
    let title = state.funnels.flow(flow)?.title.clone();
    let report = state.funnels.report(flow, request.range, by_day).await?;
    render(draw(&report, &title), format, size).await
}
