//! Test support: a fresh database per test (a SQLite file, or a new PostgreSQL database when
//! `STATBOT_TEST_BACKEND=postgres`), the real server on port 0 through the same start-up as
//! `statbot serve`, the Graph API stand-in (a real local HTTP server), and helpers that post
//! Messenger deliveries and read what was sent. Its modules: `binary` runs the `statbot` binary,
//! `inbox` writes inbox sessions (for the team's automatic figures), `mirror` writes the Stripe
//! mirror as a sync does, `pages` reads the dashboard as a browser without JavaScript, and
//! `stripe` starts localstripe (and a proxy that loses its answers).

pub mod binary;
pub mod inbox;
pub mod mirror;
pub mod pages;
pub mod process;
pub mod shop;
pub mod stripe;

pub use binary::statbot;

use statbot::app::App;
use statbot::channels::messenger::{GraphStandIn, signature};
use statbot::config::{Config, Secret};
use statbot::store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const APP_SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const PAGE_TOKEN: &str = "test-page-token";
pub const WAIT: Duration = Duration::from_secs(15);

/// A database for one test.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("STATBOT_TEST_BACKEND").as_deref() {
        Ok("postgres") => {
            let admin = std::env::var("STATBOT_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
            sqlx::any::install_default_drivers();
            // scripts/test names its run's databases with a prefix, to drop them at the end.
            let prefix = std::env::var("STATBOT_TEST_DATABASE_PREFIX").unwrap_or_else(|_| "statbot_test_".into());
            let name = format!("{prefix}{}", hex::encode(rand::random::<[u8; 8]>()));
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("PostgreSQL for tests is unreachable: set STATBOT_TEST_POSTGRES_URL");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin);
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.join("statbot.db").display()),
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub graph: GraphStandIn,
    pub config: Config,
    pub client: reqwest::Client,
    /// Holds the SQLite file and the flow files; removed with the app.
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Settings a test makes at run time.
pub type Configure = Box<dyn FnOnce(&mut Config) + Send>;

/// How a test wants its server.
pub struct Options {
    /// Flow files to load (name, TOML) instead of the demo flow.
    pub flows: Vec<(&'static str, String)>,
    pub tweak: fn(&mut Config),
    /// Like `tweak`, for settings known only at run time (a local server's URL).
    pub configure: Option<Configure>,
    /// A SQLite file whatever `STATBOT_TEST_BACKEND` says (a source for `statbot db copy`).
    pub sqlite: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { flows: Vec::new(), tweak: |_| {}, configure: None, sqlite: false }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            statbot::telemetry::init(&statbot::config::LogConfig { format: "text".into(), filter: "debug".into() });
        }
        let dir = tempfile::tempdir().unwrap();
        let graph = GraphStandIn::start().await.unwrap();
        // Every Graph call must carry the configured page token.
        graph.expect_token(PAGE_TOKEN);
        let database_url = if options.sqlite {
            format!("sqlite://{}", dir.path().join("statbot.db").display())
        } else {
            fresh_database_url(dir.path()).await
        };
        let mut config = Config { database_url: database_url.into(), ..Config::default() };
        if options.flows.is_empty() {
            config.demo = true;
        } else {
            let flows_dir = dir.path().join("flows");
            std::fs::create_dir_all(&flows_dir).unwrap();
            for (name, text) in &options.flows {
                std::fs::write(flows_dir.join(name), text).unwrap();
            }
            config.flows_dir = Some(flows_dir);
        }
        config.messenger.verify_token = Secret::new(VERIFY_TOKEN);
        config.messenger.app_secret = Secret::new(APP_SECRET);
        config.messenger.page_token = Secret::new(PAGE_TOKEN);
        config.messenger.graph_url = graph.base_url();
        config.messenger.send_timeout_secs = 2;
        config.outbox.base_backoff_ms = 20;
        config.outbox.max_backoff_ms = 200;
        config.outbox.rate_limit_backoff_ms = 50;
        config.auth.lockout_secs = 60;
        // Tests run side by side on one PostgreSQL server (100 connections by default).
        config.database_max_connections = 4;
        (options.tweak)(&mut config);
        if let Some(configure) = options.configure {
            configure(&mut config);
        }
        let mut app = TestApp {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            graph,
            config,
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            _dir: dir,
            stop: None,
            server: None,
        };
        app.start().await;
        app
    }

    async fn start(&mut self) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.addr = listener.local_addr().unwrap();
        self.config.public_url = format!("http://{}", self.addr);
        let app = App::build(self.config.clone()).await.expect("the server starts");
        let (stop, stopped) = oneshot::channel::<()>();
        self.stop = Some(stop);
        self.server = Some(tokio::spawn(async move {
            app.serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("the server runs");
        }));
    }

    /// Stops the server (workers included) and waits until it has.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
    }

    /// Stops and starts again on the same database and Graph stand-in.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Opens the test's database (for assertions on what was stored).
    pub async fn store(&self) -> Store {
        Store::open_with(&self.config.database_url, 2).await.unwrap()
    }

    /// Posts a body to the Messenger webhook, signed with the app secret.
    pub async fn post_signed(&self, body: &str) -> reqwest::Response {
        let sig = signature::sign(APP_SECRET, body.as_bytes());
        self.post_webhook(body, Some(&sig)).await
    }

    pub async fn post_webhook(&self, body: &str, signature: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/webhooks/messenger"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(sig) = signature {
            request = request.header("x-hub-signature-256", sig);
        }
        request.send().await.unwrap()
    }

    /// Waits until the stand-in has `n` successful sends; fails the test otherwise.
    pub async fn wait_for_sent(&self, n: usize) -> Vec<serde_json::Value> {
        let sent = self.graph.wait_for_sent(n, WAIT).await;
        assert!(sent.len() >= n, "expected {n} sends, got {}: {:#?}", sent.len(), sent);
        sent.into_iter().map(|s| s.body).collect()
    }

    /// The sends to one contact so far, in order.
    pub fn sent_to(&self, psid: &str) -> Vec<serde_json::Value> {
        self.graph.sent().into_iter().filter(|s| s.recipient == psid).map(|s| s.body).collect()
    }

    /// Waits until `psid` has received `n` replies.
    pub async fn wait_for_sent_to(&self, psid: &str, n: usize) -> Vec<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let sent = self.sent_to(psid);
            if sent.len() >= n {
                return sent;
            }
            assert!(tokio::time::Instant::now() < deadline, "expected {n} sends to {psid}, got {sent:#?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Logs in through the API and returns a bearer token.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// The JSON an API route answers with this bearer token.
    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    }
}

/// A second `statbot serve` on the test's database, as when several instances share PostgreSQL.
pub struct SecondInstance {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub base: String,
    stop: oneshot::Sender<()>,
    server: JoinHandle<Result<(), statbot::app::StartError>>,
}

impl SecondInstance {
    /// Stops it gracefully and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }
}

impl TestApp {
    /// Starts a second instance on the same PostgreSQL database; `None` on SQLite, which serves
    /// one instance.
    pub async fn second_instance(&self) -> Option<SecondInstance> {
        if !self.config.database_url.starts_with("postgres") {
            return None;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = App::build(self.config.clone()).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(listener, async {
            let _ = stopped.await;
        }));
        Some(SecondInstance { base, stop, server })
    }

    /// The number of the contact a platform knows by `id`.
    pub async fn contact_id(&self, platform: statbot_core::Platform, id: &str) -> i64 {
        let store = self.store().await;
        let contact = store.find_contact(platform, id).await.unwrap().expect("the contact exists");
        store.close().await;
        contact.id
    }
}

impl Visitor {
    /// Writes `text` on `/chat` as this visitor (a fresh nonce: a new message).
    pub async fn say(&self, app: &TestApp, text: &str) {
        let nonce = hex::encode(rand::random::<[u8; 8]>());
        let response = app
            .client
            .post(app.url("/chat"))
            .header("cookie", &self.cookie)
            .form(&[("text", text), ("nonce", &nonce)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
    }
}

/// Waits until the outbox's counts satisfy `done` (at most [`WAIT`]), and returns them.
pub async fn wait_for_outbox(
    store: &Store,
    done: impl Fn(&statbot::store::OutboxStats) -> bool,
) -> statbot::store::OutboxStats {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let stats = store.outbox_stats().await.unwrap();
        if done(&stats) {
            return stats;
        }
        assert!(std::time::Instant::now() < deadline, "the outbox did not get there: {stats:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A webhook delivery with one text message, sent now (inside the messaging window).
pub fn text_event(psid: &str, mid: &str, text: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": statbot::store::now_ms(),
        "message": { "mid": mid, "text": text }
    }))
}

/// A webhook delivery with one postback (a button tap), sent now.
pub fn postback_event(psid: &str, mid: &str, payload: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": statbot::store::now_ms(),
        "postback": { "title": "tap", "payload": payload, "mid": mid }
    }))
}

pub fn delivery(messaging: serde_json::Value) -> String {
    serde_json::json!({ "object": "page", "entry": [{ "id": "104857600000001", "time": 1763800000123i64, "messaging": [messaging] }] })
        .to_string()
}

/// A fixture from the Messenger examples shipped with the channel's tests.
/// A Messenger fixture as if sent now: each event's `timestamp` moved by the same amount so that
/// the latest is now (inside the messaging window), keeping their order and gaps.
pub fn fixture(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "src/channels/messenger/testdata", name].iter().collect();
    let text = std::fs::read_to_string(path).unwrap();
    let Ok(mut delivery) = serde_json::from_str::<serde_json::Value>(&text) else { return text };
    let mut events: Vec<&mut serde_json::Value> = Vec::new();
    if let Some(entries) = delivery["entry"].as_array_mut() {
        for entry in entries {
            if let Some(messaging) = entry["messaging"].as_array_mut() {
                events.extend(messaging.iter_mut().filter(|e| e["timestamp"].is_i64()));
            }
        }
    }
    let latest = events.iter().filter_map(|e| e["timestamp"].as_i64()).max().unwrap_or_default();
    let shift = statbot::store::now_ms() - latest;
    for event in events {
        event["timestamp"] = (event["timestamp"].as_i64().unwrap_or_default() + shift).into();
    }
    delivery.to_string()
}

/// The text of a Send API body (plain text or a button template).
pub fn text_of(body: &serde_json::Value) -> String {
    let message = &body["message"];
    message["text"]
        .as_str()
        .or_else(|| message["attachment"]["payload"]["text"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Button payloads of a Send API body.
pub fn payloads_of(body: &serde_json::Value) -> Vec<String> {
    body["message"]["attachment"]["payload"]["buttons"]
        .as_array()
        .map(|b| b.iter().map(|b| b["payload"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

/// A web chat visitor: the cookie the page issued, and the visitor id it signs.
pub struct Visitor {
    pub cookie: String,
    pub id: String,
}

/// Opens `/chat` as a new visitor.
pub async fn chat_visitor(app: &TestApp) -> Visitor {
    let page = app.client.get(app.url("/chat")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let id = cookie.split_once('=').unwrap().1.split_once('.').expect("a signed visitor id").0.to_owned();
    Visitor { cookie, id }
}

/// The replies after a contact's latest message, oldest first (none for an unknown contact).
pub async fn latest_replies(app: &TestApp, platform: statbot_core::Platform, id: &str) -> Vec<statbot_core::Reply> {
    let store = app.store().await;
    let Some(contact) = store.find_contact(platform, id).await.unwrap() else { return Vec::new() };
    let log = store.conversation(contact.id, 100).await.unwrap();
    store.close().await;
    let mut replies: Vec<statbot_core::Reply> = log
        .into_iter()
        .rev()
        .map_while(|m| match m {
            statbot::store::LoggedMessage::Out { reply, .. } => Some(reply),
            statbot::store::LoggedMessage::In { .. } => None,
        })
        .collect();
    replies.reverse();
    replies
}
