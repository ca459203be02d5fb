//! Free-text questions about the demo's US cities, end to end over Messenger and the web chat:
//! answers with numbers and a signed chart link, follow-ups from the stored context (across a
//! restart), ambiguous names, buttons, what was not understood, and chart links that expire
//! or were tampered with.

use crate::support::*;

/// Quick-reply payloads of a Send API body.
fn quick_replies(body: &serde_json::Value) -> Vec<String> {
    body["message"]["quick_replies"]
        .as_array()
        .map(|q| q.iter().map(|q| q["payload"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

fn image_url(body: &serde_json::Value) -> Option<String> {
    body["message"]["attachment"]["payload"]["url"].as_str().map(str::to_owned)
}

/// Sends a text and returns the replies it got (the sends after the first `before`).
async fn ask(app: &TestApp, psid: &str, mid: &str, text: &str, expect: usize) -> Vec<serde_json::Value> {
    let before = app.sent_to(psid).len();
    assert_eq!(app.post_signed(&text_event(psid, mid, text)).await.status(), 200);
    app.wait_for_sent_to(psid, before + expect).await[before..].to_vec()
}

async fn tap(app: &TestApp, psid: &str, mid: &str, payload: &str, expect: usize) -> Vec<serde_json::Value> {
    let before = app.sent_to(psid).len();
    assert_eq!(app.post_signed(&postback_event(psid, mid, payload)).await.status(), 200);
    app.wait_for_sent_to(psid, before + expect).await[before..].to_vec()
}

#[tokio::test]
async fn a_question_gets_numbers_and_a_chart_messenger_can_fetch_without_login() {
    let app = TestApp::spawn().await;
    let replies = ask(&app, "5001", "m1", "population of Austin", 2).await;
    let text = text_of(&replies[0]);
    assert!(text.starts_with("Austin: population is 790,390 people."), "{text}");
    assert!(text.contains("simplemaps.com"), "the attribution goes with the data: {text}");
    assert!(quick_replies(&replies[0]).contains(&"ask:compare".to_owned()), "{:?}", replies[0]);
    let url = image_url(&replies[1]).expect("a chart image follows");
    assert!(url.starts_with(&app.url("/charts/answers/")) && url.ends_with(".png"), "{url}");

    let chart = app.client.get(&url).send().await.unwrap();
    assert_eq!(chart.status(), 200);
    assert_eq!(chart.headers()["content-type"], "image/png");
    assert!(chart.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // A changed token is refused, whatever was changed.
    let token = url.rsplit('/').next().unwrap().trim_end_matches(".png");
    let (body, tag) = token.split_once('.').unwrap();
    let flipped = if tag.starts_with('A') { tag.replacen('A', "B", 1) } else { format!("A{}", &tag[1..]) };
    for forged in [format!("{body}.{flipped}"), format!("{}x.{tag}", body), "nothing".to_owned()] {
        let response = app.client.get(app.url(&format!("/charts/answers/{forged}.png"))).send().await.unwrap();
        assert_eq!(response.status(), 404, "{forged}");
    }

    // What was asked is recorded with the intent chosen.
    let store = app.store().await;
    assert_eq!(store.intent_counts(0).await.unwrap(), (1, 0));
}

#[tokio::test]
async fn follow_ups_use_the_stored_context_across_a_restart() {
    let mut app = TestApp::spawn().await;
    let replies = ask(&app, "5002", "m1", "Denver rent", 2).await;
    assert!(text_of(&replies[0]).starts_with("Denver: 2 bedroom rent is $1,"), "{}", text_of(&replies[0]));

    app.restart().await;
    let replies = ask(&app, "5002", "m2", "and Boston?", 2).await;
    let text = text_of(&replies[0]);
    assert!(text.starts_with("Boston: 2 bedroom rent is $"), "{text}");

    let replies = ask(&app, "5002", "m3", "compare Austin and Denver", 2).await;
    let text = text_of(&replies[0]);
    assert!(text.contains("• Austin: $") && text.contains("• Denver: $"), "{text}");
    assert!(text.contains("higher than"), "{text}");
    let chart = app.client.get(image_url(&replies[1]).unwrap()).send().await.unwrap();
    assert_eq!(chart.status(), 200);

    // "and Boston?" while comparing adds a third city.
    let replies = ask(&app, "5002", "m4", "and Boston?", 2).await;
    let text = text_of(&replies[0]);
    assert!(text.contains("• Austin") && text.contains("• Denver") && text.contains("• Boston"), "{text}");

    // A new metric keeps the cities.
    let replies = ask(&app, "5002", "m5", "what about income?", 2).await;
    assert!(text_of(&replies[0]).starts_with("Income:"), "{}", text_of(&replies[0]));
}

#[tokio::test]
async fn an_ambiguous_city_is_asked_about_and_a_state_settles_it() {
    let app = TestApp::spawn().await;
    let replies = ask(&app, "5003", "m1", "population of Portland", 1).await;
    assert!(text_of(&replies[0]).contains("Which one?"), "{}", text_of(&replies[0]));
    let choices = quick_replies(&replies[0]);
    assert!(choices.contains(&"ask:row:Portland, OR".to_owned()), "{choices:?}");
    assert!(choices.contains(&"ask:row:Portland, ME".to_owned()), "{choices:?}");

    let replies = tap(&app, "5003", "m2", "ask:row:Portland, ME", 2).await;
    assert!(text_of(&replies[0]).starts_with("Portland, ME: population is 66,"), "{}", text_of(&replies[0]));

    let replies = ask(&app, "5003", "m3", "population of portland oregon", 2).await;
    assert!(text_of(&replies[0]).starts_with("Portland, OR: population is 583,"), "{}", text_of(&replies[0]));

    // Typos and aliases.
    let replies = ask(&app, "5003", "m4", "rent in San Fransisco", 2).await;
    assert!(text_of(&replies[0]).starts_with("San Francisco: 2 bedroom rent"), "{}", text_of(&replies[0]));
    let replies = ask(&app, "5003", "m5", "NYC population", 2).await;
    assert!(text_of(&replies[0]).starts_with("New York: population is 8,175,133"), "{}", text_of(&replies[0]));
}

#[tokio::test]
async fn buttons_lead_from_a_city_to_a_group_to_a_metric_and_a_comparison() {
    let app = TestApp::spawn().await;
    let replies = tap(&app, "5004", "m1", "ask:explore", 1).await;
    assert!(quick_replies(&replies[0]).contains(&"ask:row:New York".to_owned()));
    let replies = tap(&app, "5004", "m2", "ask:row:Austin", 2).await;
    let text = text_of(&replies[0]);
    assert!(text.starts_with("Austin\n• 2 bedroom rent: $1,356 a month\n• income: $91,501"), "{text}");
    assert!(text.contains("• population: 790,390 people"), "{text}");
    assert!(image_url(&replies[1]).is_some(), "an overview comes with a chart");
    assert!(quick_replies(&replies[0]).contains(&"ask:group:housing".to_owned()));
    let replies = tap(&app, "5004", "m3", "ask:group:housing", 1).await;
    assert!(quick_replies(&replies[0]).contains(&"ask:metric:fmr_1br_usd".to_owned()), "{:?}", replies[0]);
    let replies = tap(&app, "5004", "m4", "ask:metric:fmr_1br_usd", 2).await;
    assert!(text_of(&replies[0]).starts_with("Austin: 1 bedroom rent is $"), "{}", text_of(&replies[0]));
    let replies = tap(&app, "5004", "m5", "ask:compare", 1).await;
    assert!(text_of(&replies[0]).starts_with("Compare Austin with which city?"));
    let replies = ask(&app, "5004", "m6", "Denver", 2).await;
    let text = text_of(&replies[0]);
    assert!(text.contains("• Austin: $") && text.contains("• Denver: $"), "{text}");
}

#[tokio::test]
async fn what_is_not_understood_gets_one_reply_with_its_choices_and_is_kept_for_review() {
    let app = TestApp::spawn().await;
    let replies = ask(&app, "5005", "m1", "blorp the flux capacitor", 1).await;
    assert!(text_of(&replies[0]).starts_with("Sorry, I didn't understand"), "{}", text_of(&replies[0]));
    assert_eq!(quick_replies(&replies[0]), ["ask:explore", "ask:menu"], "{:?}", replies[0]);
    ask(&app, "5005", "m2", "Blorp the FLUX capacitor!", 1).await;
    // Nothing else follows: the next reply answers the next message.
    let replies = tap(&app, "5005", "m2b", "ask:menu", 1).await;
    assert!(text_of(&replies[0]).contains("We have a coupon for you"), "{}", text_of(&replies[0]));
    assert_eq!(app.sent_to("5005").len(), 3, "{:#?}", app.sent_to("5005"));

    let store = app.store().await;
    let misses = store.intent_misses(0, 10).await.unwrap();
    assert_eq!(misses.len(), 1, "{misses:?}");
    assert_eq!((misses[0].text.as_str(), misses[0].count), ("blorp the flux capacitor", 2));

    // A greeting is understood: the menu, nothing missed.
    let replies = ask(&app, "5005", "m3", "hello", 1).await;
    assert!(text_of(&replies[0]).contains("We have a coupon for you"), "{}", text_of(&replies[0]));
    assert_eq!(store.intent_counts(0).await.unwrap(), (1, 2));
}

#[tokio::test]
async fn chart_links_expire() {
    let app = TestApp::spawn_with(Options { tweak: |c| c.chart_link_ttl_secs = 1, ..Options::default() }).await;
    let replies = ask(&app, "5006", "m1", "Denver rent", 2).await;
    let url = image_url(&replies[1]).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 410);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "expired");
}

#[tokio::test]
async fn the_web_chat_shows_answers_with_their_chart() {
    let app = TestApp::spawn().await;
    let first = app.client.get(app.url("/chat")).send().await.unwrap();
    let cookie = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let form = [("text", "compare Austin and Denver"), ("nonce", "n1")];
    let response = app.client.post(app.url("/chat")).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let html = app.client.get(app.url("/chat")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Austin / Denver") && html.contains("• population: 790,390 people / 600,158 people"),
        "{html}"
    );
    let src = html.split("src=\"").skip(1).find(|s| s.contains("/charts/answers/")).expect("a chart image");
    let src = src.split('"').next().unwrap().replace("&amp;", "&");
    let chart = app.client.get(&src).send().await.unwrap();
    assert_eq!(chart.status(), 200);
}
