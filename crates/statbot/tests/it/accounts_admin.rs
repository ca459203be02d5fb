//! Managing operator accounts: `statbot users list|set-role|passwd|unlock|disable|enable|remove`
//! and the admin API beside them (`/api/v1/users…`: 401 without a token, 403 for staff); a role
//! change, a password change or disabling ends the account's API tokens and dashboard session at
//! once; the last enabled admin stays one; unlocking lets a locked-out owner in; and the login
//! form warns before the try that locks a name and says how long a lock lasts.

use crate::support::binary::Ran;
use crate::support::pages::{dashboard_session, get, post_login};
use crate::support::*;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use statbot::store::Role;

const ANA: &str = "ana's long password";
const SAM: &str = "sam's long password";

/// `ana` (admin) and `sam` (staff), made in the store.
async fn with_accounts(app: &TestApp) {
    let store = app.store().await;
    statbot::auth::create_user(&store, "ana", Role::Admin, ANA).await.unwrap();
    statbot::auth::create_user(&store, "sam", Role::Staff, SAM).await.unwrap();
    store.close().await;
}

/// `statbot users ARGS` on the app's database, with `stdin`.
fn users(app: &TestApp, args: &[&str], stdin: &str) -> Ran {
    statbot(&["users"]).args(args).database(&app.config.database_url).stdin(stdin).run()
}

/// `statbot users ARGS`, which must succeed; what it printed.
fn users_ok(app: &TestApp, args: &[&str]) -> String {
    statbot(&["users"]).args(args).database(&app.config.database_url).run_ok().stdout
}

/// `statbot users ARGS`, which must fail; its one sentence.
fn users_fail(app: &TestApp, args: &[&str]) -> String {
    let ran = users(app, args, "");
    assert!(!ran.status.success(), "statbot users {args:?} succeeded: {}", ran.stdout);
    ran.stderr.trim().to_owned()
}

async fn api_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap()
}

/// A request to the admin API as `token` (none: anonymous).
async fn call(app: &TestApp, method: &str, path: &str, body: Option<Value>, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(method.parse().unwrap(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// The status and error code of an answer.
async fn refusal(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

/// The words of the line of `users list` that starts with the name.
fn listed(table: &str, name: &str) -> Option<Vec<String>> {
    table
        .lines()
        .map(|line| line.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find(|words| words.first().is_some_and(|first| first == name))
}

/// The error sentence of the login page.
async fn login_error(response: reqwest::Response) -> String {
    let html = response.text().await.unwrap();
    let start = html.find("role=\"alert\">").expect("the page says what went wrong") + 13;
    html[start..start + html[start..].find("</p>").unwrap()].to_owned()
}

#[tokio::test]
async fn users_list_shows_the_operators_as_a_table_or_json() {
    let app = TestApp::spawn().await;
    let db = &app.config.database_url;
    statbot(&["users", "add", "ana", "--role", "admin", "--password-stdin"]).database(db).stdin(ANA).run_ok();
    let add_sam = ["users", "add", "sam", "--role", "staff", "--team", "Night", "--password-stdin"];
    statbot(&add_sam).database(db).stdin(SAM).run_ok();
    // A shop customer is not an operator: never listed.
    let store = app.store().await;
    statbot::auth::create_user(&store, "cus@example.com", Role::Customer, "a customer's password").await.unwrap();
    for _ in 0..3 {
        assert_eq!(api_login(&app, "sam", "not sam's password").await.status(), 401);
    }

    let table = users_ok(&app, &["list"]);
    assert_eq!(listed(&table, "name").unwrap(), ["name", "role", "team", "disabled", "locked"], "{table}");
    assert_eq!(listed(&table, "ana").unwrap(), ["ana", "admin", "Support", "no", "no"], "{table}");
    // The tests lock a name for a minute.
    assert_eq!(listed(&table, "sam").unwrap(), ["sam", "staff", "Night", "no", "1", "minute", "left"], "{table}");
    assert!(!table.contains("cus@example.com"), "{table}");

    let json: Value = serde_json::from_str(&users_ok(&app, &["list", "--format", "json"])).unwrap();
    let names: Vec<&str> = json.as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["ana", "sam"]);
    assert_eq!((json[1]["role"].as_str(), json[1]["team"].as_str()), (Some("staff"), Some("Night")));
    assert_eq!(json[1]["disabled"], false);
    assert!(json[1]["locked_until"].as_i64().is_some_and(|until| until > statbot::store::now_ms()), "{json}");
    assert!(json[0]["locked_until"].is_null(), "{json}");
}

#[tokio::test]
async fn users_commands_change_roles_passwords_and_access_and_remove_accounts() {
    let app = TestApp::spawn().await;
    with_accounts(&app).await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "cus@example.com", Role::Customer, "a customer's password").await.unwrap();

    let out = users_ok(&app, &["set-role", "sam", "admin"]);
    assert_eq!(out.trim(), "`sam` is now admin; its sessions and API tokens have ended");
    assert_eq!(users_ok(&app, &["set-role", "sam", "admin"]).trim(), "`sam` already is admin");
    assert!(users_fail(&app, &["set-role", "sam", "owner"]).contains("invalid value 'owner'"));
    assert_eq!(users_fail(&app, &["set-role", "nobody", "staff"]), "statbot: there is no account `nobody`");

    // A new password: from standard input, following the rules; the old one stops working.
    let ran = users(&app, &["passwd", "sam", "--password-stdin"], "sam's brand new password\n");
    assert!(ran.status.success(), "{}", ran.stderr);
    assert_eq!(ran.stdout.trim(), "changed the password of `sam`; its sessions and API tokens have ended");
    assert_eq!(api_login(&app, "sam", SAM).await.status(), 401);
    assert_eq!(api_login(&app, "sam", "sam's brand new password").await.status(), 200);
    let weak = users(&app, &["passwd", "sam", "--password-stdin"], "short\n");
    assert!(weak.stderr.contains("the password needs at least 10 characters"), "{}", weak.stderr);
    let no_tty = users(&app, &["passwd", "sam"], "");
    assert!(no_tty.stderr.contains("pass --password-stdin and pipe it in"), "{}", no_tty.stderr);
    assert_eq!(users_fail(&app, &["passwd", "nobody", "--password-stdin"]), "statbot: there is no account `nobody`");

    // Disabled: the right password is refused, and said to be disabled only to whoever knows it.
    let out = users_ok(&app, &["disable", "sam"]);
    assert_eq!(out.trim(), "disabled `sam`: it cannot log in; its sessions and API tokens have ended");
    assert_eq!(users_ok(&app, &["disable", "sam"]).trim(), "`sam` already is disabled");
    assert_eq!(listed(&users_ok(&app, &["list"]), "sam").unwrap()[3], "yes");
    assert_eq!(
        refusal(api_login(&app, "sam", "sam's brand new password").await).await,
        (403, "account_disabled".into())
    );
    assert_eq!(refusal(api_login(&app, "sam", "a wrong password").await).await, (401, "unauthorized".into()));
    assert_eq!(users_ok(&app, &["enable", "sam"]).trim(), "enabled `sam`: it can log in again");
    assert_eq!(users_ok(&app, &["enable", "sam"]).trim(), "`sam` already is enabled");
    assert_eq!(api_login(&app, "sam", "sam's brand new password").await.status(), 200);

    // Removed, with its session; the name is free again.
    let session = dashboard_session(&app, "sam", "sam's brand new password").await;
    assert_eq!(users_ok(&app, &["remove", "sam"]).trim(), "removed the admin account `sam`");
    assert!(listed(&users_ok(&app, &["list"]), "sam").is_none());
    assert_eq!(get(&app, &session, "/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(users_fail(&app, &["remove", "sam"]), "statbot: there is no account `sam`");
    assert!(store.user_by_name("sam").await.unwrap().is_none());

    // Shop customers are the shop's.
    for args in
        [&["disable", "cus@example.com"][..], &["remove", "cus@example.com"], &["set-role", "cus@example.com", "staff"]]
    {
        assert_eq!(
            users_fail(&app, args),
            "statbot: `cus@example.com` is a shop customer account: only operator accounts are managed here"
        );
    }
}

/// A token and a dashboard session of `sam`, both working.
async fn open_sam(app: &TestApp, password: &str) -> (String, String) {
    let token = app.token("sam", password).await;
    let session = dashboard_session(app, "sam", password).await;
    assert_eq!(me(app, &token).await.status(), 200);
    assert_eq!(get(app, &session, "/").await.status(), StatusCode::OK);
    (token, session)
}

/// Both refused at once: the token with 401, the session sent to log in (for pages) or 401 (for
/// the API it may read).
async fn assert_ended(app: &TestApp, token: &str, session: &str, after: &str) {
    assert_eq!(refusal(me(app, token).await).await, (401, "unauthorized".into()), "token after {after}");
    let page = get(app, session, "/").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "session after {after}");
    assert_eq!(page.headers()[LOCATION], "/login");
    assert_eq!(get(app, session, "/api/v1/me").await.status(), 401, "session on the API after {after}");
}

#[tokio::test]
async fn tokens_and_sessions_end_at_once_on_a_role_change_a_password_change_or_disabling() {
    let app = TestApp::spawn().await;
    with_accounts(&app).await;
    let admin = app.token("ana", ANA).await;

    // A role change (from the command line).
    let (token, session) = open_sam(&app, SAM).await;
    users_ok(&app, &["set-role", "sam", "admin"]);
    assert_ended(&app, &token, &session, "a role change").await;
    let (token, _) = open_sam(&app, SAM).await;
    let body: Value = me(&app, &token).await.json().await.unwrap();
    assert_eq!(body["role"], "admin", "a new token has the new role");

    // A password change (over the API).
    let (token, session) = open_sam(&app, SAM).await;
    let body = json!({ "password": "sam's second password" });
    let changed = call(&app, "POST", "/api/v1/users/sam/password", Some(body), Some(&admin)).await;
    assert_eq!(changed.status(), 204);
    assert_ended(&app, &token, &session, "a password change").await;
    let (token, session) = open_sam(&app, "sam's second password").await;

    // Disabling (over the API); enabling again does not bring old tokens back.
    let patch = json!({ "disabled": true });
    assert_eq!(call(&app, "PATCH", "/api/v1/users/sam", Some(patch), Some(&admin)).await.status(), 200);
    assert_ended(&app, &token, &session, "disabling").await;
    assert_eq!(api_login(&app, "sam", "sam's second password").await.status(), 403);
    assert_eq!(
        call(&app, "PATCH", "/api/v1/users/sam", Some(json!({ "disabled": false })), Some(&admin)).await.status(),
        200
    );
    assert_ended(&app, &token, &session, "enabling again").await;
    open_sam(&app, "sam's second password").await;

    // Other accounts are untouched.
    assert_eq!(me(&app, &admin).await.status(), 200);
}

#[tokio::test]
async fn admins_manage_accounts_over_the_api_and_others_are_refused() {
    let app = TestApp::spawn().await;
    with_accounts(&app).await;
    let admin = app.token("ana", ANA).await;
    let staff = app.token("sam", SAM).await;

    let routes: [(&str, &str, Option<Value>); 5] = [
        ("GET", "/api/v1/users", None),
        ("PATCH", "/api/v1/users/ana", Some(json!({ "role": "staff" }))),
        ("POST", "/api/v1/users/ana/password", Some(json!({ "password": "taken over at last" }))),
        ("POST", "/api/v1/users/ana/unlock", None),
        ("DELETE", "/api/v1/users/ana", None),
    ];
    for (method, path, body) in &routes {
        let anonymous = call(&app, method, path, body.clone(), None).await;
        assert_eq!(refusal(anonymous).await, (401, "unauthorized".into()), "{method} {path}");
        let as_staff = call(&app, method, path, body.clone(), Some(&staff)).await;
        assert_eq!(refusal(as_staff).await, (403, "forbidden".into()), "{method} {path}");
    }

    let list: Value = call(&app, "GET", "/api/v1/users", None, Some(&admin)).await.json().await.unwrap();
    let users = list["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!((users[1]["username"].as_str(), users[1]["role"].as_str()), (Some("sam"), Some("staff")));
    assert_eq!((users[1]["disabled"].as_bool(), users[1]["locked_until"].is_null()), (Some(false), true));

    // PATCH: role, disabled, or both; the account as listed comes back.
    let both = json!({ "role": "admin", "disabled": true });
    let patched: Value = call(&app, "PATCH", "/api/v1/users/sam", Some(both), Some(&admin)).await.json().await.unwrap();
    assert_eq!((patched["role"].as_str(), patched["disabled"].as_bool()), (Some("admin"), Some(true)), "{patched}");
    let back = json!({ "role": "staff", "disabled": false });
    assert_eq!(call(&app, "PATCH", "/api/v1/users/sam", Some(back), Some(&admin)).await.status(), 200);
    for (body, expected) in [
        (json!({}), (400, "bad_request")),
        (json!({ "role": "customer" }), (400, "bad_request")),
        (json!({ "role": "owner" }), (400, "bad_request")),
        (json!({ "colour": "red" }), (400, "invalid_json")),
    ] {
        let answer = call(&app, "PATCH", "/api/v1/users/sam", Some(body.clone()), Some(&admin)).await;
        assert_eq!(refusal(answer).await, (expected.0, expected.1.to_owned()), "{body}");
    }
    let missing = call(&app, "PATCH", "/api/v1/users/nobody", Some(json!({ "role": "staff" })), Some(&admin)).await;
    assert_eq!(refusal(missing).await, (404, "not_found".into()));

    // A new password must follow the rules.
    let weak = call(&app, "POST", "/api/v1/users/sam/password", Some(json!({ "password": "short" })), Some(&admin));
    assert_eq!(refusal(weak.await).await, (400, "bad_request".into()));

    // Unlock: a locked name may log in again at once.
    for _ in 0..3 {
        api_login(&app, "sam", "not sam's password").await;
    }
    assert_eq!(api_login(&app, "sam", SAM).await.status(), 429);
    let listed: Value = call(&app, "GET", "/api/v1/users", None, Some(&admin)).await.json().await.unwrap();
    assert!(listed["users"][1]["locked_until"].is_i64(), "{listed}");
    let unlocked: Value =
        call(&app, "POST", "/api/v1/users/sam/unlock", None, Some(&admin)).await.json().await.unwrap();
    assert_eq!(unlocked, json!({ "username": "sam", "was_locked": true }));
    assert_eq!(api_login(&app, "sam", SAM).await.status(), 200);
    let again: Value = call(&app, "POST", "/api/v1/users/sam/unlock", None, Some(&admin)).await.json().await.unwrap();
    assert_eq!(again["was_locked"], false);
    let nobody = call(&app, "POST", "/api/v1/users/nobody/unlock", None, Some(&admin)).await;
    assert_eq!(refusal(nobody).await, (404, "not_found".into()));

    // Removal.
    assert_eq!(call(&app, "DELETE", "/api/v1/users/sam", None, Some(&admin)).await.status(), 204);
    assert_eq!(me(&app, &staff).await.status(), 401);
    let list: Value = call(&app, "GET", "/api/v1/users", None, Some(&admin)).await.json().await.unwrap();
    assert_eq!(list["users"].as_array().unwrap().len(), 1);
    let gone = call(&app, "DELETE", "/api/v1/users/sam", None, Some(&admin)).await;
    assert_eq!(refusal(gone).await, (404, "not_found".into()));
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_demoted_disabled_or_removed() {
    let app = TestApp::spawn().await;
    with_accounts(&app).await;
    let admin = app.token("ana", ANA).await;
    let last = "statbot: `ana` is the last enabled admin: make another account admin first";

    for args in [&["set-role", "ana", "staff"][..], &["disable", "ana"], &["remove", "ana"]] {
        assert_eq!(users_fail(&app, args), last, "{args:?}");
    }
    for (method, body) in
        [("PATCH", Some(json!({ "role": "staff" }))), ("PATCH", Some(json!({ "disabled": true }))), ("DELETE", None)]
    {
        let answer = call(&app, method, "/api/v1/users/ana", body, Some(&admin)).await;
        let status = answer.status();
        let message: Value = answer.json().await.unwrap();
        assert_eq!((status.as_u16(), message["error"]["code"].as_str()), (409, Some("last_admin")), "{method}");
        assert_eq!(format!("statbot: {}", message["error"]["message"].as_str().unwrap()), last);
    }
    // Nothing changed, so nothing ended.
    assert_eq!(me(&app, &admin).await.status(), 200);

    // A disabled admin does not count.
    users_ok(&app, &["set-role", "sam", "admin"]);
    users_ok(&app, &["disable", "sam"]);
    assert_eq!(users_fail(&app, &["set-role", "ana", "staff"]), last);
    users_ok(&app, &["enable", "sam"]);

    // With another enabled admin, ana may step down herself; her token ends there and then.
    let stepped_down = call(&app, "PATCH", "/api/v1/users/ana", Some(json!({ "role": "staff" })), Some(&admin)).await;
    assert_eq!(stepped_down.status(), 200);
    assert_eq!(me(&app, &admin).await.status(), 401);
    assert_eq!(
        users_fail(&app, &["remove", "sam"]),
        "statbot: `sam` is the last enabled admin: make another account admin first"
    );
}

#[tokio::test]
async fn users_unlock_lets_a_locked_out_owner_in() {
    let app = TestApp::spawn().await;
    with_accounts(&app).await;
    for _ in 0..3 {
        assert_eq!(post_login(&app, "ana", "not the password").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(post_login(&app, "ana", ANA).await.status(), StatusCode::TOO_MANY_REQUESTS);

    assert_eq!(users_ok(&app, &["unlock", "ana"]).trim(), "unlocked `ana` (it was locked for 1 more minute)");
    dashboard_session(&app, "ana", ANA).await;
    assert_eq!(users_ok(&app, &["unlock", "ana"]).trim(), "`ana` was not locked; its failed logins are forgotten");
    assert_eq!(users_fail(&app, &["unlock", "nobody"]), "statbot: there is no account `nobody`");

    // A shop customer locked out can be let in too.
    let store = app.store().await;
    statbot::auth::create_user(&store, "cus@example.com", Role::Customer, "a customer's password").await.unwrap();
    for _ in 0..3 {
        api_login(&app, "cus@example.com", "not the password").await;
    }
    assert!(users_ok(&app, &["unlock", "cus@example.com"]).starts_with("unlocked `cus@example.com`"));
    assert_eq!(api_login(&app, "cus@example.com", "a customer's password").await.status(), 200);
}

#[tokio::test]
async fn the_login_form_warns_before_the_last_try_and_says_how_long_a_lock_lasts() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.auth.lockout_secs = 900, ..Options::default() }).await;
    with_accounts(&app).await;
    // A name nobody has is told exactly the same, so the form tells nobody who has an account.
    for name in ["ana", "nobody"] {
        let first = post_login(&app, name, "not the password").await;
        assert_eq!(first.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(login_error(first).await, "Wrong username or password.", "{name}");
        let second = login_error(post_login(&app, name, "not the password").await).await;
        assert_eq!(
            second, "Wrong username or password. One more wrong password locks this account for 15 minutes.",
            "{name}"
        );
        let third = login_error(post_login(&app, name, "not the password").await).await;
        assert_eq!(
            third, "Wrong username or password. Too many failed logins: this account is locked for 15 minutes.",
            "{name}"
        );
        let locked = post_login(&app, name, ANA).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            login_error(locked).await,
            "Too many failed logins: this account is locked for 15 more minutes.",
            "{name}"
        );
    }

    // A disabled account is said to be so only after its right password.
    users_ok(&app, &["disable", "sam"]);
    assert_eq!(login_error(post_login(&app, "sam", "not the password").await).await, "Wrong username or password.");
    let disabled = post_login(&app, "sam", SAM).await;
    assert_eq!(disabled.status(), StatusCode::FORBIDDEN);
    assert_eq!(login_error(disabled).await, "This account is disabled; an admin can enable it again.");
}

#[tokio::test]
async fn a_removed_account_leaves_the_team_figures_it_wrote() {
    let app = TestApp::spawn().await;
    with_accounts(&app).await;
    let admin = app.token("ana", ANA).await;
    let staff = app.token("sam", SAM).await;
    let day = "/api/v1/team/stats/2025-05-05";
    let written = app.client.put(app.url(day)).bearer_auth(&staff).json(&json!({ "solved": 12 })).send().await.unwrap();
    assert_eq!(written.status(), 200);

    assert_eq!(call(&app, "DELETE", "/api/v1/users/sam", None, Some(&admin)).await.status(), 204);
    let kept: Value = app.client.get(app.url(day)).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert!(kept.to_string().contains("12"), "{kept}");
}
