//! Managing operator accounts, for `statbot users` and the admin API alike: listing them,
//! changing a role, a password, disabling and enabling, removing, and unlocking a name locked
//! after failed logins. A role change, a password change, disabling or removing ends the
//! account's API tokens and dashboard sessions at once (see [`Store::change_account`]), and none
//! of them may leave no enabled admin.
//!
//! Shop customers are not operators: they are not listed, and every change here refuses them
//! (the shop has its own sign-up and its customers keep their orders). Unlocking is the one
//! exception: it clears the lockout of any account's name, so an operator can help a customer
//! who is locked out.

use super::{AuthError, check_password_rules, hash_password};
use crate::store::{AccountChange, AccountSummary, AccountUpdate, ChangeOutcome, Role, Store, StoreError, User};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("there is no account `{0}`")]
    NoSuchAccount(String),
    #[error("`{0}` is a shop customer account: only operator accounts are managed here")]
    Customer(String),
    #[error("`{0}` is the last enabled admin: make another account admin first")]
    LastAdmin(String),
    #[error("operator accounts are admin or staff")]
    NotAnOperatorRole,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a change found and did.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The account after the change (before it, for a removal).
    pub user: User,
    /// False when the account already was so (nothing was written, nothing ended).
    pub changed: bool,
}

/// The operator accounts, by name.
pub async fn list(store: &Store) -> Result<Vec<AccountSummary>, AccountError> {
    Ok(store.operator_accounts(None).await?)
}

/// One operator account as listed.
pub async fn summary(store: &Store, username: &str) -> Result<AccountSummary, AccountError> {
    let operator = operator(store, username).await?;
    let mut found = store.operator_accounts(Some(&operator.username)).await?;
    found.pop().ok_or_else(|| AccountError::NoSuchAccount(username.to_owned()))
}

/// Makes an operator admin or staff.
pub async fn set_role(store: &Store, username: &str, role: Role) -> Result<Changed, AccountError> {
    update(store, username, AccountUpdate { role: Some(role), ..AccountUpdate::default() }).await
}

/// Disables an operator account (it cannot log in; its tokens and sessions end) or enables it.
pub async fn set_disabled(store: &Store, username: &str, disabled: bool) -> Result<Changed, AccountError> {
    update(store, username, AccountUpdate { disabled: Some(disabled), ..AccountUpdate::default() }).await
}

/// Gives an operator a new password, which must follow the password rules.
pub async fn set_password(store: &Store, username: &str, password: &str) -> Result<Changed, AccountError> {
    check_password_rules(password)?;
    let hash = hash_password(password.to_owned()).await?;
    update(store, username, AccountUpdate { password_hash: Some(hash), ..AccountUpdate::default() }).await
}

/// Changes an operator's role and whether it is disabled together (the admin API's PATCH).
pub async fn update(store: &Store, username: &str, update: AccountUpdate) -> Result<Changed, AccountError> {
    if update.role.is_some_and(|role| !role.is_operator()) {
        return Err(AccountError::NotAnOperatorRole);
    }
    let user = operator(store, username).await?;
    change(store, &user, AccountChange::Update(update)).await
}

/// Removes an operator account.
pub async fn remove(store: &Store, username: &str) -> Result<Changed, AccountError> {
    let user = operator(store, username).await?;
    change(store, &user, AccountChange::Remove).await
}

/// Clears the lockout and the failed-login count of an account's name; returns until when it
/// was locked (ms), if it was.
pub async fn unlock(store: &Store, username: &str) -> Result<Option<i64>, AccountError> {
    let user = store.user_by_name(username).await?.ok_or_else(|| AccountError::NoSuchAccount(username.to_owned()))?;
    let locked_until = store.login_locked_until(&user.username, crate::store::now_ms()).await?;
    store.clear_login_attempts(&user.username).await?;
    if locked_until.is_some() {
        tracing::info!(user_id = user.id, "login lock cleared");
    }
    Ok(locked_until)
}

/// The operator account of that name.
async fn operator(store: &Store, username: &str) -> Result<User, AccountError> {
    match store.user_by_name(username).await? {
        Some(user) if user.role.is_operator() => Ok(user),
        Some(user) => Err(AccountError::Customer(user.username)),
        None => Err(AccountError::NoSuchAccount(username.to_owned())),
    }
}

async fn change(store: &Store, user: &User, change: AccountChange) -> Result<Changed, AccountError> {
    match store.change_account(user.id, &change).await? {
        ChangeOutcome::Changed(after) => {
            tracing::info!(user_id = user.id, change = change_name(&change), "account changed");
            Ok(Changed { user: after, changed: true })
        }
        ChangeOutcome::Unchanged(user) => Ok(Changed { user, changed: false }),
        ChangeOutcome::Missing => Err(AccountError::NoSuchAccount(user.username.clone())),
        ChangeOutcome::LastAdmin => Err(AccountError::LastAdmin(user.username.clone())),
    }
}

/// A low-cardinality name for the log.
fn change_name(change: &AccountChange) -> &'static str {
    match change {
        AccountChange::Remove => "remove",
        AccountChange::Update(update) if update.password_hash.is_some() => "password",
        AccountChange::Update(_) => "update",
    }
}
