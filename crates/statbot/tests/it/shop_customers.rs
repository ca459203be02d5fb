//! The shop's sales in the customer figures (issue 22), against localstripe on the database the
//! tests run on: each shop account pays as its own Stripe customer (made at its first order,
//! named, with `metadata[statbot_user_id]`, reused by later orders, made once even when Stripe's
//! answer is lost), so paying customers, spend per customer and the top customers count the
//! shop's orders on the API, the store page and in a linked operator's chat, the same after a
//! sync and after a rebuild of the rollups; orders from before (charges without a customer)
//! still settle; and signing up never needs Stripe.

use crate::support::pages::{cell, dashboard_session, get as page};
use crate::support::shop::{Customer, PASSWORD, shop, sign_up};
use crate::support::stripe::{DroppingProxy, KEY, LocalStripe, Lost};
use crate::support::{self, TestApp, Visitor, chat_visitor, latest_replies};
use reqwest::StatusCode;
use serde_json::{Value, json};
use statbot::config::Secret;
use statbot::store::{Role, Store};
use statbot::stripe::{ClientSettings, StripeClient, SyncOptions};
use statbot_core::Platform;
use statbot_core::money::format as money;
use std::time::Duration;

/// Pays two blue mugs and a sticker pack (28.50 EUR) with a fresh test Visa; the order.
async fn pay(app: &TestApp, who: &Customer) -> Value {
    let card = app
        .client
        .post(app.url("/api/v1/test-payment-methods"))
        .bearer_auth(&who.token)
        .json(&json!({ "card": "visa" }))
        .send()
        .await
        .unwrap();
    assert_eq!(card.status(), StatusCode::CREATED);
    let pm = card.json::<Value>().await.unwrap()["payment_method"].as_str().unwrap().to_owned();
    let products: Value = app.client.get(app.url("/api/v1/products")).send().await.unwrap().json().await.unwrap();
    let id =
        |sku: &str| products["products"].as_array().unwrap().iter().find(|p| p["sku"] == sku).unwrap()["id"].clone();
    let body = json!({
        "items": [{ "product_id": id("mug-blue"), "quantity": 2 }, { "product_id": id("sticker-pack"), "quantity": 1 }],
        "payment_method": pm,
    });
    let response = app.client.post(app.url("/api/v1/orders")).bearer_auth(&who.token).json(&body).send().await.unwrap();
    let status = response.status();
    let order: Value = response.json().await.unwrap();
    assert_eq!((status, order["status"].as_str()), (StatusCode::CREATED, Some("paid")), "{order}");
    assert_eq!(order["amount"], 2850);
    order
}

fn client(base: &str) -> StripeClient {
    let settings = ClientSettings {
        timeout: Duration::from_secs(5),
        max_attempts: 2,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    };
    StripeClient::new(base, Secret::new(KEY), settings).unwrap()
}

async fn sync(store: &Store, stripe: &LocalStripe) {
    statbot::stripe::sync(store, &client(&stripe.base), &SyncOptions::default(), &mut |_, _| {}).await.unwrap();
}

/// Every customer in localstripe whose metadata names this account.
async fn stripe_customers_of(stripe: &LocalStripe, user_id: i64) -> Vec<Value> {
    let list = stripe.get("/v1/customers?limit=100").await;
    assert_eq!(list["has_more"], false);
    let wanted = user_id.to_string();
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["metadata"]["statbot_user_id"].as_str() == Some(wanted.as_str()))
        .cloned()
        .collect()
}

/// The order's charge in localstripe.
async fn charge_of(stripe: &LocalStripe, order: &Value) -> Value {
    let charges = stripe.charges_for_order(order["id"].as_i64().unwrap()).await;
    assert_eq!(charges.len(), 1, "{charges:#?}");
    charges[0].clone()
}

/// What an operator reads on the API over today and yesterday: the EUR figures, the new
/// customers and the top customers (name, net revenue, payments).
#[derive(Debug, PartialEq)]
struct Seen {
    paying_customers: i64,
    spend_per_customer: Option<i64>,
    net_volume: i64,
    new_customers: i64,
    top: Vec<(String, i64, i64)>,
}

async fn seen(app: &TestApp, token: &str) -> Seen {
    let get = |path: &'static str| app.client.get(app.url(path)).bearer_auth(token).send();
    let revenue: Value = get("/api/v1/stripe/revenue?days=2").await.unwrap().json().await.unwrap();
    assert_eq!(revenue["provenance"]["source"], "mirror", "{revenue}");
    let eur = revenue["currencies"].as_array().unwrap().iter().find(|c| c["currency"] == "eur").unwrap();
    let top: Value = get("/api/v1/stripe/top-customers?days=2&currency=eur").await.unwrap().json().await.unwrap();
    Seen {
        paying_customers: eur["figures"]["paying_customers"].as_i64().unwrap(),
        spend_per_customer: eur["figures"]["spend_per_customer"].as_i64(),
        net_volume: eur["figures"]["net_volume"].as_i64().unwrap(),
        new_customers: revenue["new_customers"]["compared"]["value"].as_i64().unwrap(),
        top: top["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let name = c["name"].as_str().unwrap_or_default().to_owned();
                (name, c["net_revenue"].as_i64().unwrap(), c["payments"].as_i64().unwrap())
            })
            .collect(),
    }
}

/// Sends a text from the web chat; the replies.
async fn ask(app: &TestApp, who: &Visitor, text: &str) -> String {
    let response = app
        .client
        .post(app.url("/chat"))
        .header("cookie", &who.cookie)
        .form(&[("text", text), ("nonce", &hex::encode(rand::random::<[u8; 8]>()))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let replies = latest_replies(app, Platform::Web, &who.id).await;
    replies.iter().map(|r| r.text().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn a_paid_order_counts_its_customer_on_the_api_the_store_page_and_in_the_chat() {
    let stripe = LocalStripe::start().await;
    let app = shop(&stripe.base, |_| {}).await;
    let store = app.store().await;
    // A first sync (of an empty account): the figures are the mirror's, kept by the shop itself.
    sync(&store, &stripe).await;
    statbot::auth::create_user(&store, "ana", Role::Staff, PASSWORD).await.unwrap();
    let ana = app.token("ana", PASSWORD).await;

    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    let first = pay(&app, &ada).await;
    let one = Seen {
        paying_customers: 1,
        spend_per_customer: Some(2850),
        net_volume: 2850,
        new_customers: 1,
        top: vec![("Ada Tester".into(), 2850, 1)],
    };
    assert_eq!(seen(&app, &ana).await, one);

    let charge = charge_of(&stripe, &first).await;
    let customers = stripe_customers_of(&stripe, ada.id).await;
    assert_eq!(customers.len(), 1, "{customers:#?}");
    let cus = customers[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(charge["customer"], cus.as_str(), "the charge is made for Ada's customer");
    assert_eq!(
        (customers[0]["name"].as_str(), customers[0]["email"].as_str()),
        (Some("Ada Tester"), Some("ada@example.com"))
    );
    assert_eq!(charge["metadata"]["order_id"], first["id"].to_string(), "the order stays findable");

    // The store page an operator opens.
    let session = dashboard_session(&app, "ana", PASSWORD).await;
    let html = page(&app, &session, "/store").await.text().await.unwrap();
    assert_eq!(cell(&html, "figures", "paying_customers", "value"), "1", "{html}");
    assert_eq!(cell(&html, "figures", "spend_per_customer", "value"), money(2850, "eur"));
    assert!(html.contains("1. Ada Tester"), "{html}");
    assert!(!html.contains("No customer paid"), "{html}");

    // Ada's second order is made for the same customer; Bob gets his own.
    let second = pay(&app, &ada).await;
    assert_eq!(charge_of(&stripe, &second).await["customer"], cus.as_str());
    assert_eq!(stripe_customers_of(&stripe, ada.id).await.len(), 1, "Ada's customer is reused");
    let bob = sign_up(&app, "Bob", "bob@example.com").await;
    let bobs = pay(&app, &bob).await;
    let bob_customers = stripe_customers_of(&stripe, bob.id).await;
    assert_eq!(bob_customers.len(), 1);
    assert_eq!(charge_of(&stripe, &bobs).await["customer"], bob_customers[0]["id"]);
    let three = Seen {
        paying_customers: 2,
        spend_per_customer: Some(4275),
        net_volume: 8550,
        new_customers: 2,
        top: vec![("Ada Tester".into(), 5700, 2), ("Bob Tester".into(), 2850, 1)],
    };
    assert_eq!(seen(&app, &ana).await, three);

    // A linked operator's chat names them.
    let lead = chat_visitor(&app).await;
    let user = store.user_by_name("ana").await.unwrap().unwrap();
    let code = statbot::staff::issue_code(&store, user.id, statbot::staff::DEFAULT_TTL).await.unwrap().code;
    assert!(ask(&app, &lead, &format!("link {code}")).await.starts_with("You're linked"));
    let answer = ask(&app, &lead, "top customers").await;
    let lines = format!(
        "by net revenue in EUR:\n1. Ada Tester: {} (2 payments)\n2. Bob Tester: {} (1 payment)",
        money(5700, "eur"),
        money(2850, "eur")
    );
    assert!(answer.contains(&lines), "{answer}");

    // The mirror read back from Stripe, and the rollups rebuilt from it, agree.
    sync(&store, &stripe).await;
    assert_eq!(seen(&app, &ana).await, three, "after a sync");
    store.rebuild_sales_rollups(&jiff::tz::TimeZone::UTC).await.unwrap();
    store.mark_stripe_synced().await.unwrap();
    assert_eq!(seen(&app, &ana).await, three, "after a rebuild");
}

#[tokio::test]
async fn a_lost_answer_on_making_the_customer_makes_no_second_one() {
    let stripe = LocalStripe::start().await;
    let proxy = DroppingProxy::start(&stripe.base).await;
    let app = shop(&proxy.url(), |_| {}).await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;

    // The customer is made but its answer never comes back: the checkout finds it and pays.
    proxy.plan_customers(&[Lost::Answer]);
    let first = pay(&app, &ada).await;
    let customers = stripe_customers_of(&stripe, ada.id).await;
    assert_eq!(customers.len(), 1, "{customers:#?}");
    assert_eq!(charge_of(&stripe, &first).await["customer"], customers[0]["id"]);
    let keys = proxy.customer_keys();
    assert_eq!(keys.len(), 1, "found, not asked for again: {keys:?}");

    // The request is lost before Stripe for Bob: it is sent again under the same key.
    let bob = sign_up(&app, "Bob", "bob@example.com").await;
    proxy.plan_customers(&[Lost::Request]);
    let bobs = pay(&app, &bob).await;
    let customers = stripe_customers_of(&stripe, bob.id).await;
    assert_eq!(customers.len(), 1, "{customers:#?}");
    assert_eq!(charge_of(&stripe, &bobs).await["customer"], customers[0]["id"]);
    let keys = proxy.customer_keys();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(keys[1], keys[2], "a retry reuses the Idempotency-Key");
    assert_ne!(keys[0], keys[1], "each account has its own key");

    // Later orders ask Stripe for no customer at all.
    pay(&app, &ada).await;
    assert_eq!(proxy.customer_keys().len(), 3);
}

#[tokio::test]
async fn an_order_from_before_customers_still_settles_and_sign_up_never_needs_stripe() {
    let stripe = LocalStripe::start().await;
    let app = shop(&stripe.base, |_| {}).await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    let store = app.store().await;

    // A pending order whose charge was made the old way, without a customer, then left to the
    // reconciler.
    let new = statbot::store::NewOrder {
        user_id: ada.id,
        items: vec![statbot::store::OrderItem {
            product_id: 1,
            name: "Blue mug".into(),
            unit_price: 2850,
            quantity: 1,
        }],
        amount: 2850,
        currency: "eur".into(),
        payment_method: "pm_test".into(),
        idempotency_key: None,
        request_hash: "test".into(),
        lease_until: 0,
    };
    let order = match store.insert_order(&new).await.unwrap() {
        statbot::store::OrderInsert::Created(order) => order,
        other => panic!("{other:?}"),
    };
    let card = stripe.payment_method(support::stripe::CARD_OK).await;
    let order_id = order.id.to_string();
    let (charge, paid) =
        stripe.charge(2850, "eur", &card, None, "Order: 1 × Blue mug", &[("order_id", order_id.as_str())]).await;
    assert!(paid);
    let reconciler = statbot::shop::Shop::new(store.clone(), &app.config).unwrap();
    let report = reconciler.reconcile_once().await.unwrap();
    assert_eq!(report.paid, 1);
    let settled = store.order(order.id).await.unwrap().unwrap();
    assert_eq!((settled.status.to_string(), settled.stripe_charge_id), ("paid".to_owned(), Some(charge.clone())));
    let mirrored = store.stripe_charges().await.unwrap();
    let mirrored = mirrored.iter().find(|c| c.id == charge).unwrap();
    assert_eq!(mirrored.customer, None);
    assert!(stripe_customers_of(&stripe, ada.id).await.is_empty(), "settling makes no customer");

    // Her next order is made for her own customer.
    let next = pay(&app, &ada).await;
    assert_eq!(charge_of(&stripe, &next).await["customer"], stripe_customers_of(&stripe, ada.id).await[0]["id"]);

    // With Stripe out of reach, signing up still works.
    let offline = shop("http://127.0.0.1:9", |_| {}).await;
    sign_up(&offline, "Cy", "cy@example.com").await;
}
