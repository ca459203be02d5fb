//! The contacts on the dashboard: `/contacts`, the most recently active contacts matching a
//! search, and `/contacts/{id}`, one contact's conversation (the charts and pictures it was
//! sent shown as pictures, a chart's expired link renewed), the coupons it was shown, and the
//! way back to the list, with the times in the reporting time zone.

use crate::http::AppState;
use crate::http::dashboard::{Dashboard, Nav};
use crate::http::error::ApiError;
use crate::store::{Contact, CouponEvent, LoggedMessage};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use statbot_core::Reply;

/// Contacts listed at most.
const CONTACTS_SHOWN: i64 = 100;
/// What an erased message shows (see `Store::forget`).
const ERASED: &str = "(erased)";
/// Messages of a conversation shown at most.
const MESSAGES_SHOWN: i64 = 200;

struct ContactRow {
    id: i64,
    name: String,
    platform: String,
    external_id: String,
    position: String,
    last_active: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/contacts.html")]
struct ContactsPage {
    nav: Nav,
    q: String,
    contacts: Vec<ContactRow>,
    /// Replies never sent because the contact's messaging window had closed.
    held: i64,
    /// Replies given up on.
    failed: i64,
    /// The latest of both.
    undelivered: Vec<UndeliveredRow>,
}

/// A reply that was not sent, on the contacts page.
struct UndeliveredRow {
    contact_id: i64,
    contact: String,
    status: &'static str,
    why: &'static str,
    at: String,
}

/// Why a reply was not sent, in words, from its status and Meta's error class.
fn why_undelivered(status: &str, class: Option<&str>) -> &'static str {
    match (status, class) {
        ("held", _) | (_, Some("outside_window")) => "outside the messaging window",
        (_, Some("unavailable" | "no_such_user")) => "the person cannot be reached",
        (_, Some("permissions")) => "the app lacks a permission",
        (_, Some("bad_token")) => "the page access token is refused",
        (_, Some("rate_limited")) => "rate limited by Meta, too many times",
        (_, Some("invalid_parameter")) => "Meta refused the message",
        (_, Some("temporary")) => "the Graph API did not answer, too many times",
        (_, Some("erased")) => "the person's data was erased",
        _ => "refused",
    }
}

/// Undelivered replies (held or failed) listed on the contacts page.
const UNDELIVERED_SHOWN: i64 = 10;

#[derive(Deserialize)]
pub(super) struct SearchParams {
    #[serde(default)]
    q: String,
}

/// A moment in the reporting time zone, to the minute.
pub(in crate::http) fn local_time(state: &AppState, at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_zoned(state.funnels.rules().time_zone.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The flow step a contact is at: "coupon / offer".
fn position(c: &Contact) -> Option<String> {
    c.position.as_ref().map(|p| format!("{} / {}", p.flow, p.step))
}

fn contact_row(state: &AppState, c: &Contact) -> ContactRow {
    ContactRow {
        id: c.id,
        name: c.display_name(),
        platform: c.platform.to_string(),
        external_id: c.external_id.clone(),
        position: position(c).unwrap_or_default(),
        last_active: local_time(state, c.updated_at),
    }
}

pub(super) async fn contacts(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Query(params): Query<SearchParams>,
) -> Result<Response, ApiError> {
    let store = state.engine.store();
    let found = store.find_contacts(&params.q, None, CONTACTS_SHOWN).await?;
    let contacts = found.iter().map(|c| contact_row(&state, c)).collect();
    let stats = store.outbox_stats().await?;
    let (undelivered, named) = store.undelivered(&["held", "failed"], UNDELIVERED_SHOWN).await?;
    let rows = undelivered
        .into_iter()
        .map(|u| UndeliveredRow {
            contact_id: u.contact_id,
            contact: named.get(&u.contact_id).map(Contact::display_name).unwrap_or_default(),
            status: if u.status == "held" { "held" } else { "failed" },
            why: why_undelivered(&u.status, u.error_class.as_deref()),
            at: local_time(&state, u.created_at),
        })
        .collect();
    let page = ContactsPage {
        nav: Nav::of(&dashboard),
        q: params.q,
        contacts,
        held: stats.held,
        failed: stats.failed,
        undelivered: rows,
    };
    Ok(page.into_response())
}

/// One message of a conversation as the dashboard shows it.
pub(in crate::http) struct MessageRow {
    pub(in crate::http) class: &'static str,
    pub(in crate::http) text: String,
    /// A picture the bot sent, shown as one.
    pub(in crate::http) picture: Option<Picture>,
    pub(in crate::http) at: String,
    pub(in crate::http) status: String,
    /// The operator who wrote it (the live inbox), for a label above it.
    pub(in crate::http) author: Option<String>,
}

/// A picture sent: where the page loads it from (this site only, as the page's
/// Content-Security-Policy wants) and what it is.
pub(in crate::http) struct Picture {
    pub(in crate::http) src: String,
    pub(in crate::http) alt: &'static str,
}

/// Everything a contact saw and did, and where they stand, as `templates/dashboard/timeline.html`
/// shows it: on `/contacts/{id}` and on the inbox's `/inbox/{id}`.
pub(in crate::http) struct Timeline {
    pub(in crate::http) messages: Vec<MessageRow>,
    /// The coupons the contact was shown or refused, as sentences.
    pub(in crate::http) coupons: Vec<String>,
    /// Since when the contact is opted out of messages statbot starts, if they are.
    pub(in crate::http) opted_out_since: Option<String>,
    /// Meta's messaging window, in a sentence (Messenger and Instagram contacts).
    pub(in crate::http) window: Option<String>,
    /// The links the contact arrived by, first and latest, in a sentence.
    pub(in crate::http) arrived_by: Option<String>,
    /// The flow step the contact is at ("coupon / offer").
    pub(in crate::http) position: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/conversation.html")]
struct ConversationPage {
    nav: Nav,
    id: i64,
    name: String,
    platform: String,
    external_id: String,
    timeline: Timeline,
}

/// "Arrived by the link spring_poster." or "First arrived by the link spring_poster, lately by
/// counter_card.", from the contact's first and latest referral refs.
fn arrived_by((first, latest): (Option<String>, Option<String>)) -> Option<String> {
    match (first, latest) {
        (Some(first), Some(latest)) if first != latest => {
            Some(format!("First arrived by the link {first}, lately by {latest}."))
        }
        (Some(only), _) | (None, Some(only)) => Some(format!("Arrived by the link {only}.")),
        (None, None) => None,
    }
}

/// A contact's messaging window in a sentence, for operators: how long the bot (or a person)
/// may still answer, by Meta's 24 hours and a person's 7 days (`HUMAN_AGENT`).
fn window_sentence(state: &AppState, contact: &Contact) -> Option<String> {
    let (last, until) = (contact.window.last_inbound_at?, contact.window.until?);
    let now = crate::store::now_ms();
    let human_until = last + statbot_core::window::HUMAN_AGENT_MS;
    Some(if now < until {
        format!("Messaging window open for {} more, until {}.", time_left(until - now), local_time(state, until))
    } else if now < human_until {
        format!(
            "Messaging window closed: only a person may answer, for {} more (tagged HUMAN_AGENT), until {}.",
            time_left(human_until - now),
            local_time(state, human_until)
        )
    } else {
        format!(
            "Messaging window closed at {}: nothing can be sent until the contact writes.",
            local_time(state, until)
        )
    })
}

/// A time left, as a person says it: "3 days", "20 h 10 min", "5 min".
fn time_left(ms: i64) -> String {
    let minutes = (ms.max(0) + 59_999) / 60_000;
    let (hours, rest) = (minutes / 60, minutes % 60);
    if hours >= 48 {
        format!("{} days", hours / 24)
    } else if hours > 0 {
        format!("{hours} h {rest} min")
    } else {
        format!("{rest} min")
    }
}

/// What a reply looked like, in words.
pub(super) fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::Text { text } => text.clone(),
        Reply::Buttons { text, buttons: choices } | Reply::QuickReplies { text, replies: choices } => {
            let titles: Vec<String> = choices.iter().map(|b| format!("[{}]", b.title)).collect();
            format!("{text}\n{}", titles.join(" "))
        }
        Reply::Image { url } => format!("(image {url})"),
    }
}

pub(super) async fn conversation(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let contact = state.engine.store().contact(id).await?.ok_or_else(|| ApiError::NotFound(format!("contact {id}")))?;
    Ok(ConversationPage {
        nav: Nav::of(&dashboard),
        id,
        name: contact.display_name(),
        platform: contact.platform.to_string(),
        external_id: if contact.is_erased() { "erased".to_owned() } else { contact.external_id.clone() },
        timeline: timeline(&state, &contact).await?,
    }
    .into_response())
}

/// A contact's timeline: their messages and the answers (pictures as pictures, operators'
/// replies with their names), coupons, window, referrals and flow step.
pub(in crate::http) async fn timeline(state: &AppState, contact: &Contact) -> Result<Timeline, ApiError> {
    let store = state.engine.store();
    let id = contact.id;
    let messages = store
        .conversation(id, MESSAGES_SHOWN)
        .await?
        .into_iter()
        .map(|m| match m {
            LoggedMessage::In { text, at } => {
                let text = if text.is_empty() { ERASED.to_owned() } else { text };
                MessageRow {
                    class: "in",
                    text,
                    picture: None,
                    at: local_time(state, at),
                    status: String::new(),
                    author: None,
                }
            }
            LoggedMessage::Out { reply, status, reason, at, author } => {
                let picture = match &reply {
                    Reply::Image { url } => picture(state, url),
                    _ => None,
                };
                let text = match &reply {
                    _ if picture.is_some() => String::new(),
                    Reply::Text { text } if text.is_empty() => ERASED.to_owned(),
                    _ => reply_text(&reply),
                };
                let status = match (status.as_str(), reason) {
                    ("held", _) => "held: not sent, outside the messaging window".to_owned(),
                    ("failed", Some(reason)) => format!("not sent: {reason}"),
                    _ => status,
                };
                let class = if author.is_some() { "out operator" } else { "out" };
                MessageRow { class, text, picture, at: local_time(state, at), status, author }
            }
        })
        .collect();
    let coupons = store.coupon_events(id).await?.iter().map(|c| coupon_sentence(state, c)).collect();
    Ok(Timeline {
        messages,
        coupons,
        opted_out_since: contact.opted_out_at.map(|at| local_time(state, at)),
        window: window_sentence(state, contact),
        arrived_by: arrived_by(store.contact_referrals(id).await?),
        position: position(contact),
    })
}

/// How the page shows a picture the bot sent: a chart of ours with a fresh link (the one sent
/// may have expired), a file of this site by its path; `None` for another site's (the page may
/// not load it, and shows its address instead).
fn picture(state: &AppState, url: &str) -> Option<Picture> {
    let base = state.config.public_url.trim_end_matches('/');
    let own = |url: &str| url.strip_prefix(base).filter(|path| path.starts_with('/')).map(str::to_owned);
    if let Some(fresh) = state.engine.assistant().and_then(|a| a.renew_chart_url(url)) {
        return own(&fresh).map(|src| Picture { src, alt: "A chart the bot sent" });
    }
    own(url).map(|src| Picture { src, alt: "A picture the bot sent" })
}

/// "Revealed SPRING-7F3K (coupon “spring”, flow “coupon”) on 2026-12-06 08:50 CET."
fn coupon_sentence(state: &AppState, event: &CouponEvent) -> String {
    let at = jiff::Timestamp::from_millisecond(event.at)
        .map(|t| crate::dates::local_minute(t, state.zone()))
        .unwrap_or_default();
    let coupon = event.coupon.as_deref().map(|c| format!("coupon “{c}”, ")).unwrap_or_default();
    let which = format!("({coupon}flow “{}”)", event.flow);
    match (&event.code, event.revealed) {
        (Some(code), true) => format!("Revealed {code} {which} on {at}."),
        (None, true) => format!("Revealed a coupon {which} on {at}."),
        _ => format!("Asked for a coupon {which} on {at}, when none was left."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_as_a_person_says_it() {
        assert_eq!(time_left(3 * 24 * 3_600_000 + 5), "3 days");
        assert_eq!(time_left(20 * 3_600_000 + 10 * 60_000), "20 h 10 min");
        assert_eq!(time_left(36 * 3_600_000), "36 h 0 min");
        assert_eq!(time_left(4 * 60_000 + 1), "5 min");
        assert_eq!(time_left(-1), "0 min");
    }
}
