//! Tagging one contact from its page: `POST /contacts/{id}/tags` with a tag and `add` or
//! `remove`, for operators (staff and admins, as `POST /api/v1/contacts/tags` allows). It gives
//! or takes the tag through the store's segment functions with the segment `id:N`, then opens
//! the contact's page again saying what changed (`?done=add|remove&tag=…&changed=0|1`); a tag
//! that does not read is said on the page with what was typed. Works without JavaScript.

use super::pages::render_conversation;
use crate::http::AppState;
use crate::http::dashboard::{Dashboard, sentence};
use crate::http::error::ApiError;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use statbot_core::{Segment, Tag};

/// The form: the tag and what to do with it.
#[derive(Deserialize)]
pub(super) struct OneTagForm {
    csrf: String,
    #[serde(default)]
    tag: String,
    /// `add` or `remove`.
    #[serde(default)]
    action: String,
}

/// The address the form comes back to: what it did, the tag, and whether it changed anything.
#[derive(Deserialize, Default)]
pub(super) struct DoneParams {
    done: Option<String>,
    tag: Option<String>,
    changed: Option<u64>,
}

/// What the contact page's tag form shows: what it did, or why not with the text typed.
#[derive(Default)]
pub(super) struct TagFormView {
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) typed: String,
}

impl TagFormView {
    /// The sentence for what the form did, from the address it came back to.
    pub(super) fn after(params: &DoneParams) -> TagFormView {
        TagFormView { notice: done_sentence(params), ..TagFormView::default() }
    }
}

fn done_sentence(params: &DoneParams) -> Option<String> {
    let tag: Tag = params.tag.as_deref()?.parse().ok()?;
    let changed = params.changed? > 0;
    match (params.done.as_deref()?, changed) {
        ("add", true) => Some(format!("Tagged {tag}.")),
        ("add", false) => Some(format!("Nothing changed: the contact already has the tag {tag}.")),
        ("remove", true) => Some(format!("Took the tag {tag} off.")),
        ("remove", false) => Some(format!("Nothing changed: the contact has no tag {tag}.")),
        _ => None,
    }
}

/// `POST /contacts/{id}/tags`.
pub(super) async fn tag_contact(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
    Form(form): Form<OneTagForm>,
) -> Result<Response, ApiError> {
    if !dashboard.csrf_ok(&form.csrf) {
        return Err(ApiError::Forbidden("the form expired: open the contact again and retry".into()));
    }
    let store = state.engine.store();
    if store.contact(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("contact {id}")));
    }
    let tag = match form.tag.trim().parse::<Tag>() {
        Ok(tag) => tag,
        Err(e) => {
            let view = TagFormView { error: Some(sentence(&e.to_string())), typed: form.tag, notice: None };
            return render_conversation(&state, &dashboard, id, view).await;
        }
    };
    let (done, segment, now) = (form.action.as_str(), Segment::Id(id), crate::store::now_ms());
    let (done, changed) = match done {
        "remove" => ("remove", store.untag_segment(&tag, &segment, now).await?),
        _ => ("add", store.tag_segment(&tag, &segment, now).await?),
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("done", done)
        .append_pair("tag", tag.as_str())
        .append_pair("changed", &changed.to_string())
        .finish();
    Ok(Redirect::to(&format!("/contacts/{id}?{query}")).into_response())
}
