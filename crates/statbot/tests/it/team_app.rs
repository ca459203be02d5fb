//! `statbot team`: the interactive app driven through a pseudo-terminal (failed logins,
//! registration, adding and overwriting a day, bad input asked again, the view with its
//! missing-day warning, an export and the file written), the scripted commands, and database
//! trouble said in a sentence.

use crate::support::binary::Statbot;
use crate::support::{self, statbot};
use rexpect::session::{PtySession, spawn_command};
use statbot::store::Store;

/// `statbot team` on a database, exporting into `exports`.
fn team_command(database_url: &str, exports: &std::path::Path) -> Statbot {
    statbot(&["team"]).database(database_url).env("STATBOT_TEAM_EXPORTS_DIR", exports).env("NO_COLOR", "1")
}

fn expect(app: &mut PtySession, text: &str) {
    if let Err(e) = app.exp_string(text) {
        panic!("expected {text:?}: {e}");
    }
}

fn answer(app: &mut PtySession, prompt: &str, reply: &str) {
    expect(app, prompt);
    app.send_line(reply).unwrap();
}

/// One day's figures at the five prompts of the default metrics.
fn enter_day(app: &mut PtySession, figures: [&str; 5]) {
    answer(app, "Tickets solved: ", figures[0]);
    answer(app, "Live chats: ", figures[1]);
    answer(app, "Public comments: ", figures[2]);
    answer(app, "as a percentage, e.g. 96%): ", figures[3]);
    if !figures[3].ends_with('%') {
        answer(app, "CSAT bad ratings: ", figures[4]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_lead_logs_in_records_views_and_exports_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = support::fresh_database_url(dir.path()).await;
    let store = Store::open(&database_url).await.unwrap();
    statbot::auth::create_user(&store, "ana", statbot::store::Role::Staff, "an old password").await.unwrap();
    let exports = dir.path().join("exports");
    let command = team_command(&database_url, &exports).command();

    tokio::task::spawn_blocking(move || {
        let mut app = spawn_command(command, Some(30_000)).unwrap();
        expect(&mut app, "|___/");
        expect(&mut app, "team stats");
        // Three failed logins: the second warns, the third locks the name, then back to the menu.
        answer(&mut app, "Choose 1, 2 or 0: ", "1");
        for attempt in 1..=3 {
            answer(&mut app, "Username: ", "ana");
            answer(&mut app, "Password: ", "not the password");
            expect(&mut app, &format!("Wrong username or password ({attempt} of 3)."));
            if attempt == 2 {
                expect(&mut app, "One more wrong password locks this account for 15 minutes.");
            }
        }
        expect(&mut app, "Too many failed logins: this account is locked for 15 minutes.");
        answer(&mut app, "Choose 1, 2 or 0: ", "7");
        expect(&mut app, "Please choose 1, 2 or 0.");

        // Register: a taken name, a short password and a mismatch are each asked again.
        answer(&mut app, "Choose 1, 2 or 0: ", "2");
        answer(&mut app, "Username (no spaces; empty to go back): ", "ana");
        expect(&mut app, "The username ana is taken; choose another.");
        answer(&mut app, "Username (no spaces; empty to go back): ", "lead");
        answer(&mut app, "Password (at least 10 characters): ", "short");
        expect(&mut app, "The password needs at least 10 characters.");
        answer(&mut app, "Password (at least 10 characters): ", "correct horse battery");
        answer(&mut app, "Password again: ", "correct horse battery!");
        expect(&mut app, "The two passwords differ");
        answer(&mut app, "Password (at least 10 characters): ", "correct horse battery");
        answer(&mut app, "Password again: ", "correct horse battery");
        answer(&mut app, "Team [Support]: ", "");
        expect(&mut app, "Registered lead in team Support.");
        expect(&mut app, "Welcome, lead! You are working on team Support.");

        // Add a day; bad input is asked again.
        answer(&mut app, "Choose 1, 2, 3 or 0: ", "1");
        answer(&mut app, "[today]: ", "2025-13-01");
        expect(&mut app, "is not a date");
        answer(&mut app, "[today]: ", "2999-01-01");
        expect(&mut app, "is in the future");
        answer(&mut app, "[today]: ", "2025-03-03");
        answer(&mut app, "Tickets solved: ", "forty");
        expect(&mut app, "enter a whole number");
        enter_day(&mut app, ["40", "12", "70", "19", "1"]);
        expect(&mut app, "Saved the figures of 2025-03-03.");
        answer(&mut app, "Enter more? (y/n): ", "maybe");
        expect(&mut app, "Please answer y or n.");
        answer(&mut app, "Enter more? (y/n): ", "y");

        // The same day again: overwriting is refused, then confirmed.
        answer(&mut app, "[today]: ", "2025-03-03");
        expect(&mut app, "2025-03-03 already has figures: Tickets solved 40, Live chats 12");
        answer(&mut app, "Overwrite them? (y/n): ", "n");
        expect(&mut app, "Kept the figures of 2025-03-03 as they were.");
        answer(&mut app, "Enter more? (y/n): ", "y");
        answer(&mut app, "[today]: ", "2025-03-03");
        answer(&mut app, "Overwrite them? (y/n): ", "y");
        enter_day(&mut app, ["50", "10", "60", "120%", ""]);
        expect(&mut app, "a percentage is between 0 and 100");
        answer(&mut app, "as a percentage, e.g. 96%): ", "90%");
        expect(&mut app, "Saved the figures of 2025-03-03.");
        answer(&mut app, "Enter more? (y/n): ", "y");
        answer(&mut app, "[today]: ", "2025-03-05");
        enter_day(&mut app, ["30", "5", "45", "20", "0"]);
        expect(&mut app, "Saved the figures of 2025-03-05.");
        answer(&mut app, "Enter more? (y/n): ", "n");

        // View three days: totals, ratios, and the missing day.
        answer(&mut app, "Choose 1, 2, 3 or 0: ", "2");
        answer(&mut app, "FROM to TO [today]: ", "2025-03-03");
        answer(&mut app, "Extra days (0 for one day): ", "-1");
        expect(&mut app, "the number of extra days is 0 to");
        answer(&mut app, "Extra days (0 for one day): ", "2");
        expect(&mut app, "Team Support, 2025-03-03 to 2025-03-05: 3 days, 2 with figures");
        expect(&mut app, "Tickets solved");
        expect(&mut app, "80");
        expect(&mut app, "40.0");
        // 20 ratings (all good) on one day, 90 % on a day counted as an average (20 ratings).
        expect(&mut app, "CSAT");
        expect(&mut app, "95%  95% or more  on target");
        expect(&mut app, "Comments per solve   1.31    2 or less  on target");
        expect(&mut app, "Warning: no figures for 1 of 3 days: 2025-03-04");

        // Export the range as CSV.
        answer(&mut app, "Choose 1, 2, 3 or 0: ", "3");
        answer(&mut app, "From (YYYY-MM-DD, today or yesterday): ", "2025-03-03");
        answer(&mut app, "To (YYYY-MM-DD, today or yesterday) [today]: ", "2025-03-05");
        answer(&mut app, "Format, json or csv [csv]: ", "xml");
        expect(&mut app, "`xml` is not an export format");
        answer(&mut app, "Format, json or csv [csv]: ", "csv");
        expect(&mut app, "Exported 3 days (2 with figures) to ");
        expect(&mut app, "support-2025-03-03-to-2025-03-05.csv");
        answer(&mut app, "Choose 1, 2, 3 or 0: ", "0");
        expect(&mut app, "Goodbye.");
        app.exp_eof().unwrap();
    })
    .await
    .unwrap();

    let csv = std::fs::read_to_string(dir.path().join("exports/support-2025-03-03-to-2025-03-05.csv")).unwrap();
    assert_eq!(
        csv,
        "date,solved,chats,comments,csat_good,csat_bad,csat_percent,csat,comments_per_solve,\
         live_chats,first_response,resolution\r\n\
         2025-03-03,50,10,60,,,90,90,1.2,,,\r\n\
         2025-03-04,,,,,,,,,,,\r\n\
         2025-03-05,30,5,45,20,0,,100,1.5,,,\r\n"
    );
    let lead = store.user_by_name("lead").await.unwrap().unwrap();
    let team = store.team(lead.team_id.expect("registered into a team")).await.unwrap().unwrap();
    assert_eq!(team.name, "Support");
}

#[tokio::test(flavor = "multi_thread")]
async fn scripts_add_view_and_export_without_the_menus() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = support::fresh_database_url(dir.path()).await;
    let run = |args: &[&str]| {
        let ran = team_command(&database_url, &dir.path().join("exports")).args(args).run();
        (ran.status.success(), ran.stdout, ran.stderr)
    };
    let (ok, out, _) =
        run(&["add", "--date", "2025-06-02", "solved=40", "chats=12", "comments=70", "csat_good=19", "csat_bad=1"]);
    assert!(ok);
    assert_eq!(out, "recorded 5 figures of team Support for 2025-06-02\n");
    let (ok, out, _) = run(&["add", "--date", "2025-06-02", "chats=14"]);
    assert!(ok && out.starts_with("updated 1 figure"), "{out}");
    let (ok, _, err) = run(&["add", "--date", "2025-06-03", "sold=3"]);
    assert!(!ok);
    assert_eq!(
        err,
        "statbot: this team has no metric `sold`; its metrics are solved, chats, comments, csat_good, csat_bad, csat_percent, csat\n"
    );
    let (ok, _, err) = run(&["add", "--date", "2025-06-03", "solved=many"]);
    assert!(!ok && err.contains("solved: enter a whole number"), "{err}");
    let (ok, _, err) = run(&["view", "--from", "2025-06-03", "--to", "2025-06-01"]);
    assert!(!ok && err.contains("starts (2025-06-03) after it ends"), "{err}");

    let (ok, out, _) = run(&["view", "--from", "2025-06-01", "--days", "2", "--format", "json"]);
    assert!(ok);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["missing_days"], serde_json::json!(["2025-06-01", "2025-06-03"]));
    assert_eq!(report["metrics"][1]["total"], 14.0);
    assert_eq!(report["ratios"][0]["value"], 95.0);
    let (ok, out, _) = run(&["view", "--from", "2025-06-01", "--days", "2"]);
    assert!(ok && out.contains("Warning: no figures for 2 of 3 days: 2025-06-01, 2025-06-03"), "{out}");

    let file = dir.path().join("out/june.json");
    let (ok, out, _) = run(&[
        "export",
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-02",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(ok && out.contains("june.json"), "{out}");
    let exported: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(exported["daily"][0]["values"]["solved"], 40.0);
    assert_eq!(exported["team"], "Support");
}

/// A database held locked by another program: the app says so and goes back to the menu.
#[tokio::test(flavor = "multi_thread")]
async fn a_locked_database_is_said_in_a_sentence_and_leads_back_to_the_menu() {
    if std::env::var("STATBOT_TEST_BACKEND").as_deref() == Ok("postgres") {
        return; // SQLite's file lock is the trouble a lone team lead meets.
    }
    let dir = tempfile::tempdir().unwrap();
    let database_url = support::fresh_database_url(dir.path()).await;
    let store = Store::open(&database_url).await.unwrap();
    statbot::auth::create_user(&store, "lead", statbot::store::Role::Staff, "correct horse battery").await.unwrap();
    store.close().await;
    drop(store);
    let command = team_command(&database_url, &dir.path().join("exports")).command();
    let mut lock = <sqlx::SqliteConnection as sqlx::Connection>::connect(&database_url).await.unwrap();

    let mut app = tokio::task::spawn_blocking(move || {
        let mut app = spawn_command(command, Some(30_000)).unwrap();
        answer(&mut app, "Choose 1, 2 or 0: ", "1");
        answer(&mut app, "Username: ", "lead");
        answer(&mut app, "Password: ", "correct horse battery");
        expect(&mut app, "Welcome, lead!");
        answer(&mut app, "Choose 1, 2, 3 or 0: ", "1");
        answer(&mut app, "[today]: ", "2025-03-03");
        answer(&mut app, "Tickets solved: ", "1");
        answer(&mut app, "Live chats: ", "2");
        answer(&mut app, "Public comments: ", "3");
        answer(&mut app, "as a percentage, e.g. 96%): ", "4");
        expect(&mut app, "CSAT bad ratings: ");
        app
    })
    .await
    .unwrap();
    // The lock is taken before the last figure, so the save waits on it, then gives up (busy
    // timeout: 10 s).
    sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut lock).await.unwrap();
    let app = tokio::task::spawn_blocking(move || {
        app.send_line("5").unwrap();
        expect(&mut app, "The database is busy (another program holds a lock); nothing was changed.");
        expect(&mut app, "Back to the menu.");
        app
    });
    let mut app = app.await.unwrap();
    sqlx::raw_sql("ROLLBACK").execute(&mut lock).await.unwrap();
    tokio::task::spawn_blocking(move || {
        answer(&mut app, "Choose 1, 2, 3 or 0: ", "0");
        app.exp_eof().unwrap();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_keeps_to_allowed_domains_and_admins_switch_teams() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = support::fresh_database_url(dir.path()).await;
    let store = Store::open(&database_url).await.unwrap();
    let root =
        statbot::auth::create_user(&store, "root", statbot::store::Role::Admin, "correct horse battery").await.unwrap();
    let config = statbot::config::Config::default();
    let teams = statbot::team::Teams::new(store.clone(), &config.team, jiff::tz::TimeZone::UTC);
    teams.assign(root, Some("Support")).await.unwrap();
    let billing = teams.ensure("Billing").await.unwrap();
    let figures = [("solved".to_owned(), 7.0)];
    teams
        .record(&billing, jiff::civil::date(2025, 4, 1), &figures, statbot::store::DayWrite::Replace, None)
        .await
        .unwrap();
    let command = team_command(&database_url, &dir.path().join("exports"))
        .env("STATBOT_TEAM_ALLOWED_EMAIL_DOMAINS", "example.com, example.org")
        .command();

    tokio::task::spawn_blocking(move || {
        let mut app = spawn_command(command, Some(30_000)).unwrap();
        answer(&mut app, "Choose 1, 2 or 0: ", "2");
        let prompt = "Username (your email address at @example.com or @example.org; empty to go back): ";
        answer(&mut app, prompt, "mallory");
        expect(&mut app, "Register with your email address");
        answer(&mut app, prompt, "mallory@elsewhere.net");
        expect(&mut app, "Registration is open to addresses at example.com, example.org only.");
        answer(&mut app, prompt, "");
        // The admin works on another team.
        answer(&mut app, "Choose 1, 2 or 0: ", "1");
        answer(&mut app, "Username: ", "root");
        answer(&mut app, "Password: ", "correct horse battery");
        expect(&mut app, "You are working on team Support.");
        answer(&mut app, "Choose 1, 2, 3, 4 or 0: ", "4");
        expect(&mut app, "Teams: Billing, Support");
        answer(&mut app, "Team (empty to stay): ", "Nowhere");
        expect(&mut app, "No team is named Nowhere.");
        answer(&mut app, "Team (empty to stay): ", "billing");
        expect(&mut app, "You are working on team Billing now.");
        answer(&mut app, "Choose 1, 2, 3, 4 or 0: ", "2");
        answer(&mut app, "FROM to TO [today]: ", "2025-04-01 to 2025-04-02");
        expect(&mut app, "Team Billing, 2025-04-01 to 2025-04-02: 2 days, 1 with figures");
        expect(&mut app, "Warning: no figures for 1 of 2 days: 2025-04-02");
        answer(&mut app, "Choose 1, 2, 3, 4 or 0: ", "0");
        app.exp_eof().unwrap();
    })
    .await
    .unwrap();
}
