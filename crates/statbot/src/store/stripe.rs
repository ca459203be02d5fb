//! The Stripe mirror's tables: charges, refunds, customers and products as last read from
//! Stripe, and each list's sync progress. A page of objects and the progress it makes are
//! written in one transaction ([`Store::write_stripe_page`]), so the mirror never holds half a
//! page and a killed sync resumes from what was committed. Upserts make every write idempotent.

use super::{Backend, Conn, Result, Store, now_ms, sql, statement_chunks, values_list};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use statbot_core::sales::{StripeCharge, StripeCustomer, StripeProduct, StripeRefund};
use std::collections::HashMap;

/// Where one list's sync stands (see `crate::stripe::sync` for how it is used).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StripeSyncState {
    /// The list: `customers`, `products`, `charges`, `refunds`.
    pub object: String,
    /// `newest_first` or `oldest_first` once seen; `None` until objects of different times were.
    pub list_order: Option<String>,
    /// The list's first object (and its time) when last walked to completion.
    pub head_id: Option<String>,
    pub head_created: Option<i64>,
    /// The list's last object when last walked to its end.
    pub tail_id: Option<String>,
    /// A walk from the head in progress: its first object, and the last object written.
    pub run_head: Option<String>,
    pub run_head_created: Option<i64>,
    pub run_after: Option<String>,
    /// The walk in progress re-reads the whole list (`--full`).
    pub run_full: bool,
}

/// One page's rows and the progress they make, written together.
#[derive(Debug, Clone, Default)]
pub struct StripePage {
    pub customers: Vec<StripeCustomer>,
    pub products: Vec<StripeProduct>,
    pub charges: Vec<StripeCharge>,
    pub refunds: Vec<StripeRefund>,
    pub state: StripeSyncState,
}

/// Writes a page's objects, with what they change in the daily rollups when those are built.
async fn write_objects(conn: &mut AnyConnection, page: &StripePage, now: i64) -> Result<()> {
    let customers = last_by_id(&page.customers, |c| &c.id);
    let charges = last_by_id(&page.charges, |c| &c.id);
    let refunds = last_by_id(&page.refunds, |r| &r.id);
    let delta = super::sales_rollups::page_delta(conn, &customers, &charges, &refunds).await?;
    upsert_customers(conn, &customers, now).await?;
    upsert_products(conn, &last_by_id(&page.products, |p| &p.id), now).await?;
    upsert_charges(conn, &charges, now).await?;
    upsert_refunds(conn, &refunds, now).await?;
    if let Some(delta) = delta {
        super::sales_rollups::apply(conn, delta).await?;
    }
    Ok(())
}

/// Writes one charge into the mirror (and the rollups) inside the caller's transaction: the
/// shop records the charges it makes at once, so they count in the store metrics before the
/// next sync.
pub(super) async fn mirror_charge(conn: &mut AnyConnection, charge: &StripeCharge, now: i64) -> Result<()> {
    write_objects(conn, &StripePage { charges: vec![charge.clone()], ..StripePage::default() }, now).await
}

/// Writes one customer into the mirror (and the rollups) inside the caller's transaction: the
/// shop records the customers it makes at once, so their names are there with their first
/// charge.
pub(super) async fn mirror_customer(conn: &mut AnyConnection, customer: &StripeCustomer, now: i64) -> Result<()> {
    write_objects(conn, &StripePage { customers: vec![customer.clone()], ..StripePage::default() }, now).await
}

/// Arbitrary constant naming the lock that lets one instance at a time sync Stripe.
const PG_STRIPE_LOCK: i64 = 0x5354_5249_5045_5359;

/// The right to run a sync, held until [`StripeLock::release`] (PostgreSQL: a session advisory
/// lock on a connection kept out of the pool meanwhile; SQLite: one process, nothing to hold).
pub struct StripeLock {
    conn: Option<Conn>,
}

impl StripeLock {
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take()
            && let Err(e) = sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_STRIPE_LOCK).execute(&mut *conn).await
        {
            // The lock goes with the connection anyway; close it rather than pool it locked.
            tracing::warn!(error = %e, "could not release the Stripe sync lock; closing its connection");
            if let Conn::Pooled(mut conn) = conn {
                conn.close_on_drop();
            }
        }
    }
}

impl Drop for StripeLock {
    /// A sync dropped half way (shutdown) never pools a connection that still holds the lock.
    fn drop(&mut self) {
        if let Some(Conn::Pooled(conn)) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// Keeps the last of each id: PostgreSQL refuses to update one row twice in one statement.
fn last_by_id<T: Clone>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<T> {
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        at.insert(id(row), i);
    }
    let mut keep: Vec<usize> = at.into_values().collect();
    keep.sort_unstable();
    keep.into_iter().map(|i| rows[i].clone()).collect()
}

/// `col = excluded.col` for every column but the key.
fn updates(columns: &[&str]) -> String {
    columns.iter().skip(1).map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(", ")
}

async fn upsert_customers(conn: &mut AnyConnection, rows: &[StripeCustomer], now: i64) -> Result<()> {
    const COLUMNS: &[&str] = &["id", "email", "name", "created", "synced_at"];
    for chunk in statement_chunks(rows) {
        let text = format!(
            "INSERT INTO stripe_customers ({}) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
            COLUMNS.join(", "),
            values_list(chunk.len(), COLUMNS.len()),
            updates(COLUMNS)
        );
        let mut query = sqlx::query(sql(text));
        for c in chunk {
            query = query.bind(c.id.clone()).bind(c.email.clone()).bind(c.name.clone()).bind(c.created).bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_products(conn: &mut AnyConnection, rows: &[StripeProduct], now: i64) -> Result<()> {
    const COLUMNS: &[&str] = &["id", "name", "description", "active", "created", "synced_at"];
    for chunk in statement_chunks(rows) {
        let text = format!(
            "INSERT INTO stripe_products ({}) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
            COLUMNS.join(", "),
            values_list(chunk.len(), COLUMNS.len()),
            updates(COLUMNS)
        );
        let mut query = sqlx::query(sql(text));
        for p in chunk {
            query = query
                .bind(p.id.clone())
                .bind(p.name.clone())
                .bind(p.description.clone())
                .bind(p.active)
                .bind(p.created)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

const CHARGE_COLUMNS: &[&str] = &[
    "id",
    "amount",
    "amount_refunded",
    "currency",
    "status",
    "paid",
    "refunded",
    "disputed",
    "customer",
    "description",
    "metadata",
    "created",
    "payment_intent",
    "synced_at",
];

async fn upsert_charges(conn: &mut AnyConnection, rows: &[StripeCharge], now: i64) -> Result<()> {
    for chunk in statement_chunks(rows) {
        let text = format!(
            "INSERT INTO stripe_charges ({}) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
            CHARGE_COLUMNS.join(", "),
            values_list(chunk.len(), CHARGE_COLUMNS.len()),
            updates(CHARGE_COLUMNS)
        );
        let mut query = sqlx::query(sql(text));
        for c in chunk {
            query = query
                .bind(c.id.clone())
                .bind(c.amount)
                .bind(c.amount_refunded)
                .bind(c.currency.clone())
                .bind(c.status.clone())
                .bind(c.paid)
                .bind(c.refunded)
                .bind(c.disputed)
                .bind(c.customer.clone())
                .bind(c.description.clone())
                .bind(c.metadata.clone())
                .bind(c.created)
                .bind(c.payment_intent.clone())
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_refunds(conn: &mut AnyConnection, rows: &[StripeRefund], now: i64) -> Result<()> {
    const COLUMNS: &[&str] = &["id", "charge", "amount", "currency", "status", "created", "synced_at"];
    for chunk in statement_chunks(rows) {
        let text = format!(
            "INSERT INTO stripe_refunds ({}) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
            COLUMNS.join(", "),
            values_list(chunk.len(), COLUMNS.len()),
            updates(COLUMNS)
        );
        let mut query = sqlx::query(sql(text));
        for r in chunk {
            query = query
                .bind(r.id.clone())
                .bind(r.charge.clone())
                .bind(r.amount)
                .bind(r.currency.clone())
                .bind(r.status.clone())
                .bind(r.created)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn save_state(conn: &mut AnyConnection, s: &StripeSyncState, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO stripe_sync_state (object, list_order, head_id, head_created, tail_id, run_head, \
         run_head_created, run_after, run_full, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (object) DO UPDATE SET list_order = excluded.list_order, head_id = excluded.head_id, \
         head_created = excluded.head_created, tail_id = excluded.tail_id, run_head = excluded.run_head, \
         run_head_created = excluded.run_head_created, run_after = excluded.run_after, \
         run_full = excluded.run_full, updated_at = excluded.updated_at",
    )
    .bind(s.object.clone())
    .bind(s.list_order.clone())
    .bind(s.head_id.clone())
    .bind(s.head_created)
    .bind(s.tail_id.clone())
    .bind(s.run_head.clone())
    .bind(s.run_head_created)
    .bind(s.run_after.clone())
    .bind(s.run_full)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Reads `id, charge, amount, currency, status, created`.
pub(super) fn refund_from_row(row: &AnyRow) -> Result<StripeRefund> {
    Ok(StripeRefund {
        id: row.try_get("id")?,
        charge: row.try_get("charge")?,
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        created: row.try_get("created")?,
    })
}

/// The columns [`charge_from_row`] reads, flags as integers on both backends.
pub(super) fn charge_select_list() -> String {
    CHARGE_COLUMNS
        .iter()
        .filter(|c| **c != "synced_at")
        .map(|c| match *c {
            "paid" | "refunded" | "disputed" => format!("CASE WHEN {c} THEN 1 ELSE 0 END AS {c}"),
            other => other.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn charge_from_row(row: &AnyRow) -> Result<StripeCharge> {
    Ok(StripeCharge {
        id: row.try_get("id")?,
        amount: row.try_get("amount")?,
        amount_refunded: row.try_get("amount_refunded")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        paid: flag(row, "paid")?,
        refunded: flag(row, "refunded")?,
        disputed: flag(row, "disputed")?,
        customer: row.try_get("customer")?,
        description: row.try_get("description")?,
        metadata: row.try_get("metadata")?,
        created: row.try_get("created")?,
        payment_intent: row.try_get("payment_intent")?,
    })
}

impl Store {
    /// A list's sync progress (a fresh one when it was never synced).
    pub async fn stripe_sync_state(&self, object: &str) -> Result<StripeSyncState> {
        let row = sqlx::query(
            "SELECT list_order, head_id, head_created, tail_id, run_head, run_head_created, run_after, \
             CASE WHEN run_full THEN 1 ELSE 0 END AS run_full FROM stripe_sync_state WHERE object = $1",
        )
        .bind(object)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else {
            return Ok(StripeSyncState { object: object.to_owned(), ..StripeSyncState::default() });
        };
        Ok(StripeSyncState {
            object: object.to_owned(),
            list_order: row.try_get("list_order")?,
            head_id: row.try_get("head_id")?,
            head_created: row.try_get("head_created")?,
            tail_id: row.try_get("tail_id")?,
            run_head: row.try_get("run_head")?,
            run_head_created: row.try_get("run_head_created")?,
            run_after: row.try_get("run_after")?,
            run_full: flag(&row, "run_full")?,
        })
    }

    /// Writes a page of objects and its list's progress in one transaction, with what the page
    /// changes in the daily rollups when they are built.
    pub async fn write_stripe_page(&self, page: &StripePage) -> Result<()> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        write_objects(&mut tx, page, now).await?;
        save_state(&mut tx, &page.state, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the sync lock if no other instance holds it (`None` then).
    pub async fn try_stripe_lock(&self) -> Result<Option<StripeLock>> {
        if self.backend != Backend::Postgres {
            return Ok(Some(StripeLock { conn: None }));
        }
        let mut conn = self.conn().await?;
        let row = sqlx::query("SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END")
            .bind(PG_STRIPE_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        let taken: i64 = row.try_get(0)?;
        Ok((taken == 1).then_some(StripeLock { conn: Some(conn) }))
    }

    /// Every mirrored charge, by id.
    pub async fn stripe_charges(&self) -> Result<Vec<StripeCharge>> {
        let text = format!("SELECT {} FROM stripe_charges ORDER BY id", charge_select_list());
        let rows = sqlx::query(sql(text)).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(charge_from_row).collect()
    }

    pub async fn stripe_refunds(&self) -> Result<Vec<StripeRefund>> {
        let rows = sqlx::query("SELECT id, charge, amount, currency, status, created FROM stripe_refunds ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(refund_from_row).collect()
    }

    pub async fn stripe_customers(&self) -> Result<Vec<StripeCustomer>> {
        let rows = sqlx::query("SELECT id, email, name, created FROM stripe_customers ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(StripeCustomer {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    name: row.try_get("name")?,
                    created: row.try_get("created")?,
                })
            })
            .collect()
    }

    pub async fn stripe_products(&self) -> Result<Vec<StripeProduct>> {
        let rows = sqlx::query(
            "SELECT id, name, description, CASE WHEN active THEN 1 ELSE 0 END AS active, created \
             FROM stripe_products ORDER BY id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StripeProduct {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    description: row.try_get("description")?,
                    active: flag(row, "active")?,
                    created: row.try_get("created")?,
                })
            })
            .collect()
    }

    /// How many objects of each list the mirror holds: customers, products, charges, refunds.
    pub async fn stripe_counts(&self) -> Result<[i64; 4]> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM stripe_customers), (SELECT COUNT(*) FROM stripe_products), \
             (SELECT COUNT(*) FROM stripe_charges), (SELECT COUNT(*) FROM stripe_refunds)",
        )
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let mut counts = [0; 4];
        for (i, count) in counts.iter_mut().enumerate() {
            *count = row.try_get::<i64, _>(i)?;
        }
        Ok(counts)
    }
}
