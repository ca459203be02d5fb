//! Text normalisation and word tokenisation for the classifier.
//!
//! Text is lower-cased; apostrophes inside words are dropped (`what's` → `whats`) and every other character
//! that is not alphanumeric separates tokens. Common English contractions are then expanded (`whats` →
//! `what is`, `dont` → `do not`) so that both spellings share features, and a light suffix stripper maps
//! `flights`/`flight` and `booking`/`book` to one stem. Everything is written into caller-owned buffers:
//! the query path does not allocate once they have grown.

/// How text is turned into tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenizeOptions {
    /// Strip common plural and verbal suffixes (`flights` → `flight`, `booking` → `book`).
    pub stem: bool,
    /// Expand English contractions (`i'm`, `what's`, `don't`, with or without the apostrophe).
    pub expand_contractions: bool,
}

impl Default for TokenizeOptions {
    fn default() -> Self {
        TokenizeOptions { stem: true, expand_contractions: true }
    }
}

/// A token: the byte range `start..end` of the token buffer.
pub(crate) type Span = (usize, usize);

/// The tokens of a text, reused across texts.
#[derive(Default, Debug, Clone)]
pub(crate) struct Tokens {
    /// The final (normalised, stemmed) tokens back to back.
    pub(crate) text: String,
    /// Their byte ranges in `text`.
    pub(crate) spans: Vec<Span>,
    /// The same tokens before stemming, back to back: the words as written, lower-cased, contractions
    /// expanded (word vectors know `booking`, not the stem `book`).
    pub(crate) unstemmed: String,
    /// Their byte ranges in `unstemmed`, one per span of `spans`.
    pub(crate) unstemmed_spans: Vec<Span>,
}

impl Tokens {
    /// The final tokens.
    pub(crate) fn words(&self) -> impl Iterator<Item = &str> {
        self.spans.iter().map(|&(a, b)| &self.text[a..b])
    }

    /// The tokens before stemming, in the same order.
    pub(crate) fn unstemmed_words(&self) -> impl Iterator<Item = &str> {
        self.unstemmed_spans.iter().map(|&(a, b)| &self.unstemmed[a..b])
    }
}

/// Tokenises `text` into `out` (cleared first).
pub(crate) fn tokenize_into(text: &str, opts: &TokenizeOptions, out: &mut Tokens) {
    out.text.clear();
    out.spans.clear();
    out.unstemmed.clear();
    out.unstemmed_spans.clear();
    let mut start = 0;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if ch.is_ascii() {
                out.text.push(ch.to_ascii_lowercase());
            } else {
                out.text.extend(ch.to_lowercase());
            }
        } else if matches!(ch, '\'' | '\u{2019}') {
            // Dropped, so that "what's" and "whats" are one token.
        } else if out.text.len() > start {
            finish_token(out, start, opts);
            start = out.text.len();
        }
    }
    if out.text.len() > start {
        finish_token(out, start, opts);
    }
}

/// Allocating form of [`tokenize_into`].
#[cfg(test)]
fn tokenize(text: &str, opts: &TokenizeOptions) -> Vec<String> {
    let mut tokens = Tokens::default();
    tokenize_into(text, opts, &mut tokens);
    tokens.words().map(str::to_owned).collect()
}

/// Turns `out.text[start..]`, one raw token, into one or more final tokens.
fn finish_token(out: &mut Tokens, start: usize, opts: &TokenizeOptions) {
    if opts.expand_contractions
        && let Some(words) = expansion(&out.text[start..])
    {
        out.text.truncate(start);
        for word in words {
            let at = out.text.len();
            out.text.push_str(word);
            push_stemmed(out, at, opts);
        }
        return;
    }
    push_stemmed(out, start, opts);
}

fn push_stemmed(out: &mut Tokens, start: usize, opts: &TokenizeOptions) {
    let at = out.unstemmed.len();
    out.unstemmed.push_str(&out.text[start..]);
    out.unstemmed_spans.push((at, out.unstemmed.len()));
    if opts.stem {
        let keep = light_stem(&out.text[start..]).len();
        out.text.truncate(start + keep);
    }
    out.spans.push((start, out.text.len()));
}

/// The words a contraction stands for, given with its apostrophe already removed. Forms that are also
/// ordinary words (`its`, `ill`, `were`, `id`, `well`, `shed`) are left alone.
fn expansion(word: &str) -> Option<&'static [&'static str]> {
    Some(match word {
        "whats" => &["what", "is"],
        "whos" => &["who", "is"],
        "wheres" => &["where", "is"],
        "whens" => &["when", "is"],
        "hows" => &["how", "is"],
        "whys" => &["why", "is"],
        "thats" => &["that", "is"],
        "theres" => &["there", "is"],
        "heres" => &["here", "is"],
        "im" => &["i", "am"],
        "ive" => &["i", "have"],
        "youre" => &["you", "are"],
        "youve" => &["you", "have"],
        "youll" => &["you", "will"],
        "theyre" => &["they", "are"],
        "lets" => &["let", "us"],
        "dont" => &["do", "not"],
        "doesnt" => &["does", "not"],
        "didnt" => &["did", "not"],
        "cant" | "cannot" => &["can", "not"],
        "couldnt" => &["could", "not"],
        "wont" => &["will", "not"],
        "wouldnt" => &["would", "not"],
        "shouldnt" => &["should", "not"],
        "isnt" => &["is", "not"],
        "arent" => &["are", "not"],
        "wasnt" => &["was", "not"],
        "werent" => &["were", "not"],
        "havent" => &["have", "not"],
        "hasnt" => &["has", "not"],
        "wanna" => &["want", "to"],
        "gonna" => &["going", "to"],
        "gotta" => &["got", "to"],
        _ => return None,
    })
}

/// A deliberately small English suffix stripper: returns a prefix of `word`.
///
/// Handles plural `-s`/`-es`/`-ies`, consonant + `-y`, `-ing` and `-ed` on words long enough for the rest
/// to stay informative; non-ASCII words are kept whole. It is not a Porter stemmer: character n-grams
/// already cover most morphology, this only merges the commonest forms.
pub(crate) fn light_stem(word: &str) -> &str {
    let b = word.as_bytes();
    let n = b.len();
    if !word.is_ascii() || n <= 3 {
        return word;
    }
    if n > 5 && word.ends_with("ing") {
        return &word[..n - 3];
    }
    if n > 4 && word.ends_with("ed") && !word.ends_with("eed") {
        return &word[..n - 2];
    }
    if n > 4 && word.ends_with("ies") {
        return &word[..n - 3]; // "cities" -> "cit", the stem of "city"
    }
    if b[n - 1] == b'y' && !matches!(b[n - 2], b'a' | b'e' | b'i' | b'o' | b'u') {
        return &word[..n - 1]; // "city" -> "cit"; "play" is kept
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word;
    }
    if n > 4 && (word.ends_with("ches") || word.ends_with("shes") || word.ends_with("xes")) {
        return &word[..n - 2];
    }
    if word.ends_with('s') {
        return &word[..n - 1];
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: TokenizeOptions = TokenizeOptions { stem: false, expand_contractions: false };

    #[test]
    fn lowercases_and_splits_on_punctuation() {
        assert_eq!(
            tokenize("What's my BALANCE? (checking-account)", &PLAIN),
            ["whats", "my", "balance", "checking", "account"]
        );
        assert!(tokenize("  ?!  ", &PLAIN).is_empty());
        assert!(tokenize("", &TokenizeOptions::default()).is_empty());
    }

    #[test]
    fn placeholders_become_plain_tokens() {
        assert_eq!(tokenize("population of <row0>", &PLAIN), ["population", "of", "row0"]);
    }

    #[test]
    fn contractions_expand_with_or_without_apostrophe() {
        let o = TokenizeOptions { stem: false, expand_contractions: true };
        assert_eq!(tokenize("What's up", &o), ["what", "is", "up"]);
        assert_eq!(tokenize("whats up", &o), ["what", "is", "up"]);
        assert_eq!(tokenize("I don\u{2019}t know", &o), ["i", "do", "not", "know"]);
        assert_eq!(tokenize("its tail", &o), ["its", "tail"]);
    }

    #[test]
    fn stems_plurals_and_ing() {
        let o = TokenizeOptions { stem: true, expand_contractions: false };
        assert_eq!(tokenize("Booking flights to cities; bus pass", &o), ["book", "flight", "to", "cit", "bus", "pass"]);
        assert_eq!(light_stem("is"), "is");
        assert_eq!(light_stem("boxes"), "box");
        assert_eq!(light_stem("city"), light_stem("cities"));
        assert_eq!(light_stem("plays"), "play");
    }

    #[test]
    fn expanded_words_are_stemmed_like_others() {
        let o = TokenizeOptions::default();
        assert_eq!(tokenize("doesn't", &o), tokenize("does not", &o));
    }

    #[test]
    fn unstemmed_words_follow_the_tokens() {
        let mut tokens = Tokens::default();
        tokenize_into("Booking flights? What's up", &TokenizeOptions::default(), &mut tokens);
        assert_eq!(tokens.words().collect::<Vec<_>>(), ["book", "flight", "what", "is", "up"]);
        assert_eq!(tokens.unstemmed_words().collect::<Vec<_>>(), ["booking", "flights", "what", "is", "up"]);
    }

    #[test]
    fn keeps_unicode_letters() {
        assert_eq!(tokenize("Ünïcode ÉTÉ", &TokenizeOptions::default()), ["ünïcode", "été"]);
    }
}
