//! A day's figures as given by people and scripts (`solved=40`, `csat=96%`, or JSON numbers),
//! checked against the team's definition and turned into stored values.

use super::definition::{MetricKind, TeamDefinition};
use super::value;
use std::collections::HashSet;

/// One figure as given: typed text, or a JSON number already in stored units (counts,
/// percent, seconds).
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Text(String),
    Number(f64),
}

/// Reads `key=value` arguments.
pub fn parse_pairs(pairs: &[String]) -> Result<Vec<(String, Given)>, String> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_owned(), Given::Text(value.to_owned()))),
            _ => Err(format!("`{pair}` is not a figure: write METRIC=VALUE, e.g. solved=40")),
        })
        .collect()
}

/// Checks every figure and returns them as stored: keys are metrics, or a ratio with a daily
/// percentage (`csat=96%` is kept as that ratio's percent metric).
pub fn check(definition: &TeamDefinition, given: &[(String, Given)]) -> Result<Vec<(String, f64)>, String> {
    let mut seen = HashSet::new();
    let mut figures = Vec::with_capacity(given.len());
    for (key, figure) in given {
        let key = key.to_ascii_lowercase();
        let metric = match definition.metric(&key) {
            Some(metric) => metric,
            None => match definition.ratio(&key).and_then(|r| r.percent_metric.as_deref()) {
                Some(percent_key) => definition.metric(percent_key).expect("validated definitions refer to metrics"),
                None => return Err(unknown(definition, &key)),
            },
        };
        if !seen.insert(metric.key.clone()) {
            return Err(format!("{} is given twice", metric.key));
        }
        let value = match figure {
            Given::Text(text) => value::parse(metric.kind, text),
            Given::Number(number) => check_number(metric.kind, *number),
        }
        .map_err(|e| format!("{}: {e}", metric.key))?;
        figures.push((metric.key.clone(), value));
    }
    Ok(figures)
}

fn check_number(kind: MetricKind, number: f64) -> Result<f64, String> {
    let ok = number.is_finite()
        && number >= 0.0
        && match kind {
            MetricKind::Count => number.fract() == 0.0,
            MetricKind::Percent => number <= 100.0,
            MetricKind::Duration => true,
        };
    if ok {
        Ok(number)
    } else {
        Err(match kind {
            MetricKind::Count => "a count is a whole number, 0 or more".into(),
            MetricKind::Percent => "a percentage is between 0 and 100".into(),
            MetricKind::Duration => "a duration is a number of seconds, 0 or more".into(),
        })
    }
}

fn unknown(definition: &TeamDefinition, key: &str) -> String {
    if super::automatic::is_automatic(key) {
        return format!("`{key}` is filled in automatically from the inbox; it is not typed");
    }
    let mut known: Vec<&str> = definition.metrics.iter().map(|m| m.key.as_str()).collect();
    known.extend(definition.ratios.iter().filter(|r| r.percent_metric.is_some()).map(|r| r.key.as_str()));
    format!("this team has no metric `{key}`; its metrics are {}", known.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pairs: &[&str]) -> Vec<(String, Given)> {
        parse_pairs(&pairs.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn figures_are_checked_against_the_definition() {
        let d = TeamDefinition::default();
        let figures = check(&d, &text(&["solved=40", "Chats=12", "csat=96%"])).unwrap();
        assert_eq!(figures, [("solved".into(), 40.0), ("chats".into(), 12.0), ("csat_percent".into(), 96.0)]);
        assert!(check(&d, &text(&["live_chats=4"])).unwrap_err().contains("automatically from the inbox"));
        assert!(check(&d, &text(&["sold=4"])).unwrap_err().contains("no metric `sold`; its metrics are solved"));
        assert!(check(&d, &text(&["solved=-4"])).unwrap_err().starts_with("solved: enter a whole number"));
        assert!(check(&d, &text(&["csat=96", "csat_percent=90"])).unwrap_err().contains("twice"));
        assert!(parse_pairs(&["solved".into()]).unwrap_err().contains("METRIC=VALUE"));
        let json = [("solved".to_owned(), Given::Number(4.5))];
        assert!(check(&d, &json).unwrap_err().contains("whole number"));
    }
}

/// Property tests: any `key=value` arguments and any figures, typed or as JSON numbers, against
/// the default definition or any definition that parses, give stored values or a sentence,
/// never a panic; a definition (JSON or TOML, random or damaged) parses only when valid, and
/// reads back as itself.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    fn key() -> impl Strategy<Value = String> {
        let known = TeamDefinition::default()
            .metrics
            .iter()
            .map(|m| m.key.clone())
            .chain(TeamDefinition::default().ratios.iter().map(|r| r.key.clone()))
            .collect::<Vec<_>>();
        prop_oneof![
            3 => prop::sample::select(known),
            1 => prop::sample::select(known_upper()),
            1 => fuzz::any_text(),
        ]
    }

    fn known_upper() -> Vec<String> {
        TeamDefinition::default().metrics.iter().map(|m| m.key.to_uppercase()).collect()
    }

    fn given() -> impl Strategy<Value = Given> {
        prop_oneof![
            fuzz::any_text().prop_map(Given::Text),
            prop::sample::select(vec!["40", "96%", "1h 30m", "-3", "4.5", "1,200", ""])
                .prop_map(|t| Given::Text(t.into())),
            any::<f64>().prop_map(Given::Number),
            (0u32..200).prop_map(|n| Given::Number(f64::from(n) / 2.0)),
        ]
    }

    fn definition_text() -> impl Strategy<Value = String> {
        let json = serde_json::to_string_pretty(&TeamDefinition::default()).expect("a definition serialises");
        let toml = toml::to_string(&TeamDefinition::default()).expect("a definition serialises");
        prop_oneof![fuzz::any_text(), fuzz::mutated_json(&json), fuzz::mutated_text(&json), fuzz::mutated_text(&toml),]
    }

    fn check_figures(definition: &TeamDefinition, given: &[(String, Given)]) -> Result<(), TestCaseError> {
        match check(definition, given) {
            Ok(figures) => {
                prop_assert_eq!(figures.len(), given.len());
                let mut keys = HashSet::new();
                for (key, value) in &figures {
                    let metric = definition.metric(key);
                    prop_assert!(metric.is_some(), "{key} is not a metric");
                    prop_assert!(keys.insert(key), "{key} twice");
                    prop_assert!(value.is_finite() && *value >= 0.0, "{key} = {value}");
                }
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(fuzz::config(512))]

        #[test]
        fn any_arguments_give_pairs_or_a_sentence(pairs in prop::collection::vec(fuzz::any_text(), 0..6)) {
            match parse_pairs(&pairs) {
                Ok(read) => {
                    prop_assert_eq!(read.len(), pairs.len());
                    prop_assert!(read.iter().all(|(key, _)| !key.is_empty() && key.trim() == key));
                }
                Err(e) => prop_assert!(e.contains("METRIC=VALUE"), "{e}"),
            }
        }

        #[test]
        fn any_figures_give_stored_values_or_a_sentence(given in prop::collection::vec((key(), given()), 0..6)) {
            check_figures(&TeamDefinition::default(), &given)?;
        }

        #[test]
        fn a_definition_parses_only_when_valid_and_reads_back(
            text in definition_text(),
            given in prop::collection::vec((key(), given()), 0..4),
        ) {
            match TeamDefinition::parse(&text) {
                Ok(definition) => {
                    prop_assert_eq!(definition.validate(), Ok(()));
                    let json = serde_json::to_string(&definition).expect("a definition serialises");
                    prop_assert_eq!(TeamDefinition::parse(&json), Ok(definition.clone()));
                    let given: Vec<(String, Given)> = definition
                        .metrics
                        .iter()
                        .map(|m| m.key.clone())
                        .zip(given.into_iter().map(|(_, g)| g))
                        .collect();
                    check_figures(&definition, &given)?;
                }
                Err(e) => prop_assert!(!e.0.is_empty()),
            }
        }
    }
}
