//! The live inbox over HTTP: the API (`api`: `/api/v1/conversations`, a conversation, replying,
//! taking over, handing back, assigning), the dashboard's `/inbox` pages with the same as forms
//! (`page`), and the live event stream operators' pages and API clients read (`live`:
//! Server-Sent Events). Who may do what, and Meta's rules on replies, are
//! [`crate::inbox`]'s; this layer turns them into HTTP answers.

mod api;
mod live;
mod page;

pub(super) use live::stream_until_closed;

use super::AppState;
use super::error::ApiError;
use crate::inbox::InboxError;
use crate::store::User;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

/// The inbox's routes, except its event stream ([`streams`]).
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations", get(api::list))
        .route("/api/v1/conversations/{id}", get(api::show))
        .route("/api/v1/conversations/{id}/messages", post(api::reply))
        .route("/api/v1/conversations/{id}/takeover", post(api::take_over))
        .route("/api/v1/conversations/{id}/release", post(api::release))
        .route("/api/v1/conversations/{id}/assign", post(api::assign))
        .merge(super::dashboard::pages(
            Router::new()
                .route("/inbox", get(page::list))
                .route("/inbox/{id}", get(page::conversation))
                .route("/inbox/{id}/reply", post(page::reply))
                .route("/inbox/{id}/takeover", post(page::take_over))
                .route("/inbox/{id}/release", post(page::release))
                .route("/inbox/{id}/assign", post(page::assign)),
        ))
}

/// The event stream: a long-lived answer, so outside the router's request timeout.
pub(super) fn streams() -> Router<AppState> {
    Router::new().route("/api/v1/conversations/events", get(live::operator_events))
}

/// The account behind an operator's token or session, as the inbox needs it (role and team).
pub(super) async fn account(state: &AppState, user_id: i64) -> Result<User, ApiError> {
    state
        .engine
        .store()
        .user(user_id)
        .await?
        .filter(|u| u.role.is_operator() && u.disabled_at.is_none())
        .ok_or_else(|| ApiError::Forbidden("this needs an operator account".into()))
}

impl From<InboxError> for ApiError {
    fn from(e: InboxError) -> Self {
        match e {
            InboxError::NotFound(id) => ApiError::NotFound(format!("conversation {id}")),
            InboxError::Forbidden(message) => ApiError::Forbidden(message),
            InboxError::BadInput(message) => ApiError::BadRequest(message),
            InboxError::Refused(message) => {
                ApiError::Coded { status: StatusCode::CONFLICT, code: "outside_window".into(), message, order_id: None }
            }
            InboxError::Store(e) => e.into(),
            InboxError::Engine(e) => e.into(),
            InboxError::Team(e) => e.into(),
        }
    }
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        api::list,
        api::show,
        api::reply,
        api::take_over,
        api::release,
        api::assign,
        live::operator_events
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
