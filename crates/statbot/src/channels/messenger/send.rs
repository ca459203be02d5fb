//! The Graph API client: turns a channel-neutral [`Reply`] into a Send API call, fetches user
//! profiles, and classifies every failure as worth retrying or not.
//!
//! The page access token travels in the query string, as the Graph API expects, so it must never
//! reach a log: reqwest errors are stripped of their URL and every error reason is scrubbed of
//! the token before it leaves this module.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use statbot_core::Reply;
use std::error::Error as _;
use std::fmt;
use std::time::Duration;
use thiserror::Error;

/// Longest Graph error message copied into a [`SendError`] reason.
const MAX_MESSAGE_CHARS: usize = 300;

/// The Send API body for `reply` to the page-scoped id `recipient`, as a response to a message
/// they sent (`messaging_type: RESPONSE`).
pub fn message_body(recipient: &str, reply: &Reply) -> Value {
    let message = match reply {
        Reply::Text { text } => json!({ "text": text }),
        Reply::Buttons { text, buttons } => json!({
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": text,
                    "buttons": buttons
                        .iter()
                        .map(|b| json!({ "type": "postback", "title": b.title, "payload": b.payload }))
                        .collect::<Vec<_>>(),
                },
            },
        }),
        Reply::QuickReplies { text, replies } => json!({
            "text": text,
            "quick_replies": replies
                .iter()
                .map(|b| json!({ "content_type": "text", "title": b.title, "payload": b.payload }))
                .collect::<Vec<_>>(),
        }),
        Reply::Image { url } => json!({
            "attachment": {
                "type": "image",
                "payload": { "url": url, "is_reusable": false },
            },
        }),
    };
    json!({
        "recipient": { "id": recipient },
        "messaging_type": "RESPONSE",
        "message": message,
    })
}

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

/// A user's public profile. Names are empty when the Graph API leaves them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub profile_pic: Option<String>,
}

/// Why a permanent failure is permanent; lets the caller alert the operator
/// ([`PermanentKind::BadToken`]) or stop writing to a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermanentKind {
    /// Code 190: the page access token is invalid or expired. Nothing will work until the
    /// operator replaces it.
    BadToken,
    /// Code 551: this person isn't available right now.
    Unavailable,
    /// Code 10, subcode 2018278: outside the 24-hour messaging window.
    OutsideWindow,
    /// Code 100, subcode 2018001: no matching user.
    NoSuchUser,
    /// Any other refusal (other 4xx, invalid request, unexpected answer).
    Rejected,
}

/// A failed Graph API call.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SendError {
    /// Worth trying again later (network trouble, timeouts, 5xx, 429, temporary Graph errors,
    /// rate limits); wait at least `retry_after` when the server said so.
    #[error("temporary Graph API failure: {reason}")]
    Retryable { reason: String, retry_after: Option<Duration> },
    /// Trying again will not help.
    #[error("Graph API refusal: {reason}")]
    Permanent { reason: String, kind: PermanentKind },
}

impl SendError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SendError::Retryable { .. })
    }

    /// The page access token was refused: alert the operator.
    pub fn is_bad_token(&self) -> bool {
        self.permanent_kind() == Some(PermanentKind::BadToken)
    }

    pub fn permanent_kind(&self) -> Option<PermanentKind> {
        match self {
            SendError::Permanent { kind, .. } => Some(*kind),
            SendError::Retryable { .. } => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::Retryable { retry_after, .. } => *retry_after,
            SendError::Permanent { .. } => None,
        }
    }

    /// A short human-readable sentence, safe to log.
    pub fn reason(&self) -> &str {
        match self {
            SendError::Retryable { reason, .. } | SendError::Permanent { reason, .. } => reason,
        }
    }

    fn reason_mut(&mut self) -> &mut String {
        match self {
            SendError::Retryable { reason, .. } | SendError::Permanent { reason, .. } => reason,
        }
    }

    fn permanent(reason: String, kind: PermanentKind) -> Self {
        SendError::Permanent { reason, kind }
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

/// Classifies a non-success answer from the Graph API from its status, headers and body.
pub fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> SendError {
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let retryable = |reason| SendError::Retryable { reason, retry_after };
    let status_retryable =
        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT;

    let Ok(GraphErrorBody { error }) = serde_json::from_slice::<GraphErrorBody>(body) else {
        let reason = format!("the Graph API answered HTTP {status}");
        return if status_retryable {
            retryable(reason)
        } else {
            SendError::permanent(reason, PermanentKind::Rejected)
        };
    };

    let reason = describe(status, &error);
    match (error.code, error.error_subcode) {
        // Temporary send failure, temporary service error, rate limits.
        (Some(1200 | 2 | 4 | 613), _) => retryable(reason),
        (Some(190), _) => SendError::permanent(reason, PermanentKind::BadToken),
        (Some(551), _) => SendError::permanent(reason, PermanentKind::Unavailable),
        (Some(10), Some(2018278)) => SendError::permanent(reason, PermanentKind::OutsideWindow),
        (Some(100), Some(2018001)) => SendError::permanent(reason, PermanentKind::NoSuchUser),
        _ if status_retryable => retryable(reason),
        _ => SendError::permanent(reason, PermanentKind::Rejected),
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
        return SendError::permanent(format!("invalid Graph API request: {err}"), PermanentKind::Rejected);
    } else {
        format!("network error talking to the Graph API: {err}")
    };
    let mut source = err.source();
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    SendError::Retryable { reason, retry_after: None }
}

/// A Graph API client for one page. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    page_token: String,
    timeout: Duration,
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
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `reply` to `recipient` (a page-scoped id).
    pub async fn send(&self, recipient: &str, reply: &Reply) -> Result<SentMessage, SendError> {
        self.send_body(&message_body(recipient, reply)).await
    }

    /// Posts a ready-made Send API body (e.g. a `sender_action`).
    async fn send_body(&self, body: &Value) -> Result<SentMessage, SendError> {
        let request = self
            .http
            .post(format!("{}/me/messages", self.base_url))
            .query(&[("access_token", self.page_token.as_str())])
            .json(body);
        let sent: SentMessage = self.call(request).await?;
        tracing::debug!(message_id = %sent.message_id, "messenger send ok");
        Ok(sent)
    }

    /// Fetches the public profile of `psid`.
    pub async fn profile(&self, psid: &str) -> Result<Profile, SendError> {
        let valid = !psid.is_empty() && psid.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(SendError::permanent("invalid page-scoped id".into(), PermanentKind::Rejected));
        }
        let request = self
            .http
            .get(format!("{}/{psid}", self.base_url))
            .query(&[("fields", "first_name,last_name,profile_pic"), ("access_token", self.page_token.as_str())]);
        self.call(request).await
    }

    async fn call<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, SendError> {
        self.call_unscrubbed(request).await.map_err(|e| self.scrub(e))
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
                PermanentKind::Rejected,
            )
        })
    }

    /// Belt and braces: no reason leaves this client with the token in it.
    fn scrub(&self, mut err: SendError) -> SendError {
        if !self.page_token.is_empty() {
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
        self.call(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::standin::{Fault, GraphStandIn};
    use super::*;
    use statbot_core::Button;

    const PSID: &str = "6701234567890123";
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
        assert_eq!(unavailable.permanent_kind(), Some(PermanentKind::Unavailable));
        assert!(unavailable.reason().contains("551"));

        let window = classify_json(400, include_str!("testdata/send-error-window.json"));
        assert_eq!(window.permanent_kind(), Some(PermanentKind::OutsideWindow));
        assert!(window.reason().contains("10/2018278"), "{window}");
    }

    #[test]
    fn classifies_other_graph_errors() {
        let err = |code: &str| format!(r#"{{"error":{{"message":"m","type":"OAuthException",{code}}}}}"#);
        let bad_token = classify_json(400, &err(r#""code":190,"error_subcode":463"#));
        assert!(bad_token.is_bad_token());
        assert!(!bad_token.is_retryable());
        assert_eq!(
            classify_json(400, &err(r#""code":100,"error_subcode":2018001"#)).permanent_kind(),
            Some(PermanentKind::NoSuchUser)
        );
        assert!(classify_json(400, &err(r#""code":4"#)).is_retryable());
        assert!(classify_json(500, &err(r#""code":2"#)).is_retryable());
        assert_eq!(classify_json(400, &err(r#""code":100"#)).permanent_kind(), Some(PermanentKind::Rejected));
        assert_eq!(classify_json(400, &err(r#""code":10"#)).permanent_kind(), Some(PermanentKind::Rejected));
        // An unknown code on a 5xx is still worth retrying.
        assert!(classify_json(503, &err(r#""code":1"#)).is_retryable());
    }

    #[test]
    fn classifies_by_status_without_a_graph_body() {
        assert!(classify_json(500, "").is_retryable());
        assert!(classify_json(502, "<html>bad gateway</html>").is_retryable());
        assert!(classify_json(429, "").is_retryable());
        assert_eq!(classify_json(404, "<html>not found</html>").permanent_kind(), Some(PermanentKind::Rejected));
        assert_eq!(classify_json(403, "{}").permanent_kind(), Some(PermanentKind::Rejected));
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
        let first = client.send(PSID, &text("one")).await;
        let second = client.send("42", &text("two")).await;
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
            match client.send(PSID, &text("hi")).await {
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
        assert!(client.send(PSID, &text("hi")).await.is_ok());
        assert_eq!(graph.sent().len(), 1);
        assert_eq!(graph.attempts(), 5);
    }

    #[tokio::test]
    async fn a_hang_times_out_as_retryable() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_millis(200));
        graph.fail_next_sends(1, Fault::Hang(Duration::from_secs(10)));
        let started = std::time::Instant::now();
        let err = match client.send(PSID, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a timeout, got {sent:?}"),
        };
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.is_retryable(), "{err}");
        assert!(err.reason().contains("timed out"), "{err}");
        assert_no_token(&err);
        assert!(client.send(PSID, &text("hi")).await.is_ok());
    }

    #[tokio::test]
    async fn unavailable_and_window_are_permanent() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_secs(5));
        graph.unavailable("555");
        for _ in 0..2 {
            let err = client.send("555", &text("hi")).await;
            assert!(matches!(&err, Err(e) if e.permanent_kind() == Some(PermanentKind::Unavailable)), "{err:?}");
        }
        graph.fail_next_sends(1, Fault::OutsideWindow);
        let err = client.send(PSID, &text("hi")).await;
        assert!(matches!(&err, Err(e) if e.permanent_kind() == Some(PermanentKind::OutsideWindow)), "{err:?}");
        assert!(client.send(PSID, &text("hi")).await.is_ok());
        assert_eq!(graph.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_bad_token_is_flagged_and_never_leaked() {
        let graph = stand_in().await;
        graph.expect_token("the-right-token");
        let client = client(graph.base_url(), Duration::from_secs(5));
        let err = match client.send(PSID, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a refusal, got {sent:?}"),
        };
        assert!(err.is_bad_token(), "{err}");
        assert!(err.reason().contains("190"), "{err}");
        assert_no_token(&err);
        let err = client.profile(PSID).await;
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
        let err = match client.send(PSID, &text("hi")).await {
            Err(e) => e,
            Ok(sent) => panic!("expected a failure, got {sent:?}"),
        };
        assert!(err.is_retryable(), "{err}");
        assert!(!err.reason().contains("access_token"), "{err}");
        assert_no_token(&err);
        let err = match client.profile(PSID).await {
            Err(e) => e,
            Ok(p) => panic!("expected a failure, got {p:?}"),
        };
        assert_no_token(&err);
    }

    #[tokio::test]
    async fn a_garbage_base_url_is_permanent() {
        let client = client("not a url".into(), Duration::from_secs(1));
        let err = client.send(PSID, &text("hi")).await;
        assert!(matches!(&err, Err(e) if e.permanent_kind() == Some(PermanentKind::Rejected)), "{err:?}");
        if let Err(e) = err {
            assert_no_token(&e);
        }
    }

    #[tokio::test]
    async fn fetches_profiles() {
        let graph = stand_in().await;
        let client = client(graph.base_url(), Duration::from_secs(5));
        graph.set_profile("42", "Grace", "Hopper");
        let grace = client.profile("42").await;
        assert!(matches!(&grace, Ok(p) if p.first_name == "Grace" && p.last_name == "Hopper"), "{grace:?}");
        let ada = match client.profile(PSID).await {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(ada.first_name, "Ada");
        assert!(ada.profile_pic.is_some());
        graph.fail_profiles(1);
        let err = client.profile("42").await;
        assert!(matches!(&err, Err(e) if e.is_retryable()), "{err:?}");
        assert!(client.profile("42").await.is_ok());
        assert_eq!(graph.profile_calls("42"), 3);
        assert_eq!(graph.profile_calls(PSID), 1);
        assert_eq!(graph.profile_calls("nobody"), 0);
        let bad = client.profile("../me/messages").await;
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
            }
        );
        let sent: SentMessage = match serde_json::from_str(include_str!("testdata/send-ok.json")) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(sent.message_id, "m_SeNt00000000000000000000000000000001");
    }
}
