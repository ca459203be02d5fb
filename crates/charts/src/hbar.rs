//! Horizontal bars: a ranking drawn top to bottom, names in a column on the left, each bar's value
//! written just past its end, and the value caption (`y_label`, the value axis being horizontal
//! here) under the bars. Long names (customers, e-mail addresses) fit here where they would be
//! cut to a few letters under vertical bars; names too long for a column beside the bars (on a
//! phone) go on their own line above each bar. Values are never cut (a compact form instead).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::error::{ChartError, draw_err};
use crate::font::{em, text_width, truncate};
use crate::frame::{draw_frame, draw_no_data, text_style};
use crate::spec::{Bar, Chart};
use crate::theme::{AXIS, MUTED, NEGATIVE, TEXT, Theme, series_color};

/// Draws the bars in the order given. The value axis spans zero and every value; room for the
/// value labels is kept on the side(s) bars grow towards, so labels never leave the canvas.
pub(crate) fn draw_rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    bars: &[Bar],
    theme: &Theme,
) -> Result<(), ChartError> {
    let body = draw_frame(root, &chart.title, chart.footnote.as_deref(), &[], theme)?;
    if bars.is_empty() {
        return draw_no_data(&body, theme);
    }
    let (w, h) = body.dim_in_pixel();
    let (w, h) = (i32::try_from(w).unwrap_or(i32::MAX), i32::try_from(h).unwrap_or(i32::MAX));
    let n = i32::try_from(bars.len()).unwrap_or(i32::MAX);
    let caption = chart.y_label.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let caption_gap = theme.px(8.0);
    let h = h - caption.map_or(0, |_| theme.caption_size().round() as i32 + caption_gap);

    let name_size = theme.tick_size();
    let value_size = theme.value_size();
    let name_gap = theme.px(12.0);
    let label_gap = theme.px(6.0);
    let widest_name = bars.iter().map(|b| text_width(&b.label, name_size, false)).max().unwrap_or(0);
    // Names that do not fit a column beside the bars (a phone, long e-mail addresses) go on a line
    // of their own above each bar, across the whole width.
    let stacked = widest_name + name_gap > w * 35 / 100;
    let name_column = if stacked { 0 } else { widest_name + name_gap };
    let name_line = if stacked { (em(name_size) * 1.3).ceil() as i32 } else { 0 };

    // Values are never cut: a compact one ("$12.8k") when the full one does not fit beside the bars.
    let full: Vec<String> = bars.iter().map(|b| chart.format.format(b.value)).collect();
    let compact: Vec<String> = bars.iter().map(|b| chart.format.compact(b.value)).collect();
    let widest_full = full.iter().map(|l| text_width(l, value_size, false) + label_gap).max().unwrap_or(0);
    let labels = if widest_full <= (w - name_column).max(1) / 3 { full } else { compact };
    let widest = |negative: bool| {
        bars.iter()
            .zip(&labels)
            .filter(|(b, _)| (b.value < 0.0) == negative)
            .map(|(_, l)| text_width(l, value_size, false) + label_gap)
            .max()
            .unwrap_or(0)
    };
    // The label room may take at most a third of the bar column on each side.
    let column = (w - name_column).max(1);
    let (room_left, room_right) = (widest(true).min(column / 3), widest(false).min(column / 3));
    let span = f64::from((column - room_left - room_right).max(1));
    let lo = bars.iter().map(|b| b.value).fold(0.0f64, f64::min);
    let hi = bars.iter().map(|b| b.value).fold(0.0f64, f64::max);
    let left = name_column + room_left;
    let x_of = |v: f64| {
        let share = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
        left + (share * span).round() as i32
    };
    let zero = x_of(0.0);

    let gap = theme.px(8.0);
    let row = ((h - gap * (n - 1) - name_line * n) / n).clamp(1, theme.px(40.0));
    for (i, (bar, label)) in bars.iter().zip(&labels).enumerate() {
        let top = i32::try_from(i).unwrap_or(0) * (name_line + row + gap) + name_line;
        let mid = top + row / 2;
        let (name, at, style) = if stacked {
            let name = truncate(&bar.label, w, name_size, false);
            (name, (0, top - name_line), text_style(name_size, false, &TEXT, HPos::Left, VPos::Top))
        } else {
            let name = truncate(&bar.label, name_column - name_gap, name_size, false);
            (name, (name_column - name_gap, mid), text_style(name_size, false, &TEXT, HPos::Right, VPos::Center))
        };
        body.draw(&Text::new(name, at, style)).map_err(draw_err)?;

        if stacked {
            // The zero line runs down each bar's row, not through the names between them.
            let line = AXIS.stroke_width(theme.px(1.0).max(1) as u32);
            body.draw(&PathElement::new(vec![(zero, top), (zero, top + row)], line)).map_err(draw_err)?;
        }
        let end = x_of(bar.value);
        let color = if bar.value < 0.0 { NEGATIVE } else { series_color(0) };
        if end != zero {
            body.draw(&Rectangle::new([(zero.min(end), top), (zero.max(end), top + row)], color.filled()))
                .map_err(draw_err)?;
        }
        let (x, h_pos, room) = if bar.value < 0.0 {
            (end - label_gap, HPos::Right, end - label_gap - name_column)
        } else {
            (end + label_gap, HPos::Left, w - end - label_gap)
        };
        let label = truncate(label, room, value_size, false);
        let style = text_style(value_size, false, &TEXT, h_pos, VPos::Center);
        body.draw(&Text::new(label, (x, mid), style)).map_err(draw_err)?;
    }
    let bottom = (n - 1) * (name_line + row + gap) + name_line + row;
    if !stacked {
        let line = AXIS.stroke_width(theme.px(1.0).max(1) as u32);
        body.draw(&PathElement::new(vec![(zero, 0), (zero, bottom)], line)).map_err(draw_err)?;
    }
    if let Some(caption) = caption {
        let centre = name_column + column / 2;
        let text = truncate(caption, column, theme.caption_size(), false);
        let style = text_style(theme.caption_size(), false, &MUTED, HPos::Center, VPos::Top);
        body.draw(&Text::new(text, (centre, bottom + caption_gap), style)).map_err(draw_err)?;
    }
    Ok(())
}
