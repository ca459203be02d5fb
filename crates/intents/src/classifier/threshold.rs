//! Tuning on validation data: the out-of-scope threshold (the CLINC150 paper's "oos-threshold" protocol)
//! and the calibration that turns scores into confidences.
//!
//! A text is out of scope when its confidence is below the threshold. The threshold chosen maximises
//! accuracy over in-scope and out-of-scope validation rows together, out-of-scope counting as one more
//! intent: an in-scope row is right only if its intent is right *and* it is not rejected.

use super::model::{Calibration, HeadScores, Model, QueryScratch};

/// Owned head scores of one validation row: MLP logits, SVM scores, share of known words.
type Scores = (Vec<f32>, Vec<f32>, f32);

fn view((mlp, svm, known): &Scores) -> HeadScores<'_> {
    HeadScores { mlp, svm, known: *known }
}

/// A threshold and the validation accuracy it reaches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThresholdChoice {
    /// Reject a text when its confidence is below this.
    pub threshold: f32,
    /// Accuracy over the validation rows with this threshold, in `[0, 1]`.
    pub accuracy: f64,
}

/// The threshold with the best accuracy. `in_scope` holds `(intent was right, confidence)` per in-scope
/// row, `oos` the confidences of out-of-scope rows. Thresholds fall halfway between neighbouring
/// confidences; of several equally good ones the middle one is taken. Without rows the threshold is 0.
pub fn choose_threshold(in_scope: &[(bool, f32)], oos: &[f32]) -> ThresholdChoice {
    // (confidence, is out of scope, is a right in-scope answer), by rising confidence
    let mut rows: Vec<(f32, bool, bool)> =
        in_scope.iter().map(|&(right, c)| (c, false, right)).chain(oos.iter().map(|&c| (c, true, false))).collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = rows.len();
    if n == 0 {
        return ThresholdChoice { threshold: 0.0, accuracy: 0.0 };
    }
    // Cut k rejects rows[..k]. Cut 0 rejects nothing: the right in-scope rows are right.
    let mut correct = rows.iter().filter(|r| r.2).count();
    let mut best = correct;
    let mut best_cuts = vec![0];
    for k in 1..=n {
        let (confidence, oos, right) = rows[k - 1];
        if oos {
            correct += 1;
        } else if right {
            correct -= 1;
        }
        if k < n && rows[k].0 == confidence {
            continue; // a threshold cannot separate equal confidences
        }
        if correct > best {
            best = correct;
            best_cuts.clear();
        }
        if correct == best {
            best_cuts.push(k);
        }
    }
    let k = best_cuts[(best_cuts.len() - 1) / 2];
    let threshold = match k {
        0 => rows[0].0,
        k if k == n => rows[n - 1].0.next_up(),
        k => {
            let (below, above) = (rows[k - 1].0, rows[k].0);
            let middle = 0.5 * (below + above);
            if middle > below { middle } else { above }
        }
    };
    ThresholdChoice { threshold, accuracy: best as f64 / n as f64 }
}

/// A calibration and threshold tuned on validation data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibrated {
    /// The calibration chosen (also set on the model).
    pub calibration: Calibration,
    /// The best threshold under it, with the validation accuracy both reach.
    pub threshold: ThresholdChoice,
}

/// The calibrations [`calibrate`] tries: SVM weight × temperature × coverage power.
pub fn calibration_grid() -> Vec<Calibration> {
    const SVM_WEIGHTS: [f32; 6] = [0.5, 1.0, 2.0, 3.0, 4.0, 6.0];
    const TEMPERATURES: [f32; 9] = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0];
    const COVERAGE_POWERS: [f32; 3] = [0.0, 0.5, 1.0];
    let mut grid = Vec::new();
    for svm_weight in SVM_WEIGHTS {
        for temperature in TEMPERATURES {
            for coverage_power in COVERAGE_POWERS {
                grid.push(Calibration { svm_weight, temperature, coverage_power });
            }
        }
    }
    grid
}

/// Tunes `model`'s calibration over [`calibration_grid`] together with the out-of-scope threshold; see
/// [`calibrate_among`].
pub fn calibrate<T: AsRef<str>, L: AsRef<str>, O: AsRef<str>>(
    model: &mut Model,
    in_scope: &[(T, L)],
    oos: &[O],
) -> Calibrated {
    calibrate_among(model, in_scope, oos, &calibration_grid())
}

/// Picks among `candidates` and the model's current calibration the one whose best out-of-scope threshold
/// reaches the highest accuracy on validation rows (the current one on ties, then the earliest), sets it on
/// the model and returns it with the threshold. `in_scope` rows are `(text, intent)`; an intent the model
/// does not know counts as wrong. Without out-of-scope rows this tunes for in-scope accuracy alone, with
/// the threshold at the lowest confidence.
pub fn calibrate_among<T: AsRef<str>, L: AsRef<str>, O: AsRef<str>>(
    model: &mut Model,
    in_scope: &[(T, L)],
    oos: &[O],
    candidates: &[Calibration],
) -> Calibrated {
    let mut scratch = QueryScratch::default();
    let mut scores = |text: &str| {
        let s = model.head_scores(text, &mut scratch);
        (s.mlp.to_vec(), s.svm.to_vec(), s.known)
    };
    let in_scope: Vec<(Option<usize>, Scores)> = in_scope
        .iter()
        .map(|(text, label)| (model.labels().iter().position(|l| l == label.as_ref()), scores(text.as_ref())))
        .collect();
    let oos: Vec<Scores> = oos.iter().map(|text| scores(text.as_ref())).collect();

    let mut combined = Vec::new();
    let mut evaluate = |calibration: Calibration| {
        let ins: Vec<(bool, f32)> = in_scope
            .iter()
            .map(|(label, scores)| {
                let p = calibration.predict(view(scores), &mut combined);
                (*label == Some(p.label), p.confidence)
            })
            .collect();
        let out: Vec<f32> =
            oos.iter().map(|scores| calibration.predict(view(scores), &mut combined).confidence).collect();
        Calibrated { calibration, threshold: choose_threshold(&ins, &out) }
    };
    let mut best = evaluate(model.calibration());
    for &calibration in candidates {
        // Without an SVM head the weight changes nothing: skip the duplicates.
        if !model.has_svm() && calibration.svm_weight != best.calibration.svm_weight {
            continue;
        }
        let candidate = evaluate(calibration);
        if candidate.threshold.accuracy > best.threshold.accuracy {
            best = candidate;
        }
    }
    model.set_calibration(best.calibration);
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::{TrainOptions, train};

    #[test]
    fn separable_rows_get_a_threshold_between_them() {
        let choice = choose_threshold(&[(true, 0.9), (true, 0.8), (false, 0.7)], &[0.1, 0.3]);
        // Rejecting the wrong in-scope row (0.7) costs nothing: any cut in (0.3, 0.8] scores 4 of 5.
        assert!(choice.threshold > 0.3 && choice.threshold <= 0.8, "{choice:?}");
        assert!((choice.accuracy - 0.8).abs() < 1e-9);
    }

    #[test]
    fn rejects_exactly_the_rows_below_the_threshold() {
        let ins = [(true, 0.2), (true, 0.6), (true, 0.9)];
        let oos = [0.1, 0.15, 0.3, 0.5];
        let choice = choose_threshold(&ins, &oos);
        let right = ins.iter().filter(|(ok, c)| *ok && *c >= choice.threshold).count()
            + oos.iter().filter(|&&c| c < choice.threshold).count();
        assert_eq!(right, 6, "{choice:?}");
        assert!((choice.accuracy - 6.0 / 7.0).abs() < 1e-9);
        assert!(choice.threshold > 0.5 && choice.threshold <= 0.6, "{choice:?}");
    }

    #[test]
    fn without_out_of_scope_rows_nothing_is_rejected() {
        let choice = choose_threshold(&[(true, 0.5), (false, 0.4), (true, 0.6)], &[]);
        assert!(choice.threshold <= 0.4, "{choice:?}");
        assert!((choice.accuracy - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn equal_confidences_are_not_split() {
        // A cut can only reject both 0.5 rows or neither: rejecting both loses one right row for one oos.
        // Splitting them (rejecting only the oos row) would score 3 of 3.
        let choice = choose_threshold(&[(true, 0.5), (true, 0.9)], &[0.5]);
        assert!((choice.accuracy - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn no_rows_give_threshold_zero() {
        assert_eq!(choose_threshold(&[], &[]), ThresholdChoice { threshold: 0.0, accuracy: 0.0 });
    }

    #[test]
    fn all_out_of_scope_rejects_everything() {
        let choice = choose_threshold(&[], &[0.2, 0.7]);
        assert!(choice.threshold > 0.7);
        assert_eq!(choice.accuracy, 1.0);
    }

    #[test]
    fn calibration_is_set_on_the_model_and_never_worse_than_before() {
        let examples = [
            ("book a flight to paris", "travel"),
            ("i need a plane ticket", "travel"),
            ("fly me to rome", "travel"),
            ("what is my balance", "bank"),
            ("money in my checking account", "bank"),
            ("how much do i have saved", "bank"),
        ];
        let mut model = train(&examples, &TrainOptions::default());
        let val = [("a flight to rome", "travel"), ("my account balance", "bank"), ("a ticket please", "travel")];
        let oos = ["what is the weather", "play some jazz"];
        let before = calibrate_among(&mut model.clone(), &val, &oos, &[]);
        let tuned = calibrate(&mut model, &val, &oos);
        assert_eq!(model.calibration(), tuned.calibration);
        assert!(tuned.threshold.accuracy >= before.threshold.accuracy);
        assert_eq!(before.calibration, TrainOptions::default().calibration);
    }
}
