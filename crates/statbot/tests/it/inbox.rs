//! The live inbox on the real server: a contact asks for a person (in words, typos included, by
//! a flow button, or after two misses), the bot keeps quiet while a person has the
//! conversation, operators take over, reply through the outbox (normal, `HUMAN_AGENT` after the
//! 24-hour window, refused after 7 days with nothing sent), assign and hand back (by hand or
//! after their silence), staff see only their team's conversations, and the event stream tells
//! watchers at once.

use crate::support::*;
use serde_json::json;
use statbot::store::{Role, now_ms};
use statbot_core::Platform;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";
const HOUR_MS: i64 = 3_600_000;

async fn operator(app: &TestApp, name: &str, role: Role) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, name, role, PASSWORD).await.unwrap();
    store.close().await;
    app.token(name, PASSWORD).await
}

/// A staff operator of `team` (not the inbox's); their token.
async fn staff_of(app: &TestApp, name: &str, team: &str) -> String {
    let store = app.store().await;
    let id = statbot::auth::create_user(&store, name, Role::Staff, PASSWORD).await.unwrap();
    let teams = statbot::team::Teams::new(store.clone(), &app.config.team, jiff::tz::TimeZone::UTC);
    teams.assign(id, Some(team)).await.unwrap();
    store.close().await;
    app.token(name, PASSWORD).await
}

async fn post_json(app: &TestApp, path: &str, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = app.client.post(app.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn chat_page(app: &TestApp, visitor: &Visitor) -> String {
    app.client.get(app.url("/chat")).header("cookie", &visitor.cookie).send().await.unwrap().text().await.unwrap()
}

/// The bot's and operators' messages to a contact, oldest first, as text.
async fn said_to(app: &TestApp, contact_id: i64) -> Vec<String> {
    let store = app.store().await;
    let log = store.conversation(contact_id, 200).await.unwrap();
    store.close().await;
    log.into_iter()
        .filter_map(|m| match m {
            statbot::store::LoggedMessage::Out { reply, .. } => Some(reply.text().unwrap_or("(image)").to_owned()),
            statbot::store::LoggedMessage::In { .. } => None,
        })
        .collect()
}

#[tokio::test]
async fn a_visitor_asks_for_a_person_and_the_bot_keeps_quiet_until_handed_back() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let visitor = chat_visitor(&app).await;
    visitor.say(&app, "hello").await;
    visitor.say(&app, "talk to a person").await;
    let html = chat_page(&app, &visitor).await;
    assert!(html.contains("passing you to a person from our team"), "{html}");
    assert!(html.contains("as soon as possible"), "no hours configured: {html}");
    let id = app.contact_id(Platform::Web, &visitor.id).await;
    let before = said_to(&app, id).await.len();

    visitor.say(&app, "are you there?").await;
    visitor.say(&app, "population of Austin").await;
    assert_eq!(said_to(&app, id).await.len(), before, "the bot keeps quiet while a person is asked for");

    let waiting = app.get_json("/api/v1/conversations?status=needs_person", &ana).await;
    let listed = &waiting["conversations"][0];
    assert_eq!(listed["contact_id"], id, "{waiting:#}");
    assert_eq!(listed["status"], "needs_person");
    assert_eq!(listed["unread"], 3, "the request and the two messages after it: {waiting:#}");
    assert_eq!(listed["preview"], "population of Austin");
    assert_eq!(waiting["waiting"], 1);

    let (status, taken) = post_json(&app, &format!("/api/v1/conversations/{id}/takeover"), &ana, json!({})).await;
    assert_eq!((status, taken["status"].as_str()), (200, Some("taken")), "{taken}");
    let (status, sent) = post_json(
        &app,
        &format!("/api/v1/conversations/{id}/messages"),
        &ana,
        json!({ "text": "Hi, I'm Ana. How can I help?" }),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["messaging_type"], "RESPONSE");
    let html = chat_page(&app, &visitor).await;
    assert!(html.contains("Hi, I&#39;m Ana. How can I help?") || html.contains("Hi, I'm Ana"), "{html}");

    visitor.say(&app, "I want a refund").await;
    let log = said_to(&app, id).await;
    assert_eq!(
        log.last().map(String::as_str),
        Some("Hi, I'm Ana. How can I help?"),
        "no bot answer while taken: {log:?}"
    );

    let shown = app.get_json(&format!("/api/v1/conversations/{id}"), &ana).await;
    assert_eq!(shown["status"], "taken");
    assert_eq!(shown["assigned"]["username"], "ana");
    assert_eq!(shown["unread"], 1, "opening it marks it read, after answering: {shown:#}");
    let messages = shown["messages"].as_array().unwrap();
    assert!(messages.iter().any(|m| m["author"] == "ana"), "{shown:#}");
    assert_eq!(shown["window"]["reply_as"], "RESPONSE");
    assert_eq!(app.get_json(&format!("/api/v1/conversations/{id}"), &ana).await["unread"], 0);

    let (status, released) = post_json(&app, &format!("/api/v1/conversations/{id}/release"), &ana, json!({})).await;
    assert_eq!((status, released["status"].as_str()), (200, Some("bot")), "{released}");
    let log = said_to(&app, id).await;
    let tail: Vec<&str> = log.iter().rev().take(2).map(String::as_str).collect();
    assert!(tail[1].contains("back with the bot"), "{log:?}");
    assert!(tail[0].contains("We have a coupon for you"), "the menu comes back: {log:?}");
    visitor.say(&app, "hello").await;
    assert!(said_to(&app, id).await.len() > log.len(), "the bot answers again");
    assert_eq!(app.graph.attempts(), 0, "web replies are never sent to the Graph API");
}

#[tokio::test]
async fn asking_for_a_person_works_with_typos_and_other_words() {
    let app = TestApp::spawn().await;
    for (i, words) in [
        "tlak to a persn",
        "i need a humann",
        "get me a humna",
        "can i speak to an agnet",
        "a real persoon",
        "customer service",
    ]
    .iter()
    .enumerate()
    {
        let psid = format!("69000000000000{i:02}");
        assert_eq!(app.post_signed(&text_event(&psid, &format!("m_typo_{i}"), words)).await.status(), 200);
        let sent = app.wait_for_sent_to(&psid, 1).await;
        assert!(text_of(&sent[0]).contains("passing you to a person"), "{words}: {}", text_of(&sent[0]));
    }
}

#[tokio::test]
async fn two_misses_in_a_row_offer_a_person_and_tapping_it_hands_over() {
    let app = TestApp::spawn().await;
    let psid = "6900000000000101";
    app.post_signed(&text_event(psid, "m_miss_1", "qwzx blorp")).await;
    let first = app.wait_for_sent_to(psid, 1).await;
    let quick = |body: &serde_json::Value| -> Vec<String> {
        body["message"]["quick_replies"]
            .as_array()
            .map(|q| q.iter().map(|r| r["payload"].as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default()
    };
    assert!(!quick(&first[0]).contains(&"!person".to_owned()), "one miss offers no person: {:#}", first[0]);
    app.post_signed(&text_event(psid, "m_miss_2", "flurb znork")).await;
    let second = app.wait_for_sent_to(psid, 2).await;
    assert!(quick(&second[1]).contains(&"!person".to_owned()), "{:#}", second[1]);

    app.post_signed(&postback_event(psid, "m_person", "!person")).await;
    let third = app.wait_for_sent_to(psid, 3).await;
    assert!(text_of(&third[2]).contains("passing you to a person"), "{}", text_of(&third[2]));
    let store = app.store().await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    let conversation = store.inbox_conversation(id).await.unwrap().unwrap();
    assert_eq!(conversation.status, statbot::store::InboxStatus::NeedsPerson);
}

const HANDOFF_FLOW: &str = r#"
name = "help"
entry = "start"

[steps.start]
text = "Hi {first_name}! What do you need?"
buttons = [
  { id = "hours", title = "Opening hours", next = "hours" },
  { id = "person", title = "Talk to a person", handoff = true },
]

[steps.hours]
text = "We are open 9 to 5."
"#;

#[tokio::test]
async fn a_flow_button_marked_handoff_asks_for_a_person_with_the_team_hours() {
    let app = TestApp::spawn_with(Options {
        flows: vec![("help.toml", HANDOFF_FLOW.to_owned())],
        // Closed every day but one short slot far from now: the sentence names the next opening.
        tweak: |c| c.inbox.hours = "mon-sun 03:00-03:01".into(),
        ..Options::default()
    })
    .await;
    let psid = "6900000000000201";
    app.post_signed(&text_event(psid, "m_hi", "hi")).await;
    let sent = app.wait_for_sent_to(psid, 1).await;
    assert_eq!(payloads_of(&sent[0]), ["help:hours", "help:person"]);
    app.post_signed(&postback_event(psid, "m_tap", "help:person")).await;
    let sent = app.wait_for_sent_to(psid, 2).await;
    let told = text_of(&sent[1]);
    assert!(told.contains("passing you to a person") && told.contains("from 03:00"), "{told}");
    let store = app.store().await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    assert_eq!(store.inbox_conversation(id).await.unwrap().unwrap().status, statbot::store::InboxStatus::NeedsPerson);
}

#[tokio::test]
async fn on_messenger_a_person_answers_with_the_human_agent_tag_for_seven_days_then_is_refused() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let (recent, old) = ("6900000000000301", "6900000000000302");
    for (psid, ago) in [(recent, 30 * HOUR_MS), (old, 8 * 24 * HOUR_MS)] {
        let at = now_ms() - ago;
        app.graph.user_wrote(psid, at, false);
        let body = delivery(json!({
            "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": at,
            "message": { "mid": format!("m_{psid}"), "text": "talk to a person" }
        }));
        assert_eq!(app.post_signed(&body).await.status(), 200);
    }
    let store = app.store().await;
    // The bot's own answer (outside the 24 hours) is held, never sent.
    wait_for_outbox(&store, |s| s.held == 2).await;
    let recent_id = app.contact_id(Platform::Messenger, recent).await;
    let old_id = app.contact_id(Platform::Messenger, old).await;

    let (status, sent) = post_json(
        &app,
        &format!("/api/v1/conversations/{recent_id}/messages"),
        &ana,
        json!({ "text": "Sorry for the wait!" }),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["messaging_type"], "HUMAN_AGENT");
    let delivered = app.wait_for_sent_to(recent, 1).await;
    assert_eq!(delivered[0]["messaging_type"], "MESSAGE_TAG", "{:#}", delivered[0]);
    assert_eq!(delivered[0]["tag"], "HUMAN_AGENT");
    assert_eq!(text_of(&delivered[0]), "Sorry for the wait!");

    let attempts = app.graph.attempts();
    let (status, refused) =
        post_json(&app, &format!("/api/v1/conversations/{old_id}/messages"), &ana, json!({ "text": "Hello?" })).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "outside_window");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("8 days ago") && message.contains("nothing was sent"), "{message}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.graph.attempts(), attempts, "nothing is sent");
    assert!(!said_to(&app, old_id).await.iter().any(|t| t == "Hello?"), "nothing is queued either");
    let shown = app.get_json(&format!("/api/v1/conversations/{old_id}"), &ana).await;
    assert_eq!(shown["window"]["reply_as"], serde_json::Value::Null);
}

#[tokio::test]
async fn staff_see_their_team_and_admins_see_all() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let sam = operator(&app, "sam", Role::Staff).await;
    let bo = staff_of(&app, "bo", "Sales").await;

    let psid = "6900000000000401";
    app.post_signed(&text_event(psid, "m_human", "human")).await;
    app.wait_for_sent_to(psid, 1).await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    let ids = |v: serde_json::Value| -> Vec<i64> {
        v["conversations"].as_array().unwrap().iter().map(|c| c["contact_id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(app.get_json("/api/v1/conversations?status=needs_person", &sam).await), [id], "the inbox's team");
    assert!(ids(app.get_json("/api/v1/conversations?status=needs_person", &bo).await).is_empty(), "another team");
    let hidden = app.client.get(app.url(&format!("/api/v1/conversations/{id}"))).bearer_auth(&bo).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
    let (status, _) = post_json(&app, &format!("/api/v1/conversations/{id}/takeover"), &bo, json!({})).await;
    assert_eq!(status, 404, "nor may they take it");

    let (status, assigned) =
        post_json(&app, &format!("/api/v1/conversations/{id}/assign"), &ana, json!({ "to": "bo" })).await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(ids(app.get_json("/api/v1/conversations?assigned=me", &bo).await), [id]);
    assert!(ids(app.get_json("/api/v1/conversations?status=needs_person", &sam).await).is_empty(), "now Sales'");
    let (status, bad) =
        post_json(&app, &format!("/api/v1/conversations/{id}/assign"), &ana, json!({ "to": "nobody" })).await;
    assert_eq!(status, 400, "{bad}");
    let bad = app.client.get(app.url("/api/v1/conversations?status=lost")).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let anonymous = app.client.get(app.url("/api/v1/conversations")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_silent_operator_hands_the_conversation_back_after_release_after() {
    let app =
        TestApp::spawn_with(Options { tweak: |c| c.inbox.release_after = "2s".into(), ..Options::default() }).await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let psid = "6900000000000501";
    app.post_signed(&text_event(psid, "m_agent", "agent")).await;
    app.wait_for_sent_to(psid, 1).await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    let (status, _) =
        post_json(&app, &format!("/api/v1/conversations/{id}/messages"), &ana, json!({ "text": "One moment" })).await;
    assert_eq!(status, 201);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = app.get_json(&format!("/api/v1/conversations/{id}"), &ana).await;
        if shown["status"] == "bot" {
            break;
        }
        assert!(Instant::now() < deadline, "never handed back: {shown:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sent = app.wait_for_sent_to(psid, 4).await;
    assert_eq!(text_of(&sent[1]), "One moment");
    assert!(text_of(&sent[2]).contains("back with the bot"), "{}", text_of(&sent[2]));
    assert!(text_of(&sent[3]).contains("coupon"), "the menu: {}", text_of(&sent[3]));
}

/// Reads `event: inbox` data lines from an SSE answer until one satisfies `wanted`.
async fn next_event(
    response: &mut reqwest::Response,
    wanted: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    let mut buffer = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, response.chunk()).await.expect("an event in time").unwrap().unwrap();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                let event: serde_json::Value = serde_json::from_str(data).unwrap();
                if wanted(&event) {
                    return event;
                }
            }
        }
    }
}

#[tokio::test]
async fn operators_hear_of_requests_and_messages_at_once() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let mut stream = app.client.get(app.url("/api/v1/conversations/events")).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let ready = next_event(&mut stream, |_| true).await;
    assert_eq!((ready["kind"].as_str(), ready["waiting"].as_i64()), (Some("ready"), Some(0)));

    let psid = "6900000000000601";
    app.post_signed(&text_event(psid, "m_ask", "talk to a human")).await;
    let asked = next_event(&mut stream, |e| e["kind"] == "asked").await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    assert_eq!((asked["contact_id"].as_i64(), asked["waiting"].as_i64()), (Some(id), Some(1)));
    app.post_signed(&text_event(psid, "m_more", "my order never came")).await;
    let message = next_event(&mut stream, |e| e["kind"] == "message").await;
    assert_eq!(message["contact_id"], id);
    post_json(&app, &format!("/api/v1/conversations/{id}/takeover"), &ana, json!({})).await;
    let taken = next_event(&mut stream, |e| e["kind"] == "taken").await;
    assert_eq!((taken["status"].as_str(), taken["waiting"].as_i64()), (Some("taken"), Some(0)));
}

#[tokio::test]
async fn another_teams_operators_hear_that_something_changed_but_not_which_conversation() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let sam = operator(&app, "sam", Role::Staff).await;
    let bo = staff_of(&app, "bo", "Sales").await;
    let listen = |token: String| {
        let request = app.client.get(app.url("/api/v1/conversations/events")).bearer_auth(token);
        async move {
            let mut stream = request.send().await.unwrap();
            next_event(&mut stream, |e| e["kind"] == "ready").await;
            stream
        }
    };
    let (mut sams, mut bos) = (listen(sam).await, listen(bo).await);

    // A request for the inbox's team (sam's): sam hears which; bo, of Sales, only that the
    // inbox changed, and nothing of the messages that follow.
    let psid = "6900000000000701";
    app.post_signed(&text_event(psid, "m_ask", "talk to a human")).await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    assert_eq!(next_event(&mut sams, |e| e["kind"] == "asked").await["contact_id"], id);
    let elsewhere = next_event(&mut bos, |_| true).await;
    assert_eq!((elsewhere["kind"].as_str(), elsewhere["contact_id"].as_i64()), (Some("elsewhere"), Some(0)));
    assert_eq!(elsewhere.get("status"), None, "{elsewhere}");
    app.post_signed(&text_event(psid, "m_more", "my order never came")).await;
    assert_eq!(next_event(&mut sams, |e| e["kind"] == "message").await["contact_id"], id);

    // Assigned to bo: now Sales' conversation. Bo's next event names it (the message before
    // was not told to bo); sam hears only that something changed.
    let (status, _) = post_json(&app, &format!("/api/v1/conversations/{id}/assign"), &ana, json!({ "to": "bo" })).await;
    assert_eq!(status, 200);
    let assigned = next_event(&mut bos, |_| true).await;
    assert_eq!((assigned["kind"].as_str(), assigned["contact_id"].as_i64()), (Some("assigned"), Some(id)));
    let gone = next_event(&mut sams, |e| e["kind"] != "message").await;
    assert_eq!((gone["kind"].as_str(), gone["contact_id"].as_i64()), (Some("elsewhere"), Some(0)));
}

/// Posts a signed webhook delivery to a server at `base` (another instance than the test app's).
async fn post_signed_to(app: &TestApp, base: &str, body: &str) {
    let sig = statbot::channels::messenger::signature::sign(APP_SECRET, body.as_bytes());
    let response = app
        .client
        .post(format!("{base}/webhooks/messenger"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sig)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn events_of(app: &TestApp, base: &str, token: &str) -> reqwest::Response {
    let mut stream =
        app.client.get(format!("{base}/api/v1/conversations/events")).bearer_auth(token).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    next_event(&mut stream, |e| e["kind"] == "ready").await;
    stream
}

/// Waits until `n` instances listen for inbox events on the test's PostgreSQL database (each
/// connects its listener at start-up).
async fn wait_for_listeners(app: &TestApp, n: i64) {
    let store = app.store().await;
    let deadline = Instant::now() + WAIT;
    loop {
        let mut conn = store.conn().await.unwrap();
        let listening: i64 = sqlx::Row::get(
            &sqlx::query(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
            )
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
            0,
        );
        if listening >= n {
            break;
        }
        assert!(Instant::now() < deadline, "{listening} of {n} instances listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
}

/// On PostgreSQL, instance A's operator sees at once what a contact wrote through instance B,
/// and B's watchers see A's take-over and reply: the database notifies (no other server). On
/// SQLite (one instance) the same runs against the one server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_on_one_instance_sees_live_what_arrived_on_another() {
    let mut app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let second = app.second_instance().await;
    let b = second.as_ref().map_or_else(|| app.url(""), |s| s.base.clone());
    let a = app.url("");
    if second.is_some() {
        wait_for_listeners(&app, 2).await;
    }
    let mut on_a = events_of(&app, &a, &ana).await;
    let mut on_b = events_of(&app, &b, &ana).await;

    let psid = "6900000000000701";
    post_signed_to(&app, &b, &text_event(psid, "m_b1", "talk to a person")).await;
    let asked = next_event(&mut on_a, |e| e["kind"] == "asked").await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    assert_eq!((asked["contact_id"].as_i64(), asked["waiting"].as_i64()), (Some(id), Some(1)));
    post_signed_to(&app, &b, &text_event(psid, "m_b2", "it's about my order 1042")).await;
    assert_eq!(next_event(&mut on_a, |e| e["kind"] == "message").await["contact_id"], id);
    let listed = app.get_json(&format!("/api/v1/conversations/{id}"), &ana).await;
    assert!(
        listed["messages"].as_array().unwrap().iter().any(|m| m["text"] == "it's about my order 1042"),
        "{listed:#}"
    );

    post_json(&app, &format!("/api/v1/conversations/{id}/takeover"), &ana, json!({})).await;
    assert_eq!(next_event(&mut on_b, |e| e["kind"] == "taken").await["contact_id"], id);
    let (status, _) =
        post_json(&app, &format!("/api/v1/conversations/{id}/messages"), &ana, json!({ "text": "Checking it now" }))
            .await;
    assert_eq!(status, 201);
    assert_eq!(next_event(&mut on_b, |e| e["kind"] == "reply").await["contact_id"], id);
    let sent = app.wait_for_sent_to(psid, 2).await;
    assert_eq!(text_of(&sent[1]), "Checking it now", "sent once, by one instance");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sent_to(psid).len(), 2, "nothing twice");

    drop((on_a, on_b));
    if let Some(second) = second {
        second.stop().await;
    }
    app.stop().await;
}

#[tokio::test]
async fn an_erased_contact_leaves_the_inbox() {
    let app = TestApp::spawn().await;
    let ana = operator(&app, "ana", Role::Admin).await;
    let psid = "6900000000000801";
    app.post_signed(&text_event(psid, "m_erase", "talk to a person")).await;
    app.wait_for_sent_to(psid, 1).await;
    let id = app.contact_id(Platform::Messenger, psid).await;
    assert_eq!(app.get_json("/api/v1/conversations", &ana).await["waiting"], 1);
    let store = app.store().await;
    store.forget(statbot::store::DeletionSource::Cli, statbot::store::Forget::Contact(id)).await.unwrap();
    let after = app.get_json("/api/v1/conversations", &ana).await;
    assert_eq!(after["waiting"], 0, "{after:#}");
    assert_eq!(app.get_json(&format!("/api/v1/conversations/{id}"), &ana).await["status"], "bot");
    let (status, refused) =
        post_json(&app, &format!("/api/v1/conversations/{id}/messages"), &ana, json!({ "text": "Hello?" })).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("erased"), "{refused}");
}
