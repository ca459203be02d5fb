//! Entity extraction: the names, metrics, dates and numbers a customer's sentence mentions, each with
//! its byte span in the original text. Pure computation, no I/O.
//!
//! - [`text`]: normalisation and tokenisation shared by everything below.
//! - [`Gazetteer`]: known names (cities, metrics) with aliases, qualifiers ("Portland, OR") and typos.
//! - [`find_dates`]: dates and periods resolved to inclusive day ranges against a given today.
//! - [`find_numbers`]: plain numbers, percentages and money.
//! - [`extract()`]: all of them at once without overlaps, and [`Extraction::masked`] for the classifier.

mod common;
mod dates;
mod distance;
mod extract;
mod names;
mod numbers;
pub mod text;

pub use dates::{DateMention, DateRange, find_dates};
pub use extract::{Extraction, extract};
pub use names::{Entry, Gazetteer, GazetteerError, MAX_WORDS, MatchOptions, Mention};
pub use numbers::{NumberKind, NumberMention, find_numbers};
