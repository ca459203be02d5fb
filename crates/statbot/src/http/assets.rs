//! `/assets/*`: the pages' style sheets and scripts (the storefront's, the web chat's), built into
//! the binary from `assets/web/`, so that no page has inline CSS or JavaScript and a CSP can
//! allow only `'self'`. Each file is served under a name carrying the first hex digits of its
//! SHA-256 (`/assets/shop.1a2b3c4d5e6f.js`), computed on first use, and cached by browsers for a
//! year: a changed file is a new name.

use super::AppState;
use super::error::ApiError;
use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The assets' route.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(asset))
}

/// A file the pages load; its URL is [`Asset::url`], for the templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset {
    /// Every dashboard page's style sheet (`templates/dashboard/base.html`).
    DashboardCss,
    /// The web chat's style sheet.
    ChatCss,
    /// The storefront's style sheet.
    ShopCss,
    /// The storefront's script.
    ShopJs,
    /// The web chat's script: progressive touches, the page works without it.
    ChatJs,
    /// The links page's copy buttons (the page works without it).
    LinksJs,
    /// Every dashboard page's live inbox: the top bar's count, and `/inbox` kept up to date
    /// (the pages work without it).
    InboxJs,
}

const ALL: [Asset; 7] =
    [Asset::DashboardCss, Asset::ChatCss, Asset::ShopCss, Asset::ShopJs, Asset::ChatJs, Asset::LinksJs, Asset::InboxJs];

/// Hex digits of the SHA-256 in a file's served name: enough to tell versions apart.
const HASH_DIGITS: usize = 12;

/// A year: the name changes with the content, so a cached copy never goes stale.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

impl Asset {
    /// The file's stem and extension, and its content.
    fn source(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Asset::DashboardCss => ("dashboard", "css", include_str!("../../assets/web/dashboard.css")),
            Asset::ChatCss => ("chat", "css", include_str!("../../assets/web/chat.css")),
            Asset::ShopCss => ("shop", "css", include_str!("../../assets/web/shop.css")),
            Asset::ShopJs => ("shop", "js", include_str!("../../assets/web/shop.js")),
            Asset::ChatJs => ("chat", "js", include_str!("../../assets/web/chat.js")),
            Asset::LinksJs => ("links", "js", include_str!("../../assets/web/links.js")),
            Asset::InboxJs => ("inbox", "js", include_str!("../../assets/web/inbox.js")),
        }
    }

    fn content_type(self) -> &'static str {
        match self.source().1 {
            "js" => "text/javascript; charset=utf-8",
            _ => "text/css; charset=utf-8",
        }
    }

    /// The path it is served at, with its content's hash in the name.
    pub fn url(self) -> &'static str {
        &URLS[self as usize]
    }
}

/// Each asset's path, in the order of [`ALL`] (which is the enum's).
static URLS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ALL.iter()
        .map(|asset| {
            let (stem, extension, content) = asset.source();
            let digest = hex::encode(Sha256::digest(content.as_bytes()));
            format!("/assets/{stem}.{}.{extension}", &digest[..HASH_DIGITS])
        })
        .collect()
});

async fn asset(Path(file): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let asset = ALL
        .into_iter()
        .find(|asset| asset.url().strip_prefix("/assets/") == Some(file.as_str()))
        .ok_or_else(|| ApiError::NotFound(format!("asset `{file}`")))?;
    Ok(([(header::CONTENT_TYPE, asset.content_type()), (header::CACHE_CONTROL, CACHE_CONTROL)], asset.source().2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hash_of_the_content() {
        for asset in ALL {
            let (stem, extension, content) = asset.source();
            let url = asset.url();
            let hash = hex::encode(Sha256::digest(content.as_bytes()));
            assert_eq!(url, format!("/assets/{stem}.{}.{extension}", &hash[..HASH_DIGITS]));
        }
        let mut urls: Vec<&str> = ALL.iter().map(|a| a.url()).collect();
        urls.sort_unstable();
        urls.dedup();
        assert_eq!(urls.len(), ALL.len(), "one name per file");
    }

    #[test]
    fn the_enum_and_the_list_agree() {
        for (i, asset) in ALL.iter().enumerate() {
            assert_eq!(*asset as usize, i, "{asset:?}");
        }
    }
}
