//! The Stripe connector: a client for the API ([`client`]), the objects it reads ([`types`]),
//! the charges and payment methods the shop creates ([`payments`]), and the incremental sync
//! into the store's mirror ([`sync`](mod@sync)). `statbot stripe sync` runs it on demand, and `statbot
//! serve` on a schedule ([`run_scheduled`]), one instance at a time.

pub mod client;
pub mod codes;
pub mod feed;
pub mod payments;
pub mod standin;
pub mod sync;
pub mod types;

pub use client::{ClientSettings, StripeClient, StripeError};
pub use sync::{ObjectList, SyncError, SyncOptions, SyncReport, sync};

use crate::config::StripeConfig;
use crate::schedule::{Job, Scheduler};
use crate::store::Store;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// A client for the configured account (`None` when no secret key is set).
pub fn client_from_config(config: &StripeConfig) -> Result<Option<StripeClient>, StripeError> {
    if !config.secret_key.is_set() {
        return Ok(None);
    }
    let settings =
        ClientSettings { timeout: Duration::from_secs(config.timeout_secs.max(1)), ..ClientSettings::default() };
    StripeClient::new(&config.api_base, config.secret_key.clone(), settings).map(Some)
}

/// One scheduled round: syncs unless another instance holds the sync lock. Returns the report,
/// or `None` when another instance was syncing.
pub async fn run_once(
    store: &Store,
    client: &StripeClient,
    options: &SyncOptions,
) -> Result<Option<SyncReport>, SyncError> {
    let Some(lock) = store.try_stripe_lock().await? else {
        if let Some(metrics) = client.metrics() {
            metrics.stripe_sync_run("skipped");
        }
        return Ok(None);
    };
    let result = sync(store, client, options, &mut |_, _| {}).await;
    lock.release().await;
    if let Some(metrics) = client.metrics() {
        match &result {
            Ok(report) => {
                metrics.stripe_sync_run("ok");
                for (list, written) in ObjectList::ALL.into_iter().zip(report.written) {
                    metrics.stripe_sync_objects(list.name(), written);
                }
            }
            Err(_) => metrics.stripe_sync_run("error"),
        }
    }
    result.map(Some)
}

/// The `serve` worker: a sync once per `interval` across the instances sharing the store (see
/// [`crate::schedule`]), until cancelled. A failed round is logged and the next one tries again
/// (each resumes where the last stopped).
pub async fn run_scheduled(
    scheduler: Scheduler,
    (store, client): (Store, StripeClient),
    interval: Duration,
    options: SyncOptions,
    cancel: CancellationToken,
) {
    let round = || async {
        let result = run_once(&store, &client, &options).await;
        match &result {
            Ok(Some(report)) if report.total() > 0 => {
                tracing::info!(written = report.total(), requests = report.requests, "Stripe mirror brought up to date")
            }
            Ok(Some(report)) => tracing::debug!(requests = report.requests, "Stripe mirror already up to date"),
            Ok(None) => tracing::debug!("another instance is still syncing Stripe"),
            // (A failed sync resumes where it stopped at the next interval.)
            Err(_) => {}
        }
        result.map(|_| ())
    };
    scheduler.every(Job::StripeSync, interval, &cancel, round).instrument(tracing::info_span!("stripe_sync")).await
}
