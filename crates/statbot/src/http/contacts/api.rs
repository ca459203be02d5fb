//! `GET /api/v1/contacts` and `GET /api/v1/contacts/{id}/messages` for operators: the contacts
//! matching a search, and one contact's conversation, as JSON or CSV (times in the business time
//! zone, `2026-12-06 08:50:19`; the JSON keeps epoch milliseconds).

use super::pages::reply_text;
use crate::dates::local_second_ms;
use crate::http::AppState;
use crate::http::download::{csv_file, wants_csv};
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use axum::Json;
use axum::extract::State;
use serde_json::json;

#[derive(serde::Deserialize)]
pub(super) struct ContactsQuery {
    #[serde(default)]
    q: String,
    format: Option<String>,
}

/// `GET /api/v1/contacts?q=&format=`: the most recently active contacts matching `q`.
pub(super) async fn contacts(
    State(state): State<AppState>,
    _operator: Operator,
    axum::extract::Query(query): axum::extract::Query<ContactsQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let csv = wants_csv(query.format.as_deref())?;
    let contacts = state.engine.store().find_contacts(&query.q, None, 1000).await?;
    if !csv {
        return Ok(Json(json!({ "contacts": contacts })).into_response());
    }
    let mut body =
        crate::csv::line(["id", "name", "platform", "external_id", "flow", "step", "created_at", "updated_at"]);
    for c in &contacts {
        let (flow, step) = c.position.as_ref().map(|p| (p.flow.clone(), p.step.clone())).unwrap_or_default();
        body.push_str(&crate::csv::line([
            c.id.to_string(),
            c.display_name(),
            c.platform.to_string(),
            c.external_id.clone(),
            flow,
            step,
            local_second_ms(c.created_at, state.zone()),
            local_second_ms(c.updated_at, state.zone()),
        ]));
    }
    Ok(csv_file("contacts.csv", body))
}

#[derive(serde::Deserialize)]
pub(super) struct FormatQuery {
    format: Option<String>,
}

/// `GET /api/v1/contacts/{id}/messages?format=`: a contact's conversation, oldest first.
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
