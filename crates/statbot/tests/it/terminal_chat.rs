//! `statbot chat` driven through a pseudo-terminal: the coupon flow with buttons picked by
//! number, on the same store as the server, and a question answered with a chart link, then a
//! comparison picked from its buttons.

use crate::support::{self, statbot};
use rexpect::session::{PtySession, spawn_command};

/// Runs `statbot chat --demo --as NAME` (with `env`) in a pseudo-terminal on a fresh database,
/// and `script` on its session once the prompt shows; returns the database's folder (which
/// keeps a SQLite file alive) and URL.
async fn in_a_terminal(
    name: &str,
    env: &[(&str, &str)],
    script: impl FnOnce(&mut PtySession) + Send + 'static,
) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = support::fresh_database_url(dir.path()).await;
    let command =
        statbot(&["chat", "--demo", "--as", name]).database(&database_url).env("NO_COLOR", "1").envs(env).command();
    tokio::task::spawn_blocking(move || {
        let mut chat = spawn_command(command, Some(20_000)).unwrap();
        chat.exp_string("you> ").unwrap();
        script(&mut chat);
        chat.send_line("/quit").unwrap();
        chat.exp_eof().unwrap();
    })
    .await
    .unwrap();
    (dir, database_url)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_coupon_flow_works_in_a_terminal() {
    let (_dir, url) = in_a_terminal("terminal-tester", &[], |chat| {
        chat.send_line("hello").unwrap();
        chat.exp_string("bot> Hi terminal-tester! We have a coupon for you. Want to see it?").unwrap();
        chat.exp_string("1) Yes! Show me coupon").unwrap();
        chat.exp_string("2) No, thanks").unwrap();
        chat.send_line("1").unwrap();
        chat.exp_string("1) Reveal the coupon").unwrap();
        chat.send_line("1").unwrap();
        chat.exp_string("bot> Your code is SPRING-").unwrap();
        chat.exp_string("1) Visit the shop").unwrap();
        chat.exp_string("2) Back to the menu").unwrap();
        chat.send_line("menu").unwrap();
        chat.exp_string("2) No, thanks").unwrap();
        chat.send_line("2").unwrap();
        chat.exp_string("bot> [image] ").unwrap();
        chat.exp_string("/media/coupon/thanks.png").unwrap();
    })
    .await;

    // Everything was recorded in the shared store.
    let store = statbot::store::Store::open(&url).await.unwrap();
    let contact = store.find_contact(statbot_core::Platform::Console, "terminal-tester").await.unwrap().unwrap();
    let events = store.contact_events(contact.id).await.unwrap();
    assert!(events.iter().any(|(kind, ..)| kind == "coupon_revealed"), "{events:?}");
    assert_eq!(store.outbox_stats().await.unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn questions_get_answers_with_a_chart_link_in_a_terminal() {
    in_a_terminal("analyst", &[("STATBOT_PUBLIC_URL", "http://bot.example")], |chat| {
        chat.send_line("Denver rent").unwrap();
        chat.exp_string("bot> Denver: 2 bedroom rent is $1,566 a month.").unwrap();
        chat.exp_string("1) Compare with").unwrap();
        chat.exp_string("2) Studio rent").unwrap();
        chat.exp_string("bot> [image] http://bot.example/charts/answers/").unwrap();
        chat.exp_string(".png").unwrap();
        chat.send_line("1").unwrap();
        chat.exp_string("bot> Compare Denver with which city?").unwrap();
        chat.send_line("austin").unwrap();
        chat.exp_string("Denver: $1,566 a month").unwrap();
        chat.exp_string("Austin: $1,356 a month").unwrap();
        chat.exp_string("Denver is 15 % higher than Austin.").unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_terminal_greets_the_name_it_was_given() {
    in_a_terminal("Rosa", &[], |chat| {
        chat.send_line("hello").unwrap();
        chat.exp_string("bot> Hi Rosa! We have a coupon for you. Want to see it?").unwrap();
        chat.send_line("2").unwrap();
        chat.exp_string("bot> No problem, Rosa. Thanks for stopping by!").unwrap();
    })
    .await;
}

/// A reply the bot did not understand comes with its own choices, numbered once: each number
/// picks what it shows.
#[tokio::test(flavor = "multi_thread")]
async fn what_is_not_understood_is_one_reply_with_one_numbered_set_of_choices() {
    in_a_terminal("Rosa", &[], |chat| {
        chat.send_line("blorp").unwrap();
        chat.exp_string("bot> Sorry, I didn't understand").unwrap();
        let shown = chat.exp_string("you> ").unwrap();
        assert!(shown.contains("1) Explore the data") && shown.contains("2) Main menu"), "{shown}");
        assert_eq!(shown.matches("1) ").count(), 1, "one set of choices: {shown}");
        chat.send_line("1").unwrap();
        chat.exp_string("bot> Which city would you like to look at?").unwrap();
        chat.send_line("blorp").unwrap();
        chat.exp_string("2) Main menu").unwrap();
        chat.send_line("2").unwrap();
        chat.exp_string("bot> Hi Rosa! We have a coupon for you.").unwrap();
    })
    .await;
}

/// The terminal's side of `understood`: off-topic questions, a number with nothing to pick and
/// a customer's store question get the not-understood answer; `link` names no command or route.
#[tokio::test]
async fn a_customer_in_the_terminal_is_told_only_what_was_understood() {
    let printed = &typed_as_rosa("what is the best pizza in town\n5\ntop customers\nlink\n/quit\n").await;
    let answers: Vec<&str> = printed.split("you> ").skip(1).collect();
    for (answer, asked) in answers.iter().zip(["what is the best pizza in town", "5", "top customers"]) {
        assert!(answer.starts_with(&format!("bot> Sorry, I didn't understand “{asked}”.")), "{answer}");
        assert!(answer.contains("1) Explore the data\n     2) Main menu\n"), "{answer}");
    }
    for told in ["staff", "statbot users", "/api/", "`"] {
        assert!(answers.iter().all(|a| !a.contains(told)), "{told:?} in {printed}");
    }
}

#[tokio::test]
async fn a_city_not_in_the_data_is_said_in_the_terminal() {
    let printed = &typed_as_rosa("compare Austin, Denver and Boston\npopulation of Atlantis\n1\n/quit\n").await;
    let answers: Vec<&str> = printed.split("you> ").skip(1).collect();
    assert!(
        answers[1].starts_with(
            "bot> I don't know a city called Atlantis. Did you mean Atlanta?\n     1) Atlanta\n     2) Explore the data\n"
        ),
        "{printed}"
    );
    assert!(answers[2].starts_with("bot> Atlanta: population is 420,003 people."), "{printed}");
}

#[tokio::test]
async fn the_terminal_credits_the_data_once_then_on_a_sources_choice() {
    let printed = &typed_as_rosa("population of Austin\nand Boston?\n5\n/quit\n").await;
    let answers: Vec<&str> = printed.split("you> ").skip(1).collect();
    assert!(answers[0].contains("\nCity data: simplemaps.com"), "{printed}");
    assert!(!answers[1].contains("City data:") && answers[1].contains("5) Sources\n"), "{printed}");
    assert!(answers[2].starts_with("bot> City data: simplemaps.com"), "{printed}");
}

/// What `statbot chat --demo --as Rosa` printed for `input` typed line by line (piped, on a fresh
/// database); it must end well.
async fn typed_as_rosa(input: &'static str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let url = support::fresh_database_url(dir.path()).await;
    let out = tokio::task::spawn_blocking(move || {
        statbot(&["chat", "--demo", "--as", "Rosa"]).database(&url).env("NO_COLOR", "1").stdin(input).run()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    out.stdout
}

/// Asking for a person in the terminal: an operator's reply appears while the prompt waits,
/// named by the operator, with no line typed to fetch it.
#[tokio::test(flavor = "multi_thread")]
async fn an_operators_reply_shows_in_the_terminal_as_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = support::fresh_database_url(dir.path()).await;
    let store = statbot::store::Store::open(&database_url).await.unwrap();
    let ana =
        statbot::auth::create_user(&store, "ana", statbot::store::Role::Staff, "correct horse battery").await.unwrap();
    let command = statbot(&["chat", "--demo", "--as", "rosa"]).database(&database_url).env("NO_COLOR", "1").command();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut chat = spawn_command(command, Some(20_000)).unwrap();
        chat.exp_string("you> ").unwrap();
        chat.send_line("talk to a person").unwrap();
        chat.exp_string("bot> I'm passing you to a person from our team.").unwrap();
        chat.exp_string("you> ").unwrap();
        runtime.block_on(async {
            let contact = store.find_contact(statbot_core::Platform::Console, "rosa").await.unwrap().unwrap();
            let reply = statbot::store::NewReply {
                contact_id: contact.id,
                inbound_id: None,
                platform: statbot_core::Platform::Console,
                recipient: "rosa".into(),
                reply: statbot_core::Reply::Text { text: "Hi Rosa, Ana here.".into() },
                messaging_type: statbot_core::MessagingType::Response,
                window: contact.window,
                author_id: Some(ana),
                broadcast_id: None,
            };
            store.queue_operator_reply(&reply, None).await.unwrap();
        });
        chat.exp_string("ana> Hi Rosa, Ana here.").unwrap();
        chat.send_line("/quit").unwrap();
        chat.exp_eof().unwrap();
    })
    .await
    .unwrap();
}
