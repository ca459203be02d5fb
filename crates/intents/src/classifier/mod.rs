//! The intent classifier: maps a sentence to the best of a set of intents, with a confidence.
//!
//! Texts become sparse features (word uni- and bigrams, sentence-boundary bigrams, digit shapes and
//! character 2–5-grams inside words, TF-IDF weighted) plus the mean of their words' pretrained vectors
//! (GloVe, embedded in the library); two heads score every intent — one-vs-rest linear SVMs on the sparse
//! features and a one-hidden-layer MLP on all — and the confidence is the softmax of their weighted sum,
//! lowered by words never seen in training. Training takes about 3.5 s on 15,000 phrases (CLINC150, 2
//! cores) and 10–50 ms on an intents file; a query about 15 µs. Pure computation, deterministic for fixed
//! options.
//!
//! ```
//! use statbot_intents::classifier::{self, TrainOptions};
//!
//! let examples = [
//!     ("book a flight", "travel"), ("fly me to rome", "travel"), ("a plane ticket to oslo", "travel"),
//!     ("what's my balance", "bank"), ("money in my account", "bank"), ("how much do i have", "bank"),
//! ];
//! let model = classifier::train(&examples, &TrainOptions::default());
//! let p = model.classify("book a flight to rome");
//! assert_eq!(model.label(p.label), "travel");
//! assert!(p.confidence > 0.5);
//! ```
//!
//! [`benchmark::run`] measures quality and speed with the CLINC150 protocol; [`calibrate`] tunes the
//! confidence and the out-of-scope threshold on validation data.

pub mod benchmark;
mod features;
mod heads;
mod mlp;
mod model;
mod rng;
mod svm;
mod threshold;
mod tokenize;
mod vectors;

pub use features::FeatureOptions;
pub use mlp::MlpOptions;
pub use model::{Calibration, Model, Prediction, QueryScratch, TrainOptions, train};
pub use svm::SvmOptions;
pub use threshold::{Calibrated, ThresholdChoice, calibrate, calibrate_among, calibration_grid, choose_threshold};
pub use tokenize::TokenizeOptions;
