//! Limits against abuse from the open internet, attacked as a script would: logins, sign-ups,
//! link codes, new web-chat visitors and their messages are refused with 429, `Retry-After`
//! and the error format past their limit, counted per address (`X-Forwarded-For` only when
//! trusted); the webhooks have no limit; 600 logins at once leave a real `statbot serve`
//! answering `/healthz` within a second with its memory bounded; old counters are swept.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use statbot::store::Role;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    let body = json!({ "username": username, "password": password });
    app.client.post(app.url("/api/v1/auth/token")).json(&body).send().await.unwrap()
}

/// A refusal for a rate limit: 429, `Retry-After` within the window, the error format.
async fn assert_rate_limited(response: reqwest::Response, window_secs: i64, sentence: &str) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=window_secs).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(sentence) && message.contains("try again in"), "{message}");
}

#[tokio::test]
async fn logins_from_one_address_past_the_limit_get_429_with_retry_after_on_the_api_and_the_form() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.limits.logins_per_ip = 4, ..Options::default() }).await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "ana", Role::Admin, PASSWORD).await.unwrap();
    assert_eq!(login(&app, "ana", PASSWORD).await.status(), 200);
    assert_eq!(login(&app, "ana", "wrong guess").await.status(), 401);
    assert_eq!(login(&app, "someone", "wrong guess").await.status(), 401);
    assert_eq!(login(&app, "ana", PASSWORD).await.status(), 200);
    // The fifth try from this address, right password or not, waits for the window.
    assert_rate_limited(login(&app, "ana", PASSWORD).await, 600, "Too many logins from your address").await;

    // The dashboard's form counts against the same limit and says so on the page.
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let start = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let form = [("username", "ana"), ("password", PASSWORD), ("csrf", csrf)];
    let refused = app.client.post(app.url("/login")).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    let html = refused.text().await.unwrap();
    assert!(html.contains("Too many logins from your address; try again in"), "{html}");
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_when_the_proxy_is_trusted() {
    // A new name each time, so that the lockout never answers first.
    async fn from(app: &TestApp, address: &str) -> StatusCode {
        let name = format!("nobody-{}", rand::random::<u32>());
        let body = json!({ "username": name, "password": "wrong guess" });
        let request = app.client.post(app.url("/api/v1/auth/token")).header("x-forwarded-for", address);
        request.json(&body).send().await.unwrap().status()
    }
    let untrusted = TestApp::spawn_with(Options { tweak: |c| c.limits.logins_per_ip = 2, ..Options::default() }).await;
    // A client claiming a new address each time is still one address.
    let statuses = [from(&untrusted, "10.0.0.1").await, from(&untrusted, "10.0.0.2").await];
    assert_eq!(statuses, [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED]);
    assert_eq!(from(&untrusted, "10.0.0.3").await, StatusCode::TOO_MANY_REQUESTS);

    let proxied = TestApp::spawn_with(Options {
        tweak: |c| {
            c.limits.logins_per_ip = 2;
            c.limits.trust_forwarded_for = true;
        },
        ..Options::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(from(&proxied, "203.0.113.7, 10.0.0.1").await, StatusCode::UNAUTHORIZED);
    }
    // The proxy's own entry (the last) is the client; another client behind it has its own count.
    assert_eq!(from(&proxied, "203.0.113.7, 10.0.0.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(from(&proxied, "10.0.0.2").await, StatusCode::UNAUTHORIZED);
    // Addresses of one IPv6 /64 are one customer line.
    let six = [from(&proxied, "2001:db8:5:6::1").await, from(&proxied, "2001:db8:5:6::2").await];
    assert_eq!(six, [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED]);
    assert_eq!(from(&proxied, "2001:db8:5:6:ffff::3").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn new_chat_visitors_and_their_messages_are_limited() {
    let app = TestApp::spawn_with(Options {
        tweak: |c| {
            c.limits.chat_visitors_per_ip = 3;
            c.limits.chat_messages_per_visitor = 2;
        },
        ..Options::default()
    })
    .await;
    let mut cookies = Vec::new();
    for _ in 0..3 {
        let page = app.client.get(app.url("/chat")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let set = page.headers()["set-cookie"].to_str().unwrap().to_owned();
        cookies.push(set.split(';').next().unwrap().to_owned());
    }
    // A fourth new visitor from this address waits; known visitors still open the page.
    assert_rate_limited(app.client.get(app.url("/chat")).send().await.unwrap(), 3600, "Too many new chats").await;
    let known = app.client.get(app.url("/chat")).header("cookie", &cookies[0]).send().await.unwrap();
    assert_eq!(known.status(), 200);

    let say = |nonce: &'static str| {
        let request = app.client.post(app.url("/chat")).header("cookie", &cookies[0]);
        request.form(&[("text", "hello"), ("nonce", nonce)]).send()
    };
    assert_eq!(say("a").await.unwrap().status(), 303);
    assert_eq!(say("b").await.unwrap().status(), 303);
    assert_rate_limited(say("c").await.unwrap(), 60, "Too many messages from this chat").await;
    // Another visitor has its own count.
    let other = app.client.post(app.url("/chat")).header("cookie", &cookies[1]);
    assert_eq!(other.form(&[("text", "hello"), ("nonce", "a")]).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn sign_ups_and_link_codes_are_limited() {
    let app = TestApp::spawn_with(Options {
        tweak: |c| {
            c.limits.signups_per_ip = 2;
            c.limits.link_codes_per_account = 2;
        },
        ..Options::default()
    })
    .await;
    let sign_up = |n: u32| {
        let body = json!({ "first_name": "Eve", "last_name": "Script", "email": format!("eve{n}@example.com"), "password": PASSWORD });
        app.client.post(app.url("/api/v1/auth/signup")).json(&body).send()
    };
    assert_eq!(sign_up(1).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(sign_up(2).await.unwrap().status(), StatusCode::CREATED);
    assert_rate_limited(sign_up(3).await.unwrap(), 3600, "Too many sign-ups from your address").await;

    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
    let token = app.token("lead", PASSWORD).await;
    let code = || app.client.post(app.url("/api/v1/me/link-code")).bearer_auth(&token).send();
    assert_eq!(code().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(code().await.unwrap().status(), StatusCode::CREATED);
    assert_rate_limited(code().await.unwrap(), 3600, "Too many link codes for this account").await;
}

#[tokio::test]
async fn the_messenger_webhook_has_no_limit() {
    let app = TestApp::spawn_with(Options {
        tweak: |c| {
            c.limits.logins_per_ip = 1;
            c.limits.chat_visitors_per_ip = 1;
            c.limits.chat_messages_per_ip = 1;
            c.limits.chat_messages_per_visitor = 1;
        },
        ..Options::default()
    })
    .await;
    for i in 0..60 {
        let body = text_event(&format!("67200000000{i:05}"), &format!("m_flood_{i}"), "hi");
        assert_eq!(app.post_signed(&body).await.status(), 200);
    }
    app.wait_for_sent(60).await;
}

#[tokio::test]
async fn counters_of_past_windows_are_swept() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let hour_ago = statbot::store::now_ms() - 2 * 3600 * 1000;
    assert_eq!(store.count_rate_hits("logins_per_ip", "10.0.0.9", hour_ago, 1).await.unwrap(), 1);
    assert_eq!(store.count_rate_hits("logins_per_ip", "10.0.0.9", hour_ago, 1).await.unwrap(), 2);
    let limits = statbot::limits::Limits::new(store.clone(), &app.config.limits);
    assert!(limits.sweep().await.unwrap() >= 1);
    assert_eq!(store.count_rate_hits("logins_per_ip", "10.0.0.9", hour_ago, 1).await.unwrap(), 1);
}

/// The attack from issue 17: 600 logins at once. Argon2 takes 19 MiB a hash; unbounded, that
/// is gigabytes and a server too busy to answer. Run against the real binary, whose memory is
/// its own to measure.
#[tokio::test]
async fn six_hundred_parallel_logins_leave_healthz_answering_within_a_second_and_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database_url(dir.path()).await;
    let add = statbot(&["users", "add", "ana", "--role", "admin", "--password-stdin"]).database(&db).stdin(PASSWORD);
    add.run_ok();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = statbot(&["serve", "--demo", "--addr", &addr])
        .database(&db)
        .env("STATBOT_LIMITS_LOGINS_PER_IP", "0")
        .env("STATBOT_LOG", "error")
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + WAIT;
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let logins = (0..600).map(|i| {
        let (client, base) = (client.clone(), base.clone());
        // Different names, so that the lockout does not answer them before the hasher does.
        let body = json!({ "username": format!("guess-{i}"), "password": "wrong guess" });
        tokio::spawn(async move {
            let response = client.post(format!("{base}/api/v1/auth/token")).json(&body).send().await.unwrap();
            let retry = response.headers().get("retry-after").is_some();
            (response.status(), retry)
        })
    });
    let logins: Vec<_> = logins.collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let answers = futures::future::join_all(logins).await;
    let peak_kib = peak_memory_kib(server.id());
    server.kill().unwrap();
    let _ = server.wait();

    assert!(slowest < Duration::from_secs(1), "/healthz took {slowest:?} under 600 logins");
    let busy = answers.iter().filter(|a| matches!(a, Ok((StatusCode::SERVICE_UNAVAILABLE, true)))).count();
    let checked = answers.iter().filter(|a| matches!(a, Ok((StatusCode::UNAUTHORIZED, _)))).count();
    assert_eq!(busy + checked, 600, "every login is checked or told to come back: {answers:?}");
    assert!(busy > 0 && checked > 0, "busy {busy}, checked {checked}");
    // Unbounded, 600 hashes of 19 MiB would be over 11 GiB.
    assert!(peak_kib < 400 * 1024, "peak memory {peak_kib} KiB");
}

/// The process's peak resident memory (`VmHWM`), in KiB.
fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
