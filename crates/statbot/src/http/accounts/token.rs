//! `POST /api/v1/auth/token`: username and password in, a signed expiring token out.

use crate::auth;
use crate::http::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::{ApiError, JsonObject, Public};
use crate::http::extract::ApiJson;
use crate::limits::Limit;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct TokenRequest {
    username: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "accounts",
    summary = "A bearer token for a username and password",
    request_body = TokenRequest,
    responses(JsonObject, Public)
)]
pub(super) async fn issue_token(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<Value>, ApiError> {
    state.limits.hit(Limit::LoginsPerIp, &ip.subject()).await?;
    let user = auth::login(state.engine.store(), &state.config.auth, body.username.trim(), &body.password).await?;
    let (token, expires_in) = state.tokens.issue(user.id, &user.username, user.role, user.token_version)?;
    Ok(Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "user": { "id": user.id, "username": user.username, "role": user.role },
    })))
}
