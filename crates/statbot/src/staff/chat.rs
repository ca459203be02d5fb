//! Link messages in a conversation: the engine asks here first, before the assistant and the
//! flows, inside its transaction, so the code's use, the link, the masked record of the
//! message and the reply commit together (or not at all).

use super::Command;
use super::code::LinkCode;
use crate::store::{StoreError, now_ms, staff_links};
use sqlx::AnyConnection;
use statbot_core::{InboundContent, Reply};

/// Failed attempts a contact may make in [`FAILURE_WINDOW_MS`]; after that every attempt is
/// refused, right code or not, until old failures leave the window.
pub const MAX_FAILURES: i64 = 5;
/// The rate limit's window: an hour.
pub const FAILURE_WINDOW_MS: i64 = 60 * 60 * 1000;

/// What `link` alone gets from a chat that is not linked. Anyone may type it, so it names no
/// command, route or staff feature: operators learn how to get a code from
/// docs/staff-links.md, and the code comes with the message to send.
const HOW_TO: &str = "If you were given a link code, send it here exactly as it was shown to you.";
const REFUSED: &str = "That link code is not valid: it may be mistyped, expired or already used. \
                       Please ask for a new one.";
const TOO_MANY: &str = "Too many wrong link codes from this chat. Please try again in an hour.";
const NOT_LINKED: &str = "This chat is not linked to a statbot account.";

/// The reply to a link message, or `None` when the message is not one (the rest of the bot
/// takes it). A code sent is masked in the stored message whatever the outcome.
pub(crate) async fn respond(
    conn: &mut AnyConnection,
    contact_id: i64,
    inbound_id: i64,
    content: &InboundContent,
) -> Result<Option<Reply>, StoreError> {
    let InboundContent::Text { text } = content else { return Ok(None) };
    let Some(command) = Command::parse(text) else { return Ok(None) };
    let text = match command {
        Command::HowTo => match staff_links::operator_of(conn, contact_id).await? {
            Some(user) => {
                format!("This chat is linked to statbot as {}. Send “unlink” to end the link.", user.username)
            }
            None => HOW_TO.to_owned(),
        },
        Command::Unlink => match staff_links::unlink(conn, contact_id).await? {
            Some(user) => format!("Done: this chat is no longer linked to statbot as {}.", user.username),
            None => NOT_LINKED.to_owned(),
        },
        Command::Link { code, recorded } => {
            staff_links::mask_inbound_text(conn, inbound_id, recorded).await?;
            link(conn, contact_id, code).await?
        }
    };
    Ok(Some(Reply::Text { text }))
}

/// Uses the code for the contact, within the rate limit.
async fn link(conn: &mut AnyConnection, contact_id: i64, code: Option<LinkCode>) -> Result<String, StoreError> {
    let now = now_ms();
    let window_start = now - FAILURE_WINDOW_MS;
    if staff_links::failures_since(conn, contact_id, window_start).await? >= MAX_FAILURES {
        return Ok(TOO_MANY.to_owned());
    }
    let user = match code {
        Some(code) => staff_links::consume_code(conn, &code.hash(), now).await?,
        None => None,
    };
    let Some(user) = user else {
        staff_links::record_failure(conn, contact_id, now, window_start).await?;
        return Ok(REFUSED.to_owned());
    };
    staff_links::link(conn, contact_id, user.id, now).await?;
    staff_links::clear_failures(conn, contact_id).await?;
    Ok(format!("You're linked to statbot as {} ({}). You can now ask for store metrics.", user.username, user.role))
}
