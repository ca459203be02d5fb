//! Accounts: operators (admins and staff) and shop customers; username, role, argon2id password
//! hash, team, token version and whether the account is disabled. Changes that end an account's
//! tokens and sessions are in `accounts.rs`; the failed-login counter in `login_attempts.rs`.

use super::{Result, Store, StoreError, now_ms, parse_column, sql};
use serde::Serialize;
use sqlx::{Row, any::AnyRow};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Staff,
    /// A shop customer: signs up on the storefront, sees only its own orders, never an
    /// operator page or route.
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Customer => "customer",
        }
    }

    /// Admins and staff run the business; customers only shop.
    pub fn is_operator(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "customer" => Ok(Role::Customer),
            other => Err(format!("unknown role `{other}` (admin, staff or customer)")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    /// The team whose figures the account reads and writes; none for accounts made before teams.
    pub team_id: Option<i64>,
    /// Written into the account's tokens and sessions; bumped when its role or password
    /// changes or it is disabled, which ends them all.
    pub token_version: i64,
    /// When the account was disabled; a disabled account cannot log in.
    pub disabled_at: Option<i64>,
}

impl User {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

pub(super) fn from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: parse_column(&row.try_get::<String, _>("role")?, "role")?,
        password_hash: row.try_get("password_hash")?,
        team_id: row.try_get("team_id")?,
        token_version: row.try_get("token_version")?,
        disabled_at: row.try_get("disabled_at")?,
    })
}

pub(super) const COLUMNS: &str = "id, username, role, password_hash, team_id, token_version, disabled_at";

impl Store {
    pub async fn create_user(&self, username: &str, role: Role, password_hash: &str) -> Result<i64> {
        let result = sqlx::query(
            "INSERT INTO users (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(username)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now_ms())
        .fetch_one(&mut *self.conn().await?)
        .await;
        match result {
            Ok(row) => Ok(row.try_get(0)?),
            Err(e) => {
                let e = StoreError::from(e);
                Err(if e.is_unique_violation() { StoreError::Conflict(format!("user `{username}`")) } else { e })
            }
        }
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM users WHERE username = $1")))
            .bind(username)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn set_user_team(&self, user_id: i64, team_id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET team_id = $1 WHERE id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }
}
