//! `GET /chat/events`: what the visitor's page waits for while a person has the conversation,
//! as Server-Sent Events: `event: chat`, data `{"kind"}` when an operator replied, took the
//! conversation or handed it back to the bot. The page then fetches itself again
//! (`chat.js`); without JavaScript a reload shows the same. Only events of the visitor's own
//! conversation are sent, and nothing but their kind.

use super::{AppState, visitor_id};
use crate::http::error::ApiError;
use crate::http::inbox::stream_until_closed;
use crate::inbox::InboxEventKind;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde_json::json;
use statbot_core::Platform;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub(super) async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let visitor = visitor_id(&state, &headers)
        .ok_or_else(|| ApiError::BadRequest("open /chat first: the chat needs its cookie".into()))?;
    let receiver = state.inbox.events().subscribe();
    // The visitor becomes a contact with their first message, maybe after the page opened.
    let contact_id = Arc::new(AtomicI64::new(0));
    let stream = stream_until_closed(state.clone(), receiver, move |state, event| {
        let (visitor, contact_id) = (visitor.clone(), contact_id.clone());
        async move {
            if !matches!(event.kind, InboxEventKind::Reply | InboxEventKind::Taken | InboxEventKind::Released) {
                return None;
            }
            if contact_id.load(Ordering::Relaxed) == 0 {
                let found = state.engine.store().find_contact(Platform::Web, &visitor).await.ok().flatten()?;
                contact_id.store(found.id, Ordering::Relaxed);
            }
            (event.contact_id == contact_id.load(Ordering::Relaxed))
                .then(|| Event::default().event("chat").data(json!({ "kind": event.kind }).to_string()))
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
