//! Data sets people ask about: imported from CSV ([`import`]), kept in the store by version,
//! loaded into a [`Datasets`] catalog for lookups, and shown or compared row by row.

pub mod catalog;
pub mod format;
pub mod import;
pub mod model;
pub mod parse;

pub use catalog::{Datasets, LoadedSet, LookupError, Snapshot};
pub use import::{ImportError, ImportFiles, ImportSummary};
pub use model::{Column, ColumnKind, DatasetMeta, Entity};

use serde::Serialize;

/// One metric of two rows side by side.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedMetric {
    pub column: Column,
    pub a: serde_json::Value,
    pub b: serde_json::Value,
    /// `b − a`, when both are numbers.
    pub difference: Option<f64>,
    /// `b / a`, when both are numbers and `a` is not zero.
    pub ratio: Option<f64>,
}

/// Two rows compared on some metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub dataset: String,
    pub a: String,
    pub b: String,
    pub metrics: Vec<ComparedMetric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

impl Datasets {
    /// Compares two rows named by reference on the named metrics (all metrics when none).
    pub async fn compare(
        &self,
        dataset: &str,
        a: &str,
        b: &str,
        metrics: &[String],
    ) -> Result<Comparison, LookupError> {
        let snapshot = self.snapshot().await?;
        let set = snapshot.get(dataset)?;
        let (row_a, row_b) = (set.resolve(a)?, set.resolve(b)?);
        let columns: Vec<usize> = if metrics.is_empty() {
            set.meta.metrics().map(|(i, _)| i).collect()
        } else {
            metrics.iter().map(|m| set.metric(m)).collect::<Result<_, _>>()?
        };
        let (entity_a, entity_b) = (self.entity(set, row_a).await?, self.entity(set, row_b).await?);
        Ok(compare_entities(set, &entity_a, &entity_b, &columns))
    }

    /// One row named by reference, with all its values.
    pub async fn show(&self, dataset: &str, reference: &str) -> Result<(Entity, Option<String>), LookupError> {
        let snapshot = self.snapshot().await?;
        let set = snapshot.get(dataset)?;
        let row = set.resolve(reference)?;
        Ok((self.entity(set, row).await?, set.meta.attribution.clone()))
    }
}

/// Two loaded rows side by side on `columns`.
pub fn compare_entities(set: &LoadedSet, a: &Entity, b: &Entity, columns: &[usize]) -> Comparison {
    let metrics = columns
        .iter()
        .map(|&c| {
            let (value_a, value_b) = (a.values[c].1.clone(), b.values[c].1.clone());
            let (x, y) = (value_a.as_f64(), value_b.as_f64());
            ComparedMetric {
                column: set.meta.columns[c].clone(),
                difference: x.zip(y).map(|(x, y)| y - x),
                ratio: x.zip(y).filter(|(x, _)| *x != 0.0).map(|(x, y)| y / x),
                a: value_a,
                b: value_b,
            }
        })
        .collect();
    Comparison {
        dataset: set.meta.name.clone(),
        a: a.label.clone(),
        b: b.label.clone(),
        metrics,
        attribution: set.meta.attribution.clone(),
    }
}
