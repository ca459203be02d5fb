//! `statbot bench webhook`: signed webhook events handled per second end to end (received,
//! stored, acted on, reply delivered to a local Graph API stand-in) and the latency from
//! receipt to delivery, on a fresh database.

use crate::app::App;
use crate::channels::messenger::{GraphStandIn, signature};
use crate::cli::CliError;
use crate::config::{Config, Secret};
use std::time::{Duration, Instant};

const APP_SECRET: &str = "bench-app-secret";

/// What each benchmark message says, and how many replies it gets: a greeting (the flow's
/// menu), or a question the assistant answers with text and a chart link.
const GREETING: (&str, usize) = ("hi", 1);
const QUESTION: (&str, usize) = ("population of Austin", 2);

pub async fn run(events: usize, contacts: usize, database_url: Option<String>, question: bool) -> Result<(), CliError> {
    let (text, replies_each) = if question { QUESTION } else { GREETING };
    let contacts = contacts.clamp(1, events.max(1));
    let graph = GraphStandIn::start().await?;
    let temp = super::temp_dir()?;
    let mut config = Config {
        database_url: database_url.unwrap_or_else(|| format!("sqlite://{}", temp.join("bench.db").display())).into(),
        demo: true,
        ..Config::default()
    };
    config.messenger.verify_token = Secret::new("bench");
    config.messenger.app_secret = Secret::new(APP_SECRET);
    config.messenger.page_token = Secret::new("bench-page-token");
    config.messenger.graph_url = graph.base_url();
    config.outbox.concurrency = 64;

    let app = App::build(config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/messenger", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));

    crate::cli::outln!(
        "bench webhook: {events} events (\"{text}\") from {contacts} contacts, each waiting for its reply before writing again"
    );
    let client = reqwest::Client::new();
    let graph = std::sync::Arc::new(graph);
    // Message ids unique to this run: on a database filled before, old ids would be taken for
    // redeliveries and get no reply.
    let run = hex::encode(rand::random::<[u8; 4]>());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..contacts {
        let per_contact = events / contacts + usize::from(c < events % contacts);
        let (client, url, graph, run) = (client.clone(), url.clone(), graph.clone(), run.clone());
        tasks.spawn(async move {
            let psid = format!("{}", 7_000_000_000_000_000u64 + c as u64);
            let mut latencies = Vec::with_capacity(per_contact);
            for i in 0..per_contact {
                let body = serde_json::json!({
                    "object": "page",
                    "entry": [{ "id": "1", "time": 1, "messaging": [{
                        "sender": { "id": psid }, "recipient": { "id": "1" }, "timestamp": crate::store::now_ms(),
                        "message": { "mid": format!("m_bench_{run}_{c}_{i}"), "text": text }
                    }]}]
                })
                .to_string();
                let sig = signature::sign(APP_SECRET, body.as_bytes());
                let replied = graph.sent_to_count(&psid, (i + 1) * replies_each);
                let t0 = Instant::now();
                let answer = client
                    .post(&url)
                    .header("x-hub-signature-256", sig)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_success() => {}
                    Ok(r) => return Err(format!("the webhook answered {}", r.status())),
                    Err(e) => return Err(format!("the webhook is unreachable: {e}")),
                }
                match tokio::time::timeout(Duration::from_secs(30), replied).await {
                    Ok(Ok(())) => latencies.push(t0.elapsed()),
                    _ => return Err(format!("no reply to contact {psid} within 30 s")),
                }
            }
            Ok(latencies)
        });
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(events);
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(mut l)) => latencies.append(&mut l),
            Ok(Err(e)) => failure = Some(e),
            Err(e) => failure = Some(e.to_string()),
        }
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(&temp);
    if let Some(e) = failure {
        return Err(CliError(e));
    }
    latencies.sort_unstable();
    let pct = |p: f64| super::quantile_ms(&latencies, p);
    crate::cli::outln!(
        "  {:.0} events/s end to end (received, stored, acted on, reply delivered): {events} in {:.2} s",
        events as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    crate::cli::outln!(
        "  latency receipt -> delivery: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
