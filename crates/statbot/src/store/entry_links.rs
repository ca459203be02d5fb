//! Entry links and referrals: the named entry points an `m.me/PAGE?ref=NAME` link opens (each
//! leading to a flow, at its entry step or another), and every referral a contact arrived by.
//! What a link means to a conversation is the engine's business; this is only the SQL.

use super::{Result, Store, StoreError, now_ms, sql, statement_chunks, values_list};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};
use std::collections::HashMap;

/// A named entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryLink {
    pub name: String,
    pub flow: String,
    /// `None`: the flow's entry step.
    pub step: Option<String>,
    pub created_at: i64,
}

fn link_from_row(row: &AnyRow) -> Result<EntryLink> {
    Ok(EntryLink {
        name: row.try_get("name")?,
        flow: row.try_get("flow")?,
        step: row.try_get("step")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A referral to record: where a contact came from and, when its ref named a link, where it led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub contact_id: i64,
    pub inbound_id: Option<i64>,
    pub reference: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub ad_id: Option<String>,
    pub flow: Option<String>,
    pub step: Option<String>,
    /// When it happened, as the platform says (ms).
    pub at: i64,
}

/// The link named `name`, read on the caller's connection (the engine's transaction).
pub(crate) async fn link_named(conn: &mut AnyConnection, name: &str) -> Result<Option<EntryLink>> {
    let row = sqlx::query("SELECT name, flow, step, created_at FROM links WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(link_from_row).transpose()
}

/// Whether some link leads to this flow and step (`None`: its entry step).
pub(crate) async fn link_leads_to(conn: &mut AnyConnection, flow: &str, step: Option<&str>) -> Result<bool> {
    let row = match step {
        Some(step) => sqlx::query("SELECT 1 FROM links WHERE flow = $1 AND step = $2 LIMIT 1").bind(flow).bind(step),
        None => sqlx::query("SELECT 1 FROM links WHERE flow = $1 AND step IS NULL LIMIT 1").bind(flow),
    }
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// Records referrals, many in one statement.
pub(crate) async fn record_referrals(conn: &mut AnyConnection, referrals: &[NewReferral]) -> Result<()> {
    for chunk in statement_chunks(referrals) {
        let query_text = format!(
            "INSERT INTO referrals (contact_id, inbound_id, ref, source, kind, ad_id, flow, step, at) VALUES {}",
            values_list(chunk.len(), 9)
        );
        let mut query = sqlx::query(sql(query_text));
        for r in chunk {
            query = query
                .bind(r.contact_id)
                .bind(r.inbound_id)
                .bind(r.reference.as_deref())
                .bind(r.source.as_deref())
                .bind(r.kind.as_deref())
                .bind(r.ad_id.as_deref())
                .bind(r.flow.as_deref())
                .bind(r.step.as_deref())
                .bind(r.at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Adds a link; a name already taken is [`StoreError::Conflict`].
    pub async fn add_link(&self, name: &str, flow: &str, step: Option<&str>) -> Result<EntryLink> {
        let created_at = now_ms();
        let inserted = sqlx::query(
            "INSERT INTO links (name, flow, step, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(flow)
        .bind(step)
        .bind(created_at)
        .execute(&mut *self.conn().await?)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("a link named `{name}`")));
        }
        Ok(EntryLink { name: name.to_owned(), flow: flow.to_owned(), step: step.map(str::to_owned), created_at })
    }

    pub async fn link(&self, name: &str) -> Result<Option<EntryLink>> {
        link_named(&mut *self.conn().await?, name).await
    }

    /// Every link, by name.
    pub async fn links(&self) -> Result<Vec<EntryLink>> {
        let rows = sqlx::query("SELECT name, flow, step, created_at FROM links ORDER BY name")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// Removes a link; whether there was one. The referrals it brought stay.
    pub async fn remove_link(&self, name: &str) -> Result<bool> {
        let removed =
            sqlx::query("DELETE FROM links WHERE name = $1").bind(name).execute(&mut *self.conn().await?).await?;
        Ok(removed.rows_affected() > 0)
    }

    /// Per link: its entries (distinct contacts with a referral of its ref) and its conversions
    /// (contacts of its flow's funnel counted under its ref, as the rollup attributed them, who
    /// revealed a coupon there). Read the rollups after catching them up.
    pub async fn link_counts(&self) -> Result<HashMap<String, (u64, u64)>> {
        let mut conn = self.conn().await?;
        let mut out: HashMap<String, (u64, u64)> = HashMap::new();
        let entries = "SELECT l.name, COUNT(DISTINCT r.contact_id) FROM links l \
                       JOIN referrals r ON r.ref = l.name GROUP BY l.name";
        for row in sqlx::query(entries).fetch_all(&mut *conn).await? {
            out.entry(row.try_get(0)?).or_default().0 = row.try_get::<i64, _>(1)? as u64;
        }
        let conversions = "SELECT l.name, COUNT(*) FROM links l \
                           JOIN funnel_contacts c ON c.flow = l.flow AND c.ref = l.name \
                           WHERE EXISTS (SELECT 1 FROM funnel_marks m WHERE m.flow = c.flow \
                           AND m.contact_id = c.contact_id AND m.metric LIKE 'reveal:%') GROUP BY l.name";
        for row in sqlx::query(conversions).fetch_all(&mut *conn).await? {
            out.entry(row.try_get(0)?).or_default().1 = row.try_get::<i64, _>(1)? as u64;
        }
        Ok(out)
    }

    /// A contact's first and latest referral refs (`None` when that referral had no ref).
    pub async fn contact_referrals(&self, contact_id: i64) -> Result<(Option<String>, Option<String>)> {
        let row = sqlx::query(
            "SELECT (SELECT ref FROM referrals WHERE contact_id = $1 ORDER BY id LIMIT 1), \
                    (SELECT ref FROM referrals WHERE contact_id = $1 ORDER BY id DESC LIMIT 1)",
        )
        .bind(contact_id)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
