//! The bot says what it understood, and nothing else (issue 22), on Messenger (the webhook and
//! the Graph stand-in) and the web chat; the terminal's side is in `terminal_chat`. Customers
//! are never told about staff features, commands or API routes: what they ask that is not for
//! them, or not about anything the bot knows, gets the not-understood answer.

use crate::support::*;
use statbot::store::Role;
use statbot_core::{Platform, Reply};

/// Who talks to the bot, and on which channel.
enum Chat {
    Messenger(&'static str),
    Web(Visitor),
}

/// What the bot answered one message with.
#[derive(Debug)]
struct Said {
    /// The replies' texts, one a line.
    text: String,
    /// The payloads of the buttons offered, in order.
    choices: Vec<String>,
    images: Vec<String>,
}

impl Said {
    fn from_replies(replies: &[Reply]) -> Said {
        Said {
            text: replies.iter().filter_map(Reply::text).collect::<Vec<_>>().join("\n"),
            choices: replies.iter().flat_map(|r| r.choices().iter().map(|b| b.payload.clone())).collect(),
            images: replies
                .iter()
                .filter_map(|r| match r {
                    Reply::Image { url } => Some(url.clone()),
                    _ => None,
                })
                .collect(),
        }
    }

    fn from_sends(bodies: &[serde_json::Value]) -> Said {
        let payloads = |list: &serde_json::Value| -> Vec<String> {
            list.as_array()
                .map(|l| l.iter().map(|b| b["payload"].as_str().unwrap_or_default().to_owned()).collect())
                .unwrap_or_default()
        };
        Said {
            text: bodies.iter().map(text_of).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n"),
            choices: bodies
                .iter()
                .flat_map(|b| {
                    let mut found = payloads(&b["message"]["quick_replies"]);
                    found.extend(payloads(&b["message"]["attachment"]["payload"]["buttons"]));
                    found
                })
                .collect(),
            images: bodies
                .iter()
                .filter(|b| b["message"]["attachment"]["type"] == "image")
                .filter_map(|b| b["message"]["attachment"]["payload"]["url"].as_str().map(str::to_owned))
                .collect(),
        }
    }

    /// Asserts nothing in it is about staff (the contact's own words, `asked`, aside): no staff
    /// features, commands or routes.
    fn tells_nothing_of_staff(&self, asked: &str) {
        let text = self.text.replace(&format!("“{asked}”"), "").to_lowercase();
        for word in ["staff", "link", "statbot users", "/api/", "`", "store", "metrics"] {
            assert!(!text.contains(word), "{word:?} told: {}", self.text);
        }
        assert!(self.choices.iter().all(|c| !c.starts_with("store:")), "{:?}", self.choices);
    }

    fn is_not_understood(&self) -> bool {
        self.text.starts_with("Sorry, I didn't understand") && self.choices == ["ask:explore", "ask:menu"]
    }
}

impl Chat {
    async fn web(app: &TestApp) -> Chat {
        Chat::Web(chat_visitor(app).await)
    }

    /// Sends a text and returns all the bot answered it with.
    async fn say(&self, app: &TestApp, text: &str) -> Said {
        self.send(app, "text", text).await
    }

    async fn tap(&self, app: &TestApp, payload: &str) -> Said {
        self.send(app, "payload", payload).await
    }

    async fn send(&self, app: &TestApp, field: &str, value: &str) -> Said {
        let nonce = hex::encode(rand::random::<[u8; 8]>());
        match self {
            Chat::Web(who) => {
                let form = [(field, value), ("nonce", nonce.as_str())];
                let response =
                    app.client.post(app.url("/chat")).header("cookie", &who.cookie).form(&form).send().await.unwrap();
                assert_eq!(response.status(), 303);
                Said::from_replies(&self.answered(app, Platform::Web, &who.id).await)
            }
            Chat::Messenger(psid) => {
                let before = app.sent_to(psid).len();
                let event = match field {
                    "text" => text_event(psid, &nonce, value),
                    _ => postback_event(psid, &nonce, value),
                };
                assert_eq!(app.post_signed(&event).await.status(), 200);
                // The replies are stored with the message marked processed, in one transaction:
                // once any is there, all are.
                let deadline = tokio::time::Instant::now() + WAIT;
                let replies = loop {
                    let replies = self.answered(app, Platform::Messenger, psid).await;
                    if !replies.is_empty() {
                        break replies;
                    }
                    assert!(tokio::time::Instant::now() < deadline, "no answer to {value:?}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                };
                let sent = app.wait_for_sent_to(psid, before + replies.len()).await;
                Said::from_sends(&sent[before..])
            }
        }
    }

    /// The replies after the contact's latest message.
    async fn answered(&self, app: &TestApp, platform: Platform, id: &str) -> Vec<Reply> {
        latest_replies(app, platform, id).await
    }
}

/// A one-time link code for a new staff account.
async fn link_code(app: &TestApp, name: &str) -> String {
    let store = app.store().await;
    statbot::auth::create_user(&store, name, Role::Staff, "correct horse battery").await.unwrap();
    let user = store.user_by_name(name).await.unwrap().unwrap();
    let issued = statbot::staff::issue_code(&store, user.id, statbot::staff::DEFAULT_TTL).await.unwrap();
    store.close().await;
    issued.code.to_string()
}

#[tokio::test]
async fn customers_asking_for_store_figures_or_anything_off_topic_are_not_told_about_staff() {
    let app = TestApp::spawn().await;
    for chat in [Chat::Messenger("8101"), Chat::web(&app).await] {
        for asked in [
            "what is the best pizza in town",
            "5",
            "top customers",
            "revenue last week",
            "store metrics",
            "how did the spring coupon do?",
            "revenue from the flyer link",
        ] {
            let said = chat.say(&app, asked).await;
            said.tells_nothing_of_staff(asked);
            assert!(said.is_not_understood(), "{asked:?}: {said:?}");
            assert!(said.text.contains(&format!("“{asked}”")), "{said:?}");
        }
        let said = chat.tap(&app, "store:customers:last_30_days").await;
        said.tells_nothing_of_staff("");
        assert!(said.is_not_understood(), "{said:?}");

        // `link` alone says nothing of commands or routes; a wrong code neither.
        let said = chat.say(&app, "link").await;
        for told in ["statbot users", "/api/", "POST", "`"] {
            assert!(!said.text.contains(told), "{told:?} told: {}", said.text);
        }
        assert!(said.text.contains("code"), "{said:?}");
        let said = chat.say(&app, "link K7QX-M4P0").await;
        assert!(said.text.starts_with("That link code is not valid"), "{said:?}");
        for told in ["statbot users", "/api/", "`"] {
            assert!(!said.text.contains(told), "{told:?} told: {}", said.text);
        }
    }
}

#[tokio::test]
async fn linked_staff_keep_their_sales_answers_and_link_still_works() {
    let app = TestApp::spawn().await;
    for (n, chat) in [Chat::Messenger("8102"), Chat::web(&app).await].into_iter().enumerate() {
        let code = link_code(&app, &format!("lead{n}")).await;
        let said = chat.say(&app, &format!("link {code}")).await;
        assert!(said.text.starts_with("You're linked to statbot as lead"), "{said:?}");
        let said = chat.say(&app, "store metrics").await;
        assert!(said.text.starts_with("Store metrics: what would you like to see?"), "{said:?}");
        assert!(said.choices.iter().all(|c| c.starts_with("store:")), "{said:?}");
        let said = chat.say(&app, "link").await;
        assert!(said.text.contains(&format!("linked to statbot as lead{n}")), "{said:?}");
        // A bare number is no question, for staff too.
        assert!(chat.say(&app, "5").await.is_not_understood());
    }
}

#[tokio::test]
async fn a_city_that_is_not_in_the_data_is_said_never_replaced_by_the_context() {
    let app = TestApp::spawn().await;
    for chat in [Chat::Messenger("8103"), Chat::web(&app).await] {
        let said = chat.say(&app, "compare Austin, Denver and Boston").await;
        assert!(said.text.starts_with("Austin / Denver / Boston"), "{said:?}");

        let said = chat.say(&app, "population of Atlantis").await;
        assert_eq!(said.text, "I don't know a city called Atlantis. Did you mean Atlanta?", "{said:?}");
        assert!(said.images.is_empty(), "{said:?}");
        assert_eq!(said.choices, ["ask:row:Atlanta", "ask:explore"], "{said:?}");
        // The suggestion answers the question asked.
        let said = chat.tap(&app, "ask:row:Atlanta").await;
        assert!(said.text.starts_with("Atlanta: population is 420,003 people."), "{said:?}");

        // A typo within reach is read as the city, alone: not the earlier comparison, also as a
        // follow-up naming a city already compared (a new one is added to the comparison).
        chat.say(&app, "compare Austin, Denver and Boston").await;
        let said = chat.say(&app, "rent in Austn").await;
        assert!(said.text.starts_with("Austin: 2 bedroom rent is $1,356 a month."), "{said:?}");
        chat.say(&app, "compare Austin, Denver and Boston").await;
        let said = chat.say(&app, "and rent in Austn?").await;
        assert!(said.text.starts_with("Austin: 2 bedroom rent is $1,356 a month."), "{said:?}");
        chat.say(&app, "compare Austin and Denver").await;
        let said = chat.say(&app, "and Boston?").await;
        assert!(said.text.contains("• Austin") && said.text.contains("• Boston"), "{said:?}");

        // Nothing near: said, and a city to pick; the comparison stays as it was.
        chat.say(&app, "compare Austin and Denver").await;
        let said = chat.say(&app, "what about Gotham?").await;
        assert!(said.text.starts_with("I don't know a city called Gotham."), "{said:?}");
        assert!(!said.text.contains("Austin") && !said.text.contains("Denver"), "{said:?}");
        assert!(said.choices.contains(&"ask:row:New York".to_owned()), "{said:?}");
        let said = chat.say(&app, "and Boston?").await;
        assert!(said.text.contains("• Austin") && said.text.contains("• Boston"), "{said:?}");

        // One known, one not: the unknown one is said, the known one kept for the comparison.
        let said = chat.say(&app, "compare Austin and Atlantis").await;
        assert_eq!(said.text, "I don't know a city called Atlantis. Did you mean Atlanta?", "{said:?}");
        let said = chat.tap(&app, "ask:row:Atlanta").await;
        assert!(said.text.contains("• Austin") && said.text.contains("• Atlanta"), "{said:?}");
        assert!(!said.text.contains("• Denver"), "{said:?}");
    }
}

#[tokio::test]
async fn the_data_credit_is_given_once_then_behind_a_sources_button() {
    let app = TestApp::spawn().await;
    let credit = statbot::datasets::import::demo::ATTRIBUTION;
    for chat in [Chat::Messenger("8104"), Chat::web(&app).await] {
        let said = chat.say(&app, "population of Austin").await;
        assert!(said.text.ends_with(credit), "the first answer credits the data: {said:?}");
        for asked in ["and Boston?", "compare Austin and Denver", "what about income?"] {
            let said = chat.say(&app, asked).await;
            assert!(!said.text.contains("simplemaps"), "{asked}: {said:?}");
            assert_eq!(said.choices.last().map(String::as_str), Some("ask:sources"), "{asked}: {said:?}");
        }
        let said = chat.tap(&app, "ask:sources").await;
        assert_eq!(said.text, credit, "{said:?}");
        assert!(said.choices.contains(&"ask:compare".to_owned()), "a next step: {said:?}");
    }
}
