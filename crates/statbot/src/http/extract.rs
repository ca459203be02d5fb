//! Request extractors with our error format: JSON bodies whose rejections become
//! `invalid_json` errors, and the bearer-token operator every `/api/v1` route requires.

use super::AppState;
use super::error::ApiError;
use crate::auth::Claims;
use crate::store::Role;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// `axum::Json`, but a bad body is answered in our error format.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError::InvalidJson(rejection.body_text())),
        }
    }
}

/// An operator authenticated by `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone)]
pub struct Operator {
    pub claims: Claims,
    pub role: Role,
}

impl Operator {
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Staff => Err(ApiError::Forbidden("this needs an admin account".into())),
        }
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::Unauthorized("an `Authorization: Bearer TOKEN` header is required".into()))?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer TOKEN`".into()))?;
        let claims = state.tokens.verify(token.trim())?;
        let role = claims.role().ok_or_else(|| ApiError::Unauthorized("the token names an unknown role".into()))?;
        // A deleted account's tokens stop working at once.
        if state.engine.store().user(claims.sub).await?.is_none() {
            return Err(ApiError::Unauthorized("the account no longer exists".into()));
        }
        Ok(Operator { claims, role })
    }
}
