//! Periodic jobs, once per interval however many instances run: every `statbot serve` runs the
//! same workers, and before each round a worker claims the job's run in the shared schedule
//! (`job_schedule`, see [`Store::claim_job_run`]). The claim succeeds for one instance only,
//! while the job is due, and makes it due again one interval later; the others wait for that time.
//! A run that fails, or whose instance stops half way, does not hold the job up: the next interval
//! is claimed as usual. What a job does stays safe to overlap on its own (the Stripe sync's lock,
//! orders and follow-ups claimed row by row, the rollup's cursor), so the schedule decides how
//! often a job runs, never whether its work is correct.

use crate::store::{Store, now_ms};
use crate::telemetry::metrics::Metrics;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The jobs on the schedule, by the name their row carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    StripeSync,
    ShopReconcile,
    FollowUps,
    FunnelRollup,
    InboxRelease,
    RateLimitSweep,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::StripeSync => "stripe_sync",
            Job::ShopReconcile => "shop_reconcile",
            Job::FollowUps => "follow_ups",
            Job::FunnelRollup => "funnel_rollup",
            Job::InboxRelease => "inbox_release",
            Job::RateLimitSweep => "rate_limit_sweep",
        }
    }
}

/// Claims jobs' runs for this instance; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    instance: Arc<str>,
    metrics: Option<Metrics>,
}

/// A run this instance claimed: [`Run::finish`] records its outcome.
#[must_use = "a run records its outcome with `finish`"]
pub struct Run {
    scheduler: Scheduler,
    job: Job,
    started_at: i64,
}

impl Scheduler {
    /// `instance` names this process in the schedule (the engine's lease owner).
    pub fn new(store: Store, instance: &str, metrics: Option<Metrics>) -> Scheduler {
        Scheduler { store, instance: instance.into(), metrics }
    }

    /// Claims `job`'s run when it is due (or never ran); `None` when it is not due or another
    /// instance claimed it first, or when the schedule could not be read (logged).
    pub async fn claim_if_due(&self, job: Job, every: Duration) -> Option<Run> {
        let now = now_ms();
        let every_ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX).max(1);
        match self.store.claim_job_run(job.name(), every_ms, &self.instance, now).await {
            Ok(true) => Some(Run { scheduler: self.clone(), job, started_at: now }),
            Ok(false) => None,
            Err(e) => {
                tracing::warn!(job = job.name(), error = %e, "could not claim the job's run; next interval");
                None
            }
        }
    }

    /// Runs `round` once per `every` across the instances until `cancel` fires, recording how
    /// each run ended (its error, if any, also logged: the next interval tries again). A round the stop cuts short is dropped: it stays
    /// `running` in the schedule, and the next interval is claimed as usual.
    pub async fn every<F, Fut, E>(&self, job: Job, every: Duration, cancel: &CancellationToken, mut round: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        while let Some(run) = self.next_run(job, every, cancel).await {
            let result = tokio::select! {
                _ = cancel.cancelled() => return,
                result = round() => result,
            };
            if let Err(e) = &result {
                tracing::warn!(job = job.name(), error = %e, "the job's run failed; the next interval tries again");
            }
            run.finish(result.err().map(|e| e.to_string())).await;
        }
    }

    /// Waits until `job` is due and claims its run; `None` once `cancel` fires. Instances that
    /// lose the claim wait for the next due time, so `job` starts once per `every` in all.
    async fn next_run(&self, job: Job, every: Duration, cancel: &CancellationToken) -> Option<Run> {
        loop {
            let wait = match self.store.job_due_at(job.name()).await {
                Ok(Some(due)) => Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)).min(every),
                Ok(None) => Duration::ZERO,
                Err(e) => {
                    tracing::warn!(job = job.name(), error = %e, "could not read the schedule; trying again");
                    every
                }
            };
            if !wait.is_zero() {
                tokio::select! {
                    _ = cancel.cancelled() => return None,
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
            if cancel.is_cancelled() {
                return None;
            }
            if let Some(run) = self.claim_if_due(job, every).await {
                return Some(run);
            }
            // Lost to another instance (the due time moved on), or the claim failed: a short
            // pause so that a failing database is not asked in a tight loop.
            tokio::select! {
                _ = cancel.cancelled() => return None,
                _ = tokio::time::sleep(every.min(Duration::from_millis(50))) => {}
            }
        }
    }
}

impl Run {
    /// Records that the run ended, with its error when it failed.
    pub async fn finish(self, error: Option<String>) {
        let Run { scheduler, job, started_at } = self;
        if let Some(metrics) = &scheduler.metrics {
            metrics.job_run(job.name(), if error.is_some() { "error" } else { "ok" });
        }
        let key = (job.name(), &*scheduler.instance, started_at);
        if let Err(e) = scheduler.store.finish_job_run(key, now_ms(), error.as_deref()).await {
            tracing::warn!(job = job.name(), error = %e, "could not record how the job's run ended");
        }
    }
}
