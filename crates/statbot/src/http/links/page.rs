//! `/links`: every entry link as a card with its QR code (the SVG, with PNG and SVG downloads),
//! its URL with a copy button, where it leads, and what it brought (entries, conversions).

use crate::http::AppState;
use crate::http::dashboard::{Dashboard, Nav};
use crate::http::error::ApiError;
use crate::links::{self, LinkSummary};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/links.html")]
struct LinksPage {
    nav: Nav,
    links: Vec<LinkSummary>,
    /// How to name the Page, when it is not named (the links have no URL yet).
    no_page: Option<String>,
    window_days: i64,
}

pub(super) async fn links(State(state): State<AppState>, dashboard: Dashboard) -> Result<Response, ApiError> {
    let links = links::summaries(&state.funnels, state.engine.store(), &state.config.messenger).await?;
    let no_page = links::page(&state.config.messenger)
        .is_none()
        .then(|| crate::http::dashboard::sentence(&links::LinkError::NoPage.to_string()));
    Ok(LinksPage { nav: Nav::of(&dashboard), links, no_page, window_days: state.config.funnels.window_days }
        .into_response())
}
