//! Regression floor of the intent classifier on CLINC150 (testdata/clinc150, the paper's oos-threshold
//! protocol through `benchmark::run`, default options). Training is deterministic, so the figures are
//! exact on this platform; the floors leave room for harmless changes only.

use std::path::Path;

use statbot_intents::classifier::{TrainOptions, benchmark};

#[test]
fn clinc150_quality_stays_above_the_floor() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/clinc150");
    let report = benchmark::run(&dir, &TrainOptions::default()).expect("CLINC150 test data is readable");
    println!("{report:#?}");
    assert_eq!((report.intents, report.train_rows, report.queries), (150, 15_000, 5_500));
    // Measured: in-scope 93.91 %, out-of-scope recall 59.2 % (threshold tuned on val); over MLP seeds
    // 1–5 in-scope ranges over 93.67–93.98 %. The floor for in-scope is 0.4 point under the measure. Out-of-scope recall swings by several points with any change to
    // the scores (it rides on the threshold chosen over 100 oos rows of val), so its floor is the
    // contract's 50 % rather than a point under the measure.
    assert!(report.in_scope_accuracy >= 0.935, "in-scope accuracy {:.4}", report.in_scope_accuracy);
    assert!(report.oos_recall >= 0.50, "out-of-scope recall {:.4}", report.oos_recall);
}
