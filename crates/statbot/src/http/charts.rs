//! Charts as HTTP answers, for every feature's chart routes: the `NAME.png|svg` file names they
//! take, the `size=phone` version (taller, with text that reads when a phone shows it about 324
//! pixels wide), drawing off the async threads, on the blocking pool, and the figure a page shows
//! a chart in (its SVG, the phone version for narrow screens, a link to the full-size PNG, and alt
//! text saying what it shows).

use super::error::ApiError;
use axum::extract::{FromRequestParts, Query};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
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

/// The size a chart is drawn at: `?size=phone` for the phone version, the spec's own otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum ChartSize {
    #[default]
    Standard,
    Phone,
}

#[derive(Deserialize)]
struct SizeParams {
    size: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ChartSize {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<SizeParams>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        match params.size.as_deref().map(str::trim) {
            None | Some("" | "standard") => Ok(ChartSize::Standard),
            Some("phone") => Ok(ChartSize::Phone),
            Some(other) => Err(ApiError::BadRequest(format!("size=`{other}` is not a chart size; use size=phone"))),
        }
    }
}

/// Draws a chart on the blocking pool, at `size`, and answers it as an image.
pub(super) async fn render(chart: Chart, format: ImageFormat, size: ChartSize) -> Result<Response, ApiError> {
    let chart = match size {
        ChartSize::Standard => chart,
        ChartSize::Phone => chart.for_phone(),
    };
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

/// A chart as a page shows it (`templates/dashboard/chart.html`): the SVG, the phone version for
/// narrow screens, the PNG a tap opens at full size, and the alt text.
pub(super) struct ChartFigure {
    /// What the chart shows, in words ([`statbot_charts::describe`]).
    pub(super) alt: String,
    /// The standard version, as SVG.
    pub(super) src: String,
    /// The phone version, as SVG.
    pub(super) phone: String,
    /// The standard version as PNG, which a tap opens.
    pub(super) png: String,
}

impl ChartFigure {
    /// The figure of `chart`, served at `path` (without its extension, e.g. `/charts/team/solved`)
    /// with `query` (URL-encoded, without the `?`; may be empty).
    pub(super) fn new(path: &str, query: &str, chart: &Chart) -> ChartFigure {
        let (plain, phone) = match query {
            "" => (String::new(), "?size=phone".to_owned()),
            q => (format!("?{q}"), format!("?{q}&size=phone")),
        };
        ChartFigure {
            alt: statbot_charts::describe(chart),
            src: format!("{path}.svg{plain}"),
            phone: format!("{path}.svg{phone}"),
            png: format!("{path}.png{plain}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_links_its_versions_and_says_what_it_shows() {
        let chart = Chart::bar("Signups", [("Mon", 3.0)]);
        let figure = ChartFigure::new("/charts/team/solved", "from=2026-11-01&to=2026-11-07", &chart);
        assert_eq!(figure.src, "/charts/team/solved.svg?from=2026-11-01&to=2026-11-07");
        assert_eq!(figure.phone, "/charts/team/solved.svg?from=2026-11-01&to=2026-11-07&size=phone");
        assert_eq!(figure.png, "/charts/team/solved.png?from=2026-11-01&to=2026-11-07");
        assert_eq!(figure.alt, "Bar chart: Signups. Mon 3.");
        let bare = ChartFigure::new("/charts/reveals/coupon", "", &chart);
        assert_eq!(bare.phone, "/charts/reveals/coupon.svg?size=phone");
    }
}
