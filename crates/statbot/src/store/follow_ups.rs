//! Follow-ups: steps a flow sends later (`follow_up = { after, step, unless }`). The engine
//! schedules one when a contact enters a step that declares it (one pending per contact, flow
//! and declaring step: entering the step again moves it later); the follow-up worker claims due
//! ones, one per transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances never take the
//! same), and marks each sent or skipped in the transaction that queues its replies.

use super::{Backend, Result, now_ms};
use sqlx::{AnyConnection, Row};

/// A follow-up to schedule, as a step entered declares it.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub contact_id: i64,
    /// The message that led into the step; `None` when the bot spoke on its own.
    pub inbound_id: Option<i64>,
    pub flow: String,
    /// The step that declares the follow-up.
    pub from_step: String,
    /// The step sent when it is due.
    pub step: String,
    /// As written in the flow (`revealed`, `reached:STEP`...).
    pub unless: Option<String>,
    pub due_at: i64,
}

/// A due follow-up, claimed inside a transaction.
#[derive(Debug, Clone)]
pub struct DueFollowUp {
    pub id: i64,
    pub contact_id: i64,
    pub flow: String,
    pub step: String,
    pub unless: Option<String>,
    /// Only what the contact did after these (their latest event and message when it was
    /// scheduled) cancels it.
    pub after_event_id: i64,
    pub after_inbound_id: i64,
}

/// Schedules follow-ups; the contact's latest event and message are taken as they stand (so the
/// batch's own events, recorded before, do not cancel it). Inside the engine's transaction.
pub(crate) async fn schedule(conn: &mut AnyConnection, follow_ups: &[NewFollowUp]) -> Result<()> {
    let now = now_ms();
    for f in follow_ups {
        sqlx::query(
            "INSERT INTO follow_ups (contact_id, flow, from_step, step, unless_done, inbound_id, \
               after_event_id, after_inbound_id, scheduled_at, due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, \
               (SELECT COALESCE(MAX(id), 0) FROM events WHERE contact_id = $1), \
               (SELECT COALESCE(MAX(id), 0) FROM inbound WHERE contact_id = $1), $7, $8) \
             ON CONFLICT (contact_id, flow, from_step) WHERE status = 'pending' DO UPDATE SET \
               step = excluded.step, unless_done = excluded.unless_done, inbound_id = excluded.inbound_id, \
               after_event_id = excluded.after_event_id, after_inbound_id = excluded.after_inbound_id, \
               scheduled_at = excluded.scheduled_at, due_at = excluded.due_at",
        )
        .bind(f.contact_id)
        .bind(&f.flow)
        .bind(&f.from_step)
        .bind(&f.step)
        .bind(f.unless.as_deref())
        .bind(f.inbound_id)
        .bind(now)
        .bind(f.due_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Claims the oldest due follow-up, locked until the transaction ends (another instance's claim
/// passes over it on PostgreSQL; SQLite has one writer, taken by the claim's update).
pub(crate) async fn claim_due(conn: &mut AnyConnection, backend: Backend) -> Result<Option<DueFollowUp>> {
    let lock = backend.skip_locked();
    let row = sqlx::query(super::sql(format!(
        "UPDATE follow_ups SET done_at = $1 WHERE id = ( \
           SELECT id FROM follow_ups WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT 1 {lock}) \
         RETURNING id, contact_id, flow, step, unless_done, after_event_id, after_inbound_id"
    )))
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(DueFollowUp {
            id: row.try_get("id")?,
            contact_id: row.try_get("contact_id")?,
            flow: row.try_get("flow")?,
            step: row.try_get("step")?,
            unless: row.try_get("unless_done")?,
            after_event_id: row.try_get("after_event_id")?,
            after_inbound_id: row.try_get("after_inbound_id")?,
        })
    })
    .transpose()
}

/// Whether the contact did what cancels the follow-up since it was scheduled: an event of the
/// flow (`revealed`: a coupon, `clicked`: a button, `reached:STEP`: that step) or any message
/// (`replied`). Unknown words (a flow changed since) cancel nothing.
pub(crate) async fn done_since(conn: &mut AnyConnection, due: &DueFollowUp) -> Result<bool> {
    let Some(unless) = due.unless.as_deref() else { return Ok(false) };
    let (kind, step) = match unless {
        "revealed" => ("coupon_revealed", None),
        "clicked" => ("button_clicked", None),
        "replied" => {
            let row = sqlx::query("SELECT 1 FROM inbound WHERE contact_id = $1 AND id > $2 LIMIT 1")
                .bind(due.contact_id)
                .bind(due.after_inbound_id)
                .fetch_optional(&mut *conn)
                .await?;
            return Ok(row.is_some());
        }
        other => match other.strip_prefix("reached:") {
            Some(step) => ("step_entered", Some(step)),
            None => return Ok(false),
        },
    };
    let row = sqlx::query(
        "SELECT 1 FROM events WHERE contact_id = $1 AND id > $2 AND kind = $3 AND flow = $4 \
         AND ($5 IS NULL OR step = $5) LIMIT 1",
    )
    .bind(due.contact_id)
    .bind(due.after_event_id)
    .bind(kind)
    .bind(&due.flow)
    .bind(step)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// Marks a claimed follow-up sent, or skipped with the reason.
pub(crate) async fn finish(conn: &mut AnyConnection, id: i64, skipped: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE follow_ups SET status = $1, reason = $2, done_at = $3 WHERE id = $4")
        .bind(if skipped.is_some() { "skipped" } else { "sent" })
        .bind(skipped)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A contact's follow-up as it stands, for operators and tests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FollowUpRecord {
    pub flow: String,
    pub step: String,
    /// `pending`, `sent` or `skipped`.
    pub status: String,
    /// Why it was skipped.
    pub reason: Option<String>,
    pub due_at: i64,
}

impl super::Store {
    /// A contact's follow-ups, oldest first.
    pub async fn follow_ups_of(&self, contact_id: i64) -> Result<Vec<FollowUpRecord>> {
        let rows =
            sqlx::query("SELECT flow, step, status, reason, due_at FROM follow_ups WHERE contact_id = $1 ORDER BY id")
                .bind(contact_id)
                .fetch_all(&mut *self.conn().await?)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(FollowUpRecord {
                    flow: row.try_get("flow")?,
                    step: row.try_get("step")?,
                    status: row.try_get("status")?,
                    reason: row.try_get("reason")?,
                    due_at: row.try_get("due_at")?,
                })
            })
            .collect()
    }
}
