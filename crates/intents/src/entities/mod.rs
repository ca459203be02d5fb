//! Entity extraction: the names, metrics, dates and numbers a customer's sentence mentions, each with
//! its byte span in the original text. Pure computation, no I/O.
//!
//! - [`text`]: normalisation and tokenisation shared by everything below.
//! - [`Gazetteer`]: known names (cities, metrics) with aliases, qualifiers ("Portland, OR") and typos,
//!   and suggestions for names it does not know ([`Gazetteer::suggest`]).
//! - [`find_dates`]: dates and periods resolved to inclusive day ranges against a given today.
//! - [`find_numbers`]: plain numbers, percentages and money.
//! - [`extract()`]: all of them at once without overlaps, and [`Extraction::masked`] for the classifier.
//! - [`unknown_names`]: words left over that look like a name nobody knows ("population of Atlantis").
//! - [`distance_within`]: the bounded typo distance the name matcher uses, for other matchers.

mod common;
mod dates;
mod distance;
mod extract;
mod names;
mod numbers;
pub mod text;
mod unknown;

pub use dates::{DateMention, DateRange, find_dates};
pub use distance::distance_within;
pub use extract::{Extraction, extract};
pub use names::{Entry, Gazetteer, GazetteerError, MAX_SUGGESTIONS, MAX_WORDS, MatchOptions, Mention};
pub use numbers::{NumberKind, NumberMention, find_numbers};
pub use unknown::{UnknownName, unknown_names};
