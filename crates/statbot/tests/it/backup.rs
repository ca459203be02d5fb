//! `statbot backup` and `statbot restore`, run as an operator runs them: a backup taken while
//! the server takes signed Messenger deliveries holds every delivery acknowledged before it
//! began; a restore is refused while `statbot serve` has the database open, and puts the
//! contacts back once it has stopped; and the refusals (an existing file, a missing folder, a
//! file from a newer statbot, a file that is not statbot's, PostgreSQL). A backup is never
//! written over the database it copies, and one that fails says why and leaves the previous
//! backup alone. A damaged backup is refused with the database kept; one that came with its
//! own `-wal` is restored whole; a restore makes a database that did not exist yet, and
//! refuses the database itself as the backup; a damaged database is not restored into, and
//! the refusal says how to get out. SQLite only, but for the PostgreSQL refusal: with
//! `STATBOT_TEST_BACKEND=postgres` the others return at once.

use crate::support::*;
use sqlx::{Connection, Row};
use statbot_core::Platform;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn sqlite(app: &TestApp) -> bool {
    app.config.database_url.starts_with("sqlite")
}

async fn raw(path: &std::path::Path) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_deliveries_arrive_holds_every_one_acknowledged_before_it() {
    let app = TestApp::spawn().await;
    if !sqlite(&app) {
        return; // PostgreSQL backups are pg_dump's.
    }
    let app = Arc::new(app);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let (app, acknowledged, stop) = (app.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mid = format!("m.backup.{i}");
                let event = text_event(&format!("7710000{:04}", i % 50), &mid, "hello");
                assert_eq!(app.post_signed(&event).await.status(), 200);
                acknowledged.lock().unwrap().push(mid);
                i += 1;
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 30 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let db = app.config.database_url.to_string();
    let args = ["backup".to_owned(), file.display().to_string()];
    let ran = tokio::task::spawn_blocking(move || {
        statbot(&args.iter().map(String::as_str).collect::<Vec<_>>()).database(&db).run()
    })
    .await
    .unwrap();
    // Deliveries went on during the backup.
    let during = acknowledged.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    sender.await.unwrap();
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(ran.stdout.contains("backed up") && ran.stdout.contains("tables"), "{}", ran.stdout);
    assert!(during >= before.len());

    let mut copy = raw(&file).await;
    let check: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut copy).await.unwrap().get(0);
    assert_eq!(check, "ok");
    let stored: Vec<String> = sqlx::query("SELECT message_id FROM inbound")
        .fetch_all(&mut copy)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect();
    for mid in &before {
        assert!(stored.contains(mid), "{mid} was acknowledged before the backup but is not in it");
    }
    copy.close().await.unwrap();
}

/// `statbot serve` as a process, on `db`, with the test's settings.
fn serve(app: &TestApp, db: &str) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = statbot(&["serve", "--addr", &format!("127.0.0.1:{port}")])
        .database(db)
        .env("STATBOT_DEMO", "true")
        .env("STATBOT_MESSENGER_GRAPH_URL", app.graph.base_url())
        .env("STATBOT_MESSENGER_PAGE_TOKEN", PAGE_TOKEN)
        .env("STATBOT_MESSENGER_APP_SECRET", APP_SECRET)
        .env("STATBOT_MESSENGER_VERIFY_TOKEN", VERIFY_TOKEN)
        .env("STATBOT_LOG", "error")
        .command();
    let child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    (child, format!("http://127.0.0.1:{port}"))
}

#[tokio::test]
async fn a_restore_is_refused_while_serve_runs_and_puts_the_contacts_back_once_it_stopped() {
    let mut app = TestApp::spawn().await;
    if !sqlite(&app) {
        return; // restore is for SQLite; PostgreSQL has pg_restore.
    }
    let db = app.config.database_url.to_string();
    assert_eq!(app.post_signed(&text_event("7720000001", "m.kept", "hello")).await.status(), 200);
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("before.db");
    let file_arg = file.display().to_string();
    let ran = statbot(&["backup", &file_arg]).database(&db).run();
    assert!(ran.status.success(), "{}", ran.stderr);

    // A contact that arrives after the backup, gone again once it is restored.
    app.restart().await;
    assert_eq!(app.post_signed(&text_event("7720000002", "m.later", "hello")).await.status(), 200);
    app.stop().await;

    let (mut server, base) = serve(&app, &db);
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + WAIT;
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(std::time::Instant::now() < deadline, "statbot serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused = statbot(&["restore", &file_arg]).database(&db).run();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(!refused.status.success());
    assert!(refused.stderr.contains("is in use (is statbot serve running?)"), "{}", refused.stderr);

    let ran = statbot(&["restore", &file_arg]).database(&db).run();
    assert!(ran.status.success(), "{}", ran.stderr);
    assert!(ran.stdout.contains("restored"), "{}", ran.stdout);
    let store = app.store().await;
    assert!(store.find_contact(Platform::Messenger, "7720000001").await.unwrap().is_some());
    assert!(store.find_contact(Platform::Messenger, "7720000002").await.unwrap().is_none());
    store.close().await;
    // And the server starts on it.
    app.restart().await;
    assert_eq!(app.post_signed(&text_event("7720000003", "m.after", "hello")).await.status(), 200);
}

#[tokio::test]
async fn backup_and_restore_refuse_with_a_sentence() {
    let mut app = TestApp::spawn().await;
    if !sqlite(&app) {
        return; // The PostgreSQL refusal is tested below.
    }
    app.stop().await;
    let db = app.config.database_url.to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    let file_arg = file.display().to_string();
    assert!(statbot(&["backup", &file_arg]).database(&db).run().status.success());

    let again = statbot(&["backup", &file_arg]).database(&db).run();
    assert!(!again.status.success());
    assert!(again.stderr.contains("already exists") && again.stderr.contains("--force"), "{}", again.stderr);
    assert!(statbot(&["backup", "--force", &file_arg]).database(&db).run().status.success());

    let missing = dir.path().join("no-such-folder").join("b.db").display().to_string();
    let ran = statbot(&["backup", &missing]).database(&db).run();
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("does not exist"), "{}", ran.stderr);

    // From a newer statbot: a migration this binary does not know.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    let mut conn = raw(&newer).await;
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999999, 'future', 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let ran = statbot(&["restore", &newer.display().to_string()]).database(&db).run();
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("was written by a newer statbot"), "{}", ran.stderr);

    // Not a database at all, and a SQLite database that is not statbot's.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, but long enough").unwrap();
    let ran = statbot(&["restore", &text.display().to_string()]).database(&db).run();
    assert!(ran.stderr.contains("is not a SQLite database"), "{}", ran.stderr);
    let other = dir.path().join("other.db");
    let mut conn = raw(&other).await;
    sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let ran = statbot(&["restore", &other.display().to_string()]).database(&db).run();
    assert!(ran.stderr.contains("not one of statbot's"), "{}", ran.stderr);

    // None of these touched the database.
    let store = app.store().await;
    store.ping().await.unwrap();
    store.close().await;
}

#[test]
fn backup_on_postgresql_refuses_with_the_pg_dump_line_without_the_password() {
    let ran = statbot(&["backup", "out.dump"]).database("postgres://statbot:s3cr3t@db.example:5432/statbot").run();
    assert!(!ran.status.success());
    assert!(
        ran.stderr.contains("pg_dump --format=custom --file=out.dump 'postgres://statbot@db.example:5432/statbot'"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("s3cr3t"), "{}", ran.stderr);
}

/// The test's SQLite file.
fn db_file(app: &TestApp) -> std::path::PathBuf {
    statbot::store::backup::sqlite_path(&app.config.database_url).unwrap()
}

#[tokio::test]
async fn backup_never_writes_over_the_database_it_copies() {
    let app = TestApp::spawn().await;
    if !sqlite(&app) {
        return;
    }
    let url = app.config.database_url.to_string();
    let db = db_file(&app);
    let wal = format!("{}-wal", db.display());
    for target in [db.display().to_string(), wal] {
        let ran = statbot(&["backup", "--force", &target]).database(&url).run();
        assert!(!ran.status.success(), "{target} was written over: {}", ran.stdout);
        assert!(ran.stderr.contains("is the database itself"), "{}", ran.stderr);
    }
    // The server goes on, on an intact database.
    assert_eq!(app.post_signed(&text_event("7730000001", "m.own", "hello")).await.status(), 200);
    let mut conn = raw(&db).await;
    let check: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap().get(0);
    assert_eq!(check, "ok");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_the_database_kept() {
    let mut app = TestApp::spawn().await;
    if !sqlite(&app) {
        return;
    }
    let url = app.config.database_url.to_string();
    assert_eq!(app.post_signed(&text_event("7740000001", "m.kept", "hello")).await.status(), 200);
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    statbot(&["backup", &file.display().to_string()]).database(&url).run_ok();

    // A disk error in its last pages (the rows; the schema comes first in a backup).
    let mut bytes = std::fs::read(&file).unwrap();
    let end = bytes.len();
    bytes[end - 3 * 4096..].fill(0xA5);
    let damaged = dir.path().join("damaged.db");
    std::fs::write(&damaged, &bytes).unwrap();
    let ran = statbot(&["restore", &damaged.display().to_string()]).database(&url).run();
    assert!(!ran.status.success(), "a damaged backup was restored: {}", ran.stdout);
    assert!(ran.stderr.contains("is damaged"), "{}", ran.stderr);

    // The SQLite header and nothing else of a database.
    let mut garbage = b"SQLite format 3\0".to_vec();
    garbage.extend(std::iter::repeat_n(0x5Au8, 8192));
    let fake = dir.path().join("fake.db");
    std::fs::write(&fake, &garbage).unwrap();
    let ran = statbot(&["restore", &fake.display().to_string()]).database(&url).run();
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("is damaged") && !ran.stderr.contains("code:"), "{}", ran.stderr);

    let store = app.store().await;
    assert!(store.find_contact(Platform::Messenger, "7740000001").await.unwrap().is_some());
    store.close().await;
}

#[tokio::test]
async fn a_backup_kept_with_its_write_ahead_log_is_restored_whole() {
    let mut app = TestApp::spawn().await;
    if !sqlite(&app) {
        return;
    }
    let url = app.config.database_url.to_string();
    assert_eq!(app.post_signed(&text_event("7750000001", "m.walter", "hello")).await.status(), 200);
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    statbot(&["backup", &file.display().to_string()]).database(&url).run_ok();

    // A database copied with its `-wal` after a crash: the last write is only in the log.
    let mut conn = raw(&file).await;
    sqlx::raw_sql("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;").execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE contacts SET first_name = 'Walter' WHERE external_id = '7750000001'")
        .execute(&mut conn)
        .await
        .unwrap();
    let kept = dir.path().join("kept.db");
    std::fs::copy(&file, &kept).unwrap();
    std::fs::copy(dir.path().join("b.db-wal"), dir.path().join("kept.db-wal")).unwrap();
    conn.close().await.unwrap();

    let ran = statbot(&["restore", &kept.display().to_string()]).database(&url).run();
    assert!(ran.status.success(), "{}", ran.stderr);
    let store = app.store().await;
    let contact = store.find_contact(Platform::Messenger, "7750000001").await.unwrap().unwrap();
    assert_eq!(contact.first_name.as_deref(), Some("Walter"));
    store.close().await;
}

#[tokio::test]
async fn a_restore_into_a_database_not_made_yet_works_and_one_onto_itself_is_refused() {
    let mut app = TestApp::spawn().await;
    if !sqlite(&app) {
        return;
    }
    let url = app.config.database_url.to_string();
    assert_eq!(app.post_signed(&text_event("7760000001", "m.new", "hello")).await.status(), 200);
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    statbot(&["backup", &file.display().to_string()]).database(&url).run_ok();

    let ran = statbot(&["restore", &db_file(&app).display().to_string()]).database(&url).run();
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("is the database itself"), "{}", ran.stderr);

    let fresh = format!("sqlite://{}", dir.path().join("new.db").display());
    let ran = statbot(&["restore", &file.display().to_string()]).database(&fresh).run();
    assert!(ran.status.success(), "{}", ran.stderr);
    let store = statbot::store::Store::open_with(&fresh, 2).await.unwrap();
    assert!(store.find_contact(Platform::Messenger, "7760000001").await.unwrap().is_some());
    store.close().await;
}

#[test]
fn a_failed_backup_says_why_in_a_sentence_and_keeps_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let not_sqlite = dir.path().join("statbot.db");
    std::fs::write(&not_sqlite, "not a database, but long enough to look like one").unwrap();
    let previous = dir.path().join("b.db");
    std::fs::write(&previous, "the previous backup").unwrap();
    let url = format!("sqlite://{}", not_sqlite.display());
    let ran = statbot(&["backup", "--force", &previous.display().to_string()]).database(&url).run();
    assert!(!ran.status.success());
    assert!(ran.stderr.contains("cannot back up") && !ran.stderr.contains("code:"), "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(&previous).unwrap(), "the previous backup");
    assert!(!dir.path().join("b.db.partial").exists());
}

#[tokio::test]
async fn a_damaged_database_is_not_restored_into_but_the_way_out_is_said() {
    let mut app = TestApp::spawn().await;
    if !sqlite(&app) {
        return;
    }
    let url = app.config.database_url.to_string();
    assert_eq!(app.post_signed(&text_event("7770000001", "m.saved", "hello")).await.status(), 200);
    app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    statbot(&["backup", &file.display().to_string()]).database(&url).run_ok();

    // The database hit by a disk error: its pages after the first are garbage.
    let db = db_file(&app);
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[4096..].fill(0xA5);
    std::fs::write(&db, &bytes).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", db.display()));
    let ran = statbot(&["restore", &file.display().to_string()]).database(&url).run();
    assert!(!ran.status.success(), "{}", ran.stdout);
    assert!(ran.stderr.contains("is itself damaged") && ran.stderr.contains("move it aside"), "{}", ran.stderr);

    std::fs::rename(&db, dir.path().join("statbot.db.damaged")).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    statbot(&["restore", &file.display().to_string()]).database(&url).run_ok();
    let store = app.store().await;
    assert!(store.find_contact(Platform::Messenger, "7770000001").await.unwrap().is_some());
    store.close().await;
}
