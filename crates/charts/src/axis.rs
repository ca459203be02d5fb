//! The plot grid shared by bar and line charts: nice value ticks, category labels that never overlap, and
//! the plotters chart context with the house style (grid lines, no axis lines, captions).

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{ChartError, draw_err};
use crate::font::{em, font, text_width, truncate};
use crate::format::ValueFormat;
use crate::marks::draw_line;
use crate::spec::Chart;
use crate::theme::{AXIS, GRID, MUTED, TEXT, Theme, reference_look};

/// The chart context every cartesian chart draws into: f64 on both axes, ticks placed by us.
pub(crate) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<KeyedAxis, KeyedAxis>>;

/// An f64 axis whose ticks are exactly the given key points. (plotters' `WithKeyPoints` does the same but
/// loses the label formatter support of f64 axes.)
pub(crate) struct KeyedAxis {
    inner: RangedCoordf64,
    keys: Vec<f64>,
}

impl KeyedAxis {
    fn new(range: Range<f64>, keys: Vec<f64>) -> Self {
        Self { inner: range.into(), keys }
    }
}

impl Ranged for KeyedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold points (grid lines with labels); no light in-between lines.
        if hint.weight().allow_light_points() { Vec::new() } else { self.keys.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// Evenly spaced "nice" ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering a data range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) step: f64,
    pub(crate) values: Vec<f64>,
}

/// Ticks covering `min..=max` with about `target` intervals. `integral` keeps the step at 1 or more, so a
/// count axis never shows 0.5. A flat range (all values equal) is widened around its value, but never
/// past `bounds` (a percentage of 95 every day is not drawn on an axis running to 150 %).
pub(crate) fn nice_ticks(min: f64, max: f64, target: usize, integral: bool, bounds: Option<(f64, f64)>) -> Ticks {
    let (mut min, mut max) = (min.min(max), max.max(min));
    if max - min <= 1e-12 * max.abs().max(1.0) {
        if min == 0.0 {
            max = 1.0;
        } else {
            let pad = min.abs() / 2.0;
            (min, max) = (min - pad, max + pad);
        }
    }
    if let Some((lo, hi)) = bounds {
        (min, max) = (min.max(lo), max.min(hi));
        if max - min <= 1e-12 * max.abs().max(1.0) {
            // Flat at a bound (100 % every day): widen inwards.
            let pad = ((hi - lo) / 10.0).max(1e-9);
            (min, max) = if max >= hi { (hi - pad, hi) } else { (lo, lo + pad) };
        }
    }
    let raw = (max - min) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    // 2.5 would put a count axis on halves (2.5, 5, 7.5) unless the magnitude makes it whole (25, 250).
    let allow_quarter = !integral || magnitude >= 10.0;
    let nice = [1.0, 2.0, 2.5, 5.0]
        .into_iter()
        .filter(|&n| n != 2.5 || allow_quarter)
        .find(|&n| raw / magnitude <= n + 1e-9)
        .unwrap_or(10.0);
    let mut step = nice * magnitude;
    if integral && step < 1.0 {
        step = 1.0;
    }
    // The epsilons absorb float noise such as 0.30000000000000004 / 0.1.
    let lo_k = (min / step + 1e-9).floor() as i64;
    let hi_k = (max / step - 1e-9).ceil() as i64;
    let hi_k = hi_k.max(lo_k + 1);
    // `+ 0.0` turns -0.0 into 0.0 so the zero tick never reads "-0".
    let mut values: Vec<f64> = (lo_k..=hi_k).map(|k| k as f64 * step + 0.0).collect();
    if let Some((lo, hi)) = bounds {
        // The bounds are round (0 and 100), so this only trims float noise or an odd step.
        values.retain(|v| *v >= lo - 1e-9 && *v <= hi + 1e-9);
    }
    let (lo, hi) = match (values.first(), values.last()) {
        (Some(&lo), Some(&hi)) if hi > lo => (lo, hi),
        _ => (lo_k as f64 * step, hi_k as f64 * step),
    };
    Ticks { lo, hi, step, values }
}

/// Where a value axis must stay: between 0 and 100 for percentages when every value (and every
/// marked line) is a share in that range; nowhere in particular otherwise (growth of 150 % is
/// drawn as it is).
pub(crate) fn axis_bounds(chart: &Chart, (min, max): (f64, f64)) -> Option<(f64, f64)> {
    let shares = matches!(chart.format, ValueFormat::Percent { .. }) && min >= 0.0 && max <= 100.0;
    shares.then_some((0.0, 100.0))
}

/// The lowest and highest of `values` and of the chart's marked lines, which the axis must show too.
pub(crate) fn extent(chart: &Chart, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let marked = chart.reference_lines.iter().map(|r| r.value);
    values.chain(marked).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// How category labels give way when they do not fit their slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelFit {
    /// Every category is labelled, truncated to its slot; only when slots are too narrow for even a few
    /// letters is every n-th label skipped. For bars, where each category matters.
    Truncate,
    /// Labels are kept whole and every n-th one is skipped until they fit. For time series, where the
    /// sequence is obvious and a cut date is useless.
    Stride,
}

/// Which categories get a label and what it says, for `slot` pixels per category.
pub(crate) fn category_labels(labels: &[&str], slot: f64, fit: LabelFit, theme: &Theme) -> Vec<(usize, String)> {
    let size = theme.tick_size();
    let gap = f64::from(theme.px(8.0));
    let needed = match fit {
        LabelFit::Truncate => f64::from(text_width("Abc…", size, false)),
        LabelFit::Stride => labels.iter().map(|l| text_width(l, size, false)).max().map_or(0.0, f64::from),
    } + gap;
    let stride = if slot > 0.0 { (needed / slot).ceil().max(1.0) as usize } else { 1 };
    let room = (stride as f64 * slot - gap) as i32;
    labels.iter().enumerate().step_by(stride).map(|(i, label)| (i, truncate(label, room, size, false))).collect()
}

/// Bar categories kept to fewer letters than this under their bars are written upright instead.
const READABLE_LETTERS: usize = 8;

/// Whether bar labels laid flat (`flat`, from [`category_labels`]) lose too much: some category
/// unlabelled, or cut to a few letters ("Wedne…", "2026-…"), where written upright they would read.
pub(crate) fn flat_labels_unreadable(labels: &[&str], flat: &[(usize, String)]) -> bool {
    flat.len() < labels.len()
        || flat.iter().any(|(i, shown)| {
            let kept = shown.trim_end_matches('…').chars().count();
            shown.ends_with('…') && kept < READABLE_LETTERS.min(labels[*i].chars().count())
        })
}

/// Upright category labels (reading upwards) in at most `room` pixels each: every category while
/// slots are as wide as a line of text, every n-th otherwise.
pub(crate) fn upright_labels(labels: &[&str], slot: f64, room: i32, theme: &Theme) -> Vec<(usize, String)> {
    let size = theme.tick_size();
    let needed = em(size) * 1.25;
    let stride = if slot > 0.0 { (needed / slot).ceil().max(1.0) as usize } else { 1 };
    labels.iter().enumerate().step_by(stride).map(|(i, label)| (i, truncate(label, room, size, false))).collect()
}

/// The height upright labels may take: their longest, up to a third of the plot's area.
pub(crate) fn upright_room<DB: DrawingBackend>(labels: &[&str], body: &DrawingArea<DB, Shift>, theme: &Theme) -> i32 {
    let widest = labels.iter().map(|l| text_width(l, theme.tick_size(), false)).max().unwrap_or(0);
    widest.min(i32::try_from(body.dim_in_pixel().1 / 3).unwrap_or(i32::MAX))
}

/// The value axis and the sizes around the plot, worked out before the x labels (which need the plot width).
pub(crate) struct Layout {
    /// Room for upright x labels (bars whose categories do not fit flat); `None`: labels lie flat.
    upright: Option<i32>,
    x_area: i32,
    y_area: i32,
    top: i32,
    right: i32,
    /// Width of the plotting area in pixels.
    pub(crate) plot_width: f64,
    /// Height of the plotting area in pixels.
    pub(crate) plot_height: f64,
    pub(crate) ticks: Ticks,
    y_labels: Vec<String>,
}

impl Layout {
    /// Plans a plot in `body` for values spanning `y_min..=y_max`, within `bounds` if any, with x
    /// labels lying flat.
    pub(crate) fn plan<DB: DrawingBackend>(
        body: &DrawingArea<DB, Shift>,
        chart: &Chart,
        y_range: (f64, f64),
        bounds: Option<(f64, f64)>,
        theme: &Theme,
    ) -> Self {
        Self::plan_with(body, chart, y_range, bounds, None, theme)
    }

    /// As [`Layout::plan`], with x labels written upright in `room` pixels (see [`upright_room`]).
    pub(crate) fn plan_upright<DB: DrawingBackend>(
        body: &DrawingArea<DB, Shift>,
        chart: &Chart,
        y_range: (f64, f64),
        bounds: Option<(f64, f64)>,
        room: i32,
        theme: &Theme,
    ) -> Self {
        Self::plan_with(body, chart, y_range, bounds, Some(room), theme)
    }

    fn plan_with<DB: DrawingBackend>(
        body: &DrawingArea<DB, Shift>,
        chart: &Chart,
        (y_min, y_max): (f64, f64),
        bounds: Option<(f64, f64)>,
        upright: Option<i32>,
        theme: &Theme,
    ) -> Self {
        let (w, h) = body.dim_in_pixel();
        let (w, h) = (f64::from(w), f64::from(h));
        let tick = theme.tick_size();
        let caption = theme.caption_size();
        let caption_room = |label: &Option<String>| if label.is_some() { caption + theme.len(8.0) } else { 0.0 };

        let label_room = upright.map_or(tick, f64::from);
        let x_area = (label_room + theme.len(14.0) + caption_room(&chart.x_label)).round() as i32;
        // Half a tick label above the top tick, so it is not clipped.
        let top = (tick / 2.0).ceil() as i32;
        let plot_height = h - f64::from(x_area) - f64::from(top);
        let target = (plot_height / theme.len(55.0)).floor().clamp(2.0, 8.0) as usize;
        let ticks = nice_ticks(y_min, y_max, target, chart.format.is_integral(), bounds);
        let max_abs = ticks.lo.abs().max(ticks.hi.abs());
        let y_labels: Vec<String> = ticks.values.iter().map(|&v| chart.format.tick(v, ticks.step, max_abs)).collect();
        let widest = y_labels.iter().map(|l| text_width(l, tick, false)).max().unwrap_or(0);
        let y_area = (f64::from(widest) + theme.len(12.0) + caption_room(&chart.y_label)).round() as i32;
        // A little room on the right so the last x label is not cut at the canvas edge.
        let right = theme.px(8.0);
        let plot_width = (w - f64::from(y_area) - f64::from(right)).max(1.0);
        Self { upright, x_area, y_area, top, right, plot_width, plot_height: plot_height.max(1.0), ticks, y_labels }
    }

    /// The label of the value axis' tick at `v`, as written on the axis.
    pub(crate) fn tick_label(&self, chart: &Chart, v: f64) -> String {
        chart.format.tick(v, self.ticks.step, self.ticks.lo.abs().max(self.ticks.hi.abs()))
    }

    /// Builds the chart context over `x_range` with labels at `x_keys`, and draws grid, ticks and captions.
    pub(crate) fn build<'a, DB: DrawingBackend>(
        &self,
        body: &'a DrawingArea<DB, Shift>,
        chart: &Chart,
        x_range: Range<f64>,
        x_keys: Vec<(f64, String)>,
        theme: &Theme,
    ) -> Result<Plot<'a, DB>, ChartError> {
        let x_points: Vec<f64> = x_keys.iter().map(|(x, _)| *x).collect();
        let mut plot = ChartBuilder::on(body)
            .margin_top(self.top)
            .margin_right(self.right)
            .x_label_area_size(self.x_area)
            .y_label_area_size(self.y_area)
            .build_cartesian_2d(
                KeyedAxis::new(x_range, x_points),
                KeyedAxis::new(self.ticks.lo..self.ticks.hi, self.ticks.values.clone()),
            )
            .map_err(draw_err)?;

        let y_keys: Vec<(f64, String)> = self.ticks.values.iter().copied().zip(self.y_labels.iter().cloned()).collect();
        // Upright labels are drawn below, anchored at their end: plotters centres x labels on the tick.
        let x_fmt = |v: &f64| if self.upright.is_some() { String::new() } else { label_at(&x_keys, *v) };
        let y_fmt = |v: &f64| label_at(&y_keys, *v);
        let mut mesh = plot.configure_mesh();
        mesh.disable_x_mesh()
            .bold_line_style(GRID.stroke_width(theme.px(1.0).max(1) as u32))
            // No axis lines: the grid and the zero line carry the scale. Tick marks only set the label gap.
            .axis_style(TRANSPARENT)
            .set_all_tick_mark_size(theme.px(5.0))
            .label_style(font(theme.tick_size(), false).color(&MUTED))
            .axis_desc_style(font(theme.caption_size(), false).color(&TEXT))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if let Some(x) = &chart.x_label {
            mesh.x_desc(x.clone());
        }
        if let Some(y) = &chart.y_label {
            mesh.y_desc(y.clone());
        }
        mesh.draw().map_err(draw_err)?;
        if self.upright.is_some() {
            let style = font(theme.tick_size(), false)
                .transform(FontTransform::Rotate270)
                .color(&MUTED)
                .pos(Pos::new(HPos::Right, VPos::Center));
            let (lo, gap) = (self.ticks.lo, theme.px(8.0));
            let labels = x_keys
                .into_iter()
                .map(|(x, label)| EmptyElement::at((x, lo)) + Text::new(label, (0, gap), style.clone()));
            plot.draw_series(labels).map_err(draw_err)?;
        }
        Ok(plot)
    }
}

/// Draws a horizontal line across the plot at `y` (the zero line of bars, the floor of lines).
pub(crate) fn draw_baseline<DB: DrawingBackend>(
    plot: &mut Plot<'_, DB>,
    y: f64,
    theme: &Theme,
) -> Result<(), ChartError> {
    let x = plot.x_range();
    let style = AXIS.stroke_width(theme.px(1.0).max(1) as u32);
    plot.draw_series(std::iter::once(PathElement::new(vec![(x.start, y), (x.end, y)], style))).map_err(draw_err)?;
    Ok(())
}

/// Draws the chart's marked values (targets) as dashed lines across the plot; the legend names them
/// (see [`crate::frame::reference_items`]), so no label covers the data.
pub(crate) fn draw_reference_lines<DB: DrawingBackend>(
    plot: &mut Plot<'_, DB>,
    chart: &Chart,
    theme: &Theme,
) -> Result<(), ChartError> {
    let x = plot.x_range();
    let look = reference_look();
    for line in &chart.reference_lines {
        draw_line(plot.plotting_area(), vec![(x.start, line.value), (x.end, line.value)], &look, theme)?;
    }
    Ok(())
}

/// The label whose key is `v`; plotters hands back exactly the key points we gave it.
fn label_at(keys: &[(f64, String)], v: f64) -> String {
    keys.iter().find(|(k, _)| (k - v).abs() < 1e-9).map(|(_, l)| l.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        let t = nice_ticks(0.0, 1234.0, 5, true, None);
        assert_eq!((t.lo, t.hi, t.step), (0.0, 1250.0, 250.0));
        assert_eq!(t.values, vec![0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0]);
        let t = nice_ticks(0.0, 1234.0, 3, true, None);
        assert_eq!((t.lo, t.hi, t.step), (0.0, 1500.0, 500.0));

        let t = nice_ticks(-35.0, 80.0, 5, false, None);
        assert_eq!((t.lo, t.hi, t.step), (-50.0, 100.0, 25.0));
    }

    #[test]
    fn counts_never_tick_between_whole_numbers() {
        let t = nice_ticks(0.0, 3.0, 6, true, None);
        assert_eq!(t.step, 1.0);
        let t = nice_ticks(0.0, 3.0, 6, false, None);
        assert_eq!(t.step, 0.5);
        let t = nice_ticks(0.0, 11.0, 4, true, None);
        assert_eq!(t.step, 5.0, "no 2.5 steps on counts");
    }

    #[test]
    fn flat_ranges_get_height() {
        let t = nice_ticks(0.0, 0.0, 5, true, None);
        assert_eq!((t.lo, t.hi), (0.0, 1.0));
        let t = nice_ticks(10.0, 10.0, 4, false, None);
        assert!(t.lo < 10.0 && t.hi > 10.0, "{t:?}");
    }

    #[test]
    fn bounded_axes_stay_inside_their_bounds() {
        let shares = Some((0.0, 100.0));
        let t = nice_ticks(95.0, 95.0, 5, false, shares);
        assert!(t.lo < 95.0 && t.hi == 100.0, "a flat 95 % is widened below 100 %: {t:?}");
        let t = nice_ticks(100.0, 100.0, 5, false, shares);
        assert!(t.lo < 100.0 && t.hi == 100.0, "{t:?}");
        let t = nice_ticks(0.0, 0.0, 5, false, shares);
        assert_eq!((t.lo, t.hi), (0.0, 1.0));
        let t = nice_ticks(0.0, 106.7, 5, false, shares);
        assert_eq!((t.lo, t.hi), (0.0, 100.0), "headroom stops at 100 %");
        let t = nice_ticks(95.0, 95.0, 5, false, None);
        assert!(t.hi > 100.0, "unbounded as before: {t:?}");
    }

    #[test]
    fn zero_tick_has_no_sign() {
        let t = nice_ticks(-1.0, 1.0, 4, false, None);
        assert!(t.values.iter().any(|v| v.to_bits() == 0.0f64.to_bits()), "{t:?}");
    }
}
