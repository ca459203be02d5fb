//! Suggestions for a name the gazetteer does not know: the entries whose names are a few edits
//! away, further than a typo is read ("Atlantis" is no typo of Atlanta, but worth a "Did you
//! mean Atlanta?"), for a caller that asks back rather than guesses.

use super::super::distance::distance_within;
use super::super::text::tokenize;
use super::Gazetteer;

/// Most suggestions given.
pub const MAX_SUGGESTIONS: usize = 3;

impl Gazetteer {
    /// The ids of the entries whose name or alias is nearest to `name` (spaces and symbols not
    /// counted), at most [`MAX_SUGGESTIONS`], nearest first and in the gazetteer's order on a tie.
    /// Up to 1 edit for names of 4 letters or fewer, 2 up to 7, 3 beyond; the first letter must
    /// match.
    pub fn suggest(&self, name: &str) -> Vec<usize> {
        let wanted: String = tokenize(name).into_iter().filter(|t| t.is_word()).map(|t| t.norm).collect();
        let Some(first) = wanted.bytes().next() else { return Vec::new() };
        let mut found: Vec<(u8, usize)> = Vec::new();
        for key in &self.keys {
            let joined: String = key.phrase.words.concat();
            if joined.bytes().next() != Some(first) {
                continue;
            }
            let allowed = match wanted.len().min(joined.len()) {
                0..=4 => 1,
                5..=7 => 2,
                _ => 3,
            };
            let Some(distance) = distance_within(wanted.as_bytes(), joined.as_bytes(), allowed) else { continue };
            for &entry in &key.entries {
                match found.iter_mut().find(|(_, e)| *e == entry) {
                    Some(seen) => seen.0 = seen.0.min(distance),
                    None => found.push((distance, entry)),
                }
            }
        }
        found.sort_by_key(|&(distance, entry)| (distance, entry));
        let mut ids: Vec<usize> = Vec::new();
        for id in found.into_iter().map(|(_, entry)| self.ids[entry]) {
            if !ids.contains(&id) && ids.len() < MAX_SUGGESTIONS {
                ids.push(id);
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::cities;

    fn suggested(name: &str) -> Vec<&'static str> {
        let cities = cities();
        cities.suggest(name).into_iter().map(|id| super::super::tests::CITIES[id].0).collect()
    }

    #[test]
    fn near_names_are_suggested_nearest_first() {
        assert_eq!(suggested("Bostom"), ["Boston"]);
        assert_eq!(suggested("Denverr"), ["Denver"]);
        assert_eq!(suggested("Sn Francisco"), ["San Francisco"]);
        assert_eq!(suggested("Austen"), ["Austin"]);
        assert_eq!(suggested("Portlandia"), ["Portland", "Portland"]);
        assert_eq!(suggested("Miamy"), ["Miami"]);
    }

    #[test]
    fn far_or_empty_names_get_nothing() {
        for name in ["Gotham", "Narnia", "Xyz", "", "Zzzzzzzzzz"] {
            assert!(suggested(name).is_empty(), "{name}: {:?}", suggested(name));
        }
    }
}
