//! The reference: funnel counts computed from raw events by following each contact from their
//! first entry, the plainest way there is. The store's rollups are checked against it.

use super::{Counters, Day, FunnelEvent, FunnelEventKind, Metric, Rules, delay_bucket};
use crate::flow::Flow;
use std::collections::{BTreeMap, BTreeSet};

/// Counts per cohort day of a flow's events (given in recorded order).
pub fn replay(flow: &Flow, rules: &Rules, events: &[FunnelEvent]) -> BTreeMap<Day, Counters> {
    let mut by_contact: BTreeMap<i64, Vec<&FunnelEvent>> = BTreeMap::new();
    for event in events {
        by_contact.entry(event.contact).or_default().push(event);
    }
    let mut days: BTreeMap<Day, Counters> = BTreeMap::new();
    for journey in by_contact.values() {
        let is_entry =
            |e: &&&FunnelEvent| matches!(&e.kind, FunnelEventKind::StepEntered { step } if *step == flow.entry);
        let Some(first) = journey.iter().position(|e| is_entry(&e)) else { continue };
        let start = journey[first].at;
        let in_window: Vec<&FunnelEvent> =
            journey[first..].iter().copied().filter(|e| rules.in_window(start, e.at)).collect();

        // Steps reached (first time) and entries; clicks and reveals after reaching.
        let mut reached: BTreeMap<&str, i64> = BTreeMap::new();
        let mut entries: BTreeMap<&str, u64> = BTreeMap::new();
        let mut clicks: BTreeMap<(&str, &str), (i64, u64)> = BTreeMap::new();
        let mut reveals: BTreeMap<&str, u64> = BTreeMap::new();
        for e in &in_window {
            match &e.kind {
                FunnelEventKind::StepEntered { step } => {
                    reached.entry(step).or_insert(e.at);
                    *entries.entry(step).or_default() += 1;
                }
                FunnelEventKind::ButtonClicked { step, button } if reached.contains_key(step.as_str()) => {
                    clicks.entry((step, button)).or_insert((e.at, 0)).1 += 1;
                }
                FunnelEventKind::CouponRevealed { step } if reached.contains_key(step.as_str()) => {
                    *reveals.entry(step).or_default() += 1;
                }
                _ => {}
            }
        }

        let counters = days.entry(rules.day_of(start)).or_default();
        let mut add = |metric: Metric, total: u64| {
            let count = counters.counts.entry(metric.key()).or_default();
            count.contacts += 1;
            count.total += total;
        };
        for (step, n) in &entries {
            add(Metric::Step((*step).to_owned()), *n);
        }
        let clicked_steps: BTreeSet<&str> = clicks.keys().map(|(step, _)| *step).collect();
        for step in clicked_steps {
            let total = clicks.iter().filter(|((s, _), _)| *s == step).map(|(_, (_, n))| n).sum();
            add(Metric::AnyClick(step.to_owned()), total);
        }
        for ((step, button), (first_click, n)) in &clicks {
            let metric = Metric::Click((*step).to_owned(), (*button).to_owned());
            let bucket = delay_bucket(first_click - reached[step]);
            *counters.delays.entry((metric.key(), bucket)).or_default() += 1;
            add(metric, *n);
        }
        for (step, n) in &reveals {
            add(Metric::Reveal((*step).to_owned()), *n);
        }
    }
    days
}
