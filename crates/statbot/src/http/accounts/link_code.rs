//! `POST /api/v1/me/link-code`: an operator gets a one-time code that links a chat to their
//! own account (see `crate::staff`). The answer carries a secret, so it is never cached.

use crate::http::AppState;
use crate::http::error::{ApiError, GuardedNoInput, JsonCreated};
use crate::http::extract::Operator;
use crate::limits::Limit;
use crate::staff;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

#[utoipa::path(
    post,
    path = "/api/v1/me/link-code",
    tag = "accounts",
    summary = "A one-time code that links the caller's chat to their account",
    security(("bearer" = [])),
    responses(JsonCreated, GuardedNoInput)
)]
pub(super) async fn link_code(
    State(state): State<AppState>,
    operator: Operator,
) -> Result<(StatusCode, [(header::HeaderName, &'static str); 1], Json<Value>), ApiError> {
    state.limits.hit(Limit::LinkCodesPerAccount, &operator.claims.sub.to_string()).await?;
    let issued = staff::issue_code(state.engine.store(), operator.claims.sub, staff::DEFAULT_TTL).await?;
    let body = json!({
        "code": issued.code.to_string(),
        "send": format!("link {}", issued.code),
        "expires_at": issued.expires_at,
        "expires_in": staff::DEFAULT_TTL.as_secs(),
        "instructions": issued.instructions(),
    });
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(body)))
}
