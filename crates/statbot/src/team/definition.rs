//! A team's definitions: the metrics recorded each day (name, kind, how a range aggregates them)
//! and the ratios read from them, with optional targets. New teams start with support defaults:
//! tickets solved, live chats, public comments, CSAT (good and bad ratings, or a day's
//! percentage) and comments per solve.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Metrics a team may define at most.
pub const MAX_METRICS: usize = 40;
/// Ratios a team may define at most.
pub const MAX_RATIOS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// A whole number of things: tickets, chats, ratings.
    Count,
    /// A percentage, 0 to 100.
    Percent,
    /// A length of time, kept in seconds and written like `1h 05m`.
    Duration,
}

impl MetricKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Count => "count",
            MetricKind::Percent => "percent",
            MetricKind::Duration => "duration",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// A range's figure is the total of its days (and the daily average is shown beside it).
    Sum,
    /// A range's figure is the mean of its recorded days (a total would mean nothing).
    Average,
}

impl Aggregate {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Sum => "sum",
            Aggregate::Average => "average",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    /// Short name used in commands and files: `solved`, `csat_good`.
    pub key: String,
    /// What people read: "Tickets solved".
    pub name: String,
    pub kind: MetricKind,
    pub aggregate: Aggregate,
}

/// Which way a ratio should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    #[default]
    Higher,
    Lower,
}

/// A ratio of summed metrics: over a range it is the total of the numerator's metrics over the
/// total of the denominator's, never the mean of daily ratios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatioDef {
    pub key: String,
    pub name: String,
    /// Metrics added up above the line.
    pub numerator: Vec<String>,
    /// Metrics added up below the line.
    pub denominator: Vec<String>,
    /// Shown as a percentage (the target too is then in percent).
    #[serde(default)]
    pub percent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    #[serde(default)]
    pub better: Better,
    /// A percent metric holding the ratio itself, for days recorded as a percentage only
    /// (a team whose tool gives a daily CSAT percentage but no rating counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_metric: Option<String>,
}

/// Everything a team records and reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamDefinition {
    pub metrics: Vec<MetricDef>,
    #[serde(default)]
    pub ratios: Vec<RatioDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DefinitionError(pub String);

fn metric(key: &str, name: &str, kind: MetricKind, aggregate: Aggregate) -> MetricDef {
    MetricDef { key: key.into(), name: name.into(), kind, aggregate }
}

impl Default for TeamDefinition {
    /// The support defaults every new team starts with.
    fn default() -> Self {
        use Aggregate::{Average, Sum};
        use MetricKind::{Count, Percent};
        TeamDefinition {
            metrics: vec![
                metric("solved", "Tickets solved", Count, Sum),
                metric("chats", "Live chats", Count, Sum),
                metric("comments", "Public comments", Count, Sum),
                metric("csat_good", "CSAT good ratings", Count, Sum),
                metric("csat_bad", "CSAT bad ratings", Count, Sum),
                metric("csat_percent", "CSAT (daily percentage)", Percent, Average),
            ],
            ratios: vec![
                RatioDef {
                    key: "csat".into(),
                    name: "CSAT".into(),
                    numerator: vec!["csat_good".into()],
                    denominator: vec!["csat_good".into(), "csat_bad".into()],
                    percent: true,
                    target: Some(95.0),
                    better: Better::Higher,
                    percent_metric: Some("csat_percent".into()),
                },
                RatioDef {
                    key: "comments_per_solve".into(),
                    name: "Comments per solve".into(),
                    numerator: vec!["comments".into()],
                    denominator: vec!["solved".into()],
                    percent: false,
                    target: Some(2.0),
                    better: Better::Lower,
                    percent_metric: None,
                },
            ],
        }
    }
}

impl TeamDefinition {
    pub fn metric(&self, key: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.key == key)
    }

    pub fn ratio(&self, key: &str) -> Option<&RatioDef> {
        self.ratios.iter().find(|r| r.key == key)
    }

    /// The ratio whose daily percentage `key` holds, if any.
    pub fn ratio_with_percent_metric(&self, key: &str) -> Option<&RatioDef> {
        self.ratios.iter().find(|r| r.percent_metric.as_deref() == Some(key))
    }

    /// The metrics asked for one by one when a day is entered: all but those holding a
    /// ratio's daily percentage, which is offered at the ratio's first part instead.
    pub fn prompted_metrics(&self) -> impl Iterator<Item = &MetricDef> {
        self.metrics.iter().filter(|m| self.ratio_with_percent_metric(&m.key).is_none())
    }

    /// The ratio with a daily percentage whose first part is `key`, if any.
    pub fn ratio_starting_with(&self, key: &str) -> Option<&RatioDef> {
        self.ratios
            .iter()
            .find(|r| r.percent_metric.is_some() && r.denominator.first().map(String::as_str) == Some(key))
    }

    /// Parses and checks a definition written as JSON or TOML.
    pub fn parse(text: &str) -> Result<TeamDefinition, DefinitionError> {
        let trimmed = text.trim_start();
        let definition: TeamDefinition = if trimmed.starts_with('{') {
            serde_json::from_str(text).map_err(|e| DefinitionError(format!("not a valid definition: {e}")))?
        } else {
            toml::from_str(text).map_err(|e| DefinitionError(format!("not a valid definition: {e}")))?
        };
        definition.validate()?;
        Ok(definition)
    }

    /// Checks keys, names and references; the first problem found is reported.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        let fail = |message: String| Err(DefinitionError(message));
        if self.metrics.is_empty() {
            return fail("a team needs at least one metric".into());
        }
        if self.metrics.len() > MAX_METRICS || self.ratios.len() > MAX_RATIOS {
            return fail(format!("a team has at most {MAX_METRICS} metrics and {MAX_RATIOS} ratios"));
        }
        let mut keys = HashSet::new();
        let names = self.metrics.iter().map(|m| (&m.key, &m.name)).chain(self.ratios.iter().map(|r| (&r.key, &r.name)));
        for (key, name) in names {
            check_key(key)?;
            if super::automatic::is_automatic(key) {
                return fail(format!(
                    "`{key}` is filled in automatically from the inbox and cannot be typed: use another key"
                ));
            }
            if name.trim().is_empty() || name.chars().count() > 60 {
                return fail(format!("`{key}` needs a name of 1 to 60 characters"));
            }
            if !keys.insert(key.as_str()) {
                return fail(format!("`{key}` is defined twice"));
            }
        }
        for ratio in &self.ratios {
            if ratio.numerator.is_empty() || ratio.denominator.is_empty() {
                return fail(format!("ratio `{}` needs metrics above and below the line", ratio.key));
            }
            for part in ratio.numerator.iter().chain(&ratio.denominator) {
                match self.metric(part) {
                    Some(m) if m.aggregate == Aggregate::Sum => {}
                    Some(_) => {
                        return fail(format!(
                            "ratio `{}` uses `{part}`, which is averaged: a ratio is made of summed metrics",
                            ratio.key
                        ));
                    }
                    None => return fail(format!("ratio `{}` uses `{part}`, which is not a metric", ratio.key)),
                }
            }
            if let Some(target) = ratio.target
                && !(target.is_finite() && target >= 0.0)
            {
                return fail(format!("ratio `{}` has a target that is not a positive number", ratio.key));
            }
            if let Some(key) = &ratio.percent_metric {
                match self.metric(key) {
                    Some(m) if m.kind == MetricKind::Percent && ratio.percent => {}
                    _ => {
                        return fail(format!(
                            "ratio `{}`: percent_metric `{key}` must be a percent metric, and the ratio a percentage",
                            ratio.key
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_key(key: &str) -> Result<(), DefinitionError> {
    let ok = (1..=32).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(DefinitionError(format!(
            "`{key}` is not a valid key: use 1 to 32 lower-case letters, digits and _, starting with a letter"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_prompt_for_rating_counts_not_the_percentage() {
        let d = TeamDefinition::default();
        d.validate().unwrap();
        let prompted: Vec<&str> = d.prompted_metrics().map(|m| m.key.as_str()).collect();
        assert_eq!(prompted, ["solved", "chats", "comments", "csat_good", "csat_bad"]);
        assert_eq!(d.ratio_starting_with("csat_good").map(|r| r.key.as_str()), Some("csat"));
    }

    #[test]
    fn definitions_parse_from_toml_and_json_and_bad_ones_say_why() {
        let toml = "[[metrics]]\nkey = \"calls\"\nname = \"Calls\"\nkind = \"count\"\naggregate = \"sum\"\n\
                    [[metrics]]\nkey = \"handle_time\"\nname = \"Handle time\"\nkind = \"duration\"\naggregate = \"average\"\n";
        let d = TeamDefinition::parse(toml).unwrap();
        assert_eq!(d.metrics.len(), 2);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(TeamDefinition::parse(&json).unwrap(), d);

        let mut bad = TeamDefinition::default();
        bad.ratios[1].denominator = vec!["nope".into()];
        assert!(bad.validate().unwrap_err().0.contains("`nope`, which is not a metric"));
        let mut bad = TeamDefinition::default();
        bad.metrics[0].key = "Solved!".into();
        assert!(bad.validate().unwrap_err().0.contains("not a valid key"));
        let mut bad = TeamDefinition::default();
        bad.metrics[1].key = "solved".into();
        assert!(bad.validate().unwrap_err().0.contains("defined twice"));
        let mut bad = TeamDefinition::default();
        bad.metrics[1].key = "live_chats".into();
        assert!(bad.validate().unwrap_err().0.contains("filled in automatically from the inbox"));
        let mut bad = TeamDefinition::default();
        bad.metrics[0].aggregate = Aggregate::Average;
        assert!(bad.validate().unwrap_err().0.contains("averaged"));
    }
}
