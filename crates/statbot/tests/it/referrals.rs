//! Where contacts come from: an `m.me` link's `ref` arrives both ways Meta sends it (inside the
//! Get Started postback of a new thread, and as a `referral` event on an existing one) and takes
//! the contact into the link's flow and step; every referral is recorded with where it led, so a
//! contact keeps its first and latest. An unknown ref greets with the default flow. Entry
//! payloads lead only where an entry point says they may: a crafted one cannot skip to the step
//! that hands out a coupon.

use crate::support::pages::{dashboard_session, get};
use crate::support::{TestApp, chat_visitor, delivery, latest_replies, text_event, text_of};
use statbot::store::now_ms;
use statbot_core::{Platform, Reply};

/// A new thread opened by `m.me/PAGE?ref=NAME`: the Get Started postback carries the ref.
fn get_started_with_ref(psid: &str, mid: &str, reference: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": now_ms(),
        "postback": { "title": "Get Started", "payload": "@", "mid": mid,
                      "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" } }
    }))
}

/// An existing thread opened again through a link: a `referral` event.
fn referral_event(psid: &str, reference: &str) -> String {
    delivery(serde_json::json!({
        "sender": { "id": psid }, "recipient": { "id": "104857600000001" }, "timestamp": now_ms(),
        "referral": { "ref": reference, "source": "SHORTLINK", "type": "OPEN_THREAD" }
    }))
}

#[tokio::test]
async fn a_link_takes_new_and_returning_contacts_into_its_flow_and_both_referrals_are_kept() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    store.add_link("spring_poster", "coupon", Some("offer")).await.unwrap();
    store.add_link("counter_card", "coupon", None).await.unwrap();

    // A new person scans the poster's QR code: Get Started with the ref, straight to the offer.
    let psid = "6700000000018001";
    app.post_signed(&get_started_with_ref(psid, "m_gs", "spring_poster")).await;
    let sent = app.wait_for_sent_to(psid, 1).await;
    assert!(text_of(&sent[0]).starts_with("Here it is:"), "{:#}", sent[0]);
    // The offer's button is honoured: the link offered it.
    app.post_signed(&crate::support::postback_event(psid, "m_reveal", "coupon:reveal")).await;
    let sent = app.wait_for_sent_to(psid, 2).await;
    assert!(text_of(&sent[1]).starts_with("Your code is "), "{:#}", sent[1]);

    // Later they scan the card at the counter in the same thread: a referral event.
    app.post_signed(&referral_event(psid, "counter_card")).await;
    let sent = app.wait_for_sent_to(psid, 3).await;
    assert!(text_of(&sent[2]).starts_with("Hi Ada!"), "the card leads to the flow's entry: {:#}", sent[2]);
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    let (first, latest) = store.contact_referrals(contact.id).await.unwrap();
    assert_eq!((first.as_deref(), latest.as_deref()), (Some("spring_poster"), Some("counter_card")));
    assert!(contact.window.until.is_some(), "a referral opens the window");

    // The contact's page says so, and shows the referral in the conversation.
    statbot::auth::create_user(&store, "lead", statbot::store::Role::Staff, "correct horse battery").await.unwrap();
    let cookie = dashboard_session(&app, "lead", "correct horse battery").await;
    let page = get(&app, &cookie, &format!("/contacts/{}", contact.id)).await.text().await.unwrap();
    assert!(page.contains("First arrived by the link spring_poster, lately by counter_card."), "{page}");
    assert!(page.contains("(arrived by the link counter_card)"), "{page}");
    assert!(page.contains("Messaging window open for 2"), "{page}");
}

#[tokio::test]
async fn an_unknown_ref_greets_with_the_default_flow_and_is_still_recorded() {
    let app = TestApp::spawn().await;
    let psid = "6700000000018002";
    app.post_signed(&get_started_with_ref(psid, "m_gs", "no_such_link")).await;
    let sent = app.wait_for_sent_to(psid, 1).await;
    assert!(text_of(&sent[0]).starts_with("Hi Ada!"), "{:#}", sent[0]);
    let store = app.store().await;
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().unwrap();
    assert_eq!(store.contact_referrals(contact.id).await.unwrap().0.as_deref(), Some("no_such_link"));

    // A referral event for a contact greeted before: greeted again, recorded again.
    app.post_signed(&text_event("6700000000018003", "m_hi", "hi")).await;
    app.wait_for_sent_to("6700000000018003", 1).await;
    app.post_signed(&referral_event("6700000000018003", "elsewhere")).await;
    app.wait_for_sent_to("6700000000018003", 2).await;
}

#[tokio::test]
async fn a_crafted_entry_payload_cannot_skip_to_the_coupon() {
    let app = TestApp::spawn().await;
    // On Messenger: a postback naming the revealing step, which no entry point declares.
    let psid = "6700000000018004";
    app.post_signed(&crate::support::postback_event(psid, "m_skip", "@coupon/revealed")).await;
    let sent = app.wait_for_sent_to(psid, 1).await;
    assert!(text_of(&sent[0]).starts_with("Hi Ada!"), "{:#}", sent[0]);

    // On the web chat, where anyone can post any payload.
    let visitor = chat_visitor(&app).await;
    let form = [("payload", "@coupon/revealed"), ("title", "Reveal"), ("nonce", "n1")];
    let response =
        app.client.post(app.url("/chat")).header("cookie", &visitor.cookie).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let replies = latest_replies(&app, Platform::Web, &visitor.id).await;
    let said: Vec<&str> = replies.iter().filter_map(Reply::text).collect();
    assert!(said.iter().all(|t| !t.contains("Your code")), "{said:?}");
    assert!(said.first().is_some_and(|t| t.starts_with("Hi")), "{said:?}");

    // A flow's entry step is always a fair entry.
    app.post_signed(&crate::support::postback_event("6700000000018005", "m_entry", "@coupon")).await;
    let sent = app.wait_for_sent_to("6700000000018005", 1).await;
    assert!(text_of(&sent[0]).starts_with("Hi Ada!"), "{:#}", sent[0]);
}
