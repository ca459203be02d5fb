//! Promotions in the staff chat (issue 20), on the database the tests run on: three contacts
//! reveal the demo's spring coupon on Messenger (one by the `flyer` link), two codes are redeemed
//! by charges in two currencies (a charge seen again, or another charge for a used code, counts
//! once), and a linked staff member asks on the web chat "how did the spring coupon do?" (and
//! with a typo), "how is the coupon flow doing", "revenue from the flyer link", "what did the
//! flyer link bring this month", over a period or the default one, and about names nobody
//! knows. A customer asking the same gets the not-understood answer.
//!
//! Then broadcasts and split tests: Messenger contacts of a flow with a split step get the
//! `spring-sale` broadcast, three tap into the split (two get the `discount` variant, one the
//! `gift`) and reveal codes, two codes are redeemed, and staff ask "how did the spring-sale
//! broadcast do?", "which variant of the discount offer wins?", "how is the split test doing"…

use crate::redemptions::{reveal, reveal_by_flyer};
use crate::store_chat::{link_code, text, web};
use crate::support::*;
use statbot::store::{BroadcastFunnel, NewBroadcast, NewRedemption, Store};
use statbot_core::{Platform, Segment};
use std::time::Duration;

/// What a customer asking for business figures is told.
const NOT_UNDERSTOOD: &str = "Sorry, I didn't understand";

/// Records a redemption of `code` found in charge `charge` (as a Stripe sync would); whether
/// it counted.
async fn redeem(store: &Store, code: &str, charge: &str, amount: i64, refunded: i64, currency: &str) -> bool {
    let revealed = store.revealed_code(code).await.unwrap().unwrap_or_else(|| panic!("{code} was revealed"));
    store
        .record_charge_redemption(&NewRedemption {
            revealed,
            source: "stripe",
            order_id: None,
            charge_id: Some(charge.to_owned()),
            amount,
            discount: 0,
            currency: currency.to_owned(),
            net: amount - refunded,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_ask_how_a_coupon_a_flow_and_a_link_did_and_customers_are_not_told() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    store.add_link("flyer", "coupon", None).await.unwrap();
    store.add_link("poster-a", "coupon", None).await.unwrap();

    let direct = reveal(&app, "6910000000000001").await;
    let flyer = reveal_by_flyer(&app, "6910000000000002").await;
    let unused = reveal(&app, "6910000000000003").await;
    assert!(redeem(&store, &direct, "ch_direct", 41_250, 0, "usd").await);
    assert!(redeem(&store, &flyer, "ch_flyer", 3_500, 500, "eur").await);
    // Counted once: the same charge again (for another code), the same code in another charge.
    assert!(!redeem(&store, &unused, "ch_direct", 41_250, 0, "usd").await);
    assert!(!redeem(&store, &direct, "ch_again", 9_999, 0, "usd").await);
    store.close().await;

    // A customer is told nothing.
    let who = chat_visitor(&app).await;
    for asked in [
        "how did the spring coupon do?",
        "revenue from the flyer link",
        "how did the spring-sale broadcast do?",
        "which variant of the spring offer wins?",
        "how is the split test doing",
    ] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(answer.starts_with(NOT_UNDERSTOOD), "{asked}: {answer}");
        assert!(!answer.contains('$') && !answer.contains("redeemed"), "{answer}");
    }

    let code = link_code(&app, "lead").await;
    assert!(text(&web(&app, &who, "text", &format!("link {code}")).await).starts_with("You're linked"));

    let coupon_figures = "3 contacts entered the flow, 3 revealed a code, 2 redeemed one; revenue €30.00 and \
                          $412.50 net. Conversion: 66.7% of those who entered redeemed (66.7% of those who revealed).";
    let default_note = "No period was named, so this is the last 30 days (";
    for asked in ["how did the spring coupon do?", "How did the sprng coupon do", "spring coupon results"] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(
            answer.starts_with("The “spring” coupon (flow “Spring coupon”), the last 30 days ("),
            "{asked}: {answer}"
        );
        assert!(answer.contains(coupon_figures), "{asked}: {answer}");
        assert!(answer.contains(default_note), "{asked}: {answer}");
    }

    let answer = text(&web(&app, &who, "text", "how is the coupon flow doing").await);
    assert!(answer.starts_with("The “coupon” flow (Spring coupon), the last 30 days ("), "{answer}");
    assert!(answer.contains("3 contacts entered the flow, 3 revealed a coupon, 2 redeemed one"), "{answer}");

    for asked in ["revenue from the flyer link", "what did the flyer link bring this month"] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(answer.starts_with("The “flyer” link (to flow “Spring coupon”), "), "{asked}: {answer}");
        assert!(
            answer.contains(": 1 contact came by it, 1 revealed a coupon, 1 redeemed one; revenue €30.00 net."),
            "{asked}: {answer}"
        );
        assert_eq!(answer.contains(default_note), !asked.contains("this month"), "{asked}: {answer}");
    }
    let answer = text(&web(&app, &who, "text", "what did the flyer link bring this month").await);
    assert!(answer.contains(", this month ("), "{answer}");
    let answer = text(&web(&app, &who, "text", "how did the poster-a link do in the last 14 days").await);
    assert!(answer.contains(", the last 14 days (") && answer.ends_with("no contact came by it."), "{answer}");

    // Everyone entered today: last month's cohort is empty.
    let answer = text(&web(&app, &who, "text", "how did the spring coupon do last month").await);
    assert!(answer.contains(", last month (") && answer.ends_with("no contact entered the flow."), "{answer}");

    // Names nobody knows: the known ones are listed.
    let answer = text(&web(&app, &who, "text", "how did the autumn coupon do?").await);
    assert_eq!(answer, "I don't know a coupon called “autumn”. The coupons are “spring” (flow “Spring coupon”).");
    let answer = text(&web(&app, &who, "text", "revenue from the newsletter link").await);
    assert_eq!(answer, "I don't know a link called “newsletter”. The links are “flyer”, “poster-a”.");
}

/// A flow with a split step, and a step to broadcast that leads to it.
const PROMO: &str = r#"
name = "promo"
title = "Spring offers"
entry = "welcome"
[coupons.discount]
codes = ["TENOFF1", "TENOFF2", "TENOFF3", "TENOFF4"]
[coupons.tote]
codes = ["TOTE1", "TOTE2", "TOTE3", "TOTE4"]
[steps.welcome]
text = "Hi! A present for you?"
buttons = [{ id = "yes", title = "Yes please", next = "pick" }]
[steps.pick]
kind = "split"
variants = [
  { id = "discount", weight = 50, next = "code" },
  { id = "gift", weight = 50, next = "tote_code" },
]
[steps.code]
reveal = "discount"
text = "Your code: {coupon_code}"
[steps.tote_code]
reveal = "tote"
text = "Your tote code: {coupon_code}"
[steps.news]
text = "Spring sale this week!"
buttons = [{ id = "reveal", title = "Show me", next = "pick" }]
"#;

/// A flow without a split step.
const PLAIN: &str = r#"
name = "plain"
entry = "hello"
[steps.hello]
text = "Hello."
"#;

/// Waits until the broadcast's funnel satisfies `done`.
async fn funnel_when(store: &Store, name: &str, done: impl Fn(&str, &BroadcastFunnel) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    loop {
        let broadcast = store.broadcast(name).await.unwrap().unwrap();
        let funnel = store.broadcast_funnel(&broadcast).await.unwrap();
        if done(&broadcast.status, &funnel) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{} stays {funnel:?}", broadcast.status);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn staff_ask_how_a_broadcast_did_and_which_variant_wins() {
    let app = TestApp::spawn_with(Options {
        flows: vec![("promo.toml", PROMO.to_owned()), ("plain.toml", PLAIN.to_owned())],
        // The demo too, for its intents (the staff chat); contacts start in `promo`.
        tweak: |c| {
            c.demo = true;
            c.default_flow = Some("promo".into());
        },
        ..Options::default()
    })
    .await;
    let store = app.store().await;
    let variants = [("discount", "code"), ("gift", "tote_code")].map(|(id, next)| statbot_core::flow::Variant {
        id: id.into(),
        weight: 50,
        next: next.into(),
    });

    // Contacts write until two would get the discount and one the gift at the split.
    let (mut discount, mut gift, mut everyone) = (Vec::new(), Vec::new(), 0);
    while discount.len() < 2 || gift.is_empty() {
        assert!(everyone < 30, "the split sends nearly everyone one way");
        let psid = format!("69200000000{everyone:04}");
        everyone += 1;
        app.post_signed(&text_event(&psid, &format!("m_hi_{psid}"), "hi")).await;
        app.wait_for_sent_to(&psid, 1).await;
        let id = store.find_contact(Platform::Messenger, &psid).await.unwrap().unwrap().id;
        match statbot_core::split::pick("promo", "pick", &variants, id).map(|v| v.id.as_str()) {
            Some("discount") if discount.len() < 2 => discount.push(psid),
            Some("gift") if gift.is_empty() => gift.push(psid),
            _ => {}
        }
    }
    let new = NewBroadcast {
        name: "spring-sale".into(),
        flow: "promo".into(),
        step: Some("news".into()),
        segment: Segment::parse("channel:messenger").unwrap(),
        start_at: 0,
        created_by: "test".into(),
    };
    store.create_broadcast(&new).await.unwrap();
    funnel_when(&store, "spring-sale", |status, f| status == "done" && f.sent == everyone).await;

    // Three tap into the split from the broadcast and reveal a code; two codes are redeemed.
    let mut codes = Vec::new();
    for psid in discount.iter().chain(&gift) {
        app.post_signed(&postback_event(psid, &format!("m_tap_{psid}"), "promo:reveal")).await;
        let sent = app.wait_for_sent_to(psid, 3).await;
        let shown = text_of(&sent[2]);
        let code = shown.strip_prefix("Your code: ").or_else(|| shown.strip_prefix("Your tote code: "));
        codes.push(code.unwrap_or_else(|| panic!("not a code: {shown}")).to_owned());
    }
    assert!(codes[0].starts_with("TENOFF") && codes[2].starts_with("TOTE"), "{codes:?}");
    funnel_when(&store, "spring-sale", |_, f| f.revealed == 3).await;
    assert!(redeem(&store, &codes[0], "ch_discount", 41_250, 0, "usd").await);
    assert!(redeem(&store, &codes[2], "ch_gift", 3_500, 500, "eur").await);
    // Scheduled for tomorrow: nothing sent yet.
    let tomorrow = statbot::store::now_ms() + 86_400_000;
    store.create_broadcast(&NewBroadcast { name: "black-friday".into(), start_at: tomorrow, ..new }).await.unwrap();
    store.close().await;

    let who = chat_visitor(&app).await;
    let code = link_code(&app, "lead").await;
    assert!(text(&web(&app, &who, "text", &format!("link {code}")).await).starts_with("You're linked"));

    let broadcast_figures = format!(
        ": {everyone} recipients; {everyone} sent, 0 delivered, 0 read; 3 tapped a button, 3 revealed a coupon, \
         2 redeemed one; revenue €30.00 and $412.50 net. Conversion: {} of those sent it redeemed.",
        statbot::funnels::format::percent(Some(2.0 / everyone as f64))
    );
    for asked in [
        "how did the spring-sale broadcast do?",
        "revenue from the spring-sale broadcast",
        "results of the spring-sale broadcast",
        "how did the sprng-sale broadcast do",
    ] {
        let answer = text(&web(&app, &who, "text", asked).await);
        assert!(
            answer.starts_with("The “spring-sale” broadcast (flow “Spring offers”, step “news”) was sent "),
            "{asked}: {answer}"
        );
        assert!(answer.ends_with(&broadcast_figures), "{asked}: {answer}");
        assert!(!answer.contains("No period was named"), "{asked}: {answer}");
    }
    let answer = text(&web(&app, &who, "text", "how did the spring-sale broadcast do last week").await);
    assert!(
        answer.ends_with("A broadcast is sent once: its figures cover its whole send, whatever the days asked."),
        "{answer}"
    );
    let answer = text(&web(&app, &who, "text", "how did the black-friday broadcast do?").await);
    assert!(answer.starts_with("The “black-friday” broadcast (flow “Spring offers”, step “news”) is scheduled for "));
    assert!(answer.ends_with(&format!(": {everyone} recipients, nothing sent yet.")), "{answer}");
    let answer = text(&web(&app, &who, "text", "results of the cyber-monday broadcast").await);
    assert_eq!(
        answer,
        "I don't know a broadcast called “cyber-monday”. The broadcasts are “black-friday”, “spring-sale”."
    );

    let split_figures = "3 contacts passed it; converting is reaching “code” or “tote_code”. discount (control): \
                         2 contacts, 2 converted (100.0%), 1 redeemed one; revenue $412.50 net. gift (+0.0 points vs \
                         discount): 1 contact, 1 converted (100.0%), 1 redeemed one; revenue €30.00 net. Verdict: not \
                         enough data yet (100 contacts per variant needed; discount has 2, gift has 1).";
    for asked in [
        "which variant of the discount offer wins?",
        "how is the split test doing",
        "compare the variants of the promo flow",
        "which variant wins",
    ] {
        let answer = text(&web(&app, &who, "text", asked).await);
        let (split, note) = answer.split_once('\n').unwrap_or_else(|| panic!("{asked}: {answer}"));
        assert!(
            split.starts_with("The split “pick” of the “promo” flow (Spring offers), the last 30 days ("),
            "{asked}: {answer}"
        );
        assert!(split.ends_with(&format!("): {split_figures}")), "{asked}: {answer}");
        assert!(note.starts_with("No period was named, so this is the last 30 days ("), "{asked}: {answer}");
    }
    let answer = text(&web(&app, &who, "text", "compare the variants of the promo flow this month").await);
    assert!(answer.contains(", this month (") && answer.ends_with(split_figures), "{answer}");
    let answer = text(&web(&app, &who, "text", "which variant of the promo flow won last month").await);
    assert!(answer.contains(", last month (") && answer.ends_with("no contact passed it."), "{answer}");
    let answer = text(&web(&app, &who, "text", "which variant of the plain flow wins?").await);
    assert_eq!(answer, "The “plain” flow has no split step: there are no variants to compare.");
}
