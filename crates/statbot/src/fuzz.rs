//! Random and damaged inputs for the parsers' property tests (test builds only): bytes and texts
//! of any kind, and real inputs damaged the ways the open internet damages them — bytes
//! flipped, inserted, deleted or cut off; JSON values swapped for ones of another type, huge
//! numbers, deep nesting, odd unicode and NULs. Each parser's tests feed these and check that it
//! answers a value or its typed error, never a panic.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// `cases` per property, or `PROPTEST_CASES` when set (e.g. `PROPTEST_CASES=10000 cargo test
/// -p statbot --lib`). A failing case is shrunk and printed, and kept as a regular test beside
/// the property, not in a regressions file.
pub fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Characters that mean something to parsers: digits, signs, separators, quotes, brackets,
/// escapes, blanks, and unicode that changes byte lengths or direction.
const TRICKY: &[char] = &[
    '0',
    '1',
    '9',
    '-',
    '+',
    '.',
    ',',
    ':',
    ';',
    '=',
    '%',
    'e',
    'E',
    'h',
    'm',
    's',
    '"',
    '\'',
    '\\',
    '{',
    '}',
    '[',
    ']',
    ' ',
    '\t',
    '\n',
    '\r',
    '\0',
    '\u{7f}',
    '\u{a0}',
    '\u{feff}',
    '\u{200b}',
    '\u{202e}',
    'é',
    'İ',
    'ß',
    'ﬁ',
    '²',
    '\u{301}',
    '😀',
    '\u{ffff}',
    '\u{10ffff}',
];

/// Any bytes, valid UTF-8 or not.
pub fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..512)
}

/// Any text: arbitrary unicode, or a jumble of the characters parsers look for.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky_text()]
}

/// Text made mostly of [`TRICKY`] characters, which finds edge cases faster than uniform
/// unicode.
pub fn tricky_text() -> impl Strategy<Value = String> {
    let char = prop_oneof![4 => prop::sample::select(TRICKY), 1 => any::<char>()];
    prop::collection::vec(char, 0..48).prop_map(|chars| chars.into_iter().collect())
}

/// Any day, the ends of the calendar (years -9999 and 9999) included.
pub fn any_day() -> impl Strategy<Value = jiff::civil::Date> {
    use jiff::civil::Date;
    let day = |(year, month, day): (i16, i8, i8)| {
        Date::new(year, month, day).unwrap_or_else(|_| Date::new(year, month, 28).unwrap_or(Date::MIN))
    };
    prop_oneof![
        Just(Date::MIN),
        Just(Date::MAX),
        (2000i16..2100, 1i8..=12, 1i8..=31).prop_map(day),
        (-9999i16..=9999, 1i8..=12, 1i8..=31).prop_map(day),
    ]
}

/// One way of damaging bytes.
#[derive(Debug, Clone)]
enum ByteEdit {
    Flip {
        at: Index,
        bit: u8,
    },
    Insert {
        at: Index,
        byte: u8,
    },
    Delete {
        at: Index,
    },
    Truncate {
        at: Index,
    },
    /// A stretch of the input repeated in place (a retried write, a doubled line).
    Repeat {
        at: Index,
        len: usize,
    },
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    let bytes: &[u8] = b"\"{}[],:\\\0\n\r-+.0123456789e=%'";
    prop_oneof![2 => prop::sample::select(bytes), 1 => Just(0xff), 1 => Just(0xc3), 2 => any::<u8>()]
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| ByteEdit::Flip { at, bit }),
        4 => (any::<Index>(), interesting_byte()).prop_map(|(at, byte)| ByteEdit::Insert { at, byte }),
        4 => any::<Index>().prop_map(|at| ByteEdit::Delete { at }),
        1 => any::<Index>().prop_map(|at| ByteEdit::Truncate { at }),
        1 => (any::<Index>(), 1usize..64).prop_map(|(at, len)| ByteEdit::Repeat { at, len }),
    ]
}

fn apply_byte_edit(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    let len = bytes.len();
    match *edit {
        ByteEdit::Insert { at, byte } => bytes.insert(at.index(len + 1), byte),
        _ if len == 0 => {}
        ByteEdit::Flip { at, bit } => bytes[at.index(len)] ^= 1 << bit,
        ByteEdit::Delete { at } => {
            bytes.remove(at.index(len));
        }
        ByteEdit::Truncate { at } => bytes.truncate(at.index(len)),
        ByteEdit::Repeat { at, len: n } => {
            let start = at.index(len);
            let stretch = bytes[start..(start + n).min(len)].to_vec();
            bytes.splice(start..start, stretch);
        }
    }
}

/// `seed` with one to eight bytes flipped, inserted, deleted, repeated or cut off.
pub fn mutated_bytes(seed: &[u8]) -> impl Strategy<Value = Vec<u8>> + use<> {
    let seed = seed.to_vec();
    prop::collection::vec(byte_edit(), 1..8).prop_map(move |edits| {
        let mut bytes = seed.clone();
        for edit in &edits {
            apply_byte_edit(&mut bytes, edit);
        }
        bytes
    })
}

/// `seed` damaged as bytes, then read back as text (invalid sequences become U+FFFD), for
/// parsers that take `&str`.
pub fn mutated_text(seed: &str) -> impl Strategy<Value = String> + use<> {
    mutated_bytes(seed.as_bytes()).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// JSON text that is odd where a parser expects something plain: every type, numbers past
/// every integer type and past `f64`, a lone surrogate, NULs, deep nesting, long strings.
pub fn json_fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "null",
        "true",
        "false",
        "0",
        "-0",
        "-1",
        "1.5",
        "1e400",
        "-1e400",
        "123456789012345678901234567890",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "\"\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "\"é😀\u{202e}İ\"",
        "[]",
        "{}",
        "[null]",
        "{\"id\":null}",
    ]);
    prop_oneof![
        4 => fixed.prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|x| Value::from(x).to_string()),
        3 => any_text().prop_map(|text| Value::from(text).to_string()),
        1 => (1usize..400).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        1 => (1usize..400).prop_map(|depth| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))),
        1 => (1usize..100_000).prop_map(|len| Value::from("x".repeat(len)).to_string()),
    ]
}

/// One way of damaging a JSON document while keeping it JSON (mostly: a fragment may be a
/// number no parser accepts).
#[derive(Debug, Clone)]
enum JsonEdit {
    /// The value at some place becomes the fragment.
    Replace { at: Index, with: String },
    /// The value at some place is removed from its object or array.
    Remove { at: Index },
    /// The value at some place is wrapped in an array (a list where one thing was expected).
    Wrap { at: Index },
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => (any::<Index>(), json_fragment()).prop_map(|(at, with)| JsonEdit::Replace { at, with }),
        2 => any::<Index>().prop_map(|at| JsonEdit::Remove { at }),
        1 => any::<Index>().prop_map(|at| JsonEdit::Wrap { at }),
    ]
}

/// JSON pointers to every value below the root, parents first.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    let mut visit = |key: &str, child: &Value| {
        let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
        out.push(pointer.clone());
        pointers(child, &pointer, out);
    };
    match value {
        Value::Object(map) => map.iter().for_each(|(key, child)| visit(key, child)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, child)| visit(&i.to_string(), child)),
        _ => {}
    }
}

/// The object or array holding `pointer`, and the key in it.
fn parent<'v>(root: &'v mut Value, pointer: &str) -> Option<(&'v mut Value, String)> {
    let (parent, key) = pointer.rsplit_once('/')?;
    let key = key.replace("~1", "/").replace("~0", "~");
    Some((root.pointer_mut(parent)?, key))
}

/// `seed` (valid JSON) with one to six values replaced by odd fragments, removed or wrapped.
pub fn mutated_json(seed: &str) -> impl Strategy<Value = String> + use<> {
    let value: Value = serde_json::from_str(seed).expect("the seed is JSON");
    prop::collection::vec(json_edit(), 1..6).prop_map(move |edits| {
        let mut value = value.clone();
        let mut fragments = Vec::new();
        for edit in edits {
            let mut all = Vec::new();
            pointers(&value, "", &mut all);
            let (JsonEdit::Replace { at, .. } | JsonEdit::Remove { at } | JsonEdit::Wrap { at }) = &edit;
            if all.is_empty() {
                break;
            }
            let pointer = &all[at.index(all.len())];
            match edit {
                JsonEdit::Replace { with, .. } => {
                    // A marker now, the raw fragment once serialised (it may not be valid JSON).
                    let marker = format!("\u{1}fragment{}\u{1}", fragments.len());
                    fragments.push((Value::from(marker.as_str()).to_string(), with));
                    if let Some(slot) = value.pointer_mut(pointer) {
                        *slot = Value::from(marker);
                    }
                }
                JsonEdit::Remove { .. } => match parent(&mut value, pointer) {
                    Some((Value::Object(map), key)) => {
                        map.remove(&key);
                    }
                    Some((Value::Array(items), key)) => {
                        if let Ok(i) = key.parse::<usize>() {
                            items.remove(i);
                        }
                    }
                    _ => {}
                },
                JsonEdit::Wrap { .. } => {
                    if let Some(slot) = value.pointer_mut(pointer) {
                        *slot = Value::Array(vec![slot.take()]);
                    }
                }
            }
        }
        let mut text = value.to_string();
        for (marker, fragment) in fragments {
            text = text.replace(&marker, &fragment);
        }
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn samples<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
        let mut runner = TestRunner::deterministic();
        (0..n).map(|_| strategy.new_tree(&mut runner).expect("a value").current()).collect()
    }

    #[test]
    fn mutations_change_their_seed() {
        const SEED: &str = r#"{"object":"page","entry":[{"id":"1","messaging":[{"timestamp":5}]}]}"#;
        let bytes = samples(mutated_bytes(SEED.as_bytes()), 64);
        assert!(bytes.iter().filter(|b| b.as_slice() != SEED.as_bytes()).count() > 48);
        let json = samples(mutated_json(SEED), 64);
        assert!(json.iter().filter(|j| j.as_str() != SEED).count() > 48);
        // Most JSON mutations stay JSON, so they reach past the syntax check.
        let valid = json.iter().filter(|j| serde_json::from_str::<Value>(j).is_ok()).count();
        assert!(valid > 32, "{valid} of 64 stay JSON");
    }
}
