//! Colours, font sizes and spacing shared by every chart kind, scaled with the canvas.

use plotters::style::RGBColor;

/// Page background.
pub(crate) const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
/// Titles and value labels (gray-800: 14:1 on white).
pub(crate) const TEXT: RGBColor = RGBColor(31, 41, 55);
/// Tick labels, captions, drop-off notes (gray-600: 7:1 on white).
pub(crate) const MUTED: RGBColor = RGBColor(75, 85, 99);
/// Horizontal grid lines.
pub(crate) const GRID: RGBColor = RGBColor(229, 231, 235);
/// Axis lines and the zero line.
pub(crate) const AXIS: RGBColor = RGBColor(156, 163, 175);

/// Bands over x labels with no data, drawn at [`GAP_OPACITY`] so the grid shows through.
pub(crate) const GAP: RGBColor = RGBColor(107, 114, 128);
/// Opacity of the gap bands: a light gray on white.
pub(crate) const GAP_OPACITY: f64 = 0.14;

/// Series colours: Okabe & Ito's palette, told apart by people with the common colour-vision deficiencies.
/// Its yellow is left out (too faint on white).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(96, 96, 96),    // gray
];

/// The colour of the `i`-th series; colours repeat after seven series.
pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of negative bars in a single-series bar chart (vermillion, set off from the blue).
pub(crate) const NEGATIVE: RGBColor = PALETTE[3];

/// Sizes for one canvas. Every length is designed for 800x450 and multiplied by `scale`. Text sizes are
/// plotters sizes: an em is `size / 1.24` pixels (see [`crate::font`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    scale: f64,
}

impl Theme {
    pub(crate) fn for_size(width: u32, height: u32) -> Self {
        // Below 0.75 text would drop under ~10 px and stop being legible; small canvases get tighter instead.
        let scale = (f64::from(width) / 800.0).min(f64::from(height) / 450.0).clamp(0.75, 5.0);
        Self { scale }
    }

    /// A length in pixels.
    pub(crate) fn px(&self, at_800: f64) -> i32 {
        (at_800 * self.scale).round() as i32
    }

    /// A length as a float, for font sizes and arithmetic.
    pub(crate) fn len(&self, at_800: f64) -> f64 {
        at_800 * self.scale
    }

    pub(crate) fn title_size(&self) -> f64 {
        self.len(28.0)
    }

    pub(crate) fn caption_size(&self) -> f64 {
        self.len(17.0)
    }

    pub(crate) fn tick_size(&self) -> f64 {
        self.len(17.0)
    }

    pub(crate) fn value_size(&self) -> f64 {
        self.len(16.0)
    }

    pub(crate) fn legend_size(&self) -> f64 {
        self.len(17.0)
    }

    /// Outer margin of the canvas.
    pub(crate) fn margin(&self) -> i32 {
        self.px(18.0)
    }
}
