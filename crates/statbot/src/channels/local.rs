//! What the web chat and the terminal chat share: store a contact's message, act on it at
//! once, and take the replies, which these channels deliver by showing them.

use crate::engine::{Engine, EngineError};
use crate::store::{OutboxMessage, now_ms};
use statbot_core::{Inbound, InboundContent, Platform};

/// Stores a message, acts on it, and returns the replies now due to the contact (every
/// pending one, in order, including any left from before), with who wrote each.
pub async fn converse(
    engine: &Engine,
    platform: Platform,
    sender: &str,
    message_id: String,
    content: InboundContent,
) -> Result<Vec<OutboxMessage>, EngineError> {
    let inbound =
        Inbound { platform, sender: sender.to_owned(), message_id, timestamp_ms: now_ms(), content, referral: None };
    let stored = engine.store().ingest(std::slice::from_ref(&inbound), None).await?;
    let Some(contact_id) = stored.first().map(|s| s.contact_id) else { return Ok(Vec::new()) };
    engine.process_contact(contact_id).await?;
    Ok(engine.store().take_pending_replies(contact_id).await?)
}
