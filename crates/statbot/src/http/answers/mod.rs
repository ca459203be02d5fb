//! The charts the bot's answers link to, which Messenger fetches: `/charts/answers/{token}.png`
//! (data set answers) and `/charts/answers/store/{token}.png` (sales answers). They need no
//! login: the signed, expiring token in the URL is the permission (an expired one is 410 Gone).

use super::AppState;
use super::error::ApiError;
use crate::assistant::ChartFailure;
use crate::assistant::chart_links::LinkError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The answer chart routes.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/charts/answers/{file}", get(answer)).route("/charts/answers/store/{file}", get(store_answer))
}

/// `GET /charts/answers/{token}.png`: an answer's chart. No login: the signed, expiring token
/// is the permission (Messenger fetches these).
async fn answer(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
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
async fn store_answer(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
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
