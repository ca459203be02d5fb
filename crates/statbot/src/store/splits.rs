//! Split tests in the database: the variant each contact got at each split step
//! (`split_variants`, written by the engine as the contact passes the step), and funnels by
//! variant, read from the funnel rollup's marks: a contact of a range's cohort counts under its
//! variant for every metric it first reached at or after its first pass of the split step, so
//! the variants' contacts add up to the split step's.

use super::{Result, Store, params, sql};
use sqlx::{AnyConnection, Row};
use statbot_core::funnel::{Day, Metric};
use std::collections::BTreeMap;

/// Records that `contact_id` got `variant` at split step `step` of `flow`, unless they already
/// had one there (the first stays).
pub(crate) async fn record_variant(
    conn: &mut AnyConnection,
    flow: &str,
    step: &str,
    contact_id: i64,
    variant: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO split_variants (flow, step, contact_id, variant, at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (flow, step, contact_id) DO NOTHING",
    )
    .bind(flow)
    .bind(step)
    .bind(contact_id)
    .bind(variant)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One variant's part of a funnel, from the split on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantCounts {
    /// Metric key -> contacts first counted for it at or after the split.
    pub contacts: BTreeMap<String, u64>,
    /// Contacts who reached any goal step at or after the split.
    pub converted: u64,
}

impl Store {
    /// The contacts of `flow`'s cohort over days `from..=to` who passed split step `step`, per
    /// variant: what each reached from the split on, and how many reached one of `goals`.
    pub async fn funnel_counts_by_variant(
        &self,
        flow: &str,
        step: &str,
        goals: &[String],
        from: Day,
        to: Day,
    ) -> Result<BTreeMap<String, VariantCounts>> {
        // (The contact's mark of the split step is when it first passed it, in its window.)
        const JOINS: &str = "FROM split_variants v \
             JOIN funnel_contacts f ON f.flow = v.flow AND f.contact_id = v.contact_id \
             JOIN funnel_marks s ON s.flow = v.flow AND s.contact_id = v.contact_id AND s.metric = $3 \
             JOIN funnel_marks m ON m.flow = v.flow AND m.contact_id = v.contact_id AND m.first_at >= s.first_at \
             WHERE v.flow = $1 AND v.step = $2 AND f.day >= $4 AND f.day <= $5";
        let split = Metric::Step(step.to_owned()).key();
        let mut conn = self.conn().await?;
        let mut out: BTreeMap<String, VariantCounts> = BTreeMap::new();
        let rows =
            sqlx::query(sql(format!("SELECT v.variant, m.metric, COUNT(*) {JOINS} GROUP BY v.variant, m.metric")))
                .bind(flow)
                .bind(step)
                .bind(&split)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await?;
        for row in rows {
            let counts = out.entry(row.try_get(0)?).or_default();
            counts.contacts.insert(row.try_get(1)?, row.try_get::<i64, _>(2)? as u64);
        }
        if goals.is_empty() {
            return Ok(out);
        }
        let mut query = sqlx::query(sql(format!(
            "SELECT v.variant, COUNT(DISTINCT v.contact_id) {JOINS} AND m.metric IN ({}) GROUP BY v.variant",
            params(6, goals.len())
        )))
        .bind(flow)
        .bind(step)
        .bind(&split)
        .bind(from)
        .bind(to);
        for goal in goals {
            query = query.bind(Metric::Step(goal.clone()).key());
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.entry(row.try_get(0)?).or_default().converted = row.try_get::<i64, _>(1)? as u64;
        }
        Ok(out)
    }
}
