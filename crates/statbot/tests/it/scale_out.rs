//! Several instances on one PostgreSQL database, proved (issue 21): three real `statbot serve`
//! processes take signed deliveries spread across them, each delivered twice (Meta redelivers
//! the same `mid`), while one is killed with SIGKILL half way and started again. Every delivery
//! is acted on once, every contact gets each reply once and in order (counted at the Graph API
//! stand-in), and no coupon code is given twice. A reply whose send was under way at the kill
//! may have arrived or not (Meta's Send API has no idempotency key): it is never sent again
//! (`unknown_outcome`); when it did not arrive the contact taps or types again, as a person
//! would. The periodic jobs (the Stripe sync, the order reconciler, follow-ups, the funnel
//! rollup, the inbox's release sweep) each start once per interval across the three, counted in
//! the shared schedule and, for the Stripe sync, at the Stripe stand-in; none stalls with the
//! killed instance. SQLite serves one instance: there the test has nothing to prove and returns.

use crate::support::process::{ServeProcess, post_signed_to, serve};
use crate::support::*;
use statbot::store::Store;
use statbot::stripe::standin::StripeStandIn;
use statbot::stripe::{ClientSettings, StripeClient, SyncOptions};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

const CONTACTS: usize = 24;
/// A killed instance's deliveries wait out their lease (30 s) before another takes them.
const REPLY_WITHIN: Duration = Duration::from_secs(60);

/// The periodic jobs' intervals in this test (ms), and the settings that give them.
const JOBS: [(&str, i64); 5] = [
    ("stripe_sync", 1000),
    ("shop_reconcile", 1000),
    ("follow_ups", 500),
    ("funnel_rollup", 200),
    ("inbox_release", 1000),
];
const JOB_SETTINGS: [(&str, &str); 4] = [
    ("STATBOT_STRIPE_SYNC_INTERVAL_SECS", "1"),
    ("STATBOT_SHOP_RECONCILE_INTERVAL_SECS", "1"),
    ("STATBOT_FOLLOW_UPS_POLL_MS", "500"),
    // The release sweep runs every twentieth of this: each second.
    ("STATBOT_INBOX_RELEASE_AFTER", "20s"),
];

/// A Stripe stand-in whose account the store's mirror already holds, so that each sync from
/// here on costs exactly one request (the events feed saying nothing changed).
async fn stripe_in_step_with(store: &Store) -> StripeStandIn {
    let standin = StripeStandIn::start().await.unwrap();
    standin.add_customer("ana@example.com", 1_700_000_000);
    standin.fill_charges(5, 1_700_000_100);
    let client = StripeClient::new(
        &standin.base_url(),
        statbot::config::Secret::new(crate::support::stripe::KEY),
        ClientSettings::default(),
    )
    .unwrap();
    statbot::stripe::sync(store, &client, &SyncOptions::default(), &mut |_, _| {}).await.unwrap();
    let before = standin.requests();
    statbot::stripe::sync(store, &client, &SyncOptions::default(), &mut |_, _| {}).await.unwrap();
    assert_eq!(standin.requests() - before, 1, "an idle sync costs one request");
    standin
}

/// Each job started at most once per interval over `from..to` (ms) in all, by the schedule and,
/// for the Stripe sync, by the requests the stand-in counted; and each was still running at the
/// end, the killed instance's runs taken over.
async fn assert_jobs_ran_once_per_interval(store: &Store, from: i64, stripe_requests: usize) {
    let jobs = store.scheduled_jobs().await.unwrap();
    let to = statbot::store::now_ms();
    for (name, every) in JOBS {
        let job = jobs.iter().find(|j| j.job == name).unwrap_or_else(|| panic!("{name} never ran: {jobs:#?}"));
        let most = (to - from) / every + 1;
        assert!(
            job.runs <= most,
            "{name} ran {} times in {} ms, every {every} ms: at most {most}",
            job.runs,
            to - from
        );
        assert!(job.runs >= 2, "{name} ran {} times", job.runs);
        // (The rollup claims a run only when there are new events: its cursor shows it kept up.)
        let stalled = name != "funnel_rollup" && to - job.last_started_at >= 3 * every + 1000;
        assert!(!stalled, "{name} stalled: last run {} ms ago", to - job.last_started_at);
        assert_eq!(job.last_error, None, "{name} failed");
    }
    let rules = sqlx::query("SELECT rules FROM funnel_rollup").fetch_one(&mut *store.conn().await.unwrap()).await;
    let rules: String = sqlx::Row::get(&rules.unwrap(), 0);
    assert!(!store.funnel_backlog(&rules).await.unwrap(), "events were left for the funnel rollup");
    let syncs = jobs.iter().find(|j| j.job == "stripe_sync").unwrap().runs;
    // One request a sync (one more for the round a run was cut short by the kill, at most).
    let most = (to - from) / 1000 + 2;
    assert!(stripe_requests as i64 <= most, "{stripe_requests} Stripe syncs in {} ms: at most {most}", to - from);
    assert!((stripe_requests as i64 - syncs).abs() <= 1, "{stripe_requests} requests for {syncs} scheduled syncs");
}

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
    let standin = stripe_in_step_with(&app.store().await).await;
    let stripe_base = standin.base_url();
    let requests_before = standin.requests();
    // A short send lease (three send timeouts and 5 s): the killed instance's replies go again
    // soon; what it had acknowledged waits out the inbound lease.
    let mut envs = vec![
        ("STATBOT_MESSENGER_SEND_TIMEOUT_SECS", "1"),
        ("STATBOT_STRIPE_SECRET_KEY", crate::support::stripe::KEY),
        ("STATBOT_STRIPE_API_BASE", &stripe_base),
    ];
    envs.extend(JOB_SETTINGS);
    let started = statbot::store::now_ms();
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
    let stripe_requests = standin.requests() - requests_before;
    assert_jobs_ran_once_per_interval(&store, started, stripe_requests).await;
}
