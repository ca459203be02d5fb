//! The benchmark protocol of CLINC150 (Larson et al., EMNLP 2019, "oos-threshold"), for any data set in
//! its layout: train on `train.jsonl`; tune the calibration and the out-of-scope threshold on `val.jsonl`
//! and `oos_val.jsonl`; report in-scope accuracy on `test.jsonl` (right intent *and* confidence at or
//! above the threshold) and out-of-scope recall on `oos_test.jsonl`. Then time one query at a time over
//! all test texts, after a warm-up. Files hold one `{"text": ..., "intent": ...}` object a line.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::model::{Calibration, Model, QueryScratch, TrainOptions, train};
use super::threshold::calibrate;

/// What a benchmark run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchReport {
    /// Share of in-scope test rows with the right intent and a confidence at or above the threshold.
    pub in_scope_accuracy: f64,
    /// Share of out-of-scope test rows rejected (confidence below the threshold).
    pub oos_recall: f64,
    /// The threshold tuned on validation data.
    pub threshold: f32,
    /// The calibration tuned with it.
    pub calibration: Calibration,
    /// Accuracy over the validation rows (out-of-scope counting as one more intent) at that threshold.
    pub val_accuracy: f64,
    /// Wall time of [`train`].
    pub train_time: Duration,
    /// Median and 99th percentile of the time to classify one test text, one at a time on one thread.
    pub latency_median: Duration,
    pub latency_p99: Duration,
    /// Texts timed (every in-scope and out-of-scope test row).
    pub queries: usize,
    pub train_rows: usize,
    pub intents: usize,
}

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: not a {{\"text\", \"intent\"}} object: {source}", path.display())]
    Json { path: PathBuf, line: usize, source: serde_json::Error },
    #[error("{} has no rows", path.display())]
    Empty { path: PathBuf },
}

/// One labelled text.
#[derive(Debug, Deserialize)]
struct Row {
    text: String,
    intent: String,
}

/// Texts timed before measuring, so caches and branch predictors are warm.
const WARM_UP: usize = 500;

/// Runs the protocol on the data set in `dir` with `opts`.
pub fn run(dir: &Path, opts: &TrainOptions) -> Result<BenchReport, BenchError> {
    let train_rows = load(&dir.join("train.jsonl"))?;
    let val = load(&dir.join("val.jsonl"))?;
    let oos_val = load(&dir.join("oos_val.jsonl"))?;
    let test = load(&dir.join("test.jsonl"))?;
    let oos_test = load(&dir.join("oos_test.jsonl"))?;

    let examples: Vec<(&str, &str)> = train_rows.iter().map(|r| (r.text.as_str(), r.intent.as_str())).collect();
    let started = Instant::now();
    let mut model = train(&examples, opts);
    let train_time = started.elapsed();

    let val_pairs: Vec<(&str, &str)> = val.iter().map(|r| (r.text.as_str(), r.intent.as_str())).collect();
    let oos_val_texts: Vec<&str> = oos_val.iter().map(|r| r.text.as_str()).collect();
    let tuned = calibrate(&mut model, &val_pairs, &oos_val_texts);
    let threshold = tuned.threshold.threshold;

    let mut scratch = QueryScratch::default();
    let in_scope_right = test
        .iter()
        .filter(|row| {
            let p = model.classify_with(&row.text, &mut scratch);
            model.label(p.label) == row.intent && p.confidence >= threshold
        })
        .count();
    let oos_rejected =
        oos_test.iter().filter(|row| model.classify_with(&row.text, &mut scratch).confidence < threshold).count();

    let queries: Vec<&str> = test.iter().chain(&oos_test).map(|r| r.text.as_str()).collect();
    let (latency_median, latency_p99) = latency(&model, &queries);

    Ok(BenchReport {
        in_scope_accuracy: in_scope_right as f64 / test.len() as f64,
        oos_recall: oos_rejected as f64 / oos_test.len() as f64,
        threshold,
        calibration: tuned.calibration,
        val_accuracy: tuned.threshold.accuracy,
        train_time,
        latency_median,
        latency_p99,
        queries: queries.len(),
        train_rows: train_rows.len(),
        intents: model.labels().len(),
    })
}

/// Median and 99th percentile of single-query latency over `queries` (not empty), with reused buffers as
/// a server would have.
fn latency(model: &Model, queries: &[&str]) -> (Duration, Duration) {
    let mut scratch = QueryScratch::default();
    for query in queries.iter().cycle().take(WARM_UP) {
        std::hint::black_box(model.classify_with(query, &mut scratch));
    }
    let mut times: Vec<Duration> = queries
        .iter()
        .map(|query| {
            let started = Instant::now();
            std::hint::black_box(model.classify_with(std::hint::black_box(query), &mut scratch));
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

/// The `(text, intent)` rows of a JSON-lines file in CLINC150's layout.
pub fn read_rows(path: &Path) -> Result<Vec<(String, String)>, BenchError> {
    Ok(load(path)?.into_iter().map(|row| (row.text, row.intent)).collect())
}

/// The rows of a JSON-lines file; blank lines are skipped.
fn load(path: &Path) -> Result<Vec<Row>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Read { path: path.to_owned(), source })?;
    let rows = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|source| BenchError::Json { path: path.to_owned(), line: i + 1, source })
        })
        .collect::<Result<Vec<Row>, _>>()?;
    if rows.is_empty() {
        return Err(BenchError::Empty { path: path.to_owned() });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) {
        std::fs::write(dir.join(name), body).expect("write test file");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("statbot-intents-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir
    }

    #[test]
    fn bad_json_names_file_and_line() {
        let dir = temp_dir("badjson");
        write(&dir, "train.jsonl", "{\"text\": \"hi\", \"intent\": \"greet\"}\n\n{\"text\": \"oops\"}\n");
        let err = run(&dir, &TrainOptions::default()).expect_err("missing intent");
        match &err {
            BenchError::Json { path, line, .. } => {
                assert!(path.ends_with("train.jsonl"));
                assert_eq!(*line, 3);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().contains("train.jsonl:3:"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let dir = temp_dir("missing");
        let err = run(&dir, &TrainOptions::default()).expect_err("no files");
        assert!(matches!(err, BenchError::Read { ref path, .. } if path.ends_with("train.jsonl")), "{err:?}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn tiny_data_set_runs_end_to_end() {
        let dir = temp_dir("tiny");
        let rows = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(t, i)| format!("{{\"text\": \"{t}\", \"intent\": \"{i}\"}}\n")).collect::<String>()
        };
        write(
            &dir,
            "train.jsonl",
            &rows(&[
                ("what is the weather", "weather"),
                ("will it rain", "weather"),
                ("is it sunny today", "weather"),
                ("play some music", "music"),
                ("put on a song", "music"),
                ("play my playlist", "music"),
            ]),
        );
        write(&dir, "val.jsonl", &rows(&[("rain tomorrow", "weather"), ("play a song", "music")]));
        write(&dir, "oos_val.jsonl", &rows(&[("book a table", "oos")]));
        write(&dir, "test.jsonl", &rows(&[("is it going to rain", "weather"), ("play music", "music")]));
        write(&dir, "oos_test.jsonl", &rows(&[("order a pizza", "oos")]));
        let report = run(&dir, &TrainOptions::default()).expect("benchmark runs");
        assert_eq!((report.intents, report.train_rows, report.queries), (2, 6, 3));
        assert!((0.0..=1.0).contains(&report.in_scope_accuracy));
        assert!(report.latency_median <= report.latency_p99);
        std::fs::remove_dir_all(dir).ok();
    }
}
