//! Split tests through the real surfaces: contacts tapping into a split step over signed
//! Messenger deliveries each get a variant, the same one every time they pass it again, and the
//! funnel by variant counts them exactly, with the verdict, in `statbot funnel --by variant`,
//! the API (`by=variant`) and the flow page's "By variant" table; and the redemptions (contacts
//! who redeemed a code, revenue per currency) are in every report's table, JSON and CSV, plain,
//! by ref and by variant, on the CLI, in the API's downloads and on the flow page.

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

/// A redemption of `contact`'s code found in a Stripe charge (no Stripe needed: the store's own
/// recording).
async fn redeem(store: &statbot::store::Store, contact: i64, code: &str, amount: i64, currency: &str) {
    use statbot::store::{NewRedemption, RevealedCode};
    let revealed = RevealedCode {
        code: code.to_owned(),
        flow: "promo".into(),
        coupon: "discount".into(),
        contact_id: Some(contact),
        step: Some("code".into()),
        revealed_at: Some(statbot::store::now_ms()),
    };
    let new = NewRedemption {
        revealed,
        source: "stripe",
        order_id: None,
        charge_id: Some(format!("ch_{code}")),
        amount,
        discount: 0,
        currency: currency.to_owned(),
        net: amount,
    };
    assert!(store.record_charge_redemption(&new).await.unwrap(), "recorded once");
}

#[tokio::test]
async fn redemptions_are_in_every_funnel_table_json_and_csv_plain_by_ref_and_by_variant() {
    let app =
        TestApp::spawn_with(Options { flows: vec![("promo.toml", PROMO.to_owned())], ..Options::default() }).await;
    // Four contacts take their variant's offer; the first two redeem a code.
    let mut variants = Vec::new();
    for i in 0..4 {
        let psid = format!("69100000000{i:05}");
        app.post_signed(&text_event(&psid, &format!("m_hi_{i}"), "hi")).await;
        app.wait_for_sent_to(&psid, 1).await;
        app.post_signed(&postback_event(&psid, &format!("m_yes_{i}"), "promo:yes")).await;
        let variant = variant_of(&app.wait_for_sent_to(&psid, 2).await[1]);
        let take = if variant == "discount" { "promo:take" } else { "promo:take_tote" };
        app.post_signed(&postback_event(&psid, &format!("m_take_{i}"), take)).await;
        app.wait_for_sent_to(&psid, 3).await;
        variants.push((app.contact_id(statbot_core::Platform::Messenger, &psid).await, variant));
    }
    let store = app.store().await;
    redeem(&store, variants[0].0, "CODE-EUR", 1920, "eur").await;
    redeem(&store, variants[1].0, "CODE-USD", 2500, "usd").await;
    // What each variant redeemed: its count, and its revenue as the table writes it and as CSV.
    let of = |v: &str| {
        let eur = variants[0].1 == v;
        let usd = variants[1].1 == v;
        let text = match (eur, usd) {
            (true, true) => "€19.20 + $25.00",
            (true, false) => "€19.20",
            (false, true) => "$25.00",
            (false, false) => "–",
        };
        let csv = format!(
            "{},{},{}",
            u8::from(eur) + u8::from(usd),
            if eur { "19.2" } else { "0" },
            if usd { "25" } else { "0" }
        );
        (u64::from(eur) + u64::from(usd), text, csv)
    };

    let flows_dir = app.config.flows_dir.clone().unwrap();
    let run = |by: &[&str], format: &str| {
        let mut args = vec!["funnel", "promo", "--format", format];
        args.extend(by);
        statbot(&args).database(&app.config.database_url).env("STATBOT_FLOWS_DIR", &flows_dir).run_ok().stdout
    };
    const AFTER: &str = "After the reveals: 2 contacts redeemed a code, revenue €19.20 + $25.00";

    // Tables.
    let plain = run(&[], "table");
    assert!(plain.contains(AFTER), "{plain}");
    let by_ref = run(&["--by", "ref"], "table");
    assert_eq!(by_ref.matches(AFTER).count(), 2, "the funnel's and the (direct) part's: {by_ref}");
    let by_variant = run(&["--by", "variant"], "table");
    let header = by_variant.lines().find(|l| l.starts_with("variant")).unwrap();
    assert!(header.contains("redeemed") && header.contains("revenue"), "{by_variant}");
    for v in ["discount", "gift"] {
        let line = by_variant.lines().find(|l| l.starts_with(v)).unwrap();
        let (redeemed, text, _) = of(v);
        let cells: Vec<&str> = line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(cells[cells.len() - 2..], [redeemed.to_string().as_str(), text], "{by_variant}");
    }

    // JSON.
    let json: Value = serde_json::from_str(&run(&[], "json")).unwrap();
    assert_eq!(json["redeemed"], 2, "{json:#}");
    let json: Value = serde_json::from_str(&run(&["--by", "ref"], "json")).unwrap();
    assert_eq!(json["by_ref"][0]["redeemed"], 2, "{json:#}");
    let json: Value = serde_json::from_str(&run(&["--by", "variant"], "json")).unwrap();
    for (i, v) in ["discount", "gift"].into_iter().enumerate() {
        assert_eq!(json["by_variant"][0]["variants"][i]["redeemed"], of(v).0, "{json:#}");
    }

    // CSV, on the CLI and as the API's download.
    let plain = run(&[], "csv");
    let header = plain.lines().next().unwrap();
    assert!(header.ends_with(",median_ms,redeemed,revenue_eur,revenue_usd"), "{plain}");
    let last = plain.lines().last().unwrap();
    assert!(last.ends_with(",(redeemed),,,,,,,,,,,,,2,19.2,25"), "{plain}");
    let columns = header.split(',').count();
    assert!(plain.lines().all(|l| l.split(',').count() == columns), "every line has every column: {plain}");
    let by_ref = run(&["--by", "ref"], "csv");
    assert!(by_ref.lines().next().unwrap().starts_with("ref,date,step,"), "{by_ref}");
    assert!(by_ref.lines().any(|l| l.starts_with(',') && l.ends_with(",(redeemed),,,,,,,,,,,,,2,19.2,25")), "{by_ref}");
    let by_variant = run(&["--by", "variant"], "csv");
    let header = by_variant.lines().next().unwrap();
    assert!(header.starts_with("date,split,goal,variant,weight,next,contacts,converted,rate,"), "{by_variant}");
    assert!(header.ends_with(",p_value,redeemed,revenue_eur,revenue_usd"), "{by_variant}");
    for v in ["discount", "gift"] {
        let line = by_variant.lines().find(|l| l.contains(&format!(",pick,code tote_code,{v},"))).unwrap();
        assert!(line.ends_with(&of(v).2), "{v}: {by_variant}");
    }

    statbot::auth::create_user(&store, "lead", Role::Staff, "correct horse battery").await.unwrap();
    let token = app.token("lead", "correct horse battery").await;
    let download = |query: &'static str| {
        let request = app.client.get(app.url(&format!("/api/v1/funnels/promo?{query}"))).bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let name = response.headers()["content-disposition"].to_str().unwrap().to_owned();
            (name, response.text().await.unwrap())
        }
    };
    let (_, body) = download("format=csv").await;
    assert_eq!(body, plain, "the API's download is the CLI's CSV");
    let (_, body) = download("by=ref&format=csv").await;
    assert_eq!(body, by_ref);
    let (name, body) = download("by=variant&format=csv").await;
    assert_eq!(body, by_variant);
    assert!(name.contains("-by-variant.csv"), "{name}");

    // The flow page: the columns by variant and the CSV download.
    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = get(&app, &cookie, "/flows/promo").await.text().await.unwrap();
    assert!(page.contains("by=variant&amp;format=csv"), "{page}");
    for v in ["discount", "gift"] {
        let row = page.split(&format!("<tr data-row=\"{v}\">")).nth(1).unwrap().split("</tr>").next().unwrap();
        let (redeemed, text, _) = of(v);
        assert!(
            row.contains(&format!("<td data-col=\"redeemed\">{redeemed}</td><td data-col=\"revenue\">{text}</td>")),
            "{row}"
        );
    }
    store.close().await;
}
