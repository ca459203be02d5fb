//! The bot itself over HTTP: its loaded flows and its outbox for operators (`api`), and the
//! images the flows ship with, which Messenger fetches by URL (`media`). The channels it talks
//! on are `messenger` and `chat`; how contacts go through the flows is `funnels`.

mod api;
mod media;

use super::AppState;
use axum::Router;
use axum::routing::get;

/// The bot's routes: its flows and outbox on the API, and its media.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/flows", get(api::flows))
        .route("/api/v1/outbox", get(api::outbox))
        .route("/media/{flow}/{file}", get(media::media))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::flows, api::outbox))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
