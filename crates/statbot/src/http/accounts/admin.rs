//! Admins managing operator accounts over the API (the rules are `crate::auth::accounts`'s,
//! as for `statbot users`): `GET /api/v1/users`, `PATCH /api/v1/users/{name}` (role, disabled),
//! `POST /api/v1/users/{name}/password`, `POST /api/v1/users/{name}/unlock` and
//! `DELETE /api/v1/users/{name}`. Admins only: staff get 403. A change that ends an account's
//! tokens and sessions ends them at once, the caller's own included; refusing to leave no
//! enabled admin is a 409 `last_admin`.

use crate::auth::accounts;
use crate::http::AppState;
use crate::http::error::{ApiError, GuardedItem, GuardedNoInput, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use crate::store::{AccountUpdate, Role};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /api/v1/users`: the operator accounts, by name.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "accounts",
    summary = "The operator accounts, by name",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn list(State(state): State<AppState>, operator: Operator) -> Result<Json<Value>, ApiError> {
    operator.require_admin()?;
    let users = accounts::list(state.engine.store()).await?;
    Ok(Json(json!({ "users": users })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Patch {
    role: Option<String>,
    disabled: Option<bool>,
}

/// `PATCH /api/v1/users/{name}`: `{"role": "admin"|"staff", "disabled": true|false}`, either or
/// both; answers the account as listed.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{name}",
    tag = "accounts",
    summary = "Changes an operator account's role or disabled state (admins)",
    params(("name" = String, Path)),
    request_body = Patch,
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn update(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    ApiJson(patch): ApiJson<Patch>,
) -> Result<Json<Value>, ApiError> {
    operator.require_admin()?;
    if patch.role.is_none() && patch.disabled.is_none() {
        return Err(ApiError::BadRequest("nothing to change: send `role`, `disabled` or both".into()));
    }
    let role = patch.role.map(|role| role.parse::<Role>()).transpose().map_err(ApiError::BadRequest)?;
    let store = state.engine.store();
    accounts::update(store, &name, AccountUpdate { role, disabled: patch.disabled, password_hash: None }).await?;
    Ok(Json(json!(accounts::summary(store, &name).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct NewPassword {
    password: String,
}

/// `POST /api/v1/users/{name}/password`: `{"password"}`; 204.
#[utoipa::path(
    post,
    path = "/api/v1/users/{name}/password",
    tag = "accounts",
    summary = "Sets an operator account's password (admins)",
    params(("name" = String, Path)),
    request_body = NewPassword,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Done; no body"),
        GuardedItem
    )
)]
pub(super) async fn password(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<StatusCode, ApiError> {
    operator.require_admin()?;
    accounts::set_password(state.engine.store(), &name, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{name}/unlock`: the name may log in again at once; says whether it was
/// locked.
#[utoipa::path(
    post,
    path = "/api/v1/users/{name}/unlock",
    tag = "accounts",
    summary = "Unlocks an account locked after failed logins (admins)",
    params(("name" = String, Path)),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn unlock(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    operator.require_admin()?;
    let was_locked_until = accounts::unlock(state.engine.store(), &name).await?;
    Ok(Json(json!({ "username": name, "was_locked": was_locked_until.is_some() })))
}

/// `DELETE /api/v1/users/{name}`: removes an operator account; 204.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{name}",
    tag = "accounts",
    summary = "Removes an operator account (admins)",
    params(("name" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Done; no body"),
        GuardedItem
    )
)]
pub(super) async fn remove(
    State(state): State<AppState>,
    operator: Operator,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    operator.require_admin()?;
    accounts::remove(state.engine.store(), &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
