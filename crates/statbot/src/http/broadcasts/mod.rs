//! Broadcasts over HTTP: `GET /api/v1/broadcasts` and `GET /api/v1/broadcasts/{name}`
//! (operators), `POST /api/v1/broadcasts` (admins; `"preview": true` only previews) and
//! `POST /api/v1/broadcasts/{name}/pause|resume|cancel` (admins) in `api`; the dashboard's
//! `/broadcasts` and `/broadcasts/{name}` pages (every broadcast, one with its funnel) in `page`,
//! and `POST /broadcasts`, the admins' form creating one after its preview, in `form`.
//! What a broadcast is and does is [`crate::engine`]'s and [`crate::store`]'s.

mod api;
mod form;
mod page;

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The broadcasts' routes: the API and the pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/broadcasts", get(api::list).post(api::create))
        .route("/api/v1/broadcasts/{name}", get(api::show))
        .route("/api/v1/broadcasts/{name}/{action}", post(api::act))
        .merge(super::dashboard::pages(
            Router::new()
                .route("/broadcasts", get(page::list).post(form::create))
                .route("/broadcasts/{name}", get(page::show)),
        ))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::list, api::create, api::show, api::act))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
