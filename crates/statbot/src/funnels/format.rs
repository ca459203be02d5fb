//! Funnel reports as CSV and as a text table for the terminal (with the redemptions after
//! the steps).

use super::RangeReport;
use statbot_core::funnel::FunnelReport;
use std::fmt::Write;

const CSV_HEADER: [&str; 14] = [
    "date",
    "step",
    "button",
    "title",
    "contacts",
    "total",
    "rate_from_entry",
    "rate_from_previous",
    "rate",
    "drop_off",
    "drop_off_rate",
    "reveal_contacts",
    "reveals",
    "median_ms",
];

/// One line per step (`total` = entries) and per button (`total` = clicks); by day when the
/// report has days, else one `date` naming the range. A report by ref has a first column `ref`
/// (empty for contacts who came by none) and the lines of each ref's funnel.
pub fn csv(report: &RangeReport) -> String {
    if let Some(parts) = &report.by_ref {
        let mut out = crate::csv::line(std::iter::once("ref").chain(CSV_HEADER));
        let date = format!("{}..{}", report.range.from, report.range.to);
        for part in parts {
            csv_rows(&mut out, &[part.reference.clone().unwrap_or_default(), date.clone()], &part.funnel);
        }
        return out;
    }
    let mut out = crate::csv::line(CSV_HEADER);
    match &report.days {
        Some(days) => {
            for day in days {
                csv_rows(&mut out, &[day.date.to_string()], &day.funnel);
            }
        }
        None => csv_rows(&mut out, &[format!("{}..{}", report.range.from, report.range.to)], &report.funnel),
    }
    out
}

fn number<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A rate (0 to 1) to four decimals, trailing zeros dropped: `0.6667`, `0.5`, `1`.
fn rate(value: Option<f64>) -> String {
    value.map(|v| statbot_core::numbers::trim_zeros(&format!("{v:.4}")).to_owned()).unwrap_or_default()
}

/// The lines of a funnel, each led by `lead` (its date, or its ref and date).
fn csv_rows(out: &mut String, lead: &[String], funnel: &FunnelReport) {
    for step in &funnel.steps {
        out.push_str(&crate::csv::line(lead.iter().cloned().chain([
            step.step.clone(),
            String::new(),
            String::new(),
            step.contacts.to_string(),
            step.entries.to_string(),
            rate(step.rate_from_entry),
            rate(step.rate_from_previous),
            String::new(),
            number(step.drop_off),
            rate(step.drop_off_rate),
            step.reveal_contacts.to_string(),
            step.reveals.to_string(),
            String::new(),
        ])));
        for b in &step.buttons {
            out.push_str(&crate::csv::line(lead.iter().cloned().chain([
                step.step.clone(),
                b.button.clone(),
                b.title.clone(),
                b.contacts.to_string(),
                b.clicks.to_string(),
                String::new(),
                String::new(),
                rate(b.rate),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                number(b.median_ms),
            ])));
        }
    }
}

/// A percentage with one decimal, or a dash when there is nothing to measure.
pub fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "–".into())
}

/// A duration for people: `45 s`, `12 min`, `3.5 h`, `2.0 d`.
pub fn duration(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return "–".into() };
    match ms {
        i64::MIN..60_000 => format!("{} s", ms / 1000),
        60_000..3_600_000 => format!("{} min", ms / 60_000),
        3_600_000..86_400_000 => format!("{:.1} h", ms as f64 / 3_600_000.0),
        _ => format!("{:.1} d", ms as f64 / 86_400_000.0),
    }
}

/// The report as an aligned table: steps with their buttons beneath; then, by ref, the same
/// for each ref.
pub fn table(report: &RangeReport) -> String {
    let mut out = String::new();
    let f = &report.funnel;
    let _ = writeln!(
        out,
        "Funnel of `{}` from {} to {} ({}, conversion window {} days): {} contacts entered",
        f.flow, report.range.from, report.range.to, report.time_zone, report.window_days, f.cohort
    );
    if let Some(line) = report.channels_line() {
        let _ = writeln!(out, "{line}");
    }
    out.push_str(&steps_table(f));
    let _ = writeln!(out, "After the reveals: {}", report.redemptions.line());
    for part in report.by_ref.iter().flatten() {
        let by = match &part.reference {
            Some(reference) => format!("`{reference}`"),
            None => format!("{} (no ref before entering)", super::DIRECT),
        };
        let _ = writeln!(out, "\nFunnel of `{}` by {by}: {} contacts entered", f.flow, part.funnel.cohort);
        out.push_str(&steps_table(&part.funnel));
        let _ = writeln!(out, "After the reveals: {}", part.redemptions.line());
    }
    for split in report.by_variant.iter().flatten() {
        out.push_str(&split_table(split));
    }
    out
}

/// A split test: each variant's contacts, conversions and difference from the control, then
/// the verdict.
fn split_table(split: &super::SplitReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nSplit `{}` by variant: {} contacts; converting = reaching {}",
        split.step,
        split.contacts,
        split.goal.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" or ")
    );
    let mut rows = vec![[
        "variant".to_owned(),
        "next".into(),
        "contacts".into(),
        "converted".into(),
        "rate".into(),
        "vs control (points)".into(),
        "95 % interval".into(),
    ]];
    for v in &split.variants {
        let (difference, interval) = match &v.result.versus_control {
            Some(d) => (
                statbot_core::split::stats::points(d.difference),
                format!(
                    "{} to {}",
                    statbot_core::split::stats::points(d.low),
                    statbot_core::split::stats::points(d.high)
                ),
            ),
            None if v.result.variant == split.variants[0].result.variant => ("(control)".into(), String::new()),
            None => ("–".into(), String::new()),
        };
        rows.push([
            v.result.variant.clone(),
            v.next.clone(),
            v.result.contacts.to_string(),
            v.result.conversions.to_string(),
            percent(v.result.rate),
            difference,
            interval,
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    let _ = writeln!(out, "Verdict: {}", split.summary);
    out
}

/// A funnel's steps with their buttons beneath, as an aligned table.
fn steps_table(f: &FunnelReport) -> String {
    let mut rows = vec![[
        "step / button".to_owned(),
        "contacts".into(),
        "from entry".into(),
        "from previous".into(),
        "drop-off".into(),
        "clicks".into(),
        "reveals".into(),
        "median to click".into(),
    ]];
    for step in &f.steps {
        rows.push([
            step.step.clone(),
            step.contacts.to_string(),
            percent(step.rate_from_entry),
            percent(step.rate_from_previous),
            match step.drop_off {
                Some(n) => format!("{n} ({})", percent(step.drop_off_rate)),
                None => "–".into(),
            },
            String::new(),
            if step.reveals > 0 {
                format!("{} ({} contacts)", step.reveals, step.reveal_contacts)
            } else {
                String::new()
            },
            String::new(),
        ]);
        for b in &step.buttons {
            rows.push([
                format!("  → {} “{}”", b.button, b.title),
                b.contacts.to_string(),
                String::new(),
                percent(b.rate),
                String::new(),
                b.clicks.to_string(),
                String::new(),
                duration(b.median_ms),
            ]);
        }
    }
    crate::table::render(&rows)
}
