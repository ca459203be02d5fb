//! The HTTP surface: the router that `statbot serve` ([`crate::app`]) and the end-to-end tests
//! both use, its shared state, and the layers every request goes through.
//!
//! Each feature is a folder whose `mod.rs` lists its routes in a `router()`, merged here: its API
//! (`api.rs`), its dashboard pages (`page.rs`/`pages.rs`), its charts (`charts.rs`) and what its
//! page and charts are asked for (`request.rs`), as it has them.
//!
//! - `accounts`: API tokens, `/api/v1/me`, operator accounts, chat link codes;
//! - `answers`: the charts the bot's answers link to (`/charts/answers/*`);
//! - `bot`: the loaded flows, the outbox, the flows' media;
//! - `chat`: the web chat at `/chat`; `messenger`: the Messenger webhook;
//! - `contacts`, `broadcasts`, `datasets`, `funnels` (with the landing page `/`), `team`;
//! - `links`: entry links (`m.me` URLs with a ref), their QR codes, `/links`, `/api/v1/links`;
//! - `sales`: the Stripe sales figures (`/api/v1/stripe/*`, `/store`, `/charts/store/*`);
//! - `shop`: the shop's API, the `/shop` storefront and the Stripe webhook;
//! - `dashboard`: the dashboard's session, login and logout, and what its pages share.
//!
//! Beside them, what the features share: `error` (errors as HTTP answers), `extract` (JSON
//! bodies, the operator and caller extractors), `download` (JSON or CSV) and `charts` (chart
//! images); `assets`, the pages' style sheets and scripts (`/assets/*`); `security_headers`, the
//! layer that puts the security headers on every answer (a Content-Security-Policy on pages);
//! `health`, the health check; `metrics`, `/metrics` and the layer that counts requests; and
//! `openapi`, the API document (`/api/v1/openapi.json`, made from each area's `openapi()`) and
//! its page (`/api/docs`).

mod accounts;
mod answers;
mod assets;
mod bot;
mod broadcasts;
mod charts;
mod chat;
pub(crate) mod client_ip;
mod contacts;
mod cookies;
mod dashboard;
pub mod datasets;
mod download;
pub mod error;
mod extract;
mod funnels;
mod health;
mod inbox;
mod links;
mod messenger;
pub mod metrics;
pub mod openapi;
mod sales;
mod security_headers;
mod shop;
mod team;

pub use chat::VisitorIds;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::datasets::Datasets;
use crate::engine::Engine;
use crate::funnels::Funnels;
use axum::Router;
use axum::extract::DefaultBodyLimit;
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
    pub sales: crate::sales::Sales,
    pub shop: crate::shop::Shop,
    pub limits: crate::limits::Limits,
    /// Signs the web chat's visitor cookies.
    pub visitor_ids: chat::VisitorIds,
    /// The live inbox: conversations a person takes over.
    pub inbox: crate::inbox::Inbox,
    /// The Prometheus metrics (`/metrics`).
    pub metrics: crate::telemetry::metrics::Metrics,
}

impl AppState {
    /// The business time zone, in which every page and download writes days and times.
    pub(crate) fn zone(&self) -> &jiff::tz::TimeZone {
        self.sales.zone()
    }
}

/// Messenger deliveries are small; a megabyte leaves room for large batches.
const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    // Every feature's routes, merged. Each path is in one feature's router, with all its methods;
    // the fallbacks come after the merges so that they cover every route.
    Router::new()
        .merge(health::router())
        .merge(metrics::router())
        .merge(assets::router())
        .merge(accounts::router())
        .merge(dashboard::router())
        .merge(funnels::router())
        .merge(links::router())
        .merge(contacts::router())
        .merge(broadcasts::router())
        .merge(datasets::router())
        .merge(team::router())
        .merge(sales::router())
        .merge(shop::router())
        .merge(bot::router())
        .merge(answers::router())
        .merge(chat::router())
        .merge(messenger::router())
        .merge(inbox::router())
        .merge(openapi::router())
        .fallback(dashboard::not_found)
        .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        // Live streams last as long as the page is open: added after the request timeout.
        .merge(inbox::streams())
        .merge(chat::streams())
        .layer(axum::middleware::from_fn(security_headers::add))
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
        // Outermost: it sees every answer, timeouts and refusals included.
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .with_state(state)
}
