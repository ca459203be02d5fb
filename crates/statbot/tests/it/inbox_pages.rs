//! The dashboard's inbox as a browser without JavaScript uses it: the list (waiting for a
//! person first) and its filters, the top bar's count, a conversation taken over, answered and
//! handed back through its forms (each redirecting back to it), a form without the session's
//! CSRF token refused, a reply Meta's rules refuse said on the page with the text kept, and
//! another team's conversation answered as if it did not exist.

use crate::support::pages::{dashboard_session, get};
use crate::support::*;
use serde_json::json;
use statbot::store::{Role, now_ms};
use statbot_core::Platform;

const PASSWORD: &str = "correct horse battery";
const HOUR_MS: i64 = 3_600_000;

/// A dashboard session of a new account.
async fn operator(app: &TestApp, name: &str, role: Role) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, name, role, PASSWORD).await.unwrap();
    store.close().await;
    dashboard_session(app, name, PASSWORD).await
}

/// The page's CSRF token (every form carries the session's).
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with its CSRF token") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// The ids of the conversations listed, in order.
fn listed(html: &str) -> Vec<i64> {
    html.match_indices("data-row=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

/// The top bar's count of conversations waiting for a person.
fn waiting(html: &str) -> String {
    let at = html.find("id=\"nav-waiting\"").expect("the inbox link's count");
    let text = at + html[at..].find('>').unwrap() + 1;
    html[text..text + html[text..].find('<').unwrap()].to_owned()
}

/// Posts a form of the conversation's page; the answer, not followed.
async fn post_form(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url(path)).header("cookie", cookie).form(form).send().await.unwrap()
}

#[tokio::test]
async fn the_inbox_lists_who_waits_for_a_person_first_and_filters() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let waiting_visitor = chat_visitor(&app).await;
    waiting_visitor.say(&app, "hello").await;
    waiting_visitor.say(&app, "talk to a person").await;
    let chatting = chat_visitor(&app).await;
    chatting.say(&app, "hello").await;
    let asked = app.contact_id(Platform::Web, &waiting_visitor.id).await;
    let other = app.contact_id(Platform::Web, &chatting.id).await;

    let page = get(&app, &ana, "/inbox").await.text().await.unwrap();
    assert_eq!(listed(&page), [asked, other], "waiting for a person first, then the latest");
    assert!(page.contains("Waiting for a person"), "{page}");
    assert!(page.contains("The bot answers"), "{page}");
    assert_eq!(waiting(&page), "1", "the top bar counts it");
    assert!(page.contains("aria-label=\"Inbox, 1 waiting for a person\""), "{page}");
    let home = get(&app, &ana, "/contacts").await.text().await.unwrap();
    assert_eq!(waiting(&home), "1", "on every page");

    let needs = get(&app, &ana, "/inbox?status=needs_person").await.text().await.unwrap();
    assert_eq!(listed(&needs), [asked]);
    assert!(needs.contains(&format!("href=\"/inbox/{asked}?status=needs_person\"")), "the filters are kept: {needs}");
    assert_eq!(listed(&get(&app, &ana, "/inbox?platform=web").await.text().await.unwrap()), [asked, other]);
    assert!(listed(&get(&app, &ana, "/inbox?platform=messenger").await.text().await.unwrap()).is_empty());
    assert!(listed(&get(&app, &ana, "/inbox?assigned=me").await.text().await.unwrap()).is_empty());
    assert!(listed(&get(&app, &ana, "/inbox?q=nobody-by-this-name").await.text().await.unwrap()).is_empty());
    let bad = get(&app, &ana, "/inbox?status=lost").await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("“status” is needs_person, taken, bot or all"), "said as a sentence");
}

#[tokio::test]
async fn an_operator_takes_over_answers_and_hands_back_through_the_forms() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let visitor = chat_visitor(&app).await;
    visitor.say(&app, "talk to a person").await;
    let id = app.contact_id(Platform::Web, &visitor.id).await;

    let page = get(&app, &ana, &format!("/inbox/{id}?status=needs_person")).await.text().await.unwrap();
    assert!(page.contains("Waiting for a person since "), "{page}");
    assert!(page.contains("talk to a person"), "the timeline: {page}");
    let token = csrf(&page);
    let taken = post_form(&app, &ana, &format!("/inbox/{id}/takeover?status=needs_person"), &[("csrf", &token)]).await;
    assert_eq!(taken.status(), 303);
    assert_eq!(taken.headers()["location"], format!("/inbox/{id}?status=needs_person"), "back, filters kept");
    let replied = post_form(
        &app,
        &ana,
        &format!("/inbox/{id}/reply"),
        &[("csrf", &token), ("text", "Hi, Ana here. How can I help?")],
    )
    .await;
    assert_eq!(replied.status(), 303);
    assert_eq!(replied.headers()["location"], format!("/inbox/{id}#reply"));
    let page = get(&app, &ana, &format!("/inbox/{id}")).await.text().await.unwrap();
    assert!(page.contains("Taken by ana since "), "{page}");
    assert!(page.contains("Reply by ana</b>Hi, Ana here. How can I help?"), "labelled with its author: {page}");
    assert_eq!(waiting(&page), "0");
    let chat = app.client.get(app.url("/chat")).header("cookie", &visitor.cookie).send().await.unwrap();
    assert!(chat.text().await.unwrap().contains("Ana from the team"), "the visitor sees who answers");

    let released = post_form(&app, &ana, &format!("/inbox/{id}/release"), &[("csrf", &token)]).await;
    assert_eq!(released.status(), 303);
    let page = get(&app, &ana, &format!("/inbox/{id}")).await.text().await.unwrap();
    assert!(page.contains("The bot answers."), "{page}");
    assert!(page.contains("back with the bot"), "{page}");
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let visitor = chat_visitor(&app).await;
    visitor.say(&app, "talk to a person").await;
    let id = app.contact_id(Platform::Web, &visitor.id).await;
    let forged = "0".repeat(64);
    for action in ["reply", "takeover", "release", "assign"] {
        let response = post_form(
            &app,
            &ana,
            &format!("/inbox/{id}/{action}"),
            &[("csrf", forged.as_str()), ("text", "forged"), ("to", "ana")],
        )
        .await;
        assert_eq!(response.status(), 403, "{action}");
        assert!(response.text().await.unwrap().contains("The form expired"), "{action}: a sentence");
    }
    let store = app.store().await;
    let log = store.conversation(id, 100).await.unwrap();
    assert!(!format!("{log:?}").contains("forged"), "nothing was sent");
    assert_eq!(store.inbox_conversation(id).await.unwrap().unwrap().status.as_str(), "needs_person");
}

#[tokio::test]
async fn a_reply_after_seven_days_says_why_and_keeps_the_text() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let psid = "6900000000000501";
    let at = now_ms() - 8 * 24 * HOUR_MS;
    app.graph.user_wrote(psid, at, false);
    let body = delivery(json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": at,
        "message": { "mid": "m_old", "text": "talk to a person" }
    }));
    assert_eq!(app.post_signed(&body).await.status(), 200);
    let store = app.store().await;
    wait_for_outbox(&store, |s| s.held == 1).await;
    let id = app.contact_id(Platform::Messenger, psid).await;

    let page = get(&app, &ana, &format!("/inbox/{id}")).await.text().await.unwrap();
    assert!(page.contains("nothing can be sent until the contact writes"), "the window: {page}");
    let typed = "So sorry for the wait, here is <your> answer";
    let refused =
        post_form(&app, &ana, &format!("/inbox/{id}/reply"), &[("csrf", &csrf(&page)), ("text", typed)]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("last wrote 8 days ago") && page.contains("nothing was sent"), "{page}");
    assert!(
        page.contains("So sorry for the wait, here is &#60;your&#62; answer</textarea>"),
        "the text is kept: {page}"
    );
    let log = store.conversation(id, 100).await.unwrap();
    assert!(!format!("{log:?}").contains("So sorry"), "nothing was queued");
}

#[tokio::test]
async fn staff_of_another_team_do_not_see_the_conversation() {
    let app = TestApp::spawn().await;
    let sam = operator(&app, "sam", Role::Staff).await;
    let store = app.store().await;
    let bo = statbot::auth::create_user(&store, "bo", Role::Staff, PASSWORD).await.unwrap();
    let teams = statbot::team::Teams::new(store.clone(), &app.config.team, jiff::tz::TimeZone::UTC);
    teams.assign(bo, Some("Sales")).await.unwrap();
    let bo = dashboard_session(&app, "bo", PASSWORD).await;
    let visitor = chat_visitor(&app).await;
    visitor.say(&app, "talk to a person").await;
    let id = app.contact_id(Platform::Web, &visitor.id).await;

    let page = get(&app, &sam, &format!("/inbox/{id}")).await;
    assert_eq!(page.status(), 200, "the inbox's team");
    assert_eq!(waiting(&page.text().await.unwrap()), "1");
    let hidden = get(&app, &bo, &format!("/inbox/{id}")).await;
    assert_eq!(hidden.status(), 404);
    let html = hidden.text().await.unwrap();
    assert!(html.contains("Not found"), "a dashboard page: {html}");
    assert_eq!(waiting(&html), "0", "another team's request is not counted for them");
    assert!(listed(&get(&app, &bo, "/inbox").await.text().await.unwrap()).is_empty());
    let taken = post_form(&app, &bo, &format!("/inbox/{id}/takeover"), &[("csrf", &csrf(&html))]).await;
    assert_eq!(taken.status(), 404, "nor may they take it");
}
