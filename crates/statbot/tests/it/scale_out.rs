//! Several instances on one PostgreSQL database, proved (issue 21): three real `statbot serve`
//! processes take signed deliveries spread across them, each delivered twice (Meta redelivers
//! the same `mid`), while one is killed with SIGKILL half way and started again. Every delivery
//! is acted on once, every contact gets each reply once and in order (counted at the Graph API
//! stand-in), and no coupon code is given twice. A reply whose send was under way at the kill
//! may have arrived or not (Meta's Send API has no idempotency key): it is never sent again
//! (`unknown_outcome`); when it did not arrive the contact taps or types again, as a person
//! would. SQLite serves one instance: there the test has nothing to prove and returns.

use crate::support::process::{ServeProcess, post_signed_to, serve};
use crate::support::*;
use statbot::store::Store;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

const CONTACTS: usize = 24;
/// A killed instance's deliveries wait out their lease (30 s) before another takes them.
const REPLY_WITHIN: Duration = Duration::from_secs(60);

/// The demo flow's three replies, in order: the greeting, the offer, the code.
fn expected_order(texts: &[String]) -> bool {
    texts.len() == 3
        && texts[0].contains("We have a coupon for you")
        && texts[1].starts_with("Here it is: 20% off")
        && texts[2].starts_with("Your code is ")
}

/// Posts `body` to instance `first` (then the others, as Meta retries a delivery that got no
/// 200) until one acknowledges it; returns which did.
async fn deliver(client: &reqwest::Client, bases: &RwLock<Vec<String>>, first: usize, body: &str) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let bases_now = bases.read().await.clone();
        for offset in 0..bases_now.len() {
            let at = (first + offset) % bases_now.len();
            if post_signed_to(client, &bases_now[at], body).await.is_some_and(|s| s.is_success()) {
                return at;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "no instance acknowledged a delivery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether the contact has a reply queued since `since` (ms) whose send was under way on the
/// killed instance: recorded `unknown_outcome`, not sent again.
async fn lost_in_the_kill(store: &Store, psid: &str, since: i64) -> bool {
    let Some(contact) = store.find_contact(statbot_core::Platform::Messenger, psid).await.unwrap() else {
        return false;
    };
    let (failed, _) = store.undelivered(&["failed"], 1000).await.unwrap();
    failed.iter().any(|u| {
        u.contact_id == contact.id && u.created_at >= since && u.error_class.as_deref() == Some("unknown_outcome")
    })
}

/// Waits for the contact's `n`-th reply to a step delivered from `since` (ms). One lost with the killed instance (at most once: it is
/// not sent again) gets the step done again, as a person who got no answer taps or types again.
async fn replies_at_least(
    app: &TestApp,
    store: &Store,
    (psid, n, since): (&str, usize, i64),
    (client, bases, again): (&reqwest::Client, &RwLock<Vec<String>>, &str),
) -> bool {
    let deadline = tokio::time::Instant::now() + REPLY_WITHIN;
    let mut asked_again = false;
    while app.sent_to(psid).len() < n {
        assert!(tokio::time::Instant::now() < deadline, "{psid} waits for reply {n}: {:?}", app.sent_to(psid));
        if !asked_again && lost_in_the_kill(store, psid, since).await {
            asked_again = true;
            deliver(client, bases, 0, again).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    asked_again
}

#[tokio::test]
async fn three_instances_one_killed_act_on_each_delivery_once_and_answer_in_order() {
    let mut app = TestApp::spawn().await;
    if !app.config.database_url.starts_with("postgres") {
        return;
    }
    app.stop().await;
    // A short send lease (three send timeouts and 5 s): the killed instance's replies go again
    // soon; what it had acknowledged waits out the inbound lease.
    let envs = [("STATBOT_MESSENGER_SEND_TIMEOUT_SECS", "1")];
    let mut instances: Vec<ServeProcess> = Vec::new();
    for _ in 0..3 {
        instances.push(serve(&app, &envs).await);
    }
    let bases = Arc::new(RwLock::new(instances.iter().map(|i| i.base.clone()).collect::<Vec<_>>()));
    let app = Arc::new(app);

    let mut journeys = Vec::new();
    for contact in 0..CONTACTS {
        let (journey_app, journey_bases) = (app.clone(), bases.clone());
        journeys.push(tokio::spawn(async move {
            let (app, bases) = (journey_app, journey_bases);
            let client = reqwest::Client::new();
            let psid = format!("69700000000{contact:05}");
            let steps = [
                text_event(&psid, &format!("m_{psid}_1"), "hello"),
                postback_event(&psid, &format!("m_{psid}_2"), "coupon:show"),
                postback_event(&psid, &format!("m_{psid}_3"), "coupon:reveal"),
            ];
            let store = app.store().await;
            let mut again_count = 0;
            for (n, body) in steps.iter().enumerate() {
                // Spread over the instances, and delivered again to the next one.
                let since = statbot::store::now_ms();
                let first = deliver(&client, &bases, contact + n, body).await;
                deliver(&client, &bases, first + 1, body).await;
                let again = body.replace(&format!("m_{psid}_{}", n + 1), &format!("m_{psid}_{}_again", n + 1));
                again_count +=
                    usize::from(replies_at_least(&app, &store, (&psid, n + 1, since), (&client, &bases, &again)).await);
            }
            store.close().await;
            (psid, again_count)
        }));
        tokio::time::sleep(Duration::from_millis(30)).await;
        if contact == CONTACTS / 2 {
            // Half way: instance 0 is killed, and started again a moment later.
            instances[0].child.kill().unwrap();
            instances[0].child.wait().unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
            instances[0] = serve(&app, &envs).await;
            bases.write().await[0] = instances[0].base.clone();
        }
    }
    let (mut psids, mut asked_again) = (Vec::new(), 0);
    for journey in journeys {
        let (psid, again) = journey.await.unwrap();
        psids.push(psid);
        asked_again += again;
    }
    // Long enough for a second reply or a second action, if one were coming.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut codes = BTreeSet::new();
    for psid in &psids {
        let texts: Vec<String> = app.sent_to(psid).iter().map(|m| text_of(m).to_owned()).collect();
        assert!(expected_order(&texts), "{psid} got {texts:#?}");
        let code = texts[2].strip_prefix("Your code is ").unwrap().split_once(". ").unwrap().0.to_owned();
        assert!(codes.insert(code.clone()), "the code {code} was given twice");
    }
    // Each delivery stored and acted on once, however often it came and wherever.
    let store = app.store().await;
    assert_eq!(store.inbound_queue().await.unwrap().0, 0, "deliveries left unprocessed");
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.config.database_url).await.unwrap();
    let stored: i64 =
        sqlx::Row::get(&sqlx::query("SELECT COUNT(*) FROM inbound").fetch_one(&mut conn).await.unwrap(), 0);
    assert_eq!(stored, (CONTACTS * 3 + asked_again) as i64);
}
