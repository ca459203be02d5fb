//! The sales figures written out: terminal tables, CSV (amounts in major units with their
//! currency, one row per period, customer or word), and the short sentences the chat answers with.

use super::metrics::{Compared, FIGURES, Kind, Provenance, RevenueReport, TopCustomers, TopWords};
use crate::csv;
use crate::dates::DayRange;
use statbot_core::money;
use std::fmt::Write;

/// "2026-11-01 to 2026-11-30", or the one day.
pub fn range_text(range: DayRange) -> String {
    if range.from == range.to { range.from.to_string() } else { format!("{} to {}", range.from, range.to) }
}

/// "+12.5 %", "-3.0 %", "new" when the previous value was zero and this one is not.
pub fn change_text(compared: &Compared) -> String {
    match compared.change_percent {
        Some(p) => format!("{p:+.1} %"),
        None if compared.value != 0 => "new".into(),
        None => "–".into(),
    }
}

fn value_text(value: Option<i64>, kind: Kind, currency: &str) -> String {
    match (value, kind) {
        (None, _) => "–".into(),
        (Some(v), Kind::Money) => money::format(v, currency),
        (Some(v), Kind::Count) => v.to_string(),
    }
}

/// Where figures come from, as a sentence: "From the mirror, synced 2026-11-24T09:00:00Z." (with
/// the note in brackets when there is one).
pub fn provenance_sentence(provenance: &Provenance) -> String {
    let mut line = match (provenance.source, &provenance.synced_at) {
        ("live", _) => "From the Stripe API just now".to_owned(),
        (_, Some(at)) => format!("From the mirror, synced {at}"),
        _ => "From the mirror".to_owned(),
    };
    if let Some(note) = &provenance.note {
        let _ = write!(line, " ({note})");
    }
    line.push('.');
    line
}

/// The same for a page: the sync's time in the business time zone, "From the mirror, synced
/// 2026-11-24 10:00 CET.", and why the API was asked said once: "From the Stripe API just now:
/// the mirror is empty (no sync yet)."
pub fn provenance_sentence_in(provenance: &Provenance, zone: &jiff::tz::TimeZone) -> String {
    let live_reason =
        provenance.note.as_deref().and_then(|note| note.strip_suffix(": read from the Stripe API just now"));
    if let (Some(reason), "live") = (live_reason, provenance.source) {
        return format!("From the Stripe API just now: {reason}.");
    }
    let synced = provenance.synced_at.as_deref().and_then(|at| at.parse::<jiff::Timestamp>().ok());
    let local = Provenance { synced_at: synced.map(|at| crate::dates::local_minute(at, zone)), ..provenance.clone() };
    provenance_sentence(&local)
}

fn provenance_line(provenance: &Provenance) -> String {
    provenance_sentence(provenance) + "\n"
}

pub fn revenue_table(report: &RevenueReport) -> String {
    let mut out =
        format!("Store metrics {} (compared with {})\n", range_text(report.range), range_text(report.previous_range));
    if report.currencies.is_empty() {
        out.push_str("No payments in this range or the previous one.\n");
    }
    for currency in &report.currencies {
        let code = &currency.currency;
        let _ = writeln!(out, "\n{}", code.to_ascii_uppercase());
        let mut rows = vec![vec!["".to_owned(), "this range".into(), "previous".into(), "change".into()]];
        for (key, label, kind) in FIGURES {
            let compared = currency.compared.get(key);
            rows.push(vec![
                (*label).to_owned(),
                value_text(currency.figures.get(key), *kind, code),
                value_text(currency.previous.get(key), *kind, code),
                compared.map(change_text).unwrap_or_else(|| "–".into()),
            ]);
        }
        out.push_str(&crate::table::render(&rows));
        let _ = writeln!(out, "\nBy {}", report.period.name());
        let mut rows = vec![vec![
            "period".to_owned(),
            "gross".into(),
            "refunds".into(),
            "net".into(),
            "payments".into(),
            "failed".into(),
        ]];
        for p in &currency.series {
            rows.push(vec![
                range_text(DayRange { from: p.from, to: p.to }),
                money::format(p.figures.gross_volume, code),
                money::format(p.figures.refunds_amount, code),
                money::format(p.figures.net_volume, code),
                p.figures.successful_payments.to_string(),
                p.figures.failed_payments.to_string(),
            ]);
        }
        out.push_str(&crate::table::render(&rows));
    }
    let new = &report.new_customers.compared;
    let _ = writeln!(out, "\nNew customers: {} (previous {}, {})", new.value, new.previous, change_text(new));
    out.push_str(&provenance_line(&report.provenance));
    out
}

/// One row per currency and period of the series; amounts in major units.
pub fn revenue_csv(report: &RevenueReport) -> String {
    let mut header = vec!["currency".to_owned(), "from".into(), "to".into()];
    header.extend(FIGURES.iter().map(|(key, _, _)| (*key).to_owned()));
    header.push("new_customers".into());
    let mut out = csv::line(&header);
    let mut row = |currency: &str, range: DayRange, figures: &super::metrics::Figures, new_customers: i64| {
        let mut cells = vec![currency.to_owned(), range.from.to_string(), range.to.to_string()];
        for (key, _, kind) in FIGURES {
            cells.push(match (figures.get(key), kind) {
                (None, _) => String::new(),
                (Some(v), Kind::Money) => format!("{}", money::major(v, currency)),
                (Some(v), Kind::Count) => v.to_string(),
            });
        }
        cells.push(new_customers.to_string());
        out.push_str(&csv::line(&cells));
    };
    let new = &report.new_customers;
    for currency in &report.currencies {
        for (i, p) in currency.series.iter().enumerate() {
            let range = DayRange { from: p.from, to: p.to };
            row(&currency.currency, range, &p.figures, new.series.get(i).copied().unwrap_or(0));
        }
    }
    out
}

pub fn top_customers_table(report: &TopCustomers) -> String {
    let Some(code) = &report.currency else {
        return format!("No payments from {}.\n", range_text(report.range));
    };
    let mut out =
        format!("Top customers by net revenue, {} ({})\n", range_text(report.range), code.to_ascii_uppercase());
    let mut rows =
        vec![vec!["#".to_owned(), "customer".into(), "net revenue".into(), "payments".into(), "refunded".into()]];
    for (i, c) in report.customers.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            c.label().to_owned(),
            money::format(c.net_revenue, code),
            c.payments.to_string(),
            money::format(c.refunded, code),
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    if let Some(aov) = report.average_order_value {
        let _ = writeln!(out, "Average order value: {}", money::format(aov, code));
    }
    out.push_str(&provenance_line(&report.provenance));
    out
}

pub fn top_customers_csv(report: &TopCustomers) -> String {
    let currency = report.currency.clone().unwrap_or_default();
    let mut out =
        csv::line(["rank", "customer", "name", "email", "currency", "net_revenue", "gross", "refunded", "payments"]);
    for (i, c) in report.customers.iter().enumerate() {
        out.push_str(&csv::line([
            (i + 1).to_string(),
            c.customer.clone(),
            c.name.clone().unwrap_or_default(),
            c.email.clone().unwrap_or_default(),
            currency.clone(),
            money::major(c.net_revenue, &currency).to_string(),
            money::major(c.gross, &currency).to_string(),
            money::major(c.refunded, &currency).to_string(),
            c.payments.to_string(),
        ]));
    }
    out
}

pub fn words_table(report: &TopWords) -> String {
    let Some(code) = &report.currency else {
        return format!("No payments from {}.\n", range_text(report.range));
    };
    let mut out = format!("Words that sell, {} ({})\n", range_text(report.range), code.to_ascii_uppercase());
    let mut rows = vec![vec!["#".to_owned(), "word".into(), "revenue".into(), "charges".into(), "per charge".into()]];
    for (i, w) in report.words.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            w.word.clone(),
            money::format(w.revenue, code),
            w.charges.to_string(),
            value_text(w.per_charge, Kind::Money, code),
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    out.push_str(&provenance_line(&report.provenance));
    out
}

pub fn words_csv(report: &TopWords) -> String {
    let currency = report.currency.clone().unwrap_or_default();
    let mut out = csv::line(["rank", "word", "currency", "revenue", "charges", "per_charge"]);
    for (i, w) in report.words.iter().enumerate() {
        out.push_str(&csv::line([
            (i + 1).to_string(),
            w.word.clone(),
            currency.clone(),
            money::major(w.revenue, &currency).to_string(),
            w.charges.to_string(),
            w.per_charge.map(|v| money::major(v, &currency).to_string()).unwrap_or_default(),
        ]));
    }
    out
}
