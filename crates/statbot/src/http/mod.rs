//! The HTTP surface: the router, its shared state, and the server start-up that `statbot
//! serve` and the end-to-end tests both use.

mod accounts;
mod answers;
mod bot;
mod charts;
mod chat;
mod contacts;
mod dashboard;
pub mod datasets;
mod download;
pub mod error;
mod extract;
mod funnels;
mod health;
mod messenger;
mod sales;
mod shop;
mod team;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::datasets::Datasets;
use crate::engine::Engine;
use crate::funnels::Funnels;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub engine: Engine,
    pub funnels: Funnels,
    pub datasets: Datasets,
    pub teams: crate::team::Teams,
    pub tokens: TokenKeys,
    pub store_metrics: crate::stripe::StoreMetrics,
    pub shop: crate::shop::Shop,
}

/// Messenger deliveries are small; a megabyte leaves room for large batches.
const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/webhooks/messenger", get(messenger::verify).post(messenger::receive))
        .route("/chat", get(chat::page).post(chat::send))
        .merge(team::router())
        .merge(sales::router())
        .merge(shop::router())
        .merge(datasets::router())
        .merge(funnels::router())
        .merge(accounts::router())
        .merge(bot::router())
        .merge(contacts::router())
        .merge(dashboard::router())
        .merge(answers::router())
        .fallback(|| async { error::ApiError::NotFound("this page".into()) })
        .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // The matched route, not the raw path: low cardinality, and no query strings
            // (which could carry tokens) in the logs.
            let route = req
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "unmatched".into());
            tracing::info_span!("http", method = %req.method(), route)
        }))
        .with_state(state)
}
