//! The words that sell: descriptions cut into words (lower-case letters, stop words and numbers
//! left out). The rollups credit a charge's net revenue in full to every distinct word of its
//! description, so "Sleek" items can be compared with "Rustic" ones; the average per charge
//! keeps frequent words from winning on volume alone.

use std::collections::BTreeSet;

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
}
