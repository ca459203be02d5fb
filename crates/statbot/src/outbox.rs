//! The outbox sender: delivers stored replies to Messenger through the Send API, with a
//! timeout, retries with exponential backoff and jitter for temporary failures, and the reason
//! kept when it gives up. One contact's replies go out in order; different contacts' in
//! parallel. Web and terminal replies are delivered by their channels when shown.

use crate::channels::messenger::{GraphClient, SendError, SentMessage};
use crate::config::OutboxConfig;
use crate::engine::Engine;
use crate::store::{OutboxMessage, Store, StoreError, now_ms};
use statbot_core::{Platform, backoff};
use std::time::Duration;
use tokio::task::JoinSet;
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

/// A finished send, waiting to be recorded.
type Attempt = (OutboxMessage, Result<SentMessage, SendError>);

/// Sends one reply; the outcome is recorded later, together with others.
async fn send(graph: GraphClient, message: OutboxMessage) -> Attempt {
    let result = graph.send(&message.recipient, &message.reply).await;
    (message, result)
}

/// Records finished sends, trying again on a database error: a delivered reply left unrecorded
/// would be sent a second time once its lease ran out.
async fn record(store: &Store, settings: &SenderSettings, attempts: Vec<Attempt>) -> Result<(), StoreError> {
    let mut tries = 1;
    loop {
        match record_once(store, settings, &attempts).await {
            Err(e) if tries < RECORD_TRIES => {
                tracing::warn!(error = %e, tries, "recording sends failed; trying again");
                tokio::time::sleep(Duration::from_millis(50 * u64::from(tries))).await;
                tries += 1;
            }
            result => return result,
        }
    }
}

/// Attempts at recording a batch of sends.
const RECORD_TRIES: u32 = 5;

/// Records finished sends: the delivered ones in one statement, retries and failures one by
/// one (they are rare).
async fn record_once(store: &Store, settings: &SenderSettings, attempts: &[Attempt]) -> Result<(), StoreError> {
    let mut sent = Vec::with_capacity(attempts.len());
    for (message, result) in attempts {
        match result {
            Ok(ok) => sent.push((message.id, ok.message_id.clone())),
            Err(error) => record_failure(store, settings, message, error).await?,
        }
    }
    store.mark_sent(&sent).await
}

async fn record_failure(
    store: &Store,
    settings: &SenderSettings,
    message: &OutboxMessage,
    error: &SendError,
) -> Result<(), StoreError> {
    let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX);
    let reason = error.to_string();
    if error.is_retryable() && attempt < settings.max_attempts {
        let jitter: f64 = rand::random();
        let mut wait = backoff::delay(attempt, settings.base_backoff, settings.max_backoff, jitter);
        if let SendError::Retryable { retry_after: Some(after), .. } = error {
            wait = wait.max(*after);
        }
        tracing::warn!(outbox_id = message.id, attempt, wait_ms = wait.as_millis() as u64, %reason, "send failed; will retry");
        store.mark_retry(message.id, &reason, now_ms() + wait.as_millis() as i64).await
    } else {
        let reason = if error.is_retryable() { format!("gave up after {attempt} attempts: {reason}") } else { reason };
        if error.is_bad_token() {
            tracing::error!(%reason, "the page access token is refused: set STATBOT_MESSENGER_PAGE_TOKEN to a valid token");
        }
        tracing::error!(outbox_id = message.id, contact_id = message.contact_id, %reason, "reply not delivered");
        store.mark_failed(message, &reason).await
    }
}

/// The sender worker: keeps up to `concurrency` sends under way, each in its own task, so a
/// slow send (up to the timeout) holds up no other contact. Finished sends are recorded in
/// batches before more replies are claimed. With nothing due it sleeps until the next retry is
/// due, new replies are announced, or it is cancelled; then it lets the sends under way finish.
pub async fn run_sender(engine: Engine, graph: GraphClient, settings: SenderSettings, cancel: CancellationToken) {
    tracing::info!("outbox sender started");
    let store = engine.store().clone();
    let lease = settings.lease.as_millis() as i64;
    let mut in_flight: JoinSet<Attempt> = JoinSet::new();
    let mut finished: Vec<Attempt> = Vec::new();
    loop {
        while let Some(done) = in_flight.try_join_next() {
            collect(&mut finished, done);
        }
        if !finished.is_empty()
            && let Err(e) = record(&store, &settings, std::mem::take(&mut finished)).await
        {
            // The replies stay pending and leased; they are tried again once the lease runs out.
            tracing::error!(error = %e, "recording delivered replies failed");
        }
        let free = settings.concurrency.saturating_sub(in_flight.len());
        let wait = if free == 0 {
            POLL
        } else {
            match store.claim_outbox(Platform::Messenger, free as i64, lease).await {
                Ok(claimed) if !claimed.is_empty() => {
                    let full = claimed.len() == free;
                    for message in claimed {
                        in_flight.spawn(send(graph.clone(), message));
                    }
                    // All free slots filled: more may be due. Otherwise wait for a send to
                    // finish or for news.
                    if full {
                        continue;
                    }
                    POLL
                }
                Ok(_) => match store.next_outbox_due(Platform::Messenger).await {
                    Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(1, POLL.as_millis() as i64) as u64),
                    Ok(None) => POLL,
                    Err(e) => {
                        tracing::error!(error = %e, "reading the outbox failed");
                        POLL
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, "claiming replies to deliver failed; retrying shortly");
                    POLL
                }
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => collect(&mut finished, done),
            _ = engine.outbox_ready().notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    while let Some(done) = in_flight.join_next().await {
        collect(&mut finished, done);
    }
    if let Err(e) = record(&store, &settings, finished).await {
        tracing::error!(error = %e, "recording delivered replies failed");
    }
    tracing::info!("outbox sender stopped");
}

fn collect(finished: &mut Vec<Attempt>, done: Result<Attempt, tokio::task::JoinError>) {
    match done {
        Ok(attempt) => finished.push(attempt),
        // Only a panic in the HTTP client could get here; the reply stays leased and is tried
        // again once the lease runs out.
        Err(e) => tracing::error!(error = %e, "a send task failed"),
    }
}
