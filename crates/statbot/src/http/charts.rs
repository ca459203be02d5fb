//! `GET /charts/funnels/{flow}.png|svg` (contacts per step) and
//! `GET /charts/reveals/{flow}.png|svg` (coupon reveals per day), over `from`..=`to`; for
//! operators. The charts the bot answers with (`/charts/answers/...`) need no login: their
//! signed, expiring token is the permission. Charts are drawn off the async threads.

use super::AppState;
use super::error::ApiError;
use super::extract::Operator;
use super::funnels::{FunnelParams, FunnelRequest};
use crate::assistant::ChartFailure;
use crate::assistant::chart_links::LinkError;
use crate::funnels::{RangeReport, charts};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use statbot_charts::Chart;

/// The image formats charts come in.
#[derive(Clone, Copy)]
pub(super) enum ImageFormat {
    Png,
    Svg,
}

/// `coupon.png` -> (`coupon`, PNG).
pub(super) fn split_file(file: &str) -> Result<(&str, ImageFormat), ApiError> {
    match file.rsplit_once('.') {
        Some((name, "png")) => Ok((name, ImageFormat::Png)),
        Some((name, "svg")) => Ok((name, ImageFormat::Svg)),
        _ => Err(ApiError::NotFound(format!("chart `{file}` (ask for NAME.png or NAME.svg)"))),
    }
}

pub async fn funnel(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    params: Result<Query<FunnelParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    chart(&state, &file, params, false, charts::steps).await
}

pub async fn reveals(
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

/// `GET /charts/answers/{token}.png`: an answer's chart. No login: the signed, expiring token
/// is the permission (Messenger fetches these).
pub async fn answer(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let Some(assistant) = state.engine.assistant() else {
        return Err(ApiError::NotFound("chart".into()));
    };
    let token = file.strip_suffix(".png").ok_or_else(|| ApiError::NotFound("chart".into()))?;
    let png = assistant.chart_png(token).await.map_err(chart_failure)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], png.to_vec())
        .into_response())
}

/// `GET /charts/answers/store/{token}.png`: a sales answer's chart, the report read again for
/// the range and currency the token carries. No login: the signed, expiring token is the
/// permission (Messenger fetches these); not kept by shared caches.
pub async fn store_answer(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let Some(assistant) = state.engine.assistant() else {
        return Err(ApiError::NotFound("chart".into()));
    };
    let token = file.strip_suffix(".png").ok_or_else(|| ApiError::NotFound("chart".into()))?;
    let png = assistant.sales().chart_png(token).await.map_err(chart_failure)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, max-age=300")], png).into_response())
}

fn chart_failure(e: ChartFailure) -> ApiError {
    match e {
        ChartFailure::Link(LinkError::Expired) => ApiError::Gone(e.to_string()),
        ChartFailure::Link(_) => ApiError::NotFound("chart".into()),
        ChartFailure::Lookup(e) => e.into(),
        ChartFailure::Metrics(e) => e.into(),
        ChartFailure::Draw(message) => ApiError::Internal(message),
    }
}

/// Draws a chart on the blocking pool and answers it as an image.
pub(super) async fn render(chart: Chart, format: ImageFormat) -> Result<Response, ApiError> {
    let drawn = tokio::task::spawn_blocking(move || match format {
        ImageFormat::Png => statbot_charts::render_png(&chart).map(|png| ("image/png", png)),
        ImageFormat::Svg => statbot_charts::render_svg(&chart).map(|svg| ("image/svg+xml", svg.into_bytes())),
    })
    .await
    .map_err(|e| ApiError::Internal(format!("drawing a chart: {e}")))?
    .map_err(|e| ApiError::Internal(format!("drawing a chart: {e}")))?;
    let (content_type, bytes) = drawn;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, no-cache")], bytes).into_response())
}
