//! A contact's conversation as one timeline of what they sent and what the bot answered, for
//! the web chat page and the dashboard.

use super::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;
use statbot_core::Reply;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "direction", rename_all = "lowercase")]
pub enum LoggedMessage {
    /// What the contact sent: typed text, or the title of the button they tapped; a referral
    /// (a link or an ad opening the conversation) in words.
    In { text: String, at: i64 },
    /// What the bot answered, with its delivery status (`pending`, `sent`, `failed`, `held`, or
    /// `delivered` and `read` as the platform's receipts report) and, when it was not sent, why.
    Out {
        reply: Reply,
        status: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        at: i64,
        /// The operator who wrote it (the live inbox); `None` for the bot's.
        #[serde(skip_serializing_if = "Option::is_none")]
        author: Option<String>,
    },
}

/// A referral in words: "(arrived by the link spring)", "(arrived from an ad)".
fn referral_text(referral: &str) -> String {
    let referral: statbot_core::Referral = serde_json::from_str(referral).unwrap_or_default();
    match (&referral.reference, referral.from_ad()) {
        (Some(name), _) => format!("(arrived by the link {name})"),
        (None, true) => "(arrived from an ad)".to_owned(),
        (None, false) => "(arrived by a link)".to_owned(),
    }
}

impl Store {
    /// The last `limit` messages of a contact, oldest first.
    pub async fn conversation(&self, contact_id: i64, limit: i64) -> Result<Vec<LoggedMessage>> {
        let rows = sqlx::query(
            "SELECT * FROM ( \
               SELECT CAST(0 AS BIGINT) AS dir, id, \
                      CASE WHEN kind = 'attachment' THEN '(sent an attachment: ' || COALESCE(text, '?') || ')' \
                           ELSE COALESCE(text, payload, '') END AS body, '' AS status, \
                      received_at AS at, referral AS extra, CAST(NULL AS TEXT) AS author \
                 FROM inbound WHERE contact_id = $1 \
               UNION ALL \
               SELECT CAST(1 AS BIGINT) AS dir, id, body, \
                      CASE WHEN read_at IS NOT NULL THEN 'read' WHEN delivered_at IS NOT NULL THEN 'delivered' \
                           ELSE status END AS status, created_at AS at, last_error AS extra, \
                      (SELECT username FROM users WHERE users.id = outbox.author_id) AS author \
                 FROM outbox WHERE contact_id = $1 \
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
                let extra: Option<String> = row.try_get("extra")?;
                Ok(if dir == 0 {
                    let text = match extra {
                        Some(referral) if body.is_empty() => referral_text(&referral),
                        Some(referral) => format!("{body} {}", referral_text(&referral)),
                        None => body,
                    };
                    LoggedMessage::In { text, at }
                } else {
                    let reply =
                        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("outbox body: {e}")))?;
                    let status: String = row.try_get("status")?;
                    let reason = extra.filter(|_| status == "held" || status == "failed");
                    LoggedMessage::Out { reply, status, reason, at, author: row.try_get("author")? }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }
}
