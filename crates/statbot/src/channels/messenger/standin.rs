//! A stand-in for the Graph API: a real HTTP server on `127.0.0.1` that answers the Send API
//! and profile requests like Facebook does, records every successful send, and fails on
//! command. Used by end-to-end tests and by `statbot bench webhook`, so it must stay fast: all
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
    let fault = {
        let mut state = shared.lock();
        if state.unavailable.contains(&recipient) {
            return unavailable();
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
        state.sent.push(RecordedSend { recipient, body, at: std::time::Instant::now() });
    }
    shared.sent_changed.notify_waiters();
    axum::Json(answer).into_response()
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
                let body = json!({ "recipient": { "id": format!("{i}") }, "message": { "text": "x" } });
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
