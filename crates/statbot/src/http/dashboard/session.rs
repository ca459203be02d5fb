//! Dashboard sessions over HTTP: the session cookie (HttpOnly, SameSite=Lax, Secure when the
//! public URL is https), the extractor that requires one (or sends the browser to the login
//! page), and CSRF checks for forms.

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::store::Session;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

pub(super) const SESSION_COOKIE: &str = "statbot_session";
/// Double-submit token of the login form (there is no session yet to hold one).
pub(super) const LOGIN_CSRF_COOKIE: &str = "statbot_login_csrf";

pub(super) use crate::http::cookies::{cookie, set_cookie};

/// Whether a form's CSRF token is the expected one (compared in constant time).
pub(super) fn csrf_ok(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && sent.len() == expected.len() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// The session of a dashboard request, with its token.
pub(crate) struct Dashboard {
    pub(crate) token: String,
    pub(crate) session: Session,
}

/// The session named by the request's cookie, if it is live.
pub(crate) async fn session_of(parts: &Parts, state: &AppState) -> Result<Option<Dashboard>, crate::store::StoreError> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| t.len() == 64) else { return Ok(None) };
    Ok(state.engine.store().session(token).await?.map(|session| Dashboard { token: token.to_owned(), session }))
}

impl FromRequestParts<AppState> for Dashboard {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match session_of(parts, state).await {
            // Customers never get a dashboard session (login refuses them); this is the
            // second lock on the door.
            Ok(Some(dashboard)) if !dashboard.session.user.role.is_operator() => {
                Err(ApiError::Forbidden("the dashboard is for operator accounts".into()).into_response())
            }
            Ok(Some(dashboard)) => Ok(dashboard),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(ApiError::from(e).into_response()),
        }
    }
}
