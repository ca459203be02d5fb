//! The gazetteer: finds mentions of known names (cities, metrics, ...) in free text, exactly or with
//! typos, and narrows ambiguous ones with a qualifier that follows them ("Portland, OR").
//!
//! Rules, in the order they apply at each word, left to right:
//! - **Longest match wins**: windows of up to [`MAX_WORDS`] words are tried longest first, each exactly
//!   and then with typos; the first hit becomes a mention and matching resumes after it, so mentions never
//!   overlap ("New York" beats "York").
//! - **Typos** (Damerau–Levenshtein, optimal string alignment), counted on the shorter of the text and
//!   the name (letters, spaces not counted): below 5 letters no edit is allowed, 5–7 letters allow 1,
//!   8 or more allow 2 ("Austn" → Austin, "pitsburg" → Pittsburgh, but "Bose" is not Boise). Every word
//!   of the window that differs from its counterpart in the name must have at least 3 letters (the
//!   name's word at least 4) and must not be a known English word or name
//!   ([`super::common::is_known_word`]): "sales" is never Salem, "bacon" never Macon,
//!   "david" never Davie. Windows and names must have the same number of words; run-together spellings ("winstonsalem")
//!   are indexed as names of their own. The best distance wins; a tie between different names makes
//!   the mention ambiguous.
//! - **Common-word names** (with [`MatchOptions::proper_nouns`]): a one-word name or alias that is a
//!   common English word (Mobile, Orange, Surprise, Independence, the alias "LA") matches only when
//!   written with a capital letter or followed by a qualifier ("mobile, al"), and never with a typo.
//!   A capital at the start of a sentence counts: "Mobile rent" matches, "mobile revenue" does not.
//! - **Qualifiers** right after the name, directly, after a comma or after "in" ("Portland, OR",
//!   "Portland Oregon", "Springfield IL", "Portland in Maine"), keep only the candidates that have them
//!   and join the mention's span. A qualifier that is a common word ("OR", "ME", "IN", "OH", "ID") counts
//!   only in capitals or after a comma, so "Portland or Seattle" is not Portland, Oregon. A qualifier
//!   that fits no candidate is left alone.
//! - Symbols between words are ignored ("St. Louis", "Winston-Salem", "Kansas City, MO").

mod phrase;
mod suggest;

use std::collections::HashMap;
use std::ops::Range;

use super::common::{is_common_word, is_known_word};
use super::distance::distance_within;
use super::text::{Token, is_all_caps, is_capitalised, tokenize};
use phrase::{Phrase, char_mask, variants};
pub use suggest::MAX_SUGGESTIONS;

/// Most words in a name, alias or qualifier.
pub const MAX_WORDS: usize = 5;

/// Shortest text word that may differ from a name's word in a fuzzy match.
const MIN_TYPO_WORD: usize = 3;
/// Shortest word of a name that may be reached with a typo.
const MIN_TYPO_TARGET: usize = 4;

/// One thing a gazetteer knows: a city, a metric, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The caller's id, reported in [`Mention::candidates`].
    pub id: usize,
    /// The name as usually written ("Portland"; for a metric, its main synonym such as "rent").
    pub name: String,
    /// Other names that mean this entry ("PDX"; "median rent", "rents").
    pub aliases: Vec<String>,
    /// Words that may follow the name to say which entry is meant ("OR", "Oregon").
    pub qualifiers: Vec<String>,
}

/// How a gazetteer matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchOptions {
    /// Accept typos (see the module documentation for the distances allowed).
    pub fuzzy: bool,
    /// The names are proper nouns (places, people): those that are also common English words need a
    /// capital letter or a qualifier. Leave off for metrics, whose names are ordinary words ("rent").
    pub proper_nouns: bool,
}

impl MatchOptions {
    /// For places and other proper nouns.
    pub const PLACES: Self = Self { fuzzy: true, proper_nouns: true };
    /// For metrics and other vocabulary made of ordinary words.
    pub const TERMS: Self = Self { fuzzy: true, proper_nouns: false };
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self::PLACES
    }
}

/// A name found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Byte span in the original text, including a qualifier that narrowed the candidates.
    pub span: Range<usize>,
    /// The ids of the entries meant, in the gazetteer's order; more than one means ambiguous.
    pub candidates: Vec<usize>,
    /// The name or alias matched, as given in the [`Entry`] (for a tie, the first one).
    pub matched: String,
    /// Edits between the text and the name: 0 for an exact match.
    pub distance: u8,
}

/// Why a gazetteer could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GazetteerError {
    #[error("entry {id}: {text:?} has no letters or digits")]
    Empty { id: usize, text: String },
    #[error("entry {id}: {text:?} has more than {MAX_WORDS} words")]
    TooManyWords { id: usize, text: String },
}

/// An index of names built once, then asked many times.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    options: MatchOptions,
    /// Entry index → the caller's id.
    ids: Vec<usize>,
    /// Entry index → its qualifiers, every spelling.
    qualifiers: Vec<Vec<Phrase>>,
    keys: Vec<Key>,
    /// Normalised text of a spelling → its key.
    exact: HashMap<String, usize>,
    /// (words, letters) → keys that may be reached with typos.
    fuzzy: HashMap<(usize, usize), Vec<usize>>,
    /// Most words in any key.
    max_words: usize,
}

/// One spelling of one or more entries' names or aliases.
#[derive(Debug, Clone)]
struct Key {
    phrase: Phrase,
    entries: Vec<usize>,
    display: String,
    /// A one-word common English word among proper nouns: needs a capital or a qualifier, no typos.
    guarded: bool,
}

/// A word of the text being searched.
struct Word<'t> {
    token: &'t Token,
    /// Windows never cross from one segment to the next (text claimed by other entities lies between).
    segment: usize,
    /// A common English word: as a qualifier it needs capitals or a comma.
    common: bool,
    /// A known English word or name: never a typo.
    known: bool,
    alphabetic: bool,
    mask: u32,
}

/// Candidates narrowed by a qualifier ending before word `end`.
struct Qualified {
    entries: Vec<usize>,
    end: usize,
}

/// A name matched over words `start..end`, before qualifiers.
struct Hit<'g> {
    start: usize,
    end: usize,
    entries: Vec<usize>,
    display: &'g str,
    distance: u8,
}

impl Gazetteer {
    /// A gazetteer of proper nouns ([`MatchOptions::PLACES`]).
    pub fn new(entries: impl IntoIterator<Item = Entry>) -> Result<Self, GazetteerError> {
        Self::with_options(entries, MatchOptions::PLACES)
    }

    /// A gazetteer matching as `options` say.
    pub fn with_options(
        entries: impl IntoIterator<Item = Entry>,
        options: MatchOptions,
    ) -> Result<Self, GazetteerError> {
        let mut gazetteer = Self {
            options,
            ids: Vec::new(),
            qualifiers: Vec::new(),
            keys: Vec::new(),
            exact: HashMap::new(),
            fuzzy: HashMap::new(),
            max_words: 0,
        };
        for entry in entries {
            let index = gazetteer.ids.len();
            gazetteer.ids.push(entry.id);
            for raw in std::iter::once(&entry.name).chain(&entry.aliases) {
                let spellings = spellings(entry.id, raw)?;
                let plain_words = spellings.first().map_or(0, Vec::len);
                for words in spellings {
                    // Typos are looked for in spellings with the name's own words only: "federally" is
                    // not a typo of the run-together "federalway".
                    let typos = words.len() == plain_words;
                    gazetteer.add_key(words, index, raw, typos);
                }
            }
            let mut qualifiers = Vec::new();
            for raw in &entry.qualifiers {
                qualifiers.extend(spellings(entry.id, raw)?.into_iter().map(Phrase::new));
            }
            gazetteer.qualifiers.push(qualifiers);
        }
        Ok(gazetteer)
    }

    /// How many entries the gazetteer holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the gazetteer holds no entries.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn add_key(&mut self, words: Vec<String>, entry: usize, display: &str, typos: bool) {
        let phrase = Phrase::new(words);
        let text = phrase.text();
        if let Some(&key) = self.exact.get(&text) {
            let entries = &mut self.keys[key].entries;
            if !entries.contains(&entry) {
                entries.push(entry);
            }
            return;
        }
        let guarded = self.options.proper_nouns && phrase.words.len() == 1 && is_common_word(&phrase.words[0]);
        let key = self.keys.len();
        if self.options.fuzzy && typos && !guarded && allowed_distance(phrase.letters) > 0 {
            self.fuzzy.entry((phrase.words.len(), phrase.letters)).or_default().push(key);
        }
        self.max_words = self.max_words.max(phrase.words.len());
        self.exact.insert(text, key);
        self.keys.push(Key { phrase, entries: vec![entry], display: display.to_string(), guarded });
    }

    /// The names mentioned in `text`, in order, never overlapping.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        self.find_in(text, &tokenize(text), &[])
    }

    /// [`Gazetteer::find`] over already tokenised `text`, ignoring words inside the `claimed` spans and
    /// never matching across them.
    pub(crate) fn find_in(&self, text: &str, tokens: &[Token], claimed: &[Range<usize>]) -> Vec<Mention> {
        let words = words(tokens, claimed);
        let mut mentions = Vec::new();
        let mut at = 0;
        while at < words.len() {
            match self.match_at(text, &words, at) {
                Some((mention, end)) => {
                    mentions.push(mention);
                    at = end;
                }
                None => at += 1,
            }
        }
        mentions
    }

    /// The longest mention starting at word `start`, and the word after it.
    fn match_at(&self, text: &str, words: &[Word], start: usize) -> Option<(Mention, usize)> {
        let segment = words[start].segment;
        let longest = words[start..].iter().take(self.max_words).take_while(|w| w.segment == segment).count();
        let mut joined = String::new();
        let mut cuts = [0; MAX_WORDS + 1];
        for (len, word) in words[start..start + longest].iter().enumerate() {
            if len > 0 {
                joined.push(' ');
            }
            joined.push_str(&word.token.norm);
            cuts[len + 1] = joined.len();
        }
        for len in (1..=longest).rev() {
            let end = start + len;
            if let Some(key) = self.exact.get(&joined[..cuts[len]]).map(|&k| &self.keys[k]) {
                let qualified = self.qualify(text, words, end, &key.entries);
                if !key.guarded || is_capitalised(text, words[start].token) || qualified.is_some() {
                    let hit = Hit { start, end, entries: key.entries.clone(), display: &key.display, distance: 0 };
                    return Some(self.mention(words, hit, qualified));
                }
            }
            if self.options.fuzzy
                && let Some((keys, distance)) = self.fuzzy_match(&words[start..end])
            {
                let mut entries: Vec<usize> = Vec::new();
                for entry in keys.iter().flat_map(|&k| &self.keys[k].entries) {
                    if !entries.contains(entry) {
                        entries.push(*entry);
                    }
                }
                let qualified = self.qualify(text, words, end, &entries);
                let hit = Hit { start, end, entries, display: &self.keys[keys[0]].display, distance };
                return Some(self.mention(words, hit, qualified));
            }
        }
        None
    }

    /// The mention for `hit`, narrowed and extended by `qualified`, and the word after it.
    fn mention(&self, words: &[Word], hit: Hit, qualified: Option<Qualified>) -> (Mention, usize) {
        let Hit { start, end, entries, display, distance } = hit;
        let (entries, end) = match qualified {
            Some(q) => (q.entries, q.end),
            None => (entries, end),
        };
        let mut candidates: Vec<usize> = Vec::with_capacity(entries.len());
        for id in entries.into_iter().map(|e| self.ids[e]) {
            if !candidates.contains(&id) {
                candidates.push(id);
            }
        }
        let span = words[start].token.span.start..words[end - 1].token.span.end;
        (Mention { span, candidates, matched: display.to_string(), distance }, end)
    }

    /// The keys nearest to `window` within the typo allowance, and their distance.
    fn fuzzy_match(&self, window: &[Word]) -> Option<(Vec<usize>, u8)> {
        let worth_trying = window.iter().all(|w| w.alphabetic)
            && window.iter().any(|w| !w.known && w.token.norm.len() >= MIN_TYPO_WORD);
        if !worth_trying {
            return None;
        }
        let letters: usize = window.iter().map(|w| w.token.norm.len()).sum();
        let mask = window.iter().fold(0, |mask, w| mask | w.mask);
        let mut best: Option<(Vec<usize>, u8)> = None;
        for key_letters in letters.saturating_sub(2)..=letters + 2 {
            let Some(bucket) = self.fuzzy.get(&(window.len(), key_letters)) else { continue };
            let allowed = allowed_distance(letters.min(key_letters));
            let allowed = best.as_ref().map_or(allowed, |(_, d)| allowed.min(*d));
            if letters.abs_diff(key_letters) > usize::from(allowed) {
                continue;
            }
            for &k in bucket {
                let phrase = &self.keys[k].phrase;
                if (mask ^ phrase.mask).count_ones() > 2 * u32::from(allowed) {
                    continue;
                }
                let Some(distance) = window_distance(window, phrase, allowed) else { continue };
                match &mut best {
                    Some((keys, d)) if *d == distance => keys.push(k),
                    Some((_, d)) if *d < distance => {}
                    _ => best = Some((vec![k], distance)),
                }
            }
        }
        best.filter(|(_, d)| *d > 0)
    }

    /// A qualifier starting at word `at` (or after an "in" there) that fits some of `entries`.
    fn qualify(&self, text: &str, words: &[Word], at: usize, entries: &[usize]) -> Option<Qualified> {
        let first = words.get(at)?;
        if first.segment != words[at - 1].segment || entries.iter().all(|&e| self.qualifiers[e].is_empty()) {
            return None;
        }
        let mut starts = vec![(at, false)];
        if first.token.norm == "in" {
            starts.push((at + 1, true));
        }
        for (start, after_in) in starts {
            let Some(word) = words.get(start).filter(|w| w.segment == first.segment) else { continue };
            let comma = !after_in
                && text
                    .get(words[start - 1].token.span.end..word.token.span.start)
                    .is_some_and(|gap| gap.contains(','));
            // (words, distance) of the best qualifier so far, and the entries it fits.
            let mut best: Option<(usize, u8, Vec<usize>)> = None;
            for &entry in entries {
                for qualifier in &self.qualifiers[entry] {
                    let len = qualifier.words.len();
                    let Some(window) =
                        words.get(start..start + len).filter(|w| w.iter().all(|w| w.segment == first.segment))
                    else {
                        continue;
                    };
                    let letters = window.iter().map(|w| w.token.norm.len()).sum::<usize>().min(qualifier.letters);
                    let allowed = if self.options.fuzzy { allowed_distance(letters) } else { 0 };
                    let Some(distance) = window_distance(window, qualifier, allowed) else { continue };
                    if len == 1 && window[0].common && !comma && !is_all_caps(text, window[0].token) {
                        continue;
                    }
                    match &mut best {
                        Some((l, d, fits)) if (*l, *d) == (len, distance) => {
                            if !fits.contains(&entry) {
                                fits.push(entry);
                            }
                        }
                        Some((l, d, _)) if (*l, std::cmp::Reverse(*d)) > (len, std::cmp::Reverse(distance)) => {}
                        _ => best = Some((len, distance, vec![entry])),
                    }
                }
            }
            if let Some((len, _, fits)) = best {
                return Some(Qualified { entries: fits, end: start + len });
            }
        }
        None
    }
}

/// Every spelling of `raw` to index, or why it cannot be.
fn spellings(id: usize, raw: &str) -> Result<Vec<Vec<String>>, GazetteerError> {
    let spellings = variants(raw, MAX_WORDS);
    match spellings.first() {
        None if phrase::words_of(raw).is_empty() => Err(GazetteerError::Empty { id, text: raw.to_string() }),
        None => Err(GazetteerError::TooManyWords { id, text: raw.to_string() }),
        Some(plain) if *plain != phrase::words_of(raw) => {
            Err(GazetteerError::TooManyWords { id, text: raw.to_string() })
        }
        Some(_) => Ok(spellings),
    }
}

/// Edits allowed between a text and a name the shorter of which has `letters` letters.
fn allowed_distance(letters: usize) -> u8 {
    match letters {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// The summed distance between the window's words and the phrase's, if within `allowed` and every word
/// that differs may be a typo.
fn window_distance(window: &[Word], phrase: &Phrase, allowed: u8) -> Option<u8> {
    let mut total = 0u8;
    for (word, target) in window.iter().zip(&phrase.words) {
        let text = word.token.norm.as_str();
        if text == target {
            continue;
        }
        if word.known || text.len() < MIN_TYPO_WORD || target.len() < MIN_TYPO_TARGET {
            return None;
        }
        total += distance_within(text.as_bytes(), target.as_bytes(), allowed - total)?;
    }
    Some(total)
}

/// The words of `tokens` outside the claimed spans, each with the segment between claims it lies in.
fn words<'t>(tokens: &'t [Token], claimed: &[Range<usize>]) -> Vec<Word<'t>> {
    let mut words: Vec<Word> = Vec::new();
    let mut segment = 0;
    let mut previous_end = 0;
    for token in tokens.iter().filter(|t| t.is_word()) {
        let overlaps = |r: &Range<usize>| r.start < token.span.end && previous_end < r.end;
        if claimed.iter().any(overlaps) {
            segment += 1;
        }
        previous_end = token.span.end;
        if claimed.iter().any(|r| r.start < token.span.end && token.span.start < r.end) {
            continue;
        }
        words.push(Word {
            token,
            segment,
            common: is_common_word(&token.norm),
            known: is_known_word(&token.norm),
            alphabetic: token.norm.chars().all(char::is_alphabetic),
            mask: char_mask(&token.norm),
        });
    }
    words
}

#[cfg(test)]
mod tests;
