//! A contact's conversation as one timeline of what they sent and what the bot answered, for
//! the web chat page and the dashboard.

use super::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;
use statbot_core::Reply;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "direction", rename_all = "lowercase")]
pub enum LoggedMessage {
    /// What the contact sent: typed text, or the title of the button they tapped.
    In { text: String, at: i64 },
    /// What the bot answered, with its delivery status.
    Out { reply: Reply, status: String, at: i64 },
}

impl Store {
    /// The last `limit` messages of a contact, oldest first.
    pub async fn conversation(&self, contact_id: i64, limit: i64) -> Result<Vec<LoggedMessage>> {
        let rows = sqlx::query(
            "SELECT * FROM ( \
               SELECT CAST(0 AS BIGINT) AS dir, id, COALESCE(text, payload, '') AS body, '' AS status, received_at AS at \
                 FROM inbound WHERE contact_id = $1 \
               UNION ALL \
               SELECT CAST(1 AS BIGINT) AS dir, id, body, status, created_at AS at FROM outbox WHERE contact_id = $1 \
             ) m ORDER BY at DESC, dir DESC, id DESC LIMIT $2",
        )
        .bind(contact_id)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut messages = rows
            .iter()
            .map(|row| {
                let dir: i64 = row.try_get("dir")?;
                let body: String = row.try_get("body")?;
                let at: i64 = row.try_get("at")?;
                Ok(if dir == 0 {
                    LoggedMessage::In { text: body, at }
                } else {
                    let reply =
                        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("outbox body: {e}")))?;
                    LoggedMessage::Out { reply, status: row.try_get("status")?, at }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }
}
