//! `GET /api/v1/conversations/events`: the inbox, live, as Server-Sent Events for operators (a
//! token, or the dashboard's session). Each event is `event: inbox` with
//! `{"kind", "contact_id", "status", "waiting"}`: what happened to which conversation, and how
//! many conversations wait for a person in the operator's view (the dashboard's navigation
//! shows it). The first event (`kind: "ready"`) gives the count at once. Events name
//! conversations by id only, and only those the operator may see (staff: their team's); a
//! change to another team's conversation comes as `kind: "elsewhere"` with `contact_id` 0 (its
//! messages not at all), so that the count and the list still follow. The pages read what they
//! may see through the routes that check.
//!
//! Streams end when the server shuts down ([`stream_until_closed`]), so they never hold up a
//! graceful stop.

use super::account;
use crate::http::AppState;
use crate::http::error::{ApiError, GuardedNoInput};
use crate::http::extract::Operator;
use crate::inbox::{InboxEvent, InboxEventKind, events};
use crate::store::{TeamScope, User};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde_json::json;
use std::convert::Infallible;
use std::time::Duration;

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[utoipa::path(
    get,
    path = "/api/v1/conversations/events",
    tag = "inbox",
    summary = "The inbox's live events (server-sent events)",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "A stream of server-sent events", content_type = "text/event-stream"),
        GuardedNoInput
    )
)]
pub(super) async fn operator_events(
    State(state): State<AppState>,
    operator: Operator,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let user = account(&state, operator.claims.sub).await?;
    let scope = state.inbox.scope(&user).await?;
    let waiting = state.inbox.waiting(&user).await?;
    let ready = json!({ "kind": "ready", "contact_id": 0, "waiting": waiting });
    let first = Event::default().event("inbox").data(ready.to_string());
    let receiver = state.inbox.events().subscribe();
    let updates = stream_until_closed(state.clone(), receiver, move |state, event| {
        let user = user.clone();
        async move { operator_event(&state, &user, scope, event).await }
    });
    let stream = futures::StreamExt::chain(futures::stream::once(async move { Ok(first) }), updates);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// The SSE event that tells `user` (reading in `scope`) of `event`: naming the conversation when
/// they may see it, as `elsewhere` when not, and nothing for a message they may not see.
async fn operator_event(state: &AppState, user: &User, scope: Option<TeamScope>, event: InboxEvent) -> Option<Event> {
    let visible = event.kind == InboxEventKind::Resync
        || state.inbox.in_scope(scope, event.contact_id).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not tell whose conversation an event is about; not named");
            false
        });
    if !visible && event.kind == InboxEventKind::Message {
        return None;
    }
    let mut data = if visible { json!(event) } else { json!({ "kind": "elsewhere", "contact_id": 0 }) };
    // A message changes no count: no query for it.
    if event.kind != InboxEventKind::Message {
        match state.inbox.waiting(user).await {
            Ok(waiting) => data["waiting"] = json!(waiting),
            Err(e) => tracing::warn!(error = %e, "could not count the conversations waiting"),
        }
    }
    Some(Event::default().event("inbox").data(data.to_string()))
}

/// The inbox's events as a stream of SSE events, each made by `to_event` (which may skip one by
/// answering `None`), until the bus closes or the server starts shutting down.
pub(in crate::http) fn stream_until_closed<F, Fut>(
    state: AppState,
    receiver: tokio::sync::broadcast::Receiver<InboxEvent>,
    to_event: F,
) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: Fn(AppState, InboxEvent) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Option<Event>> + Send,
{
    let closing = state.inbox.events().closing();
    futures::stream::unfold(
        (receiver, state, to_event, closing),
        |(mut receiver, state, to_event, closing)| async move {
            loop {
                let event = tokio::select! {
                    _ = closing.cancelled() => return None,
                    event = events::next(&mut receiver) => event?,
                };
                if let Some(sse) = to_event(state.clone(), event).await {
                    return Some((Ok(sse), (receiver, state, to_event, closing)));
                }
            }
        },
    )
}
