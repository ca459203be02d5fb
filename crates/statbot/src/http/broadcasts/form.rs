//! The dashboard's form creating a broadcast, for admins: `POST /broadcasts` with a name, a
//! flow, an optional step, a segment and an optional start (a local time in the business time
//! zone, read as the CLI's `--at`). Sent once it shows the preview (who will get it, and who
//! not, and why) with a Confirm button; confirmed, it creates the broadcast through the same
//! [`crate::engine::create_broadcast`] as the API's `POST /api/v1/broadcasts` and opens it. What
//! does not read (the segment, with where it went wrong; an unknown flow or step; a name taken)
//! shows the form again with what was typed and a sentence. No JavaScript is needed.

use super::page::render_list;
use crate::dates::{local_minute, parse_start_at};
use crate::engine::{BroadcastError, BroadcastPreview, BroadcastRequest, CreatedBroadcast, create_broadcast};
use crate::http::AppState;
use crate::http::dashboard::{Dashboard, sentence};
use crate::http::error::ApiError;
use crate::store::Role;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The form as sent: its fields as typed, and whether it is the preview's Confirm.
#[derive(Deserialize)]
pub(super) struct CreateForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    flow: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    segment: String,
    /// `YYYY-MM-DDTHH:MM` in the business time zone (or an RFC 3339 instant); empty: now.
    #[serde(default)]
    at: String,
    /// Sent by the preview's Confirm button only.
    #[serde(default)]
    confirm: Option<String>,
}

/// The preview shown above the Confirm button.
pub(super) struct Preview {
    pub(super) counts: BroadcastPreview,
    /// When sending starts, in words ("now" or a local time).
    pub(super) starts: String,
}

/// What the form shows: the values as typed, the flows to choose from, and a sentence (with the
/// segment's caret line) or the preview.
pub(super) struct FormView {
    pub(super) name: String,
    pub(super) flow: String,
    pub(super) step: String,
    pub(super) segment: String,
    pub(super) at: String,
    /// The loaded flows, for the select.
    pub(super) flows: Vec<String>,
    /// The business time zone the start time is read in.
    pub(super) zone: String,
    pub(super) error: Option<String>,
    /// The segment with a caret under where it stopped reading.
    pub(super) pointer: Option<String>,
    pub(super) preview: Option<Preview>,
}

impl FormView {
    /// An empty form (the first flow chosen).
    pub(super) fn empty(state: &AppState) -> FormView {
        let flows: Vec<String> = state.engine.flows().set.iter().map(|f| f.name.clone()).collect();
        FormView {
            name: String::new(),
            flow: flows.first().cloned().unwrap_or_default(),
            step: String::new(),
            segment: String::new(),
            at: String::new(),
            flows,
            zone: state.zone().iana_name().unwrap_or("UTC").to_owned(),
            error: None,
            pointer: None,
            preview: None,
        }
    }

    /// The form with what was typed.
    fn typed(state: &AppState, form: &CreateForm) -> FormView {
        FormView {
            name: form.name.clone(),
            flow: form.flow.clone(),
            step: form.step.clone(),
            segment: form.segment.clone(),
            at: form.at.clone(),
            ..FormView::empty(state)
        }
    }

    /// Whether the form should be shown open (something to say about it).
    pub(super) fn open(&self) -> bool {
        self.error.is_some() || self.preview.is_some()
    }
}

/// `POST /broadcasts`: the preview, or (confirmed) the broadcast created and opened.
pub(super) async fn create(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Form(form): Form<CreateForm>,
) -> Result<Response, ApiError> {
    if !dashboard.csrf_ok(&form.csrf) {
        return Err(ApiError::Forbidden("the form expired: open the broadcasts again and retry".into()));
    }
    if dashboard.session.user.role != Role::Admin {
        return Err(ApiError::Forbidden("only admins can create broadcasts".into()));
    }
    let mut view = FormView::typed(&state, &form);
    let start_at = match Some(form.at.trim()).filter(|at| !at.is_empty()).map(|at| parse_start_at(at, state.zone())) {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(why)) => {
            view.error = Some(sentence(&why));
            return render_list(&state, &dashboard, Some(view)).await;
        }
    };
    let request = BroadcastRequest {
        name: form.name.trim().to_owned(),
        flow: form.flow.clone(),
        step: Some(form.step.trim()).filter(|step| !step.is_empty()).map(str::to_owned),
        segment: form.segment.clone(),
        start_at,
    };
    let only_preview = form.confirm.is_none();
    let store = state.engine.store();
    let username = &dashboard.session.user.username;
    match create_broadcast(store, state.engine.flows(), &request, username, only_preview).await {
        Ok(CreatedBroadcast { broadcast: Some(broadcast), .. }) => {
            Ok(Redirect::to(&format!("/broadcasts/{}", broadcast.name)).into_response())
        }
        Ok(CreatedBroadcast { preview, broadcast: None }) => {
            let starts = match start_at.and_then(|at| jiff::Timestamp::from_millisecond(at).ok()) {
                Some(at) => local_minute(at, state.zone()),
                None => "now".to_owned(),
            };
            view.preview = Some(Preview { counts: preview, starts });
            render_list(&state, &dashboard, Some(view)).await
        }
        Err(BroadcastError::Store(e)) => Err(e.into()),
        Err(BroadcastError::BadSegment(e)) => {
            view.error = Some(sentence(&format!("This segment does not read: {e}")));
            view.pointer = Some(e.pointer());
            render_list(&state, &dashboard, Some(view)).await
        }
        Err(e) => {
            view.error = Some(sentence(&e.to_string()));
            render_list(&state, &dashboard, Some(view)).await
        }
    }
}
