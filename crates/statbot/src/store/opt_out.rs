//! Opting out: whether a contact wants to hear nothing statbot starts itself (promotions), and
//! since when. What counts as asking is the engine's business (`engine::opt_out`); this is
//! only the SQL.

use super::{Result, Store};
use sqlx::{AnyConnection, Row};

/// Since when the contact is opted out, read on the caller's connection (the engine's
/// transaction, which may have just changed it); `None`: not opted out, or no such contact.
pub(crate) async fn opted_out_at(conn: &mut AnyConnection, contact_id: i64) -> Result<Option<i64>> {
    let row =
        sqlx::query("SELECT opted_out_at FROM contacts WHERE id = $1").bind(contact_id).fetch_optional(conn).await?;
    Ok(match row {
        Some(row) => row.try_get(0)?,
        None => None,
    })
}

/// Opts a contact out at `now`, keeping the first time when already opted out.
pub(crate) async fn opt_out(conn: &mut AnyConnection, contact_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, $1) WHERE id = $2")
        .bind(now)
        .bind(contact_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Opts a contact back in.
pub(crate) async fn opt_in(conn: &mut AnyConnection, contact_id: i64) -> Result<()> {
    sqlx::query("UPDATE contacts SET opted_out_at = NULL WHERE id = $1").bind(contact_id).execute(conn).await?;
    Ok(())
}

impl Store {
    /// Whether the contact opted out of messages statbot starts: what anything that writes to
    /// a contact unasked (a promotion) must check first. An unknown contact is not opted out.
    pub async fn opted_out(&self, contact_id: i64) -> Result<bool> {
        Ok(opted_out_at(&mut *self.conn().await?, contact_id).await?.is_some())
    }
}
