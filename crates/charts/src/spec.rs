//! The chart spec: what to draw, as plain serde-friendly data with sensible defaults.
//!
//! A JSON example:
//! ```json
//! {"title": "Signups per day", "kind": {"type": "bar", "bars": [{"label": "Mon", "value": 12}]}}
//! ```
//! `width`, `height`, `format`, `x_label`, `y_label`, `footnote` and `x_labels` may be left out.

use serde::{Deserialize, Serialize};

use crate::format::ValueFormat;

/// Default width in pixels (PNG) or user units (SVG).
pub const DEFAULT_WIDTH: u32 = 800;
/// Default height in pixels (PNG) or user units (SVG).
pub const DEFAULT_HEIGHT: u32 = 450;
/// Smallest accepted width: below it titles and axes no longer fit.
pub const MIN_WIDTH: u32 = 200;
/// Smallest accepted height.
pub const MIN_HEIGHT: u32 = 150;
/// Largest accepted width or height, which bounds the PNG buffer (48 MiB at most).
pub const MAX_SIDE: u32 = 4096;
/// Width of the phone version of a chart: drawn to be shown about 324 pixels wide (a 390-pixel
/// screen less a page's margins), where its smallest text (13 pixels) still reads at 12.
pub const PHONE_WIDTH: u32 = 340;
/// Height of the phone version: taller than wide, so the plot keeps its height under a title and
/// legend that wrap.
pub const PHONE_HEIGHT: u32 = 440;
/// Most data points (bars, line points, funnel steps) one chart may hold.
pub const MAX_POINTS: usize = 10_000;

/// One chart: a title, the data, and how to write it.
///
/// Text and sizes scale with the canvas: 800x450 is the reference, 1600x900 draws the same chart twice as sharp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    /// Shown bold at the top left; truncated with an ellipsis when too long.
    pub title: String,
    /// The kind of chart and its data.
    pub kind: ChartKind,
    /// Caption under the category (x) axis. Not drawn on funnels or horizontal bars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_label: Option<String>,
    /// Caption beside the value (y) axis; under the bars of horizontal bars, whose value axis is
    /// horizontal. Not drawn on funnels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_label: Option<String>,
    /// How values are written on labels and the value axis.
    #[serde(default)]
    pub format: ValueFormat,
    /// Width, [`MIN_WIDTH`]..=[`MAX_SIDE`].
    #[serde(default = "default_width")]
    pub width: u32,
    /// Height, [`MIN_HEIGHT`]..=[`MAX_SIDE`].
    #[serde(default = "default_height")]
    pub height: u32,
    /// Small print under the chart, such as the data's source; wrapped onto at most two lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footnote: Option<String>,
    /// Line charts with labelled x values only: every label of the x axis, in order, including those no
    /// point has (such as days with no figures). A listed label that no series has a point for is a gap:
    /// it keeps its place on the axis, is shaded and crossed at the axis, and no line is drawn across it.
    /// With this list, each line also breaks at any listed label its own series has no point for. Labels of
    /// points that are not listed follow the listed ones, in order of first appearance. Empty (the default):
    /// the axis is the points' labels and lines join all their points. Ignored by other chart kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x_labels: Vec<String>,
    /// Horizontal lines across the plot at a value, each with its label, such as a target: always
    /// inside the value axis. Drawn on line and (grouped) bar charts; ignored by the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_lines: Vec<ReferenceLine>,
}

fn default_width() -> u32 {
    DEFAULT_WIDTH
}

fn default_height() -> u32 {
    DEFAULT_HEIGHT
}

fn default_true() -> bool {
    true
}

/// What is drawn. Serialized with a `type` tag: `bar`, `horizontal_bar`, `grouped_bar`, `line` or `funnel`.
///
/// Empty data (no bars, no categories, no points, no steps) renders a "No data" chart, not an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChartKind {
    /// Vertical bars, one per label, in the order given. Negative values hang below the zero line.
    Bar { bars: Vec<Bar> },
    /// Horizontal bars, one per label, top to bottom in the order given: a ranking whose labels are too
    /// long to stand under vertical bars (customers, products). Each bar's value is written beside it;
    /// negative values grow left of the zero line, in their own colour.
    HorizontalBar { bars: Vec<Bar> },
    /// Two or more series over the same categories (e.g. "Austin" and "Denver" on several metrics), drawn
    /// side by side per category with a legend. Each series has exactly one value per category.
    GroupedBar { categories: Vec<String>, series: Vec<Series> },
    /// One or more lines with a legend when there are several. The x values are either all numbers (a
    /// numeric axis) or all labels such as dates (a category axis, labels in order of first appearance).
    Line { series: Vec<LineSeries> },
    /// Steps in order, each a horizontal bar whose width is proportional to its count, labelled with the
    /// count and its share of the first step; between steps, optionally, the share lost.
    Funnel {
        steps: Vec<FunnelStep>,
        #[serde(default = "default_true")]
        show_drop_off: bool,
    },
}

/// One bar of a [`ChartKind::Bar`] or a [`ChartKind::HorizontalBar`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// One series of a [`ChartKind::GroupedBar`]: a name for the legend and one value per category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// One line of a [`ChartKind::Line`]. Points are drawn sorted by x.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSeries {
    pub name: String,
    pub points: Vec<Point>,
}

/// One point of a line: `{"x": "2024-05-01", "y": 12}` or `{"x": 3.5, "y": 12}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub x: X,
    pub y: f64,
}

/// An x value: a number on a numeric axis or a label (typically a date) on a category axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum X {
    Number(f64),
    Label(String),
}

/// A value marked across the plot, such as a target: `{"label": "Target", "value": 95}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceLine {
    pub label: String,
    pub value: f64,
}

/// One step of a [`ChartKind::Funnel`]; counts must be finite and not negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelStep {
    pub name: String,
    pub count: f64,
}

impl Chart {
    /// A chart with the default size and format and no axis captions.
    pub fn new(title: impl Into<String>, kind: ChartKind) -> Self {
        Self {
            title: title.into(),
            kind,
            x_label: None,
            y_label: None,
            format: ValueFormat::default(),
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            footnote: None,
            x_labels: Vec::new(),
            reference_lines: Vec::new(),
        }
    }

    /// A bar chart from `(label, value)` pairs.
    pub fn bar<L: Into<String>>(title: impl Into<String>, bars: impl IntoIterator<Item = (L, f64)>) -> Self {
        let bars = bars.into_iter().map(|(label, value)| Bar { label: label.into(), value }).collect();
        Self::new(title, ChartKind::Bar { bars })
    }

    /// A horizontal bar chart (a ranking, top to bottom) from `(label, value)` pairs.
    pub fn horizontal_bar<L: Into<String>>(title: impl Into<String>, bars: impl IntoIterator<Item = (L, f64)>) -> Self {
        let bars = bars.into_iter().map(|(label, value)| Bar { label: label.into(), value }).collect();
        Self::new(title, ChartKind::HorizontalBar { bars })
    }

    /// A grouped bar chart from categories and `(series name, one value per category)` pairs.
    pub fn grouped_bar<C: Into<String>, N: Into<String>>(
        title: impl Into<String>,
        categories: impl IntoIterator<Item = C>,
        series: impl IntoIterator<Item = (N, Vec<f64>)>,
    ) -> Self {
        let categories = categories.into_iter().map(Into::into).collect();
        let series = series.into_iter().map(|(name, values)| Series { name: name.into(), values }).collect();
        Self::new(title, ChartKind::GroupedBar { categories, series })
    }

    /// A line chart from its series.
    pub fn line(title: impl Into<String>, series: Vec<LineSeries>) -> Self {
        Self::new(title, ChartKind::Line { series })
    }

    /// A funnel from `(step name, count)` pairs, with drop-off labels between steps.
    pub fn funnel<L: Into<String>>(title: impl Into<String>, steps: impl IntoIterator<Item = (L, f64)>) -> Self {
        let steps = steps.into_iter().map(|(name, count)| FunnelStep { name: name.into(), count }).collect();
        Self::new(title, ChartKind::Funnel { steps, show_drop_off: true })
    }

    /// Sets how values are written.
    pub fn with_format(mut self, format: ValueFormat) -> Self {
        self.format = format;
        self
    }

    /// Sets the canvas size.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Sets the caption under the x axis.
    pub fn with_x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = Some(label.into());
        self
    }

    /// Sets the small print under the chart.
    pub fn with_footnote(mut self, footnote: impl Into<String>) -> Self {
        self.footnote = Some(footnote.into());
        self
    }

    /// Sets every label of a line chart's x axis, in order; listed labels with no point are drawn as gaps
    /// (see [`Chart::x_labels`]).
    pub fn with_x_labels<L: Into<String>>(mut self, labels: impl IntoIterator<Item = L>) -> Self {
        self.x_labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Marks `value` with a labelled line across the plot (see [`Chart::reference_lines`]).
    pub fn with_reference_line(mut self, label: impl Into<String>, value: f64) -> Self {
        self.reference_lines.push(ReferenceLine { label: label.into(), value });
        self
    }

    /// Sets the canvas to the phone version's size ([`PHONE_WIDTH`] x [`PHONE_HEIGHT`]).
    pub fn for_phone(self) -> Self {
        self.with_size(PHONE_WIDTH, PHONE_HEIGHT)
    }

    /// Sets the caption beside the y axis.
    pub fn with_y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = Some(label.into());
        self
    }
}

impl LineSeries {
    /// A series from `(x, y)` pairs; `x` is a number or a label (`&str`, `String`).
    pub fn new<P: Into<X>>(name: impl Into<String>, points: impl IntoIterator<Item = (P, f64)>) -> Self {
        let points = points.into_iter().map(|(x, y)| Point { x: x.into(), y }).collect();
        Self { name: name.into(), points }
    }
}

impl From<f64> for X {
    fn from(x: f64) -> Self {
        Self::Number(x)
    }
}

impl From<&str> for X {
    fn from(x: &str) -> Self {
        Self::Label(x.to_owned())
    }
}

impl From<String> for X {
    fn from(x: String) -> Self {
        Self::Label(x)
    }
}
