//! Reads a data set from CSV: infers each column's type, labels every row uniquely, and merges
//! the optional sidecar files (`NAME.columns.csv` for units, groups and descriptions,
//! `NAME.synonyms.csv` for other names of columns, `NAME.aliases.csv` for other names of rows).
//! Every problem names the file and the line.

use super::model::{Column, ColumnKind, DatasetMeta};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("{file} line {line}: {message}")]
    Line { file: String, line: u64, message: String },
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error(
        "data set names are 1 to 64 lower-case letters, digits, `-` or `_` (starting with a letter): `{0}` is not one"
    )]
    BadName(String),
}

/// A data set read from its files, ready to be stored.
#[derive(Debug, Clone)]
pub struct ParsedDataset {
    pub meta: DatasetMeta,
    pub rows: Vec<ParsedRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    pub label: String,
    /// Values that can follow the key to tell rows apart ("OR", "Oregon").
    pub qualifiers: Vec<String>,
    pub values: Vec<serde_json::Value>,
}

/// The data file and its optional sidecars' contents.
pub struct Source<'a> {
    pub name: &'a str,
    pub file: &'a str,
    pub key: &'a str,
    pub columns: Option<(&'a str, &'a str)>,
    pub synonyms: Option<(&'a str, &'a str)>,
    pub aliases: Option<(&'a str, &'a str)>,
    pub attribution: Option<String>,
}

/// Progress is reported every this many records.
const PROGRESS_EVERY: u64 = 4096;

/// Reads and checks a data set; `progress` hears the bytes read so far.
pub fn parse(source: Source<'_>, data: impl Read, progress: &mut dyn FnMut(u64)) -> Result<ParsedDataset, ParseError> {
    check_name(source.name)?;
    let file = source.file;
    let (header, records) = read_records(file, data, progress)?;
    let key = header.iter().position(|h| h == source.key).ok_or_else(|| ParseError::File {
        file: file.into(),
        message: format!("there is no column `{}`; the columns are: {}", source.key, header.join(", ")),
    })?;
    let mut columns: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(i, name)| infer_column(name, records.iter().map(|(_, r)| r[i].as_str())))
        .collect();
    if let Some((path, text)) = source.columns {
        apply_column_sidecar(&mut columns, path, text)?;
    }
    if let Some((path, text)) = source.synonyms {
        apply_synonyms(&mut columns, path, text)?;
    }
    let labels = label_rows(file, key, &columns, &records)?;
    let qualifier_columns = qualifier_columns(key, labels.qualifier, &columns, &records);
    let rows = records
        .iter()
        .zip(labels.labels)
        .map(|((_, record), label)| ParsedRow {
            label,
            qualifiers: qualifier_columns.iter().map(|&c| record[c].clone()).filter(|v| !v.is_empty()).fold(
                Vec::new(),
                |mut acc, v| {
                    if !acc.contains(&v) {
                        acc.push(v);
                    }
                    acc
                },
            ),
            values: record.iter().zip(&columns).map(|(cell, column)| typed_value(cell, column.kind)).collect(),
        })
        .collect::<Vec<_>>();
    let aliases = match source.aliases {
        Some((path, text)) => read_aliases(path, text, &rows)?,
        None => BTreeMap::new(),
    };
    let meta = DatasetMeta {
        name: source.name.to_owned(),
        key: source.key.to_owned(),
        qualifier: labels.qualifier.map(|c| columns[c].name.clone()),
        columns,
        aliases,
        attribution: source.attribution.filter(|a| !a.trim().is_empty()),
        source_file: file.to_owned(),
    };
    Ok(ParsedDataset { meta, rows })
}

fn check_name(name: &str) -> Result<(), ParseError> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(ParseError::BadName(name.to_owned())) }
}

type Records = Vec<(u64, Vec<String>)>;

/// The header and every record (trimmed) with its line number.
fn read_records(
    file: &str,
    data: impl Read,
    progress: &mut dyn FnMut(u64),
) -> Result<(Vec<String>, Records), ParseError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(file, &e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(ParseError::File { file: file.into(), message: "the file is empty: no header line".into() });
    }
    if let Some(blank) = header.iter().position(String::is_empty) {
        return Err(ParseError::Line {
            file: file.into(),
            line: 1,
            message: format!("column {} has no name", blank + 1),
        });
    }
    check_no_nul(file, 1, header.iter().map(String::as_str))?;
    let mut seen = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), i) {
            return Err(ParseError::Line {
                file: file.into(),
                line: 1,
                message: format!("column `{name}` appears twice (columns {} and {})", first + 1, i + 1),
            });
        }
    }
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(file, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        if record.len() != header.len() {
            return Err(ParseError::Line {
                file: file.into(),
                line,
                message: format!("{} fields, but the header has {}", record.len(), header.len()),
            });
        }
        check_no_nul(file, line, record.iter())?;
        records.push((line, record.iter().map(|f| f.trim().to_owned()).collect()));
        if (records.len() as u64).is_multiple_of(PROGRESS_EVERY) {
            progress(record.position().map_or(0, |p| p.byte()));
        }
    }
    if records.is_empty() {
        return Err(ParseError::File { file: file.into(), message: "there are no rows under the header".into() });
    }
    Ok((header, records))
}

/// A NUL is no part of text a person wrote (the file is binary or damaged), and PostgreSQL
/// cannot store one: refused here, with its line, on every database alike.
fn check_no_nul<'a>(file: &str, line: u64, mut fields: impl Iterator<Item = &'a str>) -> Result<(), ParseError> {
    match fields.position(|f| f.contains('\0')) {
        Some(i) => Err(ParseError::Line {
            file: file.into(),
            line,
            message: format!("field {} holds a NUL character: is this a text file?", i + 1),
        }),
        None => Ok(()),
    }
}

fn csv_error(file: &str, error: &csv::Error) -> ParseError {
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("not valid UTF-8 text (field {})", err.field() + 1),
        csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
        _ => error.to_string(),
    };
    match error.position() {
        Some(p) => ParseError::Line { file: file.into(), line: p.line(), message },
        None => ParseError::File { file: file.into(), message },
    }
}

/// A column's type from its values: integers, numbers, or text; empty cells don't count.
fn infer_column<'a>(name: &str, cells: impl Iterator<Item = &'a str>) -> Column {
    let mut kind = ColumnKind::Integer;
    let mut missing = 0;
    let mut any = false;
    for cell in cells {
        if cell.is_empty() {
            missing += 1;
            continue;
        }
        any = true;
        kind = match kind {
            ColumnKind::Integer if is_integer(cell) => ColumnKind::Integer,
            ColumnKind::Integer | ColumnKind::Number if is_number(cell) => ColumnKind::Number,
            _ => ColumnKind::Text,
        };
    }
    Column { missing, ..Column::new(name, if any { kind } else { ColumnKind::Text }) }
}

/// A whole number without leading zeros (a leading zero marks a code: "0644000").
fn is_integer(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && cell.parse::<i64>().is_ok()
}

/// A finite decimal number ("3.5", "-0.25", "1e6"); not "inf", "NaN" or codes like "007".
fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let leading_zero_code = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    cell.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && !leading_zero_code
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}

fn typed_value(cell: &str, kind: ColumnKind) -> serde_json::Value {
    if cell.is_empty() {
        return serde_json::Value::Null;
    }
    match kind {
        ColumnKind::Integer => cell.parse::<i64>().map_or(serde_json::Value::Null, Into::into),
        ColumnKind::Number => cell.parse::<f64>().map_or(serde_json::Value::Null, Into::into),
        ColumnKind::Text => cell.into(),
    }
}

/// Reads a small sidecar CSV: its header and rows with line numbers.
fn read_sidecar(path: &str, text: &str, required: &[&str]) -> Result<(Vec<String>, Records), ParseError> {
    let (header, records) = read_records(path, text.as_bytes(), &mut |_| {})?;
    for column in required {
        if !header.iter().any(|h| h == column) {
            return Err(ParseError::File {
                file: path.into(),
                message: format!("the header needs a `{column}` column (it has: {})", header.join(", ")),
            });
        }
    }
    Ok((header, records))
}

fn field<'a>(header: &[String], record: &'a [String], name: &str) -> Option<&'a str> {
    let i = header.iter().position(|h| h == name)?;
    Some(record[i].as_str()).filter(|v| !v.is_empty())
}

fn column_index(columns: &[Column], path: &str, line: u64, name: &str) -> Result<usize, ParseError> {
    columns.iter().position(|c| c.name == name).ok_or_else(|| ParseError::Line {
        file: path.into(),
        line,
        message: format!("the data has no column `{name}`"),
    })
}

/// `column,unit,group,description,source` (all but `column` optional).
fn apply_column_sidecar(columns: &mut [Column], path: &str, text: &str) -> Result<(), ParseError> {
    let (header, records) = read_sidecar(path, text, &["column"])?;
    for (line, record) in &records {
        let name = field(&header, record, "column").unwrap_or_default();
        let column = &mut columns[column_index(columns, path, *line, name)?];
        column.unit = field(&header, record, "unit").map(str::to_owned);
        column.group = field(&header, record, "group").map(str::to_owned);
        column.description = field(&header, record, "description").map(str::to_owned);
        column.source = field(&header, record, "source").map(str::to_owned);
    }
    Ok(())
}

/// `column,synonyms` with synonyms separated by `|`.
fn apply_synonyms(columns: &mut [Column], path: &str, text: &str) -> Result<(), ParseError> {
    let (header, records) = read_sidecar(path, text, &["column", "synonyms"])?;
    for (line, record) in &records {
        let name = field(&header, record, "column").unwrap_or_default();
        let column = &mut columns[column_index(columns, path, *line, name)?];
        let synonyms = field(&header, record, "synonyms").unwrap_or_default();
        column.synonyms.extend(synonyms.split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
    }
    Ok(())
}

/// `label,alias`: another name for a row, by its label.
fn read_aliases(path: &str, text: &str, rows: &[ParsedRow]) -> Result<BTreeMap<String, Vec<String>>, ParseError> {
    let (header, records) = read_sidecar(path, text, &["label", "alias"])?;
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (line, record) in &records {
        let label = field(&header, record, "label").unwrap_or_default();
        let alias = field(&header, record, "alias").unwrap_or_default();
        if !rows.iter().any(|r| r.label == label) {
            return Err(ParseError::Line {
                file: path.into(),
                line: *line,
                message: format!("no row is labelled `{label}`"),
            });
        }
        if alias.is_empty() {
            return Err(ParseError::Line { file: path.into(), line: *line, message: "the alias is empty".into() });
        }
        aliases.entry(label.to_owned()).or_default().push(alias.to_owned());
    }
    Ok(aliases)
}

struct Labels {
    labels: Vec<String>,
    qualifier: Option<usize>,
}

/// The key where it is unique, "key, qualifier" where it repeats; the qualifier is the first
/// text column that tells every repeated key's rows apart.
fn label_rows(file: &str, key: usize, columns: &[Column], records: &Records) -> Result<Labels, ParseError> {
    let mut lines_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (line, record)) in records.iter().enumerate() {
        if record[key].is_empty() {
            return Err(ParseError::Line {
                file: file.into(),
                line: *line,
                message: format!("the key column `{}` is empty", columns[key].name),
            });
        }
        lines_of.entry(record[key].as_str()).or_default().push(i);
    }
    let repeated: Vec<&Vec<usize>> = lines_of.values().filter(|rows| rows.len() > 1).collect();
    let qualifier = if repeated.is_empty() {
        None
    } else {
        let tells_apart = |c: usize| {
            repeated.iter().all(|rows| {
                let mut values: Vec<&str> = rows.iter().map(|&r| records[r].1[c].as_str()).collect();
                values.sort_unstable();
                values.iter().all(|v| !v.is_empty()) && values.windows(2).all(|w| w[0] != w[1])
            })
        };
        let found = (0..columns.len()).find(|&c| c != key && columns[c].kind == ColumnKind::Text && tells_apart(c));
        if found.is_none() {
            let rows = repeated.iter().max_by_key(|rows| rows.len()).expect("some key repeats");
            let lines: Vec<String> = rows.iter().map(|&r| records[r].0.to_string()).collect();
            return Err(ParseError::File {
                file: file.into(),
                message: format!(
                    "the key `{}` repeats (`{}` on lines {}) and no text column tells those rows apart; pick another --key",
                    columns[key].name,
                    records[rows[0]].1[key],
                    lines.join(", ")
                ),
            });
        }
        found
    };
    let labels: Vec<String> = records
        .iter()
        .map(|(_, record)| match qualifier {
            Some(q) if lines_of[record[key].as_str()].len() > 1 => format!("{}, {}", record[key], record[q]),
            _ => record[key].clone(),
        })
        .collect();
    let mut first_line: HashMap<&str, u64> = HashMap::new();
    for (label, (line, _)) in labels.iter().zip(records) {
        if let Some(first) = first_line.insert(label, *line) {
            return Err(ParseError::Line {
                file: file.into(),
                line: *line,
                message: format!("the row `{label}` is already on line {first}"),
            });
        }
    }
    Ok(Labels { labels, qualifier })
}

/// Columns whose values can follow a key to narrow it: the qualifier and the text columns of the
/// key's group with few distinct values (state codes and names for cities, not counties).
fn qualifier_columns(key: usize, qualifier: Option<usize>, columns: &[Column], records: &Records) -> Vec<usize> {
    let few = (records.len() / 5).max(2);
    let mut chosen: Vec<usize> = qualifier.into_iter().collect();
    for (c, column) in columns.iter().enumerate() {
        if c == key || chosen.contains(&c) || column.kind != ColumnKind::Text || column.group != columns[key].group {
            continue;
        }
        let mut values: Vec<&str> = records.iter().map(|(_, r)| r[c].as_str()).collect();
        values.sort_unstable();
        values.dedup();
        let is_code = values.iter().all(|v| v.bytes().all(|b| b.is_ascii_digit()));
        if values.len() <= few && !is_code {
            chosen.push(c);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source<'a>(key: &'a str) -> Source<'a> {
        Source {
            name: "towns",
            file: "towns.csv",
            key,
            columns: None,
            synonyms: None,
            aliases: None,
            attribution: None,
        }
    }

    fn parse_text(source: Source<'_>, text: &str) -> Result<ParsedDataset, ParseError> {
        parse(source, text.as_bytes(), &mut |_| {})
    }

    const TOWNS: &str = "city,state,code,people,share\n\
        Portland,OR,0159000,650000,1.5\n\
        Portland,ME,2360545,66000,\n\
        Austin,TX,4805000,961855,2\n";

    #[test]
    fn infers_types_and_labels_repeated_keys_by_their_qualifier() {
        let set = parse_text(source("city"), TOWNS).unwrap();
        let kinds: Vec<ColumnKind> = set.meta.columns.iter().map(|c| c.kind).collect();
        use ColumnKind::*;
        assert_eq!(kinds, [Text, Text, Text, Integer, Number]);
        assert_eq!(set.meta.qualifier.as_deref(), Some("state"));
        let labels: Vec<&str> = set.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Portland, OR", "Portland, ME", "Austin"]);
        assert_eq!(set.rows[1].values[4], serde_json::Value::Null);
        assert_eq!(set.meta.columns[4].missing, 1);
        assert_eq!(set.rows[0].values[2], "0159000", "codes keep their leading zeros");
        assert_eq!(set.rows[0].qualifiers, ["OR"]);
    }

    #[test]
    fn errors_name_the_line() {
        let ragged = "city,people\nAustin,1\nDenver,2,3\n";
        let err = parse_text(source("city"), ragged).unwrap_err();
        assert_eq!(err.to_string(), "towns.csv line 3: 3 fields, but the header has 2");
        let empty_key = "city,people\nAustin,1\n,2\n";
        assert_eq!(
            parse_text(source("city"), empty_key).unwrap_err().to_string(),
            "towns.csv line 3: the key column `city` is empty"
        );
        let twice = "city,people\nAustin,1\nAustin,2\n";
        assert!(parse_text(source("city"), twice).unwrap_err().to_string().contains("lines 2, 3"));
        assert!(parse_text(source("town"), TOWNS).unwrap_err().to_string().contains("no column `town`"));
        assert_eq!(
            parse_text(source("city"), "").unwrap_err().to_string(),
            "towns.csv: the file is empty: no header line"
        );
        let bad_utf8 = parse(source("city"), &b"city,people\nAust\xffin,1\n"[..], &mut |_| {}).unwrap_err();
        assert!(bad_utf8.to_string().starts_with("towns.csv line 2: not valid UTF-8"), "{bad_utf8}");
    }

    /// Found by the bad-CSV integration test on PostgreSQL: a NUL in a cell was read, then the
    /// store refused it with the database's words (`invalid byte sequence for encoding "UTF8":
    /// 0x00`), while SQLite stored it. Now it is refused as a bad file everywhere.
    #[test]
    fn a_nul_character_is_refused_with_its_line() {
        let in_a_cell = parse_text(source("city"), "city,people\nAustin,1\nDen\0ver,2\n").unwrap_err();
        assert_eq!(in_a_cell.to_string(), "towns.csv line 3: field 1 holds a NUL character: is this a text file?");
        let in_the_header = parse_text(source("city"), "city,peo\0ple\nAustin,1\n").unwrap_err();
        assert!(in_the_header.to_string().starts_with("towns.csv line 1: field 2 holds a NUL"), "{in_the_header}");
        let mut src = source("city");
        src.aliases = Some(("towns.aliases.csv", "label,alias\nAustin,A\0TX\n"));
        assert!(
            parse_text(src, "city,people\nAustin,1\n").unwrap_err().to_string().starts_with("towns.aliases.csv line 2")
        );
    }

    #[test]
    fn sidecars_add_units_synonyms_and_aliases() {
        let mut src = source("city");
        src.columns = Some(("towns.columns.csv", "column,unit,group\npeople,people,population\n"));
        src.synonyms = Some(("towns.synonyms.csv", "column,synonyms\npeople,population | inhabitants\n"));
        src.aliases = Some(("towns.aliases.csv", "label,alias\n\"Portland, OR\",PDX\n"));
        let set = parse_text(src, TOWNS).unwrap();
        let people = set.meta.column("people").unwrap().1;
        assert_eq!(people.unit.as_deref(), Some("people"));
        assert_eq!(people.synonyms, ["population", "inhabitants"]);
        assert_eq!(set.meta.aliases["Portland, OR"], ["PDX"]);

        let mut src = source("city");
        src.aliases = Some(("towns.aliases.csv", "label,alias\nPortland,PDX\n"));
        assert_eq!(
            parse_text(src, TOWNS).unwrap_err().to_string(),
            "towns.aliases.csv line 2: no row is labelled `Portland`"
        );
        let mut src = source("city");
        src.columns = Some(("towns.columns.csv", "column,unit\npeeps,people\n"));
        assert_eq!(
            parse_text(src, TOWNS).unwrap_err().to_string(),
            "towns.columns.csv line 2: the data has no column `peeps`"
        );
    }

    #[test]
    fn names_are_checked() {
        let mut src = source("city");
        src.name = "My Towns";
        assert!(matches!(parse_text(src, TOWNS), Err(ParseError::BadName(_))));
    }

    #[test]
    fn number_rules() {
        for ok in ["0", "12", "-4"] {
            assert!(is_integer(ok), "{ok}");
        }
        for not in ["007", "1.5", "", "-", "99999999999999999999"] {
            assert!(!is_integer(not), "{not}");
        }
        for ok in ["1.5", "-0.25", "1e6", "0.5"] {
            assert!(is_number(ok), "{ok}");
        }
        for not in ["inf", "NaN", "1,5", "00.5", "abc"] {
            assert!(!is_number(not), "{not}");
        }
    }
}

#[cfg(test)]
mod properties;
