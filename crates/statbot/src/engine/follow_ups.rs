//! Sending follow-ups (a flow step's `follow_up`): a worker claims each due one and, in the
//! transaction that marks it sent or skipped, checks the contact may still get it (not opted
//! out, not with a person, inside the messaging window, has not done `unless` since) and enters
//! the step through the engine like an entry, its replies queued as `UPDATE` messages. The claim,
//! the check, the replies and the mark commit together: a follow-up goes once, however many
//! instances run and wherever one stops.

use super::{Batch, Engine, EngineError, Origin};
use crate::schedule::{Job, Scheduler};
use crate::store::{self, DueFollowUp, NewFollowUp, StoreError};
use statbot_core::Entry;
use statbot_core::flow::{Flow, FollowUp};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What became of a due follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUpOutcome {
    Sent,
    /// Not sent, and why.
    Skipped(&'static str),
}

/// The follow-up a step entered at `now` schedules.
pub(super) fn scheduled(origin: Origin, contact_id: i64, flow: &Flow, from_step: &str, f: &FollowUp) -> NewFollowUp {
    NewFollowUp {
        contact_id,
        inbound_id: origin.inbound_id,
        flow: flow.name.clone(),
        from_step: from_step.to_owned(),
        step: f.step.clone(),
        unless: f.unless.as_ref().map(ToString::to_string),
        due_at: store::now_ms().saturating_add(f.after_ms),
    }
}

impl Engine {
    /// Claims the oldest due follow-up and sends or skips it, in one transaction; `None` when
    /// none is due.
    pub async fn send_due_follow_up(&self) -> Result<Option<FollowUpOutcome>, EngineError> {
        let store = &self.inner.store;
        let mut conn = store.conn().await?;
        let mut tx = store.begin(&mut conn).await?;
        let Some(due) = store::claim_due_follow_up(&mut tx, store.backend()).await? else { return Ok(None) };
        let mut batch = Batch::default();
        let outcome = match self.follow_up(&mut tx, &due, &mut batch).await? {
            Some(reason) => FollowUpOutcome::Skipped(reason),
            None => FollowUpOutcome::Sent,
        };
        let skipped = match outcome {
            FollowUpOutcome::Skipped(reason) => Some(reason),
            FollowUpOutcome::Sent => None,
        };
        store::finish_follow_up(&mut tx, due.id, skipped).await?;
        let leased = self.save(&mut tx, &batch).await?;
        tx.commit().await.map_err(StoreError::from)?;
        drop(conn);
        self.committed(batch, leased).await;
        tracing::debug!(id = due.id, contact_id = due.contact_id, ?outcome, "follow-up done");
        Ok(Some(outcome))
    }

    /// Enters the follow-up's step into `batch` when the contact may get it; otherwise the reason
    /// it is skipped.
    async fn follow_up(
        &self,
        tx: &mut sqlx::AnyConnection,
        due: &DueFollowUp,
        batch: &mut Batch,
    ) -> Result<Option<&'static str>, EngineError> {
        let now = store::now_ms();
        let contact = match self.may_push(tx, due.contact_id, now).await? {
            Ok(contact) => contact,
            Err(reason) => return Ok(Some(reason)),
        };
        if store::done_since(tx, due).await? {
            return Ok(Some("the contact did what it waited for"));
        }
        let entry = Entry { flow: Some(due.flow.clone()), step: Some(due.step.clone()) };
        self.push_step(tx, &contact, &entry, now, None, batch).await
    }
}

/// Sends due follow-ups once per `poll` across the instances sharing the store (see
/// [`crate::schedule`]), until cancelled: a round sends every follow-up then due.
pub async fn run_follow_ups(engine: Engine, scheduler: Scheduler, poll: Duration, cancel: CancellationToken) {
    let round = || async {
        while engine.send_due_follow_up().await?.is_some() {}
        Ok::<_, EngineError>(())
    };
    scheduler.every(Job::FollowUps, poll, &cancel, round).await
}
