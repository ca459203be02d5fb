//! `statbot db copy`, run as an operator runs it: a SQLite database filled through the real
//! server (contacts through the demo coupon journey, one with an emoji in their name, team
//! figures through the API, the Stripe mirror as a sync writes it) is copied into a fresh
//! PostgreSQL database (or, on SQLite-only runs, a second SQLite file), and both give the same
//! funnel, team view and sales figures, and hold the same rows in every table; new rows on the
//! copy do not collide with copied ids. Off a terminal it prints one line; on one, a progress
//! bar and then the tables that hold rows. Also refused: a target that is not empty, the same
//! database twice, a bad URL, a missing source file.

use crate::support::*;
use serde_json::{Value, json};
use sqlx::Row;
use statbot::store::Role;
use std::time::Duration;

/// Creates an account through the admin API and returns its token.
async fn account(app: &TestApp, admin_token: &str, name: &str, team: &str) -> String {
    let created = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(admin_token)
        .json(&json!({ "username": name, "password": "correct horse battery", "role": "staff", "team": team }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    app.token(name, "correct horse battery").await
}

/// Contacts through the demo coupon journey; the last one says "No, thanks".
async fn journeys(app: &TestApp) {
    let names = [("Ada", "Lovelace"), ("Zoë", "Ünïcødé 🎉"), ("Grace", "Hopper"), ("Alan", "Turing")];
    for (i, (first, last)) in names.iter().enumerate() {
        let psid = format!("68000000000000{i:02}");
        app.graph.set_profile(&psid, first, last);
        app.post_signed(&text_event(&psid, &format!("m_{psid}_1"), "hello")).await;
        app.wait_for_sent_to(&psid, 1).await;
        if i == names.len() - 1 {
            app.post_signed(&postback_event(&psid, &format!("m_{psid}_2"), "coupon:no")).await;
            app.wait_for_sent_to(&psid, 2).await;
            continue;
        }
        app.post_signed(&postback_event(&psid, &format!("m_{psid}_2"), "coupon:show")).await;
        app.wait_for_sent_to(&psid, 2).await;
        app.post_signed(&postback_event(&psid, &format!("m_{psid}_3"), "coupon:reveal")).await;
        app.wait_for_sent_to(&psid, 3).await;
    }
}

/// Two days of a team's figures through the API.
async fn team_figures(app: &TestApp) {
    let store = app.store().await;
    statbot::auth::create_user(&store, "root", Role::Admin, "correct horse battery").await.unwrap();
    store.close().await;
    let root = app.token("root", "correct horse battery").await;
    let lead = account(app, &root, "lead", "Support").await;
    for (day, figures) in [
        ("2025-05-05", json!({ "solved": 10, "comments": 40, "csat_good": 1, "csat_bad": 1 })),
        ("2025-05-06", json!({ "solved": 30, "comments": 30, "csat_good": 98, "csat_bad": 0, "chats": 3 })),
    ] {
        let response = app
            .client
            .put(app.url(&format!("/api/v1/team/stats/{day}")))
            .bearer_auth(&lead)
            .json(&figures)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// Noon UTC of a day of March 2025, in seconds.
fn march(day: i8) -> i64 {
    jiff::civil::date(2025, 3, day).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp().as_second() + 12 * 3600
}

/// The Stripe mirror, written with the server stopped (see [`mirror`]).
async fn sales(app: &TestApp) {
    let store = app.store().await;
    let customers = vec![
        mirror::customer("cus_a", "Ada Lovelace", "ada@example.com", march(1)),
        mirror::customer("cus_b", "", "bob@example.com", march(2)),
    ];
    let charges = vec![
        mirror::charge("ch_1", "cus_a", 4_500, "usd", true, march(3), "Blue mug"),
        mirror::charge("ch_2", "cus_b", 12_000, "usd", true, march(4), "Red teapot"),
        mirror::charge("ch_3", "cus_b", 990, "usd", false, march(5), "Blue mug"),
        mirror::charge("ch_4", "cus_a", 9_007_199_254_740_993, "usd", true, march(6), "Gold kettle"),
    ];
    let refunds = vec![mirror::refund("re_1", "ch_2", 2_000, "usd", march(7))];
    mirror::write(&store, customers, charges, refunds).await;
    store.close().await;
}

/// Runs the binary on `url` and returns what it printed, failing the test unless it succeeded.
async fn output(url: &str, args: &[&str]) -> String {
    let (url, args) = (url.to_owned(), args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        statbot(&args).database(&url).run_ok().stdout
    })
    .await
    .unwrap()
}

/// The same command's JSON on both databases, which must be equal; returns it.
async fn same_json(from: &str, to: &str, args: &[&str]) -> Value {
    let source: Value = serde_json::from_str(&output(from, args).await).unwrap();
    let target: Value = serde_json::from_str(&output(to, args).await).unwrap();
    assert_eq!(source, target, "statbot {args:?} differs on the copy");
    source
}

async fn copy(from: &str, to: &str) -> binary::Ran {
    let (from, to) = (from.to_owned(), to.to_owned());
    tokio::task::spawn_blocking(move || statbot(&["db", "copy", "--from", &from, "--to", &to]).run()).await.unwrap()
}

/// Every table of the source (but the migrations') with its rows on each side.
async fn counts(from: &str, to: &str) -> Vec<(String, i64, i64)> {
    sqlx::any::install_default_drivers();
    let mut source = <sqlx::AnyConnection as sqlx::Connection>::connect(from).await.unwrap();
    let mut target = <sqlx::AnyConnection as sqlx::Connection>::connect(to).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> 'schema_migrations' ORDER BY name",
    )
    .fetch_all(&mut source)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = Vec::new();
    for table in tables {
        let sql = || sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        let n: i64 = sqlx::query(sql()).fetch_one(&mut source).await.unwrap().get(0);
        let m: i64 = sqlx::query(sql()).fetch_one(&mut target).await.unwrap().get(0);
        out.push((table, n, m));
    }
    out
}

fn postgres() -> bool {
    std::env::var("STATBOT_TEST_BACKEND").as_deref() == Ok("postgres")
}

#[tokio::test]
async fn a_sqlite_database_moves_with_every_contact_event_coupon_and_figure() {
    let mut app = TestApp::spawn_with(Options { sqlite: true, ..Options::default() }).await;
    journeys(&app).await;
    team_figures(&app).await;
    // Let the outbox settle, then stop the server as the docs ask before a copy.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.stop().await;
    sales(&app).await;
    let from = app.config.database_url.to_string();

    // PostgreSQL, the contract, when the run has one; another SQLite file otherwise.
    let dir = tempfile::tempdir().unwrap();
    let to = if postgres() {
        fresh_database_url(dir.path()).await
    } else {
        format!("sqlite://{}", dir.path().join("copy.db").display())
    };
    let ran = copy(&from, &to).await;
    assert!(ran.status.success(), "{}", ran.stderr);
    // Off a terminal: no bar, no table, no warnings; one line saying what was done.
    assert_eq!(ran.stderr, "");
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    assert!(
        ran.stdout.starts_with("Copied ") && ran.stdout.contains("every table has as many rows as in the source"),
        "{}",
        ran.stdout
    );

    let counts = counts(&from, &to).await;
    for (table, source, target) in &counts {
        assert_eq!(source, target, "rows of {table}");
    }
    let rows = |name: &str| counts.iter().find(|(t, ..)| t == name).map(|c| c.1).unwrap();
    assert_eq!(rows("contacts"), 4);
    assert!(rows("events") > 10 && rows("coupon_codes") > 0 && rows("team_stats") > 0, "{counts:?}");
    assert_eq!(rows("stripe_charges"), 4);
    let total: i64 = counts.iter().map(|c| c.1).sum();
    assert!(
        ran.stdout.starts_with(&format!("Copied {} rows in ", statbot_core::numbers::grouped_units(total, 0))),
        "{}",
        ran.stdout
    );

    // The same figures from both.
    let funnel = same_json(&from, &to, &["funnel", "coupon", "--format", "json"]).await;
    assert!(funnel.to_string().contains("revealed"), "{funnel}");
    same_json(&from, &to, &["funnel", "coupon", "--by", "day", "--format", "json"]).await;
    same_json(&from, &to, &["funnel", "coupon", "--by", "ref", "--format", "json"]).await;
    let team = same_json(
        &from,
        &to,
        &["team", "view", "--team", "Support", "--from", "2025-05-05", "--to", "2025-05-06", "--format", "json"],
    )
    .await;
    assert_eq!(team["metrics"][0]["total"], 40.0, "{team}");
    let range = ["--from", "2025-03-01", "--to", "2025-03-31", "--format", "json"];
    let revenue = same_json(&from, &to, &[&["stripe", "revenue"][..], &range].concat()).await;
    assert!(revenue.to_string().contains("9007199254740993"), "a large amount is kept whole: {revenue}");
    same_json(&from, &to, &[&["stripe", "top-customers"][..], &range].concat()).await;
    same_json(&from, &to, &[&["stripe", "words"][..], &range].concat()).await;

    // The copy's contacts keep their names, emoji and all; new rows get ids of their own.
    let target = statbot::store::Store::open_with(&to, 2).await.unwrap();
    let zoe = target.find_contact(statbot_core::Platform::Messenger, "6800000000000001").await.unwrap().unwrap();
    assert_eq!(
        (zoe.first_name.as_deref(), zoe.last_name.as_deref(), zoe.profile_fetched),
        (Some("Zoë"), Some("Ünïcødé 🎉"), true)
    );
    statbot::auth::create_user(&target, "newcomer", Role::Staff, "correct horse battery").await.unwrap();
    let newcomer = target.user_by_name("newcomer").await.unwrap().unwrap();
    let root = target.user_by_name("root").await.unwrap().unwrap();
    assert!(newcomer.id > root.id);
    target.close().await;

    // A second copy into the now full database is refused, and leaves it as it was.
    let again = copy(&from, &to).await;
    assert!(!again.status.success());
    assert!(again.stderr.contains("is not empty") && again.stderr.contains("in contacts"), "{}", again.stderr);
    assert_eq!(counts_of(&to, "contacts").await, 4);

    // And back: PostgreSQL to a new SQLite file gives the same rows and figures again.
    if postgres() {
        let back = format!("sqlite://{}", dir.path().join("back.db").display());
        let ran = copy(&to, &back).await;
        assert!(ran.status.success(), "{}", ran.stderr);
        for (table, source, copied) in self::counts(&from, &back).await {
            // The newcomer's account was added on PostgreSQL after the first copy.
            let expected = if table == "users" { source + 1 } else { source };
            assert_eq!(copied, expected, "rows of {table}");
        }
        same_json(&from, &back, &["funnel", "coupon", "--format", "json"]).await;
        same_json(&from, &back, &[&["stripe", "revenue"][..], &range].concat()).await;
    }
}

async fn counts_of(url: &str, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(&mut conn).await.unwrap().get(0)
}

#[tokio::test]
async fn bad_urls_the_same_database_and_a_missing_file_are_refused_in_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let file = format!("sqlite://{}", dir.path().join("statbot.db").display());
    statbot(&["funnel", "coupon"]).database(&file).run_ok();

    let refused = |from: &str, to: &str| {
        let ran = statbot(&["db", "copy", "--from", from, "--to", to]).run();
        assert!(!ran.status.success(), "{from} -> {to}: {}", ran.stdout);
        assert_eq!(ran.stderr.lines().count(), 1, "one sentence: {}", ran.stderr);
        ran.stderr
    };
    let err = refused("mysql://root:hunter2@db/statbot", &file);
    assert!(err.contains("unsupported database URL") && !err.contains("hunter2"), "{err}");
    let err = refused(&file, "postgres:/nowhere");
    assert!(err.contains("unsupported database URL"), "{err}");
    let err = refused(&file, &format!("sqlite:{}", dir.path().join("statbot.db").display()));
    assert!(err.contains("the same database"), "{err}");
    let missing = format!("sqlite://{}", dir.path().join("missing.db").display());
    let err = refused(&missing, &format!("sqlite://{}", dir.path().join("to.db").display()));
    assert!(err.contains("no SQLite database at"), "{err}");
    assert!(!dir.path().join("missing.db").exists());

    // A source an older statbot left (or a newer one made) is refused, and not upgraded.
    let to = format!("sqlite://{}", dir.path().join("to.db").display());
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&file).await.unwrap();
    let latest: i64 =
        sqlx::query("SELECT MAX(version) FROM schema_migrations").fetch_one(&mut conn).await.unwrap().get(0);
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)")
        .bind(latest + 1)
        .execute(&mut conn)
        .await
        .unwrap();
    let err = refused(&file, &to);
    assert!(err.contains("newer than this statbot") && err.contains("with the newer statbot"), "{err}");
    sqlx::query("DELETE FROM schema_migrations WHERE version >= $1").bind(latest).execute(&mut conn).await.unwrap();
    let err = refused(&file, &to);
    assert!(err.contains("upgrade it first"), "{err}");
    let left: i64 =
        sqlx::query("SELECT MAX(version) FROM schema_migrations").fetch_one(&mut conn).await.unwrap().get(0);
    assert_eq!(left, latest - 1, "the source is left as it was");
}

#[tokio::test]
async fn on_a_terminal_a_progress_bar_then_the_tables_with_rows() {
    let dir = tempfile::tempdir().unwrap();
    let from = format!("sqlite://{}", dir.path().join("statbot.db").display());
    let to = format!("sqlite://{}", dir.path().join("copy.db").display());
    statbot(&["funnel", "coupon"]).database(&from).run_ok();
    let command = statbot(&["db", "copy", "--from", &from, "--to", &to]).env("NO_COLOR", "1").command();
    let printed = tokio::task::spawn_blocking(move || {
        let mut session = rexpect::session::spawn_command(command, Some(20_000)).unwrap();
        let printed = session.exp_string("every table has as many rows as in the source.").unwrap();
        session.exp_eof().unwrap();
        printed
    })
    .await
    .unwrap();
    assert!(printed.contains("/1 rows"), "a progress bar: {printed:?}");
    // Then the migrations' one row of funnel_rollup, and none of the empty tables.
    let table = &printed[printed.find("source  target").expect("a table of counts")..];
    assert!(table.contains("funnel_rollup") && !table.contains("contacts"), "{table:?}");
    assert!(table.contains("Copied 1 row in "), "{table:?}");
}

/// Inserts `n` rate-limit counters into the database at `url`, from a thread of its own (the
/// copy's progress callback cannot wait on a future).
fn write_beside(url: &str, (prefix, n): (&'static str, i64)) {
    let url = url.to_owned();
    sqlx::any::install_default_drivers();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new().unwrap().block_on(async move {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
            for i in 0..n {
                sqlx::query("INSERT INTO rate_limits (bucket, subject, window_start, hits) VALUES ('late', $1, 0, 1)")
                    .bind(format!("{prefix}{i}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        })
    })
    .join()
    .unwrap();
}

#[tokio::test]
async fn a_copy_is_one_snapshot_of_a_source_written_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let from = format!("sqlite://{}", dir.path().join("statbot.db").display());
    let to = format!("sqlite://{}", dir.path().join("copy.db").display());
    statbot(&["funnel", "coupon"]).database(&from).run_ok();
    write_beside(&from, ("before", 3));

    // Rows written to the source once its rate-limit counters are copied, as a server left
    // running would: the copy holds the source as it was when the copy began, and says so.
    let (mut copied_counters, mut written) = (false, false);
    let report = statbot::store::copy::copy(&from, &to, &mut |progress| {
        if let statbot::store::copy::Progress::Table(table) = progress {
            if copied_counters && !written {
                write_beside(&from, ("during", 5));
                written = true;
            }
            copied_counters |= table == "rate_limits";
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(written, "no table came after rate_limits");
    assert!(report.mismatches().is_empty(), "{:?}", report.mismatches());
    assert_eq!(counts_of(&to, "rate_limits").await, 3);
    assert_eq!(counts_of(&from, "rate_limits").await, 8);
}
