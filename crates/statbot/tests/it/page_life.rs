//! A Page's life, end to end, through the Graph API stand-in and the real binary beside the
//! real server, as a shop owner and Meta would live it: the Page set up from `[page]` twice (the
//! second run sends nothing); a link made with its QR code; a new person arriving by the QR
//! code's `ref` into the link's step, and a returning one by a `referral` event; a reply held
//! outside the messaging window; a 613 rate limit backed off and then delivered; a data deletion
//! request honoured and a forged one refused; and an Instagram user walking the coupon flow with
//! quick replies.

use crate::support::{APP_SECRET, Options, PAGE_TOKEN, TestApp, delivery, statbot, text_event, text_of};
use statbot::channels::messenger::{Fault, signed_request};
use statbot::store::now_ms;
use statbot_core::Platform;
use std::time::Duration;

const INSTAGRAM: &str = "17841400000000077";
const PAGE_ID: &str = "104857600000001";

/// The shop's `statbot.toml`: the Page's set-up as code, beside the demo flow.
const PAGE: &str = r#"
demo = true

[page]
get_started = { flow = "coupon" }

[[page.greeting]]
locale = "default"
text = "Hi {{user_first_name}}! Tap Get Started for this month's coupon."

[[page.ice_breakers]]
question = "Do you have a coupon for me?"
flow = "coupon"
step = "offer"

[[page.persistent_menu]]
title = "This month's coupon"
flow = "coupon"

[[page.persistent_menu]]
title = "Stop messages"
action = "stop"
"#;

/// Runs the binary on the server's database, Graph stand-in and configuration file (off the
/// runtime's threads, which serve the stand-in and the server meanwhile).
async fn run(app: &TestApp, config: &std::path::Path, args: &[&str]) -> crate::support::binary::Ran {
    let command =
        statbot(args).args(&["--config", config.to_str().unwrap()]).database(app.config.database_url.as_str()).envs(&[
            ("STATBOT_MESSENGER_PAGE_TOKEN", PAGE_TOKEN),
            ("STATBOT_MESSENGER_APP_SECRET", APP_SECRET),
            ("STATBOT_MESSENGER_VERIFY_TOKEN", "verify"),
            ("STATBOT_MESSENGER_GRAPH_URL", &app.graph.base_url()),
            ("STATBOT_MESSENGER_PAGE_ID", PAGE_ID),
            ("STATBOT_INSTAGRAM_ACCOUNT_ID", INSTAGRAM),
        ]);
    let ran = tokio::task::spawn_blocking(move || command.run()).await.unwrap();
    assert!(ran.status.success(), "statbot {args:?}: {}{}", ran.stdout, ran.stderr);
    ran
}

fn get_started_with_ref(psid: &str, reference: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": PAGE_ID }, "timestamp": now_ms(),
        "postback": { "title": "Get Started", "payload": "@coupon", "mid": format!("m_gs_{psid}"),
                      "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" } }
    }))
}

fn referral_event(psid: &str, reference: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": PAGE_ID }, "timestamp": now_ms(),
        "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" }
    }))
}

fn instagram(igsid: &str, message: serde_json::Value) -> String {
    serde_json::json!({ "object": "instagram", "entry": [{ "id": INSTAGRAM, "time": now_ms(), "messaging": [{
        "sender": { "id": igsid }, "recipient": { "id": INSTAGRAM }, "timestamp": now_ms(), "message": message
    }]}]})
    .to_string()
}

/// Meta's data deletion request for `user_id`, signed with `secret`.
fn deletion_request(secret: &str, user_id: &str) -> String {
    let payload = serde_json::json!({ "algorithm": "HMAC-SHA256", "issued_at": now_ms() / 1000, "user_id": user_id });
    signed_request::sign(secret, &payload.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pages_life_through_the_stand_in() {
    let app = TestApp::spawn_with(Options {
        tweak: |config| {
            config.messenger.instagram_account_id = INSTAGRAM.into();
            config.messenger.page_id = PAGE_ID.into();
            config.outbox.rate_limit_backoff_ms = 300;
        },
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("statbot.toml");
    std::fs::write(&config, PAGE).unwrap();

    // The Page set up as code: applied once, and a second run sends nothing.
    let first = run(&app, &config, &["messenger", "setup"]).await;
    let writes = app.graph.profile_writes().len();
    assert!(writes > 0, "the first run sets the profile: {}", first.stdout);
    let second = run(&app, &config, &["messenger", "setup"]).await;
    assert_eq!(app.graph.profile_writes().len(), writes, "the second run sends nothing: {}", second.stdout);
    assert_eq!(app.graph.messenger_profile("messenger")["get_started"]["payload"], "@coupon");

    // A link to the offer, with its QR code for the poster.
    let ran = run(&app, &config, &["links", "add", "spring_poster", "--flow", "coupon", "--step", "offer"]).await;
    assert!(ran.stdout.contains("m.me/"), "{}", ran.stdout);
    let qr = dir.path().join("spring_poster.png");
    run(&app, &config, &["links", "qr", "spring_poster", "--format", "png", "--output", qr.to_str().unwrap()]).await;
    assert!(std::fs::read(&qr).unwrap().starts_with(b"\x89PNG"));

    // A new person scans it: Get Started carries the ref, straight into the offer.
    let newcomer = "6700000000077001";
    app.post_signed(&get_started_with_ref(newcomer, "spring_poster")).await;
    let sent = app.wait_for_sent_to(newcomer, 1).await;
    assert!(text_of(&sent[0]).starts_with("Here it is:"), "{:#}", sent[0]);

    // Someone who talked to the Page before scans it: a referral event.
    let regular = "6700000000077002";
    app.post_signed(&text_event(regular, "m_regular", "hello")).await;
    app.wait_for_sent_to(regular, 1).await;
    app.post_signed(&referral_event(regular, "spring_poster")).await;
    let sent = app.wait_for_sent_to(regular, 2).await;
    assert!(text_of(&sent[1]).starts_with("Here it is:"), "{:#}", sent[1]);
    let listed = run(&app, &config, &["links", "list", "--format", "json"]).await;
    assert!(listed.stdout.contains("spring_poster"), "{}", listed.stdout);

    // A message Meta delivers a day and more late: the reply is held, not sent.
    let store = app.store().await;
    let late = "6700000000077003";
    let attempts = app.graph.attempts();
    let written = now_ms() - 25 * 3_600_000;
    let body = delivery(serde_json::json!({
        "sender": { "id": late }, "recipient": { "id": PAGE_ID }, "timestamp": written,
        "message": { "mid": "m_late", "text": "hi" }
    }));
    app.post_signed(&body).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.outbox_stats().await.unwrap().held == 0 {
        assert!(std::time::Instant::now() < deadline, "the late reply is held");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.graph.attempts(), attempts, "a held reply is never sent");

    // Meta's 613: backed off, then delivered.
    app.graph.fail_next_sends(1, Fault::RateLimited);
    let attempts = app.graph.attempts();
    let busy = "6700000000077004";
    app.post_signed(&text_event(busy, "m_busy", "hi")).await;
    app.wait_for_sent_to(busy, 1).await;
    assert_eq!(app.graph.attempts() - attempts, 2, "refused once, then delivered");

    // The newcomer asks Meta to delete their data: honoured; a forged request is refused.
    let forged = deletion_request("not-the-app-secret", newcomer);
    let url = app.url("/webhooks/messenger/data-deletion");
    let refused = app.client.post(&url).form(&[("signed_request", forged)]).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(store.find_contact(Platform::Messenger, newcomer).await.unwrap().is_some(), "nothing erased");
    let honoured = deletion_request(APP_SECRET, newcomer);
    let answer = app.client.post(&url).form(&[("signed_request", honoured)]).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer: serde_json::Value = answer.json().await.unwrap();
    let status_url = answer["url"].as_str().unwrap().to_owned();
    assert!(answer["confirmation_code"].as_str().is_some_and(|c| status_url.ends_with(c)));
    assert!(store.find_contact(Platform::Messenger, newcomer).await.unwrap().is_none(), "the person is gone");
    let status = app.client.get(app.url(&format!("/data-deletion/{}", answer["confirmation_code"].as_str().unwrap())));
    let status: serde_json::Value =
        status.header("accept", "application/json").send().await.unwrap().json().await.unwrap();
    assert_eq!((status["status"].as_str(), status["contacts_erased"].as_i64()), (Some("done"), Some(1)), "{status}");

    // An Instagram user walks the coupon flow with quick replies.
    let igsid = "9170000000077001";
    app.graph.instagram_user(igsid);
    app.post_signed(&instagram(igsid, serde_json::json!({ "mid": "ig_1", "text": "hi" }))).await;
    let quick = serde_json::json!({ "mid": "ig_2", "text": "Yes! Show me coupon", "quick_reply": { "payload": "coupon:show" } });
    app.post_signed(&instagram(igsid, quick)).await;
    let reveal = serde_json::json!({ "mid": "ig_3", "text": "Reveal the coupon", "quick_reply": { "payload": "coupon:reveal" } });
    app.post_signed(&instagram(igsid, reveal)).await;
    let sent = app.wait_for_sent_to(igsid, 3).await;
    assert!(sent.iter().all(|s| s["message"].get("attachment").is_none()), "quick replies only: {sent:#?}");
    assert!(text_of(&sent[2]).starts_with("Your code is "), "{:#}", sent[2]);
    assert!(store.find_contact(Platform::Instagram, igsid).await.unwrap().is_some());

    // The flow's funnel says which channel its contacts came on, adding up to those who entered.
    statbot::auth::create_user(&store, "owner", statbot::store::Role::Admin, "correct horse battery").await.unwrap();
    let token = app.token("owner", "correct horse battery").await;
    let funnel = app.get_json("/api/v1/funnels/coupon", &token).await;
    let channels = funnel["channels"].as_object().expect("channels").clone();
    assert_eq!(channels.get("instagram").and_then(|n| n.as_i64()), Some(1), "{funnel:#}");
    let sum: i64 = channels.values().filter_map(|n| n.as_i64()).sum();
    assert_eq!(Some(sum), funnel["cohort"].as_i64(), "{funnel:#}");
}
