//! Compares classifier variants on CLINC150 over several seeds, by validation figures only:
//! `cargo run --release -p statbot-intents --example clinc_seeds -- [--test] [--latency] [SEED...]`.
//!
//! For each seed (the MLP's) it trains on `train.jsonl`, tunes the calibration and
//! out-of-scope threshold on `val.jsonl` + `oos_val.jsonl` (the benchmark protocol), and prints the tuned
//! validation accuracy (out-of-scope as one more intent) and the in-scope validation accuracy at that
//! threshold, then their means. `--test` also prints the test figures: look at them only once a variant is
//! chosen on validation. `--latency` times one query at a time over the validation texts (twice over).
//!
//! Variants are set with environment variables read by [`options`] (unset: the defaults).

use std::path::Path;
use std::time::{Duration, Instant};

use statbot_intents::classifier::{QueryScratch, TrainOptions, benchmark, calibrate, train};

/// `(text, intent)` rows of a CLINC150 file.
fn rows(name: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/clinc150").join(name);
    benchmark::read_rows(&path).expect("CLINC150 test data")
}

fn env_f32(name: &str) -> Option<f32> {
    std::env::var(name).ok().map(|v| v.parse().expect("a number"))
}

/// The defaults, changed by whichever variables are set.
fn options(seed: u64) -> TrainOptions {
    let mut opts = TrainOptions::default();
    opts.mlp.seed = seed;
    if let Some(v) = env_f32("EMB_WEIGHT") {
        opts.features.embedding_weight = v;
    }
    if let Some(v) = env_f32("HIDDEN") {
        opts.mlp.hidden = v as usize;
    }
    if let Some(v) = env_f32("EPOCHS") {
        opts.mlp.epochs = v as usize;
    }
    opts
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_test = args.iter().any(|a| a == "--test");
    let show_latency = args.iter().any(|a| a == "--latency");
    let mut seeds: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if seeds.is_empty() {
        seeds = vec![1, 2, 3, 4, 5];
    }
    let train_rows = rows("train.jsonl");
    let val = rows("val.jsonl");
    let oos_val: Vec<String> = rows("oos_val.jsonl").into_iter().map(|(t, _)| t).collect();
    let test = rows("test.jsonl");
    let oos_test: Vec<String> = rows("oos_test.jsonl").into_iter().map(|(t, _)| t).collect();
    println!("{:?}", options(0).features);
    let (mut sum_val, mut sum_in, mut sum_test, mut sum_oos) = (0.0, 0.0, 0.0, 0.0);
    for &seed in &seeds {
        let opts = options(seed);
        let started = Instant::now();
        let mut model = train(&train_rows, &opts);
        let took = started.elapsed();
        let tuned = calibrate(&mut model, &val, &oos_val);
        let threshold = tuned.threshold.threshold;
        let mut scratch = QueryScratch::default();
        let mut in_scope = |set: &[(String, String)]| {
            let right = set
                .iter()
                .filter(|(text, intent)| {
                    let p = model.classify_with(text, &mut scratch);
                    model.label(p.label) == intent && p.confidence >= threshold
                })
                .count();
            right as f64 / set.len() as f64
        };
        let val_in = in_scope(&val);
        let (mut wrong, mut rejected) = (0, 0);
        for (text, intent) in &val {
            let p = model.classify(text);
            if model.label(p.label) != intent {
                wrong += 1;
            } else if p.confidence < threshold {
                rejected += 1;
            }
        }
        sum_val += tuned.threshold.accuracy;
        sum_in += val_in;
        print!(
            "seed {seed}: val {:.4} val-in-scope {:.4} (wrong {wrong}, right but rejected {rejected}; {:?}, {:.2?})",
            tuned.threshold.accuracy, val_in, tuned.calibration, took
        );
        if show_latency {
            let mut scratch = QueryScratch::default();
            let reps = std::env::var("LAT_REPS").map_or(2, |v| v.parse().expect("a count"));
            let mut times: Vec<Duration> = std::iter::repeat_n(&val, reps)
                .flatten()
                .map(|(text, _)| {
                    let started = Instant::now();
                    std::hint::black_box(model.classify_with(std::hint::black_box(text), &mut scratch));
                    started.elapsed()
                })
                .collect();
            times.sort_unstable();
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            print!(" | val query median {:.2?} p99 {:.2?}", at(0.5), at(0.99));
        }
        if show_test {
            let test_in = in_scope(&test);
            let oos = oos_test.iter().filter(|t| model.classify_with(t, &mut scratch).confidence < threshold).count()
                as f64
                / oos_test.len() as f64;
            sum_test += test_in;
            sum_oos += oos;
            print!(" | test in-scope {test_in:.4} oos recall {oos:.4}");
        }
        println!();
    }
    let n = seeds.len() as f64;
    print!("mean: val {:.4} val-in-scope {:.4}", sum_val / n, sum_in / n);
    if show_test {
        print!(" | test in-scope {:.4} oos recall {:.4}", sum_test / n, sum_oos / n);
    }
    println!();
}
