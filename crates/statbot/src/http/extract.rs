//! Request extractors with our error format: JSON bodies whose rejections become
//! `invalid_json` errors, the bearer-token operator every operator route requires (customers get
//! 403 there), and the signed-in account of any role that the shop's routes take.

use super::AppState;
use super::error::ApiError;
use crate::auth::Claims;
use crate::store::Role;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
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

/// An operator authenticated by `Authorization: Bearer TOKEN`, or, for reading, by a
/// dashboard session.
#[derive(Debug, Clone)]
pub struct Operator {
    pub claims: Claims,
    pub role: Role,
}

impl Operator {
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Staff | Role::Customer => Err(ApiError::Forbidden("this needs an admin account".into())),
        }
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(header::AUTHORIZATION) else {
            // A dashboard session may read (charts, downloads), never write: the cookie would
            // otherwise let other sites post on the operator's behalf.
            if (parts.method == Method::GET || parts.method == Method::HEAD)
                && let Some(dashboard) = super::dashboard::session_of(parts, state).await?
            {
                let user = dashboard.session.user;
                let claims = Claims {
                    sub: user.id,
                    name: user.username,
                    role: user.role.to_string(),
                    ver: user.token_version,
                    iat: 0,
                    exp: (dashboard.session.expires_at / 1000) as u64,
                };
                return operator(Caller { claims, role: user.role });
            }
            return Err(ApiError::Unauthorized("an `Authorization: Bearer TOKEN` header is required".into()));
        };
        operator(bearer(header, state).await?)
    }
}

fn operator(caller: Caller) -> Result<Operator, ApiError> {
    if !caller.role.is_operator() {
        return Err(ApiError::Forbidden("this needs an operator account".into()));
    }
    Ok(Operator { claims: caller.claims, role: caller.role })
}

/// Any signed-in account, customers included, by `Authorization: Bearer TOKEN` only (no
/// cookie, so no other site can act for it).
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    pub role: Role,
}

impl Caller {
    pub fn user_id(&self) -> i64 {
        self.claims.sub
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("an `Authorization: Bearer TOKEN` header is required".into()))?;
        bearer(header, state).await
    }
}

/// The account a bearer token names, checked: signature, expiry, and, in one look-up of the
/// account by its primary key, that it still exists, is enabled and is at the token's version (a
/// role or password change since the token was issued ends it). The role is the account's.
async fn bearer(header: &axum::http::HeaderValue, state: &AppState) -> Result<Caller, ApiError> {
    let header = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header must be `Bearer TOKEN`".into()))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer TOKEN`".into()))?;
    let claims = state.tokens.verify(token.trim())?;
    let refused = |why: &str| Err(ApiError::Unauthorized(why.to_owned()));
    match state.engine.store().user(claims.sub).await? {
        None => refused("the account no longer exists"),
        Some(user) if user.is_disabled() => refused("the account is disabled"),
        Some(user) if user.token_version != claims.ver => {
            refused("the token was issued before the account's role or password changed: get a new one")
        }
        Some(user) => Ok(Caller { claims, role: user.role }),
    }
}
