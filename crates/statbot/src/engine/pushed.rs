//! Steps the bot sends on its own, outside a conversation (follow-ups, broadcasts): whether a
//! contact may get one now, and entering the step through the engine like an entry, its replies
//! queued as `UPDATE` messages. The caller's transaction holds the check and the replies together.

use super::{Batch, Engine, EngineError, Origin};
use crate::store::{self, Contact};
use statbot_core::conversation;
use statbot_core::{Entry, MessagingType};

/// Why the bot may not start a message to `contact` at `now`, if it may not: opted out, with a
/// person, or outside Meta's messaging window (checked in that order).
pub(crate) fn refused(contact: &Contact, with_a_person: bool, now: i64) -> Option<&'static str> {
    if contact.opted_out_at.is_some() {
        Some("opted out")
    } else if with_a_person {
        Some("with a person")
    } else if !contact.window.allows(MessagingType::Update, now) {
        Some("outside the messaging window")
    } else {
        None
    }
}

impl Engine {
    /// The contact, when the bot may start a message to them at `now`; otherwise why not.
    pub(super) async fn may_push(
        &self,
        tx: &mut sqlx::AnyConnection,
        contact_id: i64,
        now: i64,
    ) -> Result<Result<Contact, &'static str>, EngineError> {
        let Some(contact) = store::load_contacts(tx, &[contact_id]).await?.remove(&contact_id) else {
            return Ok(Err("the contact is gone"));
        };
        let with_a_person = !store::with_a_person(tx, &[contact.id]).await?.is_empty();
        Ok(match refused(&contact, with_a_person, now) {
            Some(reason) => Err(reason),
            None => Ok(contact),
        })
    }

    /// Enters `entry` for `contact` into `batch`, its replies going as updates (belonging to
    /// `broadcast_id`, if any); the reason it cannot when the step is no longer in the flow.
    pub(super) async fn push_step(
        &self,
        tx: &mut sqlx::AnyConnection,
        contact: &Contact,
        entry: &Entry,
        now: i64,
        broadcast_id: Option<i64>,
        batch: &mut Batch,
    ) -> Result<Option<&'static str>, EngineError> {
        let Some(transition) = conversation::enter(&self.inner.flows.set, entry, contact.id) else {
            return Ok(Some("the step is no longer in the flow"));
        };
        let origin = Origin { inbound_id: None, platform: contact.platform, at: now };
        let before = batch.replies.len();
        self.follow(tx, origin, contact, transition, Vec::new(), batch).await?;
        // The bot starts this message: it goes as an update inside the window, not an answer.
        for reply in &mut batch.replies[before..] {
            reply.messaging_type = MessagingType::Update;
            reply.broadcast_id = broadcast_id;
        }
        Ok(None)
    }
}
