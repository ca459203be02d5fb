//! Alt text: what a chart shows, in words, for people who cannot see it (and for pages that show
//! the chart as an image). The same spec the renderer draws, read out: the kind, the title, the
//! series and their values (every value when there are few, the range when there are many),
//! marked lines and the footnote.

use statbot_core::numbers;

use crate::format::{ValueFormat, percent_label};
use crate::line::plan;
use crate::spec::{Bar, Chart, ChartKind, FunnelStep, LineSeries, Series};

/// Bars and ranking rows read out one by one at most; more are summed up.
const LISTED_BARS: usize = 12;
/// Categories of grouped bars read out one by one at most.
const LISTED_CATEGORIES: usize = 8;

/// A few sentences saying what `chart` shows, e.g. "Bar chart: Signups per day. Mon 12, Tue 30,
/// Wed 7." Values are written as on the chart.
pub fn describe(chart: &Chart) -> String {
    let (kind, body) = match &chart.kind {
        ChartKind::Bar { bars } => ("Bar chart", bars_text(bars, &chart.format)),
        ChartKind::HorizontalBar { bars } => ("Ranking", ranking_text(bars, &chart.format)),
        ChartKind::GroupedBar { categories, series } => ("Bar chart", grouped_text(categories, series, &chart.format)),
        ChartKind::Line { series } => ("Line chart", lines_text(series, chart)),
        ChartKind::Funnel { steps, .. } => ("Funnel", funnel_text(steps, &chart.format)),
    };
    let title = chart.title.trim().trim_end_matches('.');
    let mut sentences = vec![if title.is_empty() { kind.to_owned() } else { format!("{kind}: {title}") }];
    sentences.extend(body.unwrap_or_else(|| vec!["No data".to_owned()]));
    if matches!(chart.kind, ChartKind::Line { .. } | ChartKind::Bar { .. } | ChartKind::GroupedBar { .. }) {
        for line in &chart.reference_lines {
            sentences.push(format!("{} marked at {}", line.label.trim(), chart.format.format(line.value)));
        }
    }
    sentences.extend(chart.footnote.as_deref().map(str::trim).filter(|f| !f.is_empty()).map(str::to_owned));
    sentences
        .into_iter()
        .map(|s| if s.ends_with(['.', '!', '?']) { s } else { format!("{s}.") })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn bars_text(bars: &[Bar], format: &ValueFormat) -> Option<Vec<String>> {
    let (first, last) = (bars.first()?, bars.last()?);
    if bars.len() <= LISTED_BARS {
        let listed: Vec<String> = bars.iter().map(|b| format!("{} {}", b.label, format.format(b.value))).collect();
        return Some(vec![listed.join(", ")]);
    }
    let highest = bars.iter().max_by(|a, b| a.value.total_cmp(&b.value))?;
    let lowest = bars.iter().min_by(|a, b| a.value.total_cmp(&b.value))?;
    Some(vec![format!(
        "{} bars from {} to {}; highest {} {}, lowest {} {}",
        bars.len(),
        first.label,
        last.label,
        highest.label,
        format.format(highest.value),
        lowest.label,
        format.format(lowest.value)
    )])
}

fn ranking_text(bars: &[Bar], format: &ValueFormat) -> Option<Vec<String>> {
    bars.first()?;
    let listed: Vec<String> =
        bars.iter().take(LISTED_BARS).map(|b| format!("{} {}", b.label, format.format(b.value))).collect();
    let more = bars.len().saturating_sub(LISTED_BARS);
    let tail = if more > 0 { format!(", and {more} more") } else { String::new() };
    Some(vec![format!("{}{tail}", listed.join(", "))])
}

fn grouped_text(categories: &[String], series: &[Series], format: &ValueFormat) -> Option<Vec<String>> {
    let (first, last) = (categories.first()?, categories.last()?);
    series.first()?;
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    let few = categories.len() <= LISTED_CATEGORIES;
    let over =
        if few { and_list(categories) } else { format!("{} categories from {first} to {last}", categories.len()) };
    let mut sentences = vec![format!("{} for {over}", and_list(&names))];
    for s in series {
        let (lo, hi) = min_max(s.values.iter().copied());
        sentences.push(if few {
            let values: Vec<String> = s.values.iter().map(|&v| format.format(v)).collect();
            format!("{}: {}", s.name, values.join(", "))
        } else {
            format!("{} from {} to {}", s.name, format.format(lo), format.format(hi))
        });
    }
    Some(sentences)
}

fn lines_text(series: &[LineSeries], chart: &Chart) -> Option<Vec<String>> {
    series.iter().flat_map(|s| &s.points).next()?;
    let planned = plan(series, &chart.x_labels);
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    let (count, first, last) = if planned.categories.is_empty() {
        let mut xs: Vec<f64> = planned.lines.iter().flatten().flatten().map(|p| p.0).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let plain = |x: f64| numbers::trim_zeros(&format!("{x:.6}")).to_string();
        (xs.len(), plain(xs[0]), plain(xs[xs.len() - 1]))
    } else {
        let cats = &planned.categories;
        (cats.len(), cats[0].to_owned(), cats[cats.len() - 1].to_owned())
    };
    let over = if count == 1 { format!("at {first}") } else { format!("over {count} points from {first} to {last}") };
    let mut sentences = vec![format!("{} {over}", and_list(&names))];
    let format = &chart.format;
    for (s, runs) in series.iter().zip(&planned.lines) {
        let ys: Vec<f64> = runs.iter().flatten().map(|p| p.1).collect();
        let (lo, hi) = min_max(ys.iter().copied());
        sentences.push(match ys.as_slice() {
            [] => format!("{}: no points", s.name),
            [only] => format!("{} {}", s.name, format.format(*only)),
            [.., last] if lo == hi => format!("{} {} at every point", s.name, format.format(*last)),
            [.., last] => {
                format!("{} from {} to {}, last {}", s.name, format.format(lo), format.format(hi), format.format(*last))
            }
        });
    }
    Some(sentences)
}

fn funnel_text(steps: &[FunnelStep], format: &ValueFormat) -> Option<Vec<String>> {
    let first = steps.first()?.count;
    let listed: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let count = format.format(step.count);
            match i {
                0 => format!("{} {count}", step.name),
                _ if first <= 0.0 => format!("{} {count}", step.name),
                1 => format!("{} {count} ({} of the first step)", step.name, percent_label(step.count / first * 100.0)),
                _ => format!("{} {count} ({})", step.name, percent_label(step.count / first * 100.0)),
            }
        })
        .collect();
    Some(vec![listed.join("; ")])
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}
