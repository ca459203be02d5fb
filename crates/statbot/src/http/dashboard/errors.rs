//! Errors inside the dashboard as dashboard pages: a page route that fails (an unknown flow or
//! contact, an address it cannot read, a refusal, an internal error) answers an HTML page with
//! the top bar, a heading and the error as a sentence, with the same status, instead of the
//! API's JSON body. [`pages`] wraps a feature's page routes in the layer that does it; an
//! unknown address asked for by a browser gets the same page ([`not_found`]).
//!
//! The layer leaves a slot in the request that the [`super::Dashboard`] extractor fills with the
//! top bar of the session, so that the error page has it without looking the session up again.

use super::{Nav, session_of};
use crate::http::AppState;
use crate::http::error::{ApiError, ErrorMessage};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

/// Where the [`super::Dashboard`] extractor leaves the top bar for an error page.
#[derive(Clone, Default)]
pub(crate) struct NavSlot(Arc<Mutex<Option<Nav>>>);

impl NavSlot {
    pub(crate) fn fill(&self, nav: Nav) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(nav);
        }
    }

    fn take(&self) -> Option<Nav> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/error.html")]
struct ErrorPage {
    nav: Option<Nav>,
    heading: &'static str,
    message: String,
}

/// A feature's page routes, whose errors are answered as dashboard pages.
pub(crate) fn pages(routes: Router<AppState>) -> Router<AppState> {
    routes.route_layer(middleware::from_fn(as_pages))
}

/// Turns an error answer of a page route (anything but HTML with a status of 400 or more) into
/// the error page.
async fn as_pages(mut request: Request, next: Next) -> Response {
    let slot = NavSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !html {
            let message = response.extensions().get::<ErrorMessage>().map(|m| m.0.clone());
            let mut page = page(status, slot.take(), message).into_response();
            if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
                page.headers_mut().insert(header::RETRY_AFTER, retry_after.clone());
            }
            return page;
        }
    }
    response
}

/// The error page: a heading for the status, and the message as a sentence (or one for the
/// status, when the error has no message of ours).
fn page(status: StatusCode, nav: Option<Nav>, message: Option<String>) -> Response {
    let heading = match status {
        StatusCode::NOT_FOUND | StatusCode::GONE => "Not found",
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        s if s.is_server_error() => "Something went wrong",
        _ => "This address cannot be shown",
    };
    let message = match message {
        Some(message) => super::sentence(&message),
        None => match status {
            StatusCode::NOT_FOUND => "There is no such page in the dashboard.".to_owned(),
            s if s.is_server_error() => "Something went wrong on our side; it has been logged.".to_owned(),
            _ => "The dashboard cannot read this address; use the links above to find the page.".to_owned(),
        },
    };
    (status, ErrorPage { nav, heading, message }).into_response()
}

/// Whether a request is a browser asking for a page (not the API, an image or a script).
fn wants_page(headers: &HeaderMap, path: &str) -> bool {
    const NOT_PAGES: [&str; 6] = ["/api/", "/charts/", "/assets/", "/webhooks/", "/media/", "/healthz"];
    let html = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    html && !NOT_PAGES.iter().any(|p| path.starts_with(p))
}

/// The answer to an address no route has: a dashboard page for browsers (with the top bar
/// when they are logged in), the API's error otherwise.
pub(crate) async fn not_found(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if !wants_page(&parts.headers, parts.uri.path()) {
        return ApiError::NotFound("this page".into()).into_response();
    }
    let nav = match session_of(&parts, &state).await {
        Ok(Some(mut dashboard)) if dashboard.session.user.role.is_operator() => {
            dashboard.waiting = state.inbox.waiting(&dashboard.session.user).await.unwrap_or_default();
            Some(Nav::of(&dashboard))
        }
        _ => None,
    };
    page(StatusCode::NOT_FOUND, nav, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn browsers_asking_for_pages_get_pages() {
        let mut headers = HeaderMap::new();
        assert!(!wants_page(&headers, "/nope"), "no Accept: an API client");
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml"));
        assert!(wants_page(&headers, "/nope"));
        assert!(!wants_page(&headers, "/api/v1/nope"));
        assert!(!wants_page(&headers, "/charts/funnels/x.svg"));
    }
}
