//! The data sets in memory: each one's description and row labels (values stay in the store and
//! are read a row at a time), refreshed when an import on any instance publishes a new version.
//! Looks rows and metrics up by what people type.

use super::model::{Column, DatasetMeta, Entity};
use crate::store::{Store, StoreError};
use statbot_intents::entities::{Entry, Gazetteer, MAX_WORDS, MatchOptions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a loaded catalog is trusted before the store's versions are checked again.
const RECHECK_AFTER: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("there is no data set `{0}`")]
    NoDataset(String),
    #[error("{dataset} has no row `{reference}`{}", suggest(.suggestions))]
    NotFound { dataset: String, reference: String, suggestions: Vec<String> },
    #[error("`{reference}` could be {}: say which", .candidates.join(" or "))]
    Ambiguous { reference: String, candidates: Vec<String> },
    #[error("{dataset} has no metric `{reference}`{}", suggest(.suggestions))]
    NoMetric { dataset: String, reference: String, suggestions: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() { String::new() } else { format!(" (did you mean {}?)", suggestions.join(", ")) }
}

/// One row's name and the words that can narrow it.
#[derive(Debug, Clone)]
pub struct RowLabel {
    pub position: i64,
    pub label: String,
    pub qualifiers: Vec<String>,
}

/// A data set as loaded: description, labels, and name matchers for rows and metrics.
pub struct LoadedSet {
    pub meta: DatasetMeta,
    pub version: i64,
    pub row_count: i64,
    pub imported_at: i64,
    pub rows: Vec<RowLabel>,
    by_label: HashMap<String, usize>,
    /// Matches row names, aliases and qualifiers in free text (ids are row indexes).
    pub row_names: Gazetteer,
    /// Matches metric names and synonyms in free text (ids are column indexes).
    pub metric_names: Gazetteer,
}

impl LoadedSet {
    fn new(meta: DatasetMeta, version: i64, row_count: i64, imported_at: i64, rows: Vec<RowLabel>) -> Self {
        let by_label = rows.iter().enumerate().map(|(i, r)| (fold(&r.label), i)).collect();
        let key_of = |label: &str| -> String {
            match &meta.qualifier {
                Some(_) => label.split_once(", ").map_or(label, |(key, _)| key).to_owned(),
                None => label.to_owned(),
            }
        };
        let row_entries = rows.iter().enumerate().map(|(i, row)| Entry {
            id: i,
            name: key_of(&row.label),
            aliases: meta.aliases.get(&row.label).cloned().unwrap_or_default(),
            qualifiers: row.qualifiers.clone(),
        });
        let row_names = gazetteer(row_entries, MatchOptions::PLACES);
        let metric_entries = meta.metrics().filter_map(|(i, column)| {
            let mut names = std::iter::once(column.title()).chain(metric_aliases(column)).filter(|n| nameable(n));
            let name = names.next()?;
            Some(Entry { id: i, name, aliases: names.collect(), qualifiers: Vec::new() })
        });
        let metric_names = gazetteer(metric_entries, MatchOptions::TERMS);
        LoadedSet { meta, version, row_count, imported_at, rows, by_label, row_names, metric_names }
    }

    /// A set straight from a parse, as if stored and loaded: for tests without a store.
    #[cfg(test)]
    pub(crate) fn from_parsed(parsed: &super::parse::ParsedDataset) -> LoadedSet {
        let rows = parsed
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| RowLabel { position: i as i64, label: r.label.clone(), qualifiers: r.qualifiers.clone() })
            .collect();
        LoadedSet::new(parsed.meta.clone(), 1, parsed.rows.len() as i64, 0, rows)
    }

    /// The row a reference names: its label or alias ("Portland, OR", "NYC"), its key when
    /// unique ("Austin"), or its key and a qualifier ("Portland Oregon"); close misspellings
    /// are suggested, not taken.
    pub fn resolve(&self, reference: &str) -> Result<usize, LookupError> {
        let folded = fold(reference);
        if let Some(&i) = self.by_label.get(&folded) {
            return Ok(i);
        }
        let mentions = self.row_names.find(reference);
        let exact: Vec<&statbot_intents::entities::Mention> =
            mentions.iter().filter(|m| m.distance == 0 && covers(reference, &m.span)).collect();
        if let [mention] = exact.as_slice() {
            return match mention.candidates.as_slice() {
                [one] => Ok(*one),
                many => Err(LookupError::Ambiguous {
                    reference: reference.trim().to_owned(),
                    candidates: many.iter().map(|&i| self.rows[i].label.clone()).collect(),
                }),
            };
        }
        let suggestions =
            mentions.iter().flat_map(|m| m.candidates.iter().map(|&i| self.rows[i].label.clone())).take(3).collect();
        Err(LookupError::NotFound {
            dataset: self.meta.name.clone(),
            reference: reference.trim().to_owned(),
            suggestions,
        })
    }

    /// The metric (column index) a name or synonym names exactly.
    pub fn metric(&self, reference: &str) -> Result<usize, LookupError> {
        if let Some((i, column)) = self.meta.column(reference.trim())
            && column.kind.is_numeric()
        {
            return Ok(i);
        }
        let mentions = self.metric_names.find(reference);
        if let Some(mention) = mentions.iter().find(|m| m.distance == 0 && covers(reference, &m.span))
            && let Some(&i) = mention.candidates.first()
        {
            return Ok(i);
        }
        Err(LookupError::NoMetric {
            dataset: self.meta.name.clone(),
            reference: reference.trim().to_owned(),
            suggestions: mentions
                .iter()
                .flat_map(|m| m.candidates.iter().map(|&i| self.meta.columns[i].name.clone()))
                .take(3)
                .collect(),
        })
    }

    /// The metrics of a group, in column order.
    pub fn group_metrics(&self, group: &str) -> Vec<usize> {
        self.meta
            .metrics()
            .filter(|(_, c)| c.group.as_deref().unwrap_or(super::model::OTHER_GROUP) == group)
            .map(|(i, _)| i)
            .collect()
    }
}

/// A gazetteer of the entries whose names can be matched (names no one types, such as a
/// seven-word column title, are left to their synonyms).
fn gazetteer(entries: impl Iterator<Item = Entry>, options: MatchOptions) -> Gazetteer {
    let entries: Vec<Entry> = entries
        .filter(|e| nameable(&e.name))
        .map(|mut e| {
            e.aliases.retain(|a| nameable(a));
            e.qualifiers.retain(|q| nameable(q));
            e
        })
        .collect();
    Gazetteer::with_options(entries, options).expect("entries were filtered to matchable names")
}

/// Whether a name has something to match and at most [`MAX_WORDS`] words.
fn nameable(name: &str) -> bool {
    name.chars().any(char::is_alphanumeric)
        && name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count() <= MAX_WORDS
}

/// Names a metric goes by besides its title: its synonyms, and for the latest of a yearly
/// series, the series' name ("median household income").
fn metric_aliases(column: &Column) -> Vec<String> {
    let mut aliases = column.synonyms.clone();
    if let Some(series) = column.series() {
        aliases.push(series.replace('_', " "));
    }
    aliases
}

/// Whether a mention spans all of the reference but surrounding blanks and punctuation.
fn covers(reference: &str, span: &std::ops::Range<usize>) -> bool {
    let outside = |s: &str| s.chars().all(|c| !c.is_alphanumeric());
    outside(&reference[..span.start]) && outside(&reference[span.end..])
}

/// Lower case with runs of blanks made single, for exact label lookups.
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Every loaded data set, by name.
#[derive(Default)]
pub struct Snapshot {
    pub(crate) sets: Vec<Arc<LoadedSet>>,
}

impl Snapshot {
    pub fn get(&self, name: &str) -> Result<&Arc<LoadedSet>, LookupError> {
        self.sets.iter().find(|s| s.meta.name == name).ok_or_else(|| LookupError::NoDataset(name.to_owned()))
    }

    pub fn sets(&self) -> &[Arc<LoadedSet>] {
        &self.sets
    }

    fn versions(&self) -> Vec<(String, i64)> {
        self.sets.iter().map(|s| (s.meta.name.clone(), s.version)).collect()
    }
}

/// The shared catalog: cheap to clone, loads lazily, reloads when versions change.
#[derive(Clone)]
pub struct Datasets {
    store: Store,
    state: Arc<Mutex<(Arc<Snapshot>, Option<Instant>)>>,
    reload: Arc<tokio::sync::Mutex<()>>,
}

impl Datasets {
    pub fn new(store: Store) -> Self {
        Datasets { store, state: Arc::default(), reload: Arc::default() }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current data sets: the loaded ones while recently checked, else reloaded as far as
    /// the store's versions have changed.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, StoreError> {
        {
            let state = self.state.lock().expect("catalog lock");
            if state.1.is_some_and(|at| at.elapsed() < RECHECK_AFTER) {
                return Ok(state.0.clone());
            }
        }
        let _one_reload = self.reload.lock().await;
        let current = self.state.lock().expect("catalog lock").0.clone();
        let versions = self.store.dataset_versions().await?;
        let snapshot = if versions == current.versions() { current } else { Arc::new(self.load(&current).await?) };
        *self.state.lock().expect("catalog lock") = (snapshot.clone(), Some(Instant::now()));
        Ok(snapshot)
    }

    /// Drops the cached catalog, so the next look sees a fresh import at once.
    pub fn invalidate(&self) {
        self.state.lock().expect("catalog lock").1 = None;
    }

    async fn load(&self, previous: &Snapshot) -> Result<Snapshot, StoreError> {
        let mut sets = Vec::new();
        for stored in self.store.datasets().await? {
            if let Ok(same) = previous.get(&stored.name)
                && same.version == stored.version
            {
                sets.push(same.clone());
                continue;
            }
            let meta: DatasetMeta = serde_json::from_str(&stored.meta)
                .map_err(|e| StoreError::Corrupt(format!("description of data set {}: {e}", stored.name)))?;
            let rows = self
                .store
                .dataset_labels(stored.version)
                .await?
                .into_iter()
                .map(|row| {
                    let qualifiers = serde_json::from_str(&row.qualifiers)
                        .map_err(|e| StoreError::Corrupt(format!("qualifiers of {}: {e}", row.label)))?;
                    Ok(RowLabel { position: row.position, label: row.label, qualifiers })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            sets.push(Arc::new(LoadedSet::new(meta, stored.version, stored.row_count, stored.imported_at, rows)));
        }
        Ok(Snapshot { sets })
    }

    /// One row with its values.
    pub async fn entity(&self, set: &LoadedSet, row: usize) -> Result<Entity, StoreError> {
        let stored = self.store.dataset_row(set.version, set.rows[row].position).await;
        self.decode(set, row, stored)
    }

    /// One row with its values, read on a connection already held.
    pub async fn entity_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        set: &LoadedSet,
        row: usize,
    ) -> Result<Entity, StoreError> {
        let stored = crate::store::dataset_row(conn, set.version, set.rows[row].position).await;
        self.decode(set, row, stored)
    }

    fn decode(&self, set: &LoadedSet, row: usize, stored: Result<String, StoreError>) -> Result<Entity, StoreError> {
        // A newer import may have replaced this version since it was loaded.
        let stored = stored.inspect_err(|_| self.invalidate())?;
        let values: Vec<serde_json::Value> = serde_json::from_str(&stored)
            .map_err(|e| StoreError::Corrupt(format!("row {} of {}: {e}", set.rows[row].label, set.meta.name)))?;
        Ok(Entity {
            dataset: set.meta.name.clone(),
            label: set.rows[row].label.clone(),
            values: set.meta.columns.iter().cloned().zip(values).collect(),
        })
    }
}
