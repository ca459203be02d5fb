//! Opting out of messages statbot starts (promotions): the engine asks here first, before
//! anything else, inside its transaction. "stop" or "unsubscribe" (or the menu's button,
//! [`OPT_OUT_PAYLOAD`]) opts out; "start" (or [`OPT_IN_PAYLOAD`]) opts back in. The contact is
//! told in one line, and an event is recorded so the dashboard can count.
//!
//! A typed word counts only as the whole message, in any case, with blanks and a closing `.`
//! or `!` around it: "STOP", " Stop ", "stop!" opt out; "stop it now" is an ordinary message.
//! A typed "start" opts in only a contact who is opted out (anyone else saying "start" is
//! talking to the flows); the button always answers.

use super::Batch;
use crate::store::{self, ClaimedInbound, Contact, EventKind, NewEvent, StoreError, now_ms};
use statbot_core::entry::{OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD};
use statbot_core::{InboundContent, Reply};

const OPTED_OUT: &str = "You won't get messages from us that you didn't ask for. Send “start” if you change your mind.";
const OPTED_IN: &str = "You're back in: we may send you offers again. Send “stop” to opt out.";

/// What a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    OptOut,
    /// Typed: only for a contact who is opted out.
    TypedOptIn,
    /// The button: always answered.
    OptIn,
}

fn ask(content: &InboundContent) -> Option<Ask> {
    match content {
        InboundContent::Payload { payload, .. } if payload == OPT_OUT_PAYLOAD => Some(Ask::OptOut),
        InboundContent::Payload { payload, .. } if payload == OPT_IN_PAYLOAD => Some(Ask::OptIn),
        InboundContent::Text { text } => {
            let word = text.trim().trim_end_matches(['.', '!']).trim().to_lowercase();
            match word.as_str() {
                "stop" | "unsubscribe" => Some(Ask::OptOut),
                "start" => Some(Ask::TypedOptIn),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The one-line answer to an opt-out or opt-in message, having recorded it; `None` when the
/// message is neither (the rest of the engine takes it).
pub(super) async fn respond(
    tx: &mut sqlx::AnyConnection,
    message: &ClaimedInbound,
    contact: &Contact,
    batch: &mut Batch,
) -> Result<Option<Reply>, StoreError> {
    let Some(ask) = ask(&message.content) else { return Ok(None) };
    // Read in the transaction: an earlier message of the batch may have changed it.
    let opted_out = store::opted_out_at(tx, contact.id).await?.is_some();
    let (kind, text) = match ask {
        Ask::OptOut => {
            store::opt_out(tx, contact.id, now_ms()).await?;
            (EventKind::OptedOut, OPTED_OUT)
        }
        Ask::TypedOptIn if !opted_out => return Ok(None),
        Ask::OptIn | Ask::TypedOptIn => {
            store::opt_in(tx, contact.id).await?;
            (EventKind::OptedIn, OPTED_IN)
        }
    };
    batch.events.push(NewEvent {
        contact_id: contact.id,
        inbound_id: Some(message.id),
        kind,
        flow: None,
        step: None,
        button: None,
        detail: None,
    });
    Ok(Some(Reply::Text { text: text.to_owned() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> InboundContent {
        InboundContent::Text { text: t.to_owned() }
    }

    #[test]
    fn whole_messages_in_any_case_are_asks() {
        for t in ["stop", "STOP", " Stop ", "stop!", "Stop.", "\tunsubscribe\n", "UnSubscribe"] {
            assert_eq!(ask(&text(t)), Some(Ask::OptOut), "{t:?}");
        }
        for t in ["start", " START ", "Start!"] {
            assert_eq!(ask(&text(t)), Some(Ask::TypedOptIn), "{t:?}");
        }
    }

    #[test]
    fn words_inside_a_longer_message_are_not() {
        for t in ["stop it now", "please stop", "stopp", "don't stop", "start over", "", "!"] {
            assert_eq!(ask(&text(t)), None, "{t:?}");
        }
    }

    #[test]
    fn the_menu_buttons_are_asks() {
        let tap = |p: &str| InboundContent::Payload { payload: p.to_owned(), title: Some("Stop".into()) };
        assert_eq!(ask(&tap(OPT_OUT_PAYLOAD)), Some(Ask::OptOut));
        assert_eq!(ask(&tap(OPT_IN_PAYLOAD)), Some(Ask::OptIn));
        assert_eq!(ask(&tap("coupon:show")), None);
        assert_eq!(ask(&InboundContent::Referral), None);
    }
}
