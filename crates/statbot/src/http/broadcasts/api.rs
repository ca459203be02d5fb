//! The broadcasts' API: list, one with its funnel, create (or only preview), pause, resume and
//! cancel. Reading is for operators; creating and steering are for admins, since a broadcast
//! writes to many people at once.

use crate::engine::{BroadcastAction, BroadcastRequest, broadcast_report, create_broadcast};
use crate::http::AppState;
use crate::http::error::{ApiError, Guarded, GuardedItem, GuardedNoInput, JsonCreated, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// `GET /api/v1/broadcasts`: `{"broadcasts": [...]}`, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/broadcasts",
    tag = "broadcasts",
    summary = "`{\"broadcasts\": [...]}`, newest first",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn list(State(state): State<AppState>, _operator: Operator) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "broadcasts": state.engine.store().broadcasts().await? })))
}

/// `GET /api/v1/broadcasts/{name}`: the broadcast and its `funnel`.
#[utoipa::path(
    get,
    path = "/api/v1/broadcasts/{name}",
    tag = "broadcasts",
    summary = "The broadcast and its `funnel`",
    params(("name" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn show(
    State(state): State<AppState>,
    _operator: Operator,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(broadcast_report(state.engine.store(), &name).await?)))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(super) struct CreateBody {
    #[serde(flatten)]
    request: BroadcastRequest,
    /// Only say who would get it.
    #[serde(default)]
    preview: bool,
}

/// `POST /api/v1/broadcasts` `{"name", "flow", "step"?, "segment", "start_at"?, "preview"?}`:
/// `{"preview": {...}, "broadcast": {...} | null}` (201 when created, 200 for a preview).
#[utoipa::path(
    post,
    path = "/api/v1/broadcasts",
    tag = "broadcasts",
    summary = "Creates (or previews) a broadcast",
    request_body = CreateBody,
    security(("bearer" = [])),
    responses(JsonCreated, Guarded)
)]
pub(super) async fn create(
    State(state): State<AppState>,
    operator: Operator,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    operator.require_admin()?;
    let created = create_broadcast(
        state.engine.store(),
        state.engine.flows(),
        &body.request,
        &operator.claims.name,
        body.preview,
    )
    .await?;
    let status = if created.broadcast.is_some() { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!(created))))
}

/// `POST /api/v1/broadcasts/{name}/pause|resume|cancel`: the broadcast as it then stands.
#[utoipa::path(
    post,
    path = "/api/v1/broadcasts/{name}/{action}",
    tag = "broadcasts",
    summary = "The broadcast as it then stands",
    params(("name" = String, Path), ("action" = String, Path)),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn act(
    State(state): State<AppState>,
    operator: Operator,
    Path((name, action)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    operator.require_admin()?;
    let action = match action.as_str() {
        "pause" => BroadcastAction::Pause,
        "resume" => BroadcastAction::Resume,
        "cancel" => BroadcastAction::Cancel,
        other => return Err(ApiError::NotFound(format!("broadcast action `{other}`"))),
    };
    Ok(Json(json!(action.apply(state.engine.store(), &name).await?)))
}
