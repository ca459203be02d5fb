//! The background worker that acts on stored inbound messages: those the webhook intake hands
//! over as it stores them, and, looking now and then, those left in the queue (by other
//! instances, expired leases, or messages that had to wait for an older one of their contact).
//! On a stop it acts on what it was handed before it ends.

use super::Engine;
use crate::store::{self, ClaimScope, ClaimedInbound};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Messages claimed from the queue per round.
const BATCH: i64 = 64;
/// Intake commits whose messages are acted on together at most.
const HANDED_COMMITS: usize = 64;
/// How often to look for work nobody announced (other instances, expired leases).
const POLL: Duration = Duration::from_millis(500);

pub async fn run_processor(engine: Engine, cancel: CancellationToken) {
    let Some(mut handed) = engine.take_inbound_handoff() else {
        tracing::error!("an inbound processor is already running");
        return;
    };
    tracing::info!("inbound processor started");
    let mut commits = Vec::new();
    let mut look_at_queue = true;
    let mut next_look = Instant::now() + POLL;
    loop {
        if look_at_queue {
            // Web and terminal messages are acted on by their own channel, at once.
            match engine.process_pending(BATCH, ClaimScope::Meta).await {
                // Acting on a contact's message makes their next one claimable: look again.
                Ok(n) if n > 0 && !cancel.is_cancelled() => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "processing inbound messages failed; retrying shortly"),
            }
            look_at_queue = false;
            next_look = Instant::now() + POLL;
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            received = handed.recv_many(&mut commits, HANDED_COMMITS) => {
                if received == 0 {
                    break;
                }
                let messages: Vec<_> = commits.drain(..).flatten().collect();
                if let Err(e) = engine.process_handed(messages).await {
                    // Their leases run out and the queue's claims take them.
                    tracing::error!(error = %e, "processing inbound messages failed; retrying shortly");
                }
            }
            _ = engine.inbound_ready().notified() => look_at_queue = true,
            _ = tokio::time::sleep_until(next_look) => look_at_queue = true,
        }
    }
    finish_handed(&engine, &mut handed).await;
    tracing::info!("inbound processor stopped");
}

/// On a stop, acts on the deliveries the intake handed over and acknowledged but this processor
/// has not taken yet (the server takes no more by then), or hands their leases back if that fails.
async fn finish_handed(engine: &Engine, handed: &mut mpsc::UnboundedReceiver<Vec<ClaimedInbound>>) {
    handed.close();
    let mut held = Vec::new();
    while let Ok(batch) = handed.try_recv() {
        held.extend(batch);
    }
    if held.is_empty() {
        return;
    }
    let ids: Vec<i64> = held.iter().map(|m| m.id).collect();
    tracing::info!(messages = ids.len(), "acting on the messages handed over before the stop");
    if let Err(e) = engine.process_handed(held).await {
        tracing::error!(error = %e, "acting on them failed; their leases are handed back");
        let released = async { store::release_inbound(&mut *engine.store().conn().await?, &ids).await };
        if let Err(e) = released.await {
            tracing::error!(error = %e, "handing the leases back failed; they run out on their own");
        }
    }
}
