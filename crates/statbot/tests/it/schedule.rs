//! The periodic jobs' shared schedule (issue 21): a job's run is claimed by one caller while it is
//! due, and not again until its interval has passed; a finished run records its outcome; and
//! `statbot jobs` shows all of it, as a table and as JSON. Several real instances sharing the
//! schedule are in `scale_out`.

use crate::support::{self, statbot};
use statbot::store::Store;

#[tokio::test]
async fn a_due_run_is_claimed_once_and_again_only_after_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&support::fresh_database_url(dir.path()).await).await.unwrap();
    let now = 1_800_000_000_000;
    assert_eq!(store.job_due_at("stripe_sync").await.unwrap(), None);
    assert!(store.claim_job_run("stripe_sync", 1000, "a", now).await.unwrap(), "a job that never ran is due");
    assert!(!store.claim_job_run("stripe_sync", 1000, "b", now).await.unwrap(), "claimed twice");
    assert!(!store.claim_job_run("stripe_sync", 1000, "b", now + 999).await.unwrap(), "claimed before its interval");
    assert_eq!(store.job_due_at("stripe_sync").await.unwrap(), Some(now + 1000));
    // Another job has its own row.
    assert!(store.claim_job_run("follow_ups", 500, "b", now).await.unwrap());

    // A's run ends late, after B claimed the next: it does not overwrite B's.
    assert!(store.claim_job_run("stripe_sync", 1000, "b", now + 1000).await.unwrap());
    store.finish_job_run(("stripe_sync", "a", now), now + 1500, Some("late")).await.unwrap();
    store.finish_job_run(("stripe_sync", "b", now + 1000), now + 1200, Some("Stripe answered 500")).await.unwrap();
    let jobs = store.scheduled_jobs().await.unwrap();
    let sync = jobs.iter().find(|j| j.job == "stripe_sync").unwrap();
    assert_eq!((sync.runs, sync.last_instance.as_str(), sync.last_started_at), (2, "b", now + 1000));
    assert_eq!((sync.last_finished_at, sync.last_outcome.as_deref()), (Some(now + 1200), Some("error")));
    assert_eq!(sync.last_error.as_deref(), Some("Stripe answered 500"));
    store.close().await;
}

#[tokio::test]
async fn statbot_jobs_shows_each_jobs_last_run_and_next_due_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = support::fresh_database_url(dir.path()).await;
    let empty = statbot(&["jobs"]).database(&db).run();
    assert!(empty.status.success(), "{}", empty.stderr);
    assert_eq!(empty.stdout.trim(), "no job has run yet: `statbot serve` runs them");

    let store = Store::open(&db).await.unwrap();
    let now = statbot::store::now_ms();
    store.claim_job_run("stripe_sync", 300_000, "0123abcd", now - 2_000).await.unwrap();
    store.finish_job_run(("stripe_sync", "0123abcd", now - 2_000), now - 1_500, None).await.unwrap();
    store.claim_job_run("follow_ups", 5_000, "0123abcd", now - 10_000).await.unwrap();
    store.claim_job_run("shop_reconcile", 60_000, "feed4567", now).await.unwrap();
    store.finish_job_run(("shop_reconcile", "feed4567", now), now + 20, Some("Stripe did not answer")).await.unwrap();
    store.close().await;

    let table = statbot(&["jobs"]).database(&db).run();
    assert!(table.status.success(), "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("job ") && lines[0].ends_with("next due"), "{}", table.stdout);
    let row = |job: &str| lines.iter().find(|l| l.starts_with(job)).copied().unwrap_or_default();
    let follow_ups: Vec<&str> = row("follow_ups").split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(follow_ups, ["follow_ups", "5 s", "1", "10 s ago", "0123abcd", "-", "running", "now"]);
    let sync = row("stripe_sync");
    assert!(
        sync.contains("5 min") && sync.contains("500 ms") && sync.contains("ok") && sync.ends_with("in 4 min"),
        "{sync}"
    );
    assert!(row("shop_reconcile").contains("error"), "{}", table.stdout);
    assert!(table.stdout.ends_with("shop_reconcile last failed: Stripe did not answer\n"), "{}", table.stdout);

    let json = statbot(&["jobs", "--format", "json"]).database(&db).run();
    let jobs: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let names: Vec<&str> = jobs.as_array().unwrap().iter().map(|j| j["job"].as_str().unwrap()).collect();
    assert_eq!(names, ["follow_ups", "shop_reconcile", "stripe_sync"]);
    assert_eq!(jobs[2]["every_ms"], 300_000);
    assert_eq!(jobs[2]["last_outcome"], "ok");
    assert_eq!(jobs[0]["last_finished_at"], serde_json::Value::Null);
}
