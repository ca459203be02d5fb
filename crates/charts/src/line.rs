//! Line charts: one or more series over a numeric x axis or a category (date) axis.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axis::{LabelFit, Layout, category_labels, draw_baseline, nice_ticks};
use crate::error::{ChartError, draw_err};
use crate::font::text_width;
use crate::format::decimals_for_step;
use crate::frame::{LegendItem, draw_frame, draw_no_data};
use crate::spec::{Chart, LineSeries, X};
use crate::theme::{Theme, series_color};

/// Points closer than this (in pixels at 800x450) are not marked: the markers would crowd the line.
const MIN_MARKER_SPACING: f64 = 26.0;

/// Draws a line chart; several series get a legend. Validation guarantees x values are all of one kind.
pub(crate) fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    series: &[LineSeries],
    theme: &Theme,
) -> Result<(), ChartError> {
    let legend: Vec<LegendItem<'_>> = if series.len() > 1 {
        series.iter().enumerate().map(|(i, s)| LegendItem { name: &s.name, color: series_color(i) }).collect()
    } else {
        Vec::new()
    };
    let body = draw_frame(root, &chart.title, chart.footnote.as_deref(), &legend, theme)?;
    let Some(first) = series.iter().flat_map(|s| &s.points).next() else {
        return draw_no_data(&body, theme);
    };
    let numeric = matches!(first.x, X::Number(_));

    // Category axis: labels in order of first appearance across all series.
    let mut categories: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let lines: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            let mut points: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| match &p.x {
                    X::Number(x) => (*x, p.y),
                    X::Label(label) => {
                        let i = *index.entry(label.as_str()).or_insert_with(|| {
                            categories.push(label);
                            categories.len() - 1
                        });
                        (i as f64, p.y)
                    }
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            points
        })
        .collect();

    let ys = lines.iter().flatten().map(|p| p.1);
    let (min, max) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
    // Start at zero when the data sits well away from it on one side, so changes are not exaggerated;
    // otherwise zoom in on the data.
    let (y_min, y_max) = if min >= 0.0 && min <= max / 2.0 {
        (0.0, max)
    } else if max <= 0.0 && max >= min / 2.0 {
        (min, 0.0)
    } else {
        (min, max)
    };
    let layout = Layout::plan(&body, chart, (y_min, y_max), theme);

    let (x_range, x_keys) = if numeric {
        numeric_x_axis(&lines, layout.plot_width, theme)
    } else {
        let n = categories.len();
        let slot = layout.plot_width / n as f64;
        let keys = category_labels(&categories, slot, LabelFit::Stride, theme);
        (-0.5..n as f64 - 0.5, keys.into_iter().map(|(i, l)| (i as f64, l)).collect())
    };
    let mut plot = layout.build(&body, chart, x_range, x_keys, theme)?;
    draw_baseline(&mut plot, layout.ticks.lo, theme)?;

    for (i, points) in lines.iter().enumerate() {
        let color = series_color(i);
        let stroke = color.stroke_width(theme.px(2.5).max(1) as u32);
        plot.draw_series(plotters::series::LineSeries::new(points.iter().copied(), stroke)).map_err(draw_err)?;
        // Mark the points when they are far enough apart to read as points (always for a lone point).
        let spacing = layout.plot_width / points.len() as f64;
        if points.len() == 1 || spacing >= theme.len(MIN_MARKER_SPACING) {
            let radius = theme.px(4.0);
            plot.draw_series(points.iter().map(|&p| Circle::new(p, radius, color.filled()))).map_err(draw_err)?;
        }
    }
    Ok(())
}

/// A numeric x axis: nice ticks across the data, as many as fit side by side, written plainly (no
/// thousands separator, since x is often a year or an index).
fn numeric_x_axis(
    lines: &[Vec<(f64, f64)>],
    plot_width: f64,
    theme: &Theme,
) -> (std::ops::Range<f64>, Vec<(f64, String)>) {
    let xs = lines.iter().flatten().map(|p| p.0);
    let (min, max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let mut target = 10;
    loop {
        let ticks = nice_ticks(min, max, target, false);
        let decimals = decimals_for_step(ticks.step);
        let keys: Vec<(f64, String)> = ticks.values.iter().map(|&v| (v, format!("{v:.decimals$}"))).collect();
        let widest = keys.iter().map(|(_, l)| text_width(l, theme.tick_size(), false)).max().unwrap_or(0);
        let fits = f64::from(widest + theme.px(12.0)) * keys.len() as f64 <= plot_width;
        if fits || target <= 2 {
            return (ticks.lo..ticks.hi, keys);
        }
        target -= 1;
    }
}
