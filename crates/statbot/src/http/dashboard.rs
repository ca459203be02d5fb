//! The dashboard: server-rendered pages for operators that work without JavaScript. Login
//! and logout (a session cookie, CSRF tokens on forms, the API's lockout rules), and what every
//! page shares: the top bar, error messages as sentences.

use super::AppState;
use super::error::ApiError;
use super::session::{self, Dashboard, LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_ok, set_cookie};
use crate::auth::{self, AuthError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(upper_first("no team is named `x`"), "No team is named `x`");
        assert_eq!(upper_first(""), "");
    }
}
