//! How a channel-neutral [`Reply`] looks on each Graph API channel, decided here and nowhere
//! else. Messenger shows everything: text, the button template, quick replies, images.
//! Instagram has no button template and shows quick replies as text chips only (at most 13) and
//! texts up to 1,000 characters, so buttons become quick replies there: the payloads are the
//! same, and a tapped quick reply comes back like a tapped button.

use serde_json::{Value, json};
use statbot_core::template::truncate_chars;
use statbot_core::{Button, MessagingType, Platform, Reply};

/// Characters in an Instagram text message.
pub const INSTAGRAM_TEXT_MAX_CHARS: usize = 1000;
/// Quick replies on one message (both channels).
const QUICK_REPLIES_MAX: usize = statbot_core::limits::QUICK_REPLIES_MAX;

/// The Send API body for `reply` to `recipient` (a page- or Instagram-scoped id) on `platform`.
pub fn message_body(platform: Platform, recipient: &str, reply: &Reply, kind: MessagingType) -> Value {
    let message = match platform {
        Platform::Instagram => instagram_message(reply),
        _ => messenger_message(reply),
    };
    let mut body = json!({ "recipient": { "id": recipient }, "message": message });
    match kind {
        MessagingType::Response | MessagingType::Update => body["messaging_type"] = json!(kind.as_str()),
        MessagingType::HumanAgent => {
            body["messaging_type"] = json!("MESSAGE_TAG");
            body["tag"] = json!("HUMAN_AGENT");
        }
    }
    body
}

fn messenger_message(reply: &Reply) -> Value {
    match reply {
        Reply::Text { text } => json!({ "text": text }),
        Reply::Buttons { text, buttons } => json!({
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": text,
                    "buttons": buttons
                        .iter()
                        .map(|b| json!({ "type": "postback", "title": b.title, "payload": b.payload }))
                        .collect::<Vec<_>>(),
                },
            },
        }),
        Reply::QuickReplies { text, replies } => quick_replies(text, replies),
        Reply::Image { url } => image(url),
    }
}

fn instagram_message(reply: &Reply) -> Value {
    let text = |text: &str| truncate_chars(text.to_owned(), INSTAGRAM_TEXT_MAX_CHARS);
    match reply {
        Reply::Text { text: t } => json!({ "text": text(t) }),
        Reply::Buttons { text: t, buttons: choices } | Reply::QuickReplies { text: t, replies: choices } => {
            quick_replies(&text(t), choices)
        }
        Reply::Image { url } => image(url),
    }
}

fn quick_replies(text: &str, choices: &[Button]) -> Value {
    json!({
        "text": text,
        "quick_replies": choices
            .iter()
            .take(QUICK_REPLIES_MAX)
            .map(|b| json!({ "content_type": "text", "title": b.title, "payload": b.payload }))
            .collect::<Vec<_>>(),
    })
}

fn image(url: &str) -> Value {
    json!({ "attachment": { "type": "image", "payload": { "url": url, "is_reusable": false } } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn button(title: &str, payload: &str) -> Button {
        Button { title: title.into(), payload: payload.into() }
    }

    #[test]
    fn instagram_gets_quick_replies_for_buttons() {
        let reply = Reply::Buttons {
            text: "Hi!".into(),
            buttons: vec![button("Yes", "coupon:show"), button("No", "coupon:no")],
        };
        let body = message_body(Platform::Instagram, "17841", &reply, MessagingType::Response);
        assert_eq!(
            body["message"],
            json!({ "text": "Hi!", "quick_replies": [
                { "content_type": "text", "title": "Yes", "payload": "coupon:show" },
                { "content_type": "text", "title": "No", "payload": "coupon:no" },
            ]})
        );
        assert!(body["message"].get("attachment").is_none());
    }

    #[test]
    fn instagram_caps_texts_and_quick_replies() {
        let many: Vec<Button> = (0..20).map(|i| button(&format!("{i}"), &format!("f:{i}"))).collect();
        let reply = Reply::QuickReplies { text: "x".repeat(1500), replies: many };
        let body = message_body(Platform::Instagram, "17841", &reply, MessagingType::Response);
        assert_eq!(body["message"]["quick_replies"].as_array().map(Vec::len), Some(13));
        assert_eq!(body["message"]["text"].as_str().map(|t| t.chars().count()), Some(INSTAGRAM_TEXT_MAX_CHARS));
    }

    #[test]
    fn messaging_types_and_the_human_agent_tag() {
        let reply = Reply::Text { text: "t".into() };
        let body = |kind| message_body(Platform::Messenger, "1", &reply, kind);
        assert_eq!(body(MessagingType::Response)["messaging_type"], "RESPONSE");
        assert_eq!(body(MessagingType::Update)["messaging_type"], "UPDATE");
        assert!(body(MessagingType::Update).get("tag").is_none());
        let human = body(MessagingType::HumanAgent);
        assert_eq!(
            (human["messaging_type"].as_str(), human["tag"].as_str()),
            (Some("MESSAGE_TAG"), Some("HUMAN_AGENT"))
        );
    }
}
