//! The Messenger webhook protocol: verification, signatures, malformed and oversized bodies and
//! wrong methods, receipts and echoes, batched deliveries and redeliveries, the webhook off
//! when Messenger is not configured, and each contact's messages answered in order.

use crate::support::*;

#[tokio::test]
async fn verification_answers_the_challenge_only_for_the_right_token() {
    let app = TestApp::spawn().await;
    let ok = app
        .client
        .get(app.url(&format!(
            "/webhooks/messenger?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=CHALLENGE_42"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "CHALLENGE_42");

    let wrong = app
        .client
        .get(app.url("/webhooks/messenger?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=CHALLENGE_42"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
}

#[tokio::test]
async fn unsigned_and_badly_signed_deliveries_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let body = fixture("inbound-text.json");
    let missing = app.post_webhook(&body, None).await;
    assert_eq!(missing.status(), 403);
    let wrong =
        app.post_webhook(&body, Some(&statbot::channels::messenger::signature::sign("other", body.as_bytes()))).await;
    assert_eq!(wrong.status(), 403);
    let error: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_signature");
    let tampered = app
        .post_webhook(
            &body.replace("hi there", "hi thera"),
            Some(&statbot::channels::messenger::signature::sign(APP_SECRET, body.as_bytes())),
        )
        .await;
    assert_eq!(tampered.status(), 403);

    let store = app.store().await;
    assert_eq!(store.pending_inbound().await.unwrap(), 0);
    assert!(store.find_contact(statbot_core::Platform::Messenger, "6701234567890123").await.unwrap().is_none());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.graph.attempts(), 0);
}

#[tokio::test]
async fn malformed_json_gets_400_with_an_error_body() {
    let app = TestApp::spawn().await;
    for body in ["{not json", "{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"sender\":{}}]}]}", "[]"] {
        let response = app.post_signed(body).await;
        assert_eq!(response.status(), 400, "{body}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "invalid_json", "{body}");
    }
    // The server is still fine.
    assert_eq!(app.post_signed(&fixture("inbound-text.json")).await.status(), 200);
    app.wait_for_sent(1).await;
}

#[tokio::test]
async fn receipts_and_echoes_are_accepted_and_never_answered() {
    let app = TestApp::spawn().await;
    for name in ["inbound-delivery.json", "inbound-read.json", "inbound-echo.json"] {
        assert_eq!(app.post_signed(&fixture(name)).await.status(), 200, "{name}");
    }
    // A real message after them is the only one answered.
    app.post_signed(&fixture("inbound-text.json")).await;
    app.wait_for_sent(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.graph.sent_count(), 1);
}

#[tokio::test]
async fn every_entry_and_item_of_a_batched_delivery_is_handled() {
    let app = TestApp::spawn().await;
    // 6709… has been greeted, so its postback "coupon:no" in the batch taps an offered button.
    app.post_signed(&text_event("6709999999999999", "m_greeted", "hi")).await;
    app.wait_for_sent_to("6709999999999999", 1).await;
    assert_eq!(app.post_signed(&fixture("inbound-batched.json")).await.status(), 200);
    // "first" and "second" are not understood: each gets one apology with its choices for
    // 6701…; the postback "coupon:no" is a tap on "No, thanks" for 6709… (text and image).
    let ada = app.wait_for_sent_to("6701234567890123", 2).await;
    let texts: Vec<String> = ada.iter().map(text_of).collect();
    assert!(texts[0].contains("didn't understand “first”") && texts[1].contains("“second”"), "{texts:#?}");
    let other = app.wait_for_sent_to("6709999999999999", 3).await;
    assert!(text_of(&other[1]).starts_with("No problem"), "{other:#?}");
    assert_eq!(other[2]["message"]["attachment"]["type"], "image");
}

#[tokio::test]
async fn a_redelivered_event_is_acted_on_once() {
    let app = TestApp::spawn().await;
    let body = fixture("inbound-postback.json");
    let sender = serde_json::from_str::<serde_json::Value>(&body).unwrap()["entry"][0]["messaging"][0]["sender"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post_signed(&text_event(&sender, "m_greeted", "hi")).await;
    app.wait_for_sent(1).await;
    for _ in 0..3 {
        assert_eq!(app.post_signed(&body).await.status(), 200);
    }
    app.wait_for_sent(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(app.graph.sent_count(), 2, "{:#?}", app.graph.sent());
    let store = app.store().await;
    assert_eq!(store.count_events("coupon", statbot::store::EventKind::ButtonClicked).await.unwrap(), 1);
}

#[tokio::test]
async fn the_webhook_is_off_when_messenger_is_not_configured() {
    let app = TestApp::spawn_with(Options {
        tweak: |c| {
            c.messenger.app_secret = statbot::config::Secret::default();
            c.messenger.verify_token = statbot::config::Secret::default();
        },
        ..Options::default()
    })
    .await;
    let response = app.post_signed(&fixture("inbound-text.json")).await;
    assert_eq!(response.status(), 404);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "not_configured");
}

#[tokio::test]
async fn oversized_bodies_and_wrong_methods_get_json_errors() {
    let app = TestApp::spawn().await;
    let huge = format!("{{\"object\":\"page\",\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let response = app.post_signed(&huge).await;
    assert_eq!(response.status(), 413);
    let text = response.text().await.unwrap();
    let error: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(error["error"]["code"], "payload_too_large");

    let response = app.client.delete(app.url("/webhooks/messenger")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn an_older_message_waiting_in_the_queue_is_answered_before_a_newer_one_from_the_same_contact() {
    use statbot_core::{Inbound, InboundContent, Platform};
    let app = TestApp::spawn().await;
    let psid = "6701234567890123";
    // A message stored but not handed to this instance's processor (as one left by another
    // instance, or before a restart), then a newer one through the webhook, which is handed
    // over at once: it must wait for the older one.
    let store = app.store().await;
    let older = Inbound {
        platform: Platform::Messenger,
        sender: psid.into(),
        message_id: "m_older".into(),
        timestamp_ms: statbot::store::now_ms(),
        content: InboundContent::Text { text: "hi".into() },
        referral: None,
    };
    store.ingest(&[older], None).await.unwrap();
    assert_eq!(app.post_signed(&postback_event(psid, "m_newer", "coupon:show")).await.status(), 200);

    let sent = app.wait_for_sent_to(psid, 2).await;
    assert!(text_of(&sent[0]).starts_with("Hi Ada!"), "{sent:#?}");
    assert!(text_of(&sent[1]).starts_with("Here it is:"), "{sent:#?}");
}

#[tokio::test]
async fn messages_from_one_contact_in_one_delivery_are_answered_in_order() {
    let app = TestApp::spawn().await;
    let psid = "6701234567890123";
    let now = statbot::store::now_ms();
    let body = serde_json::json!({ "object": "page", "entry": [{ "id": "1", "time": now, "messaging": [
        { "sender": { "id": psid }, "recipient": { "id": "1" }, "timestamp": now,
          "message": { "mid": "m_1", "text": "hi" } },
        { "sender": { "id": psid }, "recipient": { "id": "1" }, "timestamp": now + 1,
          "postback": { "mid": "m_2", "title": "Yes! Show me coupon", "payload": "coupon:show" } },
        { "sender": { "id": psid }, "recipient": { "id": "1" }, "timestamp": now + 2,
          "postback": { "mid": "m_3", "title": "Reveal the coupon", "payload": "coupon:reveal" } },
    ]}]})
    .to_string();
    assert_eq!(app.post_signed(&body).await.status(), 200);

    let sent = app.wait_for_sent_to(psid, 3).await;
    let texts: Vec<String> = sent.iter().map(text_of).collect();
    assert!(texts[0].starts_with("Hi Ada!"), "{texts:#?}");
    assert!(texts[1].starts_with("Here it is:"), "{texts:#?}");
    assert!(texts[2].starts_with("Your code is SPRING-"), "{texts:#?}");
}

/// PostgreSQL's text cannot hold a NUL character: a message with one must still be stored
/// (the NUL shown as �) and answered, never a 500 that Facebook would redeliver for ever.
#[tokio::test]
async fn a_message_with_nul_characters_is_stored_and_answered() {
    let app = TestApp::spawn().await;
    let psid = "6701234567\u{0}890";
    let response = app.post_signed(&text_event(psid, "m_nul\u{0}1", "hi\u{0}there")).await;
    assert_eq!(response.status(), 200);
    let sent = app.wait_for_sent_to("6701234567\u{fffd}890", 1).await;
    assert!(text_of(&sent[0]).contains("coupon for you"), "{sent:#?}");

    let visitor = chat_visitor(&app).await;
    let form = [("text", "nul\u{0}byte"), ("nonce", "n\u{0}1")];
    let posted = app.client.post(app.url("/chat")).header("cookie", &visitor.cookie).form(&form).send().await.unwrap();
    assert_eq!(posted.status(), 303);
    let page = app.client.get(app.url("/chat")).header("cookie", &visitor.cookie).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("nul\u{fffd}byte"));
}
