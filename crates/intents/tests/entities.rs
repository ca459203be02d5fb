//! Entity extraction through the public API: the customer sentences statbot is built for, and
//! properties that must hold for any input (no panics; spans on char boundaries, in order, disjoint).

use std::ops::Range;

use jiff::civil::{Date, date};
use proptest::prelude::*;
use statbot_intents::entities::{Entry, Gazetteer, MatchOptions, NumberKind, extract, find_dates, find_numbers};

fn entry(id: usize, name: &str, aliases: &[&str], qualifiers: &[&str]) -> Entry {
    Entry {
        id,
        name: name.to_string(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        qualifiers: qualifiers.iter().map(|q| q.to_string()).collect(),
    }
}

fn cities() -> Gazetteer {
    let rows: &[(&str, &[&str], &[&str])] = &[
        ("New York", &["NYC", "New York City"], &["NY", "New York"]),
        ("Los Angeles", &["LA"], &["CA", "California"]),
        ("San Francisco", &["SF"], &["CA", "California"]),
        ("Portland", &["PDX"], &["OR", "Oregon"]),
        ("Portland", &[], &["ME", "Maine"]),
        ("Springfield", &[], &["IL", "Illinois"]),
        ("Springfield", &[], &["MO", "Missouri"]),
        ("Austin", &[], &["TX", "Texas"]),
        ("Denver", &[], &["CO", "Colorado"]),
        ("Boston", &[], &["MA", "Massachusetts"]),
        ("St. Louis", &[], &["MO", "Missouri"]),
        ("Mobile", &[], &["AL", "Alabama"]),
    ];
    let entries = rows.iter().enumerate().map(|(id, (name, aliases, qualifiers))| entry(id, name, aliases, qualifiers));
    Gazetteer::new(entries).expect("valid cities")
}

fn metrics() -> Gazetteer {
    let rows: &[(&str, &[&str])] = &[
        ("population", &["people", "residents"]),
        ("rent", &["median rent", "rents", "fair market rent"]),
        ("income", &["median income", "household income"]),
        ("revenue", &["sales"]),
        ("orders", &["order count"]),
        ("customers", &["clients"]),
    ];
    let entries = rows.iter().enumerate().map(|(id, (name, aliases))| entry(id, name, aliases, &[]));
    Gazetteer::with_options(entries, MatchOptions::TERMS).expect("valid metrics")
}

#[test]
fn customer_sentences_are_masked_for_the_classifier() {
    let (cities, metrics) = (cities(), metrics());
    let gazetteers = [("city", &cities), ("metric", &metrics)];
    let today = date(2026, 11, 20);
    let table: &[(&str, &str)] = &[
        ("population of Austin", "<metric> of <city>"),
        ("Denver rent", "<city> <metric>"),
        ("compare Austin and Denver", "compare <city> and <city>"),
        ("and Boston?", "and <city>?"),
        ("median rent in portland oregon", "<metric> in <city>"),
        ("income in NYC vs SF in 2019", "<metric> in <city> vs <city> in <date>"),
        ("revenue last week", "<metric> <date>"),
        ("how did we do in March", "how did we do in <date>"),
        ("orders from 2026-11-01 to 2026-11-07", "<metric> <date>"),
        ("top 5 customers", "top <number> <metric>"),
        ("top five customers in St. Louis since Q3", "top <number> <metric> in <city> <date>"),
        ("rent in Springfield, MO vs Springfield IL", "<metric> in <city> vs <city>"),
        ("populaton of Austn and Denvr", "<metric> of <city> and <city>"),
        ("mobile revenue up 45%", "mobile <metric> up <number>"),
        ("sales in the last 7 days over $300", "<metric> in the <date> over <number>"),
        ("", ""),
    ];
    for (text, masked) in table {
        assert_eq!(extract(text, today, &gazetteers).masked(text), *masked, "{text:?}");
    }
}

#[test]
fn qualified_names_resolve_to_one_candidate() {
    let found = cities().find("Portland, OR or Portland Maine or Springfield");
    let candidates: Vec<Vec<usize>> = found.into_iter().map(|m| m.candidates).collect();
    assert_eq!(candidates, [vec![3], vec![4], vec![5, 6]]);
}

#[test]
fn numbers_and_dates_through_the_public_api() {
    let numbers: Vec<(f64, NumberKind)> =
        find_numbers("$1.2m, 45% and 10k").into_iter().map(|n| (n.value, n.kind)).collect();
    assert_eq!(numbers, [(1_200_000.0, NumberKind::Money), (45.0, NumberKind::Percent), (10_000.0, NumberKind::Plain)]);
    let dates = find_dates("between 2026-11-01 and 2026-11-07", date(2026, 11, 20));
    assert_eq!(dates.len(), 1);
    assert_eq!((dates[0].range.from, dates[0].range.to), (date(2026, 11, 1), date(2026, 11, 7)));
}

/// statbot's real city list (500 US cities) and aliases, as the bot loads them.
const CITIES_CSV: &str = include_str!("../../statbot/data/cities/cities.csv");
const ALIASES_CSV: &str = include_str!("../../statbot/data/cities/cities.aliases.csv");

/// (name, state code, state name) of each real city, in file order (the index is the id).
fn real_cities() -> Vec<(&'static str, &'static str, &'static str)> {
    CITIES_CSV
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.splitn(4, ',');
            let mut next = || fields.next().expect("city, state, state_name columns");
            (next(), next(), next())
        })
        .collect()
}

fn real_gazetteer() -> Gazetteer {
    let cities = real_cities();
    let aliases: Vec<(&str, &str)> = ALIASES_CSV.lines().skip(1).filter_map(|line| line.split_once(',')).collect();
    let entries = cities.iter().enumerate().map(|(id, &(name, code, state))| {
        let own: Vec<&str> = aliases.iter().filter(|(label, _)| *label == name).map(|(_, alias)| *alias).collect();
        entry(id, name, &own, &[code, state])
    });
    Gazetteer::new(entries).expect("the real cities build a gazetteer")
}

#[test]
fn every_real_city_is_found_by_its_name_and_narrowed_by_its_state() {
    let cities = real_cities();
    assert_eq!(cities.len(), 500);
    let gazetteer = real_gazetteer();
    for (id, &(name, code, state)) in cities.iter().enumerate() {
        let namesakes: Vec<usize> = (0..cities.len()).filter(|&other| cities[other].0 == name).collect();
        let found = gazetteer.find(name);
        assert_eq!(found.len(), 1, "{name}");
        assert_eq!((found[0].span.clone(), found[0].distance), (0..name.len(), 0), "{name}");
        assert!(namesakes.iter().all(|n| found[0].candidates.contains(n)), "{name}: {:?}", found[0].candidates);
        for text in [format!("{name}, {code}"), format!("rent in {name} {state}"), format!("{name} in {state}?")] {
            let found = gazetteer.find(&text);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].candidates, [id], "{text}");
        }
    }
}

#[test]
fn real_aliases_find_their_city() {
    let cities = real_cities();
    let gazetteer = real_gazetteer();
    for line in ALIASES_CSV.lines().skip(1) {
        let (label, alias) = line.split_once(',').expect("label,alias");
        let found = gazetteer.find(alias);
        assert_eq!(found.len(), 1, "{alias}");
        assert_eq!(&alias[found[0].span.clone()], alias.trim_end_matches('.'), "{alias}");
        assert!(found[0].candidates.iter().any(|&id| cities[id].0 == label), "{alias}: {:?}", found[0].candidates);
    }
}

#[test]
fn real_city_typos() {
    let cities = real_cities();
    let gazetteer = real_gazetteer();
    let table = [
        ("Austn", "Austin"),
        ("Denvr", "Denver"),
        ("San Fransisco", "San Francisco"),
        ("Pittsburg", "Pittsburgh"),
        ("Sacremento", "Sacramento"),
        ("Philadelphya", "Philadelphia"),
        ("Albuquerqe", "Albuquerque"),
        ("Cincinatti", "Cincinnati"),
        ("Sprinfield MO", "Springfield"),
        ("Los Angelos", "Los Angeles"),
    ];
    for (text, city) in table {
        let found = gazetteer.find(text);
        assert_eq!(found.len(), 1, "{text}");
        let names: Vec<&str> = found[0].candidates.iter().map(|&id| cities[id].0).collect();
        assert!(names.iter().all(|&n| n == city), "{text}: {names:?}");
        assert!(found[0].distance > 0, "{text}: {found:?}");
    }
    for text in ["sales", "bacon", "david", "china", "compare", "income", "the rent", "sandwich", "top 5"] {
        assert!(gazetteer.find(text).is_empty(), "{text}");
    }
}

/// Spans are non-empty, on char boundaries, in order and disjoint.
fn assert_spans(text: &str, spans: &[Range<usize>]) {
    let mut previous_end = 0;
    for span in spans {
        assert!(span.start < span.end, "empty span {span:?} in {text:?}");
        assert!(span.start >= previous_end, "overlapping or unordered span {span:?} in {text:?}");
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{span:?} in {text:?}");
        assert!(span.end <= text.len());
        previous_end = span.end;
    }
}

const VOCABULARY: &[&str] = &[
    "Portland",
    "OR",
    "or",
    "Oregon",
    "Springfield",
    "in",
    "Maine",
    "New",
    "York",
    "NYC",
    "St.",
    "Louis",
    "Austn",
    "mobile",
    "Mobile",
    "rent",
    "median",
    "population",
    "last",
    "past",
    "this",
    "week",
    "weeks",
    "7",
    "days",
    "March",
    "may",
    "May",
    "Q3",
    "2019",
    "2026-11-01",
    "2026-02-30",
    "to",
    "from",
    "between",
    "and",
    "since",
    "today",
    "$",
    "%",
    "-",
    "−",
    "1,200",
    "3.5",
    "10k",
    "2.5m",
    "five",
    "twenty",
    "é",
    "ß",
    "İ",
    "'s",
    "’",
    ",",
    ".",
    "/",
    ":",
    "12",
    "31",
    "0",
    "e\u{301}",
    "😀",
    "中文",
    "  ",
];

fn sentence() -> impl Strategy<Value = String> {
    let word = prop::sample::select(VOCABULARY);
    let separator = prop::sample::select(&[" ", " ", " ", "", ",", "-", "/", ", "][..]);
    prop::collection::vec((word, separator), 0..14)
        .prop_map(|parts| parts.into_iter().flat_map(|(w, s)| [w, s]).collect::<String>())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), sentence()]
}

fn any_date() -> impl Strategy<Value = Date> {
    prop_oneof![
        Just(Date::MIN),
        Just(Date::MAX),
        (1900i16..2200, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d)),
        (-9999i16..=9999, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d)),
    ]
}

proptest! {
    #[test]
    fn finders_never_panic_and_spans_are_sound(text in any_text(), today in any_date()) {
        let cities = cities();
        let metrics = metrics();

        let names = cities.find(&text);
        assert_spans(&text, &names.iter().map(|m| m.span.clone()).collect::<Vec<_>>());
        prop_assert!(names.iter().all(|m| !m.candidates.is_empty()));

        let dates = find_dates(&text, today);
        assert_spans(&text, &dates.iter().map(|d| d.span.clone()).collect::<Vec<_>>());
        prop_assert!(dates.iter().all(|d| d.range.from <= d.range.to));

        let numbers = find_numbers(&text);
        assert_spans(&text, &numbers.iter().map(|n| n.span.clone()).collect::<Vec<_>>());
        prop_assert!(numbers.iter().all(|n| n.value.is_finite()));

        let extraction = extract(&text, today, &[("city", &cities), ("metric", &metrics)]);
        let all: Vec<Range<usize>> = extraction.placeholders().into_iter().map(|(span, _)| span).collect();
        assert_spans(&text, &all);
        let masked = extraction.masked(&text);
        prop_assert!(all.is_empty() || masked != text);
    }
}
