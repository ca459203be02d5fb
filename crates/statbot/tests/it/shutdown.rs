//! Stopping `statbot serve` with SIGTERM, as a service manager or a platform does on a deploy:
//! under load it stops taking requests, acts on every delivery it acknowledged (or leaves it to
//! the next instance at once, its leases handed back), sends no reply twice and exits within
//! `shutdown_timeout`; a send that hangs does not hold the stop past it.

use crate::support::process::{post_signed_to, serve};
use crate::support::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WELCOME: &str = "We have a coupon for you";

fn welcomes(app: &TestApp, psid: &str) -> usize {
    app.sent_to(psid).iter().filter(|m| text_of(m).contains(WELCOME)).count()
}

#[tokio::test]
async fn sigterm_under_load_loses_no_delivery_and_sends_no_reply_twice() {
    let mut app = TestApp::spawn().await;
    app.stop().await;
    // Meta answers each send 150 ms after it arrives: sends are under way when the stop comes.
    app.graph.delay_answers(Duration::from_millis(150));
    let mut first = serve(&app, &[("STATBOT_SHUTDOWN_TIMEOUT", "10s")]).await;

    // Eight posters, 50 new contacts each, each saying "hi" once; what the server acknowledged.
    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let refused: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let mut posters = Vec::new();
    for poster in 0..8 {
        let (acked, refused, base) = (acked.clone(), refused.clone(), first.base.clone());
        posters.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..50 {
                let psid = format!("6960{poster:02}{i:09}");
                let body = text_event(&psid, &format!("m_{psid}"), "hi");
                match post_signed_to(&client, &base, &body).await {
                    Some(status) if status.is_success() => acked.lock().unwrap().insert(psid),
                    other => refused.lock().unwrap().insert(psid, format!("{other:?}")).is_none(),
                };
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while acked.lock().unwrap().len() < 100 {
        assert!(tokio::time::Instant::now() < deadline, "only {} deliveries acknowledged", acked.lock().unwrap().len());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.terminate();
    let (status, took) = first.exited_within(Duration::from_secs(12)).await;
    assert!(status.success(), "exited with {status}");
    assert!(took < Duration::from_secs(10), "took {took:?}, more than the shutdown timeout");
    for poster in posters {
        poster.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < 400, "the stop came after every delivery");

    // The next instance finds what the first left, at once (no lease to wait out), and
    // together they answered each acknowledged contact exactly once.
    let _second = serve(&app, &[]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Some(waiting) = acked.iter().find(|p| welcomes(&app, p) == 0) {
        assert!(tokio::time::Instant::now() < deadline, "{waiting} was acknowledged and never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let twice: Vec<&String> = acked.iter().filter(|p| welcomes(&app, p) > 1).collect();
    assert!(twice.is_empty(), "answered twice: {twice:?}");
    let refused = refused.lock().unwrap().clone();
    for psid in refused.keys() {
        assert_eq!(welcomes(&app, psid), 0, "{psid} was not acknowledged but answered");
    }
}

/// A send that hangs (Meta not answering, a 30 s send timeout) would hold a stop for 30 s: the
/// stop cuts it short at `shutdown_timeout`. The reply may have arrived, so the next instance
/// does not send it again: it is recorded with the outcome unknown.
#[tokio::test]
async fn a_hanging_send_does_not_hold_the_stop_past_the_shutdown_timeout() {
    let mut app = TestApp::spawn().await;
    app.stop().await;
    app.graph.fail_next_sends(1, statbot::channels::messenger::Fault::Hang(Duration::from_secs(60)));
    let envs = [("STATBOT_SHUTDOWN_TIMEOUT", "2s"), ("STATBOT_MESSENGER_SEND_TIMEOUT_SECS", "30")];
    let mut first = serve(&app, &envs).await;
    let psid = "6961000000000001";
    let client = reqwest::Client::new();
    let status = post_signed_to(&client, &first.base, &text_event(psid, "m_hang", "hi")).await;
    assert_eq!(status, Some(reqwest::StatusCode::OK));
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.graph.attempts() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the reply was never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.terminate();
    let (status, took) = first.exited_within(Duration::from_secs(10)).await;
    assert!(status.success(), "exited with {status}");
    assert!(took < Duration::from_millis(3_500), "the stop took {took:?} with a 2 s timeout");

    let _second = serve(&app, &[]).await;
    let store = app.store().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (failed, _) = store.undelivered(&["failed"], 10).await.unwrap();
        if let Some(unknown) = failed.first() {
            assert_eq!(unknown.error_class.as_deref(), Some("unknown_outcome"), "{failed:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the cut-short reply was not settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.graph.sent_count(), 0, "sent again");
}
