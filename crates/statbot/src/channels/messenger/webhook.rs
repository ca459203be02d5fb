//! Turns a Messenger webhook delivery (the JSON body Facebook posts) into channel-neutral
//! [`Inbound`]s, and answers the subscription handshake (`GET ?hub.mode=subscribe&...`).
//!
//! Only what the bot acts on comes out as messages: typed text, quick-reply taps, postback taps,
//! referrals (an `m.me` link or an ad opening an existing conversation; a first conversation's
//! referral rides on its Get Started postback, an ad's on the first message) and attachment-only
//! messages (a photo, a sticker: not answered, but the person wrote, which opens Meta's window).
//! Delivery and read receipts come out apart, as [`Receipt`]s: they are recorded on the replies,
//! never treated as messages. Echoes of our own messages and event kinds we do not know are
//! accepted and dropped. Unknown fields are ignored, since the platform adds fields over time.
//!
//! Instagram direct messages arrive with the same shapes under `object: "instagram"`; they come
//! out with [`Platform::Instagram`].

use serde::Deserialize;
use sha2::{Digest, Sha256};
use statbot_core::{Inbound, InboundContent, Platform, Receipt, ReceiptKind, Referral};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// Why a delivery body could not be read.
#[derive(Debug, Error)]
pub enum WebhookError {
    /// Not JSON, or JSON of the wrong shape (e.g. `entry` is not a list).
    #[error("malformed webhook body: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A delivery for another product (e.g. `whatsapp_business_account`), sent to this webhook.
    #[error("webhook object is `{0}`, expected `page` or `instagram`")]
    NotPage(String),
    /// A message or postback lacking a field the bot needs.
    #[error("{event} event is missing `{field}`")]
    MissingField { event: &'static str, field: &'static str },
}

#[derive(Deserialize)]
struct Delivery {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    /// The Page's id (the Instagram account's under `object: "instagram"`).
    #[serde(default)]
    id: Option<serde_json::Value>,
    /// Absent on entries carrying other things (`changes`, `standby`).
    #[serde(default)]
    messaging: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    sender: Option<Party>,
    timestamp: Option<i64>,
    message: Option<Message>,
    postback: Option<Postback>,
    /// A link or ad opening an existing conversation (webhook field `messaging_referrals`).
    referral: Option<Referral>,
    /// Webhook field `message_deliveries`.
    delivery: Option<DeliveryReceipt>,
    /// Webhook field `message_reads`.
    read: Option<ReadReceipt>,
}

#[derive(Deserialize)]
struct DeliveryReceipt {
    #[serde(default)]
    mids: Vec<String>,
    watermark: Option<i64>,
}

/// Messenger's has a watermark; Instagram's (`messaging_seen`) the id of the message read.
#[derive(Deserialize)]
struct ReadReceipt {
    watermark: Option<i64>,
    mid: Option<String>,
}

#[derive(Deserialize)]
struct Party {
    id: String,
}

#[derive(Deserialize)]
struct Message {
    mid: Option<String>,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    quick_reply: Option<QuickReply>,
    /// On the first message after a click-to-Messenger ad.
    referral: Option<Referral>,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    payload: Option<serde_json::Value>,
}

/// Longest attachment type kept (Meta's are short words: image, video, audio, file...).
const MAX_ATTACHMENT_KIND: usize = 32;

#[derive(Deserialize)]
struct QuickReply {
    payload: String,
}

#[derive(Deserialize)]
struct Postback {
    title: Option<String>,
    payload: Option<String>,
    mid: Option<String>,
    /// On the Get Started postback of a conversation opened through a link or an ad.
    referral: Option<Referral>,
}

/// The accounts this deployment answers for; entries for others are dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accounts<'a> {
    /// The Page's id; empty: any Page (a single-Page app).
    pub page_id: &'a str,
    /// The Instagram account's id; empty: Instagram deliveries are dropped.
    pub instagram_account_id: &'a str,
}

impl Accounts<'_> {
    fn accepts(&self, platform: Platform, entry_id: Option<&serde_json::Value>) -> bool {
        let id = entry_id.map(|id| match id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let expected = match platform {
            Platform::Instagram if self.instagram_account_id.is_empty() => return false,
            Platform::Instagram => self.instagram_account_id,
            _ => self.page_id,
        };
        expected.is_empty() || id.as_deref() == Some(expected)
    }
}

/// What one webhook delivery carries for statbot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Events {
    /// Messages and taps, in delivery order.
    pub messages: Vec<Inbound>,
    /// Delivery and read receipts.
    pub receipts: Vec<Receipt>,
}

/// Parses a delivery into the messages and taps it carries, in delivery order (entry by entry,
/// event by event), and its receipts, keeping only the entries of `accounts` (another Page's, or
/// Instagram's when no Instagram account is configured, are dropped and logged).
pub fn parse_delivery_for(body: &[u8], accounts: Accounts<'_>) -> Result<Events, WebhookError> {
    let delivery: Delivery = serde_json::from_slice(body)?;
    let platform = match delivery.object.as_str() {
        "page" => Platform::Messenger,
        "instagram" => Platform::Instagram,
        _ => return Err(WebhookError::NotPage(delivery.object)),
    };
    let mut out = Events::default();
    let mut dropped = 0;
    let entries = delivery.entry.into_iter().filter(|entry| {
        let accepted = accounts.accepts(platform, entry.id.as_ref());
        dropped += usize::from(!accepted);
        accepted
    });
    for mut event in entries.flat_map(|e| e.messaging) {
        if let Some(receipt) = receipt(platform, &mut event) {
            out.receipts.push(receipt);
        } else if let Some(inbound) = convert(platform, event)? {
            out.messages.push(inbound);
        }
    }
    if dropped > 0 {
        tracing::warn!(platform = %platform, dropped, "webhook entries for an account this deployment does not answer for were dropped");
    }
    Ok(out)
}

/// The event's delivery or read receipt, if it is one. A receipt without its sender or time
/// names nothing statbot can find: it is dropped.
fn receipt(platform: Platform, event: &mut Event) -> Option<Receipt> {
    let (kind, mids, watermark) = match (event.delivery.take(), event.read.take()) {
        (Some(delivery), _) => (ReceiptKind::Delivered, delivery.mids, delivery.watermark),
        (None, Some(read)) => (ReceiptKind::Read, read.mid.into_iter().collect(), read.watermark),
        (None, None) => return None,
    };
    let recipient = event.sender.take()?.id;
    Some(Receipt { platform, recipient, at: event.timestamp?, kind, mids, watermark })
}

fn convert(platform: Platform, event: Event) -> Result<Option<Inbound>, WebhookError> {
    let Event { sender, timestamp, message, postback, referral, .. } = event;
    let missing = |event, field| WebhookError::MissingField { event, field };

    if let Some(message) = message {
        if message.is_echo {
            return Ok(None);
        }
        let content = match (message.quick_reply, message.text) {
            (Some(quick), title) => InboundContent::Payload { payload: quick.payload, title },
            (None, Some(text)) => InboundContent::Text { text },
            // Attachments only (sticker, image, location...): kept (the person wrote), not answered.
            (None, None) => match message.attachments.into_iter().next() {
                Some(attachment) => attachment_content(attachment),
                None => return Ok(None),
            },
        };
        let sender = sender.ok_or(missing("message", "sender"))?.id;
        let timestamp_ms = timestamp.ok_or(missing("message", "timestamp"))?;
        let message_id = message.mid.ok_or(missing("message", "mid"))?;
        return Ok(Some(Inbound { platform, sender, message_id, timestamp_ms, content, referral: message.referral }));
    }

    if let Some(postback) = postback {
        let sender = sender.ok_or(missing("postback", "sender"))?.id;
        let timestamp_ms = timestamp.ok_or(missing("postback", "timestamp"))?;
        let payload = postback.payload.ok_or(missing("postback", "payload"))?;
        let message_id = postback.mid.unwrap_or_else(|| derived_id("pb", &sender, timestamp_ms, &payload));
        return Ok(Some(Inbound {
            platform,
            sender,
            message_id,
            timestamp_ms,
            content: InboundContent::Payload { payload, title: postback.title },
            referral: postback.referral,
        }));
    }

    if let Some(referral) = referral {
        let sender = sender.ok_or(missing("referral", "sender"))?.id;
        let timestamp_ms = timestamp.ok_or(missing("referral", "timestamp"))?;
        let what = [&referral.reference, &referral.source, &referral.ad_id].map(|s| s.as_deref().unwrap_or_default());
        let message_id = derived_id("ref", &sender, timestamp_ms, &what.join("\u{1f}"));
        return Ok(Some(Inbound {
            platform,
            sender,
            message_id,
            timestamp_ms,
            content: InboundContent::Referral,
            referral: Some(referral),
        }));
    }

    // Reaction, optin, handover...: not for the bot.
    Ok(None)
}

/// An attachment as the engine and operators see it: its type and, when Meta gives one, the
/// file's URL.
fn attachment_content(attachment: Attachment) -> InboundContent {
    let kind: String = attachment.kind.chars().take(MAX_ATTACHMENT_KIND).collect();
    let url = attachment.payload.as_ref().and_then(|p| p.get("url")).and_then(|u| u.as_str()).map(str::to_owned);
    InboundContent::Attachment { media: if kind.is_empty() { "attachment".to_owned() } else { kind }, url }
}

/// A stable id for an event without `mid` (postbacks of older API versions, referrals), so a
/// redelivery of the same event dedupes: `{kind}:{sender}:{timestamp}:{first 16 hex digits of
/// sha256(what)}`.
fn derived_id(kind: &str, sender: &str, timestamp_ms: i64, what: &str) -> String {
    let digest = Sha256::digest(what.as_bytes());
    format!("{kind}:{sender}:{timestamp_ms}:{}", hex::encode(&digest[..8]))
}

/// The subscription handshake: returns the challenge to echo back (with 200) when `mode` is
/// `subscribe` and `token` equals `expected_token`; `None` means answer 403. An empty
/// `expected_token` (not configured) never matches.
pub fn verify_subscription(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
    expected_token: &str,
) -> Option<String> {
    if mode != Some("subscribe") || expected_token.is_empty() {
        return None;
    }
    let token = token?;
    // Constant-time comparison (only the length can leak).
    if !bool::from(token.as_bytes().ct_eq(expected_token.as_bytes())) {
        return None;
    }
    challenge.map(str::to_owned)
}

/// [`parse_delivery_for`] as the tests' deliveries need it: any Page, and the Instagram account
/// `1` their entries name.
#[cfg(test)]
fn parse_delivery(body: &[u8]) -> Result<Vec<Inbound>, WebhookError> {
    parse_events(body).map(|events| events.messages)
}

#[cfg(test)]
fn parse_events(body: &[u8]) -> Result<Events, WebhookError> {
    parse_delivery_for(body, Accounts { page_id: "", instagram_account_id: "1" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(fixture: &str) -> Vec<Inbound> {
        match parse_delivery(fixture.as_bytes()) {
            Ok(v) => v,
            Err(e) => panic!("fixture should parse: {e}"),
        }
    }

    fn text(s: &str) -> InboundContent {
        InboundContent::Text { text: s.into() }
    }

    #[test]
    fn parses_a_text_message() {
        let got = parse(include_str!("testdata/inbound-text.json"));
        assert_eq!(
            got,
            vec![Inbound {
                platform: Platform::Messenger,
                sender: "6701234567890123".into(),
                message_id: "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789".into(),
                timestamp_ms: 1763800000098,
                content: text("hi there"),
                referral: None,
            }]
        );
    }

    #[test]
    fn parses_a_quick_reply() {
        let got = parse(include_str!("testdata/inbound-quick-reply.json"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message_id, "m_QuIcKrEpLy0000000000000000000000001");
        assert_eq!(got[0].timestamp_ms, 1763800005101);
        assert_eq!(
            got[0].content,
            InboundContent::Payload {
                payload: r#"{"flow":"cities","go":"compare"}"#.into(),
                title: Some("Compare".into()),
            }
        );
    }

    #[test]
    fn parses_a_postback() {
        let got = parse(include_str!("testdata/inbound-postback.json"));
        assert_eq!(
            got,
            vec![Inbound {
                platform: Platform::Messenger,
                sender: "6701234567890123".into(),
                message_id: "m_PoStBaCk0000000000000000000000000001".into(),
                timestamp_ms: 1763800010432,
                content: InboundContent::Payload {
                    payload: "coupon:show".into(),
                    title: Some("Yes! Show me coupon".into()),
                },
                referral: None,
            }]
        );
    }

    #[test]
    fn parses_a_batch_in_order() {
        let got = parse(include_str!("testdata/inbound-batched.json"));
        let summary: Vec<_> =
            got.iter().map(|i| (i.sender.as_str(), i.message_id.as_str(), i.content.clone())).collect();
        assert_eq!(
            summary,
            vec![
                ("6701234567890123", "m_BaTcH0000000000000000000000000000001", text("first")),
                (
                    "6709999999999999",
                    "m_BaTcH0000000000000000000000000000002",
                    InboundContent::Payload { payload: "coupon:no".into(), title: Some("No, thanks".into()) }
                ),
                ("6701234567890123", "m_BaTcH0000000000000000000000000000003", text("second")),
            ]
        );
    }

    #[test]
    fn receipts_and_echoes_are_no_messages() {
        for fixture in [
            include_str!("testdata/inbound-delivery.json"),
            include_str!("testdata/inbound-read.json"),
            include_str!("testdata/inbound-echo.json"),
        ] {
            assert_eq!(parse(fixture), vec![]);
        }
    }

    #[test]
    fn receipts_come_out_apart() {
        let receipts = |fixture: &str| parse_events(fixture.as_bytes()).map(|e| e.receipts).unwrap_or_default();
        assert_eq!(
            receipts(include_str!("testdata/inbound-delivery.json")),
            vec![Receipt {
                platform: Platform::Messenger,
                recipient: "6701234567890123".into(),
                at: 1763800029990,
                kind: ReceiptKind::Delivered,
                mids: vec!["m_SeNt00000000000000000000000000000001".into()],
                watermark: Some(1763800029000),
            }]
        );
        assert_eq!(
            receipts(include_str!("testdata/inbound-read.json")),
            vec![Receipt {
                platform: Platform::Messenger,
                recipient: "6701234567890123".into(),
                at: 1763800030990,
                kind: ReceiptKind::Read,
                mids: vec![],
                watermark: Some(1763800030000),
            }]
        );
        let instagram = r#"{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[
            {"sender":{"id":"17841"},"recipient":{"id":"1"},"timestamp":9,"read":{"mid":"m_0"}},
            {"recipient":{"id":"1"},"timestamp":9,"read":{"mid":"m_0"}},
            {"sender":{"id":"17841"},"recipient":{"id":"1"},"timestamp":10,"message":{"mid":"m_1","text":"hi"}}]}]}"#;
        let events = parse_events(instagram.as_bytes()).unwrap();
        assert_eq!(events.messages.len(), 1);
        assert_eq!(
            events.receipts,
            vec![Receipt {
                platform: Platform::Instagram,
                recipient: "17841".into(),
                at: 9,
                kind: ReceiptKind::Read,
                mids: vec!["m_0".into()],
                watermark: None,
            }]
        );
    }

    #[test]
    fn attachment_only_messages_are_kept_and_unknown_events_give_nothing() {
        let body = r#"{"object":"page","entry":[{"id":"1","time":1,"messaging":[
            {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":5,
             "message":{"mid":"m_1","attachments":[{"type":"image","payload":{"url":"https://x/y.png","sticker_id":369239263222822}}]}},
            {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":6,
             "reaction":{"mid":"m_1","action":"react","emoji":"x"}},
            {"recipient":{"id":"1"},"timestamp":7,"optin":{"ref":"r","user_ref":"u"}},
            {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":8,"message":{"mid":"m_2"}}
        ]},{"id":"1","time":2,"changes":[{"field":"feed"}]}]}"#;
        let got = parse(body);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].content,
            InboundContent::Attachment { media: "image".into(), url: Some("https://x/y.png".into()) }
        );
        assert_eq!((got[0].message_id.as_str(), got[0].timestamp_ms), ("m_1", 5));
    }

    #[test]
    fn ignores_unknown_fields() {
        let body = r#"{"object":"page","novel":true,"entry":[{"id":"1","time":1,"x":[1],"messaging":[
            {"sender":{"id":"42","user_ref":"u"},"recipient":{"id":"1"},"timestamp":5,"new":{},
             "message":{"mid":"m_1","text":"yo","nlp":{"entities":{}},"reply_to":{"mid":"m_0"}}}]}]}"#;
        let got = parse(body);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].content, text("yo"));
    }

    #[test]
    fn a_postback_without_mid_gets_a_stable_id() {
        let body = r#"{"object":"page","entry":[{"id":"1","time":1,"messaging":[
            {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":5,
             "postback":{"title":"Get Started","payload":"start"}}]}]}"#;
        let first = parse(body);
        let again = parse(body);
        assert_eq!(first, again);
        assert!(first[0].message_id.starts_with("pb:42:5:"), "{}", first[0].message_id);
        let other = parse(&body.replace("\"start\"", "\"stop\""));
        assert_ne!(first[0].message_id, other[0].message_id);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for body in [
            &b""[..],
            b"not json",
            b"{\"object\":\"page\",\"entry\":",
            b"[]",
            b"{\"entry\":[]}",
            b"{\"object\":\"page\",\"entry\":{}}",
            b"{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"sender\":{\"id\":42},\"timestamp\":1,\"message\":{\"mid\":\"m\",\"text\":\"x\"}}]}]}",
            b"{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"sender\":{\"id\":\"42\"},\"timestamp\":\"soon\",\"message\":{\"text\":\"x\"}}]}]}",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse_delivery(body), Err(WebhookError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn missing_fields_are_errors() {
        let no_mid = br#"{"object":"page","entry":[{"messaging":[{"sender":{"id":"42"},"timestamp":1,"message":{"text":"x"}}]}]}"#;
        assert!(matches!(parse_delivery(no_mid), Err(WebhookError::MissingField { event: "message", field: "mid" })));
        let no_sender = br#"{"object":"page","entry":[{"messaging":[{"timestamp":1,"postback":{"payload":"p"}}]}]}"#;
        assert!(matches!(
            parse_delivery(no_sender),
            Err(WebhookError::MissingField { event: "postback", field: "sender" })
        ));
    }

    #[test]
    fn other_objects_are_refused() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        assert!(matches!(parse_delivery(body), Err(WebhookError::NotPage(o)) if o == "whatsapp_business_account"));
    }

    #[test]
    fn an_empty_page_delivery_is_fine() {
        assert_eq!(parse(r#"{"object":"page","entry":[]}"#), vec![]);
        assert_eq!(parse(r#"{"object":"page"}"#), vec![]);
    }

    #[test]
    fn subscription_handshake() {
        let ok = verify_subscription(Some("subscribe"), Some("tok"), Some("12345"), "tok");
        assert_eq!(ok.as_deref(), Some("12345"));
        assert_eq!(verify_subscription(Some("subscribe"), Some("bad"), Some("1"), "tok"), None);
        assert_eq!(verify_subscription(Some("subscribe"), Some("to"), Some("1"), "tok"), None);
        assert_eq!(verify_subscription(Some("unsubscribe"), Some("tok"), Some("1"), "tok"), None);
        assert_eq!(verify_subscription(None, Some("tok"), Some("1"), "tok"), None);
        assert_eq!(verify_subscription(Some("subscribe"), None, Some("1"), "tok"), None);
        assert_eq!(verify_subscription(Some("subscribe"), Some("tok"), None, "tok"), None);
        assert_eq!(verify_subscription(Some("subscribe"), Some(""), Some("1"), ""), None);
    }
}

#[cfg(test)]
mod properties;
