//! Instagram direct messages through the same webhook, flows and Send API: an Instagram user
//! walks the coupon flow with quick replies (Instagram has no button template; the stand-in
//! refuses one, as Meta does), greeted by the first word of their display name; the contact is
//! on the `instagram` channel; deliveries for an Instagram account statbot is not configured
//! for are dropped.

use crate::support::{Options, TestApp, text_of};
use statbot::store::now_ms;
use statbot_core::Platform;

const ACCOUNT: &str = "17841400000000042";

/// An Instagram delivery of one event from `igsid`.
fn instagram(account: &str, igsid: &str, message: serde_json::Value) -> String {
    serde_json::json!({ "object": "instagram", "entry": [{ "id": account, "time": now_ms(), "messaging": [{
        "sender": { "id": igsid }, "recipient": { "id": account }, "timestamp": now_ms(), "message": message
    }]}]})
    .to_string()
}

fn text(mid: &str, text: &str) -> serde_json::Value {
    serde_json::json!({ "mid": mid, "text": text })
}

fn quick_reply(mid: &str, title: &str, payload: &str) -> serde_json::Value {
    serde_json::json!({ "mid": mid, "text": title, "quick_reply": { "payload": payload } })
}

fn quick_reply_payloads(body: &serde_json::Value) -> Vec<String> {
    body["message"]["quick_replies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| q["payload"].as_str().map(str::to_owned))
        .collect()
}

async fn instagram_app() -> TestApp {
    TestApp::spawn_with(Options {
        tweak: |config| config.messenger.instagram_account_id = ACCOUNT.into(),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn an_instagram_user_walks_the_coupon_flow_with_quick_replies() {
    let app = instagram_app().await;
    let igsid = "9170000000000001";
    app.graph.instagram_user(igsid);
    app.graph.set_profile(igsid, "Grace", "Hopper");

    assert_eq!(app.post_signed(&instagram(ACCOUNT, igsid, text("ig_1", "hi"))).await.status(), 200);
    let sent = app.wait_for_sent_to(igsid, 1).await;
    assert!(text_of(&sent[0]).starts_with("Hi Grace!"), "{:#}", sent[0]);
    assert!(sent[0]["message"].get("attachment").is_none(), "no button template on Instagram");
    assert_eq!(quick_reply_payloads(&sent[0]), ["coupon:show", "coupon:no"]);

    app.post_signed(&instagram(ACCOUNT, igsid, quick_reply("ig_2", "Yes! Show me coupon", "coupon:show"))).await;
    let sent = app.wait_for_sent_to(igsid, 2).await;
    assert_eq!(quick_reply_payloads(&sent[1]), ["coupon:reveal"]);

    app.post_signed(&instagram(ACCOUNT, igsid, quick_reply("ig_3", "Reveal the coupon", "coupon:reveal"))).await;
    let sent = app.wait_for_sent_to(igsid, 3).await;
    assert!(text_of(&sent[2]).starts_with("Your code is "), "{:#}", sent[2]);
    assert_eq!(app.graph.attempts(), 3, "Instagram accepted every message as rendered");

    let store = app.store().await;
    let contact = store.find_contact(Platform::Instagram, igsid).await.unwrap().expect("an Instagram contact");
    assert_eq!(contact.platform, Platform::Instagram);
    assert_eq!(contact.first_name.as_deref(), Some("Grace"));
    assert!(contact.window.until.is_some(), "Instagram has Meta's window too");
    assert!(store.find_contact(Platform::Messenger, igsid).await.unwrap().is_none());
}

#[tokio::test]
async fn instagram_deliveries_for_another_account_or_without_one_configured_are_dropped() {
    let app = instagram_app().await;
    let other = instagram("17841400000000099", "9170000000000002", text("ig_x", "hi"));
    assert_eq!(app.post_signed(&other).await.status(), 200);

    let unconfigured = TestApp::spawn().await;
    let body = instagram(ACCOUNT, "9170000000000003", text("ig_y", "hi"));
    assert_eq!(unconfigured.post_signed(&body).await.status(), 200);

    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.graph.attempts() + unconfigured.graph.attempts(), 0);
    let store = app.store().await;
    assert!(store.find_contact(Platform::Instagram, "9170000000000002").await.unwrap().is_none());
    let store = unconfigured.store().await;
    assert!(store.find_contact(Platform::Instagram, "9170000000000003").await.unwrap().is_none());
}
