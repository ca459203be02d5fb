//! Staff links: an operator gets a one-time code (`statbot users link`, or the API for
//! themselves), sends `link CODE` from a chat, and that contact is staff from then on. Codes
//! work once (even when two instances race for one), expire, are never kept in clear, and
//! wrong ones are rate-limited per contact. `unlink` works from both sides.

use crate::support::*;
use rexpect::session::spawn_command;
use statbot::staff::{self, LinkCode};
use statbot::store::{LoggedMessage, Role, Store, User};
use statbot_core::Platform;
use std::time::Duration;

/// Sends a text from the visitor's chat page on the server at `base` and returns the texts
/// the bot answered it with, one a line.
async fn say_on(app: &TestApp, base: &str, who: &Visitor, text: &str) -> String {
    let nonce = hex::encode(rand::random::<[u8; 8]>());
    let response = app
        .client
        .post(format!("{base}/chat"))
        .header("cookie", &who.cookie)
        .form(&[("text", text), ("nonce", nonce.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let store = app.store().await;
    let messages = store.conversation(contact_id(&store, who).await, 100).await.unwrap();
    store.close().await;
    let answered = messages.iter().rev().take_while(|m| matches!(m, LoggedMessage::Out { .. }));
    let mut texts: Vec<String> = answered
        .filter_map(|m| match m {
            LoggedMessage::Out { reply, .. } => reply.text().map(str::to_owned),
            LoggedMessage::In { .. } => None,
        })
        .collect();
    texts.reverse();
    texts.join("\n")
}

async fn say(app: &TestApp, who: &Visitor, text: &str) -> String {
    say_on(app, &app.url(""), who, text).await
}

async fn contact_id(store: &Store, who: &Visitor) -> i64 {
    store.find_contact(Platform::Web, &who.id).await.unwrap().expect("the visitor has written").id
}

/// The operator account the visitor's contact is linked to.
async fn operator_of(app: &TestApp, who: &Visitor) -> Option<User> {
    let store = app.store().await;
    let user = store.contact_operator(contact_id(&store, who).await).await.unwrap();
    store.close().await;
    user
}

async fn with_account(app: &TestApp, name: &str, role: Role) -> User {
    let store = app.store().await;
    statbot::auth::create_user(&store, name, role, "correct horse battery").await.unwrap();
    let user = store.user_by_name(name).await.unwrap().unwrap();
    store.close().await;
    user
}

async fn code_for(app: &TestApp, user: &User, ttl: Duration) -> LinkCode {
    let store = app.store().await;
    let issued = staff::issue_code(&store, user.id, ttl).await.unwrap();
    store.close().await;
    issued.code
}

const LINKED_AS_ANA: &str = "You're linked to statbot as ana (admin). You can now ask for store metrics.";
const NOT_VALID: &str = "That link code is not valid";

#[tokio::test]
async fn a_web_chat_visitor_links_with_a_code_which_then_works_no_more() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    let (phone, stranger) = (chat_visitor(&app).await, chat_visitor(&app).await);

    assert!(say(&app, &phone, "hello").await.contains("coupon"), "other messages reach the flows");
    assert_eq!(operator_of(&app, &phone).await.map(|u| u.username), None);
    assert_eq!(say(&app, &phone, &format!("link {code}")).await, LINKED_AS_ANA);
    let user = operator_of(&app, &phone).await.expect("the visitor is linked");
    assert_eq!((user.id, user.username.as_str(), user.role), (ana.id, "ana", Role::Admin));

    // The staff helper, on a connection of the caller's (as the assistant calls it).
    let store = app.store().await;
    let contact = contact_id(&store, &phone).await;
    let staff = staff::of(&mut store.conn().await.unwrap(), contact).await.unwrap().expect("staff");
    assert_eq!((staff.username(), staff.role()), ("ana", Role::Admin));
    let customer = contact_id(&store, &visitor_who_wrote(&app).await).await;
    assert!(!staff::is_staff(&mut store.conn().await.unwrap(), customer).await.unwrap());

    // The code was used: not again, by anyone.
    assert!(say(&app, &stranger, &format!("link {code}")).await.starts_with(NOT_VALID));
    assert!(operator_of(&app, &stranger).await.is_none());
    assert!(say(&app, &phone, &code.to_string().to_lowercase()).await.starts_with(NOT_VALID));
    assert_eq!(operator_of(&app, &phone).await.unwrap().username, "ana", "a refused code leaves the link as it was");

    // The conversation keeps the messages, codes masked.
    let log = store.conversation(contact, 100).await.unwrap();
    let sent: Vec<&str> = log
        .iter()
        .filter_map(|m| match m {
            LoggedMessage::In { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(sent, ["hello", "link ****-****", "****-****"]);
    let page = app.client.get(app.url("/chat")).header("cookie", &phone.cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains(&code.to_string()) && html.contains("link ****-****"), "{html}");
}

/// A visitor who wrote something that is not a link message.
async fn visitor_who_wrote(app: &TestApp) -> Visitor {
    let who = chat_visitor(app).await;
    say(app, &who, "hello").await;
    who
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    let code = code_for(&app, &ana, Duration::ZERO).await;
    let phone = chat_visitor(&app).await;
    assert!(say(&app, &phone, &format!("link {code}")).await.starts_with(NOT_VALID));
    assert!(operator_of(&app, &phone).await.is_none());
}

#[tokio::test]
async fn a_new_code_replaces_the_accounts_earlier_one() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    let first = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    let second = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    let phone = chat_visitor(&app).await;
    assert!(say(&app, &phone, &format!("link {first}")).await.starts_with(NOT_VALID));
    assert_eq!(say(&app, &phone, &format!("LINK {}", second.to_string().replace('-', ""))).await, LINKED_AS_ANA);
}

#[tokio::test]
async fn wrong_codes_are_refused_and_five_an_hour_lock_the_chat_out() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    let guesser = chat_visitor(&app).await;
    for guess in ["link 2222-2222", "link ABCD-EFGH", "link 2345-678", "link K7QX-M4P0", "2345-6789"] {
        assert!(say(&app, &guesser, guess).await.starts_with(NOT_VALID), "{guess}");
    }
    // Locked out: even the right code is refused, and not used up.
    let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    assert_eq!(
        say(&app, &guesser, &format!("link {code}")).await,
        "Too many wrong link codes from this chat. Please try again in an hour."
    );
    assert!(operator_of(&app, &guesser).await.is_none());
    let phone = chat_visitor(&app).await;
    assert_eq!(say(&app, &phone, &format!("link {code}")).await, LINKED_AS_ANA);
}

#[tokio::test]
async fn link_alone_explains_neutrally_and_other_sentences_are_left_to_the_bot() {
    let app = TestApp::spawn().await;
    let who = chat_visitor(&app).await;
    let answer = say(&app, &who, "link").await;
    assert!(answer.contains("link code") && !answer.contains("statbot users"), "{answer}");
    let answer = say(&app, &who, "link to the population chart please").await;
    assert!(!answer.contains("link code") && !answer.contains("statbot users link"), "{answer}");
}

#[tokio::test]
async fn unlink_works_from_the_chat_and_from_the_operators_side() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    let bo = with_account(&app, "bo", Role::Staff).await;
    let (phone, laptop, bos) = (chat_visitor(&app).await, chat_visitor(&app).await, chat_visitor(&app).await);
    for who in [&phone, &laptop] {
        let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
        assert_eq!(say(&app, who, &format!("link {code}")).await, LINKED_AS_ANA);
    }
    let code = code_for(&app, &bo, staff::DEFAULT_TTL).await;
    assert_eq!(
        say(&app, &bos, &format!("link {code}")).await,
        "You're linked to statbot as bo (staff). You can now ask for store metrics."
    );
    let store = app.store().await;
    let linked: Vec<(String, String)> =
        store.contact_links(None).await.unwrap().into_iter().map(|l| (l.username, l.external_id)).collect();
    assert_eq!(linked.len(), 3);
    assert!(linked.contains(&("bo".into(), bos.id.clone())), "{linked:?}");

    // From the chat.
    assert_eq!(say(&app, &phone, "Unlink").await, "Done: this chat is no longer linked to statbot as ana.");
    assert!(operator_of(&app, &phone).await.is_none());
    assert_eq!(say(&app, &phone, "unlink").await, "This chat is not linked to a statbot account.");

    // From the operator's side: every chat of the account, no other account's.
    assert_eq!(store.unlink_user(ana.id).await.unwrap(), 1);
    assert!(operator_of(&app, &laptop).await.is_none());
    assert_eq!(operator_of(&app, &bos).await.unwrap().username, "bo");
    assert_eq!(store.contact_links(Some(ana.id)).await.unwrap().len(), 0);
}

#[tokio::test]
async fn an_operator_gets_a_code_for_themselves_from_the_api() {
    let app = TestApp::spawn().await;
    with_account(&app, "ana", Role::Admin).await;
    let anonymous = app.client.post(app.url("/api/v1/me/link-code")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let token = app.token("ana", "correct horse battery").await;
    let response = app.client.post(app.url("/api/v1/me/link-code")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 900);
    let code = body["code"].as_str().unwrap();
    assert!(LinkCode::parse_shown(code).is_some(), "{code}");
    assert_eq!(body["send"], format!("link {code}"));

    let phone = chat_visitor(&app).await;
    assert_eq!(say(&app, &phone, body["send"].as_str().unwrap()).await, LINKED_AS_ANA);
}

#[tokio::test]
async fn a_messenger_contact_links_too() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    assert_eq!(app.post_signed(&text_event("7100", "m-link", &format!("link {code}"))).await.status(), 200);
    let sent = app.wait_for_sent_to("7100", 1).await;
    assert_eq!(text_of(&sent[0]), LINKED_AS_ANA);
    let store = app.store().await;
    let contact = store.find_contact(Platform::Messenger, "7100").await.unwrap().unwrap();
    assert_eq!(store.contact_operator(contact.id).await.unwrap().unwrap().username, "ana");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_racing_for_one_code_link_exactly_one_contact() {
    let mut app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    // On PostgreSQL, a second instance on the same database, as when several `statbot serve`
    // share it; SQLite serves one instance, which gets both requests at once.
    let second = app.second_instance().await;
    let second_base = second.as_ref().map_or_else(|| app.url(""), |s| s.base.clone());

    for _ in 0..5 {
        let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
        let (a, b) = (chat_visitor(&app).await, chat_visitor(&app).await);
        let message = format!("link {code}");
        let (first_base, second_base) = (app.url(""), second_base.clone());
        let (answer_a, answer_b) =
            tokio::join!(say_on(&app, &first_base, &a, &message), say_on(&app, &second_base, &b, &message));
        let wins = [&answer_a, &answer_b].iter().filter(|answer| answer.as_str() == LINKED_AS_ANA).count();
        assert_eq!(wins, 1, "{answer_a:?} / {answer_b:?}");
        let linked = [operator_of(&app, &a).await, operator_of(&app, &b).await];
        assert_eq!(linked.iter().flatten().count(), 1);
    }
    if let Some(second) = second {
        second.stop().await;
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_prints_a_code_that_links_a_terminal_chat() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    statbot(&["users", "add", "ana", "--role", "admin", "--password-stdin"])
        .database(&url)
        .stdin("a long enough password\n")
        .run_ok();
    let printed = statbot(&["users", "link", "ana", "--ttl-minutes", "5"]).database(&url).run_ok().stdout;
    let code = printed
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("link code for ana (admin): "))
        .unwrap_or_else(|| panic!("{printed}"))
        .to_owned();
    assert!(LinkCode::parse_shown(&code).is_some(), "{printed}");
    assert!(printed.contains(&format!("Send `link {code}` to the bot")), "{printed}");

    let command = statbot(&["chat", "--demo", "--as", "ana-terminal"]).database(&url).env("NO_COLOR", "1").command();
    let typed = format!("link {}", code.to_lowercase());
    tokio::task::spawn_blocking(move || {
        let mut chat = spawn_command(command, Some(20_000)).unwrap();
        chat.exp_string("you> ").unwrap();
        chat.send_line(&typed).unwrap();
        chat.exp_string(&format!("bot> {LINKED_AS_ANA}")).unwrap();
        chat.send_line("/quit").unwrap();
        chat.exp_eof().unwrap();
    })
    .await
    .unwrap();

    let store = Store::open(&url).await.unwrap();
    let contact = store.find_contact(Platform::Console, "ana-terminal").await.unwrap().unwrap();
    assert_eq!(store.contact_operator(contact.id).await.unwrap().unwrap().username, "ana");

    let listed = statbot(&["users", "links"]).database(&url).run_ok().stdout;
    assert!(listed.lines().any(|l| l.starts_with("ana") && l.contains("ana-terminal")), "{listed}");
    let json: serde_json::Value =
        serde_json::from_str(&statbot(&["users", "links", "--format", "json"]).database(&url).run_ok().stdout).unwrap();
    assert_eq!(json[0]["username"], "ana");
    assert_eq!(json[0]["platform"], "console");

    assert_eq!(
        statbot(&["users", "unlink", "ana"]).database(&url).run_ok().stdout.trim(),
        "unlinked 1 chat from `ana`"
    );
    assert!(store.contact_operator(contact.id).await.unwrap().is_none());
    assert_eq!(
        statbot(&["users", "links"]).database(&url).run_ok().stdout.trim(),
        "no chats are linked to operator accounts"
    );
    store.close().await;
}

#[tokio::test]
async fn a_disabled_accounts_chats_are_not_staff_until_it_is_enabled_again() {
    let app = TestApp::spawn().await;
    let ana = with_account(&app, "ana", Role::Admin).await;
    // Another admin, so that ana is not the last one.
    with_account(&app, "bo", Role::Admin).await;
    let phone = chat_visitor(&app).await;
    let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    assert_eq!(say(&app, &phone, &format!("link {code}")).await, LINKED_AS_ANA);

    let store = app.store().await;
    statbot::auth::accounts::set_disabled(&store, "ana", true).await.unwrap();
    assert_eq!(operator_of(&app, &phone).await.map(|u| u.username), None);
    // Nor does a disabled account's code link a chat.
    let other = chat_visitor(&app).await;
    let code = code_for(&app, &ana, staff::DEFAULT_TTL).await;
    assert!(say(&app, &other, &format!("link {code}")).await.starts_with(NOT_VALID));

    statbot::auth::accounts::set_disabled(&store, "ana", false).await.unwrap();
    assert_eq!(operator_of(&app, &phone).await.map(|u| u.username), Some("ana".into()));
    store.close().await;
}
