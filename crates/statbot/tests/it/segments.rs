//! Segments and tags (issue 20): contacts made by real journeys (a Messenger contact who came by
//! a flyer's link and revealed the coupon, one who wrote and then "stop", a web chat visitor, and
//! a contact that never wrote) are chosen by every kind of condition (`id:` too) and their combinations
//! exactly alike through the CLI, the API and the dashboard, tagged and untagged there, and a
//! segment that does not read is answered with where it went wrong.

use crate::support::pages::{dashboard_session, get};
use crate::support::*;
use statbot::store::{Role, Store};
use statbot_core::Platform;
use std::collections::BTreeSet;

const FLYER: &str = "6700000000020001";
const STOPPED: &str = "6700000000020002";

/// Posts a Messenger event and waits until the bot answered it.
async fn say(app: &TestApp, psid: &str, event: String, answers: usize) {
    assert_eq!(app.post_signed(&event).await.status(), 200);
    app.wait_for_sent_to(psid, answers).await;
}

/// A new thread opened by the flyer's `m.me` link.
fn get_started_with_ref(psid: &str, reference: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": statbot::store::now_ms(),
        "postback": { "title": "Get Started", "payload": "@", "mid": "m_seg_gs",
                      "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" } }
    }))
}

/// The contacts, by name: the flyer's, the one who stopped, the web visitor, the silent one.
struct People {
    flyer: i64,
    stopped: i64,
    visitor: i64,
    silent: i64,
}

async fn journeys(app: &TestApp, store: &Store) -> People {
    store.add_link("flyer", "coupon", Some("offer")).await.unwrap();
    say(app, FLYER, get_started_with_ref(FLYER, "flyer"), 1).await;
    say(app, FLYER, postback_event(FLYER, "m_seg_reveal", "coupon:reveal"), 2).await;

    say(app, STOPPED, text_event(STOPPED, "m_seg_hi", "hi"), 1).await;
    say(app, STOPPED, text_event(STOPPED, "m_seg_stop", "stop"), 2).await;

    let visitor = chat_visitor(app).await;
    let response = app
        .client
        .post(app.url("/chat"))
        .header("cookie", &visitor.cookie)
        .form(&[("text", "hello"), ("nonce", "seg1")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success() || response.status().is_redirection(), "{}", response.status());
    let deadline = tokio::time::Instant::now() + WAIT;
    while latest_replies(app, Platform::Web, &visitor.id).await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the visitor got no answer");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let silent = store.load_contacts(Platform::Console, &["silent".to_owned()]).await.unwrap()[0];
    let id = |platform, external: &str| {
        let external = external.to_owned();
        async move { store.find_contact(platform, &external).await.unwrap().unwrap().id }
    };
    People {
        flyer: id(Platform::Messenger, FLYER).await,
        stopped: id(Platform::Messenger, STOPPED).await,
        visitor: id(Platform::Web, &visitor.id).await,
        silent,
    }
}

fn ids(list: &[i64]) -> BTreeSet<i64> {
    list.iter().copied().collect()
}

/// The ids the API lists for a segment.
async fn api_ids(app: &TestApp, token: &str, segment: &str) -> BTreeSet<i64> {
    let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("where", segment).finish();
    let body = app.get_json(&format!("/api/v1/contacts?{query}"), token).await;
    body["contacts"]
        .as_array()
        .unwrap_or_else(|| panic!("{segment}: {body}"))
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// The ids `statbot contacts list --where SEGMENT --format csv` prints.
fn cli_ids(app: &TestApp, segment: &str) -> BTreeSet<i64> {
    let ran = statbot(&["contacts", "list", "--where", segment, "--format", "csv"])
        .database(&app.config.database_url)
        .run_ok();
    ran.stdout.lines().skip(1).map(|line| line.split(',').next().unwrap().parse().unwrap()).collect()
}

#[tokio::test]
async fn each_condition_and_their_combinations_choose_exactly_their_contacts_everywhere() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let p = journeys(&app, &store).await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("lead", "correct horse battery").await;

    // An operator tags the flyer's contacts and the web visitors through the CLI.
    let ran = statbot(&["contacts", "tag", "add", "VIP", "--where", "ref:flyer or channel:web"])
        .database(&app.config.database_url)
        .run_ok();
    assert_eq!(ran.stdout.trim(), "Tagged 2 contacts `vip` (segment: ref:flyer or channel:web).");
    // Again: nobody new.
    let ran = statbot(&["contacts", "tag", "add", "vip", "--where", "ref:flyer or channel:web"])
        .database(&app.config.database_url)
        .run_ok();
    assert!(ran.stdout.starts_with("Tagged 0 contacts"), "{}", ran.stdout);

    let all = [p.flyer, p.stopped, p.visitor, p.silent];
    let (one, two, but_one) = (
        format!("id:{}", p.flyer),
        format!("id:{} or ID:{}", p.stopped, p.silent),
        format!("channel:messenger and not id:{}", p.flyer),
    );
    let mut cases: Vec<(&str, Vec<i64>)> = vec![
        ("tag:vip", vec![p.flyer, p.visitor]),
        ("channel:messenger", vec![p.flyer, p.stopped]),
        ("channel:web", vec![p.visitor]),
        ("ref:flyer", vec![p.flyer]),
        ("reached:coupon.offer", vec![p.flyer]),
        ("revealed:coupon", vec![p.flyer]),
        ("seen:7d", vec![p.flyer, p.stopped, p.visitor]),
        ("not seen:1h", vec![p.silent]),
        ("window:open", vec![p.flyer, p.stopped]),
        ("opted_out", vec![p.stopped]),
        ("not opted_out", vec![p.flyer, p.visitor, p.silent]),
        ("channel:messenger and not opted_out", vec![p.flyer]),
        ("(channel:web or opted_out) and not tag:vip", vec![p.stopped]),
        ("tag:vip or opted_out and channel:web", vec![p.flyer, p.visitor]),
        ("(tag:vip or opted_out) and channel:web", vec![p.visitor]),
        ("not (tag:vip or opted_out)", vec![p.silent]),
        ("NOT Tag:VIP AND NOT channel:console", vec![p.stopped]),
        ("ref:\"flyer\" or revealed:nothing", vec![p.flyer]),
    ];
    cases.extend([
        (one.as_str(), vec![p.flyer]),
        (two.as_str(), vec![p.stopped, p.silent]),
        (but_one.as_str(), vec![p.stopped]),
        ("id:999999999", vec![]),
    ]);
    for (segment, expected) in cases {
        let expected = ids(&expected);
        assert!(expected.iter().all(|id| all.contains(id)));
        assert_eq!(api_ids(&app, &token, segment).await, expected, "API: {segment}");
        assert_eq!(cli_ids(&app, segment), expected, "CLI: {segment}");
        let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("where", segment).finish();
        let count = app.get_json(&format!("/api/v1/segments/count?{query}"), &token).await;
        assert_eq!(count["count"].as_i64(), Some(expected.len() as i64), "count: {segment}");
        let segment = statbot_core::Segment::parse(segment).unwrap();
        let mut paged = Vec::new();
        let mut after = 0;
        loop {
            let page = store.segment_contacts(&segment, statbot::store::now_ms(), after, 1).await.unwrap();
            let Some(&last) = page.last() else { break };
            paged.push(last);
            after = last;
        }
        assert_eq!(ids(&paged), expected, "pages of one: {segment}");
    }

    // The API tags and untags too, and lists each contact's tags.
    let response = app
        .client
        .post(app.url("/api/v1/contacts/tags"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "tag": "stopped", "where": "opted_out", "action": "add" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "tag": "stopped", "action": "add", "contacts": 1, "segment": "opted_out" }));
    let listed = app.get_json("/api/v1/contacts?where=tag%3Astopped", &token).await;
    assert_eq!(listed["contacts"][0]["tags"], serde_json::json!(["stopped"]));
    let response = app
        .client
        .post(app.url("/api/v1/contacts/tags"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "tag": "vip", "where": "channel:web", "action": "remove" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["contacts"], 1);

    // `statbot contacts tags` counts them.
    let ran = statbot(&["contacts", "tags"]).database(&app.config.database_url).run_ok();
    assert_eq!(ran.stdout, "tag      contacts\nstopped         1\nvip             1\n");
}

#[tokio::test]
async fn a_segment_that_does_not_read_says_where_everywhere() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("lead", "correct horse battery").await;

    let ran =
        statbot(&["contacts", "list", "--where", "tag:vip and (chanel:web)"]).database(&app.config.database_url).run();
    assert!(!ran.status.success());
    assert_eq!(
        ran.stderr,
        "statbot: bad segment: `chanel` is not a kind of condition (tag, channel, ref, reached, revealed, seen, \
         window, opted_out, id) at column 14:\ntag:vip and (chanel:web)\n             ^\n"
    );
    let ran =
        statbot(&["contacts", "tag", "add", "no way", "--where", "tag:vip"]).database(&app.config.database_url).run();
    assert!(!ran.status.success() && ran.stderr.contains("`no way` is not a tag"), "{}", ran.stderr);

    let response = app
        .client
        .get(app.url("/api/v1/segments/count?where=tag%3Avip%20or"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "error": { "code": "bad_segment",
            "message": "expected a condition, `not` or `(`, found the end at column 11" } })
    );
    let response = app
        .client
        .post(app.url("/api/v1/contacts/tags"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "tag": "vip", "where": "seen:7w", "action": "add" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_segment");
    assert!(body["error"]["message"].as_str().unwrap().ends_with("at column 6"), "{body}");

    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = get(&app, &cookie, "/contacts?where=window%3Ashut").await.text().await.unwrap();
    assert!(
        page.contains("This segment does not read: “shut” is not a window&#39;s state: write window:open at column 8.")
            || page.contains(
                "This segment does not read: “shut” is not a window&#x27;s state: write window:open at column 8."
            ),
        "{page}"
    );
    assert!(page.contains("<pre>window:shut\n       ^</pre>"), "{page}");
}

#[tokio::test]
async fn the_dashboard_counts_a_segment_tags_its_contacts_and_shows_their_tags() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let p = journeys(&app, &store).await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;

    let page = get(&app, &cookie, "/contacts?where=channel%3Amessenger").await.text().await.unwrap();
    assert!(page.contains("<b data-testid=\"matching\">2</b> contacts are in this segment"), "{page}");
    let at = page.find("name=\"csrf\" value=\"").expect("the tag form") + 19;
    let csrf = &page[at..at + page[at..].find('"').unwrap()];
    let response = app
        .client
        .post(app.url("/contacts/tags"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf), ("q", ""), ("where", "channel:messenger"), ("tag", "promo"), ("action", "add")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, "/contacts?where=channel%3Amessenger&done=add&tag=promo&changed=2");
    let page = get(&app, &cookie, &back).await.text().await.unwrap();
    assert!(page.contains("Tagged 2 contacts promo."), "{page}");

    let flyer = get(&app, &cookie, &format!("/contacts/{}", p.flyer)).await.text().await.unwrap();
    assert!(flyer.contains(">promo</a>"), "{flyer}");
    let visitor = get(&app, &cookie, &format!("/contacts/{}", p.visitor)).await.text().await.unwrap();
    assert!(visitor.contains("No tags."), "{visitor}");
    assert_eq!(store.tags_of(&[p.stopped]).await.unwrap()[&p.stopped][0].as_str(), "promo");

    // A stale form is refused; nothing changes.
    let response = app
        .client
        .post(app.url("/contacts/tags"))
        .header("cookie", &cookie)
        .form(&[("csrf", "stale"), ("where", "channel:web"), ("tag", "promo"), ("action", "add")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(store.tags_of(&[p.visitor]).await.unwrap().is_empty());
}

#[tokio::test]
async fn one_contact_is_tagged_and_untagged_from_its_page() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let people = store.load_contacts(Platform::Console, &["ana".to_owned(), "bob".to_owned()]).await.unwrap();
    let (ana, bob) = (people[0], people[1]);
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = get(&app, &cookie, &format!("/contacts/{ana}")).await.text().await.unwrap();
    assert!(page.contains("No tags.") && page.contains("id=\"add-tag\""), "{page}");
    let at = page.find("name=\"csrf\" value=\"").expect("the tag form") + 19;
    let csrf = page[at..at + page[at..].find('"').unwrap()].to_owned();
    let post = |tag: &'static str, action: &'static str, csrf: String| {
        let request = app.client.post(app.url(&format!("/contacts/{ana}/tags"))).header("cookie", &cookie);
        async move { request.form(&[("csrf", csrf.as_str()), ("tag", tag), ("action", action)]).send().await.unwrap() }
    };
    let tags = |id: i64| {
        let store = &store;
        async move {
            let mut tags = store.tags_of(&[id]).await.unwrap();
            tags.remove(&id).unwrap_or_default().iter().map(|t| t.to_string()).collect::<Vec<_>>()
        }
    };

    // Added (read as lower case), then said on the page; the other contact keeps none.
    let response = post("Regular", "add", csrf.clone()).await;
    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/contacts/{ana}?done=add&tag=regular&changed=1"));
    let page = get(&app, &cookie, &back).await.text().await.unwrap();
    assert!(page.contains("Tagged regular."), "{page}");
    assert!(page.contains("data-tag=\"regular\""), "{page}");
    assert_eq!((tags(ana).await, tags(bob).await), (vec!["regular".to_owned()], vec![]));
    let counts = store.tag_counts().await.unwrap();
    assert_eq!((counts.len(), counts[0].tag.as_str(), counts[0].contacts), (1, "regular", 1));

    // Again: nothing changes, and the page says so.
    let back = post("regular", "add", csrf.clone()).await.headers()["location"].to_str().unwrap().to_owned();
    let page = get(&app, &cookie, &back).await.text().await.unwrap();
    assert!(page.contains("Nothing changed: the contact already has the tag regular."), "{page}");

    // A tag that does not read: said, with what was typed, nothing done.
    let response = post("not a tag", "add", csrf.clone()).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"tag-error\""), "{page}");
    assert!(page.contains("“not a tag” is not a tag: use 1 to 32 lower-case letters"), "{page}");
    assert!(page.contains("value=\"not a tag\""), "the text typed is kept: {page}");
    assert_eq!(tags(ana).await, ["regular"]);

    // Taken off by its × (the same form, `remove`).
    let back = post("regular", "remove", csrf.clone()).await.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/contacts/{ana}?done=remove&tag=regular&changed=1"));
    let page = get(&app, &cookie, &back).await.text().await.unwrap();
    assert!(page.contains("Took the tag regular off.") && page.contains("No tags."), "{page}");
    assert!(tags(ana).await.is_empty());

    // A stale form and a contact that does not exist are refused.
    assert_eq!(post("vip", "add", "stale".to_owned()).await.status(), 403);
    let missing = app
        .client
        .post(app.url("/contacts/999999/tags"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("tag", "vip"), ("action", "add")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(store.tag_counts().await.unwrap().is_empty());
}
