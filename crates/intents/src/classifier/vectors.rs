//! Pretrained word vectors embedded in the library: GloVe 6B 50d (Pennington, Socher and Manning, 2014;
//! Public Domain Dedication and License 1.0) for the most frequent all-letter English words, quantised to
//! 8 bits with one scale per word. `data/README.md` says how `data/word_vectors.bin` is made; the format is in [`WordVectors::parse`].
//!
//! They let the classifier relate words it never saw in training to ones it did: `airfare` lands near
//! `flight`, `cholesterol` near `calories`.

use std::sync::LazyLock;

use super::features::{HashIndex, fnv1a};

/// The embedded file.
static BYTES: &[u8] = include_bytes!("../../data/word_vectors.bin");

static EMBEDDED: LazyLock<WordVectors> =
    LazyLock::new(|| WordVectors::parse(BYTES).expect("the embedded word vectors are well formed"));

/// The embedded word vectors, parsed on first use (a few milliseconds).
pub(crate) fn embedded() -> &'static WordVectors {
    &EMBEDDED
}

/// Seed of the word hashes that key the vectors.
const SEED: u64 = 5;

/// Word vectors by word; words are numbered by falling frequency.
#[derive(Debug)]
pub(crate) struct WordVectors {
    dims: usize,
    /// Word number by 64-bit hash of the word: no string to compare, so a look-up touches one cache line
    /// fewer (a stranger sharing a hash with one of the words is as unlikely as 1 in 2^48).
    index: HashIndex,
    scales: Vec<f32>,
    /// `words × dims` signed bytes.
    values: &'static [u8],
}

/// Reads little-endian values from the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.0.len() < n {
            return Err("truncated");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<usize, &'static str> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}

impl WordVectors {
    /// Parses the format written by `data/make_word_vectors.py`, little-endian: the magic `SBWV0001`; u32
    /// words and dims; the u32 byte length of the word list and the words joined by `\n`, most frequent
    /// first; an f32 scale per word; `dims` signed bytes per word (vector = scale × bytes).
    pub(crate) fn parse(bytes: &'static [u8]) -> Result<WordVectors, &'static str> {
        let mut r = Reader(bytes);
        if r.take(8)? != b"SBWV0001" {
            return Err("not a word vector file");
        }
        let (words, dims) = (r.u32()?, r.u32()?);
        let text_len = r.u32()?;
        let text = std::str::from_utf8(r.take(text_len)?).map_err(|_| "word list is not UTF-8")?;
        let index: HashIndex = text
            .split('\n')
            .enumerate()
            .map(|(i, w)| (fnv1a(w.bytes(), SEED), i as u32))
            .filter(|_| words > 0)
            .collect();
        if index.len() != words {
            return Err("word count does not match the word list (or two words share a hash)");
        }
        let scales = r.take(4 * words)?.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let values = r.take(words * dims)?;
        if !r.0.is_empty() {
            return Err("trailing bytes");
        }
        Ok(WordVectors { dims, index, scales, values })
    }

    /// Length of every vector.
    pub(crate) fn dims(&self) -> usize {
        self.dims
    }

    /// The number of `word` (its frequency rank), if it has a vector.
    pub(crate) fn find(&self, word: &str) -> Option<u32> {
        self.index.get(&fnv1a(word.bytes(), SEED)).copied()
    }

    /// Adds `weight ×` the vector of word `row` to `out` (`dims` long).
    pub(crate) fn add_to(&self, row: u32, weight: f32, out: &mut [f32]) {
        let row = row as usize;
        let scale = weight * self.scales[row];
        for (o, &b) in out.iter_mut().zip(&self.values[row * self.dims..][..self.dims]) {
            *o += scale * f32::from(b as i8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / (norm(a) * norm(b))
    }

    fn vector(word: &str) -> Vec<f32> {
        let v = embedded();
        let mut out = vec![0.0; v.dims()];
        v.add_to(v.find(word).unwrap_or_else(|| panic!("{word} has a vector")), 1.0, &mut out);
        out
    }

    #[test]
    fn embedded_vectors_parse_and_relate_similar_words() {
        let v = embedded();
        assert_eq!(v.dims(), 50);
        assert_eq!(v.find("the"), Some(0));
        assert!(v.find("Flight").is_none() && v.find("").is_none());
        assert!(cosine(&vector("flight"), &vector("airline")) > cosine(&vector("flight"), &vector("recipe")));
        assert!(cosine(&vector("salary"), &vector("paycheck")) > 0.5);
    }

    #[test]
    fn malformed_files_are_refused() {
        assert!(WordVectors::parse(b"SBWV0002").is_err());
        assert!(WordVectors::parse(&BYTES[..BYTES.len() - 1]).is_err());
        assert!(WordVectors::parse(&BYTES[..100]).is_err());
    }
}
