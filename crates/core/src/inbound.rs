//! What a contact sent, whatever the channel: the one input type the engine understands.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The channel a contact talks to us through. Stored as text; the set is closed on purpose so
/// every channel is handled explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Messenger,
    Web,
    Console,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Messenger => "messenger",
            Platform::Web => "web",
            Platform::Console => "console",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "messenger" => Ok(Platform::Messenger),
            "web" => Ok(Platform::Web),
            "console" => Ok(Platform::Console),
            other => Err(format!("unknown platform `{other}`")),
        }
    }
}

/// One message or button tap from a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    pub platform: Platform,
    /// The contact's id on the platform (a page-scoped id on Messenger).
    pub sender: String,
    /// The platform's id for this message; redeliveries carry the same one, which is how a
    /// redelivered event is acted on only once.
    pub message_id: String,
    /// Milliseconds since the Unix epoch, as the platform reports it.
    pub timestamp_ms: i64,
    pub content: InboundContent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InboundContent {
    /// Typed text.
    Text { text: String },
    /// A tap on a button or a quick reply: the payload we put on it, and the title shown.
    Payload { payload: String, title: Option<String> },
}
