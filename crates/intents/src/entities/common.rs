//! Built-in English word lists (derived from SCOWL; see the headers of the `.txt` files) that keep the
//! name matcher from mistaking ordinary words for names:
//! - [`is_common_word`]: about 11,000 everyday words plus chat and business words (`common_words.txt`).
//!   A proper noun spelled like one (Mobile, Orange) needs a capital letter or a qualifier, and a
//!   qualifier spelled like one ("OR", "ME") needs capitals or a comma.
//! - [`is_known_word`]: those plus about 37,000 rarer words, first names, surnames and place names
//!   (`known_words.txt`). A known word is never read as a typo of a name: "bacon" is not Macon, "david"
//!   is not Davie, "missouri" is not Missoula.

use std::collections::HashSet;
use std::sync::LazyLock;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| words(include_str!("common_words.txt")));
static KNOWN: LazyLock<HashSet<&'static str>> = LazyLock::new(|| words(include_str!("known_words.txt")));

fn words(list: &'static str) -> HashSet<&'static str> {
    list.lines().filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
}

/// Whether `word` (normalised: lowercase, folded, no apostrophes) is a common English word.
pub fn is_common_word(word: &str) -> bool {
    COMMON.contains(word)
}

/// Whether `word` (normalised) is a common word or a rarer English word or name.
pub fn is_known_word(word: &str) -> bool {
    is_common_word(word) || KNOWN.contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_include_stop_words_business_words_and_words_that_are_also_places() {
        for word in ["the", "and", "of", "in", "or", "me", "compare", "rent", "rents", "income", "sales", "mobile"] {
            assert!(is_common_word(word), "{word}");
            assert!(is_known_word(word), "{word}");
        }
    }

    #[test]
    fn known_words_add_rarer_words_and_names() {
        for word in ["bacon", "candy", "david", "china", "missouri", "austen"] {
            assert!(!is_common_word(word), "{word}");
            assert!(is_known_word(word), "{word}");
        }
    }

    #[test]
    fn typos_are_not_words() {
        for word in ["austn", "denvr", "fransisco", "pittsburg", "springfeld", "nyc", "phoenix", ""] {
            assert!(!is_common_word(word), "{word}");
        }
        for word in ["austn", "denvr", "fransisco", "pittsburg", "springfeld", ""] {
            assert!(!is_known_word(word), "{word}");
        }
    }
}
