//! The shop: a product catalog ([`catalog`]), customer sign-up ([`customers`]), orders priced on
//! the server from the catalog ([`orders`]), less a revealed coupon's discount (`coupons`), paid by card through Stripe ([`checkout`]) as the
//! account's own Stripe customer (`payer`),
//! settled when their outcome was unknown ([`reconcile`]) and kept up to date by Stripe's
//! webhooks ([`webhook`]). Test-mode keys get named test cards ([`test_cards`]). No HTTP here:
//! `http/shop/` maps these results and [`ShopError`] to answers.

pub mod catalog;
pub mod checkout;
mod coupons;
pub mod customers;
pub mod orders;
mod payer;
pub mod reconcile;
pub mod test_cards;
pub mod webhook;

pub use checkout::Placed;
pub use orders::OrderRequest;
pub use reconcile::run_reconciler;

use crate::auth::AuthError;
use crate::config::{Config, Secret};
use crate::engine::flows::LoadedFlows;
use crate::store::{Store, StoreError};
use crate::stripe::{StripeClient, StripeError};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// The request breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("{0} already exists")]
    Conflict(String),
    #[error("this Idempotency-Key was already used with a different request; use a new key for a new order")]
    IdempotencyMismatch,
    /// A coupon code that cannot be used for the order; the message says why.
    #[error("{0}")]
    BadCoupon(String),
    /// The card or the payment was refused; the order is stored as failed.
    #[error("{message}")]
    PaymentFailed { order_id: i64, code: String, message: String },
    #[error("{0}")]
    NotConfigured(String),
    #[error("{0}")]
    BadSignature(String),
    #[error("Stripe could not be reached: {0}")]
    Stripe(#[from] StripeError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A task of ours stopped unexpectedly.
    #[error("{0}")]
    Internal(String),
}

/// What the shop needs from the configuration, read once.
#[derive(Debug)]
struct Settings {
    test_mode: bool,
    /// The real Stripe API (not a local stand-in such as localstripe).
    real_stripe: bool,
    publishable_key: String,
    webhook_secret: Secret,
    webhook_tolerance_secs: i64,
    /// How long a pending order is its checkout's.
    reconcile_after: Duration,
    charge_attempts: u32,
    /// Per Stripe request.
    stripe_timeout: Duration,
}

/// The shop's entry point; cheap to clone.
#[derive(Clone)]
pub struct Shop {
    store: Store,
    stripe: Option<StripeClient>,
    settings: Arc<Settings>,
    /// The flows whose coupons checkout accepts; none without [`Shop::with_flows`].
    flows: Option<Arc<LoadedFlows>>,
}

impl Shop {
    pub fn new(store: Store, config: &Config) -> Result<Shop, StripeError> {
        let stripe = crate::stripe::client_from_config(&config.stripe)?;
        let settings = Settings {
            test_mode: config.stripe.test_mode(),
            real_stripe: config.stripe.api_base.trim_end_matches('/') == "https://api.stripe.com",
            publishable_key: config.stripe.publishable_key.clone(),
            webhook_secret: config.stripe.webhook_secret.clone(),
            webhook_tolerance_secs: config.stripe.webhook_tolerance_secs as i64,
            reconcile_after: Duration::from_secs(config.shop.reconcile_after_secs.max(1)),
            charge_attempts: config.shop.charge_attempts.max(1),
            stripe_timeout: Duration::from_secs(config.stripe.timeout_secs.max(1)),
        };
        Ok(Shop { store, stripe, settings: Arc::new(settings), flows: None })
    }

    /// Accepts the coupons of `flows` at checkout.
    pub fn with_flows(mut self, flows: Arc<LoadedFlows>) -> Shop {
        self.flows = Some(flows);
        self
    }

    /// This shop, counting its Stripe requests in `metrics`.
    pub fn with_metrics(mut self, metrics: crate::telemetry::metrics::Metrics) -> Shop {
        self.stripe = self.stripe.map(|client| client.with_metrics(metrics));
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether card payments can be taken (a Stripe secret key is configured).
    pub fn payments_enabled(&self) -> bool {
        self.stripe.is_some()
    }

    /// Test mode: an `sk_test_` key; the storefront offers test cards.
    pub fn test_mode(&self) -> bool {
        self.stripe.is_some() && self.settings.test_mode
    }

    /// The publishable key for Stripe.js, with a live key only.
    pub fn publishable_key(&self) -> Option<&str> {
        let key = self.settings.publishable_key.trim();
        (self.stripe.is_some() && !self.settings.test_mode && !key.is_empty()).then_some(key)
    }

    fn stripe(&self) -> Result<&StripeClient, ShopError> {
        self.stripe.as_ref().ok_or_else(|| {
            ShopError::NotConfigured("card payments are not set up: STATBOT_STRIPE_SECRET_KEY is empty".into())
        })
    }
}
