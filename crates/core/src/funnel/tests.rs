//! Worked examples and property tests: the rollup agrees with the replay on random journeys,
//! rates stay within [0, 1], and counts of days add up.

use super::rollup::{ContactState, apply};
use super::*;
use crate::flow::Flow;
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

/// A tap on a button moves the contact on at once, as the engine records it.
fn tap(contact: i64, at: i64, step: &str, button: &str, next: &str) -> [FunnelEvent; 2] {
    [clicked(contact, at, step, button), entered(contact, at, next)]
}

const DAY: i64 = 86_400_000;

fn utc(window_ms: i64) -> Rules {
    Rules { window_ms, time_zone: jiff::tz::TimeZone::UTC }
}

fn step<'a>(report: &'a FunnelReport, id: &str) -> &'a StepReport {
    report.steps.iter().find(|s| s.step == id).unwrap()
}

/// The counts of days `from..=to`.
fn range(days: &BTreeMap<Day, Counters>, from: Day, to: Day) -> Counters {
    let mut sum = Counters::default();
    for counters in days.range(from..=to).map(|(_, c)| c) {
        sum.merge(counters);
    }
    sum
}

/// Every event through the rollup, one contact state each; the deltas summed per day.
fn rolled_up(flow: &Flow, rules: &Rules, events: &[FunnelEvent]) -> BTreeMap<Day, Counters> {
    let mut states: BTreeMap<i64, Option<ContactState>> = BTreeMap::new();
    let mut days: BTreeMap<Day, Counters> = BTreeMap::new();
    for event in events {
        for delta in apply(flow, rules, states.entry(event.contact).or_default(), event) {
            days.entry(delta.day).or_default().apply(&delta);
        }
    }
    days
}

#[test]
fn counts_contacts_clicks_branches_restarts_and_windows() {
    let mut events = vec![entered(1, 10, "welcome")];
    events.extend(tap(1, 11_000, "welcome", "show", "offer"));
    events.extend(tap(1, 12_000, "offer", "reveal", "revealed"));
    events.push(revealed(1, 12_000));
    events.push(entered(2, 20, "welcome"));
    events.extend(tap(2, 21, "welcome", "no", "thanks"));
    events.push(entered(3, 30, "welcome"));
    // Joined the day before: counted on that day, not this one.
    events.push(entered(4, -5, "welcome"));
    events.extend(tap(4, 15, "welcome", "show", "offer"));
    // Restarted and tapped "show" twice: one contact, two clicks, one entry of the cohort.
    events.push(entered(5, 40, "welcome"));
    events.extend(tap(5, 3_040, "welcome", "show", "offer"));
    events.push(entered(5, 4_000, "welcome"));
    events.extend(tap(5, 5_000, "welcome", "show", "offer"));
    // Tapped after the conversion window.
    events.push(entered(6, 50, "welcome"));
    events.extend(tap(6, 50 + 2 * DAY, "welcome", "show", "offer"));
    // Tapped a button without having reached its step: no click counted.
    events.push(entered(7, 60, "welcome"));
    events.extend(tap(7, 70, "offer", "reveal", "revealed"));

    let rules = utc(DAY);
    let days = replay(&flow(), &rules, &events);
    assert_eq!(days, rolled_up(&flow(), &rules, &events));
    let report = report(&flow(), &range(&days, 0, 0));
    assert_eq!(report.cohort, 6);
    let welcome = step(&report, "welcome");
    assert_eq!((welcome.contacts, welcome.entries), (6, 7));
    let show = &welcome.buttons[0];
    assert_eq!((show.contacts, show.clicks), (2, 3));
    assert_eq!(show.rate, Some(2.0 / 6.0));
    // First clicks 11 s and 3 s after reaching: the lower median is 3 s.
    assert_eq!(show.median_ms, Some(3_000));
    assert_eq!(welcome.buttons[1].contacts, 1);
    assert_eq!(welcome.drop_off, Some(3));

    let offer = step(&report, "offer");
    assert_eq!(offer.contacts, 2);
    assert_eq!(offer.rate_from_entry, Some(2.0 / 6.0));
    let arrival = Arrival { from_step: "welcome".into(), button: "show".into(), contacts: 2, rate: Some(2.0 / 6.0) };
    assert_eq!(offer.arrivals, vec![arrival]);
    assert_eq!(offer.rate_from_previous, Some(2.0 / 6.0));
    assert_eq!((offer.buttons[0].contacts, offer.buttons[0].rate), (1, Some(0.5)));

    let reveal = step(&report, "revealed");
    assert_eq!((reveal.contacts, reveal.reveal_contacts, reveal.reveals), (2, 1, 1));
    assert_eq!((reveal.drop_off, reveal.drop_off_rate), (None, None));
    assert_eq!(step(&report, "thanks").contacts, 1);

    let day_before = report_of(&days, -1);
    assert_eq!((day_before.cohort, step(&day_before, "offer").contacts), (1, 1));
}

fn report_of(days: &BTreeMap<Day, Counters>, day: Day) -> FunnelReport {
    report(&flow(), &range(days, day, day))
}

#[test]
fn an_empty_range_has_no_rates() {
    let report = report(&flow(), &Counters::default());
    assert_eq!(report.cohort, 0);
    assert!(report.steps.iter().all(|s| s.contacts == 0 && s.rate_from_entry.is_none()));
}

#[test]
fn cohort_days_follow_the_reporting_time_zone() {
    // 2026-11-24 03:00 UTC is still the 23rd in New York.
    let at = jiff::Timestamp::from_second(1_795_489_200).unwrap().as_millisecond();
    let new_york = Rules::new(14, jiff::tz::TimeZone::get("America/New_York").unwrap());
    assert_eq!(day_date(new_york.day_of(at)), jiff::civil::date(2026, 11, 23));
    assert_eq!(day_date(utc(0).day_of(at)), jiff::civil::date(2026, 11, 24));
    assert_eq!(day_number(day_date(20_000)), 20_000);
}

#[test]
fn delays_fall_in_buckets_of_growing_size() {
    assert_eq!(delay_bucket(-5), 0);
    assert_eq!(delay_bucket(1_999), 1_000);
    assert_eq!(delay_bucket(61_500), 60_000);
    assert_eq!(delay_bucket(3_600_000 + 20 * 60_000), 3_600_000 + 15 * 60_000);
    assert_eq!(delay_bucket(2 * DAY + 90 * 60_000), 2 * DAY + 3_600_000);
}

/// Random journeys: each contact's events in time order (as recorded), with taps on any button
/// (even of steps not reached), restarts, repeats and reveals, spread over a few days.
fn journeys() -> impl Strategy<Value = Vec<FunnelEvent>> {
    let steps = ["welcome", "offer", "revealed", "thanks"];
    let buttons = [("welcome", "show", "offer"), ("welcome", "no", "thanks"), ("offer", "reveal", "revealed")];
    let event = (0i64..8, 0i64..4 * DAY, 0usize..8).prop_map(move |(contact, at, pick)| match pick {
        0..=3 => vec![entered(contact, at, steps[pick])],
        4..=6 => {
            let (s, b, n) = buttons[pick - 4];
            tap(contact, at, s, b, n).to_vec()
        }
        _ => vec![revealed(contact, at)],
    });
    prop::collection::vec(event, 0..80).prop_map(|groups| {
        let mut events: Vec<FunnelEvent> = groups.into_iter().flatten().collect();
        // Recorded order: by time (stable, so a tap's click stays before its step).
        events.sort_by_key(|e| e.at);
        events
    })
}

fn time_zones() -> impl Strategy<Value = jiff::tz::TimeZone> {
    prop::sample::select(vec!["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
        .prop_map(|name| jiff::tz::TimeZone::get(name).unwrap())
}

proptest! {
    #[test]
    fn the_rollup_agrees_with_the_replay(events in journeys(), window in 0i64..2 * DAY, tz in time_zones()) {
        let rules = Rules { window_ms: window, time_zone: tz };
        prop_assert_eq!(rolled_up(&flow(), &rules, &events), replay(&flow(), &rules, &events));
    }

    #[test]
    fn rates_stay_between_0_and_1_and_subsets_hold(
        events in journeys(), window in 0i64..2 * DAY, from in -1i32..4, len in 0i32..4,
    ) {
        let days = replay(&flow(), &utc(window), &events);
        let report = report(&flow(), &range(&days, from, from + len));
        prop_assert_eq!(step(&report, "welcome").contacts, report.cohort);
        for s in &report.steps {
            prop_assert!(s.contacts <= report.cohort && s.contacts <= s.entries);
            let rates = [s.rate_from_entry, s.rate_from_previous, s.drop_off_rate];
            let arrival_rates = s.arrivals.iter().map(|a| a.rate);
            let button_rates = s.buttons.iter().map(|b| b.rate);
            for rate in rates.into_iter().chain(arrival_rates).chain(button_rates).flatten() {
                prop_assert!((0.0..=1.0).contains(&rate), "{} rate {}", s.step, rate);
            }
            for b in &s.buttons {
                prop_assert!(b.contacts <= s.contacts && b.contacts <= b.clicks);
            }
            if let Some(dropped) = s.drop_off {
                // Those who stayed clicked at least one button: the busiest button has at most
                // all of them, the buttons together at least all of them.
                let stayed = s.contacts - dropped;
                let clickers: Vec<u64> = s.buttons.iter().map(|b| b.contacts).collect();
                prop_assert!(clickers.iter().all(|&c| c <= stayed));
                prop_assert!(clickers.iter().sum::<u64>() >= stayed);
            }
            prop_assert!(s.reveal_contacts <= s.contacts && s.reveal_contacts <= s.reveals);
        }
    }

    #[test]
    fn a_range_counts_each_contact_once(events in journeys(), window in 0i64..2 * DAY) {
        let days = replay(&flow(), &utc(window), &events);
        let joined: std::collections::BTreeSet<i64> = events
            .iter()
            .filter(|e| matches!(&e.kind, FunnelEventKind::StepEntered { step } if step == "welcome"))
            .map(|e| e.contact)
            .collect();
        prop_assert_eq!(report(&flow(), &range(&days, Day::MIN, Day::MAX)).cohort, joined.len() as u64);
    }
}
