//! Headline figures as cards, as the Stripe Dashboard shows them: the figure, its change against
//! the previous range of equal length (green when it is good news, red when bad), what it was
//! then, and a small trend line of the range drawn as an inline SVG (no script, no style
//! attribute: the page's Content-Security-Policy holds). Each page says which figures are its
//! headlines and which way is good for each.

use std::cmp::Ordering;
use std::fmt::Write;

/// Which way a figure should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Better {
    Higher,
    Lower,
    /// Neither way is news in itself (a team's counts): the change is shown uncoloured.
    Either,
}

/// One headline card.
pub(crate) struct Card {
    pub(crate) key: String,
    pub(crate) label: String,
    pub(crate) value: String,
    /// "▲ +12.5 %", "▼ -3.0 %", "▲ new", "–".
    pub(crate) change: String,
    /// `good`, `bad` or `flat`: how the change is styled.
    pub(crate) trend: &'static str,
    /// "from $120.00", the previous range's figure, or that there is none.
    pub(crate) previous: String,
    pub(crate) spark: Option<Sparkline>,
}

/// A trend line in a 100 × 30 box: a polyline for each run of days with the figure (the line
/// does not cross a day without it), a dot for a day alone, and what it shows in words.
pub(crate) struct Sparkline {
    pub(crate) lines: Vec<String>,
    pub(crate) dots: Vec<(String, String)>,
    pub(crate) label: String,
}

impl Card {
    /// A card for `value` against `previous` (both as numbers, to compare), written as given
    /// (the previous one `None` when there is none).
    pub(crate) fn new(
        key: &str,
        label: &str,
        (value, previous): (f64, Option<f64>),
        written: (String, Option<String>),
    ) -> Card {
        let (change, trend) = match previous {
            Some(previous) => (change_text(value, previous), "flat"),
            None => ("–".to_owned(), "flat"),
        };
        Card {
            key: key.to_owned(),
            label: label.to_owned(),
            value: written.0,
            change,
            trend,
            previous: written.1.map_or_else(|| "nothing to compare with before".to_owned(), |p| format!("from {p}")),
            spark: None,
        }
    }

    /// The change coloured by which way is good news.
    pub(crate) fn better(mut self, better: Better, value: f64, previous: Option<f64>) -> Card {
        self.trend = previous.map_or("flat", |previous| trend(better, value, previous));
        self
    }

    /// The change as it was worked out elsewhere (the store's figures).
    pub(crate) fn with_change(mut self, change: String, trend: &'static str) -> Card {
        self.change = change;
        self.trend = trend;
        self
    }

    /// The range's trend line, over `values` in order (`None`: no figure that day, a gap);
    /// nothing with fewer than two figures.
    pub(crate) fn spark(mut self, values: &[Option<f64>], what: &str) -> Card {
        self.spark = sparkline(values, what);
        self
    }
}

/// "▲ +20.0 %", "▼ -20.0 %", "▲ new" (from zero), "–" (no change).
pub(crate) fn change_text(value: f64, previous: f64) -> String {
    match value.partial_cmp(&previous) {
        Some(Ordering::Greater) if previous == 0.0 => "▲ new".to_owned(),
        Some(Ordering::Greater) => format!("▲ +{:.1} %", (value - previous) / previous.abs() * 100.0),
        Some(Ordering::Less) if previous == 0.0 => "▼".to_owned(),
        Some(Ordering::Less) => format!("▼ {:.1} %", (value - previous) / previous.abs() * 100.0),
        _ => "–".to_owned(),
    }
}

/// `good`, `bad` or `flat`.
pub(crate) fn trend(better: Better, value: f64, previous: f64) -> &'static str {
    match (value.partial_cmp(&previous), better) {
        (None | Some(Ordering::Equal), _) | (_, Better::Either) => "flat",
        (Some(Ordering::Greater), Better::Higher) | (Some(Ordering::Less), Better::Lower) => "good",
        _ => "bad",
    }
}

/// A trend line over `values`, scaled to a 100 × 30 box with a margin for the stroke (the
/// lowest value at the bottom, the highest at the top; a flat line in the middle).
fn sparkline(values: &[Option<f64>], what: &str) -> Option<Sparkline> {
    let known: Vec<f64> = values.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    if known.len() < 2 || values.len() < 2 {
        return None;
    }
    let (low, high) = known.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let step = 100.0 / (values.len() - 1) as f64;
    let point = |i: usize, v: f64| {
        let y = if high > low { 28.0 - (v - low) / (high - low) * 26.0 } else { 15.0 };
        (format!("{:.1}", i as f64 * step), format!("{y:.1}"))
    };
    let mut runs: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (i, value) in values.iter().enumerate() {
        match value.filter(|v| v.is_finite()) {
            Some(v) => runs.last_mut().expect("one run at least").push(point(i, v)),
            None if runs.last().is_some_and(|run| !run.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    let mut line = Sparkline { lines: Vec::new(), dots: Vec::new(), label: format!("{what} (trend line)") };
    for mut run in runs.into_iter().filter(|run| !run.is_empty()) {
        if run.len() == 1 {
            line.dots.append(&mut run);
        } else {
            let mut points = String::new();
            for (x, y) in run {
                let _ = write!(points, "{}{x},{y}", if points.is_empty() { "" } else { " " });
            }
            line.lines.push(points);
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_the_stripe_dashboard_writes_them() {
        assert_eq!(change_text(120.0, 100.0), "▲ +20.0 %");
        assert_eq!(change_text(80.0, 100.0), "▼ -20.0 %");
        assert_eq!(change_text(3.0, 0.0), "▲ new");
        assert_eq!(change_text(5.0, 5.0), "–");
        assert_eq!(trend(Better::Higher, 2.0, 1.0), "good");
        assert_eq!(trend(Better::Lower, 2.0, 1.0), "bad");
        assert_eq!(trend(Better::Either, 2.0, 1.0), "flat");
        assert_eq!(trend(Better::Higher, 1.0, 1.0), "flat");
    }

    #[test]
    fn trend_lines_fill_their_box_and_break_on_days_without_a_figure() {
        let line = sparkline(&[Some(0.0), None, Some(10.0), Some(5.0), Some(0.0)], "Solved per day").unwrap();
        assert_eq!(line.lines, ["50.0,2.0 75.0,15.0 100.0,28.0"]);
        assert_eq!(line.dots, [("0.0".to_owned(), "28.0".to_owned())], "a day alone is a dot");
        assert_eq!(sparkline(&[Some(3.0), Some(3.0)], "x").unwrap().lines, ["0.0,15.0 100.0,15.0"], "flat");
        assert!(sparkline(&[Some(3.0), None], "x").is_none(), "one figure is no line");
        assert!(sparkline(&[], "x").is_none());
    }
}
