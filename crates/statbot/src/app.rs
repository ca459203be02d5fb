//! Start-up: configuration to a running server. [`App::build`] wires the store, flows, engine
//! and Graph client; [`App::serve`] runs the HTTP server and the background workers on a given
//! listener until a shutdown future resolves. `statbot serve` and the end-to-end tests both go
//! through here.

use crate::assistant::setup::{self, SetupError};
use crate::auth::TokenKeys;
use crate::channels::messenger::{ClientBuildError, GraphClient, GraphConfig};
use crate::config::Config;
use crate::datasets::Datasets;
use crate::engine::{self, Engine, EngineError, FlowLoadError};
use crate::funnels::{FunnelError, Funnels};
use crate::http::{self, AppState};
use crate::outbox::{SenderSettings, run_sender};
use crate::pipeline::Pipeline;
use crate::schedule::{Job, Scheduler};
use crate::shop::Shop;
use crate::store::{Store, StoreError};
use crate::team::Teams;
use crate::telemetry::metrics::Metrics;
use axum::serve::ListenerExt;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Flows(#[from] FlowLoadError),
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Funnels(#[from] FunnelError),
    #[error(transparent)]
    Assistant(#[from] SetupError),
    #[error(transparent)]
    Teams(#[from] crate::team::TeamError),
    #[error(transparent)]
    Stripe(#[from] crate::stripe::StripeError),
    #[error(transparent)]
    Sales(#[from] crate::sales::SalesError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Shop(#[from] crate::shop::ShopError),
    #[error("cannot build the Graph API client: {0}")]
    Graph(#[from] ClientBuildError),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

pub struct App {
    state: AppState,
    /// Runs the intake, the processor and the sender.
    pipeline: Pipeline,
}

/// Key under which a generated token-signing secret is shared by every instance.
const JWT_SETTING: &str = "jwt_secret";

/// The secret that signs tokens and chart links: configured, or generated once and shared by
/// every instance through the store.
pub(crate) async fn deployment_secret(config: &Config, store: &Store) -> Result<String, StoreError> {
    if config.auth.jwt_secret.is_set() {
        Ok(config.auth.jwt_secret.expose().to_owned())
    } else {
        store.setting_or_insert(JWT_SETTING, &hex::encode(rand::random::<[u8; 32]>())).await
    }
}

impl App {
    pub async fn build(config: Config) -> Result<App, StartError> {
        let flows = Arc::new(engine::flows::load_configured(&config)?);
        let store = Store::open_with(&config.database_url, config.database_max_connections).await?;
        let metrics = Metrics::new();
        let graph = if config.messenger_enabled() {
            Some(
                GraphClient::new(GraphConfig {
                    base_url: config.messenger.graph_url.clone(),
                    page_token: config.messenger.page_token.expose().to_owned(),
                    timeout: config.send_timeout(),
                })?
                .with_metrics(metrics.clone()),
            )
        } else {
            None
        };
        let secret = deployment_secret(&config, &store).await?;
        let datasets = Datasets::new(store.clone());
        let zone = config.zone()?;
        let sales = crate::sales::from_config_counted(&config, zone.clone(), store.clone(), Some(metrics.clone()))?;
        let funnels = Funnels::new(store.clone(), flows.clone(), config.funnels.window_days, zone.clone())?
            .with_min_sample(config.funnels.min_sample_per_variant);
        let promotions = crate::assistant::promotions::PromotionAnswers::new(funnels.clone(), store.clone());
        let assistant =
            setup::from_config(&config, &datasets, secret.as_bytes(), sales.clone(), Some(promotions)).await?;
        let pipeline = Pipeline::start()?;
        let send_lease = SenderSettings::new(&config.outbox, config.send_timeout()).lease;
        let engine = Engine::new(
            store.clone(),
            flows.clone(),
            assistant,
            config.public_base(),
            graph,
            send_lease,
            pipeline.handle(),
            engine::Hours::from_config(&config)?,
        );
        engine.load_coupon_pools().await?;
        let teams = Teams::new(store.clone(), &config.team, zone);
        let tokens = TokenKeys::new(secret.as_bytes(), config.auth.token_ttl_secs);
        let shop = Shop::new(store.clone(), &config)?.with_flows(flows).with_metrics(metrics.clone());
        if config.demo {
            let added = shop.load_demo_catalog().await?;
            tracing::debug!(added, "demo catalog loaded");
        }
        let limits = crate::limits::Limits::new(store.clone(), &config.limits);
        let visitor_ids = crate::http::VisitorIds::new(secret.as_bytes());
        let inbox = crate::inbox::Inbox::new(engine.clone(), teams.clone(), &config.inbox.team);
        let state = AppState {
            config: Arc::new(config),
            engine,
            funnels,
            datasets,
            teams,
            tokens,
            shop,
            sales,
            limits,
            visitor_ids,
            inbox,
            metrics,
        };
        Ok(App { state, pipeline })
    }

    pub fn engine(&self) -> &Engine {
        &self.state.engine
    }

    /// Serves on `listener` and runs the workers until `shutdown` resolves, then stops
    /// accepting, lets requests in flight and the workers finish (the processor acts on what it
    /// was handed, the sender finishes its sends), cuts short what is left at
    /// `shutdown_timeout`, and hands the replies it leased but did not send back to the outbox.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let engine = self.state.engine.clone();
        let shutdown_timeout = self.state.config.shutdown_timeout()?;
        engine.store().release_stale_leases().await?;
        let cancel = CancellationToken::new();
        let mut workers = JoinSet::new();
        let store = engine.store().clone();
        let store_for_stripe = store.clone();
        let store_for_inbox = store.clone();
        let checkpoints = cancel.child_token();
        workers.spawn(async move {
            if let Err(e) = store.run_checkpointer(checkpoints).await {
                tracing::error!(error = %e, "the WAL checkpointer stopped; SQLite checkpoints on commit again");
            }
        });
        let scheduler = Scheduler::new(engine.store().clone(), engine.instance(), Some(self.state.metrics.clone()));
        let funnels = self.state.funnels.clone();
        workers.spawn(funnels.run(scheduler.clone(), engine.last_busy(), cancel.child_token()));
        let on = self.pipeline.handle().clone();
        workers.spawn_on(engine::run_processor(engine.clone(), cancel.child_token()), &on);
        match engine.graph() {
            Some(graph) => {
                let settings = SenderSettings {
                    sends_on: Some(tokio::runtime::Handle::current()),
                    ..SenderSettings::new(&self.state.config.outbox, self.state.config.send_timeout())
                };
                workers.spawn_on(run_sender(engine.clone(), graph.clone(), settings, cancel.child_token()), &on);
            }
            None => tracing::warn!(
                "Messenger is not configured (STATBOT_MESSENGER_VERIFY_TOKEN, _APP_SECRET, _PAGE_TOKEN): \
                 the webhook is off; /chat and `statbot chat` work"
            ),
        }
        let stripe = crate::stripe::client_from_config(&self.state.config.stripe)?
            .map(|client| client.with_metrics(self.state.metrics.clone()));
        match (stripe, self.state.config.stripe.sync_interval_secs) {
            (Some(client), secs) if secs > 0 => {
                let interval = std::time::Duration::from_secs(secs);
                let options =
                    crate::stripe::SyncOptions { zone: self.state.sales.zone().clone(), ..Default::default() };
                let stripe = (store_for_stripe, client);
                let sync =
                    crate::stripe::run_scheduled(scheduler.clone(), stripe, interval, options, cancel.child_token());
                workers.spawn(sync);
            }
            (Some(_), _) => tracing::info!("the scheduled Stripe sync is off (stripe.sync_interval_secs = 0)"),
            (None, _) => {}
        }
        let reconcile_every = self.state.config.shop.reconcile_interval_secs;
        if self.state.shop.payments_enabled() && reconcile_every > 0 {
            let interval = std::time::Duration::from_secs(reconcile_every);
            let reconciler =
                crate::shop::run_reconciler(self.state.shop.clone(), scheduler.clone(), interval, cancel.child_token());
            workers.spawn(reconciler);
        }
        workers.spawn(sweep_rate_limits(self.state.limits.clone(), scheduler.clone(), cancel.child_token()));
        let events = engine.inbox_events().clone();
        let url = self.state.config.database_url.as_str().to_owned();
        workers.spawn(events.listen(store_for_inbox, url, cancel.child_token()));
        let release_after = self.state.config.inbox.release_after()?;
        let inbox = self.state.inbox.clone();
        workers.spawn(crate::inbox::run_release_sweep(inbox, scheduler.clone(), release_after, cancel.child_token()));
        let poll = self.state.config.follow_ups.poll();
        workers.spawn(engine::run_follow_ups(engine.clone(), scheduler, poll, cancel.child_token()));
        let rate = self.state.config.broadcasts.rate;
        workers.spawn(engine::run_broadcasts(engine.clone(), rate, cancel.child_token()));
        if let Some(metrics_addr) = self.state.config.metrics.addr {
            // Only `/metrics`, without a token: stops with the workers.
            let listener = TcpListener::bind(metrics_addr).await?;
            tracing::info!(addr = %listener.local_addr()?, "metrics are served on their own address");
            let router = http::metrics::separate_router(self.state.metrics.clone(), engine.store().clone());
            let stop = cancel.child_token();
            workers.spawn(async move {
                let served = axum::serve(listener, router).with_graceful_shutdown(stop.cancelled_owned()).await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        let addr = listener.local_addr()?;
        let flows: Vec<&str> = engine.flows().set.iter().map(|f| f.name.as_str()).collect();
        // The instance names this process in leases and in `statbot jobs`.
        tracing::info!(%addr, instance = engine.instance(), ?flows, "statbot is serving");
        let router = http::router(self.state);
        // Answers go out at once rather than waiting on Nagle's algorithm for more to send.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        // The live streams end as the shutdown starts: a graceful stop waits for open answers.
        // From then on everything has `shutdown_timeout` to finish.
        let inbox_events = engine.inbox_events().clone();
        let (stop_by, mut stopping) = tokio::sync::watch::channel(None);
        let shutdown = async move {
            shutdown.await;
            tracing::info!(timeout_s = shutdown_timeout.as_secs_f64(), "stopping: no new requests");
            let _ = stop_by.send(Some(tokio::time::Instant::now() + shutdown_timeout));
            inbox_events.close();
        };
        let serving = axum::serve(listener, router).with_graceful_shutdown(shutdown).into_future();
        let served = tokio::select! {
            served = serving => served,
            _ = past_the_deadline(stopping.clone()) => {
                tracing::warn!("requests still open at the shutdown timeout are cut short");
                Ok(())
            }
        };
        let deadline = stopping.borrow_and_update().unwrap_or_else(|| tokio::time::Instant::now() + shutdown_timeout);
        cancel.cancel();
        let finished = tokio::time::timeout_at(deadline, async { while workers.join_next().await.is_some() {} }).await;
        if finished.is_err() {
            tracing::warn!(busy = workers.len(), "work still under way at the shutdown timeout is cut short");
            workers.shutdown().await;
        }
        // Replies this instance leased but did not send go back to the outbox for the next one.
        match engine.store().release_all_replies(engine.instance()).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "replies not sent before the stop handed back"),
            Err(e) => tracing::error!(error = %e, "handing replies back failed; their leases run out on their own"),
        }
        self.pipeline.stop().await;
        engine.store().close().await;
        tracing::info!("stopped");
        served.map_err(StartError::Io)
    }
}

/// Resolves once a stop has begun and its deadline has passed.
async fn past_the_deadline(mut stopping: tokio::sync::watch::Receiver<Option<tokio::time::Instant>>) {
    let Ok(deadline) = stopping.wait_for(Option::is_some).await.map(|by| by.unwrap_or_else(tokio::time::Instant::now))
    else {
        return std::future::pending().await;
    };
    tokio::time::sleep_until(deadline).await;
}

/// How often `serve` deletes rate-limit counters of past windows.
const RATE_LIMIT_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes rate-limit counters of past windows and stale login counts, every few minutes (once
/// per interval across the instances).
async fn sweep_rate_limits(limits: crate::limits::Limits, scheduler: Scheduler, cancel: CancellationToken) {
    // The first sweep after one period: at start-up there is nothing worth the statement.
    tokio::select! {
        _ = cancel.cancelled() => return,
        _ = tokio::time::sleep(RATE_LIMIT_SWEEP_EVERY) => {}
    }
    let round = || async {
        let result = limits.sweep().await;
        if let Ok(swept) = &result {
            tracing::debug!(swept, "rate-limit counters swept");
        }
        result.map(|_| ())
    };
    scheduler.every(Job::RateLimitSweep, RATE_LIMIT_SWEEP_EVERY, &cancel, round).await
}
