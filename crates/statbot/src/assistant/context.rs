//! What a contact last asked about, kept in their stored context (key `data`) so follow-ups
//! ("and Boston?") and buttons work across messages and restarts.

use serde::{Deserialize, Serialize};

/// The key of the contact context that holds it.
const KEY: &str = "data";
/// Rows compared at most in one answer.
pub const MAX_ROWS: usize = 4;

/// The last question's subject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataContext {
    pub dataset: Option<String>,
    /// Row labels ("Austin", "Portland, OR"), in the order they were asked about.
    #[serde(default)]
    pub rows: Vec<String>,
    /// Column name of the metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Whether the last answer compared rows.
    #[serde(default)]
    pub comparing: bool,
    /// What the bot asked for and waits on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting: Option<Awaiting>,
    /// Whether an answer gave the data set's full credit already: later ones offer it on a
    /// "Sources" button instead of repeating it.
    #[serde(default)]
    pub credited: bool,
}

/// A question the bot asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awaiting {
    /// A row to show.
    Row,
    /// A row to compare with the current ones.
    SecondRow,
}

impl DataContext {
    /// Reads it from a contact's context (a missing or unreadable one is a fresh start).
    pub fn from_contact(context: &serde_json::Map<String, serde_json::Value>) -> DataContext {
        context.get(KEY).and_then(|value| serde_json::from_value(value.clone()).ok()).unwrap_or_default()
    }

    /// Writes it into a contact's context, keeping the other keys.
    pub fn store_in(&self, context: &mut serde_json::Map<String, serde_json::Value>) {
        context.insert(KEY.to_owned(), serde_json::to_value(self).expect("context serializes"));
    }

    /// Adds a row to compare, keeping at most [`MAX_ROWS`] (the oldest go first).
    pub fn add_row(&mut self, label: &str) {
        self.rows.retain(|r| r != label);
        self.rows.push(label.to_owned());
        if self.rows.len() > MAX_ROWS {
            self.rows.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_contact_context_and_keeps_other_keys() {
        let mut stored = serde_json::Map::new();
        stored.insert("other".into(), 1.into());
        let context = DataContext {
            dataset: Some("cities".into()),
            rows: vec!["Austin".into()],
            metric: Some("fmr_2br_usd".into()),
            comparing: false,
            awaiting: Some(Awaiting::SecondRow),
            credited: true,
        };
        context.store_in(&mut stored);
        assert_eq!(DataContext::from_contact(&stored), context);
        assert_eq!(stored["other"], 1);
        stored.insert(KEY.into(), "garbage".into());
        assert_eq!(DataContext::from_contact(&stored), DataContext::default());
    }

    #[test]
    fn keeps_the_latest_rows() {
        let mut context = DataContext::default();
        for city in ["A", "B", "C", "D", "E", "B"] {
            context.add_row(city);
        }
        assert_eq!(context.rows, ["C", "D", "E", "B"]);
    }
}
