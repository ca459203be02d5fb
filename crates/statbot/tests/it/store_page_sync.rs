//! The store page's account of the Stripe mirror and its "Sync now" button, and the shop's
//! Orders page (issue 22): where the figures come from is said once (never "no data yet" above
//! "synced at …"), with the sync's time in the business time zone; admins sync from the page with a
//! CSRF-protected form and come back to the range they were on, staff cannot; operators see the
//! shop's orders, strangers are sent to log in.

use crate::support::pages::{cell, dashboard_session, get};
use crate::support::*;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use statbot::config::Secret;
use statbot::store::{CustomerProfile, NewOrder, NewProduct, OrderInsert, OrderItem, Role, Settlement};
use statbot::stripe::standin::StripeStandIn;

const PASSWORD: &str = "correct horse battery";
/// A zone without summer time, so that the abbreviation on the page is always the same.
const ZONE: &str = "Asia/Tokyo";

async fn app_with_stripe(standin: &StripeStandIn) -> TestApp {
    let base = standin.base_url();
    let app = TestApp::spawn_with(Options {
        configure: Some(Box::new(move |config| {
            config.stripe.secret_key = Secret::new("sk_test_page");
            config.stripe.api_base = base;
            config.stripe.sync_interval_secs = 0;
            config.time_zone = Some(ZONE.into());
        })),
        ..Options::default()
    })
    .await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "boss", Role::Admin, PASSWORD).await.unwrap();
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
    app
}

/// The hidden field `name` of the form `id` on a page.
fn field(html: &str, form: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{form}\""))?;
    let marker = format!("name=\"{name}\" value=\"");
    let from = at + html[at..].find(&marker)? + marker.len();
    Some(html[from..from + html[from..].find('"')?].replace("&#38;", "&"))
}

/// The text of the element with id `id`.
fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let from = at + html[at..].find('>')? + 1;
    Some(html[from..from + html[from..].find('<')?].trim().to_owned())
}

async fn sync_now(app: &TestApp, cookie: &str, csrf: &str, back: &str) -> reqwest::Response {
    app.client
        .post(app.url("/store/sync"))
        .header(COOKIE, cookie)
        .form(&[("csrf", csrf), ("back", back)])
        .send()
        .await
        .unwrap()
}

/// "2026-12-06 16:50 JST": a minute in the business time zone.
fn is_local_minute(text: &str) -> bool {
    let b = text.as_bytes();
    text.len() == 20
        && text.ends_with(" JST")
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b' '
        && b[13] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15].iter().all(|&i| b[i].is_ascii_digit())
}

#[tokio::test]
async fn the_mirror_is_said_once_and_admins_sync_it_from_the_page() {
    let standin = StripeStandIn::start().await.unwrap();
    let app = app_with_stripe(&standin).await;
    let boss = dashboard_session(&app, "boss", PASSWORD).await;
    let lead = dashboard_session(&app, "lead", PASSWORD).await;

    // Never synced: the figures are read from Stripe, and the page says so once, with the
    // button for admins.
    let html = get(&app, &boss, "/store").await.text().await.unwrap();
    let provenance = text_of(&html, "provenance").expect("where the figures come from");
    assert_eq!(provenance, "From the Stripe API just now: the mirror is empty (no sync yet).");
    assert!(!html.contains("id=\"store-empty\"") && !html.contains("From the mirror"), "said once: {html}");
    let csrf = field(&html, "sync-now", "csrf").expect("a Sync now form for admins");
    let staff_page = get(&app, &lead, "/store").await.text().await.unwrap();
    assert!(!staff_page.contains("id=\"sync-now\""), "no button for staff");

    // Staff may not sync, and the form needs the session's token.
    let staff_csrf = {
        let at = staff_page.find("name=\"csrf\" value=\"").unwrap() + 19;
        staff_page[at..at + 64].to_owned()
    };
    let requests = standin.requests();
    let refused = sync_now(&app, &lead, &staff_csrf, "/store").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("Only admins can sync the Stripe mirror."));
    let forged = sync_now(&app, &boss, &"0".repeat(64), "/store").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(standin.requests(), requests, "nothing was synced");

    // An empty Stripe account: synced, and said so with the time in the business time zone.
    let back = "/store?from=2026-11-01&to=2026-11-30&period=day";
    let synced = sync_now(&app, &boss, &csrf, back).await;
    assert_eq!(synced.status(), StatusCode::SEE_OTHER);
    assert_eq!(synced.headers()[LOCATION], format!("{back}&sync=done"));
    let html = get(&app, &boss, &format!("{back}&sync=done")).await.text().await.unwrap();
    assert_eq!(text_of(&html, "synced").as_deref(), Some("The mirror is up to date with Stripe."));
    let empty = text_of(&html, "store-empty").expect("still nothing to show");
    let at = empty
        .strip_prefix("The mirror was synced ")
        .and_then(|rest| rest.strip_suffix(": Stripe has no payments yet."));
    assert!(at.is_some_and(is_local_minute), "{empty}");
    assert!(!html.contains("No Stripe data yet"), "no contradiction: {html}");

    // Payments in Stripe: synced, the figures shown, and where they come from said once.
    let now = jiff::Timestamp::now().as_second();
    standin.add_customer("zeppelin@example.com", now - 60);
    standin.add_charge(12_000, "usd", now - 30);
    let again = sync_now(&app, &boss, &csrf, "https://evil.example/store").await;
    assert_eq!(again.headers()[LOCATION], "/store?sync=done", "only the store page is opened again");
    let html = get(&app, &boss, "/store").await.text().await.unwrap();
    assert_eq!(cell(&html, "figures", "gross_volume", "value"), "$120.00");
    let provenance = text_of(&html, "provenance").expect("where the figures come from");
    let at = provenance.strip_prefix("From the mirror, synced ").and_then(|rest| rest.strip_suffix('.'));
    assert!(at.is_some_and(is_local_minute), "{provenance}");
    assert!(!html.contains("id=\"store-empty\""), "{html}");
}

#[tokio::test]
async fn operators_see_the_shop_orders_and_strangers_are_sent_to_log_in() {
    let standin = StripeStandIn::start().await.unwrap();
    let app = app_with_stripe(&standin).await;
    let stranger = app.client.get(app.url("/orders")).send().await.unwrap();
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    assert_eq!(stranger.headers()[LOCATION], "/login?next=%2Forders");
    let lead = dashboard_session(&app, "lead", PASSWORD).await;
    let empty = get(&app, &lead, "/orders").await.text().await.unwrap();
    assert!(empty.contains("id=\"no-orders\""), "{empty}");

    let store = app.store().await;
    let product = store
        .create_shop_product(&NewProduct {
            sku: "mug".into(),
            name: "Blue mug".into(),
            description: "A mug".into(),
            price: 1200,
            currency: "eur".into(),
        })
        .await
        .unwrap();
    let profile = CustomerProfile {
        user_id: 0,
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: "ada@example.com".into(),
    };
    let customer = store.create_customer(&profile, "not a real hash").await.unwrap();
    let mut ids = Vec::new();
    for (quantity, key) in [(2, "first"), (1, "second")] {
        let order = NewOrder {
            user_id: customer,
            items: vec![OrderItem { product_id: product.id, name: "Blue mug".into(), unit_price: 1200, quantity }],
            amount: 1200 * quantity,
            currency: "eur".into(),
            payment_method: "pm_card_visa".into(),
            idempotency_key: Some(key.into()),
            request_hash: key.into(),
            lease_until: 0,
        };
        let OrderInsert::Created(order) = store.insert_order(&order).await.unwrap() else { panic!("a new order") };
        ids.push(order.id);
    }
    store.settle_order(ids[0], &Settlement::Paid { charge_id: "ch_1".into() }, None).await.unwrap();
    let declined =
        Settlement::Failed { charge_id: None, code: "card_declined".into(), message: "Your card was declined.".into() };
    store.settle_order(ids[1], &declined, None).await.unwrap();

    let response = get(&app, &lead, "/orders").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<a href=\"/orders\">Orders</a>"), "in the navigation");
    let (paid, failed) = (ids[0].to_string(), ids[1].to_string());
    assert!(html.find(&format!("data-row=\"{failed}\"")) < html.find(&format!("data-row=\"{paid}\"")), "newest first");
    assert_eq!(cell(&html, "orders", &paid, "items"), "2 × Blue mug");
    assert_eq!(cell(&html, "orders", &paid, "amount"), "€24.00");
    assert_eq!(cell(&html, "orders", &paid, "status"), "Paid");
    assert_eq!(cell(&html, "orders", &paid, "customer"), "Ada Lovelace &#60;ada@example.com&#62;");
    assert!(is_local_minute(&cell(&html, "orders", &paid, "placed")), "placed in the business time zone");
    assert_eq!(cell(&html, "orders", &failed, "status"), "Failed");
    assert_eq!(cell(&html, "orders", &failed, "note"), "Your card was declined.");
}
