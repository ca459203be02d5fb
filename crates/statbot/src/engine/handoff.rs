//! Handing a conversation to a person (the live inbox), inside the engine's transaction: the
//! contact asks in words (the `handoff` intent), taps a flow button marked `handoff = true` or
//! the "Talk to a person" button ([`HANDOFF_PAYLOAD`]), which the bot offers once it failed to
//! understand twice in a row. The contact is told when a person will answer (the team's hours),
//! and from then on the bot keeps quiet for them until the conversation is handed back.

use super::{Batch, Origin};
use crate::inbox::{InboxEvent, InboxEventKind};
use crate::store::{self, Contact, HandoffReason, InboxStatus, StoreError};
use statbot_core::entry::HANDOFF_PAYLOAD;
use statbot_core::hours::OpeningHours;
use statbot_core::{Button, InboundContent, Reply};

/// The contact-context key counting free texts not understood in a row.
const MISSES: &str = "not_understood_in_a_row";
/// Not understood this many times in a row, the bot offers a person.
const MISSES_BEFORE_OFFER: i64 = 2;

/// What the bot says when a conversation goes back to it.
pub(super) const BACK_WITH_THE_BOT: &str =
    "Thanks for talking with us! You're back with the bot now: here is the menu.";

/// When the team answers, for the sentence a contact asking for a person gets.
#[derive(Debug, Clone)]
pub struct Hours {
    pub hours: Option<OpeningHours>,
    pub zone: jiff::tz::TimeZone,
}

impl Default for Hours {
    fn default() -> Self {
        Hours { hours: None, zone: jiff::tz::TimeZone::UTC }
    }
}

impl Hours {
    /// The configured hours (`[inbox] hours`) in the business time zone.
    pub fn from_config(config: &crate::config::Config) -> Result<Hours, crate::config::ConfigError> {
        Ok(Hours { hours: config.inbox.opening_hours()?, zone: config.zone()? })
    }

    fn when(&self, at_ms: i64) -> String {
        let now = jiff::Timestamp::from_millisecond(at_ms).unwrap_or_else(|_| jiff::Timestamp::now());
        match &self.hours {
            Some(hours) => hours.when(&now.to_zoned(self.zone.clone())),
            None => "as soon as possible".to_owned(),
        }
    }
}

/// Whether the message is a tap on "Talk to a person".
pub(super) fn asks_by_payload(content: &InboundContent) -> bool {
    matches!(content, InboundContent::Payload { payload, .. } if payload == HANDOFF_PAYLOAD)
}

/// The button that asks for a person.
fn person_button() -> Button {
    Button { title: "Talk to a person".into(), payload: HANDOFF_PAYLOAD.into() }
}

/// Puts the conversation in the inbox (when the bot had it) and tells the contact when a person
/// will answer; later messages of the batch from the contact are then kept for the person.
pub(super) async fn hand_over(
    tx: &mut sqlx::AnyConnection,
    hours: &Hours,
    origin: Origin,
    contact: &Contact,
    reason: HandoffReason,
    batch: &mut Batch,
) -> Result<(), StoreError> {
    if !store::ask_for_person(tx, contact.id, reason, origin.at).await? {
        return Ok(());
    }
    batch.with_person.insert(contact.id, InboxStatus::NeedsPerson);
    batch.inbox_events.push(InboxEvent::new(InboxEventKind::Asked, contact.id, InboxStatus::NeedsPerson));
    set_misses(batch, contact, 0);
    let text =
        format!("I'm passing you to a person from our team. They will answer you here {}.", hours.when(origin.at));
    batch.push_replies(origin, contact, vec![Reply::Text { text }]);
    Ok(())
}

/// Why a tap on "Talk to a person" asked: after two misses it was the bot's offer.
pub(super) fn payload_reason(batch: &Batch, contact: &Contact) -> HandoffReason {
    if misses(batch, contact) >= MISSES_BEFORE_OFFER { HandoffReason::NotUnderstood } else { HandoffReason::Button }
}

fn misses(batch: &Batch, contact: &Contact) -> i64 {
    let context = batch.contexts.get(&contact.id).unwrap_or(&contact.context);
    context.get(MISSES).and_then(serde_json::Value::as_i64).unwrap_or(0)
}

fn set_misses(batch: &mut Batch, contact: &Contact, count: i64) {
    if misses(batch, contact) == count {
        return;
    }
    let mut context = batch.contexts.get(&contact.id).unwrap_or(&contact.context).clone();
    if count == 0 {
        context.remove(MISSES);
    } else {
        context.insert(MISSES.into(), count.into());
    }
    batch.contexts.insert(contact.id, context);
}

/// Counts free text understood or not; the second miss in a row (and every one after) offers a
/// person beside the bot's own choices.
pub(super) fn count_miss(batch: &mut Batch, contact: &Contact, understood: bool, replies: &mut [Reply]) {
    if understood {
        set_misses(batch, contact, 0);
        return;
    }
    let count = misses(batch, contact) + 1;
    set_misses(batch, contact, count);
    if count >= MISSES_BEFORE_OFFER
        && let Some(Reply::QuickReplies { replies: choices, .. }) = replies.last_mut()
        && !choices.iter().any(|b| b.payload == HANDOFF_PAYLOAD)
    {
        choices.push(person_button());
    }
}
