//! statbot's chart renderer: one typed [`Chart`] spec drawn as PNG (sent by the bot as a Messenger image) or
//! as SVG (shown by the dashboard); the API serves both.
//!
//! ```
//! use statbot_charts::{Chart, ValueFormat, render_png, render_svg};
//!
//! let chart = Chart::bar("Signups this week", [("Mon", 12.0), ("Tue", 30.0), ("Wed", 7.0)])
//!     .with_format(ValueFormat::Count)
//!     .with_y_label("Signups");
//! let png: Vec<u8> = render_png(&chart)?;
//! let svg: String = render_svg(&chart)?;
//! assert!(png.starts_with(b"\x89PNG") && svg.contains("Signups this week"));
//! # Ok::<(), statbot_charts::ChartError>(())
//! ```
//!
//! Rendering is CPU work of a few milliseconds: call it from `spawn_blocking` in async code. Output is
//! byte-for-byte the same for the same spec, and needs no system fonts (DejaVu Sans is embedded).
//! plotters is used only inside this crate, so it can be replaced without touching callers.

mod axis;
mod bar;
mod describe;
mod encode;
mod error;
mod font;
mod format;
mod frame;
mod funnel;
mod hbar;
mod line;
mod marks;
mod raster;
mod spec;
mod theme;
mod validate;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use describe::describe;
pub use error::ChartError;
pub use format::ValueFormat;
pub use spec::{
    Bar, Chart, ChartKind, DEFAULT_HEIGHT, DEFAULT_WIDTH, FunnelStep, LineSeries, MAX_POINTS, MAX_SIDE, MIN_HEIGHT,
    MIN_WIDTH, PHONE_HEIGHT, PHONE_WIDTH, Point, ReferenceLine, Series, X,
};

use crate::error::draw_err;

/// Renders `chart` as a PNG image of `width` x `height` pixels.
///
/// # Errors
/// A [`ChartError`] spec variant when the chart is invalid (bad size, NaN or infinite values, mismatched
/// lengths); `Draw`/`Encode`/`Font` for internal failures.
pub fn render_png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    prepare(chart)?;
    let (width, height) = (chart.width, chart.height);
    // Validation bounds both sides by MAX_SIDE, so this is at most 48 MiB.
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = raster::RasterBackend::new(&mut rgb, (width, height)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_err)?;
    }
    encode::encode_png(&rgb, width, height)
}

/// Renders `chart` as a standalone SVG document with a `width` x `height` canvas.
///
/// Text is emitted as `<text>` in the `sans-serif` family, so it stays selectable and the browser's own
/// font draws it.
///
/// # Errors
/// As [`render_png`].
pub fn render_svg(chart: &Chart) -> Result<String, ChartError> {
    prepare(chart)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (chart.width, chart.height)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Checks the spec and makes sure the font is there (layout measures text for both backends).
fn prepare(chart: &Chart) -> Result<(), ChartError> {
    validate::validate(chart)?;
    font::ensure_registered()
}

/// Draws a validated chart on any plotters backend.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), ChartError> {
    let theme = theme::Theme::for_size(chart.width, chart.height);
    match &chart.kind {
        ChartKind::Bar { bars } => {
            let categories = bars.iter().map(|b| b.label.as_str()).collect();
            let values: Vec<f64> = bars.iter().map(|b| b.value).collect();
            let columns = bar::Columns { categories, series: vec![("", &values)], grouped: false };
            bar::draw_columns(root, chart, &columns, &theme)
        }
        ChartKind::HorizontalBar { bars } => hbar::draw_rows(root, chart, bars, &theme),
        ChartKind::GroupedBar { categories, series } => {
            let columns = bar::Columns {
                categories: categories.iter().map(String::as_str).collect(),
                series: series.iter().map(|s| (s.name.as_str(), s.values.as_slice())).collect(),
                grouped: true,
            };
            bar::draw_columns(root, chart, &columns, &theme)
        }
        ChartKind::Line { series } => line::draw_lines(root, chart, series, &theme),
        ChartKind::Funnel { steps, show_drop_off } => funnel::draw_funnel(root, chart, steps, *show_drop_off, &theme),
    }
}
