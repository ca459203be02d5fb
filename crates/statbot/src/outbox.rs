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
/// Pause after a database error before trying again.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

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

/// Records failed sends (retry later, or give up with the reason); they are rare, so one by
/// one. Returns the delivered ones, for [`Store::mark_sent_and_claim`].
async fn record_failures(store: &Store, settings: &SenderSettings, attempts: Vec<Attempt>) -> Vec<(i64, String)> {
    let mut sent = Vec::with_capacity(attempts.len());
    for (message, result) in attempts {
        match result {
            Ok(ok) => sent.push((message.id, ok.message_id)),
            Err(error) => {
                // A failure left unrecorded keeps its lease and is tried again when it runs out.
                if let Err(e) = record_failure(store, settings, &message, &error).await {
                    tracing::error!(error = %e, outbox_id = message.id, "recording a failed send failed");
                }
            }
        }
    }
    sent
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
    // Delivered replies not yet recorded; kept until the database takes them, since a delivered
    // reply left unrecorded would be sent again once its lease ran out.
    let mut unrecorded: Vec<(i64, String)> = Vec::new();
    loop {
        while let Some(done) = in_flight.try_join_next() {
            collect(&mut finished, done);
        }
        unrecorded.extend(record_failures(&store, &settings, std::mem::take(&mut finished)).await);
        let free = settings.concurrency.saturating_sub(in_flight.len());
        let wait = match store.mark_sent_and_claim(&unrecorded, Platform::Messenger, free as i64, lease).await {
            Ok(claimed) => {
                unrecorded.clear();
                let (count, full) = (claimed.len(), free > 0 && claimed.len() == free);
                for message in claimed {
                    in_flight.spawn(send(graph.clone(), message));
                }
                if full {
                    // Every free slot filled: more may be due.
                    continue;
                }
                // With nothing new to send, sleep until the next retry is due (a send that
                // finishes wakes us earlier).
                if count == 0 && free > 0 { next_due_wait(&store).await } else { POLL }
            }
            Err(e) => {
                tracing::error!(error = %e, "recording or claiming replies failed; retrying shortly");
                RETRY_PAUSE
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
    unrecorded.extend(record_failures(&store, &settings, finished).await);
    if let Err(e) = store.mark_sent_and_claim(&unrecorded, Platform::Messenger, 0, lease).await {
        tracing::error!(error = %e, "recording delivered replies failed");
    }
    tracing::info!("outbox sender stopped");
}

/// How long to sleep with nothing under way: until the next retry is due, at most [`POLL`].
async fn next_due_wait(store: &Store) -> Duration {
    match store.next_outbox_due(Platform::Messenger).await {
        Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(1, POLL.as_millis() as i64) as u64),
        Ok(None) => POLL,
        Err(e) => {
            tracing::error!(error = %e, "reading the outbox failed");
            POLL
        }
    }
}

fn collect(finished: &mut Vec<Attempt>, done: Result<Attempt, tokio::task::JoinError>) {
    match done {
        Ok(attempt) => finished.push(attempt),
        // Only a panic in the HTTP client could get here; the reply stays leased and is tried
        // again once the lease runs out.
        Err(e) => tracing::error!(error = %e, "a send task failed"),
    }
}
