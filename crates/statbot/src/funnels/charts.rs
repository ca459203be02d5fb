//! Funnel reports as charts: the steps of a flow, and coupon reveals day by day. Titles say what
//! is counted, not the flow (the pages showing them already say which flow it is); the footnote
//! names the flow and the range, for a chart opened or saved on its own.

use super::RangeReport;
use statbot_charts::{Chart, LineSeries, ValueFormat};

/// Contacts per step, in flow order. Between-step losses are drawn only for a flow without
/// branches, where each step follows the one above it.
pub fn steps(report: &RangeReport, flow_title: &str) -> Chart {
    let f = &report.funnel;
    let branching = f.steps.iter().any(|s| s.buttons.len() > 1);
    let mut chart = Chart::funnel("Contacts per step", f.steps.iter().map(|s| (s.step.clone(), s.contacts as f64)))
        .with_format(ValueFormat::Count)
        .with_footnote(footnote(report, flow_title));
    if let statbot_charts::ChartKind::Funnel { show_drop_off, .. } = &mut chart.kind {
        *show_drop_off = !branching;
    }
    chart
}

/// Coupons revealed per day of joining: all reveals, and the contacts revealing (the same line
/// when each contact revealed once; the chart draws both so that neither hides the other).
pub fn reveals(report: &RangeReport, flow_title: &str) -> Chart {
    let days = report.days.as_deref().unwrap_or_default();
    let per_day = |count: fn(&statbot_core::funnel::StepReport) -> u64| -> Vec<(String, f64)> {
        days.iter().map(|d| (d.date.to_string(), d.funnel.steps.iter().map(count).sum::<u64>() as f64)).collect()
    };
    Chart::line(
        "Coupons revealed per day of joining",
        vec![
            LineSeries::new("Reveals", per_day(|s| s.reveals)),
            LineSeries::new("Contacts revealing", per_day(|s| s.reveal_contacts)),
        ],
    )
    .with_format(ValueFormat::Count)
    .with_x_label("Day of joining")
    .with_y_label("Coupons")
    .with_footnote(footnote(report, flow_title))
}

/// "Coupon flow, 2026-11-01 to 2026-11-30".
fn footnote(report: &RangeReport, flow_title: &str) -> String {
    format!("{flow_title}, {} to {}", report.range.from, report.range.to)
}
