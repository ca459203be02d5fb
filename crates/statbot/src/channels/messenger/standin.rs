//! A stand-in for the Graph API: a real HTTP server on `127.0.0.1` that answers the Send API
//! and profile requests like Facebook does, records every successful send, and fails on
//! command. It checks what Meta checks: the `messaging_type` (and the `HUMAN_AGENT` tag, the only
//! one left), the messaging window of recipients a test says wrote at a given time (24 hours, 7
//! days after an ad, 7 days for `HUMAN_AGENT`), and for Instagram users what Instagram cannot
//! show (button templates, more than 13 quick replies). Used by end-to-end tests and by `statbot bench webhook`, so it must stay fast: all
//! shared state sits behind short `std::sync::Mutex` critical sections, never held across an
//! await.

use crate::local_server::LocalServer;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;

mod profile;
pub use profile::ProfileWrite;

/// The API version the stand-in serves under, as in `https://graph.facebook.com/v21.0`.
const VERSION_PATH: &str = "/v21.0";

/// A scripted failure for the next send requests (see [`GraphStandIn::fail_next_sends`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400, code 1200 (temporary send message failure).
    Temporary,
    /// HTTP 400, code 613 (rate limit).
    RateLimited,
    /// HTTP 429 with a `Retry-After` header.
    TooManyRequests { retry_after_secs: u64 },
    /// HTTP 500 with a code 2 body (temporary service error).
    ServerError,
    /// HTTP 400, code 10 subcode 2018278 (outside the 24-hour window).
    OutsideWindow,
    /// HTTP 403, code 200 (the app lacks a permission).
    Permissions,
    /// HTTP 400, code 100 (an invalid parameter).
    InvalidParameter,
    /// HTTP 400, code 32 (the Page's request limit).
    PageRateLimited,
    /// HTTP 400, code 4 (the app's request limit).
    AppRateLimited,
    /// Waits this long, then answers like [`Fault::Temporary`] (if the client is still there).
    Hang(Duration),
}

/// One successful send, as the stand-in received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedSend {
    pub recipient: String,
    pub body: Value,
    /// When it arrived, for latency measurements.
    pub at: std::time::Instant,
    /// The id the stand-in answered with (what receipts name).
    pub message_id: String,
}

#[derive(Default)]
struct StandInState {
    sent: Vec<RecordedSend>,
    faults: VecDeque<Fault>,
    unavailable: HashSet<String>,
    profiles: HashMap<String, (String, String)>,
    profile_calls: HashMap<String, usize>,
    profile_failures: usize,
    expected_token: Option<String>,
    sent_per_recipient: HashMap<String, usize>,
    /// Recipients whose window is checked: (latest message, until when standard messages go).
    windows: HashMap<String, (i64, i64)>,
    /// Instagram-scoped ids: no button templates, at most 13 quick replies.
    instagram_users: HashSet<String>,
    /// How long a successful send waits, once recorded, before it is answered: the message has
    /// arrived, the answer is still on its way (see [`GraphStandIn::delay_answers`]).
    answer_delay: Duration,
    /// Waiters for a recipient's n-th successful send.
    recipient_waiters: HashMap<String, Vec<(usize, tokio::sync::oneshot::Sender<()>)>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<StandInState>,
    attempts: AtomicUsize,
    next_id: AtomicU64,
    sent_changed: Notify,
    /// The Messenger Profile API's state (see [`profile`]).
    profile: Mutex<profile::ProfileState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, StandInState> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters to a test double, so keep going.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The running stand-in. Dropping it stops the server.
pub struct GraphStandIn {
    shared: Arc<Shared>,
    server: LocalServer,
}

impl GraphStandIn {
    /// Binds `127.0.0.1:0` and serves in a background task of the current Tokio runtime.
    pub async fn start() -> std::io::Result<GraphStandIn> {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route(&format!("{VERSION_PATH}/me/messages"), post(send))
            .route(&format!("{VERSION_PATH}/{{psid}}"), get(profile))
            .route(
                &format!("{VERSION_PATH}/me/messenger_profile"),
                get(profile::get).post(profile::post).delete(profile::delete),
            )
            .with_state(Arc::clone(&shared));
        let server = LocalServer::start("graph", app).await?;
        Ok(GraphStandIn { shared, server })
    }

    /// What to put in `GraphConfig::base_url`, e.g. `http://127.0.0.1:41234/v21.0`.
    pub fn base_url(&self) -> String {
        format!("{}{VERSION_PATH}", self.server.url())
    }

    /// Every successful send so far, in arrival order.
    pub fn sent(&self) -> Vec<RecordedSend> {
        self.shared.lock().sent.clone()
    }

    /// How many successful sends so far (cheaper than `sent().len()`).
    pub fn sent_count(&self) -> usize {
        self.shared.lock().sent.len()
    }

    /// Every send request received, failed or not.
    pub fn attempts(&self) -> usize {
        self.shared.attempts.load(Ordering::Relaxed)
    }

    /// Profile requests received for `psid`, failed or not.
    pub fn profile_calls(&self, psid: &str) -> usize {
        self.shared.lock().profile_calls.get(psid).copied().unwrap_or(0)
    }

    /// From now on each successful send is recorded at once and answered `by` later, as when
    /// Meta delivered a message and its answer is slow: a sender stopped meanwhile cannot know.
    pub fn delay_answers(&self, by: Duration) {
        self.shared.lock().answer_delay = by;
    }

    /// The next `n` send requests (after those already scripted) fail with `fault`.
    /// Sends to an [`unavailable`](Self::unavailable) recipient do not use up a fault.
    pub fn fail_next_sends(&self, n: usize, fault: Fault) {
        self.shared.lock().faults.extend(std::iter::repeat_n(fault, n));
    }

    /// Sends to `psid` always answer code 551 (this person isn't available right now).
    pub fn unavailable(&self, psid: &str) {
        self.shared.lock().unavailable.insert(psid.to_string());
    }

    /// The next `n` profile requests answer HTTP 500 (code 2, temporary).
    pub fn fail_profiles(&self, n: usize) {
        self.shared.lock().profile_failures += n;
    }

    /// The names answered for `psid` (default: Ada Lovelace).
    pub fn set_profile(&self, psid: &str, first_name: &str, last_name: &str) {
        self.shared.lock().profiles.insert(psid.to_string(), (first_name.into(), last_name.into()));
    }

    /// `psid` wrote at `at_ms` (Meta's time; after a click-to-Messenger ad when `from_ad`): from
    /// now on, sends to them are checked against the messaging window, as Meta does.
    pub fn user_wrote(&self, psid: &str, at_ms: i64, from_ad: bool) {
        let opens = at_ms + if from_ad { statbot_core::window::AD_MS } else { statbot_core::window::STANDARD_MS };
        let mut state = self.shared.lock();
        let window = state.windows.entry(psid.to_owned()).or_insert((at_ms, opens));
        *window = (window.0.max(at_ms), window.1.max(opens));
    }

    /// The webhook deliveries Messenger posts once `psid` got and then read everything sent to
    /// them so far: a delivery receipt naming the messages, and a read receipt whose watermark
    /// is now (Meta's time, ms).
    pub fn receipts(&self, psid: &str) -> (String, String) {
        let mids: Vec<String> = self.sent().into_iter().filter(|s| s.recipient == psid).map(|s| s.message_id).collect();
        let now = crate::store::now_ms();
        let event = |kind: &str, receipt: Value| {
            json!({ "object": "page", "entry": [{ "id": "1", "time": now, "messaging": [{
                "sender": { "id": psid }, "recipient": { "id": "1" }, "timestamp": now, kind: receipt }] }] })
            .to_string()
        };
        (event("delivery", json!({ "mids": mids, "watermark": now })), event("read", json!({ "watermark": now })))
    }

    /// `igsid` is an Instagram user: what Instagram cannot show is refused (code 100).
    pub fn instagram_user(&self, igsid: &str) {
        self.shared.lock().instagram_users.insert(igsid.to_owned());
    }

    /// Only this access token is accepted (default: any non-empty one); others answer code 190.
    pub fn expect_token(&self, token: &str) {
        self.shared.lock().expected_token = Some(token.to_string());
    }

    /// Resolves once `psid` has received `n` messages (at once if it already has); cheap enough
    /// for a benchmark with many contacts waiting at the same time.
    pub fn sent_to_count(&self, psid: &str, n: usize) -> tokio::sync::oneshot::Receiver<()> {
        let (waiter, reached) = tokio::sync::oneshot::channel();
        let mut state = self.shared.lock();
        if state.sent_per_recipient.get(psid).copied().unwrap_or(0) >= n {
            let _ = waiter.send(());
        } else {
            state.recipient_waiters.entry(psid.to_owned()).or_default().push((n, waiter));
        }
        reached
    }

    /// Waits until at least `n` sends succeeded, or `timeout` passed; returns all sends so far
    /// either way (so check the length).
    pub async fn wait_for_sent(&self, n: usize, timeout: Duration) -> Vec<RecordedSend> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.sent_changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a send between the check and the await still wakes us.
            notified.as_mut().enable();
            {
                let state = self.shared.lock();
                if state.sent.len() >= n {
                    return state.sent.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.sent();
            }
        }
    }
}

fn graph_error(status: StatusCode, error: Value) -> Response {
    (status, axum::Json(json!({ "error": error }))).into_response()
}

fn temporary() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "(#1200) Temporary send message failure. Please try again later",
                "type": "OAuthException", "code": 1200, "fbtrace_id": "AbCdEf123" }),
    )
}

fn rate_limited() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "(#613) Calls to this api have exceeded the rate limit.",
                "type": "OAuthException", "code": 613, "fbtrace_id": "AbCdEf124" }),
    )
}

fn unavailable() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "(#551) This person isn't available right now.",
                "type": "OAuthException", "code": 551, "error_subcode": 1545041,
                "fbtrace_id": "AbCdEf125" }),
    )
}

fn outside_window() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "(#10) This message is sent outside of allowed window.",
                "type": "OAuthException", "code": 10, "error_subcode": 2018278,
                "fbtrace_id": "AbCdEf126" }),
    )
}

fn permissions() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        json!({ "message": "(#200) Requires pages_messaging permission to manage the object",
                "type": "OAuthException", "code": 200, "fbtrace_id": "AbCdEf130" }),
    )
}

fn page_rate_limited() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "(#32) Page request limit reached", "type": "OAuthException", "code": 32,
                "fbtrace_id": "AbCdEf131" }),
    )
}

fn app_rate_limited() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4,
                "fbtrace_id": "AbCdEf132" }),
    )
}

fn server_error() -> Response {
    graph_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({ "message": "An unexpected error has occurred. Please retry your request later.",
                "type": "OAuthException", "code": 2, "fbtrace_id": "AbCdEf127" }),
    )
}

fn bad_token() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException", "code": 190, "fbtrace_id": "AbCdEf128" }),
    )
}

fn invalid_parameter(message: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        json!({ "message": format!("(#100) {message}"), "type": "OAuthException", "code": 100,
                "fbtrace_id": "AbCdEf129" }),
    )
}

/// Whether the query string carries an acceptable `access_token`.
fn token_ok(shared: &Shared, query: Option<&str>) -> bool {
    let token = query.unwrap_or_default().split('&').find_map(|pair| pair.strip_prefix("access_token="));
    match token {
        None | Some("") => false,
        Some(token) => match &shared.lock().expected_token {
            Some(expected) => expected == token,
            None => true,
        },
    }
}

async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Temporary => temporary(),
        Fault::RateLimited => rate_limited(),
        Fault::TooManyRequests { retry_after_secs } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({ "error": { "message": "Too many requests", "code": 4 } })),
            )
                .into_response();
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Fault::ServerError => server_error(),
        Fault::OutsideWindow => outside_window(),
        Fault::Permissions => permissions(),
        Fault::InvalidParameter => invalid_parameter("Invalid parameter"),
        Fault::PageRateLimited => page_rate_limited(),
        Fault::AppRateLimited => app_rate_limited(),
        Fault::Hang(duration) => {
            tokio::time::sleep(duration).await;
            temporary()
        }
    }
}

async fn send(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    shared.attempts.fetch_add(1, Ordering::Relaxed);
    if !token_ok(&shared, query.as_deref()) {
        return bad_token();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return invalid_parameter("The request body is not valid JSON");
    };
    let Some(recipient) = body.pointer("/recipient/id").and_then(Value::as_str).map(str::to_owned) else {
        return invalid_parameter("The parameter recipient is required");
    };
    if let Some(refusal) = messaging_type_refusal(&body) {
        return refusal;
    }
    let fault = {
        let mut state = shared.lock();
        if state.unavailable.contains(&recipient) {
            return unavailable();
        }
        if let Some(&(last, until)) = state.windows.get(&recipient) {
            let human = body["tag"] == "HUMAN_AGENT";
            let allowed_until = if human { last + statbot_core::window::HUMAN_AGENT_MS } else { until };
            if crate::store::now_ms() >= allowed_until {
                return outside_window();
            }
        }
        if state.instagram_users.contains(&recipient)
            && let Some(refusal) = instagram_refusal(&body["message"])
        {
            return refusal;
        }
        state.faults.pop_front()
    };
    if let Some(fault) = fault {
        return fault_response(fault).await;
    }
    let n = shared.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let message_id = format!("m_StAnDiN{n:029}");
    let answer = json!({ "recipient_id": recipient, "message_id": message_id });
    {
        let mut state = shared.lock();
        let count = state.sent_per_recipient.entry(recipient.clone()).or_default();
        *count += 1;
        let count = *count;
        if let Some(waiters) = state.recipient_waiters.get_mut(&recipient) {
            let (ready, waiting): (Vec<_>, Vec<_>) = waiters.drain(..).partition(|(n, _)| *n <= count);
            *waiters = waiting;
            for (_, waiter) in ready {
                let _ = waiter.send(());
            }
        }
        state.sent.push(RecordedSend {
            recipient,
            body,
            at: std::time::Instant::now(),
            message_id: message_id.clone(),
        });
    }
    shared.sent_changed.notify_waiters();
    let delay = shared.lock().answer_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    axum::Json(answer).into_response()
}

/// Refuses a `messaging_type` the Send API would: it must be RESPONSE, UPDATE, or MESSAGE_TAG
/// with a tag still in service (only HUMAN_AGENT; the others were retired in 2026).
fn messaging_type_refusal(body: &Value) -> Option<Response> {
    let tag = body.get("tag").and_then(Value::as_str);
    let problem = match (body.get("messaging_type").and_then(Value::as_str), tag) {
        (Some("RESPONSE" | "UPDATE"), None) | (Some("MESSAGE_TAG"), Some("HUMAN_AGENT")) => return None,
        (Some("MESSAGE_TAG"), Some(_)) => "This message tag is not supported",
        (Some("MESSAGE_TAG"), None) => "The parameter tag is required",
        (Some("RESPONSE" | "UPDATE"), Some(_)) => "A tag needs messaging_type MESSAGE_TAG",
        (Some(_), _) => "Invalid messaging_type",
        (None, _) => "The parameter messaging_type is required",
    };
    Some(invalid_parameter(problem))
}

/// Refuses what Instagram cannot show: templates other than the generic one, more than 13
/// quick replies, quick replies other than text.
fn instagram_refusal(message: &Value) -> Option<Response> {
    let template = message.pointer("/attachment/payload/template_type").and_then(Value::as_str);
    let replies = message.get("quick_replies").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let problem = if template.is_some_and(|t| t != "generic") {
        "Instagram does not support this template"
    } else if replies.len() > 13 {
        "At most 13 quick replies are allowed"
    } else if replies.iter().any(|r| r["content_type"] != "text") {
        "Instagram quick replies are text only"
    } else {
        return None;
    };
    Some(invalid_parameter(problem))
}

async fn profile(State(shared): State<Arc<Shared>>, Path(psid): Path<String>, RawQuery(query): RawQuery) -> Response {
    if !token_ok(&shared, query.as_deref()) {
        return bad_token();
    }
    let names = {
        let mut state = shared.lock();
        *state.profile_calls.entry(psid.clone()).or_default() += 1;
        if state.profile_failures > 0 {
            state.profile_failures -= 1;
            None
        } else {
            Some(state.profiles.get(&psid).cloned().unwrap_or_else(|| ("Ada".into(), "Lovelace".into())))
        }
    };
    let Some((first_name, last_name)) = names else {
        return server_error();
    };
    if query.as_deref().unwrap_or_default().contains("username") {
        // An Instagram user: a display name and a username, no first and last names.
        return axum::Json(json!({
            "name": format!("{first_name} {last_name}"),
            "username": first_name.to_lowercase(),
            "profile_pic": format!("https://platform-lookaside.example/{psid}.jpg"),
            "id": psid,
        }))
        .into_response();
    }
    axum::Json(json!({
        "first_name": first_name,
        "last_name": last_name,
        "profile_pic": format!("https://platform-lookaside.example/{psid}.jpg"),
        "id": psid,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = match axum::body::to_bytes(response.into_body(), 1 << 20).await {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => (status, v),
            Err(e) => panic!("{e}"),
        }
    }

    fn fixture(text: &str) -> Value {
        match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn error_bodies_match_the_fixtures() {
        for (response, fixture_text) in [
            (temporary(), include_str!("testdata/send-error-temporary.json")),
            (rate_limited(), include_str!("testdata/send-error-rate-limit.json")),
            (unavailable(), include_str!("testdata/send-error-unavailable.json")),
            (outside_window(), include_str!("testdata/send-error-window.json")),
        ] {
            let (status, body) = body_of(response).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body, fixture(fixture_text));
        }
    }

    async fn post(client: &reqwest::Client, url: String, body: &str) -> (u16, Value) {
        let response =
            match client.post(url).header("content-type", "application/json").body(body.to_string()).send().await {
                Ok(r) => r,
                Err(e) => panic!("{e}"),
            };
        let status = response.status().as_u16();
        match response.json().await {
            Ok(v) => (status, v),
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn answers_like_the_send_api() {
        let graph = match GraphStandIn::start().await {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        let http = reqwest::Client::new();
        let url = format!("{}/me/messages?access_token=t", graph.base_url());
        let text = include_str!("testdata/send-text.json");

        let (status, ok) = post(&http, url.clone(), text).await;
        assert_eq!(status, 200);
        assert_eq!(ok["recipient_id"], "6701234567890123");
        let id = ok["message_id"].as_str().unwrap_or_default().to_string();
        assert_eq!(id.len(), "m_SeNt00000000000000000000000000000001".len());

        let (_, again) = post(&http, url.clone(), text).await;
        assert_ne!(again["message_id"], ok["message_id"]);

        let (status, no_token) = post(&http, format!("{}/me/messages", graph.base_url()), text).await;
        assert_eq!(status, 400);
        assert_eq!(no_token["error"]["code"], 190);

        let (status, garbage) = post(&http, url.clone(), "{").await;
        assert_eq!(status, 400);
        assert_eq!(garbage["error"]["code"], 100);

        let (_, no_recipient) = post(&http, url.clone(), r#"{"message":{"text":"x"}}"#).await;
        assert_eq!(no_recipient["error"]["code"], 100);

        let sent = graph.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].body, fixture(text));
        assert_eq!(graph.sent_count(), 2);
        assert_eq!(graph.attempts(), 5);
    }

    #[tokio::test]
    async fn checks_messaging_types_windows_and_instagram_shapes_as_meta_does() {
        let graph = match GraphStandIn::start().await {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        let http = reqwest::Client::new();
        let url = format!("{}/me/messages?access_token=t", graph.base_url());
        let send = |body: Value| {
            let (http, url) = (http.clone(), url.clone());
            async move { post(&http, url, &body.to_string()).await }
        };
        let text = |kind: &str, tag: Option<&str>| {
            let mut body = json!({ "recipient": { "id": "7" }, "messaging_type": kind, "message": { "text": "x" } });
            if let Some(tag) = tag {
                body["tag"] = json!(tag);
            }
            body
        };
        for (kind, tag) in [("MESSAGE_TAG", Some("ACCOUNT_UPDATE")), ("MESSAGE_TAG", None), ("PROMO", None)] {
            let (status, refused) = send(text(kind, tag)).await;
            assert_eq!((status, refused["error"]["code"].as_i64()), (400, Some(100)), "{kind} {tag:?}");
        }
        let now = crate::store::now_ms();
        graph.user_wrote("7", now - statbot_core::window::STANDARD_MS - 1000, false);
        let (_, outside) = send(text("RESPONSE", None)).await;
        assert_eq!(
            (outside["error"]["code"].as_i64(), outside["error"]["error_subcode"].as_i64()),
            (Some(10), Some(2018278))
        );
        let (status, _) = send(text("MESSAGE_TAG", Some("HUMAN_AGENT"))).await;
        assert_eq!(status, 200, "a person may still answer within 7 days");
        graph.user_wrote("7", now - 1000, false);
        assert_eq!(send(text("UPDATE", None)).await.0, 200);

        graph.instagram_user("8");
        let buttons = json!({ "recipient": { "id": "8" }, "messaging_type": "RESPONSE", "message": { "attachment": {
            "type": "template", "payload": { "template_type": "button", "text": "t", "buttons": [] } } } });
        assert_eq!(send(buttons).await.1["error"]["code"].as_i64(), Some(100));
        assert_eq!(graph.sent_count(), 2);
    }

    #[tokio::test]
    async fn answers_profiles_like_the_fixture() {
        let graph = match GraphStandIn::start().await {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        let url =
            format!("{}/6701234567890123?fields=first_name,last_name,profile_pic&access_token=t", graph.base_url());
        let response = match reqwest::get(url).await {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let body: Value = match response.json().await {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        let expected = fixture(include_str!("testdata/profile.json"));
        let keys =
            |v: &Value| -> Vec<String> { v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default() };
        assert_eq!(keys(&body), keys(&expected));
        assert_eq!(body["first_name"], expected["first_name"]);
        assert_eq!(body["id"], expected["id"]);
        assert_eq!(graph.profile_calls("6701234567890123"), 1);
    }

    #[tokio::test]
    async fn wait_for_sent_wakes_on_concurrent_sends_and_times_out() {
        let graph = match GraphStandIn::start().await {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        let url = format!("{}/me/messages?access_token=t", graph.base_url());
        let http = reqwest::Client::new();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (http, url) = (http.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({ "recipient": { "id": format!("{i}") }, "messaging_type": "RESPONSE", "message": { "text": "x" } });
                http.post(url).json(&body).send().await.map(|r| r.status())
            }));
        }
        let sent = graph.wait_for_sent(50, Duration::from_secs(10)).await;
        assert_eq!(sent.len(), 50);
        for task in tasks {
            assert!(matches!(task.await, Ok(Ok(s)) if s.is_success()));
        }
        let started = std::time::Instant::now();
        let more = graph.wait_for_sent(51, Duration::from_millis(100)).await;
        assert_eq!(more.len(), 50);
        assert!(started.elapsed() >= Duration::from_millis(100));
    }
}
