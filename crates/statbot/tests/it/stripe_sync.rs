//! The Stripe mirror end to end: against localstripe (a real, stateful Stripe fake: customers,
//! products, charges and refunds made through its API, synced, more added, synced again,
//! through the library and the `statbot` binary), and against a local stand-in for what
//! localstripe cannot do (newest-first lists, request counting, 429 with `Retry-After`, 500s, a
//! hung connection, a sync that dies half way, the events feed bringing an old charge's
//! dispute up to date); one instance syncs at a time, and `serve` syncs on its schedule. The
//! mirror is always checked against expectations the test computes from what it made.

use crate::support::stripe::{CARD_DECLINED, CARD_OK, KEY, LocalStripe};
use crate::support::{self, statbot};
use statbot::config::Secret;
use statbot::store::{Store, StripeCharge, StripeCustomer, StripeProduct, StripeRefund};
use statbot::stripe::standin::{Fault, StripeStandIn};
use statbot::stripe::{ClientSettings, StripeClient, SyncOptions, SyncReport};
use std::collections::BTreeMap;
use std::time::Duration;

/// What the mirror should hold, computed from what a test made.
#[derive(Default)]
struct Expected {
    customers: BTreeMap<String, StripeCustomer>,
    products: BTreeMap<String, StripeProduct>,
    charges: BTreeMap<String, StripeCharge>,
    refunds: BTreeMap<String, StripeRefund>,
}

impl Expected {
    fn refund(&mut self, id: String, charge: &str, amount: i64) {
        let c = self.charges.get_mut(charge).unwrap();
        c.amount_refunded += amount;
        c.refunded = c.amount_refunded >= c.amount;
        let currency = c.currency.clone();
        self.refunds.insert(
            id.clone(),
            StripeRefund { id, charge: Some(charge.into()), amount, currency, status: "succeeded".into(), created: 0 },
        );
    }
}

/// Compares the mirror with the expectations (creation times are the server's: not compared).
async fn assert_mirror(store: &Store, expected: &Expected) {
    let mut customers = store.stripe_customers().await.unwrap();
    customers.iter_mut().for_each(|c| c.created = 0);
    assert_eq!(customers, expected.customers.values().cloned().collect::<Vec<_>>());
    let mut products = store.stripe_products().await.unwrap();
    products.iter_mut().for_each(|p| p.created = 0);
    assert_eq!(products, expected.products.values().cloned().collect::<Vec<_>>());
    let mut charges = store.stripe_charges().await.unwrap();
    charges.iter_mut().for_each(|c| c.created = 0);
    assert_eq!(charges, expected.charges.values().cloned().collect::<Vec<_>>());
    let mut refunds = store.stripe_refunds().await.unwrap();
    refunds.iter_mut().for_each(|r| r.created = 0);
    assert_eq!(refunds, expected.refunds.values().cloned().collect::<Vec<_>>());
}

fn quick_settings() -> ClientSettings {
    ClientSettings {
        timeout: Duration::from_secs(5),
        max_attempts: 4,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
    }
}

fn client(base: &str, settings: ClientSettings) -> StripeClient {
    StripeClient::new(base, Secret::new(KEY), settings).unwrap()
}

async fn sync(store: &Store, client: &StripeClient, options: SyncOptions) -> SyncReport {
    statbot::stripe::sync(store, client, &options, &mut |_, _| {}).await.unwrap()
}

async fn fresh_store(dir: &tempfile::TempDir) -> (Store, String) {
    let url = support::fresh_database_url(dir.path()).await;
    (Store::open_with(&url, 4).await.unwrap(), url)
}

/// A charge to make: amount, currency, payment method, customer, description, metadata.
type PlannedCharge<'a> = (i64, &'a str, &'a str, Option<&'a str>, &'a str, &'a [(&'a str, &'a str)]);

/// Makes customers, products and charges (one declined, one partly refunded) on localstripe,
/// recording what the mirror should then hold.
async fn first_batch(stripe: &LocalStripe, expected: &mut Expected) -> Vec<String> {
    let ok = stripe.payment_method(CARD_OK).await;
    let declined = stripe.payment_method(CARD_DECLINED).await;
    let mut customers = Vec::new();
    for (email, name) in [("ana@example.com", "Ana"), ("bo@example.com", "Bo"), ("cy@example.com", "Cy")] {
        let id = stripe.customer(email, name).await;
        expected.customers.insert(
            id.clone(),
            StripeCustomer { id: id.clone(), email: Some(email.into()), name: Some(name.into()), created: 0 },
        );
        customers.push(id);
    }
    for (name, description) in [("Blue mug", "A blue ceramic mug"), ("Tea towel", "Linen, striped")] {
        let id = stripe.product(name, description).await;
        expected.products.insert(
            id.clone(),
            StripeProduct {
                id: id.clone(),
                name: name.into(),
                description: Some(description.into()),
                active: true,
                created: 0,
            },
        );
    }
    let mut charges = Vec::new();
    let plan: [PlannedCharge; 5] = [
        (1999, "usd", &ok, Some(&customers[0]), "Blue mug for Ana", &[("order", "1001")]),
        (500, "usd", &ok, Some(&customers[1]), "Tea towel", &[]),
        (120000, "jpy", &ok, None, "Gift set", &[("channel", "messenger"), ("order", "1003")]),
        (4250, "eur", &declined, Some(&customers[2]), "Declined mug", &[]),
        (800, "usd", &ok, Some(&customers[0]), "Second mug", &[("order", "1005")]),
    ];
    for (amount, currency, pm, customer, description, metadata) in plan {
        let (id, succeeded) = stripe.charge(amount, currency, pm, customer, description, metadata).await;
        let meta: BTreeMap<&str, &str> = metadata.iter().copied().collect();
        expected.charges.insert(
            id.clone(),
            StripeCharge {
                id: id.clone(),
                amount,
                amount_refunded: 0,
                currency: currency.into(),
                status: if succeeded { "succeeded" } else { "failed" }.into(),
                paid: succeeded,
                refunded: false,
                disputed: false,
                customer: customer.map(str::to_owned),
                description: Some(description.into()),
                metadata: serde_json::to_string(&meta).unwrap(),
                created: 0,
                payment_intent: None,
            },
        );
        charges.push(id);
    }
    let refund = stripe.refund(&charges[1], 200).await;
    expected.refund(refund, &charges[1], 200);
    charges
}

#[tokio::test]
async fn localstripe_objects_are_mirrored_then_only_what_is_new_is_added() {
    let stripe = LocalStripe::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fresh_store(&dir).await;
    let client = client(&stripe.base, quick_settings());
    let mut expected = Expected::default();
    let charges = first_batch(&stripe, &mut expected).await;

    let first = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!(first.written, [3, 2, 5, 1]);
    assert_mirror(&store, &expected).await;

    // More of everything, and a refund on an old charge that must bring it up to date.
    let ok = stripe.payment_method(CARD_OK).await;
    let dee = stripe.customer("dee@example.com", "Dee").await;
    expected.customers.insert(
        dee.clone(),
        StripeCustomer { id: dee.clone(), email: Some("dee@example.com".into()), name: Some("Dee".into()), created: 0 },
    );
    let apron = stripe.product("Apron", "Canvas apron").await;
    expected.products.insert(
        apron.clone(),
        StripeProduct {
            id: apron.clone(),
            name: "Apron".into(),
            description: Some("Canvas apron".into()),
            active: true,
            created: 0,
        },
    );
    let (new_charge, _) = stripe.charge(3100, "gbp", &ok, Some(&dee), "Apron for Dee", &[]).await;
    expected.charges.insert(
        new_charge.clone(),
        StripeCharge {
            id: new_charge.clone(),
            amount: 3100,
            amount_refunded: 0,
            currency: "gbp".into(),
            status: "succeeded".into(),
            paid: true,
            refunded: false,
            disputed: false,
            customer: Some(dee.clone()),
            description: Some("Apron for Dee".into()),
            metadata: "{}".into(),
            created: 0,
            payment_intent: None,
        },
    );
    let full_refund = stripe.refund(&charges[0], 1999).await;
    expected.refund(full_refund, &charges[0], 1999);

    let second = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!(second.written, [1, 1, 1, 1], "only what is new is written");
    // localstripe lists events but refuses `ending_before`: the sync reads the lists alone.
    let feed = store.stripe_sync_state("events").await.unwrap();
    assert_eq!(feed.list_order.as_deref(), Some("unsupported"));
    assert_mirror(&store, &expected).await;
    let old = store.stripe_charges().await.unwrap().into_iter().find(|c| c.id == charges[0]).unwrap();
    assert!(old.refunded && old.amount_refunded == 1999, "{old:?}");

    let third = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!(third.written, [0, 0, 0, 0]);
    // localstripe has no events feed: one request per list, whether or not the lists' order
    // could be seen (objects made in the same second).
    assert_eq!(third.requests, 4, "{third:?}");
    assert_mirror(&store, &expected).await;

    let full = sync(&store, &client, SyncOptions { full: true, ..SyncOptions::default() }).await;
    assert_eq!(full.written, [4, 3, 6, 2]);
    assert_mirror(&store, &expected).await;
}

#[tokio::test]
async fn statbot_stripe_sync_mirrors_localstripe_and_says_what_it_did() {
    let stripe = LocalStripe::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = support::fresh_database_url(dir.path()).await;
    let mut expected = Expected::default();
    first_batch(&stripe, &mut expected).await;
    let env = [
        ("STATBOT_DATABASE_URL", url.as_str()),
        ("STATBOT_STRIPE_SECRET_KEY", KEY),
        ("STATBOT_STRIPE_API_BASE", stripe.base.as_str()),
    ];
    let out = statbot(&["stripe", "sync"]).envs(&env).run();
    let stdout = out.stdout;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(stdout.contains("3 customers, 2 products, 5 charges, 1 refunds written"), "{stdout}");
    assert!(!out.stderr.contains(KEY));

    let out = statbot(&["stripe", "sync", "--full"]).envs(&env).run();
    assert!(out.status.success(), "{}", out.stderr);
    let store = Store::open_with(&url, 2).await.unwrap();
    assert_mirror(&store, &expected).await;

    // No key: one plain sentence.
    let out = statbot(&["stripe", "sync"]).envs(&env[..1]).run();
    assert!(!out.status.success());
    let stderr = out.stderr;
    assert_eq!(stderr.trim(), "statbot: no Stripe secret key is configured: set STATBOT_STRIPE_SECRET_KEY");
}

/// A stand-in with a few customers and products and `charges` charges, one a second.
async fn stand_in(charges: usize) -> StripeStandIn {
    let standin = StripeStandIn::start().await.unwrap();
    for i in 0..3 {
        standin.add_customer(&format!("c{i}@example.com"), 1_700_000_000 + i);
        standin.add_product(&format!("Product {i}"), 1_700_000_000 + i);
    }
    standin.fill_charges(charges, 1_700_000_100);
    standin
}

/// The stand-in's charges as the mirror should hold them.
async fn assert_charges_match(store: &Store, standin: &StripeStandIn) {
    let mirrored: BTreeMap<String, (i64, i64, bool, bool)> = store
        .stripe_charges()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, (c.amount, c.amount_refunded, c.refunded, c.disputed)))
        .collect();
    let expected: BTreeMap<String, (i64, i64, bool, bool)> = standin
        .charges()
        .into_iter()
        .map(|c| {
            let refunded = c.amount_refunded >= c.amount;
            (c.id, (c.amount, c.amount_refunded, refunded, c.disputed))
        })
        .collect();
    assert_eq!(mirrored, expected);
}

#[tokio::test]
async fn a_sync_with_nothing_new_costs_a_single_request_and_refunds_update_old_charges() {
    let standin = stand_in(250).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fresh_store(&dir).await;
    let client = client(&standin.base_url(), quick_settings());
    let first = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!(first.written, [3, 3, 250, 0]);
    assert_charges_match(&store, &standin).await;

    let before = standin.requests();
    let idle = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!(idle.written, [0, 0, 0, 0]);
    assert_eq!(standin.requests() - before, 1, "one request: the events feed says nothing changed");
    assert_eq!(idle.requests, 1);

    // A new charge, and a refund on the oldest charge.
    let oldest = standin.charges()[0].id.clone();
    standin.add_charge(4200, "usd", 1_800_000_000);
    standin.refund(&oldest, 50, 1_800_000_001).unwrap();
    let next = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!(next.written, [0, 0, 1, 1]);
    assert_eq!(next.refreshed, 2, "the charges the events name are fetched again");
    assert_charges_match(&store, &standin).await;
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let standin = stand_in(30).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fresh_store(&dir).await;
    let client = client(&standin.base_url(), quick_settings());
    standin.fail_next(&[Fault::TooManyRequests { retry_after_secs: 1 }, Fault::ServerError, Fault::ServerError]);
    let started = std::time::Instant::now();
    let report = sync(&store, &client, SyncOptions::default()).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not honoured");
    assert_eq!(report.written, [3, 3, 30, 0]);
    // The events feed's first mark, the four lists, and the three failures.
    assert_eq!(report.requests, 1 + 4 + 3);
    assert_charges_match(&store, &standin).await;
}

#[tokio::test]
async fn a_hung_connection_times_out_and_is_retried() {
    let standin = stand_in(10).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fresh_store(&dir).await;
    let settings = ClientSettings { timeout: Duration::from_millis(500), ..quick_settings() };
    let client = client(&standin.base_url(), settings);
    standin.fail_next(&[Fault::Hang(Duration::from_secs(30))]);
    let started = std::time::Instant::now();
    let report = sync(&store, &client, SyncOptions::default()).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(report.written, [3, 3, 10, 0]);
    assert_charges_match(&store, &standin).await;
}

#[tokio::test]
async fn a_sync_that_dies_half_way_leaves_whole_pages_and_the_next_one_resumes() {
    let standin = stand_in(1000).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fresh_store(&dir).await;
    let client = client(&standin.base_url(), quick_settings());
    // The events feed's mark, customers and products take a page each; then two pages of
    // charges, then the API is down.
    standin.fail_after_pages(Some(5));
    let err = statbot::stripe::sync(&store, &client, &SyncOptions::default(), &mut |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("kept failing on /v1/charges after 4 attempts"), "{err}");
    assert_eq!(store.stripe_counts().await.unwrap(), [3, 3, 200, 0], "whole pages only");
    let newest: Vec<String> = standin.charges().iter().rev().take(200).map(|c| c.id.clone()).collect();
    let mirrored: Vec<String> = store.stripe_charges().await.unwrap().into_iter().map(|c| c.id).collect();
    assert!(newest.iter().all(|id| mirrored.contains(id)));

    // Meanwhile a new charge arrives; the API comes back.
    standin.add_charge(777, "eur", 1_900_000_000);
    standin.fail_after_pages(None);
    let before = standin.requests();
    let resumed = sync(&store, &client, SyncOptions::default()).await;
    // The events feed's mark (the first sync never finished, so it saved none); customers and
    // products: one request each; charges: the 8 remaining pages, then the new head; refunds.
    assert_eq!(resumed.written, [0, 0, 801, 0]);
    assert_eq!(standin.requests() - before, 1 + 2 + 8 + 1 + 1);
    assert_charges_match(&store, &standin).await;
}

#[tokio::test]
async fn a_dispute_on_an_old_charge_is_brought_up_to_date_and_a_full_sync_agrees() {
    let standin = stand_in(120).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fresh_store(&dir).await;
    let client = client(&standin.base_url(), quick_settings());
    sync(&store, &client, SyncOptions::default()).await;
    let disputed = standin.charges()[5].id.clone();
    standin.dispute(&disputed);
    // The dispute moves nothing in the lists; the events feed names the charge.
    let next = sync(&store, &client, SyncOptions::default()).await;
    assert_eq!((next.written, next.refreshed), ([0, 0, 0, 0], 1));
    assert_charges_match(&store, &standin).await;
    assert!(store.stripe_charges().await.unwrap().iter().any(|c| c.id == disputed && c.disputed));
    let full = sync(&store, &client, SyncOptions { full: true, ..SyncOptions::default() }).await;
    assert_eq!(full.written, [3, 3, 120, 0]);
    assert_charges_match(&store, &standin).await;
}

#[tokio::test]
async fn only_one_instance_syncs_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let (first, url) = fresh_store(&dir).await;
    let second = Store::open_with(&url, 2).await.unwrap();
    let held = first.try_stripe_lock().await.unwrap().expect("the first instance takes the lock");
    let other = second.try_stripe_lock().await.unwrap();
    match first.backend() {
        // Several instances share PostgreSQL: the second waits for its next round.
        statbot::store::Backend::Postgres => assert!(other.is_none(), "two instances hold the sync lock"),
        // SQLite has one process; nothing to share.
        statbot::store::Backend::Sqlite => assert!(other.is_some()),
    }
    if let Some(other) = other {
        other.release().await;
    }
    held.release().await;
    let again = second.try_stripe_lock().await.unwrap().expect("released, the lock is free");
    again.release().await;
}

static SCHEDULED_API_BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

#[tokio::test]
async fn serve_syncs_on_its_schedule() {
    let standin = stand_in(40).await;
    SCHEDULED_API_BASE.set(standin.base_url()).unwrap();
    let mut app = support::TestApp::spawn_with(support::Options {
        tweak: |config| {
            config.stripe.secret_key = Secret::new(KEY);
            config.stripe.api_base = SCHEDULED_API_BASE.get().cloned().unwrap_or_default();
            config.stripe.sync_interval_secs = 1;
        },
        ..support::Options::default()
    })
    .await;
    let store = app.store().await;
    let wait_for = |charges: i64| {
        let store = store.clone();
        async move {
            let deadline = tokio::time::Instant::now() + support::WAIT;
            while store.stripe_counts().await.unwrap()[2] < charges {
                assert!(tokio::time::Instant::now() < deadline, "the scheduled sync did not mirror {charges} charges");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    wait_for(40).await;
    standin.add_charge(1234, "usd", 1_800_000_000);
    wait_for(41).await;
    assert_charges_match(&store, &standin).await;
    app.stop().await;
}
