//! Charts as HTTP answers, for every feature's chart routes: the `NAME.png|svg` file names they
//! take, and drawing off the async threads, on the blocking pool.

use super::error::ApiError;
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
