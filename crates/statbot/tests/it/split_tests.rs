//! Split tests through the real surfaces: contacts tapping into a split step over signed
//! Messenger deliveries each get a variant, the same one every time they pass it again, and the
//! funnel by variant counts them exactly, with the verdict, in `statbot funnel --by variant`,
//! the API (`by=variant`) and the flow page's "By variant" table.

use crate::support::binary::statbot;
use crate::support::pages::{dashboard_session, get};
use crate::support::{Options, TestApp, postback_event, text_event, text_of};
use serde_json::Value;
use statbot::store::Role;
use std::collections::BTreeMap;

const PROMO: &str = r#"
name = "promo"
entry = "welcome"
[coupons.discount]
code = "TENOFF"
[coupons.tote]
code = "TOTEBAG"
[steps.welcome]
text = "Hi {first_name}! A present for you?"
buttons = [{ id = "yes", title = "Yes please", next = "pick" }]
[steps.pick]
kind = "split"
variants = [
  { id = "discount", weight = 50, next = "offer" },
  { id = "gift", weight = 50, next = "offer_tote" },
]
[steps.offer]
text = "10 % off your next order. Want it?"
buttons = [{ id = "take", title = "Take it", next = "code" }]
[steps.offer_tote]
text = "A free tote bag with your next order. Want it?"
buttons = [{ id = "take_tote", title = "Take it", next = "tote_code" }]
[steps.code]
reveal = "discount"
text = "Your code: {coupon_code}"
[steps.tote_code]
reveal = "tote"
text = "Your tote code: {coupon_code}"
"#;

/// The variant a reply shows.
fn variant_of(reply: &Value) -> &'static str {
    let text = text_of(reply);
    if text.starts_with("10 % off") {
        "discount"
    } else if text.starts_with("A free tote") {
        "gift"
    } else {
        panic!("not an offer: {text}")
    }
}

#[tokio::test]
async fn each_contact_keeps_its_variant_and_the_funnel_by_variant_counts_exactly_everywhere() {
    let app =
        TestApp::spawn_with(Options { flows: vec![("promo.toml", PROMO.to_owned())], ..Options::default() }).await;
    // contact -> variant; the even ones take the offer.
    let mut got: BTreeMap<String, &str> = BTreeMap::new();
    for i in 0..12 {
        let psid = format!("69000000000{i:05}");
        app.post_signed(&text_event(&psid, &format!("m_hi_{i}"), "hi")).await;
        app.wait_for_sent_to(&psid, 1).await;
        app.post_signed(&postback_event(&psid, &format!("m_yes_{i}"), "promo:yes")).await;
        let variant = variant_of(&app.wait_for_sent_to(&psid, 2).await[1]);
        // Tapping again passes the split again: the same variant.
        app.post_signed(&postback_event(&psid, &format!("m_again_{i}"), "promo:yes")).await;
        assert_eq!(variant_of(&app.wait_for_sent_to(&psid, 3).await[2]), variant, "{psid} keeps its variant");
        if i % 2 == 0 {
            let take = if variant == "discount" { "promo:take" } else { "promo:take_tote" };
            app.post_signed(&postback_event(&psid, &format!("m_take_{i}"), take)).await;
            let sent = app.wait_for_sent_to(&psid, 4).await;
            assert!(text_of(&sent[3]).starts_with("Your "), "{:#}", sent[3]);
        }
        got.insert(psid, variant);
    }
    let contacts = |v: &str| got.values().filter(|g| **g == v).count() as u64;
    let converted = |v: &str| got.iter().enumerate().filter(|(i, (_, g))| i % 2 == 0 && **g == v).count() as u64;
    assert!(contacts("discount") > 0 && contacts("gift") > 0, "both variants in use: {got:?}");

    // The API.
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("lead", "correct horse battery").await;
    let json = app.get_json("/api/v1/funnels/promo?by=variant", &token).await;
    check(&json, contacts("discount"), converted("discount"), contacts("gift"), converted("gift"));
    let json = app.get_json("/api/v1/funnels/promo?by=variant&goal=offer", &token).await;
    assert_eq!(json["by_variant"][0]["goal"], serde_json::json!(["offer"]));
    assert_eq!(json["by_variant"][0]["variants"][0]["conversions"], contacts("discount"));
    let bad = app.client.get(app.url("/api/v1/funnels/promo?by=variant&goal=nope")).bearer_auth(&token).send().await;
    assert_eq!(bad.unwrap().status(), 400);

    // The CLI, against the same database and flows.
    let flows_dir = app.config.flows_dir.clone().unwrap();
    let run = |format: &str| {
        statbot(&["funnel", "promo", "--by", "variant", "--format", format])
            .database(&app.config.database_url)
            .env("STATBOT_FLOWS_DIR", &flows_dir)
            .run_ok()
            .stdout
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    check(&json, contacts("discount"), converted("discount"), contacts("gift"), converted("gift"));
    let table = run("table");
    assert!(table.contains("Split `pick` by variant: 12 contacts"), "{table}");
    let line = table.lines().find(|l| l.starts_with("gift")).unwrap();
    assert!(line.contains(&format!(" {} ", contacts("gift"))), "{table}");
    assert!(table.contains("Verdict: not enough data yet (100 contacts per variant needed;"), "{table}");

    // The flow page.
    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = get(&app, &cookie, "/flows/promo").await.text().await.unwrap();
    assert!(page.contains("<h2>By variant</h2>"), "{page}");
    for v in ["discount", "gift"] {
        let row = page.split(&format!("<tr data-row=\"{v}\">")).nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(row.contains(&format!("<td data-col=\"contacts\">{}</td>", contacts(v))), "{row}");
        assert!(row.contains(&format!("<td data-col=\"converted\">{}</td>", converted(v))), "{row}");
    }
    assert!(page.contains("not enough data yet"), "{page}");
}

/// The report by variant counts each variant's contacts and conversions, adding up to the split
/// step's contacts in the funnel.
fn check(json: &Value, discount: u64, discount_converted: u64, gift: u64, gift_converted: u64) {
    let split = &json["by_variant"][0];
    assert_eq!(split["step"], "pick", "{json:#}");
    assert_eq!(split["goal"], serde_json::json!(["code", "tote_code"]));
    assert_eq!(split["contacts"], discount + gift);
    let pick = json["steps"].as_array().unwrap().iter().find(|s| s["step"] == "pick").unwrap();
    assert_eq!(pick["contacts"], discount + gift, "the variants add up to the split step");
    let variants = split["variants"].as_array().unwrap();
    assert_eq!(variants[0]["variant"], "discount");
    assert_eq!(
        (variants[0]["contacts"].as_u64(), variants[0]["conversions"].as_u64()),
        (Some(discount), Some(discount_converted))
    );
    assert_eq!(variants[1]["variant"], "gift");
    assert_eq!(
        (variants[1]["contacts"].as_u64(), variants[1]["conversions"].as_u64()),
        (Some(gift), Some(gift_converted))
    );
    assert!(variants[0]["versus_control"].is_null() && variants[1]["versus_control"]["low"].is_number(), "{split:#}");
    assert_eq!(split["verdict"], "not_enough_data");
    let offer = variants[0]["steps"].as_array().unwrap().iter().find(|s| s["step"] == "offer").unwrap();
    assert_eq!(offer["contacts"], discount, "the discount's contacts all reached its offer");
}
