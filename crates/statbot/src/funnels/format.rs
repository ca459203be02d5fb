//! Funnel reports as a text table for the terminal (with the redemptions after the steps, and
//! each variant's beside its conversions); the CSV is [`super::csv`]'s.

use super::RangeReport;
use statbot_core::funnel::FunnelReport;
use std::fmt::Write;

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

/// A split test: each variant's contacts, conversions, difference from the control and
/// redemptions (contacts who redeemed a code, net revenue), then the verdict.
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
        "redeemed".into(),
        "revenue".into(),
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
            v.redemptions.redeemed.to_string(),
            v.redemptions.revenue_text().unwrap_or_else(|| "–".into()),
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
