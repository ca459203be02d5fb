//! Opting out of messages statbot starts (issue 18): "stop" or "unsubscribe" as a whole message
//! in any case, or the menu's button, opts out; "start" or its button opts back in; the contact
//! is told in one line, an event is recorded, and the API and the dashboard show it. "stop" in
//! a sentence is an ordinary message.

use crate::support::pages::dashboard_session;
use crate::support::*;
use statbot::store::{Role, Store};
use statbot_core::entry::{OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD};
use statbot_core::{Platform, Reply};

const OPTED_OUT: &str = "You won't get messages from us that you didn't ask for.";
const OPTED_IN: &str = "You're back in";

/// Posts a message and returns what the bot answered it with.
async fn say(app: &TestApp, psid: &str, event: String) -> Vec<Reply> {
    assert_eq!(app.post_signed(&event).await.status(), 200);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let replies = latest_replies(app, Platform::Messenger, psid).await;
        if !replies.is_empty() {
            return replies;
        }
        assert!(tokio::time::Instant::now() < deadline, "no answer to {event}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn mid() -> String {
    format!("m_{}", hex::encode(rand::random::<[u8; 8]>()))
}

async fn text(app: &TestApp, psid: &str, words: &str) -> Vec<Reply> {
    say(app, psid, text_event(psid, &mid(), words)).await
}

async fn tap(app: &TestApp, psid: &str, payload: &str) -> Vec<Reply> {
    say(app, psid, postback_event(psid, &mid(), payload)).await
}

/// The one line a reply list is, or a failure.
fn one_line(replies: &[Reply]) -> String {
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let text = replies[0].text().unwrap_or_default().to_owned();
    assert!(!text.contains('\n'), "{text}");
    text
}

async fn contact_id(store: &Store, psid: &str) -> i64 {
    store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap().id
}

async fn event_kinds(store: &Store, id: i64) -> Vec<String> {
    store.contact_events(id).await.unwrap().into_iter().map(|(kind, ..)| kind).collect()
}

#[tokio::test]
async fn stop_in_any_case_opts_out_and_start_opts_back_in() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6791000000000001";
    text(&app, psid, "hello").await;
    let id = contact_id(&store, psid).await;
    assert!(!store.opted_out(id).await.unwrap());

    assert!(one_line(&text(&app, psid, " Stop ").await).starts_with(OPTED_OUT));
    assert!(store.opted_out(id).await.unwrap());
    let since = store.contact(id).await.unwrap().unwrap().opted_out_at.unwrap();
    // Asking again keeps the first time.
    assert!(one_line(&text(&app, psid, "STOP").await).starts_with(OPTED_OUT));
    assert!(one_line(&text(&app, psid, "unsubscribe").await).starts_with(OPTED_OUT));
    assert_eq!(store.contact(id).await.unwrap().unwrap().opted_out_at, Some(since));

    assert!(one_line(&text(&app, psid, "start").await).starts_with(OPTED_IN));
    assert!(!store.opted_out(id).await.unwrap());
    let kinds = event_kinds(&store, id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "opted_out").count(), 3, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "opted_in").count(), 1, "{kinds:?}");
}

#[tokio::test]
async fn stop_in_a_sentence_and_start_when_opted_in_are_ordinary_messages() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6791000000000002";
    text(&app, psid, "hello").await;
    let id = contact_id(&store, psid).await;
    for words in ["stop it now", "please stop", "start"] {
        let replies = text(&app, psid, words).await;
        let said: Vec<&str> = replies.iter().filter_map(Reply::text).collect();
        assert!(said.iter().all(|t| !t.starts_with(OPTED_OUT) && !t.starts_with(OPTED_IN)), "{words}: {said:?}");
        assert!(!store.opted_out(id).await.unwrap(), "{words}");
    }
    assert!(event_kinds(&store, id).await.iter().all(|k| !k.starts_with("opted_")));
}

#[tokio::test]
async fn the_menu_buttons_opt_out_and_in() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6791000000000003";
    assert!(one_line(&tap(&app, psid, OPT_OUT_PAYLOAD).await).starts_with(OPTED_OUT));
    let id = contact_id(&store, psid).await;
    assert!(store.opted_out(id).await.unwrap());
    assert!(one_line(&tap(&app, psid, OPT_IN_PAYLOAD).await).starts_with(OPTED_IN));
    assert!(!store.opted_out(id).await.unwrap());
    // The button always answers, opted out or not.
    assert!(one_line(&tap(&app, psid, OPT_IN_PAYLOAD).await).starts_with(OPTED_IN));
    // The sends went out through the Send API, one line each.
    let sent = app.wait_for_sent_to(psid, 3).await;
    assert!(text_of(&sent[0]).starts_with(OPTED_OUT), "{sent:#?}");
}

#[tokio::test]
async fn the_api_and_the_dashboard_show_an_opted_out_contact() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("lead", "correct horse battery").await;
    let (out, still_in) = ("6791000000000004", "6791000000000005");
    text(&app, out, "stop").await;
    text(&app, still_in, "hello").await;

    let listed = app.get_json("/api/v1/contacts?q=679100000000000", &token).await;
    let opted_out_at = |psid: &str| {
        listed["contacts"].as_array().unwrap().iter().find(|c| c["external_id"] == psid).unwrap()["opted_out_at"]
            .clone()
    };
    assert!(opted_out_at(out).is_i64(), "{listed:#}");
    assert!(opted_out_at(still_in).is_null(), "{listed:#}");

    let session = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = |id: i64| {
        let (app, session) = (&app, &session);
        async move { crate::support::pages::get(app, session, &format!("/contacts/{id}")).await.text().await.unwrap() }
    };
    let html = page(contact_id(&store, out).await).await;
    assert!(html.contains("Opted out of messages statbot starts since 20"), "{html}");
    let html = page(contact_id(&store, still_in).await).await;
    assert!(!html.contains("Opted out"), "{html}");
}
