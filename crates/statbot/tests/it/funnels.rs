//! Funnels over journeys driven through the real webhook: the numbers of a known set of
//! journeys, agreement with a naive recount of the raw events for random journeys (with
//! redeliveries and restarts), the rollup catching up across restarts and rule changes, the
//! API's formats and errors, the same funnel from `statbot funnel`, and the funnel and reveal
//! charts as PNG or SVG.

use crate::support::*;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use statbot::store::{Role, Store};
use statbot_core::funnel::{self, Counters, Rules, day_number};

/// What a contact does, and how many replies it brings.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Action {
    Hi,
    Show,
    No,
    Reveal,
}

/// The steps each contact has been shown, as the bot sees them: a tap on a button of a step not
/// shown is free text and brings the greeting.
#[derive(Default)]
struct Shown(std::collections::HashMap<String, std::collections::HashSet<&'static str>>);

impl Shown {
    /// How many replies `action` from `psid` brings, and the step it shows.
    fn replies(&mut self, psid: &str, action: Action) -> usize {
        let shown = self.0.entry(psid.to_owned()).or_default();
        let (needs, leads_to, replies) = match action {
            Action::Hi => (None, "welcome", 1),
            Action::Show => (Some("welcome"), "offer", 1),
            Action::No => (Some("welcome"), "thanks", 2),
            Action::Reveal => (Some("offer"), "revealed", 1),
        };
        if needs.is_none_or(|step| shown.contains(step)) {
            shown.insert(leads_to);
            replies
        } else {
            shown.insert("welcome");
            1
        }
    }
}

/// Posts `action` as message `mid` from `psid`.
async fn act(app: &TestApp, psid: &str, mid: &str, action: Action) {
    let body = match action {
        Action::Hi => text_event(psid, mid, "hi"),
        Action::Show => postback_event(psid, mid, "coupon:show"),
        Action::No => postback_event(psid, mid, "coupon:no"),
        Action::Reveal => postback_event(psid, mid, "coupon:reveal"),
    };
    assert_eq!(app.post_signed(&body).await.status(), 200);
}

/// Plays each contact's actions in order (contacts side by side) and waits for every reply.
async fn play(app: &TestApp, journeys: &[(String, Vec<Action>)]) {
    play_on(app, journeys, &mut Shown::default()).await;
}

/// [`play`], for contacts that may have been shown steps before.
async fn play_on(app: &TestApp, journeys: &[(String, Vec<Action>)], shown: &mut Shown) {
    let mut total = app.graph.sent_count();
    for step in 0..journeys.iter().map(|(_, a)| a.len()).max().unwrap_or(0) {
        for (psid, actions) in journeys {
            if let Some(action) = actions.get(step) {
                act(app, psid, &format!("m_{psid}_{step}"), *action).await;
                total += shown.replies(psid, *action);
            }
        }
        // Each round lands before the next, so that every contact's messages keep their order
        // on the way in as well as in processing.
        app.wait_for_sent(total).await;
    }
}

async fn operator_token(app: &TestApp) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    app.token("lead", "correct horse battery").await
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

fn step<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["steps"].as_array().unwrap().iter().find(|s| s["step"] == id).unwrap()
}

fn button<'a>(step: &'a Value, id: &str) -> &'a Value {
    step["buttons"].as_array().unwrap().iter().find(|b| b["button"] == id).unwrap()
}

/// The funnel of today's cohort recounted from the raw events, as the API would show it.
async fn recount(store: &Store, rules: &Rules) -> Value {
    let flows = statbot::engine::flows::load(true, None, None).unwrap();
    let flow = flows.set.get("coupon").unwrap();
    let events = store.funnel_events("coupon").await.unwrap();
    let days = funnel::replay(flow, rules, &events);
    let today = day_number(jiff::Timestamp::now().to_zoned(rules.time_zone.clone()).date());
    let counters = days.get(&today).cloned().unwrap_or_else(Counters::default);
    serde_json::to_value(funnel::report(flow, &counters)).unwrap()
}

/// The API report without the range fields, to compare with [`recount`].
fn funnel_part(report: &Value) -> Value {
    serde_json::json!({ "flow": report["flow"], "cohort": report["cohort"], "steps": report["steps"] })
}

fn utc_rules() -> Rules {
    Rules::new(14, jiff::tz::TimeZone::UTC)
}

#[tokio::test]
async fn the_funnel_counts_known_journeys_branches_and_repeats() {
    let app = TestApp::spawn().await;
    let token = operator_token(&app).await;
    use Action::*;
    let journeys = vec![
        ("6800000000000001".to_owned(), vec![Hi, Show, Reveal]),
        ("6800000000000002".to_owned(), vec![Hi, Show, Reveal]),
        ("6800000000000003".to_owned(), vec![Hi, Show]),
        ("6800000000000004".to_owned(), vec![Hi, No]),
        // Came back to the menu and chose the coupon after all: one contact, both buttons.
        ("6800000000000005".to_owned(), vec![Hi, No, Hi, Show, Reveal, Reveal]),
        ("6800000000000006".to_owned(), vec![Hi]),
        // Tapped "Reveal" without ever being shown the offer: free text, the greeting again.
        ("6800000000000007".to_owned(), vec![Hi, Reveal]),
    ];
    play(&app, &journeys).await;
    // A redelivery changes nothing.
    act(&app, "6800000000000001", "m_6800000000000001_1", Show).await;

    let response = get(&app, &token, "/api/v1/funnels/coupon").await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["cohort"], 7);
    assert_eq!(report["time_zone"], "UTC");
    assert_eq!(report["window_days"], 14);
    let welcome = step(&report, "welcome");
    assert_eq!(welcome["contacts"], 7);
    assert_eq!(welcome["entries"], 9);
    assert_eq!(
        (button(welcome, "show")["contacts"].clone(), button(welcome, "show")["clicks"].clone()),
        (4.into(), 4.into())
    );
    assert_eq!(button(welcome, "no")["contacts"], 2);
    // 6 and 7 clicked nothing on the welcome step.
    assert_eq!(welcome["drop_off"], 2);
    let offer = step(&report, "offer");
    assert_eq!(offer["contacts"], 4);
    assert_eq!(offer["rate_from_entry"], 4.0 / 7.0);
    assert_eq!(offer["rate_from_previous"], 4.0 / 7.0);
    assert_eq!(button(offer, "reveal")["contacts"], 3);
    assert_eq!(button(offer, "reveal")["clicks"], 4);
    assert_eq!(offer["drop_off"], 1);
    let revealed = step(&report, "revealed");
    assert_eq!(revealed["contacts"], 3);
    assert_eq!((revealed["reveal_contacts"].clone(), revealed["reveals"].clone()), (3.into(), 4.into()));
    assert_eq!(step(&report, "thanks")["contacts"], 2);
    for s in report["steps"].as_array().unwrap() {
        for rate in ["rate_from_entry", "rate_from_previous", "drop_off_rate"] {
            if let Some(rate) = s[rate].as_f64() {
                assert!((0.0..=1.0).contains(&rate), "{s:#}");
            }
        }
    }
    assert_eq!(funnel_part(&report), recount(&app.store().await, &utc_rules()).await);
}

#[tokio::test]
async fn random_journeys_agree_with_a_recount_of_the_raw_events_across_restarts() {
    let mut app = TestApp::spawn().await;
    let token = operator_token(&app).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261124);
    let actions = [Action::Hi, Action::Show, Action::No, Action::Reveal];
    let journeys: Vec<(String, Vec<Action>)> = (0..12)
        .map(|c| {
            let len = rng.random_range(0..7);
            (format!("68100000000000{c:02}"), (0..len).map(|_| actions[rng.random_range(0..4)]).collect())
        })
        .collect();
    let (first, second): (Vec<_>, Vec<_>) = journeys
        .iter()
        .map(|(psid, a)| {
            let half = a.len() / 2;
            ((psid.clone(), a[..half].to_vec()), (psid.clone(), a[half..].to_vec()))
        })
        .unzip();

    let mut shown = Shown::default();
    play_on(&app, &first, &mut shown).await;
    let report: Value = get(&app, &token, "/api/v1/funnels/coupon").await.json().await.unwrap();
    assert_eq!(funnel_part(&report), recount(&app.store().await, &utc_rules()).await);

    // Redeliveries of everything so far, a restart, then the rest of the journeys (message
    // ids continue from where each contact stopped).
    for (psid, actions) in &first {
        for (i, action) in actions.iter().enumerate() {
            act(&app, psid, &format!("m_{psid}_{i}"), *action).await;
        }
    }
    app.stop().await;
    app.restart().await;
    let shifted = second;
    let mut total = app.graph.sent_count();
    for round in 0..shifted.iter().map(|(_, a)| a.len()).max().unwrap_or(0) {
        for ((psid, actions), (_, before)) in shifted.iter().zip(&first) {
            if let Some(action) = actions.get(round) {
                act(&app, psid, &format!("m_{psid}_{}", before.len() + round), *action).await;
                total += shown.replies(psid, *action);
            }
        }
        app.wait_for_sent(total).await;
    }
    let report: Value = get(&app, &token, "/api/v1/funnels/coupon").await.json().await.unwrap();
    let store = app.store().await;
    assert_eq!(funnel_part(&report), recount(&store, &utc_rules()).await);
    // The cohort is whoever entered the entry step: everyone who wrote anything, as a first tap
    // on a button never shown is free text and brings the greeting.
    let entered = journeys.iter().filter(|(_, a)| !a.is_empty()).count();
    assert_eq!(report["cohort"].as_u64(), Some(entered as u64));
}

#[tokio::test]
async fn changing_the_time_zone_or_window_recounts_from_the_events() {
    let mut app = TestApp::spawn().await;
    let token = operator_token(&app).await;
    use Action::*;
    play(
        &app,
        &[("6820000000000001".to_owned(), vec![Hi, Show, Reveal]), ("6820000000000002".to_owned(), vec![Hi, No])],
    )
    .await;
    let before: Value = get(&app, &token, "/api/v1/funnels/coupon").await.json().await.unwrap();
    assert_eq!(before["cohort"], 2);

    app.stop().await;
    app.config.time_zone = Some("Pacific/Kiritimati".into());
    app.config.funnels.window_days = 3;
    app.restart().await;
    let kiritimati = Rules::new(3, jiff::tz::TimeZone::get("Pacific/Kiritimati").unwrap());
    let report: Value = get(&app, &token, "/api/v1/funnels/coupon").await.json().await.unwrap();
    assert_eq!(report["time_zone"], "Pacific/Kiritimati");
    assert_eq!(report["window_days"], 3);
    assert_eq!(report["cohort"], 2, "today in Kiritimati holds the same contacts: {report:#}");
    assert_eq!(funnel_part(&report), recount(&app.store().await, &kiritimati).await);
}

#[tokio::test]
async fn days_csv_and_bad_requests() {
    let app = TestApp::spawn().await;
    let token = operator_token(&app).await;
    use Action::*;
    play(&app, &[("6830000000000001".to_owned(), vec![Hi, Show, Reveal])]).await;
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let yesterday = today.yesterday().unwrap();

    let path = format!("/api/v1/funnels/coupon?from={yesterday}&to={today}&by=day");
    let report: Value = get(&app, &token, &path).await.json().await.unwrap();
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(
        (days[0]["date"].as_str().unwrap(), days[0]["cohort"].as_u64()),
        (yesterday.to_string().as_str(), Some(0))
    );
    assert_eq!((days[1]["date"].as_str().unwrap(), days[1]["cohort"].as_u64()), (today.to_string().as_str(), Some(1)));
    assert_eq!(report["cohort"], 1);

    let response = get(&app, &token, &format!("/api/v1/funnels/coupon?from={today}&to={today}&format=csv")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("funnel-coupon-"));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("date,step,button,title,contacts,total"));
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("{today}..{today},welcome,show,Yes! Show me coupon,1,1,"))),
        "{csv}"
    );

    for (path, status, code) in [
        ("/api/v1/funnels/nope", 404, "not_found"),
        ("/api/v1/funnels/coupon?from=2026-13-01", 400, "bad_request"),
        ("/api/v1/funnels/coupon?from=2026-11-10&to=2026-11-01", 400, "bad_request"),
        ("/api/v1/funnels/coupon?by=week", 400, "bad_request"),
        ("/api/v1/funnels/coupon?format=xml", 400, "bad_request"),
    ] {
        let response = get(&app, &token, path).await;
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
    let anonymous = app.client.get(app.url("/api/v1/funnels/coupon")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_cli_prints_the_same_funnel_as_a_table_json_or_csv() {
    let app = TestApp::spawn().await;
    use Action::*;
    play(&app, &[("6840000000000001".to_owned(), vec![Hi, Show, Reveal]), ("6840000000000002".to_owned(), vec![Hi])])
        .await;
    let run = |format: &str| {
        statbot(&["funnel", "coupon", "--format", format]).database(&app.config.database_url).run_ok().stdout
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["cohort"], 2);
    assert_eq!(step(&json, "offer")["contacts"], 1);
    let table = run("table");
    assert!(table.contains("2 contacts entered"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("offer") && l.contains("50.0%")), "{table}");
    assert!(run("csv").lines().any(|l| l.contains(",offer,reveal,Reveal the coupon,1,1,")));
}

#[tokio::test]
async fn funnel_and_reveal_charts_come_as_png_or_svg_the_same_every_time() {
    let app = TestApp::spawn().await;
    let token = operator_token(&app).await;
    use Action::*;
    play(
        &app,
        &[("6850000000000001".to_owned(), vec![Hi, Show, Reveal]), ("6850000000000002".to_owned(), vec![Hi, No])],
    )
    .await;
    for path in ["/charts/funnels/coupon.png", "/charts/reveals/coupon.png?by=day"] {
        let first = get(&app, &token, path).await;
        assert_eq!(first.status(), 200, "{path}");
        assert_eq!(first.headers()["content-type"], "image/png");
        let first = first.bytes().await.unwrap();
        assert!(first.starts_with(b"\x89PNG"), "{path}");
        let again = get(&app, &token, path).await.bytes().await.unwrap();
        assert_eq!(first, again, "{path} is not deterministic");
    }
    let svg = get(&app, &token, "/charts/funnels/coupon.svg").await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    // The title says what is counted; the flow and the range are in the footnote.
    assert!(svg.contains("\nContacts per step\n"), "{}", &svg[..svg.len().min(400)]);
    assert!(svg.contains("\nSpring coupon, "), "the footnote names the flow");
    let reveals = get(&app, &token, "/charts/reveals/coupon.svg").await.text().await.unwrap();
    assert!(reveals.contains("Coupons revealed per day of joining"));
    assert!(reveals.contains("\nReveals\n") && reveals.contains("\nContacts revealing\n"), "both lines in the legend");

    // The phone version: taller than wide; other sizes are refused.
    let phone = get(&app, &token, "/charts/funnels/coupon.svg?size=phone").await.text().await.unwrap();
    assert!(phone.starts_with("<svg width=\"340\" height=\"440\""), "{}", &phone[..80]);
    let phone = get(&app, &token, "/charts/reveals/coupon.png?size=phone").await;
    assert_eq!(phone.status(), 200);
    assert_eq!(get(&app, &token, "/charts/funnels/coupon.svg?size=huge").await.status(), 400);

    assert_eq!(get(&app, &token, "/charts/funnels/coupon.gif").await.status(), 404);
    assert_eq!(get(&app, &token, "/charts/funnels/nope.png").await.status(), 404);
    assert_eq!(get(&app, &token, "/charts/funnels/coupon.png?from=yesterday").await.status(), 400);
    assert_eq!(app.client.get(app.url("/charts/funnels/coupon.png")).send().await.unwrap().status(), 401);
}
