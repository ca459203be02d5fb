//! Names nobody knows: words left over once the entities are found that look like a name a
//! gazetteer does not have ("population of Atlantis"), so the caller can say it does not know
//! them instead of answering about something else.
//!
//! A word is a candidate when it is outside every claimed span, all letters, not a common English
//! word ([`super::common::is_common_word`]; a known rarer word or name such as "Atlantis" is still a
//! candidate), and at least 3 letters long, or 2 with a capital. Neighbouring candidates form one
//! name ("Sn Francisco") when it has a word of 3 letters or more. A name is *listed* with an anchor
//! (a name that was found) when only list words ("and", "or", "vs", "with", "to", "than", ...) and
//! list symbols (`,` `&` `/` `+`) stand between them: "compare Austin and Atlantis".

use std::ops::Range;

use super::common::is_common_word;
use super::text::{Token, is_capitalised, tokenize};

/// Words that join the items of a list or a comparison.
const LIST_WORDS: &[&str] = &["and", "or", "nor", "vs", "v", "versus", "with", "to", "than", "plus", "compared"];
/// Symbols that do.
const LIST_SYMBOLS: &[char] = &[',', '&', '/', '+'];
/// Letters a lone candidate word needs (2 more with a capital).
const MIN_LETTERS: usize = 3;

/// A run of words that may be a name nobody knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// Byte span in the original text.
    pub span: Range<usize>,
    /// Whether it is listed with one of the anchors ("Austin and Atlantis").
    pub listed: bool,
}

/// The candidate names of `text` outside the `claimed` spans (every entity found), each with
/// whether it is listed with one of the `anchors` (the names found of the kind it may be).
pub fn unknown_names(text: &str, claimed: &[Range<usize>], anchors: &[Range<usize>]) -> Vec<UnknownName> {
    let tokens = tokenize(text);
    let inside = |token: &Token, spans: &[Range<usize>]| {
        spans.iter().any(|s| s.start < token.span.end && token.span.start < s.end)
    };
    let candidate = |token: &Token| {
        token.is_word()
            && !inside(token, claimed)
            && token.norm.chars().all(char::is_alphabetic)
            && !is_common_word(&token.norm)
            && (token.norm.len() >= MIN_LETTERS || (token.norm.len() == 2 && is_capitalised(text, token)))
    };
    let mut names = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        if !candidate(&tokens[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at + 1 < tokens.len() && candidate(&tokens[at + 1]) {
            at += 1;
        }
        let end = at;
        at += 1;
        if tokens[start..=end].iter().all(|t| t.norm.len() < MIN_LETTERS) {
            continue;
        }
        let joins = |token: &Token| {
            !inside(token, claimed)
                && match token.symbol() {
                    Some(symbol) => LIST_SYMBOLS.contains(&symbol),
                    None => LIST_WORDS.contains(&token.norm.as_str()),
                }
        };
        // The first token past the list words on each side, and whether any was passed.
        let before = tokens[..start].iter().rev().find(|t| !joins(t));
        let passed_before = tokens[..start].last().is_some_and(joins);
        let after = tokens[end + 1..].iter().find(|t| !joins(t));
        let passed_after = tokens.get(end + 1).is_some_and(joins);
        let listed = (passed_before && before.is_some_and(|t| inside(t, anchors)))
            || (passed_after && after.is_some_and(|t| inside(t, anchors)));
        names.push(UnknownName { span: tokens[start].span.start..tokens[end].span.end, listed });
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unknown names of `text` as written, with whether each is listed, given the claimed
    /// words (each an anchor too).
    fn unknown(text: &str, claimed: &[&str]) -> Vec<(String, bool)> {
        let spans: Vec<Range<usize>> = claimed
            .iter()
            .map(|c| {
                let at = text.find(c).unwrap();
                at..at + c.len()
            })
            .collect();
        unknown_names(text, &spans, &spans).into_iter().map(|u| (text[u.span].to_owned(), u.listed)).collect()
    }

    #[test]
    fn leftover_names_are_found_and_ordinary_words_are_not() {
        assert_eq!(unknown("population of Atlantis", &["population"]), [("Atlantis".to_owned(), false)]);
        assert_eq!(unknown("population of atlantis please", &["population"]), [("atlantis".to_owned(), false)]);
        assert_eq!(unknown("rent in Sn Francisco", &["rent"]), [("Sn Francisco".to_owned(), false)]);
        assert_eq!(unknown("tell me about Narnia", &[]), [("Narnia".to_owned(), false)]);
        for text in [
            "what is the best pizza in town",
            "how many people live there",
            "what's the rent",
            "is it higher or lower",
            "hi, I'm ok",
            "in 2019",
            "2br rent",
        ] {
            assert_eq!(unknown(text, &[]), [], "{text}");
        }
    }

    #[test]
    fn a_name_is_listed_with_a_known_one_when_only_list_words_stand_between() {
        assert_eq!(unknown("compare Austin and Atlantis", &["Austin"]), [("Atlantis".to_owned(), true)]);
        assert_eq!(unknown("Atlantis vs Austin rent", &["Austin", "rent"]), [("Atlantis".to_owned(), true)]);
        assert_eq!(unknown("Austin, Denver & Gotham", &["Austin", "Denver"]), [("Gotham".to_owned(), true)]);
        assert_eq!(unknown("Austin compared to Gotham", &["Austin"]), [("Gotham".to_owned(), true)]);
        assert_eq!(unknown("hey Statbot, population of Austin", &["Austin"]), [("Statbot".to_owned(), false)]);
        assert_eq!(unknown("Gotham population in Austin", &["Austin"]), [("Gotham".to_owned(), false)]);
    }
}
