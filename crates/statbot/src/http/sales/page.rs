//! `GET /store?from=&to=&period=&currency=`: the Stripe sales figures on the dashboard. The
//! figures of the range against the previous range of equal length (a change is green when it
//! is good news: a rise in refunds or failed payments is not), new customers, the series by
//! period, the charts, the top customers with their average order, the words that sell, where
//! the figures come from, and links to the same figures on the API as CSV and JSON. A bad
//! range, period or currency is said on the page, which then shows the default range; an
//! empty mirror says how to fill it.

use super::charts::RANKED;
use super::request::{Asked, SalesParams, default_asked, query};
use crate::dates::DayRange;
use crate::http::AppState;
use crate::http::charts::ChartFigure;
use crate::http::dashboard::{Dashboard, Nav, upper_first};
use crate::http::error::ApiError;
use crate::sales::metrics::{Compared, CurrencyRevenue, FIGURES, Kind, RevenueReport, TopCustomers, TopWords};
use crate::sales::periods::Period;
use crate::sales::report::{change_text, provenance_sentence, range_text};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use statbot_core::money;

/// Figures for which a rise is bad news.
const WORSE_WHEN_UP: [&str; 3] = ["refunds_amount", "refunds_count", "failed_payments"];

struct FigureRow {
    key: &'static str,
    label: &'static str,
    value: String,
    previous: String,
    change: String,
    /// `good`, `bad` or `flat`: how the change is styled.
    trend: &'static str,
}

struct PeriodRow {
    period: String,
    gross: String,
    refunds: String,
    net: String,
    payments: i64,
    failed: i64,
    new_customers: i64,
}

struct CustomerRow {
    rank: usize,
    name: String,
    /// The e-mail or id under the name, when the name is not it.
    detail: String,
    net: String,
    payments: i64,
    refunded: String,
    average: String,
}

struct WordRow {
    rank: usize,
    word: String,
    revenue: String,
    charges: i64,
    per_charge: String,
}

struct Download {
    name: &'static str,
    csv: String,
    json: String,
}

/// What is shown for the currency picked.
struct Stats {
    currency: String,
    figures: Vec<FigureRow>,
    series: Vec<PeriodRow>,
    charts: Vec<ChartFigure>,
    customers: Vec<CustomerRow>,
    average_order: Option<String>,
    words: Vec<WordRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/store.html")]
struct SalesPage {
    nav: Nav,
    range: DayRange,
    previous_range: String,
    period: &'static str,
    /// The currency shown (lower case) and those with figures, for the picker.
    currency: String,
    currencies: Vec<String>,
    /// Why the page does not show what was asked.
    error: Option<String>,
    /// The mirror holds nothing: how to fill it.
    empty: Option<String>,
    provenance: String,
    stats: Option<Stats>,
    downloads: Vec<Download>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    dashboard: Dashboard,
    params: Result<Query<SalesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let metrics = &state.sales;
    let today = metrics.today();
    let (asked, mut error) = match params.map_err(|e| e.body_text()).and_then(|Query(p)| p.asked(today)) {
        Ok(asked) => (asked, None),
        Err(e) => (default_asked(today), Some(sentence(&e))),
    };
    let Asked { range, period, .. } = asked;
    let report = metrics.revenue(range, period).await?;
    let main = report.currencies.first().map(|c| c.currency.clone());
    let currency = match (&asked.currency, &main) {
        (Some(wanted), _) if report.currencies.iter().any(|c| &c.currency == wanted) => Some(wanted.clone()),
        (Some(wanted), Some(main)) => {
            error.get_or_insert(format!(
                "No payments in {} from {} or the range before; showing {}.",
                wanted.to_ascii_uppercase(),
                range_text(range),
                main.to_ascii_uppercase()
            ));
            Some(main.clone())
        }
        _ => main,
    };
    let mut page = SalesPage {
        nav: Nav::of(&dashboard),
        range,
        previous_range: range_text(report.previous_range),
        period: period.name(),
        currency: currency.clone().unwrap_or_default(),
        currencies: report.currencies.iter().map(|c| c.currency.clone()).collect(),
        error,
        empty: None,
        provenance: provenance_sentence(&report.provenance),
        stats: None,
        downloads: downloads(range, period, currency.as_deref()),
    };
    let part = currency.as_deref().and_then(|code| report.currencies.iter().find(|c| c.currency == code));
    if let (Some(code), Some(part)) = (currency.as_deref(), part) {
        let (top, words) =
            tokio::join!(metrics.top_customers(range, Some(code), RANKED), metrics.words(range, Some(code), RANKED));
        let (top, words) = (top?, words?);
        page.stats = Some(stats(&report, part, &top, &words));
    } else if report.provenance.source == "mirror" && state.engine.store().stripe_counts().await?[2] == 0 {
        page.empty = Some(if state.config.stripe.secret_key.is_set() {
            "No Stripe data yet: run `statbot stripe sync` (or wait for the scheduled sync).".into()
        } else {
            "No Stripe data yet: set STATBOT_STRIPE_SECRET_KEY and run `statbot stripe sync`.".into()
        });
    }
    Ok(page.into_response())
}

/// "the range starts …" -> "The range starts ….".
fn sentence(text: &str) -> String {
    let text = upper_first(text.trim());
    if text.ends_with(['.', '!', '?']) { text } else { format!("{text}.") }
}

fn stats(report: &RevenueReport, part: &CurrencyRevenue, top: &TopCustomers, words: &TopWords) -> Stats {
    let code = part.currency.as_str();
    let amount = |v: i64| money::format(v, code);
    let written = |value: Option<i64>, kind: Kind| match (value, kind) {
        (None, _) => "—".to_owned(),
        (Some(v), Kind::Money) => amount(v),
        (Some(v), Kind::Count) => v.to_string(),
    };
    let mut figures: Vec<FigureRow> = FIGURES
        .iter()
        .map(|(key, label, kind)| {
            let compared = part.compared.get(key);
            FigureRow {
                key,
                label,
                value: written(part.figures.get(key), *kind),
                previous: written(part.previous.get(key), *kind),
                change: compared.map(change).unwrap_or_else(|| "—".into()),
                trend: compared.map_or("flat", |c| trend(key, c)),
            }
        })
        .collect();
    let new = &report.new_customers.compared;
    figures.push(FigureRow {
        key: "new_customers",
        label: "New customers",
        value: new.value.to_string(),
        previous: new.previous.to_string(),
        change: change(new),
        trend: trend("new_customers", new),
    });
    let series = part
        .series
        .iter()
        .enumerate()
        .map(|(i, p)| PeriodRow {
            period: range_text(DayRange { from: p.from, to: p.to }),
            gross: amount(p.figures.gross_volume),
            refunds: amount(p.figures.refunds_amount),
            net: amount(p.figures.net_volume),
            payments: p.figures.successful_payments,
            failed: p.figures.failed_payments,
            new_customers: report.new_customers.series.get(i).copied().unwrap_or(0),
        })
        .collect();
    let charts = super::charts::figures(report, code, top, words, &query(report.range, report.period, Some(code)));
    let customers = top
        .customers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.label().to_owned();
            let detail = [c.email.as_deref(), Some(c.customer.as_str())]
                .into_iter()
                .flatten()
                .find(|d| *d != name)
                .unwrap_or_default()
                .to_owned();
            CustomerRow {
                rank: i + 1,
                name,
                detail,
                net: amount(c.net_revenue),
                payments: c.payments,
                refunded: amount(c.refunded),
                average: written(
                    (c.payments > 0).then(|| (c.gross as f64 / c.payments as f64).round() as i64),
                    Kind::Money,
                ),
            }
        })
        .collect();
    let words = words
        .words
        .iter()
        .enumerate()
        .map(|(i, w)| WordRow {
            rank: i + 1,
            word: w.word.clone(),
            revenue: amount(w.revenue),
            charges: w.charges,
            per_charge: written(w.per_charge, Kind::Money),
        })
        .collect();
    Stats {
        currency: code.to_ascii_uppercase(),
        figures,
        series,
        charts,
        customers,
        average_order: top.average_order_value.map(&amount),
        words,
    }
}

/// "▲ +12.5 %", "▼ -3.0 %", "▲ new", "–".
fn change(compared: &Compared) -> String {
    let arrow = match compared.value.cmp(&compared.previous) {
        std::cmp::Ordering::Greater => "▲ ",
        std::cmp::Ordering::Less => "▼ ",
        std::cmp::Ordering::Equal => "",
    };
    format!("{arrow}{}", change_text(compared))
}

/// `good`, `bad` or `flat`: a change is good news when it rises, but for refunds and failed
/// payments.
fn trend(key: &str, compared: &Compared) -> &'static str {
    let worse_when_up = WORSE_WHEN_UP.contains(&key);
    match compared.value.cmp(&compared.previous) {
        std::cmp::Ordering::Equal => "flat",
        std::cmp::Ordering::Greater if worse_when_up => "bad",
        std::cmp::Ordering::Less if !worse_when_up => "bad",
        _ => "good",
    }
}

/// The API routes with the page's figures, as CSV and JSON.
fn downloads(range: DayRange, period: Period, currency: Option<&str>) -> Vec<Download> {
    let dates = format!("from={}&to={}", range.from, range.to);
    let ranked = match currency {
        Some(code) => format!("{dates}&currency={code}&limit={RANKED}"),
        None => format!("{dates}&limit={RANKED}"),
    };
    let link = |name: &'static str, path: &str, query: &str| Download {
        name,
        csv: format!("/api/v1/stripe/{path}?{query}&format=csv"),
        json: format!("/api/v1/stripe/{path}?{query}&format=json"),
    };
    vec![
        link("Figures by period", "revenue", &format!("{dates}&period={}", period.name())),
        link("Top customers", "top-customers", &ranked),
        link("Words", "words", &ranked),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn rises_are_good_news_but_for_refunds_and_failed_payments() {
        let up = Compared::new(120, 100);
        let down = Compared::new(80, 100);
        assert_eq!((trend("gross_volume", &up), trend("gross_volume", &down)), ("good", "bad"));
        assert_eq!((trend("failed_payments", &up), trend("failed_payments", &down)), ("bad", "good"));
        assert_eq!((trend("refunds_amount", &up), trend("refunds_count", &up)), ("bad", "bad"));
        assert_eq!(trend("net_volume", &Compared::new(5, 5)), "flat");
        assert_eq!(trend("new_customers", &Compared::new(3, 0)), "good", "new is a rise");
        assert_eq!((change(&up), change(&down)), ("▲ +20.0 %".to_owned(), "▼ -20.0 %".to_owned()));
        assert_eq!((change(&Compared::new(3, 0)), change(&Compared::new(0, 0))), ("▲ new".into(), "–".into()));
    }

    #[test]
    fn downloads_name_the_api_routes_with_the_page_range() {
        let range = DayRange { from: date(2026, 11, 1), to: date(2026, 11, 30) };
        let links = downloads(range, Period::Week, Some("usd"));
        assert_eq!(links[0].csv, "/api/v1/stripe/revenue?from=2026-11-01&to=2026-11-30&period=week&format=csv");
        assert_eq!(
            links[1].json,
            "/api/v1/stripe/top-customers?from=2026-11-01&to=2026-11-30&currency=usd&limit=10&format=json"
        );
        assert_eq!(links[2].csv, "/api/v1/stripe/words?from=2026-11-01&to=2026-11-30&currency=usd&limit=10&format=csv");
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(sentence("the range starts (x) after it ends (y)"), "The range starts (x) after it ends (y).");
        assert_eq!(
            sentence("`hour` is not a period: use day, week or month"),
            "`hour` is not a period: use day, week or month."
        );
        assert_eq!(sentence("Done."), "Done.");
    }
}
