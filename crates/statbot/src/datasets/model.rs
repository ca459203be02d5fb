//! What a data set is: its columns with their inferred types and sidecar details, its aliases
//! and attribution, and one row's values. Stored as JSON in the `datasets.meta` column.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type inferred for a column from every value it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Whole numbers (no leading zeros: codes such as FIPS "0644000" stay text).
    Integer,
    /// Any other numbers.
    Number,
    Text,
}

impl ColumnKind {
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Number)
    }
}

/// One column, with what the sidecar file says of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Other names people use for it ("rent" for the 2-bedroom fair market rent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    /// Empty cells.
    #[serde(default)]
    pub missing: u64,
}

impl Column {
    /// A column with its type and nothing else known yet.
    pub fn new(name: &str, kind: ColumnKind) -> Column {
        Column {
            name: name.to_owned(),
            kind,
            unit: None,
            group: None,
            description: None,
            source: None,
            synonyms: Vec::new(),
            missing: 0,
        }
    }

    /// A readable name: "median household income 2019" for `median_household_income_2019`.
    pub fn title(&self) -> String {
        self.name.replace('_', " ")
    }

    /// The year at the end of a column's name (`…_2019`), when it is one of a series.
    pub fn year(&self) -> Option<i16> {
        let (_, tail) = self.name.rsplit_once('_')?;
        let year: i16 = tail.parse().ok()?;
        (tail.len() == 4 && (1800..=2200).contains(&year)).then_some(year)
    }

    /// Whether the column holds map coordinates (`latitude`, `lng`, `pickup_lon`, …), found by
    /// name: numbers, but meaningless as bars, so no chart shows them unless asked for by name.
    pub fn is_coordinate(&self) -> bool {
        let name = self.name.to_ascii_lowercase();
        name == "long"
            || name
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| matches!(word, "lat" | "latitude" | "lng" | "lon" | "longitude"))
    }

    /// The name without its year (`median_household_income` for `…_2019`).
    pub fn series(&self) -> Option<&str> {
        self.year().map(|_| &self.name[..self.name.len() - 5])
    }
}

/// Everything about a data set except its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetMeta {
    pub name: String,
    /// The column that names each row.
    pub key: String,
    /// The column that tells rows with the same key apart ("state" for cities), if any repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub columns: Vec<Column>,
    /// Other names of rows, by label ("NYC" for "New York").
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// The credit line to show wherever the data is presented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// The file it was imported from.
    pub source_file: String,
}

impl DatasetMeta {
    pub fn column(&self, name: &str) -> Option<(usize, &Column)> {
        self.columns.iter().enumerate().find(|(_, c)| c.name == name)
    }

    /// Numeric columns: the metrics people can ask about.
    pub fn metrics(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.kind.is_numeric())
    }

    /// Metric groups in column order ("population", "housing", …); ungrouped metrics are in
    /// "other".
    pub fn groups(&self) -> Vec<&str> {
        let mut groups: Vec<&str> = Vec::new();
        for (_, column) in self.metrics() {
            let group = column.group.as_deref().unwrap_or(OTHER_GROUP);
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        groups
    }
}

/// The group of metrics the sidecar put in no group.
pub const OTHER_GROUP: &str = "other";

/// One row as stored: its label and values in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub values: Vec<serde_json::Value>,
}

/// One row's values with their columns, for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub dataset: String,
    pub label: String,
    pub values: Vec<(Column, serde_json::Value)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_found_by_name() {
        for name in ["latitude", "Longitude", "lat", "lng", "lon", "long", "pickup_lat", "home-lng"] {
            assert!(Column::new(name, ColumnKind::Number).is_coordinate(), "{name}");
        }
        for name in ["population", "long_term_care_pct", "plateau", "salon_count", "along"] {
            assert!(!Column::new(name, ColumnKind::Number).is_coordinate(), "{name}");
        }
    }

    fn column(name: &str) -> Column {
        Column::new(name, ColumnKind::Integer)
    }

    #[test]
    fn series_columns_end_in_a_year() {
        let income = column("median_household_income_2019");
        assert_eq!(income.year(), Some(2019));
        assert_eq!(income.series(), Some("median_household_income"));
        assert_eq!(column("fmr_2br_usd").year(), None);
        assert_eq!(column("population_1").year(), None);
        assert_eq!(income.title(), "median household income 2019");
    }
}
