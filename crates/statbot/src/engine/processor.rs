//! The background worker that acts on stored inbound messages: woken when the webhook stores
//! some, and polling now and then for work left by other instances or expired leases.

use super::Engine;
use crate::store::ClaimScope;
use statbot_core::Platform;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Messages claimed per round.
const BATCH: i64 = 64;
/// How often to look for work nobody announced (other instances, expired leases).
const POLL: Duration = Duration::from_millis(500);

pub async fn run_processor(engine: Engine, cancel: CancellationToken) {
    tracing::info!("inbound processor started");
    loop {
        // Web and terminal messages are acted on by their own channel, at once.
        match engine.process_pending(BATCH, ClaimScope::Platform(Platform::Messenger)).await {
            // Acting on a contact's message makes their next one claimable: look again.
            Ok(n) if n > 0 && !cancel.is_cancelled() => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "processing inbound messages failed; retrying shortly"),
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = engine.inbound_ready().notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    tracing::info!("inbound processor stopped");
}
