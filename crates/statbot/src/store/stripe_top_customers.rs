//! The top customers of a range by net revenue, from the customer spend rollups. A week or less
//! sums its customer days. A longer range is cut into calendar spans (`crate::stripe::spans`) and
//! answered with a threshold search: the customers with the most gross in each span covering
//! the range are the candidates, their exact net over the range is summed, and the answer
//! stands once the last of the top has more net than any other customer could (a customer's
//! net is at most their gross, which is at most the sum of the spans' cut-off grosses). When
//! the search does not settle, every customer's spans are summed: the answer is always exact.

use super::stripe_rollups::CustomerSpend;
use super::{Result, Store, id_chunks, params, sql};
use crate::stripe::rollup::{DayNumber, Spend};
use crate::stripe::spans::{self, Span, SpanSplit};
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

/// Ranges up to this many days sum their customer days.
const DIRECT_DAYS: DayNumber = 7;
/// Candidates taken from each span at first; the search goes four times deeper each round.
const FIRST_DEPTH: usize = 32;
/// Deepest search before summing every customer.
const MAX_DEPTH: usize = 2048;

/// A customer's spend, unnamed yet.
type Ranked = Vec<(String, Spend)>;

/// Best first: most net, then customer id.
fn rank(mut spends: Ranked, limit: usize) -> Ranked {
    spends.sort_by(|a, b| b.1.net().cmp(&a.1.net()).then_with(|| a.0.cmp(&b.0)));
    spends.truncate(limit);
    spends
}

fn spend_of(row: &sqlx::any::AnyRow) -> Result<(String, Spend)> {
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

/// Every customer's spend over the range's parts, the best `limit`.
async fn ranked_by_summing(
    conn: &mut AnyConnection,
    split: &SpanSplit,
    currency: &str,
    limit: usize,
) -> Result<Ranked> {
    let text = format!(
        "{SUMS} FROM ({}) t GROUP BY customer {ANY_SPEND} \
         ORDER BY SUM(gross) - SUM(refunded) DESC, customer LIMIT {limit}",
        parts(split, None)
    );
    let rows = sqlx::query(sql(text)).bind(currency).fetch_all(conn).await?;
    rows.iter().map(spend_of).collect()
}

/// These customers' spend over the range's parts.
async fn spend_of_customers(
    conn: &mut AnyConnection,
    split: &SpanSplit,
    currency: &str,
    customers: &[String],
) -> Result<Ranked> {
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

/// The threshold search (see the module's documentation), or `None` when it does not settle
/// within [`MAX_DEPTH`].
async fn ranked_by_threshold(
    conn: &mut AnyConnection,
    split: &SpanSplit,
    cover: &[Span],
    currency: &str,
    limit: usize,
) -> Result<Option<Ranked>> {
    let mut depth = FIRST_DEPTH.max(limit * 4);
    // Candidates already summed (a deeper round keeps them), and the sums that are not zero.
    let mut summed: HashSet<String> = HashSet::new();
    let mut spends: Ranked = Vec::new();
    while depth <= MAX_DEPTH {
        let lists: Vec<String> = cover
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
        let rows = sqlx::query(sql(lists.join(" UNION ALL "))).bind(currency).fetch_all(&mut *conn).await?;
        // Per list: how many rows came back and the least gross among them.
        let mut seen: HashMap<i64, (usize, i64)> = HashMap::new();
        let mut candidates: HashSet<String> = HashSet::new();
        for row in &rows {
            let gross: i64 = row.try_get("gross")?;
            let list = seen.entry(row.try_get("list")?).or_insert((0, i64::MAX));
            *list = (list.0 + 1, list.1.min(gross));
            candidates.insert(row.try_get("customer")?);
        }
        // A customer outside every list has at most this much gross over the cover, so at most
        // this much net over the range; an exhausted list leaves them nothing from its span.
        let bound: i64 = seen.values().filter(|(count, _)| *count == depth).map(|(_, least)| (*least).max(0)).sum();
        let mut fresh: Vec<String> = candidates.into_iter().filter(|c| !summed.contains(c)).collect();
        fresh.sort_unstable();
        spends.extend(spend_of_customers(conn, split, currency, &fresh).await?);
        summed.extend(fresh);
        let top = rank(spends.clone(), limit);
        if top.len() == limit && top.last().is_some_and(|(_, spend)| spend.net() > bound) {
            return Ok(Some(top));
        }
        if seen.values().all(|(count, _)| *count < depth) {
            // Every span read to its end and still unsettled (fewer customers with positive net
            // than asked for): only summing everyone orders the rest.
            return Ok(None);
        }
        depth *= 4;
    }
    Ok(None)
}

impl Store {
    /// The customers with the most net revenue in `currency` over the days, best first.
    pub async fn stripe_top_customers(
        &self,
        from: DayNumber,
        to: DayNumber,
        currency: &str,
        limit: usize,
    ) -> Result<Vec<CustomerSpend>> {
        let mut conn = self.conn().await?;
        let ranked = if limit == 0 || from > to {
            Vec::new()
        } else if to - from < DIRECT_DAYS {
            ranked_by_summing(&mut conn, &SpanSplit { days: vec![(from, to)], spans: Vec::new() }, currency, limit)
                .await?
        } else {
            let split = spans::split(from, to);
            match ranked_by_threshold(&mut conn, &split, &spans::covering(from, to), currency, limit).await? {
                Some(ranked) => ranked,
                None => ranked_by_summing(&mut conn, &split, currency, limit).await?,
            }
        };
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        let mut names: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
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
        Ok(ranked
            .into_iter()
            .map(|(customer, spend)| {
                let (name, email) = names.remove(&customer).unwrap_or_default();
                CustomerSpend { customer, name, email, spend }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_is_by_net_then_customer() {
        let spend = |gross, refunded| Spend { gross, refunded, payments: 1 };
        let ranked =
            rank(vec![("b".into(), spend(500, 0)), ("a".into(), spend(700, 200)), ("c".into(), spend(900, 0))], 2);
        assert_eq!(ranked, vec![("c".into(), spend(900, 0)), ("a".into(), spend(700, 200))]);
    }
}
