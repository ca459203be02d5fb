//! The sales figures as chart specs, for the dashboard (`/charts/store/...`) and for the bot to
//! send as images: gross and net volume per period, successful and failed payments per period,
//! the top customers by net revenue, and the words that sell. Amounts are drawn in major units
//! (dollars, not cents) with the currency named on the value axis; each chart's footnote says
//! the range and where its figures come from. Pure functions of the reports.

use super::metrics::{CurrencyRevenue, Provenance, RevenueReport, TopCustomers, TopWords};
use super::periods::Period;
use super::report::{provenance_sentence_in, range_text};
use crate::dates::DayRange;
use jiff::tz::TimeZone;
use statbot_charts::{Chart, LineSeries, ValueFormat};
use statbot_core::money;

/// Series of up to this many periods are drawn as bars side by side; longer ones as lines.
const MOST_BARS: usize = 12;

/// Gross and net volume per period of the report's series, in `currency`.
pub fn revenue_chart(report: &RevenueReport, currency: &str, zone: &TimeZone) -> Chart {
    let title = titled(&format!("Gross and net volume by {}", report.period.name()), currency);
    let part = part(report, currency);
    let amounts = |pick: fn(&super::metrics::Figures) -> i64| -> Vec<f64> {
        part.map(|c| c.series.iter().map(|p| money::major(pick(&p.figures), currency)).collect()).unwrap_or_default()
    };
    let series = vec![("Gross volume", amounts(|f| f.gross_volume)), ("Net volume", amounts(|f| f.net_volume))];
    in_money(per_period(title, report, part, series, zone), currency)
}

/// Successful and failed payments per period of the report's series, in `currency`.
pub fn payments_chart(report: &RevenueReport, currency: &str, zone: &TimeZone) -> Chart {
    let title = titled(&format!("Successful and failed payments by {}", report.period.name()), currency);
    let part = part(report, currency);
    let counts = |pick: fn(&super::metrics::Figures) -> i64| -> Vec<f64> {
        part.map(|c| c.series.iter().map(|p| pick(&p.figures) as f64).collect()).unwrap_or_default()
    };
    let series = vec![("Successful", counts(|f| f.successful_payments)), ("Failed", counts(|f| f.failed_payments))];
    per_period(title, report, part, series, zone).with_format(ValueFormat::Count).with_y_label("Payments")
}

/// The customers ranked by net revenue, top first (labelled by name, e-mail or id).
pub fn top_customers_chart(report: &TopCustomers, zone: &TimeZone) -> Chart {
    let currency = report.currency.as_deref().unwrap_or_default();
    let bars = report.customers.iter().map(|c| (c.label().to_owned(), money::major(c.net_revenue, currency)));
    in_money(Chart::horizontal_bar(titled("Top customers by net revenue", currency), bars), currency)
        .with_footnote(footnote(report.range, &report.provenance, zone))
}

/// The words of charge descriptions ranked by the revenue of the charges that had them.
pub fn words_chart(report: &TopWords, zone: &TimeZone) -> Chart {
    let currency = report.currency.as_deref().unwrap_or_default();
    let bars = report.words.iter().map(|w| (w.word.clone(), money::major(w.revenue, currency)));
    in_money(Chart::bar(titled("Revenue by word of the description", currency), bars), currency)
        .with_footnote(footnote(report.range, &report.provenance, zone))
}

/// How amounts of the currency are written: with its symbol where it has a well-known one, and
/// its own number of decimals.
pub fn money_format(currency: &str) -> ValueFormat {
    let decimals = money::exponent(currency) as u8;
    match money::symbol(currency) {
        Some(symbol) => ValueFormat::Money { symbol: symbol.to_owned(), decimals },
        None => ValueFormat::Number { decimals },
    }
}

/// The label of a period on the x axis: its first day (clipped to the range), or for months
/// the month.
pub fn period_label(period: Period, from: jiff::civil::Date) -> String {
    match period {
        Period::Month => format!("{:04}-{:02}", from.year(), from.month()),
        Period::Day | Period::Week => from.to_string(),
    }
}

fn code(currency: &str) -> String {
    currency.to_ascii_uppercase()
}

fn part<'a>(report: &'a RevenueReport, currency: &str) -> Option<&'a CurrencyRevenue> {
    report.currencies.iter().find(|c| c.currency.eq_ignore_ascii_case(currency))
}

fn titled(title: &str, currency: &str) -> String {
    if currency.is_empty() { title.to_owned() } else { format!("{title}, {}", code(currency)) }
}

/// Amounts written in the currency, named on the value axis.
fn in_money(chart: Chart, currency: &str) -> Chart {
    let chart = chart.with_format(money_format(currency));
    if currency.is_empty() { chart } else { chart.with_y_label(format!("Amount ({})", code(currency))) }
}

fn footnote(range: DayRange, provenance: &Provenance, zone: &TimeZone) -> String {
    format!("{}. {}", range_text(range), provenance_sentence_in(provenance, zone))
}

/// Two series over the report's periods: bars side by side for a short series, lines for a
/// long one. A currency with no figures in the range gives an empty ("No data") chart.
fn per_period(
    title: String,
    report: &RevenueReport,
    part: Option<&CurrencyRevenue>,
    series: Vec<(&str, Vec<f64>)>,
    zone: &TimeZone,
) -> Chart {
    let footnote = footnote(report.range, &report.provenance, zone);
    let Some(part) = part else {
        return Chart::line(title, Vec::new()).with_footnote(footnote);
    };
    let labels: Vec<String> = part.series.iter().map(|p| period_label(report.period, p.from)).collect();
    let chart = if labels.len() <= MOST_BARS {
        Chart::grouped_bar(title, labels, series)
    } else {
        let lines = series
            .into_iter()
            .map(|(name, values)| LineSeries::new(name, labels.iter().map(String::as_str).zip(values)))
            .collect();
        Chart::line(title, lines).with_x_labels(&labels)
    };
    chart.with_footnote(footnote)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::metrics::{Compared, Figures, NewCustomers, PeriodFigures, TopCustomer, TopWord};
    use jiff::civil::{Date, date};
    use statbot_charts::{ChartKind, X};

    fn figures(gross: i64, refunded: i64, payments: i64, failed: i64) -> Figures {
        Figures {
            gross_volume: gross,
            refunds_amount: refunded,
            net_volume: gross - refunded,
            successful_payments: payments,
            failed_payments: failed,
            ..Figures::default()
        }
    }

    fn mirror() -> Provenance {
        Provenance { source: "mirror", synced_at: Some("2026-11-24T09:00:00Z".into()), note: None }
    }

    /// A report of `days` days from 2026-11-01 in USD, day `i` grossing `i + 1` dollars with
    /// a dollar refunded on the first day, one payment a day and a failed one every other day.
    fn report(days: i64) -> RevenueReport {
        let from = date(2026, 11, 1);
        let day = |i: i64| -> Date { from.checked_add(jiff::Span::new().days(i)).unwrap() };
        let range = DayRange { from, to: day(days - 1) };
        let series = (0..days)
            .map(|i| PeriodFigures {
                from: day(i),
                to: day(i),
                figures: figures((i + 1) * 100, if i == 0 { 100 } else { 0 }, 1, i % 2),
            })
            .collect();
        let usd = CurrencyRevenue {
            currency: "usd".into(),
            figures: Figures::default(),
            previous: Figures::default(),
            compared: Default::default(),
            series,
        };
        RevenueReport {
            range,
            previous_range: crate::sales::periods::previous(range),
            period: Period::Day,
            currencies: vec![usd],
            new_customers: NewCustomers { compared: Compared::new(0, 0), series: vec![0; days as usize] },
            provenance: mirror(),
        }
    }

    #[test]
    fn a_short_series_is_drawn_as_bars_in_major_units_with_the_currency_on_the_axis() {
        let chart = revenue_chart(&report(3), "usd", &jiff::tz::TimeZone::get("Europe/Paris").unwrap());
        assert_eq!(chart.title, "Gross and net volume by day, USD");
        assert_eq!(chart.y_label.as_deref(), Some("Amount (USD)"));
        assert_eq!(chart.format, ValueFormat::Money { symbol: "$".into(), decimals: 2 });
        let ChartKind::GroupedBar { categories, series } = &chart.kind else { panic!("bars: {:?}", chart.kind) };
        assert_eq!(categories, &["2026-11-01", "2026-11-02", "2026-11-03"]);
        assert_eq!((series[0].name.as_str(), series[0].values.as_slice()), ("Gross volume", &[1.0, 2.0, 3.0][..]));
        assert_eq!((series[1].name.as_str(), series[1].values.as_slice()), ("Net volume", &[0.0, 2.0, 3.0][..]));
        assert_eq!(
            chart.footnote.as_deref(),
            Some("2026-11-01 to 2026-11-03. From the mirror, synced 2026-11-24 10:00 CET."),
            "the sync's time in the business time zone, never raw ISO"
        );
        statbot_charts::render_svg(&chart).unwrap();
    }

    #[test]
    fn a_long_series_is_drawn_as_lines_over_every_period() {
        let chart = payments_chart(&report(30), "USD", &TimeZone::UTC);
        assert_eq!(chart.format, ValueFormat::Count);
        assert_eq!(chart.x_labels.len(), 30);
        let ChartKind::Line { series } = &chart.kind else { panic!("lines: {:?}", chart.kind) };
        assert_eq!(series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Successful", "Failed"]);
        assert_eq!(series[1].points[1].x, X::Label("2026-11-02".into()));
        assert_eq!(series[1].points.iter().map(|p| p.y).sum::<f64>(), 15.0);
        statbot_charts::render_png(&chart).unwrap();
    }

    #[test]
    fn a_currency_without_figures_gives_an_empty_chart() {
        let chart = revenue_chart(&report(3), "eur", &TimeZone::UTC);
        assert_eq!(chart.kind, ChartKind::Line { series: Vec::new() });
        assert_eq!(chart.title, "Gross and net volume by day, EUR");
        assert_eq!(chart.format, ValueFormat::Money { symbol: "€".into(), decimals: 2 });
        assert!(statbot_charts::render_svg(&chart).unwrap().contains("No data"));
    }

    #[test]
    fn rankings_keep_their_order_and_name_customers_as_people_know_them() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 30) };
        let customer = |id: &str, name: Option<&str>, email: Option<&str>, net: i64| TopCustomer {
            customer: id.into(),
            name: name.map(Into::into),
            email: email.map(Into::into),
            net_revenue: net,
            gross: net,
            refunded: 0,
            payments: 1,
        };
        let top = TopCustomers {
            range,
            currency: Some("jpy".into()),
            customers: vec![
                customer("cus_1", Some("Ada"), None, 12_000),
                customer("cus_2", None, Some("grace@example.com"), 5_000),
                customer("cus_3", None, None, 800),
            ],
            average_order_value: Some(5_933),
            other_currencies: Vec::new(),
            provenance: Provenance { source: "live", synced_at: None, note: Some("the mirror is empty".into()) },
        };
        let chart = top_customers_chart(&top, &TimeZone::UTC);
        assert_eq!(chart.title, "Top customers by net revenue, JPY");
        assert_eq!(chart.format, ValueFormat::Money { symbol: "¥".into(), decimals: 0 });
        let ChartKind::HorizontalBar { bars } = &chart.kind else { panic!("horizontal bars: {:?}", chart.kind) };
        let bars: Vec<(&str, f64)> = bars.iter().map(|b| (b.label.as_str(), b.value)).collect();
        assert_eq!(bars, [("Ada", 12_000.0), ("grace@example.com", 5_000.0), ("cus_3", 800.0)]);
        assert!(chart.footnote.unwrap().ends_with("From the Stripe API just now (the mirror is empty)."));

        let words = TopWords {
            range,
            currency: Some("chf".into()),
            words: vec![TopWord { word: "candle".into(), revenue: 4_550, charges: 3, per_charge: Some(1_517) }],
            other_currencies: Vec::new(),
            provenance: mirror(),
        };
        let chart = words_chart(&words, &TimeZone::UTC);
        assert_eq!(chart.format, ValueFormat::Number { decimals: 2 }, "no symbol: the code is on the axis");
        assert_eq!(chart.y_label.as_deref(), Some("Amount (CHF)"));
        let ChartKind::Bar { bars } = &chart.kind else { panic!("bars: {:?}", chart.kind) };
        assert_eq!((bars[0].label.as_str(), bars[0].value), ("candle", 45.5));
        statbot_charts::render_png(&chart).unwrap();
    }

    #[test]
    fn rankings_without_payments_are_empty_charts_without_a_currency() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 1) };
        let none =
            TopWords { range, currency: None, words: Vec::new(), other_currencies: Vec::new(), provenance: mirror() };
        let chart = words_chart(&none, &TimeZone::UTC);
        assert_eq!((chart.title.as_str(), chart.y_label.as_deref()), ("Revenue by word of the description", None));
        assert!(statbot_charts::render_svg(&chart).unwrap().contains("No data"));
        assert_eq!(period_label(Period::Month, date(2026, 11, 15)), "2026-11");
        assert_eq!(period_label(Period::Week, date(2026, 11, 4)), "2026-11-04");
    }
}
