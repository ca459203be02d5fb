//! The `/chat` page: the same conversation as on Messenger, in a browser, without JavaScript;
//! a resubmitted form is one message, text is escaped, visitors do not see each other, and a
//! post without the page's cookie is refused.

use crate::support::*;

fn cookie_of(response: &reqwest::Response) -> String {
    let set = response.headers().get("set-cookie").expect("the page sets its cookie").to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    set.split(';').next().unwrap().to_owned()
}

async fn page(app: &TestApp, cookie: &str) -> String {
    app.client.get(app.url("/chat")).header("cookie", cookie).send().await.unwrap().text().await.unwrap()
}

async fn post(app: &TestApp, cookie: &str, form: &[(&str, &str)]) {
    let response = app.client.post(app.url("/chat")).header("cookie", cookie).form(form).send().await.unwrap();
    assert_eq!(response.status(), 303, "the form redirects back to the page");
}

#[tokio::test]
async fn a_visitor_walks_the_coupon_flow_by_clicking_buttons() {
    let app = TestApp::spawn().await;
    let first = app.client.get(app.url("/chat")).send().await.unwrap();
    let cookie = cookie_of(&first);
    assert!(first.text().await.unwrap().contains("Say hello"));

    post(&app, &cookie, &[("text", "hello"), ("nonce", "n1")]).await;
    let html = page(&app, &cookie).await;
    assert!(html.contains("Hi! We have a coupon for you."), "a visitor has no name: {html}");
    assert!(html.contains("name=\"payload\" value=\"coupon:show\""), "{html}");
    assert!(html.contains("name=\"payload\" value=\"coupon:no\""), "{html}");

    post(&app, &cookie, &[("payload", "coupon:show"), ("title", "Yes! Show me coupon"), ("nonce", "n2")]).await;
    post(&app, &cookie, &[("payload", "coupon:reveal"), ("title", "Reveal the coupon"), ("nonce", "n3")]).await;
    let html = page(&app, &cookie).await;
    assert!(html.contains("Your code is <code class=\"coupon\">SPRING-"), "{html}");

    post(&app, &cookie, &[("payload", "coupon:no"), ("title", "No, thanks"), ("nonce", "n4")]).await;
    let html = page(&app, &cookie).await;
    assert!(html.contains("/media/coupon/thanks.png"), "{html}");
    assert!(html.contains("No problem. Thanks for stopping by!"), "{html}");

    let store = app.store().await;
    assert_eq!(store.count_events("coupon", statbot::store::EventKind::CouponRevealed).await.unwrap(), 1);
    // Web replies are delivered by the page, never sent to the Graph API.
    assert_eq!(app.graph.attempts(), 0);
}

#[tokio::test]
async fn a_resubmitted_form_is_one_message() {
    let app = TestApp::spawn().await;
    let cookie = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    for _ in 0..3 {
        post(&app, &cookie, &[("text", "hello"), ("nonce", "same")]).await;
    }
    let html = page(&app, &cookie).await;
    assert_eq!(html.matches("We have a coupon for you").count(), 1, "{html}");
}

#[tokio::test]
async fn text_is_escaped_and_visitors_do_not_see_each_other() {
    let app = TestApp::spawn().await;
    let alice = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    let bob = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    post(&app, &alice, &[("text", "<script>alert(1)</script>"), ("nonce", "a")]).await;
    let html = page(&app, &alice).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
    assert!(!page(&app, &bob).await.contains("alert(1)"));
}

#[tokio::test]
async fn posting_without_the_cookie_is_refused() {
    let app = TestApp::spawn().await;
    let response = app.client.post(app.url("/chat")).form(&[("text", "hi"), ("nonce", "x")]).send().await.unwrap();
    assert_eq!(response.status(), 400);
}

/// The attack from issue 17: a script inventing a new `statbot_chat` cookie per request and
/// tapping `coupon:reveal` emptied the unique pool. Made-up cookies are not visitors, and a tap
/// on a button the bot never offered hands out nothing.
#[tokio::test]
async fn twenty_invented_cookies_tapping_reveal_get_no_code() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    let pool = store.coupon_codes_left("coupon", "spring").await.unwrap();
    for i in 0..20 {
        let cookie = format!("statbot_chat={:032x}", 0xabcdef_u128 * (i + 1));
        let form = [("payload", "coupon:reveal"), ("title", "Reveal the coupon"), ("nonce", "x")];
        let response = app.client.post(app.url("/chat")).header("cookie", &cookie).form(&form).send().await.unwrap();
        assert!(response.status() == 303 || response.status() == 400, "{}", response.status());
        assert!(!page(&app, &cookie).await.contains("Your code is"));
    }
    assert_eq!(store.count_events("coupon", statbot::store::EventKind::CouponRevealed).await.unwrap(), 0);
    assert_eq!(store.coupon_codes_left("coupon", "spring").await.unwrap(), pool);
}

#[tokio::test]
async fn a_real_visitor_tapping_a_button_never_offered_gets_the_greeting_not_a_code() {
    let app = TestApp::spawn().await;
    let cookie = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    post(&app, &cookie, &[("payload", "coupon:reveal"), ("title", "Reveal the coupon"), ("nonce", "n1")]).await;
    let html = page(&app, &cookie).await;
    assert!(!html.contains("Your code is"), "{html}");
    assert!(html.contains("We have a coupon for you"), "treated as free text: {html}");
    // Having been shown the greeting is not having been shown the offer.
    post(&app, &cookie, &[("payload", "coupon:reveal"), ("title", "Reveal the coupon"), ("nonce", "n2")]).await;
    assert!(!page(&app, &cookie).await.contains("Your code is"));
    let store = app.store().await;
    assert_eq!(store.count_events("coupon", statbot::store::EventKind::CouponRevealed).await.unwrap(), 0);
    assert_eq!(store.count_events("coupon", statbot::store::EventKind::ButtonClicked).await.unwrap(), 0);
}

#[tokio::test]
async fn the_dashboard_names_a_visitor_readably() {
    let app = TestApp::spawn().await;
    let store = app.store().await;
    statbot::auth::create_user(&store, "ops", statbot::store::Role::Admin, "correct horse battery").await.unwrap();
    let visitor = chat_visitor(&app).await;
    post(&app, &visitor.cookie, &[("text", "hello"), ("nonce", "n1")]).await;
    let contact = store.find_contact(statbot_core::Platform::Web, &visitor.id).await.unwrap().unwrap();
    assert_eq!(contact.display_name(), format!("Visitor {}", contact.id));

    let session = pages::dashboard_session(&app, "ops", "correct horse battery").await;
    let list = pages::get(&app, &session, "/contacts").await.text().await.unwrap();
    assert!(list.contains(&format!(">Visitor {}</a>", contact.id)), "{list}");
    let conversation = pages::get(&app, &session, &format!("/contacts/{}", contact.id)).await.text().await.unwrap();
    assert!(conversation.contains(&format!("<h1>Visitor {}", contact.id)), "{conversation}");
}

#[tokio::test]
async fn what_is_not_understood_offers_one_set_of_choices() {
    let app = TestApp::spawn().await;
    let cookie = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    post(&app, &cookie, &[("text", "blorp"), ("nonce", "n1")]).await;
    let html = page(&app, &cookie).await;
    assert!(html.contains("Sorry, I didn&#39;t understand") || html.contains("Sorry, I didn't understand"), "{html}");
    let offered: Vec<&str> =
        html.split("name=\"payload\" value=\"").skip(1).map(|rest| rest.split('"').next().unwrap()).collect();
    assert_eq!(offered, ["ask:explore", "ask:menu"], "{html}");
    post(&app, &cookie, &[("payload", "ask:explore"), ("title", "Explore the data"), ("nonce", "n2")]).await;
    assert!(page(&app, &cookie).await.contains("Which city would you like to look at?"));
}

/// The value of the page's `id="latest"` bubble's text, and how many there are.
fn latest(html: &str) -> (usize, String) {
    let count = html.matches("id=\"latest\"").count();
    let text = html
        .split("id=\"latest\"")
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .map(|(_, rest)| rest.split("</li>").next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (count, text)
}

#[tokio::test]
async fn after_each_message_the_page_opens_at_the_newest_reply() {
    let app = TestApp::spawn().await;
    let cookie = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    let html = page(&app, &cookie).await;
    assert_eq!(latest(&html).0, 0, "nothing to show yet: {html}");

    for (n, (text, reply)) in [("hello", "We have a coupon for you"), ("population of Austin", "Austin: population is")]
        .into_iter()
        .enumerate()
    {
        let form = [("text", text), ("nonce", &format!("n{n}"))];
        let response = app.client.post(app.url("/chat")).header("cookie", &cookie).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/chat#latest", "the browser goes to the newest reply");
        let html = page(&app, &cookie).await;
        let (count, bubble) = latest(&html);
        assert_eq!(count, 1, "{html}");
        assert!(bubble.contains(reply), "the first reply to the latest message: {bubble}");
    }
    // Without JavaScript the anchor does it; with it, a plain visit scrolls there too.
    let html = page(&app, &cookie).await;
    let script = html.split("<script src=\"").nth(1).and_then(|s| s.split('"').next()).expect("a script");
    assert!(script.starts_with("/assets/chat.") && script.ends_with(".js"), "{script}");
    let js = app.client.get(app.url(script)).send().await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(js.text().await.unwrap().contains("latest"));
}

#[tokio::test]
async fn the_revealed_code_stands_out_and_the_reveal_leads_on_to_the_shop_or_the_menu() {
    let app = TestApp::spawn().await;
    let cookie = cookie_of(&app.client.get(app.url("/chat")).send().await.unwrap());
    post(&app, &cookie, &[("text", "hello"), ("nonce", "n1")]).await;
    post(&app, &cookie, &[("payload", "coupon:show"), ("title", "Yes! Show me coupon"), ("nonce", "n2")]).await;
    post(&app, &cookie, &[("payload", "coupon:reveal"), ("title", "Reveal the coupon"), ("nonce", "n3")]).await;
    let html = page(&app, &cookie).await;
    let code = html.split("<code class=\"coupon\">").nth(1).and_then(|s| s.split("</code>").next()).expect("the code");
    assert!(code.starts_with("SPRING-") && code.len() > 8, "{code}");
    assert!(html.contains(&format!("Your code is <code class=\"coupon\">{code}</code>.")), "{html}");
    assert!(html.contains("name=\"payload\" value=\"coupon:shop\""), "{html}");
    assert!(html.contains("name=\"payload\" value=\"coupon:menu\""), "{html}");

    post(&app, &cookie, &[("payload", "coupon:shop"), ("title", "Visit the shop"), ("nonce", "n4")]).await;
    let html = page(&app, &cookie).await;
    let shop = app.url("/shop");
    assert!(html.contains(&format!("<a href=\"{shop}\">{shop}</a>")), "a link to the shop: {html}");
    // The code still stands out where it was shown.
    assert!(html.contains(&format!("<code class=\"coupon\">{code}</code>")), "{html}");
    post(&app, &cookie, &[("payload", "coupon:back"), ("title", "Back to the menu"), ("nonce", "n5")]).await;
    assert_eq!(latest(&page(&app, &cookie).await).1.matches("We have a coupon for you").count(), 1);
}
