//! The dashboard's form creating a broadcast, as a browser without JavaScript uses it: an admin
//! sends it, sees the preview (who will get it, who is opted out or with a person) and confirms,
//! and the broadcast is created as the API creates it, at the local start time typed; a segment
//! that does not read (with where), an unknown step or flow, a taken name and a time that is not
//! one show the form again with what was typed and a sentence, creating nothing; staff see no
//! form and are refused, and a form without the session's CSRF token is refused.

use crate::support::pages::{cell, dashboard_session, get};
use crate::support::*;
use reqwest::StatusCode;
use statbot::store::Role;

const PASSWORD: &str = "correct horse battery";

const FLOW: &str = r#"
name = "promo"
entry = "offer"
[steps.offer]
text = "Want a coupon?"
buttons = [
  { id = "person", title = "Talk to a person", handoff = true },
]
[steps.news]
text = "Spring sale this week!"
"#;

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options { flows: vec![("promo.toml", FLOW.to_owned())], ..Options::default() }).await
}

/// A dashboard session of a new account.
async fn operator(app: &TestApp, name: &str, role: Role) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, name, role, PASSWORD).await.unwrap();
    store.close().await;
    dashboard_session(app, name, PASSWORD).await
}

/// The page's CSRF token.
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with its CSRF token") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// Posts the create form; the answer, not followed.
async fn post_form(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url("/broadcasts")).header("cookie", cookie).form(form).send().await.unwrap()
}

/// Two contacts in reach, one opted out and one waiting for a person, all on Messenger.
async fn audience(app: &TestApp) {
    let psids = ["6940000000001", "6940000000002", "6940000000003", "6940000000004"];
    for psid in psids {
        app.post_signed(&text_event(psid, &format!("m_hi_{psid}"), "hi")).await;
        app.wait_for_sent_to(psid, 1).await;
    }
    app.post_signed(&text_event(psids[2], "m_stop", "stop")).await;
    app.wait_for_sent_to(psids[2], 2).await;
    app.post_signed(&postback_event(psids[3], "m_person", "promo:person")).await;
    app.wait_for_sent_to(psids[3], 2).await;
}

#[tokio::test]
async fn an_admin_previews_then_confirms_a_broadcast_created_as_the_api_creates_it() {
    let app = spawn().await;
    audience(&app).await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let page = get(&app, &ana, "/broadcasts").await.text().await.unwrap();
    assert!(page.contains("id=\"create-form\""), "admins get the form: {page}");
    assert!(page.contains("<option value=\"promo\" selected>promo</option>"), "the loaded flows: {page}");
    let token = csrf(&page);
    let fields = [
        ("csrf", token.as_str()),
        ("name", "spring-sale"),
        ("flow", "promo"),
        ("step", "news"),
        ("segment", "channel:messenger"),
        ("at", "2099-12-24T09:00"),
    ];

    let preview = post_form(&app, &ana, &fields).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = preview.text().await.unwrap();
    assert_eq!(cell(&preview, "preview-counts", "matching", "contacts"), "4", "{preview}");
    assert_eq!(cell(&preview, "preview-counts", "will_get_it", "contacts"), "2");
    assert_eq!(cell(&preview, "preview-counts", "opted_out", "contacts"), "1");
    assert_eq!(cell(&preview, "preview-counts", "with_a_person", "contacts"), "1");
    assert_eq!(cell(&preview, "preview-counts", "outside_the_window", "contacts"), "0");
    assert!(preview.contains("starting 2099-12-24 09:00"), "the start in the business time zone: {preview}");
    assert!(preview.contains("name=\"confirm\" value=\"yes\""), "a Confirm button: {preview}");
    let store = app.store().await;
    assert!(store.broadcast("spring-sale").await.unwrap().is_none(), "the preview creates nothing");

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let created = post_form(&app, &ana, &confirmed).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()["location"], "/broadcasts/spring-sale");
    let broadcast = store.broadcast("spring-sale").await.unwrap().expect("created");
    let local: jiff::civil::DateTime = "2099-12-24T09:00".parse().unwrap();
    let start = local.to_zoned(app.config.zone().unwrap()).unwrap().timestamp().as_millisecond();
    assert_eq!(
        (broadcast.flow.as_str(), broadcast.step.as_deref(), broadcast.segment.as_str()),
        ("promo", Some("news"), "channel:messenger")
    );
    assert_eq!((broadcast.start_at, broadcast.created_by.as_str()), (start, "ana"));
    assert_eq!((broadcast.recipients, broadcast.status.as_str()), (4, "scheduled"));
    let list = get(&app, &ana, "/broadcasts").await.text().await.unwrap();
    assert_eq!(cell(&list, "broadcasts", "spring-sale", "status"), "scheduled");

    // Confirming again (the back button) is refused as the name is taken, the form kept.
    let again = post_form(&app, &ana, &confirmed).await.text().await.unwrap();
    assert!(again.contains("A broadcast named “spring-sale” already exists."), "{again}");
    assert!(again.contains("value=\"spring-sale\""), "{again}");
    store.close().await;
}

#[tokio::test]
async fn bad_input_shows_the_form_again_with_what_was_typed_and_a_sentence() {
    let app = spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let token = csrf(&get(&app, &ana, "/broadcasts").await.text().await.unwrap());
    let send = |name: &'static str, step: &'static str, segment: &'static str, at: &'static str| {
        let token = token.clone();
        let (app, ana) = (&app, &ana);
        async move {
            let form = [("csrf", token.as_str()), ("name", name), ("flow", "promo"), ("step", step)];
            let mut form = form.to_vec();
            form.extend([("segment", segment), ("at", at), ("confirm", "yes")]);
            let answer = post_form(app, ana, &form).await;
            assert_eq!(answer.status(), StatusCode::OK, "shown again, not created");
            answer.text().await.unwrap()
        }
    };

    let bad_segment = send("winter", "news", "tag:vip and (", "").await;
    assert!(bad_segment.contains("id=\"create-error\""), "{bad_segment}");
    assert!(bad_segment.contains("This segment does not read: "), "{bad_segment}");
    assert!(bad_segment.contains("tag:vip and (\n             ^"), "the caret says where: {bad_segment}");
    assert!(bad_segment.contains("name=\"segment\" value=\"tag:vip and (\""), "kept: {bad_segment}");
    assert!(bad_segment.contains("name=\"name\" value=\"winter\""), "kept: {bad_segment}");
    assert!(bad_segment.contains("name=\"step\" value=\"news\""), "kept: {bad_segment}");
    assert!(bad_segment.contains("<details class=\"card\" id=\"create\" open>"), "the form open: {bad_segment}");

    let bad_step = send("winter", "nope", "channel:messenger", "").await;
    assert!(bad_step.contains("Flow “promo” has no step “nope”."), "{bad_step}");
    let bad_name = send("Winter Sale", "", "channel:messenger", "").await;
    assert!(bad_name.contains("A broadcast name is 1 to 64 lower-case letters"), "{bad_name}");
    let bad_time = send("winter", "", "channel:messenger", "next friday").await;
    assert!(bad_time.contains("“next friday” is not a time"), "{bad_time}");
    assert!(bad_time.contains("name=\"at\" value=\"next friday\""), "kept: {bad_time}");
    let unknown_flow = post_form(
        &app,
        &ana,
        &[("csrf", &token), ("name", "winter"), ("flow", "gone"), ("segment", "channel:messenger"), ("confirm", "yes")],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(unknown_flow.contains("No flow “gone” is loaded."), "{unknown_flow}");

    let store = app.store().await;
    assert!(store.broadcasts().await.unwrap().is_empty(), "nothing created");
    store.close().await;
}

#[tokio::test]
async fn staff_get_no_form_and_a_form_without_the_csrf_token_is_refused() {
    let app = spawn().await;
    let lead = operator(&app, "lead", Role::Staff).await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let page = get(&app, &lead, "/broadcasts").await.text().await.unwrap();
    assert!(!page.contains("id=\"create-form\""), "no form for staff: {page}");
    let form = |token: String| {
        vec![
            ("csrf", token),
            ("name", "winter".to_owned()),
            ("flow", "promo".to_owned()),
            ("segment", "channel:messenger".to_owned()),
            ("confirm", "yes".to_owned()),
        ]
    };
    let lead_token = csrf(&page);
    let refused = app.client.post(app.url("/broadcasts")).header("cookie", &lead).form(&form(lead_token)).send();
    assert_eq!(refused.await.unwrap().status(), StatusCode::FORBIDDEN, "staff may not create one");
    let forged = app.client.post(app.url("/broadcasts")).header("cookie", &ana).form(&form("x".repeat(64))).send();
    assert_eq!(forged.await.unwrap().status(), StatusCode::FORBIDDEN, "a form from elsewhere");
    let store = app.store().await;
    assert!(store.broadcasts().await.unwrap().is_empty(), "nothing created");
    store.close().await;
}
