//! Exports of a range: JSON (the whole report: summary, operators and every day with figures)
//! or CSV (one row per day of the range, one column per metric, then one per ratio worked out
//! for that day, then the inbox's automatic figures; empty cells where there is none), and the
//! file they are written to.

use super::{Report, Summary, TeamDefinition, automatic};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Result<ExportFormat, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(format!("`{other}` is not an export format: json or csv")),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
        }
    }
}

pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report serializes");
    text.push('\n');
    text
}

/// Values are written in stored units (counts, percent, seconds) so other tools can add them up;
/// ratios as the day's value (in percent for percentage ratios), to four decimals. The automatic
/// columns come last (`live_chats`, then the day's mean `first_response` and `resolution` in
/// seconds), so the typed columns keep their places.
pub fn csv(report: &Report, definition: &TeamDefinition) -> String {
    let automatic = automatic::shown(definition);
    let mut header = vec!["date".to_owned()];
    header.extend(definition.metrics.iter().map(|m| m.key.clone()));
    header.extend(definition.ratios.iter().map(|r| r.key.clone()));
    header.extend(automatic.iter().map(|m| m.key.clone()));
    let mut out = crate::csv::line(&header);
    let mut recorded = report.daily.iter().peekable();
    let s = &report.summary;
    for date in s.from.series(jiff::Span::new().days(1)).take_while(|d| *d <= s.to) {
        let day = recorded.next_if(|d| d.date == date);
        let mut row = vec![date.to_string()];
        row.extend(
            definition
                .metrics
                .iter()
                .map(|m| day.and_then(|d| d.values.get(&m.key)).map(|v| number(*v)).unwrap_or_default()),
        );
        match day {
            Some(day) => row.extend(Summary::day_ratios(definition, day).into_iter().map(ratio)),
            None => row.extend(definition.ratios.iter().map(|_| String::new())),
        }
        row.extend(
            automatic.iter().map(|m| day.and_then(|d| d.automatic.get(&m.key)).map(|v| number(*v)).unwrap_or_default()),
        );
        out.push_str(&crate::csv::line(&row));
    }
    out
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { value.to_string() }
}

/// A ratio to four decimals, trailing zeros dropped (`95`, `2.5`, `0.3333`); empty without one.
fn ratio(value: Option<f64>) -> String {
    value.map(|v| statbot_core::numbers::trim_zeros(&format!("{v:.4}")).to_owned()).unwrap_or_default()
}

pub fn render(report: &Report, definition: &TeamDefinition, format: ExportFormat) -> String {
    match format {
        ExportFormat::Json => json(report),
        ExportFormat::Csv => csv(report, definition),
    }
}

/// `exports/support-2026-11-16-to-2026-11-22.csv` under `folder`.
pub fn default_path(folder: &Path, report: &Report, format: ExportFormat) -> PathBuf {
    let slug: String = report
        .team
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() { "team".to_owned() } else { slug };
    folder.join(format!("{slug}-{}-to-{}.{}", report.summary.from, report.summary.to, format.extension()))
}

/// Writes the export (creating its folder) and returns the path written, made absolute for
/// printing.
pub fn write(path: &Path, text: &str) -> std::io::Result<PathBuf> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    std::path::absolute(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::{DayFigures, Summary};
    use jiff::civil::date;

    #[test]
    fn csv_has_a_row_per_day_with_blanks_where_nothing_was_recorded() {
        let definition = TeamDefinition::default();
        let daily = vec![DayFigures {
            date: date(2026, 11, 3),
            values: [("solved".to_owned(), 40.0), ("csat_percent".to_owned(), 96.5)].into(),
            automatic: [("live_chats".to_owned(), 3.0), ("first_response".to_owned(), 42.5)].into(),
        }];
        let summary = Summary::compute(&definition, date(2026, 11, 2), date(2026, 11, 3), &daily);
        let report = Report { team: "Support Team".into(), summary, daily };
        assert_eq!(
            csv(&report, &definition),
            "date,solved,chats,comments,csat_good,csat_bad,csat_percent,csat,comments_per_solve,\
             live_chats,first_response,resolution\r\n\
             2026-11-02,,,,,,,,,,,\r\n\
             2026-11-03,40,,,,,96.5,96.5,,3,42.5,\r\n"
        );
        let path = default_path(Path::new("exports"), &report, ExportFormat::Csv);
        assert_eq!(path, Path::new("exports/support-team-2026-11-02-to-2026-11-03.csv"));
        let parsed: serde_json::Value = serde_json::from_str(&json(&report)).unwrap();
        assert_eq!(parsed["missing_days"][0], "2026-11-02");
        assert_eq!(parsed["daily"][0]["values"]["solved"], 40.0);
        assert_eq!(parsed["daily"][0]["automatic"]["live_chats"], 3.0);
    }
}
