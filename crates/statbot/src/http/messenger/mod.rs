//! The Messenger webhook: `GET` answers Facebook's verification challenge; `POST` checks the
//! `X-Hub-Signature-256` of the raw body, stores every message of the delivery durably, answers
//! 200, and leaves the acting to the processor. Redeliveries are stored once (unique message id).
//! Instagram deliveries (`object: "instagram"`) come to the same URL, signed by the same app
//! secret, and are kept only when `messenger.instagram_account_id` names their account.

mod data_deletion;

use super::AppState;
use super::error::{ApiError, JsonObject, Webhook};
use crate::channels::messenger::{Accounts, Events, parse_delivery_for, signature, verify_subscription};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use serde::Deserialize;
use statbot_core::Platform;

/// The webhook Facebook calls: `GET` to verify it, `POST` to deliver.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/webhooks/messenger", get(verify).post(receive)).merge(data_deletion::router())
}

#[derive(Deserialize)]
struct Verification {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

#[utoipa::path(
    get,
    path = "/webhooks/messenger",
    tag = "webhooks",
    summary = "Messenger's webhook verification (hub.challenge)",
    params(
        ("mode" = Option<String>, Query),
        ("verify_token" = Option<String>, Query),
        ("challenge" = Option<String>, Query)
    ),
    responses(
        (status = 200, description = "Plain text", content_type = "text/plain"),
        (status = 404, description = "Not found or not configured", body = crate::http::error::ErrorBody),
        Webhook
    )
)]
async fn verify(State(state): State<AppState>, Query(q): Query<Verification>) -> Result<String, ApiError> {
    let expected = state.config.messenger.verify_token.expose();
    if expected.is_empty() {
        return Err(ApiError::NotConfigured("the Messenger channel is not configured".into()));
    }
    verify_subscription(q.mode.as_deref(), q.verify_token.as_deref(), q.challenge.as_deref(), expected)
        .ok_or_else(|| ApiError::Forbidden("the verify token does not match".into()))
}

#[utoipa::path(
    post,
    path = "/webhooks/messenger",
    tag = "webhooks",
    summary = "Messenger's signed deliveries",
    request_body(
        content = String,
        content_type = "application/json",
        description = "The signed payload, checked byte for byte"
    ),
    responses(
        JsonObject,
        (status = 404, description = "Not found or not configured", body = crate::http::error::ErrorBody),
        Webhook
    )
)]
async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, &'static str), ApiError> {
    let metrics = &state.metrics;
    let body = body.map_err(|e| {
        metrics.webhook_delivery(UNKNOWN, "too_large");
        ApiError::PayloadTooLarge(e.body_text())
    })?;
    let secret = state.config.messenger.app_secret.expose();
    if secret.is_empty() {
        metrics.webhook_delivery(UNKNOWN, "not_configured");
        return Err(ApiError::NotConfigured("the Messenger channel is not configured".into()));
    }
    let header = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    if let Err(e) = signature::verify(secret, &body, header) {
        metrics.webhook_delivery(UNKNOWN, "invalid_signature");
        tracing::warn!(reason = %e, "webhook delivery refused");
        return Err(ApiError::InvalidSignature);
    }
    let accounts = Accounts {
        page_id: &state.config.messenger.page_id,
        instagram_account_id: &state.config.messenger.instagram_account_id,
    };
    let events = parse_delivery_for(&body, accounts).map_err(|e| {
        metrics.webhook_delivery(UNKNOWN, "invalid_body");
        ApiError::InvalidJson(e.to_string())
    })?;
    let channel = channel_of(&events);
    if !events.messages.is_empty() || !events.receipts.is_empty() {
        let (received, receipts) = (events.messages.len(), events.receipts.len());
        let stored = state.engine.ingest(events.messages, events.receipts).await.inspect_err(|_| {
            metrics.webhook_delivery(channel, "store_error");
        })?;
        let fresh = stored.iter().filter(|s| s.inbound_id.is_some()).count();
        tracing::debug!(received, fresh, receipts, "webhook delivery stored");
    }
    metrics.webhook_delivery(channel, "accepted");
    Ok((StatusCode::OK, "EVENT_RECEIVED"))
}

/// The channel label of a delivery refused before its body was read.
const UNKNOWN: &str = "unknown";

/// The channel label of a delivery: that of its first message or receipt (a delivery is all
/// Page or all Instagram), `unknown` when it carries neither.
fn channel_of(events: &Events) -> &'static str {
    let platform = events.messages.first().map(|m| m.platform).or_else(|| events.receipts.first().map(|r| r.platform));
    match platform {
        Some(Platform::Instagram) => "instagram",
        Some(Platform::Messenger) => "messenger",
        Some(_) | None => UNKNOWN,
    }
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(verify, receive))]
    struct Doc;
    let mut doc = <Doc as utoipa::OpenApi>::openapi();
    doc.merge(data_deletion::openapi());
    doc
}
