//! Operator accounts and the token API: argon2id-hashed passwords, signed expiring tokens,
//! lockout after repeated failures, authorization on every `/api/v1` route (only admins create
//! accounts), and the health check reporting the database.

use crate::support::*;
use serde_json::{Value, json};
use statbot::store::Role;

async fn with_admin(app: &TestApp) {
    let store = app.store().await;
    statbot::auth::create_user(&store, "ana", Role::Admin, "correct horse battery").await.unwrap();
    let user = store.user_by_name("ana").await.unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"), "{}", user.password_hash);
}

async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_opens_the_api_and_its_absence_or_forgery_does_not() {
    let app = TestApp::spawn().await;
    with_admin(&app).await;
    let token = app.token("ana", "correct horse battery").await;

    let me: Value =
        app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "ana");
    assert_eq!(me["role"], "admin");

    let flows: Value =
        app.client.get(app.url("/api/v1/flows")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(flows["flows"][0]["name"], "coupon");

    for path in ["/api/v1/me", "/api/v1/flows", "/api/v1/outbox"] {
        let anonymous = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
        let body: Value = anonymous.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        let forged = app.client.get(app.url(path)).bearer_auth(format!("{token}x")).send().await.unwrap();
        assert_eq!(forged.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_three_in_a_row_lock_the_account() {
    let app = TestApp::spawn().await;
    with_admin(&app).await;
    for _ in 0..3 {
        let response = login(&app, "ana", "wrong password!").await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let locked = login(&app, "ana", "correct horse battery").await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().get("retry-after").is_some());
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "account_locked");
}

/// Forty guesses sent at once, the right password at position 35: the statuses, in order.
async fn forty_parallel_guesses(app: &TestApp, username: &str) -> Vec<u16> {
    let guesses = (0..40).map(|i| {
        let password = if i == 35 { "correct horse battery".to_owned() } else { format!("wrong guess {i:02}") };
        async move { login(app, username, &password).await.status().as_u16() }
    });
    futures::future::join_all(guesses).await
}

#[tokio::test]
async fn parallel_guesses_get_only_the_allowed_checks_and_the_right_password_among_them_is_refused() {
    // Eighty logins from one address: above the address's limit, which is not what is tested.
    let app = TestApp::spawn_with(Options { tweak: |c| c.limits.logins_per_ip = 100, ..Options::default() }).await;
    with_admin(&app).await;
    let statuses = forty_parallel_guesses(&app, "ana").await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, locked), (3, 37), "{statuses:?}");
    assert_eq!(statuses[35], 429, "the right password came after the lock: {statuses:?}");

    // An unknown name is answered exactly alike, so the answers tell nobody who has an account.
    let statuses = forty_parallel_guesses(&app, "nobody-here").await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!((checked, statuses.len() - checked), (3, 37), "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn a_success_resets_the_failure_count_and_the_lock_expires() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.auth.lockout_secs = 1, ..Options::default() }).await;
    with_admin(&app).await;
    for _ in 0..2 {
        assert_eq!(login(&app, "ana", "nope nope nope").await.status(), 401);
    }
    assert_eq!(login(&app, "ana", "correct horse battery").await.status(), 200);
    for _ in 0..2 {
        assert_eq!(login(&app, "ana", "nope nope nope").await.status(), 401);
    }
    // Two failures after a success do not lock.
    assert_eq!(login(&app, "ana", "correct horse battery").await.status(), 200);

    for _ in 0..3 {
        login(&app, "ana", "nope nope nope").await;
    }
    assert_eq!(login(&app, "ana", "correct horse battery").await.status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(login(&app, "ana", "correct horse battery").await.status(), 200);
}

#[tokio::test]
async fn unknown_users_and_bad_bodies_get_clear_errors() {
    let app = TestApp::spawn().await;
    assert_eq!(login(&app, "nobody", "whatever whatever").await.status(), 401);
    let bad = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body("{\"username\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");
}

#[tokio::test]
async fn tokens_expire() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.auth.token_ttl_secs = 1, ..Options::default() }).await;
    with_admin(&app).await;
    let token = app.token("ana", "correct horse battery").await;
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401);
}

async fn create_account(app: &TestApp, token: &str, username: &str, password: &str, role: &str) -> reqwest::StatusCode {
    app.client
        .post(app.url("/api/v1/users"))
        .bearer_auth(token)
        .json(&json!({ "username": username, "password": password, "role": role }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn only_admins_create_accounts() {
    let app = TestApp::spawn().await;
    with_admin(&app).await;
    let admin = app.token("ana", "correct horse battery").await;
    assert_eq!(create_account(&app, &admin, "sam", "staff password 1", "staff").await, 201);

    let staff = app.token("sam", "staff password 1").await;
    assert_eq!(create_account(&app, &staff, "eve", "another password", "admin").await, 403);
    assert_eq!(create_account(&app, &admin, "sam", "staff password 1", "staff").await, 400, "duplicate");
    assert_eq!(create_account(&app, &admin, "tim", "short", "staff").await, 400, "weak password");
    assert_eq!(create_account(&app, &admin, "tom", "long enough pass", "owner").await, 400, "unknown role");
}

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::spawn().await;
    let health: Value = app.client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let missing = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}
