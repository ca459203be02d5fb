//! Delivering replies through the outbox when the Graph API misbehaves: temporary failures,
//! rate limits and hangs are retried until each reply is delivered exactly once and in order
//! per contact; permanent refusals and exhausted retries end `failed` with the reason kept and
//! a `send_failed` event; and a restart picks up the replies that were still pending.

use crate::support::*;
use statbot::channels::messenger::Fault;
use statbot::store::{OutboxStats, Store};
use statbot_core::Platform;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What each contact sends, in order.
const JOURNEY: [&str; 4] = ["hi", "coupon:show", "coupon:reveal", "coupon:no"];

/// The replies to [`JOURNEY`], by how each one starts: greeting, offer, code, thanks, image.
const EXPECTED: [&str; 5] = ["Hi Ada!", "Here it is:", "Your code is SPRING-", "No problem, Ada.", "<image>"];

/// Posts message `n` of [`JOURNEY`] from `psid`.
async fn post_step(app: &TestApp, psid: &str, n: usize) {
    let mid = format!("m_{psid}_{n}");
    let body = match JOURNEY[n] {
        text if !text.contains(':') => text_event(psid, &mid, text),
        payload => postback_event(psid, &mid, payload),
    };
    assert_eq!(app.post_signed(&body).await.status(), 200);
}

/// How a sent body starts, to compare with [`EXPECTED`].
fn summary(body: &serde_json::Value) -> String {
    if body["message"]["attachment"]["type"] == "image" {
        return "<image>".into();
    }
    text_of(body)
}

/// Checks that `psid` got exactly the replies `expected` (by prefix), in that order.
fn assert_replies_in_order(app: &TestApp, psid: &str, expected: &[&str]) {
    let got: Vec<String> = app.sent_to(psid).iter().map(summary).collect();
    assert_eq!(got.len(), expected.len(), "{psid} got {got:#?}");
    for (one, expected) in got.iter().zip(expected) {
        assert!(one.starts_with(expected), "{psid} got {one:?} where {expected:?} was due; all: {got:#?}");
    }
}

/// No reply was delivered twice.
fn assert_no_duplicates(app: &TestApp) {
    let sent = app.graph.sent();
    let distinct: HashSet<String> = sent.iter().map(|s| s.body.to_string()).collect();
    assert_eq!(distinct.len(), sent.len(), "a reply was delivered twice: {sent:#?}");
}

/// The `send_failed` events of a contact: (outbox id, reason).
async fn send_failures(store: &Store, psid: &str) -> Vec<(i64, String)> {
    let contact = store.find_contact(Platform::Messenger, psid).await.unwrap().expect("the contact exists");
    store
        .contact_events(contact.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|(kind, ..)| kind == "send_failed")
        .map(|(.., detail)| {
            let detail: serde_json::Value = serde_json::from_str(&detail.expect("send_failed has a detail")).unwrap();
            (detail["outbox_id"].as_i64().unwrap(), detail["reason"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// A hang longer than the 2 s send timeout the harness sets.
const HANG: Duration = Duration::from_millis(2500);

/// Lets a moment pass, to show that nothing more happens.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn replies_survive_a_failing_graph_api_and_arrive_once_each_in_order() {
    let app = TestApp::spawn().await;
    app.graph.fail_next_sends(5, Fault::Temporary);
    app.graph.fail_next_sends(3, Fault::ServerError);
    let psids = ["6700000000000001", "6700000000000002", "6700000000000003"];
    for n in 0..JOURNEY.len() {
        for psid in psids {
            post_step(&app, psid, n).await;
        }
    }

    let total = psids.len() * EXPECTED.len();
    app.wait_for_sent(total).await;
    settle().await;
    assert_eq!(app.graph.sent_count(), total, "{:#?}", app.graph.sent());
    assert_no_duplicates(&app);
    for psid in psids {
        assert_replies_in_order(&app, psid, &EXPECTED);
    }
    // Each fault cost exactly one extra attempt.
    assert_eq!(app.graph.attempts(), total + 8);
    let store = app.store().await;
    let expected = OutboxStats { pending: 0, sent: total as i64, failed: 0, held: 0, ..OutboxStats::default() };
    assert_eq!(wait_for_outbox(&store, |s| *s == expected).await, expected);
}

#[tokio::test]
async fn rate_limited_sends_are_retried_no_sooner_than_retry_after() {
    let app = TestApp::spawn().await;
    app.graph.fail_next_sends(1, Fault::TooManyRequests { retry_after_secs: 1 });
    app.graph.fail_next_sends(2, Fault::RateLimited);
    let psid = "6701234567890123";
    let started = Instant::now();
    post_step(&app, psid, 0).await;

    app.wait_for_sent(1).await;
    let delivered = app.graph.sent()[0].at;
    assert!(
        delivered.duration_since(started) >= Duration::from_secs(1),
        "delivered {:?} after the message, before Retry-After ran out",
        delivered.duration_since(started)
    );
    settle().await;
    assert_eq!(app.graph.attempts(), 4);
    assert_replies_in_order(&app, psid, &EXPECTED[..1]);
    let store = app.store().await;
    let expected = OutboxStats { pending: 0, sent: 1, failed: 0, held: 0, ..OutboxStats::default() };
    assert_eq!(wait_for_outbox(&store, |s| *s == expected).await, expected);
}

#[tokio::test]
async fn a_hung_send_times_out_and_is_retried_once_delivered() {
    let app = TestApp::spawn().await;
    app.graph.fail_next_sends(1, Fault::Hang(HANG));
    let psid = "6701234567890123";
    let started = Instant::now();
    post_step(&app, psid, 0).await;

    app.wait_for_sent(1).await;
    let waited = app.graph.sent()[0].at.duration_since(started);
    assert!(waited >= Duration::from_secs(2), "delivered after {waited:?}, before the send timed out");
    // The hung request answers in the end; it was given up on by then, so nothing changes.
    tokio::time::sleep(HANG.saturating_sub(started.elapsed()) + Duration::from_millis(300)).await;
    assert_eq!(app.graph.sent_count(), 1, "{:#?}", app.graph.sent());
    assert_eq!(app.graph.attempts(), 2);
    assert_replies_in_order(&app, psid, &EXPECTED[..1]);
    let store = app.store().await;
    let expected = OutboxStats { pending: 0, sent: 1, failed: 0, held: 0, ..OutboxStats::default() };
    assert_eq!(wait_for_outbox(&store, |s| *s == expected).await, expected);
}

#[tokio::test]
async fn a_hung_send_to_one_contact_holds_up_no_other_contact() {
    let app = TestApp::spawn().await;
    let (stuck, other) = ("6700000000000001", "6700000000000002");
    app.graph.fail_next_sends(1, Fault::Hang(HANG));
    post_step(&app, stuck, 0).await;
    let deadline = Instant::now() + WAIT;
    while app.graph.attempts() == 0 {
        assert!(Instant::now() < deadline, "the first send never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // While that send hangs (up to the 2 s timeout), another contact's journey goes through.
    let started = Instant::now();
    for n in 0..3 {
        post_step(&app, other, n).await;
    }
    app.wait_for_sent_to(other, 3).await;
    assert!(started.elapsed() < Duration::from_secs(1), "waited {:?} for the hung send", started.elapsed());
    assert_replies_in_order(&app, other, &EXPECTED[..3]);
    assert!(app.sent_to(stuck).is_empty());

    app.wait_for_sent_to(stuck, 1).await;
    assert_replies_in_order(&app, stuck, &EXPECTED[..1]);
}

#[tokio::test]
async fn an_unavailable_contact_fails_at_once_with_the_reason_and_blocks_nobody() {
    let app = TestApp::spawn().await;
    let (gone, other) = ("6700000000000551", "6700000000000002");
    app.graph.unavailable(gone);
    let store = app.store().await;

    post_step(&app, gone, 0).await;
    wait_for_outbox(&store, |s| s.failed == 1).await;
    settle().await;
    assert_eq!(app.graph.attempts(), 1, "a permanent refusal is not retried");
    let failures = send_failures(&store, gone).await;
    assert_eq!(failures.len(), 1);
    let (outbox_id, reason) = &failures[0];
    assert!(reason.contains("551") && reason.contains("isn't available"), "{reason}");
    let (status, stored_reason) = store.outbox_status(*outbox_id).await.unwrap();
    assert_eq!(status, "failed");
    assert_eq!(stored_reason.as_deref(), Some(reason.as_str()));

    // Their next replies are still attempted (and refused), while another contact goes on.
    post_step(&app, gone, 3).await;
    for n in 0..3 {
        post_step(&app, other, n).await;
    }
    app.wait_for_sent_to(other, 3).await;
    // Delivered replies are recorded a moment after the stand-in has them.
    let stats = wait_for_outbox(&store, |s| s.failed == 3 && s.sent == 3).await;
    settle().await;
    assert_eq!(stats, OutboxStats { pending: 0, sent: 3, failed: 3, held: 0, ..OutboxStats::default() });
    assert_eq!(app.graph.attempts(), 6, "each reply is attempted exactly once");
    assert_replies_in_order(&app, other, &EXPECTED[..3]);
    assert!(app.sent_to(gone).is_empty());
    let failures = send_failures(&store, gone).await;
    assert_eq!(failures.len(), 3);
    for (outbox_id, reason) in failures {
        assert!(reason.contains("551"), "{reason}");
        assert_eq!(store.outbox_status(outbox_id).await.unwrap().0, "failed");
    }
}

#[tokio::test]
async fn retries_stop_after_max_attempts_with_a_reason_that_says_so() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.outbox.max_attempts = 3, ..Options::default() }).await;
    app.graph.fail_next_sends(5, Fault::ServerError);
    let psid = "6701234567890123";
    let store = app.store().await;

    post_step(&app, psid, 0).await;
    wait_for_outbox(&store, |s| s.failed == 1).await;
    settle().await;
    assert_eq!(app.graph.attempts(), 3);
    assert_eq!(app.graph.sent_count(), 0);
    let failures = send_failures(&store, psid).await;
    assert_eq!(failures.len(), 1);
    let (outbox_id, reason) = &failures[0];
    assert!(reason.starts_with("gave up after 3 attempts"), "{reason}");
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert_eq!(store.outbox_status(*outbox_id).await.unwrap(), ("failed".to_owned(), Some(reason.clone())));

    // The next reply has its own attempts: two more faults, then it goes through.
    post_step(&app, psid, 1).await;
    app.wait_for_sent(1).await;
    settle().await;
    assert_eq!(app.graph.attempts(), 6);
    assert_replies_in_order(&app, psid, &EXPECTED[1..2]);
    let expected = OutboxStats { pending: 0, sent: 1, failed: 1, held: 0, ..OutboxStats::default() };
    assert_eq!(wait_for_outbox(&store, |s| *s == expected).await, expected);
}

#[tokio::test]
async fn a_restart_delivers_the_replies_left_pending_once_each_in_order() {
    let mut app = TestApp::spawn_with(Options { tweak: |c| c.outbox.max_attempts = 100, ..Options::default() }).await;
    const FAULTS: usize = 20;
    app.graph.fail_next_sends(FAULTS, Fault::ServerError);
    let psids = ["6700000000000001", "6700000000000002"];
    for n in 0..3 {
        for psid in psids {
            post_step(&app, psid, n).await;
        }
    }
    let store = app.store().await;
    wait_for_outbox(&store, |s| s.pending == 6).await;

    app.stop().await;
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats { pending: 6, sent: 0, failed: 0, held: 0, ..OutboxStats::default() }
    );
    assert_eq!(store.pending_inbound().await.unwrap(), 0);
    assert_eq!(app.graph.sent_count(), 0);
    let before = app.graph.attempts();
    assert!(before > 0 && before < FAULTS, "the Graph API must still be failing at the restart ({before} attempts)");

    app.restart().await;
    app.wait_for_sent(6).await;
    settle().await;
    assert_eq!(app.graph.sent_count(), 6, "{:#?}", app.graph.sent());
    assert_no_duplicates(&app);
    for psid in psids {
        assert_replies_in_order(&app, psid, &EXPECTED[..3]);
    }
    assert_eq!(app.graph.attempts(), 6 + FAULTS);
    let stats = wait_for_outbox(&store, |s| s.sent == 6).await;
    assert_eq!(stats, OutboxStats { pending: 0, sent: 6, failed: 0, held: 0, ..OutboxStats::default() });
}

#[tokio::test]
async fn with_every_send_slot_taken_by_a_hung_send_the_webhook_still_answers_at_once() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.outbox.concurrency = 1, ..Options::default() }).await;
    app.graph.fail_next_sends(1, Fault::Hang(HANG));
    post_step(&app, "6700000000000001", 0).await;
    let deadline = Instant::now() + WAIT;
    while app.graph.attempts() == 0 {
        assert!(Instant::now() < deadline, "the first send never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The only send slot hangs; a reply waits for it; the sender's periodic look at the outbox
    // comes due meanwhile. None of that may hold up receiving messages.
    post_step(&app, "6700000000000002", 0).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    for n in 0..3 {
        let started = Instant::now();
        post_step(&app, "6700000000000003", n).await;
        assert!(started.elapsed() < Duration::from_millis(500), "the webhook took {:?}", started.elapsed());
    }
    app.wait_for_sent(1 + 1 + 3).await;
}
