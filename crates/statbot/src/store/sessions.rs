//! Dashboard sessions: created at login, looked up on every dashboard request, ended at logout,
//! when they expire, or when their account's token version moves on (a role or password change,
//! disabling the account). Only a hash of each session token is stored.

use super::{Result, Store, User, now_ms, sql};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A live session: whose it is and the token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: i64,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

impl Store {
    /// Starts a session for `user` lasting `ttl_ms`, bound to the account's token version as
    /// read at login; returns its token and CSRF token. Expired sessions are cleared on the way.
    pub async fn create_session(&self, user: &User, ttl_ms: i64) -> Result<(String, String)> {
        let (token, csrf, now) = (random_token(), random_token(), now_ms());
        let mut conn = self.conn().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, user_version) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash(&token))
        .bind(user.id)
        .bind(&csrf)
        .bind(now)
        .bind(now + ttl_ms)
        .bind(user.token_version)
        .execute(&mut *conn)
        .await?;
        Ok((token, csrf))
    }

    /// The live session a token names, if any: unexpired, of the account's current token
    /// version, and of an enabled account.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let columns = super::users::COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
        let row = sqlx::query(sql(format!(
            "SELECT {columns}, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 \
               AND s.user_version = u.token_version AND u.disabled_at IS NULL"
        )))
        .bind(hash(token))
        .bind(now_ms())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            user: super::users::from_row(&row)?,
            csrf: row.try_get("csrf")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Ends a session (logout).
    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash(token))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }
}
