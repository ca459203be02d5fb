//! Vertical bar charts: one series (`ChartKind::Bar`) or several side by side (`ChartKind::GroupedBar`).
//! The value axis always holds zero (a percentage one stops at 100 %); categories too long to lie flat
//! under their bars are written upright.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::axis::{
    LabelFit, Layout, axis_bounds, category_labels, draw_baseline, draw_reference_lines, extent,
    flat_labels_unreadable, upright_labels, upright_room,
};
use crate::error::{ChartError, draw_err};
use crate::font::{em, text_width};
use crate::frame::{LegendItem, Swatch, draw_frame, draw_no_data, reference_items, text_style};
use crate::spec::Chart;
use crate::theme::{NEGATIVE, TEXT, Theme, series_color, text_on};

/// Share of a category's slot covered by its bars; the rest separates categories.
const GROUP_WIDTH: f64 = 0.72;
/// Share of one bar's width left empty between the bars of a group.
const BAR_GAP: f64 = 0.08;

/// Bars in the shape both bar kinds reduce to: categories and, per series, one value per category.
pub(crate) struct Columns<'a> {
    pub(crate) categories: Vec<&'a str>,
    pub(crate) series: Vec<(&'a str, &'a [f64])>,
    /// A grouped chart has a legend and colours by series; a plain one colours negative bars apart.
    pub(crate) grouped: bool,
}

/// Draws a plain or grouped bar chart.
pub(crate) fn draw_columns<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &'a Chart,
    columns: &Columns<'a>,
    theme: &Theme,
) -> Result<(), ChartError> {
    let grouped = columns.grouped;
    let legend: Vec<LegendItem<'a>> = if grouped {
        let item =
            |(i, (name, _)): (usize, &(&'a str, &[f64]))| LegendItem { name, swatch: Swatch::Box(series_color(i)) };
        columns.series.iter().enumerate().map(item).chain(reference_items(chart)).collect()
    } else {
        reference_items(chart).collect()
    };
    let body = draw_frame(root, &chart.title, chart.footnote.as_deref(), &legend, theme)?;
    let n = columns.categories.len();
    if n == 0 || columns.series.is_empty() {
        return draw_no_data(&body, theme);
    }

    // Bars grow from zero, so zero is always on the axis; 10% headroom keeps value labels inside the plot
    // (but a percentage axis stops at 100 %: labels of bars near it go inside them).
    let values = columns.series.iter().flat_map(|(_, v)| v.iter().copied());
    let (min, max) = extent(chart, values.chain([0.0]));
    let headroom = (max - min) * 0.1;
    let y_min = if min < 0.0 { min - headroom } else { 0.0 };
    let y_max = if max > 0.0 { max + headroom } else { 0.0 };
    let bounds = axis_bounds(chart, (min, max));
    let mut layout = Layout::plan(&body, chart, (y_min, y_max), bounds, theme);
    let mut slot = layout.plot_width / n as f64;
    let mut labels = category_labels(&columns.categories, slot, LabelFit::Truncate, theme);
    // Categories cut to a few letters under narrow bars (a phone, many periods) are written upright.
    if flat_labels_unreadable(&columns.categories, &labels) {
        let room = upright_room(&columns.categories, &body, theme);
        layout = Layout::plan_upright(&body, chart, (y_min, y_max), bounds, room, theme);
        slot = layout.plot_width / n as f64;
        labels = upright_labels(&columns.categories, slot, room, theme);
    }
    let x_keys = labels.into_iter().map(|(i, label)| (i as f64, label)).collect();
    let mut plot = layout.build(&body, chart, -0.5..n as f64 - 0.5, x_keys, theme)?;

    let k = columns.series.len() as f64;
    let bar_width = GROUP_WIDTH / k;
    let bar = |category: usize, series: usize| {
        let left = category as f64 - GROUP_WIDTH / 2.0 + series as f64 * bar_width;
        let inset = if grouped { bar_width * BAR_GAP / 2.0 } else { 0.0 };
        (left + inset, left + bar_width - inset)
    };

    for (s, (_, values)) in columns.series.iter().enumerate() {
        let rects = values.iter().enumerate().map(|(c, &v)| {
            let color = if !grouped && v < 0.0 { NEGATIVE } else { series_color(s) };
            let (x0, x1) = bar(c, s);
            Rectangle::new([(x0, 0.0), (x1, v)], color.filled())
        });
        plot.draw_series(rects).map_err(draw_err)?;
    }
    draw_baseline(&mut plot, 0.0, theme)?;
    draw_reference_lines(&mut plot, chart, theme)?;

    // Value labels, in a font small enough that every label fits its bar (or, for one series, its slot);
    // when even the smallest font does not fit, the labels are left out rather than overlapping.
    let room = if grouped { slot / k } else { slot } - f64::from(theme.px(6.0));
    // Tried in order: full labels ("$12,345") in shrinking fonts, then compact ones ("$12k").
    let full: Vec<Vec<String>> =
        columns.series.iter().map(|(_, v)| v.iter().map(|&x| chart.format.format(x)).collect()).collect();
    let compact: Vec<Vec<String>> =
        columns.series.iter().map(|(_, v)| v.iter().map(|&x| chart.format.compact(x)).collect()).collect();
    let sizes = [theme.value_size(), theme.text(13.0), theme.text(11.0)];
    let choice = [&full, &compact]
        .into_iter()
        .flat_map(|labels| sizes.map(|size| (labels, size)))
        .find(|(labels, size)| labels.iter().flatten().all(|l| f64::from(text_width(l, *size, false)) <= room));
    if let Some((labels, size)) = choice {
        let gap = theme.px(4.0);
        // A label's height in values: one that would leave the plot goes inside its bar's end.
        let (lo, hi) = (layout.ticks.lo, layout.ticks.hi);
        let need = (em(size) + f64::from(gap)) / layout.plot_height * (hi - lo);
        for (s, ((_, values), series_labels)) in columns.series.iter().zip(labels).enumerate() {
            let texts = values.iter().zip(series_labels).enumerate().map(|(c, (&v, label))| {
                let (x0, x1) = bar(c, s);
                let fill = if !grouped && v < 0.0 { NEGATIVE } else { series_color(s) };
                let inside = if v < 0.0 { v - need < lo } else { v + need > hi } && v.abs() > need;
                let (dy, v_pos, color) = match (v < 0.0, inside) {
                    (false, false) => (-gap, VPos::Bottom, TEXT),
                    (true, false) => (gap, VPos::Top, TEXT),
                    (false, true) => (gap, VPos::Top, text_on(fill)),
                    (true, true) => (-gap, VPos::Bottom, text_on(fill)),
                };
                let style = text_style(size, false, &color, HPos::Center, v_pos);
                EmptyElement::at(((x0 + x1) / 2.0, v)) + Text::new(label.clone(), (0, dy), style)
            });
            plot.draw_series(texts).map_err(draw_err)?;
        }
    }
    Ok(())
}
