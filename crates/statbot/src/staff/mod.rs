//! Staff: a contact (on Messenger, the web chat or the terminal) is staff when it is linked to
//! an operator account. An operator gets a one-time code (`statbot users link NAME`, or
//! `POST /api/v1/me/link-code` for themselves) and sends `link CODE` from the chat; the engine
//! hands such messages to `chat` before anything else. What only staff may see (store
//! metrics) asks [`of`] or [`is_staff`] first; everyone else is told nothing of it (they get
//! the assistant's not-understood answer, as for any question it cannot answer).

pub(crate) mod chat;
pub mod code;
mod command;

pub use code::LinkCode;
pub use command::Command;

use crate::store::{Role, Store, StoreError, User, now_ms, staff_links};
use sqlx::AnyConnection;
use std::time::Duration;

/// How long a link code works unless asked otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);
/// The longest life a link code may be given.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Proof that a contact is staff: the operator account it is linked to. Only [`of`] makes
/// one, so code that takes a `&Staff` cannot be reached on behalf of a customer.
#[derive(Debug, Clone)]
pub struct Staff {
    user: User,
}

impl Staff {
    /// The linked operator account.
    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn username(&self) -> &str {
        &self.user.username
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
}

/// The staff member a contact is, or `None` for a customer. One indexed query on `conn`: call
/// it with the connection (or transaction) at hand — the assistant passes the engine's — never
/// while holding another one on SQLite. Outside a transaction, [`Store::contact_operator`]
/// does the same with a connection of its own.
pub async fn of(conn: &mut AnyConnection, contact_id: i64) -> Result<Option<Staff>, StoreError> {
    Ok(staff_links::operator_of(conn, contact_id).await?.map(|user| Staff { user }))
}

/// Whether a contact is staff (see [`of`]).
pub async fn is_staff(conn: &mut AnyConnection, contact_id: i64) -> Result<bool, StoreError> {
    Ok(of(conn, contact_id).await?.is_some())
}

/// A link code just made, to show once.
#[derive(Debug)]
pub struct IssuedCode {
    pub code: LinkCode,
    /// When it stops working (ms since the epoch).
    pub expires_at: i64,
}

impl IssuedCode {
    /// What to tell the operator: the message to send and until when it works.
    pub fn instructions(&self) -> String {
        let until = jiff::Timestamp::from_millisecond(self.expires_at)
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        format!(
            "Send `link {}` to the bot from the chat to link (Messenger, /chat or `statbot chat`). \
             It works once, until {until}.",
            self.code
        )
    }
}

/// Makes a link code for an account, valid for `ttl` (at most [`MAX_TTL`]); the account's
/// earlier codes stop working. Only the code's hash is stored: the code itself is returned
/// once, here.
pub async fn issue_code(store: &Store, user_id: i64, ttl: Duration) -> Result<IssuedCode, StoreError> {
    let expires_at = now_ms() + ttl.min(MAX_TTL).as_millis() as i64;
    let mut attempts = 0;
    loop {
        let code = LinkCode::generate();
        match store.create_link_code(user_id, &code.hash(), expires_at).await {
            // Another live code drew the same characters (about one chance in 2^40): draw again.
            Err(e) if e.is_unique_violation() && attempts < 3 => attempts += 1,
            Err(e) => return Err(e),
            Ok(()) => return Ok(IssuedCode { code, expires_at }),
        }
    }
}
