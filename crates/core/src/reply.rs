//! What the bot answers, whatever the channel: text, buttons, quick replies, images. Channels
//! turn these into their own shapes (the Send API's JSON, HTML, terminal lines).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub title: String,
    /// Opaque to the channel; comes back as [`crate::InboundContent::Payload`] when tapped.
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    Text {
        text: String,
    },
    /// A text with 1 to 3 buttons (Messenger's button template).
    Buttons {
        text: String,
        buttons: Vec<Button>,
    },
    /// A text with quick-reply chips, which disappear once one is tapped.
    QuickReplies {
        text: String,
        replies: Vec<Button>,
    },
    /// An image fetched by the platform from an absolute URL.
    Image {
        url: String,
    },
}

impl Reply {
    /// The text of the reply, if it has one (an image has none).
    pub fn text(&self) -> Option<&str> {
        match self {
            Reply::Text { text } | Reply::Buttons { text, .. } | Reply::QuickReplies { text, .. } => Some(text),
            Reply::Image { .. } => None,
        }
    }

    /// Buttons or quick replies offered with the reply.
    pub fn choices(&self) -> &[Button] {
        match self {
            Reply::Buttons { buttons, .. } => buttons,
            Reply::QuickReplies { replies, .. } => replies,
            _ => &[],
        }
    }
}
