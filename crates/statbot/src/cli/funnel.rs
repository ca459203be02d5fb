//! `statbot funnel FLOW`: a flow's funnel over a date range, as a table, JSON or CSV.

use super::{CliError, quiet_tool};
use crate::config::{Config, ConfigWarning};
use crate::funnels::{DateRange, Funnels, format};
use crate::store::Store;
use clap::{Args, ValueEnum};
use std::sync::Arc;

#[derive(Args)]
pub struct FunnelArgs {
    /// The flow's name.
    flow: String,
    /// First day, YYYY-MM-DD in the reporting time zone (default: 29 days before --to).
    #[arg(long)]
    from: Option<String>,
    /// Last day, included (default: today).
    #[arg(long)]
    to: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Add one funnel per day (JSON and CSV).
    #[arg(long)]
    by_day: bool,
    /// Use the shipped demo flow `coupon` (also used when no flow is configured).
    #[arg(long)]
    demo: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), args: FunnelArgs) -> Result<(), CliError> {
    let flows = quiet_tool(&mut config, &warnings, args.demo)?;
    let store = Store::open(&config.database_url).await?;
    let funnels = Funnels::new(store.clone(), Arc::new(flows), config.funnels.window_days, config.zone()?)?;
    let range = DateRange::parse(args.from.as_deref(), args.to.as_deref(), funnels.today())?;
    let report = funnels.report(&args.flow, range, args.by_day).await;
    store.close().await;
    let report = report?;
    match args.format {
        Format::Table => super::emit(&format::table(&report)),
        Format::Json => super::outln!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv => super::emit(&format::csv(&report)),
    }
    Ok(())
}
