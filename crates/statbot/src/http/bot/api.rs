//! Operator API routes about the bot itself: the loaded flows, the outbox.

use crate::http::AppState;
use crate::http::error::{ApiError, Guarded, GuardedNoInput, JsonObject};
use crate::http::extract::Operator;
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use statbot_core::flow::Choices;

/// `GET /api/v1/flows`: the loaded flows with their steps, choices and buttons.
#[utoipa::path(
    get,
    path = "/api/v1/flows",
    tag = "bot",
    summary = "The loaded flows with their steps, choices and buttons",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn flows(State(state): State<AppState>, _operator: Operator) -> Json<Value> {
    let flows: Vec<Value> = state
        .engine
        .flows()
        .set
        .iter()
        .map(|flow| {
            let steps: Vec<Value> = flow
                .steps
                .values()
                .map(|step| {
                    let buttons: Vec<Value> = step
                        .choices
                        .buttons()
                        .iter()
                        .map(|b| json!({ "id": b.id, "title": b.title, "next": b.next, "handoff": b.handoff }))
                        .collect();
                    let kind = match step.choices {
                        Choices::QuickReplies(_) => "quick_replies",
                        _ => "buttons",
                    };
                    json!({ "id": step.id, "choices": kind, "buttons": buttons, "reveal": step.reveal, "next": step.next })
                })
                .collect();
            json!({ "name": flow.name, "title": flow.title, "entry": flow.entry, "steps": steps })
        })
        .collect();
    Json(json!({ "flows": flows }))
}

/// Undelivered replies listed at most.
const UNDELIVERED_LISTED: i64 = 100;

#[derive(serde::Deserialize)]
pub(super) struct OutboxQuery {
    status: Option<String>,
}

/// `GET /api/v1/outbox`: the outbox's replies by status, and the inbound messages waiting to be
/// acted on; with `?status=held` or `?status=failed`, also the latest such replies with their
/// reason and Meta's error class.
#[utoipa::path(
    get,
    path = "/api/v1/outbox",
    tag = "bot",
    summary = "The outbox's replies by status, and the inbound messages waiting to be acted on;",
    params(("status" = Option<String>, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn outbox(
    State(state): State<AppState>,
    _operator: Operator,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Value>, ApiError> {
    let store = state.engine.store();
    let stats = store.outbox_stats().await?;
    let inbound_pending = store.pending_inbound().await?;
    let mut answer = json!({ "outbox": stats, "inbound_pending": inbound_pending });
    match query.status.as_deref() {
        None => {}
        Some(status @ ("held" | "failed")) => {
            answer["messages"] = json!(store.undelivered(&[status], UNDELIVERED_LISTED).await?.0);
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!("unknown status `{other}`: use held or failed")));
        }
    }
    Ok(Json(answer))
}
