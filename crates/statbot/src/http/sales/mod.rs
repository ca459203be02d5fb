//! The sales figures over HTTP (`crate::sales`, from the Stripe mirror): the API
//! under `/api/v1/stripe/*` (`api`), the dashboard's `/store` page (`page`) and its "Sync now"
//! button (`sync`), its charts under
//! `/charts/store/*` (`charts`), and what the page and charts are asked for (`request`). The
//! URLs keep their `stripe` and `store` names. The charts the bot sends with its sales answers
//! (`/charts/answers/store/*`) are served with its other answer charts.

mod api;
mod charts;
mod page;
mod request;
mod sync;

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The sales routes: the API, the page and its charts.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/stripe/revenue", get(api::revenue))
        .route("/api/v1/stripe/top-customers", get(api::top_customers))
        .route("/api/v1/stripe/words", get(api::words))
        .merge(super::dashboard::pages(
            Router::new().route("/store", get(page::page)).route("/store/sync", post(sync::sync_now)),
        ))
        .route("/charts/store/{file}", get(charts::chart))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::revenue, api::top_customers, api::words))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
