//! `/login` and `/logout` of the dashboard. The login form carries a double-submit CSRF token
//! (in the form and in a cookie); a login follows the API's lockout rules and refuses shop
//! accounts, sets the session cookie and opens the page that was asked for (`next`, a path of
//! this site only: never another site's address). A wrong password warns when the next one would lock
//! the name, and a locked name is told for how long (unknown names are counted and told alike).
//! Logout, a form with the session's CSRF token, ends the session and clears the cookie.

use super::session::{self, Dashboard, LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_ok, safe_next, set_cookie};
use crate::auth::{self, AuthError};
use crate::http::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::ApiError;
use crate::limits::{Limit, LimitError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    username: String,
    /// The page to open after logging in (checked by [`safe_next`]), or empty.
    next: String,
}

/// The login page with a fresh double-submit token (in the form and in a cookie).
fn login_page(state: &AppState, status: StatusCode, error: Option<String>, form: &LoginForm) -> Response {
    let csrf = random_token();
    let cookie = set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, "/login", 3600);
    let page = LoginPage { csrf, error, username: form.username.clone(), next: form.next().unwrap_or("").to_owned() };
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

#[derive(Deserialize, Default)]
pub(super) struct NextQuery {
    #[serde(default)]
    next: String,
}

pub(super) async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Response {
    let form = LoginForm { next: query.next, ..LoginForm::default() };
    login_page(&state, StatusCode::OK, None, &form)
}

#[derive(Deserialize, Default)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

impl LoginForm {
    /// The page to open after logging in, when it is one of this site's.
    fn next(&self) -> Option<&str> {
        safe_next(&self.next)
    }
}

pub(super) async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = session::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !csrf_ok(&form.csrf, expected) {
        let error = "The login form expired; please try again.".to_owned();
        return login_page(&state, StatusCode::FORBIDDEN, Some(error), &form);
    }
    match state.limits.hit(Limit::LoginsPerIp, &ip.subject()).await {
        Ok(()) => {}
        Err(LimitError::Exceeded(exceeded)) => {
            let mut page = login_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(exceeded.to_string()), &form);
            page.headers_mut().insert(header::RETRY_AFTER, exceeded.retry_after_secs.into());
            return page;
        }
        Err(e) => return ApiError::from(e).into_response(),
    }
    let store = state.engine.store();
    let user = match auth::login_operator(store, &state.config.auth, form.username.trim(), &form.password).await {
        Ok(user) => user,
        Err(AuthError::InvalidCredentials { tries_left }) => {
            let error = wrong_password(tries_left, state.config.auth.lockout_secs);
            return login_page(&state, StatusCode::UNAUTHORIZED, Some(error), &form);
        }
        Err(AuthError::Locked { retry_after_secs }) => {
            let error = format!(
                "Too many failed logins: this account is locked for {}.",
                auth::duration_words(retry_after_secs, true)
            );
            return login_page(&state, StatusCode::TOO_MANY_REQUESTS, Some(error), &form);
        }
        Err(AuthError::Busy { retry_after_secs }) => {
            let error = "The server is busy checking passwords; please try again in a moment.".to_owned();
            let mut page = login_page(&state, StatusCode::SERVICE_UNAVAILABLE, Some(error), &form);
            page.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            return page;
        }
        Err(AuthError::Disabled) => {
            let error = "This account is disabled; an admin can enable it again.".to_owned();
            return login_page(&state, StatusCode::FORBIDDEN, Some(error), &form);
        }
        Err(AuthError::NotAnOperator) => {
            let error = "This is a shop account: the dashboard is for operators. The shop is at /shop.".to_owned();
            return login_page(&state, StatusCode::FORBIDDEN, Some(error), &form);
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let ttl = state.config.auth.token_ttl_secs;
    let (token, _csrf) = match store.create_session(&user, ttl as i64 * 1000).await {
        Ok(created) => created,
        Err(e) => return ApiError::from(e).into_response(),
    };
    tracing::info!(user_id = user.id, "dashboard login");
    let mut response = Redirect::to(form.next().unwrap_or("/")).into_response();
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

/// The answer to a wrong password: with a warning before the try that locks the name, and the
/// lock's length once it is locked.
fn wrong_password(tries_left: i64, lockout_secs: u64) -> String {
    let lock = auth::duration_words(i64::try_from(lockout_secs).unwrap_or(i64::MAX), false);
    match tries_left {
        0 => format!("Wrong username or password. Too many failed logins: this account is locked for {lock}."),
        1 => format!("Wrong username or password. One more wrong password locks this account for {lock}."),
        _ => "Wrong username or password.".to_owned(),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn logout(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Form(form): Form<CsrfForm>,
) -> Response {
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
    fn the_try_before_the_lock_is_warned_and_the_lock_says_how_long() {
        assert_eq!(wrong_password(2, 900), "Wrong username or password.");
        assert_eq!(
            wrong_password(1, 900),
            "Wrong username or password. One more wrong password locks this account for 15 minutes."
        );
        assert_eq!(
            wrong_password(0, 900),
            "Wrong username or password. Too many failed logins: this account is locked for 15 minutes."
        );
    }
}
