//! Operator API routes about the bot itself: who am I, the loaded flows, the outbox.

use super::AppState;
use super::error::ApiError;
use super::extract::Operator;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use statbot_core::flow::Choices;

pub async fn me(operator: Operator) -> Json<Value> {
    Json(json!({ "id": operator.claims.sub, "username": operator.claims.name, "role": operator.role }))
}

pub async fn flows(State(state): State<AppState>, _operator: Operator) -> Json<Value> {
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
                        .map(|b| json!({ "id": b.id, "title": b.title, "next": b.next }))
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

pub async fn outbox(State(state): State<AppState>, _operator: Operator) -> Result<Json<Value>, ApiError> {
    let stats = state.engine.store().outbox_stats().await?;
    let inbound_pending = state.engine.store().pending_inbound().await?;
    Ok(Json(json!({ "outbox": stats, "inbound_pending": inbound_pending })))
}

#[derive(serde::Deserialize)]
pub struct NewUser {
    username: String,
    password: String,
    role: String,
}

/// `POST /api/v1/users`: an admin creates an operator account.
pub async fn create_user(
    State(state): State<AppState>,
    operator: Operator,
    super::extract::ApiJson(body): super::extract::ApiJson<NewUser>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    operator.require_admin()?;
    let role: crate::store::Role = body.role.parse().map_err(ApiError::BadRequest)?;
    let username = body.username.trim();
    if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
        return Err(ApiError::BadRequest("the username must be 1 to 64 characters without spaces".into()));
    }
    let id = crate::auth::create_user(state.engine.store(), username, role, &body.password).await?;
    Ok((axum::http::StatusCode::CREATED, Json(json!({ "id": id, "username": username, "role": role }))))
}
