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

/// How the `i`-th of `count` lines is drawn. Colour alone does not keep lines apart where they
/// coincide (the same figures, or a gap of a pixel), so each line also has its own dash pattern
/// and marker shape, the first of several is drawn wider, and later lines go on top: wherever
/// two lines meet, the one below shows around the edges and through the gaps of the one above.
pub(crate) fn line_look(i: usize, count: usize) -> LineLook {
    const DASHES: [(f64, f64); 4] = [(9.0, 6.0), (2.5, 4.0), (16.0, 5.0), (5.0, 3.0)];
    const MARKERS: [Marker; 4] = [Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond];
    LineLook {
        color: series_color(i),
        width: if i == 0 && count > 1 { 4.0 } else { 2.5 },
        dash: if i == 0 { None } else { Some(DASHES[(i - 1) % DASHES.len()]) },
        marker: MARKERS[i % MARKERS.len()],
        marker_size: if i == 0 && count > 1 { 5.0 } else { 4.0 },
        marked: true,
    }
}

/// How a marked value (a target) is drawn across the plot and in the legend: a thin dashed gray
/// line, unlike any series.
pub(crate) fn reference_look() -> LineLook {
    LineLook {
        color: MUTED,
        width: 2.0,
        dash: Some((7.0, 4.0)),
        marker: Marker::Circle,
        marker_size: 0.0,
        marked: false,
    }
}

/// The look of one line: lengths in pixels at 800x450.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LineLook {
    pub(crate) color: RGBColor,
    pub(crate) width: f64,
    /// Dash and gap lengths; `None` is a solid line.
    pub(crate) dash: Option<(f64, f64)>,
    pub(crate) marker: Marker,
    /// The marker's radius (half its width).
    pub(crate) marker_size: f64,
    /// Whether the line's points are marked (when they are far enough apart), and so its legend entry.
    pub(crate) marked: bool,
}

/// The shape marking a line's points (and its legend entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

/// The colour of text written on a bar of `fill`: dark on light colours (orange, sky blue),
/// white on dark ones.
pub(crate) fn text_on(fill: RGBColor) -> RGBColor {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(fill.0) + 0.7152 * channel(fill.1) + 0.0722 * channel(fill.2);
    if luminance > 0.3 { TEXT } else { BACKGROUND }
}

/// The colour of negative bars in a single-series bar chart (vermillion, set off from the blue).
pub(crate) const NEGATIVE: RGBColor = PALETTE[3];

/// The smallest text size (a plotters size: 13 pixels to the em). Charts are shown scaled down
/// (a phone version about 5 % smaller, a desktop one in a column), so nothing is written smaller.
pub(crate) const MIN_TEXT_SIZE: f64 = 16.2;

/// Sizes for one canvas. Every length is designed for 800x450 and multiplied by `scale`. Text sizes are
/// plotters sizes: an em is `size / 1.24` pixels (see [`crate::font`]), and never below
/// [`MIN_TEXT_SIZE`]: on a small canvas text takes more of the room, and labels give way
/// (truncated, thinned out or left out) rather than shrink.
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

    /// A text size designed as `at_800`, scaled, and at least [`MIN_TEXT_SIZE`].
    pub(crate) fn text(&self, at_800: f64) -> f64 {
        self.len(at_800).max(MIN_TEXT_SIZE)
    }

    pub(crate) fn title_size(&self) -> f64 {
        self.text(28.0)
    }

    pub(crate) fn caption_size(&self) -> f64 {
        self.text(17.0)
    }

    pub(crate) fn tick_size(&self) -> f64 {
        self.text(17.0)
    }

    pub(crate) fn value_size(&self) -> f64 {
        self.text(16.0)
    }

    pub(crate) fn legend_size(&self) -> f64 {
        self.text(17.0)
    }

    /// Small print: footnotes, notes on the axis, drop-offs.
    pub(crate) fn small_size(&self) -> f64 {
        self.text(14.0)
    }

    /// Outer margin of the canvas.
    pub(crate) fn margin(&self) -> i32 {
        self.px(18.0)
    }
}
