//! The Stripe mirror's daily rollups (see `statbot_core::sales::rollup` for what they sum): built
//! from the whole mirror when missing or when the business time zone changes, then kept up to
//! date by each synced page in the page's own transaction ([`page_delta`], [`apply`]). Volume,
//! new customers and words are read here with one range query each; paying customers in
//! `sales_payers`, top customers in `sales_top_customers`.

use super::sales_payers as payers;
use super::stripe::{charge_from_row, charge_select_list, refund_from_row};
use super::{Result, Store, id_chunks, now_ms, params, sql, statement_chunks, values_list};
use crate::store::{StripeCharge, StripeCustomer, StripeRefund};
use futures::TryStreamExt;
use jiff::tz::TimeZone;
use sqlx::{AnyConnection, Row};
use statbot_core::sales::rollup::{Attribution, DayNumber, Days, Rollup, Spend, Volume, WordTake};
use statbot_core::sales::spans::Span;
use std::collections::{HashMap, HashSet};

/// Bumped when what the rollups sum changes: a stored build of another version is rebuilt.
pub const ROLLUP_VERSION: i64 = 2;

/// The rollups' state: built for which time zone, and when the mirror last finished a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupMeta {
    pub time_zone: String,
    pub version: i64,
    /// Unix milliseconds.
    pub built_at: i64,
    /// When a sync last completed (unix milliseconds), if one has since the build.
    pub synced_at: Option<i64>,
}

/// A customer's spend over a range, with what the mirror knows of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSpend {
    pub customer: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub spend: Spend,
}

/// A word's revenue over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordRow {
    pub word: String,
    pub take: WordTake,
}

const TABLES: &[&str] = &[
    "stripe_daily_volume",
    "stripe_daily_new_customers",
    "stripe_customer_days",
    "stripe_customer_spans",
    "stripe_daily_payers",
    "stripe_payer_weeks",
    "stripe_word_days",
];

/// A bound value of a rollup row.
pub(super) enum Cell {
    Int(i64),
    Text(String),
}

/// Adds `rows` (keys then values) to `table`: new keys are inserted, existing ones incremented.
pub(super) async fn increment(
    conn: &mut AnyConnection,
    table: &str,
    keys: &[&str],
    values: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<()> {
    let columns: Vec<&str> = keys.iter().chain(values).copied().collect();
    let sums = values.iter().map(|v| format!("{v} = {table}.{v} + excluded.{v}")).collect::<Vec<_>>().join(", ");
    for chunk in statement_chunks(&rows) {
        let text = format!(
            "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {sums}",
            columns.join(", "),
            values_list(chunk.len(), columns.len()),
            keys.join(", ")
        );
        let mut query = sqlx::query(sql(text));
        for row in chunk {
            for cell in row {
                query = match cell {
                    Cell::Int(n) => query.bind(*n),
                    Cell::Text(s) => query.bind(s.clone()),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds a delta to the stored sums, and brings the previous payment days of the customers
/// whose payments it changes, and the paying customer tallies, up to date.
pub(super) async fn apply(conn: &mut AnyConnection, rollup: Rollup) -> Result<()> {
    let upkeep = payers::Upkeep::begin(conn, &rollup).await?;
    add_sums(conn, rollup).await?;
    upkeep.finish(conn).await
}

const SPEND_VALUES: [&str; 3] = ["gross", "refunded", "payments"];

/// Adds a rollup's sums to the stored ones, the customers' spend per day and per calendar span
/// (previous payment days and the paying customer tallies left as they are).
async fn add_sums(conn: &mut AnyConnection, rollup: Rollup) -> Result<()> {
    use Cell::{Int, Text};
    let volume = rollup
        .volume
        .into_iter()
        .map(|((day, currency), v)| {
            vec![
                Int(day),
                Text(currency),
                Int(v.gross),
                Int(v.payments),
                Int(v.failed),
                Int(v.refunded),
                Int(v.refunds),
            ]
        })
        .collect();
    let volume_values = ["gross", "payments", "failed", "refunded", "refunds"];
    increment(conn, "stripe_daily_volume", &["day", "currency"], &volume_values, volume).await?;
    let customers = rollup.new_customers.into_iter().map(|(day, n)| vec![Int(day), Int(n)]).collect();
    increment(conn, "stripe_daily_new_customers", &["day"], &["customers"], customers).await?;
    let mut spans: HashMap<(String, Span, String), Spend> = HashMap::new();
    for ((day, customer, currency), s) in &rollup.spend {
        for span in [Span::month_of(*day), Span::year_of(*day)] {
            spans.entry((currency.clone(), span, customer.clone())).or_default().add(s);
        }
    }
    let spend = rollup
        .spend
        .into_iter()
        .map(|((day, customer, currency), s)| {
            vec![Int(day), Text(customer), Text(currency), Int(s.gross), Int(s.refunded), Int(s.payments)]
        })
        .collect();
    let spend_keys = ["day", "customer", "currency"];
    increment(conn, "stripe_customer_days", &spend_keys, &SPEND_VALUES, spend).await?;
    let spans = spans
        .into_iter()
        .filter(|(_, s)| !s.is_zero())
        .map(|((currency, span, customer), s)| {
            vec![
                Text(currency),
                Int(span.months),
                Int(span.start),
                Text(customer),
                Int(s.gross),
                Int(s.refunded),
                Int(s.payments),
            ]
        })
        .collect();
    let span_keys = ["currency", "months", "start", "customer"];
    increment(conn, "stripe_customer_spans", &span_keys, &SPEND_VALUES, spans).await?;
    let words = rollup
        .words
        .into_iter()
        .map(|((day, word, currency), w)| vec![Int(day), Text(word), Text(currency), Int(w.revenue), Int(w.charges)])
        .collect();
    increment(conn, "stripe_word_days", &["day", "word", "currency"], &["revenue", "charges"], words).await
}

async fn meta(conn: &mut AnyConnection) -> Result<Option<RollupMeta>> {
    let row = sqlx::query("SELECT time_zone, version, built_at, synced_at FROM stripe_rollup_meta WHERE id = 1")
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(RollupMeta {
            time_zone: row.try_get("time_zone")?,
            version: row.try_get("version")?,
            built_at: row.try_get("built_at")?,
            synced_at: row.try_get("synced_at")?,
        })
    })
    .transpose()
}

/// The days of the built rollups, or `None` when they are not built (or built by another
/// version: the next [`Store::ensure_sales_rollups`] rebuilds them).
async fn built_days(conn: &mut AnyConnection) -> Result<Option<Days>> {
    let Some(meta) = meta(conn).await? else { return Ok(None) };
    if meta.version != ROLLUP_VERSION {
        return Ok(None);
    }
    Ok(TimeZone::get(&meta.time_zone).ok().map(Days::new))
}

/// The zone's IANA name, as the meta row records it.
fn zone_name(zone: &TimeZone) -> &str {
    zone.iana_name().unwrap_or("UTC")
}

/// Text of `(id, id, …)` chunks of a query taking one `IN` list.
async fn rows_in<T>(
    conn: &mut AnyConnection,
    ids: &[String],
    query: impl Fn(&str) -> String,
    read: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for chunk in id_chunks(ids) {
        let text = query(&params(1, chunk.len()));
        let mut q = sqlx::query(sql(text));
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.push(read(&row)?);
        }
    }
    Ok(out)
}

/// What writing these objects changes in the rollups (read before they are written), or
/// `None` when the rollups are not built.
pub(super) async fn page_delta(
    conn: &mut AnyConnection,
    customers: &[StripeCustomer],
    charges: &[StripeCharge],
    refunds: &[StripeRefund],
) -> Result<Option<Rollup>> {
    let Some(days) = built_days(conn).await? else { return Ok(None) };
    let mut delta = Rollup::default();

    let customer_ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let known: HashSet<String> = rows_in(
        conn,
        &customer_ids,
        |list| format!("SELECT id FROM stripe_customers WHERE id IN ({list})"),
        |row| Ok(row.try_get::<String, _>("id")?),
    )
    .await?
    .into_iter()
    .collect();
    for customer in customers.iter().filter(|c| !known.contains(&c.id)) {
        delta.add_customer(&days, customer, 1);
    }

    let charge_ids: Vec<String> = charges.iter().map(|c| c.id.clone()).collect();
    let old_charges: HashMap<String, StripeCharge> = rows_in(
        conn,
        &charge_ids,
        |list| format!("SELECT {} FROM stripe_charges WHERE id IN ({list})", charge_select_list()),
        charge_from_row,
    )
    .await?
    .into_iter()
    .map(|c| (c.id.clone(), c))
    .collect();
    for charge in charges {
        if let Some(old) = old_charges.get(&charge.id) {
            delta.add_charge(&days, old, -1);
        }
        delta.add_charge(&days, charge, 1);
    }

    // How refunds are attributed, before and after this page: by their charge as stored, and as
    // the page brings it.
    let mut before: HashMap<String, Attribution> =
        old_charges.values().map(|c| (c.id.clone(), Attribution::of(c))).collect();
    let after: HashMap<String, Attribution> = charges.iter().map(|c| (c.id.clone(), Attribution::of(c))).collect();
    let unseen: Vec<String> = refunds
        .iter()
        .filter_map(|r| r.charge.clone())
        .filter(|id| !before.contains_key(id) && !after.contains_key(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let stored = rows_in(
        conn,
        &unseen,
        |list| format!("SELECT id, customer, description FROM stripe_charges WHERE id IN ({list})"),
        |row| {
            let id: String = row.try_get("id")?;
            Ok((id, Attribution { customer: row.try_get("customer")?, description: row.try_get("description")? }))
        },
    )
    .await?;
    before.extend(stored);
    let attribution = |map: &HashMap<String, Attribution>, refund: &StripeRefund| {
        refund.charge.as_ref().and_then(|id| map.get(id).cloned()).unwrap_or_default()
    };

    let refund_ids: Vec<String> = refunds.iter().map(|r| r.id.clone()).collect();
    let old_refunds = rows_in(
        conn,
        &refund_ids,
        |list| format!("SELECT id, charge, amount, currency, status, created FROM stripe_refunds WHERE id IN ({list})"),
        refund_from_row,
    )
    .await?;
    for old in &old_refunds {
        delta.add_refund(&days, old, &attribution(&before, old), -1);
    }
    for refund in refunds {
        let to = refund.charge.as_ref().and_then(|id| after.get(id).or(before.get(id))).cloned().unwrap_or_default();
        delta.add_refund(&days, refund, &to, 1);
    }

    // Refunds already stored against a charge whose customer or description changed move with it.
    let moved: Vec<String> = charges
        .iter()
        .filter(|c| old_charges.get(&c.id).is_some_and(|old| Attribution::of(old) != Attribution::of(c)))
        .map(|c| c.id.clone())
        .collect();
    let in_page: HashSet<&str> = refunds.iter().map(|r| r.id.as_str()).collect();
    let stored_refunds = rows_in(
        conn,
        &moved,
        |list| {
            format!("SELECT id, charge, amount, currency, status, created FROM stripe_refunds WHERE charge IN ({list})")
        },
        refund_from_row,
    )
    .await?;
    for refund in stored_refunds.iter().filter(|r| !in_page.contains(r.id.as_str())) {
        delta.add_refund(&days, refund, &attribution(&before, refund), -1);
        delta.add_refund(&days, refund, &attribution(&after, refund), 1);
    }
    Ok(Some(delta.without_zeros()))
}

impl Store {
    /// The rollups' state, `None` when never built.
    pub async fn sales_rollup_meta(&self) -> Result<Option<RollupMeta>> {
        meta(&mut *self.conn().await?).await
    }

    /// Builds the rollups from the whole mirror unless they are built for this time zone and
    /// version already; returns whether it built them.
    pub async fn ensure_sales_rollups(&self, zone: &TimeZone) -> Result<bool> {
        let time_zone = zone_name(zone);
        let mut conn = self.conn().await?;
        if let Some(meta) = meta(&mut conn).await?
            && meta.time_zone == time_zone
            && meta.version == ROLLUP_VERSION
        {
            return Ok(false);
        }
        drop(conn);
        self.rebuild_sales_rollups(zone).await?;
        Ok(true)
    }

    /// Recomputes every rollup from the mirror, in one transaction. Charges are streamed and
    /// their sums added in batches (adding is what `apply` does), so memory stays bounded
    /// whatever the mirror's size.
    pub async fn rebuild_sales_rollups(&self, zone: &TimeZone) -> Result<()> {
        const BATCH: usize = 50_000;
        let days = Days::new(zone.clone());
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        for table in TABLES {
            sqlx::query(sql(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
        }
        let mut rollup = Rollup::default();
        let refunds = sqlx::query(
            "SELECT r.id, r.charge, r.amount, r.currency, r.status, r.created, c.customer, c.description \
             FROM stripe_refunds r LEFT JOIN stripe_charges c ON c.id = r.charge",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in &refunds {
            let to = Attribution { customer: row.try_get("customer")?, description: row.try_get("description")? };
            rollup.add_refund(&days, &refund_from_row(row)?, &to, 1);
        }
        for row in sqlx::query("SELECT created FROM stripe_customers").fetch_all(&mut *tx).await? {
            *rollup.new_customers.entry(days.of(row.try_get("created")?)).or_default() += 1;
        }
        let text =
            format!("SELECT {} FROM stripe_charges WHERE id > $1 ORDER BY id LIMIT {BATCH}", charge_select_list());
        let mut after = String::new();
        loop {
            // Batches by id: the stream borrows the transaction, which each batch's sums are added to.
            let mut rows = sqlx::query(sql(text.clone())).bind(after.clone()).fetch(&mut *tx);
            let mut read = 0;
            while let Some(row) = rows.try_next().await? {
                let charge = charge_from_row(&row)?;
                rollup.add_charge(&days, &charge, 1);
                after = charge.id;
                read += 1;
            }
            drop(rows);
            add_sums(&mut tx, std::mem::take(&mut rollup).without_zeros()).await?;
            if read < BATCH {
                break;
            }
        }
        payers::rebuild(&mut tx).await?;
        sqlx::query(
            "INSERT INTO stripe_rollup_meta (id, time_zone, version, built_at, synced_at) VALUES (1, $1, $2, $3, NULL) \
             ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone, version = excluded.version, \
             built_at = excluded.built_at",
        )
        .bind(zone_name(zone))
        .bind(ROLLUP_VERSION)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // The planner's statistics and the visibility map (index-only scans) for tables just
        // rewritten whole: autovacuum would be late.
        if self.backend == super::Backend::Postgres {
            sqlx::query(sql(format!("VACUUM ANALYZE {}", TABLES.join(", ")))).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Records that a sync just completed (the mirror's age is measured from it).
    pub async fn mark_stripe_synced(&self) -> Result<()> {
        sqlx::query("UPDATE stripe_rollup_meta SET synced_at = $1 WHERE id = 1")
            .bind(now_ms())
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Each day's volume per currency, from `from` to `to` inclusive.
    pub async fn sales_volume_days(&self, from: DayNumber, to: DayNumber) -> Result<Vec<(DayNumber, String, Volume)>> {
        let rows = sqlx::query(
            "SELECT day, currency, gross, payments, failed, refunded, refunds FROM stripe_daily_volume \
             WHERE day >= $1 AND day <= $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let volume = Volume {
                    gross: row.try_get("gross")?,
                    payments: row.try_get("payments")?,
                    failed: row.try_get("failed")?,
                    refunded: row.try_get("refunded")?,
                    refunds: row.try_get("refunds")?,
                };
                Ok((row.try_get("day")?, row.try_get("currency")?, volume))
            })
            .collect()
    }

    /// Customers created each day, from `from` to `to` inclusive.
    pub async fn sales_new_customer_days(&self, from: DayNumber, to: DayNumber) -> Result<Vec<(DayNumber, i64)>> {
        let rows = sqlx::query("SELECT day, customers FROM stripe_daily_new_customers WHERE day >= $1 AND day <= $2")
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(|row| Ok((row.try_get("day")?, row.try_get("customers")?))).collect()
    }

    /// The words with the most revenue in `currency` over the days, best first.
    pub async fn sales_top_words(
        &self,
        from: DayNumber,
        to: DayNumber,
        currency: &str,
        limit: usize,
    ) -> Result<Vec<WordRow>> {
        let rows = sqlx::query(
            "SELECT word, CAST(SUM(revenue) AS BIGINT) AS revenue, CAST(SUM(charges) AS BIGINT) AS charges \
             FROM stripe_word_days \
             WHERE day >= $1 AND day <= $2 AND currency = $3 GROUP BY word \
             ORDER BY SUM(revenue) DESC, word LIMIT $4",
        )
        .bind(from)
        .bind(to)
        .bind(currency)
        .bind(limit as i64)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(WordRow {
                    word: row.try_get("word")?,
                    take: WordTake { revenue: row.try_get("revenue")?, charges: row.try_get("charges")? },
                })
            })
            .collect()
    }
}
