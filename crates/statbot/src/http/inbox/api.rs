//! The inbox's API, for operators (a token; reading also with a dashboard session):
//! - `GET /api/v1/conversations?status=needs_person|taken|bot|all&assigned=me|NAME&platform=&q=`:
//!   waiting for a person first, then the latest active, with unread counts;
//! - `GET /api/v1/conversations/{id}`: everything the contact saw and did, where they stand, their
//!   referral and their messaging window (opening it marks it read);
//! - `POST /api/v1/conversations/{id}/messages` `{"text"}`: a reply, through the outbox (201;
//!   409 `outside_window` when Meta's 7 days are over, nothing sent);
//! - `POST .../takeover`, `POST .../release`, `POST .../assign` `{"to": "USERNAME"}`.
//!
//! Staff see and act on their team's conversations, admins on all; another team's conversation
//! answers 404 as if it did not exist. Times are epoch milliseconds.

use super::account;
use crate::http::AppState;
use crate::http::error::{ApiError, Guarded, GuardedItem, JsonCreated, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use crate::inbox::Filter;
use crate::store::{Changed, InboxConversation, InboxStatus, User};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use statbot_core::Platform;
use statbot_core::window::HUMAN_AGENT_MS;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    assigned: Option<String>,
    platform: Option<String>,
    #[serde(default)]
    q: String,
}

/// The filter an operator's query asks for, or a sentence saying what is wrong with it.
pub(in crate::http) async fn filter(
    state: &AppState,
    user: &User,
    status: Option<&str>,
    assigned: Option<&str>,
    platform: Option<&str>,
    q: &str,
) -> Result<Filter, ApiError> {
    let status =
        match status.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("all") => None,
            Some(s) => Some(s.parse::<InboxStatus>().map_err(|()| {
                ApiError::BadRequest(format!("`status` is needs_person, taken, bot or all, not `{s}`"))
            })?),
        };
    let assigned = match assigned.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some("me") => Some(user.id),
        Some(name) => Some(
            state
                .engine
                .store()
                .user_by_name(name)
                .await?
                .ok_or_else(|| ApiError::BadRequest(format!("no operator account is named `{name}`")))?
                .id,
        ),
    };
    let platform = match platform.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => None,
        Some(p) => Some(p.parse::<Platform>().map_err(|_| {
            ApiError::BadRequest(format!("`platform` is messenger, instagram, web or console, not `{p}`"))
        })?),
    };
    Ok(Filter { status, assigned, platform, search: q.to_owned() })
}

/// One conversation in a list.
fn summary(c: &InboxConversation) -> Value {
    json!({
        "contact_id": c.contact.id,
        "name": c.contact.display_name(),
        "platform": c.contact.platform,
        "status": c.status,
        "assigned": c.assigned,
        "team_id": c.team_id,
        "unread": c.unread,
        "asked_at": c.asked_at,
        "taken_at": c.taken_at,
        "last_operator_at": c.last_operator_at,
        "last_active_at": c.contact.updated_at,
        "preview": c.preview,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/conversations",
    tag = "inbox",
    summary = "The inbox's conversations",
    params(
        ("status" = Option<String>, Query),
        ("assigned" = Option<String>, Query),
        ("platform" = Option<String>, Query),
        ("q" = String, Query)
    ),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    let filter =
        filter(&state, &user, query.status.as_deref(), query.assigned.as_deref(), query.platform.as_deref(), &query.q)
            .await?;
    let conversations = state.inbox.list(&user, filter).await?;
    let waiting = state.inbox.waiting(&user).await?;
    Ok(Json(json!({
        "waiting": waiting,
        "conversations": conversations.iter().map(summary).collect::<Vec<_>>(),
    })))
}

/// Messages of a conversation returned at most.
const MESSAGES: i64 = 500;

#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}",
    tag = "inbox",
    summary = "One conversation with its messages",
    params(("id" = i64, Path)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    let conversation = state.inbox.open(&user, id).await?;
    let store = state.engine.store();
    let messages = store.conversation(id, MESSAGES).await?;
    let coupons = store.coupon_events(id).await?;
    let (first_ref, latest_ref) = store.contact_referrals(id).await?;
    let contact = &conversation.contact;
    let now = crate::store::now_ms();
    let window = contact.window;
    let mut body = summary(&conversation);
    body["position"] = json!(contact.position);
    body["opted_out_at"] = json!(contact.opted_out_at);
    body["referral"] = json!({ "first": first_ref, "latest": latest_ref });
    body["window"] = json!({
        "last_inbound_at": window.last_inbound_at,
        "until": window.until,
        "human_agent_until": window.last_inbound_at.map(|at| at + HUMAN_AGENT_MS),
        // How a person's reply would go now: `RESPONSE`, `HUMAN_AGENT`, or null (refused).
        "reply_as": window.for_a_person(now).map(|t| t.as_str()),
    });
    body["coupons"] = json!(coupons);
    body["messages"] = json!(messages);
    Ok(Json(body))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct ReplyBody {
    text: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/messages",
    tag = "inbox",
    summary = "An operator's reply in a conversation",
    params(("id" = i64, Path)),
    request_body = ReplyBody,
    security(("bearer" = [])),
    responses(JsonCreated, GuardedItem)
)]
pub(super) async fn reply(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    let (outbox_id, messaging_type) = state.inbox.reply(&user, id, &body.text).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "id": outbox_id, "contact_id": id, "messaging_type": messaging_type.as_str(), "status": "taken" }),
        ),
    ))
}

fn changed(id: i64, changed: Option<Changed>) -> Json<Value> {
    match changed {
        Some(c) => Json(json!({ "contact_id": id, "status": c.now, "was": c.was })),
        None => Json(json!({ "contact_id": id, "status": InboxStatus::Bot, "was": InboxStatus::Bot })),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/takeover",
    tag = "inbox",
    summary = "A person takes the conversation over from the bot",
    params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn take_over(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    Ok(changed(id, Some(state.inbox.take_over(&user, id).await?)))
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/release",
    tag = "inbox",
    summary = "The conversation goes back to the bot",
    params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn release(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    Ok(changed(id, state.inbox.release(&user, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct AssignBody {
    to: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/assign",
    tag = "inbox",
    summary = "Assigns the conversation to an operator",
    params(("id" = i64, Path)),
    request_body = AssignBody,
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn assign(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<Value>, ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    let to = body.to.clone();
    let changed = state.inbox.assign(&user, id, &to).await?;
    let mut answer = self::changed(id, Some(changed)).0;
    answer["assigned"] = json!(to.trim());
    Ok(Json(answer))
}
