//! Accounts: password hashing (argon2id), login with lockout after repeated failures, and
//! signed, expiring API tokens. Operators and shop customers log in alike; the dashboard and the
//! terminal apps take operators only ([`login_operator`]).

mod password;
mod token;

pub use password::{hash_password, verify_password};
pub use token::{Claims, TokenKeys};

use crate::config::AuthConfig;
use crate::store::{Role, Store, StoreError, User, now_ms};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("the account is locked after too many failed logins; try again in {retry_after_secs} s")]
    Locked { retry_after_secs: i64 },
    #[error("the token is missing, invalid or expired")]
    InvalidToken,
    #[error("{0}")]
    WeakPassword(String),
    #[error("this is a shop customer account: it cannot open the operators' tools")]
    NotAnOperator,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Shortest password accepted for an operator account.
pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_password_rules(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword(format!("the password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// Creates an operator account.
pub async fn create_user(store: &Store, username: &str, role: Role, password: &str) -> Result<i64, AuthError> {
    check_password_rules(password)?;
    let hash = hash_password(password.to_owned()).await?;
    Ok(store.create_user(username, role, &hash).await?)
}

/// Checks a username and password. `max_failed_logins` failures in a row lock the account for
/// `lockout_secs`; while locked even the right password is refused. An unknown username costs
/// the same hashing work as a known one, so timing does not reveal which names exist.
pub async fn login(store: &Store, config: &AuthConfig, username: &str, password: &str) -> Result<User, AuthError> {
    let Some(user) = store.user_by_name(username).await? else {
        let _ = hash_password(password.to_owned()).await;
        return Err(AuthError::InvalidCredentials);
    };
    let now = now_ms();
    if let Some(until) = user.locked_until
        && until > now
    {
        return Err(AuthError::Locked { retry_after_secs: (until - now + 999) / 1000 });
    }
    if verify_password(password.to_owned(), user.password_hash.clone()).await? {
        if user.failed_logins > 0 || user.locked_until.is_some() {
            store.reset_failed_logins(user.id).await?;
        }
        return Ok(user);
    }
    // An expired lock starts a fresh count.
    if user.locked_until.is_some_and(|until| until <= now) {
        store.reset_failed_logins(user.id).await?;
    }
    let lock_until = now + (config.lockout_secs as i64) * 1000;
    let failures = store.record_failed_login(user.id, i64::from(config.max_failed_logins), lock_until).await?;
    tracing::warn!(user_id = user.id, failures, "failed login");
    if failures >= i64::from(config.max_failed_logins) {
        tracing::warn!(user_id = user.id, "account locked after failed logins");
    }
    Err(AuthError::InvalidCredentials)
}

/// [`login`] for the operators' tools (dashboard, `statbot team`): a customer's right password
/// still opens nothing there.
pub async fn login_operator(
    store: &Store,
    config: &AuthConfig,
    username: &str,
    password: &str,
) -> Result<User, AuthError> {
    let user = login(store, config, username, password).await?;
    if user.role.is_operator() { Ok(user) } else { Err(AuthError::NotAnOperator) }
}
