//! Entry points into a flow: where a Get Started button, an ice breaker, a persistent-menu item
//! or an `m.me` link (its `ref`) takes a contact. On the wire an entry is a payload `@FLOW` (the
//! flow's entry step) or `@FLOW/STEP`; `@` alone is the default flow. The `@` and `/` never
//! occur in a button payload (`FLOW:BUTTON`), so the two cannot be confused.
//!
//! Which entries are honoured is the engine's to decide: a payload names a step, and a step is
//! only entered this way when an entry point declares it (see `statbot::engine`).

use crate::payload::is_id_char;
use std::fmt;

/// Where an entry point leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    /// `None`: the default flow.
    pub flow: Option<String>,
    /// `None`: the flow's entry step.
    pub step: Option<String>,
}

/// The payload prefix of an entry.
const PREFIX: char = '@';

/// The payload of a button (a persistent-menu item) that opts the contact out of messages
/// statbot starts; typing "stop" or "unsubscribe" does the same.
pub const OPT_OUT_PAYLOAD: &str = "!stop";
/// The payload that opts back in; typing "start" does the same.
pub const OPT_IN_PAYLOAD: &str = "!start";
/// The payload of a button that asks for a person (the live inbox): offered after the bot
/// failed to understand twice, or as a persistent-menu item.
pub const HANDOFF_PAYLOAD: &str = "!person";

impl Entry {
    /// The default flow's entry step.
    pub fn default_flow() -> Entry {
        Entry { flow: None, step: None }
    }

    pub fn flow(flow: &str) -> Entry {
        Entry { flow: Some(flow.to_owned()), step: None }
    }

    pub fn step(flow: &str, step: &str) -> Entry {
        Entry { flow: Some(flow.to_owned()), step: Some(step.to_owned()) }
    }

    /// Reads an entry payload; `None` for anything else (button payloads, free text).
    pub fn parse(payload: &str) -> Option<Entry> {
        let rest = payload.strip_prefix(PREFIX)?;
        if rest.is_empty() {
            return Some(Entry::default_flow());
        }
        let valid = |s: &str| !s.is_empty() && s.chars().all(is_id_char);
        match rest.split_once('/') {
            Some((flow, step)) if valid(flow) && valid(step) => Some(Entry::step(flow, step)),
            None if valid(rest) => Some(Entry::flow(rest)),
            _ => None,
        }
    }

    /// The payload that carries this entry.
    pub fn payload(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.flow, &self.step) {
            (None, _) => write!(f, "{PREFIX}"),
            (Some(flow), None) => write!(f, "{PREFIX}{flow}"),
            (Some(flow), Some(step)) => write!(f, "{PREFIX}{flow}/{step}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::ButtonPayload;

    #[test]
    fn round_trips() {
        for entry in [Entry::default_flow(), Entry::flow("coupon"), Entry::step("coupon", "offer")] {
            assert_eq!(Entry::parse(&entry.payload()), Some(entry.clone()), "{entry}");
        }
        assert_eq!(Entry::step("coupon", "offer").payload(), "@coupon/offer");
    }

    #[test]
    fn refuses_other_payloads() {
        for payload in ["coupon:show", "coupon", "@coupon/", "@/offer", "@a/b/c", "@co upon", "GET_STARTED", ""] {
            assert_eq!(Entry::parse(payload), None, "{payload}");
        }
    }

    #[test]
    fn never_reads_as_a_button() {
        for entry in [Entry::default_flow(), Entry::flow("coupon"), Entry::step("coupon", "offer")] {
            assert_eq!(ButtonPayload::parse(&entry.payload()), None);
        }
    }
}
