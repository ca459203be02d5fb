//! Broadcasts: a flow step sent to the contacts a segment chose. Creating one snapshots its
//! audience into `broadcast_recipients` in one `INSERT ... SELECT` (100,000 contacts in one
//! statement); the broadcast worker claims pending recipients a batch at a time
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances never take the same) and marks each
//! queued or skipped in the transaction that queues its messages. A contact has one row per
//! broadcast (the primary key), so it gets a broadcast at most once, wherever a sender stops.
//!
//! The funnel: sent, delivered and read come from the outbox rows carrying the broadcast's id;
//! tapped and revealed are the recipients with a button click or a coupon reveal in the
//! broadcast's flow at or after the time the broadcast was queued for them.

use super::segments::Condition;
use super::{Backend, Result, Store, StoreError, now_ms, sql};
use sqlx::{AnyConnection, Row};
use statbot_core::Segment;

/// What `broadcasts` holds about one broadcast.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broadcast {
    pub id: i64,
    pub name: String,
    pub flow: String,
    /// The step sent; `None`: the flow's first.
    pub step: Option<String>,
    /// The segment as written.
    pub segment: String,
    /// `scheduled`, `sending`, `paused`, `cancelled` or `done`.
    pub status: String,
    pub start_at: i64,
    pub created_at: i64,
    pub created_by: String,
    /// How many contacts the audience snapshot holds.
    pub recipients: i64,
}

/// A broadcast to create.
#[derive(Debug, Clone)]
pub struct NewBroadcast {
    pub name: String,
    pub flow: String,
    pub step: Option<String>,
    pub segment: Segment,
    /// From when it is sent (ms); now or earlier starts it at once.
    pub start_at: i64,
    pub created_by: String,
}

/// Recipients claimed for sending, inside a transaction.
#[derive(Debug, Clone)]
pub struct ClaimedRecipients {
    pub broadcast: Broadcast,
    /// Contact ids, lowest first.
    pub contact_ids: Vec<i64>,
}

/// A broadcast's funnel: who it was for, what became of them, and what they did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BroadcastFunnel {
    pub recipients: i64,
    /// Not reached yet.
    pub pending: i64,
    /// Its messages are in the outbox.
    pub queued: i64,
    /// Not sent, by reason, most first.
    pub skipped: Vec<(String, i64)>,
    /// Contacts whose messages Meta accepted, reported delivered, reported read.
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    /// Contacts whose message was not sent: it failed, was held (the window closed before its
    /// turn), or its send's outcome is unknown (not sent again, see docs/broadcasts.md).
    pub not_sent: i64,
    /// Recipients who tapped a button of the flow, or got a coupon of it, after receiving it,
    /// with no later broadcast of the flow received in between (the last one gets the credit).
    pub tapped: i64,
    pub revealed: i64,
    /// Recipients whose coupon of the flow, revealed after this broadcast (the last received),
    /// was redeemed, with the net revenue of the redeeming charges.
    #[serde(flatten)]
    pub redemptions: super::Redemptions,
}

const COLUMNS: &str = "id, name, flow, step, segment, status, start_at, created_at, created_by, recipients";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Broadcast> {
    Ok(Broadcast {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        flow: row.try_get("flow")?,
        step: row.try_get("step")?,
        segment: row.try_get("segment")?,
        status: row.try_get("status")?,
        start_at: row.try_get("start_at")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        recipients: row.try_get("recipients")?,
    })
}

impl Store {
    /// Creates a broadcast and snapshots its audience (the contacts its segment chooses now), in
    /// one transaction. A name in use is a [`StoreError::Conflict`].
    pub async fn create_broadcast(&self, new: &NewBroadcast) -> Result<Broadcast> {
        let now = now_ms();
        let status = if new.start_at > now { "scheduled" } else { "sending" };
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let inserted = sqlx::query(
            "INSERT INTO broadcasts (name, flow, step, segment, status, start_at, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) RETURNING id",
        )
        .bind(&new.name)
        .bind(&new.flow)
        .bind(new.step.as_deref())
        .bind(new.segment.to_string())
        .bind(status)
        .bind(new.start_at)
        .bind(now)
        .bind(&new.created_by)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted.map_err(StoreError::from) {
            Ok(row) => row.try_get(0)?,
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!("a broadcast named `{}`", new.name)));
            }
            Err(e) => return Err(e),
        };
        let condition = Condition::new(&new.segment, now, 2);
        let query = sqlx::query(sql(format!(
            "INSERT INTO broadcast_recipients (broadcast_id, contact_id) SELECT $1, c.id FROM contacts c WHERE {}",
            condition.text
        )))
        .bind(id);
        let recipients = condition.bind(query).execute(&mut *tx).await?.rows_affected() as i64;
        sqlx::query("UPDATE broadcasts SET recipients = $1 WHERE id = $2")
            .bind(recipients)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM broadcasts WHERE id = $1")))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let broadcast = from_row(&row)?;
        tx.commit().await?;
        Ok(broadcast)
    }

    /// Every broadcast, newest first.
    pub async fn broadcasts(&self) -> Result<Vec<Broadcast>> {
        let rows = sqlx::query(sql(format!("SELECT {COLUMNS} FROM broadcasts ORDER BY id DESC")))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn broadcast(&self, name: &str) -> Result<Option<Broadcast>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM broadcasts WHERE name = $1")))
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Moves a broadcast to `to` if its status is one of `from`; returns it as it then stands
    /// (unchanged when it was not in `from`), `None` when there is none of that name.
    pub async fn set_broadcast_status(&self, name: &str, from: &[&str], to: &str) -> Result<Option<Broadcast>> {
        let from = from.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        sqlx::query(sql(format!(
            "UPDATE broadcasts SET status = $1, updated_at = $2 WHERE name = $3 AND status IN ({from})"
        )))
        .bind(to)
        .bind(now_ms())
        .bind(name)
        .execute(&mut *self.conn().await?)
        .await?;
        self.broadcast(name).await
    }

    /// How many contacts had the broadcast's step queued more than once (more than `each`
    /// messages in the outbox): 0 whatever happened, since a recipient is claimed once.
    pub async fn broadcast_queued_twice(&self, broadcast: &Broadcast, each: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM (SELECT contact_id FROM outbox WHERE broadcast_id = $1 \
             GROUP BY contact_id HAVING COUNT(*) > $2) t",
        )
        .bind(broadcast.id)
        .bind(each)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// A broadcast's funnel as it stands.
    pub async fn broadcast_funnel(&self, broadcast: &Broadcast) -> Result<BroadcastFunnel> {
        let mut conn = self.conn().await?;
        let mut funnel = BroadcastFunnel { recipients: broadcast.recipients, ..BroadcastFunnel::default() };
        let rows = sqlx::query(
            "SELECT status, reason, COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = $1 \
             GROUP BY status, reason ORDER BY n DESC, reason",
        )
        .bind(broadcast.id)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let status: String = row.try_get("status")?;
            let n: i64 = row.try_get("n")?;
            match status.as_str() {
                "pending" => funnel.pending += n,
                "queued" => funnel.queued += n,
                _ => funnel.skipped.push((row.try_get::<Option<String>, _>("reason")?.unwrap_or_default(), n)),
            }
        }
        let row = sqlx::query(
            "SELECT COUNT(DISTINCT CASE WHEN status = 'sent' THEN contact_id END) AS sent, \
               COUNT(DISTINCT CASE WHEN delivered_at IS NOT NULL THEN contact_id END) AS delivered, \
               COUNT(DISTINCT CASE WHEN read_at IS NOT NULL THEN contact_id END) AS read, \
               COUNT(DISTINCT CASE WHEN status IN ('failed', 'held') THEN contact_id END) AS not_sent \
             FROM outbox WHERE broadcast_id = $1",
        )
        .bind(broadcast.id)
        .fetch_one(&mut *conn)
        .await?;
        (funnel.sent, funnel.delivered, funnel.read, funnel.not_sent) =
            (row.try_get("sent")?, row.try_get("delivered")?, row.try_get("read")?, row.try_get("not_sent")?);
        // An action counts for the last broadcast of the flow the contact received before it.
        let acted = "SELECT COUNT(DISTINCT r.contact_id) FROM broadcast_recipients r \
                     JOIN events e ON e.contact_id = r.contact_id AND e.kind = $2 AND e.flow = $3 AND e.at >= r.done_at \
                     WHERE r.broadcast_id = $1 AND r.status = 'queued' \
                       AND NOT EXISTS (SELECT 1 FROM broadcast_recipients l JOIN broadcasts b ON b.id = l.broadcast_id \
                                       WHERE l.contact_id = r.contact_id AND l.status = 'queued' AND b.flow = $3 \
                                         AND l.broadcast_id <> r.broadcast_id AND l.done_at > r.done_at \
                                         AND l.done_at <= e.at)";
        for (kind, count) in [("button_clicked", &mut funnel.tapped), ("coupon_revealed", &mut funnel.revealed)] {
            let row =
                sqlx::query(acted).bind(broadcast.id).bind(kind).bind(&broadcast.flow).fetch_one(&mut *conn).await?;
            *count = row.try_get(0)?;
        }
        funnel.redemptions = super::Redemptions::from_counts(Some(
            super::redemptions::broadcast_redemptions(&mut conn, broadcast.id).await?,
        ));
        Ok(funnel)
    }
}

/// Starts scheduled broadcasts whose time has come, finishes sending ones with nobody left, and
/// claims up to `limit` pending recipients of the oldest sending broadcast, locked until the
/// transaction ends (another instance's claim passes over them on PostgreSQL; SQLite has one
/// writer). `None` when nothing is to be sent.
pub(crate) async fn claim(conn: &mut AnyConnection, backend: Backend, limit: i64) -> Result<Option<ClaimedRecipients>> {
    let now = now_ms();
    sqlx::query(
        "UPDATE broadcasts SET status = 'sending', updated_at = $1 WHERE status = 'scheduled' AND start_at <= $1",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?;
    finish_sent(conn, None).await?;
    let rows = sqlx::query(sql(format!("SELECT {COLUMNS} FROM broadcasts WHERE status = 'sending' ORDER BY id")))
        .fetch_all(&mut *conn)
        .await?;
    let lock = backend.skip_locked();
    for row in rows {
        let broadcast = from_row(&row)?;
        let claimed = sqlx::query(sql(format!(
            "UPDATE broadcast_recipients SET status = 'queued', done_at = $1 \
             WHERE broadcast_id = $2 AND contact_id IN ( \
               SELECT contact_id FROM broadcast_recipients WHERE broadcast_id = $2 AND status = 'pending' \
               ORDER BY contact_id LIMIT $3 {lock}) \
             RETURNING contact_id"
        )))
        .bind(now)
        .bind(broadcast.id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        let mut contact_ids: Vec<i64> = claimed.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        if !contact_ids.is_empty() {
            contact_ids.sort_unstable();
            return Ok(Some(ClaimedRecipients { broadcast, contact_ids }));
        }
    }
    Ok(None)
}

/// Marks sending broadcasts (all, or the one given) with nobody left pending done.
pub(crate) async fn finish_sent(conn: &mut AnyConnection, broadcast_id: Option<i64>) -> Result<()> {
    sqlx::query(
        "UPDATE broadcasts SET status = 'done', updated_at = $1 WHERE status = 'sending' \
         AND ($2 IS NULL OR id = $2) AND NOT EXISTS \
         (SELECT 1 FROM broadcast_recipients r WHERE r.broadcast_id = broadcasts.id AND r.status = 'pending')",
    )
    .bind(now_ms())
    .bind(broadcast_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks claimed recipients skipped, with the reason (the others stay queued).
pub(crate) async fn skip(conn: &mut AnyConnection, broadcast_id: i64, skipped: &[(i64, &str)]) -> Result<()> {
    for (contact_id, reason) in skipped {
        sqlx::query(
            "UPDATE broadcast_recipients SET status = 'skipped', reason = $1 WHERE broadcast_id = $2 AND contact_id = $3",
        )
        .bind(*reason)
        .bind(broadcast_id)
        .bind(*contact_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
