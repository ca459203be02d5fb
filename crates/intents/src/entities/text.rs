//! Normalisation and tokenisation: the one place that decides what a "word" is, so that gazetteer names and
//! customer text are cut and folded the same way.
//!
//! A [`Token`] is either a word or a single punctuation symbol, with its byte span in the original text and
//! a normalised form:
//! - words are lowercased and Latin diacritics are folded (`Zürich` → `zurich`, `Straße` → `strasse`);
//!   combining marks are dropped, so decomposed `e` + U+0301 also folds to `e`;
//! - an apostrophe between letters is dropped and the word goes on (`O'Fallon` → `ofallon`,
//!   `d'Alene` → `dalene`), except a trailing possessive `'s`, which ends the word and is left out of its
//!   span (`Austin's` → `austin`);
//! - `.` between digits and `,` before a group of exactly three digits stay inside the word (`3.5`,
//!   `1,200`); every other punctuation mark is a symbol token of its own (`St. Louis` → `st` `.` `louis`,
//!   `Winston-Salem` → `winston` `-` `salem`), so the name matcher can skip symbols and the date and
//!   number parsers can read them;
//! - dashes and minus signs are normalised to `-`, apostrophes and quote-like ticks to `'`.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters and digits (`portland`, `2026`, `1,200`, `10k`, `q3`).
    Word,
    /// One punctuation or other non-space character (`$`, `%`, `-`, `,`).
    Symbol,
}

/// A word or symbol of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte span in the original text, on char boundaries.
    pub span: Range<usize>,
    /// Normalised form: lowercased and folded for words, the (normalised) character for symbols.
    pub norm: String,
    /// Word or symbol.
    pub kind: TokenKind,
}

impl Token {
    /// Whether this is a word token.
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }

    /// Whether this is a word made of ASCII digits only (`2026`, but not `1,200` or `3.5`).
    pub fn is_digits(&self) -> bool {
        self.is_word() && self.norm.bytes().all(|b| b.is_ascii_digit())
    }

    /// The symbol character, if this is a symbol token.
    pub fn symbol(&self) -> Option<char> {
        match self.kind {
            TokenKind::Symbol => self.norm.chars().next(),
            TokenKind::Word => None,
        }
    }

    /// Whether `next` starts exactly where this token ends (no space between them).
    pub fn touches(&self, next: &Token) -> bool {
        self.span.end == next.span.start
    }
}

/// Reading a tokenized text by position, as the date and number parsers do.
pub trait Tokens {
    /// The normalised word at `at`, if that token is a word.
    fn word(&self, at: usize) -> Option<&str>;
    /// The symbol at `at`, if that token is a symbol.
    fn symbol(&self, at: usize) -> Option<char>;
    /// Whether tokens `at` and `at + 1` touch.
    fn touching(&self, at: usize) -> bool;
}

impl Tokens for [Token] {
    fn word(&self, at: usize) -> Option<&str> {
        self.get(at).filter(|t| t.is_word()).map(|t| t.norm.as_str())
    }

    fn symbol(&self, at: usize) -> Option<char> {
        self.get(at).and_then(Token::symbol)
    }

    fn touching(&self, at: usize) -> bool {
        matches!((self.get(at), self.get(at + 1)), (Some(a), Some(b)) if a.touches(b))
    }
}

/// Splits `text` into word and symbol tokens; whitespace is dropped.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |k: usize| chars.get(k).map_or(text.len(), |&(b, _)| b);
    let char_at = |k: usize| chars.get(k).map(|&(_, c)| c);
    let mut tokens = Vec::new();
    let mut k = 0;
    while let Some(c) = char_at(k) {
        if c.is_alphanumeric() {
            let (token, next) = word_at(&chars, k, text.len());
            tokens.push(token);
            k = next;
        } else {
            if !c.is_whitespace() && !is_combining(c) {
                tokens.push(Token {
                    span: byte_at(k)..byte_at(k + 1),
                    norm: normalise_symbol(c).to_string(),
                    kind: TokenKind::Symbol,
                });
            }
            k += 1;
        }
    }
    tokens
}

/// The word starting at char index `start` (an alphanumeric char) and the char index after it.
fn word_at(chars: &[(usize, char)], start: usize, text_len: usize) -> (Token, usize) {
    let char_at = |k: usize| chars.get(k).map(|&(_, c)| c);
    let mut norm = String::new();
    let mut last_alnum = chars[start].1;
    let mut end = start; // one past the last char that belongs to the word
    let mut next = start; // where scanning resumes after the word
    while let Some(c) = char_at(next) {
        if c.is_alphanumeric() {
            push_folded(&mut norm, c);
            last_alnum = c;
        } else if is_combining(c) {
            // Part of the preceding letter: kept in the span, dropped from the normal form.
        } else if is_apostrophe(c) && last_alnum.is_alphabetic() && char_at(next + 1).is_some_and(char::is_alphabetic) {
            let possessive = matches!(char_at(next + 1), Some('s' | 'S'))
                && !char_at(next + 2).is_some_and(|c| c.is_alphanumeric() || is_combining(c));
            if possessive {
                next += 2;
                break;
            }
        } else if c == '.' && last_alnum.is_ascii_digit() && char_at(next + 1).is_some_and(|c| c.is_ascii_digit()) {
            norm.push('.');
        } else if c == ',' && last_alnum.is_ascii_digit() && is_thousands_group(chars, next + 1) {
            norm.push(',');
        } else {
            break;
        }
        next += 1;
        end = next;
    }
    let byte_at = |k: usize| chars.get(k).map_or(text_len, |&(b, _)| b);
    (Token { span: chars[start].0..byte_at(end), norm, kind: TokenKind::Word }, next)
}

/// Whether exactly three ASCII digits start at char index `k` (and no fourth follows).
fn is_thousands_group(chars: &[(usize, char)], k: usize) -> bool {
    let digit = |k: usize| chars.get(k).is_some_and(|&(_, c)| c.is_ascii_digit());
    digit(k) && digit(k + 1) && digit(k + 2) && !digit(k + 3)
}

/// Lowercases `text`, folds diacritics and joins its words with single spaces, dropping symbols:
/// `"St. Louis, MO"` → `"st louis mo"`.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    for token in tokenize(text).iter().filter(|t| t.is_word()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token.norm);
    }
    out
}

/// Whether the token's first character is an uppercase letter in the original text.
pub fn is_capitalised(text: &str, token: &Token) -> bool {
    text.get(token.span.clone()).and_then(|s| s.chars().next()).is_some_and(char::is_uppercase)
}

/// Whether every letter of the token is uppercase in the original text (and it has at least one).
pub fn is_all_caps(text: &str, token: &Token) -> bool {
    let Some(original) = text.get(token.span.clone()) else { return false };
    let mut letters = original.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(char::is_uppercase)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}')
}

fn normalise_symbol(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => '-',
        c if is_apostrophe(c) => '\'',
        c => c,
    }
}

/// Combining diacritical marks: they belong to the letter before them.
fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn push_folded(out: &mut String, c: char) {
    for lower in c.to_lowercase() {
        if is_combining(lower) {
            continue;
        }
        match fold_latin(lower) {
            Some(folded) => out.push_str(folded),
            None => out.push(lower),
        }
    }
}

/// The unaccented spelling of a lowercase Latin letter with a diacritic (Latin-1 Supplement, Latin
/// Extended-A and the common letters of Extended-B); `None` for everything else.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ǻ' => "a",
        'æ' | 'ǽ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ƒ' => "f",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ơ' | 'ǒ' | 'ǿ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ư' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().filter(Token::is_word).map(|t| t.norm).collect()
    }

    fn all(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn words_are_lowercased_folded_and_cut_at_punctuation() {
        let table: &[(&str, &[&str])] = &[
            ("Population of Austin", &["population", "of", "austin"]),
            ("St. Louis", &["st", "louis"]),
            ("Winston-Salem", &["winston", "salem"]),
            ("Coeur d'Alene", &["coeur", "dalene"]),
            ("O’Fallon", &["ofallon"]),
            ("Lee's Summit", &["lee", "summit"]),
            ("Austin's rent", &["austin", "rent"]),
            ("San José", &["san", "jose"]),
            ("Sao Paulo / São Paulo", &["sao", "paulo", "sao", "paulo"]),
            ("Zürich Straße Łódź Œuvre", &["zurich", "strasse", "lodz", "oeuvre"]),
            ("Jose\u{301}", &["jose"]),
            ("MÉXICO", &["mexico"]),
            ("1,200 and 3.5 and 1,2000", &["1,200", "and", "3.5", "and", "1", "2000"]),
            ("2.5m $300 45%", &["2.5m", "300", "45"]),
            ("end.", &["end"]),
            ("", &[]),
        ];
        for (text, expected) in table {
            assert_eq!(words(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn symbols_are_kept_and_normalised() {
        let table: &[(&str, &[&str])] = &[
            ("2026-11-01", &["2026", "-", "11", "-", "01"]),
            ("−5 – 7", &["-", "5", "-", "7"]),
            ("$300, 45%", &["$", "300", ",", "45", "%"]),
            ("rock 'n' roll", &["rock", "'", "n", "'", "roll"]),
        ];
        for (text, expected) in table {
            assert_eq!(all(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "Lee's Summit, São Paulo";
        let spans: Vec<&str> = tokenize(text).iter().map(|t| &text[t.span.clone()]).collect();
        assert_eq!(spans, ["Lee", "Summit", ",", "São", "Paulo"]);
    }

    #[test]
    fn normalize_joins_words() {
        assert_eq!(normalize("  St. Louis,  MO "), "st louis mo");
        assert_eq!(normalize("Winston–Salem"), "winston salem");
    }

    #[test]
    fn capitalisation_is_read_from_the_original() {
        let text = "Mobile mobile OR or";
        let tokens = tokenize(text);
        let caps: Vec<bool> = tokens.iter().map(|t| is_capitalised(text, t)).collect();
        let all_caps: Vec<bool> = tokens.iter().map(|t| is_all_caps(text, t)).collect();
        assert_eq!(caps, [true, false, true, false]);
        assert_eq!(all_caps, [false, false, true, false]);
    }
}
