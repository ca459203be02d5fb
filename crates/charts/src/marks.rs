//! Lines and markers in a [`LineLook`]: on the plot (data coordinates) and in the legend (pixels).

use plotters::coord::CoordTranslate;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::error::{ChartError, draw_err};
use crate::theme::{LineLook, Marker, Theme};

/// Draws a line through `points` in the look's width and dash pattern.
pub(crate) fn draw_line<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    points: Vec<CT::From>,
    look: &LineLook,
    theme: &Theme,
) -> Result<(), ChartError>
where
    CT::From: Clone,
{
    let style = look.color.stroke_width(theme.px(look.width).max(1) as u32);
    match look.dash {
        None => area.draw(&PathElement::new(points, style)),
        Some((dash, gap)) => {
            area.draw(&DashedPathElement::new(points, theme.px(dash).max(1), theme.px(gap).max(1), style))
        }
    }
    .map_err(draw_err)
}

/// Draws the look's marker centred on `at`.
pub(crate) fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    look: &LineLook,
    theme: &Theme,
) -> Result<(), ChartError> {
    let fill = look.color.filled();
    let s = theme.px(look.marker_size).max(2);
    let shape = match look.marker {
        Marker::Circle => return area.draw(&(EmptyElement::at(at) + Circle::new((0, 0), s, fill))).map_err(draw_err),
        Marker::Square => {
            let h = s * 7 / 8;
            vec![(-h, -h), (h, -h), (h, h), (-h, h)]
        }
        Marker::Triangle => vec![(0, -s - s / 4), (s + s / 8, s * 3 / 4), (-s - s / 8, s * 3 / 4)],
        Marker::Diamond => vec![(0, -s - s / 4), (s + s / 4, 0), (0, s + s / 4), (-s - s / 4, 0)],
    };
    area.draw(&(EmptyElement::at(at) + Polygon::new(shape, fill))).map_err(draw_err)
}
