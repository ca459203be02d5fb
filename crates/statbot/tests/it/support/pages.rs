//! The dashboard as a browser without JavaScript sees it: log in through the form (its CSRF
//! double-submit cookie included; or just post it and read the answer), get pages with the
//! session cookie, and read a table cell, a headline card or the chart images of a page.

use super::TestApp;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

/// Logs in through the dashboard's form and returns the session cookie (`name=value`).
pub async fn dashboard_session(app: &TestApp, username: &str, password: &str) -> String {
    let response = post_login(app, username, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} logs in");
    cookie(&response, "statbot_session")
}

/// Opens the login form and posts it (with its CSRF double-submit cookie); the answer.
pub async fn post_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    let form = app.client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = cookie(&form, "statbot_login_csrf");
    let html = form.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &html[at..at + 64];
    app.client
        .post(app.url("/login"))
        .header(COOKIE, login_cookie)
        .form(&[("username", username), ("password", password), ("csrf", csrf)])
        .send()
        .await
        .unwrap()
}

/// The `name=value` pair of a cookie the response sets.
pub fn cookie(response: &reqwest::Response, name: &str) -> String {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .find(|pair| pair.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// GETs a path with the session cookie.
pub async fn get(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header(COOKIE, cookie).send().await.unwrap()
}

/// The text of the cell `data-col` in the row `data-row` of the table `id`.
pub fn cell(html: &str, table: &str, row: &str, col: &str) -> String {
    let table_at = html.find(&format!("id=\"{table}\"")).unwrap_or_else(|| panic!("no table {table}"));
    let row_at =
        table_at + html[table_at..].find(&format!("data-row=\"{row}\"")).unwrap_or_else(|| panic!("no row {row}"));
    let marker = format!("data-col=\"{col}\"");
    let col_at = row_at + html[row_at..].find(&marker).unwrap() + marker.len();
    let text_at = col_at + html[col_at..].find('>').unwrap() + 1;
    html[text_at..text_at + html[text_at..].find('<').unwrap()].to_owned()
}

/// The text of `data-col` (`value`, `change`, `previous`) of the headline card `key`.
pub fn card(html: &str, key: &str, col: &str) -> String {
    let at = html.find(&format!("data-card=\"{key}\"")).unwrap_or_else(|| panic!("no card {key}"));
    let marker = format!("data-col=\"{col}\"");
    let col_at = at + html[at..].find(&marker).unwrap() + marker.len();
    let text_at = col_at + html[col_at..].find('>').unwrap() + 1;
    html[text_at..text_at + html[text_at..].find('<').unwrap()].to_owned()
}

/// The sources of the page's chart images, unescaped.
pub fn chart_sources(html: &str) -> Vec<String> {
    html.split("<img class=\"chart\" src=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().replace("&#38;", "&"))
        .collect()
}
