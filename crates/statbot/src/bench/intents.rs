//! `statbot bench intents --data DIR`: the intent classifier on a public benchmark, with the
//! data set paper's protocol (train on train, tune the out-of-scope threshold on val, report on
//! test): in-scope accuracy, out-of-scope recall, training time and per-query latency.

use crate::cli::{CliError, outln};
use statbot_intents::classifier::{TrainOptions, benchmark};
use std::path::Path;

pub async fn run(data: &Path, json: bool) -> Result<(), CliError> {
    let dir = data.to_path_buf();
    let report = tokio::task::spawn_blocking(move || benchmark::run(&dir, &TrainOptions::default()))
        .await
        .map_err(|e| CliError(format!("the benchmark stopped: {e}")))??;
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "in_scope_accuracy": report.in_scope_accuracy,
                "oos_recall": report.oos_recall,
                "threshold": report.threshold,
                "train_secs": report.train_time.as_secs_f64(),
                "latency_median_us": report.latency_median.as_secs_f64() * 1e6,
                "latency_p99_us": report.latency_p99.as_secs_f64() * 1e6,
                "queries": report.queries,
                "train_rows": report.train_rows,
                "intents": report.intents,
            })
        );
        return Ok(());
    }
    outln!("Intent classifier on {} ({} intents, {} training rows)", data.display(), report.intents, report.train_rows);
    outln!("  in-scope accuracy     {:.2} %", report.in_scope_accuracy * 100.0);
    outln!(
        "  out-of-scope recall   {:.2} %  (threshold {:.3}, tuned on val)",
        report.oos_recall * 100.0,
        report.threshold
    );
    outln!("  training              {:.2} s", report.train_time.as_secs_f64());
    outln!(
        "  latency, one query    median {:.1} µs, p99 {:.1} µs ({} queries, one core)",
        report.latency_median.as_secs_f64() * 1e6,
        report.latency_p99.as_secs_f64() * 1e6,
        report.queries
    );
    Ok(())
}
