//! A thin Stripe API client over reqwest for the lists the mirror reads and the few objects the
//! shop creates (form-encoded POSTs with an `Idempotency-Key`): timeouts, bounded retries with
//! exponential backoff and jitter on 429 (honouring `Retry-After`), 5xx and network errors, typed
//! errors (a declined card is its own). A POST whose outcome matters is sent once
//! ([`StripeClient::post_once`]) so its caller can look for the result before trying again. The secret key goes only into the `Authorization` header: it is never
//! logged, never in a URL, and redacted in `Debug`.

use super::types::ListPage;
use crate::config::Secret;
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde::de::DeserializeOwned;
use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Longest wait a `Retry-After` header is allowed to impose.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Longest message taken from an error body.
const MAX_MESSAGE_CHARS: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    #[error("could not build the Stripe HTTP client: {0}")]
    Build(String),
    #[error("the Stripe API refused the secret key (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("the Stripe API refused the request to {path} (HTTP {status}): {message}")]
    Refused { path: String, status: u16, code: Option<String>, message: String },
    /// HTTP 402: the card was refused; `charge` is the failed charge Stripe recorded, if any.
    #[error("the card was declined: {message}")]
    Card { code: String, decline_code: Option<String>, message: String, charge: Option<String> },
    /// One request's outcome is unknown (timeout, network failure, 429 or 5xx): it may or may
    /// not have taken effect.
    #[error("no answer from the Stripe API on {path}: {reason}")]
    Unanswered { path: String, reason: String },
    #[error("the Stripe API kept failing on {path} after {attempts} attempts: {last}")]
    GaveUp { path: String, attempts: u32, last: String },
    #[error("unexpected answer from the Stripe API on {path}: {message}")]
    Decode { path: String, message: String },
}

/// How the client waits and retries.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Per request, connection included.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            timeout: Duration::from_secs(30),
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// A Stripe API client; cheap to clone (the connection pool and request counter are shared).
#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    key: Secret,
    settings: ClientSettings,
    requests: Arc<AtomicU64>,
    /// Where each attempt's latency and failure is counted, when set.
    metrics: Option<crate::telemetry::metrics::Metrics>,
}

impl fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient").field("base", &self.base).field("key", &self.key).finish()
    }
}

/// One failed attempt: whether to try again, and how long the server asked us to wait.
enum Attempt {
    Retry { reason: String, retry_after: Option<Duration> },
    Fail(StripeError),
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(serde::Deserialize, Default)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    code: Option<String>,
    decline_code: Option<String>,
    charge: Option<String>,
}

impl StripeClient {
    /// `base` is e.g. `https://api.stripe.com` (paths start with `/v1/`).
    pub fn new(base: &str, key: Secret, settings: ClientSettings) -> Result<StripeClient, StripeError> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            // The key must never follow a redirect to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StripeError::Build(e.without_url().to_string()))?;
        Ok(StripeClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key,
            settings,
            requests: Arc::default(),
            metrics: None,
        })
    }

    /// This client, counting each attempt's latency and failures in `metrics`.
    pub fn with_metrics(mut self, metrics: crate::telemetry::metrics::Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The metrics this client counts in, if any (the sync counts its runs there too).
    pub fn metrics(&self) -> Option<&crate::telemetry::metrics::Metrics> {
        self.metrics.as_ref()
    }

    /// Requests sent so far (every attempt counts), for reports and tests.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// One page of a list: `path` such as `/v1/charges`, with `limit`, `starting_after` and
    /// any `expand[]` in `query`.
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<ListPage<T>, StripeError> {
        self.get(path, query).await
    }

    /// A GET with retries: 429, 5xx and network failures are retried up to the attempt limit,
    /// waiting the larger of the backoff and the server's `Retry-After`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, StripeError> {
        self.with_retries("GET", path, || self.http.get(self.url(path)).query(query)).await
    }

    /// A form POST with retries, for requests that may safely happen twice (creating a payment
    /// method from a test card). `form` pairs are sent as given, so nested keys such as
    /// `metadata[order_id]` or `card[number]` are spelled out by the caller.
    pub async fn post<T: DeserializeOwned>(&self, path: &str, form: &[(&str, &str)]) -> Result<T, StripeError> {
        self.with_retries("POST", path, || self.http.post(self.url(path)).form(form)).await
    }

    /// One form POST with an `Idempotency-Key` and no retry: a failure whose outcome is unknown
    /// comes back as [`StripeError::Unanswered`] for the caller to check and retry.
    pub async fn post_once<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
        idempotency_key: &str,
    ) -> Result<T, StripeError> {
        let request = self.http.post(self.url(path)).form(form).header("Idempotency-Key", idempotency_key);
        match self.attempt("POST", path, request).await {
            Ok(value) => Ok(value),
            Err(Attempt::Fail(e)) => Err(e),
            Err(Attempt::Retry { reason, .. }) => Err(StripeError::Unanswered { path: path.to_owned(), reason }),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn with_retries<T: DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, StripeError> {
        let mut attempt = 1;
        loop {
            match self.attempt(method, path, request()).await {
                Ok(value) => return Ok(value),
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry { reason, retry_after }) => {
                    if attempt >= self.settings.max_attempts {
                        return Err(StripeError::GaveUp { path: path.to_owned(), attempts: attempt, last: reason });
                    }
                    let backoff = statbot_core::backoff::delay(
                        attempt,
                        self.settings.base_backoff,
                        self.settings.max_backoff,
                        rand::random::<f64>(),
                    );
                    let wait = retry_after.map_or(backoff, |r| r.min(MAX_RETRY_AFTER).max(backoff));
                    tracing::warn!(path, attempt, wait_ms = wait.as_millis() as u64, %reason, "Stripe request failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
            attempt += 1;
        }
    }

    /// One request, counted in the metrics when they are kept.
    async fn attempt<T: DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Attempt> {
        let Some(metrics) = &self.metrics else {
            return self.attempt_uncounted(path, request).await;
        };
        let started = std::time::Instant::now();
        let result = self.attempt_uncounted(path, request).await;
        let class = result.as_ref().err().map(|e| match e {
            Attempt::Retry { .. } => "retryable",
            Attempt::Fail(StripeError::Unauthorized { .. }) => "unauthorized",
            Attempt::Fail(StripeError::Card { .. }) => "card",
            Attempt::Fail(StripeError::Decode { .. }) => "decode",
            Attempt::Fail(_) => "refused",
        });
        metrics.stripe_call(method, class, started.elapsed());
        result
    }

    async fn attempt_uncounted<T: DeserializeOwned>(
        &self,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Attempt> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = request
            .bearer_auth(self.key.expose())
            .header("Stripe-Version", "2024-06-20")
            .send()
            .await
            .map_err(network_failure)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(network_failure)?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| Attempt::Fail(StripeError::Decode { path: path.to_owned(), message: e.to_string() }));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&body).map(|b| b.error).unwrap_or_default();
        let message = if detail.message.is_empty() {
            "no error message".to_owned()
        } else {
            detail.message.chars().take(MAX_MESSAGE_CHARS).collect()
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(Attempt::Retry { reason: format!("HTTP {}: {message}", status.as_u16()), retry_after });
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Attempt::Fail(StripeError::Unauthorized { status: status.as_u16(), message }));
        }
        if status == StatusCode::PAYMENT_REQUIRED {
            return Err(Attempt::Fail(StripeError::Card {
                code: detail.code.unwrap_or_else(|| "card_declined".into()),
                decline_code: detail.decline_code,
                message,
                charge: detail.charge,
            }));
        }
        Err(Attempt::Fail(StripeError::Refused {
            path: path.to_owned(),
            status: status.as_u16(),
            code: detail.code,
            message,
        }))
    }
}

/// A transport failure (timeout, refused connection, cut answer): worth retrying. The URL is
/// stripped; the key is never in it anyway.
fn network_failure(err: reqwest::Error) -> Attempt {
    let err = err.without_url();
    let mut reason = if err.is_timeout() {
        "the request timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        format!("network error: {err}")
    };
    let mut source = err.source();
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    Attempt::Retry { reason, retry_after: None }
}
