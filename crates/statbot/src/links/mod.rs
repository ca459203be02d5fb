//! Entry links as the operator sees them: a named entry point whose `m.me/PAGE?ref=NAME` URL
//! (and its QR code, [`qr`]) opens the conversation at a flow's step. Here are the rules of a
//! link's name, its URL, adding one with its flow and step checked against the loaded flows,
//! and each link's entries and conversions. What a referral does to a conversation is the
//! engine's; the SQL is `store::entry_links`. The CLI (`statbot links`) and the dashboard
//! (`/links`, `/api/v1/links`) both go through here.

pub mod qr;

use crate::config::MessengerConfig;
use crate::engine::LoadedFlows;
use crate::funnels::{FunnelError, Funnels};
use crate::store::{EntryLink, Store, StoreError};
use serde::Serialize;

/// The longest name a link may have (Meta accepts longer refs; these are printed and typed).
pub const MAX_NAME: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("a link's name is letters, digits, `_` and `-` (at most {MAX_NAME}); `{0}` is not")]
    BadName(String),
    #[error("a link's name is at most {MAX_NAME} characters; this one has {0}")]
    LongName(usize),
    #[error("no flow is named `{0}`")]
    UnknownFlow(String),
    #[error("flow `{flow}` has no step `{step}`")]
    UnknownStep { flow: String, step: String },
    #[error("a link named `{0}` already exists; choose another name or remove it first")]
    Taken(String),
    #[error("no link is named `{0}`")]
    NotFound(String),
    #[error(
        "a link's URL names the Facebook Page: set STATBOT_MESSENGER_PAGE_USERNAME (the Page's username) or \
         STATBOT_MESSENGER_PAGE_ID (messenger.page_username or messenger.page_id in statbot.toml)"
    )]
    NoPage,
    #[error(transparent)]
    Qr(#[from] qr::QrError),
    #[error(transparent)]
    Funnel(#[from] FunnelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A checked link name: 1 to [`MAX_NAME`] ASCII letters, digits, `_` and `-`, so that it goes
/// into a URL as it is and reads the same on a poster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkName(String);

impl LinkName {
    pub fn parse(name: &str) -> Result<LinkName, LinkError> {
        let count = name.chars().count();
        if count > MAX_NAME {
            return Err(LinkError::LongName(count));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(LinkError::BadName(name.to_owned()));
        }
        Ok(LinkName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What names the Page in `m.me` URLs: its username, else its id; `None` when neither is set.
pub fn page(config: &MessengerConfig) -> Option<&str> {
    let username = config.page_username.trim().trim_start_matches('@');
    let id = config.page_id.trim();
    [username, id].into_iter().find(|p| !p.is_empty())
}

/// The URL that opens a conversation with the Page by this link.
pub fn url(page: &str, name: &str) -> String {
    let page: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
    format!("https://m.me/{page}?ref={name}")
}

/// The URL of a stored link, or why it cannot be made.
pub fn url_of(config: &MessengerConfig, name: &str) -> Result<String, LinkError> {
    page(config).map(|page| url(page, name)).ok_or(LinkError::NoPage)
}

/// Adds a link to `flow` (at `step`, else its entry step), both checked against the flows.
pub async fn add(
    store: &Store,
    flows: &LoadedFlows,
    name: &str,
    flow: &str,
    step: Option<&str>,
) -> Result<EntryLink, LinkError> {
    let name = LinkName::parse(name)?;
    let found = flows.set.get(flow).ok_or_else(|| LinkError::UnknownFlow(flow.to_owned()))?;
    if let Some(step) = step
        && !found.steps.contains_key(step)
    {
        return Err(LinkError::UnknownStep { flow: flow.to_owned(), step: step.to_owned() });
    }
    store.add_link(name.as_str(), flow, step).await.map_err(|e| match e {
        StoreError::Conflict(_) => LinkError::Taken(name.as_str().to_owned()),
        other => other.into(),
    })
}

/// Removes a link; the referrals it brought stay.
pub async fn remove(store: &Store, name: &str) -> Result<(), LinkError> {
    match store.remove_link(name).await? {
        true => Ok(()),
        false => Err(LinkError::NotFound(name.to_owned())),
    }
}

/// The link named `name`.
pub async fn find(store: &Store, name: &str) -> Result<EntryLink, LinkError> {
    store.link(name).await?.ok_or_else(|| LinkError::NotFound(name.to_owned()))
}

/// A link with its URL and what it brought.
#[derive(Debug, Clone, Serialize)]
pub struct LinkSummary {
    pub name: String,
    pub flow: String,
    /// `None`: the flow's entry step.
    pub step: Option<String>,
    /// `None` until the Page is named (see [`LinkError::NoPage`]).
    pub url: Option<String>,
    pub created_at: i64,
    /// Contacts who arrived by the link (a referral with its ref), ever.
    pub entries: u64,
    /// Contacts the link's flow's funnel counts under the link's ref (see docs/links.md) who
    /// revealed a coupon within the conversion window: the funnel's conversion.
    pub conversions: u64,
}

/// Every link, by name, with its entries and conversions (the funnels rolled up first, so every
/// recorded event counts).
pub async fn summaries(
    funnels: &Funnels,
    store: &Store,
    config: &MessengerConfig,
) -> Result<Vec<LinkSummary>, LinkError> {
    funnels.catch_up().await?;
    let counts = store.link_counts().await?;
    let links = store.links().await?;
    Ok(links
        .into_iter()
        .map(|link| {
            let (entries, conversions) = counts.get(&link.name).copied().unwrap_or_default();
            LinkSummary {
                url: page(config).map(|page| url(page, &link.name)),
                name: link.name,
                flow: link.flow,
                step: link.step,
                created_at: link.created_at,
                entries,
                conversions,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_url_safe_and_short() {
        for good in ["spring", "Spring_2026", "poster-a", "x", &"a".repeat(MAX_NAME)] {
            assert_eq!(LinkName::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "a b", "a/b", "ref=x", "a&b", "ünï", "a.b"] {
            assert!(matches!(LinkName::parse(bad), Err(LinkError::BadName(_))), "{bad}");
        }
        assert!(matches!(LinkName::parse(&"a".repeat(MAX_NAME + 1)), Err(LinkError::LongName(101))));
    }

    #[test]
    fn the_page_is_its_username_else_its_id() {
        let mut config = MessengerConfig::default();
        assert_eq!(page(&config), None);
        config.page_id = "104857600000001".into();
        assert_eq!(url_of(&config, "spring").unwrap(), "https://m.me/104857600000001?ref=spring");
        config.page_username = "@statbotshop".into();
        assert_eq!(url_of(&config, "spring").unwrap(), "https://m.me/statbotshop?ref=spring");
    }
}
