//! The inbox's figures in the team's stats: conversations operators of two teams answered
//! around midnight in Paris (the business time zone) give each team its `live_chats`,
//! `first_response` and `resolution` per Paris day and per operator, the same in
//! `statbot team view` (JSON, CSV, table), the API and the `/team` page; a day with only the
//! inbox's figures still lacks its typed ones; nobody can type those keys.

use crate::support::inbox::{self, Stretch};
use crate::support::pages::{cell, chart_sources, dashboard_session, get};
use crate::support::*;
use serde_json::{Value, json};
use statbot::store::{DayWrite, Role};
use statbot::team::Teams;

const PASSWORD: &str = "correct horse battery";
const RANGE: &str = "from=2025-01-14&to=2025-01-15";

fn in_paris(config: &mut statbot::config::Config) {
    config.time_zone = Some("Europe/Paris".into());
}

/// Teams Support (`ann`, `bob`, and the admin `boss`) and Billing (`cid`), `solved` typed for
/// Support on 2025-01-14 only, and their operators' conversations (Paris is UTC+1 in January):
///
/// | who | asked (Paris) | answered               | released            | counts for             |
/// |-----|---------------|------------------------|---------------------|------------------------|
/// | ann | 01-14 10:00   | 10:01:00 (60 s)        | 10:11 (660 s)       | 14th: chat, resolution |
/// | ann | 01-14 23:50   | 01-15 00:00:30 (630 s) | 00:20 (1,800 s)     | 15th (the 14th in UTC) |
/// | bob | 01-13 23:59   | 01-13 23:59:40         | 01-14 00:09 (600 s) | 14th: resolution only  |
/// | bob | 01-15 09:00   | 09:02 (120 s)          | still open          | 15th: chat             |
/// | bob | 01-15 23:59   | 01-16 00:00:10         | still open          | none (the 15th in UTC) |
/// | —   | 01-15 14:00   | nobody                 | 14:30               | none                   |
/// | cid | 01-15 12:00   | 12:00:20 (20 s)        | 12:30 (1,800 s)     | Billing, 15th          |
///
/// Support: the 14th has 1 chat (60 s) and 2 resolutions (mean 630 s); the 15th 2 chats (mean
/// 375 s) and 1 resolution (1,800 s). Over both days: 3 chats, a first response of 270 s (not
/// the 217.5 s mean of the daily means) and a resolution of 1,020 s.
async fn seed(app: &TestApp) {
    let store = app.store().await;
    let teams = Teams::new(store.clone(), &app.config.team, jiff::tz::TimeZone::UTC);
    let support = teams.ensure("Support").await.unwrap();
    let billing = teams.ensure("Billing").await.unwrap();
    let solved = [("solved".to_owned(), 5.0)];
    teams.record(&support, "2025-01-14".parse().unwrap(), &solved, DayWrite::Replace, None).await.unwrap();
    let mut ids = Vec::new();
    for (name, role, team) in [
        ("ann", Role::Staff, &support),
        ("bob", Role::Staff, &support),
        ("cid", Role::Staff, &billing),
        ("boss", Role::Admin, &support),
    ] {
        let id = statbot::auth::create_user(&store, name, role, PASSWORD).await.unwrap();
        store.set_user_team(id, team.id).await.unwrap();
        ids.push(id);
    }
    let (ann, bob, cid) = (ids[0], ids[1], ids[2]);
    let first = inbox::contact(&store, "first").await;
    let second = inbox::contact(&store, "second").await;
    inbox::record(
        &store,
        first,
        &[
            Stretch {
                asked: "2025-01-14T10:00:00+01:00",
                answered: Some((ann, "2025-01-14T10:01:00+01:00")),
                released: Some("2025-01-14T10:11:00+01:00"),
            },
            Stretch {
                asked: "2025-01-14T23:50:00+01:00",
                answered: Some((ann, "2025-01-15T00:00:30+01:00")),
                released: Some("2025-01-15T00:20:00+01:00"),
            },
            Stretch { asked: "2025-01-15T14:00:00+01:00", answered: None, released: Some("2025-01-15T14:30:00+01:00") },
            Stretch {
                asked: "2025-01-15T23:59:00+01:00",
                answered: Some((bob, "2025-01-16T00:00:10+01:00")),
                released: None,
            },
        ],
    )
    .await;
    inbox::record(
        &store,
        second,
        &[
            Stretch {
                asked: "2025-01-13T23:59:00+01:00",
                answered: Some((bob, "2025-01-13T23:59:40+01:00")),
                released: Some("2025-01-14T00:09:00+01:00"),
            },
            Stretch {
                asked: "2025-01-15T09:00:00+01:00",
                answered: Some((bob, "2025-01-15T09:02:00+01:00")),
                released: None,
            },
            Stretch {
                asked: "2025-01-15T12:00:00+01:00",
                answered: Some((cid, "2025-01-15T12:00:20+01:00")),
                released: Some("2025-01-15T12:30:00+01:00"),
            },
        ],
    )
    .await;
    store.close().await;
}

fn metric<'a>(report: &'a Value, key: &str) -> &'a Value {
    let metrics = report["metrics"].as_array().unwrap();
    let found: Vec<&Value> = metrics.iter().filter(|m| m["key"] == key).collect();
    assert_eq!(found.len(), 1, "one metric {key}: {metrics:?}");
    found[0]
}

/// Support's report over the two Paris days, exactly.
fn assert_support(report: &Value) {
    assert_eq!(report["team"], "Support");
    assert_eq!(report["days_recorded"], 1, "only the 14th has typed figures");
    assert_eq!(report["missing_days"], json!(["2025-01-15"]), "the 15th has only the inbox's");
    assert_eq!(
        metric(report, "live_chats"),
        &json!({ "key": "live_chats", "name": "Live chats (inbox)", "kind": "count", "aggregate": "sum",
                 "total": 3.0, "average": 1.5, "days_recorded": 2, "automatic": true })
    );
    assert_eq!(
        metric(report, "first_response"),
        &json!({ "key": "first_response", "name": "First response (inbox)", "kind": "duration",
                 "aggregate": "average", "total": null, "average": 270.0, "days_recorded": 2, "automatic": true })
    );
    assert_eq!(
        metric(report, "resolution"),
        &json!({ "key": "resolution", "name": "Resolution (inbox)", "kind": "duration",
                 "aggregate": "average", "total": null, "average": 1020.0, "days_recorded": 2, "automatic": true })
    );
    assert_eq!(metric(report, "solved")["automatic"], false);
    assert_eq!(
        report["daily"],
        json!([
            { "date": "2025-01-14", "values": { "solved": 5.0 },
              "automatic": { "live_chats": 1.0, "first_response": 60.0, "resolution": 630.0 } },
            { "date": "2025-01-15", "values": {},
              "automatic": { "live_chats": 2.0, "first_response": 375.0, "resolution": 1800.0 } },
        ])
    );
    assert_eq!(
        report["operators"],
        json!([
            { "username": "ann", "live_chats": 2, "first_response": 345.0, "resolved": 2, "resolution": 1230.0 },
            { "username": "bob", "live_chats": 1, "first_response": 120.0, "resolved": 1, "resolution": 600.0 },
        ])
    );
    assert_eq!(report["automatic_shadowed"], json!([]));
}

fn assert_billing(report: &Value) {
    assert_eq!(report["team"], "Billing");
    assert_eq!(
        (metric(report, "live_chats")["total"].clone(), report["days_recorded"].clone()),
        (json!(1.0), json!(0))
    );
    assert_eq!(metric(report, "first_response")["average"], 20.0);
    assert_eq!(metric(report, "resolution")["average"], 1800.0);
    assert_eq!(
        report["operators"],
        json!([{ "username": "cid", "live_chats": 1, "first_response": 20.0, "resolved": 1, "resolution": 1800.0 }])
    );
}

#[tokio::test]
async fn the_api_gives_each_team_its_inbox_figures_by_paris_day_and_operator() {
    let app = TestApp::spawn_with(Options { tweak: in_paris, ..Options::default() }).await;
    seed(&app).await;
    let ann = app.token("ann", PASSWORD).await;
    assert_support(&app.get_json(&format!("/api/v1/team/stats?{RANGE}"), &ann).await);
    let cid = app.token("cid", PASSWORD).await;
    assert_billing(&app.get_json(&format!("/api/v1/team/stats?{RANGE}"), &cid).await);
    let boss = app.token("boss", PASSWORD).await;
    assert_billing(&app.get_json(&format!("/api/v1/team/stats?{RANGE}&team=Billing"), &boss).await);

    // The export carries them too.
    let csv = app
        .client
        .get(app.url(&format!("/api/v1/team/stats/export?{RANGE}&format=csv")))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with(",csat,comments_per_solve,live_chats,first_response,resolution"), "{csv}");
    assert!(lines[1].starts_with("2025-01-14,5,") && lines[1].ends_with(",1,60,630"), "{csv}");
    assert!(lines[2].ends_with(",2,375,1800"), "{csv}");

    // Nobody types them: not as a day's figure, not as a metric of one's own.
    let typed = app
        .client
        .put(app.url("/api/v1/team/stats/2025-01-14"))
        .bearer_auth(&ann)
        .json(&json!({ "live_chats": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status(), 400);
    let body: Value = typed.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("filled in automatically from the inbox"), "{body}");
    let defined = app
        .client
        .put(app.url("/api/v1/team/metrics"))
        .bearer_auth(&boss)
        .json(&json!({ "metrics": [
            { "key": "resolution", "name": "Resolution", "kind": "duration", "aggregate": "average" }
        ] }))
        .send()
        .await
        .unwrap();
    assert_eq!(defined.status(), 400);
}

#[tokio::test]
async fn the_team_page_shows_the_inbox_figures_marked_and_each_operator() {
    let app = TestApp::spawn_with(Options { tweak: in_paris, ..Options::default() }).await;
    seed(&app).await;
    let cookie = dashboard_session(&app, "ann", PASSWORD).await;
    let html = get(&app, &cookie, &format!("/team?{RANGE}")).await.text().await.unwrap();
    assert_eq!(cell(&html, "metrics", "live_chats", "total"), "3");
    assert_eq!(cell(&html, "metrics", "live_chats", "average"), "1.5");
    assert_eq!(cell(&html, "metrics", "live_chats", "days"), "2");
    assert_eq!(cell(&html, "metrics", "first_response", "average"), "4m 30s");
    assert_eq!(cell(&html, "metrics", "resolution", "average"), "17m");
    assert!(html.contains("data-row=\"live_chats\" data-automatic=\"inbox\""), "marked automatic");
    assert!(html.contains("<td>Live chats (inbox)</td>") && html.contains("id=\"automatic-note\""));
    assert_eq!(cell(&html, "operators", "ann", "live_chats"), "2");
    assert_eq!(cell(&html, "operators", "ann", "first_response"), "5m 45s");
    assert_eq!(cell(&html, "operators", "ann", "resolved"), "2");
    assert_eq!(cell(&html, "operators", "ann", "resolution"), "20m 30s");
    assert_eq!(cell(&html, "operators", "bob", "first_response"), "2m");
    assert_eq!(cell(&html, "operators", "bob", "resolution"), "10m");
    assert!(!html.contains("data-row=\"cid\""), "another team's operator");
    let warning = "Warning: no figures for 1 of 2 days: 2025-01-15 (one of them has only the inbox&#39;s figures, \
                   which are filled in automatically)";
    assert!(html.contains(warning), "{html}");
    let charts = chart_sources(&html);
    assert!(
        charts.contains(&"/charts/team/live_chats.svg?from=2025-01-14&to=2025-01-15&team=Support".to_owned()),
        "a chart of live chats: {charts:?}"
    );
    let chart = get(&app, &cookie, &format!("/charts/team/first_response.svg?{RANGE}")).await;
    assert_eq!(chart.status(), 200);

    let boss = dashboard_session(&app, "boss", PASSWORD).await;
    let html = get(&app, &boss, &format!("/team?{RANGE}&team=Billing")).await.text().await.unwrap();
    assert_eq!(cell(&html, "metrics", "live_chats", "total"), "1");
    assert_eq!(cell(&html, "operators", "cid", "first_response"), "20s");
    assert_eq!(cell(&html, "operators", "cid", "resolution"), "30m");
}

#[tokio::test]
async fn team_view_reads_the_inbox_figures_in_the_business_time_zone() {
    let app = TestApp::spawn_with(Options { tweak: in_paris, ..Options::default() }).await;
    seed(&app).await;
    let url = app.config.database_url.to_string();
    let view = move |zone: &'static str, team: &'static str, format: &'static str| {
        let url = url.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let ran = statbot(&["team", "view", "--team", team, "--from", "2025-01-14", "--to", "2025-01-15"])
                    .args(&["--format", format])
                    .database(&url)
                    .env("STATBOT_TIME_ZONE", zone)
                    .run();
                assert!(ran.status.success(), "{}", ran.stderr);
                ran.stdout
            })
            .await
            .unwrap()
        }
    };
    assert_support(&serde_json::from_str(&view("Europe/Paris", "Support", "json").await).unwrap());
    assert_billing(&serde_json::from_str(&view("Europe/Paris", "Billing", "json").await).unwrap());

    // In UTC the day boundary moves: ann's answer at 00:00:30 in Paris is the 14th's.
    let utc: Value = serde_json::from_str(&view("UTC", "Support", "json").await).unwrap();
    assert_eq!(utc["daily"][0]["automatic"]["live_chats"], 2.0);

    let csv = view("Europe/Paris", "Support", "csv").await;
    assert!(csv.lines().nth(2).unwrap().ends_with(",2,375,1800"), "{csv}");
    let table = view("Europe/Paris", "Support", "table").await;
    for line in ["Live chats (inbox)", "First response (inbox)", "4m 30s", "Resolution (inbox)", "17m"] {
        assert!(table.contains(line), "{line} in {table}");
    }
    let ann = table.lines().find(|l| l.contains("ann")).unwrap_or_else(|| panic!("ann in {table}"));
    for figure in ["2", "5m 45s", "20m 30s"] {
        assert!(ann.contains(figure), "{figure} in {ann}");
    }
    assert!(table.contains("(one of them has only the inbox's figures, which are filled in automatically)"), "{table}");
}
