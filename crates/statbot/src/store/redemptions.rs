//! Coupon redemptions: which revealed code a code typed at checkout or found in a Stripe charge
//! is, the rows that hold a code for a shop order until its charge settles, and the
//! redemptions found in mirrored charges. A code is redeemed once and a charge counts once
//! (unique indexes, see migration 0024), however the redemption was seen.

use super::{Result, Settlement, Store, StoreError, now_ms};
use sqlx::{AnyConnection, Row};

/// A code as it was revealed: the pool code of one contact, or a shared code (no contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealedCode {
    pub code: String,
    pub flow: String,
    pub coupon: String,
    pub contact_id: Option<i64>,
    /// The step that revealed it, and when (the first reveal of a shared code).
    pub step: Option<String>,
    pub revealed_at: Option<i64>,
}

/// A redemption to record.
#[derive(Debug, Clone)]
pub struct NewRedemption {
    pub revealed: RevealedCode,
    /// `shop` or `stripe`.
    pub source: &'static str,
    pub order_id: Option<i64>,
    pub charge_id: Option<String>,
    /// Charged, in minor units of `currency`.
    pub amount: i64,
    /// Taken off by the coupon (at the shop; 0 when found in a charge).
    pub discount: i64,
    pub currency: String,
    /// `amount` less what was refunded.
    pub net: i64,
}

/// Characters a code may have: what a person can type back from a message.
pub fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl Store {
    /// The reveal of `code` (exactly as written), if any contact was given it.
    pub async fn revealed_code(&self, code: &str) -> Result<Option<RevealedCode>> {
        if code.is_empty() || !code.chars().all(is_code_char) {
            return Ok(None);
        }
        let mut conn = self.conn().await?;
        revealed_in(&mut conn, code).await
    }

    /// Holds `code` for a shop order until its charge settles. `false` when the code is
    /// already redeemed or held by another order.
    pub async fn hold_redemption(&self, new: &NewRedemption) -> Result<bool> {
        let mut conn = self.conn().await?;
        match insert(&mut conn, new, "held").await {
            Ok(()) => Ok(true),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether `code` is redeemed or held by an order.
    pub async fn code_taken(&self, code: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM redemptions WHERE code = $1 AND status <> 'released'")
            .bind(code)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// The code held or redeemed by a shop order.
    pub async fn order_coupon(&self, order_id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT code FROM redemptions WHERE order_id = $1 AND status <> 'released'")
            .bind(order_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    /// Brings the net revenue of the redemption that counts `charge_id` up to date (refunds);
    /// returns whether one does.
    pub async fn refresh_charge_redemption(&self, charge_id: &str, net: i64) -> Result<bool> {
        let updated = sqlx::query("UPDATE redemptions SET net = $1 WHERE charge_id = $2 AND status = 'redeemed'")
            .bind(net)
            .bind(charge_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// Records a redemption found in a Stripe charge, unless its code already counts (held or
    /// redeemed by a shop order, or found in another charge) or the charge does; returns
    /// whether it was new.
    pub async fn record_charge_redemption(&self, new: &NewRedemption) -> Result<bool> {
        let mut conn = self.conn().await?;
        match insert(&mut conn, new, "redeemed").await {
            Ok(()) => Ok(true),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every code ever revealed, to look for in charges. One row per contact's reveal at most
    /// (a shared code's rows differ only in `fresh`), read once per scan.
    pub async fn all_revealed_codes(&self) -> Result<std::collections::HashSet<String>> {
        let rows = sqlx::query("SELECT DISTINCT detail FROM events WHERE kind = 'coupon_revealed'")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let mut codes = std::collections::HashSet::new();
        for row in rows {
            let detail: Option<String> = row.try_get(0)?;
            let value = detail.and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok());
            if let Some(code) = value.as_ref().and_then(|v| v["code"].as_str()) {
                codes.insert(code.to_owned());
            }
        }
        Ok(codes)
    }

    /// Mirrored succeeded charges written since the scan's cursor, in the order (synced_at,
    /// id), and the cursor after them (`None` when there were none).
    pub async fn charges_to_scan(&self, limit: i64) -> Result<(Vec<ScannedCharge>, Option<(i64, String)>)> {
        let mut conn = self.conn().await?;
        let cursor: (i64, String) =
            match sqlx::query("SELECT synced_at, charge_id FROM redemption_scan WHERE name = 'charges'")
                .fetch_optional(&mut *conn)
                .await?
            {
                Some(row) => (row.try_get(0)?, row.try_get(1)?),
                None => (-1, String::new()),
            };
        let rows = sqlx::query(
            "SELECT id, amount, amount_refunded, currency, description, metadata, synced_at FROM stripe_charges \
             WHERE (synced_at > $1 OR (synced_at = $2 AND id > $3)) AND status = 'succeeded' \
             ORDER BY synced_at, id LIMIT $4",
        )
        .bind(cursor.0)
        .bind(cursor.0)
        .bind(&cursor.1)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        let mut charges = Vec::with_capacity(rows.len());
        let mut last = None;
        for row in rows {
            last = Some((row.try_get::<i64, _>("synced_at")?, row.try_get::<String, _>("id")?));
            charges.push(ScannedCharge {
                id: row.try_get("id")?,
                amount: row.try_get("amount")?,
                amount_refunded: row.try_get("amount_refunded")?,
                currency: row.try_get("currency")?,
                description: row.try_get("description")?,
                metadata: row.try_get("metadata")?,
            });
        }
        Ok((charges, last))
    }

    /// Moves the charge scan's cursor past the charge `(synced_at, id)`. A charge written again
    /// later (a refund) has a later `synced_at`, so it is read again.
    pub async fn move_charge_scan(&self, (synced_at, charge_id): &(i64, String)) -> Result<()> {
        sqlx::query(
            "INSERT INTO redemption_scan (name, synced_at, charge_id) VALUES ('charges', $1, $2) \
             ON CONFLICT (name) DO UPDATE SET synced_at = excluded.synced_at, charge_id = excluded.charge_id",
        )
        .bind(*synced_at)
        .bind(charge_id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }
}

/// Redeemed codes after the reveals (docs/redemptions.md): contacts of the cohort who redeemed
/// one, and the net revenue of the redeeming charges in each currency (never added across).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Redemptions {
    pub redeemed: u64,
    pub revenue: Vec<Revenue>,
}

/// Net revenue in one currency, in its minor units.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Revenue {
    pub currency: String,
    pub amount: i64,
}

impl Redemptions {
    pub(crate) fn from_counts(counts: Option<RedeemedCounts>) -> Redemptions {
        let counts = counts.unwrap_or_default();
        Redemptions {
            redeemed: counts.contacts,
            revenue: counts.revenue.into_iter().map(|(currency, amount)| Revenue { currency, amount }).collect(),
        }
    }

    /// "$38.40 + ¥1,200", or `None` without revenue.
    pub fn revenue_text(&self) -> Option<String> {
        let parts: Vec<String> =
            self.revenue.iter().map(|r| statbot_core::money::format(r.amount, &r.currency)).collect();
        (!parts.is_empty()).then(|| parts.join(" + "))
    }

    /// "2 contacts redeemed a code, revenue $38.40 + ¥1,200", or "no code redeemed".
    pub fn line(&self) -> String {
        let contacts = match self.redeemed {
            0 => return "no code redeemed".into(),
            1 => "1 contact".to_owned(),
            n => format!("{n} contacts"),
        };
        match self.revenue_text() {
            Some(revenue) => format!("{contacts} redeemed a code, revenue {revenue}"),
            None => format!("{contacts} redeemed a code"),
        }
    }
}

/// What a funnel's contacts (or some of them) redeemed: contacts with a redeemed code, and the
/// net revenue of their charges per currency (`(currency, minor units)`, by currency).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedeemedCounts {
    pub contacts: u64,
    pub revenue: Vec<(String, i64)>,
}

/// How [`Store::funnel_redemptions`] groups a flow's cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemedBy<'a> {
    /// One group, keyed `None`.
    Flow,
    /// By the contact's ref as the funnel counts it (`None`: no ref).
    Ref,
    /// By the coupon of the flow whose code was redeemed.
    Coupon,
    /// By the variant of split step `step` (contacts who did not pass it are left out).
    Variant(&'a str),
}

impl Store {
    /// Redemptions of the contacts of `flow`'s cohort over days `from..=to` (as the funnel
    /// counts its cohort), grouped.
    pub async fn funnel_redemptions(
        &self,
        flow: &str,
        from: i32,
        to: i32,
        by: RedeemedBy<'_>,
    ) -> Result<std::collections::BTreeMap<Option<String>, RedeemedCounts>> {
        let (key, join) = match by {
            // (Grouped by the one flow: PostgreSQL refuses a constant in GROUP BY.)
            RedeemedBy::Flow => ("r.flow", ""),
            RedeemedBy::Ref => ("f.ref", ""),
            RedeemedBy::Coupon => ("r.coupon", ""),
            RedeemedBy::Variant(_) => (
                "v.variant",
                "JOIN split_variants v ON v.flow = r.flow AND v.contact_id = r.contact_id AND v.step = $4 ",
            ),
        };
        let from_where = format!(
            "FROM redemptions r JOIN funnel_contacts f ON f.flow = r.flow AND f.contact_id = r.contact_id {join}\
             WHERE r.flow = $1 AND r.status = 'redeemed' AND f.day >= $2 AND f.day <= $3"
        );
        let step = match by {
            RedeemedBy::Variant(step) => Some(step),
            _ => None,
        };
        let mut conn = self.conn().await?;
        let mut out: std::collections::BTreeMap<Option<String>, RedeemedCounts> = Default::default();
        let group = |row: &sqlx::any::AnyRow| -> Result<Option<String>> {
            let key = row.try_get::<Option<String>, _>(0)?.filter(|k| !k.is_empty());
            Ok(if step.is_none() && matches!(by, RedeemedBy::Flow) { None } else { key })
        };
        let mut contacts =
            sqlx::query(super::sql(format!("SELECT {key}, COUNT(DISTINCT r.contact_id) {from_where} GROUP BY {key}")))
                .bind(flow)
                .bind(from)
                .bind(to);
        if let Some(step) = step {
            contacts = contacts.bind(step);
        }
        for row in contacts.fetch_all(&mut *conn).await? {
            out.entry(group(&row)?).or_default().contacts = row.try_get::<i64, _>(1)? as u64;
        }
        let mut revenue = sqlx::query(super::sql(format!(
            "SELECT {key}, r.currency, CAST(SUM(r.net) AS BIGINT) {from_where} GROUP BY {key}, r.currency ORDER BY r.currency"
        )))
        .bind(flow)
        .bind(from)
        .bind(to);
        if let Some(step) = step {
            revenue = revenue.bind(step);
        }
        for row in revenue.fetch_all(&mut *conn).await? {
            out.entry(group(&row)?).or_default().revenue.push((row.try_get(1)?, row.try_get(2)?));
        }
        Ok(out)
    }
}

/// A mirrored charge read by the scan for codes.
#[derive(Debug, Clone)]
pub struct ScannedCharge {
    pub id: String,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    pub description: Option<String>,
    /// The charge's metadata as JSON text.
    pub metadata: String,
}

async fn revealed_in(conn: &mut AnyConnection, code: &str) -> Result<Option<RevealedCode>> {
    let pool =
        sqlx::query("SELECT flow, coupon, contact_id FROM coupon_codes WHERE code = $1 AND contact_id IS NOT NULL")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(row) = pool {
        let (flow, coupon, contact_id): (String, String, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let reveal = sqlx::query(
            "SELECT step, at FROM events WHERE contact_id = $1 AND flow = $2 AND kind = 'coupon_revealed' ORDER BY id LIMIT 1",
        )
        .bind(contact_id)
        .bind(&flow)
        .fetch_optional(&mut *conn)
        .await?;
        let (step, revealed_at) = match reveal {
            Some(row) => (row.try_get(0)?, Some(row.try_get(1)?)),
            None => (None, None),
        };
        return Ok(Some(RevealedCode {
            code: code.to_owned(),
            flow,
            coupon,
            contact_id: Some(contact_id),
            step,
            revealed_at,
        }));
    }
    // A shared code: revealed to many contacts, so to none in particular. The pattern only
    // narrows the rows (`_` matches any character); the detail's code is compared exactly.
    let rows = sqlx::query(
        "SELECT flow, step, detail, at FROM events WHERE kind = 'coupon_revealed' AND detail LIKE $1 ORDER BY id LIMIT 20",
    )
    .bind(format!("%\"code\":\"{code}\"%"))
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let detail: Option<String> = row.try_get(2)?;
        let Some(detail) = detail.and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok()) else { continue };
        if detail["code"].as_str() != Some(code) {
            continue;
        }
        return Ok(Some(RevealedCode {
            code: code.to_owned(),
            flow: row.try_get(0)?,
            coupon: detail["coupon"].as_str().unwrap_or_default().to_owned(),
            contact_id: None,
            step: row.try_get(1)?,
            revealed_at: Some(row.try_get(3)?),
        }));
    }
    Ok(None)
}

/// What the recipients of a broadcast redeemed (the redemptions it is credited with).
pub(super) async fn broadcast_redemptions(conn: &mut AnyConnection, broadcast_id: i64) -> Result<RedeemedCounts> {
    let from_where = "FROM redemptions WHERE broadcast_id = $1 AND status = 'redeemed'";
    let contacts: i64 = sqlx::query(super::sql(format!("SELECT COUNT(DISTINCT contact_id) {from_where}")))
        .bind(broadcast_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut counts = RedeemedCounts { contacts: contacts as u64, revenue: Vec::new() };
    let rows = sqlx::query(super::sql(format!(
        "SELECT currency, CAST(SUM(net) AS BIGINT) {from_where} GROUP BY currency ORDER BY currency"
    )))
    .bind(broadcast_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        counts.revenue.push((row.try_get(0)?, row.try_get(1)?));
    }
    Ok(counts)
}

/// The broadcast a contact's reveal is credited to: the last broadcast of the flow the contact
/// received before it (the same rule as a broadcast's taps and reveals).
async fn crediting_broadcast(
    conn: &mut AnyConnection,
    flow: &str,
    contact_id: i64,
    revealed_at: i64,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT r.broadcast_id FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id \
         WHERE r.contact_id = $1 AND r.status = 'queued' AND b.flow = $2 AND r.done_at <= $3 \
         ORDER BY r.done_at DESC, r.broadcast_id DESC LIMIT 1",
    )
    .bind(contact_id)
    .bind(flow)
    .bind(revealed_at)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

async fn insert(conn: &mut AnyConnection, new: &NewRedemption, status: &str) -> Result<()> {
    let r = &new.revealed;
    // The contact's ref and split variant in the flow, as the funnels count them so far, and
    // the broadcast credited with the reveal.
    let broadcast_id = match r.contact_id {
        Some(contact_id) => {
            crediting_broadcast(conn, &r.flow, contact_id, r.revealed_at.unwrap_or_else(now_ms)).await?
        }
        None => None,
    };
    let (reference, variant) = match r.contact_id {
        Some(contact_id) => {
            let reference: Option<String> =
                sqlx::query("SELECT ref FROM funnel_contacts WHERE flow = $1 AND contact_id = $2")
                    .bind(&r.flow)
                    .bind(contact_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|row| row.try_get(0))
                    .transpose()?
                    .flatten();
            let variant: Option<String> = sqlx::query(
                "SELECT variant FROM split_variants WHERE flow = $1 AND contact_id = $2 ORDER BY at LIMIT 1",
            )
            .bind(&r.flow)
            .bind(contact_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
            (reference, variant)
        }
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO redemptions (code, flow, coupon, contact_id, step, revealed_at, ref, variant, source, status, \
         order_id, charge_id, amount, discount, currency, net, redeemed_at, broadcast_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&r.code)
    .bind(&r.flow)
    .bind(&r.coupon)
    .bind(r.contact_id)
    .bind(r.step.clone())
    .bind(r.revealed_at)
    .bind(reference)
    .bind(variant)
    .bind(new.source)
    .bind(status)
    .bind(new.order_id)
    .bind(new.charge_id.clone())
    .bind(new.amount)
    .bind(new.discount)
    .bind(&new.currency)
    .bind(new.net)
    .bind(now_ms())
    .bind(broadcast_id)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    Ok(())
}

/// Follows a shop order's settlement: its held code is redeemed by a charge that succeeded
/// (net of refunds), and freed by one that failed. In the settlement's transaction.
pub(super) async fn settle_in(conn: &mut AnyConnection, order_id: i64, settlement: &Settlement) -> Result<()> {
    match settlement {
        Settlement::Paid { charge_id } | Settlement::Refunded { charge_id, .. } => {
            let refunded = match settlement {
                Settlement::Refunded { amount_refunded, .. } => *amount_refunded,
                _ => 0,
            };
            // A code freed by a failure and taken since stays with its new holder.
            sqlx::query(
                "UPDATE redemptions SET status = 'redeemed', charge_id = $1, net = amount - $2 \
                 WHERE order_id = $3 AND (status <> 'released' OR NOT EXISTS \
                   (SELECT 1 FROM redemptions o WHERE o.code = redemptions.code AND o.status <> 'released'))",
            )
            .bind(charge_id.clone())
            .bind(refunded)
            .bind(order_id)
            .execute(&mut *conn)
            .await?;
        }
        Settlement::Failed { .. } => {
            sqlx::query("UPDATE redemptions SET status = 'released' WHERE order_id = $1 AND status = 'held'")
                .bind(order_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
