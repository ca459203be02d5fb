//! `GET /api/v1/links`: every link with its URL, entries and conversions (operators);
//! `POST /api/v1/links` `{name, flow, step?}`: adds one (admins), answered 201 with the link.

use crate::http::AppState;
use crate::http::error::{ApiError, Guarded, GuardedNoInput, JsonCreated, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use crate::links::{self, LinkSummary};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

#[utoipa::path(
    get,
    path = "/api/v1/links",
    tag = "links",
    summary = "The entry links",
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn list(
    State(state): State<AppState>,
    _operator: Operator,
) -> Result<Json<Vec<LinkSummary>>, ApiError> {
    Ok(Json(links::summaries(&state.funnels, state.engine.store(), &state.config.messenger).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewLink {
    name: String,
    flow: String,
    step: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/links",
    tag = "links",
    summary = "Adds an entry link",
    request_body = NewLink,
    security(("bearer" = [])),
    responses(JsonCreated, Guarded)
)]
pub(super) async fn add(
    State(state): State<AppState>,
    operator: Operator,
    ApiJson(new): ApiJson<NewLink>,
) -> Result<(StatusCode, Json<LinkSummary>), ApiError> {
    operator.require_admin()?;
    let store = state.engine.store();
    let link = links::add(store, state.engine.flows(), &new.name, &new.flow, new.step.as_deref()).await?;
    let url = links::url_of(&state.config.messenger, &link.name).ok();
    let summary = LinkSummary {
        name: link.name,
        flow: link.flow,
        step: link.step,
        url,
        created_at: link.created_at,
        entries: 0,
        conversions: 0,
    };
    Ok((StatusCode::CREATED, Json(summary)))
}
