//! Accounts: password hashing (argon2id), login with lockout after repeated failures, and
//! signed, expiring API tokens. Operators and shop customers log in alike; the dashboard and the
//! terminal apps take operators only ([`login_operator`]). Managing operator accounts (roles,
//! passwords, disabling, unlocking, removal) is in [`accounts`].

pub mod accounts;
mod password;
mod token;

pub use password::{HashSlot, hash_password, verify_password};
pub use token::{Claims, TokenKeys};

use crate::config::AuthConfig;
use crate::store::{LoginAttempt, Role, Store, StoreError, User, now_ms};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// `tries_left`: wrong passwords the name may still take before it is locked (0: this one
    /// locked it). Unknown names are counted alike, so it tells nothing about who exists.
    #[error("wrong username or password")]
    InvalidCredentials { tries_left: i64 },
    #[error("the account is locked after too many failed logins; try again in {retry_after_secs} s")]
    Locked { retry_after_secs: i64 },
    #[error("the token is missing, invalid or expired")]
    InvalidToken,
    #[error("{0}")]
    WeakPassword(String),
    #[error("this is a shop customer account: it cannot open the operators' tools")]
    NotAnOperator,
    /// Said only to whoever gave the account's right password.
    #[error("this account is disabled: an admin can enable it again")]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Every password-hashing slot and its queue are taken.
    #[error("the server is busy checking passwords; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: i64 },
}

/// Shortest password accepted for an operator account.
pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_password_rules(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword(format!("the password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// A lock's length in words, in minutes rounded up (at least one): "15 minutes", "1 minute";
/// with `more`, "14 more minutes".
pub fn duration_words(secs: i64, more: bool) -> String {
    let minutes = ((secs.max(1) + 59) / 60).max(1);
    format!("{minutes}{} minute{}", if more { " more" } else { "" }, if minutes == 1 { "" } else { "s" })
}

/// Creates an operator account.
pub async fn create_user(store: &Store, username: &str, role: Role, password: &str) -> Result<i64, AuthError> {
    check_password_rules(password)?;
    let hash = hash_password(password.to_owned()).await?;
    Ok(store.create_user(username, role, &hash).await?)
}

/// Checks a username and password. Each attempt is counted before the password is checked
/// (atomically, in the store), so guesses sent at once get no more checks than
/// `max_failed_logins` in a row; the attempt that reaches it locks the name for
/// `lockout_secs`, and while locked even the right password is refused unchecked. A success
/// starts the count again. An unknown username is counted and answered exactly as a known one,
/// with the same hashing work, so neither the answers nor their timing reveal which names exist.
/// A disabled account is refused as such only after its right password.
pub async fn login(store: &Store, config: &AuthConfig, username: &str, password: &str) -> Result<User, AuthError> {
    let now = now_ms();
    let max = i64::from(config.max_failed_logins);
    let lock_until = now.saturating_add(i64::try_from(config.lockout_secs).unwrap_or(i64::MAX).saturating_mul(1000));
    let attempt = match store.reserve_login_attempt(username, max, now, lock_until).await? {
        LoginAttempt::Allowed(attempt) => attempt,
        LoginAttempt::Locked { until } => {
            return Err(AuthError::Locked { retry_after_secs: ((until - now + 999) / 1000).max(1) });
        }
    };
    // Too busy to check now: the attempt is given back, so a busy server costs nobody a try.
    let slot = match HashSlot::take().await {
        Ok(slot) => slot,
        Err(busy) => {
            store.give_back_login_attempt(username, max).await?;
            return Err(busy);
        }
    };
    let user = store.user_by_name(username).await?;
    let right = match &user {
        Some(user) => slot.verify(password.to_owned(), user.password_hash.clone()).await?,
        None => {
            let _ = slot.hash(password.to_owned()).await;
            false
        }
    };
    match user {
        Some(user) if right => {
            store.clear_login_attempts(username).await?;
            if user.is_disabled() {
                tracing::warn!(user_id = user.id, "login to a disabled account");
                return Err(AuthError::Disabled);
            }
            Ok(user)
        }
        _ => {
            tracing::warn!(attempt, "failed login");
            if attempt >= max {
                tracing::warn!("login name locked after failed logins");
            }
            Err(AuthError::InvalidCredentials { tries_left: (max - attempt).max(0) })
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(900, false), "15 minutes");
        assert_eq!(duration_words(841, true), "15 more minutes");
        assert_eq!(duration_words(60, true), "1 more minute");
        assert_eq!(duration_words(61, false), "2 minutes");
        assert_eq!(duration_words(30, false), "1 minute");
        assert_eq!(duration_words(0, true), "1 more minute");
    }
}
