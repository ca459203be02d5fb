//! `GET /charts/funnels/{flow}.png|svg` (contacts per step) and
//! `GET /charts/reveals/{flow}.png|svg` (coupon reveals per day), over `from`..=`to`; for
//! operators. Charts are drawn off the async threads.

use super::api::{FunnelParams, FunnelRequest};
use crate::funnels::{RangeReport, charts};
use crate::http::AppState;
use crate::http::charts::{render, split_file};
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
    params: Result<Query<FunnelParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    chart(&state, &file, params, false, charts::steps).await
}

pub(super) async fn reveals(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    params: Result<Query<FunnelParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    chart(&state, &file, params, true, charts::reveals).await
}

/// A funnel report of the flow `file` names, drawn by `draw` in the format it names.
async fn chart(
    state: &AppState,
    file: &str,
    params: Result<Query<FunnelParams>, QueryRejection>,
    by_day: bool,
    draw: fn(&RangeReport, &str) -> Chart,
) -> Result<Response, ApiError> {
    let (flow, format) = split_file(file)?;
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let request = FunnelRequest::from_params(state, &params)?;
    let title = state.funnels.flow(flow)?.title.clone();
    let report = state.funnels.report(flow, request.range, by_day).await?;
    render(draw(&report, &title), format).await
}
