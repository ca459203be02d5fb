//! `GET /charts/store/{name}.png|svg?from=&to=&period=&currency=`: the sales figures drawn,
//! for operators (a dashboard session or a bearer token). `revenue` (gross and net volume per
//! period), `payments` (successful and failed per period), `customers` (the top ten by net
//! revenue) and `words` (the ten words that sell most), in the asked currency or the range's
//! main one; `size=phone` for the phone version. The specs are [`crate::sales::charts`]'s, which
//! the bot sends too; the page shows them through [`figures`], with alt text from the same reports.

use super::request::SalesParams;
use crate::http::AppState;
use crate::http::charts::{ChartFigure, ChartSize, render, split_file};
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use crate::sales::charts;
use crate::sales::metrics::{RevenueReport, TopCustomers, TopWords};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;

/// Customers and words a ranking chart shows, as the page's tables do.
pub(super) const RANKED: usize = 10;

/// The charts there are, in the order the page shows them.
pub(super) const CHARTS: [&str; 4] = ["revenue", "payments", "customers", "words"];

pub(super) async fn chart(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
    size: ChartSize,
    params: Result<Query<SalesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (name, format) = split_file(&file)?;
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let metrics = &state.sales;
    let asked = params.asked(metrics.today()).map_err(ApiError::BadRequest)?;
    let currency = asked.currency.as_deref();
    let chart = match name {
        "revenue" | "payments" => {
            let report = metrics.revenue(asked.range, asked.period).await?;
            let main = report.currencies.first().map(|c| c.currency.as_str());
            let currency = currency.or(main).unwrap_or_default();
            if name == "revenue" {
                charts::revenue_chart(&report, currency, metrics.zone())
            } else {
                charts::payments_chart(&report, currency, metrics.zone())
            }
        }
        "customers" => {
            let report = metrics.top_customers(asked.range, currency, RANKED).await?;
            charts::top_customers_chart(&report, metrics.zone())
        }
        "words" => {
            let report = metrics.words(asked.range, currency, RANKED).await?;
            charts::words_chart(&report, metrics.zone())
        }
        other => {
            return Err(ApiError::NotFound(format!("store chart `{other}` (there are {})", CHARTS.join(", "))));
        }
    };
    render(chart, format, size).await
}

/// The page's charts in `currency`, in [`CHARTS`] order, from the reports it shows; `query` is
/// the page's (`from=…&to=…&period=…&currency=…`).
pub(super) fn figures(
    report: &RevenueReport,
    currency: &str,
    top: &TopCustomers,
    words: &TopWords,
    query: &str,
    zone: &jiff::tz::TimeZone,
) -> Vec<ChartFigure> {
    let specs = [
        charts::revenue_chart(report, currency, zone),
        charts::payments_chart(report, currency, zone),
        charts::top_customers_chart(top, zone),
        charts::words_chart(words, zone),
    ];
    CHARTS
        .iter()
        .zip(specs)
        .map(|(name, chart)| ChartFigure::new(&format!("/charts/store/{name}"), query, &chart))
        .collect()
}
