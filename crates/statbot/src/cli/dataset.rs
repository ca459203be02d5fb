//! `statbot dataset import|list|show|compare`: bring a CSV data set in, and look at its rows.

use super::CliError;
use crate::config::{Config, ConfigWarning};
use crate::datasets::{Comparison, Datasets, Entity, ImportFiles, format, import};
use crate::store::Store;
use clap::{Args, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DatasetCommand {
    /// Import (or replace, atomically) a data set from a CSV file.
    Import(ImportArgs),
    /// The data sets in the store.
    List(ViewArgs),
    /// One row with all its values.
    Show {
        /// The data set's name.
        name: String,
        /// The row: its key ("Austin"), label ("Portland, OR") or alias ("NYC").
        key: String,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Two rows side by side.
    Compare {
        name: String,
        key1: String,
        key2: String,
        /// Metrics to compare, by column name or synonym (default: all).
        #[arg(long, num_args = 1.., value_delimiter = ',')]
        metrics: Vec<String>,
        #[command(flatten)]
        view: ViewArgs,
    },
}

#[derive(Args)]
pub struct ImportArgs {
    /// Name for the data set: lower-case letters, digits, `-`, `_`.
    name: String,
    /// The CSV file, with a header line.
    file: PathBuf,
    /// The column that names each row.
    #[arg(long)]
    key: String,
    /// Units, groups and descriptions (default: FILE's stem + `.columns.csv`, when present).
    #[arg(long)]
    columns: Option<PathBuf>,
    /// Other names of columns, `column,synonyms` with `|` between synonyms (default: `.synonyms.csv`).
    #[arg(long)]
    synonyms: Option<PathBuf>,
    /// Other names of rows, `label,alias` (default: `.aliases.csv`).
    #[arg(long)]
    aliases: Option<PathBuf>,
    /// The credit line to show wherever the data is presented.
    #[arg(long)]
    attribution: Option<String>,
}

#[derive(Args)]
pub struct ViewArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Load the shipped US cities set first if the store has none.
    #[arg(long)]
    demo: bool,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub async fn run((config, warnings): (Config, Vec<ConfigWarning>), command: DatasetCommand) -> Result<(), CliError> {
    let mut config = config;
    config.log.filter = "warn".into();
    crate::telemetry::init(&config.log);
    super::warn_config(&warnings);
    let store = Store::open(&config.database_url).await?;
    let result = execute(&store, command).await;
    store.close().await;
    result
}

async fn execute(store: &Store, command: DatasetCommand) -> Result<(), CliError> {
    let datasets = Datasets::new(store.clone());
    let demo = match &command {
        DatasetCommand::Import(_) => false,
        DatasetCommand::List(view) | DatasetCommand::Show { view, .. } | DatasetCommand::Compare { view, .. } => {
            view.demo
        }
    };
    if demo {
        import::ensure_demo(store).await?;
    }
    match command {
        DatasetCommand::Import(args) => import_command(store, args).await,
        DatasetCommand::List(view) => {
            let snapshot = datasets.snapshot().await?;
            let sets: Vec<serde_json::Value> =
                snapshot.sets().iter().map(|s| crate::http::datasets::summary(s)).collect();
            match view.format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&sets)?),
                Format::Table | Format::Csv => {
                    let mut rows = vec![["name", "rows", "metrics", "key", "source"].map(String::from).to_vec()];
                    for set in snapshot.sets() {
                        rows.push(vec![
                            set.meta.name.clone(),
                            set.row_count.to_string(),
                            set.meta.metrics().count().to_string(),
                            set.meta.key.clone(),
                            set.meta.source_file.clone(),
                        ]);
                    }
                    emit_rows(&rows, view.format);
                }
            }
            Ok(())
        }
        DatasetCommand::Show { name, key, view } => {
            let (entity, attribution) = datasets.show(&name, &key).await?;
            print_entity(&entity, attribution.as_deref(), view.format)
        }
        DatasetCommand::Compare { name, key1, key2, metrics, view } => {
            let comparison = datasets.compare(&name, &key1, &key2, &metrics).await?;
            print_comparison(&comparison, view.format)
        }
    }
}

async fn import_command(store: &Store, args: ImportArgs) -> Result<(), CliError> {
    let files = ImportFiles { data: args.file, columns: args.columns, synonyms: args.synonyms, aliases: args.aliases }
        .discover();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(format!("reading {}", files.data.display()));
        bar
    });
    let mut progress = |read: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(read);
        }
    };
    let result = import::import_files(store, &args.name, &args.key, &files, args.attribution, &mut progress).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let summary = result?;
    outln!(
        "Imported {}: {} rows, {} columns ({} metrics){}.",
        summary.name,
        summary.rows,
        summary.columns,
        summary.metrics,
        if summary.sidecars.is_empty() { String::new() } else { format!(", with {}", summary.sidecars.join(", ")) }
    );
    Ok(())
}

fn print_entity(entity: &Entity, attribution: Option<&str>, output: Format) -> Result<(), CliError> {
    if output == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&crate::http::datasets::entity_json(entity, attribution))?);
        return Ok(());
    }
    let mut rows = vec![["column", "value", "unit", "group"].map(String::from).to_vec()];
    for (column, value) in &entity.values {
        rows.push(vec![
            column.name.clone(),
            format::number(column, value),
            column.unit.clone().unwrap_or_default(),
            column.group.clone().unwrap_or_default(),
        ]);
    }
    if output == Format::Table {
        outln!("{} ({})", entity.label, entity.dataset);
    }
    emit_rows(&rows, output);
    if let (Some(line), Format::Table) = (attribution, output) {
        outln!("\n{line}");
    }
    Ok(())
}

fn print_comparison(comparison: &Comparison, output: Format) -> Result<(), CliError> {
    if output == Format::Json {
        outln!("{}", serde_json::to_string_pretty(comparison)?);
        return Ok(());
    }
    let mut rows = vec![vec![
        "metric".to_owned(),
        comparison.a.clone(),
        comparison.b.clone(),
        "difference".into(),
        "ratio".into(),
    ]];
    for m in &comparison.metrics {
        rows.push(vec![
            m.column.name.clone(),
            format::number(&m.column, &m.a),
            format::number(&m.column, &m.b),
            m.difference.map(|d| format::number(&m.column, &d.into())).unwrap_or_default(),
            m.ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
        ]);
    }
    emit_rows(&rows, output);
    if let (Some(line), Format::Table) = (&comparison.attribution, output) {
        outln!("\n{line}");
    }
    Ok(())
}

fn emit_rows(rows: &[Vec<String>], output: Format) {
    match output {
        Format::Csv => super::emit(&rows.iter().map(crate::csv::line).collect::<String>()),
        _ => super::emit(&crate::table::render(rows)),
    }
}
