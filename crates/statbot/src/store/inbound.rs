//! Inbound messages: stored durably the moment they arrive (de-duplicated by the platform's
//! message id), then claimed and acted on. Claims go to the oldest unprocessed message of each
//! contact only, so one contact's messages are handled in order, even across instances.

use super::{Backend, Result, Store, id_chunks, now_ms, params, parse_column, sql, statement_chunks, values_list};
use sqlx::{AnyConnection, Row, any::AnyRow};
use statbot_core::{Inbound, InboundContent, Platform, Receipt, Referral};
use std::collections::{HashMap, HashSet};

/// The outcome of storing one inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub contact_id: i64,
    /// `None` when the message was already stored (a redelivery).
    pub inbound_id: Option<i64>,
}

/// Sorted (platform, sender) pairs cut into runs of one platform, cut again by
/// [`statement_chunks`].
fn chunks_by_platform<'a>(
    senders: &'a [(Platform, &'a str)],
) -> impl Iterator<Item = (Platform, &'a [(Platform, &'a str)])> {
    senders.chunk_by(|a, b| a.0 == b.0).flat_map(statement_chunks).map(|chunk| (chunk[0].0, chunk))
}

/// Which waiting messages a worker may claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimScope {
    /// Any contact on Meta's channels, Messenger and Instagram (the background processor's).
    Meta,
    /// One contact (the web and terminal chats act on their own messages at once).
    Contact(i64),
}

/// An inbound message taken off the queue to be acted on.
#[derive(Debug, Clone)]
pub struct ClaimedInbound {
    pub id: i64,
    pub contact_id: i64,
    pub platform: Platform,
    pub content: InboundContent,
    /// When the contact sent it, as the platform says (ms).
    pub sent_at: i64,
    pub referral: Option<Referral>,
}

/// The columns [`from_row`] reads.
pub(crate) const CLAIMED_COLUMNS: &str = "id, contact_id, platform, kind, text, payload, sent_at, referral";

fn from_row(row: &AnyRow) -> Result<ClaimedInbound> {
    let kind: String = row.try_get("kind")?;
    let text: Option<String> = row.try_get("text")?;
    let content = match kind.as_str() {
        "payload" => InboundContent::Payload {
            payload: row.try_get::<Option<String>, _>("payload")?.unwrap_or_default(),
            title: text,
        },
        "referral" => InboundContent::Referral,
        "attachment" => InboundContent::Attachment {
            media: text.unwrap_or_default(),
            url: row.try_get::<Option<String>, _>("payload")?,
        },
        _ => InboundContent::Text { text: text.unwrap_or_default() },
    };
    let referral = match row.try_get::<Option<String>, _>("referral")? {
        Some(json) => Some(
            serde_json::from_str(&json).map_err(|e| super::StoreError::Corrupt(format!("inbound referral: {e}")))?,
        ),
        None => None,
    };
    Ok(ClaimedInbound {
        id: row.try_get("id")?,
        contact_id: row.try_get("contact_id")?,
        platform: parse_column(&row.try_get::<String, _>("platform")?, "platform")?,
        content,
        sent_at: row.try_get("sent_at")?,
        referral,
    })
}

/// Marks messages as acted on and returns those it marked. A message is left out when another
/// worker acted on it (our lease ran out) or when an older message of its contact, outside
/// `ids`, is still waiting: one contact's messages are acted on in order.
pub(crate) async fn mark_processed(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashSet<i64>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    let now = now_ms();
    let mut marked = HashSet::with_capacity(ids.len());
    // In id order: a chunk's older messages are marked before a later chunk checks for them.
    for chunk in id_chunks(&ids) {
        let list = params(2, chunk.len());
        let mut query = sqlx::query(sql(format!(
            "UPDATE inbound SET processed_at = $1, lease_until = NULL \
             WHERE id IN ({list}) AND processed_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM inbound e WHERE e.contact_id = inbound.contact_id \
                               AND e.processed_at IS NULL AND e.id < inbound.id AND e.id NOT IN ({list})) \
             RETURNING id"
        )))
        .bind(now);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            marked.insert(row.try_get(0)?);
        }
    }
    Ok(marked)
}

/// Gives up the leases on messages this worker was handed but could not act on yet, so that
/// the queue's claims take them in order.
pub(crate) async fn release(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for chunk in id_chunks(ids) {
        let list = params(1, chunk.len());
        let mut query = sqlx::query(sql(format!(
            "UPDATE inbound SET lease_until = NULL WHERE id IN ({list}) AND processed_at IS NULL"
        )));
        for id in chunk {
            query = query.bind(id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Claims up to `limit` messages to act on: each the oldest unprocessed one of its contact,
/// not leased by another worker. The lease lasts `lease_ms`; a worker that dies lets it run
/// out and another takes over.
pub(crate) async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    limit: i64,
    lease_ms: i64,
    scope: ClaimScope,
) -> Result<Vec<ClaimedInbound>> {
    let now = now_ms();
    let scope_filter = match scope {
        ClaimScope::Meta => "AND i.platform IN ($4, $5)",
        ClaimScope::Contact(_) => "AND i.contact_id = $4",
    };
    let lock = backend.skip_locked();
    let query_text = format!(
        "UPDATE inbound SET lease_until = $1 WHERE id IN ( \
           SELECT i.id FROM inbound i \
           WHERE i.processed_at IS NULL AND (i.lease_until IS NULL OR i.lease_until < $2) {scope_filter} \
             AND NOT EXISTS (SELECT 1 FROM inbound e WHERE e.contact_id = i.contact_id \
                             AND e.processed_at IS NULL AND e.id < i.id) \
           ORDER BY i.id LIMIT $3 {lock}) \
         RETURNING {CLAIMED_COLUMNS}"
    );
    let query = sqlx::query(sql(query_text)).bind(now + lease_ms).bind(now).bind(limit);
    let query = match scope {
        ClaimScope::Meta => query.bind(Platform::Messenger.as_str()).bind(Platform::Instagram.as_str()),
        ClaimScope::Contact(id) => query.bind(id),
    };
    let mut claimed: Vec<ClaimedInbound> = query.fetch_all(conn).await?.iter().map(from_row).collect::<Result<_>>()?;
    claimed.sort_unstable_by_key(|m| m.id);
    Ok(claimed)
}

impl Store {
    /// Stores a delivery's messages in one transaction: after this returns, they are durable.
    /// With `lease_ms`, the new messages are stored already leased to the caller, which hands
    /// them straight to its processor instead of leaving them for the queue's claims.
    pub async fn ingest(&self, messages: &[Inbound], lease_ms: Option<i64>) -> Result<Vec<Ingested>> {
        self.ingest_with_receipts(messages, &[], lease_ms).await
    }

    /// [`Store::ingest`], recording delivery and read receipts in the same transaction.
    pub async fn ingest_with_receipts(
        &self,
        messages: &[Inbound],
        receipts: &[Receipt],
        lease_ms: Option<i64>,
    ) -> Result<Vec<Ingested>> {
        if messages.is_empty() && receipts.is_empty() {
            return Ok(Vec::new());
        }
        // PostgreSQL's text cannot hold NUL: such a message is stored with U+FFFD in its place
        // (on SQLite too, so both keep the same), never refused for ever.
        let cleaned: Vec<Inbound>;
        let messages = if messages.iter().any(Inbound::has_nul) {
            cleaned = messages.iter().map(Inbound::without_nul).collect();
            &cleaned[..]
        } else {
            messages
        };
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;

        // Contacts first, for the distinct senders: new ones are inserted, known ones only
        // read. (Updating known contacts here would lock rows that the processor updates in
        // the other order, a deadlock on PostgreSQL.)
        // Ids of contacts seen before come from memory (a contact's id never changes).
        let mut senders: Vec<(Platform, &str)> = messages.iter().map(|m| (m.platform, m.sender.as_str())).collect();
        senders.sort_unstable();
        senders.dedup();
        let mut contact_ids = HashMap::with_capacity(senders.len());
        self.contact_ids.resolve(&mut senders, &mut contact_ids);
        let known = contact_ids.len();
        for (platform, chunk) in chunks_by_platform(&senders) {
            let insert = format!(
                "INSERT INTO contacts (platform, external_id, created_at, updated_at) VALUES {} \
                 ON CONFLICT (platform, external_id) DO NOTHING",
                values_list(chunk.len(), 4)
            );
            let mut query = sqlx::query(sql(insert));
            for (_, sender) in chunk {
                query = query.bind(platform.as_str()).bind(*sender).bind(now).bind(now);
            }
            query.execute(&mut *tx).await?;
            let select = format!(
                "SELECT id, external_id FROM contacts WHERE platform = $1 AND external_id IN ({})",
                (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            );
            let mut query = sqlx::query(sql(select)).bind(platform.as_str());
            for (_, sender) in chunk {
                query = query.bind(*sender);
            }
            for row in query.fetch_all(&mut *tx).await? {
                contact_ids.insert((platform, row.try_get::<String, _>("external_id")?), row.try_get::<i64, _>("id")?);
            }
        }

        // Then the messages, in arrival order; a message id already stored is a redelivery.
        let mut fresh = HashMap::with_capacity(messages.len());
        for chunk in statement_chunks(messages) {
            let query_text = format!(
                "INSERT INTO inbound (contact_id, platform, message_id, kind, text, payload, sent_at, received_at, \
                 lease_until, referral) VALUES {} ON CONFLICT (platform, message_id) DO NOTHING \
                 RETURNING id, platform, message_id",
                values_list(chunk.len(), 10)
            );
            let mut query = sqlx::query(sql(query_text));
            for m in chunk {
                let contact_id = contact_ids.get(&(m.platform, m.sender.clone())).copied().unwrap_or_default();
                let (kind, text, payload) = match &m.content {
                    InboundContent::Text { text } => ("text", Some(text.as_str()), None),
                    InboundContent::Payload { payload, title } => ("payload", title.as_deref(), Some(payload.as_str())),
                    InboundContent::Referral => ("referral", None, None),
                    InboundContent::Attachment { media, url } => ("attachment", Some(media.as_str()), url.as_deref()),
                };
                let referral = m
                    .referral
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
                query = query
                    .bind(contact_id)
                    .bind(m.platform.as_str())
                    .bind(m.message_id.as_str())
                    .bind(kind)
                    .bind(text)
                    .bind(payload)
                    .bind(m.timestamp_ms)
                    .bind(now)
                    .bind(lease_ms.map(|lease| now + lease))
                    .bind(referral);
            }
            for row in query.fetch_all(&mut *tx).await? {
                let platform: Platform = parse_column(&row.try_get::<String, _>("platform")?, "platform")?;
                fresh.insert((platform, row.try_get::<String, _>("message_id")?), row.try_get::<i64, _>("id")?);
            }
        }
        if !receipts.is_empty() {
            super::receipts::record(&mut tx, receipts, &contact_ids, self).await?;
        }
        tx.commit().await?;
        if contact_ids.len() > known {
            self.contact_ids.remember(&contact_ids);
        }

        Ok(messages
            .iter()
            .map(|m| Ingested {
                contact_id: contact_ids.get(&(m.platform, m.sender.clone())).copied().unwrap_or_default(),
                // A message id repeated within one batch is stored once and acted on once.
                inbound_id: fresh.remove(&(m.platform, m.message_id.clone())),
            })
            .collect())
    }

    /// Messages waiting to be acted on.
    pub async fn pending_inbound(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM inbound WHERE processed_at IS NULL")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Messages waiting to be acted on and when the oldest of them arrived (epoch ms), for
    /// `/metrics`: one statement over the queue's partial index.
    pub async fn inbound_queue(&self) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query("SELECT COUNT(*), MIN(received_at) FROM inbound WHERE processed_at IS NULL")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// On a single-instance SQLite store, leases left by a process that stopped can be dropped
    /// at once rather than waiting for them to run out.
    pub async fn release_stale_leases(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("UPDATE inbound SET lease_until = NULL WHERE processed_at IS NULL AND lease_until IS NOT NULL")
                .execute(&mut *self.conn().await?)
                .await?;
            sqlx::query("UPDATE outbox SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL")
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(())
    }
}
