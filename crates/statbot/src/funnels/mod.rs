//! Funnels as the product shows them: the rollup worker that keeps per-day counts up to date
//! from recorded events, and reports over date ranges (summed or day by day) for the CLI, the
//! API, the charts and the dashboard. Reports first roll up whatever was recorded since the
//! worker last ran, so they always count every event. A report can also be split by the ref
//! the contacts came by (`by_ref`): each contact of the cohort counts under the ref of its
//! latest referral at or before its first entry into the flow (see `store::funnels`), or by
//! the variant of each split step (`by_variant`, see `splits`). After the reveals come the
//! redemptions: contacts who redeemed a code and their net revenue per currency ([`Redemptions`]).

pub mod charts;
pub mod csv;
pub mod format;
mod splits;

pub use crate::store::{Redemptions, Revenue};
pub use splits::{DEFAULT_MIN_SAMPLE, SplitReport, StepContacts, VariantReport};

use crate::engine::LoadedFlows;
use crate::schedule::{Job, Scheduler};
use crate::store::{RedeemedBy, RollupRound, Store, StoreError};
use jiff::civil::Date;
use serde::Serialize;
use statbot_core::flow::Flow;
use statbot_core::funnel::{self, Counters, FunnelReport, Rules, day_date, day_number, rollup};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Events rolled up per transaction when a report waits for them.
const ROUND: i64 = 20_000;
/// Events rolled up per transaction by the worker: small rounds, often, so that on SQLite it
/// holds the one connection only briefly between the webhook pipeline's transactions.
const WORKER_ROUND: i64 = 250;
/// How often the worker rolls up new events.
const EVERY: Duration = Duration::from_millis(200);
/// While the webhook pipeline is busy (it acted on messages this recently), the worker waits…
const BUSY_MS: i64 = 100;
/// …but never longer than this between catch-ups.
const MAX_LAG: Duration = Duration::from_secs(10);
/// The longest range a report covers.
const MAX_DAYS: i32 = 3_660;

#[derive(Debug, thiserror::Error)]
pub enum FunnelError {
    #[error("no flow is named `{0}`")]
    UnknownFlow(String),
    #[error("{0}")]
    BadRange(String),
    #[error("flow `{flow}` has no step `{step}`")]
    UnknownStep { flow: String, step: String },
    #[error("funnels.window_days must be at least 1 (it is {0})")]
    BadWindow(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An inclusive range of dates in the reporting time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}

impl DateRange {
    /// From optional `YYYY-MM-DD` texts: `to` defaults to today, `from` to 29 days before `to`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<DateRange, FunnelError> {
        let parse = |what: &str, text: &str| {
            text.trim().parse::<Date>().map_err(|_| {
                FunnelError::BadRange(format!("{what} `{text}` is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24"))
            })
        };
        let to = match to {
            Some(text) => parse("to", text)?,
            None => today,
        };
        let from = match from {
            Some(text) => parse("from", text)?,
            None => to.saturating_sub(jiff::Span::new().days(29)),
        };
        if from > to {
            return Err(FunnelError::BadRange(format!("from ({from}) is after to ({to})")));
        }
        if day_number(to) - day_number(from) >= MAX_DAYS {
            return Err(FunnelError::BadRange(format!("the range covers more than {MAX_DAYS} days")));
        }
        Ok(DateRange { from, to })
    }
}

/// A funnel over a range, with its day-by-day breakdown when asked for.
#[derive(Debug, Clone, Serialize)]
pub struct RangeReport {
    pub range: DateRange,
    pub time_zone: String,
    pub window_days: i64,
    #[serde(flatten)]
    pub funnel: FunnelReport,
    /// How many of the contacts who entered came on each channel (`messenger`, `instagram`,
    /// `web`, `console`); they add up to the cohort.
    pub channels: BTreeMap<String, i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<DayReport>>,
    /// The funnel of each ref the cohort came by (most contacts first, no ref last); their
    /// counts add up to the funnel's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_ref: Option<Vec<RefReport>>,
    /// Each split step's test: the funnel by variant and which variant converts better.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_variant: Option<Vec<SplitReport>>,
    /// After `revealed`: the cohort's contacts who redeemed a code, and their revenue.
    #[serde(flatten)]
    pub redemptions: Redemptions,
}

impl RangeReport {
    /// "By channel: Instagram 3, Messenger 12, web chat 2", when any contact entered.
    pub fn channels_line(&self) -> Option<String> {
        if self.channels.is_empty() {
            return None;
        }
        let name = |channel: &str| {
            match channel {
                "messenger" => "Messenger",
                "instagram" => "Instagram",
                "web" => "web chat",
                "console" => "terminal chat",
                other => other,
            }
            .to_owned()
        };
        let parts: Vec<String> = self.channels.iter().map(|(channel, n)| format!("{} {n}", name(channel))).collect();
        Some(format!("By channel: {}", parts.join(", ")))
    }
}

/// The part of a funnel whose contacts came by one ref.
#[derive(Debug, Clone, Serialize)]
pub struct RefReport {
    /// `None`: contacts with no referral (with a ref) before entering the flow.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    #[serde(flatten)]
    pub funnel: FunnelReport,
    #[serde(flatten)]
    pub redemptions: Redemptions,
}

impl RefReport {
    /// The ref as people read it: `(direct)` for none.
    pub fn label(&self) -> &str {
        self.reference.as_deref().unwrap_or(DIRECT)
    }
}

/// How reports name contacts that came by no ref.
pub const DIRECT: &str = "(direct)";

#[derive(Debug, Clone, Serialize)]
pub struct DayReport {
    pub date: Date,
    #[serde(flatten)]
    pub funnel: FunnelReport,
}

#[derive(Clone)]
pub struct Funnels {
    store: Store,
    flows: Arc<LoadedFlows>,
    rules: Rules,
    window_days: i64,
    /// The business time zone's name, as reports say it.
    time_zone: String,
    /// The rules as the rollup records them: changing any part recounts everything.
    rules_key: String,
    /// Contacts each variant of a split test needs before a verdict.
    min_sample: u64,
}

impl Funnels {
    /// Funnels over `flows` with a conversion window of `window_days` (`funnels.window_days`),
    /// in the business time zone.
    pub fn new(
        store: Store,
        flows: Arc<LoadedFlows>,
        window_days: i64,
        zone: jiff::tz::TimeZone,
    ) -> Result<Funnels, FunnelError> {
        if window_days < 1 {
            return Err(FunnelError::BadWindow(window_days));
        }
        let time_zone = zone.iana_name().unwrap_or("UTC").to_owned();
        let rules = Rules::new(window_days, zone);
        let entries: Vec<String> = flows.set.iter().map(|f| format!("{}={}", f.name, f.entry)).collect();
        let rules_key = format!("window_ms={};tz={};entries={}", rules.window_ms, time_zone, entries.join(","));
        Ok(Funnels { store, flows, rules, window_days, time_zone, rules_key, min_sample: DEFAULT_MIN_SAMPLE })
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Today in the reporting time zone.
    pub fn today(&self) -> Date {
        jiff::Timestamp::now().to_zoned(self.rules.time_zone.clone()).date()
    }

    pub fn flow(&self, name: &str) -> Result<&Flow, FunnelError> {
        self.flows.set.get(name).ok_or_else(|| FunnelError::UnknownFlow(name.to_owned()))
    }

    /// Every loaded flow, in load order.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.flows.set.iter()
    }

    /// Rolls up every event recorded so far; returns how many were counted.
    pub async fn catch_up(&self) -> Result<usize, FunnelError> {
        self.catch_up_by(ROUND).await
    }

    /// [`Funnels::catch_up`] in transactions of at most `limit` events.
    async fn catch_up_by(&self, limit: i64) -> Result<usize, FunnelError> {
        let mut counted = 0;
        loop {
            let round = self.round(limit).await?;
            counted += round.events;
            if !round.more {
                return Ok(counted);
            }
        }
    }

    /// One rollup transaction of at most `limit` events.
    /// Whether there are events to roll up (or counts to make again); `true` when that could not
    /// be read, so that the round reports the error.
    async fn backlog(&self) -> bool {
        self.store.funnel_backlog(&self.rules_key).await.unwrap_or(true)
    }

    async fn round(&self, limit: i64) -> Result<RollupRound, FunnelError> {
        let round = self.store.roll_funnels(&self.rules_key, limit, |e, state| self.roll(e, state)).await?;
        if round.rebuilt {
            tracing::info!("the funnel rules changed (window, time zone or entry steps): recounting every event");
        }
        Ok(round)
    }

    /// The counts one event changes (events of a flow no longer loaded count nowhere).
    fn roll(&self, e: &crate::store::FlowEvent, state: &mut Option<rollup::ContactState>) -> Vec<funnel::Delta> {
        match self.flows.set.get(&e.flow) {
            Some(flow) => rollup::apply(flow, &self.rules, state, &e.event),
            None => Vec::new(),
        }
    }

    /// The funnel of `flow` over `range`, and its days when `by_day`.
    pub async fn report(&self, flow: &str, range: DateRange, by_day: bool) -> Result<RangeReport, FunnelError> {
        let flow = self.flow(flow)?;
        self.catch_up().await?;
        let (from, to) = (day_number(range.from), day_number(range.to));
        let (funnel, days) = if by_day {
            let per_day = self.store.funnel_counters_by_day(&flow.name, from, to).await?;
            let mut total = Counters::default();
            per_day.values().for_each(|day| total.merge(day));
            let empty = Counters::default();
            let days = (from..=to)
                .map(|day| DayReport {
                    date: day_date(day),
                    funnel: funnel::report(flow, per_day.get(&day).unwrap_or(&empty)),
                })
                .collect();
            (funnel::report(flow, &total), Some(days))
        } else {
            (funnel::report(flow, &self.store.funnel_counters(&flow.name, from, to).await?), None)
        };
        Ok(RangeReport {
            range,
            time_zone: self.time_zone.clone(),
            window_days: self.window_days,
            funnel,
            channels: self.store.funnel_cohort_by_channel(&flow.name, from, to).await?,
            days,
            by_ref: None,
            by_variant: None,
            redemptions: self.redemptions(&flow.name, from, to).await?,
        })
    }

    /// The funnel of `flow` over `range` with one funnel per ref (`by_ref`). The funnel is the
    /// sum of the refs' counts, read together, so that they always add up.
    pub async fn report_by_ref(&self, flow: &str, range: DateRange) -> Result<RangeReport, FunnelError> {
        self.by_ref(flow, range, true).await
    }

    /// [`Funnels::report_by_ref`] without the buttons' median times (`median_ms` is `None`),
    /// for a page that shows contacts only: the medians are most of what is read.
    pub async fn split_by_ref(&self, flow: &str, range: DateRange) -> Result<RangeReport, FunnelError> {
        self.by_ref(flow, range, false).await
    }

    async fn by_ref(&self, flow: &str, range: DateRange, medians: bool) -> Result<RangeReport, FunnelError> {
        let flow = self.flow(flow)?;
        self.catch_up().await?;
        let (from, to) = (day_number(range.from), day_number(range.to));
        let by_ref = self.store.funnel_counters_by_ref(&flow.name, from, to, medians).await?;
        let mut total = Counters::default();
        by_ref.values().for_each(|counters| total.merge(counters));
        let mut redeemed = self.store.funnel_redemptions(&flow.name, from, to, RedeemedBy::Ref).await?;
        let mut parts: Vec<RefReport> = by_ref
            .into_iter()
            .map(|(reference, counters)| RefReport {
                redemptions: Redemptions::from_counts(redeemed.remove(&reference)),
                reference,
                funnel: funnel::report(flow, &counters),
            })
            .collect();
        parts.sort_by(|a, b| {
            (a.reference.is_none(), std::cmp::Reverse(a.funnel.cohort), &a.reference).cmp(&(
                b.reference.is_none(),
                std::cmp::Reverse(b.funnel.cohort),
                &b.reference,
            ))
        });
        Ok(RangeReport {
            range,
            time_zone: self.time_zone.clone(),
            window_days: self.window_days,
            funnel: funnel::report(flow, &total),
            channels: self.store.funnel_cohort_by_channel(&flow.name, from, to).await?,
            days: None,
            by_ref: Some(parts),
            by_variant: None,
            redemptions: self.redemptions(&flow.name, from, to).await?,
        })
    }

    /// What the cohort of `flow` over `range` redeemed, per coupon of the flow (coupons with no
    /// redemption left out). The funnels are not rolled up first: read with a report.
    pub async fn redemptions_by_coupon(
        &self,
        flow: &str,
        range: DateRange,
    ) -> Result<BTreeMap<String, Redemptions>, FunnelError> {
        let (from, to) = (day_number(range.from), day_number(range.to));
        let by_coupon = self.store.funnel_redemptions(flow, from, to, RedeemedBy::Coupon).await?;
        Ok(by_coupon
            .into_iter()
            .filter_map(|(coupon, counts)| Some((coupon?, Redemptions::from_counts(Some(counts)))))
            .collect())
    }

    /// What the cohort of days `from..=to` redeemed.
    async fn redemptions(&self, flow: &str, from: funnel::Day, to: funnel::Day) -> Result<Redemptions, FunnelError> {
        let mut all = self.store.funnel_redemptions(flow, from, to, RedeemedBy::Flow).await?;
        Ok(Redemptions::from_counts(all.remove(&None)))
    }

    /// The worker: rolls up new events every `EVERY` until cancelled, once per `EVERY`
    /// across the instances sharing the store (see [`crate::schedule`]); with no new events it
    /// claims nothing and writes nothing. Live traffic comes
    /// first: while this instance's pipeline is busy (`last_busy`, ms) it waits; once
    /// `MAX_LAG` behind, it rolls one round a tick until it has caught up.
    pub async fn run(self, scheduler: Scheduler, last_busy: Arc<AtomicI64>, cancel: CancellationToken) {
        let mut caught_up = Instant::now();
        loop {
            let busy = crate::store::now_ms() - last_busy.load(Ordering::Relaxed) < BUSY_MS;
            let acts = (!busy || caught_up.elapsed() >= MAX_LAG) && self.backlog().await;
            if let Some(run) = if acts { scheduler.claim_if_due(Job::FunnelRollup, EVERY).await } else { None } {
                let result = if !busy {
                    self.catch_up_by(WORKER_ROUND).await.map(|_| caught_up = Instant::now())
                } else {
                    // Under sustained load, one round a tick: the backlog stays bounded and the
                    // pipeline never waits behind more than one round.
                    self.round(WORKER_ROUND).await.map(|round| {
                        if !round.more {
                            caught_up = Instant::now();
                        }
                    })
                };
                if let Err(e) = &result {
                    tracing::error!(error = %e, "rolling up funnel events failed; trying again shortly");
                }
                run.finish(result.as_ref().err().map(ToString::to_string)).await;
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    }
}
