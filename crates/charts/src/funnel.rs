//! Funnels: steps in order as centred horizontal bars, with counts, shares of the first step and drop-offs.
//! The bars share the frame's height, so a funnel of few steps fills it; names too long for a column
//! beside the bars (on a phone) go on their own line above each bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::error::{ChartError, draw_err};
use crate::font::{em, text_width, truncate};
use crate::format::percent_label;
use crate::frame::{draw_frame, draw_no_data, text_style};
use crate::spec::{Chart, FunnelStep};
use crate::theme::{BACKGROUND, MUTED, TEXT, Theme, series_color};

/// Draws a funnel. Bar widths are proportional to counts (the largest count fills the bar column); labels
/// go inside a bar when they fit and beside it otherwise.
pub(crate) fn draw_funnel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    steps: &[FunnelStep],
    show_drop_off: bool,
    theme: &Theme,
) -> Result<(), ChartError> {
    let body = draw_frame(root, &chart.title, chart.footnote.as_deref(), &[], theme)?;
    if steps.is_empty() {
        return draw_no_data(&body, theme);
    }
    let (w, h) = body.dim_in_pixel();
    let (w, h) = (i32::try_from(w).unwrap_or(i32::MAX), i32::try_from(h).unwrap_or(i32::MAX));
    let n = i32::try_from(steps.len()).unwrap_or(i32::MAX);

    let name_size = theme.tick_size();
    let value_size = theme.value_size();
    let name_gap = theme.px(12.0);
    let widest_name = steps.iter().map(|s| text_width(&s.name, name_size, false)).max().unwrap_or(0);
    // Names that do not fit a column beside the bars (a phone) go on a line of their own above each
    // bar, which then has the whole width.
    let stacked = widest_name + name_gap > w * 32 / 100;
    let name_column = if stacked { 0 } else { widest_name + name_gap };
    // Each name keeps a little room above it, apart from the drop-off note of the bar before.
    let name_pad = theme.px(6.0);
    let name_line = if stacked { (em(name_size) * 1.3).ceil() as i32 + name_pad } else { 0 };
    let bar_left = name_column;
    let bar_span = (w - bar_left).max(1);

    // Room between bars for the drop-off note; the bars share the rest of the frame, so a funnel of a
    // few steps fills it rather than leaving its bottom empty.
    let note_room = (crate::font::em(theme.small_size()) * 1.5).ceil() as i32;
    let gap = if show_drop_off && n > 1 { theme.px(24.0).max(note_room) } else { theme.px(8.0) };
    let row = ((h - gap * (n - 1) - name_line * n) / n).max(1);

    // Indexing is safe: empty funnels returned above.
    let first = steps[0].count;
    let largest = steps.iter().map(|s| s.count).fold(0.0f64, f64::max);
    let color = series_color(0);
    let name_style = text_style(name_size, false, &TEXT, HPos::Right, VPos::Center);
    let inside_style = text_style(value_size, true, &BACKGROUND, HPos::Center, VPos::Center);
    let outside_style = text_style(value_size, false, &TEXT, HPos::Left, VPos::Center);
    let drop_style = text_style(theme.small_size(), false, &MUTED, HPos::Center, VPos::Center);

    let stacked_name_style = text_style(name_size, false, &TEXT, HPos::Center, VPos::Top);
    for (i, step) in steps.iter().enumerate() {
        let top = i32::try_from(i).unwrap_or(0) * (name_line + row + gap) + name_line;
        let mid = top + row / 2;
        if stacked {
            let name = truncate(&step.name, w, name_size, false);
            let at = (w / 2, top - name_line + name_pad);
            body.draw(&Text::new(name, at, stacked_name_style.clone())).map_err(draw_err)?;
        } else {
            let name = truncate(&step.name, name_column - name_gap, name_size, false);
            body.draw(&Text::new(name, (name_column - name_gap, mid), name_style.clone())).map_err(draw_err)?;
        }

        let share = if largest > 0.0 { step.count / largest } else { 0.0 };
        let mut width = (share * f64::from(bar_span)).round() as i32;
        if step.count > 0.0 {
            width = width.max(theme.px(2.0));
        }
        let centre = bar_left + bar_span / 2;
        let (x0, x1) = (centre - width / 2, centre - width / 2 + width);
        if width > 0 {
            body.draw(&Rectangle::new([(x0, top), (x1, top + row)], color.filled())).map_err(draw_err)?;
        }

        let count = chart.format.format(step.count);
        let label = if first > 0.0 {
            format!("{count} ({})", percent_label(step.count / first * 100.0))
        } else {
            count.clone()
        };
        let outside_x = x1 + theme.px(8.0);
        if text_width(&label, value_size, true) + theme.px(16.0) <= width {
            body.draw(&Text::new(label, (centre, mid), inside_style.clone())).map_err(draw_err)?;
        } else {
            // Beside the bar; on a cramped canvas the share goes first, then the count is cut.
            let room = w - outside_x;
            let label = if text_width(&label, value_size, false) <= room { label } else { count };
            let label = truncate(&label, room, value_size, false);
            body.draw(&Text::new(label, (outside_x, mid), outside_style.clone())).map_err(draw_err)?;
        }

        // A step after a zero step has no meaningful drop-off: nothing is written.
        if show_drop_off
            && let Some(next) = steps.get(i + 1)
            && step.count > 0.0
        {
            let lost = (1.0 - next.count / step.count) * 100.0;
            let note = if lost >= 0.0 {
                format!("↓ {} drop-off", percent_label(lost))
            } else {
                format!("↑ {} gain", percent_label(-lost))
            };
            body.draw(&Text::new(note, (centre, top + row + gap / 2), drop_style.clone())).map_err(draw_err)?;
        }
    }
    Ok(())
}
