//! Managing operator accounts: the listing behind `statbot users list` and `GET /api/v1/users`,
//! and the changes that end an account's tokens and sessions (role, password, disabling,
//! removal). Each change is one transaction that bumps the account's token version, deletes its
//! dashboard sessions, and is undone if it would leave no enabled admin.

use super::{Backend, Result, Role, Store, User, now_ms, parse_column, sql, users};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// An operator account as listed.
#[derive(Debug, Clone, Serialize)]
pub struct AccountSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The team's name; none for an account made before teams that has not logged in since.
    pub team: Option<String>,
    pub disabled: bool,
    /// Until when the name is locked after failed logins (ms since the Unix epoch), while it is.
    pub locked_until: Option<i64>,
}

/// What to change on an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

/// A change to an account.
#[derive(Debug, Clone)]
pub enum AccountChange {
    Update(AccountUpdate),
    Remove,
}

/// What a change did.
#[derive(Debug, Clone)]
pub enum ChangeOutcome {
    /// Done: the account as it now is (as it was, for a removal).
    Changed(User),
    /// The account already was so; nothing was written.
    Unchanged(User),
    /// There is no account with that id.
    Missing,
    /// Refused, nothing written: the account is the last enabled admin and would stop being one.
    LastAdmin,
}

impl Store {
    /// The operator accounts (customers are the shop's), by name, or the one named `username`.
    pub async fn operator_accounts(&self, username: Option<&str>) -> Result<Vec<AccountSummary>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.role, t.name AS team, u.disabled_at, a.locked_until \
             FROM users u LEFT JOIN teams t ON t.id = u.team_id \
             LEFT JOIN login_attempts a ON a.username = u.username AND a.locked_until > $1 \
             WHERE u.role IN ('admin', 'staff') AND ($2 IS NULL OR u.username = $2) ORDER BY u.username",
        )
        .bind(now_ms())
        .bind(username)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccountSummary {
                    id: row.try_get("id")?,
                    username: row.try_get("username")?,
                    role: parse_column(&row.try_get::<String, _>("role")?, "role")?,
                    team: row.try_get("team")?,
                    disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                    locked_until: row.try_get("locked_until")?,
                })
            })
            .collect()
    }

    /// Changes an account. A change of role, of password, or disabling it bumps its token
    /// version (its API tokens stop working) and ends its dashboard sessions, in the same
    /// transaction; enabling it again changes only the flag. A removal takes its sessions and
    /// chat links with it and leaves the team figures it wrote without an author.
    ///
    /// The last enabled admin cannot stop being one. On PostgreSQL the enabled admins' rows are
    /// locked first, so two admins demoting each other at once cannot both succeed; SQLite takes
    /// its one write lock at the start (`BEGIN IMMEDIATE`).
    pub async fn change_account(&self, user_id: i64, change: &AccountChange) -> Result<ChangeOutcome> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE")
                .execute(&mut *tx)
                .await?;
        }
        let lock = if self.backend == Backend::Postgres { " FOR UPDATE" } else { "" };
        let row = sqlx::query(sql(format!("SELECT {} FROM users WHERE id = $1{lock}", users::COLUMNS)))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = row.as_ref().map(users::from_row).transpose()? else {
            return Ok(ChangeOutcome::Missing);
        };
        let after = match change {
            AccountChange::Update(update) => match apply(&mut tx, &before, update).await? {
                Some(after) => Some(after),
                None => return Ok(ChangeOutcome::Unchanged(before)),
            },
            AccountChange::Remove => {
                remove(&mut tx, user_id).await?;
                None
            }
        };
        let was_admin = is_enabled_admin(&before);
        if was_admin && !after.as_ref().is_some_and(is_enabled_admin) && enabled_admins(&mut tx).await? == 0 {
            tx.rollback().await?;
            return Ok(ChangeOutcome::LastAdmin);
        }
        tx.commit().await?;
        Ok(ChangeOutcome::Changed(after.unwrap_or(before)))
    }
}

fn is_enabled_admin(user: &User) -> bool {
    user.role == Role::Admin && !user.is_disabled()
}

/// Writes an update; `None` when it changes nothing.
async fn apply(conn: &mut AnyConnection, before: &User, update: &AccountUpdate) -> Result<Option<User>> {
    let mut after = before.clone();
    if let Some(role) = update.role {
        after.role = role;
    }
    match update.disabled {
        Some(true) => after.disabled_at = before.disabled_at.or(Some(now_ms())),
        Some(false) => after.disabled_at = None,
        None => {}
    }
    if let Some(hash) = &update.password_hash {
        after.password_hash = hash.clone();
    }
    let ends_access = after.role != before.role
        || after.password_hash != before.password_hash
        || (after.is_disabled() && !before.is_disabled());
    if !ends_access && after.disabled_at == before.disabled_at {
        return Ok(None);
    }
    if ends_access {
        after.token_version += 1;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(before.id).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE users SET role = $2, disabled_at = $3, password_hash = $4, token_version = $5 WHERE id = $1")
        .bind(before.id)
        .bind(after.role.as_str())
        .bind(after.disabled_at)
        .bind(&after.password_hash)
        .bind(after.token_version)
        .execute(&mut *conn)
        .await?;
    Ok(Some(after))
}

/// Deletes an account with its sessions; its chat links and link codes go by cascade.
async fn remove(conn: &mut AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE team_stats SET updated_by = NULL WHERE updated_by = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(&mut *conn).await?;
    Ok(())
}

async fn enabled_admins(conn: &mut AnyConnection) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").fetch_one(conn).await?;
    Ok(row.try_get(0)?)
}
