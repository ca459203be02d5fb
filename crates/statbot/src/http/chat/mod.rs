//! `/chat`: the web chat channel. A page that works without JavaScript: the conversation so
//! far ([`bubble`]), the latest buttons as form buttons, and a text box; each message's form
//! redirects to the page's newest reply (`/chat#latest`), and a small script (`chat.js`) adds
//! what needs one (opening there on a plain visit, copying a coupon code). Each visitor is a contact on the
//! `web` platform, known by a cookie the server issued and signed (`visitor`); new visitors
//! and their messages are rate-limited per address. It runs on the same engine and store as
//! Messenger. The images the bot sent may be on other sites (a flow's `image` can be any
//! http(s) URL): the page's Content-Security-Policy allows the origins of the ones it shows,
//! and nothing else.

mod bubble;
mod live;
mod visitor;

pub use visitor::VisitorIds;

use super::AppState;
use super::client_ip::ClientIp;
use super::cookies::{cookie, set_cookie};
use super::error::ApiError;
use super::security_headers::ThirdParty;
use crate::channels::local;
use crate::limits::Limit;
use crate::store::LoggedMessage;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use bubble::{Bubble, LATEST, Part};
use serde::Deserialize;
use statbot_core::{InboundContent, Platform};

/// The chat page, and the form that posts to it.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/chat", get(page).post(send))
}

/// The page's live events: a long-lived answer, so outside the router's request timeout.
pub(super) fn streams() -> Router<AppState> {
    Router::new().route("/chat/events", get(live::events))
}

const COOKIE: &str = "statbot_chat";
/// Messages shown on the page.
const HISTORY: i64 = 60;

#[derive(Template, WebTemplate)]
#[template(path = "chat.html")]
struct ChatPage {
    messages: Vec<Bubble>,
    /// Buttons of the latest bot message: the ones worth offering.
    choices: Vec<statbot_core::Button>,
    nonce: String,
}

#[derive(Deserialize)]
struct ChatForm {
    text: Option<String>,
    payload: Option<String>,
    title: Option<String>,
    nonce: String,
}

/// A year: the chat remembers a visitor that long.
const COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// The visitor the request's cookie proves, if it is one the server issued.
fn visitor_id(state: &AppState, headers: &HeaderMap) -> Option<String> {
    state.visitor_ids.verify(cookie(headers, COOKIE)?)
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

async fn page(State(state): State<AppState>, ip: ClientIp, headers: HeaderMap) -> Result<Response, ApiError> {
    let (visitor, new_cookie) = match visitor_id(&state, &headers) {
        Some(id) => (id, None),
        None => {
            state.limits.hit(Limit::ChatVisitorsPerIp, &ip.subject()).await?;
            let (id, value) = state.visitor_ids.issue();
            (id, Some(value))
        }
    };
    let store = state.engine.store();
    let (history, codes) = match store.find_contact(Platform::Web, &visitor).await? {
        Some(contact) => {
            // What an operator or the bot sent since the visitor's last message is delivered
            // by showing it now.
            store.take_pending_replies(contact.id).await?;
            (store.conversation(contact.id, HISTORY).await?, store.revealed_codes(contact.id).await?)
        }
        None => (Vec::new(), Vec::new()),
    };
    let choices = history
        .iter()
        .rev()
        .find_map(|m| match m {
            LoggedMessage::Out { reply, .. } if !reply.choices().is_empty() => Some(reply.choices().to_vec()),
            LoggedMessage::In { .. } => Some(Vec::new()),
            _ => None,
        })
        .unwrap_or_default();
    let messages = bubble::bubbles(history, &codes);
    let images = ThirdParty::images(messages.iter().filter_map(|m| m.image.as_deref()));
    let mut response = ChatPage { messages, choices, nonce: random_hex() }.into_response();
    response.extensions_mut().insert(images);
    if let Some(value) = new_cookie
        && let Ok(value) = HeaderValue::from_str(&set_cookie(&state, COOKIE, &value, "/chat", COOKIE_MAX_AGE_SECS))
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn send(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<ChatForm>,
) -> Result<Redirect, ApiError> {
    let visitor = visitor_id(&state, &headers)
        .ok_or_else(|| ApiError::BadRequest("open /chat first: the chat needs its cookie".into()))?;
    state.limits.hit(Limit::ChatMessagesPerVisitor, &visitor).await?;
    state.limits.hit(Limit::ChatMessagesPerIp, &ip.subject()).await?;
    if form.nonce.len() > 64 {
        return Err(ApiError::BadRequest("the form is malformed".into()));
    }
    let content = match (form.payload, form.text) {
        (Some(payload), _) if !payload.is_empty() => InboundContent::Payload { payload, title: form.title },
        (_, Some(text)) if !text.trim().is_empty() => {
            InboundContent::Text { text: text.trim().chars().take(2000).collect() }
        }
        _ => return Ok(Redirect::to("/chat")),
    };
    // The nonce makes a resubmitted form (reload, double click) one message, not two.
    let message_id = format!("web:{visitor}:{}", form.nonce);
    local::converse(&state.engine, Platform::Web, &visitor, message_id, content).await?;
    Ok(Redirect::to(&format!("/chat#{LATEST}")))
}
