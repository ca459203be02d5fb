//! The dashboard's shell: server-rendered pages for operators that work without JavaScript.
//! Here are the session (`session`: the cookie, the [`Dashboard`] extractor that every page takes,
//! CSRF checks), `/login` and `/logout` (`login`), and what every page shares: the top bar
//! ([`Nav`]), error messages as sentences, and errors answered as pages (`errors`: each feature
//! wraps its page routes in [`pages`]), the date presets beside the pickers (`presets`) and the
//! headline cards with their change and trend line (`cards`), and tables by day whose quiet
//! runs are one line (`quiet`). The
//! pages themselves are with their features:
//! `funnels` (the landing page `/` and `/flows/*`), `contacts`, `inbox`, `datasets`, `team` and
//! `sales` (`/store`). Tables link to their CSV and JSON downloads on the API, which accepts the
//! dashboard session for reading.

mod cards;
mod errors;
mod login;
mod presets;
mod quiet;
mod session;

pub(super) use cards::{Better, Card};
pub(super) use errors::{not_found, pages};
pub(super) use presets::{Preset, presets};
pub(super) use quiet::{Line, collapse};
pub(super) use session::{Dashboard, safe_next, session_of};

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The dashboard's own routes: logging in and out.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::login_form).post(login::login))
        .merge(pages(Router::new().route("/logout", post(login::logout))))
}

/// What the top bar needs.
#[derive(Clone)]
pub(super) struct Nav {
    pub(super) username: String,
    pub(super) csrf: String,
    /// Conversations waiting for a person in the operator's view (the "Inbox" link's count).
    pub(super) waiting: i64,
}

impl Nav {
    pub(super) fn of(dashboard: &Dashboard) -> Nav {
        Nav {
            username: dashboard.session.user.username.clone(),
            csrf: dashboard.session.csrf.clone(),
            waiting: dashboard.waiting,
        }
    }
}

/// "no team is named `x`" -> "No team is named `x`": an error message as the start of a
/// sentence on a page.
pub(super) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A message as a sentence on a page: a capital first letter, a full stop, and quotes instead
/// of the API's backticks ("flow `x` not found" -> "Flow “x” not found.").
pub(super) fn sentence(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 8);
    let mut open = false;
    for c in text.trim().chars() {
        if c == '`' {
            quoted.push(if open { '”' } else { '“' });
            open = !open;
        } else {
            quoted.push(c);
        }
    }
    let text = upper_first(&quoted);
    if text.is_empty() || text.ends_with(['.', '!', '?']) { text } else { format!("{text}.") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(upper_first("no team is named `x`"), "No team is named `x`");
        assert_eq!(upper_first(""), "");
        assert_eq!(sentence("flow `nope` not found"), "Flow “nope” not found.");
        assert_eq!(
            sentence("`2026-13-01` is not a date: write YYYY-MM-DD"),
            "“2026-13-01” is not a date: write YYYY-MM-DD."
        );
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(" "), "");
    }
}
