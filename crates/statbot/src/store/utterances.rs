//! Free text people typed, with the intent chosen and its confidence: the record behind
//! `statbot intents misses`, which lists the phrases most often not understood.

use super::{Result, Store, now_ms, sql, statement_chunks, values_list};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct NewUtterance {
    pub contact_id: i64,
    pub inbound_id: Option<i64>,
    pub text: String,
    /// Lower case, single spaces, no closing punctuation: what misses are grouped by.
    pub normalized: String,
    /// The intent chosen, or the best guess when not understood.
    pub intent: Option<String>,
    pub confidence: f32,
    pub understood: bool,
}

/// A phrase not understood, with how often.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub text: String,
    pub count: i64,
    pub last_seen: i64,
    /// The intent it came closest to.
    pub best_guess: Option<String>,
    pub confidence: f64,
}

/// Appends utterances, now.
pub(crate) async fn record(conn: &mut AnyConnection, utterances: &[NewUtterance]) -> Result<()> {
    let now = now_ms();
    for chunk in statement_chunks(utterances) {
        let text = format!(
            "INSERT INTO utterances (contact_id, inbound_id, text, normalized, intent, confidence, understood, created_at) VALUES {}",
            values_list(chunk.len(), 8)
        );
        let mut query = sqlx::query(sql(text));
        for u in chunk {
            query = query
                .bind(u.contact_id)
                .bind(u.inbound_id)
                .bind(u.text.as_str())
                .bind(u.normalized.as_str())
                .bind(u.intent.as_deref())
                .bind(f64::from(u.confidence))
                .bind(u.understood);
            query = query.bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// The phrases most often not understood since `since_ms`, most frequent first (erased
    /// ones, left empty, aside).
    pub async fn intent_misses(&self, since_ms: i64, limit: i64) -> Result<Vec<Miss>> {
        let rows = sqlx::query(
            "SELECT normalized, COUNT(*) AS n, MAX(created_at) AS last_seen, MAX(intent), \
             CAST(AVG(confidence) AS DOUBLE PRECISION) \
             FROM utterances WHERE NOT understood AND created_at >= $1 AND normalized <> '' \
             GROUP BY normalized ORDER BY n DESC, last_seen DESC LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Miss {
                    text: row.try_get(0)?,
                    count: row.try_get(1)?,
                    last_seen: row.try_get(2)?,
                    best_guess: row.try_get(3)?,
                    confidence: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// How many messages were and were not understood since `since_ms`.
    pub async fn intent_counts(&self, since_ms: i64) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN understood THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN understood THEN 0 ELSE 1 END), 0) AS BIGINT) \
             FROM utterances WHERE created_at >= $1",
        )
        .bind(since_ms)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
