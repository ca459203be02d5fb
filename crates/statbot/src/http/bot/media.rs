//! `GET /media/{flow}/{file}`: the images shipped with flows, which Messenger fetches by URL.

use crate::http::AppState;
use crate::http::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

pub(super) async fn media(
    State(state): State<AppState>,
    Path((flow, file)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let media =
        state.engine.flows().media(&flow, &file).ok_or_else(|| ApiError::NotFound(format!("media `{flow}/{file}`")))?;
    Ok((
        [(header::CONTENT_TYPE, media.content_type), (header::CACHE_CONTROL, "public, max-age=3600")],
        media.bytes.to_vec(),
    ))
}
