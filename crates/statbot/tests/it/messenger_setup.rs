//! `statbot messenger setup` as an operator runs it, against the Graph API stand-in: the plan
//! printed field by field, `--dry-run` sending nothing, a set-up applied once and a second run
//! sending nothing, an edit sending only the changed field and a removed field deleted, Meta's
//! limits and a refused token said in a sentence before anything is written, `page.toml`
//! beside the flows (never loaded as a flow, its items checked against the flows), Instagram's
//! ice breakers and menu; and, through the webhook, a Get Started postback starting the step
//! the Page names.

use crate::support::{self, PAGE_TOKEN, TestApp, binary::Ran, postback_event, statbot, text_of};
use serde_json::{Value, json};
use statbot::channels::messenger::GraphStandIn;
use std::path::Path;

const PROMO: &str = r#"
name = "promo"
entry = "welcome"

[steps.welcome]
text = "Hi! Want a deal?"
buttons = [{ id = "deal", title = "Show me", next = "offer" }]

[steps.offer]
text = "Here is the deal: 10% off today."
buttons = [{ id = "more", title = "More", next = "secret" }]

[steps.secret]
text = "The secret step."
"#;

const PAGE: &str = r#"
[page]
get_started = { flow = "promo" }

[[page.greeting]]
locale = "default"
text = "Hi {{user_first_name}}! Tap Get Started for a deal."

[[page.ice_breakers]]
question = "Any deals today?"
flow = "promo"
step = "offer"

[[page.persistent_menu]]
title = "Today's deal"
flow = "promo"

[[page.persistent_menu]]
title = "Our shop"
url = "https://shop.example.com"

[[page.persistent_menu]]
title = "Stop messages"
action = "stop"
"#;

/// A flows folder (the promo flow and a `page.toml`) and a Graph stand-in that wants the
/// test's page token.
struct Setup {
    dir: tempfile::TempDir,
    graph: GraphStandIn,
}

impl Setup {
    async fn new(page: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("promo.toml"), PROMO).unwrap();
        let setup = Setup { dir, graph: GraphStandIn::start().await.unwrap() };
        setup.graph.expect_token(PAGE_TOKEN);
        setup.write_page(page);
        setup
    }

    fn flows(&self) -> &Path {
        self.dir.path()
    }

    fn write_page(&self, page: &str) {
        std::fs::write(self.flows().join("page.toml"), page).unwrap();
    }

    /// `statbot messenger setup ARGS` with the flows folder, the token and the stand-in, and
    /// `env` besides.
    async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Ran {
        let mut command = statbot(&["messenger", "setup"])
            .args(args)
            .env("STATBOT_FLOWS_DIR", self.flows())
            .env("STATBOT_MESSENGER_PAGE_TOKEN", PAGE_TOKEN)
            .env("STATBOT_MESSENGER_GRAPH_URL", self.graph.base_url())
            .envs(env);
        // No statbot.toml of the caller's may reach the test.
        command = command.env("STATBOT_CONFIG", self.config_file(""));
        tokio::task::spawn_blocking(move || command.run()).await.unwrap()
    }

    /// A configuration file with `text` (written beside, not in, the flows folder).
    fn config_file(&self, text: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("config").join("statbot.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if text.is_empty() && path.exists() {
            return path;
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn ok(ran: &Ran) -> &str {
    assert!(ran.status.success(), "stdout: {}\nstderr: {}", ran.stdout, ran.stderr);
    &ran.stdout
}

fn refused(ran: &Ran) -> &str {
    assert!(!ran.status.success(), "expected a refusal, got: {}", ran.stdout);
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    &ran.stderr
}

fn greeting(text: &str) -> Value {
    json!([{ "locale": "default", "text": text }])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_prints_the_plan_and_sends_nothing() {
    let setup = Setup::new(PAGE).await;
    let ran = setup.run(&["--dry-run"], &[]).await;
    let out = ok(&ran);
    assert!(out.contains("Page set-up from "), "{out}");
    assert!(out.contains("  get_started: will set @promo (now: not set)"), "{out}");
    assert!(
        out.contains(
            "  greeting: will set default: \"Hi {{user_first_name}}! Tap Get Started for a deal.\" (now: not set)"
        ),
        "{out}"
    );
    assert!(out.contains("  ice_breakers: will set default: \"Any deals today?\" → @promo/offer"), "{out}");
    assert!(
        out.contains(
            "  persistent_menu: will set default: \"Today's deal\" → @promo, \"Our shop\" → https://shop.example.com, \
             \"Stop messages\" → !stop (now: not set)"
        ),
        "{out}"
    );
    assert!(out.contains("dry run: 4 changes planned; nothing was sent"), "{out}");
    assert!(setup.graph.profile_writes().is_empty());
    assert!(!out.contains("Instagram"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_applies_once_and_a_second_run_sends_nothing() {
    let setup = Setup::new(PAGE).await;
    let out = setup.run(&[], &[]).await;
    assert!(ok(&out).contains("applied 4 changes"), "{}", out.stdout);
    let writes = setup.graph.profile_writes();
    assert_eq!(writes.len(), 1, "one POST with every field: {writes:#?}");
    assert_eq!(writes[0].method, "POST");
    let profile = setup.graph.messenger_profile("messenger");
    assert_eq!(profile["get_started"], json!({ "payload": "@promo" }));
    assert_eq!(profile["greeting"], greeting("Hi {{user_first_name}}! Tap Get Started for a deal."));
    assert_eq!(
        profile["ice_breakers"],
        json!([{ "locale": "default", "call_to_actions": [{ "question": "Any deals today?", "payload": "@promo/offer" }] }])
    );
    assert_eq!(
        profile["persistent_menu"][0]["call_to_actions"][2],
        json!({ "type": "postback", "title": "Stop messages", "payload": "!stop" })
    );

    let again = setup.run(&[], &[]).await;
    let again = ok(&again);
    assert!(again.contains("  get_started: unchanged: @promo"), "{again}");
    assert!(again.contains("nothing to change: the Page already matches; nothing was sent"), "{again}");
    assert_eq!(setup.graph.profile_writes().len(), 1, "the second run sends nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_sends_only_the_changed_field_and_a_removed_field_is_deleted() {
    let setup = Setup::new(PAGE).await;
    ok(&setup.run(&[], &[]).await);

    let edited = PAGE.replace("Tap Get Started for a deal.", "Deals every day.");
    setup.write_page(&edited);
    let ran = setup.run(&[], &[]).await;
    let out = ok(&ran);
    assert!(
        out.contains(
            "  greeting: will set default: \"Hi {{user_first_name}}! Deals every day.\" (now: default: \"Hi \
             {{user_first_name}}! Tap Get Started for a deal.\")"
        ),
        "{out}"
    );
    assert!(out.contains("applied 1 change"), "{out}");
    let writes = setup.graph.profile_writes();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[1].body, json!({ "greeting": greeting("Hi {{user_first_name}}! Deals every day.") }));

    // Without its ice breakers the section says the Page has none.
    let without = edited
        .replace("[[page.ice_breakers]]\nquestion = \"Any deals today?\"\nflow = \"promo\"\nstep = \"offer\"\n", "");
    setup.write_page(&without);
    let ran = setup.run(&[], &[]).await;
    assert!(
        ok(&ran).contains("  ice_breakers: will delete (now: default: \"Any deals today?\" → @promo/offer)"),
        "{}",
        ran.stdout
    );
    let writes = setup.graph.profile_writes();
    assert_eq!(writes.len(), 3, "{writes:#?}");
    assert_eq!((writes[2].method, &writes[2].body), ("DELETE", &json!({ "fields": ["ice_breakers"] })));
    assert!(setup.graph.messenger_profile("messenger").get("ice_breakers").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn metas_limits_are_refused_in_a_sentence_before_anything_is_sent() {
    let five: String =
        (1..=5).map(|i| format!("[[page.ice_breakers]]\nquestion = \"Question {i}?\"\nflow = \"promo\"\n")).collect();
    let setup = Setup::new(&format!("[page]\nget_started = {{}}\n{five}")).await;
    let ran = setup.run(&[], &[]).await;
    let err = refused(&ran);
    assert!(
        err.contains("page.toml: page.ice_breakers has 5 questions for the locale `default`; Meta allows at most 4"),
        "{err}"
    );

    setup.write_page(&format!(
        "[page]\nget_started = {{}}\n[[page.greeting]]\nlocale = \"default\"\ntext = \"{}\"\n",
        "x".repeat(161)
    ));
    let ran = setup.run(&[], &[]).await;
    let err = refused(&ran);
    assert!(
        err.contains("page.greeting[1] (default) is 161 characters long; Meta allows at most 160 per locale"),
        "{err}"
    );
    assert!(setup.graph.profile_writes().is_empty(), "nothing may be written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_is_said_in_a_sentence_and_never_printed() {
    let setup = Setup::new(PAGE).await;
    setup.graph.expect_token("the-real-page-token");
    let ran = setup.run(&[], &[]).await;
    let err = refused(&ran);
    assert!(err.starts_with("statbot: the page access token is refused: set STATBOT_MESSENGER_PAGE_TOKEN"), "{err}");
    assert!(err.contains("190"), "{err}");
    assert!(!err.contains(PAGE_TOKEN) && !ran.stdout.contains(PAGE_TOKEN), "{err}");
    assert!(setup.graph.profile_writes().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn page_toml_is_not_a_flow_and_its_items_must_lead_to_loaded_flows() {
    // The flows load with page.toml beside them (it would not parse as a flow).
    let setup = Setup::new(&PAGE.replace("step = \"offer\"", "step = \"nowhere\"")).await;
    let ran = setup.run(&["--dry-run"], &[]).await;
    let err = refused(&ran);
    let page_toml = setup.flows().join("page.toml").display().to_string();
    assert!(
        err.contains(&format!(
            "{page_toml}: page.ice_breakers[1] (\"Any deals today?\") leads to the step `nowhere` of the flow \
             `promo`, which has no such step"
        )),
        "{err}"
    );

    setup.write_page(&PAGE.replace("get_started = { flow = \"promo\" }", "get_started = { flow = \"coupon\" }"));
    let ran = setup.run(&["--dry-run"], &[]).await;
    let err = refused(&ran);
    assert!(
        err.contains(&format!(
            "{page_toml}: page.get_started leads to the flow `coupon`, which is not loaded (loaded: promo)"
        )),
        "{err}"
    );

    // `flows check` over the folder passes page.toml by.
    setup.write_page(PAGE);
    let page_file = setup.flows().join("page.toml");
    let promo_file = setup.flows().join("promo.toml");
    let checked = statbot(&["flows", "check", page_file.to_str().unwrap(), promo_file.to_str().unwrap()]).run();
    let out = ok(&checked);
    assert!(out.contains("page.toml: the Page's set-up, not a flow"), "{out}");
    assert!(out.contains("ok — flow `promo`"), "{out}");

    // A [page] section in statbot.toml as well: one of them must go.
    setup.write_page(PAGE);
    setup.config_file("[page]\nget_started = {}\n");
    let ran = setup.run(&["--dry-run"], &[]).await;
    let err = refused(&ran);
    assert!(err.contains("the Page is set up twice, in the configuration's [page] section and in"), "{err}");

    // Only in statbot.toml: fine.
    std::fs::remove_file(setup.flows().join("page.toml")).unwrap();
    let ran = setup.run(&["--dry-run"], &[]).await;
    let out = ok(&ran);
    assert!(out.contains("Page set-up from statbot.toml [page]:"), "{out}");
    assert!(out.contains("  get_started: will set @ (now: not set)"), "{out}");
    assert!(setup.graph.profile_writes().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn instagram_gets_the_ice_breakers_and_the_menu_too() {
    let setup = Setup::new(PAGE).await;
    let instagram = [("STATBOT_INSTAGRAM_ACCOUNT_ID", "17841400000000001")];
    let ran = setup.run(&["--format", "json"], &instagram).await;
    let report: Value = serde_json::from_str(ok(&ran)).unwrap();
    assert_eq!((report["applied"].clone(), report["changes"].clone()), (json!(true), json!(6)));
    assert_eq!(report["platforms"][1]["platform"], "instagram");
    let fields: Vec<&str> =
        report["platforms"][1]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["ice_breakers", "persistent_menu"]);

    let writes = setup.graph.profile_writes();
    assert_eq!(
        writes.iter().map(|w| (w.method, w.platform.as_str())).collect::<Vec<_>>(),
        [("POST", "messenger"), ("POST", "instagram")]
    );
    let keys: Vec<&String> = writes[1].body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ice_breakers", "persistent_menu"]);
    assert_eq!(
        setup.graph.messenger_profile("instagram")["ice_breakers"],
        setup.graph.messenger_profile("messenger")["ice_breakers"]
    );

    let ran = setup.run(&["--format", "json"], &instagram).await;
    let report: Value = serde_json::from_str(ok(&ran)).unwrap();
    assert_eq!((report["applied"].clone(), report["changes"].clone()), (json!(false), json!(0)));
    assert_eq!(setup.graph.profile_writes().len(), 2, "the second run sends nothing");
}

#[tokio::test]
async fn a_get_started_postback_starts_the_step_the_page_names() {
    let page =
        PAGE.replace("get_started = { flow = \"promo\" }", "get_started = { flow = \"promo\", step = \"offer\" }");
    let app = TestApp::spawn_with(support::Options {
        flows: vec![("promo.toml", PROMO.to_owned()), ("page.toml", page)],
        ..support::Options::default()
    })
    .await;
    app.post_signed(&postback_event("6700000000000101", "m_gs_1", "@promo/offer")).await;
    let sent = app.wait_for_sent_to("6700000000000101", 1).await;
    assert_eq!(text_of(&sent[0]), "Here is the deal: 10% off today.", "{sent:#?}");

    // `@` is the default flow's entry step, as for `get_started = {}`.
    app.post_signed(&postback_event("6700000000000103", "m_gs_3", "@")).await;
    let sent = app.wait_for_sent_to("6700000000000103", 1).await;
    assert_eq!(text_of(&sent[0]), "Hi! Want a deal?", "{sent:#?}");

    // A step no entry point names cannot be reached with a crafted payload.
    app.post_signed(&postback_event("6700000000000102", "m_gs_2", "@promo/secret")).await;
    let sent = app.wait_for_sent_to("6700000000000102", 1).await;
    assert!(sent.iter().all(|s| text_of(s) != "The secret step."), "{sent:#?}");
}
