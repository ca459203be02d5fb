//! Entity extraction tables for the gazetteer: a hand-made list of real US cities (spelled as in
//! statbot's city data) and a few metrics.

use super::*;

/// (name, state code, state name, aliases)
pub(super) const CITIES: &[(&str, &str, &str, &[&str])] = &[
    ("New York", "NY", "New York", &["NYC", "New York City"]),
    ("Los Angeles", "CA", "California", &["LA"]),
    ("San Francisco", "CA", "California", &["SF"]),
    ("Portland", "OR", "Oregon", &["PDX"]),
    ("Portland", "ME", "Maine", &[]),
    ("Springfield", "IL", "Illinois", &[]),
    ("Springfield", "MO", "Missouri", &[]),
    ("Springfield", "MA", "Massachusetts", &[]),
    ("Kansas City", "MO", "Missouri", &["KC"]),
    ("Kansas City", "KS", "Kansas", &[]),
    ("St. Louis", "MO", "Missouri", &[]),
    ("Winston-Salem", "NC", "North Carolina", &[]),
    ("Mobile", "AL", "Alabama", &[]),
    ("Austin", "TX", "Texas", &[]),
    ("Denver", "CO", "Colorado", &[]),
    ("Boston", "MA", "Massachusetts", &[]),
    ("Pittsburgh", "PA", "Pennsylvania", &[]),
    ("Salem", "OR", "Oregon", &[]),
    ("Orange", "CA", "California", &[]),
    ("Independence", "MO", "Missouri", &[]),
    ("Surprise", "AZ", "Arizona", &[]),
    ("Hollywood", "FL", "Florida", &[]),
    ("Lee's Summit", "MO", "Missouri", &[]),
    ("O'Fallon", "MO", "Missouri", &[]),
    ("Fort Worth", "TX", "Texas", &[]),
    ("St. Paul", "MN", "Minnesota", &[]),
    ("Port St. Lucie", "FL", "Florida", &[]),
    ("El Paso", "TX", "Texas", &[]),
    ("Chicago", "IL", "Illinois", &[]),
    ("Columbus", "OH", "Ohio", &[]),
    ("Columbus", "GA", "Georgia", &[]),
    ("Washington", "DC", "District of Columbia", &["DC"]),
    ("Vancouver", "WA", "Washington", &[]),
    ("Phoenix", "AZ", "Arizona", &[]),
    ("Miami", "FL", "Florida", &[]),
    ("Miami Beach", "FL", "Florida", &[]),
    ("Boise", "ID", "Idaho", &[]),
    ("Coeur d'Alene", "ID", "Idaho", &[]),
];

fn label(id: usize) -> String {
    format!("{} {}", CITIES[id].0, CITIES[id].1)
}

pub(super) fn cities() -> Gazetteer {
    let entries = CITIES.iter().enumerate().map(|(id, &(name, code, state, aliases))| Entry {
        id,
        name: name.to_string(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        qualifiers: vec![code.to_string(), state.to_string()],
    });
    Gazetteer::new(entries).expect("valid cities")
}

/// (text, [(span text, candidates as "City ST", distance)])
type Case = (&'static str, &'static [(&'static str, &'static [&'static str], u8)]);

fn check(gazetteer: &Gazetteer, table: &[Case], label: impl Fn(usize) -> String) {
    for (text, expected) in table {
        let got: Vec<(&str, Vec<String>, u8)> = gazetteer
            .find(text)
            .into_iter()
            .map(|m| (&text[m.span.clone()], m.candidates.into_iter().map(&label).collect(), m.distance))
            .collect();
        let expected: Vec<(&str, Vec<String>, u8)> =
            expected.iter().map(|(span, c, d)| (*span, c.iter().map(|s| s.to_string()).collect(), *d)).collect();
        assert_eq!(got, expected, "{text:?}");
    }
}

#[test]
fn exact_names_and_aliases() {
    check(
        &cities(),
        &[
            ("population of Austin", &[("Austin", &["Austin TX"], 0)]),
            ("Denver rent", &[("Denver", &["Denver CO"], 0)]),
            ("compare Austin and Denver", &[("Austin", &["Austin TX"], 0), ("Denver", &["Denver CO"], 0)]),
            ("and Boston?", &[("Boston", &["Boston MA"], 0)]),
            ("income in NYC vs SF in 2019", &[("NYC", &["New York NY"], 0), ("SF", &["San Francisco CA"], 0)]),
            ("new york city population", &[("new york city", &["New York NY"], 0)]),
            ("rent in LA", &[("LA", &["Los Angeles CA"], 0)]),
            ("rent in la", &[]),
            ("PDX weather", &[("PDX", &["Portland OR"], 0)]),
            ("AUSTIN", &[("AUSTIN", &["Austin TX"], 0)]),
            ("austin's population", &[("austin", &["Austin TX"], 0)]),
            ("", &[]),
            ("nothing here", &[]),
        ],
        label,
    );
}

#[test]
fn punctuation_apostrophes_and_abbreviations() {
    check(
        &cities(),
        &[
            ("st. louis rent", &[("st. louis", &["St. Louis MO"], 0)]),
            ("St Louis", &[("St Louis", &["St. Louis MO"], 0)]),
            ("saint louis", &[("saint louis", &["St. Louis MO"], 0)]),
            ("stlouis", &[("stlouis", &["St. Louis MO"], 0)]),
            ("Saint Paul", &[("Saint Paul", &["St. Paul MN"], 0)]),
            ("port saint lucie", &[("port saint lucie", &["Port St. Lucie FL"], 0)]),
            ("ft worth", &[("ft worth", &["Fort Worth TX"], 0)]),
            ("winston-salem", &[("winston-salem", &["Winston-Salem NC"], 0)]),
            ("Winston Salem", &[("Winston Salem", &["Winston-Salem NC"], 0)]),
            ("winstonsalem", &[("winstonsalem", &["Winston-Salem NC"], 0)]),
            ("coeur d'alene", &[("coeur d'alene", &["Coeur d'Alene ID"], 0)]),
            ("Coeur d’Alene", &[("Coeur d’Alene", &["Coeur d'Alene ID"], 0)]),
            ("coeur d alene", &[("coeur d alene", &["Coeur d'Alene ID"], 0)]),
            ("lee's summit", &[("lee's summit", &["Lee's Summit MO"], 0)]),
            ("lees summit", &[("lees summit", &["Lee's Summit MO"], 0)]),
            ("o'fallon", &[("o'fallon", &["O'Fallon MO"], 0)]),
            ("OFallon", &[("OFallon", &["O'Fallon MO"], 0)]),
            ("el paso", &[("el paso", &["El Paso TX"], 0)]),
            ("Miami Beach", &[("Miami Beach", &["Miami Beach FL"], 0)]),
            ("Miami, Beach", &[("Miami, Beach", &["Miami Beach FL"], 0)]),
        ],
        label,
    );
}

#[test]
fn typos() {
    check(
        &cities(),
        &[
            ("Austn", &[("Austn", &["Austin TX"], 1)]),
            ("Denvr rent", &[("Denvr", &["Denver CO"], 1)]),
            ("asutin", &[("asutin", &["Austin TX"], 1)]),
            ("San Fransisco", &[("San Fransisco", &["San Francisco CA"], 1)]),
            ("san fransico", &[("san fransico", &["San Francisco CA"], 2)]),
            ("Pittsburg", &[("Pittsburg", &["Pittsburgh PA"], 1)]),
            ("pitsburg", &[("pitsburg", &["Pittsburgh PA"], 2)]),
            ("Chicgo", &[("Chicgo", &["Chicago IL"], 1)]),
            ("springfeld", &[("springfeld", &["Springfield IL", "Springfield MO", "Springfield MA"], 1)]),
            ("Portland Oregn", &[("Portland Oregn", &["Portland OR"], 0)]),
            ("Kansas Cty", &[("Kansas Cty", &["Kansas City MO", "Kansas City KS"], 1)]),
            // Short names must be exact; common words are never typos.
            ("Bose", &[]),
            ("Mimi", &[]),
            ("sales in Austin", &[("Austin", &["Austin TX"], 0)]),
            ("rent", &[]),
            ("the income of those", &[]),
            ("compare Austin and Denver", &[("Austin", &["Austin TX"], 0), ("Denver", &["Denver CO"], 0)]),
            ("mobil", &[]),
        ],
        label,
    );
}

#[test]
fn qualifiers_narrow_ambiguous_names() {
    const ALL_SPRINGFIELDS: &[&str] = &["Springfield IL", "Springfield MO", "Springfield MA"];
    check(
        &cities(),
        &[
            ("Springfield", &[("Springfield", ALL_SPRINGFIELDS, 0)]),
            ("Springfield IL", &[("Springfield IL", &["Springfield IL"], 0)]),
            ("springfield, mo rent", &[("springfield, mo", &["Springfield MO"], 0)]),
            ("Springfield Massachusetts", &[("Springfield Massachusetts", &["Springfield MA"], 0)]),
            ("Springfield in Missouri", &[("Springfield in Missouri", &["Springfield MO"], 0)]),
            ("Springfield Texas", &[("Springfield", ALL_SPRINGFIELDS, 0)]),
            ("Portland", &[("Portland", &["Portland OR", "Portland ME"], 0)]),
            ("Portland, OR", &[("Portland, OR", &["Portland OR"], 0)]),
            ("median rent in portland oregon", &[("portland oregon", &["Portland OR"], 0)]),
            ("Portland in Maine", &[("Portland in Maine", &["Portland ME"], 0)]),
            ("Portland ME", &[("Portland ME", &["Portland ME"], 0)]),
            ("portland, me", &[("portland, me", &["Portland ME"], 0)]),
            // Common words as qualifiers need capitals or a comma.
            ("portland me too", &[("portland", &["Portland OR", "Portland ME"], 0)]),
            ("Portland or Boston", &[("Portland", &["Portland OR", "Portland ME"], 0), ("Boston", &["Boston MA"], 0)]),
            ("Kansas City, MO", &[("Kansas City, MO", &["Kansas City MO"], 0)]),
            ("Kansas City, KS", &[("Kansas City, KS", &["Kansas City KS"], 0)]),
            ("kansas city kansas", &[("kansas city kansas", &["Kansas City KS"], 0)]),
            ("Kansas City", &[("Kansas City", &["Kansas City MO", "Kansas City KS"], 0)]),
            ("KC", &[("KC", &["Kansas City MO"], 0)]),
            ("Columbus Ohio", &[("Columbus Ohio", &["Columbus OH"], 0)]),
            ("Columbus, Georgia", &[("Columbus, Georgia", &["Columbus GA"], 0)]),
            ("Vancouver Washington", &[("Vancouver Washington", &["Vancouver WA"], 0)]),
            ("Seattle and Washington", &[("Washington", &["Washington DC"], 0)]),
            ("Washington, DC", &[("Washington, DC", &["Washington DC"], 0)]),
            ("Austin, TX", &[("Austin, TX", &["Austin TX"], 0)]),
            ("Boise ID", &[("Boise ID", &["Boise ID"], 0)]),
        ],
        label,
    );
}

#[test]
fn cities_named_like_common_words_need_a_capital_or_a_qualifier() {
    check(
        &cities(),
        &[
            ("rent in Mobile", &[("Mobile", &["Mobile AL"], 0)]),
            ("rent in mobile", &[]),
            ("mobile, al", &[("mobile, al", &["Mobile AL"], 0)]),
            ("mobile alabama", &[("mobile alabama", &["Mobile AL"], 0)]),
            ("Independence MO", &[("Independence MO", &["Independence MO"], 0)]),
            ("independence day", &[]),
            ("what a surprise", &[]),
            ("Surprise, AZ", &[("Surprise, AZ", &["Surprise AZ"], 0)]),
            ("orange juice", &[]),
            ("Orange", &[("Orange", &["Orange CA"], 0)]),
            ("hollywood", &[("hollywood", &["Hollywood FL"], 0)]),
            ("phoenix rent", &[("phoenix", &["Phoenix AZ"], 0)]),
        ],
        label,
    );
}

#[test]
fn longest_match_wins_and_mentions_do_not_overlap() {
    let names = ["York", "New York", "New", "York Harbor", "Salem", "Winston-Salem"];
    let gazetteer = Gazetteer::new(names.iter().enumerate().map(|(id, name)| Entry {
        id,
        name: name.to_string(),
        aliases: vec![],
        qualifiers: vec![],
    }))
    .expect("valid names");
    let label = |id: usize| names[id].to_string();
    check(
        &gazetteer,
        &[
            ("new york", &[("new york", &["New York"], 0)]),
            ("York", &[("York", &["York"], 0)]),
            ("new york harbor", &[("new york", &["New York"], 0)]),
            ("york harbor", &[("york harbor", &["York Harbor"], 0)]),
            ("winston-salem and salem", &[("winston-salem", &["Winston-Salem"], 0), ("salem", &["Salem"], 0)]),
        ],
        label,
    );
}

#[test]
fn metrics_are_ordinary_words() {
    let metrics = [
        ("fmr_2br_usd", "rent", vec!["median rent", "rents", "fair market rent"]),
        ("population_2010", "population", vec!["people", "residents"]),
        (
            "median_household_income_2023",
            "income",
            vec!["household income", "median income", "median household income"],
        ),
    ];
    let gazetteer = Gazetteer::with_options(
        metrics.iter().enumerate().map(|(id, (_, name, aliases))| Entry {
            id,
            name: name.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            qualifiers: vec![],
        }),
        MatchOptions::TERMS,
    )
    .expect("valid metrics");
    let label = |id: usize| metrics[id].0.to_string();
    check(
        &gazetteer,
        &[
            ("Denver rent", &[("rent", &["fmr_2br_usd"], 0)]),
            ("median rent in portland oregon", &[("median rent", &["fmr_2br_usd"], 0)]),
            ("rents in Austin", &[("rents", &["fmr_2br_usd"], 0)]),
            ("populaton of Austin", &[("populaton", &["population_2010"], 1)]),
            ("median household income", &[("median household income", &["median_household_income_2023"], 0)]),
            ("income in NYC vs SF", &[("income", &["median_household_income_2023"], 0)]),
            ("rant", &[]),
        ],
        label,
    );
}

#[test]
fn qualifiers_only_narrow_when_options_allow_typos_or_match_exactly() {
    let entries = [("Portland", "Oregon"), ("Portland", "Maine")].map(|(name, state)| Entry {
        id: 0,
        name: name.to_string(),
        aliases: vec![],
        qualifiers: vec![state.to_string()],
    });
    let mut entries = entries.to_vec();
    entries[1].id = 1;
    let exact_only =
        Gazetteer::with_options(entries, MatchOptions { fuzzy: false, proper_nouns: true }).expect("valid");
    let spans: Vec<Vec<usize>> =
        exact_only.find("Portland Oregn / Portlnd").into_iter().map(|m| m.candidates).collect();
    assert_eq!(spans, [vec![0, 1]]);
}

#[test]
fn bad_entries_are_errors() {
    let entry =
        |name: &str, alias: &str| Entry { id: 7, name: name.into(), aliases: vec![alias.into()], qualifiers: vec![] };
    assert_eq!(Gazetteer::new([entry("!!!", "x")]).unwrap_err(), GazetteerError::Empty { id: 7, text: "!!!".into() });
    assert_eq!(
        Gazetteer::new([entry("Austin", "a b c d e f")]).unwrap_err(),
        GazetteerError::TooManyWords { id: 7, text: "a b c d e f".into() }
    );
    let gazetteer = Gazetteer::new([entry("Austin", "ATX")]).expect("valid");
    assert_eq!(gazetteer.len(), 1);
    assert!(!gazetteer.is_empty());
    assert!(Gazetteer::new([]).expect("empty is fine").is_empty());
}

#[test]
fn matched_is_the_name_or_alias_as_given() {
    let mentions = cities().find("NYC, Austn and new york");
    let matched: Vec<&str> = mentions.iter().map(|m| m.matched.as_str()).collect();
    assert_eq!(matched, ["NYC", "Austin", "New York"]);
}
