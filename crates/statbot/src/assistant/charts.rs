//! The chart of an answer: one row as bars (one per metric, or per year of a series), several
//! rows as grouped bars; the data set's attribution as the footnote.

use super::answer::short_name;
use super::chart_links::ChartSpec;
use crate::datasets::{Datasets, LoadedSet, LookupError, format};
use statbot_charts::Chart;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// The chart a spec describes, reading its rows of `set` (the spec's data set).
pub async fn build(datasets: &Datasets, set: &LoadedSet, spec: &ChartSpec) -> Result<Chart, LookupError> {
    let mut metrics: Vec<usize> = spec.metrics.iter().map(|m| set.metric(m)).collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for label in &spec.rows {
        rows.push(datasets.entity(set, set.resolve(label)?).await?);
    }
    // A missing value is left out rather than drawn as a zero.
    metrics.retain(|&m| rows.iter().all(|row| row.values[m].1.as_f64().is_some()));
    let Some(&first) = metrics.first() else {
        return Ok(Chart::bar("No data", Vec::<(String, f64)>::new()));
    };
    let column = &set.meta.columns[first];
    let in_series = column.series().is_some() && metrics.len() > 1;
    let category = |m: usize| {
        let c = &set.meta.columns[m];
        if in_series { c.year().map(|y| y.to_string()).unwrap_or_else(|| c.title()) } else { short_name(c) }
    };
    let what = if in_series {
        column.series().unwrap_or_default().replace('_', " ")
    } else {
        set.meta.columns[first].group.clone().unwrap_or_default()
    };
    let unit = column.unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
    let value = |row: &crate::datasets::Entity, m: usize| row.values[m].1.as_f64().unwrap_or_default();
    let chart = match rows.as_slice() {
        [row] => {
            Chart::bar(format!("{}: {what}{unit}", row.label), metrics.iter().map(|&m| (category(m), value(row, m))))
        }
        _ => Chart::grouped_bar(
            format!("{}: {what}{unit}", rows.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(" vs ")),
            metrics.iter().map(|&m| category(m)),
            rows.iter().map(|row| (row.label.clone(), metrics.iter().map(|&m| value(row, m)).collect::<Vec<f64>>())),
        ),
    };
    let chart = chart.with_format(format::chart_format(column));
    let chart = match &set.meta.attribution {
        Some(line) => chart.with_footnote(line.clone()),
        None => chart,
    };
    Ok(chart)
}

/// A chart as cached: what it shows and the data set version it was drawn from.
type CacheKey = (ChartSpec, i64);

/// Drawn charts by spec and data set version: a chart asked for again (Messenger fetching,
/// a page reloaded) is not drawn twice. Oldest first out beyond `CACHED_CHARTS`.
#[derive(Default)]
pub struct ChartCache {
    entries: std::sync::Mutex<Cached>,
}

/// The drawn charts, and their keys oldest first.
#[derive(Default)]
struct Cached {
    charts: HashMap<CacheKey, Arc<[u8]>>,
    order: VecDeque<CacheKey>,
}

/// PNGs kept at most (about 30 KB each).
const CACHED_CHARTS: usize = 512;

impl ChartCache {
    pub fn get(&self, spec: &ChartSpec, version: i64) -> Option<Arc<[u8]>> {
        self.entries.lock().expect("chart cache lock").charts.get(&(spec.clone(), version)).cloned()
    }

    pub fn put(&self, spec: ChartSpec, version: i64, png: Arc<[u8]>) {
        let mut cached = self.entries.lock().expect("chart cache lock");
        if cached.charts.insert((spec.clone(), version), png).is_none() {
            cached.order.push_back((spec, version));
        }
        while cached.order.len() > CACHED_CHARTS {
            if let Some(oldest) = cached.order.pop_front() {
                cached.charts.remove(&oldest);
            }
        }
    }
}
