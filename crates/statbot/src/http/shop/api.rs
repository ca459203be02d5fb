//! The shop's API: customer sign-up, the catalog (public to read, operators change it), orders
//! (customers see and place their own, operators see all), and test payment methods in test
//! mode. Customers log in with `POST /api/v1/auth/token`, their email as the username.

use crate::http::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::{ApiError, Guarded, GuardedItem, GuardedNoInput, JsonCreated, JsonObject, Public};
use crate::http::extract::{ApiJson, Caller, Operator};
use crate::limits::Limit;
use crate::shop::catalog::{ProductInput, ProductPatch};
use crate::shop::customers::SignUp;
use crate::shop::{OrderRequest, Placed, ShopError};
use crate::store::{OrderStatus, Role};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// Orders listed at most.
const ORDERS_SHOWN: i64 = 200;

/// `POST /api/v1/auth/signup`: a customer account, logged in at once.
#[utoipa::path(
    post,
    path = "/api/v1/auth/signup",
    tag = "shop",
    summary = "A customer account, logged in at once",
    request_body = SignUp,
    responses(JsonCreated, Public)
)]
pub(super) async fn sign_up(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(form): ApiJson<SignUp>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.limits.hit(Limit::SignupsPerIp, &ip.subject()).await?;
    let profile = state.shop.sign_up(&form).await?;
    // A new account is at its first token version.
    let (token, expires_in) = state.tokens.issue(profile.user_id, &profile.email, Role::Customer, 0)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "user": {
                "id": profile.user_id, "username": profile.email, "role": Role::Customer,
                "first_name": profile.first_name, "last_name": profile.last_name, "email": profile.email,
            },
        })),
    ))
}

#[derive(Deserialize)]
pub(super) struct ProductsQuery {
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/products[?all=true]`: what is on sale (anyone); everything (operators).
#[utoipa::path(
    get,
    path = "/api/v1/products",
    tag = "shop",
    summary = "What is on sale (anyone); everything (operators)",
    params(("all" = bool, Query)),
    security(("bearer" = []), ("session" = [])),
    responses(JsonObject, Guarded)
)]
pub(super) async fn products(
    State(state): State<AppState>,
    operator: Result<Operator, ApiError>,
    Query(query): Query<ProductsQuery>,
) -> Result<Json<Value>, ApiError> {
    if query.all {
        operator?;
    }
    Ok(Json(json!({ "products": state.shop.products(query.all).await? })))
}

/// `POST /api/v1/products` (operators).
#[utoipa::path(
    post,
    path = "/api/v1/products",
    tag = "shop",
    summary = "Creates a product (operators)",
    request_body = ProductInput,
    security(("bearer" = [])),
    responses(JsonCreated, Guarded)
)]
pub(super) async fn create_product(
    State(state): State<AppState>,
    _operator: Operator,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let product = state.shop.create_product(&input).await?;
    Ok((StatusCode::CREATED, Json(json!(product))))
}

/// `PATCH /api/v1/products/{id}` (operators): name, description, price, currency, active.
#[utoipa::path(
    patch,
    path = "/api/v1/products/{id}",
    tag = "shop",
    summary = "Changes a product (operators)",
    params(("id" = i64, Path)),
    request_body = ProductPatch,
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn update_product(
    State(state): State<AppState>,
    _operator: Operator,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<ProductPatch>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(state.shop.update_product(id, &patch).await?)))
}

/// `DELETE /api/v1/products/{id}` (operators): off sale; past orders keep it.
#[utoipa::path(
    delete,
    path = "/api/v1/products/{id}",
    tag = "shop",
    summary = "Takes a product off sale (operators)",
    params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn deactivate_product(
    State(state): State<AppState>,
    _operator: Operator,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(state.shop.deactivate_product(id).await?)))
}

/// Whose orders a caller may see: a customer only its own.
fn scope(caller: &Caller) -> Option<i64> {
    if caller.role.is_operator() { None } else { Some(caller.user_id()) }
}

/// `GET /api/v1/orders`: the caller's orders, newest first (operators: everyone's).
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    tag = "shop",
    summary = "The caller's orders, newest first (operators: everyone's)",
    security(("bearer" = [])),
    responses(JsonObject, GuardedNoInput)
)]
pub(super) async fn orders(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let orders = state.shop.store().orders(scope(&caller), ORDERS_SHOWN).await?;
    Ok(Json(json!({ "orders": orders })))
}

/// `GET /api/v1/orders/{id}`: one order; another customer's is not found.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    tag = "shop",
    summary = "One order; another customer's is not found",
    params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(JsonObject, GuardedItem)
)]
pub(super) async fn order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let order = state.shop.store().order(id).await?;
    match order {
        Some(order) if scope(&caller).is_none_or(|user| user == order.user_id) => Ok(Json(json!(order))),
        _ => Err(ApiError::NotFound(format!("order {id}"))),
    }
}

/// `POST /api/v1/orders` with `{"items": [{"product_id", "quantity"}], "payment_method"}` and
/// an optional `Idempotency-Key` header: 201 paid, 202 pending (the outcome is not known yet),
/// 402 with the card's code and message when refused. A replay carries `Idempotent-Replayed`.
/// `POST /api/v1/orders`: within the order limits, and while the account and address have
/// declined cards to spare: once either has reached its cap, orders are refused before Stripe
/// is asked (card testing stops after a few tries).
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    tag = "shop",
    summary = "Places an order (optional Idempotency-Key header)",
    request_body = OrderRequest,
    security(("bearer" = [])),
    responses(JsonCreated, Guarded)
)]
pub(super) async fn place_order(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OrderRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| ApiError::BadRequest("the Idempotency-Key header must be visible ASCII".into()))?,
        ),
        None => None,
    };
    let (account, address) = (caller.user_id().to_string(), ip.subject());
    state.limits.hit(Limit::OrdersPerAccount, &account).await?;
    state.limits.hit(Limit::OrdersPerIp, &address).await?;
    let declines = [(Limit::DeclinedCardsPerAccount, account.as_str()), (Limit::DeclinedCardsPerIp, address.as_str())];
    let reserved = state.limits.reserve_all(&declines).await?;
    let placed = state.shop.place_order(caller.user_id(), &request, key).await;
    if !matches!(placed, Err(ShopError::PaymentFailed { .. })) {
        for slot in reserved {
            state.limits.give_back(slot).await?;
        }
    }
    let Placed { order, replayed } = placed?;
    let status = if order.status == OrderStatus::Pending { StatusCode::ACCEPTED } else { StatusCode::CREATED };
    let mut response = (status, Json(json!(order))).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestCardRequest {
    card: String,
}

/// `POST /api/v1/test-payment-methods` with `{"card": "visa"|"declined"}` (test mode only): a
/// payment method for a named test card.
#[utoipa::path(
    post,
    path = "/api/v1/test-payment-methods",
    tag = "shop",
    summary = "A payment method for a named test card (test mode only)",
    request_body = TestCardRequest,
    security(("bearer" = [])),
    responses(JsonCreated, Guarded)
)]
pub(super) async fn test_payment_method(
    State(state): State<AppState>,
    _caller: Caller,
    ip: ClientIp,
    ApiJson(request): ApiJson<TestCardRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.limits.hit(Limit::TestPaymentMethodsPerIp, &ip.subject()).await?;
    let payment_method = state.shop.test_payment_method(&request.card).await?;
    Ok((StatusCode::CREATED, Json(json!({ "payment_method": payment_method }))))
}
