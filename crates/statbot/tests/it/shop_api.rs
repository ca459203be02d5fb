//! The shop end to end over HTTP, paid through a real localstripe: customers sign up and log in,
//! order from the demo catalog and pay by test card; declined cards, replayed and reused
//! Idempotency-Keys, a Stripe answer lost in a proxy (settled by looking the charge up, never
//! charging twice), orders left pending for the reconciler, webhook events (signed by the test
//! and by localstripe itself; bad, stale and repeated ones), and who may see and change what.

use crate::support;
use crate::support::TestApp;
use crate::support::shop::{PASSWORD, WEBHOOK_SECRET, product_id, shop, sign_up, test_card, with_ada};
use crate::support::stripe::{DroppingProxy, LocalStripe, Lost};
use reqwest::StatusCode;
use serde_json::{Value, json};
use statbot::config::Config;
use statbot::store::Role;
use std::time::Duration;

struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Value,
}

async fn order(app: &TestApp, token: &str, body: &Value, key: Option<&str>) -> Answer {
    let mut request = app.client.post(app.url("/api/v1/orders")).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    Answer { status, replayed, body: response.json().await.unwrap() }
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Two blue mugs and a sticker pack: 2 × 12.00 + 4.50 = 28.50 EUR.
async fn two_mugs_and_stickers(app: &TestApp, payment_method: &str) -> Value {
    let mug = product_id(app, "mug-blue").await;
    let stickers = product_id(app, "sticker-pack").await;
    json!({
        "items": [{ "product_id": mug, "quantity": 2 }, { "product_id": stickers, "quantity": 1 }],
        "payment_method": payment_method,
    })
}

#[tokio::test]
async fn a_customer_signs_up_logs_in_and_pays_an_order_priced_by_the_server() {
    let stripe = LocalStripe::start().await;
    let mut app = shop(&stripe.base, |_| {}).await;
    let signed_up = sign_up(&app, "Ada", "Ada@Example.com").await;
    // The email is the username for the existing token route.
    let token = app.token("ada@example.com", PASSWORD).await;
    let pm = test_card(&app, &token, "visa").await;
    let body = two_mugs_and_stickers(&app, &pm).await;

    let placed = order(&app, &token, &body, None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order_id = placed.body["id"].as_i64().unwrap();
    assert_eq!((placed.body["status"].as_str(), placed.body["amount"].as_i64()), (Some("paid"), Some(2850)));
    assert_eq!(placed.body["currency"], "eur");
    assert_eq!(placed.body["user_id"], signed_up.id);
    assert_eq!(placed.body["items"][0]["name"], "Blue mug");
    assert_eq!(placed.body["items"][0]["unit_price"], 1200);

    let charges = stripe.charges_for_order(order_id).await;
    assert_eq!(charges.len(), 1, "{charges:#?}");
    assert_eq!((charges[0]["amount"].as_i64(), charges[0]["currency"].as_str()), (Some(2850), Some("eur")));
    assert_eq!(placed.body["stripe_charge_id"], charges[0]["id"]);

    let (status, mine) = get(&app, &token, "/api/v1/orders").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["orders"][0]["id"], order_id);
    assert_eq!(mine["orders"][0]["status"], "paid");

    // The paid charge is in the Stripe mirror at once, where the store metrics read it.
    let mirrored = app.store().await.stripe_charges().await.unwrap();
    assert!(mirrored.iter().any(|c| c.id == charges[0]["id"] && c.amount == 2850 && c.paid));
    app.stop().await;
}

#[tokio::test]
async fn a_declined_card_fails_the_order_with_the_cards_reason() {
    let stripe = LocalStripe::start().await;
    let (mut app, ada, pm) = with_ada(&stripe.base, |_| {}, "declined").await;
    let refused = order(&app, &ada.token, &two_mugs_and_stickers(&app, &pm).await, None).await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(refused.body["error"]["code"], "card_declined");
    assert_eq!(refused.body["error"]["message"], "Your card was declined.");
    let order_id = refused.body["error"]["order_id"].as_i64().unwrap();

    let (_, mine) = get(&app, &ada.token, &format!("/api/v1/orders/{order_id}")).await;
    assert_eq!((mine["status"].as_str(), mine["failure_code"].as_str()), (Some("failed"), Some("card_declined")));
    let charges = stripe.charges_for_order(order_id).await;
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0]["status"], "failed");
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_idempotency_key_returns_the_same_order_and_charges_once() {
    let stripe = LocalStripe::start().await;
    let (mut app, ada, pm) = with_ada(&stripe.base, |_| {}, "visa").await;
    let body = two_mugs_and_stickers(&app, &pm).await;

    let first = order(&app, &ada.token, &body, Some("basket-1")).await;
    assert_eq!((first.status, first.replayed), (StatusCode::CREATED, false), "{}", first.body);
    let again = order(&app, &ada.token, &body, Some("basket-1")).await;
    assert_eq!((again.status, again.replayed), (StatusCode::CREATED, true));
    assert_eq!(again.body["id"], first.body["id"]);
    let order_id = first.body["id"].as_i64().unwrap();
    assert_eq!(stripe.charges_for_order(order_id).await.len(), 1, "the replay charged again");

    // The same key with another basket is refused, and charges nothing.
    let mut other = body.clone();
    other["items"][0]["quantity"] = json!(3);
    let reused = order(&app, &ada.token, &other, Some("basket-1")).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.body["error"]["code"], "idempotency_key_reused");

    // A declined order replays as the same refusal.
    let declined = test_card(&app, &ada.token, "declined").await;
    let body = two_mugs_and_stickers(&app, &declined).await;
    let refused = order(&app, &ada.token, &body, Some("basket-2")).await;
    let replay = order(&app, &ada.token, &body, Some("basket-2")).await;
    assert_eq!((refused.status, replay.status), (StatusCode::PAYMENT_REQUIRED, StatusCode::PAYMENT_REQUIRED));
    assert_eq!(replay.body["error"]["order_id"], refused.body["error"]["order_id"]);

    // Keys belong to their account: another customer's same key is another order.
    let bob = sign_up(&app, "Bob", "bob@example.com").await;
    let bobs = order(&app, &bob.token, &two_mugs_and_stickers(&app, &pm).await, Some("basket-1")).await;
    assert_eq!((bobs.status, bobs.replayed), (StatusCode::CREATED, false));
    assert_ne!(bobs.body["id"], first.body["id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_lost_answer_is_settled_from_the_charge_found_and_never_charged_twice() {
    let stripe = LocalStripe::start().await;
    let proxy = DroppingProxy::start(&stripe.base).await;
    let (mut app, ada, pm) = with_ada(&proxy.url(), |_| {}, "visa").await;

    // The charge is made but its answer never comes back: the lookup finds it.
    proxy.plan(&[Lost::Answer]);
    let placed = order(&app, &ada.token, &two_mugs_and_stickers(&app, &pm).await, None).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(placed.body["status"], "paid");
    let order_id = placed.body["id"].as_i64().unwrap();
    assert_eq!(stripe.charges_for_order(order_id).await.len(), 1);
    assert_eq!(proxy.charge_keys().len(), 1, "found by its metadata, not sent again");

    // The request is lost before Stripe: it is sent again under the same key.
    proxy.plan(&[Lost::Request]);
    let placed = order(&app, &ada.token, &two_mugs_and_stickers(&app, &pm).await, None).await;
    assert_eq!(placed.body["status"], "paid", "{}", placed.body);
    let order_id = placed.body["id"].as_i64().unwrap();
    assert_eq!(stripe.charges_for_order(order_id).await.len(), 1);
    let keys = proxy.charge_keys();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[1], keys[2], "a retry reuses the Idempotency-Key");
    assert_ne!(keys[0], keys[1], "each order has its own key");
    app.stop().await;
}

#[tokio::test]
async fn orders_whose_outcome_is_unknown_are_reconciled_never_charged_twice_nor_left_pending() {
    let stripe = LocalStripe::start().await;
    let proxy = DroppingProxy::start(&stripe.base).await;
    let tweak = |config: &mut Config| {
        config.shop.charge_attempts = 1;
        config.shop.reconcile_after_secs = 6;
    };
    let (mut app, ada, pm) = with_ada(&proxy.url(), tweak, "visa").await;
    let body = two_mugs_and_stickers(&app, &pm).await;

    proxy.plan(&[Lost::Answer, Lost::Request]);
    let charged = order(&app, &ada.token, &body, None).await;
    let never_sent = order(&app, &ada.token, &body, None).await;
    for pending in [&charged, &never_sent] {
        assert_eq!(pending.status, StatusCode::ACCEPTED, "{}", pending.body);
        assert_eq!(pending.body["status"], "pending");
    }
    let (charged, never_sent) = (charged.body["id"].as_i64().unwrap(), never_sent.body["id"].as_i64().unwrap());

    // The reconciler's round, as `serve` runs it: nothing before the checkout's time is up.
    let reconciler = statbot::shop::Shop::new(app.store().await, &app.config).unwrap();
    assert_eq!(reconciler.reconcile_once().await.unwrap(), Default::default());
    tokio::time::sleep(Duration::from_millis(6100)).await;
    let report = reconciler.reconcile_once().await.unwrap();
    assert_eq!((report.paid, report.failed, report.deferred), (1, 1, 0));

    let (_, paid) = get(&app, &ada.token, &format!("/api/v1/orders/{charged}")).await;
    assert_eq!(paid["status"], "paid");
    let (_, failed) = get(&app, &ada.token, &format!("/api/v1/orders/{never_sent}")).await;
    assert_eq!(
        (failed["status"].as_str(), failed["failure_code"].as_str()),
        (Some("failed"), Some("payment_not_completed"))
    );
    assert_eq!(stripe.charges_for_order(charged).await.len(), 1);
    assert_eq!(stripe.charges_for_order(never_sent).await.len(), 0, "the reconciler never charges");
    assert_eq!(proxy.charge_keys().len(), 2);
    assert_eq!(reconciler.reconcile_once().await.unwrap(), Default::default(), "nothing is left pending");
    app.stop().await;
}

#[tokio::test]
async fn serve_reconciles_a_pending_order_on_its_own() {
    let stripe = LocalStripe::start().await;
    let proxy = DroppingProxy::start(&stripe.base).await;
    let tweak = |config: &mut Config| {
        config.shop.charge_attempts = 1;
        config.shop.reconcile_after_secs = 2;
        config.shop.reconcile_interval_secs = 1;
    };
    let (mut app, ada, pm) = with_ada(&proxy.url(), tweak, "visa").await;
    proxy.plan(&[Lost::Answer]);
    let pending = order(&app, &ada.token, &two_mugs_and_stickers(&app, &pm).await, None).await;
    assert_eq!(pending.status, StatusCode::ACCEPTED, "{}", pending.body);
    let order_id = pending.body["id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + support::WAIT;
    while status_of(&app, order_id).await == "pending" {
        assert!(tokio::time::Instant::now() < deadline, "serve's reconciler left the order pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status_of(&app, order_id).await, "paid");
    assert_eq!(stripe.charges_for_order(order_id).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn instances_sharing_the_database_claim_each_stale_order_once() {
    use statbot::store::{NewProduct, Store};
    let dir = tempfile::tempdir().unwrap();
    let url = support::fresh_database_url(dir.path()).await;
    let (one, two) = (Store::open_with(&url, 4).await.unwrap(), Store::open_with(&url, 4).await.unwrap());
    let user = statbot::auth::create_user(&one, "ana", Role::Staff, PASSWORD).await.unwrap();
    let mug = NewProduct {
        sku: "mug".into(),
        name: "Blue mug".into(),
        description: String::new(),
        price: 2850,
        currency: "eur".into(),
    };
    let product = one.create_shop_product(&mug).await.unwrap();
    let mut made = Vec::new();
    for _ in 0..40 {
        made.push(pending_order(&one, user, product.id, 0).await);
    }
    let (a, b) = tokio::join!(one.claim_stale_orders(60_000, 25), two.claim_stale_orders(60_000, 25));
    let mut claimed: Vec<i64> = a.unwrap().iter().chain(b.unwrap().iter()).map(|o| o.id).collect();
    let count = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(count, claimed.len(), "an order was claimed twice");
    claimed.extend(one.claim_stale_orders(60_000, 25).await.unwrap().iter().map(|o| o.id));
    claimed.sort();
    assert_eq!(claimed, made, "every stale order is claimed exactly once");
    assert!(two.claim_stale_orders(60_000, 25).await.unwrap().is_empty(), "claimed orders are leased");
}

fn event(id: &str, kind: &str, object: &Value) -> String {
    json!({ "id": id, "object": "event", "type": kind, "created": now(), "data": { "object": object } }).to_string()
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn post_event(app: &TestApp, payload: &str, signature: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(payload.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn status_of(app: &TestApp, order_id: i64) -> String {
    app.store().await.order(order_id).await.unwrap().unwrap().status.to_string()
}

#[tokio::test]
async fn webhooks_update_orders_once_and_refuse_bad_or_stale_signatures() {
    use statbot::shop::webhook::sign;
    let stripe = LocalStripe::start().await;
    let (mut app, ada, pm) = with_ada(&stripe.base, |_| {}, "visa").await;
    let placed = order(&app, &ada.token, &two_mugs_and_stickers(&app, &pm).await, None).await;
    let order_id = placed.body["id"].as_i64().unwrap();
    let charge_id = placed.body["stripe_charge_id"].as_str().unwrap().to_owned();

    // Part of the order is refunded in Stripe; the event carries the charge as Stripe has it.
    stripe.refund(&charge_id, 450).await;
    let charge = stripe.get(&format!("/v1/charges/{charge_id}")).await;
    let payload = event("evt_refund_1", "charge.refunded", &charge);

    let (status, body) = post_event(&app, &payload, &sign("whsec_wrong", now(), payload.as_bytes())).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_signature")));
    let (status, body) = post_event(&app, &payload, &sign(WEBHOOK_SECRET, now() - 600, payload.as_bytes())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("tolerance"), "{body}");
    let (status, _) = post_event(&app, &payload, "t=1,v1=zz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(status_of(&app, order_id).await, "paid", "refused events change nothing");

    let (status, body) = post_event(&app, &payload, &sign(WEBHOOK_SECRET, now(), payload.as_bytes())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["duplicate"].as_bool(), body["order_id"].as_i64()), (Some(false), Some(order_id)));
    assert_eq!(status_of(&app, order_id).await, "partially_refunded");

    // The rest is refunded; a redelivery of the first event changes nothing.
    stripe.refund(&charge_id, 2400).await;
    let charge = stripe.get(&format!("/v1/charges/{charge_id}")).await;
    let full = event("evt_refund_2", "charge.refunded", &charge);
    let (status, _) = post_event(&app, &full, &sign(WEBHOOK_SECRET, now(), full.as_bytes())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(&app, order_id).await, "refunded");
    let (status, body) = post_event(&app, &payload, &sign(WEBHOOK_SECRET, now(), payload.as_bytes())).await;
    assert_eq!((status, body["duplicate"].as_bool()), (StatusCode::OK, Some(true)));
    let stored = app.store().await.order(order_id).await.unwrap().unwrap();
    assert_eq!((stored.status.to_string(), stored.amount_refunded), ("refunded".to_owned(), 2850));

    // A pending order learns its outcome from charge.succeeded or charge.failed.
    let store = app.store().await;
    for (kind, expected) in [("charge.succeeded", "paid"), ("charge.failed", "failed")] {
        let pending = pending_order(&store, ada.id, 1, i64::MAX).await;
        let mut charge = charge.clone();
        charge["id"] = json!(format!("ch_for_{pending}"));
        charge["metadata"] = json!({ "order_id": pending.to_string() });
        charge["amount_refunded"] = json!(0);
        charge["status"] = json!(if kind == "charge.failed" { "failed" } else { "succeeded" });
        charge["failure_code"] =
            json!(if kind == "charge.failed" { Value::from("card_declined") } else { Value::Null });
        let payload = event(&format!("evt_{pending}"), kind, &charge);
        let (status, _) = post_event(&app, &payload, &sign(WEBHOOK_SECRET, now(), payload.as_bytes())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(status_of(&app, pending).await, expected);
    }

    // Events statbot does not act on are acknowledged.
    let other = event("evt_other", "customer.created", &json!({ "id": "cus_1" }));
    let (status, body) = post_event(&app, &other, &sign(WEBHOOK_SECRET, now(), other.as_bytes())).await;
    assert_eq!((status, body["order_id"].clone()), (StatusCode::OK, Value::Null));
    app.stop().await;
}

/// A pending order stored directly (as a checkout would leave one) for 28.50 EUR, leased to its
/// checkout until `lease_until`.
async fn pending_order(store: &statbot::store::Store, user_id: i64, product_id: i64, lease_until: i64) -> i64 {
    let new = statbot::store::NewOrder {
        user_id,
        items: vec![statbot::store::OrderItem { product_id, name: "Blue mug".into(), unit_price: 2850, quantity: 1 }],
        amount: 2850,
        currency: "eur".into(),
        payment_method: "pm_test".into(),
        idempotency_key: None,
        request_hash: "test".into(),
        lease_until,
    };
    match store.insert_order(&new).await.unwrap() {
        statbot::store::OrderInsert::Created(order) => order.id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn localstripe_signs_its_own_deliveries_the_way_statbot_checks_them() {
    let stripe = LocalStripe::start().await;
    let mut app = shop(&stripe.base, |_| {}).await;
    stripe.register_webhook(&app.url("/webhooks/stripe"), WEBHOOK_SECRET, &["customer.created"]).await;
    stripe.customer("ada@example.com", "Ada").await;
    let store = app.store().await;
    let deadline = tokio::time::Instant::now() + support::WAIT;
    loop {
        let mut conn = store.conn().await.unwrap();
        let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM stripe_webhook_events WHERE type = 'customer.created'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        if row.0 == 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "localstripe's signed event was not accepted");
        drop(conn);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn customers_see_only_their_own_orders_and_cannot_change_products() {
    let stripe = LocalStripe::start().await;
    let mut app = shop(&stripe.base, |_| {}).await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    let bob = sign_up(&app, "Bob", "bob@example.com").await;
    let pm = test_card(&app, &ada.token, "visa").await;
    let adas = order(&app, &ada.token, &two_mugs_and_stickers(&app, &pm).await, None).await;
    let adas = adas.body["id"].as_i64().unwrap();

    let (status, bobs) = get(&app, &bob.token, "/api/v1/orders").await;
    assert_eq!((status, bobs["orders"].as_array().unwrap().len()), (StatusCode::OK, 0));
    let (status, _) = get(&app, &bob.token, &format!("/api/v1/orders/{adas}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another customer's order does not exist for Bob");

    let mug = product_id(&app, "mug-blue").await;
    let new = json!({ "name": "Free mug", "price": 1, "currency": "eur" });
    let create = app.client.post(app.url("/api/v1/products")).bearer_auth(&bob.token).json(&new).send().await.unwrap();
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    let url = app.url(&format!("/api/v1/products/{mug}"));
    let patch = app.client.patch(&url).bearer_auth(&bob.token).json(&json!({ "price": 1 })).send().await.unwrap();
    assert_eq!(patch.status(), StatusCode::FORBIDDEN);
    let delete = app.client.delete(&url).bearer_auth(&bob.token).send().await.unwrap();
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    let (status, _) = get(&app, &bob.token, "/api/v1/products?all=true").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An operator sees every order and runs the catalog.
    statbot::auth::create_user(&app.store().await, "ana", Role::Staff, PASSWORD).await.unwrap();
    let ana = app.token("ana", PASSWORD).await;
    let (_, all) = get(&app, &ana, "/api/v1/orders").await;
    assert_eq!(all["orders"][0]["id"], adas);
    let created = app.client.post(app.url("/api/v1/products")).bearer_auth(&ana).json(&new).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let patched = app.client.patch(&url).bearer_auth(&ana).json(&json!({ "price": 1300 })).send().await.unwrap();
    assert_eq!(patched.json::<Value>().await.unwrap()["price"], 1300);
    let deleted = app.client.delete(&url).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(deleted.json::<Value>().await.unwrap()["active"], false);
    let (_, public) = get(&app, &bob.token, "/api/v1/products").await;
    assert!(public["products"].as_array().unwrap().iter().all(|p| p["sku"] != "mug-blue"), "off sale");
    let (_, everything) = get(&app, &ana, "/api/v1/products?all=true").await;
    assert!(everything["products"].as_array().unwrap().iter().any(|p| p["sku"] == "mug-blue"));
    // An order for what is off sale is refused; past orders keep it.
    let refused = order(&app, &ada.token, &two_mugs_and_stickers_by_id(mug, &pm), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let (_, mine) = get(&app, &ada.token, &format!("/api/v1/orders/{adas}")).await;
    assert_eq!(mine["items"][0]["name"], "Blue mug");
    app.stop().await;
}

fn two_mugs_and_stickers_by_id(mug: i64, pm: &str) -> Value {
    json!({ "items": [{ "product_id": mug, "quantity": 2 }], "payment_method": pm })
}

#[tokio::test]
async fn customers_never_reach_operator_routes_or_the_dashboard() {
    let app = TestApp::spawn().await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    for path in [
        "/api/v1/me",
        "/api/v1/flows",
        "/api/v1/outbox",
        "/api/v1/contacts",
        "/api/v1/contacts/1/messages",
        "/api/v1/funnels/coupon",
        "/api/v1/datasets",
        "/api/v1/datasets/cities",
        "/api/v1/teams",
        "/api/v1/team/metrics",
        "/api/v1/team/stats",
        "/api/v1/team/stats/export?from=2026-01-01&to=2026-01-02&format=csv",
        "/charts/funnels/coupon.png",
        "/charts/datasets/cities.png?rows=Austin&metric=population",
    ] {
        let (status, body) = get(&app, &ada.token, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let create = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&ada.token)
        .json(&json!({ "username": "mallory", "password": PASSWORD, "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    let put = app
        .client
        .put(app.url("/api/v1/team/stats/2026-01-01"))
        .bearer_auth(&ada.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::FORBIDDEN);

    // The dashboard's login form refuses a customer's right password: no session.
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &html[at..at + 64];
    let login = app
        .client
        .post(app.url("/login"))
        .header("cookie", cookie)
        .form(&[("username", "ada@example.com"), ("password", PASSWORD), ("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(login.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("statbot_session=")));
    assert!(login.text().await.unwrap().contains("shop account"));
}

#[tokio::test]
async fn sign_up_and_orders_refuse_bad_input_clearly() {
    let stripe = LocalStripe::start().await;
    let mut app = shop(&stripe.base, |_| {}).await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    let signup = |body: Value| {
        let request = app.client.post(app.url("/api/v1/auth/signup")).json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) =
        signup(json!({ "first_name": "Ada", "last_name": "L", "email": "ADA@example.com", "password": PASSWORD }))
            .await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("email_taken")));
    let (status, body) =
        signup(json!({ "first_name": "Ada", "last_name": "L", "email": "ada", "password": PASSWORD })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("email address"), "{body}");
    let (status, _) =
        signup(json!({ "first_name": "", "last_name": "L", "email": "x@example.com", "password": PASSWORD })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) =
        signup(json!({ "first_name": "A", "last_name": "L", "email": "y@example.com", "password": "short" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("10 characters"), "{body}");

    let mug = product_id(&app, "mug-blue").await;
    for (body, words) in [
        (json!({ "items": [], "payment_method": "pm_1" }), "at least one item"),
        (json!({ "items": [{ "product_id": mug, "quantity": 0 }], "payment_method": "pm_1" }), "quantity"),
        (json!({ "items": [{ "product_id": 999_999, "quantity": 1 }], "payment_method": "pm_1" }), "not on sale"),
        (json!({ "items": [{ "product_id": mug, "quantity": 1 }] }), "payment_method"),
        (json!({ "items": [{ "product_id": mug, "quantity": 1 }], "payment_method": "pm_1", "amount": 1 }), "amount"),
    ] {
        let refused = order(&app, &ada.token, &body, None).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(refused.body["error"]["message"].as_str().unwrap().contains(words), "{}", refused.body);
    }
    // One currency per order.
    let ana_store = app.store().await;
    statbot::auth::create_user(&ana_store, "ana", Role::Admin, PASSWORD).await.unwrap();
    let ana = app.token("ana", PASSWORD).await;
    let dollars = app
        .client
        .post(app.url("/api/v1/products"))
        .bearer_auth(&ana)
        .json(&json!({ "name": "Dollar mug", "price": 1000, "currency": "usd" }))
        .send()
        .await
        .unwrap();
    let dollars = dollars.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mixed = json!({ "items": [{ "product_id": mug, "quantity": 1 }, { "product_id": dollars, "quantity": 1 }], "payment_method": "pm_1" });
    let refused = order(&app, &ada.token, &mixed, None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body["error"]["message"].as_str().unwrap().contains("one currency"), "{}", refused.body);
    // Orders need a login.
    let anonymous = app.client.post(app.url("/api/v1/orders")).json(&mixed).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn a_customer_account_is_never_staff_even_if_linked() {
    let app = TestApp::spawn().await;
    let ada = sign_up(&app, "Ada", "ada@example.com").await;
    let store = app.store().await;
    let code = statbot::staff::issue_code(&store, ada.id, Duration::from_secs(600)).await.unwrap().code;
    let support::Visitor { cookie, id: visitor } = support::chat_visitor(&app).await;
    let text = format!("link {code}");
    let sent = app
        .client
        .post(app.url("/chat"))
        .header("cookie", &cookie)
        .form(&[("text", text.as_str()), ("nonce", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let contact = store.find_contact(statbot_core::Platform::Web, &visitor).await.unwrap().unwrap();
    assert!(store.contact_operator(contact.id).await.unwrap().is_none(), "a customer is not staff");
}

/// The attack from issue 17: card testing through the shop. After the account's cap of
/// declined cards, orders are refused with 429 before Stripe is asked; another customer from
/// the same address keeps the address's remaining tries.
#[tokio::test]
async fn ten_declined_cards_from_one_account_are_refused_with_429_before_stripe() {
    let stripe = LocalStripe::start().await;
    let (mut app, ada, declined) = with_ada(&stripe.base, |_| {}, "declined").await;
    let body = two_mugs_and_stickers(&app, &declined).await;
    let mut answers = Vec::new();
    for _ in 0..10 {
        answers.push(order(&app, &ada.token, &body, None).await);
    }
    let codes: Vec<&str> = answers.iter().map(|a| a.body["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes[..5], ["card_declined"; 5], "{codes:?}");
    assert_eq!(codes[5..], ["rate_limited"; 5], "{codes:?}");
    assert!(answers[5..].iter().all(|a| a.status == StatusCode::TOO_MANY_REQUESTS));
    let message = answers[9].body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("Too many declined cards for this account; try again in"), "{message}");

    // Stripe saw five charges, all declined; the refused orders were never made.
    let (_, mine) = get(&app, &ada.token, "/api/v1/orders").await;
    let orders = mine["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 5);
    for placed in orders {
        assert_eq!(stripe.charges_for_order(placed["id"].as_i64().unwrap()).await.len(), 1);
    }
    // Even a good card waits now: the account is the card tester's.
    let visa = test_card(&app, &ada.token, "visa").await;
    let good = order(&app, &ada.token, &two_mugs_and_stickers(&app, &visa).await, None).await;
    assert_eq!(good.status, StatusCode::TOO_MANY_REQUESTS);

    // Another customer from the same address pays: the address has declines to spare.
    let bob = sign_up(&app, "Bob", "bob@example.com").await;
    let visa = test_card(&app, &bob.token, "visa").await;
    let paid = order(&app, &bob.token, &two_mugs_and_stickers(&app, &visa).await, None).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    app.stop().await;
}

#[tokio::test]
async fn orders_and_test_payment_methods_are_limited() {
    let stripe = LocalStripe::start().await;
    let tweak = |c: &mut Config| {
        c.limits.orders_per_account = 2;
        c.limits.test_payment_methods_per_ip = 2;
    };
    let (mut app, ada, visa) = with_ada(&stripe.base, tweak, "visa").await;
    let body = two_mugs_and_stickers(&app, &visa).await;
    for _ in 0..2 {
        assert_eq!(order(&app, &ada.token, &body, None).await.status, StatusCode::CREATED);
    }
    let third = order(&app, &ada.token, &body, None).await;
    assert_eq!(
        (third.status, third.body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    // `with_ada` took one test payment method; one more is allowed.
    test_card(&app, &ada.token, "visa").await;
    let refused = app
        .client
        .post(app.url("/api/v1/test-payment-methods"))
        .bearer_auth(&ada.token)
        .json(&json!({ "card": "visa" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    app.stop().await;
}
