//! `statbot bench broadcast`: a broadcast of the demo flow's entry step to many contacts (all
//! inside their messaging window) on a fresh database: the preview's time, the time to queue
//! (create it and snapshot the audience), and the send rate through the real server to a local
//! Graph API stand-in. Half way, the server is aborted (its tasks dropped mid-transaction, as a
//! crash would) and started again on the same database; at the end no contact has it twice.

use crate::app::App;
use crate::channels::messenger::GraphStandIn;
use crate::cli::{CliError, outln};
use crate::config::{Config, Secret};
use crate::store::{self, Broadcast, NewBroadcast, Store};
use statbot_core::{Platform, Segment, Window};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Contacts given their window per call.
const WINDOWS_PER_CALL: usize = 5_000;

pub async fn run(contacts: usize, rate: u32, database_url: Option<String>) -> Result<(), CliError> {
    let graph = GraphStandIn::start().await?;
    let temp = super::temp_dir()?;
    let mut config = Config {
        database_url: database_url.unwrap_or_else(|| format!("sqlite://{}", temp.join("bench.db").display())).into(),
        demo: true,
        ..Config::default()
    };
    config.messenger.verify_token = Secret::new("bench");
    config.messenger.app_secret = Secret::new("bench-app-secret");
    config.messenger.page_token = Secret::new("bench-page-token");
    config.messenger.graph_url = graph.base_url();
    config.outbox.concurrency = 64;
    config.broadcasts.rate = rate;
    let result = bench(&config, &graph, contacts).await;
    let _ = std::fs::remove_dir_all(&temp);
    result
}

async fn bench(config: &Config, graph: &GraphStandIn, contacts: usize) -> Result<(), CliError> {
    outln!(
        "bench broadcast: the demo flow's entry step to {contacts} contacts, at most {} a second",
        config.broadcasts.rate
    );
    // The database is migrated by the first start-up.
    drop(App::build(config.clone()).await?);
    let store = Store::open(&config.database_url).await?;
    let run = hex::encode(rand::random::<[u8; 3]>());
    let psids: Vec<String> = (0..contacts).map(|i| format!("7{run}{i:09}")).collect();
    let ids = store.load_contacts(Platform::Messenger, &psids).await?;
    let now = store::now_ms();
    let window = Window::default().after(now, false);
    for chunk in ids.chunks(WINDOWS_PER_CALL) {
        let windows: Vec<(i64, Window)> = chunk.iter().map(|id| (*id, window)).collect();
        store.set_contact_windows(&windows).await?;
    }
    let segment = Segment::parse("channel:messenger and window:open").map_err(|e| CliError(e.explained()))?;

    let started = Instant::now();
    let preview = crate::engine::preview_broadcast(&store, &segment, store::now_ms()).await?;
    let preview_time = started.elapsed();
    let new = NewBroadcast {
        name: format!("bench-{run}"),
        flow: "coupon".into(),
        step: None,
        segment,
        start_at: store::now_ms(),
        created_by: "bench".into(),
    };
    let started = Instant::now();
    let broadcast = store.create_broadcast(&new).await?;
    let queue_time = started.elapsed();
    outln!(
        "  preview: {} of {} will get it, in {:.2} s",
        preview.will_get_it,
        preview.matching,
        preview_time.as_secs_f64()
    );
    outln!("  time to queue (create and snapshot the audience): {:.2} s", queue_time.as_secs_f64());

    let recipients = broadcast.recipients;
    let started = Instant::now();
    let server = start(config).await?;
    wait_for(&store, &broadcast, recipients / 2).await?;
    // A crash half way: the server's tasks are dropped wherever they are.
    server.abort();
    let _ = server.await;
    let at_crash = graph.sent_count();
    let server = start(config).await?;
    wait_for(&store, &broadcast, recipients).await?;
    let elapsed = started.elapsed();
    // Long enough for a second send, if one were coming.
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.abort();
    let _ = server.await;

    // A contact got it twice when the stand-in got one of its messages twice.
    let mut per_message: HashMap<(String, String), usize> = HashMap::new();
    for send in graph.sent() {
        *per_message.entry((send.recipient, send.body["message"].to_string())).or_default() += 1;
    }
    let mut per_contact: HashMap<&String, i64> = HashMap::new();
    for (recipient, _) in per_message.keys() {
        *per_contact.entry(recipient).or_default() += 1;
    }
    // The entry step's messages, as a contact who got them all got them.
    let each = per_contact.values().copied().max().unwrap_or(0);
    let resent = per_message.iter().filter(|(_, n)| **n > 1).map(|((r, _), _)| r).collect::<HashSet<_>>().len();
    let queued_twice = store.broadcast_queued_twice(&broadcast, each).await?;
    let funnel = store.broadcast_funnel(&broadcast).await?;
    store.close().await;
    outln!(
        "  sent: {} contacts ({} messages) in {:.1} s, {:.0} contacts/s against the stand-in; aborted after {at_crash} messages and restarted",
        per_contact.len(),
        graph.sent_count(),
        elapsed.as_secs_f64(),
        per_contact.len() as f64 / elapsed.as_secs_f64()
    );
    outln!(
        "  contacts queued the broadcast twice: {queued_twice} (queued {}, skipped {}, sent {})",
        funnel.queued,
        funnel.skipped.iter().map(|(_, n)| n).sum::<i64>(),
        funnel.sent
    );
    outln!(
        "  contacts who got a message twice: {resent}; contacts with a message not sent again after the crash (it was under way, its outcome unknown): {}",
        funnel.not_sent
    );
    if queued_twice > 0 || resent > 0 {
        return Err(CliError(format!(
            "{queued_twice} contacts were queued the broadcast twice, {resent} got it twice"
        )));
    }
    if per_contact.len() as i64 + funnel.not_sent < recipients {
        return Err(CliError(format!("{} contacts got nothing", recipients - per_contact.len() as i64)));
    }
    Ok(())
}

/// Starts the server on `config`'s database; aborting the task stops it abruptly.
async fn start(config: &Config) -> Result<tokio::task::JoinHandle<()>, CliError> {
    let app = App::build(config.clone()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    Ok(tokio::spawn(async move {
        let _ = app.serve(listener, std::future::pending::<()>()).await;
    }))
}

/// Waits until the broadcast's messages to `n` contacts were sent (or says it stalled).
async fn wait_for(store: &Store, broadcast: &Broadcast, n: i64) -> Result<(), CliError> {
    let mut last = (0, Instant::now());
    loop {
        let funnel = store.broadcast_funnel(broadcast).await?;
        // Settled: sent, or not sent again after the crash (its outcome unknown).
        let sent = funnel.sent + funnel.not_sent;
        if sent >= n {
            return Ok(());
        }
        if sent != last.0 {
            last = (sent, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(30) {
            return Err(CliError(format!("sending stalled after {sent} contacts")));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
