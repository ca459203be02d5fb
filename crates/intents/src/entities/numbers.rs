//! Number mentions: "5", "1,200", "3.5", ".5", "-4", "10k", "2.5m", "3 million", "$300", "300 dollars",
//! "45%", "45 percent", "5th", and number words ("five", "twenty-five", "five hundred").
//!
//! Every number is reported, dates included ([`extract()`](super::extract()) drops those inside a date),
//! except digit groups joined without spaces by `/` or `:` ("11/01", "10:30") or by two or more `-`
//! ("2026-11-01", "555-123-4567"), which are dates, times or codes rather than quantities; "5-10" is two
//! numbers. A `-` is a minus sign only when nothing is written right before it ("-4", "x -4", but not
//! the "-10" of "5-10" or "covid-19"). Suffixes: k = thousand, m or mm = million, b or bn = billion,
//! t or tn = trillion; other letters after digits ("2br", "10am", "3x") make it no number. Magnitude
//! words after a number multiply it: hundred, thousand, million, billion, trillion. Number words
//! are reported as they are: "which one" is the number 1.

use std::ops::Range;

use super::text::{Token, Tokens, tokenize};

/// What a number measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberKind {
    Plain,
    /// "45%", "45 percent": the value is 45.
    Percent,
    /// "$300", "300 dollars": the value is in dollars.
    Money,
}

/// A number found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberMention {
    /// Byte span in the original text, with sign, currency, magnitude and unit.
    pub span: Range<usize>,
    /// The value, sign and magnitude applied ("-2.5k" is -2500).
    pub value: f64,
    pub kind: NumberKind,
}

/// The numbers mentioned in `text`, in order, never overlapping.
pub fn find_numbers(text: &str) -> Vec<NumberMention> {
    find_numbers_in(&tokenize(text))
}

/// [`find_numbers`] over already tokenised text.
pub(crate) fn find_numbers_in(tokens: &[Token]) -> Vec<NumberMention> {
    let reader = Reader { tokens };
    let mut mentions = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match reader.number_at(at) {
            Read::Number(mention, end) => {
                mentions.push(mention);
                at = end;
            }
            Read::Skip(end) => at = end.max(at + 1),
        }
    }
    mentions
}

/// The value of a number word from "zero" to "twenty", or a ten up to "ninety".
pub fn word_value(word: &str) -> Option<u32> {
    const ONES: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    const TENS: [&str; 7] = ["thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    if let Some(value) = ONES.iter().position(|&w| w == word) {
        return u32::try_from(value).ok();
    }
    TENS.iter().position(|&w| w == word).and_then(|i| u32::try_from(i * 10 + 30).ok())
}

/// The multiplier of a magnitude written as a word of its own ("3 million", "five hundred").
fn magnitude_word(word: &str) -> Option<f64> {
    Some(match word {
        "hundred" => 1e2,
        "thousand" => 1e3,
        "million" | "mn" => 1e6,
        "billion" | "bn" => 1e9,
        "trillion" => 1e12,
        _ => return None,
    })
}

/// The multiplier of a magnitude suffix ("10k", "2.5m", "1.2bn").
fn magnitude_suffix(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "k" => 1e3,
        "m" | "mm" | "mn" => 1e6,
        "b" | "bn" => 1e9,
        "t" | "tn" => 1e12,
        _ => return None,
    })
}

enum Read {
    /// A number, and the token after it.
    Number(NumberMention, usize),
    /// No number starts here; go on at this token.
    Skip(usize),
}

struct Reader<'a> {
    tokens: &'a [Token],
}

impl Reader<'_> {
    fn starts_with_digit(&self, at: usize) -> bool {
        self.tokens.word(at).is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    }

    fn number_at(&self, start: usize) -> Read {
        // Sign and currency, in either order: "-$300", "$-300".
        let mut at = start;
        let (mut negative, mut money) = (false, false);
        for _ in 0..2 {
            match self.tokens.symbol(at) {
                Some('-') if !negative && self.tokens.touching(at) && !(at > 0 && self.tokens.touching(at - 1)) => {
                    negative = true
                }
                Some('$') if !money => money = true,
                _ => break,
            }
            at += 1;
        }
        let Some((mut value, mut end)) = self.core(at) else {
            return Read::Skip(if at > start { start + 1 } else { self.chain_end(at).unwrap_or(at + 1) });
        };
        // A magnitude word after it: "3 million", "five hundred", "2 thousand".
        if let Some(m) = self.tokens.word(end).and_then(magnitude_word) {
            value *= m;
            end += 1;
        }
        let mut kind = if money { NumberKind::Money } else { NumberKind::Plain };
        if self.tokens.symbol(end) == Some('%') || matches!(self.tokens.word(end), Some("percent" | "pct")) {
            kind = NumberKind::Percent;
            end += 1;
        } else if self.tokens.word(end) == Some("per") && self.tokens.word(end + 1) == Some("cent") {
            kind = NumberKind::Percent;
            end += 2;
        } else if matches!(self.tokens.word(end), Some("dollars" | "dollar" | "usd" | "bucks")) {
            kind = NumberKind::Money;
            end += 1;
        }
        if !value.is_finite() {
            return Read::Skip(end);
        }
        if negative {
            value = -value;
        }
        let span = self.tokens[start].span.start..self.tokens[end - 1].span.end;
        Read::Number(NumberMention { span, value, kind }, end)
    }

    /// The end of a date-, time- or code-like digit chain starting at `at`, if there is one.
    fn chain_end(&self, at: usize) -> Option<usize> {
        let mut last = at;
        let mut separators = Vec::new();
        while self.starts_with_digit(last)
            && self.tokens.touching(last)
            && let Some(sep @ ('-' | '/' | ':')) = self.tokens.symbol(last + 1)
            && self.tokens.touching(last + 1)
            && self.starts_with_digit(last + 2)
        {
            separators.push(sep);
            last += 2;
        }
        let code_like = separators.iter().any(|&s| s != '-') || separators.len() >= 2;
        code_like.then_some(last + 1)
    }

    /// The bare value at `at` (digits with a suffix, ".5", or number words) and the token after it.
    fn core(&self, at: usize) -> Option<(f64, usize)> {
        if self.starts_with_digit(at) {
            if self.chain_end(at).is_some() || self.continues_chain(at) {
                return None;
            }
            return self.digits(at).map(|value| (value, at + 1));
        }
        if self.tokens.symbol(at) == Some('.') && self.tokens.touching(at) && self.starts_with_digit(at + 1) {
            let after_digit = at > 0 && self.tokens.touching(at - 1) && self.starts_with_digit(at - 1);
            let fraction = self.tokens.word(at + 1).filter(|w| w.bytes().all(|b| b.is_ascii_digit()))?;
            return (!after_digit).then(|| format!("0.{fraction}").parse().ok().map(|v| (v, at + 2)))?;
        }
        self.words(at)
    }

    /// Whether the digits at `at` end a chain that started earlier ("01" in "2026-11-01").
    fn continues_chain(&self, at: usize) -> bool {
        at >= 2
            && self.tokens.touching(at - 1)
            && self.tokens.touching(at - 2)
            && matches!(self.tokens.symbol(at - 1), Some('/' | ':'))
            && self.starts_with_digit(at - 2)
    }

    /// "1,200", "3.5", "10k", "2.5m", "5th".
    fn digits(&self, at: usize) -> Option<f64> {
        let word = self.tokens.word(at)?;
        let numeric_len = word.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(word.len());
        let (number, suffix) = word.split_at(numeric_len);
        let value: f64 = number.replace(',', "").parse().ok()?;
        match suffix {
            "" => Some(value),
            "st" | "nd" | "rd" | "th" if !number.contains('.') => Some(value),
            _ => magnitude_suffix(suffix).map(|m| value * m),
        }
    }

    /// "five", "twenty five", "twenty-five", "ninety nine".
    fn words(&self, at: usize) -> Option<(f64, usize)> {
        let first = word_value(self.tokens.word(at)?)?;
        let mut value = first;
        let mut end = at + 1;
        if first >= 20 && first % 10 == 0 {
            let ones_at =
                if self.tokens.symbol(end) == Some('-') && self.tokens.touching(at) && self.tokens.touching(end) {
                    end + 1
                } else {
                    end
                };
            if let Some(ones) = self.tokens.word(ones_at).and_then(word_value).filter(|v| (1..=9).contains(v)) {
                value += ones;
                end = ones_at + 1;
            }
        }
        Some((f64::from(value), end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (span text, value, kind)
    type Found<'a> = (&'a str, f64, NumberKind);

    fn numbers(text: &str) -> Vec<Found<'_>> {
        find_numbers(text).into_iter().map(|m| (&text[m.span], m.value, m.kind)).collect()
    }

    #[test]
    fn number_table() {
        use NumberKind::{Money, Percent, Plain};
        let table: &[(&str, &[Found])] = &[
            ("top 5 customers", &[("5", 5.0, Plain)]),
            ("top five customers", &[("five", 5.0, Plain)]),
            ("ten", &[("ten", 10.0, Plain)]),
            (
                "twenty-five and twenty five and ninety",
                &[("twenty-five", 25.0, Plain), ("twenty five", 25.0, Plain), ("ninety", 90.0, Plain)],
            ),
            ("1,200 orders", &[("1,200", 1200.0, Plain)]),
            ("1,200,000.50", &[("1,200,000.50", 1_200_000.5, Plain)]),
            ("1,2 and 3", &[("1", 1.0, Plain), ("2", 2.0, Plain), ("3", 3.0, Plain)]),
            ("3.5 stars", &[("3.5", 3.5, Plain)]),
            ("a .5 chance", &[(".5", 0.5, Plain)]),
            ("10k users", &[("10k", 10_000.0, Plain)]),
            ("10K", &[("10K", 10_000.0, Plain)]),
            ("2.5m", &[("2.5m", 2_500_000.0, Plain)]),
            ("3 million people", &[("3 million", 3_000_000.0, Plain)]),
            ("five hundred", &[("five hundred", 500.0, Plain)]),
            ("1.2bn", &[("1.2bn", 1.2e9, Plain)]),
            ("top 5 t shirts", &[("5", 5.0, Plain)]),
            ("$300", &[("$300", 300.0, Money)]),
            ("$ 300", &[("$ 300", 300.0, Money)]),
            ("$1.2m budget", &[("$1.2m", 1_200_000.0, Money)]),
            ("300 dollars", &[("300 dollars", 300.0, Money)]),
            ("-$300", &[("-$300", -300.0, Money)]),
            ("45%", &[("45%", 45.0, Percent)]),
            ("45 %", &[("45 %", 45.0, Percent)]),
            ("45 percent", &[("45 percent", 45.0, Percent)]),
            ("-3.5%", &[("-3.5%", -3.5, Percent)]),
            ("12 per cent", &[("12 per cent", 12.0, Percent)]),
            ("-4 degrees", &[("-4", -4.0, Plain)]),
            ("growth of −4", &[("−4", -4.0, Plain)]),
            ("5-10 items", &[("5", 5.0, Plain), ("10", 10.0, Plain)]),
            ("covid-19", &[("19", 19.0, Plain)]),
            ("the 5th", &[("5th", 5.0, Plain)]),
            ("in 2019", &[("2019", 2019.0, Plain)]),
            ("2026-11-01", &[]),
            ("2026-02-30", &[]),
            ("11/01/2026 and 11/01", &[]),
            ("at 10:30", &[]),
            ("555-123-4567", &[]),
            ("2br 10am 3x", &[]),
            ("1.2.3", &[]),
            (&"9".repeat(400), &[]),
            ("$", &[]),
            ("-", &[]),
            ("no numbers", &[]),
            ("", &[]),
        ];
        for (text, expected) in table {
            assert_eq!(numbers(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn number_words() {
        assert_eq!(word_value("zero"), Some(0));
        assert_eq!(word_value("twenty"), Some(20));
        assert_eq!(word_value("fifty"), Some(50));
        assert_eq!(word_value("hundred"), None);
    }
}
