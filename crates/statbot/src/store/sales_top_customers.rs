//! The SQL behind the top customers of a range (the search itself is `crate::sales::top_customers`):
//! customers' spend summed over a range's parts (customer days at the edges, calendar month and
//! year spans in between), the customers with the most gross in each span, and customers' names.

use super::sales_rollups::CustomerSpend;
use super::{Result, Store, id_chunks, params, sql};
use sqlx::Row;
use statbot_core::sales::rollup::Spend;
use statbot_core::sales::spans::{Span, SpanSplit};
use std::collections::HashMap;

/// A customer's spend, unnamed yet.
pub type CustomerTotal = (String, Spend);

/// One of the customers with the most gross in a span: the span's place in the list asked
/// for, the customer and their gross in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanLeader {
    pub span: usize,
    pub customer: String,
    pub gross: i64,
}

fn spend_of(row: &sqlx::any::AnyRow) -> Result<CustomerTotal> {
    let spend =
        Spend { gross: row.try_get("gross")?, refunded: row.try_get("refunded")?, payments: row.try_get("payments")? };
    Ok((row.try_get("customer")?, spend))
}

/// SQL selecting `customer, gross, refunded, payments` rows of the range's parts in currency
/// `$1`, for the customers `$2…` when `customers` is given.
fn parts(split: &SpanSplit, customers: Option<usize>) -> String {
    let only = customers.map(|n| format!(" AND customer IN ({})", params(2, n))).unwrap_or_default();
    let mut selects: Vec<String> = split
        .days
        .iter()
        .map(|(from, to)| {
            format!(
                "SELECT customer, gross, refunded, payments FROM stripe_customer_days \
                 WHERE currency = $1 AND day >= {from} AND day <= {to}{only}"
            )
        })
        .collect();
    for months in [1, 12] {
        let starts: Vec<String> =
            split.spans.iter().filter(|s| s.months == months).map(|s| s.start.to_string()).collect();
        if !starts.is_empty() {
            selects.push(format!(
                "SELECT customer, gross, refunded, payments FROM stripe_customer_spans \
                 WHERE currency = $1 AND months = {months} AND start IN ({}){only}",
                starts.join(", ")
            ));
        }
    }
    selects.join(" UNION ALL ")
}

const SUMS: &str = "SELECT customer, CAST(SUM(gross) AS BIGINT) AS gross, CAST(SUM(refunded) AS BIGINT) AS refunded, \
     CAST(SUM(payments) AS BIGINT) AS payments";

/// Leaves out customers whose sums cancel out (a charge moved to another customer leaves zeros).
const ANY_SPEND: &str = "HAVING SUM(gross) <> 0 OR SUM(refunded) <> 0 OR SUM(payments) <> 0";

impl Store {
    /// Every customer's spend in `currency` over the range's parts, the `limit` with the most
    /// net (then by customer id).
    pub async fn sales_top_spenders(
        &self,
        split: &SpanSplit,
        currency: &str,
        limit: usize,
    ) -> Result<Vec<CustomerTotal>> {
        let text = format!(
            "{SUMS} FROM ({}) t GROUP BY customer {ANY_SPEND} \
             ORDER BY SUM(gross) - SUM(refunded) DESC, customer LIMIT {limit}",
            parts(split, None)
        );
        let rows = sqlx::query(sql(text)).bind(currency).fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(spend_of).collect()
    }

    /// These customers' spend in `currency` over the range's parts (customers with none are
    /// left out).
    pub async fn sales_spend_of(
        &self,
        split: &SpanSplit,
        currency: &str,
        customers: &[String],
    ) -> Result<Vec<CustomerTotal>> {
        let mut conn = self.conn().await?;
        let mut out = Vec::new();
        for chunk in id_chunks(customers) {
            let text = format!("{SUMS} FROM ({}) t GROUP BY customer {ANY_SPEND}", parts(split, Some(chunk.len())));
            let mut query = sqlx::query(sql(text)).bind(currency);
            for customer in &chunk {
                query = query.bind(customer);
            }
            for row in query.fetch_all(&mut *conn).await? {
                out.push(spend_of(&row)?);
            }
        }
        Ok(out)
    }

    /// For each span, the `depth` customers with the most gross in `currency` (fewer when the
    /// span has fewer customers).
    pub async fn sales_span_leaders(&self, spans: &[Span], currency: &str, depth: usize) -> Result<Vec<SpanLeader>> {
        let lists: Vec<String> = spans
            .iter()
            .enumerate()
            .map(|(i, span)| {
                format!(
                    "SELECT CAST({i} AS BIGINT) AS list, customer, gross FROM (SELECT customer, gross \
                     FROM stripe_customer_spans WHERE currency = $1 AND months = {} AND start = {} \
                     ORDER BY gross DESC LIMIT {depth}) t{i}",
                    span.months, span.start
                )
            })
            .collect();
        let rows =
            sqlx::query(sql(lists.join(" UNION ALL "))).bind(currency).fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|row| {
                let span: i64 = row.try_get("list")?;
                Ok(SpanLeader {
                    span: usize::try_from(span).unwrap_or(usize::MAX),
                    customer: row.try_get("customer")?,
                    gross: row.try_get("gross")?,
                })
            })
            .collect()
    }

    /// The customers with their names and email addresses, in the same order.
    pub async fn sales_named(&self, totals: Vec<CustomerTotal>) -> Result<Vec<CustomerSpend>> {
        let ids: Vec<String> = totals.iter().map(|(id, _)| id.clone()).collect();
        let mut names: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
        let mut conn = self.conn().await?;
        for chunk in id_chunks(&ids) {
            let text = format!("SELECT id, name, email FROM stripe_customers WHERE id IN ({})", params(1, chunk.len()));
            let mut query = sqlx::query(sql(text));
            for id in &chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&mut *conn).await? {
                names.insert(row.try_get("id")?, (row.try_get("name")?, row.try_get("email")?));
            }
        }
        Ok(totals
            .into_iter()
            .map(|(customer, spend)| {
                let (name, email) = names.remove(&customer).unwrap_or_default();
                CustomerSpend { customer, name, email, spend }
            })
            .collect())
    }
}
