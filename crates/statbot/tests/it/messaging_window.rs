//! Meta's rules on the real server and the Graph stand-in: the messaging window measured from
//! Meta's timestamps (a reply to a message older than a day is held, never sent, and shown; an
//! ad opens 7 days; a late redelivery reopens nothing), each class of Send API error stored with
//! the reply (and retried only when Meta says to), and bot replies always sent as `RESPONSE`.

use crate::support::{TestApp, WAIT, delivery, text_event, wait_for_outbox};
use statbot::channels::messenger::Fault;
use statbot::store::{LoggedMessage, OutboxStats, Store, now_ms};
use statbot_core::Platform;
use std::time::{Duration, Instant};

const HOUR_MS: i64 = 3_600_000;
const PASSWORD: &str = "correct horse battery";

/// A text message Meta stamped at `at_ms`, with an optional referral.
fn text_at(psid: &str, mid: &str, text: &str, at_ms: i64, referral: Option<serde_json::Value>) -> String {
    let mut message = serde_json::json!({ "mid": mid, "text": text });
    if let Some(referral) = referral {
        message["referral"] = referral;
    }
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": at_ms, "message": message
    }))
}

/// The outbox ids of a contact's replies with `status`, from the operator API.
async fn undelivered(app: &TestApp, status: &str) -> Vec<serde_json::Value> {
    let store = app.store().await;
    if store.user_by_name("ops").await.unwrap().is_none() {
        statbot::auth::create_user(&store, "ops", statbot::store::Role::Staff, PASSWORD).await.unwrap();
    }
    let token = app.token("ops", PASSWORD).await;
    let answer = app.get_json(&format!("/api/v1/outbox?status={status}"), &token).await;
    answer["messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_reply_to_a_message_sent_over_a_day_ago_is_held_never_sent_and_shown() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6700000000024001";
    // Meta delivers late (an outage on either side): the message was written 25 hours ago.
    let late = text_at(psid, "m_late", "hi", now_ms() - 25 * HOUR_MS, None);
    assert_eq!(app.post_signed(&late).await.status(), 200);
    let stats = wait_for_outbox(&store, |s| s.held == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((stats.pending, stats.sent, stats.failed), (0, 0, 0));
    assert_eq!(app.graph.attempts(), 0, "nothing is sent outside the window");

    let held = undelivered(&app, "held").await;
    assert_eq!(held.len(), 1, "{held:#?}");
    assert_eq!(held[0]["error_class"], "outside_window");
    let reason = held[0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("outside the messaging window"), "{reason}");
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    let (status, _) = store.outbox_status(held[0]["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(status, "held");
    let events = store.contact_events(contact.id).await.unwrap();
    assert!(events.iter().any(|(kind, ..)| kind == "send_failed"), "held replies are never lost silently");

    // The contact's conversation shows it.
    let token = app.token("ops", PASSWORD).await;
    let messages = app.get_json(&format!("/api/v1/contacts/{}/messages", contact.id), &token).await;
    assert!(messages.to_string().contains("held"), "{messages}");

    // Writing again opens the window: that answer goes, the held one stays held.
    app.post_signed(&text_event(psid, "m_now", "hi again")).await;
    app.wait_for_sent_to(psid, 1).await;
    let stats = wait_for_outbox(&store, |s| s.sent == 1).await;
    assert_eq!(stats.held, 1);
}

#[tokio::test]
async fn a_late_redelivery_does_not_move_the_window_and_an_ad_opens_seven_days() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6700000000024002";
    let wrote = now_ms() - 2 * HOUR_MS;
    app.post_signed(&text_at(psid, "m_recent", "hi", wrote, None)).await;
    app.wait_for_sent_to(psid, 1).await;
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    assert_eq!(contact.window.last_inbound_at, Some(wrote));
    assert_eq!(contact.window.until, Some(wrote + 24 * HOUR_MS));

    // An older event arriving now (another mid, stamped 30 hours ago) changes nothing; its
    // answer goes, as the window of the later message is still open.
    app.post_signed(&text_at(psid, "m_old", "older", now_ms() - 30 * HOUR_MS, None)).await;
    wait_for_outbox(&store, |s| s.sent == 2).await;
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    assert_eq!(contact.window.until, Some(wrote + 24 * HOUR_MS));

    // A click-to-Messenger ad three days ago: the window is 7 days, so the answer goes.
    let ad =
        serde_json::json!({ "ref": "spring_ad", "source": "ADS", "type": "OPEN_THREAD", "ad_id": "6045246247433" });
    let from_ad = "6700000000024003";
    let clicked = now_ms() - 72 * HOUR_MS;
    app.post_signed(&text_at(from_ad, "m_ad", "Is this still on?", clicked, Some(ad))).await;
    app.wait_for_sent_to(from_ad, 1).await;
    let contact = store.find_contact(Platform::Messenger, from_ad).await.unwrap().unwrap();
    assert_eq!(contact.window.until, Some(clicked + 7 * 24 * HOUR_MS));
    // The same message without the ad, three days ago: held.
    app.post_signed(&text_at("6700000000024004", "m_plain", "hi", clicked, None)).await;
    wait_for_outbox(&store, |s| s.held == 1).await;
}

/// Sends one text for a fresh contact while the stand-in answers with `fault`; once the reply
/// is settled (sent, failed or held), returns its status, reason and error class.
async fn reply_under(
    app: &TestApp,
    store: &Store,
    psid: &str,
    fault: Option<Fault>,
) -> (String, Option<String>, Option<String>) {
    if let Some(fault) = fault {
        app.graph.fail_next_sends(1, fault);
    }
    let before = store.outbox_stats().await.unwrap();
    let settled =
        |s: &OutboxStats| s.pending == 0 && s.sent + s.failed + s.held > before.sent + before.failed + before.held;
    app.post_signed(&text_event(psid, &format!("m_{psid}"), "hi")).await;
    wait_for_outbox(store, settled).await;
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    let conversation = store.conversation(contact.id, 10).await.unwrap();
    let Some(LoggedMessage::Out { status, reason, .. }) = conversation.last().cloned() else {
        panic!("no reply: {conversation:?}")
    };
    let (failed, _) = store.undelivered(&["failed"], 100).await.unwrap();
    let class = failed.into_iter().find(|u| u.contact_id == contact.id).and_then(|u| u.error_class);
    (status, reason, class)
}

#[tokio::test]
async fn each_class_of_send_api_error_is_stored_and_only_rate_limits_and_hiccups_are_retried() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let gone = "6700000000024551";
    app.graph.unavailable(gone);
    let cases: [(&str, Option<Fault>, &str, &str); 8] = [
        ("6700000000024010", Some(Fault::OutsideWindow), "failed", "outside_window"),
        (gone, None, "failed", "unavailable"),
        ("6700000000024200", Some(Fault::Permissions), "failed", "permissions"),
        ("6700000000024100", Some(Fault::InvalidParameter), "failed", "invalid_parameter"),
        ("6700000000024613", Some(Fault::RateLimited), "sent", "rate_limited"),
        ("6700000000024032", Some(Fault::PageRateLimited), "sent", "rate_limited"),
        ("6700000000024004", Some(Fault::AppRateLimited), "sent", "rate_limited"),
        ("6700000000021200", Some(Fault::Temporary), "sent", "temporary"),
    ];
    for (psid, fault, status, class) in cases {
        let attempts = app.graph.attempts();
        let (stored, reason, stored_class) = reply_under(&app, &store, psid, fault).await;
        assert_eq!(stored, status, "{class}: {reason:?}");
        let tries = app.graph.attempts() - attempts;
        if status == "failed" {
            assert_eq!(tries, 1, "{class} is not retried");
            assert_eq!(stored_class.as_deref(), Some(class));
            assert!(reason.is_some_and(|r| !r.is_empty()));
        } else {
            assert_eq!(tries, 2, "{class} is retried once and delivered");
        }
    }
}

#[tokio::test]
async fn a_613_pauses_every_send_then_all_are_delivered() {
    let app = TestApp::spawn_with(crate::support::Options {
        tweak: |config| config.outbox.rate_limit_backoff_ms = 700,
        ..Default::default()
    })
    .await;
    app.graph.fail_next_sends(1, Fault::RateLimited);
    let started = Instant::now();
    let psids: Vec<String> = (0..4).map(|i| format!("67000000000246{i:02}")).collect();
    for psid in &psids {
        app.post_signed(&text_event(psid, &format!("m_{psid}"), "hi")).await;
    }
    let sent = app.graph.wait_for_sent(psids.len(), WAIT).await;
    assert_eq!(sent.len(), psids.len());
    // The first send met the rate limit; every delivery after it waited the pause, not only
    // that contact's (the sends that had already started may finish at once).
    let after_pause = sent.iter().filter(|s| s.at.duration_since(started) >= Duration::from_millis(700)).count();
    assert!(after_pause >= 1, "the rate-limited reply waits at least the pause");
    let store = app.store().await;
    let stats = wait_for_outbox(&store, |s| s.sent == psids.len() as i64).await;
    assert_eq!((stats.failed, stats.held), (0, 0));
}

#[tokio::test]
async fn a_photo_opens_the_window_without_an_answer_and_shows_in_the_conversation() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6700000000024800";
    let sent_at = now_ms() - 2 * HOUR_MS;
    let photo = delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": sent_at,
        "message": { "mid": "m_photo", "attachments": [{ "type": "image", "payload": { "url": "https://cdn.example/p.jpg" } }] }
    }));
    assert_eq!(app.post_signed(&photo).await.status(), 200);
    let deadline = Instant::now() + WAIT;
    let contact = loop {
        let contact = store.find_contact(Platform::Messenger, psid).await.unwrap();
        if let Some(contact) = contact.filter(|c| c.window.until.is_some()) {
            break contact;
        }
        assert!(Instant::now() < deadline, "the photo was not acted on");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(contact.window.until, Some(sent_at + 24 * HOUR_MS));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.graph.attempts(), 0, "no answer to a photo");
    let conversation = store.conversation(contact.id, 10).await.unwrap();
    assert!(
        matches!(conversation.as_slice(), [LoggedMessage::In { text, .. }] if text == "(sent an attachment: image)"),
        "{conversation:?}"
    );
}

#[tokio::test]
async fn bot_replies_are_sent_as_responses_and_never_tagged() {
    let app = TestApp::spawn().await;
    let psid = "6700000000024700";
    app.post_signed(&text_event(psid, "m_1", "hi")).await;
    app.post_signed(&crate::support::postback_event(psid, "m_2", "coupon:show")).await;
    let sent = app.wait_for_sent_to(psid, 2).await;
    for body in sent {
        assert_eq!(body["messaging_type"], "RESPONSE", "{body}");
        assert!(body.get("tag").is_none(), "{body}");
    }
}
