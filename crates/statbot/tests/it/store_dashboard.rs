//! The store page over HTTP, on the database the tests run on: a mirror seeded through the
//! store (as a sync writes it, rollups kept page by page) is shown to an operator as figures
//! against the previous range (rises in refunds and failed payments marked bad), the series,
//! top customers with their average order, the words that sell, where the figures come from,
//! downloads on the API, and four charts served as PNG and SVG. Other currencies are a pick
//! away; bad dates are said on the page, bad chart parameters are 400s; an empty mirror says
//! how to fill it; strangers are sent to log in.

use crate::support::pages::{card, cell, chart_sources, dashboard_session, get};
use crate::support::*;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use statbot::store::{Role, StripeCharge, StripeCustomer, StripePage, StripeRefund, StripeSyncState};
use statbot_core::money::format as money;

const PASSWORD: &str = "correct horse battery";
/// The range shown: the fourteen days up to today; the previous range is the fourteen before.
const DAYS: i64 = 14;

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// The range's first day.
fn start() -> Date {
    today().checked_sub(jiff::Span::new().days(DAYS - 1)).unwrap()
}

/// A day counted from the range's first day (negative: the previous range).
fn day(offset: i64) -> Date {
    start().checked_add(jiff::Span::new().days(offset)).unwrap()
}

/// Noon (UTC, the business time zone of the tests) of a day counted from the range's start.
fn noon(offset: i64) -> i64 {
    day(offset).to_zoned(TimeZone::UTC).unwrap().timestamp().as_second() + 12 * 3600
}

/// (id, customer, cents, currency, status, day from the range's start, description)
type Sale = (&'static str, &'static str, i64, &'static str, &'static str, i64, &'static str);

const SALES: [Sale; 8] = [
    ("ch_1", "cus_ada", 5_000, "usd", "succeeded", 1, "Sleek Steel Chair"),
    ("ch_2", "cus_ada", 3_000, "usd", "succeeded", 2, "Rustic Wooden Table"),
    ("ch_3", "cus_grace", 2_500, "usd", "succeeded", 2, "Sleek Lamp"),
    ("ch_4", "cus_grace", 1_200, "usd", "failed", 3, "Sleek Lamp"),
    ("ch_5", "cus_old", 4_000, "usd", "succeeded", -12, "Rustic Chair"),
    ("ch_6", "cus_old", 900, "usd", "failed", -11, "Rustic Chair"),
    ("ch_7", "cus_old", 700, "usd", "failed", -10, "Rustic Chair"),
    ("ch_8", "cus_euro", 7_000, "eur", "succeeded", 5, "Sleek Sofa"),
];
/// ch_1 refunded in part, on the fifth day.
const REFUND: (&str, &str, i64, i64) = ("re_1", "ch_1", 1_000, 4);
/// (id, name, email, day created from the range's start)
const CUSTOMERS: [(&str, &str, &str, i64); 4] = [
    ("cus_ada", "Ada Lovelace", "ada@example.com", 0),
    ("cus_grace", "", "grace@example.com", 1),
    ("cus_old", "Old Timer", "old@example.com", -13),
    ("cus_euro", "Euro Buyer", "euro@example.com", 5),
];

fn this_range(offset: i64) -> bool {
    (0..DAYS).contains(&offset)
}

fn previous_range(offset: i64) -> bool {
    (-DAYS..0).contains(&offset)
}

/// Sums over the sales of a currency and status in a range.
fn sum(currency: &str, status: &str, within: fn(i64) -> bool, of: fn(&Sale) -> i64) -> i64 {
    SALES.iter().filter(|s| s.3 == currency && s.4 == status && within(s.5)).map(of).sum()
}

/// Writes the mirror as a sync would: rollups built first, then pages that keep them, then the
/// sync marked finished. The server is stopped meanwhile: on SQLite a second connection's
/// read-then-write transactions fail (`SQLITE_BUSY_SNAPSHOT`) when the server's own connection
/// commits in between, which no busy timeout waits out.
async fn seed(app: &mut TestApp) {
    app.stop().await;
    let store = app.store().await;
    store.ensure_sales_rollups(&TimeZone::UTC).await.unwrap();
    let customers = CUSTOMERS
        .iter()
        .map(|(id, name, email, offset)| StripeCustomer {
            id: (*id).into(),
            email: Some((*email).into()),
            name: (!name.is_empty()).then(|| (*name).into()),
            created: noon(*offset),
        })
        .collect();
    let state = |object: &str| StripeSyncState { object: object.into(), ..StripeSyncState::default() };
    store
        .write_stripe_page(&StripePage { customers, state: state("customers"), ..StripePage::default() })
        .await
        .unwrap();
    let charges = SALES
        .iter()
        .map(|(id, customer, amount, currency, status, offset, description)| StripeCharge {
            id: (*id).into(),
            amount: *amount,
            amount_refunded: if *id == REFUND.1 { REFUND.2 } else { 0 },
            currency: (*currency).into(),
            status: (*status).into(),
            paid: *status == "succeeded",
            refunded: false,
            disputed: false,
            customer: Some((*customer).into()),
            description: Some((*description).into()),
            metadata: "{}".into(),
            created: noon(*offset),
            payment_intent: None,
        })
        .collect();
    store.write_stripe_page(&StripePage { charges, state: state("charges"), ..StripePage::default() }).await.unwrap();
    let refund = StripeRefund {
        id: REFUND.0.into(),
        charge: Some(REFUND.1.into()),
        amount: REFUND.2,
        currency: "usd".into(),
        status: "succeeded".into(),
        created: noon(REFUND.3),
    };
    let page = StripePage { refunds: vec![refund], state: state("refunds"), ..StripePage::default() };
    store.write_stripe_page(&page).await.unwrap();
    store.mark_stripe_synced().await.unwrap();
    drop(store);
    operator(app).await;
    app.restart().await;
}

async fn operator(app: &TestApp) {
    statbot::auth::create_user(&app.store().await, "lead", Role::Staff, PASSWORD).await.unwrap();
}

/// The class of the change cell of a figure.
fn change_class(html: &str, row: &str) -> String {
    let row_at = html.find(&format!("data-row=\"{row}\"")).unwrap_or_else(|| panic!("no row {row}"));
    let cell_at = row_at + html[row_at..].find("data-col=\"change\" class=\"").unwrap() + 25;
    html[cell_at..cell_at + html[cell_at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn operators_see_the_range_against_the_previous_one_with_customers_words_and_charts() {
    let mut app = TestApp::spawn().await;
    seed(&mut app).await;
    let cookie = dashboard_session(&app, "lead", PASSWORD).await;
    let home = get(&app, &cookie, "/").await.text().await.unwrap();
    assert!(home.contains("<a href=\"/store\">Store</a>"), "the navigation links to the store page");

    let (from, to) = (start(), today());
    let response = get(&app, &cookie, &format!("/store?from={from}&to={to}")).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h2>Figures in USD</h2>"), "the currency with the most volume first: {html}");
    assert!(html.contains(&format!("{from} to {to}, compared with {} to {}.", day(-DAYS), day(-1))), "{html}");
    assert!(html.contains("From the mirror, synced "), "where the figures come from: {html}");

    let amount = |s: &Sale| s.2;
    let count = |_: &Sale| 1;
    let gross = sum("usd", "succeeded", this_range, amount);
    let previous_gross = sum("usd", "succeeded", previous_range, amount);
    let net = gross - REFUND.2;
    let payments = sum("usd", "succeeded", this_range, count);
    assert_eq!((gross, previous_gross, payments), (10_500, 4_000, 3), "the seed as this test reads it");
    assert_eq!(cell(&html, "figures", "gross_volume", "value"), money(gross, "usd"));
    assert_eq!(cell(&html, "figures", "gross_volume", "previous"), money(previous_gross, "usd"));
    assert_eq!(cell(&html, "figures", "gross_volume", "change"), "▲ +162.5 %");
    assert_eq!(change_class(&html, "gross_volume"), "change-good");
    assert_eq!(cell(&html, "figures", "net_volume", "value"), money(net, "usd"));
    assert_eq!(cell(&html, "figures", "refunds_amount", "value"), money(REFUND.2, "usd"));
    assert_eq!(cell(&html, "figures", "refunds_amount", "change"), "▲ new");
    assert_eq!(change_class(&html, "refunds_amount"), "change-bad", "more refunds are bad news");
    assert_eq!(cell(&html, "figures", "refunds_count", "value"), "1");
    assert_eq!(cell(&html, "figures", "successful_payments", "value"), payments.to_string());
    let failed = sum("usd", "failed", this_range, count);
    let previous_failed = sum("usd", "failed", previous_range, count);
    assert_eq!(cell(&html, "figures", "failed_payments", "value"), failed.to_string());
    assert_eq!(cell(&html, "figures", "failed_payments", "previous"), previous_failed.to_string());
    assert_eq!(cell(&html, "figures", "failed_payments", "change"), "▼ -50.0 %");
    assert_eq!(change_class(&html, "failed_payments"), "change-good", "fewer failures are good news");
    assert_eq!(cell(&html, "figures", "paying_customers", "value"), "2");
    assert_eq!(cell(&html, "figures", "spend_per_customer", "value"), money(net / 2, "usd"));
    assert_eq!(cell(&html, "figures", "average_order_value", "value"), money(gross / payments, "usd"));
    let new_customers = CUSTOMERS.iter().filter(|c| this_range(c.3)).count();
    assert_eq!(cell(&html, "figures", "new_customers", "value"), new_customers.to_string());
    assert_eq!(cell(&html, "figures", "new_customers", "previous"), "1");

    // The headline cards say what the table says, with a trend line over the days.
    assert_eq!(card(&html, "gross_volume", "value"), cell(&html, "figures", "gross_volume", "value"));
    assert_eq!(card(&html, "gross_volume", "change"), cell(&html, "figures", "gross_volume", "change"));
    assert_eq!(card(&html, "new_customers", "previous"), "from 1");
    assert!(html.contains("aria-label=\"Gross volume by day (trend line)\""), "{html}");

    // Fourteen days by day, runs of days without payments in one line each; the second day
    // has ch_1 only.
    let rows = html.matches("<tr data-row=\"20").count();
    let quiet: usize = html
        .split("<tr class=\"quiet\"><td colspan=\"7\">")
        .skip(1)
        .map(|line| line.split(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert!(html.contains(" days with no activity ("), "quiet days in one line: {html}");
    assert_eq!(rows + quiet, DAYS as usize, "every day, in a row or a quiet line");
    let second = day(1).to_string();
    assert_eq!(cell(&html, "series", &second, "gross"), money(5_000, "usd"));
    assert_eq!(cell(&html, "series", &second, "new_customers"), "1");
    assert_eq!(cell(&html, "series", &day(4).to_string(), "net"), money(-REFUND.2, "usd"));

    // Ada: 80 gross, 10 refunded, two payments; Grace: one of 25.
    assert_eq!(cell(&html, "customers", "1", "net"), money(7_000, "usd"));
    assert_eq!(cell(&html, "customers", "1", "refunded"), money(1_000, "usd"));
    assert_eq!(cell(&html, "customers", "1", "average"), money(4_000, "usd"));
    assert!(html.contains("1. Ada Lovelace <span class=\"muted\">ada@example.com</span>"), "{html}");
    assert!(html.contains("2. grace@example.com <span class=\"muted\">cus_grace</span>"), "{html}");
    assert_eq!(cell(&html, "customers", "2", "net"), money(2_500, "usd"));
    assert!(html.contains(&format!("Average order value: <b>{}</b>", money(gross / payments, "usd"))));
    assert!(!html.contains("Old Timer"), "no sale this range");

    // "sleek": ch_1 and ch_3, less the refund of ch_1.
    assert_eq!(cell(&html, "words", "sleek", "revenue"), money(5_000 + 2_500 - 1_000, "usd"));
    assert_eq!(cell(&html, "words", "sleek", "charges"), "2");
    assert_eq!(cell(&html, "words", "sleek", "per_charge"), money(3_250, "usd"));
    assert!(html.contains("<td>1. sleek</td>"), "the word that sells most first");
    assert!(!html.contains("data-row=\"sofa\""), "a word of another currency");

    let dates = format!("from={from}&#38;to={to}");
    for link in [
        format!("/api/v1/stripe/revenue?{dates}&#38;period=day&#38;format=csv"),
        format!("/api/v1/stripe/revenue?{dates}&#38;period=day&#38;format=json"),
        format!("/api/v1/stripe/top-customers?{dates}&#38;currency=usd&#38;limit=10&#38;format=csv"),
        format!("/api/v1/stripe/words?{dates}&#38;currency=usd&#38;limit=10&#38;format=json"),
    ] {
        assert!(html.contains(&format!("href=\"{link}\"")), "a download at {link}: {html}");
    }

    assert!(html.contains("<option value=\"eur\">EUR</option>"), "a currency picker: {html}");
    let charts = chart_sources(&html);
    let query = format!("from={from}&to={to}&period=day&currency=usd");
    let names = ["revenue", "payments", "customers", "words"];
    let expected: Vec<String> = names.iter().map(|n| format!("/charts/store/{n}.svg?{query}")).collect();
    assert_eq!(charts, expected);
    for svg in &charts {
        let response = get(&app, &cookie, svg).await;
        assert_eq!(response.status(), 200, "{svg}");
        assert_eq!(response.headers()[CONTENT_TYPE], "image/svg+xml");
        let text = response.text().await.unwrap();
        assert!(text.starts_with("<svg") && !text.contains("No data"), "{svg}: {text}");
        let png = get(&app, &cookie, &svg.replace(".svg?", ".png?")).await;
        assert_eq!(png.headers()[CONTENT_TYPE], "image/png");
        assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"), "{svg} as PNG");
    }
    // Fourteen days are drawn as lines (gross and net both visible); every chart says what it shows.
    assert!(
        html.contains("alt=\"Line chart: Gross and net volume by day, USD. Gross volume and Net volume over 14 points"),
        "{html}"
    );
    assert!(html.contains("alt=\"Ranking: Top customers by net revenue, USD. Ada Lovelace $70.00, "), "{html}");
    let customers = get(&app, &cookie, &charts[2]).await.text().await.unwrap();
    assert!(customers.contains("Top customers by net revenue, USD") && customers.contains("\n$70.00\n"));
    assert!(customers.contains("\nAda Lovelace\n") && customers.contains("Amount (USD)"), "{customers}");

    let euros = get(&app, &cookie, &format!("/store?from={from}&to={to}&currency=EUR")).await.text().await.unwrap();
    assert!(euros.contains("<h2>Figures in EUR</h2>"), "{euros}");
    assert_eq!(cell(&euros, "figures", "gross_volume", "value"), money(7_000, "eur"));
    assert!(euros.contains("1. Euro Buyer"));
    assert!(euros.contains("<option value=\"eur\" selected>EUR</option>"));

    let quiet = get(&app, &cookie, "/store?from=2020-01-01&to=2020-01-31").await.text().await.unwrap();
    assert!(quiet.contains("No payments from 2020-01-01 to 2020-01-31 or in the range before."), "{quiet}");
    assert!(!quiet.contains("No Stripe data yet") && !quiet.contains("id=\"figures\""), "{quiet}");

    let weekly = get(&app, &cookie, &format!("/store?from={from}&to={to}&period=week")).await.text().await.unwrap();
    assert!(weekly.contains("<h2>By week</h2>") && weekly.contains("<option value=\"week\" selected>"), "{weekly}");
    let weeks = weekly.matches("<tr data-row=\"20").count();
    assert!((2..=3).contains(&weeks), "fourteen days are two or three weeks: {weeks}");
}

#[tokio::test]
async fn bad_requests_are_said_on_the_page_and_refused_by_the_charts() {
    let mut app = TestApp::spawn().await;
    seed(&mut app).await;
    let cookie = dashboard_session(&app, "lead", PASSWORD).await;
    for (query, said) in [
        ("from=2026-02-30", "“2026-02-30” is not a date: write YYYY-MM-DD"),
        ("from=2026-11-05&to=2026-11-01", "The range starts (2026-11-05) after it ends (2026-11-01)."),
        ("period=hourly", "“hourly” is not a period: use day, week or month."),
        ("currency=dollars", "“dollars” is not a currency: write its three-letter code, e.g. usd."),
        ("currency=gbp", "No payments in GBP from"),
    ] {
        let response = get(&app, &cookie, &format!("/store?{query}")).await;
        assert_eq!(response.status(), 200, "{query} is said on the page, not a failure");
        let html = response.text().await.unwrap();
        assert!(html.contains(said), "{query}: {html}");
        assert!(html.contains("id=\"store-error\""), "{query}");
        assert!(html.contains("<h2>Figures in USD</h2>"), "{query}: the default shown instead");
    }

    for query in ["from=someday", "period=hour", "currency=12", "to=2026-01-01&from=2026-02-01"] {
        let response = get(&app, &cookie, &format!("/charts/store/revenue.png?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{query}: {body}");
    }
    assert_eq!(get(&app, &cookie, "/charts/store/nope.png").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &cookie, "/charts/store/revenue.gif").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_empty_mirror_says_how_to_fill_it_and_strangers_are_sent_to_log_in() {
    let app = TestApp::spawn().await;
    operator(&app).await;
    let stranger = app.client.get(app.url("/store")).send().await.unwrap();
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    assert_eq!(stranger.headers()[LOCATION], "/login?next=%2Fstore");
    let chart = app.client.get(app.url("/charts/store/revenue.svg")).send().await.unwrap();
    assert_eq!(chart.status(), StatusCode::UNAUTHORIZED, "charts answer like the other chart routes");

    let cookie = dashboard_session(&app, "lead", PASSWORD).await;
    let html = get(&app, &cookie, "/store").await.text().await.unwrap();
    assert!(html.contains("No Stripe data yet: set STATBOT_STRIPE_SECRET_KEY, then sync the mirror."), "{html}");
    assert!(html.contains("In a terminal: <code>statbot stripe sync</code>"), "{html}");
    assert!(!html.contains("id=\"provenance\""), "the mirror's state is said once: {html}");
    assert!(!html.contains("id=\"figures\"") && !html.contains("/charts/store/"), "nothing to show: {html}");
    let from = today().checked_sub(jiff::Span::new().days(29)).unwrap();
    assert!(html.contains(&format!("name=\"from\" value=\"{from}\"")), "thirty days by default: {html}");
    let empty = get(&app, &cookie, "/charts/store/customers.svg").await;
    assert_eq!(empty.status(), 200);
    assert!(empty.text().await.unwrap().contains("No data"));
}
