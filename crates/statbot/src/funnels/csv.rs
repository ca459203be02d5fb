//! Funnel reports as CSV (`statbot funnel --format csv` and the API's `format=csv`, which the
//! flow page's downloads use), redemptions included (docs/funnels.md, "CSV"):
//!
//! - A funnel (summed, by day or by ref) has a line per step and per button, then one line per
//!   funnel with `step` = `(redeemed)`: its `redeemed` contacts and its net revenue in each
//!   currency, one `revenue_<currency>` column per currency present in the report (lower-case
//!   code, major units: `19.2` is €19.20; `0` for a currency the funnel has none of). Step and
//!   button lines leave those columns empty. By day, the redemptions are the range's (one line
//!   dated `from..to` at the end): a contact counts by the day it entered the flow, not the day
//!   it redeemed.
//! - By variant (`--by variant`), a line per split step and variant: its contacts, conversions,
//!   rate, difference from the control with its 95 % interval (as rates), redeemed and revenue.

use super::{RangeReport, Redemptions, SplitReport};
use statbot_core::funnel::FunnelReport;
use statbot_core::money;
use std::collections::BTreeSet;

const FUNNEL_HEADER: [&str; 15] = [
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
    "redeemed",
];

const VARIANT_HEADER: [&str; 14] = [
    "date",
    "split",
    "goal",
    "variant",
    "weight",
    "next",
    "contacts",
    "converted",
    "rate",
    "difference",
    "difference_low",
    "difference_high",
    "p_value",
    "redeemed",
];

/// What the `step` column of a funnel's redemptions line says.
pub const REDEEMED_LINE: &str = "(redeemed)";

/// The report as CSV: by variant when it has variants, else its funnel (summed, by day or by
/// ref).
pub fn report(report: &RangeReport) -> String {
    match &report.by_variant {
        Some(splits) => variants(report, splits),
        None => funnel(report),
    }
}

/// The range as the `date` column writes it when it is not one day's.
fn range_text(report: &RangeReport) -> String {
    format!("{}..{}", report.range.from, report.range.to)
}

/// Every currency with revenue anywhere in the report, in order: its `revenue_<code>` columns.
fn currencies<'a>(all: impl IntoIterator<Item = &'a Redemptions>) -> Vec<String> {
    let codes: BTreeSet<String> =
        all.into_iter().flat_map(|r| r.revenue.iter().map(|r| r.currency.to_ascii_lowercase())).collect();
    codes.into_iter().collect()
}

/// The header with the revenue columns after it.
fn header(fixed: &[&str], currencies: &[String]) -> Vec<String> {
    fixed.iter().map(|h| (*h).to_owned()).chain(currencies.iter().map(|c| format!("revenue_{c}"))).collect()
}

/// `redeemed` and each currency's net revenue in major units (`0` for none).
fn redemption_cells(redemptions: &Redemptions, currencies: &[String]) -> Vec<String> {
    let revenue = currencies.iter().map(|code| {
        let amount: i64 =
            redemptions.revenue.iter().filter(|r| r.currency.eq_ignore_ascii_case(code)).map(|r| r.amount).sum();
        money::major(amount, code).to_string()
    });
    std::iter::once(redemptions.redeemed.to_string()).chain(revenue).collect()
}

/// One line per step (`total` = entries) and per button (`total` = clicks), then the
/// redemptions line; by day when the report has days, else one `date` naming the range. A
/// report by ref has a first column `ref` (empty for contacts who came by none) and the lines
/// of each ref's funnel.
fn funnel(report: &RangeReport) -> String {
    let date = range_text(report);
    if let Some(parts) = &report.by_ref {
        let currencies = currencies(parts.iter().map(|p| &p.redemptions));
        let mut out = crate::csv::line(std::iter::once("ref".to_owned()).chain(header(&FUNNEL_HEADER, &currencies)));
        for part in parts {
            let lead = [part.reference.clone().unwrap_or_default(), date.clone()];
            funnel_lines(&mut out, &lead, &part.funnel, currencies.len());
            redeemed_line(&mut out, &lead, &part.redemptions, &currencies);
        }
        return out;
    }
    let currencies = currencies([&report.redemptions]);
    let mut out = crate::csv::line(header(&FUNNEL_HEADER, &currencies));
    for day in report.days.iter().flatten() {
        funnel_lines(&mut out, &[day.date.to_string()], &day.funnel, currencies.len());
    }
    if report.days.is_none() {
        funnel_lines(&mut out, std::slice::from_ref(&date), &report.funnel, currencies.len());
    }
    redeemed_line(&mut out, &[date], &report.redemptions, &currencies);
    out
}

fn number<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A rate (0 to 1) to four decimals, trailing zeros dropped: `0.6667`, `0.5`, `1`.
fn rate(value: Option<f64>) -> String {
    value.map(|v| statbot_core::numbers::trim_zeros(&format!("{v:.4}")).to_owned()).unwrap_or_default()
}

/// The lines of a funnel's steps and buttons, each led by `lead` (its date, or its ref and
/// date), the redemption columns (`redeemed` and `revenue` of them) left empty.
fn funnel_lines(out: &mut String, lead: &[String], funnel: &FunnelReport, revenue: usize) {
    let blanks = || std::iter::repeat_n(String::new(), 1 + revenue);
    for step in &funnel.steps {
        let cells = [
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
        ];
        out.push_str(&crate::csv::line(lead.iter().cloned().chain(cells).chain(blanks())));
        for b in &step.buttons {
            let cells = [
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
            ];
            out.push_str(&crate::csv::line(lead.iter().cloned().chain(cells).chain(blanks())));
        }
    }
}

/// A funnel's redemptions line: `step` = `(redeemed)`, then `redeemed` and the revenue.
fn redeemed_line(out: &mut String, lead: &[String], redemptions: &Redemptions, currencies: &[String]) {
    let step = std::iter::once(REDEEMED_LINE.to_owned());
    // The 12 step and button columns between `step` and `redeemed` are empty.
    let empty = std::iter::repeat_n(String::new(), FUNNEL_HEADER.len() - 3);
    let cells = step.chain(empty).chain(redemption_cells(redemptions, currencies));
    out.push_str(&crate::csv::line(lead.iter().cloned().chain(cells)));
}

/// One line per split step and variant, the control first.
fn variants(report: &RangeReport, splits: &[SplitReport]) -> String {
    let currencies = currencies(splits.iter().flat_map(|s| s.variants.iter().map(|v| &v.redemptions)));
    let mut out = crate::csv::line(header(&VARIANT_HEADER, &currencies));
    let date = range_text(report);
    for split in splits {
        let goal = split.goal.join(" ");
        for v in &split.variants {
            let result = &v.result;
            let versus = result.versus_control.as_ref();
            let cells = [
                date.clone(),
                split.step.clone(),
                goal.clone(),
                result.variant.clone(),
                v.weight.to_string(),
                v.next.clone(),
                result.contacts.to_string(),
                result.conversions.to_string(),
                rate(result.rate),
                rate(versus.map(|d| d.difference)),
                rate(versus.map(|d| d.low)),
                rate(versus.map(|d| d.high)),
                rate(versus.map(|d| d.p_value)),
            ];
            out.push_str(&crate::csv::line(cells.into_iter().chain(redemption_cells(&v.redemptions, &currencies))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redemptions(redeemed: u64, revenue: &[(&str, i64)]) -> Redemptions {
        Redemptions {
            redeemed,
            revenue: revenue
                .iter()
                .map(|(currency, amount)| super::super::Revenue { currency: (*currency).to_owned(), amount: *amount })
                .collect(),
        }
    }

    #[test]
    fn revenue_has_a_column_per_currency_in_major_units() {
        let all = [redemptions(1, &[("usd", 2500)]), redemptions(2, &[("eur", 1920), ("jpy", 1200)])];
        let currencies = currencies(&all);
        assert_eq!(currencies, ["eur", "jpy", "usd"]);
        assert_eq!(header(&["redeemed"], &currencies), ["redeemed", "revenue_eur", "revenue_jpy", "revenue_usd"]);
        assert_eq!(redemption_cells(&all[0], &currencies), ["1", "0", "0", "25"]);
        assert_eq!(redemption_cells(&all[1], &currencies), ["2", "19.2", "1200", "0"]);
        assert_eq!(redemption_cells(&redemptions(0, &[]), &[]), ["0"]);
    }

    #[test]
    fn the_redeemed_line_fills_only_its_columns() {
        let mut out = String::new();
        let currencies = ["usd".to_owned()];
        redeemed_line(&mut out, &["2026-11-01..2026-11-30".to_owned()], &redemptions(3, &[("usd", 4005)]), &currencies);
        assert_eq!(out, "2026-11-01..2026-11-30,(redeemed),,,,,,,,,,,,,3,40.05\r\n");
        let columns = out.trim_end().split(',').count();
        assert_eq!(columns, header(&FUNNEL_HEADER, &currencies).len(), "as many columns as the header");
    }
}
