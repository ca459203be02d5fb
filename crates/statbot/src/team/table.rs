//! A range's report as text for the terminal: the metrics with totals and daily averages (the
//! inbox's automatic ones marked), the ratios against their targets, each operator's inbox
//! figures, and a warning naming the days with no figures typed.

use super::Report;
use super::definition::{Better, MetricKind};
use super::summary::RatioSummary;
use super::value;
use statbot_core::numbers::grouped;
use std::fmt::Write;

/// Missing days listed one by one at most; longer gaps are summed up.
const MAX_LISTED_DAYS: usize = 31;

/// The report with the missing-days warning at the end.
pub fn render(report: &Report) -> String {
    let mut out = body(report);
    if let Some(warning) = missing_days_warning(report) {
        out.push('\n');
        out.push_str(&warning);
        out.push('\n');
    }
    out
}

/// The report without the missing-days warning (for callers that show it their own way).
pub fn body(report: &Report) -> String {
    let s = &report.summary;
    let mut out = format!(
        "Team {}, {} to {}: {} day{}, {} with figures\n\n",
        report.team,
        s.from,
        s.to,
        s.days,
        if s.days == 1 { "" } else { "s" },
        s.days_recorded
    );
    let mut rows = vec![vec!["metric".to_owned(), "total".into(), "daily average".into(), "days".into()]];
    for m in s.metrics.iter().filter(|m| m.shown()) {
        rows.push(vec![
            m.name.clone(),
            m.total.map_or("-".into(), |t| value::format(m.kind, t, 0)),
            m.average.map_or("-".into(), |a| value::format(m.kind, a, 1)),
            m.days_recorded.to_string(),
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    if let Some(note) = shadowed_note(report) {
        let _ = writeln!(out, "({note})");
    }
    if !s.ratios.is_empty() {
        let mut rows = vec![vec!["ratio".to_owned(), "value".into(), "target".into(), String::new()]];
        rows.extend(s.ratios.iter().map(ratio_row));
        out.push('\n');
        out.push_str(&crate::table::render(&rows));
        for r in s.ratios.iter().filter(|r| r.days_from_percentage > 0) {
            let _ = writeln!(
                out,
                "({}: {} day{} recorded as a percentage only, each counted as an average day)",
                r.name,
                r.days_from_percentage,
                if r.days_from_percentage == 1 { "" } else { "s" }
            );
        }
    }
    if !s.operators.is_empty() {
        out.push('\n');
        out.push_str(&crate::table::render(&operator_rows(report)));
    }
    out
}

/// The operators' inbox figures as rows, a heading row first.
fn operator_rows(report: &Report) -> Vec<Vec<String>> {
    let duration = |secs: Option<f64>| secs.map_or("-".into(), |s| value::format(MetricKind::Duration, s, 0));
    let mut rows = vec![vec![
        "operator".to_owned(),
        "live chats".into(),
        "first response".into(),
        "resolved".into(),
        "resolution".into(),
    ]];
    rows.extend(report.summary.operators.iter().map(|o| {
        vec![
            o.username.clone(),
            o.live_chats.to_string(),
            duration(o.first_response),
            o.resolved.to_string(),
            duration(o.resolution),
        ]
    }));
    rows
}

/// Says which automatic figures are left out because the team types a metric of that key.
pub fn shadowed_note(report: &Report) -> Option<String> {
    let keys = &report.summary.automatic_shadowed;
    (!keys.is_empty()).then(|| {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        format!(
            "this team types {} itself, so the inbox's figure of that key is not shown; give the typed metric \
             another key to see both",
            keys.join(" and ")
        )
    })
}

/// "Warning: no figures for 2 of 7 days: 2026-11-21, 2026-11-22", or nothing when complete. Days
/// with only the inbox's figures still lack their typed ones, and are said to.
pub fn missing_days_warning(report: &Report) -> Option<String> {
    let s = &report.summary;
    let missing = &s.missing_days;
    if missing.is_empty() {
        return None;
    }
    let mut text = format!("Warning: no figures for {} of {} days", missing.len(), s.days);
    if missing.len() <= MAX_LISTED_DAYS {
        let days: Vec<String> = missing.iter().map(ToString::to_string).collect();
        let _ = write!(text, ": {}", days.join(", "));
    } else {
        let _ = write!(text, " (first {}, last {})", missing[0], missing[missing.len() - 1]);
    }
    let inbox_only = report
        .daily
        .iter()
        .filter(|d| d.values.is_empty() && !d.automatic.is_empty() && missing.binary_search(&d.date).is_ok());
    match inbox_only.count() {
        0 => {}
        1 => text.push_str(" (one of them has only the inbox's figures, which are filled in automatically)"),
        n => {
            let _ = write!(text, " ({n} of them have only the inbox's figures, which are filled in automatically)");
        }
    }
    Some(text)
}

/// A ratio's value as written: a percentage, or a number with two decimals.
pub fn ratio_value(r: &RatioSummary, value: f64) -> String {
    if r.percent { value::format(MetricKind::Percent, value, 1) } else { grouped(value, 2) }
}

/// "95% or more", "2 or less".
pub fn ratio_target(r: &RatioSummary) -> Option<String> {
    let target = r.target?;
    let written = if r.percent {
        value::format(MetricKind::Percent, target, 1)
    } else {
        grouped(target, if target.fract() == 0.0 { 0 } else { 2 })
    };
    Some(match r.better {
        Better::Higher => format!("{written} or more"),
        Better::Lower => format!("{written} or less"),
    })
}

fn ratio_row(r: &RatioSummary) -> Vec<String> {
    vec![
        r.name.clone(),
        r.value.map_or("-".into(), |v| ratio_value(r, v)),
        ratio_target(r).unwrap_or_default(),
        match r.on_target {
            Some(true) => "on target".into(),
            Some(false) => "off target".into(),
            None => String::new(),
        },
    ]
}
