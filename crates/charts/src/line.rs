//! Line charts: one or more series over a numeric x axis or a category (date) axis. A listed category axis
//! may hold gaps (labels with no point): they are shaded and crossed at the axis, and lines break there.
//! Each line has its own colour, dash pattern and marker, so lines that coincide still show; a value axis
//! that stops short of zero says so above the plot; marked values (targets) are dashed gray lines.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::axis::{
    LabelFit, Layout, axis_bounds, category_labels, draw_baseline, draw_reference_lines, extent, nice_ticks,
};
use crate::error::{ChartError, draw_err};
use crate::font::{em, text_width};
use crate::format::decimals_for_step;
use crate::frame::{LegendItem, Swatch, draw_frame, draw_no_data, reference_items, text_style};
use crate::marks::{draw_line, draw_marker};
use crate::spec::{Chart, LineSeries, X};
use crate::theme::{GAP, GAP_OPACITY, LineLook, MUTED, Theme, line_look};

/// Points closer than this (in pixels at 800x450) are not marked: the markers would crowd the line.
const MIN_MARKER_SPACING: f64 = 26.0;
/// Gaps narrower than this (in pixels at 800x450) get no cross on the axis: the crosses would run together.
const MIN_CROSS_SLOT: f64 = 9.0;

/// Draws a line chart; several series get a legend, and each its own look (see
/// [`line_look`]). Validation guarantees x values are all of one kind.
pub(crate) fn draw_lines<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &'a Chart,
    series: &'a [LineSeries],
    theme: &Theme,
) -> Result<(), ChartError> {
    // Points are marked when they are far enough apart to read as points. Decided before the layout
    // (from the canvas less its margins and a typical value axis), so the legend shows what the plot does.
    let width = f64::from(chart.width) - f64::from(2 * theme.margin()) - theme.len(60.0);
    let marked = |points: usize| width / points.max(1) as f64 >= theme.len(MIN_MARKER_SPACING);
    let looks: Vec<LineLook> = series
        .iter()
        .enumerate()
        .map(|(i, s)| LineLook { marked: marked(s.points.len()), ..line_look(i, series.len()) })
        .collect();
    let names = series.iter().zip(&looks).map(|(s, look)| LegendItem { name: &s.name, swatch: Swatch::Line(*look) });
    let legend: Vec<LegendItem<'a>> =
        if series.len() > 1 { names.chain(reference_items(chart)).collect() } else { reference_items(chart).collect() };
    let body = draw_frame(root, &chart.title, chart.footnote.as_deref(), &legend, theme)?;
    let Some(first) = series.iter().flat_map(|s| &s.points).next() else {
        return draw_no_data(&body, theme);
    };
    let numeric = matches!(first.x, X::Number(_));
    let planned = plan(series, &chart.x_labels);
    let lines = &planned.lines;

    let (min, max) = extent(chart, lines.iter().flatten().flatten().map(|p| p.1));
    // Start at zero when the data sits well away from it on one side, so changes are not exaggerated;
    // otherwise zoom in on the data, and say so above the plot.
    let (y_min, y_max) = if min >= 0.0 && min <= max / 2.0 {
        (0.0, max)
    } else if max <= 0.0 && max >= min / 2.0 {
        (min, 0.0)
    } else {
        (min, max)
    };
    let bounds = axis_bounds(chart, (min, max));
    let mut layout = Layout::plan(&body, chart, (y_min, y_max), bounds, theme);
    let mut plot_area = body.clone();
    if axis_note(&layout, chart).is_some() {
        let size = theme.small_size();
        plot_area = body.margin((em(size) * 1.3).ceil() as i32 + theme.px(6.0), 0, 0, 0);
        layout = Layout::plan(&plot_area, chart, (y_min, y_max), bounds, theme);
        if let Some(note) = axis_note(&layout, chart) {
            let style = text_style(size, false, &MUTED, HPos::Left, VPos::Top);
            body.draw(&Text::new(note, (0, 0), style)).map_err(draw_err)?;
        }
    }
    let body = plot_area;

    let (x_range, x_keys) = if numeric {
        numeric_x_axis(lines, layout.plot_width, theme)
    } else {
        let n = planned.categories.len();
        let slot = layout.plot_width / n as f64;
        let keys = category_labels(&planned.categories, slot, LabelFit::Stride, theme);
        (-0.5..n as f64 - 0.5, keys.into_iter().map(|(i, l)| (i as f64, l)).collect())
    };
    let mut plot = layout.build(&body, chart, x_range, x_keys, theme)?;
    let (lo, hi) = (layout.ticks.lo, layout.ticks.hi);
    let gap_fill = GAP.mix(GAP_OPACITY).filled();
    plot.draw_series(
        planned.gaps.iter().map(|&i| Rectangle::new([(i as f64 - 0.5, lo), (i as f64 + 0.5, hi)], gap_fill)),
    )
    .map_err(draw_err)?;
    draw_baseline(&mut plot, lo, theme)?;
    draw_reference_lines(&mut plot, chart, theme)?;

    let area = plot.plotting_area();
    for (runs, look) in lines.iter().zip(&looks) {
        for run in runs {
            draw_line(area, run.clone(), look, theme)?;
        }
        // A point standing alone between gaps (or a lone point) is always marked, or it would not show.
        let marked = runs.iter().filter(|run| run.len() == 1 || look.marked);
        for &point in marked.flatten() {
            draw_marker(area, point, look, theme)?;
        }
    }

    // A cross on the axis under each gap, unless the gaps are too narrow to hold one.
    let slot = layout.plot_width / planned.categories.len().max(1) as f64;
    if slot >= theme.len(MIN_CROSS_SLOT) {
        let style = MUTED.stroke_width(theme.px(1.5).max(1) as u32);
        let size = theme.px(4.0);
        plot.draw_series(planned.gaps.iter().map(|&i| Cross::new((i as f64, lo), size, style))).map_err(draw_err)?;
    }
    Ok(())
}

/// "Axis starts at 900, not 0" when the value axis stops short of zero, which makes changes look
/// larger than they are; `None` when zero is on the axis.
fn axis_note(layout: &Layout, chart: &Chart) -> Option<String> {
    let (lo, hi) = (layout.ticks.lo, layout.ticks.hi);
    if lo > 0.0 {
        Some(format!("Axis starts at {}, not 0", layout.tick_label(chart, lo)))
    } else if hi < 0.0 {
        Some(format!("Axis ends at {}, not 0", layout.tick_label(chart, hi)))
    } else {
        None
    }
}

/// The lines as drawn: the category axis (empty for numeric x) and, per series, its points sorted by x
/// and split into runs that do not cross a missing point.
#[derive(Debug, PartialEq)]
pub(crate) struct Planned<'a> {
    pub(crate) categories: Vec<&'a str>,
    /// Per series, its runs of `(x, y)`: one run unless the axis is listed and the series misses a label.
    pub(crate) lines: Vec<Vec<Vec<(f64, f64)>>>,
    /// Indices of listed categories that no series has a point for.
    gaps: Vec<usize>,
}

/// Places every point on the x axis. On a category axis the listed labels come first, in order, then the
/// points' other labels in order of first appearance. Lines break only when labels are listed: the list
/// says which days exist, so a label a series has no point for is a hole, not a step to skip.
pub(crate) fn plan<'a>(series: &'a [LineSeries], x_labels: &'a [String]) -> Planned<'a> {
    let mut axis = CategoryAxis::default();
    for label in x_labels {
        axis.place(label);
    }
    let listed = axis.labels.len();
    let mut has_point = vec![false; listed];
    let lines = series
        .iter()
        .map(|s| {
            let mut points: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| match &p.x {
                    X::Number(x) => (*x, p.y),
                    X::Label(label) => {
                        let i = axis.place(label);
                        if let Some(seen) = has_point.get_mut(i) {
                            *seen = true;
                        }
                        (i as f64, p.y)
                    }
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            if listed == 0 {
                return vec![points];
            }
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            for point in points {
                match runs.last_mut() {
                    Some(run) if run.last().is_some_and(|last| point.0 - last.0 <= 1.0) => run.push(point),
                    _ => runs.push(vec![point]),
                }
            }
            runs
        })
        .collect();
    let gaps = has_point.iter().enumerate().filter(|(_, seen)| !**seen).map(|(i, _)| i).collect();
    Planned { categories: axis.labels, lines, gaps }
}

/// Category labels in order of first appearance, each placed once.
#[derive(Default)]
struct CategoryAxis<'a> {
    labels: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> CategoryAxis<'a> {
    /// The position of `label`, added at the end when new.
    fn place(&mut self, label: &'a str) -> usize {
        *self.index.entry(label).or_insert_with(|| {
            self.labels.push(label);
            self.labels.len() - 1
        })
    }
}

/// A numeric x axis: nice ticks across the data, as many as fit side by side, written plainly (no
/// thousands separator, since x is often a year or an index).
fn numeric_x_axis(
    lines: &[Vec<Vec<(f64, f64)>>],
    plot_width: f64,
    theme: &Theme,
) -> (std::ops::Range<f64>, Vec<(f64, String)>) {
    let xs = lines.iter().flatten().flatten().map(|p| p.0);
    let (min, max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let mut target = 10;
    loop {
        let ticks = nice_ticks(min, max, target, false, None);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn without_listed_labels_lines_join_every_point() {
        let series = [LineSeries::new("s", [("Tue", 2.0), ("Mon", 1.0)]), LineSeries::new("t", [("Wed", 3.0)])];
        let planned = plan(&series, &[]);
        assert_eq!(planned.categories, ["Tue", "Mon", "Wed"]);
        assert_eq!(planned.lines, [vec![vec![(0.0, 2.0), (1.0, 1.0)]], vec![vec![(2.0, 3.0)]]]);
        assert!(planned.gaps.is_empty());
    }

    #[test]
    fn listed_labels_keep_their_place_and_break_the_lines() {
        let days = labels(&["d1", "d2", "d3", "d4", "d5", "d1"]);
        let series = [LineSeries::new("s", [("d5", 5.0), ("d1", 1.0), ("d2", 2.0), ("d4", 4.0), ("extra", 9.0)])];
        let planned = plan(&series, &days);
        assert_eq!(planned.categories, ["d1", "d2", "d3", "d4", "d5", "extra"]);
        assert_eq!(planned.lines, [vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(3.0, 4.0), (4.0, 5.0), (5.0, 9.0)]]]);
        assert_eq!(planned.gaps, [2]);
    }

    #[test]
    fn a_label_is_a_gap_only_when_no_series_has_it() {
        let days = labels(&["d1", "d2", "d3"]);
        let series = [LineSeries::new("s", [("d1", 1.0), ("d3", 3.0)]), LineSeries::new("t", [("d2", 2.0)])];
        let planned = plan(&series, &days);
        assert!(planned.gaps.is_empty());
        assert_eq!(planned.lines[0], [vec![(0.0, 1.0)], vec![(2.0, 3.0)]], "s breaks where it has no point");
        let empty = [LineSeries { name: "none".into(), points: vec![] }];
        assert_eq!(plan(&empty, &days).gaps, [0, 1, 2]);
    }
}
