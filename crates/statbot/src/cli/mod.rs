//! The command line: one binary whose subcommands are the process roles (`serve`) and the
//! operator's tools (`health`, `chat`, `flows`, `funnel`, `links`, `dataset`, `intents`,
//! `contacts`, `broadcast`, `messenger`, `stripe`, `team`, `users`, `backup`, `restore`, `db`,
//! `config`, `bench`). Errors end as one plain sentence on
//! stderr and a non-zero exit code, never a backtrace.

/// `println!` for command output: see [`emit`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

mod accounts;
mod backup;
mod broadcast;
mod chat;
mod contacts;
mod dataset;
mod db;
mod entry_links;
mod flows;
mod funnel;
mod health;
mod intents;
mod jobs;
mod links;
mod messenger;
mod serve;
mod stripe;
mod team;
mod users;

use crate::config::{self, Config, ConfigError, ConfigWarning};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "statbot", version, about = "Self-hosted chat-bot and metrics server for small businesses")]
struct Cli {
    /// Configuration file (default: ./statbot.toml when present).
    #[arg(long, global = true, env = "STATBOT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server: webhooks, API, web chat, and the background workers.
    Serve(serve::ServeArgs),
    /// Ask a running server's `/healthz`: exit 0 when it answers 200, 1 otherwise (for probes).
    Health(health::HealthArgs),
    /// Talk to the bot in this terminal, over the same engine and store as Messenger.
    Chat(chat::ChatArgs),
    /// Work with flow files.
    #[command(subcommand)]
    Flows(flows::FlowsCommand),
    /// A flow's funnel over a date range.
    Funnel(funnel::FunnelArgs),
    /// Entry links: m.me URLs with a ref that open a flow, their QR codes, what they brought.
    #[command(subcommand)]
    Links(entry_links::LinksCommand),
    /// Import data sets and look at their rows.
    #[command(subcommand)]
    Dataset(dataset::DatasetCommand),
    /// Broadcasts: a flow step sent to the contacts a segment chooses, with a preview first.
    #[command(subcommand)]
    Broadcast(broadcast::BroadcastCommand),
    /// Erase a contact's personal data (`forget`), for a request made by other means than Meta's.
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Review free text the bot did not understand.
    #[command(subcommand)]
    Intents(intents::IntentsCommand),
    /// Team stats: the interactive app, or `add`, `view`, `export`, `metrics`, `list` for scripts.
    Team(team::TeamArgs),
    /// Mirror Stripe charges, refunds, customers and products into the store.
    #[command(subcommand)]
    Stripe(stripe::StripeCommand),
    /// Manage operator accounts.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Set up the Facebook Page from the `[page]` section: Get Started, greeting, ice breakers, menu.
    #[command(subcommand)]
    Messenger(messenger::MessengerCommand),
    /// A consistent copy of the SQLite database, taken while `statbot serve` runs.
    Backup(backup::BackupArgs),
    /// Put a backup in place of the SQLite database (with no statbot running), and migrate it up.
    Restore(backup::RestoreArgs),
    /// The periodic jobs (Stripe sync, reconciler, follow-ups, funnel rollup, …): when each last
    /// ran, on which instance, how it ended, and when the next run is due.
    Jobs(jobs::JobsArgs),
    /// Database tools: `copy` moves every table to an empty database (SQLite to PostgreSQL).
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Measure performance.
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example statbot.toml.
    Default,
}

/// A failure to report to the user as one sentence.
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().global_queue_interval(8).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("statbot: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("statbot: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Config(ConfigCommand::Default) => {
            emit(config::EXAMPLE);
            Ok(())
        }
        Command::Flows(cmd) => flows::run(cmd),
        Command::Serve(args) => serve::run(load_config(cli.config)?, args).await,
        Command::Health(args) => health::run(load_config(cli.config)?, args).await,
        Command::Chat(args) => chat::run(load_config(cli.config)?, args).await,
        Command::Team(args) => team::run(load_config(cli.config)?, args).await,
        Command::Users(cmd) => users::run(load_config(cli.config)?, cmd).await,
        Command::Dataset(cmd) => dataset::run(load_config(cli.config)?, cmd).await,
        Command::Intents(cmd) => intents::run(load_config(cli.config)?, cmd).await,
        Command::Contacts(cmd) => contacts::run(load_config(cli.config)?, cmd).await,
        Command::Broadcast(cmd) => broadcast::run(load_config(cli.config)?, cmd).await,
        Command::Stripe(cmd) => stripe::run(load_config(cli.config)?, cmd).await,
        Command::Funnel(args) => funnel::run(load_config(cli.config)?, args).await,
        Command::Messenger(cmd) => messenger::run(load_config(cli.config)?, cmd).await,
        Command::Links(cmd) => entry_links::run(load_config(cli.config)?, cmd).await,
        Command::Backup(args) => backup::backup(load_config(cli.config)?, args).await,
        Command::Restore(args) => backup::restore(load_config(cli.config)?, args).await,
        Command::Db(cmd) => db::run(load_config(cli.config)?, cmd).await,
        Command::Jobs(args) => jobs::run(load_config(cli.config)?, args).await,
        Command::Bench(cmd) => crate::bench::run(cmd).await,
    }
}

/// Loads the configuration, with what is worth a warning once logging is set up.
fn load_config(path: Option<PathBuf>) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
    Config::load(path.as_deref())
}

/// Set-up shared by the commands whose output is the point (`chat`, `funnel`, `links`): only warnings
/// and errors are logged, and the demo flow is used when asked for or when no flow folder is
/// configured. Returns the flows.
fn quiet_tool(
    config: &mut Config,
    warnings: &[ConfigWarning],
    demo: bool,
) -> Result<crate::engine::LoadedFlows, crate::engine::FlowLoadError> {
    config.log.filter = "warn".into();
    crate::telemetry::init(&config.log);
    warn_config(warnings);
    config.demo |= demo || config.flows_dir.is_none();
    crate::engine::flows::load_configured(config)
}

/// Writes command output to stdout. A reader that went away (`statbot funnel … | head`) ends
/// the output quietly, where `print!` would panic.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("statbot: cannot write the output: {e}");
    }
}

fn warn_config(warnings: &[ConfigWarning]) {
    for warning in warnings {
        tracing::warn!("{warning}");
    }
}
