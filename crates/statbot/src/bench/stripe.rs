//! `statbot bench stripe-sync`: sync throughput. An in-process stand-in serves N generated
//! charges (newest first, pages of 100, as the Stripe API does) over real HTTP; a full sync
//! into a fresh database is timed, then a sync with nothing new.

use crate::cli::{CliError, outln};
use crate::config::Secret;
use crate::store::Store;
use crate::stripe::standin::StripeStandIn;
use crate::stripe::{ClientSettings, StripeClient, SyncOptions, sync};
use std::time::Instant;

pub async fn run(charges: usize, database_url: Option<String>) -> Result<(), CliError> {
    let temp = super::temp_dir()?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", temp.join("bench.db").display()));
    let result = bench(charges, &url).await;
    let _ = std::fs::remove_dir_all(&temp);
    result
}

async fn bench(charges: usize, url: &str) -> Result<(), CliError> {
    let standin = StripeStandIn::start().await?;
    standin.fill_charges(charges, 1_600_000_000);
    let store = Store::open(url).await?;
    let client = StripeClient::new(&standin.base_url(), Secret::new("sk_test_bench"), ClientSettings::default())?;
    outln!(
        "bench stripe-sync: {charges} charges from a local stand-in (pages of 100), into {}",
        crate::store::redact_url(url)
    );

    let started = Instant::now();
    let report = sync(&store, &client, &SyncOptions::default(), &mut |_, _| {}).await?;
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "  first sync: {} objects in {:.2} s = {:.0} objects/s ({} requests)",
        report.total(),
        secs,
        report.total() as f64 / secs,
        report.requests
    );

    let started = Instant::now();
    let idle = sync(&store, &client, &SyncOptions::default(), &mut |_, _| {}).await?;
    outln!("  sync with nothing new: {:.2} ms, {} requests", started.elapsed().as_secs_f64() * 1e3, idle.requests);

    let started = Instant::now();
    let full = sync(&store, &client, &SyncOptions { full: true, ..SyncOptions::default() }, &mut |_, _| {}).await?;
    let secs = started.elapsed().as_secs_f64();
    outln!("  full re-read (upserts): {:.0} objects/s", full.total() as f64 / secs);
    store.close().await;
    Ok(())
}
