//! `statbot dataset import` and the demo's embedded cities: parse a CSV with its sidecars, write
//! its rows as a new version, and make that version current in one step.

use super::parse::{self, ParseError, ParsedDataset, Source};
use crate::store::{NewDatasetRow, Store, StoreError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub name: String,
    pub rows: usize,
    pub columns: usize,
    pub metrics: usize,
    /// Sidecar files that were found and used.
    pub sidecars: Vec<String>,
}

/// The US cities set shipped with statbot (500 cities, 52 metrics), with its sidecars.
pub mod demo {
    pub const NAME: &str = "cities";
    pub const KEY: &str = "city";
    pub const DATA: &str = include_str!("../../data/cities/cities.csv");
    pub const COLUMNS: &str = include_str!("../../data/cities/cities.columns.csv");
    pub const SYNONYMS: &str = include_str!("../../data/cities/cities.synonyms.csv");
    pub const ALIASES: &str = include_str!("../../data/cities/cities.aliases.csv");
    /// The attribution line its licence (data/cities/LICENSE.md) asks to show.
    pub const ATTRIBUTION: &str = "City data: simplemaps.com US Cities Database (CC BY 4.0); CDC 500 Cities 2018; \
        HUD FY2020 Fair Market Rents; U.S. Census Bureau ACS 1-year (via E. Lottinger, CC BY 4.0).";

    use super::super::parse::{self, ParseError, ParsedDataset, Source};

    /// The set parsed with its sidecars.
    pub fn parsed() -> Result<ParsedDataset, ParseError> {
        let source = Source {
            name: NAME,
            file: "(built-in) cities.csv",
            key: KEY,
            columns: Some(("(built-in) cities.columns.csv", COLUMNS)),
            synonyms: Some(("(built-in) cities.synonyms.csv", SYNONYMS)),
            aliases: Some(("(built-in) cities.aliases.csv", ALIASES)),
            attribution: Some(ATTRIBUTION.to_owned()),
        };
        parse::parse(source, DATA.as_bytes(), &mut |_| {})
    }
}

/// Loads the embedded cities set unless the store already has a set of that name.
pub async fn ensure_demo(store: &Store) -> Result<(), ImportError> {
    if store.dataset_versions().await?.iter().any(|(name, _)| name == demo::NAME) {
        return Ok(());
    }
    store_parsed(store, &demo::parsed()?).await?;
    Ok(())
}

/// The files of one import: the data and its sidecars (found next to it when not given).
#[derive(Debug, Clone)]
pub struct ImportFiles {
    pub data: PathBuf,
    pub columns: Option<PathBuf>,
    pub synonyms: Option<PathBuf>,
    pub aliases: Option<PathBuf>,
}

impl ImportFiles {
    /// `cities.csv` → `cities.columns.csv`, `cities.synonyms.csv`, `cities.aliases.csv` where
    /// they exist and were not named.
    pub fn discover(mut self) -> Self {
        let sibling = |suffix: &str| {
            let stem = self.data.file_stem()?.to_str()?;
            let path = self.data.with_file_name(format!("{stem}.{suffix}.csv"));
            path.is_file().then_some(path)
        };
        let (columns, synonyms, aliases) = (sibling("columns"), sibling("synonyms"), sibling("aliases"));
        self.columns = self.columns.or(columns);
        self.synonyms = self.synonyms.or(synonyms);
        self.aliases = self.aliases.or(aliases);
        self
    }
}

/// Imports a data set from files; `progress` hears (bytes read, total bytes) while parsing.
pub async fn import_files(
    store: &Store,
    name: &str,
    key: &str,
    files: &ImportFiles,
    attribution: Option<String>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportSummary, ImportError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })
    };
    let sidecar = |path: &Option<PathBuf>| -> Result<Option<(String, String)>, ImportError> {
        path.as_deref().map(|p| Ok((p.display().to_string(), read(p)?))).transpose()
    };
    let (columns, synonyms, aliases) = (sidecar(&files.columns)?, sidecar(&files.synonyms)?, sidecar(&files.aliases)?);
    let data_name = files.data.display().to_string();
    let file =
        std::fs::File::open(&files.data).map_err(|source| ImportError::Read { path: data_name.clone(), source })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let source = Source {
        name,
        file: &data_name,
        key,
        columns: as_pair(&columns),
        synonyms: as_pair(&synonyms),
        aliases: as_pair(&aliases),
        attribution,
    };
    let parsed = parse::parse(source, std::io::BufReader::new(file), &mut |read| progress(read, total))?;
    progress(total, total);
    store_parsed(store, &parsed).await?;
    let sidecars = [&columns, &synonyms, &aliases].into_iter().flatten().map(|(path, _)| path.clone()).collect();
    Ok(ImportSummary {
        name: name.to_owned(),
        rows: parsed.rows.len(),
        columns: parsed.meta.columns.len(),
        metrics: parsed.meta.metrics().count(),
        sidecars,
    })
}

/// Writes a parsed set as a new version and makes it current.
async fn store_parsed(store: &Store, parsed: &ParsedDataset) -> Result<(), StoreError> {
    let version = store.begin_dataset_version(&parsed.meta.name).await?;
    const BATCH: usize = 16_384;
    for (i, chunk) in parsed.rows.chunks(BATCH).enumerate() {
        let rows: Vec<NewDatasetRow> = chunk
            .iter()
            .map(|row| NewDatasetRow {
                label: row.label.clone(),
                qualifiers: serde_json::to_string(&row.qualifiers).expect("texts serialize"),
                values: serde_json::Value::Array(row.values.clone()).to_string(),
            })
            .collect();
        store.insert_dataset_rows(version, (i * BATCH) as i64, &rows).await?;
    }
    let meta = serde_json::to_string(&parsed.meta).expect("metadata serializes");
    store.publish_dataset_version(&parsed.meta.name, version, &meta, parsed.rows.len() as i64).await
}

fn as_pair(file: &Option<(String, String)>) -> Option<(&str, &str)> {
    file.as_ref().map(|(path, text)| (path.as_str(), text.as_str()))
}
