//! The sales figures, as the Stripe Dashboard shows them for a shop of one-off charges, read
//! from the Stripe mirror's daily rollups (or live from the API when the mirror is empty or
//! stale): revenue with its comparison and series ([`metrics`]), the top customers by net
//! revenue ([`top_customers`]: a threshold search over calendar spans), and the words that
//! sell; written as tables and CSV ([`report`]), chat sentences ([`sentences`]) and charts
//! ([`charts`]); the date questions the chat asks them with ([`when`]). The maths the rollups
//! keep is `statbot_core::sales`; the mirror itself is synced by [`crate::stripe`]. The dashboard
//! page is `/store` and the API `/api/v1/stripe/*`, names kept for the users who rely on them.

pub mod charts;
pub mod live;
pub mod metrics;
pub mod periods;
pub mod report;
pub mod sentences;
pub mod top_customers;
pub mod when;

pub use metrics::{Sales, SalesError, SalesSettings};

use crate::config::Config;
use crate::store::Store;
use std::time::Duration;

/// The sales figures as configured: days in the business time zone (`zone`, the configuration's
/// [`Config::zone`]), the API asked directly when the mirror is older than
/// `stripe.max_mirror_age_secs`.
pub fn from_config(config: &Config, zone: jiff::tz::TimeZone, store: Store) -> Result<Sales, SalesError> {
    from_config_counted(config, zone, store, None)
}

/// [`from_config`], counting the live Stripe requests in `metrics` when given (`serve`).
pub fn from_config_counted(
    config: &Config,
    zone: jiff::tz::TimeZone,
    store: Store,
    metrics: Option<crate::telemetry::metrics::Metrics>,
) -> Result<Sales, SalesError> {
    let client = crate::stripe::client_from_config(&config.stripe)?;
    let client = match metrics {
        Some(metrics) => client.map(|c| c.with_metrics(metrics)),
        None => client,
    };
    let settings = SalesSettings {
        zone,
        max_mirror_age: Duration::from_secs(config.stripe.max_mirror_age_secs),
        live_timeout: Duration::from_secs(config.stripe.live_timeout_secs.max(1)),
    };
    Ok(Sales::new(store, client, settings))
}
