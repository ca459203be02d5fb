//! The embedded DejaVu Sans: loaded once, registered with plotters, and used to measure, truncate and lay
//! out text.
//!
//! plotters' `ttf` feature would look fonts up through fontconfig, which fails on machines without fonts;
//! `ab_glyph` with an embedded font needs nothing from the system and renders the same pixels everywhere.
//!
//! Sizes are plotters' text sizes; like plotters' SVG output, a size `s` means an em of `s / 1.24` pixels, so
//! the PNG and the SVG lay text out alike.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters::style::{FontDesc, FontFamily, FontStyle, register_font};

use crate::error::ChartError;

/// The family every label asks for. The SVG output names it, so browsers draw SVG text with their own
/// sans-serif; the PNG output draws it with DejaVu Sans.
pub(crate) const FAMILY: FontFamily<'static> = FontFamily::SansSerif;

/// plotters' ratio between a text size and its em in pixels (see `plotters-svg`).
const SIZE_PER_EM: f64 = 1.24;

/// DejaVu Sans' x-height in ems (1120 / 2048 units), to place text by its middle as SVG's `0.5ex` does.
pub(crate) const X_HEIGHT_EM: f64 = 0.547;

const ELLIPSIS: char = '…';

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

/// Loads the faces and registers them with plotters the first time it is called.
fn faces() -> Option<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let (regular, bold) = (dejavu::sans::regular(), dejavu::sans::bold());
            let name = FAMILY.as_str();
            register_font(name, FontStyle::Normal, regular).ok()?;
            register_font(name, FontStyle::Bold, bold).ok()?;
            Some(Faces { regular: FontRef::try_from_slice(regular).ok()?, bold: FontRef::try_from_slice(bold).ok()? })
        })
        .as_ref()
}

/// Makes sure the embedded font is loaded; rendering refuses to start otherwise.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    faces().map(|_| ()).ok_or(ChartError::Font)
}

/// The plotters font for a label of `size`.
pub(crate) fn font(size: f64, bold: bool) -> FontDesc<'static> {
    FontDesc::new(FAMILY, size, if bold { FontStyle::Bold } else { FontStyle::Normal })
}

/// The em of a text of `size`, in pixels.
pub(crate) fn em(size: f64) -> f64 {
    size / SIZE_PER_EM
}

/// Text laid out on a baseline starting at x = 0: positioned glyphs and the total advance width.
pub(crate) struct Line {
    pub(crate) font: &'static FontRef<'static>,
    pub(crate) glyphs: Vec<Glyph>,
    pub(crate) width: f32,
}

/// Lays `text` out with advances and kerning; `None` only if the font failed to load.
pub(crate) fn layout(text: &str, size: f64, bold: bool) -> Option<Line> {
    let faces = faces()?;
    let font = if bold { &faces.bold } else { &faces.regular };
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    // ab_glyph scales by line height (ascent - descent); convert from the em we want.
    let scale = PxScale::from(em(size) as f32 * font.height_unscaled() / units_per_em);
    let scaled = font.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(prev) = previous {
            x += scaled.kern(prev, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(x, 0.0)));
        x += scaled.h_advance(id);
        previous = Some(id);
    }
    Some(Line { font, glyphs, width: x })
}

/// The width of `text` in pixels, rounded up.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> i32 {
    match layout(text, size, bold) {
        Some(line) => line.width.ceil() as i32,
        // Only reachable if the font failed to load, which rendering has already refused: estimate instead.
        None => (text.chars().count() as f64 * em(size) * 0.6).ceil() as i32,
    }
}

/// `text` unchanged if it fits in `max_width` pixels, else its longest prefix that fits followed by `…`.
/// Returns an empty string when not even the ellipsis fits.
pub(crate) fn truncate(text: &str, max_width: i32, size: f64, bold: bool) -> String {
    if text_width(text, size, bold) <= max_width {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let with_ellipsis = |n: usize| {
        let mut s: String = chars[..n].iter().collect::<String>().trim_end().to_owned();
        s.push(ELLIPSIS);
        s
    };
    // Binary search for the longest prefix that fits; the width grows with the prefix length.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&with_ellipsis(mid), size, bold) <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let out = with_ellipsis(lo);
    if text_width(&out, size, bold) <= max_width { out } else { String::new() }
}

/// `text` broken at spaces into lines of at most `max_width` pixels, at most `max_lines` of them; the
/// last line takes the rest and is truncated with an ellipsis if it is still too long (as is a
/// single word wider than a line).
pub(crate) fn wrap(text: &str, max_width: i32, size: f64, bold: bool, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let full = lines.len() >= max_lines.max(1);
        let last = lines.last_mut().expect("one line at least");
        let joined = if last.is_empty() { word.to_owned() } else { format!("{last} {word}") };
        if last.is_empty() || full || text_width(&joined, size, bold) <= max_width {
            *last = joined;
        } else {
            lines.push(word.to_owned());
        }
    }
    lines.into_iter().map(|line| truncate(&line, max_width, size, bold)).filter(|l| !l.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_gets_an_ellipsis() {
        ensure_registered().unwrap();
        assert_eq!(truncate("Mon", 200, 15.0, false), "Mon");
        let cut = truncate("A very long category label indeed", 80, 15.0, false);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(text_width(&cut, 15.0, false) <= 80);
        assert!(cut.chars().count() > 3, "{cut}");
        assert_eq!(truncate("Anything", 1, 15.0, false), "");
    }

    #[test]
    fn text_wraps_at_spaces_and_the_last_line_is_cut() {
        ensure_registered().unwrap();
        let lines = wrap("Gross and net volume by day, USD", 200, 20.0, true, 2);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines.join(" "), "Gross and net volume by day, USD");
        let cut = wrap("one two three four five six seven eight nine ten", 80, 15.0, false, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
        assert_eq!(wrap("short", 200, 15.0, false, 2), ["short"]);
        assert!(wrap("  ", 200, 15.0, false, 2).is_empty());
    }

    #[test]
    fn bold_text_is_wider() {
        ensure_registered().unwrap();
        assert!(text_width("Revenue", 20.0, true) > text_width("Revenue", 20.0, false));
    }
}
