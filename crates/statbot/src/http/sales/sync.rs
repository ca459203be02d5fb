//! `POST /store/sync`: the store page's "Sync now" button, for admins. A form with the session's
//! CSRF token; it brings the Stripe mirror up to date as `statbot stripe sync` does (one
//! instance at a time), waiting at most [`SYNC_WAIT`] (a sync resumes where it stopped), then
//! opens the store page again with what it did (`?sync=done|busy|partial`).

use crate::http::AppState;
use crate::http::dashboard::{Dashboard, safe_next};
use crate::http::error::ApiError;
use crate::store::Role;
use crate::stripe::{self, SyncOptions};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::time::Duration;

/// How long the button waits for the sync, within the requests' 30-second timeout.
const SYNC_WAIT: Duration = Duration::from_secs(20);

#[derive(Deserialize)]
pub(super) struct SyncForm {
    csrf: String,
    /// The store page to open again (its range and currency).
    #[serde(default)]
    back: String,
}

pub(super) async fn sync_now(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Form(form): Form<SyncForm>,
) -> Result<Response, ApiError> {
    if !dashboard.csrf_ok(&form.csrf) {
        return Err(ApiError::Forbidden("the form expired: open the store page again and retry".into()));
    }
    if dashboard.session.user.role != Role::Admin {
        return Err(ApiError::Forbidden("only admins can sync the Stripe mirror".into()));
    }
    let client =
        stripe::client_from_config(&state.config.stripe).map_err(|e| ApiError::Internal(e.to_string()))?.ok_or_else(
            || ApiError::NotConfigured("no Stripe key is set: set STATBOT_STRIPE_SECRET_KEY to sync the mirror".into()),
        )?;
    let client = client.with_metrics(state.metrics.clone());
    let options = SyncOptions { zone: state.zone().clone(), ..SyncOptions::default() };
    let outcome = match tokio::time::timeout(SYNC_WAIT, stripe::run_once(state.engine.store(), &client, &options)).await
    {
        Ok(Ok(Some(report))) => {
            tracing::info!(
                user_id = dashboard.session.user.id,
                written = report.total(),
                "Stripe sync from the dashboard"
            );
            "done"
        }
        Ok(Ok(None)) => "busy",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "Stripe sync from the dashboard failed");
            return Err(ApiError::Coded {
                status: StatusCode::BAD_GATEWAY,
                code: "sync_failed".into(),
                message: format!("the sync failed ({e}); the figures are the mirror's as they were"),
                order_id: None,
            });
        }
        Err(_) => "partial",
    };
    let back = safe_next(&form.back).filter(|back| back.starts_with("/store")).unwrap_or("/store");
    let separator = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{separator}sync={outcome}")).into_response())
}

/// The store page's sentence for what a "Sync now" did (`?sync=`); nothing for anything else.
pub(super) fn notice(outcome: &str) -> Option<&'static str> {
    match outcome {
        "done" => Some("The mirror is up to date with Stripe."),
        "busy" => Some("Another sync is under way: the figures show what it has written so far."),
        "partial" => Some("The sync is taking a while: it stopped for now, and the next one resumes where it stopped."),
        _ => None,
    }
}
