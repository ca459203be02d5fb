//! Small values the whole deployment shares, such as the generated token-signing secret.

use super::{Result, Store};
use sqlx::Row;

impl Store {
    /// The stored value, or `value` stored now if none was (the first instance to start wins).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *self.conn().await?)
            .await?;
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(row.try_get(0)?)
    }
}
