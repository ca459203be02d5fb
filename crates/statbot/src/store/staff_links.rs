//! Staff links: one-time link codes (only their SHA-256 is stored), the contacts linked to an
//! operator account, and the failed attempts behind the per-contact rate limit. What a link
//! means and how codes look is `crate::staff`'s business; this is only the SQL.

use super::{Result, Role, Store, User, now_ms, parse_column, sql, users};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use statbot_core::Platform;

/// A contact linked to an operator account, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct ContactLink {
    pub contact_id: i64,
    pub platform: Platform,
    /// The platform's id for the contact (a PSID, the web chat's cookie, the terminal's name).
    pub external_id: String,
    /// First and last name, when the platform told them.
    pub contact_name: Option<String>,
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub linked_at: i64,
}

/// The users columns prefixed with `u.`, for joins.
fn user_columns() -> String {
    users::COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
}

/// The operator account a contact is linked to: one primary-key look-up joined to the users'
/// primary key. Takes the caller's connection, so code running inside the engine's transaction
/// (the assistant) can ask without a second connection (on SQLite there is only one).
pub(crate) async fn operator_of(conn: &mut AnyConnection, contact_id: i64) -> Result<Option<User>> {
    let row = sqlx::query(sql(format!(
        "SELECT {} FROM contact_links l JOIN users u ON u.id = l.user_id WHERE l.contact_id = $1",
        user_columns()
    )))
    .bind(contact_id)
    .fetch_optional(conn)
    .await?;
    // A shop customer's account is never staff, even if it was linked by mistake; a disabled
    // account's chats are not staff until it is enabled again.
    Ok(row.as_ref().map(users::from_row).transpose()?.filter(|user| user.role.is_operator() && !user.is_disabled()))
}

/// Uses a link code: deletes it when it exists and has not expired, and returns its account.
/// The delete is the claim: of two transactions deleting the same row, PostgreSQL lets the
/// second wait for the first and then finds nothing, and SQLite has one writer; a code
/// therefore works once, whatever the number of instances.
pub(crate) async fn consume_code(conn: &mut AnyConnection, code_hash: &str, now: i64) -> Result<Option<User>> {
    let row = sqlx::query("DELETE FROM link_codes WHERE code_hash = $1 AND expires_at > $2 RETURNING user_id")
        .bind(code_hash)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let user_id: i64 = row.try_get(0)?;
    let row = sqlx::query(sql(format!("SELECT {} FROM users WHERE id = $1", users::COLUMNS)))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    // A disabled account links no chat: its code is used up like a wrong one.
    Ok(row.as_ref().map(users::from_row).transpose()?.filter(|user| !user.is_disabled()))
}

/// Links a contact to an account, replacing any earlier link of that contact.
pub(crate) async fn link(conn: &mut AnyConnection, contact_id: i64, user_id: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact_links (contact_id, user_id, linked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (contact_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at",
    )
    .bind(contact_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a contact's link; returns the account it was linked to, if any.
pub(crate) async fn unlink(conn: &mut AnyConnection, contact_id: i64) -> Result<Option<User>> {
    let user = operator_of(&mut *conn, contact_id).await?;
    sqlx::query("DELETE FROM contact_links WHERE contact_id = $1").bind(contact_id).execute(conn).await?;
    Ok(user)
}

/// Failed link attempts of a contact since `since` (ms).
pub(crate) async fn failures_since(conn: &mut AnyConnection, contact_id: i64, since: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM link_failures WHERE contact_id = $1 AND at >= $2")
        .bind(contact_id)
        .bind(since)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get(0)?)
}

/// Records a failed attempt at `now`, forgetting the contact's attempts older than
/// `forget_before` (they no longer count), so the table stays small.
pub(crate) async fn record_failure(
    conn: &mut AnyConnection,
    contact_id: i64,
    now: i64,
    forget_before: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM link_failures WHERE contact_id = $1 AND at < $2")
        .bind(contact_id)
        .bind(forget_before)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO link_failures (contact_id, at) VALUES ($1, $2)")
        .bind(contact_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a contact's failed attempts (after a successful link).
pub(crate) async fn clear_failures(conn: &mut AnyConnection, contact_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM link_failures WHERE contact_id = $1").bind(contact_id).execute(conn).await?;
    Ok(())
}

/// Replaces the recorded text of an inbound message: a link message is kept with its code
/// masked, so the conversation log, the dashboard and exports never show a code.
pub(crate) async fn mask_inbound_text(conn: &mut AnyConnection, inbound_id: i64, text: &str) -> Result<()> {
    sqlx::query("UPDATE inbound SET text = $1 WHERE id = $2").bind(text).bind(inbound_id).execute(conn).await?;
    Ok(())
}

impl Store {
    /// The operator account a contact is linked to, if any: the contact is then staff. One
    /// indexed query (the link's primary key, joined to the account's). An account that is
    /// deleted takes its links with it.
    ///
    /// This takes a connection of its own: code that already holds one — anything running
    /// inside the engine's transaction, such as the assistant — must use
    /// [`crate::staff::of`] with that connection instead (on SQLite, asking for a second
    /// connection there would wait forever on the first).
    pub async fn contact_operator(&self, contact_id: i64) -> Result<Option<User>> {
        operator_of(&mut *self.conn().await?, contact_id).await
    }

    /// Stores a new link code's hash for an account, valid until `expires_at` (ms). The
    /// account's earlier codes, used or not, stop working, and expired codes are cleared.
    pub async fn create_link_code(&self, user_id: i64, code_hash: &str, expires_at: i64) -> Result<()> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        sqlx::query("DELETE FROM link_codes WHERE user_id = $1 OR expires_at <= $2")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO link_codes (code_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(code_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes every contact link of an account (and its unused codes); returns how many
    /// contacts were linked.
    pub async fn unlink_user(&self, user_id: i64) -> Result<u64> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        sqlx::query("DELETE FROM link_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        let removed =
            sqlx::query("DELETE FROM contact_links WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(removed.rows_affected())
    }

    /// The linked contacts, of one account or of all, by account then most recent link.
    pub async fn contact_links(&self, user_id: Option<i64>) -> Result<Vec<ContactLink>> {
        let rows = sqlx::query(
            "SELECT l.contact_id, c.platform, c.external_id, c.first_name, c.last_name, \
                    u.id AS user_id, u.username, u.role, l.linked_at \
             FROM contact_links l JOIN contacts c ON c.id = l.contact_id JOIN users u ON u.id = l.user_id \
             WHERE $1 IS NULL OR l.user_id = $1 ORDER BY u.username, l.linked_at DESC, l.contact_id",
        )
        .bind(user_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let names = [row.try_get::<Option<String>, _>("first_name")?, row.try_get("last_name")?];
                let name = names.into_iter().flatten().collect::<Vec<_>>().join(" ");
                Ok(ContactLink {
                    contact_id: row.try_get("contact_id")?,
                    platform: parse_column(&row.try_get::<String, _>("platform")?, "platform")?,
                    external_id: row.try_get("external_id")?,
                    contact_name: Some(name).filter(|n| !n.trim().is_empty()),
                    user_id: row.try_get("user_id")?,
                    username: row.try_get("username")?,
                    role: parse_column(&row.try_get::<String, _>("role")?, "role")?,
                    linked_at: row.try_get("linked_at")?,
                })
            })
            .collect()
    }
}
