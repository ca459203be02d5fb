//! Funnel maths, the reference definition: from a flow and its raw events, how many contacts
//! reached each step, clicked each button and revealed coupons, with rates that can never fall
//! below 0 % or rise above 100 %, even with branches and restarts.
//!
//! The unit is the contact. A contact belongs to a range's cohort when they entered the flow's
//! entry step in the range; their first such entry starts their conversion window. Within the
//! window a contact *reached* a step if they entered it, and *clicked* a button if they tapped
//! it after reaching its step; so every button's clickers are a subset of its step's reachers,
//! and every step's reachers a subset of the cohort. The store's fast funnel queries must agree
//! with [`compute`] (a property test holds them to it).

use crate::flow::Flow;
use serde::Serialize;
use std::collections::BTreeMap;

/// One recorded event of a flow, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelEvent {
    pub contact: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub kind: FunnelEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunnelEventKind {
    StepEntered { step: String },
    ButtonClicked { step: String, button: String },
    CouponRevealed { step: String },
}

/// The range (`from` inclusive, `to` exclusive, in ms) and the conversion window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunnelQuery {
    pub from: i64,
    pub to: i64,
    pub window_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    pub flow: String,
    /// Contacts who entered the flow in the range.
    pub cohort: u64,
    /// Steps in flow order.
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub step: String,
    /// Unique contacts of the cohort who reached the step within their window.
    pub contacts: u64,
    /// `contacts` over the cohort.
    pub rate_from_entry: Option<f64>,
    /// Arrivals by the buttons leading here: (step, button, contacts).
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ButtonReport {
    pub button: String,
    pub title: String,
    pub next: String,
    pub contacts: u64,
    pub clicks: u64,
    /// `contacts` over the step's `contacts`: the conversion of this edge.
    pub rate: Option<f64>,
    /// Median time from reaching the step to the first click, in ms.
    pub median_ms: Option<i64>,
}

/// What one contact did within their window.
#[derive(Default)]
struct Journey {
    start: i64,
    /// Step -> first time reached.
    reached: BTreeMap<String, i64>,
    /// (step, button) -> (first click time, clicks).
    clicked: BTreeMap<(String, String), (i64, u64)>,
    /// Step -> reveals.
    reveals: BTreeMap<String, u64>,
}

/// Computes the funnel by replaying every event: simple, obviously right, and the reference
/// the store's queries are checked against.
pub fn compute(flow: &Flow, events: &[FunnelEvent], query: FunnelQuery) -> FunnelReport {
    let mut sorted: Vec<&FunnelEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.at, e.contact));

    // Cohort: first entry of the entry step in the range.
    let mut journeys: BTreeMap<i64, Journey> = BTreeMap::new();
    for e in &sorted {
        if let FunnelEventKind::StepEntered { step } = &e.kind
            && *step == flow.entry
            && e.at >= query.from
            && e.at < query.to
        {
            journeys.entry(e.contact).or_insert_with(|| Journey { start: e.at, ..Journey::default() });
        }
    }
    // Steps reached first, then clicks and reveals: an event's place among others of the same
    // millisecond must not change the answer.
    let in_window =
        |journey: &Journey, at: i64| at >= journey.start && at <= journey.start.saturating_add(query.window_ms);
    for e in &sorted {
        if let FunnelEventKind::StepEntered { step } = &e.kind
            && let Some(journey) = journeys.get_mut(&e.contact)
            && in_window(journey, e.at)
        {
            journey.reached.entry(step.clone()).or_insert(e.at);
        }
    }
    for e in &sorted {
        let Some(journey) = journeys.get_mut(&e.contact) else { continue };
        if !in_window(journey, e.at) {
            continue;
        }
        match &e.kind {
            FunnelEventKind::StepEntered { .. } => {}
            FunnelEventKind::ButtonClicked { step, button } => {
                if journey.reached.get(step).is_some_and(|&reached| reached <= e.at) {
                    let entry = journey.clicked.entry((step.clone(), button.clone())).or_insert((e.at, 0));
                    entry.1 += 1;
                }
            }
            FunnelEventKind::CouponRevealed { step } => {
                if journey.reached.get(step).is_some_and(|&reached| reached <= e.at) {
                    *journey.reveals.entry(step.clone()).or_default() += 1;
                }
            }
        }
    }

    let cohort = journeys.len() as u64;
    let steps = flow
        .steps
        .values()
        .map(|step| {
            let reachers: Vec<&Journey> = journeys.values().filter(|j| j.reached.contains_key(&step.id)).collect();
            let contacts = reachers.len() as u64;
            let buttons: Vec<ButtonReport> = step
                .choices
                .buttons()
                .iter()
                .map(|b| {
                    let key = (step.id.clone(), b.id.clone());
                    let mut delays: Vec<i64> = Vec::new();
                    let mut clicks = 0;
                    for j in &reachers {
                        if let Some(&(first, n)) = j.clicked.get(&key) {
                            delays.push(first - j.reached[&step.id]);
                            clicks += n;
                        }
                    }
                    ButtonReport {
                        button: b.id.clone(),
                        title: b.title.clone(),
                        next: b.next.clone(),
                        contacts: delays.len() as u64,
                        clicks,
                        rate: ratio(delays.len() as u64, contacts),
                        median_ms: median(&mut delays),
                    }
                })
                .collect();
            let (drop_off, drop_off_rate) = if buttons.is_empty() {
                (None, None)
            } else {
                let clicked_any = reachers
                    .iter()
                    .filter(|j| {
                        step.choices.buttons().iter().any(|b| j.clicked.contains_key(&(step.id.clone(), b.id.clone())))
                    })
                    .count() as u64;
                let dropped = contacts - clicked_any;
                (Some(dropped), ratio(dropped, contacts))
            };
            let reveal_contacts = reachers.iter().filter(|j| j.reveals.contains_key(&step.id)).count() as u64;
            let reveals = reachers.iter().filter_map(|j| j.reveals.get(&step.id)).sum();
            StepReport {
                step: step.id.clone(),
                contacts,
                rate_from_entry: ratio(contacts, cohort),
                arrivals: arrivals_into(flow, &step.id, &journeys),
                drop_off,
                drop_off_rate,
                buttons,
                reveal_contacts,
                reveals,
            }
        })
        .collect();
    FunnelReport { flow: flow.name.clone(), cohort, steps }
}

/// Contacts arriving at `target` by each button that leads there.
fn arrivals_into(flow: &Flow, target: &str, journeys: &BTreeMap<i64, Journey>) -> Vec<Arrival> {
    let mut out = Vec::new();
    for step in flow.steps.values() {
        for b in step.choices.buttons().iter().filter(|b| b.next == target) {
            let key = (step.id.clone(), b.id.clone());
            let contacts = journeys.values().filter(|j| j.clicked.contains_key(&key)).count() as u64;
            out.push(Arrival { from_step: step.id.clone(), button: b.id.clone(), contacts });
        }
    }
    out
}

/// `part / whole`, or `None` when nothing is measured. `part <= whole` holds by construction.
fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The lower median (an observed value, so it is exact in integer ms).
fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FLOW: &str = r#"
name = "coupon"
entry = "welcome"
[coupons.c]
code = "X"
[steps.welcome]
text = "hi"
buttons = [{ id = "show", title = "Show", next = "offer" }, { id = "no", title = "No", next = "thanks" }]
[steps.offer]
text = "offer"
buttons = [{ id = "reveal", title = "Reveal", next = "revealed" }]
[steps.revealed]
reveal = "c"
text = "{coupon_code}"
[steps.thanks]
text = "bye"
"#;

    fn flow() -> Flow {
        Flow::parse("coupon.toml", FLOW).unwrap()
    }

    fn entered(contact: i64, at: i64, step: &str) -> FunnelEvent {
        FunnelEvent { contact, at, kind: FunnelEventKind::StepEntered { step: step.into() } }
    }

    fn clicked(contact: i64, at: i64, step: &str, button: &str) -> FunnelEvent {
        FunnelEvent { contact, at, kind: FunnelEventKind::ButtonClicked { step: step.into(), button: button.into() } }
    }

    fn revealed(contact: i64, at: i64) -> FunnelEvent {
        FunnelEvent { contact, at, kind: FunnelEventKind::CouponRevealed { step: "revealed".into() } }
    }

    /// A tap on a button moves the contact on at once, as the engine does.
    fn tap(contact: i64, at: i64, step: &str, button: &str, next: &str) -> [FunnelEvent; 2] {
        [clicked(contact, at, step, button), entered(contact, at, next)]
    }

    const QUERY: FunnelQuery = FunnelQuery { from: 0, to: 100, window_ms: 1000 };

    fn step<'a>(report: &'a FunnelReport, id: &str) -> &'a StepReport {
        report.steps.iter().find(|s| s.step == id).unwrap()
    }

    #[test]
    fn counts_contacts_clicks_branches_restarts_and_windows() {
        let mut events = vec![entered(1, 10, "welcome")];
        events.extend(tap(1, 11, "welcome", "show", "offer"));
        events.extend(tap(1, 12, "offer", "reveal", "revealed"));
        events.push(revealed(1, 12));
        events.push(entered(2, 20, "welcome"));
        events.extend(tap(2, 21, "welcome", "no", "thanks"));
        events.push(entered(3, 30, "welcome"));
        // Entered before the range: an old button tapped in the range does not count.
        events.push(entered(4, -5, "welcome"));
        events.extend(tap(4, 15, "welcome", "show", "offer"));
        // Restarted and tapped "show" twice: one contact, two clicks.
        events.push(entered(5, 40, "welcome"));
        events.extend(tap(5, 41, "welcome", "show", "offer"));
        events.push(entered(5, 42, "welcome"));
        events.extend(tap(5, 45, "welcome", "show", "offer"));
        // Tapped after the conversion window.
        events.push(entered(6, 50, "welcome"));
        events.extend(tap(6, 50 + 2000, "welcome", "show", "offer"));

        let report = compute(&flow(), &events, QUERY);
        assert_eq!(report.cohort, 5);
        let welcome = step(&report, "welcome");
        assert_eq!(welcome.contacts, 5);
        let show = &welcome.buttons[0];
        assert_eq!((show.contacts, show.clicks, show.rate), (2, 3, Some(0.4)));
        assert_eq!(show.median_ms, Some(1));
        assert_eq!(welcome.buttons[1].contacts, 1);
        assert_eq!((welcome.drop_off, welcome.drop_off_rate), (Some(2), Some(0.4)));

        let offer = step(&report, "offer");
        assert_eq!(offer.contacts, 2);
        assert_eq!(offer.rate_from_entry, Some(0.4));
        assert_eq!(offer.arrivals, vec![Arrival { from_step: "welcome".into(), button: "show".into(), contacts: 2 }]);
        assert_eq!((offer.buttons[0].contacts, offer.buttons[0].rate), (1, Some(0.5)));

        let reveal = step(&report, "revealed");
        assert_eq!((reveal.contacts, reveal.reveal_contacts, reveal.reveals), (1, 1, 1));
        assert_eq!((reveal.drop_off, reveal.drop_off_rate), (None, None));
        assert_eq!(step(&report, "thanks").contacts, 1);
    }

    #[test]
    fn an_empty_range_has_no_rates() {
        let report = compute(&flow(), &[], QUERY);
        assert_eq!(report.cohort, 0);
        assert!(report.steps.iter().all(|s| s.contacts == 0 && s.rate_from_entry.is_none()));
    }

    /// Random journeys through the flow: taps on any button (even of steps not reached),
    /// restarts, repeated events, times spread over and around the range.
    fn journeys() -> impl Strategy<Value = Vec<FunnelEvent>> {
        let steps = ["welcome", "offer", "revealed", "thanks"];
        let buttons = [("welcome", "show", "offer"), ("welcome", "no", "thanks"), ("offer", "reveal", "revealed")];
        let event = (0i64..8, -50i64..200, 0usize..8).prop_map(move |(contact, at, pick)| match pick {
            0..=3 => vec![entered(contact, at, steps[pick])],
            4..=6 => {
                let (s, b, n) = buttons[pick - 4];
                tap(contact, at, s, b, n).to_vec()
            }
            _ => vec![revealed(contact, at)],
        });
        prop::collection::vec(event, 0..60).prop_map(|groups| groups.into_iter().flatten().collect())
    }

    proptest! {
        #[test]
        fn rates_stay_between_0_and_1_and_subsets_hold(events in journeys(), window in 0i64..300) {
            let report = compute(&flow(), &events, FunnelQuery { from: 0, to: 100, window_ms: window });
            let entry = step(&report, "welcome").contacts;
            prop_assert_eq!(entry, report.cohort);
            for s in &report.steps {
                prop_assert!(s.contacts <= report.cohort);
                for rate in [s.rate_from_entry, s.drop_off_rate].into_iter().flatten() {
                    prop_assert!((0.0..=1.0).contains(&rate), "{} rate {}", s.step, rate);
                }
                for b in &s.buttons {
                    prop_assert!(b.contacts <= s.contacts && b.contacts <= b.clicks);
                    if let Some(rate) = b.rate {
                        prop_assert!((0.0..=1.0).contains(&rate));
                    }
                }
                if let Some(dropped) = s.drop_off {
                    // Those who stayed clicked at least one button; the busiest button has at
                    // most all of them, the buttons together at least all of them.
                    let stayed = s.contacts - dropped;
                    let clickers: Vec<u64> = s.buttons.iter().map(|b| b.contacts).collect();
                    prop_assert!(clickers.iter().all(|&c| c <= stayed));
                    prop_assert!(clickers.iter().sum::<u64>() >= stayed);
                }
                prop_assert!(s.reveal_contacts <= s.contacts && s.reveal_contacts <= s.reveals);
            }
        }

        #[test]
        fn event_order_does_not_matter(mut events in journeys()) {
            let before = compute(&flow(), &events, QUERY);
            events.reverse();
            prop_assert_eq!(before, compute(&flow(), &events, QUERY));
        }
    }
}
