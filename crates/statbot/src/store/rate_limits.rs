//! Rate-limit counters: hits per limit (`bucket`) and subject in fixed windows, counted with one
//! atomic upsert so that parallel requests, on any instance, never count the same slot twice.

use super::{Result, Store};
use sqlx::Row;

impl Store {
    /// Counts `hits` for `subject` in the window starting at `window_start` (a new window starts
    /// the count again) and returns the window's count, these hits included.
    pub async fn count_rate_hits(&self, bucket: &str, subject: &str, window_start: i64, hits: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, subject, window_start, hits) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (bucket, subject) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start >= $3 THEN rate_limits.hits + $4 ELSE $4 END, \
             window_start = CASE WHEN rate_limits.window_start >= $3 THEN rate_limits.window_start ELSE $3 END \
             RETURNING hits",
        )
        .bind(bucket)
        .bind(subject)
        .bind(window_start)
        .bind(hits)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Takes back one hit counted in the window starting at `window_start` (a reservation that
    /// turned out not to count, such as a card that was not declined).
    pub async fn give_back_rate_hit(&self, bucket: &str, subject: &str, window_start: i64) -> Result<()> {
        sqlx::query(
            "UPDATE rate_limits SET hits = hits - 1 \
             WHERE bucket = $1 AND subject = $2 AND window_start = $3 AND hits > 0",
        )
        .bind(bucket)
        .bind(subject)
        .bind(window_start)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Deletes counters of windows that started before `before`, and login counts last touched
    /// before `stale_before` whose lock (if any) has run out by `now`; returns the rows deleted.
    pub async fn sweep_rate_limits(&self, before: i64, stale_before: i64, now: i64) -> Result<u64> {
        let mut conn = self.conn().await?;
        let limits =
            sqlx::query("DELETE FROM rate_limits WHERE window_start < $1").bind(before).execute(&mut *conn).await?;
        let logins = sqlx::query(
            "DELETE FROM login_attempts WHERE last_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
        )
        .bind(stale_before)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(limits.rows_affected() + logins.rows_affected())
    }
}
