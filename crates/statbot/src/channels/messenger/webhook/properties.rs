//! Property tests: random bytes, real deliveries damaged byte by byte or value by value, and
//! generated well-formed deliveries. A body gives its messages or a [`WebhookError`], never a
//! panic, and the error matches what is wrong with it.

use super::*;
use crate::channels::messenger::signature;
use crate::fuzz;
use proptest::prelude::*;
use serde_json::{Value, json};

const FIXTURES: [&str; 7] = [
    include_str!("../testdata/inbound-text.json"),
    include_str!("../testdata/inbound-quick-reply.json"),
    include_str!("../testdata/inbound-postback.json"),
    include_str!("../testdata/inbound-batched.json"),
    include_str!("../testdata/inbound-delivery.json"),
    include_str!("../testdata/inbound-read.json"),
    include_str!("../testdata/inbound-echo.json"),
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
            let platform = match value["object"].as_str() {
                Some("instagram") => Platform::Instagram,
                other => {
                    prop_assert_eq!(other, Some("page"));
                    Platform::Messenger
                }
            };
            let events: usize = value["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|entry| entry["messaging"].as_array().map_or(0, Vec::len))
                .sum();
            prop_assert!(messages.len() <= events, "{} messages from {events} events", messages.len());
            prop_assert!(messages.iter().all(|m| m.platform == platform));
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
                referral: None,
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
    fn any_bytes_give_messages_or_an_error(
        body in prop_oneof![fuzz::any_bytes(), fuzz::any_text().prop_map(String::into_bytes)],
    ) {
        check(&body)?;
    }

    #[test]
    fn damaged_deliveries_give_messages_or_an_error(body in damaged_fixture()) {
        check(&body)?;
    }

    #[test]
    fn well_formed_deliveries_give_back_every_message(
        entries in prop::collection::vec(prop::collection::vec(event(), 0..4), 0..4),
    ) {
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
    fn any_signature_header_is_checked_without_panicking(
        header in proptest::option::of(fuzz::any_text()),
        body in fuzz::any_bytes(),
    ) {
        let outcome = signature::verify("app secret", &body, header.as_deref());
        prop_assert!(outcome.is_err(), "a random header matched: {header:?}");
    }

    #[test]
    fn a_body_verifies_under_its_own_signature_only(
        secret in fuzz::any_text(),
        body in fuzz::any_bytes(),
        flip in any::<prop::sample::Index>(),
    ) {
        use signature::{SignatureError, sign, verify};
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
