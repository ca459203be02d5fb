//! Contacts: who talks to the bot, on which platform, their profile, where they stand in a flow
//! and their conversation context.

use super::segments::Condition;
use super::{Result, Store, StoreError, id_chunks, now_ms, params, parse_column, sql, statement_chunks};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};
use statbot_core::{Platform, Position, Segment, Window};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: i64,
    pub platform: Platform,
    pub external_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub profile_fetched: bool,
    pub position: Option<Position>,
    pub context: serde_json::Map<String, serde_json::Value>,
    pub created_at: i64,
    /// When the contact last wrote or moved in a flow.
    pub updated_at: i64,
    /// Meta's messaging window (Messenger, Instagram); empty on other channels.
    pub window: Window,
    /// Since when the contact wants nothing statbot starts (promotions); `None`: not opted out.
    pub opted_out_at: Option<i64>,
}

/// What a platform tells about a contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub profile_pic: Option<String>,
}

pub(super) const COLUMNS: &str = "id, platform, external_id, first_name, last_name, profile_fetched_at, flow, step, context, \
                       created_at, updated_at, last_inbound_at, window_until, opted_out_at";

pub(super) fn from_row(row: &AnyRow) -> Result<Contact> {
    let flow: Option<String> = row.try_get("flow")?;
    let step: Option<String> = row.try_get("step")?;
    let context: String = row.try_get("context")?;
    let context = match serde_json::from_str(&context) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return Err(StoreError::Corrupt(format!("contact context `{context}`"))),
    };
    Ok(Contact {
        id: row.try_get("id")?,
        platform: parse_column(&row.try_get::<String, _>("platform")?, "platform")?,
        external_id: row.try_get("external_id")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        profile_fetched: row.try_get::<Option<i64>, _>("profile_fetched_at")?.is_some(),
        position: flow.zip(step).map(|(flow, step)| Position { flow, step }),
        context,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        window: window_from_row(row)?,
        opted_out_at: row.try_get("opted_out_at")?,
    })
}

fn window_from_row(row: &AnyRow) -> Result<Window> {
    Ok(Window { last_inbound_at: row.try_get("last_inbound_at")?, until: row.try_get("window_until")? })
}

/// Saves contacts' messaging windows, many in one statement. A window only moves forward: the
/// statement keeps the later of the stored and the new times, so two workers racing (or a late
/// redelivery) never move one back.
pub(crate) async fn set_windows(conn: &mut AnyConnection, windows: &[(i64, Window)]) -> Result<()> {
    let known: Vec<(i64, i64, i64)> =
        windows.iter().filter_map(|(id, w)| Some((*id, w.last_inbound_at?, w.until?))).collect();
    for chunk in statement_chunks(&known) {
        let (mut lasts, mut untils, mut ids) = (String::new(), String::new(), Vec::with_capacity(chunk.len()));
        for i in 0..chunk.len() {
            let id = 3 * i + 1;
            lasts.push_str(&format!(" WHEN ${id} THEN ${}", id + 1));
            untils.push_str(&format!(" WHEN ${id} THEN ${}", id + 2));
            ids.push(format!("${id}"));
        }
        let query_text = format!(
            "UPDATE contacts SET \
               last_inbound_at = CASE WHEN last_inbound_at IS NULL OR last_inbound_at < (CASE id{lasts} END) \
                 THEN (CASE id{lasts} END) ELSE last_inbound_at END, \
               window_until = CASE WHEN window_until IS NULL OR window_until < (CASE id{untils} END) \
                 THEN (CASE id{untils} END) ELSE window_until END \
             WHERE id IN ({})",
            ids.join(", ")
        );
        let mut query = sqlx::query(sql(query_text));
        for (id, last, until) in chunk {
            query = query.bind(*id).bind(*last).bind(*until);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Contacts' messaging windows by id.
pub(crate) async fn windows(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Window>> {
    let mut windows = HashMap::with_capacity(ids.len());
    for chunk in id_chunks(ids) {
        let query_text =
            format!("SELECT id, last_inbound_at, window_until FROM contacts WHERE id IN ({})", params(1, chunk.len()));
        let mut query = sqlx::query(sql(query_text));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            windows.insert(row.try_get("id")?, window_from_row(&row)?);
        }
    }
    Ok(windows)
}

/// Moves contacts to their new positions, many in one statement.
pub(crate) async fn set_positions(conn: &mut AnyConnection, positions: &[(i64, &Position)]) -> Result<()> {
    let now = now_ms();
    for chunk in statement_chunks(positions) {
        let (mut flows, mut steps, mut ids) = (String::new(), String::new(), Vec::with_capacity(chunk.len()));
        for i in 0..chunk.len() {
            let id = 3 * i + 2;
            flows.push_str(&format!(" WHEN ${id} THEN ${}", id + 1));
            steps.push_str(&format!(" WHEN ${id} THEN ${}", id + 2));
            ids.push(format!("${id}"));
        }
        let query_text = format!(
            "UPDATE contacts SET flow = CASE id{flows} END, step = CASE id{steps} END, updated_at = $1 WHERE id IN ({})",
            ids.join(", ")
        );
        let mut query = sqlx::query(sql(query_text)).bind(now);
        for (id, position) in chunk {
            query = query.bind(*id).bind(position.flow.as_str()).bind(position.step.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Saves contacts' conversation contexts (JSON objects), one statement per contact.
pub(crate) async fn set_contexts(
    conn: &mut AnyConnection,
    contexts: &[(i64, &serde_json::Map<String, serde_json::Value>)],
) -> Result<()> {
    let now = now_ms();
    for (id, context) in contexts {
        sqlx::query("UPDATE contacts SET context = $1, updated_at = $2 WHERE id = $3")
            .bind(serde_json::Value::Object((*context).clone()).to_string())
            .bind(now)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Contacts by id, for a batch of messages.
pub(crate) async fn load_many(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Contact>> {
    let mut contacts = HashMap::with_capacity(ids.len());
    for chunk in id_chunks(ids) {
        let query_text = format!("SELECT {COLUMNS} FROM contacts WHERE id IN ({})", params(1, chunk.len()));
        let mut query = sqlx::query(sql(query_text));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let contact = from_row(&row)?;
            contacts.insert(contact.id, contact);
        }
    }
    Ok(contacts)
}

impl Contact {
    /// The name to show operators: first and last name; else, for a web chat visitor (whose id
    /// is 32 hex digits), "Visitor" and the contact's number; else the platform's id (a
    /// terminal chat's name, a Messenger PSID).
    pub fn display_name(&self) -> String {
        let name =
            [self.first_name.as_deref(), self.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        match self.platform {
            _ if !name.trim().is_empty() => name,
            _ if self.is_erased() => format!("Erased contact {}", self.id),
            Platform::Web => format!("Visitor {}", self.id),
            _ => self.external_id.clone(),
        }
    }

    /// Whether the person's data was erased (see [`Store::forget`]).
    pub fn is_erased(&self) -> bool {
        self.external_id.starts_with(super::FORGOTTEN_PREFIX)
    }

    /// The first name to greet the contact with, if known: the profile's, or for the terminal
    /// chat the name it was started with (`statbot chat --as Rosa`).
    pub fn greeting_name(&self) -> Option<&str> {
        let name = match self.platform {
            Platform::Console => self.first_name.as_deref().or(Some(self.external_id.as_str())),
            _ => self.first_name.as_deref(),
        };
        name.filter(|n| !n.trim().is_empty())
    }
}

impl Store {
    /// The most recently active contacts whose name or platform id contains `search` (any case)
    /// and, given one, that `segment` chooses now.
    pub async fn find_contacts(&self, search: &str, segment: Option<&Segment>, limit: i64) -> Result<Vec<Contact>> {
        let escaped = search.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let condition = segment.map(|segment| Condition::new(segment, now_ms(), 3));
        let chosen = condition.as_ref().map(|c| format!("AND {}", c.text)).unwrap_or_default();
        let query = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM contacts c \
             WHERE (LOWER(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE $1 ESCAPE '\\' \
                OR LOWER(external_id) LIKE $1 ESCAPE '\\') {chosen} \
             ORDER BY updated_at DESC, id DESC LIMIT $2"
        )))
        .bind(format!("%{escaped}%"))
        .bind(limit);
        let query = match &condition {
            Some(condition) => condition.bind(query),
            None => query,
        };
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn contact(&self, id: i64) -> Result<Option<Contact>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM contacts WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn find_contact(&self, platform: Platform, external_id: &str) -> Result<Option<Contact>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM contacts WHERE platform = $1 AND external_id = $2")))
            .bind(platform.as_str())
            .bind(external_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Stores a fetched profile; the contact's profile is then never fetched again.
    /// Creates contacts in bulk (for benchmarks and demo data) and returns their ids, in order.
    pub async fn load_contacts(&self, platform: Platform, external_ids: &[String]) -> Result<Vec<i64>> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let mut ids = Vec::with_capacity(external_ids.len());
        for chunk in statement_chunks(external_ids) {
            let mut query = sqlx::query(sql(format!(
                "INSERT INTO contacts (platform, external_id, created_at, updated_at) VALUES {} RETURNING id",
                super::values_list(chunk.len(), 4)
            )));
            for external_id in chunk {
                query = query.bind(platform.as_str()).bind(external_id.as_str()).bind(now).bind(now);
            }
            let mut chunk_ids: Vec<i64> =
                query.fetch_all(&mut *tx).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
            // Ids rise in insertion order within one statement.
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Sets contacts' messaging windows (for benchmarks and demo data: the engine sets them as
    /// messages arrive).
    pub async fn set_contact_windows(&self, windows: &[(i64, Window)]) -> Result<()> {
        set_windows(&mut *self.conn().await?, windows).await
    }

    pub async fn set_profile(&self, id: i64, profile: &Profile) -> Result<()> {
        sqlx::query(
            "UPDATE contacts SET first_name = $1, last_name = $2, profile_pic = $3, profile_fetched_at = $4, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(&profile.first_name)
        .bind(&profile.last_name)
        .bind(&profile.profile_pic)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }
}

/// Contact ids by (platform, external id), remembered once a transaction that read them
/// committed, so that storing a message from a known contact needs no lookup. Bounded: when
/// full it starts over.
#[derive(Debug, Default)]
pub(crate) struct ContactIds {
    known: std::sync::Mutex<HashMap<(Platform, String), i64>>,
}

/// Contacts remembered at most.
const CONTACT_IDS_REMEMBERED: usize = 200_000;

impl ContactIds {
    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<(Platform, String), i64>> {
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves the senders it knows from `senders` to `ids`.
    pub(crate) fn resolve(&self, senders: &mut Vec<(Platform, &str)>, ids: &mut HashMap<(Platform, String), i64>) {
        let known = self.known();
        senders.retain(|(platform, sender)| match known.get(&(*platform, (*sender).to_owned())) {
            Some(id) => {
                ids.insert((*platform, (*sender).to_owned()), *id);
                false
            }
            None => true,
        });
    }

    /// Forgets these contacts (erased: their platform id was replaced), so that the person
    /// writing again becomes a new contact.
    pub(crate) fn forget(&self, ids: &[i64]) {
        self.known().retain(|_, id| !ids.contains(id));
    }

    pub(crate) fn remember(&self, ids: &HashMap<(Platform, String), i64>) {
        let mut known = self.known();
        if known.len() + ids.len() > CONTACT_IDS_REMEMBERED {
            known.clear();
        }
        known.extend(ids.iter().map(|(key, id)| (key.clone(), *id)));
    }
}
