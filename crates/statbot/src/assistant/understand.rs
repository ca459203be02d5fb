//! From free text to an intent and the things it names: rows and metrics of the data sets,
//! dates, numbers. Entities are replaced by placeholders before classification (`population of
//! <row>`), so the examples of an intent stand for every city and metric, and the classifier is
//! trained on the same masked form.

use super::answer::Ask;
use super::intents::IntentSet;
use super::unknown::Unknown;
use crate::datasets::{LoadedSet, Snapshot};
use statbot_intents::classifier::{self, Model, TrainOptions};
use statbot_intents::entities::{self, Gazetteer};

/// The entity kinds, as their placeholders read: `<row0>`, `<metric0>` for the first data set.
const ROW: &str = "row";
const METRIC: &str = "metric";

/// The classifier for an intent set, trained on its masked examples.
pub struct Trained {
    model: Model,
    /// Data set versions the examples were masked with.
    pub versions: Vec<(String, i64)>,
}

/// What a message was understood as.
#[derive(Debug, Clone)]
pub struct Understanding {
    /// The intent (index in the set) when confident enough.
    pub intent: Option<usize>,
    /// The best guess and its confidence, understood or not.
    pub best: usize,
    pub confidence: f32,
    /// What it named, per data set.
    pub asks: Vec<(String, Ask)>,
    /// The text as the classifier saw it, entities replaced.
    pub masked: String,
}

impl Trained {
    /// Trains on the examples masked against the loaded data sets.
    pub fn train(intents: &IntentSet, snapshot: &Snapshot, today: jiff::civil::Date) -> Trained {
        let sets = used_sets(intents, snapshot);
        let examples: Vec<(String, &str)> = intents
            .intents
            .iter()
            .flat_map(|intent| intent.examples.iter().map(move |e| (e, intent.name.as_str())))
            .map(|(example, name)| (mask(example, &sets, today).0, name))
            .collect();
        let model = classifier::train(&examples, &TrainOptions::default());
        Trained { model, versions: sets.iter().map(|s| (s.meta.name.clone(), s.version)).collect() }
    }

    /// Classifies a message and resolves what it names.
    pub fn understand(
        &self,
        intents: &IntentSet,
        snapshot: &Snapshot,
        text: &str,
        today: jiff::civil::Date,
    ) -> Understanding {
        let sets = used_sets(intents, snapshot);
        let (masked, asks) = mask(text, &sets, today);
        let prediction = self.model.classify(&masked);
        let best = intents.intents.iter().position(|i| i.name == self.model.label(prediction.label)).unwrap_or(0);
        Understanding {
            intent: (prediction.confidence >= intents.threshold && !numbers_only(&masked)).then_some(best),
            best,
            confidence: prediction.confidence,
            asks,
            masked,
        }
    }
}

/// Whether a masked text is numbers alone ("5", "12 3"): it asks nothing (typically a choice
/// typed where none is numbered), whatever the classifier makes of it.
fn numbers_only(masked: &str) -> bool {
    !masked.replace(NUMBER, "").chars().any(char::is_alphanumeric)
}

/// The placeholder of a number in a masked text (see `statbot_intents::entities::Extraction`).
const NUMBER: &str = "<number>";

/// The loaded data sets an intent set reads.
fn used_sets<'a>(intents: &IntentSet, snapshot: &'a Snapshot) -> Vec<&'a LoadedSet> {
    intents.datasets().into_iter().filter_map(|name| snapshot.get(name).ok().map(|s| s.as_ref())).collect()
}

/// The text with entities replaced by placeholders, and what it names in each data set.
fn mask(text: &str, sets: &[&LoadedSet], today: jiff::civil::Date) -> (String, Vec<(String, Ask)>) {
    let kinds: Vec<(String, String)> = (0..sets.len()).map(|i| (format!("{ROW}{i}"), format!("{METRIC}{i}"))).collect();
    let gazetteers: Vec<(&str, &Gazetteer)> = sets
        .iter()
        .zip(&kinds)
        .flat_map(|(set, (row, metric))| [(row.as_str(), &set.row_names), (metric.as_str(), &set.metric_names)])
        .collect();
    let found = entities::extract(text, today, &gazetteers);
    let claimed: Vec<std::ops::Range<usize>> = found.placeholders().into_iter().map(|(span, _)| span).collect();
    let mut asks: Vec<(String, Ask)> = sets
        .iter()
        .zip(&kinds)
        .map(|(set, (row, _))| {
            let rows: Vec<std::ops::Range<usize>> =
                found.names.iter().filter(|(kind, _)| kind == row).map(|(_, m)| m.span.clone()).collect();
            let unknown = entities::unknown_names(text, &claimed, &rows)
                .into_iter()
                .map(|u| {
                    let said = text[u.span].to_owned();
                    Unknown { suggestions: set.row_names.suggest(&said), said, listed: u.listed }
                })
                .collect();
            (set.meta.name.clone(), Ask { unknown, ..Ask::default() })
        })
        .collect();
    for (kind, mention) in &found.names {
        let Some(set) = kinds.iter().position(|(row, metric)| row == kind || metric == kind) else { continue };
        let ask = &mut asks[set].1;
        if kind.starts_with(ROW) {
            ask.rows.push(mention.candidates.clone());
        } else {
            ask.metrics.extend(mention.candidates.first());
        }
    }
    if let Some(date) = found.dates.first() {
        for (_, ask) in &mut asks {
            ask.year = Some(date.range.to.year());
        }
    }
    (found.masked(text), asks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistant::intents::{DEMO, IntentSet};
    use crate::datasets::catalog::{LoadedSet, Snapshot};
    use std::sync::Arc;

    /// Phrases not among the demo's examples, and the intent each must get (`None`: not
    /// understood). A regression floor for the shipped intents file.
    const PHRASES: &[(&str, Option<&str>)] = &[
        ("how many people live in Tulsa", Some("value")),
        ("what's the median income in Seattle", Some("value")),
        ("obesity in Houston", Some("value")),
        ("rent for a studio in Boston", Some("value")),
        ("Chicago smoking rate", Some("value")),
        ("population of San Jose", Some("value")),
        ("compare Boston and Seattle", Some("compare")),
        ("Miami vs Tampa rent", Some("compare")),
        ("is income higher in Austin or Dallas", Some("compare")),
        ("what about Miami?", Some("follow_up")),
        ("and in 2015?", Some("follow_up")),
        ("how about asthma", Some("follow_up")),
        ("hello there", Some("menu")),
        ("back to main menu", Some("menu")),
        ("what can you do?", Some("help")),
        ("explore the cities data", Some("explore")),
        ("top 10 customers", Some("store_top_customers")),
        ("who were our best customers last month", Some("store_top_customers")),
        ("biggest spenders in March", Some("store_top_customers")),
        ("which words sell best", Some("store_words")),
        ("best selling words this week", Some("store_words")),
        ("what sold most last month", Some("store_words")),
        ("revenue yesterday", Some("store_revenue")),
        ("how did we do last week", Some("store_revenue")),
        ("how much did we make in March", Some("store_revenue")),
        ("sales this year", Some("store_revenue")),
        ("net volume since March 3", Some("store_revenue")),
        ("store stats", Some("store_menu")),
        ("how did the autumn coupon do?", Some("store_promotion")),
        ("how did the sprng coupon do", Some("store_promotion")),
        ("what did the newsletter link bring last month", Some("store_promotion")),
        ("how is the welcome flow doing", Some("store_promotion")),
        ("revenue from the poster link", Some("store_promotion")),
        ("how did the autumn-sale broadcast do?", Some("store_promotion")),
        ("results of the cyber-monday broadcast", Some("store_promotion")),
        ("revenue from the autumn-sale broadcast", Some("store_promotion")),
        ("which variant of the summer offer wins?", Some("store_promotion")),
        ("how is the split test doing", Some("store_promotion")),
        ("compare the variants of the welcome flow", Some("store_promotion")),
        ("give me a coupon", Some("menu")),
        ("do you have any discount for me", Some("menu")),
        ("show me the stripe metrics", Some("store_menu")),
        ("blorp the flux capacitor", None),
        ("asdfgh qwerty", None),
        ("5", None),
        ("12, 3", None),
    ];

    /// The names of `text` that are no row and would be said so (see `answer::plan_question`).
    fn said_unknown(trained: &Trained, intents: &IntentSet, snapshot: &Snapshot, text: &str) -> Vec<String> {
        let understood = trained.understand(intents, snapshot, text, jiff::civil::date(2026, 11, 24));
        let ask = &understood.asks[0].1;
        ask.unknown.iter().filter(|u| ask.rows.is_empty() || u.listed).map(|u| u.said.clone()).collect()
    }

    #[test]
    fn questions_about_known_cities_name_no_unknown_one() {
        let intents = IntentSet::parse(DEMO.0, DEMO.1).unwrap();
        let set = LoadedSet::from_parsed(&crate::datasets::import::demo::parsed().unwrap());
        let snapshot = Snapshot { sets: vec![Arc::new(set)] };
        let trained = Trained::train(&intents, &snapshot, jiff::civil::date(2026, 11, 24));
        let examples = intents.intents.iter().filter(|i| i.answer.uses_data()).flat_map(|i| &i.examples);
        let phrases = PHRASES
            .iter()
            .filter(|(_, intent)| matches!(intent, Some("value" | "compare" | "follow_up")))
            .map(|(p, _)| *p);
        let more = ["population of Austin, Texas", "rent in Austin TX please", "Denver Colorado rent", "and Bostn?"];
        for text in examples.map(String::as_str).chain(phrases).chain(more) {
            assert_eq!(said_unknown(&trained, &intents, &snapshot, text), Vec::<String>::new(), "{text}");
        }
        for (text, unknown) in [
            ("population of Atlantis", "Atlantis"),
            ("compare Austin and Gotham", "Gotham"),
            ("what about narnia", "narnia"),
            ("rent in Sn Francsco", "Sn Francsco"),
        ] {
            assert_eq!(said_unknown(&trained, &intents, &snapshot, text), [unknown], "{text}");
        }
    }

    #[test]
    fn the_demo_intents_understand_new_phrases() {
        let intents = IntentSet::parse(DEMO.0, DEMO.1).unwrap();
        let set = LoadedSet::from_parsed(&crate::datasets::import::demo::parsed().unwrap());
        let snapshot = Snapshot { sets: vec![Arc::new(set)] };
        let today = jiff::civil::date(2026, 11, 24);
        let started = std::time::Instant::now();
        let trained = Trained::train(&intents, &snapshot, today);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "training is quick");
        let mut wrong = Vec::new();
        for (phrase, expected) in PHRASES {
            let understood = trained.understand(&intents, &snapshot, phrase, today);
            let got = understood.intent.map(|i| intents.intents[i].name.as_str());
            if got != *expected {
                wrong.push(format!("{phrase:?}: {got:?} ({:.2}), expected {expected:?}", understood.confidence));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
