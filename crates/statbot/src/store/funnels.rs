//! Funnel rollups in the database: the rollup reads new events past its cursor, with the state
//! of the contacts they concern, lets the caller work out the changes (see
//! `statbot_core::funnel::rollup`), and writes them with the new cursor in one transaction.
//! Funnel queries then read per-day counts, a few hundred rows whatever the number of events.
//! The same changes are also counted per ref (`funnel_ref_*`): a contact joining a cohort is
//! attributed once to the ref of its latest referral that came with or before the message that
//! brought it in (see [`attribute`]), so that the refs' counts add up to the funnel's.
//!
//! The cursor never skips an event: on SQLite every transaction takes turns on one connection,
//! and on PostgreSQL the transactions that record events hold a shared advisory lock, which the
//! rollup takes exclusively for a moment to learn the highest id of events already committed.

use super::{Backend, Result, Store, id_chunks, params, sql, statement_chunks, values_list};
use sqlx::{AnyConnection, Row};
use statbot_core::funnel::rollup::ContactState;
use statbot_core::funnel::{Counters, Day, Delta, FunnelEvent, FunnelEventKind};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Names the advisory lock that orders event-recording transactions and the rollup.
const PG_EVENTS_LOCK: i64 = 0x5354_4154_4556_4e54;

/// Event kinds that count in funnels.
const FUNNEL_KINDS: &str = "'step_entered', 'button_clicked', 'coupon_revealed'";

/// An event of a flow, for the rollup.
#[derive(Debug, Clone)]
pub struct FlowEvent {
    pub flow: String,
    /// The message that brought it about, when one did.
    pub inbound_id: Option<i64>,
    pub event: FunnelEvent,
}

/// What one rollup round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupRound {
    pub events: usize,
    /// Whether events remain past the new cursor.
    pub more: bool,
    /// Whether the rollups were emptied first, because the rules changed.
    pub rebuilt: bool,
}

/// On PostgreSQL, called inside a transaction that records events: holds the rollup off until
/// it commits (see the module documentation).
pub(crate) async fn hold_rollup(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock_shared($1)").bind(PG_EVENTS_LOCK).execute(conn).await?;
    }
    Ok(())
}

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<Option<FlowEvent>> {
    let kind: String = row.try_get("kind")?;
    let step: Option<String> = row.try_get("step")?;
    let button: Option<String> = row.try_get("button")?;
    let (Some(flow), Some(step)) = (row.try_get::<Option<String>, _>("flow")?, step) else { return Ok(None) };
    let kind = match (kind.as_str(), button) {
        ("step_entered", _) => FunnelEventKind::StepEntered { step },
        ("button_clicked", Some(button)) => FunnelEventKind::ButtonClicked { step, button },
        ("coupon_revealed", _) => FunnelEventKind::CouponRevealed { step },
        _ => return Ok(None),
    };
    Ok(Some(FlowEvent {
        flow,
        inbound_id: row.try_get("inbound_id")?,
        event: FunnelEvent { contact: row.try_get("contact_id")?, at: row.try_get("at")?, kind },
    }))
}

impl Store {
    /// The highest event id whose transaction has committed, and no earlier one still to come.
    async fn committed_events_bound(&self) -> Result<i64> {
        let mut conn = self.conn().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(PG_EVENTS_LOCK).execute(&mut *conn).await?;
        }
        let bound = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM events").fetch_one(&mut *conn).await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_EVENTS_LOCK).execute(&mut *conn).await?;
        }
        Ok(bound?.try_get(0)?)
    }

    /// Whether a rollup round has anything to do: events past the cursor, or rules other than
    /// `rules` (the counts must be made again). Reads only, so an idle worker writes nothing.
    pub async fn funnel_backlog(&self, rules: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT CASE WHEN (SELECT COALESCE(MAX(id), 0) FROM events) > last_event_id OR rules <> $1 \
             THEN 1 ELSE 0 END FROM funnel_rollup WHERE id = 1",
        )
        .bind(rules)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(row.map(|r| r.try_get::<i32, _>(0)).transpose()?.is_some_and(|n| n == 1))
    }

    /// One rollup round over at most `limit` new events: `roll` is given each event in recorded
    /// order with its contact's state in that flow (`None` before they joined its cohort) and
    /// returns the changes to the counts. When `rules` differ from those the rollups were
    /// counted with, they are emptied and counted again from the first event.
    pub async fn roll_funnels(
        &self,
        rules: &str,
        limit: i64,
        mut roll: impl FnMut(&FlowEvent, &mut Option<ContactState>) -> Vec<Delta>,
    ) -> Result<RollupRound> {
        let bound = self.committed_events_bound().await?;
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let lock = if self.backend == Backend::Postgres { "FOR UPDATE" } else { "" };
        let cursor = sqlx::query(sql(format!("SELECT last_event_id, rules FROM funnel_rollup WHERE id = 1 {lock}")))
            .fetch_one(&mut *tx)
            .await?;
        let mut round = RollupRound::default();
        let counted_with: String = cursor.try_get("rules")?;
        let last = if counted_with == rules {
            cursor.try_get::<i64, _>("last_event_id")?
        } else {
            for table in [
                "funnel_contacts",
                "funnel_marks",
                "funnel_days",
                "funnel_delays",
                "funnel_ref_days",
                "funnel_ref_delays",
            ] {
                sqlx::query(sql(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
            }
            // (Empty rules: a new database, nothing to recount.)
            round.rebuilt = !counted_with.is_empty();
            0
        };

        let rows = sqlx::query(sql(format!(
            "SELECT id, contact_id, inbound_id, kind, flow, step, button, at FROM events \
             WHERE id > $1 AND id <= $2 AND kind IN ({FUNNEL_KINDS}) ORDER BY id LIMIT $3"
        )))
        .bind(last)
        .bind(bound)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        round.more = rows.len() as i64 == limit;
        // (Another round may have gone past `bound` since it was read: never step back.)
        let next = match rows.last() {
            Some(row) if round.more => row.try_get::<i64, _>("id")?,
            _ => bound.max(last),
        };
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.extend(event_from_row(row)?);
        }
        round.events = events.len();

        let (mut states, mut refs) = load_states(&mut tx, &events).await?;
        let stored = Stored::of(&states);
        // Each event's changes, and the events that brought contacts into a cohort.
        let mut changes: Vec<(&FlowEvent, Vec<Delta>)> = Vec::with_capacity(events.len());
        let mut joined: Vec<&FlowEvent> = Vec::new();
        for e in &events {
            let state = states.entry((e.flow.clone(), e.event.contact)).or_default();
            let before = state.is_some();
            changes.push((e, roll(e, state)));
            if !before && state.is_some() {
                joined.push(e);
            }
        }
        refs.extend(attribute(&mut tx, &joined).await?);
        let mut counts = Counts::default();
        for (e, deltas) in changes {
            let reference = refs.get(&(e.flow.clone(), e.event.contact)).cloned().flatten().unwrap_or_default();
            for delta in deltas {
                counts.add(&e.flow, &reference, delta);
            }
        }
        write_states(&mut tx, &states, &refs, &stored).await?;
        write_counts(&mut tx, &counts).await?;
        sqlx::query("UPDATE funnel_rollup SET last_event_id = $1, rules = $2 WHERE id = 1")
            .bind(next)
            .bind(rules)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(round)
    }

    /// A flow's counts for cohort days `from..=to`, summed (by the database).
    /// How many contacts of `flow`'s cohort over these days came on each channel (`messenger`,
    /// `instagram`, `web`, `console`): the cohort's contacts, so the counts add up to it.
    pub async fn funnel_cohort_by_channel(&self, flow: &str, from: Day, to: Day) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT c.platform, COUNT(*) FROM funnel_contacts f JOIN contacts c ON c.id = f.contact_id \
             WHERE f.flow = $1 AND f.day >= $2 AND f.day <= $3 GROUP BY c.platform",
        )
        .bind(flow)
        .bind(i64::from(from))
        .bind(i64::from(to))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
    }

    pub async fn funnel_counters(&self, flow: &str, from: Day, to: Day) -> Result<Counters> {
        let days = "SELECT metric, CAST(SUM(contacts) AS BIGINT), CAST(SUM(total) AS BIGINT) FROM funnel_days \
                    WHERE flow = $1 AND day >= $2 AND day <= $3 GROUP BY metric";
        let delays = "SELECT metric, bucket, CAST(SUM(contacts) AS BIGINT) FROM funnel_delays \
                      WHERE flow = $1 AND day >= $2 AND day <= $3 GROUP BY metric, bucket";
        let mut by_day = self.read_counters(days, delays, false, flow, from, to).await?;
        Ok(by_day.remove(&0).unwrap_or_default())
    }

    /// A flow's counts for each cohort day of `from..=to` that has any.
    pub async fn funnel_counters_by_day(&self, flow: &str, from: Day, to: Day) -> Result<BTreeMap<Day, Counters>> {
        let days = "SELECT metric, contacts, total, day FROM funnel_days WHERE flow = $1 AND day >= $2 AND day <= $3";
        let delays =
            "SELECT metric, bucket, contacts, day FROM funnel_delays WHERE flow = $1 AND day >= $2 AND day <= $3";
        self.read_counters(days, delays, true, flow, from, to).await
    }

    /// A flow's counts for cohort days `from..=to`, summed per ref (`None`: no ref). They add up
    /// to [`Store::funnel_counters`]'s. Without `delays`, the first-click delays (the medians,
    /// most of the rows) are left out.
    pub async fn funnel_counters_by_ref(
        &self,
        flow: &str,
        from: Day,
        to: Day,
        delays: bool,
    ) -> Result<BTreeMap<Option<String>, Counters>> {
        let mut conn = self.conn().await?;
        let mut out: BTreeMap<Option<String>, Counters> = BTreeMap::new();
        let of = |row: &sqlx::any::AnyRow| -> Result<Option<String>> {
            Ok(Some(row.try_get::<String, _>(0)?).filter(|r| !r.is_empty()))
        };
        let days = "SELECT ref, metric, CAST(SUM(contacts) AS BIGINT), CAST(SUM(total) AS BIGINT) FROM funnel_ref_days \
                    WHERE flow = $1 AND day >= $2 AND day <= $3 GROUP BY ref, metric";
        for row in sqlx::query(days).bind(flow).bind(from).bind(to).fetch_all(&mut *conn).await? {
            let count = out.entry(of(&row)?).or_default().counts.entry(row.try_get(1)?).or_default();
            count.contacts += row.try_get::<i64, _>(2)? as u64;
            count.total += row.try_get::<i64, _>(3)? as u64;
        }
        if !delays {
            return Ok(out);
        }
        let delays = "SELECT ref, metric, bucket, CAST(SUM(contacts) AS BIGINT) FROM funnel_ref_delays \
                      WHERE flow = $1 AND day >= $2 AND day <= $3 GROUP BY ref, metric, bucket";
        for row in sqlx::query(delays).bind(flow).bind(from).bind(to).fetch_all(&mut *conn).await? {
            let key = (row.try_get::<String, _>(1)?, row.try_get::<i64, _>(2)?);
            *out.entry(of(&row)?).or_default().delays.entry(key).or_default() += row.try_get::<i64, _>(3)? as u64;
        }
        Ok(out)
    }

    /// Runs the two queries of [`Store::funnel_counters`] or [`Store::funnel_counters_by_day`]:
    /// `(metric, contacts, total[, day])` and `(metric, bucket, contacts[, day])`; without a day
    /// column everything goes under day 0.
    async fn read_counters(
        &self,
        days: &'static str,
        delays: &'static str,
        with_day: bool,
        flow: &str,
        from: Day,
        to: Day,
    ) -> Result<BTreeMap<Day, Counters>> {
        let mut conn = self.conn().await?;
        let day_of = |row: &sqlx::any::AnyRow, at: usize| -> Result<Day> {
            Ok(if with_day { row.try_get::<i32, _>(at)? } else { 0 })
        };
        let mut out: BTreeMap<Day, Counters> = BTreeMap::new();
        for row in sqlx::query(days).bind(flow).bind(from).bind(to).fetch_all(&mut *conn).await? {
            let count = out.entry(day_of(&row, 3)?).or_default().counts.entry(row.try_get(0)?).or_default();
            count.contacts += row.try_get::<i64, _>(1)? as u64;
            count.total += row.try_get::<i64, _>(2)? as u64;
        }
        for row in sqlx::query(delays).bind(flow).bind(from).bind(to).fetch_all(&mut *conn).await? {
            let key = (row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?);
            *out.entry(day_of(&row, 3)?).or_default().delays.entry(key).or_default() +=
                row.try_get::<i64, _>(2)? as u64;
        }
        Ok(out)
    }

    /// Every funnel event of a flow in recorded order, for recounting from scratch.
    pub async fn funnel_events(&self, flow: &str) -> Result<Vec<FunnelEvent>> {
        let rows = sqlx::query(sql(format!(
            "SELECT id, contact_id, inbound_id, kind, flow, step, button, at FROM events \
             WHERE flow = $1 AND kind IN ({FUNNEL_KINDS}) ORDER BY id"
        )))
        .bind(flow)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.extend(event_from_row(row)?.map(|e| e.event));
        }
        Ok(events)
    }
}

type States = HashMap<(String, i64), Option<ContactState>>;
/// The ref each (flow, contact) of a cohort is counted under (`None`: no ref).
type Refs = HashMap<(String, i64), Option<String>>;

/// A round's changes to the counts: the funnel's, and the same per ref (`""`: no ref).
#[derive(Default)]
struct Counts {
    days: BTreeMap<(String, Day, String), (i64, i64)>,
    delays: BTreeMap<(String, Day, String, i64), i64>,
    ref_days: BTreeMap<(String, String, Day, String), (i64, i64)>,
    ref_delays: BTreeMap<(String, String, Day, String, i64), i64>,
}

impl Counts {
    fn add(&mut self, flow: &str, reference: &str, delta: Delta) {
        let count = self.days.entry((flow.to_owned(), delta.day, delta.metric.clone())).or_default();
        count.0 += delta.contacts as i64;
        count.1 += delta.total as i64;
        let count =
            self.ref_days.entry((flow.to_owned(), reference.to_owned(), delta.day, delta.metric.clone())).or_default();
        count.0 += delta.contacts as i64;
        count.1 += delta.total as i64;
        if let Some(bucket) = delta.delay_bucket {
            *self.delays.entry((flow.to_owned(), delta.day, delta.metric.clone(), bucket)).or_default() += 1;
            *self
                .ref_delays
                .entry((flow.to_owned(), reference.to_owned(), delta.day, delta.metric, bucket))
                .or_default() += 1;
        }
    }
}

/// A contact's referral, as attribution reads it.
struct Referral {
    inbound_id: Option<i64>,
    at: i64,
    reference: Option<String>,
}

/// The ref each contact joining a cohort with these events is counted under: that of its latest
/// referral (by id) that came with or before the event's message, or, for an event no message
/// brought, with a time at or before the event's. `None` when there is none, or it had no ref.
async fn attribute(conn: &mut AnyConnection, joined: &[&FlowEvent]) -> Result<Refs> {
    let mut contacts: Vec<i64> = joined.iter().map(|e| e.event.contact).collect();
    contacts.sort_unstable();
    contacts.dedup();
    // Each contact's referrals, in id order.
    let mut referrals: HashMap<i64, Vec<Referral>> = HashMap::new();
    for chunk in id_chunks(&contacts) {
        let mut query = sqlx::query(sql(format!(
            "SELECT contact_id, inbound_id, at, ref FROM referrals WHERE contact_id IN ({}) ORDER BY id",
            params(1, chunk.len())
        )));
        for id in &chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let reference: Option<String> = row.try_get("ref")?;
            referrals.entry(row.try_get("contact_id")?).or_default().push(Referral {
                inbound_id: row.try_get("inbound_id")?,
                at: row.try_get("at")?,
                reference: reference.filter(|r| !r.is_empty()),
            });
        }
    }
    let mut refs = Refs::new();
    for e in joined {
        let before = |r: &&Referral| match (r.inbound_id, e.inbound_id) {
            (Some(referral), Some(event)) => referral <= event,
            _ => r.at <= e.event.at,
        };
        let latest = referrals.get(&e.event.contact).and_then(|all| all.iter().rfind(before));
        refs.insert((e.flow.clone(), e.event.contact), latest.and_then(|r| r.reference.clone()));
    }
    Ok(refs)
}

/// What was already stored of the states loaded: the contacts and their marks' keys.
struct Stored(HashMap<(String, i64), HashSet<String>>);

impl Stored {
    fn of(states: &States) -> Stored {
        Stored(
            states
                .iter()
                .filter_map(|(key, state)| Some((key.clone(), state.as_ref()?.marks.keys().cloned().collect())))
                .collect(),
        )
    }
}

/// The stored state of every (flow, contact) the events concern.
async fn load_states(conn: &mut AnyConnection, events: &[FlowEvent]) -> Result<(States, Refs)> {
    let mut by_flow: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for e in events {
        by_flow.entry(e.flow.as_str()).or_default().push(e.event.contact);
    }
    let mut states = States::new();
    let mut refs = Refs::new();
    for (flow, mut contacts) in by_flow {
        contacts.sort_unstable();
        contacts.dedup();
        for chunk in id_chunks(&contacts) {
            let list = params(2, chunk.len());
            let mut query = sqlx::query(sql(format!(
                "SELECT contact_id, started_at, day, ref FROM funnel_contacts WHERE flow = $1 AND contact_id IN ({list})"
            )))
            .bind(flow);
            for id in &chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let state = ContactState {
                    started_at: row.try_get(1)?,
                    day: row.try_get::<i32, _>(2)?,
                    marks: BTreeMap::new(),
                };
                states.insert((flow.to_owned(), row.try_get(0)?), Some(state));
                refs.insert((flow.to_owned(), row.try_get(0)?), row.try_get(3)?);
            }
            let mut query = sqlx::query(sql(format!(
                "SELECT contact_id, metric, first_at FROM funnel_marks WHERE flow = $1 AND contact_id IN ({list})"
            )))
            .bind(flow);
            for id in &chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let key = (flow.to_owned(), row.try_get::<i64, _>(0)?);
                if let Some(Some(state)) = states.get_mut(&key) {
                    state.marks.insert(row.try_get(1)?, row.try_get(2)?);
                }
            }
        }
    }
    Ok((states, refs))
}

/// Inserts the contacts that joined a cohort and the marks made in this round.
async fn write_states(conn: &mut AnyConnection, states: &States, refs: &Refs, stored: &Stored) -> Result<()> {
    let mut contacts = Vec::new();
    let mut marks = Vec::new();
    for ((flow, contact), state) in states {
        let Some(state) = state else { continue };
        let before = stored.0.get(&(flow.clone(), *contact));
        if before.is_none() {
            let reference = refs.get(&(flow.clone(), *contact)).cloned().flatten();
            contacts.push((flow.as_str(), *contact, state.started_at, state.day, reference));
        }
        for (metric, at) in &state.marks {
            if !before.is_some_and(|marks| marks.contains(metric)) {
                marks.push((flow.as_str(), *contact, metric.as_str(), *at));
            }
        }
    }
    for chunk in statement_chunks(&contacts) {
        let mut query = sqlx::query(sql(format!(
            "INSERT INTO funnel_contacts (flow, contact_id, started_at, day, ref) VALUES {}",
            values_list(chunk.len(), 5)
        )));
        for (flow, contact, started_at, day, reference) in chunk {
            query = query.bind(*flow).bind(*contact).bind(*started_at).bind(*day).bind(reference.as_deref());
        }
        query.execute(&mut *conn).await?;
    }
    for chunk in statement_chunks(&marks) {
        let mut query = sqlx::query(sql(format!(
            "INSERT INTO funnel_marks (flow, contact_id, metric, first_at) VALUES {}",
            values_list(chunk.len(), 4)
        )));
        for (flow, contact, metric, at) in chunk {
            query = query.bind(*flow).bind(*contact).bind(*metric).bind(*at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds this round's counts to the stored ones.
async fn write_counts(conn: &mut AnyConnection, counts: &Counts) -> Result<()> {
    let days: Vec<_> = counts.days.iter().collect();
    for chunk in statement_chunks(&days) {
        let mut query = sqlx::query(sql(format!(
            "INSERT INTO funnel_days (flow, day, metric, contacts, total) VALUES {} \
             ON CONFLICT (flow, day, metric) DO UPDATE SET contacts = funnel_days.contacts + excluded.contacts, \
             total = funnel_days.total + excluded.total",
            values_list(chunk.len(), 5)
        )));
        for ((flow, day, metric), (contacts, total)) in chunk {
            query = query.bind(flow.as_str()).bind(*day).bind(metric.as_str()).bind(*contacts).bind(*total);
        }
        query.execute(&mut *conn).await?;
    }
    let delays: Vec<_> = counts.delays.iter().collect();
    for chunk in statement_chunks(&delays) {
        let mut query = sqlx::query(sql(format!(
            "INSERT INTO funnel_delays (flow, day, metric, bucket, contacts) VALUES {} \
             ON CONFLICT (flow, day, metric, bucket) DO UPDATE SET contacts = funnel_delays.contacts + excluded.contacts",
            values_list(chunk.len(), 5)
        )));
        for ((flow, day, metric, bucket), contacts) in chunk {
            query = query.bind(flow.as_str()).bind(*day).bind(metric.as_str()).bind(*bucket).bind(*contacts);
        }
        query.execute(&mut *conn).await?;
    }
    let ref_days: Vec<_> = counts.ref_days.iter().collect();
    for chunk in statement_chunks(&ref_days) {
        let mut query = sqlx::query(sql(format!(
            "INSERT INTO funnel_ref_days (flow, ref, day, metric, contacts, total) VALUES {} \
             ON CONFLICT (flow, ref, day, metric) DO UPDATE SET \
             contacts = funnel_ref_days.contacts + excluded.contacts, total = funnel_ref_days.total + excluded.total",
            values_list(chunk.len(), 6)
        )));
        for ((flow, reference, day, metric), (contacts, total)) in chunk {
            query = query
                .bind(flow.as_str())
                .bind(reference.as_str())
                .bind(*day)
                .bind(metric.as_str())
                .bind(*contacts)
                .bind(*total);
        }
        query.execute(&mut *conn).await?;
    }
    let ref_delays: Vec<_> = counts.ref_delays.iter().collect();
    for chunk in statement_chunks(&ref_delays) {
        let mut query = sqlx::query(sql(format!(
            "INSERT INTO funnel_ref_delays (flow, ref, day, metric, bucket, contacts) VALUES {} \
             ON CONFLICT (flow, ref, day, metric, bucket) DO UPDATE SET \
             contacts = funnel_ref_delays.contacts + excluded.contacts",
            values_list(chunk.len(), 6)
        )));
        for ((flow, reference, day, metric, bucket), contacts) in chunk {
            query = query
                .bind(flow.as_str())
                .bind(reference.as_str())
                .bind(*day)
                .bind(metric.as_str())
                .bind(*bucket)
                .bind(*contacts);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
