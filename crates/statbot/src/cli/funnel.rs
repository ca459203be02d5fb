//! `statbot funnel FLOW`: a flow's funnel over a date range, as a table, JSON or CSV, and by day
//! or by the ref its contacts came by or the variant of each split step (`--by day|ref|variant`).

use super::{CliError, quiet_tool};
use crate::config::{Config, ConfigWarning};
use crate::funnels::{DateRange, Funnels, csv, format};
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
    /// Add one funnel per day (JSON and CSV); the same as `--by day`.
    #[arg(long)]
    by_day: bool,
    /// Add one funnel per day (JSON and CSV), or per ref the contacts came by (an m.me link's
    /// `ref`; `(direct)` for none): see docs/links.md.
    /// `variant`: for each split step, the funnel by variant and which converts better (see
    /// docs/split-tests.md).
    #[arg(long, value_enum)]
    by: Option<By>,
    /// With `--by variant`: the step whose reaching counts as converting (default: the steps
    /// revealing a coupon after the split, else the last step).
    #[arg(long)]
    goal: Option<String>,
    /// Use the shipped demo flow `coupon` (also used when no flow is configured).
    #[arg(long)]
    demo: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum By {
    Day,
    Ref,
    Variant,
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
    let funnels = Funnels::new(store.clone(), Arc::new(flows), config.funnels.window_days, config.zone()?)?
        .with_min_sample(config.funnels.min_sample_per_variant);
    let range = DateRange::parse(args.from.as_deref(), args.to.as_deref(), funnels.today())?;
    let report = match args.by {
        Some(By::Ref | By::Variant) if args.by_day => Err(CliError("choose one of --by and --by-day".into())),
        _ if args.goal.is_some() && args.by != Some(By::Variant) => {
            Err(CliError("--goal goes with --by variant".into()))
        }
        Some(By::Variant) => {
            funnels.report_by_variant(&args.flow, range, args.goal.as_deref()).await.map_err(CliError::from)
        }
        Some(By::Ref) => funnels.report_by_ref(&args.flow, range).await.map_err(CliError::from),
        by => funnels.report(&args.flow, range, args.by_day || by == Some(By::Day)).await.map_err(CliError::from),
    };
    store.close().await;
    let report = report?;
    match args.format {
        Format::Table => super::emit(&format::table(&report)),
        Format::Json => super::outln!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv => super::emit(&csv::report(&report)),
    }
    Ok(())
}
