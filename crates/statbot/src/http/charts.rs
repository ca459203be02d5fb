//! Charts as HTTP answers: the `NAME.png|svg` file names chart routes take, and drawing on the
//! blocking pool (every feature's chart routes use these). And the charts the bot answers with
//! (`/charts/answers/...`), which need no login: their signed, expiring token is the permission.

use super::AppState;
use super::error::ApiError;
use crate::assistant::ChartFailure;
use crate::assistant::chart_links::LinkError;
use axum::extract::{Path, State};
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

/// `GET /charts/answers/store/{token}.png`: a store answer's chart, the report read again for
/// the range and currency the token carries. No login: the signed, expiring token is the
/// permission (Messenger fetches these); not kept by shared caches.
pub async fn store_answer(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let Some(assistant) = state.engine.assistant() else {
        return Err(ApiError::NotFound("chart".into()));
    };
    let token = file.strip_suffix(".png").ok_or_else(|| ApiError::NotFound("chart".into()))?;
    let png = assistant.store().chart_png(token).await.map_err(chart_failure)?;
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
