//! localstripe for tests: starts `localstripe --port N --from-scratch` (found on PATH; installed
//! with `pip install localstripe`, which `.ci/run` does in `.ci/venv`) on a free port, waits
//! until it answers, and kills it when dropped. Installs nothing: a missing localstripe fails
//! the test with a message saying how to install it. Helpers create objects through its API.

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const KEY: &str = "sk_test_statbot";

pub struct LocalStripe {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A card number's payment method: 4242424242424242 succeeds, 4000000000000341 is declined.
pub const CARD_OK: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000341";

impl LocalStripe {
    pub async fn start() -> LocalStripe {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("localstripe")
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `localstripe` ({e}): these tests need it on PATH. Install it with \
                     `python3 -m venv .ci/venv && .ci/venv/bin/pip install localstripe` and add .ci/venv/bin \
                     to PATH (scripts/test does), or `pip install localstripe`"
                )
            });
        let stripe = LocalStripe { child, base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let answer = stripe.http.get(format!("{}/v1/customers", stripe.base)).bearer_auth(KEY).send().await;
            if matches!(&answer, Ok(r) if r.status().is_success()) {
                return stripe;
            }
            assert!(std::time::Instant::now() < deadline, "localstripe did not answer on port {port} within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// POSTs a form to the API; returns the status and the JSON answer.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.base)).bearer_auth(KEY).form(form).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn create(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, body) = self.post(path, form).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    pub async fn customer(&self, email: &str, name: &str) -> String {
        id(&self.create("/v1/customers", &[("email", email), ("name", name)]).await)
    }

    pub async fn product(&self, name: &str, description: &str) -> String {
        id(&self.create("/v1/products", &[("name", name), ("description", description)]).await)
    }

    pub async fn payment_method(&self, card: &str) -> String {
        let form = [
            ("type", "card"),
            ("card[number]", card),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ];
        id(&self.create("/v1/payment_methods", &form).await)
    }

    /// Creates a charge; returns its id and whether it succeeded (a declined card's charge
    /// exists too, failed).
    pub async fn charge(
        &self,
        amount: i64,
        currency: &str,
        payment_method: &str,
        customer: Option<&str>,
        description: &str,
        metadata: &[(&str, &str)],
    ) -> (String, bool) {
        let amount = amount.to_string();
        let keys: Vec<String> = metadata.iter().map(|(k, _)| format!("metadata[{k}]")).collect();
        let mut form = vec![
            ("amount", amount.as_str()),
            ("currency", currency),
            ("source", payment_method),
            ("description", description),
        ];
        if let Some(customer) = customer {
            form.push(("customer", customer));
        }
        for (key, (_, value)) in keys.iter().zip(metadata) {
            form.push((key.as_str(), value));
        }
        let (status, body) = self.post("/v1/charges", &form).await;
        match status {
            200 => (id(&body), true),
            402 => (body["error"]["charge"].as_str().unwrap().to_owned(), false),
            _ => panic!("charge: {status} {body}"),
        }
    }

    pub async fn refund(&self, charge: &str, amount: i64) -> String {
        id(&self.create("/v1/refunds", &[("charge", charge), ("amount", &amount.to_string())]).await)
    }
}

fn id(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("no id in {body}")).to_owned()
}

impl LocalStripe {
    /// GETs a path of the API; returns the JSON answer.
    pub async fn get(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.base)).bearer_auth(KEY).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// Every charge carrying `metadata[order_id]` = `order_id`.
    pub async fn charges_for_order(&self, order_id: i64) -> Vec<Value> {
        let wanted = order_id.to_string();
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(id) => format!("/v1/charges?limit=100&starting_after={id}"),
                None => "/v1/charges?limit=100".to_owned(),
            };
            let page = self.get(&path).await;
            let data = page["data"].as_array().unwrap();
            after = data.last().map(|c| c["id"].as_str().unwrap().to_owned());
            found.extend(data.iter().filter(|c| c["metadata"]["order_id"].as_str() == Some(wanted.as_str())).cloned());
            if !page["has_more"].as_bool().unwrap_or(false) {
                return found;
            }
        }
    }

    /// Registers a webhook endpoint: localstripe then posts the named events to `url`, signed
    /// with `secret`.
    pub async fn register_webhook(&self, url: &str, secret: &str, events: &[&str]) {
        let mut form = vec![("url", url), ("secret", secret)];
        form.extend(events.iter().map(|e| ("events[]", *e)));
        let response = self
            .http
            .post(format!("{}/_config/webhooks/statbot", self.base))
            .bearer_auth(KEY)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "webhook registration: {}", response.status());
    }
}

/// What the proxy does to one `POST /v1/charges` (or `POST /v1/customers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// Passes the request on, then never answers in time: the object is made, the client
    /// times out.
    Answer,
    /// Never passes the request on: nothing is made, the client times out.
    Request,
}

/// The faults planned for one kind of request, and the `Idempotency-Key` of each so far.
#[derive(Default)]
struct Planned {
    plan: std::collections::VecDeque<Lost>,
    keys: Vec<String>,
}

/// Planned faults by path: `/v1/charges` and `/v1/customers`.
type Plans = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<&'static str, Planned>>>;

/// The paths whose POSTs the proxy plans faults for and records.
const PLANNED_PATHS: [&str; 2] = ["/v1/charges", "/v1/customers"];

/// A proxy in front of localstripe that drops the answer (or the request) of the next charges
/// (or customers) as planned, and records the `Idempotency-Key` of every such request.
pub struct DroppingProxy {
    server: statbot::local_server::LocalServer,
    plans: Plans,
}

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    plans: Plans,
}

/// Longer than any client timeout of the tests.
const HOLD: Duration = Duration::from_secs(30);

async fn forward(
    axum::extract::State(state): axum::extract::State<ProxyState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let planned = PLANNED_PATHS.into_iter().find(|p| method == axum::http::Method::POST && uri.path() == *p);
    let fault = planned.and_then(|path| {
        let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let mut plans = state.plans.lock().unwrap();
        let planned = plans.entry(path).or_default();
        planned.keys.push(key);
        planned.plan.pop_front()
    });
    if fault == Some(Lost::Request) {
        tokio::time::sleep(HOLD).await;
        return axum::http::StatusCode::GATEWAY_TIMEOUT.into_response();
    }
    let mut request = state.http.request(method, format!("{}{uri}", state.upstream)).body(body);
    for name in ["authorization", "content-type", "idempotency-key", "stripe-version"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.unwrap();
    let status = answer.status();
    let bytes = answer.bytes().await.unwrap();
    if fault == Some(Lost::Answer) {
        tokio::time::sleep(HOLD).await;
    }
    (status, [("content-type", "application/json")], bytes).into_response()
}

impl DroppingProxy {
    pub async fn start(upstream: &str) -> DroppingProxy {
        let plans = Plans::default();
        let state = ProxyState { upstream: upstream.to_owned(), http: reqwest::Client::new(), plans: plans.clone() };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let server = statbot::local_server::LocalServer::start("dropping-proxy", app).await.unwrap();
        DroppingProxy { server, plans }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    fn planned<T>(&self, path: &'static str, f: impl FnOnce(&mut Planned) -> T) -> T {
        f(self.plans.lock().unwrap().entry(path).or_default())
    }

    /// What to do to the next charge requests, in order; later ones pass.
    pub fn plan(&self, drops: &[Lost]) {
        self.planned("/v1/charges", |p| p.plan.extend(drops.iter().copied()));
    }

    /// What to do to the next customer creations, in order; later ones pass.
    pub fn plan_customers(&self, drops: &[Lost]) {
        self.planned("/v1/customers", |p| p.plan.extend(drops.iter().copied()));
    }

    /// The `Idempotency-Key` of each charge request so far.
    pub fn charge_keys(&self) -> Vec<String> {
        self.planned("/v1/charges", |p| p.keys.clone())
    }

    /// The `Idempotency-Key` of each customer creation so far.
    pub fn customer_keys(&self) -> Vec<String> {
        self.planned("/v1/customers", |p| p.keys.clone())
    }
}
