//! `statbot broadcast create NAME --flow FLOW [--step STEP] --segment SEGMENT [--at TIME]`: prints
//! who the broadcast will reach (and who not, and why), asks to go on (or `--yes`; `--dry-run`
//! only prints), then snapshots the audience; a running `statbot serve` sends it. `list`,
//! `show NAME [--format json]` (its funnel), `pause`, `resume` and `cancel` (docs/broadcasts.md).

use super::{CliError, quiet_tool};
use crate::config::{Config, ConfigWarning};
use crate::engine::{
    BroadcastAction, BroadcastPreview, BroadcastReport, BroadcastRequest, broadcast_report, prepare_broadcast,
};
use crate::store::Store;
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand)]
pub enum BroadcastCommand {
    /// Create a broadcast: a flow step sent to the contacts a segment chooses now.
    Create {
        /// 1 to 64 lower-case letters, digits, `-` and `_`.
        name: String,
        #[arg(long)]
        flow: String,
        /// The step sent (default: the flow's entry step).
        #[arg(long)]
        step: Option<String>,
        /// Who gets it, e.g. 'tag:vip and window:open' (see docs/segments.md).
        #[arg(long)]
        segment: String,
        /// When to start: RFC 3339 (`2026-12-24T09:00:00Z`) or `YYYY-MM-DDTHH:MM` in the business
        /// time zone (default: now).
        #[arg(long)]
        at: Option<String>,
        /// Create it without asking.
        #[arg(long)]
        yes: bool,
        /// Only print the preview.
        #[arg(long)]
        dry_run: bool,
    },
    /// Every broadcast, newest first.
    List,
    /// A broadcast and its funnel.
    Show {
        name: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Stop sending (those not reached yet wait).
    Pause { name: String },
    /// Go on sending a paused broadcast.
    Resume { name: String },
    /// Stop for good: those not reached yet never get it.
    Cancel { name: String },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), cmd: BroadcastCommand) -> Result<(), CliError> {
    let flows = quiet_tool(&mut config, &warnings, false)?;
    let store = Store::open(&config.database_url).await?;
    let result = match cmd {
        BroadcastCommand::Create { name, flow, step, segment, at, yes, dry_run } => {
            let zone = config.zone()?;
            let start_at =
                at.as_deref().map(|at| crate::dates::parse_start_at(at, &zone).map_err(CliError)).transpose()?;
            let request = BroadcastRequest { name, flow, step, segment, start_at };
            create(&store, &flows, &request, yes, dry_run).await
        }
        BroadcastCommand::List => list(&store).await,
        BroadcastCommand::Show { name, format } => show(&store, &name, format).await,
        BroadcastCommand::Pause { name } => act(&store, &name, BroadcastAction::Pause).await,
        BroadcastCommand::Resume { name } => act(&store, &name, BroadcastAction::Resume).await,
        BroadcastCommand::Cancel { name } => act(&store, &name, BroadcastAction::Cancel).await,
    };
    store.close().await;
    result
}

async fn create(
    store: &Store,
    flows: &crate::engine::LoadedFlows,
    request: &BroadcastRequest,
    yes: bool,
    dry_run: bool,
) -> Result<(), CliError> {
    let (new, preview) = prepare_broadcast(store, flows, request, "cli", crate::store::now_ms()).await?;
    super::emit(&preview_table(&preview));
    if dry_run {
        return Ok(());
    }
    if !yes && !confirm(&format!("Send `{}` to {} contacts? [y/N] ", new.name, preview.will_get_it))? {
        return Err(CliError("not created (pass --yes to create it without asking)".into()));
    }
    let broadcast = store.create_broadcast(&new).await?;
    outln!(
        "Created broadcast `{}` ({} recipients, {}): a running `statbot serve` sends it.",
        broadcast.name,
        broadcast.recipients,
        broadcast.status
    );
    Ok(())
}

/// Asks on the terminal; no terminal is a no.
fn confirm(prompt: &str) -> Result<bool, CliError> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    super::emit(prompt);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn preview_table(p: &BroadcastPreview) -> String {
    let rows = [
        ("matching the segment", p.matching),
        ("will get it", p.will_get_it),
        ("outside the messaging window", p.outside_the_window),
        ("opted out", p.opted_out),
        ("with a person", p.with_a_person),
    ];
    let mut table = vec![vec!["contacts".to_owned(), String::new()]];
    table.extend(rows.iter().map(|(label, n)| vec![(*label).to_owned(), n.to_string()]));
    crate::table::render(&table)
}

async fn list(store: &Store) -> Result<(), CliError> {
    let broadcasts = store.broadcasts().await?;
    if broadcasts.is_empty() {
        outln!("No broadcast yet: statbot broadcast create NAME --flow FLOW --segment SEGMENT");
        return Ok(());
    }
    let mut rows = vec![["name", "flow", "status", "recipients", "segment"].map(str::to_owned).to_vec()];
    rows.extend(broadcasts.into_iter().map(|b| vec![b.name, b.flow, b.status, b.recipients.to_string(), b.segment]));
    super::emit(&crate::table::render(&rows));
    Ok(())
}

async fn show(store: &Store, name: &str, format: Format) -> Result<(), CliError> {
    let report = broadcast_report(store, name).await?;
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let BroadcastReport { broadcast, funnel } = report;
    let step = broadcast.step.as_deref().unwrap_or("(entry step)");
    outln!(
        "Broadcast `{}`: flow {} at {step}, {}; segment {}",
        broadcast.name,
        broadcast.flow,
        broadcast.status,
        broadcast.segment
    );
    let mut rows = vec![vec!["".to_owned(), "contacts".to_owned()]];
    let mut row = |label: &str, n: i64| rows.push(vec![label.to_owned(), n.to_string()]);
    row("recipients", funnel.recipients);
    row("not reached yet", funnel.pending);
    for (reason, n) in &funnel.skipped {
        row(&format!("skipped: {reason}"), *n);
    }
    row("queued", funnel.queued);
    row("sent", funnel.sent);
    row("delivered", funnel.delivered);
    row("read", funnel.read);
    row("not sent", funnel.not_sent);
    row("tapped", funnel.tapped);
    row("revealed", funnel.revealed);
    row("redeemed", funnel.redemptions.redeemed as i64);
    rows.push(vec!["revenue".to_owned(), funnel.redemptions.revenue_text().unwrap_or_else(|| "none".to_owned())]);
    super::emit(&crate::table::render(&rows));
    Ok(())
}

async fn act(store: &Store, name: &str, action: BroadcastAction) -> Result<(), CliError> {
    let broadcast = action.apply(store, name).await?;
    outln!("Broadcast `{}` is {}.", broadcast.name, broadcast.status);
    Ok(())
}
