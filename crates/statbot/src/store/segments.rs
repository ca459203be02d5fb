//! Segments in SQL, and contact tags. A [`Segment`] (see `statbot_core::segment`) becomes one
//! condition over `contacts c`, every value a bound parameter, the same text on both databases;
//! the store counts the contacts it chooses, pages through them by id (a broadcast to 100,000
//! contacts reads them a page at a time), and tags or untags them all in one statement.
//!
//! Every condition is true or false, never NULL, so `not` always chooses the other contacts.
//! Erased contacts (see [`Store::forget`]) are in no segment: nobody is left to choose.

use super::contacts::{COLUMNS, from_row};
use super::{Contact, FORGOTTEN_PREFIX, Result, Store, id_chunks, params, parse_column, sql};
use sqlx::Row;
use statbot_core::segment::{Segment, Tag};
use std::collections::HashMap;

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// A value bound to a parameter of a [`Condition`].
enum Value {
    Text(String),
    Int(i64),
}

/// A segment as a SQL condition over `contacts c`, its parameters numbered from a given one.
pub(crate) struct Condition {
    pub(crate) text: String,
    values: Vec<Value>,
}

impl Condition {
    /// The condition choosing `segment`'s contacts at `now` (for `seen:` and `window:open`),
    /// its first parameter `$first`.
    pub(crate) fn new(segment: &Segment, now: i64, first: usize) -> Condition {
        let mut condition = Condition { text: String::new(), values: Vec::new() };
        let erased = condition.param(first, Value::Text(format!("{FORGOTTEN_PREFIX}%")));
        condition.text = format!("c.external_id NOT LIKE {erased} AND ");
        condition.push(segment, now, first);
        condition
    }

    /// The next parameter, holding `value`.
    fn param(&mut self, first: usize, value: Value) -> String {
        self.values.push(value);
        format!("${}", first + self.values.len() - 1)
    }

    fn push(&mut self, segment: &Segment, now: i64, first: usize) {
        let text = |value: &str| Value::Text(value.to_owned());
        let sql = match segment {
            Segment::Tag(tag) => {
                let tag = self.param(first, text(tag.as_str()));
                format!("EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = {tag})")
            }
            Segment::Channel(platform) => format!("c.platform = {}", self.param(first, text(platform.as_str()))),
            Segment::Ref(reference) => {
                let reference = self.param(first, text(reference));
                format!("EXISTS (SELECT 1 FROM referrals r WHERE r.contact_id = c.id AND r.ref = {reference})")
            }
            Segment::Reached { flow, step } => {
                let (flow, step) = (self.param(first, text(flow)), self.param(first, text(step)));
                format!(
                    "EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.kind = 'step_entered' \
                     AND e.flow = {flow} AND e.step = {step})"
                )
            }
            Segment::Revealed { flow } => {
                let flow = self.param(first, text(flow));
                format!(
                    "EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.kind = 'coupon_revealed' \
                     AND e.flow = {flow})"
                )
            }
            // The contact's latest message, found by the index on (contact_id, id): ids rise
            // with arrival. (contacts.last_inbound_at is kept for Meta's channels only.)
            Segment::Seen(period) => {
                let since = self.param(first, Value::Int(now - period.as_ms()));
                format!(
                    "COALESCE((SELECT i.received_at FROM inbound i WHERE i.contact_id = c.id \
                     ORDER BY i.id DESC LIMIT 1), 0) >= {since}"
                )
            }
            Segment::WindowOpen => format!("COALESCE(c.window_until, 0) > {}", self.param(first, Value::Int(now))),
            Segment::OptedOut => "c.opted_out_at IS NOT NULL".to_owned(),
            Segment::Id(id) => format!("c.id = {}", self.param(first, Value::Int(*id))),
            Segment::And(a, b) | Segment::Or(a, b) => {
                let operator = if matches!(segment, Segment::And(..)) { " AND " } else { " OR " };
                self.text.push('(');
                self.push(a, now, first);
                self.text.push_str(operator);
                self.push(b, now, first);
                self.text.push(')');
                return;
            }
            Segment::Not(a) => {
                self.text.push_str("NOT (");
                self.push(a, now, first);
                self.text.push(')');
                return;
            }
        };
        self.text.push_str(&sql);
    }

    /// Binds its values, in order, after those already bound to `query`.
    pub(crate) fn bind<'q>(&self, mut query: Query<'q>) -> Query<'q> {
        for value in &self.values {
            query = match value {
                Value::Text(text) => query.bind(text.clone()),
                Value::Int(int) => query.bind(*int),
            };
        }
        query
    }
}

/// A contact with its tags, as listings show it (JSON: the contact's fields and `tags`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaggedContact {
    #[serde(flatten)]
    pub contact: Contact,
    pub tags: Vec<String>,
}

/// A tag and how many contacts have it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TagCount {
    pub tag: String,
    pub contacts: i64,
}

impl Store {
    /// How many contacts `segment` chooses at `now`.
    pub async fn segment_count(&self, segment: &Segment, now: i64) -> Result<i64> {
        let condition = Condition::new(segment, now, 1);
        let query = sqlx::query(sql(format!("SELECT COUNT(*) FROM contacts c WHERE {}", condition.text)));
        let row = condition.bind(query).fetch_one(&mut *self.conn().await?).await?;
        Ok(row.try_get(0)?)
    }

    /// The ids of the contacts `segment` chooses at `now`, above `after` (0 for the first
    /// page), at most `limit`, lowest first: page on with the last id of a page.
    pub async fn segment_contacts(&self, segment: &Segment, now: i64, after: i64, limit: i64) -> Result<Vec<i64>> {
        let rows = self.segment_page("c.id", segment, now, after, limit).await?;
        rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
    }

    /// Like [`Store::segment_contacts`], the contacts themselves.
    pub async fn segment_contact_rows(
        &self,
        segment: &Segment,
        now: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Contact>> {
        let rows = self.segment_page(COLUMNS, segment, now, after, limit).await?;
        rows.iter().map(from_row).collect()
    }

    async fn segment_page(
        &self,
        columns: &str,
        segment: &Segment,
        now: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let condition = Condition::new(segment, now, 3);
        let query = sqlx::query(sql(format!(
            "SELECT {columns} FROM contacts c WHERE c.id > $1 AND {} ORDER BY c.id LIMIT $2",
            condition.text
        )))
        .bind(after)
        .bind(limit);
        Ok(condition.bind(query).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Gives `tag` to every contact `segment` chooses at `now`, in one statement; returns how
    /// many did not have it yet (those that had it keep their first `tagged_at`).
    pub async fn tag_segment(&self, tag: &Tag, segment: &Segment, now: i64) -> Result<u64> {
        let condition = Condition::new(segment, now, 3);
        let query = sqlx::query(sql(format!(
            "INSERT INTO contact_tags (contact_id, tag, tagged_at) SELECT c.id, $1, $2 FROM contacts c WHERE {} \
             ON CONFLICT (contact_id, tag) DO NOTHING",
            condition.text
        )))
        .bind(tag.as_str())
        .bind(now);
        Ok(condition.bind(query).execute(&mut *self.conn().await?).await?.rows_affected())
    }

    /// Takes `tag` from every contact `segment` chooses at `now`, in one statement; returns how
    /// many had it.
    pub async fn untag_segment(&self, tag: &Tag, segment: &Segment, now: i64) -> Result<u64> {
        let condition = Condition::new(segment, now, 2);
        let query = sqlx::query(sql(format!(
            "DELETE FROM contact_tags WHERE tag = $1 AND contact_id IN (SELECT c.id FROM contacts c WHERE {})",
            condition.text
        )))
        .bind(tag.as_str());
        Ok(condition.bind(query).execute(&mut *self.conn().await?).await?.rows_affected())
    }

    /// The tags of these contacts, each contact's in alphabetical order (contacts without a tag
    /// are not in the map).
    pub async fn tags_of(&self, contact_ids: &[i64]) -> Result<HashMap<i64, Vec<Tag>>> {
        let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
        let mut conn = self.conn().await?;
        for chunk in id_chunks(contact_ids) {
            let mut query = sqlx::query(sql(format!(
                "SELECT contact_id, tag FROM contact_tags WHERE contact_id IN ({}) ORDER BY contact_id, tag",
                params(1, chunk.len())
            )));
            for id in &chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let tag: String = row.try_get(1)?;
                tags.entry(row.try_get(0)?).or_default().push(parse_column(&tag, "tag")?);
            }
        }
        // A padded chunk repeats its last id, and with it that contact's tags.
        tags.values_mut().for_each(Vec::dedup);
        Ok(tags)
    }

    /// The contacts with their tags, in the same order.
    pub async fn with_tags(&self, contacts: Vec<Contact>) -> Result<Vec<TaggedContact>> {
        let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
        let mut tags = self.tags_of(&ids).await?;
        Ok(contacts
            .into_iter()
            .map(|contact| {
                let tags = tags.remove(&contact.id).unwrap_or_default().iter().map(|t| t.as_str().to_owned()).collect();
                TaggedContact { contact, tags }
            })
            .collect())
    }

    /// Every tag in use and how many contacts have it, alphabetically.
    pub async fn tag_counts(&self) -> Result<Vec<TagCount>> {
        let rows = sqlx::query("SELECT tag, COUNT(*) FROM contact_tags GROUP BY tag ORDER BY tag")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(|row| Ok(TagCount { tag: row.try_get(0)?, contacts: row.try_get(1)? })).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parameters_numbered_in_order() {
        let segment: Segment = "tag:vip and not (ref:flyer or seen:1h) or reached:coupon.offer".parse().unwrap();
        let condition = Condition::new(&segment, 3_600_000, 3);
        assert_eq!(condition.values.len(), 6);
        assert!(condition.text.starts_with("c.external_id NOT LIKE $3 AND ((EXISTS"), "{}", condition.text);
        let places: Vec<usize> = ["t.tag = $4", "r.ref = $5", ">= $6", "e.flow = $7 AND e.step = $8"]
            .iter()
            .map(|needle| condition.text.find(needle).unwrap_or_else(|| panic!("{needle} in {}", condition.text)))
            .collect();
        assert!(places.is_sorted(), "{}", condition.text);
        assert!(!condition.text.contains("vip") && !condition.text.contains("flyer"));
    }

    #[test]
    fn a_contacts_id_is_a_parameter_too() {
        let segment: Segment = "id:42 or not id:7".parse().unwrap();
        let condition = Condition::new(&segment, 0, 1);
        assert!(condition.text.ends_with("(c.id = $2 OR NOT (c.id = $3))"), "{}", condition.text);
        assert!(matches!(condition.values[1..], [Value::Int(42), Value::Int(7)]));
    }
}
