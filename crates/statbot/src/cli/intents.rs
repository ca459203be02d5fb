//! `statbot intents misses|classify`: review what free text was not understood, and see what
//! the matcher makes of a phrase (intent, confidence, entities) while writing intents.

use super::CliError;
use crate::config::{Config, ConfigWarning};
use crate::store::Store;
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand)]
pub enum IntentsCommand {
    /// The phrases most often not understood, most frequent first.
    Misses {
        /// Look back this many days.
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Phrases to list at most.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What a phrase is understood as: the intent, its confidence, and the runner-up.
    Classify {
        text: String,
        /// Use the shipped demo intents and data set (also used when no intents file is set).
        #[arg(long)]
        demo: bool,
    },
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub async fn run(
    (mut config, warnings): (Config, Vec<ConfigWarning>),
    command: IntentsCommand,
) -> Result<(), CliError> {
    config.log.filter = "warn".into();
    crate::telemetry::init(&config.log);
    super::warn_config(&warnings);
    let store = Store::open(&config.database_url).await?;
    let result = match command {
        IntentsCommand::Misses { days, limit, format } => misses(&store, days, limit, format).await,
        IntentsCommand::Classify { text, demo } => {
            config.demo |= demo || config.intents_file.is_none();
            classify(&config, &store, &text).await
        }
    };
    store.close().await;
    result
}

async fn misses(store: &Store, days: i64, limit: i64, format: Format) -> Result<(), CliError> {
    if days < 1 || limit < 1 {
        return Err(CliError("--days and --limit must be at least 1".into()));
    }
    let since = crate::store::now_ms() - days * 86_400_000;
    let misses = store.intent_misses(since, limit).await?;
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&misses)?);
        return Ok(());
    }
    let (understood, missed) = store.intent_counts(since).await?;
    let total = understood + missed;
    outln!(
        "Free-text messages in the last {days} days: {total}, not understood: {missed}{}",
        if total > 0 { format!(" ({:.1} %)", missed as f64 * 100.0 / total as f64) } else { String::new() }
    );
    if misses.is_empty() {
        return Ok(());
    }
    let mut rows =
        vec![["phrase", "times", "closest intent", "confidence", "last seen (UTC)"].map(String::from).to_vec()];
    for miss in &misses {
        let last = jiff::Timestamp::from_millisecond(miss.last_seen).map(|t| t.strftime("%Y-%m-%d %H:%M").to_string());
        rows.push(vec![
            miss.text.clone(),
            miss.count.to_string(),
            miss.best_guess.clone().unwrap_or_default(),
            format!("{:.2}", miss.confidence),
            last.unwrap_or_default(),
        ]);
    }
    outln!("");
    super::emit(&crate::table::render(&rows));
    Ok(())
}

async fn classify(config: &Config, store: &Store, text: &str) -> Result<(), CliError> {
    let secret = crate::app::deployment_secret(config, store).await?;
    let datasets = crate::datasets::Datasets::new(store.clone());
    let metrics = crate::sales::from_config(config, config.zone()?, store.clone())?;
    let Some(assistant) =
        crate::assistant::setup::from_config(config, &datasets, secret.as_bytes(), metrics, None).await?
    else {
        return Err(CliError("no intents are configured: set intents_file or use --demo".into()));
    };
    outln!("{}", assistant.explain(text).await?);
    Ok(())
}
