//! `GET /api/v1/contacts` and `GET /api/v1/contacts/{id}/messages` for operators: the contacts
//! matching a search and a segment, with their tags, and one contact's conversation, as JSON or
//! CSV (times in the business time zone, `2026-12-06 08:50:19`; the JSON keeps epoch
//! milliseconds). `GET /api/v1/segments/count` counts a segment's contacts and
//! `POST /api/v1/contacts/tags` tags or untags them (operators may: a tag is a label, and
//! sending to a segment is a separate right). A segment that does not read is answered 400
//! `bad_segment`, saying at which column it went wrong.

use super::pages::reply_text;
use crate::dates::local_second_ms;
use crate::http::AppState;
use crate::http::download::{csv_file, wants_csv};
use crate::http::error::{ApiError, Guarded, GuardedItem, JsonObject};
use crate::http::extract::{ApiJson, Operator};
use crate::store::now_ms;
use axum::Json;
use axum::extract::State;
use serde_json::json;
use statbot_core::{Segment, Tag};

/// A `where` parameter: no segment when empty, else one that must read.
pub(super) fn optional_segment(text: &str) -> Result<Option<Segment>, ApiError> {
    if text.trim().is_empty() { Ok(None) } else { Ok(Some(Segment::parse(text)?)) }
}

#[derive(serde::Deserialize)]
pub(super) struct ContactsQuery {
    #[serde(default)]
    q: String,
    /// A segment (docs/segments.md).
    #[serde(default, rename = "where")]
    segment: String,
    format: Option<String>,
}

/// `GET /api/v1/contacts?q=&where=&format=`: the most recently active contacts matching `q`
/// that the segment `where` chooses, with their tags.
#[utoipa::path(
    get,
    path = "/api/v1/contacts",
    tag = "contacts",
    summary = "The most recently active contacts matching `q` that the segment `where` chooses, with their tags",
    params(
        ("q" = String, Query),
        ("segment" = String, Query, description = "A segment (docs/segments.md)."),
        ("format" = Option<String>, Query)
    ),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn contacts(
    State(state): State<AppState>,
    _operator: Operator,
    axum::extract::Query(query): axum::extract::Query<ContactsQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let csv = wants_csv(query.format.as_deref())?;
    let segment = optional_segment(&query.segment)?;
    let store = state.engine.store();
    let contacts = store.with_tags(store.find_contacts(&query.q, segment.as_ref(), 1000).await?).await?;
    if !csv {
        return Ok(Json(json!({ "contacts": contacts })).into_response());
    }
    let mut body = crate::csv::contacts_header();
    for tagged in &contacts {
        body.push_str(&crate::csv::contact_line(tagged, state.zone()));
    }
    Ok(csv_file("contacts.csv", body))
}

#[derive(serde::Deserialize)]
pub(super) struct SegmentQuery {
    #[serde(default, rename = "where")]
    segment: String,
}

/// `GET /api/v1/segments/count?where=`: how many contacts the segment chooses now, and the
/// segment in its canonical form: `{"count": 12, "segment": "tag:vip"}`.
#[utoipa::path(
    get,
    path = "/api/v1/segments/count",
    tag = "contacts",
    summary = "How many contacts a segment chooses now",
    params(("segment" = String, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn segment_count(
    State(state): State<AppState>,
    _operator: Operator,
    axum::extract::Query(query): axum::extract::Query<SegmentQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let segment = Segment::parse(&query.segment)?;
    let count = state.engine.store().segment_count(&segment, now_ms()).await?;
    Ok(Json(json!({ "count": count, "segment": segment.to_string() })))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum TagAction {
    Add,
    Remove,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(super) struct TagRequest {
    tag: String,
    #[serde(rename = "where")]
    segment: String,
    action: TagAction,
}

/// `POST /api/v1/contacts/tags` `{"tag", "where", "action": "add"|"remove"}`: gives the tag to
/// (or takes it from) every contact the segment chooses; answers how many changed:
/// `{"tag": "vip", "action": "add", "contacts": 3, "segment": "ref:flyer"}`.
#[utoipa::path(
    post,
    path = "/api/v1/contacts/tags",
    tag = "contacts",
    summary = "Tags (or untags) every contact a segment chooses",
    request_body = TagRequest,
    security(("bearer" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn tag_contacts(
    State(state): State<AppState>,
    _operator: Operator,
    ApiJson(request): ApiJson<TagRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tag: Tag =
        request.tag.parse().map_err(|e: statbot_core::segment::BadTag| ApiError::BadRequest(e.to_string()))?;
    let segment = Segment::parse(&request.segment)?;
    let store = state.engine.store();
    let (action, changed) = match request.action {
        TagAction::Add => ("add", store.tag_segment(&tag, &segment, now_ms()).await?),
        TagAction::Remove => ("remove", store.untag_segment(&tag, &segment, now_ms()).await?),
    };
    Ok(Json(json!({ "tag": tag.as_str(), "action": action, "contacts": changed, "segment": segment.to_string() })))
}

#[derive(serde::Deserialize)]
pub(super) struct FormatQuery {
    format: Option<String>,
}

/// `GET /api/v1/contacts/{id}/messages?format=`: a contact's conversation, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/contacts/{id}/messages",
    tag = "contacts",
    summary = "A contact's conversation, oldest first",
    params(("id" = i64, Path), ("format" = Option<String>, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "JSON, or CSV with `format=csv`", body = serde_json::Value),
        GuardedItem
    )
)]
pub(super) async fn contact_messages(
    State(state): State<AppState>,
    _operator: Operator,
    axum::extract::Path(id): axum::extract::Path<i64>,
    axum::extract::Query(query): axum::extract::Query<FormatQuery>,
) -> Result<axum::response::Response, ApiError> {
    use crate::store::LoggedMessage;
    use axum::response::IntoResponse;
    let csv = wants_csv(query.format.as_deref())?;
    let store = state.engine.store();
    let contact = store.contact(id).await?.ok_or_else(|| ApiError::NotFound(format!("contact {id}")))?;
    let messages = store.conversation(id, 10_000).await?;
    if !csv {
        return Ok(Json(json!({ "contact": contact, "messages": messages })).into_response());
    }
    let mut body = crate::csv::line(["at", "direction", "text", "status"]);
    for m in &messages {
        let (at, direction, text, status) = match m {
            LoggedMessage::In { text, at } => (at, "in", text.clone(), ""),
            LoggedMessage::Out { reply, status, at, .. } => (at, "out", reply_text(reply), status.as_str()),
        };
        let at = local_second_ms(*at, state.zone());
        body.push_str(&crate::csv::line([at, direction.to_owned(), text, status.to_owned()]));
    }
    Ok(csv_file(&format!("contact-{id}-messages.csv"), body))
}
