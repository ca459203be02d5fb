//! The sales figures API for operators: `GET /api/v1/stripe/revenue`, `/top-customers` and
//! `/words`, over `from`/`to`/`days` (thirty days up to today by default), as JSON or CSV.

use crate::dates::DayRange;
use crate::http::AppState;
use crate::http::download::{csv_file, wants_csv};
use crate::http::error::{ApiError, Guarded, JsonObject};
use crate::http::extract::Operator;
use crate::sales::periods::{self, Period};
use crate::sales::report;
use crate::sales::{Sales, SalesError};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

impl From<SalesError> for ApiError {
    fn from(e: SalesError) -> Self {
        match e {
            SalesError::Store(e) => e.into(),
            SalesError::BadRequest(message) => ApiError::BadRequest(message),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Every parameter arrives as text so that a bad one is answered in a sentence. The API document
/// lists these fields, with their comments, as each route's query parameters.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct MetricsQuery {
    /// The first day: `YYYY-MM-DD`, `today` or `yesterday`.
    from: Option<String>,
    /// The last day (today by default): `YYYY-MM-DD`, `today` or `yesterday`.
    to: Option<String>,
    /// Extra days after `from` (0: that day alone), or without `from` before `to` (29 by default).
    days: Option<String>,
    /// Revenue only: `day`, `week` or `month` (by default, what suits the range's length).
    period: Option<String>,
    /// Top customers and words: a three-letter currency code (by default the range's main currency).
    currency: Option<String>,
    /// Top customers and words: the most rows, 1 to 1000 (10 by default).
    limit: Option<String>,
    /// `json` (the default) or `csv`.
    format: Option<String>,
}

/// The most rows a ranking returns.
const MAX_LIMIT: usize = 1000;

fn number<T: std::str::FromStr>(name: &str, text: Option<&str>) -> Result<Option<T>, ApiError> {
    text.filter(|t| !t.is_empty())
        .map(|t| t.trim().parse::<T>().map_err(|_| ApiError::BadRequest(format!("{name}=`{t}` is not a whole number"))))
        .transpose()
}

impl MetricsQuery {
    /// The range asked for: `from`..`to`, `from` plus `days` extra days, or the `days` (29 by
    /// default: thirty days) before `to` (today by default).
    fn range(&self, today: jiff::civil::Date) -> Result<DayRange, ApiError> {
        let days = number::<i64>("days", self.days.as_deref())?;
        periods::asked_range(self.from.as_deref(), self.to.as_deref(), days, today).map_err(ApiError::BadRequest)
    }

    fn currency(&self) -> Result<Option<&str>, ApiError> {
        match self.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => Ok(Some(c)),
            Some(c) => Err(ApiError::BadRequest(format!("currency=`{c}` is not a three-letter currency code"))),
            None => Ok(None),
        }
    }

    fn limit(&self) -> Result<usize, ApiError> {
        match number::<usize>("limit", self.limit.as_deref())? {
            None => Ok(10),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::BadRequest(format!("limit={n} is out of range: 1 to {MAX_LIMIT}"))),
        }
    }
}

/// What every metric route starts from: CSV or not, the range, and the metrics.
fn asked<'a>(state: &'a AppState, query: &MetricsQuery) -> Result<(bool, DayRange, &'a Sales), ApiError> {
    let metrics = &state.sales;
    Ok((wants_csv(query.format.as_deref())?, query.range(metrics.today())?, metrics))
}

/// JSON, or CSV named after the metric and range.
fn answer<T: Serialize>(report: &T, csv: Option<(String, &str, DayRange)>) -> Result<Response, ApiError> {
    match csv {
        Some((body, name, range)) => Ok(csv_file(&format!("{name}-{}-to-{}.csv", range.from, range.to), body)),
        None => Ok(Json(serde_json::to_value(report).map_err(|e| ApiError::Internal(e.to_string()))?).into_response()),
    }
}

/// `GET /api/v1/stripe/revenue?from=&to=&days=&period=day|week|month&format=json|csv`
#[utoipa::path(
    get,
    path = "/api/v1/stripe/revenue",
    tag = "sales",
    summary = "Stripe revenue over a range",
    params(MetricsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn revenue(
    State(state): State<AppState>,
    _operator: Operator,
    Query(query): Query<MetricsQuery>,
) -> Result<Response, ApiError> {
    let (csv, range, metrics) = asked(&state, &query)?;
    let period = match query.period.as_deref().filter(|p| !p.is_empty()) {
        Some(text) => text.parse::<Period>().map_err(ApiError::BadRequest)?,
        None => Period::for_range(range),
    };
    let report = metrics.revenue(range, period).await?;
    answer(&report, csv.then(|| (report::revenue_csv(&report), "revenue", range)))
}

/// `GET /api/v1/stripe/top-customers?from=&to=&days=&limit=&currency=&format=json|csv`
#[utoipa::path(
    get,
    path = "/api/v1/stripe/top-customers",
    tag = "sales",
    summary = "The top Stripe customers over a range",
    params(MetricsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn top_customers(
    State(state): State<AppState>,
    _operator: Operator,
    Query(query): Query<MetricsQuery>,
) -> Result<Response, ApiError> {
    let (csv, range, metrics) = asked(&state, &query)?;
    let report = metrics.top_customers(range, query.currency()?, query.limit()?).await?;
    answer(&report, csv.then(|| (report::top_customers_csv(&report), "top-customers", range)))
}

/// `GET /api/v1/stripe/words?from=&to=&days=&limit=&currency=&format=json|csv`
#[utoipa::path(
    get,
    path = "/api/v1/stripe/words",
    tag = "sales",
    summary = "The Stripe figures in words",
    params(MetricsQuery),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn words(
    State(state): State<AppState>,
    _operator: Operator,
    Query(query): Query<MetricsQuery>,
) -> Result<Response, ApiError> {
    let (csv, range, metrics) = asked(&state, &query)?;
    let report = metrics.words(range, query.currency()?, query.limit()?).await?;
    answer(&report, csv.then(|| (report::words_csv(&report), "words", range)))
}
