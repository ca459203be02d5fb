//! From counts to the funnel people read: every step in flow order with its contacts, rates,
//! arrivals, drop-off, buttons and reveals.

use super::{Counters, Metric};
use crate::flow::Flow;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    pub flow: String,
    /// Contacts who entered the flow (joined its cohort) in the range.
    pub cohort: u64,
    /// Steps in flow order.
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub step: String,
    /// Unique contacts of the cohort who reached the step within their window.
    pub contacts: u64,
    /// Times the step was entered (a contact can come back to it).
    pub entries: u64,
    /// `contacts` over the cohort.
    pub rate_from_entry: Option<f64>,
    /// The conversion of the edge that leads here, when exactly one does (see `arrivals`).
    pub rate_from_previous: Option<f64>,
    /// The buttons leading here, each with its contacts and its conversion.
    pub arrivals: Vec<Arrival>,
    /// Reachers who clicked none of the step's buttons (steps with buttons only).
    pub drop_off: Option<u64>,
    pub drop_off_rate: Option<f64>,
    pub buttons: Vec<ButtonReport>,
    /// Unique contacts who revealed a coupon here, and all reveals.
    pub reveal_contacts: u64,
    pub reveals: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arrival {
    pub from_step: String,
    pub button: String,
    pub contacts: u64,
    /// `contacts` over the contacts who reached `from_step`.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ButtonReport {
    pub button: String,
    pub title: String,
    /// `None` for a hand-off button that leads to no step.
    pub next: Option<String>,
    pub contacts: u64,
    pub clicks: u64,
    /// `contacts` over the step's `contacts`: the conversion of this edge.
    pub rate: Option<f64>,
    /// Median time from reaching the step to the first click, in ms (a bucket's lower bound,
    /// see [`super::delay_bucket`]).
    pub median_ms: Option<i64>,
}

/// The funnel of `flow` from the counts of a range of cohort days.
pub fn report(flow: &Flow, counters: &Counters) -> FunnelReport {
    let cohort = counters.count(&Metric::Step(flow.entry.clone())).contacts;
    let reached = |step: &str| counters.count(&Metric::Step(step.to_owned())).contacts;
    let steps = flow
        .steps
        .values()
        .map(|step| {
            let step_count = counters.count(&Metric::Step(step.id.clone()));
            let contacts = step_count.contacts;
            let buttons: Vec<ButtonReport> = step
                .choices
                .buttons()
                .iter()
                .map(|b| {
                    let metric = Metric::Click(step.id.clone(), b.id.clone());
                    let clicked = counters.count(&metric);
                    ButtonReport {
                        button: b.id.clone(),
                        title: b.title.clone(),
                        next: b.next.clone(),
                        contacts: clicked.contacts,
                        clicks: clicked.total,
                        rate: ratio(clicked.contacts, contacts),
                        median_ms: median_delay(counters, &metric.key()),
                    }
                })
                .collect();
            let (drop_off, drop_off_rate) = if buttons.is_empty() {
                (None, None)
            } else {
                let stayed = counters.count(&Metric::AnyClick(step.id.clone())).contacts;
                let dropped = contacts.saturating_sub(stayed);
                (Some(dropped), ratio(dropped, contacts))
            };
            let arrivals: Vec<Arrival> = flow
                .steps
                .values()
                .flat_map(|from| {
                    from.choices.buttons().iter().filter(|b| b.next.as_deref() == Some(step.id.as_str())).map(|b| {
                        let contacts = counters.count(&Metric::Click(from.id.clone(), b.id.clone())).contacts;
                        Arrival {
                            from_step: from.id.clone(),
                            button: b.id.clone(),
                            contacts,
                            rate: ratio(contacts, reached(&from.id)),
                        }
                    })
                })
                .collect();
            let reveal = counters.count(&Metric::Reveal(step.id.clone()));
            StepReport {
                step: step.id.clone(),
                contacts,
                entries: step_count.total,
                rate_from_entry: ratio(contacts, cohort),
                rate_from_previous: match arrivals.as_slice() {
                    [only] => only.rate,
                    _ => None,
                },
                arrivals,
                drop_off,
                drop_off_rate,
                buttons,
                reveal_contacts: reveal.contacts,
                reveals: reveal.total,
            }
        })
        .collect();
    FunnelReport { flow: flow.name.clone(), cohort, steps }
}

/// `part / whole`, or `None` when nothing is measured. `part <= whole` holds by construction.
fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The lower median of a click metric's first-click delays, as a bucket.
fn median_delay(counters: &Counters, metric: &str) -> Option<i64> {
    let buckets: Vec<(i64, u64)> = counters
        .delays
        .range((metric.to_owned(), i64::MIN)..=(metric.to_owned(), i64::MAX))
        .map(|((_, bucket), n)| (*bucket, *n))
        .collect();
    let total: u64 = buckets.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let mut seen = 0;
    let middle = (total - 1) / 2;
    buckets.into_iter().find_map(|(bucket, n)| {
        seen += n;
        (seen > middle).then_some(bucket)
    })
}
