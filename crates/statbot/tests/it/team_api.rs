//! The team stats API on the real server: a day written with PUT and read back, a range with
//! totals, averages, ratios and missing days, exports, metric definitions, bad input answered
//! in the error format, and teams kept apart (a team cannot read another's figures; admins can).

use crate::support::*;
use reqwest::Response;
use serde_json::{Value, json};

/// Creates an account through the admin API and returns its token.
async fn account(app: &TestApp, admin_token: &str, name: &str, role: &str, team: &str) -> String {
    let created = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(admin_token)
        .json(&json!({ "username": name, "password": "correct horse battery", "role": role, "team": team }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["team"], team);
    app.token(name, "correct horse battery").await
}

async fn admin(app: &TestApp) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, "root", statbot::store::Role::Admin, "correct horse battery").await.unwrap();
    app.token("root", "correct horse battery").await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> Response {
    app.client.put(app.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

async fn error_of(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    body["error"].clone()
}

#[tokio::test]
async fn days_are_written_and_ranges_read_with_ratios_from_their_parts() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let lead = account(&app, &root, "lead", "staff", "Support").await;

    let first = put(
        &app,
        &lead,
        "/api/v1/team/stats/2025-05-05",
        json!({ "solved": 10, "comments": 40, "csat_good": 1, "csat_bad": 1 }),
    )
    .await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!((first["team"].clone(), first["replaced"].clone()), (json!("Support"), json!(false)));
    let second = put(
        &app,
        &lead,
        "/api/v1/team/stats/2025-05-06",
        json!({ "solved": 30, "comments": "30", "csat_good": 98, "csat_bad": 0 }),
    )
    .await;
    assert_eq!(second.status(), 200);
    // PUT replaces the whole day.
    let again = put(&app, &lead, "/api/v1/team/stats/2025-05-07", json!({ "solved": 5, "chats": 3 })).await;
    assert_eq!(again.status(), 200);
    let again: Value =
        put(&app, &lead, "/api/v1/team/stats/2025-05-07", json!({ "chats": 4 })).await.json().await.unwrap();
    assert_eq!(again["replaced"], true);
    let day: Value = get(&app, &lead, "/api/v1/team/stats/2025-05-07").await.json().await.unwrap();
    assert_eq!(day["values"], json!({ "chats": 4.0 }));

    let report: Value =
        get(&app, &lead, "/api/v1/team/stats?from=2025-05-05&to=2025-05-08").await.json().await.unwrap();
    assert_eq!(report["team"], "Support");
    assert_eq!(report["days"], 4);
    assert_eq!(report["days_recorded"], 3);
    assert_eq!(report["missing_days"], json!(["2025-05-08"]));
    let solved = &report["metrics"][0];
    assert_eq!(
        (solved["key"].clone(), solved["total"].clone(), solved["average"].clone()),
        (json!("solved"), json!(40.0), json!(20.0))
    );
    let csat = &report["ratios"][0];
    // 99 good ratings of 100: 99 %, not the 74.5 % mean of the daily ratios.
    assert_eq!(
        (csat["value"].clone(), csat["target"].clone(), csat["on_target"].clone()),
        (json!(99.0), json!(95.0), json!(true))
    );
    let per_solve = &report["ratios"][1];
    assert_eq!(per_solve["value"], 70.0 / 40.0);
    assert_eq!(report["daily"].as_array().unwrap().len(), 3);

    // `days` counts extra days after `from`.
    let one_day: Value = get(&app, &lead, "/api/v1/team/stats?from=2025-05-06&days=0").await.json().await.unwrap();
    assert_eq!((one_day["days"].clone(), one_day["to"].clone()), (json!(1), json!("2025-05-06")));

    let csv = get(&app, &lead, "/api/v1/team/stats/export?from=2025-05-05&to=2025-05-08&format=csv").await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("support-2025-05-05-to-2025-05-08.csv"));
    assert_eq!(
        csv.text().await.unwrap(),
        "date,solved,chats,comments,csat_good,csat_bad,csat_percent,csat,comments_per_solve,\
         live_chats,first_response,resolution\r\n\
         2025-05-05,10,,40,1,1,,50,4,,,\r\n\
         2025-05-06,30,,30,98,0,,100,1,,,\r\n\
         2025-05-07,,4,,,,,,,,,\r\n\
         2025-05-08,,,,,,,,,,,\r\n",
        "a column per metric, then the day's ratios, then the inbox's figures"
    );
    let json_export: Value = get(&app, &lead, "/api/v1/team/stats/export?from=2025-05-05&to=2025-05-06&format=json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json_export["daily"][1]["values"]["csat_good"], 98.0);
}

#[tokio::test]
async fn bad_input_is_answered_in_the_error_format() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let cases = [
        ("/api/v1/team/stats/2025-02-30", json!({ "solved": 1 }), "is not a date"),
        ("/api/v1/team/stats/2999-01-01", json!({ "solved": 1 }), "in the future"),
        ("/api/v1/team/stats/2025-01-01", json!({ "sold": 1 }), "no metric `sold`"),
        ("/api/v1/team/stats/2025-01-01", json!({ "solved": 1.5 }), "whole number"),
        ("/api/v1/team/stats/2025-01-01", json!({ "csat": "120%" }), "between 0 and 100"),
        ("/api/v1/team/stats/2025-01-01", json!({ "solved": [1] }), "give a number or a text"),
        ("/api/v1/team/stats/2025-01-01", json!({}), "no figures given"),
    ];
    for (path, body, message) in cases {
        let error = error_of(put(&app, &root, path, body.clone()).await, 400).await;
        assert_eq!(error["code"], "bad_request", "{body}");
        assert!(error["message"].as_str().unwrap().contains(message), "{body}: {error}");
    }
    let not_json = app
        .client
        .put(app.url("/api/v1/team/stats/2025-01-01"))
        .bearer_auth(&root)
        .body("solved=4")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(not_json, 400).await["code"], "invalid_json");
    let error = error_of(get(&app, &root, "/api/v1/team/stats?from=2025-05-09&to=2025-05-01").await, 400).await;
    assert!(error["message"].as_str().unwrap().contains("after it ends"));
    let error = error_of(get(&app, &root, "/api/v1/team/stats/export?format=xml").await, 400).await;
    assert!(error["message"].as_str().unwrap().contains("json or csv"));
    let error = error_of(get(&app, &root, "/api/v1/team/stats/2025-01-01").await, 404).await;
    assert!(error["message"].as_str().unwrap().contains("has no figures for 2025-01-01"));
    // No token, no figures.
    let anonymous = app.client.get(app.url("/api/v1/team/stats")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let anonymous =
        app.client.put(app.url("/api/v1/team/stats/2025-01-01")).json(&json!({ "solved": 1 })).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn teams_are_kept_apart_and_admins_see_every_team() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let support = account(&app, &root, "sam", "staff", "Support").await;
    let billing = account(&app, &root, "bea", "staff", "Billing").await;
    assert_eq!(put(&app, &support, "/api/v1/team/stats/2025-05-05", json!({ "solved": 11 })).await.status(), 200);
    assert_eq!(put(&app, &billing, "/api/v1/team/stats/2025-05-05", json!({ "solved": 22 })).await.status(), 200);

    let own: Value = get(&app, &billing, "/api/v1/team/stats?from=2025-05-05&days=0").await.json().await.unwrap();
    assert_eq!((own["team"].clone(), own["metrics"][0]["total"].clone()), (json!("Billing"), json!(22.0)));
    // Billing cannot read or write Support's figures, by any route.
    for path in [
        "/api/v1/team/stats?from=2025-05-05&days=0&team=Support",
        "/api/v1/team/stats/2025-05-05?team=support",
        "/api/v1/team/stats/export?from=2025-05-05&to=2025-05-05&team=Support",
        "/api/v1/team/metrics?team=Support",
    ] {
        let error = error_of(get(&app, &billing, path).await, 403).await;
        assert_eq!(error["code"], "forbidden", "{path}");
    }
    let error =
        error_of(put(&app, &billing, "/api/v1/team/stats/2025-05-05?team=Support", json!({ "solved": 0 })).await, 403)
            .await;
    assert_eq!(error["code"], "forbidden");
    let teams: Value = get(&app, &billing, "/api/v1/teams").await.json().await.unwrap();
    assert_eq!(teams["teams"].as_array().unwrap().len(), 1);

    // The admin reads any team by name, and lists them all.
    let theirs: Value =
        get(&app, &root, "/api/v1/team/stats?from=2025-05-05&days=0&team=support").await.json().await.unwrap();
    assert_eq!((theirs["team"].clone(), theirs["metrics"][0]["total"].clone()), (json!("Support"), json!(11.0)));
    let teams: Value = get(&app, &root, "/api/v1/teams").await.json().await.unwrap();
    let names: Vec<&str> = teams["teams"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Billing", "Support"]);
    let error = error_of(get(&app, &root, "/api/v1/team/stats?team=Nobody").await, 404).await;
    assert!(error["message"].as_str().unwrap().contains("no team is named `Nobody`"));
}

#[tokio::test]
async fn admins_define_a_team_s_metrics_and_staff_cannot() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let lead = account(&app, &root, "lead", "staff", "Phones").await;
    let defaults: Value = get(&app, &lead, "/api/v1/team/metrics").await.json().await.unwrap();
    assert_eq!(defaults["metrics"][0]["key"], "solved");
    assert_eq!(defaults["ratios"][1]["target"], 2.0);

    let definition = json!({
        "metrics": [
            { "key": "calls", "name": "Calls answered", "kind": "count", "aggregate": "sum" },
            { "key": "handle_time", "name": "Average handle time", "kind": "duration", "aggregate": "average" },
            { "key": "missed", "name": "Calls missed", "kind": "count", "aggregate": "sum" }
        ],
        "ratios": [
            { "key": "answer_rate", "name": "Answer rate", "numerator": ["calls"], "denominator": ["calls", "missed"], "percent": true, "target": 90 }
        ]
    });
    let refused = error_of(put(&app, &lead, "/api/v1/team/metrics", definition.clone()).await, 403).await;
    assert_eq!(refused["code"], "forbidden");
    let mut broken = definition.clone();
    broken["ratios"][0]["denominator"] = json!(["handle_time"]);
    let error = error_of(put(&app, &root, "/api/v1/team/metrics?team=Phones", broken).await, 400).await;
    assert!(error["message"].as_str().unwrap().contains("averaged"), "{error}");
    let defined = put(&app, &root, "/api/v1/team/metrics?team=Phones", definition).await;
    assert_eq!(defined.status(), 200);

    assert_eq!(
        put(&app, &lead, "/api/v1/team/stats/2025-05-05", json!({ "calls": 45, "missed": 5, "handle_time": "4m 30s" }))
            .await
            .status(),
        200
    );
    assert_eq!(
        put(&app, &lead, "/api/v1/team/stats/2025-05-06", json!({ "calls": 40, "missed": 10, "handle_time": 330 }))
            .await
            .status(),
        200
    );
    let report: Value =
        get(&app, &lead, "/api/v1/team/stats?from=2025-05-05&to=2025-05-06").await.json().await.unwrap();
    assert_eq!(report["metrics"][1]["average"], 300.0);
    assert_eq!(report["metrics"][1]["total"], Value::Null);
    assert_eq!(report["ratios"][0]["value"], 85.0);
    assert_eq!(report["ratios"][0]["on_target"], false);
}
