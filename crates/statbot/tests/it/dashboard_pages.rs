//! What every dashboard page shares (issue 22): errors inside the dashboard are pages with the
//! top bar and a sentence (never the API's JSON, never backticks), and the login opens the
//! page that was asked for, refusing any address that is not a path of this site.

use crate::support::pages::{cookie, dashboard_session, get};
use crate::support::*;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION};
use statbot::store::Role;

const PASSWORD: &str = "correct horse battery";

async fn operator(app: &TestApp) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
    dashboard_session(app, "lead", PASSWORD).await
}

/// The error page's message, after checking that it is a page with the top bar.
async fn error_page(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status, "{}", response.url());
    let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.contains("<header class=\"top\">") && html.contains("action=\"/logout\""), "the top bar: {html}");
    assert!(html.contains("href=\"/contacts\"") && html.contains("href=\"/store\""), "the links: {html}");
    let at = html.find("id=\"page-error\">").expect("the error's sentence") + 16;
    let message = html[at..at + html[at..].find('<').unwrap()].to_owned();
    assert!(!message.contains('`') && !message.contains("&#96;"), "no backticks: {message}");
    assert!(message.starts_with(char::is_uppercase), "a capital letter: {message}");
    message
}

#[tokio::test]
async fn errors_inside_the_dashboard_are_pages_with_the_top_bar() {
    let app = TestApp::spawn().await;
    let cookie = operator(&app).await;

    let flow = error_page(get(&app, &cookie, "/flows/nope").await, StatusCode::NOT_FOUND).await;
    assert_eq!(flow, "Flow “nope” not found.");
    let contact = error_page(get(&app, &cookie, "/contacts/999999").await, StatusCode::NOT_FOUND).await;
    assert_eq!(contact, "Contact 999999 not found.");
    let unreadable = error_page(get(&app, &cookie, "/contacts/abc").await, StatusCode::BAD_REQUEST).await;
    assert!(unreadable.contains("cannot read this address"), "{unreadable}");
    let dataset = error_page(get(&app, &cookie, "/datasets/nope").await, StatusCode::NOT_FOUND).await;
    assert_eq!(dataset, "There is no data set “nope”.");

    // An address no route has: a page for a browser, the API's error for the API.
    let browser = app
        .client
        .get(app.url("/flowz"))
        .header(COOKIE, &cookie)
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(error_page(browser, StatusCode::NOT_FOUND).await, "There is no such page in the dashboard.");
    let api = get(&app, &cookie, "/api/v1/nope").await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    // The API keeps its JSON errors, with the session too.
    let api_flow: serde_json::Value = get(&app, &cookie, "/api/v1/funnels/nope").await.json().await.unwrap();
    assert_eq!(api_flow["error"]["message"], "flow `nope` not found");

    // A bad range is said on the page as a sentence.
    let html = get(&app, &cookie, "/flows/coupon?from=2026-13-01").await.text().await.unwrap();
    assert!(html.contains("“2026-13-01” is not a date"), "{html}");
    assert!(!html.contains('`'), "no backticks on the page");
}

#[tokio::test]
async fn the_login_opens_the_page_asked_for_and_nothing_else() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();

    let asked = app.client.get(app.url("/flows/coupon?from=2026-11-01&to=2026-11-30")).send().await.unwrap();
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let login = asked.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(login, "/login?next=%2Fflows%2Fcoupon%3Ffrom%3D2026-11-01%26to%3D2026-11-30");

    // The login page carries `next` in its form, and the login goes there.
    let opened = log_in_from(&app, &login, "/flows/coupon?from=2026-11-01&to=2026-11-30").await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(opened.headers()[LOCATION], "/flows/coupon?from=2026-11-01&to=2026-11-30");
    // A wrong password keeps it for the next try.
    let form = app.client.get(app.url(&login)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("name=\"next\" value=\"/flows/coupon?from=2026-11-01&#38;to=2026-11-30\""), "{form}");

    // Other sites' addresses are never opened: the login goes to the flows instead.
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/login",
    ] {
        let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
        let form = app.client.get(app.url(&format!("/login?{query}"))).send().await.unwrap().text().await.unwrap();
        assert!(!form.contains("name=\"next\""), "{next} is not kept in the form");
        let opened = log_in_from(&app, &format!("/login?{query}"), next).await;
        assert_eq!(opened.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(opened.headers()[LOCATION], "/", "{next}");
    }
}

/// Opens a login page and posts its form with `next` as given (a forged form may say anything).
async fn log_in_from(app: &TestApp, login: &str, next: &str) -> reqwest::Response {
    let form = app.client.get(app.url(login)).send().await.unwrap();
    let login_cookie = cookie(&form, "statbot_login_csrf");
    let html = form.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..at + 64].to_owned();
    app.client
        .post(app.url("/login"))
        .header(COOKIE, login_cookie)
        .form(&[("username", "lead"), ("password", PASSWORD), ("csrf", &csrf), ("next", next)])
        .send()
        .await
        .unwrap()
}
