//! `GET /metrics`: scraped with the bearer token before and after signed Messenger deliveries,
//! its counters move by what happened (deliveries by outcome, requests on the webhook's route,
//! outbox sends and Graph calls); refused without the token, off without configuration, and
//! served alone without a token on `metrics.addr`.

use crate::support::*;
use std::collections::BTreeMap;
use std::time::Duration;

const METRICS_TOKEN: &str = "scrape-me-0123456789";

/// One sample of the text format: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// A tiny parser for the Prometheus / OpenMetrics text format: every sample line.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("a sample line has a value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in `{line}`"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').expect("labels end with }")),
            None => (series, ""),
        };
        let labels = labels
            .split(',')
            .filter(|l| !l.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("label=value");
                (k.to_owned(), v.trim_matches('"').to_owned())
            })
            .collect();
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

/// The sum of the samples named `name` whose labels include every one of `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, _, v)| v)
        .sum()
}

fn with_token() -> Options {
    Options { tweak: |c| c.metrics.token = statbot::config::Secret::new(METRICS_TOKEN), ..Options::default() }
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let response = app.client.get(app.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    parse(&text)
}

const DELIVERIES: (&str, &[(&str, &str)]) =
    ("statbot_webhook_deliveries_total", &[("channel", "messenger"), ("outcome", "accepted")]);
const WEBHOOK_OK: (&str, &[(&str, &str)]) =
    ("statbot_http_requests_total", &[("method", "POST"), ("route", "/webhooks/messenger"), ("status", "200")]);
const SENDS: (&str, &[(&str, &str)]) = ("statbot_outbox_send_duration_seconds_count", &[("outcome", "sent")]);
const GRAPH_SENDS: (&str, &[(&str, &str)]) =
    ("statbot_graph_request_duration_seconds_count", &[("operation", "send"), ("outcome", "ok")]);

fn get(samples: &[Sample], (name, labels): (&str, &[(&str, &str)])) -> f64 {
    value(samples, name, labels)
}

#[tokio::test]
async fn scrape_counts_deliveries_requests_sends_and_graph_calls() {
    let app = TestApp::spawn_with(with_token()).await;
    let before = scrape(&app).await;
    // Every metric family is there from the first scrape, state gauges included.
    for name in ["statbot_inbound_queue_depth", "statbot_outbox_queue_depth", "statbot_db_pool_max_connections"] {
        assert!(before.iter().any(|(n, _, _)| n == name), "{name} missing");
    }
    assert!(value(&before, "statbot_db_pool_max_connections", &[]) >= 1.0);

    let (ada, bob) = ("6701234567890123", "6709999999999999");
    assert_eq!(app.post_signed(&text_event(ada, "m_metrics_1", "hi")).await.status(), 200);
    assert_eq!(app.post_signed(&text_event(bob, "m_metrics_2", "hi")).await.status(), 200);
    // A forged delivery is refused and counted as such.
    let forged = app.post_webhook(&text_event(ada, "m_metrics_3", "hi"), Some("sha256=00")).await;
    assert_eq!(forged.status(), 403);
    app.wait_for_sent_to(ada, 1).await;
    app.wait_for_sent_to(bob, 1).await;

    // The sender counts a send as soon as its answer is in: wait for it to catch up with the
    // stand-in, then nothing more may be sent.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let after = loop {
        let after = scrape(&app).await;
        let sent = app.graph.sent().len() as f64;
        if get(&after, SENDS) - get(&before, SENDS) >= sent {
            break after;
        }
        assert!(tokio::time::Instant::now() < deadline, "outbox sends never reached {sent}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let sent = app.graph.sent().len() as f64;
    assert!(sent >= 2.0);
    assert_eq!(get(&after, DELIVERIES) - get(&before, DELIVERIES), 2.0);
    let invalid = [("channel", "unknown"), ("outcome", "invalid_signature")];
    assert_eq!(value(&after, "statbot_webhook_deliveries_total", &invalid), 1.0);
    assert_eq!(get(&after, WEBHOOK_OK) - get(&before, WEBHOOK_OK), 2.0);
    let refused = [("method", "POST"), ("route", "/webhooks/messenger"), ("status", "403")];
    assert_eq!(value(&after, "statbot_http_requests_total", &refused), 1.0);
    assert_eq!(get(&after, SENDS) - get(&before, SENDS), sent);
    assert_eq!(get(&after, GRAPH_SENDS) - get(&before, GRAPH_SENDS), sent);
    // Buckets and sums come with the counts.
    let buckets = [("operation", "send"), ("outcome", "ok"), ("le", "+Inf")];
    assert_eq!(value(&after, "statbot_graph_request_duration_seconds_bucket", &buckets), sent);
    assert!(value(&after, "statbot_graph_request_duration_seconds_sum", &[("operation", "send")]) > 0.0);
    // The scrapes themselves are counted on their route; no raw path ever becomes a label.
    assert!(value(&after, "statbot_http_requests_total", &[("route", "/metrics"), ("status", "200")]) >= 1.0);
    assert!(after.iter().all(|(_, l, _)| l.get("route").is_none_or(|r| !r.contains("m_metrics"))));
    // Everything was answered: the queues are empty again (gauges read at scrape time, at most
    // a second old).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let settled = scrape(&app).await;
    assert_eq!(value(&settled, "statbot_inbound_queue_depth", &[]), 0.0);
    assert_eq!(value(&settled, "statbot_outbox_queue_depth", &[]), 0.0);
}

#[tokio::test]
async fn scrape_refused_without_the_token_and_off_without_configuration() {
    let app = TestApp::spawn_with(with_token()).await;
    let bare = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    let body: serde_json::Value = bare.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(!body.to_string().contains(METRICS_TOKEN));
    let wrong = app.client.get(app.url("/metrics")).bearer_auth("scrape-me-0123456788").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let prefix = app.client.get(app.url("/metrics")).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(prefix.status(), 401);
    // The refusals are counted too.
    let samples = scrape(&app).await;
    assert_eq!(value(&samples, "statbot_http_requests_total", &[("route", "/metrics"), ("status", "401")]), 3.0);

    let off = TestApp::spawn().await;
    let response = off.client.get(off.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn scrape_on_the_separate_address_needs_no_token() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let app = TestApp::spawn_with(Options {
        configure: Some(Box::new(move |c| c.metrics.addr = Some(addr))),
        ..Options::default()
    })
    .await;
    // Not on the main address (no token is set), only on its own.
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 404);
    let separate = format!("http://{addr}/metrics");
    let scrape_separate = || async {
        let response = app.client.get(&separate).send().await.unwrap();
        assert_eq!(response.status(), 200);
        parse(&response.text().await.unwrap())
    };
    let before = scrape_separate().await;
    assert_eq!(app.post_signed(&text_event("6701234567890123", "m_metrics_sep", "hi")).await.status(), 200);
    let after = scrape_separate().await;
    assert_eq!(get(&after, DELIVERIES) - get(&before, DELIVERIES), 1.0);
    assert_eq!(get(&after, WEBHOOK_OK) - get(&before, WEBHOOK_OK), 1.0);
    // Only `/metrics` there.
    let other = app.client.get(format!("http://{addr}/healthz")).send().await.unwrap();
    assert_eq!(other.status(), 404);
}
