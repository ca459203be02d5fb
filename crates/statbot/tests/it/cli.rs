//! The operator's command line: checking flow files, creating accounts (the password read
//! from stdin), refusing to serve a bad flow, printing the example configuration, timing funnel
//! reports on a fresh database, listing what the chat did not understand (`intents misses`),
//! and output cut short by its reader ending quietly. Errors are one plain sentence.

use crate::support::{self, statbot};
use std::process::Stdio;

#[test]
fn flows_check_accepts_the_demo_flow_and_names_the_problems_of_a_bad_one() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/flows/coupon.toml");
    let ok = statbot(&["flows", "check", demo]).run();
    assert!(ok.status.success(), "{}", ok.stderr);
    assert!(ok.stdout.contains("ok — flow `coupon`, 5 steps"), "{}", ok.stdout);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"bad\"\nentry = \"a\"\n[steps.a]\ntext = \"Hi {frist_name}\"\nbuttons = [\n  { title = \"A far too long button title\", next = \"a\" },\n]\n",
    )
    .unwrap();
    let out = statbot(&["flows", "check", bad.to_str().unwrap()]).run();
    assert!(!out.status.success());
    let err = out.stderr;
    let file = bad.display().to_string();
    assert!(err.contains(&format!("{file}:3: step `a`: unknown variable `{{frist_name}}`")), "{err}");
    assert!(err.contains(&format!("{file}:6: step `a`, button 1 (buttons): the title")), "{err}");
    assert!(err.contains("1 flow file has problems"), "{err}");
}

#[test]
fn serve_refuses_to_start_on_a_bad_flow() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.toml"), "name = \"x\"\nentry = \"nowhere\"\n[steps.a]\ntext = \"hi\"\n")
        .unwrap();
    let db = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = statbot(&["serve", "--addr", "127.0.0.1:0"]).env("STATBOT_FLOWS_DIR", dir.path()).database(&db).run();
    assert!(!out.status.success());
    let err = out.stderr;
    assert!(err.contains("broken.toml:2: the entry step `nowhere` does not exist"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn users_add_reads_the_password_from_stdin_and_hashes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = support::fresh_database_url(dir.path()).await;
    let out = statbot(&["users", "add", "lead", "--role", "admin", "--password-stdin"])
        .database(&db)
        .stdin("a long enough password\n")
        .run();
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("created admin account `lead`"));

    let store = statbot::store::Store::open(&db).await.unwrap();
    let user = store.user_by_name("lead").await.unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(statbot::auth::verify_password("a long enough password".into(), user.password_hash).await.unwrap());

    let again = statbot(&["users", "add", "lead", "--role", "staff", "--password-stdin"])
        .database(&db)
        .stdin("a long enough password\n")
        .run();
    assert!(!again.status.success());
    assert!(again.stderr.contains("user `lead` already exists"), "{}", again.stderr);

    let weak = statbot(&["users", "add", "shorty", "--role", "staff", "--password-stdin"])
        .database(&db)
        .stdin("short\n")
        .run();
    assert!(weak.stderr.contains("at least 10 characters"), "{}", weak.stderr);

    let no_tty = statbot(&["users", "add", "quiet", "--role", "staff"]).database(&db).run();
    assert!(no_tty.stderr.contains("pass --password-stdin"), "{}", no_tty.stderr);
}

#[test]
fn config_default_prints_a_commented_example() {
    let out = statbot(&["config", "default"]).run();
    assert!(out.status.success());
    let example = out.stdout;
    assert!(example.contains("database_url = \"sqlite://statbot.db\""));
    assert!(example.contains("STATBOT_MESSENGER_APP_SECRET"));
}

#[test]
fn a_bad_environment_variable_is_one_sentence() {
    let out = statbot(&["users", "add", "x", "--role", "staff", "--password-stdin"])
        .env("STATBOT_ADDR", "nowhere")
        .stdin("x\n")
        .run();
    assert!(!out.status.success());
    assert_eq!(out.stderr.trim(), "statbot: STATBOT_ADDR=\"nowhere\" is not valid: invalid socket address syntax");
}

#[test]
fn bench_funnel_fills_a_fresh_database_and_times_reports() {
    let out = statbot(&["bench", "funnel", "--events", "3000", "--days", "5"]).run();
    assert!(out.status.success(), "{}", out.stderr);
    let report = out.stdout;
    for line in ["loaded 30", "rolled up 30", "report last 7 days: p50", "report all 5 days by day while events arrive"]
    {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
}

#[test]
fn the_business_time_zone_has_one_name_and_the_old_one_still_works_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("statbot.db").display());
    let funnel = |var: &str, zone: &str| {
        statbot(&["funnel", "coupon", "--format", "json", "--demo"]).database(&url).env(var, zone).run()
    };

    let new = funnel("STATBOT_TIME_ZONE", "Asia/Tokyo");
    assert!(new.status.success(), "{}", new.stderr);
    assert!(new.stdout.contains("\"time_zone\": \"Asia/Tokyo\""), "{}", new.stdout);
    assert!(!new.stderr.contains("deprecated"), "{}", new.stderr);

    let old = funnel("STATBOT_FUNNELS_TIME_ZONE", "Europe/Paris");
    assert!(old.status.success(), "{}", old.stderr);
    assert!(old.stdout.contains("\"time_zone\": \"Europe/Paris\""), "{}", old.stdout);
    assert!(
        old.stderr.contains(
            "funnels.time_zone (STATBOT_FUNNELS_TIME_ZONE) is deprecated: use time_zone (STATBOT_TIME_ZONE) instead"
        ),
        "{}",
        old.stderr
    );

    let bad = funnel("STATBOT_TIME_ZONE", "Mars/Olympus");
    assert!(!bad.status.success());
    assert_eq!(
        bad.stderr.trim(),
        "statbot: time_zone `Mars/Olympus` is not a time zone statbot knows (use an IANA name such as Europe/Paris)"
    );
}

#[test]
fn output_to_a_reader_that_stops_early_ends_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("statbot.db").display());
    // Some megabytes of JSON, far more than a pipe holds.
    let mut child =
        statbot(&["funnel", "coupon", "--format", "json", "--by-day", "--from", "2018-01-01", "--to", "2026-12-31"])
            .database(&url)
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn intents_misses_lists_what_the_chat_did_not_understand() {
    let dir = tempfile::tempdir().unwrap();
    let db = support::fresh_database_url(dir.path()).await;
    let env = [("STATBOT_DATABASE_URL", db.as_str()), ("NO_COLOR", "1")];
    let said = "Blorp the flux capacitor\nblorp the flux capacitor?\npopulation of Austin\nzzz qqq\n/quit\n";
    let chat = statbot(&["chat", "--demo", "--as", "tester"]).envs(&env).stdin(said).run();
    assert!(chat.status.success(), "{}", chat.stderr);
    assert!(chat.stdout.contains("Austin: population is 790,390 people."), "{}", chat.stdout);

    let out = statbot(&["intents", "misses"]).envs(&env).run();
    assert!(out.status.success(), "{}", out.stderr);
    let table = out.stdout;
    assert!(table.starts_with("Free-text messages in the last 30 days: 4, not understood: 3 (75.0 %)"), "{table}");
    let rows: Vec<&str> = table.lines().skip(3).collect();
    assert!(rows[0].starts_with("blorp the flux capacitor      2"), "{table}");
    assert!(rows[1].starts_with("zzz qqq                       1"), "{table}");

    let json = statbot(&["intents", "misses", "--format", "json", "--limit", "1"]).envs(&env).run();
    let misses: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(misses.as_array().unwrap().len(), 1);
    assert_eq!(misses[0]["count"], 2);

    let bad = statbot(&["intents", "misses", "--days", "0"]).envs(&env).run();
    assert_eq!(bad.stderr.trim(), "statbot: --days and --limit must be at least 1");
}
