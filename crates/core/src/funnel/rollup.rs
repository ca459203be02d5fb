//! The funnel kept up to date one event at a time: the state the store keeps per contact and
//! flow, and the counter changes each new event makes. Fed every event of a flow in recorded
//! order, the summed changes equal [`super::replay`]'s counts.

use super::{Day, Delta, FunnelEvent, FunnelEventKind, Metric, Rules, delay_bucket};
use crate::flow::Flow;
use std::collections::BTreeMap;

/// One contact's journey in one flow, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactState {
    pub started_at: i64,
    pub day: Day,
    /// Metric key -> when the contact was first counted for it.
    pub marks: BTreeMap<String, i64>,
}

/// Applies a contact's next event (`state` is theirs, `None` before they joined the cohort)
/// and returns the changes to make to the counters; new marks go into `state`.
pub fn apply(flow: &Flow, rules: &Rules, state: &mut Option<ContactState>, event: &FunnelEvent) -> Vec<Delta> {
    let state = match state {
        Some(state) => state,
        None => match &event.kind {
            FunnelEventKind::StepEntered { step } if *step == flow.entry => {
                state.insert(ContactState { started_at: event.at, day: rules.day_of(event.at), marks: BTreeMap::new() })
            }
            _ => return Vec::new(),
        },
    };
    if !rules.in_window(state.started_at, event.at) {
        return Vec::new();
    }
    let mut deltas = Vec::new();
    let mut count = |state: &mut ContactState, metric: Metric, delay_from: Option<i64>| {
        let key = metric.key();
        let first = !state.marks.contains_key(&key);
        if first {
            state.marks.insert(key.clone(), event.at);
        }
        deltas.push(Delta {
            day: state.day,
            metric: key,
            contacts: u64::from(first),
            total: 1,
            delay_bucket: delay_from.filter(|_| first).map(|from| delay_bucket(event.at - from)),
        });
    };
    match &event.kind {
        FunnelEventKind::StepEntered { step } => count(state, Metric::Step(step.clone()), None),
        FunnelEventKind::ButtonClicked { step, button } => {
            if let Some(&reached) = state.marks.get(&Metric::Step(step.clone()).key()) {
                count(state, Metric::Click(step.clone(), button.clone()), Some(reached));
                count(state, Metric::AnyClick(step.clone()), None);
            }
        }
        FunnelEventKind::CouponRevealed { step } => {
            if state.marks.contains_key(&Metric::Step(step.clone()).key()) {
                count(state, Metric::Reveal(step.clone()), None);
            }
        }
    }
    deltas
}
