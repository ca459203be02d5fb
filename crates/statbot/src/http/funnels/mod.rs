//! The flows' funnels over HTTP: the API's `/api/v1/funnels/{flow}` (`api`), the dashboard's
//! landing page `/` and `/flows/{flow}` page (`pages`), and the funnel and reveal charts they
//! show (`charts`). The reports are [`crate::funnels`]'s: contacts per step and button over a
//! range of days in the reporting time zone.

mod api;
mod charts;
mod pages;

use super::AppState;
use axum::Router;
use axum::routing::get;

/// The funnel routes: the API, the pages and their charts.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/funnels/{flow}", get(api::funnel))
        .merge(super::dashboard::pages(
            Router::new().route("/", get(pages::home)).route("/flows/{flow}", get(pages::flow)),
        ))
        .route("/charts/funnels/{file}", get(charts::funnel))
        .route("/charts/reveals/{file}", get(charts::reveals))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::funnel))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
