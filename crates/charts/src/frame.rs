//! What every chart shares: the background, the title (wrapped onto a second line rather than cut), the
//! legend (each series as the plot draws it: a box for bars, a stretch of line for lines), the footnote,
//! and the "No data" message.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{ChartError, draw_err};
use crate::font::{em, font, text_width, truncate, wrap};
use crate::marks::{draw_line, draw_marker};
use crate::spec::Chart;
use crate::theme::{BACKGROUND, LineLook, MUTED, TEXT, Theme, reference_look};

/// One legend entry: a series name and how it is drawn.
pub(crate) struct LegendItem<'a> {
    pub(crate) name: &'a str,
    pub(crate) swatch: Swatch,
}

/// What stands for a series in the legend: what the plot shows of it.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled square, for bars.
    Box(RGBColor),
    /// A short stretch of the line with its marker.
    Line(LineLook),
}

/// Legend entries for the chart's marked values (targets), drawn as they are on the plot.
pub(crate) fn reference_items(chart: &Chart) -> impl Iterator<Item = LegendItem<'_>> {
    chart.reference_lines.iter().map(|r| LegendItem { name: &r.label, swatch: Swatch::Line(reference_look()) })
}

/// A text style anchored at `h`/`v`.
pub(crate) fn text_style(size: f64, bold: bool, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size, bold).color(color).pos(Pos::new(h, v))
}

/// Fills the background, draws the title, the footnote and (when given) the legend, and returns the area
/// left for the plot.
pub(crate) fn draw_frame<'b, DB: DrawingBackend + 'b>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    footnote: Option<&str>,
    legend: &[LegendItem<'_>],
    theme: &Theme,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    root.fill(&BACKGROUND).map_err(draw_err)?;
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (i32::try_from(width).unwrap_or(i32::MAX), i32::try_from(height).unwrap_or(i32::MAX));
    let margin = theme.margin();
    let inner = width - 2 * margin;
    let mut y = margin;

    // A title too long for one line (on a phone) wraps onto a second rather than losing its end.
    let size = theme.title_size();
    let lines = wrap(title, inner, size, true, 2);
    let style = text_style(size, true, &TEXT, HPos::Left, VPos::Top);
    for line in &lines {
        root.draw(&Text::new(line.clone(), (margin, y), style.clone())).map_err(draw_err)?;
        y += size.round() as i32;
    }
    if !lines.is_empty() {
        y += theme.px(10.0);
    }

    if !legend.is_empty() {
        // The legend may take about a fifth of the canvas; the plot needs the rest.
        let max_rows = (height / 5 / (theme.legend_size() * 1.35).round() as i32).max(1);
        y += draw_legend(root, legend, (margin, y), inner, max_rows, theme)? + theme.px(6.0);
    }
    let bottom = match footnote.map(str::trim).filter(|f| !f.is_empty()) {
        Some(text) => draw_footnote(root, text, (margin, height - margin), inner, theme)? + theme.px(6.0),
        None => 0,
    };
    Ok(root.margin(y + theme.px(4.0), margin + bottom, margin, margin))
}

/// Writes small print ending at `bottom`, wrapped at word breaks onto at most two lines (the
/// second truncated with an ellipsis). Returns the height used.
fn draw_footnote<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (left, bottom): (i32, i32),
    max_width: i32,
    theme: &Theme,
) -> Result<i32, ChartError> {
    let size = theme.small_size();
    let lines = wrap(text, max_width, size, false, 2);
    let line_height = (em(size) * 1.3).round() as i32;
    let top = bottom - line_height * lines.len() as i32;
    let style = text_style(size, false, &MUTED, HPos::Left, VPos::Top);
    for (i, line) in lines.iter().enumerate() {
        root.draw(&Text::new(line.clone(), (left, top + i as i32 * line_height), style.clone())).map_err(draw_err)?;
    }
    Ok(line_height * lines.len() as i32)
}

/// Lays legend entries out left to right, wrapping onto at most `max_rows` rows; entries that do not fit
/// are summed up as "+N more". Returns the height used.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem<'_>],
    (left, top): (i32, i32),
    max_width: i32,
    max_rows: i32,
    theme: &Theme,
) -> Result<i32, ChartError> {
    let size = theme.legend_size();
    let box_side = theme.px(13.0);
    let line_length = theme.px(30.0);
    let swatch_width = |swatch: &Swatch| match swatch {
        Swatch::Box(_) => box_side,
        Swatch::Line(_) => line_length,
    };
    let gap = theme.px(6.0);
    let spacing = theme.px(20.0);
    let row_height = (size * 1.35).round() as i32;
    // Place entries first (x, row, name, width), so overflow can be handled before anything is drawn.
    let mut placed: Vec<(i32, i32, String, Swatch, i32)> = Vec::with_capacity(items.len());
    let (mut x, mut row) = (left, 0);
    for item in items {
        // No single entry may be wider than a row: long names are truncated.
        let swatch = swatch_width(&item.swatch);
        let name = truncate(item.name, max_width - swatch - gap, size, false);
        let width = swatch + gap + text_width(&name, size, false);
        if x > left && x + width > left + max_width {
            if row + 1 >= max_rows {
                break;
            }
            (x, row) = (left, row + 1);
        }
        placed.push((x, row, name, item.swatch, width));
        x += width + spacing;
    }
    // Drop entries from the end until "+N more" fits after the last one kept.
    let mut more = None;
    while placed.len() < items.len() {
        let label = format!("+{} more", items.len() - placed.len());
        let (end, row) = placed.last().map_or((left, 0), |p| (p.0 + p.4 + spacing, p.1));
        if placed.is_empty() || end + text_width(&label, size, false) <= left + max_width {
            more = Some((end, row, label));
            break;
        }
        placed.pop();
    }

    let style = text_style(size, false, &TEXT, HPos::Left, VPos::Center);
    let mid = |row: i32| top + row * row_height + row_height / 2;
    for (x, row, name, swatch, _) in &placed {
        let (x, y) = (*x, mid(*row));
        match swatch {
            Swatch::Box(color) => {
                let top = y - box_side / 2;
                let square = Rectangle::new([(x, top), (x + box_side, top + box_side)], color.filled());
                root.draw(&square).map_err(draw_err)?;
            }
            Swatch::Line(look) => {
                draw_line(root, vec![(x, y), (x + line_length, y)], look, theme)?;
                if look.marked {
                    draw_marker(root, (x + line_length / 2, y), look, theme)?;
                }
            }
        }
        let text_x = x + swatch_width(swatch) + gap;
        root.draw(&Text::new(name.clone(), (text_x, y), style.clone())).map_err(draw_err)?;
    }
    if let Some((x, row, label)) = more.clone() {
        let muted = text_style(size, false, &MUTED, HPos::Left, VPos::Center);
        root.draw(&Text::new(label, (x, mid(row)), muted)).map_err(draw_err)?;
    }
    let rows = placed.iter().map(|p| p.1).chain(more.iter().map(|m| m.1)).max().unwrap_or(0) + 1;
    Ok(rows * row_height)
}

/// Writes a centred "No data" in the plot area: empty data is a normal state, not an error.
pub(crate) fn draw_no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, theme: &Theme) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let centre = (i32::try_from(w / 2).unwrap_or(0), i32::try_from(h / 2).unwrap_or(0));
    let style = text_style(theme.text(22.0), false, &MUTED, HPos::Center, VPos::Center);
    area.draw(&Text::new("No data", centre, style)).map_err(draw_err)
}
