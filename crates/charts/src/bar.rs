//! Vertical bar charts: one series (`ChartKind::Bar`) or several side by side (`ChartKind::GroupedBar`).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::axis::{LabelFit, Layout, category_labels, draw_baseline};
use crate::error::{ChartError, draw_err};
use crate::font::text_width;
use crate::frame::{LegendItem, draw_frame, draw_no_data, text_style};
use crate::spec::Chart;
use crate::theme::{NEGATIVE, TEXT, Theme, series_color};

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
pub(crate) fn draw_columns<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    columns: &Columns<'_>,
    theme: &Theme,
) -> Result<(), ChartError> {
    let grouped = columns.grouped;
    let legend: Vec<LegendItem<'_>> = if grouped {
        columns.series.iter().enumerate().map(|(i, (name, _))| LegendItem { name, color: series_color(i) }).collect()
    } else {
        Vec::new()
    };
    let body = draw_frame(root, &chart.title, chart.footnote.as_deref(), &legend, theme)?;
    let n = columns.categories.len();
    if n == 0 || columns.series.is_empty() {
        return draw_no_data(&body, theme);
    }

    // Bars grow from zero, so zero is always on the axis; 10% headroom keeps value labels inside the plot.
    let values = columns.series.iter().flat_map(|(_, v)| v.iter().copied());
    let (min, max) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let headroom = (max - min) * 0.1;
    let y_min = if min < 0.0 { min - headroom } else { 0.0 };
    let y_max = if max > 0.0 { max + headroom } else { 0.0 };
    let layout = Layout::plan(&body, chart, (y_min, y_max), theme);

    let slot = layout.plot_width / n as f64;
    let x_keys = category_labels(&columns.categories, slot, LabelFit::Truncate, theme)
        .into_iter()
        .map(|(i, label)| (i as f64, label))
        .collect();
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

    // Value labels, in a font small enough that every label fits its bar (or, for one series, its slot);
    // when even the smallest font does not fit, the labels are left out rather than overlapping.
    let room = if grouped { slot / k } else { slot } - f64::from(theme.px(6.0));
    // Tried in order: full labels ("$12,345") in shrinking fonts, then compact ones ("$12k").
    let full: Vec<Vec<String>> =
        columns.series.iter().map(|(_, v)| v.iter().map(|&x| chart.format.format(x)).collect()).collect();
    let compact: Vec<Vec<String>> =
        columns.series.iter().map(|(_, v)| v.iter().map(|&x| chart.format.compact(x)).collect()).collect();
    let sizes = [theme.value_size(), theme.len(13.0), theme.len(11.0)];
    let choice = [&full, &compact]
        .into_iter()
        .flat_map(|labels| sizes.map(|size| (labels, size)))
        .find(|(labels, size)| labels.iter().flatten().all(|l| f64::from(text_width(l, *size, false)) <= room));
    if let Some((labels, size)) = choice {
        let gap = theme.px(4.0);
        for (s, ((_, values), series_labels)) in columns.series.iter().zip(labels).enumerate() {
            let texts = values.iter().zip(series_labels).enumerate().map(|(c, (&v, label))| {
                let (x0, x1) = bar(c, s);
                let (dy, v_pos) = if v < 0.0 { (gap, VPos::Top) } else { (-gap, VPos::Bottom) };
                let style = text_style(size, false, &TEXT, HPos::Center, v_pos);
                EmptyElement::at(((x0 + x1) / 2.0, v)) + Text::new(label.clone(), (0, dy), style)
            });
            plot.draw_series(texts).map_err(draw_err)?;
        }
    }
    Ok(())
}
