//! Team stats over HTTP: the API that records and reads a team's daily figures (`api`), the
//! dashboard's `/team` page (`page`), its per-metric and per-ratio charts (`charts`), and what
//! the page and charts are asked for (`request`). Everyone works on their own team; admins may
//! name another.

mod api;
mod charts;
mod page;
mod request;

use super::AppState;
use axum::Router;
use axum::routing::get;

/// The team routes: the API under `/api/v1/team*`, the page and its charts.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/teams", get(api::teams))
        .route("/api/v1/team/metrics", get(api::metrics).put(api::put_metrics))
        .route("/api/v1/team/stats", get(api::stats))
        .route("/api/v1/team/stats/export", get(api::export))
        .route("/api/v1/team/stats/{date}", get(api::day).put(api::put_day))
        .route("/team", get(page::page))
        .route("/charts/team/{file}", get(charts::chart))
        .route("/charts/team/ratios/{file}", get(charts::ratio_chart))
}
