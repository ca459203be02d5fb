//! The outbox: every reply is stored before it is sent. Senders claim the oldest pending reply
//! of each contact (so one contact's replies go out in order), deliver it, and record the
//! outcome: sent, retry later, failed with the reason and Meta's error class, or held (never
//! sent: the contact's messaging window was closed).

use super::{
    Backend, Contact, Result, Store, StoreError, id_chunks, now_ms, params, parse_column, sql, statement_chunks,
    values_list,
};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};
use statbot_core::{MessagingType, Platform, Reply, Window};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub contact_id: i64,
    pub platform: Platform,
    pub recipient: String,
    pub reply: Reply,
    pub attempts: i64,
    pub created_at: i64,
    /// Until when the sender that holds it may send it (ms); 0 when not leased.
    #[serde(skip)]
    pub lease_until: i64,
    pub messaging_type: MessagingType,
    /// The contact's messaging window when the reply was queued or claimed.
    #[serde(skip)]
    pub window: Window,
    /// The operator who wrote it (the live inbox); `None` for the bot's.
    #[serde(skip)]
    pub author_id: Option<i64>,
    /// When a send of it began that has no outcome recorded; `None` before any, and after a
    /// failure that said it was not delivered.
    #[serde(skip)]
    pub send_started_at: Option<i64>,
}

impl OutboxMessage {
    /// Whether the bot starts this message itself (a broadcast's or a follow-up's): a send of it
    /// that gets no answer is not made again either (a reply to someone who wrote is).
    pub fn started_by_the_bot(&self) -> bool {
        self.messaging_type == MessagingType::Update
    }
}

/// Replies by status.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    /// Never sent: the contact's messaging window had closed.
    pub held: i64,
    /// Sent and reported delivered by the platform (read ones included).
    pub delivered: i64,
    /// Sent and reported read by the platform.
    pub read: i64,
}

/// A reply that was not sent (held or failed), for operators.
#[derive(Debug, Clone, Serialize)]
pub struct Undelivered {
    pub id: i64,
    pub contact_id: i64,
    pub platform: Platform,
    /// `held` or `failed`.
    pub status: String,
    /// Meta's error class (`outside_window` for a held reply).
    pub error_class: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
}

/// Why a reply is held rather than sent.
pub const HELD_OUTSIDE_WINDOW: &str = "outside_window";

const COLUMNS: &str = "id, contact_id, platform, recipient, body, attempts, created_at, lease_until, messaging_type, \
     author_id, send_started_at";

fn from_row(row: &AnyRow) -> Result<OutboxMessage> {
    let body: String = row.try_get("body")?;
    Ok(OutboxMessage {
        id: row.try_get("id")?,
        contact_id: row.try_get("contact_id")?,
        platform: parse_column(&row.try_get::<String, _>("platform")?, "platform")?,
        recipient: row.try_get("recipient")?,
        reply: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("outbox body: {e}")))?,
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        lease_until: row.try_get::<Option<i64>, _>("lease_until")?.unwrap_or(0),
        messaging_type: parse_column(&row.try_get::<String, _>("messaging_type")?, "messaging_type")?,
        window: Window::default(),
        author_id: row.try_get("author_id")?,
        send_started_at: row.try_get("send_started_at")?,
    })
}

/// A reply to store in the outbox.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub contact_id: i64,
    pub inbound_id: Option<i64>,
    pub platform: Platform,
    pub recipient: String,
    pub reply: Reply,
    pub messaging_type: MessagingType,
    /// The contact's messaging window as the reply is queued.
    pub window: Window,
    /// The operator who wrote it (the live inbox); `None` for the bot's replies.
    pub author_id: Option<i64>,
    /// The broadcast it belongs to (its sent, delivered and read count there).
    pub broadcast_id: Option<i64>,
}

/// A lease taken on replies as they are queued, so that the worker queuing them can hand them
/// to its sender at once instead of leaving them for the sender's claims.
#[derive(Debug, Clone, Copy)]
pub struct SendLease<'a> {
    /// Only replies for these platforms are leased.
    pub platforms: &'a [Platform],
    /// The running instance taking the lease.
    pub owner: &'a str,
    pub lease_ms: i64,
}

/// Queues replies, in order, in one statement per chunk, and returns those leased by `lease`:
/// replies for its platform whose contact has no earlier reply waiting, other than one being
/// sent by the same owner (its sender keeps each contact's replies in order).
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    replies: &[NewReply],
    lease: Option<SendLease<'_>>,
) -> Result<Vec<OutboxMessage>> {
    let now = now_ms();
    let waiting = match lease {
        Some(lease) => contacts_waiting(conn, replies, lease, now).await?,
        None => Vec::new(),
    };
    let mut leased = Vec::new();
    for chunk in statement_chunks(replies) {
        let query_text = format!(
            "INSERT INTO outbox (contact_id, inbound_id, platform, recipient, body, next_attempt_at, created_at, \
             lease_until, lease_owner, attempts, messaging_type, author_id, broadcast_id) VALUES {} RETURNING id",
            values_list(chunk.len(), 13)
        );
        let mut query = sqlx::query(sql(query_text));
        let mut leases = Vec::with_capacity(chunk.len());
        for r in chunk {
            let body = serde_json::to_string(&r.reply).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let lease = lease.filter(|l| l.platforms.contains(&r.platform) && !waiting.contains(&r.contact_id));
            let lease_until = lease.map(|l| now + l.lease_ms);
            query = query
                .bind(r.contact_id)
                .bind(r.inbound_id)
                .bind(r.platform.as_str())
                .bind(r.recipient.as_str())
                .bind(body)
                .bind(now)
                .bind(now)
                .bind(lease_until)
                .bind(lease.map(|l| l.owner))
                .bind(i64::from(lease.is_some()))
                .bind(r.messaging_type.as_str())
                .bind(r.author_id)
                .bind(r.broadcast_id);
            leases.push(lease_until);
        }
        // Ids rise in insertion order within one statement.
        let mut ids: Vec<i64> =
            query.fetch_all(&mut *conn).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        ids.sort_unstable();
        for ((r, id), lease_until) in chunk.iter().zip(ids).zip(leases) {
            if let Some(lease_until) = lease_until {
                leased.push(OutboxMessage {
                    id,
                    contact_id: r.contact_id,
                    platform: r.platform,
                    recipient: r.recipient.clone(),
                    reply: r.reply.clone(),
                    attempts: 1,
                    created_at: now,
                    lease_until,
                    messaging_type: r.messaging_type,
                    window: r.window,
                    author_id: r.author_id,
                    send_started_at: None,
                });
            }
        }
    }
    Ok(leased)
}

/// Contacts of `replies` with a reply waiting that the lease's owner is not sending itself.
async fn contacts_waiting(
    conn: &mut AnyConnection,
    replies: &[NewReply],
    lease: SendLease<'_>,
    now: i64,
) -> Result<Vec<i64>> {
    let mut contacts: Vec<i64> =
        replies.iter().filter(|r| lease.platforms.contains(&r.platform)).map(|r| r.contact_id).collect();
    contacts.sort_unstable();
    contacts.dedup();
    let mut waiting = Vec::new();
    for chunk in id_chunks(&contacts) {
        let mut query = sqlx::query(sql(format!(
            "SELECT DISTINCT contact_id FROM outbox WHERE status = 'pending' AND contact_id IN ({}) \
             AND (lease_owner IS NULL OR lease_owner <> $1 OR lease_until IS NULL OR lease_until < $2)",
            params(3, chunk.len())
        )))
        .bind(lease.owner)
        .bind(now);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            waiting.push(row.try_get(0)?);
        }
    }
    Ok(waiting)
}

/// Records delivered replies with the platform's message ids, in one statement per chunk.
pub(crate) async fn mark_sent(conn: &mut AnyConnection, sent: &[(i64, String)]) -> Result<()> {
    for chunk in statement_chunks(sent) {
        let cases: String = (0..chunk.len()).map(|i| format!(" WHEN ${} THEN ${}", 2 * i + 2, 2 * i + 3)).collect();
        let ids = (0..chunk.len()).map(|i| format!("${}", 2 * i + 2)).collect::<Vec<_>>().join(", ");
        let query_text = format!(
            "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL, \
             platform_message_id = CASE id{cases} END WHERE id IN ({ids}) AND status = 'pending'"
        );
        let mut query = sqlx::query(sql(query_text)).bind(now_ms());
        for (id, message_id) in chunk {
            query = query.bind(*id).bind(message_id.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records that sends of these messages begin now, before they are made.
async fn mark_started(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    let now = now_ms();
    for chunk in id_chunks(ids) {
        let mut query = sqlx::query(sql(format!(
            "UPDATE outbox SET send_started_at = $1 WHERE id IN ({}) AND status = 'pending'",
            params(2, chunk.len())
        )))
        .bind(now);
        for id in chunk {
            query = query.bind(id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Claims up to `limit` due replies for the lease's platforms, at most one per contact (its
/// oldest pending one), leased for `lease_ms`, with their contacts' messaging windows.
async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    limit: i64,
    lease: SendLease<'_>,
) -> Result<Vec<OutboxMessage>> {
    let now = now_ms();
    let lock = backend.skip_locked();
    let platforms = platform_list(lease.platforms);
    let query_text = format!(
        "UPDATE outbox SET lease_until = $1, lease_owner = $4, attempts = attempts + 1 WHERE id IN ( \
           SELECT o.id FROM outbox o \
           WHERE o.status = 'pending' AND o.platform IN ({platforms}) AND o.next_attempt_at <= $2 \
             AND (o.lease_until IS NULL OR o.lease_until < $2) \
             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.contact_id = o.contact_id \
                             AND e.status = 'pending' AND e.id < o.id) \
           ORDER BY o.id LIMIT $3 {lock}) \
         RETURNING {COLUMNS}"
    );
    let rows = sqlx::query(sql(query_text))
        .bind(now + lease.lease_ms)
        .bind(now)
        .bind(limit)
        .bind(lease.owner)
        .fetch_all(&mut *conn)
        .await?;
    let mut claimed: Vec<OutboxMessage> = rows.iter().map(from_row).collect::<Result<_>>()?;
    claimed.sort_unstable_by_key(|m| m.id);
    let mut contacts: Vec<i64> = claimed.iter().map(|m| m.contact_id).collect();
    contacts.sort_unstable();
    contacts.dedup();
    let windows = super::contacts::windows(conn, &contacts).await?;
    for message in &mut claimed {
        message.window = windows.get(&message.contact_id).copied().unwrap_or_default();
    }
    Ok(claimed)
}

/// The platforms as an SQL list of literals (their names are fixed identifiers).
fn platform_list(platforms: &[Platform]) -> String {
    platforms.iter().map(|p| format!("'{}'", p.as_str())).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Records delivered replies and the sends about to start (`starting`), then claims up to
    /// `limit` due ones of the lease's platform, holding one connection for all three (a
    /// delivery round of the sender).
    pub async fn mark_sent_and_claim(
        &self,
        sent: &[(i64, String)],
        starting: &[i64],
        limit: i64,
        lease: SendLease<'_>,
    ) -> Result<Vec<OutboxMessage>> {
        let mut conn = self.conn().await?;
        mark_sent(&mut conn, sent).await?;
        mark_started(&mut conn, starting).await?;
        if limit <= 0 {
            return Ok(Vec::new());
        }
        claim(&mut conn, self.backend, limit, lease).await
    }

    /// Records delivered replies with the platform's message ids, and the sends about to start.
    pub async fn mark_sent(&self, sent: &[(i64, String)], starting: &[i64]) -> Result<()> {
        if sent.is_empty() && starting.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        mark_sent(&mut conn, sent).await?;
        mark_started(&mut conn, starting).await
    }

    /// Gives up every lease `owner` holds on pending replies (a stopping instance hands them
    /// back, so another sends them at once instead of after the lease); returns how many.
    pub async fn release_all_replies(&self, owner: &str) -> Result<u64> {
        let released = sqlx::query(
            "UPDATE outbox SET lease_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
             WHERE status = 'pending' AND lease_owner = $1 AND lease_until IS NOT NULL",
        )
        .bind(owner)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(released.rows_affected())
    }

    /// Gives up `owner`'s leases on replies its sender was handed but will not send now (they
    /// wait behind an earlier reply that failed), so that claims take them in order.
    pub async fn release_replies(&self, ids: &[i64], owner: &str) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        for chunk in id_chunks(ids) {
            let mut query = sqlx::query(sql(format!(
                "UPDATE outbox SET lease_until = NULL, attempts = attempts - 1 \
                 WHERE id IN ({}) AND status = 'pending' AND lease_owner = $1",
                params(2, chunk.len())
            )))
            .bind(owner);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// When the next reply for `platforms` that a sender could claim becomes due, if any: only
    /// each contact's oldest pending reply counts (the others wait for it, however overdue they
    /// look), and not while it is leased (being sent).
    pub async fn next_outbox_due(&self, platforms: &[Platform]) -> Result<Option<i64>> {
        let row = sqlx::query(sql(format!(
            "SELECT MIN(o.next_attempt_at) FROM outbox o \
             WHERE o.status = 'pending' AND o.platform IN ({}) AND (o.lease_until IS NULL OR o.lease_until < $1) \
               AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.contact_id = o.contact_id \
                               AND e.status = 'pending' AND e.id < o.id)",
            platform_list(platforms)
        )))
        .bind(now_ms())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Keeps the reply pending until `next_attempt_at`, remembering why it failed.
    pub async fn mark_retry(&self, id: i64, error: &str, class: &str, next_attempt_at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, last_error = $2, error_class = $3, lease_until = NULL, \
             send_started_at = NULL WHERE id = $4 AND status = 'pending'",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(class)
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Gives up on a reply, keeping the reason and Meta's error class, and records a
    /// `send_failed` event in the contact's current flow (so per-flow reports see failed sends).
    pub async fn mark_failed(&self, message: &OutboxMessage, error: &str, class: &str) -> Result<()> {
        self.settle_unsent(message, "failed", error, class).await
    }

    /// Holds a reply back without sending it (the contact's messaging window had closed), with
    /// the reason, and records a `send_failed` event with the class, as for a failure: it is
    /// never sent later on its own, and never lost silently.
    pub async fn mark_held(&self, message: &OutboxMessage, reason: &str) -> Result<()> {
        self.settle_unsent(message, "held", reason, HELD_OUTSIDE_WINDOW).await
    }

    async fn settle_unsent(&self, message: &OutboxMessage, status: &str, error: &str, class: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let position = sqlx::query("SELECT flow, step FROM contacts WHERE id = $1")
            .bind(message.contact_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (flow, step) = match position {
            Some(row) => (row.try_get("flow")?, row.try_get("step")?),
            None => (None, None),
        };
        let updated = sqlx::query(
            "UPDATE outbox SET status = $1, last_error = $2, error_class = $3, lease_until = NULL \
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(status)
        .bind(error)
        .bind(class)
        .bind(message.id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            // Already recorded (a retried recording): one event per failure.
            return Ok(());
        }
        super::events::record(
            &mut tx,
            &[super::NewEvent {
                contact_id: message.contact_id,
                inbound_id: None,
                kind: super::EventKind::SendFailed,
                flow,
                step,
                button: None,
                detail: Some(serde_json::json!({ "outbox_id": message.id, "reason": error, "class": class })),
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes every pending reply of a contact at once and marks them delivered: for channels
    /// whose "delivery" is showing them (the web chat page, the terminal).
    pub async fn take_pending_replies(&self, contact_id: i64) -> Result<Vec<OutboxMessage>> {
        let rows = sqlx::query(sql(format!(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 \
             WHERE contact_id = $2 AND status = 'pending' RETURNING {COLUMNS}"
        )))
        .bind(now_ms())
        .bind(contact_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut taken: Vec<OutboxMessage> = rows.iter().map(from_row).collect::<Result<_>>()?;
        taken.sort_unstable_by_key(|m| m.id);
        Ok(taken)
    }

    pub async fn outbox_stats(&self) -> Result<OutboxStats> {
        let rows =
            sqlx::query("SELECT status, COUNT(*), COUNT(delivered_at), COUNT(read_at) FROM outbox GROUP BY status")
                .fetch_all(&mut *self.conn().await?)
                .await?;
        let mut stats = OutboxStats::default();
        for row in rows {
            let count: i64 = row.try_get(1)?;
            stats.delivered += row.try_get::<i64, _>(2)?;
            stats.read += row.try_get::<i64, _>(3)?;
            match row.try_get::<String, _>(0)?.as_str() {
                "pending" => stats.pending = count,
                "sent" => stats.sent = count,
                "failed" => stats.failed = count,
                "held" => stats.held = count,
                other => return Err(StoreError::Corrupt(format!("outbox status `{other}`"))),
            }
        }
        Ok(stats)
    }

    /// Replies waiting to be sent and when the oldest of them was queued (epoch ms), for
    /// `/metrics`: one statement over the pending replies' partial index.
    pub async fn outbox_queue(&self) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// The latest replies with one of `statuses` (`held`, `failed`), newest first, with their
    /// contacts (to name them).
    pub async fn undelivered(
        &self,
        statuses: &[&str],
        limit: i64,
    ) -> Result<(Vec<Undelivered>, HashMap<i64, Contact>)> {
        let mut conn = self.conn().await?;
        let mut query = sqlx::query(sql(format!(
            "SELECT id, contact_id, platform, status, error_class, last_error, created_at FROM outbox \
             WHERE status IN ({}) ORDER BY id DESC LIMIT $1",
            params(2, statuses.len())
        )))
        .bind(limit);
        for status in statuses {
            query = query.bind(*status);
        }
        let rows = query.fetch_all(&mut *conn).await?;
        let undelivered = rows
            .iter()
            .map(|row| {
                Ok(Undelivered {
                    id: row.try_get("id")?,
                    contact_id: row.try_get("contact_id")?,
                    platform: parse_column(&row.try_get::<String, _>("platform")?, "platform")?,
                    status: row.try_get("status")?,
                    error_class: row.try_get("error_class")?,
                    reason: row.try_get("last_error")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut contact_ids: Vec<i64> = undelivered.iter().map(|u| u.contact_id).collect();
        contact_ids.sort_unstable();
        contact_ids.dedup();
        let contacts = super::contacts::load_many(&mut conn, &contact_ids).await?;
        Ok((undelivered, contacts))
    }

    /// The status and reason stored for a reply, for operators and tests.
    pub async fn outbox_status(&self, id: i64) -> Result<(String, Option<String>)> {
        let row = sqlx::query("SELECT status, last_error FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("outbox message {id}")))?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
