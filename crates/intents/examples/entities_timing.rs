//! Times entity extraction on statbot's 500 real cities: `cargo run --release -p statbot-intents
//! --example entities_timing`. A rough check (µs per call), not a benchmark.

use std::hint::black_box;
use std::time::Instant;

use jiff::civil::date;
use statbot_intents::entities::{Entry, Gazetteer, MatchOptions, extract};

const CITIES_CSV: &str = include_str!("../../statbot/data/cities/cities.csv");
const ALIASES_CSV: &str = include_str!("../../statbot/data/cities/cities.aliases.csv");
const SYNONYMS_CSV: &str = include_str!("../../statbot/data/cities/cities.synonyms.csv");

fn main() {
    let started = Instant::now();
    let aliases: Vec<(&str, &str)> = ALIASES_CSV.lines().skip(1).filter_map(|l| l.split_once(',')).collect();
    let cities = Gazetteer::new(CITIES_CSV.lines().skip(1).enumerate().map(|(id, line)| {
        let fields: Vec<&str> = line.splitn(4, ',').collect();
        Entry {
            id,
            name: fields[0].to_string(),
            aliases: aliases.iter().filter(|(label, _)| *label == fields[0]).map(|(_, a)| a.to_string()).collect(),
            qualifiers: vec![fields[1].to_string(), fields[2].to_string()],
        }
    }))
    .expect("cities");
    let metrics = Gazetteer::with_options(
        SYNONYMS_CSV.lines().skip(1).filter_map(|l| l.split_once(',')).enumerate().map(|(id, (_, synonyms))| {
            let mut synonyms = synonyms.split('|').map(str::to_string);
            let name = synonyms.next().unwrap_or_default();
            Entry { id, name, aliases: synonyms.collect(), qualifiers: vec![] }
        }),
        MatchOptions::TERMS,
    )
    .expect("metrics");
    println!("built both gazetteers in {:?}", started.elapsed());
    let today = date(2026, 11, 20);
    let sentences = [
        "what was the median rent in portland oregon compared to austin last year",
        "compare Austin and Denver population growth since 2019 please thanks",
        "how did we do in March for the top five customers in san fransisco",
    ];
    for sentence in sentences {
        let runs = 20_000;
        let started = Instant::now();
        for _ in 0..runs {
            black_box(cities.find(black_box(sentence)));
        }
        let find = started.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
        let started = Instant::now();
        for _ in 0..runs {
            black_box(extract(black_box(sentence), today, &[("city", &cities), ("metric", &metrics)]));
        }
        let all = started.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
        println!("{find:6.2} µs find (cities), {all:6.2} µs extract (all)  {sentence}");
    }
}
