//! Phrases: a name, alias or qualifier as normalised words, and the spelling variants under which the
//! gazetteer indexes it, so that "St. Louis", "Saint Louis" and "stlouis", or "Lee's Summit" and
//! "Lees Summit", all find the same entry.

use crate::entities::text::tokenize;

/// Abbreviations that customers write either way in place names.
const ABBREVIATIONS: &[(&str, &str)] = &[("st", "saint"), ("ft", "fort"), ("mt", "mount")];

/// Shortest run-together spelling indexed for a multi-word name (`elpaso`, `stlouis`, `newyork`).
const MIN_JOINED_LEN: usize = 6;

/// Normalised words with what the fuzzy matcher needs to reject most candidates cheaply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub words: Vec<String>,
    /// Bytes of the words, spaces not counted.
    pub letters: usize,
    /// Which of a–z (bits 0–25), digits (bit 26) and anything else (bit 27) occur.
    pub mask: u32,
}

impl Phrase {
    pub fn new(words: Vec<String>) -> Self {
        let letters = words.iter().map(String::len).sum();
        let mask = words.iter().fold(0, |mask, word| mask | char_mask(word));
        Self { words, letters, mask }
    }

    /// The words joined by single spaces: the key of the exact index.
    pub fn text(&self) -> String {
        self.words.join(" ")
    }
}

/// The letter-presence bits of one word (see [`Phrase::mask`]).
pub fn char_mask(word: &str) -> u32 {
    word.bytes().fold(0, |mask, b| {
        mask | match b {
            b'a'..=b'z' => 1 << (b - b'a'),
            b'0'..=b'9' => 1 << 26,
            _ => 1 << 27,
        }
    })
}

/// The normalised words of `raw` as written (possessive `'s` dropped, other apostrophes joined).
pub fn words_of(raw: &str) -> Vec<String> {
    tokenize(raw).into_iter().filter(|t| t.is_word()).map(|t| t.norm).collect()
}

/// Every spelling of `raw` worth indexing, the plain one (as written) first: apostrophes dropped or read as spaces
/// (`lees summit`, `o fallon`), `st`/`saint`, `ft`/`fort`, `mt`/`mount` either way, and the words run
/// together for multi-word names. Variants with more than `max_words` words are left out.
pub fn variants(raw: &str, max_words: usize) -> Vec<Vec<String>> {
    let mut spellings = vec![raw.to_string()];
    if raw.chars().any(|c| matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`')) {
        let is_apostrophe = |c: char| matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`');
        spellings.push(raw.chars().filter(|&c| !is_apostrophe(c)).collect());
        spellings.push(raw.chars().map(|c| if is_apostrophe(c) { ' ' } else { c }).collect());
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut push = |words: Vec<String>| {
        if !words.is_empty() && words.len() <= max_words && !out.contains(&words) {
            out.push(words);
        }
    };
    for spelling in spellings {
        for words in expand_abbreviations(words_of(&spelling)) {
            let joined = words.concat();
            let run_together = words.len() > 1 && joined.len() >= MIN_JOINED_LEN;
            push(words);
            if run_together {
                push(vec![joined]);
            }
        }
    }
    out
}

/// `words` and every copy with abbreviations swapped for their long forms or back.
fn expand_abbreviations(words: Vec<String>) -> Vec<Vec<String>> {
    let mut out = vec![words.clone()];
    for (at, word) in words.iter().enumerate() {
        let other = ABBREVIATIONS.iter().find_map(|&(short, long)| match word.as_str() {
            w if w == short => Some(long),
            w if w == long => Some(short),
            _ => None,
        });
        if let Some(other) = other {
            let more: Vec<Vec<String>> = out
                .iter()
                .map(|variant| {
                    let mut variant = variant.clone();
                    variant[at] = other.to_string();
                    variant
                })
                .collect();
            out.extend(more);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(raw: &str) -> Vec<String> {
        variants(raw, 5).into_iter().map(|w| w.join(" ")).collect()
    }

    #[test]
    fn spelling_variants() {
        let table: &[(&str, &[&str])] = &[
            ("Austin", &["austin"]),
            ("St. Louis", &["st louis", "stlouis", "saintlouis", "saint louis"]),
            ("Fort Worth", &["fort worth", "fortworth", "ftworth", "ft worth"]),
            ("Lee's Summit", &["lee summit", "leesummit", "leessummit", "lees summit", "lee s summit"]),
            ("O'Fallon", &["ofallon", "o fallon"]),
            ("Winston-Salem", &["winston salem", "winstonsalem"]),
            ("NYC", &["nyc"]),
            ("El Paso", &["el paso", "elpaso"]),
            ("San Jose", &["san jose", "sanjose"]),
        ];
        for (raw, expected) in table {
            let mut got = texts(raw);
            let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            assert_eq!(got[0], expected[0], "{raw}: the plain spelling comes first");
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "{raw}");
        }
    }

    #[test]
    fn variants_longer_than_the_limit_are_left_out() {
        assert_eq!(texts("a b c"), ["a b c"]);
        assert!(variants("a b c", 2).iter().all(|w| w.len() <= 2));
        assert!(variants("!!!", 5).is_empty());
    }

    #[test]
    fn masks_and_letters() {
        let phrase = Phrase::new(vec!["ab".into(), "z9".into()]);
        assert_eq!(phrase.letters, 4);
        assert_eq!(phrase.mask, 1 | 2 | 1 << 25 | 1 << 26);
        assert_eq!(phrase.text(), "ab z9");
    }
}
