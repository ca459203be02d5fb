//! Sending broadcasts: reading a request (name, flow, step, segment) into a broadcast, its
//! preview (who will get it and who will not, and why), creating it (the API's and the
//! dashboard's one way), and the worker that sends it. The worker
//! claims a small batch of pending recipients and, in the transaction that marks them queued or
//! skipped, checks each may still get it (not opted out, not with a person, inside the messaging
//! window) and enters the step through the engine, its replies queued as `UPDATE` messages
//! carrying the broadcast's id. The claim, the checks, the replies and the marks commit together:
//! a contact gets a broadcast at most once, however many instances run and wherever one stops.
//! Batches are paced to `[broadcasts] rate` messages a second per instance.

use super::pushed::refused;
use super::{Batch, Engine, EngineError};
use crate::store::{self, Broadcast, BroadcastFunnel, NewBroadcast, Store, StoreError};
use statbot_core::{Entry, Segment};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Contacts read per page for a preview.
const PAGE: i64 = 1000;
/// How often the worker looks for a broadcast to send when none is.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// A broadcast as asked for (the CLI's arguments, the API's body).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct BroadcastRequest {
    pub name: String,
    pub flow: String,
    #[serde(default)]
    pub step: Option<String>,
    pub segment: String,
    /// From when (ms since the epoch); `None`: now.
    #[serde(default)]
    pub start_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error("a broadcast name is 1 to 64 lower-case letters, digits, `-` and `_`; `{0}` is not")]
    BadName(String),
    #[error("bad segment: {}", .0.explained())]
    BadSegment(statbot_core::SegmentError),
    #[error("no flow `{0}` is loaded")]
    UnknownFlow(String),
    #[error("flow `{0}` has no step `{1}`")]
    UnknownStep(String, String),
    #[error("no broadcast is named `{0}`")]
    NotFound(String),
    /// The name is taken (says which broadcast).
    #[error("{0} already exists")]
    Exists(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for BroadcastError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => BroadcastError::Exists(what),
            other => BroadcastError::Store(other),
        }
    }
}

impl BroadcastRequest {
    /// The broadcast to create, or what is wrong with the request.
    pub fn read(&self, flows: &super::LoadedFlows, created_by: &str) -> Result<NewBroadcast, BroadcastError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !name_ok {
            return Err(BroadcastError::BadName(self.name.clone()));
        }
        let segment = Segment::parse(&self.segment).map_err(BroadcastError::BadSegment)?;
        let Some(flow) = flows.set.get(&self.flow) else { return Err(BroadcastError::UnknownFlow(self.flow.clone())) };
        if let Some(step) = &self.step
            && flow.step(step).is_none()
        {
            return Err(BroadcastError::UnknownStep(self.flow.clone(), step.clone()));
        }
        Ok(NewBroadcast {
            name: self.name.clone(),
            flow: self.flow.clone(),
            step: self.step.clone(),
            segment,
            start_at: self.start_at.unwrap_or_else(store::now_ms),
            created_by: created_by.to_owned(),
        })
    }
}

/// Who a segment chooses now, and of those who would get a broadcast and who would not.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BroadcastPreview {
    pub matching: i64,
    pub will_get_it: i64,
    pub outside_the_window: i64,
    pub opted_out: i64,
    pub with_a_person: i64,
}

/// The preview of a broadcast to `segment` at `now`, with the sender's own checks (a page of
/// contacts at a time).
pub async fn preview(store: &Store, segment: &Segment, now: i64) -> Result<BroadcastPreview, StoreError> {
    let mut preview = BroadcastPreview::default();
    let mut after = 0;
    loop {
        let page = store.segment_contact_rows(segment, now, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
        let with_person = store::with_a_person(&mut *store.conn().await?, &ids).await?;
        for contact in &page {
            preview.matching += 1;
            match refused(contact, with_person.contains_key(&contact.id), now) {
                None => preview.will_get_it += 1,
                Some("opted out") => preview.opted_out += 1,
                Some("with a person") => preview.with_a_person += 1,
                Some(_) => preview.outside_the_window += 1,
            }
        }
    }
    Ok(preview)
}

/// A broadcast asked for, previewed, and created unless only previewed: what the API's
/// `POST /api/v1/broadcasts` answers and the dashboard's form shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    pub preview: BroadcastPreview,
    /// `None` for a preview.
    pub broadcast: Option<Broadcast>,
}

/// Reads a request (a name already taken is [`BroadcastError::Exists`]) and previews it at
/// `now`: what the CLI prints before asking to go on.
pub async fn prepare(
    store: &Store,
    flows: &super::LoadedFlows,
    request: &BroadcastRequest,
    created_by: &str,
    now: i64,
) -> Result<(NewBroadcast, BroadcastPreview), BroadcastError> {
    let new = request.read(flows, created_by)?;
    if store.broadcast(&new.name).await?.is_some() {
        return Err(BroadcastError::Exists(format!("a broadcast named `{}`", new.name)));
    }
    let preview = preview(store, &new.segment, now).await?;
    Ok((new, preview))
}

/// Previews a request and, unless `only_preview`, creates it (snapshotting its audience):
/// the API's `POST` and the dashboard's form both come here.
pub async fn create(
    store: &Store,
    flows: &super::LoadedFlows,
    request: &BroadcastRequest,
    created_by: &str,
    only_preview: bool,
) -> Result<Created, BroadcastError> {
    let (new, preview) = prepare(store, flows, request, created_by, store::now_ms()).await?;
    if only_preview {
        return Ok(Created { preview, broadcast: None });
    }
    let broadcast = store.create_broadcast(&new).await?;
    tracing::info!(broadcast = %broadcast.name, recipients = broadcast.recipients, by = %created_by, "broadcast created");
    Ok(Created { preview, broadcast: Some(broadcast) })
}

/// A broadcast with its funnel, as `statbot broadcast show --format json` and the API write it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BroadcastReport {
    #[serde(flatten)]
    pub broadcast: Broadcast,
    pub funnel: BroadcastFunnel,
}

/// The broadcast named `name` with its funnel.
pub async fn report(store: &Store, name: &str) -> Result<BroadcastReport, BroadcastError> {
    let broadcast = store.broadcast(name).await?.ok_or_else(|| BroadcastError::NotFound(name.to_owned()))?;
    let funnel = store.broadcast_funnel(&broadcast).await?;
    Ok(BroadcastReport { broadcast, funnel })
}

/// Pause, resume or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastAction {
    Pause,
    Resume,
    Cancel,
}

impl BroadcastAction {
    /// Applies it to the broadcast named `name`; returns the broadcast as it then stands (a
    /// broadcast already done or cancelled stays so).
    pub async fn apply(self, store: &Store, name: &str) -> Result<Broadcast, BroadcastError> {
        let (from, to): (&[&str], &str) = match self {
            BroadcastAction::Pause => (&["scheduled", "sending"], "paused"),
            // Back to scheduled: the worker starts it when its time has come (at once if past).
            BroadcastAction::Resume => (&["paused"], "scheduled"),
            BroadcastAction::Cancel => (&["scheduled", "sending", "paused"], "cancelled"),
        };
        store.set_broadcast_status(name, from, to).await?.ok_or_else(|| BroadcastError::NotFound(name.to_owned()))
    }
}

impl Engine {
    /// Claims up to `limit` pending recipients of a broadcast being sent and queues or skips
    /// each, in one transaction; returns how many were claimed (0: nothing to send).
    pub async fn send_broadcast_batch(&self, limit: i64) -> Result<usize, EngineError> {
        let store = &self.inner.store;
        let mut conn = store.conn().await?;
        let mut tx = store.begin(&mut conn).await?;
        let Some(claimed) = store::claim_broadcast_recipients(&mut tx, store.backend(), limit).await? else {
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(0);
        };
        let broadcast = &claimed.broadcast;
        let entry = Entry { flow: Some(broadcast.flow.clone()), step: broadcast.step.clone() };
        let now = store::now_ms();
        let mut batch = Batch::default();
        let mut skipped = Vec::new();
        for &contact_id in &claimed.contact_ids {
            let reason = match self.may_push(&mut tx, contact_id, now).await? {
                Ok(contact) => self.push_step(&mut tx, &contact, &entry, now, Some(broadcast.id), &mut batch).await?,
                Err(reason) => Some(reason),
            };
            if let Some(reason) = reason {
                skipped.push((contact_id, reason));
            }
        }
        store::skip_broadcast_recipients(&mut tx, broadcast.id, &skipped).await?;
        store::finish_sent_broadcasts(&mut tx, Some(broadcast.id)).await?;
        let leased = self.save(&mut tx, &batch).await?;
        tx.commit().await.map_err(StoreError::from)?;
        drop(conn);
        self.committed(batch, leased).await;
        let count = claimed.contact_ids.len();
        tracing::debug!(broadcast = %broadcast.name, count, skipped = skipped.len(), "broadcast batch queued");
        Ok(count)
    }
}

/// Sends broadcasts at most `rate` contacts a second, until cancelled.
pub async fn run_broadcasts(engine: Engine, rate: u32, cancel: CancellationToken) {
    let rate = rate.max(1);
    // Ten batches a second at most, so the pace is smooth, and small transactions.
    let limit = i64::from(rate.div_ceil(10).min(100));
    loop {
        let pause = match engine.send_broadcast_batch(limit).await {
            Ok(0) => IDLE_POLL,
            Ok(sent) => Duration::from_secs_f64(sent as f64 / f64::from(rate)),
            Err(e) => {
                tracing::warn!(error = %e, "could not send a broadcast batch; trying again later");
                IDLE_POLL
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}
