//! The Graph API client: turns a channel-neutral [`Reply`] into a Send API call, fetches user
//! profiles, and classifies every failure as worth retrying or not.
//!
//! The page access token travels in the query string, as the Graph API expects, so it must never
//! reach a log: reqwest errors are stripped of their URL and every error reason is scrubbed of
//! the token before it leaves this module.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use statbot_core::{MessagingType, Platform, Reply};
use std::error::Error as _;
use std::fmt;
use std::time::Duration;
use thiserror::Error;

/// Shortest page token scrubbed from error reasons (real ones are about 200 characters).
const MIN_SCRUBBED_TOKEN: usize = 8;

/// Longest Graph error message copied into a [`SendError`] reason.
const MAX_MESSAGE_CHARS: usize = 300;

/// Where and how to reach the Graph API.
#[derive(Clone)]
pub struct GraphConfig {
    /// E.g. `https://graph.facebook.com/v21.0` (a trailing `/` is ignored).
    pub base_url: String,
    /// The page access token; secret.
    pub page_token: String,
    /// Limit on each whole request (connect, send, answer).
    pub timeout: Duration,
}

impl fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphConfig")
            .field("base_url", &self.base_url)
            .field("page_token", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The answer to a successful send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub message_id: String,
    #[serde(default)]
    pub recipient_id: Option<String>,
}

/// A user's public profile. Names are empty when the Graph API leaves them out. Instagram gives
/// a display `name` and a `username` instead of first and last names (see
/// [`Profile::greeting_names`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub profile_pic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl Profile {
    /// First and last name: Messenger's, or on Instagram the display name split at its first
    /// space (the username when there is no name).
    pub fn greeting_names(&self) -> (String, String) {
        if !self.first_name.trim().is_empty() || !self.last_name.trim().is_empty() {
            return (self.first_name.clone(), self.last_name.clone());
        }
        let name = self.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        match name {
            Some(name) => match name.split_once(' ') {
                Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
                None => (name.to_owned(), String::new()),
            },
            None => (self.username.clone().unwrap_or_default(), String::new()),
        }
    }
}

/// Meta's error classes: what a failed call means, stored with a reply that was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Code 10, subcode 2018278: outside the messaging window. Not retried.
    OutsideWindow,
    /// Code 551: this person isn't available right now. Not retried.
    Unavailable,
    /// Code 100, subcode 2018001: no matching user. Not retried.
    NoSuchUser,
    /// Codes 200-299, and 10 otherwise: the app or Page lacks a permission. Not retried: the
    /// operator must grant it.
    Permissions,
    /// Codes 4, 17, 32, 613 (and HTTP 429): a rate limit. Backed off and retried.
    RateLimited,
    /// Code 100: an invalid parameter. Not retried.
    InvalidParameter,
    /// Code 190: the page access token is invalid or expired. Nothing works until the operator
    /// replaces it.
    BadToken,
    /// A temporary failure (codes 1, 2, 1200, HTTP 5xx, timeouts, network trouble). Retried.
    Temporary,
    /// Any other refusal (other 4xx, an unexpected answer). Not retried.
    Rejected,
}

impl ErrorClass {
    /// The name stored in the outbox's `error_class` and shown to operators.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::OutsideWindow => "outside_window",
            ErrorClass::Unavailable => "unavailable",
            ErrorClass::NoSuchUser => "no_such_user",
            ErrorClass::Permissions => "permissions",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::InvalidParameter => "invalid_parameter",
            ErrorClass::BadToken => "bad_token",
            ErrorClass::Temporary => "temporary",
            ErrorClass::Rejected => "rejected",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::RateLimited | ErrorClass::Temporary)
    }
}

/// A failed Graph API call.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SendError {
    /// Worth trying again later (network trouble, timeouts, 5xx, 429, temporary Graph errors,
    /// rate limits); wait at least `retry_after` when the server said so.
    #[error("temporary Graph API failure: {reason}")]
    Retryable { reason: String, retry_after: Option<Duration>, class: ErrorClass },
    /// The request may have gone out but no answer came (a timeout, a connection lost): worth
    /// trying again, but the message may have arrived.
    #[error("temporary Graph API failure: {reason}")]
    Unanswered { reason: String },
    /// Trying again will not help.
    #[error("Graph API refusal: {reason}")]
    Permanent { reason: String, class: ErrorClass },
}

impl SendError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SendError::Retryable { .. } | SendError::Unanswered { .. })
    }

    /// Whether the message may have arrived despite the failure (no answer came).
    pub fn may_have_arrived(&self) -> bool {
        matches!(self, SendError::Unanswered { .. })
    }

    /// The page access token was refused: alert the operator.
    pub fn is_bad_token(&self) -> bool {
        self.class() == ErrorClass::BadToken
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            SendError::Permanent { class, .. } | SendError::Retryable { class, .. } => *class,
            SendError::Unanswered { .. } => ErrorClass::Temporary,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::Retryable { retry_after, .. } => *retry_after,
            SendError::Permanent { .. } | SendError::Unanswered { .. } => None,
        }
    }

    /// A short human-readable sentence, safe to log.
    pub fn reason(&self) -> &str {
        match self {
            SendError::Retryable { reason, .. }
            | SendError::Permanent { reason, .. }
            | SendError::Unanswered { reason } => reason,
        }
    }

    fn reason_mut(&mut self) -> &mut String {
        match self {
            SendError::Retryable { reason, .. }
            | SendError::Permanent { reason, .. }
            | SendError::Unanswered { reason } => reason,
        }
    }

    fn permanent(reason: String, class: ErrorClass) -> Self {
        SendError::Permanent { reason, class }
    }

    fn temporary(reason: String) -> Self {
        SendError::Retryable { reason, retry_after: None, class: ErrorClass::Temporary }
    }
}

/// The reqwest client could not be built (e.g. TLS roots unavailable).
#[derive(Debug, Error)]
#[error("could not build the Graph API HTTP client: {0}")]
pub struct ClientBuildError(#[source] reqwest::Error);

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    fbtrace_id: Option<String>,
}

/// The profile fields each platform has.
fn profile_fields(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "name,username,profile_pic",
        _ => "first_name,last_name,profile_pic",
    }
}

/// Classifies a non-success answer from the Graph API from its status, headers and body.
pub fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> SendError {
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let status_class = if status == StatusCode::TOO_MANY_REQUESTS {
        Some(ErrorClass::RateLimited)
    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        Some(ErrorClass::Temporary)
    } else {
        None
    };
    let (reason, class) = match serde_json::from_slice::<GraphErrorBody>(body) {
        Ok(GraphErrorBody { error }) => {
            let class = match (error.code, error.error_subcode) {
                (Some(10), Some(2018278)) => ErrorClass::OutsideWindow,
                (Some(551), _) => ErrorClass::Unavailable,
                (Some(100), Some(2018001)) => ErrorClass::NoSuchUser,
                (Some(10 | 200..=299), _) => ErrorClass::Permissions,
                (Some(4 | 17 | 32 | 613), _) => ErrorClass::RateLimited,
                (Some(100), _) => ErrorClass::InvalidParameter,
                (Some(190), _) => ErrorClass::BadToken,
                (Some(1 | 2 | 1200), _) => ErrorClass::Temporary,
                _ => status_class.unwrap_or(ErrorClass::Rejected),
            };
            (describe(status, &error), class)
        }
        Err(_) => (format!("the Graph API answered HTTP {status}"), status_class.unwrap_or(ErrorClass::Rejected)),
    };
    if class.is_retryable() {
        SendError::Retryable { reason, retry_after, class }
    } else {
        SendError::permanent(reason, class)
    }
}

fn describe(status: StatusCode, error: &GraphError) -> String {
    let code = match (error.code, error.error_subcode) {
        (Some(code), Some(sub)) => format!(" {code}/{sub}"),
        (Some(code), None) => format!(" {code}"),
        (None, _) => String::new(),
    };
    let mut message: String = error.message.chars().take(MAX_MESSAGE_CHARS).collect();
    if message.is_empty() {
        message = "no message".into();
    }
    let trace = error.fbtrace_id.as_deref().map(|t| format!(" [fbtrace {t}]")).unwrap_or_default();
    format!("Graph API error{code} (HTTP {}): {message}{trace}", status.as_u16())
}

/// A transport failure (no usable HTTP answer), with the URL stripped.
fn network_error(err: reqwest::Error) -> SendError {
    let err = err.without_url();
    let mut reason = if err.is_timeout() {
        "the Graph API request timed out".to_string()
    } else if err.is_connect() {
        "could not connect to the Graph API".to_string()
    } else if err.is_builder() {
        return SendError::permanent(format!("invalid Graph API request: {err}"), ErrorClass::Rejected);
    } else {
        format!("network error talking to the Graph API: {err}")
    };
    let mut source = err.source();
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    // Without a connection nothing went out; otherwise the request may have arrived.
    if err.is_connect() { SendError::temporary(reason) } else { SendError::Unanswered { reason } }
}

/// A Graph API client for one page. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    page_token: String,
    timeout: Duration,
    /// Where each call's latency and failure is counted, when set.
    metrics: Option<crate::telemetry::metrics::Metrics>,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("base_url", &self.base_url)
            .field("page_token", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl GraphClient {
    /// A client with its own connection pool. Redirects are not followed, so the token in the
    /// query string never goes to another host.
    pub fn new(config: GraphConfig) -> Result<Self, ClientBuildError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientBuildError(e.without_url()))?;
        Ok(Self::with_http(config, http))
    }

    /// A client on an existing reqwest client (its redirect policy should be `none`).
    fn with_http(config: GraphConfig, http: reqwest::Client) -> Self {
        GraphClient {
            http,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            page_token: config.page_token,
            timeout: config.timeout,
            metrics: None,
        }
    }

    /// This client, counting each call's latency and failures in `metrics`.
    pub fn with_metrics(mut self, metrics: crate::telemetry::metrics::Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The metrics this client counts in, if any (the outbox sender counts its sends there).
    pub fn metrics(&self) -> Option<&crate::telemetry::metrics::Metrics> {
        self.metrics.as_ref()
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `reply` to `recipient` (a page- or Instagram-scoped id) on `platform`, as `kind`.
    pub async fn send(
        &self,
        platform: Platform,
        recipient: &str,
        kind: MessagingType,
        reply: &Reply,
    ) -> Result<SentMessage, SendError> {
        self.send_body(&super::render::message_body(platform, recipient, reply, kind)).await
    }

    /// Posts a ready-made Send API body (e.g. a `sender_action`).
    async fn send_body(&self, body: &Value) -> Result<SentMessage, SendError> {
        let request = self
            .http
            .post(format!("{}/me/messages", self.base_url))
            .query(&[("access_token", self.page_token.as_str())])
            .json(body);
        let sent: SentMessage = self.call("send", request).await?;
        tracing::debug!(message_id = %sent.message_id, "messenger send ok");
        Ok(sent)
    }

    /// Fetches the public profile of `psid` (a page-scoped id, or on Instagram an
    /// Instagram-scoped id).
    pub async fn profile(&self, platform: Platform, psid: &str) -> Result<Profile, SendError> {
        let valid = !psid.is_empty() && psid.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(SendError::permanent("invalid page-scoped id".into(), ErrorClass::Rejected));
        }
        let request = self
            .http
            .get(format!("{}/{psid}", self.base_url))
            .query(&[("fields", profile_fields(platform)), ("access_token", self.page_token.as_str())]);
        self.call("profile", request).await
    }

    /// One call, counted as `operation` in the metrics when they are kept.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SendError> {
        let started = std::time::Instant::now();
        let result = self.call_unscrubbed(request).await.map_err(|e| self.scrub(e));
        if let Some(metrics) = &self.metrics {
            let class = result.as_ref().err().map(|e| match e {
                SendError::Unanswered { .. } => "unanswered",
                other => other.class().as_str(),
            });
            metrics.graph_call(operation, class, started.elapsed());
        }
        result
    }

    async fn call_unscrubbed<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SendError> {
        let response = request.timeout(self.timeout).send().await.map_err(network_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(network_error)?;
        if !status.is_success() {
            return Err(classify(status, &headers, &body));
        }
        // A success we cannot read is not retried: the message may well have gone out.
        serde_json::from_slice(&body).map_err(|e| {
            SendError::permanent(
                format!("unexpected answer from the Graph API (HTTP {status}): {e}"),
                ErrorClass::Rejected,
            )
        })
    }

    /// Belt and braces: no reason leaves this client with the token in it. (A token shorter
    /// than any real one, as in a test, is left alone: replacing a letter everywhere would
    /// garble the sentence and hide nothing.)
    fn scrub(&self, mut err: SendError) -> SendError {
        if self.page_token.len() >= MIN_SCRUBBED_TOKEN {
            let reason = err.reason_mut();
            if reason.contains(&self.page_token) {
                *reason = reason.replace(&self.page_token, "[redacted]");
            }
        }
        err
    }

    /// A Graph API request for the Messenger Profile API (`page_profile`): `method` on
    /// `{base_url}/{path}` with `query` and an optional JSON body, with this client's token,
    /// timeout, error classification and scrubbing.
    pub(super) async fn graph_request(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, SendError> {
        let mut request = self
            .http
            .request(method, format!("{}/{path}", self.base_url))
            .query(query)
            .query(&[("access_token", self.page_token.as_str())]);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.call("page_profile", request).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::standin::{Fault, GraphStandIn};
    use super::*;
    use statbot_core::Button;

    const PSID: &str = "6701234567890123";

    /// The Send API body of an answer on Messenger: the shape the fixtures show.
    fn message_body(recipient: &str, reply: &Reply) -> Value {
        super::super::render::message_body(Platform::Messenger, recipient, reply, MessagingType::Response)
    }
    const TOKEN: &str = "EAAGsEcReTpAgEtOkEn0123456789";

    fn fixture(text: &str) -> Value {
        match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => panic!("bad fixture: {e}"),
        }
    }

    fn button(title: &str, payload: &str) -> Button {
        Button { title: title.into(), payload: payload.into() }
    }

    #[test]
    fn text_body_matches_the_fixture() {
        let reply = Reply::Text { text: "Thanks for stopping by, Ada!".into() };
        assert_eq!(message_body(PSID, &reply), fixture(include_str!("testdata/send-text.json")));
    }

    #[test]
    fn buttons_body_matches_the_fixture() {
        let reply = Reply::Buttons {
            text: "Hi Ada! We have a coupon for you. Want to see it?".into(),
            buttons: vec![button("Yes! Show me coupon", "coupon:show"), button("No, thanks", "coupon:no")],
        };
        assert_eq!(message_body(PSID, &reply), fixture(include_str!("testdata/send-buttons.json")));
    }

    #[test]
    fn quick_replies_body_matches_the_fixture() {
        let reply = Reply::QuickReplies {
            text: "Which metric?".into(),
            replies: vec![button("Population", "metric:population"), button("Median rent", "metric:median_rent")],
        };
        assert_eq!(message_body(PSID, &reply), fixture(include_str!("testdata/send-quick-replies.json")));
    }

    #[test]
    fn image_body_matches_the_fixture() {
        let reply = Reply::Image { url: "https://bot.example.com/charts/c/9f2c.png?exp=1763803600&sig=3b1f".into() };
        assert_eq!(message_body(PSID, &reply), fixture(include_str!("testdata/send-image.json")));
    }

    fn classify_json(status: u16, body: &str) -> SendError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        classify(status, &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn classifies_the_error_fixtures() {
        let temporary = classify_json(400, include_str!("testdata/send-error-temporary.json"));
        assert!(temporary.is_retryable());
        assert!(temporary.reason().contains("1200"), "{temporary}");
        assert!(temporary.reason().contains("Temporary send message failure"));

        let rate = classify_json(400, include_str!("testdata/send-error-rate-limit.json"));
        assert!(rate.is_retryable());
        assert!(rate.reason().contains("613"));

        let unavailable = classify_json(400, include_str!("testdata/send-error-unavailable.json"));
        assert_eq!(unavailable.class(), ErrorClass::Unavailable);
        assert!(unavailable.reason().contains("551"));

        let window = classify_json(400, include_str!("testdata/send-error-window.json"));
        assert_eq!(window.class(), ErrorClass::OutsideWindow);
        assert!(window.reason().contains("10/2018278"), "{window}");
    }

    #[test]
    fn classifies_other_graph_errors() {
        let err = |code: &str| format!(r#"{{"error":{{"message":"m","type":"OAuthException",{code}}}}}"#);
        let bad_token = classify_json(400, &err(r#""code":190,"error_subcode":463"#));
        assert!(bad_token.is_bad_token());
        assert!(!bad_token.is_retryable());
        assert_eq!(classify_json(400, &err(r#""code":100,"error_subcode":2018001"#)).class(), ErrorClass::NoSuchUser);
        assert!(classify_json(400, &err(r#""code":4"#)).is_retryable());
        assert!(classify_json(500, &err(r#""code":2"#)).is_retryable());
        assert_eq!(classify_json(400, &err(r#""code":100"#)).class(), ErrorClass::InvalidParameter);
        assert_eq!(classify_json(400, &err(r#""code":10"#)).class(), ErrorClass::Permissions);
        assert_eq!(classify_json(403, &err(r#""code":200"#)).class(), ErrorClass::Permissions);
        for code in ["4", "17", "32", "613"] {
            let err = classify_json(400, &err(&format!(r#""code":{code}"#)));
            assert_eq!((err.class(), err.is_retryable()), (ErrorClass::RateLimited, true), "{code}");
        }
        assert!(!classify_json(400, &err(r#""code":100"#)).is_retryable());
        // An unknown code on a 5xx is still worth retrying.
        assert!(classify_json(503, &err(r#""code":1"#)).is_retryable());
    }

    #[test]
    fn classifies_by_status_without_a_graph_body() {
        assert!(classify_json(500, "").is_retryable());
        assert!(classify_json(502, "<html>bad gateway</html>").is_retryable());
        assert!(classify_json(429, "").is_retryable());
        assert_eq!(classify_json(404, "<html>not found</html>").class(), ErrorClass::Rejected);
        assert_eq!(classify_json(403, "{}").class(), ErrorClass::Rejected);
    }

    #[test]
    fn honours_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("7"));
        let err = classify(StatusCode::TOO_MANY_REQUESTS, &headers, b"");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        let graph = classify(StatusCode::BAD_REQUEST, &headers, include_bytes!("testdata/send-error-rate-limit.json"));
        assert_eq!(graph.retry_after(), Some(Duration::from_secs(7)));
        // Not a number of seconds: ignored.
        headers.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(classify(StatusCode::SERVICE_UNAVAILABLE, &headers, b"").retry_after(), None);
    }

    fn client(base_url: String, timeout: Duration) -> GraphClient {
        match GraphClient::new(GraphConfig { base_url, page_token: TOKEN.into(), timeout }) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    async fn stand_in() -> GraphStandIn {
        match GraphStandIn::start().await {
            Ok(s) => s,
            Err(e) => panic!("stand-in did not start: {e}"),
        }
    }

    fn text(s: &str) -> Reply {
        Reply::Text { text: s.into() }
    }

    fn assert_no_token(err: &SendError) {
        assert!(!err.reason().contains(TOKEN), "token leaked: {err}");
        assert!(!format!("{err:?}").contains(TOKEN), "token leaked: {err:?}");
    }

    #[tokio::test]
    async fn sends_and_is_recorded() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_secs(5));
        let first = client.send(Platform::Messenger, PSID, MessagingType::Response, &text("one")).await;
        let second = client.send(Platform::Messenger, "42", MessagingType::Response, &text("two")).await;
        let (Ok(first), Ok(second)) = (first, second) else {
            panic!("sends should succeed");
        };
        assert_ne!(first.message_id, second.message_id);
        assert_eq!(first.recipient_id.as_deref(), Some(PSID));
        let sent = graph.wait_for_sent(2, Duration::from_secs(5)).await;
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].recipient, PSID);
        assert_eq!(sent[0].body, message_body(PSID, &text("one")));
        assert_eq!(sent[1].recipient, "42");
        assert_eq!(graph.attempts(), 2);
    }

    #[tokio::test]
    async fn temporary_faults_are_retryable_and_not_recorded() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_secs(5));
        graph.fail_next_sends(1, Fault::Temporary);
        graph.fail_next_sends(1, Fault::RateLimited);
        graph.fail_next_sends(1, Fault::ServerError);
        graph.fail_next_sends(1, Fault::TooManyRequests { retry_after_secs: 3 });
        for expected in ["1200", "613", "HTTP 500", "HTTP 429"] {
            match client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await {
                Err(e) => {
                    assert!(e.is_retryable(), "{e}");
                    assert!(e.reason().contains(expected), "{e}");
                    assert_no_token(&e);
                    if expected == "HTTP 429" {
                        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
                    }
                }
                Ok(sent) => panic!("expected a fault, got {sent:?}"),
            }
        }
        assert!(graph.sent().is_empty());
        assert!(client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await.is_ok());
        assert_eq!(graph.sent().len(), 1);
        assert_eq!(graph.attempts(), 5);
    }

    #[tokio::test]
    async fn a_hang_times_out_as_retryable_and_may_have_arrived() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_millis(200));
        graph.fail_next_sends(1, Fault::Hang(Duration::from_secs(10)));
        let started = std::time::Instant::now();
        let err = match client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a timeout, got {sent:?}"),
        };
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.is_retryable(), "{err}");
        assert!(err.reason().contains("timed out"), "{err}");
        assert!(err.may_have_arrived(), "a request without an answer may have arrived");
        assert_no_token(&err);
        assert!(client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await.is_ok());
    }

    #[tokio::test]
    async fn a_refused_connection_is_retryable_and_sent_nothing() {
        // A port nothing listens on: bound, then let go.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = client(format!("http://127.0.0.1:{port}/v21.0"), Duration::from_secs(2));
        let err = match client.send(Platform::Messenger, PSID, MessagingType::Update, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a refusal, got {sent:?}"),
        };
        assert!(err.is_retryable(), "{err}");
        assert!(!err.may_have_arrived(), "{err}");
    }

    #[tokio::test]
    async fn unavailable_and_window_are_permanent() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_secs(5));
        graph.unavailable("555");
        for _ in 0..2 {
            let err = client.send(Platform::Messenger, "555", MessagingType::Response, &text("hi")).await;
            assert!(matches!(&err, Err(e) if e.class() == ErrorClass::Unavailable), "{err:?}");
        }
        graph.fail_next_sends(1, Fault::OutsideWindow);
        let err = client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await;
        assert!(matches!(&err, Err(e) if e.class() == ErrorClass::OutsideWindow), "{err:?}");
        assert!(client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await.is_ok());
        assert_eq!(graph.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_bad_token_is_flagged_and_never_leaked() {
        let graph = stand_in().await;
        graph.expect_token("the-right-token");
        let client = client(graph.base_url(), Duration::from_secs(5));
        let err = match client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a refusal, got {sent:?}"),
        };
        assert!(err.is_bad_token(), "{err}");
        assert!(err.reason().contains("190"), "{err}");
        assert_no_token(&err);
        let err = client.profile(Platform::Messenger, PSID).await;
        assert!(matches!(&err, Err(e) if e.is_bad_token()), "{err:?}");
    }

    #[tokio::test]
    async fn connection_failures_are_retryable_and_never_leak_the_token() {
        // A port nothing listens on.
        let port = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
            Ok(addr) => addr.port(),
            Err(e) => panic!("{e}"),
        };
        let client = client(format!("http://127.0.0.1:{port}/v21.0"), Duration::from_secs(2));
        let err = match client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a failure, got {sent:?}"),
        };
        assert!(err.is_retryable(), "{err}");
        assert!(!err.reason().contains("access_token"), "{err}");
        assert_no_token(&err);
        let err = match client.profile(Platform::Messenger, PSID).await {
            Err(e) => e,
            Ok(p) => panic!("expected a failure, got {p:?}"),
        };
        assert_no_token(&err);
    }

    #[tokio::test]
    async fn a_garbage_base_url_is_permanent() {
        let client = client("not a url".into(), Duration::from_secs(1));
        let err = client.send(Platform::Messenger, PSID, MessagingType::Response, &text("hi")).await;
        assert!(matches!(&err, Err(e) if e.class() == ErrorClass::Rejected), "{err:?}");
        if let Err(e) = err {
            assert_no_token(&e);
        }
    }

    #[tokio::test]
    async fn fetches_profiles() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_secs(5));
        graph.set_profile("42", "Grace", "Hopper");
        let grace = client.profile(Platform::Messenger, "42").await;
        assert!(matches!(&grace, Ok(p) if p.first_name == "Grace" && p.last_name == "Hopper"), "{grace:?}");
        let ada = match client.profile(Platform::Messenger, PSID).await {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(ada.first_name, "Ada");
        assert!(ada.profile_pic.is_some());
        graph.fail_profiles(1);
        let err = client.profile(Platform::Messenger, "42").await;
        assert!(matches!(&err, Err(e) if e.is_retryable()), "{err:?}");
        assert!(client.profile(Platform::Messenger, "42").await.is_ok());
        assert_eq!(graph.profile_calls("42"), 3);
        assert_eq!(graph.profile_calls(PSID), 1);
        assert_eq!(graph.profile_calls("nobody"), 0);
        let bad = client.profile(Platform::Messenger, "../me/messages").await;
        assert!(matches!(&bad, Err(e) if !e.is_retryable()), "{bad:?}");
        assert_eq!(graph.attempts(), 0);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let config = GraphConfig {
            base_url: "https://graph.facebook.com/v21.0/".into(),
            page_token: TOKEN.into(),
            timeout: Duration::from_secs(1),
        };
        assert!(!format!("{config:?}").contains(TOKEN));
        let client = GraphClient::with_http(config, reqwest::Client::new());
        assert!(!format!("{client:?}").contains(TOKEN));
        assert_eq!(client.base_url(), "https://graph.facebook.com/v21.0");
    }

    #[test]
    fn profile_fixture_deserialises() {
        let profile: Profile = match serde_json::from_str(include_str!("testdata/profile.json")) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            profile,
            Profile {
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                profile_pic: Some("https://platform-lookaside.example/ada.jpg".into()),
                name: None,
                username: None,
            }
        );
        let instagram = Profile {
            first_name: String::new(),
            last_name: String::new(),
            profile_pic: None,
            name: Some("Grace Brewster Hopper".into()),
            username: Some("grace".into()),
        };
        assert_eq!(instagram.greeting_names(), ("Grace".into(), "Brewster Hopper".into()));
        let username_only = Profile { name: None, ..instagram };
        assert_eq!(username_only.greeting_names(), ("grace".into(), String::new()));
        let sent: SentMessage = match serde_json::from_str(include_str!("testdata/send-ok.json")) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(sent.message_id, "m_SeNt00000000000000000000000000000001");
    }
}
