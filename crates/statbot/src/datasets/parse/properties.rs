//! Property tests: random bytes, a small set and a slice of the demo cities damaged (in the
//! data or in a sidecar), and generated tables. Every input gives a data set or a
//! [`ParseError`] naming the file, never a panic; a data set read loads into the catalog and
//! answers lookups of any text; a generated table is read back cell for cell.

use super::*;
use crate::datasets::catalog::LoadedSet;
use crate::datasets::import::demo;
use crate::fuzz;
use proptest::prelude::*;
use serde_json::Value;

const TOWNS: &str = "city,state,code,people,share\n\
    Portland,OR,0159000,650000,1.5\n\
    Portland,ME,2360545,66000,\n\
    Austin,TX,4805000,961855,2\n";
const TOWNS_COLUMNS: &str = "column,unit,group\npeople,people,population\nshare,%,population\n";
const TOWNS_SYNONYMS: &str = "column,synonyms\npeople,population | inhabitants\n";
const TOWNS_ALIASES: &str = "label,alias\n\"Portland, OR\",PDX\n";

/// The demo's header and first rows: 52 metrics, repeated keys, codes with leading zeros.
fn some_cities() -> String {
    demo::DATA.lines().take(41).map(|line| format!("{line}\n")).collect()
}

/// Which file of a set is damaged.
#[derive(Debug, Clone)]
struct Files {
    cities: bool,
    data: String,
    columns: String,
    synonyms: String,
    aliases: Option<String>,
}

fn towns(data: String, columns: String, synonyms: String, aliases: String) -> Files {
    Files { cities: false, data, columns, synonyms, aliases: Some(aliases) }
}

fn cities(data: String, columns: String, synonyms: String) -> Files {
    Files { cities: true, data, columns, synonyms, aliases: None }
}

fn damaged_files() -> impl Strategy<Value = Files> {
    let t = |s: &str| Just(s.to_owned()).boxed();
    let m = |s: &str| fuzz::mutated_text(s).boxed();
    let set = |d: BoxedStrategy<String>, c, s, a| (d, c, s, a).prop_map(|(d, c, s, a)| towns(d, c, s, a));
    let cities_data = some_cities();
    prop_oneof![
        4 => set(m(TOWNS), t(TOWNS_COLUMNS), t(TOWNS_SYNONYMS), t(TOWNS_ALIASES)),
        1 => set(t(TOWNS), m(TOWNS_COLUMNS), t(TOWNS_SYNONYMS), t(TOWNS_ALIASES)),
        1 => set(t(TOWNS), t(TOWNS_COLUMNS), m(TOWNS_SYNONYMS), t(TOWNS_ALIASES)),
        1 => set(t(TOWNS), t(TOWNS_COLUMNS), t(TOWNS_SYNONYMS), m(TOWNS_ALIASES)),
        2 => m(&cities_data).prop_map(|d| cities(d, demo::COLUMNS.into(), demo::SYNONYMS.into())),
        1 => fuzz::mutated_text(demo::COLUMNS).prop_map(move |c| cities(some_cities(), c, demo::SYNONYMS.into())),
        1 => fuzz::mutated_text(demo::SYNONYMS).prop_map(move |s| cities(some_cities(), demo::COLUMNS.into(), s)),
    ]
}

/// `data.csv` without sidecars.
fn bare<'a>(name: &'a str, key: &'a str) -> Source<'a> {
    Source { name, file: "data.csv", key, columns: None, synonyms: None, aliases: None, attribution: None }
}

fn parse_files(files: &Files) -> Result<ParsedDataset, ParseError> {
    let source = Source {
        name: if files.cities { "cities" } else { "towns" },
        file: "data.csv",
        key: "city",
        columns: Some(("data.columns.csv", &files.columns)),
        synonyms: Some(("data.synonyms.csv", &files.synonyms)),
        aliases: files.aliases.as_deref().map(|a| ("data.aliases.csv", a)),
        attribution: None,
    };
    parse(source, files.data.as_bytes(), &mut |_| {})
}

/// A parse's outcome: a set that serialises, loads into the catalog and answers lookups of
/// `asked`, or an error naming one of the files and a line inside it.
fn check(files: &Files, parsed: Result<ParsedDataset, ParseError>, asked: &str) -> Result<(), TestCaseError> {
    let set = match parsed {
        Ok(set) => set,
        Err(error) => {
            let message = error.to_string();
            prop_assert!(message.starts_with("data."), "{message}");
            if let ParseError::Line { file, line, .. } = &error {
                let text = match file.as_str() {
                    "data.csv" => &files.data,
                    "data.columns.csv" => &files.columns,
                    "data.synonyms.csv" => &files.synonyms,
                    _ => files.aliases.as_ref().unwrap_or(&files.data),
                };
                let lines = text.split(['\n', '\r']).count() as u64;
                prop_assert!((1..=lines).contains(line), "{message} of {lines} lines");
            }
            return Ok(());
        }
    };
    prop_assert!(serde_json::from_str::<DatasetMeta>(&serde_json::to_string(&set.meta).unwrap()).is_ok());
    let rows: Vec<_> = set.rows.iter().map(|r| (&r.label, &r.qualifiers, &r.values)).collect();
    let stored = serde_json::to_string(&(&set.meta, rows)).unwrap();
    prop_assert!(!stored.contains("\\u0000"), "a NUL would reach the store");
    for row in &set.rows {
        prop_assert_eq!(row.values.len(), set.meta.columns.len());
        prop_assert!(
            row.values.iter().all(|v| !matches!(v, Value::Number(n) if n.as_f64().is_none_or(|x| !x.is_finite())))
        );
    }
    let loaded = LoadedSet::from_parsed(&set);
    for (i, row) in set.rows.iter().enumerate() {
        let found = loaded.resolve(&row.label);
        prop_assert!(found.is_ok(), "{} is not found: {found:?}", row.label);
        let found = found.unwrap_or_default();
        prop_assert!(found == i || set.rows[found].label.to_lowercase() == row.label.to_lowercase());
    }
    let _ = loaded.resolve(asked);
    let _ = loaded.metric(asked);
    Ok(())
}

/// A generated row: a unique key, a text, and an integer and a decimal (whole part and
/// thousandths), either of which may be left empty.
#[derive(Debug, Clone)]
struct Row {
    key: String,
    text: String,
    integer: Option<i64>,
    decimal: Option<(i32, u16)>,
}

impl Row {
    fn decimal_text(&self) -> Option<String> {
        self.decimal.map(|(whole, thousandths)| format!("{whole}.{thousandths:03}"))
    }
}

fn table() -> impl Strategy<Value = Vec<Row>> {
    let cell = || "\\PC{0,24}";
    let row = (
        cell(),
        cell(),
        proptest::option::weighted(0.9, any::<i64>()),
        proptest::option::weighted(0.9, (any::<i32>(), 1u16..1000)),
    );
    prop::collection::vec(row, 1..24).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (key, text, integer, decimal))| Row {
                key: format!("k{i}-{key}"),
                text: format!("t{text}"),
                integer,
                decimal,
            })
            .collect()
    })
}

fn write_csv(table: &[Row]) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(["key", "text", "integer", "number"]).unwrap();
    for row in table {
        let integer = row.integer.map(|n| n.to_string()).unwrap_or_default();
        writer.write_record([&row.key, &row.text, &integer, &row.decimal_text().unwrap_or_default()]).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(fuzz::config(256))]

    #[test]
    fn any_bytes_give_a_data_set_or_an_error(
        header in prop::sample::select(vec!["", "city\n", "city,x\n", "x,city,y\n"]),
        rows in prop_oneof![fuzz::any_bytes(), fuzz::tricky_text().prop_map(String::into_bytes)],
        asked in fuzz::any_text(),
    ) {
        let data = [header.as_bytes(), &rows].concat();
        let files = towns(String::from_utf8_lossy(&data).into_owned(), String::new(), String::new(), String::new());
        check(&files, parse(bare("towns", "city"), data.as_slice(), &mut |_| {}), &asked)?;
    }

    #[test]
    fn damaged_data_sets_give_a_data_set_or_an_error(files in damaged_files(), asked in fuzz::any_text()) {
        check(&files, parse_files(&files), &asked)?;
    }

    #[test]
    fn generated_tables_are_read_back_cell_for_cell(table in table(), asked in fuzz::any_text()) {
        let data = write_csv(&table);
        let parsed = parse(bare("generated", "key"), data.as_bytes(), &mut |_| {});
        prop_assert!(parsed.is_ok(), "{parsed:?}\n{data}");
        let Ok(set) = parsed else { unreachable!() };
        let files = towns(data, String::new(), String::new(), String::new());
        check(&files, Ok(set.clone()), &asked)?;
        let kinds: Vec<ColumnKind> = set.meta.columns.iter().map(|c| c.kind).collect();
        let kind_of = |any: bool, kind| if any { kind } else { ColumnKind::Text };
        let integer = kind_of(table.iter().any(|r| r.integer.is_some()), ColumnKind::Integer);
        let number = kind_of(table.iter().any(|r| r.decimal.is_some()), ColumnKind::Number);
        prop_assert_eq!(kinds, vec![ColumnKind::Text, ColumnKind::Text, integer, number]);
        for (read, row) in set.rows.iter().zip(&table) {
            prop_assert_eq!(&read.label, row.key.trim());
            prop_assert_eq!(&read.values[1], &Value::from(row.text.trim()));
            prop_assert_eq!(&read.values[2], &row.integer.map_or(Value::Null, Value::from));
            let decimal = row.decimal_text().map(|text| text.parse::<f64>().unwrap());
            prop_assert_eq!(&read.values[3], &decimal.map_or(Value::Null, Value::from));
        }
    }
}
