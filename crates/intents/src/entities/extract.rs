//! All entities of a sentence at once, without overlaps, and the sentence with them masked for the
//! intent classifier.
//!
//! Overlaps are settled by order: dates claim their spans first, then each gazetteer in the order given
//! (a gazetteer never matches across or inside text already claimed), then numbers are kept only outside
//! every claimed span ("last 7 days" is a date, not the number 7; "2019" after "in" is a year).

use std::ops::Range;

use jiff::civil::Date;

use super::dates::{DateMention, find_dates_in};
use super::names::{Gazetteer, Mention};
use super::numbers::{NumberMention, find_numbers_in};
use super::text::tokenize;

/// The entities found in one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// Names with the kind of their gazetteer ("city", "metric"), in text order.
    pub names: Vec<(String, Mention)>,
    /// Dates and periods, in text order.
    pub dates: Vec<DateMention>,
    /// Numbers outside the names and dates, in text order.
    pub numbers: Vec<NumberMention>,
}

/// Finds dates (resolved against `today`), then names with each `(kind, gazetteer)` in turn, then
/// numbers, each kind only outside the spans claimed before it.
pub fn extract(text: &str, today: Date, gazetteers: &[(&str, &Gazetteer)]) -> Extraction {
    let tokens = tokenize(text);
    let dates = find_dates_in(text, &tokens, today);
    let mut claimed: Vec<Range<usize>> = dates.iter().map(|d| d.span.clone()).collect();
    let mut names = Vec::new();
    for &(kind, gazetteer) in gazetteers {
        let found = gazetteer.find_in(text, &tokens, &claimed);
        claimed.extend(found.iter().map(|m| m.span.clone()));
        names.extend(found.into_iter().map(|m| (kind.to_string(), m)));
    }
    names.sort_by_key(|(_, m)| m.span.start);
    let numbers =
        find_numbers_in(&tokens).into_iter().filter(|n| !claimed.iter().any(|c| overlaps(c, &n.span))).collect();
    Extraction { names, dates, numbers }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

impl Extraction {
    /// Every entity's span with its placeholder (`<date>`, `<number>`, `<kind>`), in text order.
    pub fn placeholders(&self) -> Vec<(Range<usize>, String)> {
        let mut all: Vec<(Range<usize>, String)> = self
            .names
            .iter()
            .map(|(kind, m)| (m.span.clone(), format!("<{kind}>")))
            .chain(self.dates.iter().map(|d| (d.span.clone(), "<date>".to_string())))
            .chain(self.numbers.iter().map(|n| (n.span.clone(), "<number>".to_string())))
            .collect();
        all.sort_by_key(|(span, _)| span.start);
        all
    }

    /// `text` (the text this extraction came from) with each entity replaced by its placeholder:
    /// `"income in NYC vs SF in 2019"` → `"<metric> in <city> vs <city> in <date>"`.
    pub fn masked(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (span, placeholder) in self.placeholders() {
            // Spans from another text, or overlapping ones, are left out rather than panicking.
            let Some(before) = text.get(copied..span.start) else { continue };
            if text.get(span.clone()).is_none() {
                continue;
            }
            out.push_str(before);
            out.push_str(&placeholder);
            copied = span.end;
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::dates::DateRange;
    use crate::entities::names::{Entry, MatchOptions};
    use crate::entities::numbers::NumberKind;
    use jiff::civil::date;

    fn gazetteer(names: &[(&str, &[&str], &[&str])], options: MatchOptions) -> Gazetteer {
        let entries = names.iter().enumerate().map(|(id, (name, aliases, qualifiers))| Entry {
            id,
            name: name.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            qualifiers: qualifiers.iter().map(|q| q.to_string()).collect(),
        });
        Gazetteer::with_options(entries, options).expect("valid test names")
    }

    fn fixtures() -> (Gazetteer, Gazetteer) {
        let cities = gazetteer(
            &[
                ("Austin", &[], &["TX", "Texas"]),
                ("Denver", &[], &["CO", "Colorado"]),
                ("New York", &["NYC"], &["NY"]),
                ("San Francisco", &["SF"], &["CA"]),
                ("Portland", &[], &["OR", "Oregon"]),
                ("Portland", &[], &["ME", "Maine"]),
                ("Boston", &[], &["MA"]),
            ],
            MatchOptions::PLACES,
        );
        let metrics = gazetteer(
            &[
                ("population", &["people"], &[]),
                ("rent", &["median rent", "rents"], &[]),
                ("income", &["median income"], &[]),
                ("revenue", &["sales"], &[]),
                ("orders", &[], &[]),
                ("customers", &[], &[]),
            ],
            MatchOptions::TERMS,
        );
        (cities, metrics)
    }

    #[test]
    fn entities_carry_their_values() {
        let (cities, metrics) = fixtures();
        let text = "income in NYC vs SF in 2019, top 3";
        let found = extract(text, date(2026, 11, 20), &[("city", &cities), ("metric", &metrics)]);
        let names: Vec<(&str, &str, Vec<usize>)> =
            found.names.iter().map(|(k, m)| (k.as_str(), &text[m.span.clone()], m.candidates.clone())).collect();
        assert_eq!(names, [("metric", "income", vec![2]), ("city", "NYC", vec![2]), ("city", "SF", vec![3])]);
        assert_eq!(found.dates.len(), 1);
        assert_eq!(found.dates[0].range, DateRange { from: date(2019, 1, 1), to: date(2019, 12, 31) });
        assert_eq!(found.numbers.len(), 1);
        assert_eq!((found.numbers[0].value, found.numbers[0].kind), (3.0, NumberKind::Plain));
    }

    #[test]
    fn the_first_gazetteer_claims_a_span() {
        let first = gazetteer(&[("New York", &[], &[])], MatchOptions::PLACES);
        let second = gazetteer(&[("York", &[], &[]), ("Boston", &[], &[])], MatchOptions::PLACES);
        let found = extract("New York and Boston", date(2026, 1, 5), &[("a", &first), ("b", &second)]);
        let kinds: Vec<&str> = found.names.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["a", "b"]);
        assert_eq!(found.masked("New York and Boston"), "<a> and <b>");
    }

    #[test]
    fn names_do_not_match_across_dates() {
        let cities = gazetteer(&[("March Hill", &[], &[])], MatchOptions::PLACES);
        let found = extract("March Hill", date(2026, 11, 20), &[("city", &cities)]);
        assert_eq!(found.masked("March Hill"), "<date> Hill");
    }

    #[test]
    fn masking_another_text_does_not_panic() {
        let (cities, metrics) = fixtures();
        let found =
            extract("population of Austin in 2019", date(2026, 1, 5), &[("city", &cities), ("metric", &metrics)]);
        assert_eq!(found.masked("short"), "short");
        assert_eq!(found.masked("é"), "é");
    }
}
