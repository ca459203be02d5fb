//! The Facebook Messenger channel: checks and parses the webhook deliveries Facebook posts to us,
//! turns replies into Send API calls, and provides a local stand-in for the Graph API so the
//! whole path can be tested and benchmarked without Facebook.
//!
//! - [`signature`]: the `X-Hub-Signature-256` HMAC that proves a delivery came from Facebook.
//! - [`signed_request`]: Meta's `signed_request` (the data deletion callback), checked and read.
//! - [`webhook`]: webhook bodies to channel-neutral [`statbot_core::Inbound`]s, and the
//!   subscription handshake.
//! - [`page_profile`]: the Page's set-up as code (Get Started, greeting, ice breakers, menu)
//!   and the Messenger Profile API.
//! - [`render`]: how a reply looks on each channel (Messenger, Instagram), in one place.
//! - [`send`]: the Graph API client (Send API and user profiles) and its error classification.
//! - [`standin`]: a real local HTTP server answering like the Graph API, with scriptable faults.

pub mod page_profile;
pub mod render;
pub mod send;
pub mod signature;
pub mod signed_request;
pub mod standin;
pub mod webhook;

pub use send::{ClientBuildError, ErrorClass, GraphClient, GraphConfig, Profile, SendError, SentMessage};
pub use signature::SignatureError;
pub use standin::{Fault, GraphStandIn, RecordedSend};
pub use webhook::{Accounts, Events, WebhookError, parse_delivery_for, verify_subscription};
