//! The PNG drawing surface: plotters' bitmap backend with our own text drawing.
//!
//! plotters' ab_glyph text path drops each glyph's left side bearing, so "Active" prints as "Act ive".
//! This wrapper forwards all shapes to `BitMapBackend` and draws text from [`crate::font::layout`], anchored
//! the way plotters' SVG backend anchors it, so PNG and SVG place text alike.

use ab_glyph::Font;
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle};
use plotters_bitmap::BitMapBackendError;

use crate::font::{X_HEIGHT_EM, em, layout};

/// An RGB buffer backend with correct glyph placement.
pub(crate) struct RasterBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> RasterBackend<'a> {
    pub(crate) fn new(buffer: &'a mut [u8], size: (u32, u32)) -> Self {
        Self { inner: BitMapBackend::with_buffer(buffer, size) }
    }
}

type Result<T> = std::result::Result<T, DrawingErrorKind<BitMapBackendError>>;

impl DrawingBackend for RasterBackend<'_> {
    type ErrorType = BitMapBackendError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<()> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<()> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<()> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<()> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, style: &S, fill: bool) -> Result<()> {
        self.inner.draw_rect(a, b, style, fill)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, (w, h): (u32, u32), src: &[u8]) -> Result<()> {
        self.inner.blit_bitmap(pos, (w, h), src)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32)> {
        let width = layout(text, style.size(), is_bold(style)).map_or(0.0, |line| line.width);
        Ok((width.ceil() as u32, em(style.size()).ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<()> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let Some(line) = layout(text, style.size(), is_bold(style)) else {
            return Ok(());
        };
        // The anchor point in text space (baseline at y = 0), as plotters-svg's text-anchor and dy place it.
        let em = em(style.size()) as f32;
        let anchor = style.anchor();
        let ax = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => line.width / 2.0,
            HPos::Right => line.width,
        };
        let half_ex = 0.5 * X_HEIGHT_EM as f32 * em;
        let ay = match anchor.v_pos {
            VPos::Top => -0.76 * em,
            VPos::Center => -half_ex,
            VPos::Bottom => half_ex,
        };
        let transform = style.transform();
        let (ax, ay) = (ax.round() as i32, ay.round() as i32);
        // Coverage is collected first: the rasteriser's callback cannot return the backend's errors.
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for glyph in line.glyphs {
            let Some(outline) = line.font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i32 - ax, bounds.min.y as i32 - ay);
            pixels.clear();
            outline.draw(|x, y, coverage| pixels.push((left + x as i32, top + y as i32, coverage)));
            for &(x, y, coverage) in &pixels {
                if coverage <= 0.0 {
                    continue;
                }
                let (dx, dy) = transform.transform(x, y);
                let alpha = color.alpha * f64::from(coverage.min(1.0));
                self.inner.draw_pixel((pos.0 + dx, pos.1 + dy), BackendColor { alpha, rgb: color.rgb })?;
            }
        }
        Ok(())
    }
}

fn is_bold<S: BackendTextStyle>(style: &S) -> bool {
    matches!(style.style(), FontStyle::Bold)
}
