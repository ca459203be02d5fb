//! Funnel maths: what a flow's funnel counts, computed two ways that must agree exactly.
//!
//! The unit is the contact. A contact joins a flow's cohort the first time they enter its entry
//! step; the local day (in the reporting time zone) of that moment is their cohort day, and it
//! starts their conversion window. Within the window, in the order the events were recorded, a
//! contact *reached* a step when they entered it, *clicked* a button when they tapped it after
//! reaching its step, and *revealed* a coupon at a step they had reached. So a button's clickers
//! are a subset of its step's reachers, and a step's reachers a subset of the cohort: no rate
//! can leave [0 %, 100 %], whatever branches, restarts or repeated taps happen.
//!
//! Because each contact belongs to exactly one cohort day, the counts of a range of days are the
//! sums of the counts of its days. [`replay`] computes those counts from raw events, naively;
//! [`rollup::apply`] keeps them up to date one event at a time, which is what the store does so
//! that a funnel over millions of events reads a few hundred rows. [`report`] turns counts into
//! the funnel people read.

mod replay;
mod report;
pub mod rollup;

pub use replay::replay;
pub use report::{Arrival, ButtonReport, FunnelReport, StepReport, report};

use std::collections::BTreeMap;

/// One recorded event of a flow. Events are given in the order they were recorded.
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

/// How funnels are counted: the conversion window and the time zone whose days group cohorts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub window_ms: i64,
    pub time_zone: jiff::tz::TimeZone,
}

/// Days since 1970-01-01, in the reporting time zone.
pub type Day = i32;

impl Rules {
    pub const DEFAULT_WINDOW_DAYS: i64 = 14;

    pub fn new(window_days: i64, time_zone: jiff::tz::TimeZone) -> Rules {
        Rules { window_ms: window_days.saturating_mul(86_400_000), time_zone }
    }

    /// The local day of a moment.
    pub fn day_of(&self, at_ms: i64) -> Day {
        let date = match jiff::Timestamp::from_millisecond(at_ms) {
            Ok(t) => t.to_zoned(self.time_zone.clone()).date(),
            Err(_) if at_ms < 0 => jiff::civil::Date::MIN,
            Err(_) => jiff::civil::Date::MAX,
        };
        day_number(date)
    }

    /// Whether `at` falls in the conversion window of a journey that started at `started_at`.
    pub fn in_window(&self, started_at: i64, at: i64) -> bool {
        at >= started_at && at - started_at <= self.window_ms
    }
}

/// The day number of a calendar date.
pub fn day_number(date: jiff::civil::Date) -> Day {
    (date - jiff::civil::date(1970, 1, 1)).get_days()
}

/// The calendar date of a day number.
pub fn day_date(day: Day) -> jiff::civil::Date {
    jiff::civil::date(1970, 1, 1).saturating_add(jiff::Span::new().days(i64::from(day)))
}

/// What is counted, per cohort day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    /// Contacts who reached the step; total entries.
    Step(String),
    /// Contacts who clicked the button; total clicks.
    Click(String, String),
    /// Contacts who clicked any button of the step; total clicks.
    AnyClick(String),
    /// Contacts who revealed a coupon at the step; total reveals.
    Reveal(String),
}

impl Metric {
    /// The metric as stored: `step:ID`, `click:STEP:BUTTON`, `any_click:ID`, `reveal:ID`.
    pub fn key(&self) -> String {
        match self {
            Metric::Step(step) => format!("step:{step}"),
            Metric::Click(step, button) => format!("click:{step}:{button}"),
            Metric::AnyClick(step) => format!("any_click:{step}"),
            Metric::Reveal(step) => format!("reveal:{step}"),
        }
    }
}

/// Unique contacts and total occurrences of one metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub contacts: u64,
    pub total: u64,
}

/// Counts that add up: per metric key, and contacts per (click metric key, delay bucket) for
/// the median time from reaching a step to clicking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub counts: BTreeMap<String, Count>,
    pub delays: BTreeMap<(String, i64), u64>,
}

impl Counters {
    pub fn apply(&mut self, delta: &Delta) {
        let count = self.counts.entry(delta.metric.clone()).or_default();
        count.contacts += delta.contacts;
        count.total += delta.total;
        if let Some(bucket) = delta.delay_bucket {
            *self.delays.entry((delta.metric.clone(), bucket)).or_default() += 1;
        }
    }

    pub fn merge(&mut self, other: &Counters) {
        for (metric, count) in &other.counts {
            let mine = self.counts.entry(metric.clone()).or_default();
            mine.contacts += count.contacts;
            mine.total += count.total;
        }
        for (key, n) in &other.delays {
            *self.delays.entry(key.clone()).or_default() += n;
        }
    }

    pub fn count(&self, metric: &Metric) -> Count {
        self.counts.get(&metric.key()).copied().unwrap_or_default()
    }
}

/// A change to one cohort day's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub day: Day,
    pub metric: String,
    /// 1 when a contact is counted for the first time.
    pub contacts: u64,
    pub total: u64,
    /// The delay bucket of a contact's first click (click metrics only).
    pub delay_bucket: Option<i64>,
}

/// The bucket (its lower bound, in ms) of a delay: seconds under a minute, minutes under an
/// hour, quarter hours under a day, hours beyond. Medians are reported as a bucket's lower
/// bound, exact to that resolution whatever the number of contacts.
pub fn delay_bucket(ms: i64) -> i64 {
    const SECOND: i64 = 1_000;
    const MINUTE: i64 = 60 * SECOND;
    const HOUR: i64 = 60 * MINUTE;
    let unit = match ms {
        ..0 => return 0,
        0..MINUTE => SECOND,
        MINUTE..HOUR => MINUTE,
        HOUR..86_400_000 => 15 * MINUTE,
        _ => HOUR,
    };
    ms - ms % unit
}

#[cfg(test)]
mod tests;
