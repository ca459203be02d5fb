//! `POST /webhooks/stripe`: Stripe's signed events about the shop's charges, which settle its
//! orders (the signature check and the events handled are `crate::shop::webhook`'s). A
//! redelivery changes nothing and is answered 200 with `duplicate`.

use crate::http::AppState;
use crate::http::error::{ApiError, JsonObject, Webhook};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};

/// `POST /webhooks/stripe`: a signed event from Stripe; 200 once handled (or seen before).
#[utoipa::path(
    post,
    path = "/webhooks/stripe",
    tag = "webhooks",
    summary = "A signed event from Stripe",
    request_body(
        content = String,
        content_type = "application/json",
        description = "The signed payload, checked byte for byte"
    ),
    responses(JsonObject, Webhook)
)]
pub(super) async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let handled = state.shop.handle_webhook(signature, &body).await?;
    Ok(Json(json!({ "received": true, "duplicate": handled.duplicate, "order_id": handled.order_id })))
}
