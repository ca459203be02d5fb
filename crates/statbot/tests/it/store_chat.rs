//! Store metrics in the chat, end to end on the database the tests run on: a customer asking
//! is politely refused; a contact linked to an operator account (`link CODE`) gets the top
//! customers, the words that sell and the revenue of "last week" or "March" as a short text
//! with the figures this test works out from its own seed, and a chart whose signed link loads
//! without a login; the "Store metrics" menu and its buttons work on the web chat, Messenger
//! and the terminal; with an empty mirror the answer is read from the Stripe API (localstripe)
//! and says so; and a Stripe API that hangs holds up no other conversation.

use crate::support::mirror;
use crate::support::stripe::{CARD_OK, KEY, LocalStripe};
use crate::support::*;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use statbot::staff;
use statbot::store::{Role, StripeCharge};
use statbot::stripe::standin::{Fault, StripeStandIn};
use statbot_core::money::format as money;
use statbot_core::{Platform, Reply};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(TimeZone::UTC).date()
}

fn plus(day: Date, days: i64) -> Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap()
}

/// Monday of last week.
fn last_monday() -> Date {
    let this_monday = plus(today(), -i64::from(today().weekday().to_monday_zero_offset()));
    plus(this_monday, -7)
}

/// March 1 of the latest March not in the future.
fn march_first() -> Date {
    let year = if today().month() >= 3 { today().year() } else { today().year() - 1 };
    jiff::civil::date(year, 3, 1)
}

/// The latest March, up to today.
fn march() -> (Date, Date) {
    let first = march_first();
    (first, jiff::civil::date(first.year(), 3, 31).min(today()))
}

#[derive(Clone, Copy)]
enum When {
    LastWeek(i64),
    WeekBefore(i64),
    March,
    Today,
}

impl When {
    fn day(self) -> Date {
        match self {
            When::LastWeek(i) => plus(last_monday(), i),
            When::WeekBefore(i) => plus(last_monday(), i - 7),
            When::March => march_first(),
            When::Today => today(),
        }
    }
}

/// (id, customer, cents, currency, succeeded, when, description)
type Sale = (&'static str, &'static str, i64, &'static str, bool, When, &'static str);

const SALES: [Sale; 9] = [
    ("ch_1", "cus_ada", 5_000, "usd", true, When::LastWeek(0), "Sleek Steel Chair"),
    ("ch_2", "cus_ada", 3_000, "usd", true, When::LastWeek(2), "Rustic Wooden Table"),
    ("ch_3", "cus_grace", 2_500, "usd", true, When::LastWeek(3), "Sleek Lamp"),
    ("ch_4", "cus_grace", 1_200, "usd", false, When::LastWeek(3), "Sleek Lamp"),
    ("ch_5", "cus_old", 4_000, "usd", true, When::WeekBefore(1), "Rustic Chair"),
    ("ch_6", "cus_bob", 9_000, "usd", true, When::March, "Golden Chair"),
    ("ch_7", "cus_bob", 1_500, "usd", true, When::March, "Golden Lamp"),
    ("ch_8", "cus_euro", 7_000, "eur", true, When::LastWeek(4), "Velvet Sofa"),
    ("ch_9", "cus_zed", 800, "usd", true, When::Today, "Tiny Lamp"),
];
/// ch_1 refunded in part, the day it was paid (so every figure counts it on the same day).
const REFUND: (&str, &str, i64) = ("re_1", "ch_1", 1_000);
/// (id, name, email, created)
const CUSTOMERS: [(&str, &str, &str, When); 6] = [
    ("cus_ada", "Ada Lovelace", "ada@example.com", When::LastWeek(0)),
    ("cus_grace", "", "grace@example.com", When::LastWeek(1)),
    ("cus_old", "Old Timer", "old@example.com", When::WeekBefore(0)),
    ("cus_bob", "Bob Builder", "bob@example.com", When::March),
    ("cus_euro", "Euro Buyer", "euro@example.com", When::LastWeek(4)),
    ("cus_zed", "Zed", "zed@example.com", When::Today),
];

fn noon(day: Date) -> i64 {
    day.to_zoned(TimeZone::UTC).unwrap().timestamp().as_second() + 12 * 3600
}

fn refunded(sale: &Sale) -> i64 {
    if sale.0 == REFUND.1 { REFUND.2 } else { 0 }
}

/// The USD figures of the seed over `from..=to`, worked out here: gross, refunds (amount and
/// count), net, successful and failed payments.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    gross: i64,
    refunded: i64,
    refunds: i64,
    net: i64,
    payments: i64,
    failed: i64,
}

fn expected(from: Date, to: Date) -> Expected {
    let mut out = Expected::default();
    for sale in SALES.iter().filter(|s| s.3 == "usd" && (from..=to).contains(&s.5.day())) {
        if sale.4 {
            out.gross += sale.2;
            out.payments += 1;
            out.refunded += refunded(sale);
            out.refunds += i64::from(refunded(sale) > 0);
        } else {
            out.failed += 1;
        }
    }
    out.net = out.gross - out.refunded;
    out
}

/// The USD net revenue and payments per customer label over the last 30 days, largest first.
fn expected_top_customers() -> Vec<(String, i64, i64)> {
    let (from, to) = (plus(today(), -29), today());
    let mut spend: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for sale in SALES.iter().filter(|s| s.3 == "usd" && s.4 && (from..=to).contains(&s.5.day())) {
        let entry = spend.entry(sale.1).or_default();
        entry.0 += sale.2 - refunded(sale);
        entry.1 += 1;
    }
    let label = |id: &str| {
        let (_, name, email, _) = CUSTOMERS.iter().find(|c| c.0 == id).unwrap();
        if name.is_empty() { (*email).to_owned() } else { (*name).to_owned() }
    };
    let mut rows: Vec<(String, i64, i64)> = spend.into_iter().map(|(id, (net, n))| (label(id), net, n)).collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    rows
}

/// Writes the mirror as a sync would, with the server stopped (see [`mirror`]).
async fn seed(app: &mut TestApp) {
    app.stop().await;
    let store = app.store().await;
    let customers =
        CUSTOMERS.iter().map(|(id, name, email, when)| mirror::customer(id, name, email, noon(when.day()))).collect();
    let charges = SALES
        .iter()
        .map(|sale @ (id, customer, amount, currency, succeeded, when, description)| StripeCharge {
            amount_refunded: refunded(sale),
            ..mirror::charge(id, customer, *amount, currency, *succeeded, noon(when.day()), description)
        })
        .collect();
    let refund = mirror::refund(REFUND.0, REFUND.1, REFUND.2, "usd", noon(SALES[0].5.day()) + 60);
    mirror::write(&store, customers, charges, vec![refund]).await;
    store.close().await;
    app.restart().await;
}

/// A one-time link code for a new operator account.
pub(crate) async fn link_code(app: &TestApp, name: &str) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, name, Role::Staff, "correct horse battery").await.unwrap();
    let user = store.user_by_name(name).await.unwrap().unwrap();
    let issued = staff::issue_code(&store, user.id, staff::DEFAULT_TTL).await.unwrap();
    store.close().await;
    issued.code.to_string()
}

/// Sends a text (or taps a button's payload) from the web chat and returns the replies.
pub(crate) async fn web(app: &TestApp, who: &Visitor, field: &str, value: &str) -> Vec<Reply> {
    let nonce = hex::encode(rand::random::<[u8; 8]>());
    let response = app
        .client
        .post(app.url("/chat"))
        .header("cookie", &who.cookie)
        .form(&[(field, value), ("nonce", nonce.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    latest_replies(app, Platform::Web, &who.id).await
}

pub(crate) fn text(replies: &[Reply]) -> String {
    replies.iter().filter_map(Reply::text).collect::<Vec<_>>().join("\n")
}

fn image(replies: &[Reply]) -> Option<String> {
    replies.iter().find_map(|r| match r {
        Reply::Image { url } => Some(url.clone()),
        _ => None,
    })
}

fn choices(replies: &[Reply]) -> Vec<String> {
    replies.iter().flat_map(|r| r.choices().iter().map(|b| b.payload.clone())).collect()
}

/// Fetches a chart link without a login; asserts it is a PNG.
async fn assert_png(app: &TestApp, url: &str) {
    assert!(url.starts_with(&app.url("/charts/answers/store/")) && url.ends_with(".png"), "{url}");
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(response.bytes().await.unwrap().starts_with(b"\x89PNG"));
}

/// What a customer asking for store figures is told.
const NOT_UNDERSTOOD: &str = "Sorry, I didn't understand";

const MENU: [&str; 4] =
    ["store:revenue:this_week", "store:revenue:last_month", "store:customers:last_30_days", "store:words:last_30_days"];

#[tokio::test]
async fn customers_are_refused_and_linked_staff_get_the_top_customers_with_a_chart() {
    let mut app = TestApp::spawn().await;
    seed(&mut app).await;
    let who = chat_visitor(&app).await;
    // Customers are told nothing of store figures (more in `understood`).
    for asked in ["top customers", "store metrics"] {
        assert!(text(&web(&app, &who, "text", asked).await).starts_with(NOT_UNDERSTOOD), "{asked}");
    }
    assert!(text(&web(&app, &who, "payload", "store:customers:last_30_days").await).starts_with(NOT_UNDERSTOOD));

    let code = link_code(&app, "lead").await;
    assert!(text(&web(&app, &who, "text", &format!("link {code}")).await).starts_with("You're linked"));
    let replies = web(&app, &who, "text", "who are my best customers").await;
    let answer = text(&replies);
    let top = expected_top_customers();
    assert!(top.len() >= 4, "the seed as this test reads it: {top:?}");
    let mut lines = vec![format!(
        "Top customers, the last 30 days ({}), by net revenue in USD:",
        answer.split_once('(').unwrap().1.split_once(')').unwrap().0
    )];
    for (i, (label, net, payments)) in top.iter().take(5).enumerate() {
        let plural = if *payments == 1 { "payment" } else { "payments" };
        lines.push(format!("{}. {label}: {} ({payments} {plural})", i + 1, money(*net, "usd")));
    }
    assert!(answer.starts_with(&lines.join("\n")), "{answer}\n---\n{}", lines.join("\n"));
    assert!(!answer.contains("Stripe API"), "a fresh mirror is not worth a note: {answer}");
    assert_eq!(choices(&replies), MENU, "the menu's buttons go with the answer");
    assert_png(&app, &image(&replies).expect("a chart follows")).await;

    // Sales in another currency are named, and ranked when asked for.
    assert!(answer.ends_with("\nAlso sales in EUR: ask “top customers in EUR”."), "{answer}");
    let answer = text(&web(&app, &who, "text", "top customers in EUR").await);
    assert!(answer.contains("by net revenue in EUR:\n1. Euro Buyer: €"), "{answer}");
    assert!(answer.ends_with("\nAlso sales in USD: ask “top customers in USD”."), "{answer}");

    // "top 2": two lines.
    let answer = text(&web(&app, &who, "text", "top 2 customers").await);
    assert!(answer.contains("\n2. ") && !answer.contains("\n3. "), "{answer}");

    // The words that sell, in the main currency.
    let replies = web(&app, &who, "text", "best selling words").await;
    let answer = text(&replies);
    assert!(answer.starts_with("Best selling words, the last 30 days ("), "{answer}");
    assert!(answer.contains("in USD:\n1. chair: "), "chair sells most: {answer}");
    assert_png(&app, &image(&replies).unwrap()).await;

    // What was asked is recorded with the intent chosen; the customer's questions as not
    // understood, as they were answered.
    let store = app.store().await;
    let (understood, missed) = store.intent_counts(0).await.unwrap();
    assert!(understood >= 4 && missed >= 2, "{understood} understood, {missed} missed");
    store.close().await;

    // A tampered link is refused.
    let url = image(&replies).unwrap();
    let forged = url.replace(".png", "x.png");
    assert_eq!(app.client.get(&forged).send().await.unwrap().status(), 404);
    let dataset_route = url.replace("/charts/answers/store/", "/charts/answers/");
    assert_eq!(app.client.get(&dataset_route).send().await.unwrap().status(), 404, "a store token is no other chart's");
}

#[tokio::test]
async fn revenue_last_week_and_in_march_on_messenger_with_the_figures_worked_out_here() {
    let mut app = TestApp::spawn().await;
    seed(&mut app).await;
    let ask = async |mid: &str, text: &str, expect: usize| {
        let before = app.sent_to("7300").len();
        assert_eq!(app.post_signed(&text_event("7300", mid, text)).await.status(), 200);
        app.wait_for_sent_to("7300", before + expect).await[before..].to_vec()
    };
    assert!(text_of(&ask("m0", "revenue last week", 1).await[0]).starts_with(NOT_UNDERSTOOD));
    let code = link_code(&app, "lead").await;
    assert!(text_of(&ask("m1", &format!("link {code}"), 1).await[0]).starts_with("You're linked"));

    let replies = ask("m2", "revenue last week", 2).await;
    let answer = text_of(&replies[0]);
    let week = expected(last_monday(), plus(last_monday(), 6));
    let before = expected(plus(last_monday(), -7), plus(last_monday(), -1));
    if march_first() < plus(last_monday(), -7) {
        // The seed as this test reads it (early in March, March's sales fall in these weeks too).
        assert_eq!((week.gross, week.net, week.payments, before.net), (10_500, 9_500, 3, 4_000));
    }
    let change = (week.net - before.net) as f64 / before.net as f64 * 100.0;
    let plural = |n: i64| if n == 1 { "payment" } else { "payments" };
    assert!(answer.starts_with("Last week ("), "{answer}");
    for part in [
        format!("net volume {} ({change:+.1} % vs the week before)", money(week.net, "usd")),
        format!("gross {} from {} {}", money(week.gross, "usd"), week.payments, plural(week.payments)),
        format!("refunds {} ({})", money(week.refunded, "usd"), week.refunds),
        format!("{} failed", week.failed),
        format!("AOV {}", money(week.gross / week.payments, "usd")),
        "Also €70.00 net in EUR.".to_owned(),
    ] {
        assert!(answer.contains(&part), "{part:?} in {answer}");
    }
    let chart = replies[1]["message"]["attachment"]["payload"]["url"].as_str().expect("a chart image");
    assert_png(&app, chart).await;

    let replies = ask("m3", "how did we do in March", 2).await;
    let answer = text_of(&replies[0]);
    let (from, to) = march();
    let march = expected(from, to);
    assert!(march.gross >= 10_500, "{march:?}");
    for part in [
        format!("net volume {}", money(march.net, "usd")),
        format!("gross {} from {} {}", money(march.gross, "usd"), march.payments, plural(march.payments)),
    ] {
        assert!(answer.contains(&part), "{part:?} in {answer}");
    }
}

/// Quick-reply payloads of a Send API body.
fn quick_replies(body: &serde_json::Value) -> Vec<String> {
    body["message"]["quick_replies"]
        .as_array()
        .map(|q| q.iter().map(|q| q["payload"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_store_menu_and_its_buttons_on_the_web_chat_and_messenger() {
    let mut app = TestApp::spawn().await;
    seed(&mut app).await;

    // Web chat.
    let who = chat_visitor(&app).await;
    let code = link_code(&app, "lead").await;
    web(&app, &who, "text", &format!("link {code}")).await;
    let replies = web(&app, &who, "text", "store metrics").await;
    assert!(text(&replies).starts_with("Store metrics: what would you like to see?"), "{}", text(&replies));
    assert_eq!(choices(&replies), MENU);
    let page = app.client.get(app.url("/chat")).header("cookie", &who.cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Revenue this week") && html.contains("Best selling words"), "the buttons on the page");
    let replies = web(&app, &who, "payload", "store:revenue:this_week").await;
    assert!(text(&replies).starts_with("This week ("), "{}", text(&replies));
    assert_png(&app, &image(&replies).unwrap()).await;
    let replies = web(&app, &who, "payload", "store:revenue:last_month").await;
    assert!(text(&replies).starts_with("Last month ("), "{}", text(&replies));

    // Messenger: a customer's tap is refused; staff get the menu and the answers.
    let tap = async |psid: &str, mid: &str, payload: &str, expect: usize| {
        let before = app.sent_to(psid).len();
        assert_eq!(app.post_signed(&postback_event(psid, mid, payload)).await.status(), 200);
        app.wait_for_sent_to(psid, before + expect).await[before..].to_vec()
    };
    assert!(text_of(&tap("7401", "p0", "store:words:last_30_days", 1).await[0]).starts_with(NOT_UNDERSTOOD));
    let code = link_code(&app, "other").await;
    assert_eq!(app.post_signed(&text_event("7400", "m1", &format!("link {code}"))).await.status(), 200);
    app.wait_for_sent_to("7400", 1).await;
    let before = app.sent_to("7400").len();
    assert_eq!(app.post_signed(&text_event("7400", "m2", "stripe stats")).await.status(), 200);
    let menu = app.wait_for_sent_to("7400", before + 1).await[before].clone();
    assert_eq!(quick_replies(&menu), MENU);
    let replies = tap("7400", "p1", "store:words:last_30_days", 2).await;
    assert!(text_of(&replies[0]).contains("in USD:\n1. chair: "), "{}", text_of(&replies[0]));
    assert_eq!(quick_replies(&replies[0]), MENU, "the menu goes on");
    let replies = tap("7400", "p2", "store:menu", 1).await;
    assert_eq!(quick_replies(&replies[0]), MENU);
}

#[tokio::test]
async fn an_empty_mirror_is_read_from_the_stripe_api_and_the_answer_says_so() {
    let stripe = LocalStripe::start().await;
    let buyer = stripe.customer("live@example.com", "Live Buyer").await;
    let card = stripe.payment_method(CARD_OK).await;
    stripe.charge(4_200, "usd", &card, Some(&buyer), "Live Widget", &[]).await;
    stripe.charge(1_000, "usd", &card, Some(&buyer), "Live Gadget", &[]).await;
    let mut app = TestApp::spawn_with(Options {
        tweak: |config| {
            config.stripe.secret_key = statbot::config::Secret::new(KEY);
            // No scheduled sync: the mirror stays empty.
            config.stripe.sync_interval_secs = 0;
        },
        ..Options::default()
    })
    .await;
    app.config.stripe.api_base = stripe.base.clone();
    app.restart().await;
    let who = chat_visitor(&app).await;
    let code = link_code(&app, "lead").await;
    web(&app, &who, "text", &format!("link {code}")).await;
    let replies = web(&app, &who, "text", "top customers").await;
    let answer = text(&replies);
    assert!(answer.contains("\n1. Live Buyer: $52.00 (2 payments)"), "{answer}");
    assert!(answer.ends_with("\nFrom the Stripe API just now: the mirror is empty (no sync yet)."), "{answer}");
    assert_png(&app, &image(&replies).unwrap()).await;
    let answer = text(&web(&app, &who, "text", "sales today").await);
    assert!(answer.starts_with("Today ("), "{answer}");
    assert!(answer.contains("net volume $52.00") && answer.contains("from 2 payments"), "{answer}");
    assert!(answer.contains("From the Stripe API just now"), "{answer}");
}

#[tokio::test]
async fn a_hung_stripe_api_holds_up_no_other_conversation_and_the_answer_says_so() {
    let stripe = StripeStandIn::start().await.unwrap();
    stripe.fail_next(&[Fault::Hang(Duration::from_secs(10))]);
    let mut app = TestApp::spawn_with(Options {
        tweak: |config| {
            config.stripe.secret_key = statbot::config::Secret::new(KEY);
            config.stripe.sync_interval_secs = 0;
            config.stripe.live_timeout_secs = 2;
        },
        ..Options::default()
    })
    .await;
    app.config.stripe.api_base = stripe.base_url();
    app.restart().await;
    let (staff_member, customer) = (chat_visitor(&app).await, chat_visitor(&app).await);
    let code = link_code(&app, "lead").await;
    web(&app, &staff_member, "text", &format!("link {code}")).await;

    let started = Instant::now();
    let asking = async {
        let answer = text(&web(&app, &staff_member, "text", "top customers").await);
        (answer, started.elapsed())
    };
    let meanwhile = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let asked = Instant::now();
        let answer = text(&web(&app, &customer, "text", "hello").await);
        (answer, asked.elapsed())
    };
    let ((answer, waited), (greeting, took)) = tokio::join!(asking, meanwhile);
    assert!(greeting.contains("coupon"), "{greeting}");
    assert!(took < Duration::from_millis(1500), "another conversation waited {took:?} on the Stripe call");
    assert!(waited >= Duration::from_secs(2), "the answer waited for Stripe's timeout: {waited:?}");
    assert!(answer.starts_with("The last 30 days ("), "{answer}");
    assert!(
        answer.ends_with("Note: the mirror is empty (no sync yet), and Stripe did not answer within 2 s."),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_terminal_chat_numbers_the_store_menu() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    let store = statbot::store::Store::open(&url).await.unwrap();
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let user = store.user_by_name("lead").await.unwrap().unwrap();
    let code = staff::issue_code(&store, user.id, staff::DEFAULT_TTL).await.unwrap().code;
    store.close().await;
    let input = format!("link {code}\nstore metrics\n3\n/quit\n");
    let out = tokio::task::spawn_blocking(move || {
        statbot(&["chat", "--demo", "--as", "lead-terminal"]).database(&url).env("NO_COLOR", "1").stdin(&input).run()
    })
    .await
    .unwrap();
    let printed = &out.stdout;
    assert!(out.status.success(), "{printed}\n{}", out.stderr);
    for line in [
        "bot> Store metrics: what would you like to see?",
        "     1) Revenue this week",
        "     2) Revenue last month",
        "     3) Top customers",
        "     4) Best selling words",
        "bot> The last 30 days (",
        "Note: the mirror is empty (no sync yet); no Stripe key to ask the API.",
    ] {
        assert!(printed.contains(line), "{line:?} in {printed}");
    }
}
