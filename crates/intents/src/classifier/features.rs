//! Sparse features of a text: word n-grams (with sentence-boundary bigrams and digit shapes) and
//! character n-grams inside words, weighted by sublinear TF × IDF and L2-normalised per block.
//!
//! Every n-gram is hashed to 64 bits with a fixed, seedless hash, so features are identical on every
//! platform and run. A [`FeatureSpace`] learnt on the training texts keeps the hashes it saw and numbers
//! them in first-seen order; unknown n-grams of a query are ignored.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::tokenize::{TokenizeOptions, Tokens, tokenize_into};
use super::vectors;

/// How a text becomes a feature vector.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureOptions {
    /// Tokeniser settings.
    pub tokenize: TokenizeOptions,
    /// Longest word n-gram (1: words only, 2: plus bigrams, ...).
    pub word_ngram_max: usize,
    /// Add the bigrams "start of text, first word" and "last word, end of text" (when bigrams are on):
    /// how a request begins ("how", "can", "what") often tells its intent.
    pub sentence_boundaries: bool,
    /// Add the shape of tokens with digits (`12/03/2019` → `00`, `00`, `0000`), so unseen numbers and
    /// dates still look like numbers and dates.
    pub digit_shapes: bool,
    /// Shortest character n-gram inside a `<word>` (marked at both ends); 0 turns character n-grams off.
    pub char_ngram_min: usize,
    /// Longest character n-gram.
    pub char_ngram_max: usize,
    /// Weight of the character block against the word block (each block has unit norm before it).
    pub char_weight: f32,
    /// Keep only n-grams seen in at least this many training texts.
    pub min_df: u32,
    /// Weight of the text's mean pretrained word vector (frequent words weigh less), appended as dense
    /// columns of this norm; 0 leaves it out.
    pub embedding_weight: f32,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            tokenize: TokenizeOptions::default(),
            word_ngram_max: 2,
            sentence_boundaries: true,
            digit_shapes: true,
            char_ngram_min: 2,
            char_ngram_max: 5,
            char_weight: 1.0,
            min_df: 1,
            embedding_weight: 1.0,
        }
    }
}

/// A sparse vector: `(column, value)` pairs sorted by column, without duplicates.
pub(crate) type SparseVec = Vec<(u32, f32)>;

/// Which normalisation block a feature belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Block {
    Word,
    Char,
}

/// Hasher for keys that already are well-mixed 64-bit hashes: uses them as they are.
#[derive(Default, Clone, Copy)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `u64` keys; this keeps the hasher correct for anything else.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A map from 64-bit hashes to numbers, hashing them no further.
pub(crate) type HashIndex = HashMap<u64, u32, BuildHasherDefault<PreHashed>>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x100_0000_01b3;
/// Seeds that keep the kinds of n-gram apart.
const SEED_WORD: u64 = 1;
const SEED_CHAR: u64 = 2;
const SEED_SHAPE: u64 = 3;
/// Stand-ins for the word hashes of "start of text" and "end of text" (arbitrary constants).
const SENTENCE_START: u64 = 0x5354_4152_5400;
const SENTENCE_END: u64 = 0x454e_4400;

/// FNV-1a of `bytes`, finalised. The seed is spread over the high bits: a seed differing only in the low
/// byte could be cancelled by the first input byte, making e.g. a digit shape and a character n-gram collide.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>, seed: u64) -> u64 {
    let mut h = FNV_OFFSET ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// The splitmix64 finaliser: spreads FNV's weak low bits over the whole word.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Order-dependent combination of two hashes (for n-grams).
fn combine(a: u64, b: u64) -> u64 {
    mix(a.rotate_left(17) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Reusable buffers for feature extraction.
#[derive(Default, Debug, Clone)]
pub(crate) struct FeatureScratch {
    tokens: Tokens,
    dense: Vec<f32>,
    word_hashes: Vec<u64>,
    padded: Vec<u8>,
    bounds: Vec<usize>,
    raw: Vec<(u64, Block)>,
    columns: Vec<u32>,
}

/// Writes the hashed n-grams of `text` to `s.raw`.
fn raw_features(text: &str, opts: &FeatureOptions, s: &mut FeatureScratch) {
    tokenize_into(text, &opts.tokenize, &mut s.tokens);
    s.raw.clear();
    s.word_hashes.clear();
    let bytes = s.tokens.text.as_bytes();
    s.word_hashes.extend(s.tokens.words().map(|w| fnv1a(w.bytes(), SEED_WORD)));
    let words = &s.word_hashes;
    for n in 1..=opts.word_ngram_max.max(1).min(words.len()) {
        for gram in words.windows(n) {
            let h = gram[1..].iter().fold(gram[0], |h, &w| combine(h, w));
            s.raw.push((combine(h, n as u64), Block::Word));
        }
    }
    if opts.sentence_boundaries
        && opts.word_ngram_max >= 2
        && let (Some(&first), Some(&last)) = (words.first(), words.last())
    {
        s.raw.push((combine(combine(SENTENCE_START, first), 2), Block::Word));
        s.raw.push((combine(combine(last, SENTENCE_END), 2), Block::Word));
    }
    if opts.digit_shapes {
        for &(a, b) in &s.tokens.spans {
            let token = &bytes[a..b];
            if token.iter().any(u8::is_ascii_digit) {
                let shape = token.iter().map(|&c| if c.is_ascii_digit() { b'0' } else { c });
                s.raw.push((fnv1a(shape, SEED_SHAPE), Block::Word));
            }
        }
    }
    if opts.char_ngram_min == 0 {
        return;
    }
    for &(a, b) in &s.tokens.spans {
        s.padded.clear();
        s.padded.push(b'<');
        s.padded.extend_from_slice(&bytes[a..b]);
        s.padded.push(b'>');
        // Byte offsets where characters start (n-grams count characters, not bytes), plus the end.
        s.bounds.clear();
        s.bounds.extend(s.padded.iter().enumerate().filter(|&(_, &b)| b & 0xC0 != 0x80).map(|(i, _)| i));
        s.bounds.push(s.padded.len());
        let chars = s.bounds.len() - 1;
        for n in opts.char_ngram_min..=opts.char_ngram_max.min(chars) {
            for i in 0..=chars - n {
                let gram = &s.padded[s.bounds[i]..s.bounds[i + n]];
                s.raw.push((fnv1a(gram.iter().copied(), SEED_CHAR), Block::Char));
            }
        }
    }
}

/// Weight of a word in the mean vector by its frequency rank `row` (0 is the commonest): `a / (a + p)`
/// with `p` its share of running text by Zipf's law (Arora et al., 2017, "smooth inverse frequency"), so
/// "the" and "to" weigh little and content words about 1.
fn frequency_weight(row: u32) -> f32 {
    const A: f32 = 1e-3;
    // Zipf: the word of rank r (from 1) takes 1 / (r × H) of the text, H ≈ ln(400,000) + 0.58.
    let p = 1.0 / ((row as f32 + 1.0) * 13.5);
    A / (A + p)
}

/// The learnt vocabulary of n-gram hashes with their IDF weights; turns texts into sparse vectors.
#[derive(Clone, Debug)]
pub(crate) struct FeatureSpace {
    opts: FeatureOptions,
    index: HashIndex,
    idf: Vec<f32>,
    block: Vec<Block>,
}

impl FeatureSpace {
    /// Learns the vocabulary and IDF table of `texts`.
    pub(crate) fn fit<S: AsRef<str>>(texts: &[S], opts: &FeatureOptions) -> FeatureSpace {
        let mut scratch = FeatureScratch::default();
        let mut df: HashMap<u64, (u32, Block), BuildHasherDefault<PreHashed>> = HashMap::default();
        // First-seen order numbers the columns deterministically (map iteration order is not).
        let mut order: Vec<u64> = Vec::new();
        for text in texts {
            raw_features(text.as_ref(), opts, &mut scratch);
            scratch.raw.sort_unstable();
            scratch.raw.dedup();
            for &(h, block) in &scratch.raw {
                df.entry(h)
                    .or_insert_with(|| {
                        order.push(h);
                        (0, block)
                    })
                    .0 += 1;
            }
        }
        let docs = texts.len() as f32;
        let mut space =
            FeatureSpace { opts: opts.clone(), index: HashIndex::default(), idf: Vec::new(), block: Vec::new() };
        for h in order {
            let (count, block) = df[&h];
            if count >= opts.min_df {
                // Columns are u32 to halve the size of feature vectors; 2^32 distinct n-grams would need
                // far more memory for the weights than any machine has, so this cannot fail in practice.
                let column = u32::try_from(space.idf.len()).expect("fewer than 2^32 distinct n-grams");
                space.index.insert(h, column);
                space.idf.push(((1.0 + docs) / (1.0 + count as f32)).ln() + 1.0);
                space.block.push(block);
            }
        }
        space
    }

    /// Number of columns: the n-grams, then the word vector's when it is on.
    pub(crate) fn dim(&self) -> usize {
        self.idf.len() + self.dense_dims()
    }

    /// Number of sparse columns (the n-grams); the dense ones follow.
    pub(crate) fn sparse_dim(&self) -> usize {
        self.idf.len()
    }

    /// Number of dense columns (the mean word vector's).
    fn dense_dims(&self) -> usize {
        if self.opts.embedding_weight > 0.0 { vectors::embedded().dims() } else { 0 }
    }

    /// The vector of `text` into `out`: sublinear TF × IDF, each block scaled to unit norm (the character
    /// block to `char_weight`). Unknown n-grams are skipped; a text with none gives an empty vector.
    ///
    /// Returns the share of the text's words that were seen in training (0 for a text without words).
    pub(crate) fn transform_into(&self, text: &str, s: &mut FeatureScratch, out: &mut SparseVec) -> f32 {
        raw_features(text, &self.opts, s);
        s.columns.clear();
        s.columns.extend(s.raw.iter().filter_map(|(h, _)| self.index.get(h).copied()));
        // The words themselves are the first n-grams of `raw`, one per token.
        let words = s.tokens.spans.len();
        let known = s.raw[..words].iter().filter(|(h, _)| self.index.contains_key(h)).count();
        s.columns.sort_unstable();
        out.clear();
        let mut norms = [0f32; 2];
        for run in s.columns.chunk_by(|a, b| a == b) {
            let column = run[0];
            let value = (1.0 + (run.len() as f32).ln()) * self.idf[column as usize];
            norms[self.block[column as usize] as usize] += value * value;
            out.push((column, value));
        }
        let scale = |norm: f32, weight: f32| if norm > 0.0 { weight / norm.sqrt() } else { 0.0 };
        let scales = [scale(norms[0], 1.0), scale(norms[1], self.opts.char_weight)];
        for (column, value) in out.iter_mut() {
            *value *= scales[self.block[*column as usize] as usize];
        }
        if self.opts.embedding_weight > 0.0 {
            self.push_mean_vector(s, out);
        }
        if words == 0 { 0.0 } else { known as f32 / words as f32 }
    }

    /// Appends the dense columns: the frequency-weighted mean vector of the text's words, scaled to norm
    /// `embedding_weight` (nothing when no word has a vector).
    fn push_mean_vector(&self, s: &mut FeatureScratch, out: &mut SparseVec) {
        let vectors = vectors::embedded();
        s.dense.clear();
        s.dense.resize(vectors.dims(), 0.0);
        for word in s.tokens.unstemmed_words() {
            if let Some(row) = vectors.find(word) {
                vectors.add_to(row, frequency_weight(row), &mut s.dense);
            }
        }
        let norm = s.dense.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm == 0.0 {
            return;
        }
        let scale = self.opts.embedding_weight / norm;
        let first = self.idf.len() as u32;
        out.extend(s.dense.iter().enumerate().map(|(k, &x)| (first + k as u32, x * scale)));
    }

    /// Allocating form of [`FeatureSpace::transform_into`].
    #[cfg(test)]
    pub(crate) fn transform(&self, text: &str) -> SparseVec {
        let mut out = SparseVec::new();
        self.transform_into(text, &mut FeatureScratch::default(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(opts: &FeatureOptions) -> FeatureSpace {
        FeatureSpace::fit(&["book a flight to paris", "what is my balance", "flight status on 12/03"], opts)
    }

    #[test]
    fn vectors_are_sorted_and_normalised_per_block() {
        let fs = space(&FeatureOptions::default());
        let v = fs.transform("Book a FLIGHT!");
        assert!(!v.is_empty());
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        let squared: f32 = v.iter().map(|&(_, x)| x * x).sum();
        assert!((squared - 3.0).abs() < 1e-4, "words, characters and the mean word vector, got {squared}");
    }

    #[test]
    fn words_unseen_in_training_still_give_the_mean_word_vector() {
        // Without character n-grams, which would know "<ch" and "are>".
        let word_only = FeatureOptions { char_ngram_min: 0, ..FeatureOptions::default() };
        let fs = space(&word_only);
        let v = fs.transform("cheapest airfare");
        assert_eq!(v.len(), vectors::embedded().dims());
        assert!(v.iter().all(|&(column, _)| column as usize >= fs.sparse_dim()));
        let squared: f32 = v.iter().map(|&(_, x)| x * x).sum();
        assert!((squared - 1.0).abs() < 1e-4, "{squared}");
        let without = FeatureOptions { embedding_weight: 0.0, ..word_only };
        assert!(space(&without).transform("cheapest airfare").is_empty());
        assert_eq!(space(&without).dim(), space(&without).sparse_dim());
    }

    #[test]
    fn unknown_text_gives_an_empty_vector() {
        let fs = space(&FeatureOptions::default());
        assert!(fs.transform("zzzz qqqq").is_empty());
        assert!(fs.transform("").is_empty());
    }

    #[test]
    fn unseen_numbers_share_the_digit_shape() {
        let word_only = FeatureOptions { char_ngram_min: 0, ..FeatureOptions::default() };
        let fs = space(&word_only);
        assert_eq!(fs.transform("45/67").len(), 1);
        let no_shapes = FeatureOptions { digit_shapes: false, ..word_only };
        assert!(space(&no_shapes).transform("45/67").is_empty());
    }

    #[test]
    fn sentence_boundaries_tell_first_words_apart() {
        let word_only = FeatureOptions { char_ngram_min: 0, embedding_weight: 0.0, ..FeatureOptions::default() };
        let fs = FeatureSpace::fit(&["flight status"], &word_only);
        // "flight", "status", "flight status", start+"flight", "status"+end
        assert_eq!(fs.dim(), 5);
        assert_eq!(fs.transform("status flight").len(), 2);
    }

    #[test]
    fn kinds_of_ngram_never_share_a_column() {
        // The shape of "50" is "00"; with poorly separated hash seeds it collided with the n-gram "10".
        let texts = ["send 50 dollars on the 10th", "transfer $40 from account a to b", "10 100 1000 abc bcd"];
        let opts = FeatureOptions::default();
        let fs = FeatureSpace::fit(&texts, &opts);
        let mut s = FeatureScratch::default();
        for text in texts {
            raw_features(text, &opts, &mut s);
            for (h, block) in &s.raw {
                assert_eq!(fs.block[fs.index[h] as usize], *block, "{text}: {h:x}");
            }
        }
    }

    #[test]
    fn columns_are_numbered_deterministically() {
        let a = space(&FeatureOptions::default());
        let b = space(&FeatureOptions::default());
        assert_eq!(a.transform("flight to paris"), b.transform("flight to paris"));
    }
}
