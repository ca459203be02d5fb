//! Imported data sets: versions written in short transactions, then made current in one, so a
//! re-import replaces a set atomically; and the reads the catalog and the answers need.

use super::{Result, Store, StoreError, now_ms, sql, statement_chunks, values_list};
use sqlx::{AnyConnection, Row};

/// Rows written per transaction during an import.
const ROWS_PER_TRANSACTION: usize = 4096;

/// One row to store: its label, qualifiers and values (JSON texts).
pub struct NewDatasetRow {
    pub label: String,
    pub qualifiers: String,
    pub values: String,
}

/// A data set's current version and description.
#[derive(Debug, Clone)]
pub struct StoredDataset {
    pub name: String,
    pub version: i64,
    /// JSON of the data set's description (`datasets::DatasetMeta`).
    pub meta: String,
    pub row_count: i64,
    pub imported_at: i64,
}

/// A row's label and qualifiers, for matching names.
#[derive(Debug, Clone)]
pub struct DatasetLabel {
    pub position: i64,
    pub label: String,
    /// JSON array of texts.
    pub qualifiers: String,
}

impl Store {
    /// Starts an import of `dataset`: a new version, after deleting rows of versions no
    /// data set uses (left by a failed or replaced import).
    pub async fn begin_dataset_version(&self, dataset: &str) -> Result<i64> {
        let mut conn = self.conn().await?;
        sqlx::query(
            "DELETE FROM dataset_rows WHERE version IN (SELECT v.id FROM dataset_versions v \
             WHERE v.dataset = $1 AND NOT EXISTS (SELECT 1 FROM datasets d WHERE d.version = v.id))",
        )
        .bind(dataset)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "DELETE FROM dataset_versions WHERE dataset = $1 \
             AND NOT EXISTS (SELECT 1 FROM datasets d WHERE d.version = dataset_versions.id)",
        )
        .bind(dataset)
        .execute(&mut *conn)
        .await?;
        let row = sqlx::query("INSERT INTO dataset_versions (dataset, started_at) VALUES ($1, $2) RETURNING id")
            .bind(dataset)
            .bind(now_ms())
            .fetch_one(&mut *conn)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Writes rows of a version being imported, numbered from `first_position`.
    pub async fn insert_dataset_rows(&self, version: i64, first_position: i64, rows: &[NewDatasetRow]) -> Result<()> {
        let mut position = first_position;
        for batch in rows.chunks(ROWS_PER_TRANSACTION) {
            let mut conn = self.conn().await?;
            let mut tx = self.begin(&mut conn).await?;
            for chunk in statement_chunks(batch) {
                let text = format!(
                    "INSERT INTO dataset_rows (version, position, label, qualifiers, row_values) VALUES {}",
                    values_list(chunk.len(), 5)
                );
                let mut query = sqlx::query(sql(text));
                for row in chunk {
                    query = query
                        .bind(version)
                        .bind(position)
                        .bind(row.label.as_str())
                        .bind(row.qualifiers.as_str())
                        .bind(row.values.as_str());
                    position += 1;
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Makes a fully written version current, then deletes the rows it replaces.
    pub async fn publish_dataset_version(&self, name: &str, version: i64, meta: &str, row_count: i64) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let previous: Option<i64> = sqlx::query("SELECT version FROM datasets WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        sqlx::query(
            "INSERT INTO datasets (name, version, meta, row_count, imported_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET version = excluded.version, meta = excluded.meta, \
             row_count = excluded.row_count, imported_at = excluded.imported_at",
        )
        .bind(name)
        .bind(version)
        .bind(meta)
        .bind(row_count)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some(previous) = previous {
            sqlx::query("DELETE FROM dataset_rows WHERE version = $1").bind(previous).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM dataset_versions WHERE id = $1").bind(previous).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Every data set, by name.
    pub async fn datasets(&self) -> Result<Vec<StoredDataset>> {
        let rows = sqlx::query("SELECT name, version, meta, row_count, imported_at FROM datasets ORDER BY name")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(stored_dataset).collect()
    }

    /// Each data set's current version, to tell whether a cached copy is still current.
    pub async fn dataset_versions(&self) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT name, version FROM datasets ORDER BY name").fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
    }

    /// The labels of a version's rows, in position order.
    pub async fn dataset_labels(&self, version: i64) -> Result<Vec<DatasetLabel>> {
        let rows =
            sqlx::query("SELECT position, label, qualifiers FROM dataset_rows WHERE version = $1 ORDER BY position")
                .bind(version)
                .fetch_all(&mut *self.conn().await?)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(DatasetLabel { position: row.try_get(0)?, label: row.try_get(1)?, qualifiers: row.try_get(2)? })
            })
            .collect()
    }

    /// One row's values (a JSON array in column order).
    pub async fn dataset_row(&self, version: i64, position: i64) -> Result<String> {
        dataset_row(&mut *self.conn().await?, version, position).await
    }
}

/// One row's values, on a connection already held (inside the processor's transaction).
pub(crate) async fn dataset_row(conn: &mut AnyConnection, version: i64, position: i64) -> Result<String> {
    let row = sqlx::query("SELECT row_values FROM dataset_rows WHERE version = $1 AND position = $2")
        .bind(version)
        .bind(position)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("row {position} of data set version {version}")))?;
    Ok(row.try_get(0)?)
}

fn stored_dataset(row: &sqlx::any::AnyRow) -> Result<StoredDataset> {
    Ok(StoredDataset {
        name: row.try_get(0)?,
        version: row.try_get(1)?,
        meta: row.try_get(2)?,
        row_count: row.try_get(3)?,
        imported_at: row.try_get(4)?,
    })
}
