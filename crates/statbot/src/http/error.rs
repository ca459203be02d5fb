//! The one place API errors become HTTP answers: a status and the stable body
//! `{"error": {"code", "message"}}`. Internal errors are logged and answered opaquely.

use crate::auth::AuthError;
use crate::auth::accounts::AccountError;
use crate::datasets::LookupError;
use crate::engine::{EngineError, IntakeError};
use crate::funnels::FunnelError;
use crate::store::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    InvalidJson(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the webhook signature is missing or wrong")]
    InvalidSignature,
    #[error("{0} not found")]
    NotFound(String),
    /// Something asked for does not exist, said in a full sentence.
    #[error("{0}")]
    Missing(String),
    /// Something that existed and no longer does (an expired link).
    #[error("{0}")]
    Gone(String),
    /// A name matches several things.
    #[error("{0}")]
    Ambiguous(String),
    #[error("{0}")]
    NotConfigured(String),
    #[error(
        "the account is locked after too many failed logins; try again in {}",
        crate::auth::duration_words(*retry_after_secs, false)
    )]
    Locked { retry_after_secs: i64 },
    /// A rate limit reached (429 `rate_limited`, with `Retry-After`).
    #[error(transparent)]
    RateLimited(#[from] crate::limits::Exceeded),
    /// Too busy for this now (503 `busy`, with `Retry-After`), e.g. every password-hashing slot
    /// taken.
    #[error("{message}")]
    Busy { message: String, retry_after_secs: i64 },
    /// A refusal with its own status and code, e.g. a declined card: 402 `card_declined` with
    /// the card's message and the order it failed.
    #[error("{message}")]
    Coded { status: StatusCode, code: String, message: String, order_id: Option<i64> },
    /// A segment that does not read, with where it went wrong (400 `bad_segment`).
    #[error(transparent)]
    BadSegment(#[from] statbot_core::SegmentError),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::InvalidSignature => (StatusCode::FORBIDDEN, "invalid_signature"),
            ApiError::NotFound(_) | ApiError::Missing(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Ambiguous(_) => (StatusCode::CONFLICT, "ambiguous"),
            ApiError::Gone(_) => (StatusCode::GONE, "expired"),
            ApiError::NotConfigured(_) => (StatusCode::NOT_FOUND, "not_configured"),
            ApiError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, "account_locked"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::Coded { status, code, .. } => (*status, code.as_str()),
            ApiError::BadSegment(_) => (StatusCode::BAD_REQUEST, "bad_segment"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl ApiError {
    /// When to try again, for the answers that say so.
    fn retry_after_secs(&self) -> Option<i64> {
        match self {
            ApiError::Locked { retry_after_secs } | ApiError::Busy { retry_after_secs, .. } => Some(*retry_after_secs),
            ApiError::RateLimited(exceeded) => Some(exceeded.retry_after_secs),
            _ => None,
        }
    }
}

impl From<crate::limits::LimitError> for ApiError {
    fn from(e: crate::limits::LimitError) -> Self {
        match e {
            crate::limits::LimitError::Exceeded(exceeded) => ApiError::RateLimited(exceeded),
            crate::limits::LimitError::Store(e) => e.into(),
        }
    }
}

/// The body of every error answer: `{"error": {"code", "message"}}`; the API document
/// (`/api/v1/openapi.json`) describes it from this type.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable machine-readable `code` and a message for people.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// E.g. `bad_request`, `unauthorized`, `forbidden`, `not_found`, `rate_limited`, `internal`.
    pub code: String,
    pub message: String,
    /// The order a refused payment belongs to (402 `card_declined`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<i64>,
}

// The success answers the routes share, for the API document only, like the error sets below:
// `responses(JsonObject, Guarded)` in a `#[utoipa::path]`. A success answer with a body type or
// description proper to one route stays a tuple beside the set.

/// A 200 answer whose body is a JSON object, described in the area's docs rather than in the API
/// document.
#[derive(utoipa::IntoResponses)]
#[response(status = 200, description = "JSON object (see the area's docs for its fields)")]
pub struct JsonObject(pub serde_json::Value);

/// [`JsonObject`] with 201, for a route that creates something.
#[derive(utoipa::IntoResponses)]
#[response(status = 201, description = "JSON object (see the area's docs for its fields)")]
pub struct JsonCreated(pub serde_json::Value);

// The error answers the routes share, for the API document only: `responses(.., Guarded)` in a
// `#[utoipa::path]` adds each status of the set with `ErrorBody` as its body. An answer proper to
// one route (a 404 or 409 that means something particular) stays a tuple beside the set.

/// An error answer: its status and what it means.
type ErrorAnswer = (u16, &'static str);

const BAD_REQUEST: ErrorAnswer = (400, "Bad request");
const UNAUTHORIZED: ErrorAnswer = (401, "Not signed in");
const FORBIDDEN: ErrorAnswer = (403, "Not allowed");
const BAD_SIGNATURE: ErrorAnswer = (403, "Invalid signature");
const NOT_FOUND: ErrorAnswer = (404, "Not found or not configured");
const RATE_LIMITED: ErrorAnswer = (429, "Rate limited (`Retry-After`)");
const INTERNAL: ErrorAnswer = (500, "Internal error");

/// The answers with `ErrorBody` as their JSON body, by status.
fn error_answers(answers: &[ErrorAnswer]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    let body = || ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    answers
        .iter()
        .map(|&(status, description)| {
            let answer = ResponseBuilder::new().description(description).content("application/json", body()).build();
            (status.to_string(), RefOr::T(answer))
        })
        .collect()
}

/// Declares a set of error answers for the API document.
macro_rules! error_set {
    ($(#[$doc:meta])* $name:ident: $($answer:ident),+) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                error_answers(&[$($answer),+])
            }
        }
    };
}

error_set!(
    /// The error answers of a route behind sign-in that reads input: 400, 401, 403, 429 and 500.
    Guarded: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, RATE_LIMITED, INTERNAL
);
error_set!(
    /// [`Guarded`] and 404, for a route that names something in its path.
    GuardedItem: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, RATE_LIMITED, INTERNAL
);
error_set!(
    /// [`Guarded`] without 400, for a route behind sign-in that reads no input.
    GuardedNoInput: UNAUTHORIZED, FORBIDDEN, RATE_LIMITED, INTERNAL
);
error_set!(
    /// The error answers of a public route (no sign-in): 400, 429 and 500.
    Public: BAD_REQUEST, RATE_LIMITED, INTERNAL
);
error_set!(
    /// [`Public`] and 403 for a wrong or missing signature, for a webhook.
    Webhook: BAD_REQUEST, BAD_SIGNATURE, RATE_LIMITED, INTERNAL
);

/// The message of an error answer, kept beside its JSON body so that the dashboard can show it
/// on a page instead (`super::dashboard`).
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let code = code.to_owned();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "something went wrong on our side; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let order_id = match &self {
            ApiError::Coded { order_id, .. } => *order_id,
            _ => None,
        };
        let body = ErrorBody { error: ErrorDetail { code, message: message.clone(), order_id } };
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(ErrorMessage(message));
        if let Some(retry_after_secs) = self.retry_after_secs()
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(what) => ApiError::BadRequest(format!("{what} already exists")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(e) => e.into(),
        }
    }
}

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<FunnelError> for ApiError {
    fn from(e: FunnelError) -> Self {
        match e {
            FunnelError::UnknownFlow(name) => ApiError::NotFound(format!("flow `{name}`")),
            FunnelError::BadRange(message) => ApiError::BadRequest(message),
            e @ FunnelError::UnknownStep { .. } => ApiError::BadRequest(e.to_string()),
            FunnelError::Store(e) => e.into(),
            other @ FunnelError::BadWindow(_) => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials { .. } => ApiError::Unauthorized(e.to_string()),
            AuthError::InvalidToken => ApiError::Unauthorized(e.to_string()),
            AuthError::Locked { retry_after_secs } => ApiError::Locked { retry_after_secs },
            AuthError::WeakPassword(msg) => ApiError::BadRequest(msg),
            AuthError::NotAnOperator => ApiError::Forbidden(e.to_string()),
            AuthError::Disabled => ApiError::coded(StatusCode::FORBIDDEN, "account_disabled", e.to_string()),
            AuthError::Store(e) => e.into(),
            AuthError::Hashing(msg) => ApiError::Internal(msg),
            AuthError::Busy { retry_after_secs } => ApiError::Busy { message: e.to_string(), retry_after_secs },
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::NoSuchAccount(_) => ApiError::Missing(e.to_string()),
            AccountError::Customer(_) | AccountError::NotAnOperatorRole => ApiError::BadRequest(e.to_string()),
            AccountError::LastAdmin(_) => ApiError::coded(StatusCode::CONFLICT, "last_admin", e.to_string()),
            AccountError::Auth(e) => e.into(),
            AccountError::Store(e) => e.into(),
        }
    }
}

impl From<LookupError> for ApiError {
    fn from(e: LookupError) -> Self {
        match e {
            LookupError::Store(e) => e.into(),
            LookupError::Ambiguous { .. } => ApiError::Ambiguous(e.to_string()),
            other => ApiError::Missing(other.to_string()),
        }
    }
}

impl ApiError {
    fn coded(status: StatusCode, code: &str, message: String) -> ApiError {
        ApiError::Coded { status, code: code.to_owned(), message, order_id: None }
    }
}

impl From<crate::links::LinkError> for ApiError {
    fn from(e: crate::links::LinkError) -> Self {
        use crate::links::LinkError;
        match e {
            LinkError::BadName(_)
            | LinkError::LongName(_)
            | LinkError::UnknownFlow(_)
            | LinkError::UnknownStep { .. } => ApiError::BadRequest(e.to_string()),
            LinkError::Taken(_) => ApiError::coded(StatusCode::CONFLICT, "link_taken", e.to_string()),
            LinkError::NotFound(_) => ApiError::Missing(e.to_string()),
            LinkError::NoPage => ApiError::NotConfigured(e.to_string()),
            LinkError::Qr(_) => ApiError::Internal(e.to_string()),
            LinkError::Funnel(e) => e.into(),
            LinkError::Store(e) => e.into(),
        }
    }
}

impl From<crate::engine::BroadcastError> for ApiError {
    fn from(e: crate::engine::BroadcastError) -> Self {
        use crate::engine::BroadcastError;
        match e {
            BroadcastError::NotFound(name) => ApiError::NotFound(format!("broadcast `{name}`")),
            BroadcastError::Exists(_) => ApiError::coded(StatusCode::CONFLICT, "broadcast_taken", e.to_string()),
            BroadcastError::Store(e) => e.into(),
            BroadcastError::BadName(_)
            | BroadcastError::BadSegment(_)
            | BroadcastError::UnknownFlow(_)
            | BroadcastError::UnknownStep(..) => ApiError::BadRequest(e.to_string()),
        }
    }
}

impl From<crate::shop::ShopError> for ApiError {
    fn from(e: crate::shop::ShopError) -> Self {
        use crate::shop::ShopError;
        match e {
            ShopError::Invalid(message) => ApiError::BadRequest(message),
            ShopError::NotFound(what) => ApiError::NotFound(what),
            ShopError::BadCoupon(_) => ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, "bad_coupon", e.to_string()),
            ShopError::EmailTaken => ApiError::coded(StatusCode::CONFLICT, "email_taken", e.to_string()),
            ShopError::Conflict(_) => ApiError::coded(StatusCode::CONFLICT, "conflict", e.to_string()),
            ShopError::IdempotencyMismatch => {
                ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused", e.to_string())
            }
            ShopError::PaymentFailed { order_id, code, message } => {
                ApiError::Coded { status: StatusCode::PAYMENT_REQUIRED, code, message, order_id: Some(order_id) }
            }
            ShopError::NotConfigured(message) => ApiError::NotConfigured(message),
            ShopError::BadSignature(message) => ApiError::coded(StatusCode::BAD_REQUEST, "invalid_signature", message),
            ShopError::Stripe(e) => {
                tracing::error!(error = %e, "Stripe request failed");
                ApiError::coded(
                    StatusCode::BAD_GATEWAY,
                    "payment_unavailable",
                    "the payment service could not be reached; try again in a moment".into(),
                )
            }
            ShopError::Auth(e) => e.into(),
            ShopError::Store(e) => e.into(),
            ShopError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}
