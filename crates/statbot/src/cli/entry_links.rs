//! `statbot links add|list|qr|remove`: entry links, the `m.me/PAGE?ref=NAME` URLs that open a
//! conversation at a flow's step, their QR codes, and what each brought (see docs/links.md).
//! Not to be confused with `statbot users link`, which links a chat to an operator account.

use super::{CliError, quiet_tool};
use crate::config::{Config, ConfigWarning};
use crate::funnels::Funnels;
use crate::links::{self, LinkSummary, qr};
use crate::store::Store;
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum LinksCommand {
    /// Make an entry link: its URL opens the conversation at FLOW's entry step (or STEP).
    Add {
        /// Letters, digits, `_` and `-`, at most 100: the URL's `ref`, and the funnels' source.
        name: String,
        /// The flow it opens: one of those statbot loads (`flows_dir`, or the demo flow).
        #[arg(long)]
        flow: String,
        /// A step of the flow other than its entry step.
        #[arg(long)]
        step: Option<String>,
    },
    /// Every link with its URL, entries and conversions.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Write a link's QR code to a file.
    Qr {
        name: String,
        #[arg(long, value_enum, default_value_t = QrFormat::Png)]
        format: QrFormat,
        #[arg(long)]
        output: PathBuf,
    },
    /// Remove a link (the referrals it brought are kept).
    Remove { name: String },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QrFormat {
    Png,
    Svg,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), command: LinksCommand) -> Result<(), CliError> {
    let flows = Arc::new(quiet_tool(&mut config, &warnings, false)?);
    let store = Store::open(&config.database_url).await?;
    let result = match command {
        LinksCommand::Add { name, flow, step } => add(&config, &store, &flows, &name, &flow, step.as_deref()).await,
        LinksCommand::List { format } => {
            let funnels = Funnels::new(store.clone(), flows, config.funnels.window_days, config.zone()?)?;
            list(&config, &store, &funnels, format).await
        }
        LinksCommand::Qr { name, format, output } => write_qr(&config, &store, &name, format, &output).await,
        LinksCommand::Remove { name } => {
            links::remove(&store, &name).await.map(|()| outln!("removed the link `{name}`")).map_err(CliError::from)
        }
    };
    store.close().await;
    result
}

async fn add(
    config: &Config,
    store: &Store,
    flows: &crate::engine::LoadedFlows,
    name: &str,
    flow: &str,
    step: Option<&str>,
) -> Result<(), CliError> {
    let link = links::add(store, flows, name, flow, step).await?;
    let target = match &link.step {
        Some(step) => format!("`{}` at step `{step}`", link.flow),
        None => format!("`{}`", link.flow),
    };
    outln!("added the link `{}` to {target}", link.name);
    match links::url_of(&config.messenger, &link.name) {
        Ok(url) => {
            outln!("{url}");
            outln!("its QR code: statbot links qr {} --format png|svg --output FILE", link.name);
        }
        Err(e) => outln!("its URL cannot be made yet: {e}"),
    }
    Ok(())
}

async fn list(config: &Config, store: &Store, funnels: &Funnels, format: ListFormat) -> Result<(), CliError> {
    let summaries = links::summaries(funnels, store, &config.messenger).await?;
    if format == ListFormat::Json {
        outln!("{}", serde_json::to_string_pretty(&summaries)?);
        return Ok(());
    }
    if summaries.is_empty() {
        outln!("no links yet: statbot links add NAME --flow FLOW");
        return Ok(());
    }
    super::emit(&table(&summaries));
    if summaries.iter().any(|s| s.url.is_none()) {
        outln!("\nURLs need the Page: {}", links::LinkError::NoPage);
    }
    Ok(())
}

fn table(summaries: &[LinkSummary]) -> String {
    let mut rows = vec![["link", "flow/step", "entries", "conversions", "url"].map(str::to_owned).to_vec()];
    for s in summaries {
        rows.push(vec![
            s.name.clone(),
            match &s.step {
                Some(step) => format!("{}/{step}", s.flow),
                None => s.flow.clone(),
            },
            s.entries.to_string(),
            s.conversions.to_string(),
            s.url.clone().unwrap_or_else(|| "–".into()),
        ]);
    }
    crate::table::render(&rows)
}

async fn write_qr(
    config: &Config,
    store: &Store,
    name: &str,
    format: QrFormat,
    output: &std::path::Path,
) -> Result<(), CliError> {
    let link = links::find(store, name).await?;
    let url = links::url_of(&config.messenger, &link.name)?;
    let bytes = match format {
        QrFormat::Png => qr::png(&url)?,
        QrFormat::Svg => qr::svg(&url)?.into_bytes(),
    };
    std::fs::write(output, bytes).map_err(|e| CliError(format!("cannot write {}: {e}", output.display())))?;
    outln!("wrote the QR code of {url} to {}", output.display());
    Ok(())
}
