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

#[tokio::test]
async fn downloads_write_times_in_the_business_time_zone_and_rates_to_four_decimals() {
    let app = TestApp::spawn_with(Options {
        tweak: |config| config.time_zone = Some("Asia/Tokyo".into()),
        ..Options::default()
    })
    .await;
    // Three contacts enter the flow, two go on to the offer: a rate of 2/3.
    for (psid, steps) in [("6920000000000001", 2), ("6920000000000002", 2), ("6920000000000003", 1)] {
        for (n, event) in [
            text_event(psid, &format!("m_{psid}_0"), "hi"),
            postback_event(psid, &format!("m_{psid}_1"), "coupon:show"),
        ]
        .iter()
        .take(steps)
        .enumerate()
        {
            assert_eq!(app.post_signed(event).await.status(), 200);
            app.wait_for_sent_to(psid, n + 1).await;
        }
    }
    let cookie = operator(&app).await;
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let local = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).unwrap().to_zoned(tokyo.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
    };
    let store = app.store().await;
    let contact =
        store.find_contact(statbot_core::Platform::Messenger, "6920000000000001").await.unwrap().expect("a contact");

    let contacts = get(&app, &cookie, "/api/v1/contacts?format=csv").await.text().await.unwrap();
    let line = contacts.lines().find(|l| l.contains("6920000000000001")).expect("the contact's line");
    assert!(
        line.ends_with(&format!(",{},{}", local(contact.created_at), local(contact.updated_at))),
        "times in the business time zone, not epoch milliseconds: {line}"
    );
    let messages =
        get(&app, &cookie, &format!("/api/v1/contacts/{}/messages?format=csv", contact.id)).await.text().await.unwrap();
    let first = messages.lines().nth(1).expect("a message");
    let at = first.split(',').next().unwrap();
    assert_eq!(at.len(), 19, "{first}");
    assert!(at.as_bytes()[10] == b' ' && !at.contains('T'), "{first}");

    let today = jiff::Timestamp::now().to_zoned(tokyo).date();
    let funnel = get(&app, &cookie, &format!("/api/v1/funnels/coupon?from={today}&to={today}&format=csv"))
        .await
        .text()
        .await
        .unwrap();
    let offer = funnel.lines().find(|l| l.contains(",offer,,")).expect("the offer step");
    assert!(offer.contains(",2,2,0.6667,0.6667,"), "rates to four decimals: {offer}");
    for cell in funnel.lines().flat_map(|l| l.split(',')).filter(|c| c.parse::<f64>().is_ok()) {
        let decimals = cell.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 4, "{cell} in {funnel}");
    }
}

#[tokio::test]
async fn a_contact_page_shows_the_charts_sent_the_coupon_and_the_way_back() {
    let app = TestApp::spawn().await;
    let psid = "6930000000000001";
    let journey = [("hi", false), ("coupon:show", true), ("coupon:reveal", true), ("Austin rent", false)];
    let mut sent = 0;
    for (n, (what, postback)) in journey.iter().enumerate() {
        let mid = format!("m_{psid}_{n}");
        let body = if *postback { postback_event(psid, &mid, what) } else { text_event(psid, &mid, what) };
        assert_eq!(app.post_signed(&body).await.status(), 200);
        sent = app.wait_for_sent_to(psid, sent + 1).await.len();
    }
    assert!(sent > 0);
    // The answer's chart comes after its text.
    let deadline = std::time::Instant::now() + WAIT;
    let chart_url = loop {
        let url = app.sent_to(psid).iter().find_map(|s| {
            s["message"]["attachment"]["payload"]["url"]
                .as_str()
                .filter(|u| u.contains("/charts/answers/"))
                .map(str::to_owned)
        });
        if let Some(url) = url {
            break url;
        }
        assert!(std::time::Instant::now() < deadline, "no chart sent: {:#?}", app.sent_to(psid));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let cookie = operator(&app).await;
    let contact = app.store().await.find_contact(statbot_core::Platform::Messenger, psid).await.unwrap().unwrap();

    let html = get(&app, &cookie, &format!("/contacts/{}", contact.id)).await.text().await.unwrap();
    assert!(html.contains("<a href=\"/contacts\">← All contacts</a>"), "the way back: {html}");
    assert!(!html.contains(&chart_url), "no long address instead of the picture: {html}");
    let img = html
        .split("<img class=\"sent\" ")
        .skip(1)
        .find(|img| img.contains("alt=\"A chart the bot sent\""))
        .expect("the chart as a picture");
    let src = img.strip_prefix("src=\"").and_then(|rest| rest.split('"').next()).unwrap().replace("&#38;", "&");
    assert!(src.starts_with("/charts/answers/"), "a path of this site: {src}");
    let png = get(&app, &cookie, &src).await;
    assert_eq!(png.status(), 200);
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let coupons = &html[html.find("id=\"coupons\"").expect("the coupons")..];
    let coupons = &coupons[..coupons.find("</section>").unwrap()];
    assert!(coupons.contains("Revealed SPRING-") && coupons.contains("flow “coupon”"), "{coupons}");
}
