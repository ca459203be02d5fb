//! Bounded Damerau–Levenshtein distance (optimal string alignment: insertions, deletions, substitutions
//! and transpositions of neighbours each cost 1), the typo measure of the name matcher.

/// Longest string, in bytes, that [`distance_within`] compares; longer ones never match fuzzily.
const MAX_LEN: usize = 63;

/// The distance between `a` and `b` if it is at most `max`, else `None`. Works on bytes: text is already
/// folded to ASCII for Latin script, and for other scripts a wrong byte only makes a match less likely.
pub fn distance_within(a: &[u8], b: &[u8], max: u8) -> Option<u8> {
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max || a.len() > MAX_LEN || b.len() > MAX_LEN {
        return None;
    }
    if a == b {
        return Some(0);
    }
    // Three rows of the classic table, on the stack: row i-2 (for transpositions), i-1 and i.
    let mut rows = [[0usize; MAX_LEN + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[prev][j] + 1).min(rows[cur][j - 1] + 1).min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = best;
            row_min = row_min.min(best);
        }
        if row_min > max {
            return None;
        }
    }
    let distance = rows[a.len() % 3][b.len()];
    // The distance is at most `max`, which came from a u8.
    (distance <= max).then(|| u8::try_from(distance).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_within_the_bound() {
        let table: &[(&str, &str, u8, Option<u8>)] = &[
            ("austin", "austin", 0, Some(0)),
            ("austn", "austin", 1, Some(1)),
            ("denvr", "denver", 1, Some(1)),
            ("asutin", "austin", 1, Some(1)),
            ("pittsburg", "pittsburgh", 2, Some(1)),
            ("fransisco", "francisco", 2, Some(1)),
            ("kitten", "sitting", 3, Some(3)),
            ("kitten", "sitting", 2, None),
            ("ca", "abc", 3, Some(3)),
            ("", "abc", 3, Some(3)),
            ("abc", "", 2, None),
            ("boston", "austin", 2, None),
        ];
        for &(a, b, max, expected) in table {
            assert_eq!(distance_within(a.as_bytes(), b.as_bytes(), max), expected, "{a} {b} {max}");
            assert_eq!(distance_within(b.as_bytes(), a.as_bytes(), max), expected, "{b} {a} {max}");
        }
    }

    #[test]
    fn long_strings_never_match() {
        let long = "a".repeat(MAX_LEN + 1);
        assert_eq!(distance_within(long.as_bytes(), long.as_bytes(), 2), None);
    }
}
