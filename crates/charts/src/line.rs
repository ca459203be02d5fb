//! Line charts: one or more series over a numeric x axis or a category (date) axis. A listed category axis
//! may hold gaps (labels with no point): they are shaded and crossed at the axis, and lines break there.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axis::{LabelFit, Layout, category_labels, draw_baseline, nice_ticks};
use crate::error::{ChartError, draw_err};
use crate::font::text_width;
use crate::format::decimals_for_step;
use crate::frame::{LegendItem, draw_frame, draw_no_data};
use crate::spec::{Chart, LineSeries, X};
use crate::theme::{GAP, GAP_OPACITY, MUTED, Theme, series_color};

/// Points closer than this (in pixels at 800x450) are not marked: the markers would crowd the line.
const MIN_MARKER_SPACING: f64 = 26.0;
/// Gaps narrower than this (in pixels at 800x450) get no cross on the axis: the crosses would run together.
const MIN_CROSS_SLOT: f64 = 9.0;

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
    let planned = plan(series, &chart.x_labels);
    let lines = &planned.lines;

    let ys = lines.iter().flatten().flatten().map(|p| p.1);
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

    for (i, runs) in lines.iter().enumerate() {
        let color = series_color(i);
        let stroke = color.stroke_width(theme.px(2.5).max(1) as u32);
        for run in runs {
            plot.draw_series(plotters::series::LineSeries::new(run.iter().copied(), stroke)).map_err(draw_err)?;
        }
        // Mark the points when they are far enough apart to read as points; a point standing alone
        // between gaps (or a lone point) is always marked, or it would not show at all.
        let count: usize = runs.iter().map(Vec::len).sum();
        let spacing = layout.plot_width / count as f64;
        let radius = theme.px(4.0);
        let marked = runs.iter().filter(|run| run.len() == 1 || spacing >= theme.len(MIN_MARKER_SPACING));
        plot.draw_series(marked.flatten().map(|&p| Circle::new(p, radius, color.filled()))).map_err(draw_err)?;
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

/// The lines as drawn: the category axis (empty for numeric x) and, per series, its points sorted by x
/// and split into runs that do not cross a missing point.
#[derive(Debug, PartialEq)]
struct Planned<'a> {
    categories: Vec<&'a str>,
    /// Per series, its runs of `(x, y)`: one run unless the axis is listed and the series misses a label.
    lines: Vec<Vec<Vec<(f64, f64)>>>,
    /// Indices of listed categories that no series has a point for.
    gaps: Vec<usize>,
}

/// Places every point on the x axis. On a category axis the listed labels come first, in order, then the
/// points' other labels in order of first appearance. Lines break only when labels are listed: the list
/// says which days exist, so a label a series has no point for is a hole, not a step to skip.
fn plan<'a>(series: &'a [LineSeries], x_labels: &'a [String]) -> Planned<'a> {
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
