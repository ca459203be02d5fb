//! Intent classifier speed: one query at a time on a model trained on CLINC150 (the product's hot path),
//! and training on an intents file of the size statbot loads at start-up.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use statbot_intents::classifier::{QueryScratch, TrainOptions, benchmark, train};

/// `(text, intent)` rows of a CLINC150 file.
fn clinc(name: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/clinc150").join(name);
    benchmark::read_rows(&path).expect("CLINC150 test data")
}

fn query(c: &mut Criterion) {
    let model = train(&clinc("train.jsonl"), &TrainOptions::default());
    let queries: Vec<String> = clinc("test.jsonl").into_iter().map(|(text, _)| text).collect();
    let mut scratch = QueryScratch::default();
    let mut next = queries.iter().cycle();
    c.bench_function("classify_with, CLINC150 (150 intents), one test query", |b| {
        b.iter(|| model.classify_with(black_box(next.next().expect("cycle")), &mut scratch))
    });
}

fn train_small(c: &mut Criterion) {
    // 20 intents × 15 phrases, taken from CLINC150's training rows.
    let rows = clinc("train.jsonl");
    let mut intents: Vec<&str> = Vec::new();
    for (_, intent) in &rows {
        if !intents.contains(&intent.as_str()) {
            intents.push(intent);
        }
    }
    let examples: Vec<(&str, &str)> = intents[..20]
        .iter()
        .flat_map(|&intent| rows.iter().filter(move |(_, i)| i == intent).take(15))
        .map(|(text, intent)| (text.as_str(), intent.as_str()))
        .collect();
    assert_eq!(examples.len(), 300);
    c.bench_function("train, 20 intents × 15 phrases", |b| {
        b.iter(|| train(black_box(&examples), &TrainOptions::default()))
    });
}

criterion_group!(benches, query, train_small);
criterion_main!(benches);
