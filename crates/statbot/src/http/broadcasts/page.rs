//! `/broadcasts`: every broadcast with its status and audience, and for admins the form creating
//! one (`form`); `/broadcasts/{name}`: one broadcast's funnel (recipients, skipped by reason,
//! sent, delivered, read, not sent, tapped, revealed, redeemed and the revenue). Steered with
//! `statbot broadcast` or the API.

use super::form::FormView;
use crate::engine::{BroadcastReport, broadcast_report};
use crate::http::AppState;
use crate::http::dashboard::{Dashboard, Nav};
use crate::http::error::ApiError;
use crate::store::{Broadcast, Role};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/broadcasts.html")]
struct ListPage {
    nav: Nav,
    broadcasts: Vec<Broadcast>,
    /// The create form, for admins.
    form: Option<FormView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/broadcast.html")]
struct ShowPage {
    nav: Nav,
    report: BroadcastReport,
    /// The funnel's rows: label, contacts.
    rows: Vec<(String, i64)>,
    /// The redeeming charges' net revenue ("$38.40 + ¥1,200"), if any.
    revenue: Option<String>,
}

pub(super) async fn list(State(state): State<AppState>, dashboard: Dashboard) -> Result<Response, ApiError> {
    let form = (dashboard.session.user.role == Role::Admin).then(|| FormView::empty(&state));
    render_list(&state, &dashboard, form).await
}

/// The list of broadcasts, with the create form as given (`None`: not an admin's).
pub(super) async fn render_list(
    state: &AppState,
    dashboard: &Dashboard,
    form: Option<FormView>,
) -> Result<Response, ApiError> {
    let broadcasts = state.engine.store().broadcasts().await?;
    Ok(ListPage { nav: Nav::of(dashboard), broadcasts, form }.into_response())
}

pub(super) async fn show(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let report = broadcast_report(state.engine.store(), &name).await?;
    let f = &report.funnel;
    let mut rows = vec![("Recipients".to_owned(), f.recipients), ("Not reached yet".to_owned(), f.pending)];
    rows.extend(f.skipped.iter().map(|(reason, n)| (format!("Skipped: {reason}"), *n)));
    rows.extend([
        ("Queued".to_owned(), f.queued),
        ("Sent".to_owned(), f.sent),
        ("Delivered".to_owned(), f.delivered),
        ("Read".to_owned(), f.read),
        ("Not sent".to_owned(), f.not_sent),
        ("Tapped".to_owned(), f.tapped),
        ("Revealed".to_owned(), f.revealed),
        ("Redeemed".to_owned(), f.redemptions.redeemed as i64),
    ]);
    let revenue = f.redemptions.revenue_text();
    Ok(ShowPage { nav: Nav::of(&dashboard), report, rows, revenue }.into_response())
}
