//! Erasing a person's data, and the record of every request to: one transaction per request
//! that erases the matching contacts and records the request with its confirmation code.
//!
//! A contact is erased, not deleted: its row and its events stay, anonymous, so funnels and
//! coupon counts do not change. Gone: the name, profile picture, conversation context, the
//! texts of its messages (what it sent, what the bot answered, free text kept for review, error
//! texts), its staff link, its tags, and its platform id, replaced by `forgotten:<random>` so that the
//! person writing again is a new contact. Kept: times, kinds, flow positions, events (coupon
//! codes included, which are the shop's, not the person's) and referrals (a link's ref, source
//! and ad id name a campaign, not a person). docs/privacy.md says the same for operators.

use super::{Result, Store, StoreError, now_ms, parse_column};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row, any::AnyRow};
use statbot_core::{Platform, Reply};
use std::fmt;
use std::str::FromStr;

/// Who asked for an erasure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionSource {
    /// Meta's data deletion callback.
    Meta,
    /// `statbot contacts forget`, for a request made by other means.
    Cli,
}

impl DeletionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionSource::Meta => "meta",
            DeletionSource::Cli => "cli",
        }
    }
}

impl fmt::Display for DeletionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeletionSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "meta" => Ok(DeletionSource::Meta),
            "cli" => Ok(DeletionSource::Cli),
            other => Err(format!("unknown deletion source `{other}`")),
        }
    }
}

/// Whose data to erase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forget<'a> {
    /// One contact, by its number.
    Contact(i64),
    /// The contact a platform knows by this id.
    On(Platform, &'a str),
    /// The `user_id` of Meta's data deletion callback: every Messenger or Instagram contact
    /// whose platform id it is.
    MetaUser(&'a str),
}

/// A request to erase, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataDeletion {
    /// The confirmation code the person was given: 32 hex digits.
    pub confirmation_code: String,
    pub source: DeletionSource,
    /// The (now anonymous) contact erased first; `None` when no data was held.
    pub contact_id: Option<i64>,
    pub contacts_erased: i64,
    pub requested_at: i64,
    /// When the erasure committed; `None` while it has not.
    pub completed_at: Option<i64>,
}

impl DataDeletion {
    pub fn done(&self) -> bool {
        self.completed_at.is_some()
    }
}

const COLUMNS: &str = "code, source, contact_id, contacts_erased, requested_at, completed_at";

fn from_row(row: &AnyRow) -> Result<DataDeletion> {
    Ok(DataDeletion {
        confirmation_code: row.try_get("code")?,
        source: parse_column(&row.try_get::<String, _>("source")?, "deletion source")?,
        contact_id: row.try_get("contact_id")?,
        contacts_erased: row.try_get("contacts_erased")?,
        requested_at: row.try_get("requested_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

/// The prefix of the platform id an erased contact is given.
pub const FORGOTTEN_PREFIX: &str = "forgotten:";

/// A random, unguessable token: 16 bytes as 32 hex digits.
fn random_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// What the request's subject is recorded as: the SHA-256 of the id, never the id itself.
fn subject_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Whether a text could be a confirmation code (so that anything else is not looked up).
pub fn is_confirmation_code(code: &str) -> bool {
    code.len() == 32 && code.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The contacts a request names, as (id, platform id), read in the transaction.
async fn matching(conn: &mut AnyConnection, who: Forget<'_>) -> Result<Vec<(i64, String)>> {
    let rows = match who {
        Forget::Contact(id) => {
            sqlx::query("SELECT id, external_id FROM contacts WHERE id = $1").bind(id).fetch_all(conn).await?
        }
        Forget::On(platform, external_id) => {
            sqlx::query("SELECT id, external_id FROM contacts WHERE platform = $1 AND external_id = $2")
                .bind(platform.as_str())
                .bind(external_id)
                .fetch_all(conn)
                .await?
        }
        Forget::MetaUser(user_id) => {
            sqlx::query(
                "SELECT id, external_id FROM contacts WHERE platform IN ($1, $2) AND external_id = $3 ORDER BY id",
            )
            .bind(Platform::Messenger.as_str())
            .bind(Platform::Instagram.as_str())
            .bind(user_id)
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Erases one contact's personal data (see the module's comment), keeping its row and events.
async fn erase_contact(conn: &mut AnyConnection, contact_id: i64, now: i64) -> Result<()> {
    let forgotten = format!("{FORGOTTEN_PREFIX}{}", random_token());
    // The profile counts as fetched, so nothing ever asks the platform about the new id.
    sqlx::query(
        "UPDATE contacts SET external_id = $1, first_name = NULL, last_name = NULL, profile_pic = NULL, \
         profile_fetched_at = COALESCE(profile_fetched_at, $2), context = '{}', window_until = NULL WHERE id = $3",
    )
    .bind(&forgotten)
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    // Messages not acted on yet never will be: the bot would answer someone it no longer knows.
    sqlx::query(
        "UPDATE inbound SET text = NULL, payload = NULL, referral = NULL, \
         processed_at = COALESCE(processed_at, $1), lease_until = NULL WHERE contact_id = $2",
    )
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    // Replies keep a valid body (an empty text) and their status; those still waiting are
    // given up on, as the recipient is gone.
    let erased = serde_json::to_string(&Reply::Text { text: String::new() })
        .map_err(|e| StoreError::Corrupt(format!("an erased reply: {e}")))?;
    sqlx::query(
        "UPDATE outbox SET body = $1, recipient = $2, last_error = NULL, lease_until = NULL, \
         error_class = CASE WHEN status IN ('pending', 'held') THEN 'erased' ELSE error_class END, \
         status = CASE WHEN status IN ('pending', 'held') THEN 'failed' ELSE status END \
         WHERE contact_id = $3",
    )
    .bind(erased)
    .bind(&forgotten)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    // Kept for the understood/not-understood counts; an empty text is left out of the misses.
    sqlx::query("UPDATE utterances SET text = '', normalized = '' WHERE contact_id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    // A coupon event's detail is the coupon and its code; any other detail may hold a text
    // (a send failure's reason).
    sqlx::query(
        "UPDATE events SET detail = NULL WHERE contact_id = $1 AND detail IS NOT NULL \
         AND kind NOT IN ('coupon_revealed', 'coupon_exhausted')",
    )
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    // Out of the inbox: nobody is left to answer. The inbox sessions stay (they hold no personal
    // data, and the team's figures count them), closed.
    sqlx::query(
        "UPDATE conversations SET status = 'bot', assigned_user_id = NULL, unread = 0, updated_at = $1 \
         WHERE contact_id = $2",
    )
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE inbox_sessions SET released_at = $1, released_by = 'erased' WHERE contact_id = $2 AND released_at IS NULL",
    )
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    // Nobody is left to remind.
    sqlx::query(
        "UPDATE follow_ups SET status = 'skipped', reason = 'erased', done_at = $1 \
         WHERE contact_id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    for statement in [
        "DELETE FROM contact_links WHERE contact_id = $1",
        "DELETE FROM link_failures WHERE contact_id = $1",
        "DELETE FROM contact_tags WHERE contact_id = $1",
    ] {
        sqlx::query(statement).bind(contact_id).execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Erases the contacts a request names and records the request, done, in one transaction;
    /// returns the record. A request that names no contact is recorded too, with nothing
    /// erased ("no data held").
    pub async fn forget(&self, source: DeletionSource, who: Forget<'_>) -> Result<DataDeletion> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let contacts = matching(&mut tx, who).await?;
        for (id, _) in &contacts {
            erase_contact(&mut tx, *id, now).await?;
        }
        let subject = match who {
            Forget::Contact(id) => {
                contacts.first().map(|(_, external)| external.clone()).unwrap_or_else(|| id.to_string())
            }
            Forget::On(_, id) | Forget::MetaUser(id) => id.to_owned(),
        };
        let record = DataDeletion {
            confirmation_code: random_token(),
            source,
            contact_id: contacts.first().map(|(id, _)| *id),
            contacts_erased: contacts.len() as i64,
            requested_at: now,
            completed_at: Some(now),
        };
        sqlx::query(
            "INSERT INTO data_deletions (code, source, subject_hash, contact_id, contacts_erased, requested_at, \
             completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&record.confirmation_code)
        .bind(source.as_str())
        .bind(subject_hash(&subject))
        .bind(record.contact_id)
        .bind(record.contacts_erased)
        .bind(record.requested_at)
        .bind(record.completed_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let ids: Vec<i64> = contacts.iter().map(|(id, _)| *id).collect();
        self.contact_ids.forget(&ids);
        Ok(record)
    }

    /// The request with this confirmation code.
    pub async fn data_deletion(&self, code: &str) -> Result<Option<DataDeletion>> {
        if !is_confirmation_code(code) {
            return Ok(None);
        }
        let row = sqlx::query(super::sql(format!("SELECT {COLUMNS} FROM data_deletions WHERE code = $1")))
            .bind(code)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_confirmation_codes() {
        let code = random_token();
        assert!(is_confirmation_code(&code), "{code}");
        assert_ne!(code, random_token());
        assert!(!is_confirmation_code(&code.to_uppercase()));
        assert!(!is_confirmation_code(&code[1..]));
        assert!(!is_confirmation_code("../../etc/passwd"));
    }

    #[test]
    fn subjects_are_kept_hashed() {
        let hash = subject_hash("6790000000000001");
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains("6790000000000001"));
    }
}
