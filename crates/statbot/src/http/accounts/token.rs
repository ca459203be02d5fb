//! `POST /api/v1/auth/token`: username and password in, a signed expiring token out.

use crate::auth;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(super) struct TokenRequest {
    username: String,
    password: String,
}

pub(super) async fn issue_token(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<Value>, ApiError> {
    let user = auth::login(state.engine.store(), &state.config.auth, body.username.trim(), &body.password).await?;
    let (token, expires_in) = state.tokens.issue(user.id, &user.username, user.role, user.token_version)?;
    Ok(Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "user": { "id": user.id, "username": user.username, "role": user.role },
    })))
}
