//! The coupon promotion from the customer's side, end to end through the webhook and the Graph
//! API stand-in: the greeting by first name, the offer, the revealed code (unique per contact
//! from a pool, or one shared code), "No, thanks" with its image served by statbot, free text
//! starting over, profile look-ups, and what happens when a pool runs out.

use crate::support::*;
use statbot::store::{EventKind, Store};
use statbot_core::Platform;
use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

const GREETING_PAYLOADS: [&str; 2] = ["coupon:show", "coupon:no"];

/// The codes of the demo pool, as shipped.
fn demo_pool() -> HashSet<String> {
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/flows/coupon-codes.txt"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The code in "Your code is CODE. Enter it at checkout…" of the demo flow.
fn demo_code(body: &serde_json::Value) -> String {
    let text = text_of(body);
    let rest = text.strip_prefix("Your code is ").unwrap_or_else(|| panic!("not a revealed code: {body:#}"));
    rest.split_once(". ").map(|(code, _)| code.to_owned()).unwrap_or_else(|| panic!("no code in {text:?}"))
}

async fn contact_id(store: &Store, psid: &str) -> i64 {
    store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap_or_else(|| panic!("no contact {psid}")).id
}

/// A contact's events as (kind, step, button).
async fn events_of(store: &Store, psid: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let id = contact_id(store, psid).await;
    store.contact_events(id).await.unwrap().into_iter().map(|(kind, step, button, _)| (kind, step, button)).collect()
}

/// The `detail` of a contact's events of one kind, parsed.
async fn details_of(store: &Store, psid: &str, kind: EventKind) -> Vec<serde_json::Value> {
    let id = contact_id(store, psid).await;
    store
        .contact_events(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|(k, ..)| k == kind.as_str())
        .map(|(.., detail)| serde_json::from_str(&detail.expect("the event has a detail")).unwrap())
        .collect()
}

fn event(kind: &str, step: Option<&str>, button: Option<&str>) -> (String, Option<String>, Option<String>) {
    (kind.to_owned(), step.map(str::to_owned), button.map(str::to_owned))
}

/// A flow with one coupon behind a single button: `promo:reveal`.
fn promo_flow(coupon: &str) -> String {
    format!(
        r#"
name = "promo"
entry = "welcome"

[vars]
first_name = "friend"

[coupons.deal]
{coupon}
exhausted = "Sorry {{first_name}}, the codes are all gone."

[steps.welcome]
text = "Hi {{first_name}}! Want a code?"
buttons = [{{ id = "reveal", title = "Reveal", next = "revealed" }}]

[steps.revealed]
reveal = "deal"
text = "Your code: {{coupon_code}}"
"#
    )
}

/// The code in "Your code: CODE" of [`promo_flow`].
fn promo_code(body: &serde_json::Value) -> String {
    let text = text_of(body);
    text.strip_prefix("Your code: ").unwrap_or_else(|| panic!("not a revealed code: {body:#}")).to_owned()
}

#[tokio::test]
async fn eight_contacts_go_through_the_demo_journey_at_once_and_each_gets_their_own_code() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let pool = demo_pool();
    let left_before = store.coupon_codes_left("coupon", "spring").await.unwrap();
    assert_eq!(left_before, pool.len() as i64);

    let names = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"];
    let journeys = names.iter().enumerate().map(|(i, name)| {
        let app = &app;
        async move {
            let psid = format!("67000000000000{i:02}");
            app.graph.set_profile(&psid, name, "Tester");

            app.post_signed(&text_event(&psid, &format!("m_{psid}_1"), "hello")).await;
            let sent = app.wait_for_sent_to(&psid, 1).await;
            assert_eq!(text_of(&sent[0]), format!("Hi {name}! We have a coupon for you. Want to see it?"));
            assert_eq!(payloads_of(&sent[0]), GREETING_PAYLOADS);

            app.post_signed(&postback_event(&psid, &format!("m_{psid}_2"), "coupon:show")).await;
            let sent = app.wait_for_sent_to(&psid, 2).await;
            assert!(text_of(&sent[1]).starts_with("Here it is: 20% off your next order at our shop"), "{sent:#?}");
            assert_eq!(payloads_of(&sent[1]), ["coupon:reveal"]);

            app.post_signed(&postback_event(&psid, &format!("m_{psid}_3"), "coupon:reveal")).await;
            let sent = app.wait_for_sent_to(&psid, 3).await;
            assert_eq!(sent.len(), 3, "{sent:#?}");
            (psid, demo_code(&sent[2]))
        }
    });
    let revealed = futures::future::join_all(journeys).await;

    let codes: BTreeSet<&str> = revealed.iter().map(|(_, code)| code.as_str()).collect();
    assert_eq!(codes.len(), names.len(), "every contact gets a different code: {revealed:?}");
    for (psid, code) in &revealed {
        assert!(pool.contains(code), "{code} (for {psid}) is not a code of the pool");
        let details = details_of(&store, psid, EventKind::CouponRevealed).await;
        assert_eq!(details.len(), 1);
        assert_eq!(details[0]["code"], code.as_str());
        assert_eq!(details[0]["fresh"], true);
    }
    let (first, _) = &revealed[0];
    assert_eq!(
        events_of(&store, first).await,
        [
            event("step_entered", Some("welcome"), None),
            event("button_clicked", Some("welcome"), Some("show")),
            event("step_entered", Some("offer"), None),
            event("button_clicked", Some("offer"), Some("reveal")),
            event("step_entered", Some("revealed"), None),
            event("coupon_revealed", Some("revealed"), None),
        ]
    );
    assert_eq!(store.count_events("coupon", EventKind::StepEntered).await.unwrap(), 24);
    assert_eq!(store.count_events("coupon", EventKind::ButtonClicked).await.unwrap(), 16);
    assert_eq!(store.count_events("coupon", EventKind::CouponRevealed).await.unwrap(), 8);
    assert_eq!(store.count_events("coupon", EventKind::CouponExhausted).await.unwrap(), 0);
    assert_eq!(store.coupon_codes_left("coupon", "spring").await.unwrap(), left_before - 8);

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.graph.sent_count(), 24, "{:#?}", app.graph.sent());
}

#[tokio::test]
async fn no_thanks_sends_the_thank_you_text_then_the_image_statbot_serves() {
    let app = TestApp::spawn().await;
    let psid = "6701234567890123";
    app.graph.set_profile(psid, "Grace", "Hopper");
    app.post_signed(&text_event(psid, "m_no_1", "hi")).await;
    app.wait_for_sent_to(psid, 1).await;
    app.post_signed(&postback_event(psid, "m_no_2", "coupon:no")).await;

    let sent = app.wait_for_sent_to(psid, 3).await;
    assert_eq!(
        text_of(&sent[1]),
        "No problem, Grace. Thanks for stopping by! Type anything to see the menu again.",
        "{sent:#?}"
    );
    let attachment = &sent[2]["message"]["attachment"];
    assert_eq!(attachment["type"], "image", "{sent:#?}");
    let url = attachment["payload"]["url"].as_str().expect("the image has a URL");
    assert_eq!(url, app.url("/media/coupon/thanks.png"));

    // Messenger fetches the image from statbot's public URL.
    let image = app.client.get(url).send().await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let bytes = image.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG: {:?}", &bytes[..bytes.len().min(16)]);
    assert_eq!(&bytes[..], include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/flows/thanks.png")));
    // The pool's code file lives beside the image but is never served.
    let codes = app.client.get(app.url("/media/coupon/coupon-codes.txt")).send().await.unwrap();
    assert_eq!(codes.status(), 404);

    let store = app.store().await;
    assert_eq!(
        events_of(&store, psid).await,
        [
            event("step_entered", Some("welcome"), None),
            event("button_clicked", Some("welcome"), Some("no")),
            event("step_entered", Some("thanks"), None),
        ]
    );
    assert_eq!(store.count_events("coupon", EventKind::CouponRevealed).await.unwrap(), 0);
    assert_eq!(store.coupon_codes_left("coupon", "spring").await.unwrap(), demo_pool().len() as i64);
}

#[tokio::test]
async fn free_text_after_the_journey_starts_over_at_the_greeting_without_a_new_code() {
    let app = TestApp::spawn().await;
    let psid = "6701234567890123";
    app.post_signed(&text_event(psid, "m_again_1", "hi")).await;
    app.post_signed(&postback_event(psid, "m_again_2", "coupon:show")).await;
    app.post_signed(&postback_event(psid, "m_again_3", "coupon:reveal")).await;
    let sent = app.wait_for_sent_to(psid, 3).await;
    demo_code(&sent[2]);
    let store = app.store().await;
    let left = store.coupon_codes_left("coupon", "spring").await.unwrap();
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    assert_eq!(contact.position.map(|p| p.step).as_deref(), Some("revealed"));

    app.post_signed(&text_event(psid, "m_again_4", "take me back to the menu")).await;
    let sent = app.wait_for_sent_to(psid, 4).await;
    assert_eq!(text_of(&sent[3]), "Hi Ada! We have a coupon for you. Want to see it?");
    assert_eq!(payloads_of(&sent[3]), GREETING_PAYLOADS);

    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    let position = contact.position.expect("the contact has a position");
    assert_eq!((position.flow.as_str(), position.step.as_str()), ("coupon", "welcome"));
    let events = events_of(&store, psid).await;
    assert_eq!(events.last(), Some(&event("step_entered", Some("welcome"), None)));
    assert_eq!(events.iter().filter(|e| e.0 == "step_entered" && e.1.as_deref() == Some("welcome")).count(), 2);
    assert_eq!(store.coupon_codes_left("coupon", "spring").await.unwrap(), left);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sent_to(psid).len(), 4);
}

#[tokio::test]
async fn the_profile_is_fetched_once_per_contact() {
    let app = TestApp::spawn().await;
    app.graph.set_profile("6701111111111111", "Grace", "Hopper");
    app.graph.set_profile("6702222222222222", "Alan", "Turing");
    for n in 1..=3 {
        for psid in ["6701111111111111", "6702222222222222"] {
            app.post_signed(&text_event(psid, &format!("m_{psid}_{n}"), "hello")).await;
        }
    }
    let grace = app.wait_for_sent_to("6701111111111111", 3).await;
    let alan = app.wait_for_sent_to("6702222222222222", 3).await;
    assert!(grace.iter().all(|b| text_of(b).starts_with("Hi Grace!")), "{grace:#?}");
    assert!(alan.iter().all(|b| text_of(b).starts_with("Hi Alan!")), "{alan:#?}");
    assert_eq!(app.graph.profile_calls("6701111111111111"), 1);
    assert_eq!(app.graph.profile_calls("6702222222222222"), 1);

    let store = app.store().await;
    let contact = store.find_contact(Platform::Messenger, "6701111111111111").await.unwrap().unwrap();
    assert_eq!((contact.first_name.as_deref(), contact.last_name.as_deref()), (Some("Grace"), Some("Hopper")));
}

#[tokio::test]
async fn a_failed_profile_call_greets_without_a_name_and_the_next_message_tries_again() {
    let app = TestApp::spawn().await;
    let psid = "6701234567890123";
    app.graph.set_profile(psid, "Grace", "Hopper");
    app.graph.fail_profiles(1);

    app.post_signed(&text_event(psid, "m_prof_1", "hello")).await;
    let sent = app.wait_for_sent_to(psid, 1).await;
    assert_eq!(text_of(&sent[0]), "Hi! We have a coupon for you. Want to see it?");
    assert_eq!(payloads_of(&sent[0]), GREETING_PAYLOADS);
    assert_eq!(app.graph.profile_calls(psid), 1);

    app.post_signed(&text_event(psid, "m_prof_2", "hello?")).await;
    let sent = app.wait_for_sent_to(psid, 2).await;
    assert_eq!(text_of(&sent[1]), "Hi Grace! We have a coupon for you. Want to see it?");
    assert_eq!(app.graph.profile_calls(psid), 2);

    // Fetched now: not asked again.
    app.post_signed(&postback_event(psid, "m_prof_3", "coupon:no")).await;
    let sent = app.wait_for_sent_to(psid, 4).await;
    assert!(text_of(&sent[2]).starts_with("No problem, Grace."), "{sent:#?}");
    assert_eq!(app.graph.profile_calls(psid), 2);
}

#[tokio::test]
async fn a_pool_of_two_codes_serves_two_contacts_then_says_it_is_exhausted() {
    let app = TestApp::spawn_with(Options {
        flows: vec![("promo.toml", promo_flow(r#"codes = ["PROMO-A1", "PROMO-B2"]"#))],
        ..Options::default()
    })
    .await;
    let store = app.store().await;
    assert_eq!(store.coupon_codes_left("promo", "deal").await.unwrap(), 2);
    let (ada, bob, cleo) = ("6700000000000001", "6700000000000002", "6700000000000003");
    app.graph.set_profile(ada, "Ada", "L");
    app.graph.set_profile(bob, "Bob", "M");
    app.graph.set_profile(cleo, "Cleo", "N");

    for psid in [ada, bob, cleo] {
        app.post_signed(&text_event(psid, &format!("m_{psid}_0"), "hi")).await;
        app.wait_for_sent_to(psid, 1).await;
    }
    app.post_signed(&postback_event(ada, "m_ada_1", "promo:reveal")).await;
    let ada_code = promo_code(&app.wait_for_sent_to(ada, 2).await[1]);
    app.post_signed(&postback_event(bob, "m_bob_1", "promo:reveal")).await;
    let bob_code = promo_code(&app.wait_for_sent_to(bob, 2).await[1]);
    assert_ne!(ada_code, bob_code);
    assert_eq!(BTreeSet::from([ada_code.as_str(), bob_code.as_str()]), BTreeSet::from(["PROMO-A1", "PROMO-B2"]));
    assert_eq!(store.coupon_codes_left("promo", "deal").await.unwrap(), 0);

    app.post_signed(&postback_event(cleo, "m_cleo_1", "promo:reveal")).await;
    let sent = app.wait_for_sent_to(cleo, 2).await;
    assert_eq!(text_of(&sent[1]), "Sorry Cleo, the codes are all gone.");
    assert_eq!(store.count_events("promo", EventKind::CouponExhausted).await.unwrap(), 1);
    assert_eq!(details_of(&store, cleo, EventKind::CouponExhausted).await, [serde_json::json!({ "coupon": "deal" })]);
    assert!(details_of(&store, cleo, EventKind::CouponRevealed).await.is_empty());

    // Asking again gets the same code back, never a second one, even with the pool empty.
    app.post_signed(&postback_event(ada, "m_ada_2", "promo:reveal")).await;
    let sent = app.wait_for_sent_to(ada, 3).await;
    assert_eq!(promo_code(&sent[2]), ada_code);
    let details = details_of(&store, ada, EventKind::CouponRevealed).await;
    assert_eq!(details.len(), 2);
    assert_eq!((details[0]["code"].as_str(), &details[0]["fresh"]), (Some(ada_code.as_str()), &true.into()));
    assert_eq!((details[1]["code"].as_str(), &details[1]["fresh"]), (Some(ada_code.as_str()), &false.into()));
    assert_eq!(store.count_events("promo", EventKind::CouponRevealed).await.unwrap(), 3);
    assert_eq!(store.count_events("promo", EventKind::CouponExhausted).await.unwrap(), 1);

    // Cleo got the greeting and the apology only, not the revealing step's text with an empty code.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sent_to(cleo).len(), 2, "{:#?}", app.sent_to(cleo));
    assert_eq!(app.graph.sent_count(), 7);
}

#[tokio::test]
async fn contacts_racing_for_a_small_pool_never_get_the_same_code() {
    let app = TestApp::spawn_with(Options {
        flows: vec![("promo.toml", promo_flow(r#"codes = ["RACE-1", "RACE-2", "RACE-3"]"#))],
        ..Options::default()
    })
    .await;
    let psids: Vec<String> = (0..10).map(|i| format!("67100000000000{i:02}")).collect();
    // One delivery greeting everyone, then one with every tap, so the engine handles them side
    // by side.
    let delivery_of = |item: &dyn Fn(&str) -> serde_json::Value| {
        let messaging: Vec<serde_json::Value> = psids
            .iter()
            .map(|psid| {
                let mut event = item(psid);
                event["sender"] = serde_json::json!({ "id": psid });
                event["recipient"] = serde_json::json!({ "id": "104857600000001" });
                event["timestamp"] = statbot::store::now_ms().into();
                event
            })
            .collect();
        serde_json::json!({ "object": "page", "entry": [{ "id": "104857600000001", "time": 1763800000123i64, "messaging": messaging }] })
            .to_string()
    };
    let greetings =
        delivery_of(&|psid| serde_json::json!({ "message": { "mid": format!("m_hi_{psid}"), "text": "hi" } }));
    assert_eq!(app.post_signed(&greetings).await.status(), 200);
    app.wait_for_sent(psids.len()).await;
    let taps = delivery_of(
        &|psid| serde_json::json!({ "postback": { "title": "Reveal", "payload": "promo:reveal", "mid": format!("m_race_{psid}") } }),
    );
    assert_eq!(app.post_signed(&taps).await.status(), 200);

    let sent = app.wait_for_sent(2 * psids.len()).await;
    let codes: Vec<String> =
        sent.iter().map(text_of).filter_map(|t| t.strip_prefix("Your code: ").map(str::to_owned)).collect();
    let distinct: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    assert_eq!(distinct, BTreeSet::from(["RACE-1", "RACE-2", "RACE-3"]), "{sent:#?}");
    assert_eq!(codes.len(), 3, "{sent:#?}");
    let apologies = sent.iter().filter(|b| text_of(b) == "Sorry Ada, the codes are all gone.").count();
    assert_eq!(apologies, psids.len() - 3, "{sent:#?}");

    let store = app.store().await;
    assert_eq!(store.coupon_codes_left("promo", "deal").await.unwrap(), 0);
    assert_eq!(store.count_events("promo", EventKind::CouponRevealed).await.unwrap(), 3);
    assert_eq!(store.count_events("promo", EventKind::CouponExhausted).await.unwrap(), 7);
}

#[tokio::test]
async fn a_shared_code_coupon_gives_everyone_the_same_code() {
    let app = TestApp::spawn_with(Options {
        flows: vec![("promo.toml", promo_flow(r#"code = "SAVE10""#))],
        ..Options::default()
    })
    .await;
    let psids = ["6700000000000011", "6700000000000012", "6700000000000013"];
    for psid in psids {
        app.post_signed(&text_event(psid, &format!("m_{psid}_1"), "hi")).await;
        app.post_signed(&postback_event(psid, &format!("m_{psid}_2"), "promo:reveal")).await;
    }
    // The first contact asks twice.
    app.post_signed(&postback_event(psids[0], "m_again", "promo:reveal")).await;
    for psid in psids {
        let sent = app.wait_for_sent_to(psid, 2).await;
        assert_eq!(text_of(&sent[0]), "Hi Ada! Want a code?");
        assert_eq!(payloads_of(&sent[0]), ["promo:reveal"]);
        assert_eq!(promo_code(&sent[1]), "SAVE10");
    }
    let sent = app.wait_for_sent_to(psids[0], 3).await;
    assert_eq!(promo_code(&sent[2]), "SAVE10");

    let store = app.store().await;
    assert_eq!(store.count_events("promo", EventKind::CouponRevealed).await.unwrap(), 4);
    assert_eq!(store.count_events("promo", EventKind::CouponExhausted).await.unwrap(), 0);
}

#[tokio::test]
async fn a_postback_for_a_button_never_offered_hands_out_no_code() {
    let app = TestApp::spawn().await;
    let psid = "6709999999999999";
    app.post_signed(&postback_event(psid, "m_forged_1", "coupon:reveal")).await;
    let sent = app.wait_for_sent_to(psid, 1).await;
    assert_eq!(payloads_of(&sent[0]), GREETING_PAYLOADS, "treated like free text: {sent:#?}");
    // An older offered button still works: scrolling up to the greeting and tapping it.
    app.post_signed(&postback_event(psid, "m_forged_2", "coupon:show")).await;
    app.post_signed(&postback_event(psid, "m_forged_3", "coupon:no")).await;
    app.post_signed(&postback_event(psid, "m_forged_4", "coupon:reveal")).await;
    let sent = app.wait_for_sent_to(psid, 5).await;
    assert!(sent.iter().map(text_of).any(|t| t.starts_with("Your code is ")), "{sent:#?}");
    let store = app.store().await;
    assert_eq!(store.count_events("coupon", EventKind::CouponRevealed).await.unwrap(), 1);
}

#[tokio::test]
async fn the_reveal_leads_on_to_the_shop_or_back_to_the_menu() {
    let app = TestApp::spawn().await;
    let psid = "6709999999999999";
    app.graph.set_profile(psid, "Ada", "Lovelace");
    app.post_signed(&text_event(psid, "m_next_hello", "hello")).await;
    app.wait_for_sent_to(psid, 1).await;
    for (n, payload) in ["coupon:show", "coupon:reveal"].into_iter().enumerate() {
        app.post_signed(&postback_event(psid, &format!("m_next_{n}"), payload)).await;
        app.wait_for_sent_to(psid, n + 2).await;
    }
    let sent = app.wait_for_sent_to(psid, 3).await;
    assert!(demo_code(&sent[2]).starts_with("SPRING-"), "{sent:#?}");
    assert_eq!(payloads_of(&sent[2]), ["coupon:shop", "coupon:menu"], "the reveal is no dead end");

    app.post_signed(&postback_event(psid, "m_next_shop", "coupon:shop")).await;
    let sent = app.wait_for_sent_to(psid, 4).await;
    assert!(text_of(&sent[3]).contains(&format!("{}/shop", app.url(""))), "{sent:#?}");
    assert_eq!(payloads_of(&sent[3]), ["coupon:back"]);
    app.post_signed(&postback_event(psid, "m_next_menu", "coupon:back")).await;
    let sent = app.wait_for_sent_to(psid, 5).await;
    assert_eq!(text_of(&sent[4]), "Hi Ada! We have a coupon for you. Want to see it?");
}
