//! The outbox sender: delivers stored replies to Messenger through the Send API, with a
//! timeout, retries with exponential backoff and jitter for temporary failures, and the reason
//! kept when it gives up. One contact's replies go out in order; different contacts' in
//! parallel. Web and terminal replies are delivered by their channels when shown.

use crate::channels::messenger::{GraphClient, SendError};
use crate::config::OutboxConfig;
use crate::engine::Engine;
use crate::store::{OutboxMessage, Store, StoreError, now_ms};
use futures::StreamExt;
use statbot_core::{Platform, backoff};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Longest wait between looks at the outbox when nothing announces work.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub concurrency: usize,
    /// How long a claimed reply stays reserved; longer than the send timeout.
    pub lease: Duration,
}

impl SenderSettings {
    pub fn new(config: &OutboxConfig, send_timeout: Duration) -> Self {
        SenderSettings {
            max_attempts: config.max_attempts.max(1),
            base_backoff: Duration::from_millis(config.base_backoff_ms),
            max_backoff: Duration::from_millis(config.max_backoff_ms),
            concurrency: config.concurrency.max(1),
            lease: send_timeout * 3 + Duration::from_secs(5),
        }
    }
}

/// What happened to one reply in a delivery round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retrying,
    Failed,
}

/// Claims the due replies and delivers them: one round. Returns the outcomes.
pub async fn deliver_due(
    store: &Store,
    graph: &GraphClient,
    settings: &SenderSettings,
) -> Result<Vec<Outcome>, StoreError> {
    let claimed =
        store.claim_outbox(Platform::Messenger, settings.concurrency as i64, settings.lease.as_millis() as i64).await?;
    let outcomes = futures::stream::iter(claimed.into_iter().map(|m| deliver(store, graph, settings, m)))
        .buffer_unordered(settings.concurrency)
        .collect::<Vec<_>>()
        .await;
    outcomes.into_iter().collect()
}

async fn deliver(
    store: &Store,
    graph: &GraphClient,
    settings: &SenderSettings,
    message: OutboxMessage,
) -> Result<Outcome, StoreError> {
    match graph.send(&message.recipient, &message.reply).await {
        Ok(sent) => {
            store.mark_sent(message.id, Some(&sent.message_id)).await?;
            Ok(Outcome::Sent)
        }
        Err(error) => {
            let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX);
            let reason = error.to_string();
            if error.is_retryable() && attempt < settings.max_attempts {
                let jitter: f64 = rand::random();
                let mut wait = backoff::delay(attempt, settings.base_backoff, settings.max_backoff, jitter);
                if let SendError::Retryable { retry_after: Some(after), .. } = &error {
                    wait = wait.max(*after);
                }
                tracing::warn!(outbox_id = message.id, attempt, wait_ms = wait.as_millis() as u64, %reason, "send failed; will retry");
                store.mark_retry(message.id, &reason, now_ms() + wait.as_millis() as i64).await?;
                Ok(Outcome::Retrying)
            } else {
                let reason =
                    if error.is_retryable() { format!("gave up after {attempt} attempts: {reason}") } else { reason };
                tracing::error!(outbox_id = message.id, contact_id = message.contact_id, %reason, "reply not delivered");
                store.mark_failed(&message, &reason).await?;
                Ok(Outcome::Failed)
            }
        }
    }
}

/// The sender worker: delivers as long as there is due work, then sleeps until the next retry
/// is due, new replies are announced, or it is cancelled.
pub async fn run_sender(engine: Engine, graph: GraphClient, settings: SenderSettings, cancel: CancellationToken) {
    tracing::info!("outbox sender started");
    let store = engine.store().clone();
    loop {
        let wait = match deliver_due(&store, &graph, &settings).await {
            Ok(outcomes) if !outcomes.is_empty() => continue,
            Ok(_) => match store.next_outbox_due(Platform::Messenger).await {
                Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(1, POLL.as_millis() as i64) as u64),
                Ok(None) => POLL,
                Err(e) => {
                    tracing::error!(error = %e, "reading the outbox failed");
                    POLL
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "delivering replies failed; retrying shortly");
                POLL
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = engine.outbox_ready().notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    tracing::info!("outbox sender stopped");
}
