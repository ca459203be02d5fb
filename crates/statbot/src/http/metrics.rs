//! `GET /metrics`: the Prometheus metrics ([`crate::telemetry::metrics`]) as OpenMetrics text,
//! and the layer that counts every HTTP request by method, matched route template and status.
//!
//! On the main listener `/metrics` answers only to `Authorization: Bearer <metrics.token>`
//! (compared in constant time; 401 with a JSON error otherwise), and 404 when no token is set.
//! [`separate_router`] serves it alone, without a token, on `metrics.addr`.

use super::AppState;
use super::error::{ApiError, GuardedNoInput};
use crate::store::Store;
use crate::telemetry::metrics::{CONTENT_TYPE, Metrics};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// `/metrics` on the main listener, behind the token.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape_with_token))
}

/// A router serving only `/metrics`, without a token, for `metrics.addr`.
pub fn separate_router(metrics: Metrics, store: Store) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state((metrics, store))
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "metrics",
    summary = "Prometheus metrics, behind metrics.token",
    responses(
        (status = 200, description = "The metrics in the Prometheus text format", content_type = "text/plain"),
        (status = 404, description = "Not found or not configured", body = crate::http::error::ErrorBody),
        GuardedNoInput
    )
)]
async fn scrape_with_token(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let expected = state.config.metrics.token.expose();
    if expected.is_empty() {
        return Err(ApiError::NotFound("metrics are not served here (metrics.token is not set)".into()));
    }
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .unwrap_or_default()
        .trim();
    if !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::Unauthorized("send the metrics token as `Authorization: Bearer <token>`".into()));
    }
    Ok(answer(state.metrics.scrape(state.engine.store()).await))
}

async fn scrape(State((metrics, store)): State<(Metrics, Store)>) -> Response {
    answer(metrics.scrape(&store).await)
}

fn answer(text: String) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// Counts the request by method, matched route template (`unmatched` for the fallback: raw
/// paths would make a series per URL) and status, and observes its duration.
pub(super) async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", |p| p.as_str());
    metrics.http_request(method.as_str(), route, response.status().as_u16(), started.elapsed());
    response
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(scrape_with_token))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
