//! Erasing a person's data (issue 18): Meta's data deletion callback with a `signed_request`
//! built as Meta builds it, forged ones refused with nothing erased, the status page, and
//! `statbot contacts forget`. After an erasure no table holds the person's name, platform id or
//! words, while the funnel and the coupon counts are what they were; its tags are gone (from
//! `statbot contacts tags` and from the table), and a segment can no longer tag it.

use crate::support::pages::dashboard_session;
use crate::support::*;
use serde_json::{Value, json};
use statbot::channels::messenger::signed_request;
use statbot::store::{Backend, EventKind, Role, Store};
use statbot_core::Platform;

const FIRST: &str = "Zebulon";
const LAST: &str = "Quimby-Xu";
const WORDS: &str = "Zanzibar";

/// A data deletion callback body for `user_id`, signed with `secret` as Meta signs it.
fn meta_request(secret: &str, user_id: &str) -> String {
    let payload =
        json!({ "algorithm": "HMAC-SHA256", "expires": 1765000000, "issued_at": 1764990000, "user_id": user_id });
    signed_request::sign(secret, &payload.to_string())
}

async fn post_deletion(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url("/webhooks/messenger/data-deletion")).form(form).send().await.unwrap()
}

/// Posts a message and waits until the bot has answered it.
async fn say(app: &TestApp, psid: &str, event: String) {
    assert_eq!(app.post_signed(&event).await.status(), 200);
    let deadline = tokio::time::Instant::now() + WAIT;
    while latest_replies(app, Platform::Messenger, psid).await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no answer to {event}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A contact who took the demo coupon and typed something the bot did not understand.
async fn seed(app: &TestApp, psid: &str) {
    seed_as(app, psid, (FIRST, LAST), WORDS).await;
}

/// [`seed`] with other names and words.
async fn seed_as(app: &TestApp, psid: &str, (first, last): (&str, &str), words: &str) {
    app.graph.set_profile(psid, first, last);
    let mid = |n: u32| format!("m_{}_{n}", hex::encode(rand::random::<[u8; 6]>()));
    say(app, psid, text_event(psid, &mid(1), "hello")).await;
    say(app, psid, postback_event(psid, &mid(2), "coupon:show")).await;
    say(app, psid, postback_event(psid, &mid(3), "coupon:reveal")).await;
    say(app, psid, text_event(psid, &mid(4), &format!("{first}'s parrot {words} sings"))).await;
}

/// Every value of every table, as text, that contains one of `needles`: "table.column: value".
async fn traces(store: &Store, needles: &[&str]) -> Vec<String> {
    use sqlx::Row;
    let (tables, columns) = match store.backend() {
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            "SELECT name FROM pragma_table_info($1)",
        ),
        Backend::Postgres => (
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        ),
    };
    let mut conn = store.conn().await.unwrap();
    let tables: Vec<String> =
        sqlx::query(tables).fetch_all(&mut *conn).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert!(tables.len() > 20, "{tables:?}");
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query(columns).bind(&table).fetch_all(&mut *conn).await.unwrap().iter().map(|r| r.get(0)).collect();
        for column in columns {
            let query = sqlx::AssertSqlSafe(format!("SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\""));
            for row in sqlx::query(query).fetch_all(&mut *conn).await.unwrap() {
                let value: Option<String> = row.get(0);
                if let Some(value) = value.filter(|v| needles.iter().any(|n| v.contains(n))) {
                    found.push(format!("{table}.{column}: {value}"));
                }
            }
        }
    }
    found
}

/// The funnel API's report on the demo flow.
async fn funnel(app: &TestApp, token: &str) -> Value {
    let response = app.client.get(app.url("/api/v1/funnels/coupon")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    // The counts, without the range and when it was asked.
    json!({ "flow": report["flow"], "cohort": report["cohort"], "steps": report["steps"] })
}

async fn coupon_counts(store: &Store) -> (i64, i64) {
    (
        store.coupon_codes_left("coupon", "spring").await.unwrap(),
        store.count_events("coupon", EventKind::CouponRevealed).await.unwrap(),
    )
}

#[tokio::test]
async fn a_signed_request_erases_the_person_everywhere_and_keeps_the_counts() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("lead", "correct horse battery").await;
    let psid = "6790000000000001";
    seed(&app, psid).await;
    // Someone else, who stays as they are.
    seed_as(&app, "6790000000000002", ("Bartholomew", "Ngata"), "Kilimanjaro").await;
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    let before = traces(&store, &[FIRST, LAST, psid, WORDS]).await;
    for table in ["contacts.", "inbound.", "outbox.", "utterances."] {
        assert!(before.iter().any(|t| t.starts_with(table)), "no trace in {table} to erase: {before:#?}");
    }
    let intents_before = store.intent_counts(0).await.unwrap();
    let events_before = store.contact_events(contact.id).await.unwrap();
    let funnel_before = funnel(&app, &token).await;
    assert_eq!(funnel_before["cohort"], 2);
    let coupons_before = coupon_counts(&store).await;

    let response = post_deletion(&app, &[("signed_request", &meta_request(APP_SECRET, psid))]).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let code = answer["confirmation_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 32);
    assert_eq!(answer["url"], format!("{}/data-deletion/{code}", app.config.public_url));

    let found = traces(&store, &[FIRST, LAST, psid, WORDS]).await;
    assert!(found.is_empty(), "traces left: {found:#?}");
    // The other contact is untouched.
    let other = traces(&store, &["6790000000000002", "Bartholomew", "Ngata", "Kilimanjaro"]).await;
    for table in ["contacts.", "inbound.", "outbox.", "utterances."] {
        assert!(other.iter().any(|t| t.starts_with(table)), "{table} lost the other contact: {other:#?}");
    }
    // The contact stays, anonymous, with its events.
    let erased = store.contact(contact.id).await.unwrap().unwrap();
    assert!(erased.external_id.starts_with("forgotten:"), "{}", erased.external_id);
    assert_eq!((erased.first_name, erased.last_name), (None, None));
    assert!(erased.context.is_empty());
    let events_after = store.contact_events(contact.id).await.unwrap();
    // The same events, each with the same kind, step and button.
    assert_eq!(events_after.len(), events_before.len());
    for (after, before) in events_after.iter().zip(&events_before) {
        assert_eq!((&after.0, &after.1, &after.2), (&before.0, &before.1, &before.2));
    }
    assert_eq!(store.revealed_codes(contact.id).await.unwrap().len(), 1, "the coupon code stays");
    assert_eq!(funnel(&app, &token).await, funnel_before);
    assert_eq!(coupon_counts(&store).await, coupons_before);
    assert_eq!(store.intent_counts(0).await.unwrap(), intents_before);
    assert!(store.intent_misses(0, 100).await.unwrap().iter().all(|m| !m.text.is_empty()));
    // The conversation still reads, empty of words.
    assert!(store.conversation(contact.id, 100).await.is_ok());

    // The status, as JSON and as a page.
    let status =
        app.client.get(answer["url"].as_str().unwrap()).header("accept", "application/json").send().await.unwrap();
    assert_eq!(status.status(), 200);
    let status: Value = status.json().await.unwrap();
    assert_eq!(status["status"], "done");
    assert_eq!(status["data_held"], true);
    assert_eq!(status["contacts_erased"], 1);
    assert_eq!(status["source"], "meta");
    let page = app.client.get(answer["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Your data is deleted") && html.contains(&code), "{html}");

    // The person writing again is someone new.
    say(&app, psid, text_event(psid, "m_again_1", "hello")).await;
    let again = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    assert_ne!(again.id, contact.id);
    assert_eq!(store.contact_events(contact.id).await.unwrap().len(), events_before.len());
}

#[tokio::test]
async fn forged_or_broken_requests_are_refused_and_nothing_is_erased() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let psid = "6790000000000011";
    seed(&app, psid).await;
    let user =
        |algorithm: &str| json!({ "algorithm": algorithm, "issued_at": 1764990000, "user_id": psid }).to_string();
    let (sig, payload) =
        meta_request(APP_SECRET, psid).split_once('.').map(|(s, p)| (s.to_owned(), p.to_owned())).unwrap();
    let other_payload = meta_request(APP_SECRET, "6790000000000099").split_once('.').unwrap().1.to_owned();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("wrong secret", vec![("signed_request", meta_request("not-the-app-secret", psid))]),
        ("payload swapped", vec![("signed_request", format!("{sig}.{other_payload}"))]),
        ("wrong algorithm", vec![("signed_request", signed_request::sign(APP_SECRET, &user("HMAC-SHA1")))]),
        (
            "no algorithm",
            vec![("signed_request", signed_request::sign(APP_SECRET, &json!({ "user_id": psid }).to_string()))],
        ),
        ("no dot", vec![("signed_request", format!("{sig}{payload}"))]),
        ("not base64", vec![("signed_request", format!("{sig}.{payload}*"))]),
        ("not JSON", vec![("signed_request", signed_request::sign(APP_SECRET, "user_id=1"))]),
        ("no user id", vec![("signed_request", signed_request::sign(APP_SECRET, r#"{"algorithm":"HMAC-SHA256"}"#))]),
        ("empty", vec![("signed_request", String::new())]),
        ("missing", vec![("user_id", psid.to_owned())]),
    ];
    for (what, form) in &cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = post_deletion(&app, &form).await;
        assert_eq!(response.status(), 400, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_signed_request", "{what}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().expect("not erased");
    assert_eq!(contact.first_name.as_deref(), Some(FIRST));
    assert!(!traces(&store, &[WORDS]).await.is_empty());
    let mut conn = store.conn().await.unwrap();
    let recorded: i64 =
        sqlx::Row::get(&sqlx::query("SELECT COUNT(*) FROM data_deletions").fetch_one(&mut *conn).await.unwrap(), 0);
    assert_eq!(recorded, 0);
}

#[tokio::test]
async fn a_request_for_someone_unknown_is_done_with_no_data_held() {
    let app = TestApp::spawn().await;
    let response = post_deletion(&app, &[("signed_request", &meta_request(APP_SECRET, "1000123456789"))]).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let url = answer["url"].as_str().unwrap();
    let status: Value =
        app.client.get(url).header("accept", "application/json").send().await.unwrap().json().await.unwrap();
    assert_eq!((status["status"].clone(), status["data_held"].clone()), ("done".into(), false.into()));
    let html = app.client.get(url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("No data held"), "{html}");
}

#[tokio::test]
async fn unknown_codes_oversized_bodies_and_a_missing_secret() {
    let app = TestApp::spawn().await;
    for code in ["0123456789abcdef0123456789abcdef", "nope", "..%2F..%2Fetc"] {
        let json = app
            .client
            .get(app.url(&format!("/data-deletion/{code}")))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(json.status(), 404, "{code}");
        let body: Value = json.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        let page = app.client.get(app.url(&format!("/data-deletion/{code}"))).send().await.unwrap();
        assert_eq!(page.status(), 404);
        assert!(page.text().await.unwrap().contains("Unknown confirmation code"));
    }
    let huge = "x".repeat(64 * 1024);
    let response = post_deletion(&app, &[("signed_request", &huge)]).await;
    assert_eq!(response.status(), 413);

    let bare = TestApp::spawn_with(Options {
        tweak: |c| c.messenger.app_secret = statbot::config::Secret::default(),
        ..Options::default()
    })
    .await;
    let response = post_deletion(&bare, &[("signed_request", &meta_request(APP_SECRET, "1"))]).await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_configured");
    assert!(body["error"]["message"].as_str().unwrap().contains("app secret"));
}

#[tokio::test]
async fn statbot_contacts_forget_erases_by_number_or_platform_id() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let (first, second) = ("6790000000000021", "6790000000000022");
    seed(&app, first).await;
    seed(&app, second).await;
    let first_id = store.find_contact(Platform::Messenger, first).await.unwrap().unwrap().id;
    let db = app.config.database_url.to_string();

    // Without --yes it only says what it would erase.
    let dry = statbot(&["contacts", "forget", &first_id.to_string()]).database(&db).run();
    assert!(!dry.status.success());
    assert!(dry.stderr.contains("--yes") && dry.stderr.contains(FIRST), "{}", dry.stderr);
    assert!(store.find_contact(Platform::Messenger, first).await.unwrap().is_some());

    let done = statbot(&["contacts", "forget", &first_id.to_string(), "--yes"]).database(&db).run_ok();
    assert_eq!(done.stdout.lines().count(), 1, "{}", done.stdout);
    assert!(done.stdout.starts_with(&format!("Erased contact {first_id} (messenger)")), "{}", done.stdout);
    let code = done.stdout.split("confirmation code ").nth(1).unwrap().split(',').next().unwrap();
    assert_eq!(store.data_deletion(code).await.unwrap().unwrap().contacts_erased, 1);
    assert!(traces(&store, &[first]).await.is_empty());

    let by_psid = statbot(&["contacts", "forget", &format!("messenger:{second}"), "--yes"]).database(&db).run_ok();
    assert!(by_psid.stdout.starts_with("Erased contact"), "{}", by_psid.stdout);
    let found = traces(&store, &[FIRST, LAST, first, second, WORDS]).await;
    assert!(found.is_empty(), "traces left: {found:#?}");

    for unknown in ["messenger:6790000000000029", "999999", "fax:1", "nobody"] {
        let ran = statbot(&["contacts", "forget", unknown, "--yes"]).database(&db).run();
        assert!(!ran.status.success(), "{unknown}");
        assert_eq!(ran.stderr.lines().count(), 1, "{unknown}: {}", ran.stderr);
        assert!(ran.stdout.is_empty());
    }
}

#[tokio::test]
async fn the_dashboard_shows_an_erased_contact_without_its_words() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let psid = "6790000000000031";
    seed(&app, psid).await;
    let id = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap().id;
    assert_eq!(post_deletion(&app, &[("signed_request", &meta_request(APP_SECRET, psid))]).await.status(), 200);
    let session = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = crate::support::pages::get(&app, &session, &format!("/contacts/{id}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for needle in [FIRST, LAST, psid, WORDS] {
        assert!(!html.contains(needle), "{needle} on the page");
    }
}

#[tokio::test]
async fn forgetting_a_contact_removes_its_tags() {
    use statbot::store::{DeletionSource, Forget};
    use statbot_core::{Segment, Tag};
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let people = store.load_contacts(Platform::Console, &["zeb".to_owned(), "other".to_owned()]).await.unwrap();
    let (zeb, other) = (people[0], people[1]);
    // Tagged as `statbot contacts tag add` and the dashboard tag (the store's one way).
    let tag = |name: &str, segment: String| {
        let (store, tag) = (&store, name.parse::<Tag>().unwrap());
        async move { store.tag_segment(&tag, &Segment::parse(&segment).unwrap(), statbot::store::now_ms()).await.unwrap() }
    };
    assert_eq!(tag("vip", format!("id:{zeb} or id:{other}")).await, 2);
    assert_eq!(tag("parrot", format!("id:{zeb}")).await, 1);
    let db = app.config.database_url.to_string();
    let counts = || statbot(&["contacts", "tags"]).database(&db).run_ok().stdout;
    assert_eq!(counts(), "tag     contacts\nparrot         1\nvip            2\n");
    let rows = |id: i64| {
        let store = &store;
        async move {
            use sqlx::Row;
            let query = sqlx::query("SELECT tag FROM contact_tags WHERE contact_id = $1").bind(id);
            let mut conn = store.conn().await.unwrap();
            let found: Vec<String> = query.fetch_all(&mut *conn).await.unwrap().iter().map(|r| r.get(0)).collect();
            found
        }
    };
    assert_eq!((rows(zeb).await.len(), rows(other).await.len()), (2, 1));

    let done = store.forget(DeletionSource::Cli, Forget::Contact(zeb)).await.unwrap();
    assert_eq!(done.contacts_erased, 1);
    assert_eq!(counts(), "tag  contacts\nvip         1\n", "only the other contact's tag is left");
    assert_eq!((rows(zeb).await, rows(other).await), (vec![], vec!["vip".to_owned()]), "no row of its tags");
    assert!(store.tags_of(&[zeb]).await.unwrap().is_empty());
    // An erased contact is in no segment, so it cannot be tagged again.
    assert_eq!(tag("vip", format!("id:{zeb}")).await, 0, "nobody tagged");
    assert!(rows(zeb).await.is_empty());
}
