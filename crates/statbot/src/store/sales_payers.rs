//! Paying customers in the rollups: each customer day's previous payment day, the tallies built
//! from them (see `statbot_core::sales::payer_tally`), kept up to date as pages change payments, and
//! the distinct paying customers of any period read from the tallies plus at most a few days
//! of customer days.

use super::sales_rollups::{Cell, increment};
use super::{Result, Store, id_chunks, params, sql};
use futures::TryStreamExt;
use sqlx::{AnyConnection, Row};
use statbot_core::sales::payer_tally::{PayerDay, PayerTally};
use statbot_core::sales::rollup::{DayNumber, Rollup, monday_of, month_end, month_start, week_of};
use std::collections::HashMap;

/// The (customer, currency) pairs whose payment count a delta changes, with the first day it
/// changes: only their customer days from that day on can get another previous payment day.
type Changed = HashMap<(String, String), DayNumber>;

/// The upkeep of the previous payment days and the tallies around a delta's sums: the changed
/// customers' payment days are read before the sums are added ([`Upkeep::begin`]), then their
/// previous days are set again and the tallies get the new points minus the old
/// ([`Upkeep::finish`]).
pub(super) struct Upkeep {
    changed: Changed,
    /// The changed customers in chunks, each with the first changed day among them.
    chunks: Vec<(Vec<String>, DayNumber)>,
    before: Vec<PayerDay>,
}

impl Upkeep {
    pub(super) async fn begin(conn: &mut AnyConnection, rollup: &Rollup) -> Result<Upkeep> {
        let mut changed = Changed::new();
        for ((day, customer, currency), spend) in &rollup.spend {
            if spend.payments != 0 {
                let first = changed.entry((customer.clone(), currency.clone())).or_insert(*day);
                *first = (*first).min(*day);
            }
        }
        let chunks = by_customer(&changed);
        let mut upkeep = Upkeep { changed, chunks, before: Vec::new() };
        upkeep.before = upkeep.payer_days(conn).await?;
        Ok(upkeep)
    }

    pub(super) async fn finish(self, conn: &mut AnyConnection) -> Result<()> {
        for (customers, first) in &self.chunks {
            let text = format!("{SET_PREVIOUS_DAY} WHERE customer IN ({}) AND day >= $1", params(2, customers.len()));
            bound(sqlx::query(sql(text)), *first, customers).execute(&mut *conn).await?;
        }
        let mut tally = PayerTally::default();
        for point in &self.before {
            tally.add(point, -1);
        }
        for point in &self.payer_days(conn).await? {
            tally.add(point, 1);
        }
        add_tally(conn, tally).await
    }

    /// The changed customers' customer days with a payment, from their first changed day on.
    async fn payer_days(&self, conn: &mut AnyConnection) -> Result<Vec<PayerDay>> {
        let mut out = Vec::new();
        for (customers, first) in &self.chunks {
            let text = format!(
                "SELECT day, customer, currency, prev_day FROM stripe_customer_days \
                 WHERE customer IN ({}) AND day >= $1 AND payments > 0",
                params(2, customers.len())
            );
            for row in bound(sqlx::query(sql(text)), *first, customers).fetch_all(&mut *conn).await? {
                let point = payer_day(&row)?;
                let key = (row.try_get::<String, _>("customer")?, point.currency.clone());
                if self.changed.get(&key).is_some_and(|&from| point.day >= from) {
                    out.push(point);
                }
            }
        }
        Ok(out)
    }
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// A query of the changed customers from a day on: `$1` the day, `$2…` the customers.
fn bound<'q>(query: Query<'q>, first: DayNumber, customers: &[String]) -> Query<'q> {
    customers.iter().fold(query.bind(first), |query, customer| query.bind(customer.clone()))
}

fn payer_day(row: &sqlx::any::AnyRow) -> Result<PayerDay> {
    Ok(PayerDay { day: row.try_get("day")?, currency: row.try_get("currency")?, prev_day: row.try_get("prev_day")? })
}

/// Chunks of changed customers, each with the first changed day among them.
fn by_customer(changed: &Changed) -> Vec<(Vec<String>, DayNumber)> {
    let mut first: HashMap<&str, DayNumber> = HashMap::new();
    for ((customer, _), day) in changed {
        let entry = first.entry(customer.as_str()).or_insert(*day);
        *entry = (*entry).min(*day);
    }
    let mut customers: Vec<String> = first.keys().map(|c| (*c).to_owned()).collect();
    customers.sort_unstable();
    id_chunks(&customers)
        .map(|chunk| {
            let day = chunk.iter().map(|c| first[c.as_str()]).min().unwrap_or_default();
            (chunk, day)
        })
        .collect()
}

const SET_PREVIOUS_DAY: &str = "UPDATE stripe_customer_days SET prev_day = (SELECT MAX(p.day) \
     FROM stripe_customer_days p WHERE p.customer = stripe_customer_days.customer \
     AND p.currency = stripe_customer_days.currency AND p.day < stripe_customer_days.day AND p.payments > 0)";

/// Adds a tally's counts to the stored ones.
async fn add_tally(conn: &mut AnyConnection, tally: PayerTally) -> Result<()> {
    use Cell::{Int, Text};
    let tally = tally.without_zeros();
    let days = tally
        .days
        .into_iter()
        .map(|((day, currency), d)| vec![Int(day), Text(currency), Int(d.payers), Int(d.month_repeats)])
        .collect();
    increment(conn, "stripe_daily_payers", &["day", "currency"], &["payers", "month_repeats"], days).await?;
    let weeks = tally
        .weeks
        .into_iter()
        .map(|((week, prev_week, currency), n)| vec![Int(week), Int(prev_week), Text(currency), Int(n)])
        .collect();
    increment(conn, "stripe_payer_weeks", &["week", "prev_week", "currency"], &["payers"], weeks).await
}

/// Sets every customer day's previous payment day and builds the tallies from all of them
/// (the tables are empty: a rebuild).
pub(super) async fn rebuild(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query(SET_PREVIOUS_DAY).execute(&mut *conn).await?;
    let mut tally = PayerTally::default();
    {
        let mut rows = sqlx::query("SELECT day, currency, prev_day FROM stripe_customer_days WHERE payments > 0")
            .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            tally.add(&payer_day(&row)?, 1);
        }
    }
    add_tally(conn, tally).await
}

/// How a period's paying customers are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One day: the day's payers.
    Day,
    /// A whole calendar month: its days' payers less those who had paid earlier in the month.
    Month,
    /// A whole Monday week: its days' payers less the grid's points within the week.
    Week(i64),
    /// Anything else.
    Other,
}

fn shape(from: DayNumber, to: DayNumber) -> Shape {
    if from == to {
        Shape::Day
    } else if from == month_start(from) && to == month_end(from) {
        Shape::Month
    } else if from == monday_of(week_of(from)) && to == from + 6 {
        Shape::Week(week_of(from))
    } else {
        Shape::Other
    }
}

/// Ranges shorter than this count their customer days directly.
const DIRECT_DAYS: DayNumber = 14;

/// SQL counting, per currency, the distinct customers who paid in `from..=to` as rows
/// `(period, currency, n)` to be summed: whole weeks from the grid, the days around them from
/// the customer days, and the points of the whole weeks whose previous payment falls in the
/// range's first partial week.
fn counting_parts(period: usize, from: DayNumber, to: DayNumber) -> Vec<String> {
    let days = |a: DayNumber, b: DayNumber| {
        format!(
            "SELECT CAST({period} AS BIGINT) AS period, currency, COUNT(*) AS n FROM stripe_customer_days \
             WHERE day >= {a} AND day <= {b} AND payments > 0 AND (prev_day IS NULL OR prev_day < {from}) \
             GROUP BY currency"
        )
    };
    if to - from < DIRECT_DAYS {
        return vec![days(from, to)];
    }
    let first_week = week_of(from);
    let first_whole = if monday_of(first_week) == from { first_week } else { first_week + 1 };
    let last_whole = if monday_of(week_of(to)) + 6 == to { week_of(to) } else { week_of(to) - 1 };
    let (whole_from, whole_to) = (monday_of(first_whole), monday_of(last_whole) + 6);
    let mut parts = vec![format!(
        "SELECT CAST({period} AS BIGINT) AS period, currency, CAST(SUM(payers) AS BIGINT) AS n FROM stripe_payer_weeks \
         WHERE week >= {first_whole} AND week <= {last_whole} AND prev_week < {first_week} GROUP BY currency"
    )];
    if from < whole_from {
        parts.push(days(from, whole_from - 1));
        parts.push(format!(
            "SELECT CAST({period} AS BIGINT) AS period, currency, COUNT(*) AS n FROM stripe_customer_days \
             WHERE prev_day >= {} AND prev_day < {from} AND day >= {whole_from} AND day <= {whole_to} \
             AND payments > 0 GROUP BY currency",
            monday_of(first_week)
        ));
    }
    if whole_to < to {
        parts.push(days(whole_to + 1, to));
    }
    parts
}

impl Store {
    /// For each period (first and last day; the periods must not overlap), how many distinct
    /// customers paid in each currency.
    pub async fn sales_paying_customers(
        &self,
        periods: &[(DayNumber, DayNumber)],
    ) -> Result<Vec<HashMap<String, i64>>> {
        let mut out = vec![HashMap::new(); periods.len()];
        let mut conn = self.conn().await?;
        let shapes: Vec<Shape> = periods.iter().map(|&(from, to)| shape(from, to)).collect();

        // Days, months and weeks: sums of the daily tally.
        let summed: Vec<usize> = (0..periods.len()).filter(|&i| shapes[i] != Shape::Other).collect();
        if let (Some(first), Some(last)) =
            (summed.iter().map(|&i| periods[i].0).min(), summed.iter().map(|&i| periods[i].1).max())
        {
            let arms: Vec<String> = summed
                .iter()
                .map(|&i| format!("WHEN day >= {} AND day <= {} THEN {i}", periods[i].0, periods[i].1))
                .collect();
            let text = format!(
                "SELECT CAST(CASE {} END AS BIGINT) AS period, currency, CAST(SUM(payers) AS BIGINT) AS payers, \
                 CAST(SUM(month_repeats) AS BIGINT) AS month_repeats FROM stripe_daily_payers \
                 WHERE day >= {first} AND day <= {last} GROUP BY 1, currency",
                arms.join(" ")
            );
            for row in sqlx::query(sql(text)).fetch_all(&mut *conn).await? {
                let Some(period) = row.try_get::<Option<i64>, _>("period")?.and_then(|p| usize::try_from(p).ok())
                else {
                    continue;
                };
                let payers: i64 = row.try_get("payers")?;
                let repeats = if shapes[period] == Shape::Month { row.try_get("month_repeats")? } else { 0 };
                out[period].insert(row.try_get("currency")?, payers - repeats);
            }
        }
        let weeks: HashMap<i64, usize> = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Shape::Week(week) => Some((*week, i)),
                _ => None,
            })
            .collect();
        if let (Some(first), Some(last)) = (weeks.keys().min(), weeks.keys().max()) {
            let rows = sqlx::query(
                "SELECT week, currency, payers FROM stripe_payer_weeks \
                 WHERE week >= $1 AND week <= $2 AND prev_week = week",
            )
            .bind(first)
            .bind(last)
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                let Some(&period) = weeks.get(&row.try_get::<i64, _>("week")?) else { continue };
                if let Some(count) = out[period].get_mut(&row.try_get::<String, _>("currency")?) {
                    *count -= row.try_get::<i64, _>("payers")?;
                }
            }
        }

        // Other ranges: whole weeks from the grid, the days around them counted.
        let parts: Vec<String> = (0..periods.len())
            .filter(|&i| shapes[i] == Shape::Other)
            .flat_map(|i| counting_parts(i, periods[i].0, periods[i].1))
            .collect();
        if !parts.is_empty() {
            let text = format!(
                "SELECT period, currency, CAST(SUM(n) AS BIGINT) AS n FROM ({}) t GROUP BY period, currency",
                parts.join(" UNION ALL ")
            );
            for row in sqlx::query(sql(text)).fetch_all(&mut *conn).await? {
                let period: i64 = row.try_get("period")?;
                if let Some(slot) = usize::try_from(period).ok().and_then(|p| out.get_mut(p)) {
                    slot.insert(row.try_get("currency")?, row.try_get("n")?);
                }
            }
        }
        for counts in &mut out {
            counts.retain(|_, n| *n != 0);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_counted_by_their_shape() {
        let march_1 = statbot_core::sales::rollup::number(jiff::civil::date(2026, 3, 1));
        assert_eq!(shape(march_1, march_1), Shape::Day);
        assert_eq!(shape(march_1, march_1 + 30), Shape::Month);
        // 2026-03-02 is a Monday.
        assert_eq!(shape(march_1 + 1, march_1 + 7), Shape::Week(week_of(march_1 + 1)));
        assert_eq!(shape(march_1, march_1 + 6), Shape::Other);
    }
}
