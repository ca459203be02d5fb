//! The intents file: what people may ask in free text, each intent with example phrases, the
//! answer that handles it and the entities it uses. The demo's file is embedded; another can be
//! given with `intents_file` (`STATBOT_INTENTS_FILE`).
//!
//! ```toml
//! threshold = 0.45            # below this confidence a message is "not understood"
//! [intents.city_value]
//! answer = "value"            # menu | help | explore | value | compare | follow_up, or for
//!                             # staff: store_revenue | store_top_customers | store_words | store_menu
//!                             # | store_promotion
//! dataset = "cities"
//! entities = ["city", "metric", "date"]
//! examples = ["population of Austin", "Denver rent"]
//! ```

use indexmap::IndexMap;
use serde::Deserialize;

/// The shipped intents: questions about the US cities set, greetings and help, and store
/// metrics for staff.
pub const DEMO: (&str, &str) = ("(built-in) cities.intents.toml", include_str!("../../assets/intents/cities.toml"));

/// Confidence under which a message is not understood, unless the file says otherwise.
pub const DEFAULT_THRESHOLD: f32 = 0.45;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IntentsError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("cannot read {file}: {message}")]
    Read { file: String, message: String },
}

/// What answers an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// Back to the main menu (the default flow's entry step).
    Menu,
    /// What the bot can answer, with examples.
    Help,
    /// A person from the team (the live inbox).
    Handoff,
    /// Pick a row, then a metric group, with buttons.
    Explore,
    /// One or more rows' values of a metric.
    Value,
    /// Two or more rows side by side.
    Compare,
    /// The previous question again with what changed ("and Boston?").
    FollowUp,
    /// Sales figures, for staff only (see `super::store`): revenue over a range.
    StoreRevenue,
    /// The top customers by net revenue.
    StoreTopCustomers,
    /// The words of charge descriptions that sell most.
    StoreWords,
    /// The sales figures menu (buttons).
    StoreMenu,
    /// A coupon's, a flow's or a link's contacts, redemptions and revenue (see
    /// `super::promotions`).
    StorePromotion,
}

impl AnswerKind {
    /// Whether the answer reads a data set.
    pub fn uses_data(self) -> bool {
        !matches!(self, AnswerKind::Menu | AnswerKind::Help | AnswerKind::Handoff) && !self.is_store()
    }

    /// Whether the answer is about the store's Stripe figures (answered before the engine's
    /// transaction, for staff only).
    pub fn is_store(self) -> bool {
        matches!(
            self,
            AnswerKind::StoreRevenue
                | AnswerKind::StoreTopCustomers
                | AnswerKind::StoreWords
                | AnswerKind::StoreMenu
                | AnswerKind::StorePromotion
        )
    }
}

/// One intent as loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub name: String,
    pub answer: AnswerKind,
    pub dataset: Option<String>,
    pub entities: Vec<String>,
    pub examples: Vec<String>,
}

/// Every intent of a file, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentSet {
    pub file: String,
    pub threshold: f32,
    pub intents: Vec<Intent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    threshold: Option<f32>,
    #[serde(default)]
    intents: IndexMap<String, IntentSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentSpec {
    answer: AnswerKind,
    dataset: Option<String>,
    #[serde(default)]
    entities: Vec<String>,
    examples: Vec<String>,
}

/// Entity names every intent may use besides its data set's row name.
const COMMON_ENTITIES: [&str; 3] = ["metric", "date", "number"];

impl IntentSet {
    pub fn parse(file: &str, source: &str) -> Result<IntentSet, IntentsError> {
        let invalid = |message: String| IntentsError::Invalid { file: file.to_owned(), message };
        let spec: FileSpec = toml::from_str(source).map_err(|e| invalid(e.to_string().trim().to_owned()))?;
        let threshold = spec.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if !(0.0..1.0).contains(&threshold) {
            return Err(invalid(format!("threshold must be at least 0 and below 1, not {threshold}")));
        }
        if spec.intents.len() < 2 {
            return Err(invalid("declare at least two intents: one alone cannot be told from anything".into()));
        }
        let mut intents = Vec::new();
        for (name, intent) in spec.intents {
            let examples: Vec<String> =
                intent.examples.iter().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect();
            if examples.is_empty() {
                return Err(invalid(format!("intent `{name}` has no examples")));
            }
            if intent.answer.uses_data() && intent.dataset.is_none() {
                return Err(invalid(format!("intent `{name}` answers from data: name its `dataset`")));
            }
            intents.push(Intent {
                name,
                answer: intent.answer,
                dataset: intent.dataset,
                entities: intent.entities,
                examples,
            });
        }
        Ok(IntentSet { file: file.to_owned(), threshold, intents })
    }

    /// Reads an intents file from disk.
    pub fn load(path: &std::path::Path) -> Result<IntentSet, IntentsError> {
        let file = path.display().to_string();
        let source = std::fs::read_to_string(path)
            .map_err(|e| IntentsError::Read { file: file.clone(), message: e.to_string() })?;
        IntentSet::parse(&file, &source)
    }

    /// Checks entity names against the data sets' row names (`city` for a set keyed by
    /// `city`): `row_name` gives a data set's, `None` when the set is not loaded.
    pub fn check_entities(&self, row_name: impl Fn(&str) -> Option<String>) -> Result<(), IntentsError> {
        for intent in &self.intents {
            let row = intent.dataset.as_deref().and_then(&row_name);
            for entity in &intent.entities {
                if !COMMON_ENTITIES.contains(&entity.as_str()) && row.as_deref() != Some(entity) {
                    return Err(IntentsError::Invalid {
                        file: self.file.clone(),
                        message: format!(
                            "intent `{}` uses the entity `{entity}`: use {}{}",
                            intent.name,
                            COMMON_ENTITIES.join(", "),
                            row.map(|r| format!(" or {r}")).unwrap_or_default()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Whether any intent answers with sales figures.
    pub fn has_store(&self) -> bool {
        self.intents.iter().any(|i| i.answer.is_store())
    }

    /// The data sets the intents read.
    pub fn datasets(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.intents.iter().filter_map(|i| i.dataset.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_loads() {
        let set = IntentSet::parse(DEMO.0, DEMO.1).unwrap();
        assert!(set.intents.iter().any(|i| i.answer == AnswerKind::Compare));
        assert_eq!(set.datasets(), ["cities"]);
        for name in ["store_top_customers", "store_words", "store_revenue", "store_menu", "store_promotion"] {
            let intent = set.intents.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("{name}"));
            assert!(intent.answer.is_store() && intent.dataset.is_none(), "{name}");
        }
        set.check_entities(|name| (name == "cities").then(|| "city".to_owned())).unwrap();
    }

    #[test]
    fn mistakes_are_named() {
        let no_dataset =
            "[intents.a]\nanswer = \"value\"\nexamples = [\"x\"]\n[intents.b]\nanswer = \"help\"\nexamples = [\"y\"]\n";
        let err = IntentSet::parse("f.toml", no_dataset).unwrap_err();
        assert_eq!(err.to_string(), "f.toml: intent `a` answers from data: name its `dataset`");
        let one = "[intents.a]\nanswer = \"help\"\nexamples = [\"x\"]\n";
        assert!(IntentSet::parse("f.toml", one).unwrap_err().to_string().contains("at least two"));
        let bad_answer = "[intents.a]\nanswer = \"dance\"\nexamples = [\"x\"]\n";
        assert!(IntentSet::parse("f.toml", bad_answer).unwrap_err().to_string().contains("dance"));
        let entity = "[intents.a]\nanswer = \"value\"\ndataset = \"cities\"\nentities = [\"town\"]\nexamples = [\"x\"]\n\
                      [intents.b]\nanswer = \"help\"\nexamples = [\"y\"]\n";
        let set = IntentSet::parse("f.toml", entity).unwrap();
        let err = set.check_entities(|_| Some("city".into())).unwrap_err();
        assert!(err.to_string().contains("`town`"), "{err}");
    }
}
