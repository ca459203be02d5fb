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
    /// Instagram direct messages, through the same Send API as Messenger.
    Instagram,
    Web,
    Console,
}

impl Platform {
    /// The channels Meta runs (the Send API, its messaging window and rules).
    pub const META: [Platform; 2] = [Platform::Messenger, Platform::Instagram];

    /// Whether Meta runs this channel.
    pub fn is_meta(self) -> bool {
        Platform::META.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Messenger => "messenger",
            Platform::Instagram => "instagram",
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
            "instagram" => Ok(Platform::Instagram),
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
    /// Where the contact came from, when the platform says: an `m.me` link's `ref`, an ad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

impl Inbound {
    /// Whether any of its text holds a NUL character (which PostgreSQL's text cannot store).
    pub fn has_nul(&self) -> bool {
        self.texts().any(|text| text.contains('\0'))
    }

    /// The same message with each NUL character replaced by U+FFFD, the replacement character:
    /// stored and answered like any other, on every database.
    pub fn without_nul(&self) -> Inbound {
        let clean = |text: &str| text.replace('\0', "\u{fffd}");
        let content = match &self.content {
            InboundContent::Text { text } => InboundContent::Text { text: clean(text) },
            InboundContent::Payload { payload, title } => {
                InboundContent::Payload { payload: clean(payload), title: title.as_deref().map(clean) }
            }
            InboundContent::Referral => InboundContent::Referral,
            InboundContent::Attachment { media, url } => {
                InboundContent::Attachment { media: clean(media), url: url.as_deref().map(clean) }
            }
        };
        let referral = self.referral.as_ref().map(|r| Referral {
            reference: r.reference.as_deref().map(clean),
            source: r.source.as_deref().map(clean),
            kind: r.kind.as_deref().map(clean),
            ad_id: r.ad_id.as_deref().map(clean),
        });
        Inbound {
            platform: self.platform,
            sender: clean(&self.sender),
            message_id: clean(&self.message_id),
            timestamp_ms: self.timestamp_ms,
            content,
            referral,
        }
    }

    fn texts(&self) -> impl Iterator<Item = &str> {
        let (first, second) = match &self.content {
            InboundContent::Text { text } => (text.as_str(), None),
            InboundContent::Payload { payload, title } => (payload.as_str(), title.as_deref()),
            InboundContent::Referral => ("", None),
            InboundContent::Attachment { media, url } => (media.as_str(), url.as_deref()),
        };
        let referral = self.referral.iter().flat_map(|r| [&r.reference, &r.source, &r.kind, &r.ad_id]).flatten();
        [self.sender.as_str(), self.message_id.as_str(), first]
            .into_iter()
            .chain(second)
            .chain(referral.map(String::as_str))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InboundContent {
    /// Typed text.
    Text { text: String },
    /// A tap on a button or a quick reply: the payload we put on it, and the title shown.
    Payload { payload: String, title: Option<String> },
    /// The contact opened an existing conversation through a link or an ad; the
    /// [`Inbound::referral`] says which.
    Referral,
    /// A message with no text: an image, a sticker, a video, a file, a location... The bot does
    /// not answer it, but it counts as the person writing (Meta's window opens) and operators
    /// see it. `media` is the platform's attachment type; `url` where the file is, if any (Meta's
    /// links expire).
    Attachment { media: String, url: Option<String> },
}

/// Where a contact came from, as Meta reports it (`referral` events, `postback.referral`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Referral {
    /// The link's `ref` parameter (`m.me/PAGE?ref=NAME`); absent for most ads.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `SHORTLINK`, `ADS`, `CUSTOMER_CHAT_PLUGIN`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `OPEN_THREAD`...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The ad, for a click-to-Messenger ad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad_id: Option<String>,
}

impl Referral {
    /// Whether it came from a click-to-Messenger ad (which opens a 7-day window, not 24 hours).
    pub fn from_ad(&self) -> bool {
        self.ad_id.is_some() || self.source.as_deref() == Some("ADS")
    }
}

#[cfg(test)]
mod nul_tests {
    use super::*;

    #[test]
    fn nuls_are_replaced_everywhere_and_nothing_else_changes() {
        let message = Inbound {
            platform: Platform::Messenger,
            sender: "67\0".into(),
            message_id: "m\0".into(),
            timestamp_ms: 7,
            content: InboundContent::Payload { payload: "a\0b".into(), title: Some("t\0".into()) },
            referral: Some(Referral { reference: Some("r\0".into()), ..Referral::default() }),
        };
        assert!(message.has_nul());
        let clean = message.without_nul();
        assert!(!clean.has_nul());
        assert_eq!(
            (clean.sender.as_str(), clean.message_id.as_str(), clean.timestamp_ms),
            ("67\u{fffd}", "m\u{fffd}", 7)
        );
        let expected = InboundContent::Payload { payload: "a\u{fffd}b".into(), title: Some("t\u{fffd}".into()) };
        assert_eq!(clean.content, expected);
        assert_eq!(clean.referral.and_then(|r| r.reference).as_deref(), Some("r\u{fffd}"));
    }
}
