//! The trained classifier: a feature space, a linear SVM head and an MLP head, and the confidence
//! computed from their combined scores. [`train`] builds it; [`Model::classify`] and friends query it.

use std::fmt;
use std::num::NonZeroUsize;

use super::features::{FeatureOptions, FeatureScratch, FeatureSpace, SparseVec};
use super::heads::{HeadBuffers, Heads};
use super::mlp::{MlpOptions, train_mlp};
use super::svm::{OvrJob, SvmOptions};

/// Everything that shapes training. The defaults suit both a benchmark of 15,000 phrases and an intents
/// file of a few hundred.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// How texts become features.
    pub features: FeatureOptions,
    /// The linear head; `None` leaves the MLP alone (faster to train and query, a little less accurate).
    pub svm: Option<SvmOptions>,
    /// The MLP head.
    pub mlp: MlpOptions,
    /// How scores become confidences; [`calibrate`](super::calibrate) can tune it on validation data.
    pub calibration: Calibration,
    /// Training threads; 0 means one per available core. The model does not depend on it.
    pub threads: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureOptions::default(),
            svm: Some(SvmOptions::default()),
            mlp: MlpOptions::default(),
            calibration: Calibration::default(),
            threads: 0,
        }
    }
}

/// How the heads' scores become confidences: the best intent's
/// `softmax((mlp + svm_weight × svm) / temperature) × known^coverage_power`, where `known` is the share
/// of the text's words seen in training.
///
/// The softmax only says which intent fits best; the coverage factor says whether the text is about these
/// intents at all, so gibberish and off-topic words get a low confidence even with few intents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// Weight of the SVM scores (margins around ±1) against the MLP logits.
    pub svm_weight: f32,
    /// Softmax temperature: higher spreads confidence over more intents. Values at or below 0 act as the
    /// smallest positive one.
    pub temperature: f32,
    /// How strongly unknown words lower the confidence: 0 not at all, 1 in proportion (negative acts as 0).
    pub coverage_power: f32,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration { svm_weight: 3.0, temperature: 1.0, coverage_power: 1.0 }
    }
}

impl Calibration {
    /// Best intent and its confidence for head scores `mlp` and `svm` (empty when there is no SVM head)
    /// and the share of known words; `combined` is a scratch buffer. With no intents the answer is intent 0
    /// at confidence 0.
    pub(crate) fn predict(&self, scores: HeadScores<'_>, combined: &mut Vec<f32>) -> Prediction {
        self.combine(scores.mlp, scores.svm, combined);
        let Some((label, top)) = argmax(combined) else { return Prediction { label: 0, confidence: 0.0 } };
        let inv_t = self.inverse_temperature();
        let z: f32 = combined.iter().map(|&s| ((s - top) * inv_t).exp()).sum();
        Prediction { label, confidence: self.coverage_factor(scores.known) / z }
    }

    fn inverse_temperature(&self) -> f32 {
        1.0 / self.temperature.max(f32::MIN_POSITIVE)
    }

    /// `known^coverage_power`, in `[0, 1]` (`0^0` is 1).
    fn coverage_factor(&self, known: f32) -> f32 {
        known.powf(self.coverage_power.max(0.0))
    }

    /// The combined scores (logits before the temperature) into `out`.
    fn combine(&self, mlp: &[f32], svm: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(mlp);
        for (o, &s) in out.iter_mut().zip(svm) {
            *o += self.svm_weight * s;
        }
    }
}

/// The answer for one text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    /// Index of the best intent in [`Model::labels`].
    pub label: usize,
    /// How sure the model is, in `[0, 1]`: the intent's softmax probability, lowered by words unseen in
    /// training (see [`Calibration`]).
    pub confidence: f32,
}

/// What the heads said about one text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeadScores<'a> {
    pub(crate) mlp: &'a [f32],
    /// Empty without an SVM head.
    pub(crate) svm: &'a [f32],
    /// Share of the text's words seen in training.
    pub(crate) known: f32,
}

/// Buffers for allocation-free queries ([`Model::classify_with`]); one per thread, reused across queries
/// and models.
#[derive(Default, Debug, Clone)]
pub struct QueryScratch {
    features: FeatureScratch,
    vector: SparseVec,
    heads: HeadBuffers,
    combined: Vec<f32>,
    known: f32,
}

/// A trained intent classifier. Pure computation: no I/O, `Send + Sync`, queried through `&self`.
#[derive(Clone)]
pub struct Model {
    labels: Vec<String>,
    space: FeatureSpace,
    heads: Heads,
    calibration: Calibration,
}

/// A summary: the weights run to tens of megabytes.
impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("intents", &self.labels.len())
            .field("features", &self.space.dim())
            .field("svm", &self.heads.has_svm())
            .field("calibration", &self.calibration)
            .finish_non_exhaustive()
    }
}

/// Trains a model on `(text, intent)` pairs. Intents are numbered in order of first appearance. The
/// result depends only on the examples and `opts` (not on `opts.threads` or timing).
///
/// With no examples the model knows no intent: every prediction is intent 0 at confidence 0.
pub fn train<T: AsRef<str>, L: AsRef<str>>(examples: &[(T, L)], opts: &TrainOptions) -> Model {
    let mut labels: Vec<String> = Vec::new();
    let y: Vec<usize> = examples
        .iter()
        .map(|(_, label)| {
            let label = label.as_ref();
            labels.iter().position(|l| l == label).unwrap_or_else(|| {
                labels.push(label.to_owned());
                labels.len() - 1
            })
        })
        .collect();
    let texts: Vec<&str> = examples.iter().map(|(text, _)| text.as_ref()).collect();
    let space = FeatureSpace::fit(&texts, &opts.features);
    let mut scratch = FeatureScratch::default();
    let xs: Vec<SparseVec> = texts
        .iter()
        .map(|text| {
            let mut x = SparseVec::new();
            space.transform_into(text, &mut scratch, &mut x);
            x
        })
        .collect();
    let (classes, dim) = (labels.len(), space.dim());
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        n => n,
    };
    let (svm, mlp) = match &opts.svm {
        None => (None, train_mlp(&xs, &y, classes, dim, &opts.mlp)),
        Some(svm_opts) => {
            // The SVMs see the n-grams only: the mean word vector helps the MLP alone (as much on validation
            // data either way) and slows the SVMs' convergence.
            let job = OvrJob::new(&xs, &y, classes, space.sparse_dim(), svm_opts);
            let (xs, y, job) = (&xs, &y, &job);
            let (mlp, parts) = std::thread::scope(|scope| {
                // The MLP is one sequential job, about half the work of all the SVMs: this thread trains it,
                // then helps with the SVM classes left; the other threads start on the SVMs at once.
                let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(|| job.work())).collect();
                let mlp = train_mlp(xs, y, classes, dim, &opts.mlp);
                let mut parts = vec![job.work()];
                parts.extend(helpers.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))));
                (mlp, parts)
            });
            (Some(job.assemble(parts)), mlp)
        }
    };
    let heads = Heads::new(svm, mlp, space.sparse_dim(), dim);
    Model { labels, space, heads, calibration: opts.calibration }
}

impl Model {
    /// Intent names, indexed by [`Prediction::label`].
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Name of intent `index`.
    ///
    /// # Panics
    /// If `index` is not below `labels().len()`.
    pub fn label(&self, index: usize) -> &str {
        &self.labels[index]
    }

    /// Whether the model has an SVM head.
    pub(crate) fn has_svm(&self) -> bool {
        self.heads.has_svm()
    }

    /// How scores become confidences.
    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// Changes how scores become confidences (see [`calibrate`](super::calibrate)).
    pub fn set_calibration(&mut self, calibration: Calibration) {
        self.calibration = calibration;
    }

    /// Best intent and its confidence. Allocates buffers; see [`Model::classify_with`] for hot paths.
    pub fn classify(&self, text: &str) -> Prediction {
        self.classify_with(text, &mut QueryScratch::default())
    }

    /// Best intent and its confidence, with caller-owned buffers: no allocation once they have grown.
    pub fn classify_with(&self, text: &str, scratch: &mut QueryScratch) -> Prediction {
        self.score(text, scratch);
        let scores = HeadScores { mlp: &scratch.heads.mlp, svm: &scratch.heads.svm, known: scratch.known };
        self.calibration.predict(scores, &mut scratch.combined)
    }

    /// The `k` most likely intents with their confidences, best first (ties by index). The confidences of
    /// all intents sum to the coverage factor (1 when every word is known).
    pub fn ranked(&self, text: &str, k: usize) -> Vec<(usize, f32)> {
        let mut scratch = QueryScratch::default();
        self.score(text, &mut scratch);
        let combined = &mut scratch.combined;
        self.calibration.combine(&scratch.heads.mlp, &scratch.heads.svm, combined);
        let Some((_, top)) = argmax(combined) else { return Vec::new() };
        let inv_t = self.calibration.inverse_temperature();
        let mut ranked: Vec<(usize, f32)> =
            combined.iter().enumerate().map(|(i, &s)| (i, ((s - top) * inv_t).exp())).collect();
        let z: f32 = ranked.iter().map(|&(_, p)| p).sum();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        let scale = self.calibration.coverage_factor(scratch.known) / z;
        for (_, p) in &mut ranked {
            *p *= scale;
        }
        ranked
    }

    /// Scores of both heads for `text`.
    pub(crate) fn head_scores<'s>(&self, text: &str, scratch: &'s mut QueryScratch) -> HeadScores<'s> {
        self.score(text, scratch);
        HeadScores { mlp: &scratch.heads.mlp, svm: &scratch.heads.svm, known: scratch.known }
    }

    /// Fills `scratch.heads` and `scratch.known` for `text`.
    fn score(&self, text: &str, scratch: &mut QueryScratch) {
        scratch.known = self.space.transform_into(text, &mut scratch.features, &mut scratch.vector);
        self.heads.scores_into(&scratch.vector, &mut scratch.heads);
    }
}

/// Index and value of the largest score (the first on ties); `None` when empty.
fn argmax(scores: &[f32]) -> Option<(usize, f32)> {
    scores.iter().copied().enumerate().fold(None, |best, (i, s)| match best {
        Some((_, b)) if b >= s => best,
        _ => Some((i, s)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<(&'static str, &'static str)> {
        vec![
            ("book a flight to paris", "book_flight"),
            ("i need a plane ticket to rome", "book_flight"),
            ("reserve flights for me to berlin", "book_flight"),
            ("what is my account balance", "balance"),
            ("how much money do i have in checking", "balance"),
            ("tell me my savings balance", "balance"),
            ("what's the weather like today", "weather"),
            ("is it going to rain tomorrow", "weather"),
            ("how hot will it be outside", "weather"),
        ]
    }

    #[test]
    fn toy_set_is_classified() {
        let m = train(&toy(), &TrainOptions::default());
        assert_eq!(m.labels(), ["book_flight", "balance", "weather"]);
        for (q, want) in [
            ("please book me a flight to madrid", "book_flight"),
            ("what's my checking balance", "balance"),
            ("will it rain today", "weather"),
        ] {
            let p = m.classify(q);
            assert_eq!(m.label(p.label), want, "{q}");
            assert!((0.0..=1.0).contains(&p.confidence));
        }
    }

    /// An intents file as the product has them: a few intents, a dozen phrases each, entities masked.
    fn small_intents_file() -> Vec<(&'static str, &'static str)> {
        let intents: [(&str, &[&str]); 8] = [
            ("greet", &["hi", "hello", "hey there", "good morning", "good evening", "hello bot", "hi there", "yo"]),
            (
                "help",
                &[
                    "help",
                    "what can you do",
                    "what can i ask",
                    "how does this work",
                    "i need help",
                    "which questions can i ask",
                    "what do you know",
                    "how do i use this",
                    "can you help me",
                ],
            ),
            (
                "value",
                &[
                    "population of <row0>",
                    "<metric0> in <row0>",
                    "what is the <metric0> of <row0>",
                    "how many people live in <row0>",
                    "tell me the <metric0> for <row0>",
                    "<row0> <metric0>",
                    "what's the <metric0> in <row0> in <date0>",
                    "show me <row0> <metric0>",
                    "give me <row0>'s <metric0>",
                ],
            ),
            (
                "compare",
                &[
                    "compare <row0> and <row1>",
                    "<row0> vs <row1>",
                    "<row0> versus <row1> <metric0>",
                    "which is bigger <row0> or <row1>",
                    "how does <row0> compare to <row1>",
                    "difference between <row0> and <row1>",
                    "is <metric0> higher in <row0> or <row1>",
                ],
            ),
            (
                "follow_up",
                &[
                    "and <row0>?",
                    "what about <row0>",
                    "how about <metric0>",
                    "same for <row0>",
                    "and in <date0>?",
                    "now <row0>",
                    "also <row0>",
                    "what about in <row0>",
                ],
            ),
            ("thanks", &["thanks", "thank you", "thanks a lot", "cheers", "great, thank you", "many thanks"]),
            ("bye", &["bye", "goodbye", "see you", "see you later", "that's all", "i'm done", "quit"]),
            (
                "explore",
                &[
                    "explore the data",
                    "browse cities",
                    "show me some data",
                    "city statistics",
                    "i want to look at the data",
                    "what data do you have",
                    "pick a city",
                    "data about cities",
                ],
            ),
        ];
        intents.iter().flat_map(|(name, phrases)| phrases.iter().map(move |p| (*p, *name))).collect()
    }

    /// statbot's default "not understood" threshold.
    const PRODUCT_THRESHOLD: f32 = 0.45;

    #[test]
    fn small_intents_file_trains_fast_with_sensible_confidences() {
        let examples = small_intents_file();
        let started = std::time::Instant::now();
        let m = train(&examples, &TrainOptions::default());
        let took = started.elapsed();
        // About 7 ms here (8 intents, 72 phrases, 2 cores); a generous bound so only a real regression fails.
        assert!(took < std::time::Duration::from_millis(500), "training took {took:?}");
        for (text, intent) in [
            ("hello there", "greet"),
            ("what is the <metric0> in <row0>", "value"),
            ("compare <row0> with <row1>", "compare"),
            ("and what about <row1>?", "follow_up"),
            ("thank you so much", "thanks"),
            ("what can i ask you", "help"),
            ("goodbye bot", "bye"),
        ] {
            let p = m.classify(text);
            assert_eq!(m.label(p.label), intent, "{text}");
            assert!(p.confidence > PRODUCT_THRESHOLD, "{text}: {}", p.confidence);
        }
        for text in ["book me a flight to paris tomorrow", "who won the football game"] {
            let p = m.classify(text);
            assert!(p.confidence < PRODUCT_THRESHOLD, "{text}: {} ({})", p.confidence, m.label(p.label));
        }
        for text in ["xq zzkv plo", "", "?!"] {
            assert_eq!(m.classify(text).confidence, 0.0, "{text}");
        }
    }

    #[test]
    fn ranked_agrees_with_classify() {
        let m = train(&toy(), &TrainOptions::default());
        let p = m.classify("weather tomorrow");
        let top = m.ranked("weather tomorrow", 2);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].0, p.label);
        assert!((top[0].1 - p.confidence).abs() < 1e-6);
        assert!(top[0].1 >= top[1].1);
        assert_eq!(m.ranked("weather tomorrow", 10).len(), 3);
        let total: f32 = m.ranked("weather", 3).iter().map(|&(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    #[test]
    fn training_is_deterministic_across_thread_counts() {
        let one = train(&toy(), &TrainOptions { threads: 1, ..TrainOptions::default() });
        let two = train(&toy(), &TrainOptions { threads: 2, ..TrainOptions::default() });
        let again = train(&toy(), &TrainOptions { threads: 2, ..TrainOptions::default() });
        assert_eq!(one.heads.rows(), two.heads.rows());
        assert_eq!(two.heads.rows(), again.heads.rows());
        for q in ["fly to rome", "rain today", "my balance", ""] {
            assert_eq!(one.ranked(q, 3), two.ranked(q, 3));
            assert_eq!(two.ranked(q, 3), again.ranked(q, 3));
        }
    }

    #[test]
    fn empty_training_set_gives_zero_confidence() {
        let none: [(&str, &str); 0] = [];
        let m = train(&none, &TrainOptions::default());
        assert!(m.labels().is_empty());
        assert_eq!(m.classify("anything"), Prediction { label: 0, confidence: 0.0 });
        assert!(m.ranked("anything", 3).is_empty());
    }

    #[test]
    fn one_intent_is_as_certain_as_its_words_are_known() {
        let m = train(&[("hello", "greet"), ("hi there", "greet")], &TrainOptions::default());
        assert_eq!(m.classify("hello"), Prediction { label: 0, confidence: 1.0 });
        assert_eq!(m.classify("hello stranger"), Prediction { label: 0, confidence: 0.5 });
        assert_eq!(m.classify("good morning"), Prediction { label: 0, confidence: 0.0 });
    }

    #[test]
    fn model_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Model>();
    }

    #[test]
    fn scratch_reuse_gives_the_same_answers() {
        let m = train(&toy(), &TrainOptions::default());
        let mut scratch = QueryScratch::default();
        for q in ["fly to rome", "", "rain today", "a much longer question about my savings balance"] {
            assert_eq!(m.classify_with(q, &mut scratch), m.classify(q));
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::sync::LazyLock;

        static MODEL: LazyLock<Model> = LazyLock::new(|| train(&toy(), &TrainOptions::default()));

        proptest! {
            #[test]
            fn any_text_gets_a_known_label_and_a_confidence_in_range(text in "\\PC{0,60}") {
                let p = MODEL.classify(&text);
                prop_assert!(p.label < MODEL.labels().len());
                prop_assert!((0.0..=1.0).contains(&p.confidence), "{}", p.confidence);
                let ranked = MODEL.ranked(&text, 3);
                prop_assert_eq!(ranked[0], (p.label, p.confidence));
            }
        }
    }
}
