//! Meta's messaging window: when a business may still write to a person on Messenger or
//! Instagram. Standard messages (answers, and messages the business starts) go within 24 hours
//! of the person's latest message, postback, quick reply or referral, or within 7 days after a
//! click-to-Messenger ad; a message a person writes (the `HUMAN_AGENT` tag) within 7 days of the
//! person's latest message. Times are Meta's timestamps (ms), never arrival times, so a late
//! redelivery does not reopen a window.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const HOUR_MS: i64 = 3_600_000;
/// How long after the person's latest message standard messages may go.
pub const STANDARD_MS: i64 = 24 * HOUR_MS;
/// How long after a click-to-Messenger ad standard messages may go.
pub const AD_MS: i64 = 7 * 24 * HOUR_MS;
/// How long after the person's latest message a person may answer (`HUMAN_AGENT`).
pub const HUMAN_AGENT_MS: i64 = 7 * 24 * HOUR_MS;

/// Why a reply is sent, which decides when the platform allows it and how it is tagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessagingType {
    /// An answer to something the person sent.
    #[default]
    Response,
    /// A message statbot starts (a promotion, a reminder), inside the window.
    Update,
    /// A message a person wrote (the live inbox), tagged `HUMAN_AGENT`: never a bot's.
    HumanAgent,
}

impl MessagingType {
    pub fn as_str(self) -> &'static str {
        match self {
            MessagingType::Response => "RESPONSE",
            MessagingType::Update => "UPDATE",
            MessagingType::HumanAgent => "HUMAN_AGENT",
        }
    }
}

impl fmt::Display for MessagingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessagingType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RESPONSE" => Ok(MessagingType::Response),
            "UPDATE" => Ok(MessagingType::Update),
            "HUMAN_AGENT" => Ok(MessagingType::HumanAgent),
            other => Err(format!("unknown messaging type `{other}`")),
        }
    }
}

/// A contact's window, as the store keeps it. Both `None` on channels without one (the web
/// chat, the terminal), where everything may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Window {
    /// The person's latest message, postback, quick reply or referral (Meta's time, ms).
    pub last_inbound_at: Option<i64>,
    /// Until when standard messages may go (ms).
    pub until: Option<i64>,
}

impl Window {
    /// The window after the person did something at `at` (an ad's referral when `from_ad`),
    /// never moving back: an event older than the latest one changes nothing.
    pub fn after(self, at: i64, from_ad: bool) -> Window {
        let opens_until = at.saturating_add(if from_ad { AD_MS } else { STANDARD_MS });
        Window {
            last_inbound_at: Some(self.last_inbound_at.map_or(at, |last| last.max(at))),
            until: Some(self.until.map_or(opens_until, |until| until.max(opens_until))),
        }
    }

    /// Whether a message of this type may go at `now`.
    pub fn allows(self, kind: MessagingType, now: i64) -> bool {
        let Some(last) = self.last_inbound_at else {
            // No window kept (not a Meta channel), or the person never wrote: only the former
            // has no `until` either.
            return self.until.is_none();
        };
        match kind {
            MessagingType::Response | MessagingType::Update => self.until.is_some_and(|until| now < until),
            MessagingType::HumanAgent => now < last.saturating_add(HUMAN_AGENT_MS),
        }
    }

    /// How a message a person writes may go at `now`: as a normal response inside the window,
    /// tagged `HUMAN_AGENT` up to 7 days after the contact's latest message, else not at all.
    pub fn for_a_person(self, now: i64) -> Option<MessagingType> {
        [MessagingType::Response, MessagingType::HumanAgent].into_iter().find(|kind| self.allows(*kind, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_765_000_000_000;

    #[test]
    fn a_person_answers_normally_in_the_window_then_with_the_tag_for_seven_days() {
        let window = Window::default().after(T, false);
        assert_eq!(window.for_a_person(T + HOUR_MS), Some(MessagingType::Response));
        assert_eq!(window.for_a_person(T + 30 * HOUR_MS), Some(MessagingType::HumanAgent));
        assert_eq!(window.for_a_person(T + 8 * 24 * HOUR_MS), None);
        assert_eq!(Window::default().for_a_person(T), Some(MessagingType::Response));
    }

    #[test]
    fn standard_messages_go_within_24_hours_of_the_latest_message() {
        let window = Window::default().after(T, false);
        assert!(window.allows(MessagingType::Response, T + STANDARD_MS - 1));
        assert!(!window.allows(MessagingType::Response, T + STANDARD_MS));
        assert!(!window.allows(MessagingType::Update, T + STANDARD_MS));
        assert!(window.allows(MessagingType::HumanAgent, T + STANDARD_MS));
        assert!(!window.allows(MessagingType::HumanAgent, T + HUMAN_AGENT_MS));
    }

    #[test]
    fn an_ad_opens_seven_days() {
        let window = Window::default().after(T, true);
        assert!(window.allows(MessagingType::Update, T + AD_MS - 1));
        assert!(!window.allows(MessagingType::Update, T + AD_MS));
        // A later plain message does not shorten it.
        let later = window.after(T + HOUR_MS, false);
        assert!(later.allows(MessagingType::Update, T + AD_MS - 1));
    }

    #[test]
    fn a_late_redelivery_does_not_reopen_the_window() {
        let window = Window::default().after(T, false).after(T - STANDARD_MS, false);
        assert_eq!(window, Window::default().after(T, false));
    }

    #[test]
    fn channels_without_a_window_allow_everything() {
        assert!(Window::default().allows(MessagingType::Update, T));
        assert!(Window::default().allows(MessagingType::HumanAgent, T));
    }

    #[test]
    fn round_trips_as_text() {
        for kind in [MessagingType::Response, MessagingType::Update, MessagingType::HumanAgent] {
            assert_eq!(kind.as_str().parse::<MessagingType>(), Ok(kind));
        }
    }
}
