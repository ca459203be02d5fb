//! The imported data sets over HTTP: the API under `/api/v1/datasets` (`api`: the sets, one
//! row's values, two rows compared), the dashboard's `/datasets` pages (`pages`) and the chart
//! of rows on a metric they show (`charts`). Every answer carries the set's attribution line
//! when it has one. The CLI prints sets and rows as the API's JSON does, with [`summary`] and
//! [`entity_json`].

mod api;
mod charts;
mod pages;

pub use api::{entity_json, summary};

use super::AppState;
use axum::Router;
use axum::routing::get;

/// The data set routes: the API, the pages and their chart.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/datasets", get(api::list))
        .route("/api/v1/datasets/{name}", get(api::describe))
        .route("/api/v1/datasets/{name}/entities/{key}", get(api::entity))
        .route("/api/v1/datasets/{name}/compare", get(api::compare))
        .merge(super::dashboard::pages(
            Router::new().route("/datasets", get(pages::list)).route("/datasets/{name}", get(pages::show)),
        ))
        .route("/charts/datasets/{file}", get(charts::chart))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::list, api::describe, api::entity, api::compare))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
