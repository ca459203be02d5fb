//! `statbot bench`: performance figures measured on the real components, on a fresh database.

mod broadcast;
mod funnel;
mod intents;
mod stripe;
mod stripe_metrics;
mod team;
mod webhook;

use crate::cli::CliError;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Webhook events per second and receipt-to-delivery latency.
    Webhook {
        /// Events to send.
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        /// Contacts writing at once (each sends its events in order).
        #[arg(long, default_value_t = 50)]
        contacts: usize,
        /// Database to fill (default: a fresh SQLite file in the temp folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Ask a question ("population of Austin": text and chart link) instead of greeting.
        #[arg(long)]
        question: bool,
    },
    /// A broadcast to many contacts: preview, time to queue, send rate against a Graph API
    /// stand-in, and no contact twice after a crash half way.
    Broadcast {
        /// Contacts in the audience.
        #[arg(long, default_value_t = 100_000)]
        contacts: usize,
        /// `[broadcasts] rate`: contacts queued per second.
        #[arg(long, default_value_t = 5_000)]
        rate: u32,
        /// Database to fill (default: a fresh SQLite file in the temp folder).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Funnel query time over a database filled with realistic journeys.
    Funnel {
        /// Events to generate.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Days the journeys are spread over, ending today.
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// Database to fill (default: a fresh SQLite file in the temp folder).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Team stats: recording a day and range reports over years of figures.
    Team {
        /// Days of figures per team, ending today.
        #[arg(long, default_value_t = 3650)]
        days: i64,
        /// Teams sharing the database.
        #[arg(long, default_value_t = 5)]
        teams: usize,
        /// Database to fill (default: a fresh SQLite file in the temp folder).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Stripe sync throughput (objects per second) from a fast local stand-in.
    StripeSync {
        /// Charges the stand-in serves.
        #[arg(long, default_value_t = 100_000)]
        charges: usize,
        /// Database to fill (default: a fresh SQLite file in the temp folder).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Sales figures over a large Stripe mirror: building the rollups, each metric over a week,
    /// a month, a year and three years, and a synced page's upkeep.
    StripeMetrics {
        /// Charges in the mirror.
        #[arg(long, default_value_t = 1_000_000)]
        charges: usize,
        /// Database to fill (default: a fresh SQLite file in the temp folder).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Intent classifier quality and speed on a labelled data set (CLINC150's layout).
    Intents {
        /// Folder with train.jsonl, val.jsonl, test.jsonl, oos_val.jsonl and oos_test.jsonl.
        #[arg(long)]
        data: std::path::PathBuf,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: BenchCommand) -> Result<(), CliError> {
    crate::telemetry::init(&crate::config::LogConfig { format: "text".into(), filter: "warn".into() });
    match cmd {
        BenchCommand::Webhook { events, contacts, database_url, question } => {
            webhook::run(events, contacts, database_url, question).await
        }
        BenchCommand::Broadcast { contacts, rate, database_url } => broadcast::run(contacts, rate, database_url).await,
        BenchCommand::Funnel { events, days, database_url } => funnel::run(events, days, database_url).await,
        BenchCommand::Intents { data, json } => intents::run(&data, json).await,
        BenchCommand::StripeSync { charges, database_url } => stripe::run(charges, database_url).await,
        BenchCommand::StripeMetrics { charges, database_url } => stripe_metrics::run(charges, database_url).await,
        BenchCommand::Team { days, teams, database_url } => team::run(days, teams, database_url).await,
    }
}

/// A fresh folder in the temp folder for a benchmark's SQLite file; removed by the caller.
fn temp_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("statbot-bench-{}", hex::encode(rand::random::<[u8; 6]>())));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The p-th quantile of sorted durations, in ms.
fn quantile_ms(sorted: &[std::time::Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default().as_secs_f64() * 1e3
}
