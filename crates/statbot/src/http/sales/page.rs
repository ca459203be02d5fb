//! `GET /store?from=&to=&period=&currency=`: the Stripe sales figures on the dashboard. The
//! figures of the range against the previous range of equal length (a change is green when it
//! is good news: a rise in refunds or failed payments is not), new customers, the series by
//! period, the charts, the top customers with their average order, the words that sell, where
//! the figures come from, and links to the same figures on the API as CSV and JSON. A bad
//! range, period or currency is said on the page, which then shows the default range; an
//! empty mirror says why and how to fill it (and the mirror's state is said once). Admins get a
//! "Sync now" button (`super::sync`) when a Stripe key is set. Times are in the business time
//! zone.

use super::charts::RANKED;
use super::request::{Asked, SalesParams, default_asked, query};
use crate::dates::DayRange;
use crate::dates::local_minute;
use crate::http::AppState;
use crate::http::charts::ChartFigure;
use crate::http::dashboard::{Card, Dashboard, Line, Nav, Preset, collapse, presets, sentence};
use crate::http::error::ApiError;
use crate::sales::metrics::{Compared, CurrencyRevenue, FIGURES, Kind, RevenueReport, TopCustomers, TopWords};
use crate::sales::periods::Period;
use crate::sales::report::{change_text, provenance_sentence_in, range_text};
use crate::store::Role;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use statbot_core::money;

/// The figures shown as headline cards, with their trend over the series.
const HEADLINES: [&str; 4] = ["gross_volume", "net_volume", "successful_payments", "new_customers"];

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
    /// Nothing happened in the period.
    quiet: bool,
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
    cards: Vec<Card>,
    figures: Vec<FigureRow>,
    /// By period, runs of periods without any payment in one line.
    series: Vec<Line<PeriodRow>>,
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
    presets: Vec<Preset>,
    previous_range: String,
    period: &'static str,
    /// The currency shown (lower case) and those with figures, for the picker.
    currency: String,
    currencies: Vec<String>,
    /// Why the page does not show what was asked.
    error: Option<String>,
    /// The mirror holds nothing: why, and how to fill it (then `provenance` is not shown).
    empty: Option<String>,
    provenance: String,
    stats: Option<Stats>,
    downloads: Vec<Download>,
    /// The "Sync now" form, for admins when a Stripe key is set.
    sync: Option<SyncForm>,
    /// What the last "Sync now" did.
    synced: Option<&'static str>,
}

/// The "Sync now" form: the session's CSRF token and the page to come back to.
struct SyncForm {
    csrf: String,
    back: String,
}

/// `?sync=` after a "Sync now": what it did.
#[derive(serde::Deserialize, Default)]
pub(super) struct SyncedParams {
    sync: Option<String>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    dashboard: Dashboard,
    params: Result<Query<SalesParams>, QueryRejection>,
    Query(synced): Query<SyncedParams>,
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
        presets: presets(
            today,
            (range.from, range.to),
            "/store",
            &[("currency", asked.currency.as_deref().unwrap_or(""))],
        ),
        previous_range: range_text(report.previous_range),
        period: period.name(),
        currency: currency.clone().unwrap_or_default(),
        currencies: report.currencies.iter().map(|c| c.currency.clone()).collect(),
        error,
        empty: None,
        provenance: provenance_sentence_in(&report.provenance, state.zone()),
        stats: None,
        downloads: downloads(range, period, currency.as_deref()),
        sync: (dashboard.session.user.role == Role::Admin && state.config.stripe.secret_key.is_set()).then(|| {
            SyncForm {
                csrf: dashboard.session.csrf.clone(),
                back: format!("/store?{}", query(range, period, asked.currency.as_deref())),
            }
        }),
        synced: synced.sync.as_deref().and_then(super::sync::notice),
    };
    let part = currency.as_deref().and_then(|code| report.currencies.iter().find(|c| c.currency == code));
    if let (Some(code), Some(part)) = (currency.as_deref(), part) {
        let (top, words) =
            tokio::join!(metrics.top_customers(range, Some(code), RANKED), metrics.words(range, Some(code), RANKED));
        let (top, words) = (top?, words?);
        page.stats = Some(stats(&report, part, &top, &words, state.zone()));
    } else if report.provenance.source == "mirror" && state.engine.store().stripe_counts().await?[2] == 0 {
        let synced_at = report.provenance.synced_at.as_deref().and_then(|at| at.parse::<jiff::Timestamp>().ok());
        let key = state.config.stripe.secret_key.is_set();
        page.empty = Some(empty_mirror(synced_at.map(|at| local_minute(at, state.zone())), key, page.sync.is_some()));
    }
    Ok(page.into_response())
}

/// Why the mirror holds no payment, and what fills it: one account of it, so that the page
/// never says "no data yet" above "synced at …".
fn empty_mirror(synced_at: Option<String>, key: bool, can_sync: bool) -> String {
    match (synced_at, key) {
        (Some(at), _) => format!("The mirror was synced {at}: Stripe has no payments yet."),
        (None, false) => "No Stripe data yet: set STATBOT_STRIPE_SECRET_KEY, then sync the mirror.".into(),
        (None, true) if can_sync => "No Stripe data yet: the mirror has not been synced. Sync it now, or wait for \
            the scheduled sync."
            .into(),
        (None, true) => "No Stripe data yet: the mirror has not been synced. An admin can sync it now, or wait for \
            the scheduled sync."
            .into(),
    }
}

fn stats(
    report: &RevenueReport,
    part: &CurrencyRevenue,
    top: &TopCustomers,
    words: &TopWords,
    zone: &jiff::tz::TimeZone,
) -> Stats {
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
            quiet: p.figures.successful_payments == 0
                && p.figures.failed_payments == 0
                && p.figures.refunds_count == 0
                && report.new_customers.series.get(i).copied().unwrap_or(0) == 0,
            gross: amount(p.figures.gross_volume),
            refunds: amount(p.figures.refunds_amount),
            net: amount(p.figures.net_volume),
            payments: p.figures.successful_payments,
            failed: p.figures.failed_payments,
            new_customers: report.new_customers.series.get(i).copied().unwrap_or(0),
        })
        .collect();
    let series = collapse(series, report.period.name(), |p: &PeriodRow| p.quiet, |p| p.period.clone());
    let cards = cards(report, part, &figures);
    let query = query(report.range, report.period, Some(code));
    let charts = super::charts::figures(report, code, top, words, &query, zone);
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
        cards,
        figures,
        series,
        charts,
        customers,
        average_order: top.average_order_value.map(&amount),
        words,
    }
}

/// The headline figures as cards, with the table's change and their trend over the series.
fn cards(report: &RevenueReport, part: &CurrencyRevenue, figures: &[FigureRow]) -> Vec<Card> {
    HEADLINES
        .iter()
        .filter_map(|key| {
            let row = figures.iter().find(|f| f.key == *key)?;
            let trend: Vec<Option<f64>> = match *key {
                "new_customers" => report.new_customers.series.iter().map(|n| Some(*n as f64)).collect(),
                key => part.series.iter().map(|p| p.figures.get(key).map(|v| v as f64)).collect(),
            };
            let card = Card::new(key, row.label, (0.0, None), (row.value.clone(), Some(row.previous.clone())))
                .with_change(row.change.clone(), row.trend)
                .spark(&trend, &format!("{} by {}", row.label, report.period.name()));
            Some(card)
        })
        .collect()
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
    fn an_empty_mirror_is_explained_once() {
        let synced = empty_mirror(Some("2026-12-06 08:50 CET".into()), true, true);
        assert_eq!(synced, "The mirror was synced 2026-12-06 08:50 CET: Stripe has no payments yet.");
        assert!(empty_mirror(None, false, false).contains("set STATBOT_STRIPE_SECRET_KEY"));
        assert!(empty_mirror(None, true, true).contains("Sync it now"));
        assert!(empty_mirror(None, true, false).contains("An admin can sync it now"));
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
}
