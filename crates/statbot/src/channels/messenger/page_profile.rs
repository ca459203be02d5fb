//! The Page's set-up as code: the `[page]` section (Get Started button, greeting, ice
//! breakers, persistent menu) turned into Meta's Messenger Profile, compared with what the
//! Page has, and applied with the Messenger Profile API (`GET`, `POST` and `DELETE
//! /me/messenger_profile`, with `?platform=instagram` for the linked Instagram account).
//!
//! - [`section`]: the `[page]` section, where it is read from, and its entry points checked
//!   against the loaded flows.
//! - [`limits`]: Meta's limits, checked before anything is sent.
//! - [`fields`]: the profile fields in Meta's shapes, normalised for comparison.
//! - [`diff`]: what changes, field by field.
//! - this module: the three API calls, through the page's [`GraphClient`].

pub mod diff;
pub mod fields;
pub mod limits;
pub mod section;

pub use diff::{Change, FieldPlan, Plan};
pub use fields::{Field, Profile, ProfilePlatform};
pub use section::{PAGE_FILE, Page, PageError, PageSection};

use super::send::{ErrorClass, GraphClient, SendError};
use reqwest::Method;

/// The Messenger Profile API, under the Graph API's base URL.
const PROFILE_PATH: &str = "me/messenger_profile";

/// A Messenger Profile API call that failed, said for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "the page access token is refused: set STATBOT_MESSENGER_PAGE_TOKEN to a valid page access token of the \
         Page (with the pages_messaging and pages_manage_metadata permissions); the Graph API said: {0}"
    )]
    BadToken(String),
    #[error(
        "the Graph API did not answer the {platform} profile request in time or is busy; try again later ({reason})"
    )]
    Temporary { platform: ProfilePlatform, reason: String },
    #[error("the Graph API refused the {platform} profile request: {reason}")]
    Refused { platform: ProfilePlatform, reason: String },
}

impl ProfileError {
    fn from_send(platform: ProfilePlatform, err: SendError) -> ProfileError {
        let reason = err.reason().to_owned();
        match err.class() {
            ErrorClass::BadToken => ProfileError::BadToken(reason),
            class if class.is_retryable() => ProfileError::Temporary { platform, reason },
            _ => ProfileError::Refused { platform, reason },
        }
    }
}

fn query<'a>(platform: ProfilePlatform) -> Vec<(&'a str, &'a str)> {
    match platform {
        ProfilePlatform::Messenger => Vec::new(),
        ProfilePlatform::Instagram => vec![("platform", "instagram")],
    }
}

/// The fields statbot manages on `platform`, as the Page has them now.
pub async fn fetch(client: &GraphClient, platform: ProfilePlatform) -> Result<Profile, ProfileError> {
    let names: Vec<&str> = platform.fields().iter().map(|f| f.name()).collect();
    let fields = names.join(",");
    let mut query = query(platform);
    query.push(("fields", &fields));
    let answer = client
        .graph_request(Method::GET, PROFILE_PATH, &query, None)
        .await
        .map_err(|e| ProfileError::from_send(platform, e))?;
    Ok(Profile::from_answer(&answer))
}

/// Applies `plan`: one POST with the fields to set, one DELETE with the fields to remove,
/// each only when there is something to send.
pub async fn apply(client: &GraphClient, plan: &Plan) -> Result<(), ProfileError> {
    let query = query(plan.platform);
    let fail = |e| ProfileError::from_send(plan.platform, e);
    if let Some(body) = plan.set_body() {
        client.graph_request(Method::POST, PROFILE_PATH, &query, Some(&body)).await.map_err(fail)?;
    }
    if let Some(body) = plan.delete_body() {
        client.graph_request(Method::DELETE, PROFILE_PATH, &query, Some(&body)).await.map_err(fail)?;
    }
    Ok(())
}
