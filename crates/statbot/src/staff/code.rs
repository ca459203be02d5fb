//! Link codes: eight characters from an alphabet without look-alikes (no 0, O, 1 or I), shown
//! in two groups (`K7QX-M4PA`), read back in any case with or without the dash. About 40 bits:
//! with the per-contact rate limit and a life of minutes, guessing one is hopeless. Only the
//! code's SHA-256 is stored, and `Debug` never shows the code, so it cannot reach a log.

use sha2::{Digest, Sha256};
use std::fmt;

/// The characters of a code: digits 2–9 and the letters but I and O — 32 of them, so a random
/// byte's low five bits pick one without bias.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Characters in a code.
pub const LEN: usize = 8;

/// A link code, upper case, without its dash.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkCode([u8; LEN]);

impl LinkCode {
    /// A new random code (from the operating system's generator, through `rand`'s thread RNG,
    /// a CSPRNG). Every code has at least one digit, which tells a code typed alone from an
    /// ordinary hyphenated word such as "self-made".
    pub fn generate() -> LinkCode {
        loop {
            let bytes: [u8; LEN] = rand::random();
            let code = bytes.map(|b| ALPHABET[usize::from(b & 31)]);
            if code.iter().any(u8::is_ascii_digit) {
                return LinkCode(code);
            }
        }
    }

    /// Reads a code as a person types it: any case, dashes and spaces anywhere. `None` unless
    /// what is left is eight characters of the alphabet.
    pub fn parse(text: &str) -> Option<LinkCode> {
        let mut code = [0u8; LEN];
        let mut len = 0;
        for c in text.chars().filter(|c| *c != '-' && !c.is_whitespace()) {
            let c = u8::try_from(c.to_ascii_uppercase()).ok()?;
            if len == LEN || !ALPHABET.contains(&c) {
                return None;
            }
            code[len] = c;
            len += 1;
        }
        (len == LEN).then_some(LinkCode(code))
    }

    /// Whether `text` is a code written exactly as shown (`K7QX-M4PA`, any case) and has a
    /// digit: the form accepted as a whole message without the word `link`.
    pub fn parse_shown(text: &str) -> Option<LinkCode> {
        let (a, b) = text.split_once('-')?;
        if a.len() != LEN / 2 || b.len() != LEN / 2 {
            return None;
        }
        LinkCode::parse(text).filter(|code| code.0.iter().any(u8::is_ascii_digit))
    }

    /// What the store keeps: the SHA-256 of the code without its dash, in hex.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0))
    }
}

impl fmt::Display for LinkCode {
    /// The code as shown to the operator: `K7QX-M4PA`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |part: &[u8]| part.iter().map(|&b| char::from(b)).collect::<String>();
        write!(f, "{}-{}", text(&self.0[..LEN / 2]), text(&self.0[LEN / 2..]))
    }
}

impl fmt::Debug for LinkCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkCode(****-****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_grouped_unambiguous_and_read_back() {
        for _ in 0..2000 {
            let code = LinkCode::generate();
            let shown = code.to_string();
            assert_eq!(shown.len(), 9);
            assert_eq!(&shown[4..5], "-");
            assert!(!shown.contains(['0', 'O', '1', 'I']), "{shown}");
            assert!(shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
            assert_eq!(LinkCode::parse(&shown), Some(code.clone()));
            assert_eq!(LinkCode::parse(&shown.to_lowercase().replace('-', "")), Some(code.clone()));
            assert_eq!(LinkCode::parse_shown(&shown.to_lowercase()), Some(code));
        }
    }

    #[test]
    fn codes_are_read_in_any_case_with_or_without_the_dash() {
        let code = LinkCode::parse("K7QX-M4PA").unwrap();
        for typed in ["k7qx-m4pa", "K7QXM4PA", " k7qx m4pa ", "K7-QX-M4-PA"] {
            assert_eq!(LinkCode::parse(typed), Some(code.clone()), "{typed}");
        }
        for wrong in ["K7QX-M4P", "K7QX-M4PAB", "K7QX-M4P0", "K7QX-M4PO", "K1QX-M4PA", "K7QX-M4PÄ", ""] {
            assert_eq!(LinkCode::parse(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn only_the_shown_form_with_a_digit_counts_alone() {
        assert!(LinkCode::parse_shown("k7qx-m4pa").is_some());
        assert!(LinkCode::parse_shown("K7QXM4PA").is_none());
        assert!(LinkCode::parse_shown("self-made").is_none());
        assert!(LinkCode::parse_shown("K7Q-XM4PA").is_none());
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_plain_code_and_debug_hides_the_code() {
        let code = LinkCode::parse("k7qx-m4pa").unwrap();
        assert_eq!(code.hash(), hex::encode(Sha256::digest(b"K7QXM4PA")));
        assert_eq!(format!("{code:?}"), "LinkCode(****-****)");
    }
}
