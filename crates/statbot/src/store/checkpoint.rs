//! WAL checkpoints for SQLite, off the write path. SQLite normally copies the write-ahead log
//! back into the database file (and syncs it to disk) inside whichever commit crosses the
//! threshold, stalling every writer behind that commit for the length of an fsync. While the
//! checkpointer runs, the store's connection leaves checkpoints to it, and it runs them on a
//! connection of its own. They are small and frequent while writes go on: the sync of a large
//! log holds up the disk (and so the writer's next commit) for longer than many small ones do,
//! which under load showed as latency spikes every few hundred milliseconds.

use super::{Backend, Result, Store};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the log is copied back while writes go on.
const BUSY: Duration = Duration::from_millis(20);
/// The longest pause between looks when nothing is written.
const IDLE: Duration = Duration::from_millis(500);
/// SQLite's default automatic checkpoint threshold (pages), restored when the checkpointer stops.
const DEFAULT_AUTOCHECKPOINT: i64 = 1000;

impl Store {
    /// Runs checkpoints until cancelled (SQLite only; returns at once on PostgreSQL).
    pub async fn run_checkpointer(&self, cancel: CancellationToken) -> Result<()> {
        let Some(url) = self.sqlite_url.as_deref() else { return Ok(()) };
        debug_assert_eq!(self.backend, Backend::Sqlite);
        let mut own = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await?;
        sqlx::raw_sql("PRAGMA busy_timeout = 10000;").execute(&mut own).await?;
        set_autocheckpoint(self, 0).await?;
        let mut pause = BUSY;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(pause) => {}
            }
            pause = match checkpoint(&mut own).await {
                Ok(0) => (pause * 2).min(IDLE),
                Ok(_) => BUSY,
                Err(e) => {
                    tracing::warn!(error = %e, "WAL checkpoint failed; trying again shortly");
                    IDLE
                }
            };
        }
        checkpoint(&mut own).await?;
        set_autocheckpoint(self, DEFAULT_AUTOCHECKPOINT).await
    }
}

/// Copies what it can of the log back (without waiting for anyone) and returns how many
/// frames the log held.
async fn checkpoint(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    use sqlx::Row;
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(conn).await?;
    Ok(row.try_get::<i64, _>(1)?)
}

async fn set_autocheckpoint(store: &Store, pages: i64) -> Result<()> {
    sqlx::raw_sql(super::sql(format!("PRAGMA wal_autocheckpoint = {pages};")))
        .execute(&mut *store.conn().await?)
        .await?;
    Ok(())
}
