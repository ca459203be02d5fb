//! The security headers as a browser receives them: every HTML page (the login page, each
//! dashboard page after login, `/chat`, `/shop` off, in test mode and with a live publishable
//! key) has a Content-Security-Policy without `'unsafe-inline'` whose only other origins are
//! Stripe's, on the storefront with a live key, and the chat's image hosts; no framing
//! (`X-Frame-Options: DENY`, `frame-ancestors 'none'`), `X-Content-Type-Options: nosniff` and a
//! `Referrer-Policy`. The pages have nothing inline the policy would block, and the files they
//! load from `/assets/` are served with their type and a long cache. Other answers (health
//! check, API, webhooks, charts) carry the plain headers and no policy.

use crate::support::pages::dashboard_session;
use crate::support::*;
use reqwest::header::COOKIE;
use statbot::config::{Config, Secret};
use statbot::store::Role;
use std::collections::BTreeMap;

const PASSWORD: &str = "correct horse battery";

/// Stripe.js's sources by directive, as Stripe's integration security guide lists them.
const STRIPE: [(&str, &[&str]); 3] = [
    ("script-src", &["https://js.stripe.com", "https://*.js.stripe.com"]),
    ("frame-src", &["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]),
    ("connect-src", &["https://api.stripe.com"]),
];

/// A policy's directives: name → sources.
fn directives(policy: &str) -> BTreeMap<String, Vec<String>> {
    policy
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?.to_ascii_lowercase(), words.map(str::to_owned).collect()))
        })
        .collect()
}

/// The headers every answer carries, whatever it is.
fn assert_plain_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
}

/// Checks an HTML page's headers and returns its policy's sources from other origins (by
/// directive, empty ones left out) and its body. The policy allows no inline code, nothing from
/// any origin but statbot's and those returned, and no framing; the page has no inline script,
/// style element, style attribute or event handler, so the policy breaks nothing.
async fn page(response: reqwest::Response, what: &str) -> (BTreeMap<String, Vec<String>>, String) {
    assert_eq!(response.status(), 200, "{what}");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{what}");
    assert_plain_headers(&response, what);
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(!policy.contains("unsafe-"), "{what}: {policy}");
    let directives = directives(&policy);
    assert_eq!(directives["default-src"], ["'none'"], "{what}: {policy}");
    assert_eq!(directives["frame-ancestors"], ["'none'"], "{what}: {policy}");
    assert_eq!(directives["style-src"], ["'self'"], "{what}: {policy}");
    assert_eq!(directives["base-uri"], ["'none'"], "{what}: {policy}");
    assert_eq!(directives["form-action"], ["'self'"], "{what}: {policy}");
    let mut third_party = BTreeMap::new();
    for (name, sources) in &directives {
        let others: Vec<String> =
            sources.iter().filter(|s| !["'self'", "'none'"].contains(&s.as_str())).cloned().collect();
        for source in &others {
            // Hosts only: no bare scheme (`https:`, `data:`) or wildcard that would allow any site.
            assert!(source.starts_with("https://") || source.starts_with("http://"), "{what}: {source} in {policy}");
            assert_ne!(source.split("://").nth(1), Some("*"), "{what}: {policy}");
        }
        if !others.is_empty() {
            third_party.insert(name.clone(), others);
        }
    }
    let html = response.text().await.unwrap();
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(tag.contains(" src=\""), "{what}: an inline script");
    }
    assert!(!html.contains("<style"), "{what}: a style element");
    assert!(!html.contains(" style=\""), "{what}: a style attribute");
    for handler in [" onclick=", " onload=", " onerror=", " onsubmit=", " onchange=", "javascript:"] {
        assert!(!html.contains(handler), "{what}: {handler}");
    }
    (third_party, html)
}

/// The `/assets/` files a page links to load, with their type, `nosniff` and a year's cache.
async fn assert_assets_load(app: &TestApp, html: &str, what: &str) {
    let paths: Vec<&str> = html.split("\"/assets/").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
    assert!(!paths.is_empty(), "{what} loads its style sheet from /assets/");
    for path in paths {
        let response = app.client.get(app.url(&format!("/assets/{path}"))).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_plain_headers(&response, path);
        let kind = if path.ends_with(".css") { "text/css" } else { "text/javascript" };
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        assert!(response.headers()["cache-control"].to_str().unwrap().contains("max-age=31536000"), "{path}");
        assert!(response.headers().get("content-security-policy").is_none(), "{path}");
    }
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_page_has_the_headers_and_loads_only_from_statbot() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "lead", Role::Staff, PASSWORD).await.unwrap();
    // A contact, for a conversation page.
    app.post_signed(&text_event("6900000000000001", "m_headers_1", "hi")).await;
    app.wait_for_sent_to("6900000000000001", 1).await;

    let (third_party, html) = page(get(&app, "/login", None).await, "/login").await;
    assert!(third_party.is_empty(), "/login: {third_party:?}");
    assert_assets_load(&app, &html, "/login").await;

    let session = dashboard_session(&app, "lead", PASSWORD).await;
    let contacts = get(&app, "/contacts", Some(&session)).await.text().await.unwrap();
    let at = contacts.find("href=\"/contacts/").expect("a contact") + 6;
    let contact = &contacts[at..at + contacts[at..].find('"').unwrap()];
    for path in [
        "/",
        "/flows/coupon",
        "/contacts",
        contact,
        "/datasets",
        "/datasets/cities?a=Austin&b=Denver",
        "/team",
        "/store",
    ] {
        let (third_party, html) = page(get(&app, path, Some(&session)).await, path).await;
        assert!(third_party.is_empty(), "{path}: {third_party:?}");
        assert_assets_load(&app, &html, path).await;
    }

    // A new visitor's chat shows no image yet: nothing from elsewhere.
    let (third_party, html) = page(get(&app, "/chat", None).await, "/chat").await;
    assert!(third_party.is_empty(), "/chat: {third_party:?}");
    assert_assets_load(&app, &html, "/chat").await;

    // Without a Stripe key the storefront shows its catalog and loads nothing from elsewhere.
    let (third_party, html) = page(get(&app, "/shop", None).await, "/shop").await;
    assert!(third_party.is_empty(), "/shop: {third_party:?}");
    assert!(html.contains("src=\"/assets/shop."), "the storefront's script is a file");
    assert_assets_load(&app, &html, "/shop").await;
}

#[tokio::test]
async fn other_answers_have_the_plain_headers_and_no_policy() {
    let app = TestApp::spawn().await;
    let health = get(&app, "/healthz", None).await;
    assert_plain_headers(&health, "/healthz");
    assert!(health.headers().get("content-security-policy").is_none());
    assert_eq!(health.json::<serde_json::Value>().await.unwrap(), serde_json::json!({ "status": "ok" }));

    let challenge = get(
        &app,
        &format!("/webhooks/messenger?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"),
        None,
    )
    .await;
    assert_eq!(challenge.status(), 200);
    assert_plain_headers(&challenge, "the webhook's verification");
    assert!(challenge.headers().get("content-security-policy").is_none());
    assert_eq!(challenge.text().await.unwrap(), "1158201444");

    for path in ["/api/v1/products", "/no/such/page", "/assets/shop.000000000000.js", "/charts/funnels/coupon.svg"] {
        let response = get(&app, path, None).await;
        assert_plain_headers(&response, path);
        assert!(response.headers().get("content-security-policy").is_none(), "{path}");
    }
}

fn stripe_shop(config: &mut Config, secret_key: &str) {
    config.stripe.secret_key = Secret::new(secret_key);
    config.stripe.publishable_key = "pk_live_headers".into();
    // Rendering the storefront asks Stripe nothing; nothing else should either.
    config.stripe.api_base = "http://127.0.0.1:9".into();
    config.stripe.sync_interval_secs = 0;
    config.shop.reconcile_interval_secs = 0;
}

#[tokio::test]
async fn the_storefront_allows_stripe_only_with_a_live_key_and_only_what_stripe_js_needs() {
    // A test-mode key: the named test cards, nothing from Stripe (a publishable key set or not).
    let mut app =
        TestApp::spawn_with(Options { tweak: |c| stripe_shop(c, "sk_test_headers"), ..Options::default() }).await;
    let (third_party, html) = page(get(&app, "/shop", None).await, "/shop in test mode").await;
    assert!(html.contains("data-mode=\"test\""), "{html}");
    assert!(!html.contains("js.stripe.com"), "{html}");
    assert!(third_party.is_empty(), "/shop in test mode: {third_party:?}");
    app.stop().await;

    // A live key with its publishable key: Stripe.js, and Stripe's origins where it needs them.
    let mut app =
        TestApp::spawn_with(Options { tweak: |c| stripe_shop(c, "sk_live_headers"), ..Options::default() }).await;
    let (third_party, html) = page(get(&app, "/shop", None).await, "/shop with a live key").await;
    assert!(html.contains("data-mode=\"live\""), "{html}");
    assert!(html.contains("<script src=\"https://js.stripe.com/v3/\"></script>"), "{html}");
    let expected: BTreeMap<String, Vec<String>> = STRIPE
        .iter()
        .map(|(directive, sources)| ((*directive).to_owned(), sources.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    assert_eq!(third_party, expected);
    assert_assets_load(&app, &html, "/shop with a live key").await;
    // Stripe is the storefront's alone: the other pages stay on statbot.
    for path in ["/login", "/chat"] {
        let (third_party, _) = page(get(&app, path, None).await, path).await;
        assert!(third_party.is_empty(), "{path} with a live key: {third_party:?}");
    }
    app.stop().await;
}

/// A flow whose greeting comes with an image on another site.
const PICTURE_FLOW: &str = r#"
name = "pics"
entry = "hello"

[steps.hello]
text = "Hello! Here is our shop."
image = "https://cdn.example.com/pics/shop-front.png"
"#;

#[tokio::test]
async fn the_chat_allows_the_images_its_bot_sent_by_their_origins_only() {
    let app =
        TestApp::spawn_with(Options { flows: vec![("pics.toml", PICTURE_FLOW.to_owned())], ..Options::default() })
            .await;
    let first = get(&app, "/chat", None).await;
    let cookie = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let response =
        app.client.post(app.url("/chat")).header(COOKIE, &cookie).form(&[("text", "hi"), ("nonce", "n1")]).send().await;
    assert_eq!(response.unwrap().status(), 303);

    let (third_party, html) = page(get(&app, "/chat", Some(&cookie)).await, "/chat with an image").await;
    assert!(html.contains("<img src=\"https://cdn.example.com/pics/shop-front.png\""), "{html}");
    let expected = BTreeMap::from([("img-src".to_owned(), vec!["https://cdn.example.com".to_owned()])]);
    assert_eq!(third_party, expected, "the image's host, for images only");
}
