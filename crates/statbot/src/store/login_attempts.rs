//! Login attempts per username, counted before the password is checked: one atomic upsert
//! reserves an attempt (or finds the name locked), so any number of guesses sent at once, to any
//! number of instances, get at most `max` password checks per lockout. Names nobody has are
//! counted alike, so the answers never tell which accounts exist.

use super::{Result, Store};
use sqlx::Row;

/// What reserving an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAttempt {
    /// The password may be checked; this is the `n`th attempt since the last success.
    Allowed(i64),
    /// The name is locked until this time (milliseconds since the Unix epoch).
    Locked { until: i64 },
}

impl Store {
    /// Reserves a login attempt for `username` at `now`: allowed unless the name is locked; the
    /// attempt that reaches `max` locks it until `lock_until` (a success then unlocks it). A lock
    /// that has expired starts a fresh count.
    pub async fn reserve_login_attempt(
        &self,
        username: &str,
        max: i64,
        now: i64,
        lock_until: i64,
    ) -> Result<LoginAttempt> {
        let mut conn = self.conn().await?;
        // `fresh`: the count this attempt starts or continues. All SET expressions read the row
        // as it was, on both databases.
        let row = sqlx::query(
            "INSERT INTO login_attempts (username, attempts, locked_until, last_at) \
             VALUES ($1, 1, CASE WHEN 1 >= $2 THEN $4 ELSE NULL END, $3) \
             ON CONFLICT (username) DO UPDATE SET \
             last_at = $3, \
             attempts = CASE WHEN login_attempts.locked_until <= $3 THEN 1 ELSE login_attempts.attempts + 1 END, \
             locked_until = CASE \
                 WHEN (CASE WHEN login_attempts.locked_until <= $3 THEN 1 ELSE login_attempts.attempts + 1 END) >= $2 \
                     THEN $4 \
                 WHEN login_attempts.locked_until <= $3 THEN NULL \
                 ELSE login_attempts.locked_until END \
             WHERE login_attempts.locked_until IS NULL OR login_attempts.locked_until <= $3 \
             RETURNING attempts",
        )
        .bind(username)
        .bind(max)
        .bind(now)
        .bind(lock_until)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            return Ok(LoginAttempt::Allowed(row.try_get(0)?));
        }
        let until: Option<i64> = sqlx::query("SELECT locked_until FROM login_attempts WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?
            .flatten();
        Ok(LoginAttempt::Locked { until: until.unwrap_or(now) })
    }

    /// Takes back an attempt that was never checked (the server was too busy), and the lock it
    /// set if it was the one reaching `max`.
    pub async fn give_back_login_attempt(&self, username: &str, max: i64) -> Result<()> {
        sqlx::query(
            "UPDATE login_attempts SET attempts = attempts - 1, \
             locked_until = CASE WHEN attempts - 1 < $2 THEN NULL ELSE locked_until END \
             WHERE username = $1 AND attempts > 0",
        )
        .bind(username)
        .bind(max)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Until when the name is locked (ms), if it is at `now`.
    pub async fn login_locked_until(&self, username: &str, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT locked_until FROM login_attempts WHERE username = $1 AND locked_until > $2")
            .bind(username)
            .bind(now)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    /// A successful login, or an admin's unlock: the name's count starts again.
    pub async fn clear_login_attempts(&self, username: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_attempts WHERE username = $1")
            .bind(username)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }
}
