//! What happens in the inbox, told live to whoever watches it: the operators' `/inbox` pages,
//! the web chat of the contact concerned, the API's event stream. On one instance (SQLite) an
//! event goes straight to this process's subscribers. On PostgreSQL every instance listens on
//! one channel (`LISTEN statbot_inbox`) and an event is published with `pg_notify`, so an
//! operator on one instance sees at once what a contact wrote through another: the database is
//! the only thing the instances share.

use crate::store::{Backend, InboxStatus, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// The PostgreSQL channel the instances share.
const CHANNEL: &str = "statbot_inbox";
/// Events kept for a subscriber that reads slowly; one that falls further behind is told to
/// reload ([`InboxEventKind::Resync`]).
const BUFFER: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxEventKind {
    /// The contact wrote, while with a person.
    Message,
    /// The contact asked for a person.
    Asked,
    /// An operator took the conversation.
    Taken,
    /// An operator's reply was queued.
    Reply,
    /// The conversation went to another operator.
    Assigned,
    /// Handed back to the bot (by an operator or after their silence), with the bot's menu.
    Released,
    /// Events may have been missed (a lost database connection, a slow reader): reload.
    Resync,
}

/// One thing that happened to one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEvent {
    pub kind: InboxEventKind,
    /// 0 for [`InboxEventKind::Resync`].
    pub contact_id: i64,
    /// The conversation's status after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl InboxEvent {
    pub fn new(kind: InboxEventKind, contact_id: i64, status: InboxStatus) -> InboxEvent {
        InboxEvent { kind, contact_id, status: Some(status.as_str().to_owned()) }
    }

    fn resync() -> InboxEvent {
        InboxEvent { kind: InboxEventKind::Resync, contact_id: 0, status: None }
    }
}

/// The inbox's event bus; cheap to clone.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<InboxEvent>,
    /// Set while this instance listens on PostgreSQL: events then go through the database,
    /// which hands them back to every instance, this one included.
    through_database: Arc<AtomicBool>,
    /// Cancelled when the server starts shutting down: the live streams end.
    closing: CancellationToken,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(BUFFER).0,
            through_database: Arc::default(),
            closing: CancellationToken::new(),
        }
    }
}

impl Events {
    /// Ends every live stream (the server is shutting down and waits for open requests).
    pub fn close(&self) {
        self.closing.cancel();
    }

    /// Cancelled once [`Events::close`] is called.
    pub fn closing(&self) -> CancellationToken {
        self.closing.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<InboxEvent> {
        self.sender.subscribe()
    }

    /// Tells every watcher, on every instance. A failure to notify through the database is
    /// logged and told to this instance's watchers: the change itself is committed already.
    pub async fn publish(&self, store: &Store, events: Vec<InboxEvent>) {
        if events.is_empty() {
            return;
        }
        if self.through_database.load(Ordering::Acquire) {
            match notify(store, &events).await {
                Ok(()) => return,
                Err(e) => tracing::warn!(error = %e, "could not notify the other instances of an inbox event"),
            }
        }
        for event in events {
            // No subscriber is fine: nobody is watching.
            let _ = self.sender.send(event);
        }
    }

    /// Listens on PostgreSQL until cancelled, handing every instance's events to this one's
    /// watchers; reconnects after a lost connection, telling watchers to reload. Returns at
    /// once on SQLite.
    pub async fn listen(self, store: Store, url: String, cancel: CancellationToken) {
        if store.backend() != Backend::Postgres {
            return;
        }
        let mut listener = loop {
            match connect(&url).await {
                Ok(listener) => break listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for inbox events on PostgreSQL; trying again in 5 s");
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                    }
                }
            }
        };
        self.through_database.store(true, Ordering::Release);
        loop {
            let received = tokio::select! {
                _ = cancel.cancelled() => break,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(notification)) => match serde_json::from_str::<InboxEvent>(notification.payload()) {
                    Ok(event) => {
                        let _ = self.sender.send(event);
                    }
                    Err(e) => tracing::warn!(error = %e, "an inbox notification that is not an event"),
                },
                // The connection dropped and is made again on the next call: what was sent
                // meanwhile is lost, so watchers reload.
                Ok(None) => {
                    let _ = self.sender.send(InboxEvent::resync());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lost the inbox's PostgreSQL listener; reconnecting");
                    let _ = self.sender.send(InboxEvent::resync());
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
        self.through_database.store(false, Ordering::Release);
    }
}

async fn connect(url: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn notify(store: &Store, events: &[InboxEvent]) -> Result<(), StoreError> {
    let mut conn = store.conn().await?;
    for event in events {
        let payload = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // Through a subquery: the Any driver has no type for `void`, pg_notify's result.
        sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS notified")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Reads the next event a watcher should act on: a reader that fell behind gets a
/// [`InboxEventKind::Resync`] instead of the events it missed; `None` once the bus is gone.
pub async fn next(receiver: &mut broadcast::Receiver<InboxEvent>) -> Option<InboxEvent> {
    match receiver.recv().await {
        Ok(event) => Some(event),
        Err(broadcast::error::RecvError::Lagged(_)) => Some(InboxEvent::resync()),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}
