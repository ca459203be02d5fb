//! Cookies of statbot's pages: reading one from a request, and writing one HttpOnly,
//! SameSite=Lax, and Secure whenever the public URL is https.

use super::AppState;
use axum::http::{HeaderMap, header};

/// The value of a cookie of the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value; `max_age_secs` 0 removes the cookie.
pub(crate) fn set_cookie(state: &AppState, name: &str, value: &str, path: &str, max_age_secs: u64) -> String {
    let secure = if state.config.public_url.starts_with("https://") { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}")
}
