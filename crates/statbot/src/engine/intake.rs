//! Group commit for webhook deliveries: concurrent requests hand their messages to one task,
//! which stores everything waiting in one transaction and answers each request. Under load
//! that turns many small transactions into a few large ones; alone, a delivery is stored at
//! once. New messages are stored leased to this instance and handed straight to its processor;
//! delivery and read receipts are recorded in the same transaction.

use super::LEASE_MS;
use crate::store::{ClaimedInbound, Ingested, Store};
use statbot_core::{Inbound, Receipt};
use tokio::sync::{mpsc, oneshot};

/// Deliveries stored in one transaction at most.
const MAX_DELIVERIES_PER_COMMIT: usize = 512;
/// Deliveries waiting for the intake before requests wait for room.
const QUEUE: usize = 4096;

type Answer = oneshot::Sender<Result<Vec<Ingested>, String>>;

/// One delivery's messages and receipts, and where its outcome goes.
struct Delivery {
    messages: Vec<Inbound>,
    receipts: Vec<Receipt>,
    answer: Answer,
}

#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<Delivery>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("storing the messages failed: {0}")]
    Store(String),
    #[error("the intake has stopped")]
    Stopped,
}

impl Intake {
    /// Starts the intake task on `runtime`; it ends when every handle is dropped. New messages
    /// go to `processor`.
    pub fn start(
        store: Store,
        processor: mpsc::UnboundedSender<Vec<ClaimedInbound>>,
        runtime: &tokio::runtime::Handle,
    ) -> Intake {
        let (queue, receiver) = mpsc::channel(QUEUE);
        runtime.spawn(run(store, receiver, processor));
        Intake { queue }
    }

    /// Stores the messages and receipts durably (with whatever else is waiting) and returns the
    /// messages' outcome.
    pub async fn ingest(&self, messages: Vec<Inbound>, receipts: Vec<Receipt>) -> Result<Vec<Ingested>, IntakeError> {
        let (answer, answered) = oneshot::channel();
        self.queue.send(Delivery { messages, receipts, answer }).await.map_err(|_| IntakeError::Stopped)?;
        answered.await.map_err(|_| IntakeError::Stopped)?.map_err(IntakeError::Store)
    }
}

/// Attempts at storing one group: two instances storing the same redelivered messages at the
/// same moment can deadlock on PostgreSQL, which aborts one of them; trying again succeeds.
const ATTEMPTS: u32 = 3;

async fn ingest_with_retry(
    store: &Store,
    messages: &[Inbound],
    receipts: &[Receipt],
) -> Result<Vec<Ingested>, crate::store::StoreError> {
    let mut attempt = 1;
    loop {
        match store.ingest_with_receipts(messages, receipts, Some(LEASE_MS)).await {
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "storing webhook deliveries failed; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(10 * u64::from(attempt))).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

async fn run(
    store: Store,
    mut receiver: mpsc::Receiver<Delivery>,
    processor: mpsc::UnboundedSender<Vec<ClaimedInbound>>,
) {
    let mut batch = Vec::new();
    while receiver.recv_many(&mut batch, MAX_DELIVERIES_PER_COMMIT).await > 0 {
        // As the store keeps them (NULs replaced), so the processor acts on what was stored.
        let messages: Vec<Inbound> = batch
            .iter()
            .flat_map(|d| d.messages.iter())
            .map(|m| if m.has_nul() { m.without_nul() } else { m.clone() })
            .collect();
        let receipts: Vec<Receipt> = batch.iter_mut().flat_map(|d| std::mem::take(&mut d.receipts)).collect();
        match ingest_with_retry(&store, &messages, &receipts).await {
            Ok(outcomes) => {
                let fresh: Vec<ClaimedInbound> = messages
                    .into_iter()
                    .zip(&outcomes)
                    .filter_map(|(m, outcome)| {
                        Some(ClaimedInbound {
                            id: outcome.inbound_id?,
                            contact_id: outcome.contact_id,
                            platform: m.platform,
                            content: m.content,
                            sent_at: m.timestamp_ms,
                            referral: m.referral,
                        })
                    })
                    .collect();
                // Without a processor the leases run out and the queue's claims take them.
                if !fresh.is_empty() && processor.send(fresh).is_err() {
                    tracing::warn!("no inbound processor is running; messages wait in the queue");
                }
                let mut outcomes = outcomes.into_iter();
                for delivery in batch.drain(..) {
                    let _ = delivery.answer.send(Ok(outcomes.by_ref().take(delivery.messages.len()).collect()));
                }
            }
            Err(e) => {
                let message = e.to_string();
                tracing::error!(error = %message, deliveries = batch.len(), "storing webhook deliveries failed");
                for delivery in batch.drain(..) {
                    let _ = delivery.answer.send(Err(message.clone()));
                }
            }
        }
    }
}
