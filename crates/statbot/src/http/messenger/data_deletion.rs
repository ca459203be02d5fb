//! Meta's data deletion callback and its status page. `POST /webhooks/messenger/data-deletion`
//! takes the `signed_request` form field Meta posts when a person asks for their data to be
//! deleted, checks it with the app secret, erases the person's contacts and answers
//! `{"url", "confirmation_code"}`; `GET /data-deletion/{code}` tells whether it is done, as a
//! small page for the person or as JSON (`Accept: application/json`). Like the other webhooks
//! it has no rate limit, but only a small body is read.

use crate::channels::messenger::signed_request::{self, SignedRequestError};
use crate::http::AppState;
use crate::http::error::{ApiError, JsonObject, Webhook};
use crate::store::{DataDeletion, DeletionSource, Forget};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// A signed request is a few hundred bytes; anything much bigger is not Meta's.
const BODY_LIMIT: usize = 8 * 1024;

/// The callback Meta posts to, and the status page its answer points to.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/messenger/data-deletion", post(request).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/data-deletion/{code}", get(status))
}

/// `POST /webhooks/messenger/data-deletion`: erases the person named by a valid signed request.
#[utoipa::path(
    post,
    path = "/webhooks/messenger/data-deletion",
    tag = "webhooks",
    summary = "Erases the person named by a valid signed request",
    request_body(
        content = String,
        content_type = "application/x-www-form-urlencoded",
        description = "The signed payload, checked byte for byte"
    ),
    responses(JsonObject, Webhook)
)]
async fn request(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let body = body.map_err(|e| ApiError::PayloadTooLarge(e.body_text()))?;
    let secret = state.config.messenger.app_secret.expose();
    if secret.is_empty() {
        return Err(ApiError::Coded {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "not_configured".into(),
            message: "data deletion requests cannot be checked: the Messenger app secret is not configured".into(),
            order_id: None,
        });
    }
    let field = form_urlencoded::parse(&body).find(|(name, _)| name == "signed_request").map(|(_, value)| value);
    let checked = match field {
        Some(value) => signed_request::parse(secret, &value),
        None => Err(SignedRequestError::Missing),
    };
    let request = checked.map_err(|e| {
        tracing::warn!(reason = %e, "data deletion request refused");
        ApiError::Coded {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_signed_request".into(),
            message: e.to_string(),
            order_id: None,
        }
    })?;
    let done = state.engine.store().forget(DeletionSource::Meta, Forget::MetaUser(&request.user_id)).await?;
    tracing::info!(contacts_erased = done.contacts_erased, "data deletion request done");
    let url = format!("{}/data-deletion/{}", state.config.public_base(), done.confirmation_code);
    Ok(Json(json!({ "url": url, "confirmation_code": done.confirmation_code })).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "data_deletion.html")]
struct StatusPage {
    title: &'static str,
    paragraphs: Vec<String>,
}

/// `GET /data-deletion/{code}`: where a request stands, for the person or as JSON.
async fn status(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("application/json"));
    let found = state.engine.store().data_deletion(&code).await?;
    Ok(match (found, wants_json) {
        (Some(done), true) => Json(status_json(&done)).into_response(),
        (None, true) => {
            return Err(ApiError::Missing("no data deletion request has this confirmation code".into()));
        }
        (Some(done), false) => page(&state, &done).into_response(),
        (None, false) => (
            StatusCode::NOT_FOUND,
            StatusPage {
                title: "Unknown confirmation code",
                paragraphs: vec!["No data deletion request has this confirmation code. Please check the link.".into()],
            },
        )
            .into_response(),
    })
}

fn status_json(done: &DataDeletion) -> serde_json::Value {
    json!({
        "confirmation_code": done.confirmation_code,
        "status": if done.done() { "done" } else { "pending" },
        "source": done.source,
        "data_held": done.contacts_erased > 0,
        "contacts_erased": done.contacts_erased,
        "requested_at": done.requested_at,
        "completed_at": done.completed_at,
    })
}

fn page(state: &AppState, done: &DataDeletion) -> StatusPage {
    let when = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map(|t| crate::dates::local_minute(t, state.zone())).unwrap_or_default()
    };
    let mut paragraphs = vec![format!("Confirmation code: {}.", done.confirmation_code)];
    paragraphs.push(format!("Requested on {}.", when(done.requested_at)));
    let title = match done.completed_at {
        Some(at) if done.contacts_erased > 0 => {
            paragraphs.push(format!(
                "Done on {}: your name, profile, the messages you sent and the replies you were sent are \
                 erased, and the id we knew you by is replaced. What remains are anonymous counts (for \
                 example that someone was shown an offer), which cannot be traced back to you.",
                when(at)
            ));
            "Your data is deleted"
        }
        Some(at) => {
            paragraphs.push(format!("Done on {}: we held no data about you, so there was nothing to erase.", when(at)));
            "No data held"
        }
        None => {
            paragraphs.push("Your request is being processed.".into());
            "Data deletion in progress"
        }
    };
    StatusPage { title, paragraphs }
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(request))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
