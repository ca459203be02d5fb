//! Team stats over HTTP: the API that records and reads a team's daily figures (`api`), the
//! dashboard's `/team` page (`page`) with its form for a day's figures (`day_form`), its
//! headline cards (`headlines`), its per-metric and per-ratio charts (`charts`), and what the
//! page and charts are asked for (`request`). Everyone works on their own team; admins may name
//! another.

mod api;
mod charts;
mod day_form;
mod headlines;
mod page;
mod request;

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The team routes: the API under `/api/v1/team*`, the page and its charts.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/teams", get(api::teams))
        .route("/api/v1/team/metrics", get(api::metrics).put(api::put_metrics))
        .route("/api/v1/team/stats", get(api::stats))
        .route("/api/v1/team/stats/export", get(api::export))
        .route("/api/v1/team/stats/{date}", get(api::day).put(api::put_day))
        .merge(super::dashboard::pages(
            Router::new().route("/team", get(page::page)).route("/team/day", post(day_form::save)),
        ))
        .route("/charts/team/{file}", get(charts::chart))
        .route("/charts/team/ratios/{file}", get(charts::ratio_chart))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::teams, api::metrics, api::put_metrics, api::stats, api::export, api::day, api::put_day))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
