//! Coupon redemptions end to end: contacts reveal codes of the demo spring coupon through signed
//! Messenger deliveries (one by the `flyer` link); one pays at `/shop` with its code (20 % off,
//! through localstripe), another's code is found in a charge made directly in localstripe and
//! synced, and the shop's own charge, synced too, still counts once. Used and foreign codes are
//! refused with nothing charged; a declined card frees the code. The funnel by flow and by ref,
//! and the flow page, count exact redemptions and revenue.

use crate::support::Options;
use crate::support::pages::{dashboard_session, get};
use crate::support::shop::{PASSWORD, product_id, shop, sign_up, test_card};
use crate::support::stripe::{CARD_OK, KEY, LocalStripe};
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use statbot::config::Secret;
use statbot::store::{Role, now_ms};
use statbot::stripe::{ClientSettings, StripeClient, SyncOptions};

/// The code in "Your code is CODE. Enter it at checkout…" of the demo flow.
fn demo_code(body: &Value) -> String {
    let text = text_of(body);
    let rest = text.strip_prefix("Your code is ").unwrap_or_else(|| panic!("not a revealed code: {body:#}"));
    rest.split_once(". ").map(|(code, _)| code.to_owned()).unwrap_or_else(|| panic!("no code in {text:?}"))
}

/// Greets, asks for the coupon and reveals it; returns the code.
pub(crate) async fn reveal(app: &TestApp, psid: &str) -> String {
    app.post_signed(&text_event(psid, &format!("m_{psid}_1"), "hello")).await;
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&postback_event(psid, &format!("m_{psid}_2"), "coupon:show")).await;
    app.wait_for_sent_to(psid, 2).await;
    app.post_signed(&postback_event(psid, &format!("m_{psid}_3"), "coupon:reveal")).await;
    demo_code(&app.wait_for_sent_to(psid, 3).await[2])
}

/// Arrives by the `flyer` link (to the flow's entry) and reveals the coupon.
pub(crate) async fn reveal_by_flyer(app: &TestApp, psid: &str) -> String {
    let get_started = json!({ "object": "page", "entry": [{ "id": "104857600000001", "time": now_ms(), "messaging": [{
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": now_ms(),
        "postback": { "mid": format!("m_{psid}_gs"), "title": "Get Started", "payload": "GET_STARTED",
                      "referral": { "ref": "flyer", "source": "SHORTLINK", "type": "OPEN_THREAD" } } }] }] });
    app.post_signed(&get_started.to_string()).await;
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&postback_event(psid, &format!("m_{psid}_s"), "coupon:show")).await;
    app.wait_for_sent_to(psid, 2).await;
    app.post_signed(&postback_event(psid, &format!("m_{psid}_r"), "coupon:reveal")).await;
    demo_code(&app.wait_for_sent_to(psid, 3).await[2])
}

async fn order(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let response = app.client.post(app.url("/api/v1/orders")).bearer_auth(token).json(body).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn sync(app: &TestApp, stripe: &LocalStripe) {
    let client = StripeClient::new(&stripe.base, Secret::new(KEY), ClientSettings::default()).unwrap();
    statbot::stripe::sync(&app.store().await, &client, &SyncOptions::default(), &mut |_, _| {}).await.unwrap();
}

#[tokio::test]
async fn codes_redeemed_at_the_shop_and_found_in_stripe_charges_count_once_in_the_funnel() {
    let stripe = LocalStripe::start().await;
    let app = shop(&stripe.base, |_| {}).await;
    let store = app.store().await;
    store.add_link("flyer", "coupon", None).await.unwrap();

    let direct = reveal(&app, "6900000000000001").await;
    let flyer = reveal_by_flyer(&app, "6900000000000002").await;
    let unused = reveal(&app, "6900000000000003").await;

    // Ada pays two blue mugs (24.00 EUR) with the direct contact's code: 20 % off.
    sign_up(&app, "Ada", "ada@example.com").await;
    let token = app.token("ada@example.com", PASSWORD).await;
    let pm = test_card(&app, &token, "visa").await;
    let mug = product_id(&app, "mug-blue").await;
    let mugs = |coupon: &str| json!({ "items": [{ "product_id": mug, "quantity": 2 }], "payment_method": pm, "coupon": coupon });
    let (status, paid) = order(&app, &token, &mugs(&direct)).await;
    assert_eq!(status, StatusCode::CREATED, "{paid:#}");
    assert_eq!(paid["amount"], 1920, "{paid:#}");
    let charges = stripe.charges_for_order(paid["id"].as_i64().unwrap()).await;
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0]["amount"], 1920);

    // The same code again, a code nobody was given, and no discount in another order: refused,
    // nothing charged.
    for (code, message) in [
        (direct.as_str(), format!("The coupon “{direct}” has already been used.")),
        ("NOT-A-CODE", "“NOT-A-CODE” is not a coupon code of this shop.".to_owned()),
    ] {
        let (status, body) = order(&app, &token, &mugs(code)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
        assert_eq!(body, json!({ "error": { "code": "bad_coupon", "message": message } }));
    }
    let orders = app.get_json("/api/v1/orders", &token).await;
    assert_eq!(orders["orders"].as_array().unwrap().len(), 1, "{orders:#}");

    // The flyer contact pays elsewhere: its code is in the description of a charge made in
    // Stripe directly (30.00 USD, 5.00 refunded later).
    let card = stripe.payment_method(CARD_OK).await;
    let (charge, ok) = stripe.charge(3000, "usd", &card, None, &format!("Market stall, code {flyer}"), &[]).await;
    assert!(ok);
    sync(&app, &stripe).await;
    stripe.refund(&charge, 500).await;
    // A second sync sees the shop's charge (its description names the code) and the refund.
    sync(&app, &stripe).await;

    let lead = {
        statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
        app.token("lead", "correct horse battery").await
    };
    let report = app.get_json("/api/v1/funnels/coupon", &lead).await;
    assert_eq!(report["cohort"], 3, "{report:#}");
    assert_eq!(report["redeemed"], 2, "{report:#}");
    assert_eq!(
        report["revenue"],
        json!([{ "currency": "eur", "amount": 1920 }, { "currency": "usd", "amount": 2500 }]),
        "{report:#}"
    );
    let by_ref = app.get_json("/api/v1/funnels/coupon?by=ref", &lead).await;
    let part =
        |reference: Value| by_ref["by_ref"].as_array().unwrap().iter().find(|p| p["ref"] == reference).unwrap().clone();
    let flyer_part = part(json!("flyer"));
    assert_eq!((flyer_part["cohort"].clone(), flyer_part["redeemed"].clone()), (json!(1), json!(1)));
    assert_eq!(flyer_part["revenue"], json!([{ "currency": "usd", "amount": 2500 }]));
    let direct_part = part(Value::Null);
    assert_eq!((direct_part["cohort"].clone(), direct_part["redeemed"].clone()), (json!(2), json!(1)));
    assert_eq!(direct_part["revenue"], json!([{ "currency": "eur", "amount": 1920 }]));

    // The flow page says it after the steps, and per source.
    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = get(&app, &cookie, "/flows/coupon").await.text().await.unwrap();
    assert!(page.contains("After the reveals: 2 contacts redeemed a code, revenue €19.20 + $25.00"), "{page}");
    assert!(page.contains(r#"<td data-col="redeemed">1</td><td data-col="revenue">$25.00</td>"#), "{page}");

    // A declined card frees the unused code again; it then works once.
    let declined = test_card(&app, &token, "declined").await;
    let with_declined =
        json!({ "items": [{ "product_id": mug, "quantity": 1 }], "payment_method": declined, "coupon": unused });
    let (status, body) = order(&app, &token, &with_declined).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body:#}");
    let (status, body) = order(&app, &token, &mugs(&unused)).await;
    assert_eq!(status, StatusCode::CREATED, "{body:#}");
    let (status, body) = order(&app, &token, &mugs(&unused)).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("bad_coupon")));
}

/// Three coupons behind three buttons: one past its last day, one worth 5.00 USD, one that
/// declares no discount.
const LIMITS_FLOW: &str = r#"
name = "limits"
entry = "welcome"

[coupons.old]
codes = ["OLD-1"]
discount = { percent = 10 }
ends = "2020-01-31"

[coupons.dollars]
codes = ["USD-1"]
discount = { amount = "5.00", currency = "usd" }

[coupons.plain]
codes = ["PLAIN-1"]

[steps.welcome]
text = "Pick one"
buttons = [
  { id = "old", title = "Old", next = "old" },
  { id = "dollars", title = "Dollars", next = "dollars" },
  { id = "plain", title = "Plain", next = "plain" },
]

[steps.old]
reveal = "old"
text = "{coupon_code}"

[steps.dollars]
reveal = "dollars"
text = "{coupon_code}"

[steps.plain]
reveal = "plain"
text = "{coupon_code}"
"#;

#[tokio::test]
async fn expired_codes_codes_in_another_currency_and_codes_without_a_discount_are_refused() {
    let stripe = LocalStripe::start().await;
    let base = stripe.base.clone();
    let app = TestApp::spawn_with(Options {
        flows: vec![("limits.toml", LIMITS_FLOW.to_owned())],
        configure: Some(Box::new(move |config: &mut statbot::config::Config| {
            // The demo too, for its catalog.
            config.demo = true;
            config.default_flow = Some("limits".into());
            config.stripe.secret_key = Secret::new(KEY);
            config.stripe.api_base = base;
            config.stripe.sync_interval_secs = 0;
            config.shop.reconcile_interval_secs = 0;
        })),
        ..Options::default()
    })
    .await;
    let psid = "6900000000000009";
    app.post_signed(&text_event(psid, "m_l_0", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    for (i, button) in ["limits:old", "limits:dollars", "limits:plain"].into_iter().enumerate() {
        app.post_signed(&postback_event(psid, &format!("m_l_{}", i + 1), button)).await;
        app.wait_for_sent_to(psid, i + 2).await;
    }

    sign_up(&app, "Ada", "ada@example.com").await;
    let token = app.token("ada@example.com", PASSWORD).await;
    let pm = test_card(&app, &token, "visa").await;
    let mug = product_id(&app, "mug-blue").await;
    for (code, message) in [
        ("OLD-1", "The coupon “OLD-1” ended on 2020-01-31."),
        ("USD-1", "The coupon “USD-1” takes $5.00 off orders in USD only."),
        ("PLAIN-1", "The coupon “PLAIN-1” gives no discount at this shop."),
    ] {
        let body = json!({ "items": [{ "product_id": mug, "quantity": 1 }], "payment_method": pm, "coupon": code });
        let (status, answer) = order(&app, &token, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:#}");
        assert_eq!(answer, json!({ "error": { "code": "bad_coupon", "message": message } }));
    }
    assert_eq!(app.get_json("/api/v1/orders", &token).await["orders"], json!([]));
}
