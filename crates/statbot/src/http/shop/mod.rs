//! The shop over HTTP: its API (`api`: customer sign-up, the catalog, orders, test payment
//! methods), the `/shop` storefront that talks to it (`page`), the dashboard's `/orders` page for
//! operators (`orders`), and the Stripe webhook that settles the orders' payments (`webhook`).
//! The domain is [`crate::shop`].

mod api;
mod orders;
mod page;
mod webhook;

use super::AppState;
use axum::Router;
use axum::routing::{get, patch, post};

/// The shop routes: the API, the storefront and the Stripe webhook.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/signup", post(api::sign_up))
        .route("/api/v1/products", get(api::products).post(api::create_product))
        .route("/api/v1/products/{id}", patch(api::update_product).delete(api::deactivate_product))
        .route("/api/v1/orders", get(api::orders).post(api::place_order))
        .route("/api/v1/orders/{id}", get(api::order))
        .route("/api/v1/test-payment-methods", post(api::test_payment_method))
        .route("/shop", get(page::page))
        .merge(super::dashboard::pages(Router::new().route("/orders", get(orders::page))))
        .route("/webhooks/stripe", post(webhook::webhook))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        api::sign_up,
        api::products,
        api::create_product,
        api::update_product,
        api::deactivate_product,
        api::orders,
        api::place_order,
        api::order,
        api::test_payment_method,
        webhook::webhook
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
