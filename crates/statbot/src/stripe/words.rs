//! The words that sell: product and charge descriptions cut into words (lower-case letters,
//! stop words and numbers left out), and revenue attributed to each word. A charge's net
//! revenue counts in full for every distinct word of its description, so "Sleek" items can be
//! compared with "Rustic" ones; the average per charge keeps frequent words from winning on
//! volume alone.

use std::collections::{BTreeSet, HashMap};

/// Words too common in descriptions to say anything about what sells.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "do",
    "each", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "just", "me", "more", "most", "my", "new", "no", "not", "of", "on", "one", "or", "order", "other", "our", "out",
    "over", "payment", "per", "she", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "to", "too", "two", "up", "us", "very", "was", "we", "were", "what", "when", "which", "who",
    "will", "with", "you", "your",
];

/// The distinct words of a description worth counting, lower-cased, in first-seen order.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split(|c: char| !c.is_alphabetic() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() >= 2 && !STOP_WORDS.contains(&w.as_str()))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// A word's share of the revenue.
#[derive(Debug, Clone, PartialEq)]
pub struct WordRevenue {
    pub word: String,
    /// Net revenue (minor units) of the charges whose description has the word.
    pub revenue: i64,
    pub charges: u64,
}

impl WordRevenue {
    /// Net revenue per charge with the word, in minor units.
    pub fn per_charge(&self) -> f64 {
        if self.charges == 0 { 0.0 } else { self.revenue as f64 / self.charges as f64 }
    }
}

/// Attributes each (description, net revenue) to its words; the words ranked by revenue, then
/// alphabetically, at most `limit`.
pub fn rank<'a>(charges: impl IntoIterator<Item = (&'a str, i64)>, limit: usize) -> Vec<WordRevenue> {
    let mut totals: HashMap<String, (i64, u64)> = HashMap::new();
    for (description, revenue) in charges {
        for word in words(description) {
            let entry = totals.entry(word).or_default();
            entry.0 += revenue;
            entry.1 += 1;
        }
    }
    let mut ranked: Vec<WordRevenue> =
        totals.into_iter().map(|(word, (revenue, charges))| WordRevenue { word, revenue, charges }).collect();
    ranked.sort_by(|a, b| b.revenue.cmp(&a.revenue).then_with(|| a.word.cmp(&b.word)));
    ranked.truncate(limit);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_become_distinct_content_words() {
        assert_eq!(words("The Sleek Steel Chair, sleek and new!"), ["sleek", "steel", "chair"]);
        assert_eq!(words("Order #1234 for 2 x Rustic Café mugs"), ["rustic", "café", "mugs"]);
        assert_eq!(words("Kid's toy"), ["kid's", "toy"]);
        assert!(words("a 12 of the").is_empty());
    }

    #[test]
    fn revenue_goes_to_every_word_of_a_charge() {
        let charges = [("Sleek Steel Chair", 5000), ("Rustic Steel Table", 3000), ("Sleek Lamp", 2000)];
        let ranked = rank(charges, 10);
        let top: Vec<(&str, i64, u64)> = ranked.iter().map(|w| (w.word.as_str(), w.revenue, w.charges)).collect();
        assert_eq!(
            top,
            [
                ("steel", 8000, 2),
                ("sleek", 7000, 2),
                ("chair", 5000, 1),
                ("rustic", 3000, 1),
                ("table", 3000, 1),
                ("lamp", 2000, 1)
            ]
        );
        assert_eq!(ranked[1].per_charge(), 3500.0);
        assert_eq!(rank(charges, 2).len(), 2);
    }
}
