//! Funnel reports as charts: the steps of a flow, and coupon reveals day by day.

use super::RangeReport;
use statbot_charts::{Chart, LineSeries, ValueFormat};

/// Contacts per step, in flow order. Between-step losses are drawn only for a flow without
/// branches, where each step follows the one above it.
pub fn steps(report: &RangeReport, flow_title: &str) -> Chart {
    let f = &report.funnel;
    let branching = f.steps.iter().any(|s| s.buttons.len() > 1);
    let title = format!("{flow_title}: contacts per step");
    let mut chart = Chart::funnel(title, f.steps.iter().map(|s| (s.step.clone(), s.contacts as f64)))
        .with_format(ValueFormat::Count);
    if let statbot_charts::ChartKind::Funnel { show_drop_off, .. } = &mut chart.kind {
        *show_drop_off = !branching;
    }
    chart
}

/// Coupons revealed per day (all reveals, and contacts revealing), from a by-day report.
pub fn reveals(report: &RangeReport, flow_title: &str) -> Chart {
    let days = report.days.as_deref().unwrap_or_default();
    let per_day = |count: fn(&statbot_core::funnel::StepReport) -> u64| -> Vec<(String, f64)> {
        days.iter().map(|d| (d.date.to_string(), d.funnel.steps.iter().map(count).sum::<u64>() as f64)).collect()
    };
    Chart::line(
        format!("{flow_title}: coupons revealed per day"),
        vec![
            LineSeries::new("Reveals", per_day(|s| s.reveals)),
            LineSeries::new("Contacts", per_day(|s| s.reveal_contacts)),
        ],
    )
    .with_format(ValueFormat::Count)
    .with_x_label("Day of joining")
    .with_y_label("Coupons")
}
