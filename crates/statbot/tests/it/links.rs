//! Entry links (issue 18): `statbot links add|list|qr|remove` through the real binary, names,
//! flows and steps refused with a sentence, QR codes that a decoder reads back as the link's
//! URL, contacts arriving by a ref through the real webhook (a first conversation's Get Started
//! postback, an existing one's `referral` event) counted in `links list` and in the funnel by
//! ref (whose counts add up to the funnel's, and agree with a recount of each ref's raw events),
//! and the `/links` page and API behind their logins.

use crate::support::pages::{cell, dashboard_session, get};
use crate::support::*;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};
use statbot::store::Role;

const PAGE: &str = "statbotshop";
const PASSWORD: &str = "correct horse battery";

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options { tweak: |c| c.messenger.page_username = PAGE.into(), ..Options::default() }).await
}

/// `statbot links ARGS` on the app's database, the Page named.
fn links(app: &TestApp, args: &[&str]) -> binary::Ran {
    statbot(&["links"]).args(args).database(&app.config.database_url).env("STATBOT_MESSENGER_PAGE_USERNAME", PAGE).run()
}

fn links_ok(app: &TestApp, args: &[&str]) -> String {
    let ran = links(app, args);
    assert!(ran.status.success(), "statbot links {args:?}: {}", ran.stderr);
    ran.stdout
}

/// The refusal of `statbot links ARGS`: one sentence on stderr.
fn refused(app: &TestApp, args: &[&str]) -> String {
    let ran = links(app, args);
    assert!(!ran.status.success(), "statbot links {args:?} should fail: {}", ran.stdout);
    let message = ran.stderr.trim().to_owned();
    assert!(message.starts_with("statbot: ") && message.lines().count() == 1, "{message}");
    message
}

/// The text a QR code in a PNG reads as.
fn decode_png(bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.line_size / w;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * info.line_size + x * channels]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn links_add_checks_the_name_flow_and_step_and_prints_the_url() {
    let app = spawn().await;
    let added = links_ok(&app, &["add", "spring-poster", "--flow", "coupon"]);
    assert!(added.contains("https://m.me/statbotshop?ref=spring-poster"), "{added}");
    assert!(added.contains("statbot links qr spring-poster"), "{added}");
    links_ok(&app, &["add", "spring_offer", "--flow", "coupon", "--step", "offer"]);

    let taken = refused(&app, &["add", "spring-poster", "--flow", "coupon"]);
    assert!(taken.contains("already") && taken.contains("spring-poster"), "{taken}");
    let flow = refused(&app, &["add", "x", "--flow", "nope"]);
    assert!(flow.contains("no flow is named `nope`"), "{flow}");
    let step = refused(&app, &["add", "x", "--flow", "coupon", "--step", "nope"]);
    assert!(step.contains("`coupon` has no step `nope`"), "{step}");
    for bad in ["with space", "ünïcode", "a/b", ""] {
        let name = refused(&app, &["add", bad, "--flow", "coupon"]);
        assert!(name.contains("letters, digits, `_` and `-`"), "{bad}: {name}");
    }
    let long = "a".repeat(101);
    assert!(refused(&app, &["add", &long, "--flow", "coupon"]).contains("100"));

    let list: Value = serde_json::from_str(&links_ok(&app, &["list", "--format", "json"])).unwrap();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["spring-poster", "spring_offer"]);
    assert_eq!(list[1]["step"], "offer");
    assert_eq!(list[0]["url"], "https://m.me/statbotshop?ref=spring-poster");
    assert_eq!((list[0]["entries"].as_u64(), list[0]["conversions"].as_u64()), (Some(0), Some(0)));
    let table = links_ok(&app, &["list"]);
    assert!(table.lines().any(|l| l.starts_with("spring_offer") && l.contains("coupon/offer")), "{table}");

    // Without a Page the link is kept, and the sentence says how to name the Page.
    let ran = statbot(&["links", "add", "later", "--flow", "coupon"]).database(&app.config.database_url).run();
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(ran.stdout.contains("STATBOT_MESSENGER_PAGE_USERNAME"), "{}", ran.stdout);
    let ran = statbot(&["links", "qr", "later", "--format", "svg", "--output", "/dev/null"])
        .database(&app.config.database_url)
        .run();
    assert!(!ran.status.success() && ran.stderr.contains("STATBOT_MESSENGER_PAGE_ID"), "{}", ran.stderr);

    let removed = links_ok(&app, &["remove", "later"]);
    assert!(removed.contains("later"), "{removed}");
    assert!(refused(&app, &["remove", "later"]).contains("no link is named `later`"));
}

#[tokio::test]
async fn links_qr_writes_a_png_and_an_svg_that_read_as_the_url() {
    let app = spawn().await;
    links_ok(&app, &["add", "spring", "--flow", "coupon"]);
    let dir = tempfile::tempdir().unwrap();
    let png_path = dir.path().join("spring.png");
    let said = links_ok(&app, &["qr", "spring", "--format", "png", "--output", png_path.to_str().unwrap()]);
    assert!(said.contains("spring.png"), "{said}");
    let png = std::fs::read(&png_path).unwrap();
    assert_eq!(decode_png(&png), "https://m.me/statbotshop?ref=spring");
    // 8 pixels a module, 4 modules of quiet zone on each side: (29 + 8) * 8 for this URL's
    // version 3 code (35 bytes at error correction M).
    let reader = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (296, 296));

    let svg_path = dir.path().join("spring.svg");
    links_ok(&app, &["qr", "spring", "--format", "svg", "--output", svg_path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("<svg") && svg.contains("width=\"296\""), "{svg}");

    assert!(refused(&app, &["qr", "nope", "--format", "png", "--output", "/dev/null"]).contains("`nope`"));
}

/// A first conversation opened by `m.me/PAGE?ref=REF`: the Get Started postback carries it.
fn get_started_by(psid: &str, mid: &str, reference: &str, at: i64) -> String {
    delivery(json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": at,
        "postback": { "title": "Get Started", "payload": "GET_STARTED", "mid": mid,
            "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" } }
    }))
}

/// An existing conversation opened by `m.me/PAGE?ref=REF`: a `referral` event.
fn referral_event(psid: &str, reference: &str, at: i64) -> String {
    delivery(json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": at,
        "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" }
    }))
}

/// Posts a delivery and waits for the contact's next reply.
async fn send(app: &TestApp, psid: &str, body: String) {
    let before = app.sent_to(psid).len();
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.wait_for_sent_to(psid, before + 1).await;
}

fn by_ref<'a>(report: &'a Value, reference: Option<&str>) -> &'a Value {
    report["by_ref"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ref"].as_str() == reference)
        .unwrap_or_else(|| panic!("no funnel for {reference:?}: {report:#}"))
}

fn revealed(funnel: &Value) -> u64 {
    funnel["steps"].as_array().unwrap().iter().map(|s| s["reveal_contacts"].as_u64().unwrap()).sum()
}

/// Every count of the funnels by ref (cohort, each step's contacts and entries, each button's
/// contacts and clicks, reveals) adds up to the funnel's own.
fn assert_adds_up(report: &Value) {
    let parts = report["by_ref"].as_array().unwrap();
    let sum = |f: &dyn Fn(&Value) -> u64| parts.iter().map(f).sum::<u64>();
    assert_eq!(sum(&|p| p["cohort"].as_u64().unwrap()), report["cohort"].as_u64().unwrap());
    for (i, step) in report["steps"].as_array().unwrap().iter().enumerate() {
        for key in ["contacts", "entries", "reveal_contacts", "reveals"] {
            assert_eq!(sum(&|p| p["steps"][i][key].as_u64().unwrap()), step[key].as_u64().unwrap(), "{key} {step}");
        }
        for (j, button) in step["buttons"].as_array().unwrap().iter().enumerate() {
            for key in ["contacts", "clicks"] {
                let part = sum(&|p| p["steps"][i]["buttons"][j][key].as_u64().unwrap());
                assert_eq!(part, button[key].as_u64().unwrap(), "{key} {button}");
            }
        }
    }
}

#[tokio::test]
async fn contacts_arriving_by_a_link_enter_its_flow_and_count_under_its_ref() {
    let app = spawn().await;
    links_ok(&app, &["add", "spring", "--flow", "coupon"]);
    links_ok(&app, &["add", "autumn", "--flow", "coupon"]);
    let now = statbot::store::now_ms();

    // A: a first conversation by `spring`, who reveals the coupon.
    send(&app, "7100000000000001", get_started_by("7100000000000001", "m_a0", "spring", now)).await;
    assert!(text_of(app.sent_to("7100000000000001").last().unwrap()).starts_with("Hi Ada!"));
    send(&app, "7100000000000001", postback_event("7100000000000001", "m_a1", "coupon:show")).await;
    send(&app, "7100000000000001", postback_event("7100000000000001", "m_a2", "coupon:reveal")).await;
    // B: came in directly, then opened the conversation again by `autumn`, then revealed: the
    // funnel counts B under the way B first came in.
    send(&app, "7100000000000002", text_event("7100000000000002", "m_b0", "hi")).await;
    send(&app, "7100000000000002", referral_event("7100000000000002", "autumn", now + 1)).await;
    assert!(text_of(app.sent_to("7100000000000002").last().unwrap()).starts_with("Hi Ada!"));
    send(&app, "7100000000000002", postback_event("7100000000000002", "m_b1", "coupon:show")).await;
    send(&app, "7100000000000002", postback_event("7100000000000002", "m_b2", "coupon:reveal")).await;
    // C: a first conversation by `autumn`, who says no thanks.
    send(&app, "7100000000000003", get_started_by("7100000000000003", "m_c0", "autumn", now + 2)).await;
    send(&app, "7100000000000003", postback_event("7100000000000003", "m_c1", "coupon:no")).await;
    // D: directly, and no further.
    send(&app, "7100000000000004", text_event("7100000000000004", "m_d0", "hi")).await;

    // The referrals are recorded with where they led.
    let store = app.store().await;
    let contact = store.find_contact(statbot_core::Platform::Messenger, "7100000000000002").await.unwrap();
    let (first, latest) = store.contact_referrals(contact.unwrap().id).await.unwrap();
    assert_eq!((first.as_deref(), latest.as_deref()), (Some("autumn"), Some("autumn")));

    let list: Value = serde_json::from_str(&links_ok(&app, &["list", "--format", "json"])).unwrap();
    let link = |name: &str| list.as_array().unwrap().iter().find(|l| l["name"] == name).unwrap().clone();
    assert_eq!((link("spring")["entries"].as_u64(), link("spring")["conversions"].as_u64()), (Some(1), Some(1)));
    assert_eq!((link("autumn")["entries"].as_u64(), link("autumn")["conversions"].as_u64()), (Some(2), Some(0)));

    let funnel =
        |args: &[&str]| statbot(&["funnel", "coupon"]).args(args).database(&app.config.database_url).run_ok().stdout;
    let report: Value = serde_json::from_str(&funnel(&["--by", "ref", "--format", "json"])).unwrap();
    assert_eq!(report["cohort"], 4);
    assert_eq!(
        (by_ref(&report, Some("spring"))["cohort"].as_u64(), revealed(by_ref(&report, Some("spring")))),
        (Some(1), 1)
    );
    assert_eq!(
        (by_ref(&report, Some("autumn"))["cohort"].as_u64(), revealed(by_ref(&report, Some("autumn")))),
        (Some(1), 0)
    );
    assert_eq!((by_ref(&report, None)["cohort"].as_u64(), revealed(by_ref(&report, None))), (Some(2), 1));
    assert_adds_up(&report);
    let table = funnel(&["--by", "ref"]);
    assert!(table.contains("Funnel of `coupon` by `spring`") && table.contains("(direct)"), "{table}");
    let csv = funnel(&["--by", "ref", "--format", "csv"]);
    assert!(csv.starts_with("ref,date,step,"), "{csv}");
    assert!(
        csv.lines().any(|l| l.starts_with("spring,") && l.contains(",offer,reveal,Reveal the coupon,1,1,")),
        "{csv}"
    );
    assert!(csv.lines().any(|l| l.starts_with(",") && l.contains(",welcome,,,2,")), "(direct) has no ref: {csv}");

    // The API says the same, and the flow's page shows the split.
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
    let token = app.token("lead", PASSWORD).await;
    let api = app.get_json("/api/v1/funnels/coupon?by=ref", &token).await;
    assert_eq!(api["by_ref"], report["by_ref"]);
    let cookie = dashboard_session(&app, "lead", PASSWORD).await;
    let page = get(&app, &cookie, "/flows/coupon").await.text().await.unwrap();
    assert_eq!(cell(&page, "by-ref", "spring", "cohort"), "1");
    assert_eq!(cell(&page, "by-ref", "autumn", "cohort"), "1");
    assert_eq!(cell(&page, "by-ref", "(direct)", "cohort"), "2");
    assert_eq!(cell(&page, "by-ref", "(direct)", "revealed"), "1");
    let links_page = get(&app, &cookie, "/links").await.text().await.unwrap();
    assert_eq!(cell(&links_page, "links", "autumn", "entries"), "2");
    assert_eq!(cell(&links_page, "links", "spring", "conversions"), "1");
}

/// Posts a delivery and waits until the contact has `replies` more replies.
async fn send_expecting(app: &TestApp, psid: &str, body: String, replies: usize) {
    let before = app.sent_to(psid).len();
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.wait_for_sent_to(psid, before + replies).await;
}

#[tokio::test]
async fn the_funnel_by_ref_agrees_with_a_recount_of_each_refs_raw_events() {
    use rand::{Rng, SeedableRng};
    use statbot_core::funnel::{self, Rules, day_number};
    let app = spawn().await;
    links_ok(&app, &["add", "spring", "--flow", "coupon"]);
    links_ok(&app, &["add", "autumn", "--flow", "coupon"]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261206);
    let refs = [Some("spring"), Some("autumn"), None];
    // psid -> the ref it first came by.
    let mut first_ref: Vec<(String, Option<&str>)> = Vec::new();
    let now = statbot::store::now_ms();
    for c in 0..14 {
        let psid = format!("73000000000000{c:02}");
        let reference = refs[rng.random_range(0..refs.len())];
        let at = now + c;
        match reference {
            Some(r) if rng.random_bool(0.5) => {
                send_expecting(&app, &psid, get_started_by(&psid, &format!("m_{psid}_0"), r, at), 1).await
            }
            Some(r) => send_expecting(&app, &psid, referral_event(&psid, r, at), 1).await,
            None => send_expecting(&app, &psid, text_event(&psid, &format!("m_{psid}_0"), "hi"), 1).await,
        }
        first_ref.push((psid.clone(), reference));
        let tap = |n: usize, payload: &str| postback_event(&psid, &format!("m_{psid}_{n}"), payload);
        if rng.random_bool(0.7) {
            send_expecting(&app, &psid, tap(1, "coupon:show"), 1).await;
            if rng.random_bool(0.6) {
                send_expecting(&app, &psid, tap(2, "coupon:reveal"), 1).await;
            }
        } else if rng.random_bool(0.5) {
            send_expecting(&app, &psid, tap(1, "coupon:no"), 2).await;
        }
        // A later referral by another ref changes nothing: the contact had entered already.
        if rng.random_bool(0.4) {
            send_expecting(&app, &psid, referral_event(&psid, "autumn", at + 100), 1).await;
        }
    }

    let report: Value = serde_json::from_str(
        &statbot(&["funnel", "coupon", "--by", "ref", "--format", "json"])
            .database(&app.config.database_url)
            .run_ok()
            .stdout,
    )
    .unwrap();
    assert_adds_up(&report);
    assert_eq!(report["by_ref"].as_array().unwrap().len(), 3, "spring, autumn and (direct): {report:#}");
    let store = app.store().await;
    let flows = statbot::engine::flows::load(true, None, None).unwrap();
    let flow = flows.set.get("coupon").unwrap();
    let rules = Rules::new(14, jiff::tz::TimeZone::UTC);
    let today = day_number(jiff::Timestamp::now().to_zoned(rules.time_zone.clone()).date());
    let events = store.funnel_events("coupon").await.unwrap();
    for reference in refs {
        let mut contacts = std::collections::HashSet::new();
        for (psid, r) in &first_ref {
            if *r == reference {
                let contact = store.find_contact(statbot_core::Platform::Messenger, psid).await.unwrap().unwrap();
                contacts.insert(contact.id);
            }
        }
        let theirs: Vec<_> = events.iter().filter(|e| contacts.contains(&e.contact)).cloned().collect();
        let counters = funnel::replay(flow, &rules, &theirs).remove(&today).unwrap_or_default();
        let recount = serde_json::to_value(funnel::report(flow, &counters)).unwrap();
        let part = report["by_ref"].as_array().unwrap().iter().find(|p| p["ref"].as_str() == reference);
        match part {
            Some(part) => {
                let part = json!({ "flow": part["flow"], "cohort": part["cohort"], "steps": part["steps"] });
                assert_eq!(part, recount, "{reference:?}");
            }
            None => assert_eq!(recount["cohort"], 0, "{reference:?}"),
        }
    }
}

#[tokio::test]
async fn the_links_page_api_and_qr_images_need_their_logins() {
    let app = spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
    statbot::auth::create_user(&store, "ana", Role::Admin, PASSWORD).await.unwrap();
    links_ok(&app, &["add", "spring", "--flow", "coupon"]);

    // Without a login: the page sends to the login form, the images and API refuse.
    let anonymous = app.client.get(app.url("/links")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/login?next=%2Flinks");
    for path in ["/links/spring/qr.png", "/links/spring/qr.svg", "/api/v1/links"] {
        assert_eq!(app.client.get(app.url(path)).send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    let cookie = dashboard_session(&app, "lead", PASSWORD).await;
    let page = get(&app, &cookie, "/links").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("href=\"/links\""), "the nav links the page");
    assert!(html.contains("src=\"/links/spring/qr.svg\""), "{html}");
    assert!(html.contains("https://m.me/statbotshop?ref=spring"), "{html}");
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style");
    let png = get(&app, &cookie, "/links/spring/qr.png").await;
    assert_eq!(png.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(decode_png(&png.bytes().await.unwrap()), "https://m.me/statbotshop?ref=spring");
    let svg = get(&app, &cookie, "/links/spring/qr.svg").await;
    assert_eq!(svg.headers()[CONTENT_TYPE], "image/svg+xml");
    assert_eq!(get(&app, &cookie, "/links/nope/qr.svg").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &cookie, "/links/spring/qr.gif").await.status(), StatusCode::NOT_FOUND);

    // The API: operators read, admins add.
    let staff = app.token("lead", PASSWORD).await;
    let listed: Value =
        app.client.get(app.url("/api/v1/links")).bearer_auth(&staff).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["url"], "https://m.me/statbotshop?ref=spring");
    let add = |token: String, body: Value| {
        let request = app.client.post(app.url("/api/v1/links")).bearer_auth(token).json(&body);
        async move { request.send().await.unwrap() }
    };
    let forbidden = add(staff, json!({ "name": "autumn", "flow": "coupon" })).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let admin = app.token("ana", PASSWORD).await;
    let created = add(admin.clone(), json!({ "name": "autumn", "flow": "coupon", "step": "offer" })).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!((created["name"].as_str(), created["step"].as_str()), (Some("autumn"), Some("offer")));
    let bad = add(admin.clone(), json!({ "name": "a b", "flow": "coupon" })).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let taken = add(admin, json!({ "name": "autumn", "flow": "coupon" })).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
}
