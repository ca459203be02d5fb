//! Free-text understanding, pure and without I/O: [`classifier`] maps a sentence to the best of a set of
//! intents with a confidence, and [`entities`] finds the names, metrics, dates and numbers it mentions.

pub mod classifier;
pub mod entities;
