//! Prometheus metrics: one registry per [`crate::app::App`], the counters and histograms the
//! webhook, the outbox sender, the Graph and Stripe clients, the Stripe sync and the HTTP layer
//! update as things happen, and the gauges read from the store when `/metrics` is scraped.
//! Every metric is listed in `docs/metrics.md`.
//!
//! The crate is `prometheus-client`, the OpenMetrics project's Rust client: a registry is a
//! value, not a process-wide recorder, so each app (and each end-to-end test's app, many in one
//! process) owns its own, and what a test scrapes is what its app did. Counters and histogram
//! buckets are atomics; a labelled family takes a read lock on its map to find a series (a
//! write lock only the first time a label set is seen). `metrics` + its Prometheus exporter
//! would have needed a global recorder for the macros to reach.
//!
//! State gauges (queue depths and ages, the database pool) are not kept up to date on the hot
//! path: a scrape reads them with two indexed statements, at most once per
//! [`REFRESH_EVERY`], each within [`REFRESH_BUDGET`], so scrapes cannot hammer the database.

use crate::store::{Store, now_ms};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Metric, Registry};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

/// The gauges read from the store are read again at most this often.
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// How long one scrape may wait for each store read; past it the last values are served.
pub const REFRESH_BUDGET: Duration = Duration::from_secs(2);

/// The `Content-Type` of a scrape's answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    operation: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    operation: &'static str,
    class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListLabels {
    list: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

type Latency = Family<CallLabels, Histogram, fn() -> Histogram>;

/// Seconds, from 5 ms to about 40 s: outbound API calls and sends.
fn call_latency() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

/// Seconds, from 1 ms to about 16 s: HTTP requests served.
fn request_latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// `metric`, registered in `registry` as `name` with `help`.
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

/// The app's metrics; cheap to clone (one shared registry).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    webhook_deliveries: Family<DeliveryLabels, Counter>,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<OutcomeLabels, Histogram, fn() -> Histogram>,
    outbox_sends: Family<OutcomeLabels, Histogram, fn() -> Histogram>,
    graph_calls: Latency,
    graph_errors: Family<ErrorLabels, Counter>,
    stripe_calls: Latency,
    stripe_errors: Family<ErrorLabels, Counter>,
    stripe_sync_runs: Family<OutcomeLabels, Counter>,
    stripe_sync_objects: Family<ListLabels, Counter>,
    job_runs: Family<JobLabels, Counter>,
    inbound_depth: Gauge,
    inbound_age: Gauge<f64, AtomicU64>,
    outbox_depth: Gauge,
    outbox_age: Gauge<f64, AtomicU64>,
    pool_connections: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    refresh_errors: Counter,
    /// When the store gauges were last read; held while reading, so concurrent scrapes share one.
    refreshed: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("statbot");
        let inner = Inner {
            webhook_deliveries: registered(
                &mut registry,
                "webhook_deliveries",
                "Webhook deliveries received, by channel and outcome",
                Family::default(),
            ),
            http_requests: registered(
                &mut registry,
                "http_requests",
                "HTTP requests served, by method, route and status",
                Family::default(),
            ),
            http_duration: registered(
                &mut registry,
                "http_request_duration_seconds",
                "Time to answer HTTP requests, by status class (2xx, 4xx, 5xx...)",
                Family::new_with_constructor(request_latency as fn() -> Histogram),
            ),
            outbox_sends: registered(
                &mut registry,
                "outbox_send_duration_seconds",
                "Outbox sends to the Graph API and how long each took, by outcome",
                Family::new_with_constructor(call_latency as fn() -> Histogram),
            ),
            graph_calls: registered(
                &mut registry,
                "graph_request_duration_seconds",
                "Graph API calls and how long each took, by operation and outcome",
                Family::new_with_constructor(call_latency as fn() -> Histogram),
            ),
            graph_errors: registered(
                &mut registry,
                "graph_errors",
                "Failed Graph API calls, by operation and error class",
                Family::default(),
            ),
            stripe_calls: registered(
                &mut registry,
                "stripe_request_duration_seconds",
                "Stripe API requests (each attempt) and how long each took, by method and outcome",
                Family::new_with_constructor(call_latency as fn() -> Histogram),
            ),
            stripe_errors: registered(
                &mut registry,
                "stripe_errors",
                "Failed Stripe API attempts, by method and error class",
                Family::default(),
            ),
            stripe_sync_runs: registered(
                &mut registry,
                "stripe_sync_runs",
                "Stripe mirror sync runs, by outcome",
                Family::default(),
            ),
            stripe_sync_objects: registered(
                &mut registry,
                "stripe_sync_objects",
                "Objects written by the Stripe sync, by list",
                Family::default(),
            ),
            job_runs: registered(
                &mut registry,
                "job_runs",
                "Periodic jobs' runs this instance claimed (one instance a run), by job and outcome",
                Family::default(),
            ),
            inbound_depth: registered(
                &mut registry,
                "inbound_queue_depth",
                "Received messages not yet acted on",
                Gauge::default(),
            ),
            inbound_age: registered(
                &mut registry,
                "inbound_queue_oldest_age_seconds",
                "Age of the oldest received message not yet acted on (0 when none)",
                Gauge::default(),
            ),
            outbox_depth: registered(
                &mut registry,
                "outbox_queue_depth",
                "Replies waiting to be sent",
                Gauge::default(),
            ),
            outbox_age: registered(
                &mut registry,
                "outbox_queue_oldest_age_seconds",
                "Age of the oldest reply waiting to be sent (0 when none)",
                Gauge::default(),
            ),
            pool_connections: registered(
                &mut registry,
                "db_pool_connections",
                "Database connections open, by state (in_use, idle)",
                Family::default(),
            ),
            pool_max: registered(
                &mut registry,
                "db_pool_max_connections",
                "The most database connections the pool opens",
                Gauge::default(),
            ),
            refresh_errors: registered(
                &mut registry,
                "metrics_refresh_errors",
                "Scrapes whose store gauges could not be read (timed out or failed)",
                Counter::default(),
            ),
            refreshed: tokio::sync::Mutex::new(None),
            registry,
        };
        Metrics(Arc::new(inner))
    }

    /// One webhook delivery: `channel` is `messenger`, `instagram` or `unknown` (refused before
    /// it was read); `outcome` e.g. `accepted`, `invalid_signature`.
    pub fn webhook_delivery(&self, channel: &'static str, outcome: &'static str) {
        self.0.webhook_deliveries.get_or_create(&DeliveryLabels { channel, outcome }).inc();
    }

    /// One HTTP request answered: `route` is the matched route template, never the raw path.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = HttpLabels { method: method.to_owned(), route: route.to_owned(), status };
        self.0.http_requests.get_or_create(&labels).inc();
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.0.http_duration.get_or_create(&OutcomeLabels { outcome: class }).observe(elapsed.as_secs_f64());
    }

    /// One outbox send finished: `outcome` is `sent`, `retryable`, `unanswered` or `permanent`.
    pub fn outbox_send(&self, outcome: &'static str, elapsed: Duration) {
        self.0.outbox_sends.get_or_create(&OutcomeLabels { outcome }).observe(elapsed.as_secs_f64());
    }

    /// One Graph API call: `operation` is `send`, `profile` or `page_profile`; `error_class` is
    /// `None` on success.
    pub fn graph_call(&self, operation: &'static str, error_class: Option<&'static str>, elapsed: Duration) {
        let outcome = if error_class.is_some() { "error" } else { "ok" };
        self.0.graph_calls.get_or_create(&CallLabels { operation, outcome }).observe(elapsed.as_secs_f64());
        if let Some(class) = error_class {
            self.0.graph_errors.get_or_create(&ErrorLabels { operation, class }).inc();
        }
    }

    /// One Stripe API attempt (`GET`/`POST`); `error_class` is `None` on success.
    pub fn stripe_call(&self, method: &'static str, error_class: Option<&'static str>, elapsed: Duration) {
        let outcome = if error_class.is_some() { "error" } else { "ok" };
        self.0.stripe_calls.get_or_create(&CallLabels { operation: method, outcome }).observe(elapsed.as_secs_f64());
        if let Some(class) = error_class {
            self.0.stripe_errors.get_or_create(&ErrorLabels { operation: method, class }).inc();
        }
    }

    /// One Stripe sync run: `outcome` is `ok`, `skipped` (another instance syncing) or `error`.
    pub fn stripe_sync_run(&self, outcome: &'static str) {
        self.0.stripe_sync_runs.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Objects a Stripe sync run wrote to `list`'s mirror.
    pub fn stripe_sync_objects(&self, list: &'static str, written: u64) {
        if written > 0 {
            self.0.stripe_sync_objects.get_or_create(&ListLabels { list }).inc_by(written);
        }
    }

    /// One run of a periodic job this instance claimed: `outcome` is `ok` or `error`.
    pub fn job_run(&self, job: &'static str, outcome: &'static str) {
        self.0.job_runs.get_or_create(&JobLabels { job, outcome }).inc();
    }

    /// Reads the state gauges from `store` unless they were read less than [`REFRESH_EVERY`]
    /// ago, then renders every metric as OpenMetrics text.
    pub async fn scrape(&self, store: &Store) -> String {
        self.refresh(store).await;
        let mut out = String::with_capacity(8 * 1024);
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.0.registry) {
            tracing::error!(error = %e, "could not render the metrics");
        }
        out
    }

    async fn refresh(&self, store: &Store) {
        let mut refreshed = self.0.refreshed.lock().await;
        if refreshed.is_some_and(|at| at.elapsed() < REFRESH_EVERY) {
            return;
        }
        let pool = store.pool_stats();
        self.0.pool_connections.get_or_create(&StateLabels { state: "in_use" }).set(i64::from(pool.open - pool.idle));
        self.0.pool_connections.get_or_create(&StateLabels { state: "idle" }).set(i64::from(pool.idle));
        self.0.pool_max.set(i64::from(pool.max));
        let now = now_ms();
        let age = |oldest: Option<i64>| oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0);
        match tokio::time::timeout(REFRESH_BUDGET, store.inbound_queue()).await {
            Ok(Ok((depth, oldest))) => {
                self.0.inbound_depth.set(depth);
                self.0.inbound_age.set(age(oldest));
            }
            Ok(Err(e)) => self.refresh_failed("inbound", &e),
            Err(_) => self.refresh_failed("inbound", &"timed out"),
        }
        match tokio::time::timeout(REFRESH_BUDGET, store.outbox_queue()).await {
            Ok(Ok((depth, oldest))) => {
                self.0.outbox_depth.set(depth);
                self.0.outbox_age.set(age(oldest));
            }
            Ok(Err(e)) => self.refresh_failed("outbox", &e),
            Err(_) => self.refresh_failed("outbox", &"timed out"),
        }
        *refreshed = Some(Instant::now());
    }

    fn refresh_failed(&self, queue: &str, error: &dyn std::fmt::Display) {
        self.0.refresh_errors.inc();
        tracing::warn!(queue, error = %error, "metrics: could not read the queue gauges; serving the last values");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms_with_labels() {
        let metrics = Metrics::new();
        metrics.webhook_delivery("messenger", "accepted");
        metrics.webhook_delivery("messenger", "accepted");
        metrics.http_request("POST", "/webhooks/messenger", 200, Duration::from_millis(3));
        metrics.graph_call("send", Some("rate_limited"), Duration::from_millis(20));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &metrics.0.registry).unwrap();
        assert!(out.contains(r#"statbot_webhook_deliveries_total{channel="messenger",outcome="accepted"} 2"#), "{out}");
        assert!(
            out.contains(r#"statbot_http_requests_total{method="POST",route="/webhooks/messenger",status="200"} 1"#),
            "{out}"
        );
        assert!(
            out.contains(r#"statbot_graph_request_duration_seconds_count{operation="send",outcome="error"} 1"#),
            "{out}"
        );
        assert!(out.contains(r#"statbot_graph_errors_total{operation="send",class="rate_limited"} 1"#), "{out}");
        assert!(out.ends_with("# EOF\n"), "{out}");
    }
}
