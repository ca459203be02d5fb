//! localstripe for tests: starts `localstripe --port N --from-scratch` (found on PATH; installed
//! with `pip install localstripe`, which `.ci/run` does in `.ci/venv`) on a free port, waits
//! until it answers, and kills it when dropped. Installs nothing: a missing localstripe fails
//! the test with a message saying how to install it. Helpers create objects through its API.
#![allow(dead_code)]

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
