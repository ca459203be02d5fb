//! Follow-ups and receipts (issue 20): a step's `follow_up` sends its step once, `after` the
//! step was entered, as an `UPDATE` message; not when the contact did `unless` meanwhile, opted
//! out, left the messaging window or is with a person; once with two instances on PostgreSQL.
//! Delivery and read receipts mark the replies, and the outbox counts them.

use crate::support::*;
use statbot::store::{FollowUpRecord, Store};
use statbot_core::Platform;
use std::time::Duration;

const FLOW: &str = r#"
name = "promo"
entry = "offer"
[coupons.spring]
code = "SPRING20"
[steps.offer]
text = "Want a coupon?"
buttons = [
  { id = "reveal", title = "Show me", next = "revealed" },
  { id = "person", title = "Talk to a person", handoff = true },
]
follow_up = { after = "2s", step = "reminder", unless = "revealed" }
[steps.revealed]
reveal = "spring"
text = "Your code: {coupon_code}"
[steps.reminder]
text = "Still want your coupon? It goes soon."
"#;

const REMINDER: &str = "Still want your coupon? It goes soon.";

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options {
        flows: vec![("promo.toml", FLOW.to_owned())],
        tweak: |c| c.follow_ups.poll_ms = 100,
        ..Options::default()
    })
    .await
}

async fn follow_ups(store: &Store, psid: &str) -> Vec<FollowUpRecord> {
    let id = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap().id;
    store.follow_ups_of(id).await.unwrap()
}

/// Waits until the contact's only follow-up is no longer pending, and returns it.
async fn settled(store: &Store, psid: &str) -> FollowUpRecord {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let all = follow_ups(store, psid).await;
        if let [one] = &all[..]
            && one.status != "pending"
        {
            return one.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "the follow-up stays pending: {all:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn texts(app: &TestApp, psid: &str) -> Vec<String> {
    app.sent_to(psid).iter().map(text_of).collect()
}

#[tokio::test]
async fn the_reminder_goes_once_after_the_delay_as_an_update() {
    let app = spawn().await;
    let store = app.store().await;
    let psid = "6910000000000001";
    app.post_signed(&text_event(psid, "m_f1", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    assert_eq!(follow_ups(&store, psid).await[0].status, "pending");

    let sent = app.wait_for_sent_to(psid, 2).await;
    assert_eq!(text_of(&sent[1]), REMINDER);
    assert_eq!(sent[1]["messaging_type"], "UPDATE");
    assert_eq!(settled(&store, psid).await.status, "sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(texts(&app, psid), ["Want a coupon?", REMINDER]);
}

#[tokio::test]
async fn no_reminder_once_the_contact_did_what_it_waited_for() {
    let app = spawn().await;
    let store = app.store().await;
    let psid = "6910000000000002";
    app.post_signed(&text_event(psid, "m_f2", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&postback_event(psid, "m_f3", "promo:reveal")).await;
    app.wait_for_sent_to(psid, 2).await;

    let done = settled(&store, psid).await;
    assert_eq!((done.status.as_str(), done.reason.as_deref()), ("skipped", Some("the contact did what it waited for")));
    assert_eq!(texts(&app, psid), ["Want a coupon?", "Your code: SPRING20"]);
}

#[tokio::test]
async fn no_reminder_after_opting_out() {
    let app = spawn().await;
    let store = app.store().await;
    let psid = "6910000000000003";
    app.post_signed(&text_event(psid, "m_f4", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&text_event(psid, "m_f5", "stop")).await;
    app.wait_for_sent_to(psid, 2).await;

    let done = settled(&store, psid).await;
    assert_eq!((done.status.as_str(), done.reason.as_deref()), ("skipped", Some("opted out")));
    assert_eq!(app.sent_to(psid).len(), 2);
}

#[tokio::test]
async fn no_reminder_outside_the_messaging_window() {
    let app = spawn().await;
    let store = app.store().await;
    let psid = "6910000000000004";
    // Written 24 hours ago less a second and a half: the window closes before the reminder is due.
    let at = statbot::store::now_ms() - statbot_core::window::STANDARD_MS + 1_500;
    app.graph.user_wrote(psid, at, false);
    let event = delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": at,
        "message": { "mid": "m_f6", "text": "hi" }
    }));
    app.post_signed(&event).await;
    app.wait_for_sent_to(psid, 1).await;

    let done = settled(&store, psid).await;
    assert_eq!((done.status.as_str(), done.reason.as_deref()), ("skipped", Some("outside the messaging window")));
    assert_eq!(app.sent_to(psid).len(), 1);
}

#[tokio::test]
async fn no_reminder_while_a_person_has_the_conversation() {
    let app = spawn().await;
    let store = app.store().await;
    let psid = "6910000000000005";
    app.post_signed(&text_event(psid, "m_f7", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&postback_event(psid, "m_f8", "promo:person")).await;
    app.wait_for_sent_to(psid, 2).await;

    let done = settled(&store, psid).await;
    assert_eq!((done.status.as_str(), done.reason.as_deref()), ("skipped", Some("with a person")));
    assert_eq!(app.sent_to(psid).len(), 2);
}

#[tokio::test]
async fn two_instances_send_the_reminder_once() {
    let app = spawn().await;
    let store = app.store().await;
    // A second instance on the same PostgreSQL database (SQLite serves one instance).
    let second = app.second_instance().await;
    let psids: Vec<String> = (0..6).map(|i| format!("69200000000000{i:02}")).collect();
    for (i, psid) in psids.iter().enumerate() {
        app.post_signed(&text_event(psid, &format!("m_two{i}"), "hi")).await;
    }
    for psid in &psids {
        assert_eq!(text_of(&app.wait_for_sent_to(psid, 2).await[1]), REMINDER);
        assert_eq!(settled(&store, psid).await.status, "sent");
    }
    // Well past a few polls of both instances: still one reminder each.
    tokio::time::sleep(Duration::from_millis(700)).await;
    for psid in &psids {
        assert_eq!(texts(&app, psid), ["Want a coupon?", REMINDER], "{psid}");
    }
    if let Some(second) = second {
        second.stop().await;
    }
}

#[tokio::test]
async fn receipts_mark_the_replies_delivered_then_read() {
    let app = spawn().await;
    let store = app.store().await;
    let psid = "6910000000000006";
    app.post_signed(&text_event(psid, "m_f9", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    wait_for_outbox(&store, |s| s.sent == 1).await;
    let (delivered, read) = app.graph.receipts(psid);

    assert_eq!(app.post_signed(&delivered).await.status(), 200);
    let stats = wait_for_outbox(&store, |s| s.delivered == 1).await;
    assert_eq!((stats.sent, stats.read), (1, 0));
    let id = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap().id;
    let status = |messages: Vec<statbot::store::LoggedMessage>| match messages.last() {
        Some(statbot::store::LoggedMessage::Out { status, .. }) => status.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(status(store.conversation(id, 10).await.unwrap()), "delivered");

    assert_eq!(app.post_signed(&read).await.status(), 200);
    let stats = wait_for_outbox(&store, |s| s.read == 1).await;
    assert_eq!(stats.delivered, 1);
    assert_eq!(status(store.conversation(id, 10).await.unwrap()), "read");
    // Receipts are no messages: nothing answered them, and the contact wrote once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let conversation = store.conversation(id, 10).await.unwrap();
    let inbound = conversation.iter().filter(|m| matches!(m, statbot::store::LoggedMessage::In { .. })).count();
    assert_eq!(inbound, 1);
}
