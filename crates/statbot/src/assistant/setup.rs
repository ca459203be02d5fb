//! Builds the assistant from the configuration: the intents file (or the demo's), the data sets
//! it reads (the demo's cities set is imported on first start), chart links signed with the
//! deployment's secret, the sales figures and promotions (from the funnels) for staff
//! questions, and a first training so the
//! first message does not wait for it.

use super::Assistant;
use super::chart_links::ChartLinks;
use super::intents::{self, IntentSet, IntentsError};
use super::promotions::PromotionAnswers;
use super::sales::SalesAnswers;
use crate::config::Config;
use crate::datasets::{Datasets, ImportError, import};
use crate::sales::Sales;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Intents(#[from] IntentsError),
    #[error("cannot load the demo data set: {0}")]
    Demo(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The assistant when intents are configured (or the demo is on), with its data sets.
pub async fn from_config(
    config: &Config,
    datasets: &Datasets,
    secret: &[u8],
    sales: Sales,
    promotions: Option<PromotionAnswers>,
) -> Result<Option<Assistant>, SetupError> {
    if config.demo {
        import::ensure_demo(datasets.store()).await?;
    }
    let intents = match (&config.intents_file, config.demo) {
        (Some(path), _) => IntentSet::load(path)?,
        (None, true) => IntentSet::parse(intents::DEMO.0, intents::DEMO.1)?,
        (None, false) => return Ok(None),
    };
    let snapshot = datasets.snapshot().await?;
    intents.check_entities(|name| snapshot.get(name).ok().map(|set| set.meta.key.clone()))?;
    for name in intents.datasets() {
        if snapshot.get(name).is_err() {
            tracing::warn!(dataset = name, "the intents read a data set that is not imported yet");
        }
    }
    let time_zone = sales.zone().clone();
    let ttl = i64::try_from(config.chart_link_ttl_secs).unwrap_or(i64::MAX / 2);
    let links = ChartLinks::new(secret, ttl, config.public_base());
    let mut sales = SalesAnswers::new(sales, secret, ttl, config.public_base());
    if let Some(promotions) = promotions {
        sales = sales.with_promotions(promotions);
    }
    let assistant = Assistant::new(intents, datasets.clone(), links, time_zone, sales);
    assistant.prepare().await?;
    Ok(Some(assistant))
}
