//! The sales figures in a few sentences, as the chat answers: the revenue of a range against
//! the range before it, the top customers and the words that sell as short numbered lists, in
//! the range's main currency (other currencies named briefly), and where the figures come from
//! when that is worth saying (read live from Stripe, or a mirror that is empty or stale).

use super::metrics::{Provenance, RevenueReport, TopCustomers, TopWords};
use super::report::change_text;
use super::when::{describe, previous_text};
use crate::dates::DayRange;
use jiff::civil::Date;
use statbot_core::money;
use std::fmt::Write;

/// Characters of a customer's name or e-mail shown at most.
const LABEL_CHARS: usize = 40;

/// "Last week (Nov 16–22): net volume $1,234.56 (+12.5 % vs the week before), gross $1,300.00
/// from 42 payments, refunds $65.44 (2), 3 failed, 7 new customers, AOV $30.95."
pub fn revenue(report: &RevenueReport, today: Date) -> String {
    let label = capitalized(&describe(report.range, today));
    let before = previous_text(report.range);
    let new = report.new_customers.compared.value;
    let Some(main) = report.currencies.first() else {
        let mut text = format!("{label}: no payments, nor {before}");
        if new > 0 {
            let _ = write!(text, "; {}", plural(new, "new customer", "new customers"));
        }
        text.push('.');
        return with_provenance(text, &report.provenance);
    };
    let code = main.currency.as_str();
    let (figures, money) = (&main.figures, |amount: i64| money::format(amount, code));
    let mut parts = vec![format!("net volume {}", money(figures.net_volume))];
    if let Some(compared) = main.compared.get("net_volume") {
        match (compared.change_percent, compared.previous) {
            (Some(_), _) => parts[0].push_str(&format!(" ({} vs {before})", change_text(compared))),
            (None, 0) if compared.value != 0 => parts[0].push_str(&format!(" (nothing {before})")),
            _ => {}
        }
    }
    parts.push(format!(
        "gross {} from {}",
        money(figures.gross_volume),
        plural(figures.successful_payments, "payment", "payments")
    ));
    if figures.refunds_count > 0 || figures.refunds_amount > 0 {
        parts.push(format!("refunds {} ({})", money(figures.refunds_amount), figures.refunds_count));
    }
    if figures.failed_payments > 0 {
        parts.push(format!("{} failed", figures.failed_payments));
    }
    if new > 0 {
        parts.push(plural(new, "new customer", "new customers"));
    }
    if let Some(aov) = figures.average_order_value {
        parts.push(format!("AOV {}", money(aov)));
    }
    let mut text = format!("{label}: {}.", parts.join(", "));
    let others: Vec<String> = report.currencies[1..]
        .iter()
        .map(|c| {
            let net = money::format(c.figures.net_volume, &c.currency);
            match money::symbol(&c.currency) {
                Some(_) => format!("{net} net in {}", c.currency.to_ascii_uppercase()),
                None => format!("{net} net"),
            }
        })
        .collect();
    if !others.is_empty() {
        let _ = write!(text, "\nAlso {}.", others.join(", "));
    }
    with_provenance(text, &report.provenance)
}

/// "Top customers, the last 30 days (Oct 26–Nov 24), by net revenue in USD:" and one line each.
pub fn top_customers(report: &TopCustomers, today: Date) -> String {
    let heading = |label: &str, code: &str| format!("Top customers, {label}, by net revenue in {code}:");
    let lines = |code: &str| {
        let lines = report.customers.iter().map(|c| {
            let payments = plural(c.payments, "payment", "payments");
            format!("{}: {} ({payments})", shortened(c.label()), money::format(c.net_revenue, code))
        });
        let average = report.average_order_value.map(|aov| format!("Average order: {}.", money::format(aov, code)));
        (lines.collect(), average)
    };
    let common =
        Ranking { range: report.range, currency: report.currency.as_deref(), others: &report.other_currencies };
    ranking(common, "top customers", &report.provenance, today, heading, lines)
}

/// "Best selling words, last week (Nov 16–22), in USD:" and "1. chair: $85.00 from 3 charges
/// ($28.33 each)".
pub fn words(report: &TopWords, today: Date) -> String {
    let heading = |label: &str, code: &str| format!("Best selling words, {label}, in {code}:");
    let lines = |code: &str| {
        let lines = report.words.iter().map(|w| {
            let each = w.per_charge.map(|p| format!(" ({} each)", money::format(p, code))).unwrap_or_default();
            let charges = plural(w.charges, "charge", "charges");
            format!("{}: {} from {charges}{each}", w.word, money::format(w.revenue, code))
        });
        (lines.collect(), None)
    };
    let common =
        Ranking { range: report.range, currency: report.currency.as_deref(), others: &report.other_currencies };
    ranking(common, "best selling words", &report.provenance, today, heading, lines)
}

/// What every ranking has: its range, its currency, and the range's other currencies with sales.
struct Ranking<'a> {
    range: DayRange,
    currency: Option<&'a str>,
    others: &'a [String],
}

/// A ranking in the currency: its heading (from the range in words and the currency's code),
/// its numbered lines and a closing line; "{Range}: no payments." when there is nothing to rank.
/// The other currencies with sales are named with the question (`asked` "in EUR") ranking them.
fn ranking(
    Ranking { range, currency, others }: Ranking<'_>,
    asked: &str,
    provenance: &Provenance,
    today: Date,
    heading: impl Fn(&str, &str) -> String,
    lines: impl Fn(&str) -> (Vec<String>, Option<String>),
) -> String {
    let label = describe(range, today);
    let ranked = currency.map(|code| (code, lines(code))).filter(|(_, (lines, _))| !lines.is_empty());
    let Some((code, (lines, closing))) = ranked else {
        return with_provenance(format!("{}: no payments.", capitalized(&label)), provenance);
    };
    let mut text = heading(&label, &code.to_ascii_uppercase());
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(text, "\n{}. {line}", i + 1);
    }
    if let Some(closing) = closing {
        let _ = write!(text, "\n{closing}");
    }
    if let Some(first) = others.first() {
        let codes: Vec<String> = others.iter().map(|c| c.to_ascii_uppercase()).collect();
        let _ = write!(text, "\nAlso sales in {}: ask “{asked} in {}”.", codes.join(", "), first.to_ascii_uppercase());
    }
    with_provenance(text, provenance)
}

/// Where the figures come from, when it is worth saying: "From the Stripe API just now: the
/// mirror is empty (no sync yet)." for a live answer, "Note: …" for a mirror with a caveat
/// (stale, and Stripe did not answer); nothing for a fresh mirror.
pub fn provenance(provenance: &Provenance) -> Option<String> {
    let note = provenance.note.as_deref();
    match (provenance.source, note) {
        ("live", Some(note)) => {
            let reason = note.strip_suffix(": read from the Stripe API just now").unwrap_or(note);
            Some(format!("From the Stripe API just now: {reason}."))
        }
        ("live", None) => Some("From the Stripe API just now.".into()),
        (_, Some(note)) => Some(format!("Note: {note}.")),
        (_, None) => None,
    }
}

fn with_provenance(mut text: String, from: &Provenance) -> String {
    if let Some(line) = provenance(from) {
        let _ = write!(text, "\n{line}");
    }
    text
}

fn plural(count: i64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn shortened(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::metrics::{Compared, CurrencyRevenue, FIGURES, Figures, NewCustomers, TopCustomer, TopWord};
    use crate::sales::periods::{self, Period};
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 24);

    fn mirror() -> Provenance {
        Provenance { source: "mirror", synced_at: Some("2026-11-24T09:00:00Z".into()), note: None }
    }

    fn part(currency: &str, figures: Figures, previous: Figures) -> CurrencyRevenue {
        let compared = FIGURES
            .iter()
            .filter_map(|(key, _, _)| Some((*key, Compared::new(figures.get(key)?, previous.get(key)?))))
            .collect();
        CurrencyRevenue { currency: currency.into(), figures, previous, compared, series: Vec::new() }
    }

    fn last_week(currencies: Vec<CurrencyRevenue>, new: i64, provenance: Provenance) -> RevenueReport {
        let range = DayRange { from: date(2026, 11, 16), to: date(2026, 11, 22) };
        RevenueReport {
            range,
            previous_range: periods::previous(range),
            period: Period::Day,
            currencies,
            new_customers: NewCustomers { compared: Compared::new(new, 0), series: Vec::new() },
            provenance,
        }
    }

    fn figures(gross: i64, payments: i64, refunded: i64, refunds: i64, failed: i64) -> Figures {
        Figures {
            gross_volume: gross,
            refunds_amount: refunded,
            refunds_count: refunds,
            net_volume: gross - refunded,
            successful_payments: payments,
            failed_payments: failed,
            paying_customers: 1,
            spend_per_customer: None,
            average_order_value: (payments > 0).then(|| gross / payments),
        }
    }

    #[test]
    fn revenue_in_one_sentence_against_the_range_before() {
        let usd = part("usd", figures(130_000, 42, 6_544, 2, 3), figures(116_000, 40, 6_250, 1, 0));
        let eur = part("eur", figures(7_000, 1, 0, 0, 0), Figures::default());
        let chf = part("chf", figures(1_200, 1, 0, 0, 0), Figures::default());
        let text = revenue(&last_week(vec![usd, eur, chf], 7, mirror()), TODAY);
        assert_eq!(
            text,
            "Last week (Nov 16–22): net volume $1,234.56 (+12.5 % vs the week before), gross $1,300.00 from 42 \
             payments, refunds $65.44 (2), 3 failed, 7 new customers, AOV $30.95.\n\
             Also €70.00 net in EUR, 12.00 CHF net."
        );
    }

    #[test]
    fn revenue_without_payments_or_before_without_any() {
        let text = revenue(&last_week(Vec::new(), 0, mirror()), TODAY);
        assert_eq!(text, "Last week (Nov 16–22): no payments, nor the week before.");
        let first = part("usd", figures(1_000, 1, 0, 0, 0), Figures::default());
        let text = revenue(&last_week(vec![first], 1, mirror()), TODAY);
        assert_eq!(
            text,
            "Last week (Nov 16–22): net volume $10.00 (nothing the week before), gross $10.00 from 1 payment, \
             1 new customer, AOV $10.00."
        );
    }

    #[test]
    fn live_and_stale_answers_say_where_their_figures_come_from() {
        let live = Provenance {
            source: "live",
            synced_at: None,
            note: Some("the mirror is empty (no sync yet): read from the Stripe API just now".into()),
        };
        let text = revenue(&last_week(Vec::new(), 0, live), TODAY);
        assert!(text.ends_with("\nFrom the Stripe API just now: the mirror is empty (no sync yet)."), "{text}");
        let stale = Provenance {
            source: "mirror",
            synced_at: Some("2026-11-20T09:00:00Z".into()),
            note: Some("the mirror is 4 days old, and Stripe did not answer within 10 s".into()),
        };
        assert_eq!(
            provenance(&stale).as_deref(),
            Some("Note: the mirror is 4 days old, and Stripe did not answer within 10 s.")
        );
        assert_eq!(provenance(&mirror()), None);
    }

    #[test]
    fn rankings_as_numbered_lists() {
        let range = DayRange { from: date(2026, 10, 26), to: TODAY };
        let customer = |name: &str, net: i64, payments: i64| TopCustomer {
            customer: "cus_1".into(),
            name: Some(name.into()),
            email: None,
            net_revenue: net,
            gross: net,
            refunded: 0,
            payments,
        };
        let top = TopCustomers {
            range,
            currency: Some("usd".into()),
            customers: vec![customer("Ada Lovelace", 7_000, 2), customer(&"x".repeat(60), 2_500, 1)],
            average_order_value: Some(3_167),
            other_currencies: Vec::new(),
            provenance: mirror(),
        };
        let long = format!("{}…", "x".repeat(39));
        assert_eq!(
            top_customers(&top, TODAY),
            format!(
                "Top customers, the last 30 days (Oct 26–Nov 24), by net revenue in USD:\n\
                 1. Ada Lovelace: $70.00 (2 payments)\n2. {long}: $25.00 (1 payment)\nAverage order: $31.67."
            )
        );
        let words = TopWords {
            range,
            currency: Some("usd".into()),
            words: vec![
                TopWord { word: "chair".into(), revenue: 8_500, charges: 3, per_charge: Some(2_833) },
                TopWord { word: "lamp".into(), revenue: 2_500, charges: 1, per_charge: Some(2_500) },
            ],
            other_currencies: vec!["eur".into(), "gbp".into()],
            provenance: mirror(),
        };
        assert_eq!(
            super::words(&words, TODAY),
            "Best selling words, the last 30 days (Oct 26–Nov 24), in USD:\n\
             1. chair: $85.00 from 3 charges ($28.33 each)\n2. lamp: $25.00 from 1 charge ($25.00 each)\n\
             Also sales in EUR, GBP: ask “best selling words in EUR”."
        );
        let none =
            TopWords { range, currency: None, words: Vec::new(), other_currencies: Vec::new(), provenance: mirror() };
        assert_eq!(super::words(&none, TODAY), "The last 30 days (Oct 26–Nov 24): no payments.");
    }
}
