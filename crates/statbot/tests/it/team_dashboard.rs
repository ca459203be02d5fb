//! The team stats page over HTTP: figures recorded for a team are shown to its staff with
//! totals, ratios against their targets, the days with no figures and a chart per metric
//! (missing days marked); another team's staff are refused without seeing a figure, an admin
//! picks any team, bad dates are explained, and strangers are sent to the login page.

use crate::support::pages::{cell, chart_sources, dashboard_session, get};
use crate::support::*;
use jiff::civil::Date;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use statbot::store::{DayWrite, Role};
use statbot::team::Teams;

const PASSWORD: &str = "correct horse battery";

/// Five of seven days, with nothing on the third and the sixth. Totals: 150 solved, 50 chats,
/// 270 comments (1.80 per solve: on its target of 2 or less), 84 good and 6 bad ratings (CSAT
/// 93.3%: off its target of 95%).
const WEEK: [(i64, [f64; 5]); 5] = [
    (0, [40.0, 12.0, 70.0, 19.0, 1.0]),
    (1, [30.0, 10.0, 50.0, 20.0, 2.0]),
    (3, [25.0, 8.0, 45.0, 15.0, 1.0]),
    (4, [35.0, 11.0, 65.0, 18.0, 2.0]),
    (6, [20.0, 9.0, 40.0, 12.0, 0.0]),
];
const KEYS: [&str; 5] = ["solved", "chats", "comments", "csat_good", "csat_bad"];

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn days_after(start: Date, n: i64) -> Date {
    start.checked_add(jiff::Span::new().days(n)).unwrap()
}

/// Teams Support (with a week of figures starting `start`) and Billing (one day), and three
/// accounts: `lead` (Support staff), `biller` (Billing staff) and `boss` (admin).
async fn seed(app: &TestApp, start: Date) {
    let store = app.store().await;
    let teams = Teams::new(store.clone(), &app.config.team, jiff::tz::TimeZone::UTC);
    let support = teams.ensure("Support").await.unwrap();
    let billing = teams.ensure("Billing").await.unwrap();
    for (offset, values) in WEEK {
        let figures: Vec<(String, f64)> = KEYS.iter().map(|k| k.to_string()).zip(values).collect();
        teams.record(&support, days_after(start, offset), &figures, DayWrite::Replace, None).await.unwrap();
    }
    let billing_day = [("solved".to_owned(), 777.0)];
    teams.record(&billing, start, &billing_day, DayWrite::Replace, None).await.unwrap();
    for (name, role, team) in
        [("lead", Role::Staff, &support), ("biller", Role::Staff, &billing), ("boss", Role::Admin, &support)]
    {
        let id = statbot::auth::create_user(&store, name, role, PASSWORD).await.unwrap();
        store.set_user_team(id, team.id).await.unwrap();
    }
}

/// Logs in through the dashboard's form and returns the session cookie.
async fn session(app: &TestApp, username: &str) -> String {
    dashboard_session(app, username, PASSWORD).await
}

#[tokio::test]
async fn staff_see_their_team_with_totals_targets_missing_days_and_charts() {
    let app = TestApp::spawn().await;
    let start = days_after(today(), -20);
    let end = days_after(start, 6);
    seed(&app, start).await;
    let cookie = session(&app, "lead").await;

    let home = get(&app, &cookie, "/").await.text().await.unwrap();
    assert!(home.contains("<a href=\"/team\">Team</a>"), "the navigation links to the team page");

    let path = format!("/team?from={start}&to={end}");
    let response = get(&app, &cookie, &path).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Team Support</h1>"), "{html}");
    assert!(!html.contains("<select name=\"team\">"), "staff get no team picker");
    assert!(html.contains(&format!("{start} to {end}: 7 days, 5 with figures.")), "{html}");

    assert_eq!(cell(&html, "metrics", "solved", "total"), "150");
    assert_eq!(cell(&html, "metrics", "solved", "average"), "30.0");
    assert_eq!(cell(&html, "metrics", "solved", "days"), "5");
    assert_eq!(cell(&html, "metrics", "comments", "total"), "270");
    assert!(!html.contains("data-row=\"csat_percent\""), "a percent metric never recorded is left out");

    assert_eq!(cell(&html, "ratios", "csat", "value"), "93.3%");
    assert_eq!(cell(&html, "ratios", "csat", "target"), "95% or more");
    assert_eq!(cell(&html, "ratios", "csat", "status"), "✗ Off target");
    assert!(html.contains("class=\"target-off\""));
    assert_eq!(cell(&html, "ratios", "comments_per_solve", "value"), "1.80");
    assert_eq!(cell(&html, "ratios", "comments_per_solve", "target"), "2 or less");
    assert_eq!(cell(&html, "ratios", "comments_per_solve", "status"), "✓ On target");

    let (third, sixth) = (days_after(start, 2), days_after(start, 5));
    let warning = format!("Warning: no figures for 2 of 7 days: {third}, {sixth}");
    assert!(html.contains(&format!("id=\"missing-days\">{warning}<")), "{html}");

    let query = format!("from={start}&#38;to={end}&#38;team=Support");
    assert!(html.contains(&format!("href=\"/api/v1/team/stats/export?{query}&amp;format=csv\"")), "{html}");
    assert!(html.contains(&format!("href=\"/api/v1/team/stats/export?{query}&amp;format=json\"")));

    // A trend per ratio against its target (CSAT first), then a chart per metric with figures,
    // none for the percentage nobody recorded.
    let charts = chart_sources(&html);
    let ratios = ["ratios/csat", "ratios/comments_per_solve"];
    let expected: Vec<String> = ratios
        .iter()
        .chain(KEYS.iter())
        .map(|k| format!("/charts/team/{k}.svg?from={start}&to={end}&team=Support"))
        .collect();
    assert_eq!(charts, expected);
    assert!(html.contains("alt=\"Line chart: CSAT per day, Support. CSAT over 7 points"), "{html}");
    assert!(html.contains("Target: 95% or more marked at 95.0%."), "{html}");
    let csat = get(&app, &cookie, &charts[0]).await;
    assert_eq!(csat.status(), 200);
    let csat = csat.text().await.unwrap();
    assert!(csat.contains("\nTarget: 95% or more\n"), "the target in the legend: {csat}");
    assert!(csat.contains("93.3% over the range (from its totals)"), "the range's own CSAT: {csat}");
    let percents: Vec<f64> = csat.split("\n").filter_map(|line| line.strip_suffix('%')?.parse().ok()).collect();
    assert!(!percents.is_empty() && percents.iter().all(|p| *p <= 100.0), "the axis stops at 100 %: {percents:?}");
    let phone = get(&app, &cookie, &format!("{}&size=phone", charts[0])).await.text().await.unwrap();
    assert!(phone.starts_with("<svg width=\"340\" height=\"440\""));
    assert_eq!(get(&app, &cookie, "/charts/team/ratios/nope.svg").await.status(), 404);
    let png = get(&app, &cookie, &charts[0].replace(".svg?", ".png?")).await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()[CONTENT_TYPE], "image/png");
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let svg = get(&app, &cookie, &charts[0]).await;
    assert_eq!(svg.headers()[CONTENT_TYPE], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    assert!(svg.contains(&format!("No figures: {third}, {sixth}")), "the footnote names the missing days");
    assert_eq!(svg.matches("opacity=\"0.14\"").count(), 2, "a shaded band on each missing day");
    assert!(svg.contains(&format!("\n{start}\n")), "every day is on the axis");

    assert_eq!(get(&app, &cookie, "/charts/team/nope.png").await.status(), 404);
    assert_eq!(get(&app, &cookie, "/charts/team/solved.gif").await.status(), 404);
    assert_eq!(get(&app, &cookie, "/charts/team/solved.png?from=someday").await.status(), 400);

    // The default range is the last 7 days ending today.
    let html = get(&app, &cookie, "/team").await.text().await.unwrap();
    let week_ago = days_after(today(), -6);
    assert!(html.contains(&format!("name=\"from\" value=\"{week_ago}\"")), "{html}");
    assert!(html.contains(&format!("name=\"to\" value=\"{}\"", today())));
}

#[tokio::test]
async fn other_teams_are_refused_to_staff_and_open_to_admins() {
    let app = TestApp::spawn().await;
    let start = days_after(today(), -20);
    let end = days_after(start, 6);
    seed(&app, start).await;

    let biller = session(&app, "biller").await;
    let mine = get(&app, &biller, &format!("/team?from={start}&to={end}")).await.text().await.unwrap();
    assert_eq!(cell(&mine, "metrics", "solved", "total"), "777");
    let refused = get(&app, &biller, &format!("/team?from={start}&to={end}&team=Support")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Only admins can see another team&#39;s figures; your team is Billing."), "{refused}");
    for figures in ["id=\"metrics\"", "data-col=", "/charts/team/", "/api/v1/team/stats/export"] {
        assert!(!refused.contains(figures), "no figures when refused: {figures}");
    }
    let chart = get(&app, &biller, &format!("/charts/team/solved.png?from={start}&to={end}&team=Support")).await;
    assert_eq!(chart.status(), StatusCode::FORBIDDEN);
    // Their own team named in any case is theirs.
    assert_eq!(get(&app, &biller, "/team?team=billing").await.status(), 200);

    let boss = session(&app, "boss").await;
    let html = get(&app, &boss, &format!("/team?from={start}&to={end}&team=Billing")).await.text().await.unwrap();
    assert!(html.contains("<select name=\"team\">"), "admins pick the team");
    assert!(html.contains("<option value=\"Billing\" selected>Billing</option>"), "{html}");
    assert!(html.contains("<option value=\"Support\">Support</option>"));
    assert_eq!(cell(&html, "metrics", "solved", "total"), "777");
    let html = get(&app, &boss, &format!("/team?from={start}&to={end}&team=Support")).await.text().await.unwrap();
    assert_eq!(cell(&html, "metrics", "solved", "total"), "150");
    let chart = get(&app, &boss, &format!("/charts/team/solved.png?from={start}&to={end}&team=Billing")).await;
    assert_eq!(chart.status(), 200);

    let unknown = get(&app, &boss, "/team?team=Nobody").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown = unknown.text().await.unwrap();
    assert!(unknown.contains("No team is named “Nobody”."), "{unknown}");
    assert!(!unknown.contains("id=\"metrics\""));
}

#[tokio::test]
async fn bad_dates_are_explained_and_strangers_sent_to_log_in() {
    let app = TestApp::spawn().await;
    seed(&app, days_after(today(), -20)).await;
    for (path, login) in [
        ("/team", "/login?next=%2Fteam"),
        ("/team?team=Support", "/login?next=%2Fteam%3Fteam%3DSupport"),
        ("/charts/team/solved.png", "/login"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], login, "{path}");
    }

    let cookie = session(&app, "lead").await;
    let bad = get(&app, &cookie, "/team?from=2026-02-30&to=").await;
    assert_eq!(bad.status(), 200, "a bad date is said on the page, not a failure");
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("“2026-02-30” is not a date: write YYYY-MM-DD"), "{bad}");
    assert!(bad.contains("id=\"metrics\""), "the default range is shown instead");
    let backwards = get(&app, &cookie, "/team?from=2026-11-05&to=2026-11-01").await.text().await.unwrap();
    assert!(backwards.contains("The range starts (2026-11-05) after it ends (2026-11-01)."), "{backwards}");
}

/// The team page's day form: its CSRF token and team, and the page it is on.
async fn day_form(app: &TestApp, cookie: &str, path: &str) -> (String, String) {
    let html = get(app, cookie, path).await.text().await.unwrap();
    let form = &html[html.find("id=\"day-form\"").expect("the day form")..];
    let value = |name: &str| {
        let at = form.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        form[at..at + form[at..].find('"').unwrap()].to_owned()
    };
    (value("csrf"), value("team"))
}

async fn post_day(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url("/team/day")).header(reqwest::header::COOKIE, cookie).form(fields).send().await.unwrap()
}

#[tokio::test]
async fn a_day_is_recorded_from_the_page_with_the_terminal_checks() {
    let app = TestApp::spawn().await;
    let start = days_after(today(), -20);
    seed(&app, start).await;
    let cookie = session(&app, "lead").await;
    let (csrf, team) = day_form(&app, &cookie, "/team").await;
    assert_eq!(team, "Support");
    let day = days_after(today(), -2).to_string();

    // Figures the terminal refuses are refused with its sentences, the form kept.
    let refused = post_day(
        &app,
        &cookie,
        &[
            ("csrf", &csrf),
            ("team", &team),
            ("date", &day),
            ("solved", "forty"),
            ("chats", "12"),
            ("csat_good", "120%"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    let errors = &html[html.find("id=\"day-errors\"").expect("the errors")..];
    assert!(errors.contains("<li>Tickets solved: enter a whole number, 0 or more (e.g. 42).</li>"), "{errors}");
    assert!(errors.contains("<li>CSAT good ratings: a percentage is between 0 and 100, not 120.</li>"), "{errors}");
    assert!(html.contains("name=\"chats\" value=\"12\""), "what was typed is kept: {html}");
    let future = days_after(today(), 1).to_string();
    let html =
        post_day(&app, &cookie, &[("csrf", &csrf), ("date", &future), ("solved", "4")]).await.text().await.unwrap();
    assert!(html.contains(&format!("{future} is in the future; figures are recorded for today or earlier.")), "{html}");
    let teams = Teams::new(app.store().await, &app.config.team, jiff::tz::TimeZone::UTC);
    let support = teams.ensure("Support").await.unwrap();
    assert!(teams.day(&support, day.parse().unwrap()).await.unwrap().is_none(), "nothing saved");

    // Without the session's token, or for another team, nothing is saved either.
    let forged = post_day(&app, &cookie, &[("csrf", &"0".repeat(64)), ("date", &day), ("solved", "4")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let other = post_day(&app, &cookie, &[("csrf", &csrf), ("team", "Billing"), ("date", &day), ("solved", "4")]).await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);

    // A good day: saved (the day's CSAT as a percentage standing for its parts), and shown.
    let saved = post_day(
        &app,
        &cookie,
        &[("csrf", &csrf), ("team", &team), ("date", &day), ("solved", "40"), ("chats", "12"), ("csat_good", "96%")],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let location = saved.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/team?from=") && location.ends_with(&format!("&saved={day}")), "{location}");
    let html = get(&app, &cookie, &location).await.text().await.unwrap();
    assert!(html.contains(&format!("Saved the figures of {day}.")), "{html}");
    let recorded = teams.day(&support, day.parse().unwrap()).await.unwrap().expect("the day is saved");
    let values: Vec<(&str, f64)> = recorded.values.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(values, [("chats", 12.0), ("csat_percent", 96.0), ("solved", 40.0)]);
}
