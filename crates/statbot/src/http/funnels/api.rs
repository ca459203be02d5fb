//! `GET /api/v1/funnels/{flow}`: a flow's funnel over `from`..=`to` (YYYY-MM-DD in the
//! reporting time zone), with `by=day` for the daily breakdown, `by=ref` for one funnel per
//! ref the contacts came by, `by=variant` for each split step's funnel by variant and which
//! converts better (`goal=STEP` to choose the goal), and `format=csv` for a download;
//! operators only.

use crate::funnels::{DateRange, RangeReport, csv};
use crate::http::AppState;
use crate::http::error::{ApiError, GuardedItem, JsonObject};
use crate::http::extract::Operator;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct FunnelParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    goal: Option<String>,
    format: Option<String>,
}

/// What a funnel request asks for, checked.
pub(super) struct FunnelRequest {
    pub(super) range: DateRange,
    by_day: bool,
    by_ref: bool,
    by_variant: bool,
    csv: bool,
}

impl FunnelRequest {
    pub(super) fn from_params(state: &AppState, params: &FunnelParams) -> Result<FunnelRequest, ApiError> {
        let (by_day, by_ref, by_variant) = match params.by.as_deref() {
            None | Some("") => (false, false, false),
            Some("day") => (true, false, false),
            Some("ref") => (false, true, false),
            Some("variant") => (false, false, true),
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "by=`{other}` is not supported; use by=day, by=ref or by=variant"
                )));
            }
        };
        if params.goal.is_some() && !by_variant {
            return Err(ApiError::BadRequest("goal goes with by=variant".into()));
        }
        let csv = match params.format.as_deref() {
            None | Some("") | Some("json") => false,
            Some("csv") => true,
            Some(other) => {
                return Err(ApiError::BadRequest(format!("format=`{other}` is not supported; use json or csv")));
            }
        };
        let range = DateRange::parse(params.from.as_deref(), params.to.as_deref(), state.funnels.today())?;
        Ok(FunnelRequest { range, by_day, by_ref, by_variant, csv })
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/funnels/{flow}",
    tag = "funnels",
    summary = "A flow's funnel: how many reached each step",
    params(
        ("flow" = String, Path),
        ("from" = Option<String>, Query),
        ("to" = Option<String>, Query),
        ("by" = Option<String>, Query),
        ("goal" = Option<String>, Query),
        ("format" = Option<String>, Query)
    ),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn funnel(
    State(state): State<AppState>,
    _operator: Operator,
    Path(flow): Path<String>,
    params: Result<Query<FunnelParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let request = FunnelRequest::from_params(&state, &params)?;
    let report = if request.by_ref {
        state.funnels.report_by_ref(&flow, request.range).await?
    } else if request.by_variant {
        state.funnels.report_by_variant(&flow, request.range, params.goal.as_deref()).await?
    } else {
        state.funnels.report(&flow, request.range, request.by_day).await?
    };
    Ok(if request.csv { csv_download(&report) } else { axum::Json(report).into_response() })
}

/// A funnel as a CSV file download (`funnel-FLOW-FROM-TO.csv`, `…-by-variant.csv` by variant).
fn csv_download(report: &RangeReport) -> Response {
    let by = if report.by_variant.is_some() { "-by-variant" } else { "" };
    let name = format!("funnel-{}-{}-{}{by}.csv", report.funnel.flow, report.range.from, report.range.to);
    crate::http::download::csv_file(&name, csv::report(report))
}
