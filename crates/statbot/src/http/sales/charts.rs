//! `GET /charts/store/{name}.png|svg?from=&to=&period=&currency=`: the sales figures drawn,
//! for operators (a dashboard session or a bearer token). `revenue` (gross and net volume per
//! period), `payments` (successful and failed per period), `customers` (the top ten by net
//! revenue) and `words` (the ten words that sell most), in the asked currency or the range's
//! main one. The specs are [`crate::sales::charts`]'s, which the bot sends too.

use super::request::SalesParams;
use crate::http::AppState;
use crate::http::charts::{render, split_file};
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use crate::sales::charts;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;

/// Customers and words a ranking chart shows, as the page's tables do.
pub(super) const RANKED: usize = 10;

/// The charts there are, in the order the page shows them.
pub(super) const CHARTS: [(&str, &str); 4] = [
    ("revenue", "Gross and net volume per period"),
    ("payments", "Successful and failed payments per period"),
    ("customers", "Top customers by net revenue"),
    ("words", "Revenue by word of the description"),
];

pub(super) async fn chart(
    State(state): State<AppState>,
    _operator: Operator,
    Path(file): Path<String>,
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
                charts::revenue_chart(&report, currency)
            } else {
                charts::payments_chart(&report, currency)
            }
        }
        "customers" => {
            let report = metrics.top_customers(asked.range, currency, RANKED).await?;
            charts::top_customers_chart(&report)
        }
        "words" => {
            let report = metrics.words(asked.range, currency, RANKED).await?;
            charts::words_chart(&report)
        }
        other => {
            let names: Vec<&str> = CHARTS.iter().map(|(name, _)| *name).collect();
            return Err(ApiError::NotFound(format!("store chart `{other}` (there are {})", names.join(", "))));
        }
    };
    render(chart, format).await
}
