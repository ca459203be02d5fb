//! The dashboard: server-rendered pages for operators that work without JavaScript. Login
//! and logout (a session cookie, CSRF tokens on forms, the API's lockout rules), contacts, and
//! one contact's conversation. Tables link to their CSV and JSON downloads on the API, which
//! accepts the dashboard session for reading.

use super::AppState;
use super::error::ApiError;
use super::session::{self, Dashboard, LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_ok, set_cookie};
use crate::auth::{self, AuthError};
use crate::store::{Contact, LoggedMessage};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use statbot_core::Reply;

/// Contacts listed at most.
const CONTACTS_SHOWN: i64 = 100;
/// Messages of a conversation shown at most.
const MESSAGES_SHOWN: i64 = 200;

/// What the top bar needs.
pub(super) struct Nav {
    pub(super) username: String,
    pub(super) csrf: String,
}

impl Nav {
    pub(super) fn of(dashboard: &Dashboard) -> Nav {
        Nav { username: dashboard.session.user.username.clone(), csrf: dashboard.session.csrf.clone() }
    }
}

/// "no team is named `x`" -> "No team is named `x`": an error message as the start of a
/// sentence on a page.
pub(super) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    username: String,
}

/// The login page with a fresh double-submit token (in the form and in a cookie).
fn login_page(state: &AppState, status: StatusCode, error: Option<String>, username: String) -> Response {
    let csrf = random_token();
    let cookie = set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, "/login", 3600);
    (status, [(header::SET_COOKIE, cookie)], LoginPage { csrf, error, username }).into_response()
}

pub async fn login_form(State(state): State<AppState>) -> Response {
    login_page(&state, StatusCode::OK, None, String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub async fn login(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<LoginForm>) -> Response {
    let expected = session::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !csrf_ok(&form.csrf, expected) {
        let error = "The login form expired; please try again.".to_owned();
        return login_page(&state, StatusCode::FORBIDDEN, Some(error), form.username);
    }
    let store = state.engine.store();
    let user = match auth::login_operator(store, &state.config.auth, form.username.trim(), &form.password).await {
        Ok(user) => user,
        Err(AuthError::InvalidCredentials) => {
            let error = "Wrong username or password.".to_owned();
            return login_page(&state, StatusCode::UNAUTHORIZED, Some(error), form.username);
        }
        Err(AuthError::Locked { retry_after_secs }) => {
            let minutes = (retry_after_secs + 59) / 60;
            let error = format!("Too many failed logins: this account is locked for {minutes} more minute(s).");
            return login_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(error), form.username);
        }
        Err(AuthError::NotAnOperator) => {
            let error = "This is a shop account: the dashboard is for operators. The shop is at /shop.".to_owned();
            return login_page(&state, StatusCode::FORBIDDEN, Some(error), form.username);
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let ttl = state.config.auth.token_ttl_secs;
    let (token, _csrf) = match store.create_session(user.id, ttl as i64 * 1000).await {
        Ok(created) => created,
        Err(e) => return ApiError::from(e).into_response(),
    };
    tracing::info!(user_id = user.id, "dashboard login");
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    for cookie in
        [set_cookie(&state, SESSION_COOKIE, &token, "/", ttl), set_cookie(&state, LOGIN_CSRF_COOKIE, "", "/login", 0)]
    {
        if let Ok(value) = cookie.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, dashboard: Dashboard, Form(form): Form<CsrfForm>) -> Response {
    if !csrf_ok(&form.csrf, &dashboard.session.csrf) {
        return ApiError::Forbidden("the form's CSRF token is missing or wrong".into()).into_response();
    }
    if let Err(e) = state.engine.store().end_session(&dashboard.token).await {
        return ApiError::from(e).into_response();
    }
    let cookie = set_cookie(&state, SESSION_COOKIE, "", "/", 0);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

struct ContactRow {
    id: i64,
    name: String,
    platform: String,
    external_id: String,
    position: String,
    last_active: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/contacts.html")]
struct ContactsPage {
    nav: Nav,
    q: String,
    contacts: Vec<ContactRow>,
}

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

/// A moment in the reporting time zone, to the minute.
fn local_time(state: &AppState, at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_zoned(state.funnels.rules().time_zone.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn contact_row(state: &AppState, c: &Contact) -> ContactRow {
    ContactRow {
        id: c.id,
        name: c.display_name(),
        platform: c.platform.to_string(),
        external_id: c.external_id.clone(),
        position: c.position.as_ref().map(|p| format!("{} / {}", p.flow, p.step)).unwrap_or_default(),
        last_active: local_time(state, c.updated_at),
    }
}

pub async fn contacts(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Query(params): Query<SearchParams>,
) -> Result<Response, ApiError> {
    let found = state.engine.store().find_contacts(&params.q, CONTACTS_SHOWN).await?;
    let contacts = found.iter().map(|c| contact_row(&state, c)).collect();
    Ok(ContactsPage { nav: Nav::of(&dashboard), q: params.q, contacts }.into_response())
}

struct MessageRow {
    class: &'static str,
    text: String,
    at: String,
    status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/conversation.html")]
struct ConversationPage {
    nav: Nav,
    id: i64,
    name: String,
    platform: String,
    external_id: String,
    messages: Vec<MessageRow>,
}

/// What a reply looked like, in words.
pub fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::Text { text } => text.clone(),
        Reply::Buttons { text, buttons: choices } | Reply::QuickReplies { text, replies: choices } => {
            let titles: Vec<String> = choices.iter().map(|b| format!("[{}]", b.title)).collect();
            format!("{text}\n{}", titles.join(" "))
        }
        Reply::Image { url } => format!("(image {url})"),
    }
}

pub async fn conversation(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let store = state.engine.store();
    let contact = store.contact(id).await?.ok_or_else(|| ApiError::NotFound(format!("contact {id}")))?;
    let messages = store
        .conversation(id, MESSAGES_SHOWN)
        .await?
        .into_iter()
        .map(|m| match m {
            LoggedMessage::In { text, at } => {
                MessageRow { class: "in", text, at: local_time(&state, at), status: String::new() }
            }
            LoggedMessage::Out { reply, status, at } => {
                MessageRow { class: "out", text: reply_text(&reply), at: local_time(&state, at), status }
            }
        })
        .collect();
    Ok(ConversationPage {
        nav: Nav::of(&dashboard),
        id,
        name: contact.display_name(),
        platform: contact.platform.to_string(),
        external_id: contact.external_id,
        messages,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(upper_first("no team is named `x`"), "No team is named `x`");
        assert_eq!(upper_first(""), "");
    }
}
