//! The contacts on the dashboard: `/contacts`, the most recently active contacts matching a
//! search and a segment (how many it chooses, and a form tagging or untagging them all, which
//! posts to `/contacts/tags` and comes back to the list), and `/contacts/{id}` with its tags
//! (and the form tagging that one contact, `contact_tags`), one contact's conversation (the
//! charts and pictures it was sent shown as pictures, a chart's expired link renewed), the
//! coupons it was shown, and the way back to the list, with the times in the reporting time
//! zone.

use super::contact_tags::{DoneParams, TagFormView};
use crate::http::AppState;
use crate::http::dashboard::{Dashboard, Nav, sentence};
use crate::http::error::ApiError;
use crate::store::{Contact, CouponEvent, LoggedMessage};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use statbot_core::{Reply, Segment, SegmentError, Tag};

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
    tags: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/contacts.html")]
struct ContactsPage {
    nav: Nav,
    q: String,
    /// The segment as typed.
    segment: String,
    /// The search and segment as a query string (`q=...&where=...`), for links and the form.
    query: String,
    /// How many contacts the segment chooses (all of them, not only those listed).
    matching: Option<i64>,
    /// Why the segment does not read: the sentence, and the text with a caret under the place.
    segment_error: Option<(String, String)>,
    /// What the tag form did, or why it did nothing.
    tagged: Option<String>,
    tag_error: Option<String>,
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
    #[serde(default, rename = "where")]
    segment: String,
    /// After the tag form: what it did (`add` or `remove`), the tag and how many changed.
    done: Option<String>,
    tag: Option<String>,
    changed: Option<u64>,
}

/// The tag form: the list's search and segment, the tag and what to do with it.
#[derive(Deserialize)]
pub(super) struct TagForm {
    csrf: String,
    #[serde(default)]
    q: String,
    #[serde(default, rename = "where")]
    segment: String,
    tag: String,
    /// `add` or `remove`.
    action: String,
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

fn contact_row(state: &AppState, c: &Contact, tags: &[String]) -> ContactRow {
    ContactRow {
        id: c.id,
        name: c.display_name(),
        platform: c.platform.to_string(),
        external_id: c.external_id.clone(),
        position: position(c).unwrap_or_default(),
        last_active: local_time(state, c.updated_at),
        tags: tags.join(" "),
    }
}

/// `q=...&where=...`, each only when given.
fn list_query(q: &str, segment: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if !segment.trim().is_empty() {
        query.append_pair("where", segment);
    }
    query.finish()
}

/// What the tag form did, in a sentence, from the address it came back to.
fn tagged_sentence(params: &SearchParams) -> Option<String> {
    let tag: Tag = params.tag.as_deref()?.parse().ok()?;
    let changed = params.changed?;
    let contacts = if changed == 1 { "contact" } else { "contacts" };
    match params.done.as_deref()? {
        "add" => Some(format!("Tagged {changed} {contacts} {tag}.")),
        "remove" => Some(format!("Took the tag {tag} from {changed} {contacts}.")),
        _ => None,
    }
}

pub(super) async fn contacts(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Query(params): Query<SearchParams>,
) -> Result<Response, ApiError> {
    let tagged = tagged_sentence(&params);
    Ok(render(&state, &dashboard, params.q, params.segment, tagged, None).await?.into_response())
}

/// `POST /contacts/tags`: tags (or untags) the contacts the segment chooses, then shows the list
/// again with what was done; a bad tag or segment is said on the page, nothing done.
pub(super) async fn tag_contacts(
    State(state): State<AppState>,
    dashboard: Dashboard,
    Form(form): Form<TagForm>,
) -> Result<Response, ApiError> {
    if !dashboard.csrf_ok(&form.csrf) {
        return Err(ApiError::Forbidden("the form expired: open the contacts again and retry".into()));
    }
    let tag = match form.tag.trim().parse::<Tag>() {
        Ok(tag) => tag,
        Err(e) => {
            let page = render(&state, &dashboard, form.q, form.segment, None, Some(e.to_string())).await?;
            return Ok(page.into_response());
        }
    };
    let Ok(segment) = Segment::parse(&form.segment) else {
        // The page shows why the segment does not read.
        return Ok(render(&state, &dashboard, form.q, form.segment, None, None).await?.into_response());
    };
    let store = state.engine.store();
    let now = crate::store::now_ms();
    let changed = match form.action.as_str() {
        "remove" => store.untag_segment(&tag, &segment, now).await?,
        _ => store.tag_segment(&tag, &segment, now).await?,
    };
    let done = if form.action == "remove" { "remove" } else { "add" };
    let mut query = form_urlencoded::Serializer::new(list_query(&form.q, &form.segment));
    query.append_pair("done", done).append_pair("tag", tag.as_str()).append_pair("changed", &changed.to_string());
    Ok(Redirect::to(&format!("/contacts?{}", query.finish())).into_response())
}

/// The contacts page for a search and a segment (as typed), with what the tag form did or why
/// it did nothing.
async fn render(
    state: &AppState,
    dashboard: &Dashboard,
    q: String,
    segment: String,
    tagged: Option<String>,
    tag_error: Option<String>,
) -> Result<ContactsPage, ApiError> {
    let store = state.engine.store();
    let chosen = if segment.trim().is_empty() { Ok(None) } else { Segment::parse(&segment).map(Some) };
    let (contacts, matching, segment_error) = match &chosen {
        Ok(chosen) => {
            let found = store.with_tags(store.find_contacts(&q, chosen.as_ref(), CONTACTS_SHOWN).await?).await?;
            let rows = found.iter().map(|t| contact_row(state, &t.contact, &t.tags)).collect();
            let matching = match chosen {
                Some(chosen) => Some(store.segment_count(chosen, crate::store::now_ms()).await?),
                None => None,
            };
            (rows, matching, None)
        }
        Err(e) => (Vec::new(), None, Some(segment_error(e))),
    };
    let stats = store.outbox_stats().await?;
    let (undelivered, named) = store.undelivered(&["held", "failed"], UNDELIVERED_SHOWN).await?;
    let rows = undelivered
        .into_iter()
        .map(|u| UndeliveredRow {
            contact_id: u.contact_id,
            contact: named.get(&u.contact_id).map(Contact::display_name).unwrap_or_default(),
            status: if u.status == "held" { "held" } else { "failed" },
            why: why_undelivered(&u.status, u.error_class.as_deref()),
            at: local_time(state, u.created_at),
        })
        .collect();
    Ok(ContactsPage {
        nav: Nav::of(dashboard),
        query: list_query(&q, &segment),
        q,
        segment,
        matching,
        segment_error,
        tagged,
        tag_error,
        contacts,
        held: stats.held,
        failed: stats.failed,
        undelivered: rows,
    })
}

/// The sentence, and the segment with a caret under where it went wrong.
fn segment_error(e: &SegmentError) -> (String, String) {
    (sentence(&format!("This segment does not read: {e}")), e.pointer())
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
    /// The contact's tags.
    tags: Vec<String>,
    /// Erased: no tag form (nobody is left to tag).
    erased: bool,
    tag_form: TagFormView,
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
    Query(done): Query<DoneParams>,
) -> Result<Response, ApiError> {
    render_conversation(&state, &dashboard, id, TagFormView::after(&done)).await
}

/// A contact's page, its tag form showing `tag_form`.
pub(super) async fn render_conversation(
    state: &AppState,
    dashboard: &Dashboard,
    id: i64,
    tag_form: TagFormView,
) -> Result<Response, ApiError> {
    let contact = state.engine.store().contact(id).await?.ok_or_else(|| ApiError::NotFound(format!("contact {id}")))?;
    Ok(ConversationPage {
        nav: Nav::of(dashboard),
        id,
        erased: contact.is_erased(),
        tag_form,
        name: contact.display_name(),
        platform: contact.platform.to_string(),
        external_id: if contact.is_erased() { "erased".to_owned() } else { contact.external_id.clone() },
        tags: state
            .engine
            .store()
            .tags_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(|t| t.to_string())
            .collect(),
        timeline: timeline(state, &contact).await?,
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
