//! Operator accounts: `GET /api/v1/me`, who the caller is, and `POST /api/v1/users`, an admin
//! creates an operator account (admin or staff) in a team.

use crate::http::AppState;
use crate::http::error::{ApiError, Guarded, GuardedNoInput, JsonCreated, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// `GET /api/v1/me`: the operator's id, username and role.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    summary = "The operator's id, username and role",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn me(operator: Operator) -> Json<Value> {
    Json(json!({ "id": operator.claims.sub, "username": operator.claims.name, "role": operator.role }))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(super) struct NewUser {
    username: String,
    password: String,
    role: String,
    /// The team the account joins (default: the configured default team).
    team: Option<String>,
}

/// `POST /api/v1/users`: an admin creates an operator account.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "accounts",
    summary = "An admin creates an operator account",
    request_body = NewUser,
    security(("bearer" = [])),
    responses(JsonCreated, Guarded)
)]
pub(super) async fn create_user(
    State(state): State<AppState>,
    operator: Operator,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    operator.require_admin()?;
    let role: crate::store::Role = body.role.parse().map_err(ApiError::BadRequest)?;
    if !role.is_operator() {
        return Err(ApiError::BadRequest("operator accounts are admin or staff; customers sign up on the shop".into()));
    }
    let username = body.username.trim();
    if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
        return Err(ApiError::BadRequest("the username must be 1 to 64 characters without spaces".into()));
    }
    if let Some(team) = &body.team {
        crate::team::check_team_name(team)?;
    }
    let id = crate::auth::create_user(state.engine.store(), username, role, &body.password).await?;
    let team = state.teams.assign(id, body.team.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "username": username, "role": role, "team": team.name }))))
}
