//! `statbot backup FILE [--force]` and `statbot restore FILE`: a consistent copy of the SQLite
//! database, taken while `statbot serve` runs, and putting one back while nothing runs. On
//! PostgreSQL both refuse and give the `pg_dump` / `pg_restore` line to run instead. The work is
//! in `store/backup.rs`.

use super::{CliError, warn_config};
use crate::config::{Config, ConfigWarning};
use crate::store::backup::{self, pg_dump_command, sqlite_path};
use crate::telemetry;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

/// The log filter of commands that copy whole databases (`backup`, `restore`, `db copy`):
/// warnings, but not sqlx's "slow statement" ones, which every big table's copy is (and which
/// would fill cron's mail, or break through the progress bar).
pub(super) const COPY_LOG_FILTER: &str = "warn,sqlx::query=error";

#[derive(Args)]
pub struct BackupArgs {
    /// The file to write (refused if it exists, unless --force).
    file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file `statbot backup` wrote.
    file: PathBuf,
}

pub async fn backup((config, warnings): (Config, Vec<ConfigWarning>), args: BackupArgs) -> Result<(), CliError> {
    telemetry::init(&crate::config::LogConfig { filter: COPY_LOG_FILTER.into(), ..config.log.clone() });
    warn_config(&warnings);
    let url: &str = &config.database_url;
    let file = &args.file;
    let shown = file.display();
    let Some(db) = sqlite_path(url) else {
        return Err(CliError(format!(
            "the database is PostgreSQL: back it up with pg_dump instead: {}",
            pg_dump_command(url, &file.to_string_lossy())
        )));
    };
    if backup::is_database_file(&db, file) {
        return Err(CliError(backup::own_file(file)));
    }
    if file.exists() && !args.force {
        return Err(CliError(format!("{shown} already exists: choose another name, or add --force to replace it")));
    }
    if file.is_dir() {
        return Err(CliError(format!("{shown} is a folder: name a file")));
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(CliError(format!("the folder {} does not exist", dir.display())));
    }
    let started = Instant::now();
    let report = backup::backup(&db, file).await?;
    crate::cli::outln!(
        "backed up {} to {shown}: {} in {} tables, {:.1} s",
        db.display(),
        size(report.bytes),
        report.tables,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn restore((config, warnings): (Config, Vec<ConfigWarning>), args: RestoreArgs) -> Result<(), CliError> {
    telemetry::init(&crate::config::LogConfig { filter: COPY_LOG_FILTER.into(), ..config.log.clone() });
    warn_config(&warnings);
    let started = Instant::now();
    let report = backup::restore(&config.database_url, &args.file).await?;
    let db = sqlite_path(&config.database_url).unwrap_or_default();
    let migrated = if report.from_version < report.to_version {
        format!(", migrated from schema version {} to {}", report.from_version, report.to_version)
    } else {
        String::new()
    };
    crate::cli::outln!(
        "restored {} from {}: {} tables{migrated}, {:.1} s",
        db.display(),
        args.file.display(),
        report.tables,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}
