//! A promotion that pays, end to end (issue 20's "done when"): six Messenger contacts, four by a
//! QR link (`flyer`), go through a split offer; two reveal a code at once, one after the
//! follow-up reminder, and two of the three still without a code after a broadcast. Two codes
//! pay at `/shop` (localstripe), two are found in charges made directly in localstripe and
//! synced (the shop's own charges, synced too, still count once). The funnel by link, by variant
//! and by broadcast then shows exactly the reveals, redemptions and net revenue that were caused.

use crate::support::shop::{PASSWORD, product_id, sign_up, test_card};
use crate::support::stripe::{CARD_OK, KEY, LocalStripe};
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use statbot::config::Secret;
use statbot::store::{NewBroadcast, Role, now_ms};
use statbot::stripe::{ClientSettings, StripeClient, SyncOptions};
use statbot_core::Segment;
use std::collections::BTreeMap;
use std::time::Duration;

const SPRING: &str = r#"
name = "spring"
entry = "welcome"
[coupons.spring]
codes = ["SPR-01", "SPR-02", "SPR-03", "SPR-04", "SPR-05", "SPR-06", "SPR-07", "SPR-08"]
discount = { percent = 20 }
[steps.welcome]
text = "Hi {first_name}! A spring present?"
buttons = [{ id = "yes", title = "Yes please", next = "pick" }]
[steps.pick]
kind = "split"
variants = [
  { id = "discount", weight = 50, next = "offer" },
  { id = "gift", weight = 50, next = "offer_gift" },
]
[steps.offer]
text = "20 % off your next order. Want it?"
buttons = [{ id = "reveal", title = "Show me", next = "code" }]
follow_up = { after = "2s", step = "reminder", unless = "revealed" }
[steps.offer_gift]
text = "A gift and 20 % off your next order. Want it?"
buttons = [{ id = "reveal_gift", title = "Show me", next = "code" }]
follow_up = { after = "2s", step = "reminder", unless = "revealed" }
[steps.reminder]
text = "Still want your spring present?"
buttons = [{ id = "reveal_late", title = "Show me", next = "code" }]
[steps.news]
text = "The spring sale ends Sunday!"
buttons = [{ id = "reveal_news", title = "Show me", next = "code" }]
[steps.code]
reveal = "spring"
text = "Your code is {coupon_code}. Enjoy!"
"#;

/// One contact's part in the story.
struct Contact {
    psid: String,
    by_flyer: bool,
    variant: &'static str,
    code: Option<String>,
}

fn variant_of(reply: &Value) -> &'static str {
    match text_of(reply) {
        t if t.starts_with("20 % off") => "discount",
        t if t.starts_with("A gift") => "gift",
        t => panic!("not an offer: {t}"),
    }
}

fn code_of(reply: &Value) -> String {
    let text = text_of(reply);
    let rest = text.strip_prefix("Your code is ").unwrap_or_else(|| panic!("not a code: {text}"));
    rest.split_once('.').unwrap().0.to_owned()
}

/// Arrives (by the flyer's QR link: Get Started with its ref; or by writing), says yes to the
/// present, and is split; returns the contact with its variant.
async fn arrive(app: &TestApp, psid: &str, by_flyer: bool) -> Contact {
    if by_flyer {
        let get_started = json!({ "object": "page", "entry": [{ "id": "104857600000001", "time": now_ms(), "messaging": [{
            "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": now_ms(),
            "postback": { "mid": format!("m_{psid}_gs"), "title": "Get Started", "payload": "GET_STARTED",
                          "referral": { "ref": "flyer", "source": "SHORTLINK", "type": "OPEN_THREAD" } } }] }] });
        app.post_signed(&get_started.to_string()).await;
    } else {
        app.post_signed(&text_event(psid, &format!("m_{psid}_hi"), "hi")).await;
    }
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&postback_event(psid, &format!("m_{psid}_yes"), "spring:yes")).await;
    let variant = variant_of(&app.wait_for_sent_to(psid, 2).await[1]);
    Contact { psid: psid.to_owned(), by_flyer, variant, code: None }
}

/// Taps `button` of the flow as the contact's `n`-th reply stands; returns the revealed code.
async fn reveal(app: &TestApp, contact: &mut Contact, button: &str, n: usize) {
    app.post_signed(&postback_event(
        &contact.psid,
        &format!("m_{}_{button}", contact.psid),
        &format!("spring:{button}"),
    ))
    .await;
    contact.code = Some(code_of(&app.wait_for_sent_to(&contact.psid, n).await[n - 1]));
}

async fn order(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let response = app.client.post(app.url("/api/v1/orders")).bearer_auth(token).json(body).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn sync(app: &TestApp, stripe: &LocalStripe) {
    let client = StripeClient::new(&stripe.base, Secret::new(KEY), ClientSettings::default()).unwrap();
    statbot::stripe::sync(&app.store().await, &client, &SyncOptions::default(), &mut |_, _| {}).await.unwrap();
}

/// Net revenue per currency as the API writes it.
fn revenue(parts: &[(&str, i64)]) -> Value {
    let by_currency: BTreeMap<&str, i64> = parts.iter().fold(BTreeMap::new(), |mut sum, (currency, amount)| {
        *sum.entry(*currency).or_default() += amount;
        sum
    });
    Value::Array(
        by_currency.into_iter().map(|(currency, amount)| json!({ "currency": currency, "amount": amount })).collect(),
    )
}

#[tokio::test]
async fn a_qr_link_a_split_offer_a_follow_up_and_a_broadcast_bring_exact_redemptions_and_revenue() {
    let stripe = LocalStripe::start().await;
    let app = TestApp::spawn_with(Options {
        flows: vec![("spring.toml", SPRING.to_owned())],
        configure: Some(Box::new({
            let base = stripe.base.clone();
            move |config| {
                // The demo catalog for the shop; the spring flow answers.
                config.demo = true;
                config.default_flow = Some("spring".into());
                config.follow_ups.poll_ms = 100;
                crate::support::shop::pay_through(config, &base);
            }
        })),
        ..Options::default()
    })
    .await;
    let store = app.store().await;
    store.add_link("flyer", "spring", None).await.unwrap();

    // Four by the flyer, two by writing; each is split.
    let mut people = Vec::new();
    for (i, by_flyer) in [true, true, true, true, false, false].into_iter().enumerate() {
        people.push(arrive(&app, &format!("69500000000000{i:02}"), by_flyer).await);
    }
    let button = |c: &Contact| if c.variant == "discount" { "reveal" } else { "reveal_gift" };
    // The first flyer contact and the first writer reveal at once.
    for i in [0, 4] {
        let tap = button(&people[i]);
        reveal(&app, &mut people[i], tap, 3).await;
    }
    // The others get the reminder after 2 s; the second flyer contact reveals from it.
    for i in [1, 2, 3, 5] {
        assert_eq!(text_of(&app.wait_for_sent_to(&people[i].psid, 3).await[2]), "Still want your spring present?");
    }
    reveal(&app, &mut people[1], "reveal_late", 4).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in [0, 4] {
        assert_eq!(app.sent_to(&people[i].psid).len(), 3, "no reminder after a reveal");
    }

    // A broadcast to those still without a code: contacts 2, 3 and 5; 3 and 5 reveal from it.
    store
        .create_broadcast(&NewBroadcast {
            name: "sunday".into(),
            flow: "spring".into(),
            step: Some("news".into()),
            segment: Segment::parse("channel:messenger and not revealed:spring").unwrap(),
            start_at: 0,
            created_by: "test".into(),
        })
        .await
        .unwrap();
    for i in [2, 3, 5] {
        assert_eq!(text_of(&app.wait_for_sent_to(&people[i].psid, 4).await[3]), "The spring sale ends Sunday!");
    }
    for i in [3, 5] {
        reveal(&app, &mut people[i], "reveal_news", 5).await;
    }
    let code = |i: usize| people[i].code.clone().unwrap();

    // Paid at /shop: contact 0's code on two blue mugs (24.00 EUR less 20 %), contact 3's on one.
    sign_up(&app, "Ada", "ada@example.com").await;
    let token = app.token("ada@example.com", PASSWORD).await;
    let pm = test_card(&app, &token, "visa").await;
    let mug = product_id(&app, "mug-blue").await;
    for (i, quantity, amount) in [(0, 2, 1920), (3, 1, 960)] {
        let body =
            json!({ "items": [{ "product_id": mug, "quantity": quantity }], "payment_method": pm, "coupon": code(i) });
        let (status, paid) = order(&app, &token, &body).await;
        assert_eq!((status, paid["amount"].as_i64()), (StatusCode::CREATED, Some(amount)), "{paid:#}");
    }
    // Paid elsewhere, in charges made directly in Stripe: contact 1's code in the metadata
    // (30.00 USD), contact 5's in the description (15.00 EUR). Then a sync, which also sees the
    // shop's two charges.
    let card = stripe.payment_method(CARD_OK).await;
    let promo = code(1);
    assert!(stripe.charge(3000, "usd", &card, None, "Market stall", &[("promo", &promo)]).await.1);
    assert!(stripe.charge(1500, "eur", &card, None, &format!("Phone order, code {}", code(5)), &[]).await.1);
    sync(&app, &stripe).await;
    sync(&app, &stripe).await;

    // What each contact brought: (revealed, currency and net revenue if redeemed).
    let paid: [Option<(&str, i64)>; 6] =
        [Some(("eur", 1920)), Some(("usd", 3000)), None, Some(("eur", 960)), None, Some(("eur", 1500))];
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let lead = app.token("lead", "correct horse battery").await;
    let expect = |who: &dyn Fn(usize, &Contact) -> bool| {
        let chosen: Vec<usize> = (0..6).filter(|&i| who(i, &people[i])).collect();
        let revealed = chosen.iter().filter(|&&i| people[i].code.is_some()).count();
        let money: Vec<(&str, i64)> = chosen.iter().filter_map(|&i| paid[i]).collect();
        (chosen.len(), revealed, money.len(), revenue(&money))
    };

    // The whole flow.
    let report = app.get_json("/api/v1/funnels/spring", &lead).await;
    let (_, revealed, redeemed, money) = expect(&|_, _| true);
    assert_eq!(
        (report["cohort"].as_u64(), report["redeemed"].as_u64()),
        (Some(6), Some(redeemed as u64)),
        "{report:#}"
    );
    assert_eq!(report["revenue"], money, "{report:#}");
    assert_eq!(revealed_in(&report), revealed as u64, "{report:#}");

    // By link.
    let by_ref = app.get_json("/api/v1/funnels/spring?by=ref", &lead).await;
    for (reference, flyer) in [(json!("flyer"), true), (Value::Null, false)] {
        let part = by_ref["by_ref"].as_array().unwrap().iter().find(|p| p["ref"] == reference).unwrap();
        let (cohort, revealed, redeemed, money) = expect(&|_, c| c.by_flyer == flyer);
        assert_eq!(part["cohort"].as_u64(), Some(cohort as u64), "{part:#}");
        assert_eq!(revealed_in(part), revealed as u64, "{part:#}");
        assert_eq!(part["redeemed"].as_u64(), Some(redeemed as u64), "{part:#}");
        assert_eq!(part["revenue"], money, "{part:#}");
    }

    // By variant.
    let by_variant = app.get_json("/api/v1/funnels/spring?by=variant", &lead).await;
    let split = &by_variant["by_variant"][0];
    // Converted: reached the goal, the revealing step.
    assert_eq!(split["goal"], json!(["code"]), "{split:#}");
    for variant in ["discount", "gift"] {
        let (contacts, revealed, redeemed, money) = expect(&|_, c| c.variant == variant);
        let part = split["variants"].as_array().unwrap().iter().find(|v| v["variant"] == variant);
        let Some(part) = part else {
            assert_eq!(contacts, 0, "{split:#}");
            continue;
        };
        assert_eq!(part["contacts"].as_u64(), Some(contacts as u64), "{part:#}");
        assert_eq!(part["conversions"].as_u64(), Some(revealed as u64), "{part:#}");
        assert_eq!(part["redeemed"].as_u64(), Some(redeemed as u64), "{part:#}");
        assert_eq!(part["revenue"], money, "{part:#}");
    }

    // By broadcast: contacts 2, 3 and 5 got it; 3 and 5 revealed after it and paid.
    let sunday = app.get_json("/api/v1/broadcasts/sunday", &lead).await;
    let funnel = &sunday["funnel"];
    let (_, revealed, redeemed, money) = expect(&|i, _| [2, 3, 5].contains(&i));
    assert_eq!((funnel["recipients"].as_u64(), funnel["sent"].as_u64()), (Some(3), Some(3)), "{sunday:#}");
    assert_eq!(funnel["revealed"].as_u64(), Some(revealed as u64), "{sunday:#}");
    assert_eq!(funnel["redeemed"].as_u64(), Some(redeemed as u64), "{sunday:#}");
    assert_eq!(funnel["revenue"], money, "{sunday:#}");
    assert_eq!(money, json!([{ "currency": "eur", "amount": 2460 }]));
}

/// Contacts who revealed a code, as a funnel report (or a part of one) counts them at the
/// flow's one revealing step.
fn revealed_in(report: &Value) -> u64 {
    let steps = report["steps"].as_array().unwrap_or_else(|| panic!("no steps in {report:#}"));
    let code = steps.iter().find(|s| s["step"] == "code").unwrap_or_else(|| panic!("no step `code` in {report:#}"));
    code["reveal_contacts"].as_u64().unwrap()
}
