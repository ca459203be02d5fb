//! `statbot stripe sync [--full]` brings the Stripe mirror up to date, with a progress line on
//! a terminal, and says what it did in one sentence. `statbot stripe revenue|top-customers|words`
//! print the sales figures over a range of days as a table, JSON or CSV.

use super::CliError;
use crate::config::{Config, ConfigWarning};
use crate::dates::DayRange;
use crate::sales::periods::{self, Period};
use crate::sales::report;
use crate::store::Store;
use crate::stripe::{self, ObjectList, SyncOptions};
use clap::{Args, Subcommand, ValueEnum};
use std::io::IsTerminal;

#[derive(Subcommand)]
pub enum StripeCommand {
    /// Mirror what is new (or, with --full, everything) from the Stripe API into the store.
    Sync(SyncArgs),
    /// Gross and net volume, refunds, payments, customers, spend per customer and average
    /// order value, with the change against the previous range of equal length.
    Revenue(RevenueArgs),
    /// The customers with the most net revenue.
    TopCustomers(RankArgs),
    /// The words of charge descriptions that bring the most revenue.
    Words(RankArgs),
}

/// The days a metric covers, and how it is printed.
#[derive(Args)]
pub struct RangeArgs {
    /// First day, YYYY-MM-DD, today or yesterday, in the business time zone (default: --days
    /// before --to).
    #[arg(long)]
    from: Option<String>,
    /// Last day, included (default: today).
    #[arg(long)]
    to: Option<String>,
    /// With --from: days after it; without: days before --to (default 29: thirty days).
    #[arg(long)]
    days: Option<i64>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args)]
pub struct RevenueArgs {
    #[command(flatten)]
    range: RangeArgs,
    /// The series' periods: day, week or month (default: by the range's length).
    #[arg(long)]
    period: Option<String>,
}

#[derive(Args)]
pub struct RankArgs {
    #[command(flatten)]
    range: RangeArgs,
    /// How many to show.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// The currency (default: the one with the most volume in the range).
    #[arg(long)]
    currency: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Args)]
pub struct SyncArgs {
    /// Re-read every object, not only what is new since the last sync.
    #[arg(long)]
    full: bool,
}

pub async fn run((config, warnings): (Config, Vec<ConfigWarning>), command: StripeCommand) -> Result<(), CliError> {
    let mut config = config;
    config.log.filter = "warn".into();
    crate::telemetry::init(&config.log);
    super::warn_config(&warnings);
    let store = Store::open(&config.database_url).await?;
    let result = match command {
        StripeCommand::Sync(args) => sync(&config, &store, args.full).await,
        StripeCommand::Revenue(args) => revenue(&config, &store, args).await,
        StripeCommand::TopCustomers(args) => top_customers(&config, &store, args).await,
        StripeCommand::Words(args) => words(&config, &store, args).await,
    };
    store.close().await;
    result
}

fn range(args: &RangeArgs, today: jiff::civil::Date) -> Result<DayRange, CliError> {
    periods::asked_range(args.from.as_deref(), args.to.as_deref(), args.days, today).map_err(CliError)
}

fn print(
    format: Format,
    json: impl serde::Serialize,
    table: impl FnOnce() -> String,
    csv: impl FnOnce() -> String,
) -> Result<(), CliError> {
    match format {
        Format::Table => super::emit(&table()),
        Format::Json => outln!("{}", serde_json::to_string_pretty(&json)?),
        Format::Csv => super::emit(&csv()),
    }
    Ok(())
}

async fn revenue(config: &Config, store: &Store, args: RevenueArgs) -> Result<(), CliError> {
    let metrics = crate::sales::from_config(config, config.zone()?, store.clone())?;
    let range = range(&args.range, metrics.today())?;
    let period = match &args.period {
        Some(text) => text.parse::<Period>().map_err(CliError)?,
        None => Period::for_range(range),
    };
    let report = metrics.revenue(range, period).await?;
    print(args.range.format, &report, || report::revenue_table(&report), || report::revenue_csv(&report))
}

async fn top_customers(config: &Config, store: &Store, args: RankArgs) -> Result<(), CliError> {
    let metrics = crate::sales::from_config(config, config.zone()?, store.clone())?;
    let range = range(&args.range, metrics.today())?;
    let report = metrics.top_customers(range, args.currency.as_deref(), args.limit.max(1)).await?;
    print(args.range.format, &report, || report::top_customers_table(&report), || report::top_customers_csv(&report))
}

async fn words(config: &Config, store: &Store, args: RankArgs) -> Result<(), CliError> {
    let metrics = crate::sales::from_config(config, config.zone()?, store.clone())?;
    let range = range(&args.range, metrics.today())?;
    let report = metrics.words(range, args.currency.as_deref(), args.limit.max(1)).await?;
    print(args.range.format, &report, || report::words_table(&report), || report::words_csv(&report))
}

async fn sync(config: &Config, store: &Store, full: bool) -> Result<(), CliError> {
    let client = stripe::client_from_config(&config.stripe)?
        .ok_or_else(|| CliError("no Stripe secret key is configured: set STATBOT_STRIPE_SECRET_KEY".into()))?;
    let zone = config.zone()?;
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
    let options = SyncOptions { full, zone, ..SyncOptions::default() };
    let result = stripe::sync(store, &client, &options, &mut progress).await;
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
