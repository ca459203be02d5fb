//! The store metrics, checked against figures this test computes itself from what it made:
//! - against localstripe: customers and charges (one declined, refunds) made through its API,
//!   synced, more added and synced again; the library, the API and the `statbot` binary;
//! - the live answer when the mirror is empty or stale, and the mirror's answer (with a note)
//!   when the API cannot be reached;
//! - the daily rollups over many days, kept page by page through changes (a pending charge
//!   that succeeds, a refund, a description that changes), equal to a brute-force count and to
//!   a rebuild, in another time zone too.

use crate::support::stripe::{CARD_DECLINED, CARD_OK, KEY, LocalStripe};
use crate::support::{self, mirror, statbot};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::Value;
use statbot::config::Secret;
use statbot::dates::DayRange;
use statbot::sales::metrics::Figures;
use statbot::sales::periods::Period;
use statbot::sales::{Sales, SalesSettings};
use statbot::store::{Store, StripeCharge, StripeCustomer, StripePage, StripeRefund};
use statbot::stripe::{ClientSettings, StripeClient, SyncOptions};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

fn client(base: &str) -> StripeClient {
    let settings = ClientSettings {
        timeout: Duration::from_secs(5),
        max_attempts: 2,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    };
    StripeClient::new(base, Secret::new(KEY), settings).unwrap()
}

fn metrics(store: &Store, client: Option<StripeClient>, max_age: Duration) -> Sales {
    let settings =
        SalesSettings { zone: TimeZone::UTC, max_mirror_age: max_age, live_timeout: Duration::from_secs(10) };
    Sales::new(store.clone(), client, settings)
}

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// Yesterday to tomorrow: everything localstripe made during the test, whatever the hour.
fn around_today() -> DayRange {
    let today = today();
    DayRange { from: today.yesterday().unwrap(), to: today.tomorrow().unwrap() }
}

/// A charge the test made, and what became of it.
struct Made {
    amount: i64,
    currency: &'static str,
    customer: Option<String>,
    description: &'static str,
    succeeded: bool,
    refunded: i64,
    refunds: i64,
}

/// Figures computed the plain way from what was made.
fn expected_figures(made: &[Made], currency: &str) -> Figures {
    let ours: Vec<&Made> = made.iter().filter(|m| m.currency == currency).collect();
    let paid: Vec<&&Made> = ours.iter().filter(|m| m.succeeded).collect();
    let gross: i64 = paid.iter().map(|m| m.amount).sum();
    let refunded: i64 = ours.iter().map(|m| m.refunded).sum();
    let payers: HashSet<&String> = paid.iter().filter_map(|m| m.customer.as_ref()).collect();
    let round = |a: i64, b: i64| (b != 0).then(|| (a as f64 / b as f64).round() as i64);
    Figures {
        gross_volume: gross,
        refunds_amount: refunded,
        refunds_count: ours.iter().map(|m| m.refunds).sum(),
        net_volume: gross - refunded,
        successful_payments: paid.len() as i64,
        failed_payments: ours.iter().filter(|m| !m.succeeded).count() as i64,
        paying_customers: payers.len() as i64,
        spend_per_customer: round(gross - refunded, payers.len() as i64),
        average_order_value: round(gross, paid.len() as i64),
    }
}

/// Net revenue per customer in a currency, best first (ties by id).
fn expected_top(made: &[Made], currency: &str) -> Vec<(String, i64)> {
    let mut net: HashMap<String, i64> = HashMap::new();
    for m in made.iter().filter(|m| m.currency == currency) {
        if let Some(customer) = m.customer.as_ref().filter(|_| m.succeeded || m.refunded > 0) {
            *net.entry(customer.clone()).or_default() += if m.succeeded { m.amount } else { 0 } - m.refunded;
        }
    }
    let mut top: Vec<(String, i64)> = net.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top
}

/// Net revenue per lower-case word of successful charges' descriptions (stop words and
/// numbers excluded by the caller's choice of descriptions).
fn expected_words(made: &[Made], currency: &str) -> BTreeMap<String, i64> {
    let mut words: BTreeMap<String, i64> = BTreeMap::new();
    for m in made.iter().filter(|m| m.currency == currency && m.succeeded) {
        let distinct: HashSet<String> = m.description.split(' ').map(str::to_lowercase).collect();
        for word in distinct {
            *words.entry(word).or_default() += m.amount - m.refunded;
        }
    }
    words
}

struct Shop {
    stripe: LocalStripe,
    ok: String,
    declined: String,
    made: Vec<Made>,
    ids: Vec<String>,
}

impl Shop {
    async fn charge(&mut self, amount: i64, currency: &'static str, customer: Option<&str>, description: &'static str) {
        self.pay(amount, currency, customer, description, true).await;
    }

    async fn pay(
        &mut self,
        amount: i64,
        currency: &'static str,
        customer: Option<&str>,
        description: &'static str,
        good: bool,
    ) {
        let pm = if good { self.ok.clone() } else { self.declined.clone() };
        let (id, succeeded) = self.stripe.charge(amount, currency, &pm, customer, description, &[]).await;
        assert_eq!(succeeded, good);
        self.ids.push(id);
        self.made.push(Made {
            amount,
            currency,
            customer: customer.map(str::to_owned),
            description,
            succeeded,
            refunded: 0,
            refunds: 0,
        });
    }

    async fn refund(&mut self, index: usize, amount: i64) {
        self.stripe.refund(&self.ids[index], amount).await;
        self.made[index].refunded += amount;
        self.made[index].refunds += 1;
    }
}

async fn sync(store: &Store, client: &StripeClient) {
    statbot::stripe::sync(store, client, &SyncOptions::default(), &mut |_, _| {}).await.unwrap();
}

async fn check_against(metrics: &Sales, made: &[Made], customers: usize) {
    let report = metrics.revenue(around_today(), Period::Day).await.unwrap();
    let currencies: Vec<&str> = report.currencies.iter().map(|c| c.currency.as_str()).collect();
    assert_eq!(currencies, ["usd", "eur"], "largest gross volume first");
    for currency in &report.currencies {
        assert_eq!(currency.figures, expected_figures(made, &currency.currency), "{}", currency.currency);
        assert_eq!(currency.previous, Figures::default());
        assert_eq!(currency.series.len(), 3);
        let series_gross: i64 = currency.series.iter().map(|p| p.figures.gross_volume).sum();
        assert_eq!(series_gross, currency.figures.gross_volume);
    }
    assert_eq!(report.new_customers.compared.value, customers as i64);

    let top = metrics.top_customers(around_today(), None, 10).await.unwrap();
    assert_eq!(top.currency.as_deref(), Some("usd"));
    let got: Vec<(String, i64)> = top.customers.iter().map(|c| (c.customer.clone(), c.net_revenue)).collect();
    assert_eq!(got, expected_top(made, "usd"));
    assert_eq!(top.average_order_value, expected_figures(made, "usd").average_order_value);

    let words = metrics.words(around_today(), Some("usd"), 100).await.unwrap();
    let got: BTreeMap<String, i64> = words.words.iter().map(|w| (w.word.clone(), w.revenue)).collect();
    assert_eq!(got, expected_words(made, "usd"));
    let revenues: Vec<i64> = words.words.iter().map(|w| w.revenue).collect();
    assert!(revenues.windows(2).all(|w| w[0] >= w[1]), "ranked by revenue: {revenues:?}");
}

#[tokio::test]
async fn metrics_match_what_was_sold_through_localstripe_before_and_after_more_sales() {
    let stripe = LocalStripe::start().await;
    let ok = stripe.payment_method(CARD_OK).await;
    let declined = stripe.payment_method(CARD_DECLINED).await;
    let mut shop = Shop { stripe, ok, declined, made: Vec::new(), ids: Vec::new() };
    let ana = shop.stripe.customer("ana@example.com", "Ana").await;
    let bo = shop.stripe.customer("bo@example.com", "Bo").await;
    let cy = shop.stripe.customer("cy@example.com", "Cy").await;
    shop.charge(5000, "usd", Some(&ana), "Sleek Steel Chair").await;
    shop.charge(1200, "usd", Some(&bo), "Rustic Wooden Spoon").await;
    shop.charge(3000, "usd", Some(&bo), "Sleek Lamp").await;
    shop.pay(4000, "usd", Some(&cy), "Rustic Table", false).await;
    shop.charge(2500, "eur", Some(&cy), "Rustic Wooden Table").await;
    shop.charge(700, "usd", None, "Gift Card").await;
    shop.refund(2, 1000).await;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(&support::fresh_database_url(dir.path()).await, 4).await.unwrap();
    let api = client(&shop.stripe.base);
    sync(&store, &api).await;
    let from_mirror = metrics(&store, Some(api.clone()), Duration::from_secs(3600));
    check_against(&from_mirror, &shop.made, 3).await;
    let report = from_mirror.revenue(around_today(), Period::Day).await.unwrap();
    assert_eq!(report.provenance.source, "mirror");

    // More sales, a refund of an old charge and a new customer; then sync again.
    let dee = shop.stripe.customer("dee@example.com", "Dee").await;
    shop.charge(9900, "usd", Some(&dee), "Sleek Steel Desk").await;
    shop.refund(0, 5000).await;
    shop.refund(1, 200).await;
    sync(&store, &api).await;
    check_against(&from_mirror, &shop.made, 4).await;

    // A rebuild (another time zone, then back) gives the same figures as the page-by-page upkeep.
    store.rebuild_sales_rollups(&TimeZone::get("Asia/Kolkata").unwrap()).await.unwrap();
    store.rebuild_sales_rollups(&TimeZone::UTC).await.unwrap();
    check_against(&from_mirror, &shop.made, 4).await;

    // The same figures straight from the API when the mirror is too old (or never synced).
    let stale = metrics(&store, Some(api.clone()), Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(5)).await;
    check_against(&stale, &shop.made, 4).await;
    let report = stale.revenue(around_today(), Period::Day).await.unwrap();
    assert_eq!(report.provenance.source, "live");
    assert!(report.provenance.note.as_deref().unwrap().contains("old"), "{:?}", report.provenance);

    let empty_dir = tempfile::tempdir().unwrap();
    let empty = Store::open_with(&support::fresh_database_url(empty_dir.path()).await, 4).await.unwrap();
    let live = metrics(&empty, Some(api.clone()), Duration::from_secs(3600));
    check_against(&live, &shop.made, 4).await;
    let report = live.revenue(around_today(), Period::Day).await.unwrap();
    assert!(report.provenance.note.as_deref().unwrap().contains("empty"), "{:?}", report.provenance);

    // Stripe unreachable: the (stale) mirror answers and says why.
    let gone = client("http://127.0.0.1:9");
    let fallback = metrics(&store, Some(gone), Duration::ZERO).revenue(around_today(), Period::Day).await.unwrap();
    assert_eq!(fallback.provenance.source, "mirror");
    assert!(fallback.provenance.note.as_deref().unwrap().contains("did not answer"), "{:?}", fallback.provenance);
    assert_eq!(fallback.currencies[0].figures, expected_figures(&shop.made, "usd"));
}

#[tokio::test]
async fn the_api_and_the_binary_give_the_metrics_to_operators_only() {
    let stripe = LocalStripe::start().await;
    let ok = stripe.payment_method(CARD_OK).await;
    let declined = stripe.payment_method(CARD_DECLINED).await;
    let mut shop = Shop { stripe, ok, declined, made: Vec::new(), ids: Vec::new() };
    let ana = shop.stripe.customer("ana@example.com", "Ana").await;
    shop.charge(4200, "usd", Some(&ana), "Sleek Mug").await;
    shop.charge(800, "usd", None, "Rustic Mug").await;
    let base = shop.stripe.base.clone();
    let app = support::TestApp::spawn_with(support::Options {
        tweak: |config| {
            config.stripe.secret_key = Secret::new(KEY);
            config.stripe.sync_interval_secs = 0;
        },
        ..Default::default()
    })
    .await;
    let mut config = app.config.clone();
    config.stripe.api_base = base.clone();
    let store = app.store().await;
    sync(&store, &client(&base)).await;

    let env = [
        ("STATBOT_DATABASE_URL", config.database_url.as_str()),
        ("STATBOT_STRIPE_SECRET_KEY", KEY),
        ("STATBOT_STRIPE_API_BASE", base.as_str()),
    ];
    let out = statbot(&["stripe", "revenue", "--days", "2", "--format", "json"]).envs(&env).run();
    assert!(out.status.success(), "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["currencies"][0]["figures"]["gross_volume"], 5000);
    assert_eq!(json["currencies"][0]["figures"]["average_order_value"], 2500);
    let out = statbot(&["stripe", "top-customers", "--days", "2"]).envs(&env).run();
    let table = out.stdout;
    assert!(table.contains("Ana") && table.contains("$42.00"), "{table}");
    let out = statbot(&["stripe", "words", "--days", "2", "--format", "csv"]).envs(&env).run();
    let csv = out.stdout;
    assert!(csv.starts_with("rank,word,currency,revenue,charges,per_charge\r\n1,mug,usd,50,2,25\r\n"), "{csv}");
    let out = statbot(&["stripe", "revenue", "--from", "2026-13-01"]).envs(&env).run();
    assert!(!out.status.success());
    assert!(out.stderr.contains("is not a date"));

    statbot::auth::create_user(&store, "ana", statbot::store::Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("ana", "correct horse battery").await;
    let get = |path: &str| app.client.get(app.url(path)).bearer_auth(&token).send();
    let revenue: Value = get("/api/v1/stripe/revenue?days=2").await.unwrap().json().await.unwrap();
    assert_eq!(revenue["currencies"][0]["figures"]["net_volume"], 5000);
    let top: Value = get("/api/v1/stripe/top-customers?days=2&limit=1").await.unwrap().json().await.unwrap();
    assert_eq!(top["customers"][0]["name"], "Ana");
    assert_eq!(top["customers"].as_array().unwrap().len(), 1);
    let csv = get("/api/v1/stripe/words?days=2&format=csv").await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("words-"));
    for bad in
        ["revenue?period=hour", "revenue?days=x", "words?limit=0", "top-customers?currency=dollars", "words?format=xml"]
    {
        let answer = get(&format!("/api/v1/stripe/{bad}")).await.unwrap();
        assert_eq!(answer.status(), 400, "{bad}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{bad}");
    }
    let anonymous = app.client.get(app.url("/api/v1/stripe/revenue")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// A charge at a given time for the rollup test.
/// A usd charge in any status (the mirror helper's charge, which succeeds or fails).
fn charge(id: &str, amount: i64, status: &str, customer: &str, description: &str, created: i64) -> StripeCharge {
    let made = mirror::charge(id, customer, amount, "usd", status == "succeeded", created, description);
    StripeCharge { status: status.into(), ..made }
}

fn refund(id: &str, charge: &str, amount: i64, created: i64) -> StripeRefund {
    mirror::refund(id, charge, amount, "usd", created)
}

async fn write(store: &Store, charges: Vec<StripeCharge>, refunds: Vec<StripeRefund>, customers: Vec<StripeCustomer>) {
    let page = StripePage { charges, refunds, customers, state: Default::default(), ..Default::default() };
    store.write_stripe_page(&page).await.unwrap();
}

/// Each Chicago day's gross, refunded and net, counted the plain way from the final objects.
fn brute_force_days(charges: &[StripeCharge], refunds: &[StripeRefund], zone: &TimeZone) -> BTreeMap<Date, (i64, i64)> {
    let day = |t: i64| jiff::Timestamp::from_second(t).unwrap().to_zoned(zone.clone()).date();
    let mut days: BTreeMap<Date, (i64, i64)> = BTreeMap::new();
    for c in charges.iter().filter(|c| c.status == "succeeded") {
        days.entry(day(c.created)).or_default().0 += c.amount;
    }
    for r in refunds {
        days.entry(day(r.created)).or_default().1 += r.amount;
    }
    days
}

#[tokio::test]
async fn rollups_kept_page_by_page_equal_a_brute_force_count_over_many_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(&support::fresh_database_url(dir.path()).await, 4).await.unwrap();
    let chicago = TimeZone::get("America/Chicago").unwrap();
    store.ensure_sales_rollups(&chicago).await.unwrap();
    store.mark_stripe_synced().await.unwrap();
    // 2026-03-01 00:00 UTC, a Sunday; charges every 7 hours for 40 days (crossing the DST change).
    let start = 1_772_323_200;
    let mut charges: Vec<StripeCharge> = (0..140)
        .map(|i| {
            let status = if i % 11 == 0 {
                "failed"
            } else if i % 13 == 0 {
                "pending"
            } else {
                "succeeded"
            };
            let who = format!("cus_{}", i % 9);
            let what = if i % 3 == 0 { "Sleek Steel Chair" } else { "Rustic Oak Table" };
            charge(&format!("ch_{i}"), 1000 + i * 10, status, &who, what, start + i * 7 * 3600)
        })
        .collect();
    let customers: Vec<StripeCustomer> = (0..9)
        .map(|i| StripeCustomer { id: format!("cus_{i}"), email: None, name: Some(format!("C{i}")), created: start })
        .collect();
    for chunk in charges.chunks(25) {
        write(&store, chunk.to_vec(), Vec::new(), Vec::new()).await;
    }
    write(&store, Vec::new(), Vec::new(), customers.clone()).await;
    // Pending charges succeed later; one charge's description changes after it was refunded.
    let mut refunds =
        vec![refund("re_1", "ch_1", 300, start + 20 * 86_400), refund("re_2", "ch_3", 1030, start + 30 * 86_400)];
    write(&store, Vec::new(), refunds.clone(), Vec::new()).await;
    for c in charges.iter_mut().filter(|c| c.status == "pending") {
        c.status = "succeeded".into();
    }
    charges[3].description = Some("Sleek Walnut Chair".into());
    charges[3].customer = Some("cus_8".into());
    // Every charge is written again: the unchanged ones must change nothing.
    for chunk in charges.chunks(25) {
        write(&store, chunk.to_vec(), Vec::new(), customers.clone()).await;
    }
    // A refund seen again (unchanged) and a new one in the same page.
    refunds.push(refund("re_3", "ch_5", 500, start + 35 * 86_400));
    write(&store, Vec::new(), refunds.clone(), Vec::new()).await;

    let settings = SalesSettings {
        zone: chicago.clone(),
        max_mirror_age: Duration::from_secs(3600),
        live_timeout: Duration::from_secs(1),
    };
    let metrics = Sales::new(store.clone(), None, settings);
    let range = DayRange { from: jiff::civil::date(2026, 2, 28), to: jiff::civil::date(2026, 4, 12) };
    let report = metrics.revenue(range, Period::Day).await.unwrap();
    let expected = brute_force_days(&charges, &refunds, &chicago);
    let got: BTreeMap<Date, (i64, i64)> = report.currencies[0]
        .series
        .iter()
        .filter(|p| p.figures.gross_volume != 0 || p.figures.refunds_amount != 0)
        .map(|p| (p.from, (p.figures.gross_volume, p.figures.refunds_amount)))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(report.new_customers.compared.value, 9);

    // Paying customers: distinct per week, whatever the days they paid on.
    let weeks = metrics.revenue(range, Period::Week).await.unwrap();
    for week in &weeks.currencies[0].series {
        let payers: HashSet<&String> = charges
            .iter()
            .filter(|c| c.status == "succeeded")
            .filter(|c| {
                (week.from..=week.to)
                    .contains(&jiff::Timestamp::from_second(c.created).unwrap().to_zoned(chicago.clone()).date())
            })
            .filter_map(|c| c.customer.as_ref())
            .collect();
        assert_eq!(week.figures.paying_customers, payers.len() as i64, "{week:?}");
    }

    // The refund of ch_3 moved with it to cus_8 and to the words of its new description.
    let top = metrics.top_customers(range, None, 20).await.unwrap();
    let mut net: HashMap<String, i64> = HashMap::new();
    for c in charges.iter().filter(|c| c.status == "succeeded") {
        *net.entry(c.customer.clone().unwrap()).or_default() += c.amount;
    }
    for r in &refunds {
        let owner = charges.iter().find(|c| Some(&c.id) == r.charge.as_ref()).unwrap().customer.clone().unwrap();
        *net.entry(owner).or_default() -= r.amount;
    }
    let got: HashMap<String, i64> = top.customers.iter().map(|c| (c.customer.clone(), c.net_revenue)).collect();
    assert_eq!(got, net);
    let words = metrics.words(range, None, 50).await.unwrap();
    let walnut = words.words.iter().find(|w| w.word == "walnut").unwrap();
    assert_eq!((walnut.revenue, walnut.charges), (charges[3].amount - 1030, 1));

    // A rebuild from the mirror agrees with the upkeep.
    store.rebuild_sales_rollups(&chicago).await.unwrap();
    assert_eq!(metrics.revenue(range, Period::Day).await.unwrap().currencies, report.currencies);
    assert_eq!(metrics.top_customers(range, None, 20).await.unwrap().customers, top.customers);
}
