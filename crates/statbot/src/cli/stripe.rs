//! `statbot stripe sync [--full]`: brings the Stripe mirror up to date, with a progress line on
//! a terminal, and says what it did in one sentence.

use super::CliError;
use crate::config::Config;
use crate::store::Store;
use crate::stripe::{self, ObjectList, SyncOptions};
use clap::{Args, Subcommand};
use std::io::IsTerminal;

#[derive(Subcommand)]
pub enum StripeCommand {
    /// Mirror what is new (or, with --full, everything) from the Stripe API into the store.
    Sync(SyncArgs),
}

#[derive(Args)]
pub struct SyncArgs {
    /// Re-read every object, not only what is new since the last sync.
    #[arg(long)]
    full: bool,
}

pub async fn run((config, unknown): (Config, Vec<String>), command: StripeCommand) -> Result<(), CliError> {
    let mut config = config;
    config.log.filter = "warn".into();
    crate::telemetry::init(&config.log);
    super::warn_unknown(&unknown);
    let StripeCommand::Sync(args) = command;
    let client = stripe::client_from_config(&config.stripe)?
        .ok_or_else(|| CliError("no Stripe secret key is configured: set STATBOT_STRIPE_SECRET_KEY".into()))?;
    let store = Store::open(&config.database_url).await?;
    let result = sync(&store, &client, args.full).await;
    store.close().await;
    result
}

async fn sync(store: &Store, client: &stripe::StripeClient, full: bool) -> Result<(), CliError> {
    let Some(lock) = store.try_stripe_lock().await? else {
        return Err(CliError("another statbot instance is syncing Stripe right now; try again shortly".into()));
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} objects ({per_sec})")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let mut progress = |list: ObjectList, written: u64| {
        if let Some(bar) = &bar {
            bar.set_message(format!("syncing {}", list.name()));
            bar.inc(written);
        }
    };
    let options = SyncOptions { full, ..SyncOptions::default() };
    let result = stripe::sync(store, client, &options, &mut progress).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    lock.release().await;
    let report = result?;
    let [customers, products, charges, refunds] = report.written;
    let refreshed = match report.refreshed {
        0 => String::new(),
        n => format!(", {n} changed charges fetched again"),
    };
    outln!(
        "Stripe mirror up to date: {customers} customers, {products} products, {charges} charges, {refunds} refunds \
         written{refreshed} ({} requests, {:.1} s).",
        report.requests,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}
