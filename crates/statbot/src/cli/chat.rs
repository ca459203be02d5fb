//! `statbot chat`: the terminal channel. Uses the configured flows, or the demo flow when
//! none is configured, and the same store as the server.

use super::{CliError, quiet_tool};
use crate::channels::console;
use crate::config::{Config, ConfigWarning};
use crate::engine::Engine;
use crate::store::Store;
use clap::Args;
use std::sync::Arc;

#[derive(Args)]
pub struct ChatArgs {
    /// Load the shipped demo flow `coupon` (also used when no flow is configured).
    #[arg(long)]
    demo: bool,
    /// Who you are in the conversation (one contact per name; default: your user name).
    #[arg(long = "as", value_name = "NAME")]
    contact: Option<String>,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), args: ChatArgs) -> Result<(), CliError> {
    // Log lines would interleave with the conversation: only warnings and errors.
    let flows = quiet_tool(&mut config, &warnings, args.demo)?;
    let store = Store::open(&config.database_url).await?;
    let secret = crate::app::deployment_secret(&config, &store).await?;
    let datasets = crate::datasets::Datasets::new(store.clone());
    let metrics = crate::sales::from_config(&config, config.zone()?, store.clone())?;
    let flows = Arc::new(flows);
    let funnels =
        crate::funnels::Funnels::new(store.clone(), flows.clone(), config.funnels.window_days, config.zone()?)?;
    let promotions = crate::assistant::promotions::PromotionAnswers::new(funnels, store.clone());
    let assistant =
        crate::assistant::setup::from_config(&config, &datasets, secret.as_bytes(), metrics, Some(promotions)).await?;
    let engine = Engine::new(
        store.clone(),
        flows,
        assistant,
        config.public_base(),
        None,
        std::time::Duration::ZERO,
        &tokio::runtime::Handle::current(),
        crate::engine::Hours::from_config(&config)?,
    );
    engine.load_coupon_pools().await?;
    let contact = args
        .contact
        .or_else(|| std::env::var("USER").ok())
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "me".to_owned());
    let stdin = std::io::BufReader::new(std::io::stdin());
    let result = console::run(&engine, &contact, stdin, std::io::stdout()).await;
    store.close().await;
    Ok(result?)
}
