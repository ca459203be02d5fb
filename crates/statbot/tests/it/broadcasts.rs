//! Broadcasts (issue 20): the preview counts who will get one and who will not (outside the
//! window, opted out, with a person); each contact gets it once, as an `UPDATE` message; pause,
//! resume and cancel; the funnel follows sends, receipts, taps and reveals; and "at most once"
//! holds when the sending process is killed half way and started again, and with two instances.

use crate::support::process::serve;
use crate::support::*;
use statbot::store::{Broadcast, BroadcastFunnel, NewBroadcast, Store};
use statbot_core::Segment;
use std::time::Duration;

const FLOW: &str = r#"
name = "promo"
entry = "offer"
[coupons.spring]
code = "SPRING20"
[steps.offer]
text = "Want a coupon?"
buttons = [
  { id = "person", title = "Talk to a person", handoff = true },
]
[steps.news]
text = "Spring sale this week!"
buttons = [ { id = "reveal", title = "Show me", next = "revealed" } ]
[steps.revealed]
reveal = "spring"
text = "Your code: {coupon_code}"
"#;

const NEWS: &str = "Spring sale this week!";

async fn spawn(tweak: fn(&mut statbot::config::Config)) -> TestApp {
    TestApp::spawn_with(Options { flows: vec![("promo.toml", FLOW.to_owned())], tweak, ..Options::default() }).await
}

fn news_count(app: &TestApp, psid: &str) -> usize {
    app.sent_to(psid).iter().filter(|m| text_of(m) == NEWS).count()
}

/// Every contact writes "hi" and gets the menu.
async fn say_hi(app: &TestApp, psids: &[String]) {
    for (i, psid) in psids.iter().enumerate() {
        app.post_signed(&text_event(psid, &format!("m_hi_{psid}_{i}"), "hi")).await;
    }
    for psid in psids {
        app.wait_for_sent_to(psid, 1).await;
    }
}

fn psids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:04}")).collect()
}

async fn create(store: &Store, name: &str, segment: &str, start_at: i64) -> Broadcast {
    let new = NewBroadcast {
        name: name.into(),
        flow: "promo".into(),
        step: Some("news".into()),
        segment: Segment::parse(segment).unwrap(),
        start_at,
        created_by: "test".into(),
    };
    store.create_broadcast(&new).await.unwrap()
}

/// Waits until `done` holds of the broadcast's funnel, and returns it.
async fn funnel_when(store: &Store, name: &str, done: impl Fn(&BroadcastFunnel) -> bool) -> BroadcastFunnel {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    loop {
        let broadcast = store.broadcast(name).await.unwrap().unwrap();
        let funnel = store.broadcast_funnel(&broadcast).await.unwrap();
        if done(&funnel) {
            return funnel;
        }
        assert!(tokio::time::Instant::now() < deadline, "the funnel stays {funnel:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_preview_is_exact_and_each_contact_in_reach_gets_it_once_with_its_funnel() {
    let app = spawn(|_| {}).await;
    let store = app.store().await;
    let reachable = psids("69300000000", 3);
    say_hi(&app, &reachable).await;
    // Opted out.
    let stopped = "6930000000100".to_owned();
    say_hi(&app, std::slice::from_ref(&stopped)).await;
    app.post_signed(&text_event(&stopped, "m_stop", "stop")).await;
    app.wait_for_sent_to(&stopped, 2).await;
    // With a person.
    let waiting = "6930000000101".to_owned();
    say_hi(&app, std::slice::from_ref(&waiting)).await;
    app.post_signed(&postback_event(&waiting, "m_person", "promo:person")).await;
    app.wait_for_sent_to(&waiting, 2).await;
    // Wrote 25 hours ago: the window is closed.
    let late = "6930000000102";
    let at = statbot::store::now_ms() - statbot_core::window::STANDARD_MS - 3_600_000;
    app.graph.user_wrote(late, at, false);
    app.post_signed(&delivery(serde_json::json!({
        "sender": { "id": late }, "recipient": { "id": "104857600000001" }, "timestamp": at,
        "message": { "mid": "m_late", "text": "hi" }
    })))
    .await;
    // Too late to be answered: wait until it is acted on (its window recorded).
    let deadline = tokio::time::Instant::now() + WAIT;
    let acted_on = |c: Option<statbot::store::Contact>| c.is_some_and(|c| c.window.last_inbound_at.is_some());
    while !acted_on(store.find_contact(statbot_core::Platform::Messenger, late).await.unwrap()) {
        assert!(tokio::time::Instant::now() < deadline, "the late message is not acted on");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let db = app.config.database_url.to_string();
    let flows = app.config.flows_dir.clone().unwrap();
    let cli = |args: &[&str]| statbot(args).database(&db).env("STATBOT_FLOWS_DIR", &flows);
    let args = ["broadcast", "create", "spring", "--flow", "promo", "--step", "news", "--segment", "channel:messenger"];
    let preview = cli(&args).args(&["--dry-run"]).run_ok().stdout;
    let line = |label: &str| -> String {
        let found = preview.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{preview}"));
        found.split_whitespace().last().unwrap().to_owned()
    };
    assert_eq!(line("matching the segment"), "6", "{preview}");
    assert_eq!(line("will get it"), "3", "{preview}");
    assert_eq!(line("outside the messaging window"), "1");
    assert_eq!(line("opted out"), "1");
    assert_eq!(line("with a person"), "1");
    assert!(store.broadcast("spring").await.unwrap().is_none(), "a dry run creates nothing");
    // Without a terminal to confirm on and without --yes, nothing is created either.
    assert!(!cli(&args).run().status.success());
    cli(&args).args(&["--yes"]).run_ok();

    let funnel = funnel_when(&store, "spring", |f| f.pending == 0 && f.sent == 3).await;
    assert_eq!((funnel.recipients, funnel.queued), (6, 3));
    let mut skipped = funnel.skipped.clone();
    skipped.sort();
    let reasons = [("opted out", 1), ("outside the messaging window", 1), ("with a person", 1)];
    assert_eq!(skipped, reasons.map(|(r, n)| (r.to_owned(), n)).to_vec());
    for psid in &reachable {
        let sent = app.wait_for_sent_to(psid, 2).await;
        assert_eq!(text_of(&sent[1]), NEWS);
        assert_eq!(sent[1]["messaging_type"], "UPDATE");
    }

    // Receipts and a tap, from one of them.
    let (delivered, read) = app.graph.receipts(&reachable[0]);
    app.post_signed(&delivered).await;
    app.post_signed(&read).await;
    app.post_signed(&postback_event(&reachable[0], "m_tap", "promo:reveal")).await;
    app.wait_for_sent_to(&reachable[0], 3).await;
    let funnel = funnel_when(&store, "spring", |f| f.read == 1 && f.revealed == 1).await;
    assert_eq!((funnel.delivered, funnel.tapped), (1, 1));
    let shown: serde_json::Value =
        serde_json::from_str(&cli(&["broadcast", "show", "spring", "--format", "json"]).run_ok().stdout).unwrap();
    assert_eq!(shown["status"], "done");
    assert_eq!(shown["funnel"]["revealed"], 1);

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for psid in reachable.iter().chain([&stopped, &waiting]) {
        assert_eq!(news_count(&app, psid), usize::from(reachable.contains(psid)), "{psid}");
    }
    assert_eq!(news_count(&app, late), 0);
}

#[tokio::test]
async fn pause_holds_the_rest_resume_sends_them_and_cancel_stops_for_good() {
    let app = spawn(|c| c.broadcasts.rate = 2).await;
    let store = app.store().await;
    let contacts = psids("69310000000", 6);
    say_hi(&app, &contacts).await;

    let later = create(&store, "later", "channel:messenger", statbot::store::now_ms() + 3_600_000).await;
    assert_eq!(later.status, "scheduled");
    let status = |name: &'static str, action| {
        let store = store.clone();
        async move { action_on(&store, name, action).await }
    };
    assert_eq!(status("later", statbot::engine::BroadcastAction::Pause).await, "paused");
    assert_eq!(status("later", statbot::engine::BroadcastAction::Resume).await, "scheduled");
    assert_eq!(status("later", statbot::engine::BroadcastAction::Cancel).await, "cancelled");
    assert_eq!(status("later", statbot::engine::BroadcastAction::Resume).await, "cancelled");

    create(&store, "now", "channel:messenger", 0).await;
    funnel_when(&store, "now", |f| f.queued >= 1).await;
    assert_eq!(status("now", statbot::engine::BroadcastAction::Pause).await, "paused");
    let at_pause = funnel_when(&store, "now", |_| true).await.queued;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let paused = funnel_when(&store, "now", |_| true).await;
    // A batch claimed as the pause came in still goes; nothing after it.
    assert!(paused.queued <= at_pause + 1 && paused.pending > 0, "{paused:?}");

    assert_eq!(status("now", statbot::engine::BroadcastAction::Resume).await, "scheduled");
    funnel_when(&store, "now", |f| f.queued == 6 && f.sent == 6).await;
    for psid in &contacts {
        assert_eq!(news_count(&app, psid), 1, "{psid}");
    }
    assert_eq!(store.broadcast("later").await.unwrap().unwrap().status, "cancelled");
}

async fn action_on(store: &Store, name: &str, action: statbot::engine::BroadcastAction) -> String {
    action.apply(store, name).await.unwrap().status
}

/// The sender is a real `statbot serve` process, killed (SIGKILL) half way through a broadcast
/// while Meta (the stand-in) has messages it has not answered yet, and started again: no contact
/// gets the broadcast twice. A message whose send was under way is not sent again (it may have
/// arrived); it is recorded failed with the class `unknown_outcome` instead.
#[tokio::test]
async fn a_sender_killed_half_way_and_restarted_sends_each_contact_the_broadcast_at_most_once() {
    let mut app = spawn(|_| {}).await;
    let contacts = psids("69320000000", 40);
    say_hi(&app, &contacts).await;
    app.stop().await;
    let store = app.store().await;
    create(&store, "killed", "channel:messenger", 0).await;
    store.close().await;
    // Each message arrives at once and is answered 400 ms later: a kill leaves several whose
    // outcome the sender cannot know.
    app.graph.delay_answers(Duration::from_millis(400));

    // A short lease (three timeouts and 5 s), so the killed sender's leases run out soon.
    let envs = [("STATBOT_MESSENGER_SEND_TIMEOUT_SECS", "1"), ("STATBOT_BROADCASTS_RATE", "20")];
    let total = |app: &TestApp| contacts.iter().map(|p| news_count(app, p)).sum::<usize>();

    let mut first = serve(&app, &envs).await;
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    while total(&app) < contacts.len() / 3 {
        assert!(tokio::time::Instant::now() < deadline, "the first sender sent {} of 40", total(&app));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let at_kill = total(&app);
    assert!(at_kill > 0 && at_kill < contacts.len(), "killed after {at_kill} of 40");

    let mut second = serve(&app, &envs).await;
    // Until nothing is pending: the killed sender's leases have run out and its messages were
    // settled by the second.
    let store = app.store().await;
    let deadline = tokio::time::Instant::now() + WAIT * 3;
    loop {
        let stats = store.outbox_stats().await.unwrap();
        let broadcast = store.broadcast("killed").await.unwrap().unwrap();
        if stats.pending == 0 && store.broadcast_funnel(&broadcast).await.unwrap().pending == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still pending: {stats:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    // The broadcast's own guarantee: each contact was queued it once.
    let killed = store.broadcast("killed").await.unwrap().unwrap();
    assert_eq!(store.broadcast_queued_twice(&killed, 1).await.unwrap(), 0);
    assert_eq!(store.broadcast_funnel(&killed).await.unwrap().queued, 40);
    // At the stand-in: at most once each.
    let twice: Vec<&String> = contacts.iter().filter(|p| news_count(&app, p) > 1).collect();
    assert!(twice.is_empty(), "got the broadcast twice: {twice:?}");
    // The messages under way at the kill were not sent again, and say so.
    let unknown = store
        .undelivered(&["failed"], 100)
        .await
        .unwrap()
        .0
        .into_iter()
        .filter(|u| u.error_class.as_deref() == Some("unknown_outcome"))
        .count();
    assert!(unknown > 0, "the kill left no message under way");
    let missing = contacts.iter().filter(|p| news_count(&app, p) == 0).count();
    assert!(missing <= unknown, "{missing} contacts got nothing, {unknown} outcomes unknown");
}

/// When two broadcasts of a flow reach a contact, what the contact does next is credited to
/// the last one received before it, never to both.
#[tokio::test]
async fn a_reveal_is_credited_to_the_last_broadcast_of_the_flow_received_before_it() {
    let app = spawn(|_| {}).await;
    let store = app.store().await;
    let [early, late] = ["6935000000001".to_owned(), "6935000000002".to_owned()];
    say_hi(&app, &[early.clone(), late.clone()]).await;
    create(&store, "first", "channel:messenger", 0).await;
    funnel_when(&store, "first", |f| f.sent == 2).await;
    app.post_signed(&postback_event(&early, "m_early_tap", "promo:reveal")).await;
    app.wait_for_sent_to(&early, 3).await;
    funnel_when(&store, "first", |f| f.revealed == 1).await;
    create(&store, "second", "channel:messenger", 0).await;
    funnel_when(&store, "second", |f| f.sent == 2).await;
    app.post_signed(&postback_event(&late, "m_late_tap", "promo:reveal")).await;
    app.wait_for_sent_to(&late, 4).await;
    let second = funnel_when(&store, "second", |f| f.revealed == 1).await;
    assert_eq!(second.tapped, 1);
    let first = funnel_when(&store, "first", |f| f.revealed == 1).await;
    assert_eq!((first.tapped, first.revealed), (1, 1), "the late reveal is the second broadcast's only");
}

/// A broadcast's message whose send gets no answer (a timeout) may have arrived: it is not sent
/// again. One that Meta refused for now (a definite failure) is retried and arrives once.
#[tokio::test]
async fn a_broadcast_message_without_an_answer_is_not_sent_again_and_a_refused_one_is_retried() {
    let app = spawn(|c| c.messenger.send_timeout_secs = 1).await;
    let store = app.store().await;
    let contacts = psids("69340000000", 2);
    say_hi(&app, &contacts).await;
    // The first send hangs past the timeout, then answers an error the sender no longer hears;
    // the second is refused at once.
    app.graph.fail_next_sends(1, statbot::channels::messenger::Fault::Hang(Duration::from_millis(1_500)));
    app.graph.fail_next_sends(1, statbot::channels::messenger::Fault::Temporary);
    create(&store, "flaky", "channel:messenger", 0).await;
    let funnel = funnel_when(&store, "flaky", |f| f.pending == 0 && f.sent == 1).await;
    assert_eq!(funnel.queued, 2);
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let (failed, _) = store.undelivered(&["failed"], 10).await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].error_class.as_deref(), Some("unknown_outcome"));
    assert!(failed[0].reason.as_deref().unwrap().contains("may have arrived"), "{failed:?}");
    // Neither contact got it twice; the retried one got it.
    let counts: Vec<usize> = contacts.iter().map(|p| news_count(&app, p)).collect();
    assert_eq!(counts.iter().filter(|&&n| n == 1).count(), 1, "{counts:?}");
    assert!(counts.iter().all(|&n| n <= 1), "{counts:?}");
}

#[tokio::test]
async fn two_instances_share_a_broadcast_and_send_nothing_twice() {
    let app = spawn(|c| c.broadcasts.rate = 50).await;
    let store = app.store().await;
    let contacts = psids("69330000000", 30);
    say_hi(&app, &contacts).await;
    // A second instance on the same PostgreSQL database (SQLite serves one instance).
    let second = app.second_instance().await;
    create(&store, "shared", "channel:messenger", 0).await;
    funnel_when(&store, "shared", |f| f.queued == 30 && f.sent == 30).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    for psid in &contacts {
        assert_eq!(news_count(&app, psid), 1, "{psid}");
    }
    if let Some(second) = second {
        second.stop().await;
    }
}

#[tokio::test]
async fn the_api_previews_creates_and_steers_for_admins_and_the_page_shows_the_funnel() {
    use crate::support::pages::{cell, dashboard_session, get};
    use reqwest::StatusCode;
    use serde_json::{Value, json};
    const PASSWORD: &str = "correct horse battery";
    let app = spawn(|c| c.broadcasts.rate = 50).await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", statbot::store::Role::Staff, PASSWORD).await.unwrap();
    statbot::auth::create_user(&store, "ana", statbot::store::Role::Admin, PASSWORD).await.unwrap();
    let contacts = psids("69340000000", 2);
    say_hi(&app, &contacts).await;
    let (staff, admin) = (app.token("lead", PASSWORD).await, app.token("ana", PASSWORD).await);
    let post = |token: &str, path: &str, body: Value| {
        let request = app.client.post(app.url(path)).bearer_auth(token).json(&body);
        async move { request.send().await.unwrap() }
    };
    let body = json!({ "name": "api", "flow": "promo", "step": "news", "segment": "channel:messenger" });

    assert_eq!(post(&staff, "/api/v1/broadcasts", body.clone()).await.status(), StatusCode::FORBIDDEN);
    let mut preview_body = body.clone();
    preview_body["preview"] = json!(true);
    let preview = post(&admin, "/api/v1/broadcasts", preview_body).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!((preview["preview"]["will_get_it"].as_i64(), preview["broadcast"].is_null()), (Some(2), true));
    let created = post(&admin, "/api/v1/broadcasts", body.clone()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(post(&admin, "/api/v1/broadcasts", body).await.status(), StatusCode::CONFLICT);
    let bad = json!({ "name": "bad", "flow": "promo", "step": "nope", "segment": "channel:messenger" });
    assert_eq!(post(&admin, "/api/v1/broadcasts", bad).await.status(), StatusCode::BAD_REQUEST);

    funnel_when(&store, "api", |f| f.sent == 2).await;
    let shown = app.get_json("/api/v1/broadcasts/api", &staff).await;
    assert_eq!((shown["status"].as_str(), shown["funnel"]["sent"].as_i64()), (Some("done"), Some(2)));
    assert_eq!(app.get_json("/api/v1/broadcasts", &staff).await["broadcasts"][0]["name"], "api");
    let cancel = post(&admin, "/api/v1/broadcasts/api/cancel", json!({})).await;
    assert_eq!(cancel.json::<Value>().await.unwrap()["status"], "done", "a broadcast done stays done");
    assert_eq!(post(&staff, "/api/v1/broadcasts/api/pause", json!({})).await.status(), StatusCode::FORBIDDEN);

    let cookie = dashboard_session(&app, "lead", PASSWORD).await;
    let list = get(&app, &cookie, "/broadcasts").await.text().await.unwrap();
    assert_eq!(cell(&list, "broadcasts", "api", "recipients"), "2");
    let page = get(&app, &cookie, "/broadcasts/api").await.text().await.unwrap();
    assert!(page.contains("<td>Sent</td><td class=\"num\">2</td>"), "{page}");
    assert_eq!(get(&app, &cookie, "/broadcasts/nope").await.status(), StatusCode::NOT_FOUND);
}
