//! Checks a [`Chart`] before drawing: size bounds, finite values, matching lengths, one kind of x axis (and
//! listed x labels only on a labelled one).

use crate::error::ChartError;
use crate::spec::{Chart, ChartKind, MAX_POINTS, MAX_SIDE, MIN_HEIGHT, MIN_WIDTH, X};

/// Returns the first problem found, so that drawing code can rely on clean data.
pub(crate) fn validate(chart: &Chart) -> Result<(), ChartError> {
    let (width, height) = (chart.width, chart.height);
    if !(MIN_WIDTH..=MAX_SIDE).contains(&width) || !(MIN_HEIGHT..=MAX_SIDE).contains(&height) {
        return Err(ChartError::InvalidSize { width, height });
    }
    let count = point_count(&chart.kind).saturating_add(chart.x_labels.len());
    if count > MAX_POINTS {
        return Err(ChartError::TooManyPoints { count, limit: MAX_POINTS });
    }
    match &chart.kind {
        ChartKind::Bar { bars } | ChartKind::HorizontalBar { bars } => {
            for bar in bars {
                finite(bar.value, || format!("bar {:?}", bar.label))?;
            }
        }
        ChartKind::GroupedBar { categories, series } => {
            for s in series {
                if s.values.len() != categories.len() {
                    return Err(ChartError::LengthMismatch {
                        series: s.name.clone(),
                        expected: categories.len(),
                        actual: s.values.len(),
                    });
                }
                for (value, category) in s.values.iter().zip(categories) {
                    finite(*value, || format!("series {:?} at {category:?}", s.name))?;
                }
            }
        }
        ChartKind::Line { series } => {
            let mut numeric_x = None;
            for s in series {
                for (i, p) in s.points.iter().enumerate() {
                    finite(p.y, || format!("series {:?} point {i} (y)", s.name))?;
                    let is_number = match p.x {
                        X::Number(x) => {
                            finite(x, || format!("series {:?} point {i} (x)", s.name))?;
                            true
                        }
                        X::Label(_) => false,
                    };
                    if *numeric_x.get_or_insert(is_number) != is_number {
                        return Err(ChartError::MixedX { series: s.name.clone() });
                    }
                    if is_number && !chart.x_labels.is_empty() {
                        return Err(ChartError::XLabelsOnNumericX { series: s.name.clone() });
                    }
                }
            }
        }
        ChartKind::Funnel { steps, .. } => {
            for step in steps {
                finite(step.count, || format!("funnel step {:?}", step.name))?;
                if step.count < 0.0 {
                    return Err(ChartError::NegativeCount { step: step.name.clone(), count: step.count });
                }
            }
        }
    }
    Ok(())
}

fn finite(value: f64, location: impl FnOnce() -> String) -> Result<(), ChartError> {
    if value.is_finite() { Ok(()) } else { Err(ChartError::NonFinite { location: location(), value }) }
}

fn point_count(kind: &ChartKind) -> usize {
    match kind {
        ChartKind::Bar { bars } | ChartKind::HorizontalBar { bars } => bars.len(),
        // Empty series and categories count too: they still cost legend entries and axis labels.
        ChartKind::GroupedBar { categories, series } => {
            categories.len().max(1).saturating_mul(series.len().max(1)).max(categories.len() + series.len())
        }
        ChartKind::Line { series } => series.iter().map(|s| s.points.len().max(1)).sum(),
        ChartKind::Funnel { steps, .. } => steps.len(),
    }
}
