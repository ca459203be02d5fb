//! The bot's contacts over HTTP, for operators: the API's `/api/v1/contacts` and a contact's
//! messages, as JSON or CSV (`api`), and the dashboard's `/contacts` pages with the same
//! (`pages`), and the form tagging one contact on its page (`contact_tags`). The inbox's conversation page shows a contact's [`Timeline`] as `/contacts/{id}` does.

mod api;
mod contact_tags;
mod pages;

pub(super) use pages::{Timeline, local_time, timeline};

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The contact routes: the API and the pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(api::contacts))
        .route("/api/v1/contacts/{id}/messages", get(api::contact_messages))
        .route("/api/v1/contacts/tags", post(api::tag_contacts))
        .route("/api/v1/segments/count", get(api::segment_count))
        .merge(super::dashboard::pages(
            Router::new()
                .route("/contacts", get(pages::contacts))
                .route("/contacts/tags", post(pages::tag_contacts))
                .route("/contacts/{id}", get(pages::conversation))
                .route("/contacts/{id}/tags", post(contact_tags::tag_contact)),
        ))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::contacts, api::contact_messages, api::tag_contacts, api::segment_count))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
