//! Events: the append-only record of what happened in conversations (steps entered, buttons
//! clicked, coupons revealed or exhausted, sends given up on). Funnels are queries over it.

use super::{Result, Store, now_ms, sql, statement_chunks, values_list};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    StepEntered,
    ButtonClicked,
    CouponRevealed,
    CouponExhausted,
    SendFailed,
    /// The contact asked to hear nothing statbot starts ("stop", the menu's button).
    OptedOut,
    /// The contact opted back in ("start").
    OptedIn,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::StepEntered => "step_entered",
            EventKind::ButtonClicked => "button_clicked",
            EventKind::CouponRevealed => "coupon_revealed",
            EventKind::CouponExhausted => "coupon_exhausted",
            EventKind::SendFailed => "send_failed",
            EventKind::OptedOut => "opted_out",
            EventKind::OptedIn => "opted_in",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub contact_id: i64,
    pub inbound_id: Option<i64>,
    pub kind: EventKind,
    pub flow: Option<String>,
    pub step: Option<String>,
    pub button: Option<String>,
    pub detail: Option<serde_json::Value>,
}

/// Appends events, now, in one statement per chunk.
pub(crate) async fn record(conn: &mut AnyConnection, events: &[NewEvent]) -> Result<()> {
    let now = now_ms();
    let timed: Vec<(&NewEvent, i64)> = events.iter().map(|e| (e, now)).collect();
    record_at(conn, &timed).await
}

/// Whether the contact has entered `step` of `flow` (so was shown its buttons), as recorded.
pub(crate) async fn reached_step(conn: &mut AnyConnection, contact_id: i64, flow: &str, step: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 FROM events WHERE contact_id = $1 AND kind = 'step_entered' AND flow = $2 AND step = $3 LIMIT 1",
    )
    .bind(contact_id)
    .bind(flow)
    .bind(step)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// Appends events with their times, in one statement per chunk.
async fn record_at(conn: &mut AnyConnection, events: &[(&NewEvent, i64)]) -> Result<()> {
    for chunk in statement_chunks(events) {
        let query_text = format!(
            "INSERT INTO events (contact_id, inbound_id, kind, flow, step, button, detail, at) VALUES {}",
            values_list(chunk.len(), 8)
        );
        let mut query = sqlx::query(sql(query_text));
        for (event, at) in chunk {
            query = query
                .bind(event.contact_id)
                .bind(event.inbound_id)
                .bind(event.kind.as_str())
                .bind(event.flow.as_deref())
                .bind(event.step.as_deref())
                .bind(event.button.as_deref())
                .bind(event.detail.as_ref().map(|d| d.to_string()))
                .bind(*at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A coupon a contact asked for: revealed (with its code) or not, the pool being empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CouponEvent {
    pub flow: String,
    pub step: String,
    /// The flow's coupon, as its file names it.
    pub coupon: Option<String>,
    /// The code handed out; `None` when none was left.
    pub code: Option<String>,
    pub revealed: bool,
    pub at: i64,
}

impl Store {
    /// The coupons a contact was shown or refused, oldest first.
    pub async fn coupon_events(&self, contact_id: i64) -> Result<Vec<CouponEvent>> {
        let rows = sqlx::query(
            "SELECT kind, flow, step, detail, at FROM events \
             WHERE contact_id = $1 AND kind IN ('coupon_revealed', 'coupon_exhausted') ORDER BY id",
        )
        .bind(contact_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let detail: Option<String> = row.try_get("detail")?;
                let detail: serde_json::Value = detail.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default();
                let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).map(str::to_owned);
                let kind: String = row.try_get("kind")?;
                Ok(CouponEvent {
                    flow: row.try_get::<Option<String>, _>("flow")?.unwrap_or_default(),
                    step: row.try_get::<Option<String>, _>("step")?.unwrap_or_default(),
                    coupon: text("coupon"),
                    code: text("code"),
                    revealed: kind == "coupon_revealed",
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

    /// Loads generated events (with their times) in one transaction, as the processor would
    /// have recorded them: for benchmarks and demo data.
    pub async fn load_events(&self, events: &[(NewEvent, i64)]) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        super::hold_rollup(&mut tx, self.backend).await?;
        let timed: Vec<(&NewEvent, i64)> = events.iter().map(|(e, at)| (e, *at)).collect();
        record_at(&mut tx, &timed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many events of a kind a flow has (all contacts), for reports and tests.
    pub async fn count_events(&self, flow: &str, kind: EventKind) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM events WHERE flow = $1 AND kind = $2")
            .bind(flow)
            .bind(kind.as_str())
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// The coupon codes revealed to a contact, oldest first, each once (the web chat marks them
    /// up where its replies show them).
    pub async fn revealed_codes(&self, contact_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT detail FROM events WHERE contact_id = $1 AND kind = $2 ORDER BY id")
            .bind(contact_id)
            .bind(EventKind::CouponRevealed.as_str())
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let mut codes: Vec<String> = Vec::new();
        for row in rows {
            let detail: Option<String> = row.try_get(0)?;
            let code = detail
                .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                .and_then(|d| d["code"].as_str().map(str::to_owned));
            if let Some(code) = code.filter(|c| !c.is_empty() && !codes.contains(c)) {
                codes.push(code);
            }
        }
        Ok(codes)
    }

    /// Every event of a contact, oldest first, as (kind, step, button, detail).
    pub async fn contact_events(
        &self,
        contact_id: i64,
    ) -> Result<Vec<(String, Option<String>, Option<String>, Option<String>)>> {
        let rows = sqlx::query("SELECT kind, step, button, detail FROM events WHERE contact_id = $1 ORDER BY id")
            .bind(contact_id)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))).collect()
    }
}
