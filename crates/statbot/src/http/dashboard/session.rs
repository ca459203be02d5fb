//! Dashboard sessions over HTTP: the session cookie (HttpOnly, SameSite=Lax, Secure when the
//! public URL is https), the extractor that requires one (or sends the browser to the login
//! page, which opens the page asked for afterwards), and CSRF checks for forms.

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::store::Session;
use axum::extract::FromRequestParts;
use axum::http::Method;
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
    /// Conversations waiting for a person in the operator's view, for the top bar's "Inbox"
    /// (counted by the extractor for pages; 0 elsewhere).
    pub(crate) waiting: i64,
}

impl Dashboard {
    /// Whether a form sent with this session carries its CSRF token.
    pub(crate) fn csrf_ok(&self, sent: &str) -> bool {
        csrf_ok(sent, &self.session.csrf)
    }
}

/// The session named by the request's cookie, if it is live.
pub(crate) async fn session_of(parts: &Parts, state: &AppState) -> Result<Option<Dashboard>, crate::store::StoreError> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| t.len() == 64) else { return Ok(None) };
    Ok(state.engine.store().session(token).await?.map(|session| Dashboard {
        token: token.to_owned(),
        session,
        waiting: 0,
    }))
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
            Ok(Some(mut dashboard)) => {
                // One count for the top bar; a chart image has none.
                if !parts.uri.path().starts_with("/charts/") {
                    dashboard.waiting = state
                        .inbox
                        .waiting(&dashboard.session.user)
                        .await
                        .map_err(|e| ApiError::from(e).into_response())?;
                }
                if let Some(slot) = parts.extensions.get::<super::errors::NavSlot>() {
                    slot.fill(super::Nav::of(&dashboard));
                }
                Ok(dashboard)
            }
            Ok(None) => Err(Redirect::to(&login_url(parts)).into_response()),
            Err(e) => Err(ApiError::from(e).into_response()),
        }
    }
}

/// The login page, asked to open the page requested afterwards (a page read, not a form sent
/// or a chart).
fn login_url(parts: &Parts) -> String {
    let Some(asked) = parts.uri.path_and_query().map(|p| p.as_str()) else { return "/login".into() };
    if parts.method != Method::GET || asked == "/" || asked.starts_with("/charts/") {
        return "/login".into();
    }
    let next: String = form_urlencoded::byte_serialize(asked.as_bytes()).collect();
    format!("/login?next={next}")
}

/// `next` when it is a path of this site to go to after logging in: one leading `/` (not `//`,
/// which a browser reads as another host), no backslash (some browsers read `/\` as `//`), no
/// control characters or spaces, and not the login page itself.
pub(crate) fn safe_next(next: &str) -> Option<&str> {
    let same_site = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        && next != "/login"
        && !next.starts_with("/login?");
    same_site.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_opened_after_login() {
        for good in ["/", "/flows/coupon?from=2026-11-01&to=2026-11-30", "/contacts/12", "/store"] {
            assert_eq!(safe_next(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/ /evil.example",
            "evil.example",
            "/login",
            "/login?next=/",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
