//! Accounts over the API: a token for a username and password (`token`), who the caller is and
//! an admin creating operator accounts (`users`), admins managing them: listing, role, disabling,
//! password, unlocking, removal (`admin`), and the one-time code that links a chat to an
//! operator's account (`link_code`). Customers sign up on the shop's API; operators log in to
//! the dashboard with its form.

mod admin;
mod link_code;
mod token;
mod users;

use super::AppState;
use axum::Router;
use axum::routing::{get, patch, post};

/// The account routes of the API.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/token", post(token::issue_token))
        .route("/api/v1/me", get(users::me))
        .route("/api/v1/me/link-code", post(link_code::link_code))
        .route("/api/v1/users", get(admin::list).post(users::create_user))
        .route("/api/v1/users/{name}", patch(admin::update).delete(admin::remove))
        .route("/api/v1/users/{name}/password", post(admin::password))
        .route("/api/v1/users/{name}/unlock", post(admin::unlock))
}

/// The operations of the routes above, for the API document (`/api/v1/openapi.json`).
pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        token::issue_token,
        users::me,
        link_code::link_code,
        admin::list,
        users::create_user,
        admin::update,
        admin::remove,
        admin::password,
        admin::unlock
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
