//! The periodic jobs' shared schedule (`job_schedule`): an instance claims a job's run for this
//! interval with one atomic upsert that succeeds only while the job is due, and moves its due time
//! on by the interval as it does; it records the run's outcome when it ends. Whoever loses the
//! race gets nothing back and waits for the next due time. See [`crate::schedule`].

use super::{Result, Store};
use sqlx::Row;

/// A job's row: when it is next due, and what its last run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduledJob {
    pub job: String,
    pub every_ms: i64,
    pub next_due_at: i64,
    /// Runs started, by all instances, since the row was created.
    pub runs: i64,
    pub last_instance: String,
    pub last_started_at: i64,
    /// `None` while the last run is under way (or its instance stopped during it).
    pub last_finished_at: Option<i64>,
    /// `ok` or `error`.
    pub last_outcome: Option<String>,
    pub last_error: Option<String>,
}

impl Store {
    /// When `job` is next due (ms), or `None` when it never ran.
    pub async fn job_due_at(&self, job: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT next_due_at FROM job_schedule WHERE job = $1")
            .bind(job)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Claims the run of `job` due at or before `now` for `instance`, and makes it due again
    /// `every_ms` after `now`: `true` when this call won it, `false` when the job is not due (another
    /// instance claimed it first).
    pub async fn claim_job_run(&self, job: &str, every_ms: i64, instance: &str, now: i64) -> Result<bool> {
        let claimed = sqlx::query(
            "INSERT INTO job_schedule (job, every_ms, next_due_at, runs, last_instance, last_started_at) \
             VALUES ($1, $2, $3 + $2, 1, $4, $3) \
             ON CONFLICT (job) DO UPDATE SET every_ms = $2, next_due_at = $3 + $2, runs = job_schedule.runs + 1, \
             last_instance = $4, last_started_at = $3, last_finished_at = NULL, last_outcome = NULL, last_error = NULL \
             WHERE job_schedule.next_due_at <= $3 \
             RETURNING runs",
        )
        .bind(job)
        .bind(every_ms)
        .bind(now)
        .bind(instance)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(claimed.is_some())
    }

    /// Records how the run of `job` that `instance` started at `started_at` ended (nothing when a
    /// later run has been claimed since).
    pub async fn finish_job_run(
        &self,
        (job, instance, started_at): (&str, &str, i64),
        finished_at: i64,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE job_schedule SET last_finished_at = $1, last_outcome = $2, last_error = $3 \
             WHERE job = $4 AND last_instance = $5 AND last_started_at = $6",
        )
        .bind(finished_at)
        .bind(if error.is_some() { "error" } else { "ok" })
        .bind(error)
        .bind(job)
        .bind(instance)
        .bind(started_at)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Every job that ran at least once, by name.
    pub async fn scheduled_jobs(&self) -> Result<Vec<ScheduledJob>> {
        let rows = sqlx::query(
            "SELECT job, every_ms, next_due_at, runs, last_instance, last_started_at, last_finished_at, \
             last_outcome, last_error FROM job_schedule ORDER BY job",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ScheduledJob {
                    job: row.try_get("job")?,
                    every_ms: row.try_get("every_ms")?,
                    next_due_at: row.try_get("next_due_at")?,
                    runs: row.try_get("runs")?,
                    last_instance: row.try_get("last_instance")?,
                    last_started_at: row.try_get("last_started_at")?,
                    last_finished_at: row.try_get("last_finished_at")?,
                    last_outcome: row.try_get("last_outcome")?,
                    last_error: row.try_get("last_error")?,
                })
            })
            .collect()
    }
}
