//! `statbot db copy --from URL --to URL`: moves every table of one statbot database into an
//! empty one (SQLite to PostgreSQL above all; see docs/postgresql.md, "Moving from SQLite"),
//! with a progress bar on a terminal. It then counts each table's rows on both sides, prints
//! those holding rows when stdout is a terminal, and fails when any count differs; off a
//! terminal it prints one line. The copy itself is [`crate::store::copy`].

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
    config.log.filter = super::backup::COPY_LOG_FILTER.into();
    crate::telemetry::init(&config.log);
    super::warn_config(&warnings);
    let DbCommand::Copy(args) = command;
    let bar = std::io::stderr().is_terminal().then(progress_bar);
    let mut progress = |event: Progress<'_>| {
        if let Some(bar) = &bar {
            match event {
                Progress::Total(total) => {
                    bar.set_length(total);
                    // The time left is reckoned from the first row, not from the migrations.
                    bar.reset_elapsed();
                    bar.reset_eta();
                }
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
    // On a terminal, the tables that hold rows, on both sides, as a record of the move; off
    // one, just the line below (or the error).
    if std::io::stdout().is_terminal() {
        let mut rows = vec![["table", "source", "target", ""].map(String::from).to_vec()];
        for t in report.tables.iter().filter(|t| t.source != 0 || t.target != 0) {
            let mark = if t.source == t.target { "" } else { "MISMATCH" };
            rows.push(vec![t.table.clone(), t.source.to_string(), t.target.to_string(), mark.to_owned()]);
        }
        super::emit(&crate::table::render(&rows));
    }
    let mismatches = report.mismatches();
    if !mismatches.is_empty() {
        let tables: Vec<String> = mismatches
            .iter()
            .map(|t| format!("{} ({} in the source, {} in the target)", t.table, t.source, t.target))
            .collect();
        return Err(CliError(format!(
            "the row counts differ in {}: keep using the source, and empty the target (dropdb, createdb) before copying again",
            tables.join(", ")
        )));
    }
    let rows = report.rows();
    outln!(
        "Copied {} row{} in {} tables to {}: every table has as many rows as in the source.",
        statbot_core::numbers::grouped_units(rows, 0),
        if rows == 1 { "" } else { "s" },
        report.tables.len(),
        crate::store::redact_url(&args.to)
    );
    Ok(())
}

/// The bar on stderr: the table being copied, and the rows copied of all those to copy.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    // A constant template, so never refused; were it, the default bar would do.
    let style = indicatif::ProgressStyle::with_template("{msg:24} [{bar:30}] {human_pos}/{human_len} rows, {eta} left")
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
