//! `statbot jobs`: the periodic jobs' shared schedule (see `crate::schedule`): how often each
//! runs, how many runs all instances made, when and where the last one started, how it ended, and
//! when the next is due. For checking that the Stripe sync, the reconciler and the rest are
//! running, on one machine or several.

use super::intents::Format;
use super::{CliError, warn_config};
use crate::config::{Config, ConfigWarning};
use crate::store::{ScheduledJob, Store, now_ms};
use clap::Args;

#[derive(Args)]
pub struct JobsArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub async fn run((config, warnings): (Config, Vec<ConfigWarning>), args: JobsArgs) -> Result<(), CliError> {
    warn_config(&warnings);
    let store = Store::open(&config.database_url).await?;
    let jobs = store.scheduled_jobs().await;
    store.close().await;
    let jobs = jobs?;
    if args.format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&jobs)?);
        return Ok(());
    }
    if jobs.is_empty() {
        outln!("no job has run yet: `statbot serve` runs them");
        return Ok(());
    }
    let now = now_ms();
    let mut rows =
        vec![["job", "every", "runs", "last started", "by", "took", "outcome", "next due"].map(String::from).to_vec()];
    rows.extend(jobs.iter().map(|job| row(job, now)));
    super::emit(&crate::table::render(&rows));
    if let Some(failed) = jobs.iter().find(|job| job.last_error.is_some()) {
        outln!("{} last failed: {}", failed.job, failed.last_error.as_deref().unwrap_or_default());
    }
    Ok(())
}

fn row(job: &ScheduledJob, now: i64) -> Vec<String> {
    let next = match job.next_due_at - now {
        left if left > 0 => format!("in {}", span(left)),
        _ => "now".to_owned(),
    };
    let (took, outcome) = match (job.last_finished_at, &job.last_outcome) {
        (Some(finished), Some(outcome)) => (span(finished - job.last_started_at), outcome.clone()),
        _ => ("-".to_owned(), "running".to_owned()),
    };
    vec![
        job.job.clone(),
        span(job.every_ms),
        job.runs.to_string(),
        format!("{} ago", span(now - job.last_started_at)),
        job.last_instance.clone(),
        took,
        outcome,
        next,
    ]
}

/// `ms` in the largest whole unit that fits: "250 ms", "42 s", "5 min", "3 h", "2 d".
fn span(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{} s", ms / 1_000),
        60_000..3_600_000 => format!("{} min", ms / 60_000),
        3_600_000..86_400_000 => format!("{} h", ms / 3_600_000),
        _ => format!("{} d", ms / 86_400_000),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_in_their_largest_unit() {
        assert_eq!(super::span(250), "250 ms");
        assert_eq!(super::span(42_500), "42 s");
        assert_eq!(super::span(300_000), "5 min");
        assert_eq!(super::span(3 * 3_600_000 + 5), "3 h");
        assert_eq!(super::span(2 * 86_400_000), "2 d");
        assert_eq!(super::span(-5), "0 ms");
    }
}
