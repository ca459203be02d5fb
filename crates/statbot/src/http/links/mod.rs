//! Entry links over HTTP: `GET /api/v1/links` (operators) and `POST /api/v1/links` (admins) in
//! `api`, the dashboard's `/links` page in `page`, and each link's QR code,
//! `/links/{name}/qr.png|svg`, in `qr` (operators, or a dashboard session). What a link is and
//! counts is [`crate::links`]'s.

mod api;
mod page;
mod qr;

use super::AppState;
use axum::Router;
use axum::routing::get;

/// The links' routes: the API, the page and the QR images.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/links", get(api::list).post(api::add))
        .merge(super::dashboard::pages(Router::new().route("/links", get(page::links))))
        .route("/links/{name}/{file}", get(qr::image))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(api::list, api::add))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
