//! Turns a Messenger webhook delivery (the JSON body Facebook posts) into channel-neutral
//! [`Inbound`]s, and answers the subscription handshake (`GET ?hub.mode=subscribe&...`).
//!
//! Only what the bot acts on comes out: typed text, quick-reply taps and postback taps.
//! Delivery and read receipts, echoes of our own messages, attachment-only messages (stickers,
//! images) and event kinds we do not know are accepted and dropped. Unknown fields are ignored,
//! since the platform adds fields over time.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use statbot_core::{Inbound, InboundContent, Platform};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// Why a delivery body could not be read.
#[derive(Debug, Error)]
pub enum WebhookError {
    /// Not JSON, or JSON of the wrong shape (e.g. `entry` is not a list).
    #[error("malformed webhook body: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A delivery for another product (e.g. `instagram`), sent to the page webhook.
    #[error("webhook object is `{0}`, expected `page`")]
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
}

#[derive(Deserialize)]
struct QuickReply {
    payload: String,
}

#[derive(Deserialize)]
struct Postback {
    title: Option<String>,
    payload: Option<String>,
    mid: Option<String>,
}

/// Parses a delivery into the messages and taps it carries, in delivery order (entry by entry,
/// event by event).
pub fn parse_delivery(body: &[u8]) -> Result<Vec<Inbound>, WebhookError> {
    let delivery: Delivery = serde_json::from_slice(body)?;
    if delivery.object != "page" {
        return Err(WebhookError::NotPage(delivery.object));
    }
    let mut out = Vec::new();
    for event in delivery.entry.into_iter().flat_map(|e| e.messaging) {
        if let Some(inbound) = convert(event)? {
            out.push(inbound);
        }
    }
    Ok(out)
}

fn convert(event: Event) -> Result<Option<Inbound>, WebhookError> {
    let Event { sender, timestamp, message, postback } = event;
    let missing = |event, field| WebhookError::MissingField { event, field };

    if let Some(message) = message {
        if message.is_echo {
            return Ok(None);
        }
        let content = match (message.quick_reply, message.text) {
            (Some(quick), title) => InboundContent::Payload { payload: quick.payload, title },
            (None, Some(text)) => InboundContent::Text { text },
            // Attachments only (sticker, image, location...): nothing the bot answers.
            (None, None) => return Ok(None),
        };
        let sender = sender.ok_or(missing("message", "sender"))?.id;
        let timestamp_ms = timestamp.ok_or(missing("message", "timestamp"))?;
        let message_id = message.mid.ok_or(missing("message", "mid"))?;
        return Ok(Some(Inbound { platform: Platform::Messenger, sender, message_id, timestamp_ms, content }));
    }

    if let Some(postback) = postback {
        let sender = sender.ok_or(missing("postback", "sender"))?.id;
        let timestamp_ms = timestamp.ok_or(missing("postback", "timestamp"))?;
        let payload = postback.payload.ok_or(missing("postback", "payload"))?;
        let message_id = postback.mid.unwrap_or_else(|| derived_postback_id(&sender, timestamp_ms, &payload));
        return Ok(Some(Inbound {
            platform: Platform::Messenger,
            sender,
            message_id,
            timestamp_ms,
            content: InboundContent::Payload { payload, title: postback.title },
        }));
    }

    // Delivery, read, reaction, optin, referral, handover...: not for the bot.
    Ok(None)
}

/// A stable id for a postback without `mid` (older API versions), so a redelivery of the same
/// tap dedupes: `pb:{sender}:{timestamp}:{first 16 hex digits of sha256(payload)}`.
fn derived_postback_id(sender: &str, timestamp_ms: i64, payload: &str) -> String {
    let digest = Sha256::digest(payload.as_bytes());
    format!("pb:{sender}:{timestamp_ms}:{}", hex::encode(&digest[..8]))
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
    fn receipts_and_echoes_give_nothing() {
        for fixture in [
            include_str!("testdata/inbound-delivery.json"),
            include_str!("testdata/inbound-read.json"),
            include_str!("testdata/inbound-echo.json"),
        ] {
            assert_eq!(parse(fixture), vec![]);
        }
    }

    #[test]
    fn attachment_only_messages_and_unknown_events_give_nothing() {
        let body = r#"{"object":"page","entry":[{"id":"1","time":1,"messaging":[
            {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":5,
             "message":{"mid":"m_1","attachments":[{"type":"image","payload":{"url":"https://x/y.png","sticker_id":369239263222822}}]}},
            {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":6,
             "reaction":{"mid":"m_1","action":"react","emoji":"x"}},
            {"recipient":{"id":"1"},"timestamp":7,"optin":{"ref":"r","user_ref":"u"}}
        ]},{"id":"1","time":2,"changes":[{"field":"feed"}]}]}"#;
        assert_eq!(parse(body), vec![]);
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
        let body = br#"{"object":"instagram","entry":[]}"#;
        assert!(matches!(parse_delivery(body), Err(WebhookError::NotPage(o)) if o == "instagram"));
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

/// Property tests: random bytes, real deliveries damaged byte by byte or value by value, and
/// generated well-formed deliveries. A body gives its messages or a [`WebhookError`], never a
/// panic, and the error matches what is wrong with it.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const FIXTURES: [&str; 7] = [
        include_str!("testdata/inbound-text.json"),
        include_str!("testdata/inbound-quick-reply.json"),
        include_str!("testdata/inbound-postback.json"),
        include_str!("testdata/inbound-batched.json"),
        include_str!("testdata/inbound-delivery.json"),
        include_str!("testdata/inbound-read.json"),
        include_str!("testdata/inbound-echo.json"),
    ];

    fn damaged_fixture() -> impl Strategy<Value = Vec<u8>> {
        let strategies: Vec<BoxedStrategy<Vec<u8>>> = FIXTURES
            .iter()
            .flat_map(|&fixture| {
                [
                    fuzz::mutated_bytes(fixture.as_bytes()).boxed(),
                    fuzz::mutated_json(fixture).prop_map(String::into_bytes).boxed(),
                ]
            })
            .collect();
        proptest::strategy::Union::new(strategies)
    }

    /// Parses `body` and checks the outcome against what generic JSON readings say of it.
    fn check(body: &[u8]) -> Result<(), TestCaseError> {
        let parsed = parse_delivery(body);
        if let Err(e) = &parsed {
            prop_assert!(!e.to_string().is_empty());
        }
        // Syntax alone (any depth, any number): what is not JSON is malformed.
        if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
            prop_assert!(
                matches!(parsed, Err(WebhookError::Malformed(_))),
                "not JSON, yet {parsed:?}: {}",
                String::from_utf8_lossy(body)
            );
            return Ok(());
        }
        // Within serde_json's limits (depth 128, numbers that fit an f64), the values.
        let Ok(value) = serde_json::from_slice::<Value>(body) else { return Ok(()) };
        match &parsed {
            Ok(messages) => {
                prop_assert_eq!(value["object"].as_str(), Some("page"));
                let events: usize = value["entry"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|entry| entry["messaging"].as_array().map_or(0, Vec::len))
                    .sum();
                prop_assert!(messages.len() <= events, "{} messages from {events} events", messages.len());
                prop_assert!(messages.iter().all(|m| m.platform == Platform::Messenger));
            }
            Err(WebhookError::NotPage(object)) => prop_assert_eq!(value["object"].as_str(), Some(object.as_str())),
            Err(_) => {}
        }
        Ok(())
    }

    /// One event of a generated delivery, and the message it should give, if any.
    fn event() -> impl Strategy<Value = (Value, Option<Inbound>)> {
        let title = proptest::option::of(fuzz::any_text());
        (any::<u8>(), fuzz::any_text(), fuzz::any_text(), any::<i64>(), fuzz::any_text(), title).prop_map(
            |(kind, sender, mid, timestamp_ms, text, title)| {
                let inbound = |content| Inbound {
                    platform: Platform::Messenger,
                    sender: sender.clone(),
                    message_id: mid.clone(),
                    timestamp_ms,
                    content,
                };
                let base = json!({ "sender": { "id": sender }, "recipient": { "id": "1" }, "timestamp": timestamp_ms });
                let mut event = base.clone();
                let expected = match kind % 5 {
                    0 => {
                        event["message"] = json!({ "mid": mid, "text": text });
                        Some(inbound(InboundContent::Text { text }))
                    }
                    1 => {
                        event["message"] = json!({ "mid": mid, "text": title, "quick_reply": { "payload": text } });
                        Some(inbound(InboundContent::Payload { payload: text, title }))
                    }
                    2 => {
                        event["postback"] = json!({ "mid": mid, "title": title, "payload": text });
                        Some(inbound(InboundContent::Payload { payload: text, title }))
                    }
                    3 => {
                        event["message"] = json!({ "mid": mid, "text": text, "is_echo": true });
                        None
                    }
                    _ => {
                        event["read"] = json!({ "watermark": timestamp_ms });
                        None
                    }
                };
                (event, expected)
            },
        )
    }

    proptest! {
        #![proptest_config(fuzz::config(512))]

        #[test]
        fn any_bytes_give_messages_or_an_error(body in prop_oneof![fuzz::any_bytes(), fuzz::any_text().prop_map(String::into_bytes)]) {
            check(&body)?;
        }

        #[test]
        fn damaged_deliveries_give_messages_or_an_error(body in damaged_fixture()) {
            check(&body)?;
        }

        #[test]
        fn well_formed_deliveries_give_back_every_message(entries in prop::collection::vec(prop::collection::vec(event(), 0..4), 0..4)) {
            let body = json!({
                "object": "page",
                "entry": entries.iter().map(|events| json!({
                    "id": "1",
                    "time": 1,
                    "messaging": events.iter().map(|(event, _)| event).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            let expected: Vec<Inbound> = entries.into_iter().flatten().filter_map(|(_, inbound)| inbound).collect();
            let parsed = parse_delivery(body.to_string().as_bytes());
            prop_assert!(parsed.is_ok(), "{parsed:?}");
            prop_assert_eq!(parsed.ok(), Some(expected));
        }

        #[test]
        fn any_signature_header_is_checked_without_panicking(header in proptest::option::of(fuzz::any_text()), body in fuzz::any_bytes()) {
            let outcome = crate::channels::messenger::signature::verify("app secret", &body, header.as_deref());
            prop_assert!(outcome.is_err(), "a random header matched: {header:?}");
        }

        #[test]
        fn a_body_verifies_under_its_own_signature_only(secret in fuzz::any_text(), body in fuzz::any_bytes(), flip in any::<prop::sample::Index>()) {
            use crate::channels::messenger::signature::{SignatureError, sign, verify};
            let header = sign(&secret, &body);
            prop_assert_eq!(verify(&secret, &body, Some(&header)), Ok(()));
            if !body.is_empty() {
                let mut tampered = body.clone();
                tampered[flip.index(body.len())] ^= 1;
                prop_assert_eq!(verify(&secret, &tampered, Some(&header)), Err(SignatureError::Mismatch));
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_where_read_and_skipped_where_ignored() {
        for depth in [200, 100_000] {
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let read = format!(r#"{{"object":"page","entry":{nested}}}"#);
            let got = parse_delivery(read.as_bytes());
            assert!(matches!(got, Err(WebhookError::Malformed(_))), "depth {depth}: {got:?}");
            // Unknown fields are skipped without recursing, at any depth.
            let ignored = format!(r#"{{"object":"page","novel":{nested},"entry":[]}}"#);
            assert_eq!(parse_delivery(ignored.as_bytes()).ok(), Some(vec![]), "depth {depth}");
        }
    }
}
