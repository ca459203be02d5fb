//! `statbot db copy --from URL --to URL`: moves every table of one statbot database into an
//! empty one (SQLite to PostgreSQL above all; see docs/postgresql.md, "Moving from SQLite"),
//! with a progress bar on a terminal, then prints each table's rows on both sides and fails
//! when any count differs. The copy itself is [`crate::store::copy`].

use super::CliError;
use crate::config::{Config, ConfigWarning};
use crate::store::copy::{self, Progress};
use clap::{Args, Subcommand};
use std::io::IsTerminal;

#[derive(Subcommand)]
pub enum DbCommand {
    /// Copy every table into an empty database (migrated first), checking the counts at the end.
    Copy(CopyArgs),
}

#[derive(Args)]
pub struct CopyArgs {
    /// The database to copy: sqlite://FILE or postgres://... (left as it is). Stop the
    /// servers using it first.
    #[arg(long)]
    from: String,
    /// The empty database to fill: postgres://... or sqlite://FILE.
    #[arg(long)]
    to: String,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), command: DbCommand) -> Result<(), CliError> {
    config.log.filter = "warn".into();
    crate::telemetry::init(&config.log);
    super::warn_config(&warnings);
    let DbCommand::Copy(args) = command;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} rows ({per_sec})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar
    });
    let mut progress = |event: Progress<'_>| {
        if let Some(bar) = &bar {
            match event {
                Progress::Total(total) => bar.set_length(total),
                Progress::Table(table) => bar.set_message(table.to_owned()),
                Progress::Rows(rows) => bar.inc(rows),
            }
        }
    };
    let result = copy::copy(&args.from, &args.to, &mut progress).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = result?;
    let mut rows = vec![["table", "source", "target", ""].map(String::from).to_vec()];
    for t in &report.tables {
        let mark = if t.source == t.target { "" } else { "MISMATCH" };
        rows.push(vec![t.table.clone(), t.source.to_string(), t.target.to_string(), mark.to_owned()]);
    }
    super::emit(&crate::table::render(&rows));
    let mismatches = report.mismatches();
    if !mismatches.is_empty() {
        let names: Vec<&str> = mismatches.iter().map(|t| t.table.as_str()).collect();
        return Err(CliError(format!(
            "the counts differ in {}: was a server writing to the source during the copy?",
            names.join(", ")
        )));
    }
    let rows = report.rows();
    outln!(
        "Copied {rows} row{} in {} tables to {}.",
        if rows == 1 { "" } else { "s" },
        report.tables.len(),
        crate::store::redact_url(&args.to)
    );
    Ok(())
}
