//! The dashboard's live inbox: `/inbox`, the conversations (those waiting for a person first,
//! then the latest), filtered as the API's list is (`status`, `assigned`, `platform`, `q`), and
//! `/inbox/{id}`, the same list beside one conversation: everything the contact saw and did
//! (the contacts page's [`Timeline`]), who has it, and the forms to reply, take over, hand back
//! to the bot and assign. Opening it marks it read. The forms post with the session's CSRF
//! token and open the conversation again (POST-redirect-GET); a reply Meta's rules refuse is
//! said on the page with the text kept. `inbox.js` keeps the page live from the event stream;
//! without JavaScript it is plain links and forms.

use super::api;
use crate::http::AppState;
use crate::http::contacts::{Timeline, local_time, timeline};
use crate::http::dashboard::{Dashboard, Nav, sentence};
use crate::http::error::ApiError;
use crate::inbox::InboxError;
use crate::store::{Contact, InboxConversation, InboxStatus};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The list's filters, as the page's links and search form carry them.
#[derive(Deserialize, Default, Clone)]
pub(super) struct Params {
    #[serde(default)]
    status: String,
    #[serde(default)]
    assigned: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    q: String,
}

impl Params {
    /// The query string of these filters with `change` applied (empty values left out).
    fn with(&self, change: impl FnOnce(&mut Params)) -> String {
        let mut params = self.clone();
        change(&mut params);
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("status", &params.status),
            ("assigned", &params.assigned),
            ("platform", &params.platform),
            ("q", &params.q),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(key, value.trim());
            }
        }
        let query = query.finish();
        if query.is_empty() { query } else { format!("?{query}") }
    }
}

/// A link of the filter bar.
struct FilterLink {
    label: &'static str,
    href: String,
    current: bool,
}

/// A conversation in the list.
struct Row {
    id: i64,
    name: String,
    platform: String,
    status: &'static str,
    /// "Waiting for a person", "Taken by ana", "The bot answers".
    status_text: String,
    unread: i64,
    preview: String,
    at: String,
    selected: bool,
}

/// The conversation opened beside the list.
struct Selected {
    id: i64,
    name: String,
    platform: String,
    status: &'static str,
    /// Who answers, in a sentence: "Waiting for a person since 10:42."
    status_sentence: String,
    with_a_person: bool,
    taken: bool,
    contact: Contact,
    /// The reply form's text: what was typed when a reply was refused.
    draft: String,
    /// Why the reply was not sent, in a sentence.
    refused: Option<String>,
    /// The operator accounts it can be assigned to, and who has it.
    operators: Vec<String>,
    assigned: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/inbox.html")]
struct InboxPage {
    nav: Nav,
    views: Vec<FilterLink>,
    channels: Vec<FilterLink>,
    params: Params,
    /// The filters' query string (`?status=...`, or empty), kept on the conversations' links.
    query: String,
    rows: Vec<Row>,
    selected: Option<Selected>,
    /// The opened conversation's timeline (`templates/dashboard/timeline.html`).
    timeline: Option<Timeline>,
}

/// A moment as the list shows it: the time alone today, the date and time before.
fn short_time(state: &AppState, at_ms: i64) -> String {
    let full = local_time(state, at_ms);
    let today = local_time(state, crate::store::now_ms());
    match (full.split_once(' '), today.split_once(' ')) {
        (Some((day, time)), Some((now_day, _))) if day == now_day => time.to_owned(),
        _ => full,
    }
}

/// Who answers, in a few words (the list) and in a sentence (the opened conversation).
fn status_words(state: &AppState, c: &InboxConversation) -> (String, String) {
    let assignee = c.assigned.as_ref().map(|a| a.username.as_str());
    match c.status {
        InboxStatus::NeedsPerson => {
            let since = c.asked_at.map(|at| format!(" since {}", short_time(state, at))).unwrap_or_default();
            let to = assignee.map(|a| format!(", assigned to {a}")).unwrap_or_default();
            (format!("Waiting for a person{to}"), format!("Waiting for a person{since}{to}."))
        }
        InboxStatus::Taken => {
            let who = assignee.unwrap_or("a person");
            let since = c.taken_at.map(|at| format!(" since {}", short_time(state, at))).unwrap_or_default();
            (format!("Taken by {who}"), format!("Taken by {who}{since}: the bot keeps quiet."))
        }
        InboxStatus::Bot => ("The bot answers".to_owned(), "The bot answers.".to_owned()),
    }
}

fn row(state: &AppState, c: &InboxConversation, selected: Option<i64>) -> Row {
    Row {
        id: c.contact.id,
        name: c.contact.display_name(),
        platform: c.contact.platform.to_string(),
        status: c.status.as_str(),
        status_text: status_words(state, c).0,
        unread: c.unread,
        preview: c.preview.clone().unwrap_or_default(),
        at: short_time(state, c.contact.updated_at),
        selected: selected == Some(c.contact.id),
    }
}

/// The filter bar: who answers (needs a person, mine, all) and the channel.
fn filter_links(params: &Params) -> (Vec<FilterLink>, Vec<FilterLink>) {
    let views = [("Needs a person", "needs_person", ""), ("Mine", "", "me"), ("All", "", "")]
        .into_iter()
        .map(|(label, status, assigned)| FilterLink {
            label,
            href: format!(
                "/inbox{}",
                params.with(|p| {
                    p.status = status.into();
                    p.assigned = assigned.into();
                })
            ),
            current: params.status.trim() == status && params.assigned.trim() == assigned,
        })
        .collect();
    let channels = [
        ("Every channel", ""),
        ("Messenger", "messenger"),
        ("Instagram", "instagram"),
        ("Web chat", "web"),
        ("Terminal", "console"),
    ]
    .into_iter()
    .map(|(label, platform)| FilterLink {
        label,
        href: format!("/inbox{}", params.with(|p| p.platform = platform.into())),
        current: params.platform.trim() == platform,
    })
    .collect();
    (views, channels)
}

/// The page, with conversation `open` beside the list (opening it marks it read).
async fn render(
    state: &AppState,
    dashboard: &Dashboard,
    params: Params,
    open: Option<i64>,
    draft: String,
    refused: Option<String>,
) -> Result<InboxPage, ApiError> {
    let user = &dashboard.session.user;
    let filter =
        api::filter(state, user, Some(&params.status), Some(&params.assigned), Some(&params.platform), &params.q)
            .await?;
    let selected = match open {
        Some(id) => {
            let conversation = state.inbox.open(user, id).await?;
            let operators = state
                .engine
                .store()
                .operator_accounts(None)
                .await?
                .into_iter()
                .filter(|a| !a.disabled)
                .map(|a| a.username)
                .collect();
            let (_, status_sentence) = status_words(state, &conversation);
            let contact = &conversation.contact;
            Some(Selected {
                id,
                name: contact.display_name(),
                platform: contact.platform.to_string(),
                status: conversation.status.as_str(),
                status_sentence,
                with_a_person: conversation.status.is_with_a_person(),
                taken: conversation.status == InboxStatus::Taken,
                contact: contact.clone(),
                draft,
                refused,
                operators,
                assigned: conversation.assigned.map(|a| a.username),
            })
        }
        None => None,
    };
    // Listed after opening, so that the opened conversation shows as read.
    let rows = state.inbox.list(user, filter).await?.iter().map(|c| row(state, c, open)).collect();
    let (views, channels) = filter_links(&params);
    let timeline = match &selected {
        Some(s) => Some(timeline(state, &s.contact).await?),
        None => None,
    };
    Ok(InboxPage {
        nav: Nav::of(dashboard),
        views,
        channels,
        query: params.with(|_| {}),
        params,
        rows,
        selected,
        timeline,
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    Ok(render(&state, &dashboard, params, None, String::new(), None).await?.into_response())
}

pub(super) async fn conversation(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    Ok(render(&state, &dashboard, params, Some(id), String::new(), None).await?.into_response())
}

/// What every form sends: the CSRF token, and for some a text (the reply) or a name (assign).
#[derive(Deserialize)]
pub(super) struct ActionForm {
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    to: String,
}

/// The conversation again, with the list's filters (`query`, as the form's address carried
/// them), at `anchor` (`#reply` after a reply: the newest messages above the form).
fn back(id: i64, query: Option<String>, anchor: &str) -> Response {
    let query = query.filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::to(&format!("/inbox/{id}{query}{anchor}")).into_response()
}

fn check_csrf(dashboard: &Dashboard, form: &ActionForm) -> Result<(), ApiError> {
    if dashboard.csrf_ok(&form.csrf) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("the form expired: open the inbox again and retry".into()))
    }
}

pub(super) async fn reply(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
    Query(params): Query<Params>,
    Form(form): Form<ActionForm>,
) -> Result<Response, ApiError> {
    check_csrf(&dashboard, &form)?;
    let refused = match state.inbox.reply(&dashboard.session.user, id, &form.text).await {
        Ok(_) => return Ok(back(id, query, "#reply")),
        Err(InboxError::Refused(why) | InboxError::BadInput(why)) => sentence(&why),
        Err(e) => return Err(e.into()),
    };
    // Nothing was sent: the page says why, with the text as typed.
    let page = render(&state, &dashboard, params, Some(id), form.text, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub(super) async fn take_over(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
    Form(form): Form<ActionForm>,
) -> Result<Response, ApiError> {
    check_csrf(&dashboard, &form)?;
    state.inbox.take_over(&dashboard.session.user, id).await?;
    Ok(back(id, query, ""))
}

pub(super) async fn release(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
    Form(form): Form<ActionForm>,
) -> Result<Response, ApiError> {
    check_csrf(&dashboard, &form)?;
    state.inbox.release(&dashboard.session.user, id).await?;
    Ok(back(id, query, ""))
}

pub(super) async fn assign(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
    Form(form): Form<ActionForm>,
) -> Result<Response, ApiError> {
    check_csrf(&dashboard, &form)?;
    state.inbox.assign(&dashboard.session.user, id, &form.to).await?;
    Ok(back(id, query, ""))
}
