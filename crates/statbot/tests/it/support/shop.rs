//! The shop as its tests meet it: a server with the demo catalog paying through localstripe (or
//! a proxy in front of it), customers signing up, test cards, and the demo basket.

use super::stripe::KEY;
use super::{Options, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use statbot::config::{Config, Secret};

pub const WEBHOOK_SECRET: &str = "whsec_statbot_test";
pub const PASSWORD: &str = "correct horse battery";

/// The server with the demo catalog, paying through `stripe_base` (localstripe or a proxy in
/// front of it); `tweak` adjusts the rest.
pub async fn shop(stripe_base: &str, tweak: fn(&mut Config)) -> TestApp {
    let base = stripe_base.to_owned();
    TestApp::spawn_with(Options {
        configure: Some(Box::new(move |config: &mut Config| {
            pay_through(config, &base);
            tweak(config);
        })),
        ..Options::default()
    })
    .await
}

/// Makes the shop pay through `stripe_base`, with no sync or reconciler of its own running (the
/// tests run them when they want).
pub fn pay_through(config: &mut Config, stripe_base: &str) {
    config.stripe.secret_key = Secret::new(KEY);
    config.stripe.api_base = stripe_base.to_owned();
    config.stripe.sync_interval_secs = 0;
    config.stripe.webhook_secret = Secret::new(WEBHOOK_SECRET);
    config.stripe.timeout_secs = 1;
    config.shop.reconcile_interval_secs = 0;
    config.shop.reconcile_after_secs = 20;
}

pub struct Customer {
    pub token: String,
    pub id: i64,
}

pub async fn sign_up(app: &TestApp, first_name: &str, email: &str) -> Customer {
    let response = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "first_name": first_name, "last_name": "Tester", "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["role"], "customer");
    Customer { token: body["access_token"].as_str().unwrap().to_owned(), id: body["user"]["id"].as_i64().unwrap() }
}

/// The shop (see [`shop`]) with Ada signed up, holding a payment method for a test card.
pub async fn with_ada(stripe_base: &str, tweak: fn(&mut Config), card: &str) -> (TestApp, Customer, String) {
    let app = shop(stripe_base, tweak).await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    let pm = test_card(&app, &ada.token, card).await;
    (app, ada, pm)
}

/// The demo catalog's product id of a SKU.
pub async fn product_id(app: &TestApp, sku: &str) -> i64 {
    let body: Value = app.client.get(app.url("/api/v1/products")).send().await.unwrap().json().await.unwrap();
    body["products"].as_array().unwrap().iter().find(|p| p["sku"] == sku).unwrap()["id"].as_i64().unwrap()
}

pub async fn test_card(app: &TestApp, token: &str, card: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/test-payment-methods"))
        .bearer_auth(token)
        .json(&json!({ "card": card }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["payment_method"].as_str().unwrap().to_owned()
}
